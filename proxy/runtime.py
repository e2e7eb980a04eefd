"""The live state of one proxy: configuration, plugins, catalog, and their reload.

`apply` is blocking (it talks to plugins) and is run on a thread; what it produces (a new
config, plugin snapshot and catalog) is published together, so a request sees one
consistent generation. The config file is polled for changes (size, mtime, then a content
hash, so an editor's save-in-place and an atomic rename both count); a broken edit is
logged and the last good configuration stays in force.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from proxy import catalog as catalog_module
from proxy import config as config_module
from proxy.catalog import Catalog
from proxy.config import Config
from proxy.errors import ConfigError
from proxy.executors import Executor
from proxy.extensions import Extensions
from proxy.formats.registry import Hooks, Registry
from proxy.plugins import auth, frontend_auth, management, models, thinking
from proxy.plugins.dispatch import CallRunner
from proxy.plugins.frontend_auth import FrontendAuth
from proxy.plugins.host import PluginHost, Snapshot
from proxy.plugins.host_calls import HostCalls
from proxy.plugins.lifecycle import Notifier
from proxy.plugins.management import ManagementRoutes
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry
from proxy.plugins.streams import StreamRegistry
from proxy.providers import (
    claude_api,
    codex_api,
    credentials,
    gemini_api,
    openai_compat,
    upstream,
)
from proxy.providers.credentials import Credential
from proxy.providers.pool import Pool, PoolState

log = logging.getLogger("cliproxy")


@dataclass(frozen=True)
class Generation:
    """Everything a request reads, built together by one `apply`."""

    config: Config
    snapshot: Snapshot
    catalog: Catalog
    pool: Pool = field(default_factory=lambda: Pool((), PoolState()))
    hooks: Hooks = field(default_factory=Hooks)
    frontend: FrontendAuth = field(default_factory=FrontendAuth)
    auth_owners: dict[str, Plugin] = field(default_factory=dict)  # provider -> auth plugin
    management: ManagementRoutes = field(default_factory=ManagementRoutes)
    host_summary: dict[str, Any] = field(default_factory=dict)
    thinking: dict[str, Plugin] = field(default_factory=dict)  # format -> thinking applier
    plugin_models: tuple[models.PluginModels, ...] = ()  # model.static / model.register
    extensions: Extensions = field(default_factory=Extensions)  # proxy.sdk additions

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.hooks)


class Runtime:
    def __init__(self, config: Config) -> None:
        self.runner = CallRunner(config.plugins.worker_threads, config.plugins.call_timeout)
        self.streams = StreamRegistry(
            config.plugins.stream_buffer_chunks,
            config.plugins.max_executor_streams,
            config.plugins.stream_emit_timeout,
        )
        self.scopes = ScopeRegistry()
        self.host = PluginHost(self.runner, HostCalls(self.streams, self.scopes))
        self.notifier = Notifier(self.scopes)
        self.upstream = upstream.UpstreamClients(config.proxy_url, config.limits)
        self.pool_state = PoolState()
        self.extensions = Extensions()
        self.current = Generation(config, Snapshot(), Catalog(), extensions=self.extensions)
        self.last_error = ""

    @property
    def config(self) -> Config:
        return self.current.config

    def apply(self, config: Config) -> Generation:
        """Blocking: loads/registers plugins for `config` and publishes the result."""
        self.runner.timeout = config.plugins.call_timeout
        self.streams.capacity = config.plugins.stream_buffer_chunks
        self.streams.max_per_plugin = config.plugins.max_executor_streams
        self.streams.emit_timeout = config.plugins.stream_emit_timeout
        if config.debug:
            logging.getLogger("cliproxy").setLevel(logging.DEBUG)
        elif self.config.debug:  # switched off by this reload
            logging.getLogger("cliproxy").setLevel(logging.NOTSET)
        snapshot = self.host.apply(config)
        summary = host_summary(config)
        static = tuple(models.collect(snapshot, summary))
        owners = auth.identifiers(snapshot)
        catalog, pool = self._models_and_credentials(config, snapshot, static, owners, summary)
        self.current = Generation(
            config,
            snapshot,
            catalog,
            pool=pool,
            hooks=Hooks.of(snapshot),
            frontend=frontend_auth.build(snapshot),
            auth_owners=owners,
            management=management.build(snapshot),
            host_summary=summary,
            thinking=thinking.appliers(snapshot),
            plugin_models=static,
            extensions=self.extensions,
        )
        return self.current

    def reload_credentials(self) -> Generation:
        """Blocking: re-reads auth-dir (after a login or a file change) and republishes;
        the plugins' static model lists of this generation are kept."""
        current = self.current
        catalog, pool = self._models_and_credentials(
            current.config,
            current.snapshot,
            current.plugin_models,
            current.auth_owners,
            current.host_summary,
        )
        self.current = replace(current, catalog=catalog, pool=pool)
        return self.current

    def _models_and_credentials(
        self,
        config: Config,
        snapshot: Snapshot,
        static: tuple[models.PluginModels, ...],
        owners: dict[str, Plugin],
        summary: dict[str, Any],
    ) -> tuple[Catalog, Pool]:
        """Blocking: the credentials (auth-dir and built-in providers), the models each
        credential serves, and the catalog of every model."""
        found = auth.load_credentials(snapshot, owners, summary)
        models.for_credentials(snapshot, list(static), owners, found, summary, self.scopes)
        builtin = self._builtin(config)
        for provider in builtin:
            found += provider.credentials
        catalog = catalog_module.build(static, found, [p.catalog for p in builtin])
        return catalog, Pool(found, self.pool_state)

    def _builtin(self, config: Config) -> list[Builtin]:
        """The configured built-in providers (their credentials live in memory only)."""
        self.upstream.proxy_url = config.proxy_url
        built = [
            Builtin.of(
                entry.provider,
                openai_compat.OpenAICompatExecutor(entry, self.upstream),
                openai_compat.model_infos(entry),
                openai_compat.credentials_of(entry),
            )
            for entry in config.openai_compatibility
            if not entry.disabled
        ]
        for executor, entries in (
            (claude_api.ClaudeExecutor, config.claude_api_keys),
            (gemini_api.GeminiExecutor, config.gemini_api_keys),
            (codex_api.CodexExecutor, config.codex_api_keys),
        ):
            if entries:
                built.append(
                    Builtin.of(
                        executor.provider,
                        executor(entries, self.upstream),
                        executor.model_infos(entries),
                        executor.credentials_of(entries),
                    )
                )
        built += [
            Builtin.of(extra.provider, extra.executor, extra.model_infos, list(extra.credentials))
            for extra in self.extensions.providers.values()
        ]
        return built

    async def reload(self) -> bool:
        """Re-reads the config file; True when a new configuration was applied."""
        source = self.config.source
        if source is None:
            return False
        try:
            config = await asyncio.to_thread(config_module.load, source)
        except ConfigError as exc:
            if exc.message != self.last_error:
                log.error("config reload failed, keeping the last good config: %s", exc.message)
            self.last_error = exc.message
            return False
        self.last_error = ""
        if config.digest == self.config.digest:
            return False
        await asyncio.to_thread(self.apply, config)
        log.info("config reloaded from %s", source)
        return True

    async def watch(self) -> None:
        """Polls the config file and the credential directory until cancelled."""
        source = self.config.source
        if source is None or not self.config.watch_interval:
            return
        seen = _stamp(source)
        seen_credentials = _dir_stamp(self.config.auth_path)
        while True:
            await asyncio.sleep(self.config.watch_interval or 1.0)
            stamp = _stamp(source)
            if stamp != seen:
                seen = stamp
                if await self.reload():
                    seen_credentials = _dir_stamp(self.config.auth_path)
                    continue
            credentials_stamp = _dir_stamp(self.config.auth_path)
            if credentials_stamp != seen_credentials:
                seen_credentials = credentials_stamp
                await asyncio.to_thread(self.reload_credentials)
                log.info("credentials reloaded from %s", self.config.auth_path)

    def shutdown(self) -> bool:
        """Blocking: drains and shuts down every plugin, then the worker pool. False when a
        plugin call was still running (native code cannot be interrupted)."""
        drained = self.host.shutdown(self.config.plugins.shutdown_timeout)
        self.runner.close()
        return drained


@dataclass(frozen=True)
class Builtin:
    catalog: catalog_module.BuiltinProvider
    credentials: list[Credential]

    @classmethod
    def of(
        cls,
        provider: str,
        executor: Executor,
        infos: list[dict[str, Any]],
        found: list[Credential],
    ) -> Builtin:
        return cls(catalog_module.BuiltinProvider(provider, executor, tuple(infos)), found)


def host_summary(config: Config) -> dict[str, Any]:
    """The HostConfigSummary plugins get (02 §0.6)."""
    return {
        "AuthDir": str(config.auth_path),
        "ProxyURL": config.proxy_url,
        "ForceModelPrefix": False,
        "OAuthModelAlias": None,
        "ExcludedModels": None,
    }


def _dir_stamp(directory: Path) -> frozenset[tuple[str, int, int]]:
    """What changes when a credential file is added, removed or rewritten."""
    stamps = set()
    for path in credentials.credential_files(directory):
        stamp = _stamp(path)
        if stamp is not None:
            stamps.add((str(path), *stamp))
    return frozenset(stamps)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
