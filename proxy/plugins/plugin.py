"""One plugin id: its loaded library, its registration, and its health counters."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from proxy.errors import PluginCallError, PluginTimeoutError, ProxyError
from proxy.native.library import NativeLibrary
from proxy.plugins import codec, envelope
from proxy.plugins.dispatch import CallRunner
from proxy.plugins.methods import Method
from proxy.plugins.registration import Registration

log = logging.getLogger("cliproxy.plugins")


@dataclass
class Health:
    calls: int = 0
    errors: int = 0
    timeouts: int = 0


class Plugin:
    """A plugin as the rest of the proxy sees it. Calls are made through `call` (async, on
    the worker pool) or `call_blocking` (from a non-loop thread)."""

    def __init__(self, plugin_id: str, path: str, runner: CallRunner) -> None:
        self.id = plugin_id
        self.path = path
        self.priority = 0
        self.library: NativeLibrary | None = None
        self.registration: Registration | None = None
        self.error = ""
        self.registered_once = False
        self.health = Health()
        self._runner = runner
        self._label = f"plugin {plugin_id}"

    @property
    def active(self) -> bool:
        return self.library is not None and self.registration is not None and not self.error

    def has(self, flag: str) -> bool:
        return self.registration is not None and self.registration.has(flag)

    def _library(self) -> NativeLibrary:
        if self.library is None:
            raise PluginCallError(f"plugin {self.id} is not loaded", plugin_id=self.id)
        return self.library

    async def call(
        self, method: Method, request: bytes, result: codec.Kind, timeout: float | None = None
    ) -> Any:
        """One call from the event loop; the reply is decoded here, on the loop thread."""
        self.health.calls += 1
        try:
            reply = await self._runner.call(self._label, self._library(), method, request, timeout)
            return envelope.decode_reply(method, reply, result)
        except ProxyError as exc:
            self._count(exc)
            raise

    def call_blocking(
        self, method: Method, request: bytes, result: codec.Kind, timeout: float | None = None
    ) -> Any:
        """One call from a thread that is not the event loop."""
        self.health.calls += 1
        library = self._library()
        try:
            reply = self._runner.run_blocking(
                self._label, method, lambda: library.call(method, request), timeout
            )
            return envelope.decode_reply(method, reply, result)
        except ProxyError as exc:
            self._count(exc)
            raise

    def _count(self, exc: ProxyError) -> None:
        if isinstance(exc, PluginTimeoutError):
            self.health.timeouts += 1
            log.warning("%s", exc.message, extra={"plugin_id": self.id})
        else:
            self.health.errors += 1
        if isinstance(exc, PluginCallError):
            exc.plugin_id = self.id
