"""The plugin host: applies the configuration to the set of loaded plugins.

`apply` runs on a worker thread (it makes blocking plugin calls) and is serialised. For each
selected file of an enabled plugin it opens the library if needed (a new path for a loaded
id is a hot reload: the old library is retired, not shut down, 01 §3.10), sends
`plugin.register` the first time and `plugin.reconfigure` after, and validates the reply.
A failure affects only that plugin: it stays inactive with its reason recorded and
everything else goes on. The result is a `Snapshot` of the active plugins ordered by
priority descending, then id ascending (02 §0.5), published atomically.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from proxy.config import Config
from proxy.errors import PluginLoadError, ProxyError
from proxy.native.library import NativeLibrary
from proxy.plugins import discovery, registration, schema
from proxy.plugins.dispatch import CallRunner
from proxy.plugins.host_calls import HostCalls
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin

log = logging.getLogger("cliproxy.plugins")


@dataclass(frozen=True)
class Snapshot:
    plugins: tuple[Plugin, ...] = ()
    _having: dict[str, tuple[Plugin, ...]] = field(default_factory=dict, compare=False, repr=False)

    def get(self, plugin_id: str) -> Plugin | None:
        return next((p for p in self.plugins if p.id == plugin_id), None)

    def having(self, flag: str) -> tuple[Plugin, ...]:
        """The active plugins declaring capability `flag`, in call order (02 §0.5)."""
        found = self._having.get(flag)
        if found is None:
            found = self._having[flag] = tuple(p for p in self.plugins if p.has(flag))
        return found


@dataclass(frozen=True)
class PluginStatus:
    """One row of `cliproxy plugins list` and the management view."""

    id: str
    path: str
    enabled: bool
    priority: int
    status: str  # active | disabled | error
    error: str = ""
    metadata: dict[str, object] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()
    schema_version: int = 0


class PluginHost:
    def __init__(self, runner: CallRunner, host_calls: HostCalls) -> None:
        self.runner = runner
        self.host_calls = host_calls
        self.snapshot = Snapshot()
        self._plugins: dict[str, Plugin] = {}
        self._retired: list[Plugin] = []
        self._statuses: list[PluginStatus] = []
        self._lock = threading.Lock()

    def apply(self, config: Config) -> Snapshot:
        with self._lock:
            if not config.plugins.enabled:
                self.snapshot = Snapshot()
                self._statuses = [
                    PluginStatus(
                        e.id, e.path, e.enabled, e.priority, "disabled", "plugins.enabled is false"
                    )
                    for e in config.plugins.configs.values()
                ]
                return self.snapshot
            selected = discovery.select(config)
            active: list[Plugin] = []
            for candidate in selected:
                plugin = self._load_and_register(candidate, config)
                if plugin.active:
                    active.append(plugin)
            active.sort(key=lambda p: (-p.priority, p.id))
            self.snapshot = Snapshot(tuple(active))
            self._statuses = self._describe(config, {c.id for c in selected})
            return self.snapshot

    def _load_and_register(self, candidate: discovery.Candidate, config: Config) -> Plugin:
        entry = config.plugins.configs[candidate.id]
        plugin = self._plugins.get(candidate.id)
        if plugin is not None and plugin.library is not None and plugin.path != candidate.path:
            log.info(
                "plugin %s hot reloaded from %s (retired %s)",
                plugin.id,
                candidate.path,
                plugin.path,
            )
            self._retired.append(plugin)
            plugin = None
        if plugin is None or plugin.library is None:
            plugin = Plugin(candidate.id, candidate.path, self.runner)
            self._plugins[candidate.id] = plugin
            try:
                self._refuse_shared_file(candidate)
                plugin.library = NativeLibrary.open(
                    candidate.path, self.host_calls.for_plugin(candidate.id)
                )
            except PluginLoadError as exc:
                plugin.error = exc.message
                log.warning("%s", exc.message)
                return plugin
            log.info("plugin %s loaded from %s", plugin.id, plugin.path)
        plugin.priority = entry.priority
        self._register(plugin, entry.config_yaml, config.plugins.call_timeout)
        return plugin

    def _refuse_shared_file(self, candidate: discovery.Candidate) -> None:
        """dlopen hands back the already loaded instance for the same file, so a second id
        would share its globals and its host table: its callbacks would be attributed to
        whichever id initialised last. Refuse instead."""
        identity = _file_identity(candidate.path)
        if identity is None:
            return  # NativeLibrary.open reports the missing file
        for other in self._plugins.values():
            loaded = other.id != candidate.id and other.library is not None
            if loaded and identity == _file_identity(other.path):
                raise PluginLoadError(
                    candidate.path,
                    f"the same file is already loaded as plugin {other.id}; copy the file "
                    "to load it under a second id",
                )

    def _register(self, plugin: Plugin, config_yaml: str, timeout: float) -> None:
        method = Method.PLUGIN_RECONFIGURE if plugin.registered_once else Method.PLUGIN_REGISTER
        try:
            reply = plugin.call_blocking(
                method, registration.request(config_yaml), schema.REGISTRATION, timeout
            )
            plugin.registration = registration.validate(reply)
            plugin.error = ""
            if not plugin.registered_once:
                log.info(
                    "plugin %s registered: %s %s, capabilities %s",
                    plugin.id,
                    plugin.registration.name,
                    plugin.registration.metadata["Version"],
                    ", ".join(plugin.registration.flags),
                )
        except ProxyError as exc:
            plugin.registration = None
            plugin.error = f"{method.value} failed: {exc.message}"
            log.warning("plugin %s: %s", plugin.id, plugin.error)
        finally:
            plugin.registered_once = True

    def _describe(self, config: Config, selected: set[str]) -> list[PluginStatus]:
        ids = sorted(set(config.plugins.configs) | set(self._plugins))
        return [self._status(config, plugin_id, plugin_id in selected) for plugin_id in ids]

    def _status(self, config: Config, plugin_id: str, selected: bool) -> PluginStatus:
        entry = config.plugins.configs.get(plugin_id)
        plugin = self._plugins.get(plugin_id)
        enabled = bool(entry and entry.enabled)
        priority = entry.priority if entry else 0
        path = plugin.path if plugin else (entry.path if entry else "")
        row = PluginStatus(plugin_id, path, enabled, priority, "error")
        if not enabled:
            return replace(row, status="disabled")
        if not selected:
            where = entry.path if entry and entry.path else str(Path(config.plugins.dir))
            return replace(row, error=f"no plugin file found for it in {where}")
        if plugin is None or not plugin.active or plugin.registration is None:
            return replace(row, error=plugin.error if plugin else "not loaded")
        reg = plugin.registration
        return replace(
            row,
            status="active",
            metadata=reg.metadata,
            capabilities=reg.flags,
            schema_version=reg.schema_version,
        )

    def statuses(self) -> list[PluginStatus]:
        return list(self._statuses)

    def shutdown(self, timeout: float) -> bool:
        """Drains and shuts down every loaded and retired library (blocking). False when
        some plugin still had calls running after `timeout`."""
        with self._lock:
            libraries = [p.library for p in [*self._plugins.values(), *self._retired] if p.library]
            self.snapshot = Snapshot()
            self._plugins.clear()
            self._retired.clear()
        drained = True
        for library in libraries:
            if not library.shutdown(timeout):
                drained = False
                log.warning(
                    "plugin %s still had calls running after %gs; its shutdown will run "
                    "when they return",
                    library.path,
                    timeout,
                )
        return drained


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino
