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
from dataclasses import dataclass
from pathlib import Path

from proxy import catalog as catalog_module
from proxy import config as config_module
from proxy.catalog import Catalog
from proxy.config import Config
from proxy.errors import ConfigError
from proxy.plugins import codec, models, schema
from proxy.plugins.dispatch import CallRunner
from proxy.plugins.host import PluginHost, Snapshot
from proxy.plugins.host_calls import HostCalls
from proxy.plugins.scopes import ScopeRegistry
from proxy.plugins.streams import StreamRegistry

log = logging.getLogger("cliproxy")


@dataclass(frozen=True)
class Generation:
    config: Config
    snapshot: Snapshot
    catalog: Catalog


class Runtime:
    def __init__(self, config: Config) -> None:
        self.runner = CallRunner(config.plugins.worker_threads, config.plugins.call_timeout)
        self.streams = StreamRegistry(config.plugins.stream_buffer_chunks)
        self.scopes = ScopeRegistry()
        self.host = PluginHost(self.runner, HostCalls(self.streams, self.scopes))
        self.current = Generation(config, Snapshot(), Catalog())
        self.last_error = ""

    @property
    def config(self) -> Config:
        return self.current.config

    def apply(self, config: Config) -> Generation:
        """Blocking: loads/registers plugins for `config` and publishes the result."""
        self.runner.timeout = config.plugins.call_timeout
        self.streams.capacity = config.plugins.stream_buffer_chunks
        if config.debug:
            logging.getLogger("cliproxy").setLevel(logging.DEBUG)
        elif self.config.debug:  # switched off by this reload
            logging.getLogger("cliproxy").setLevel(logging.NOTSET)
        snapshot = self.host.apply(config)
        summary = codec.zero(schema.HOST_CONFIG_SUMMARY)
        catalog = catalog_module.build(models.collect(snapshot, summary))
        self.current = Generation(config, snapshot, catalog)
        return self.current

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
        """Polls the config file until cancelled."""
        source = self.config.source
        if source is None or not self.config.watch_interval:
            return
        seen = _stamp(source)
        while True:
            await asyncio.sleep(self.config.watch_interval or 1.0)
            stamp = _stamp(source)
            if stamp != seen:
                seen = stamp
                await self.reload()

    def shutdown(self) -> bool:
        """Blocking: drains and shuts down every plugin, then the worker pool. False when a
        plugin call was still running (native code cannot be interrupted)."""
        drained = self.host.shutdown(self.config.plugins.shutdown_timeout)
        self.runner.close()
        return drained


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
