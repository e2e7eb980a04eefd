"""One loaded plugin binary: dlopen, `cliproxy_plugin_init`, `call`, `shutdown`.

The rules implemented here are those of `abi/include/cliproxy_plugin.h` (01 §1): a zeroed
plugin table, ABI version exactly 1, `call` and `free_buffer` required, every non-NULL
response pointer handed back to the plugin's own `free_buffer` with its own length whatever
the return code, and shutdown only after in-flight calls have drained.

Libraries are never dlclose'd. Go c-shared libraries cannot be unloaded anyway, and keeping
the code mapped means a plugin thread that outlives `shutdown` reaches a host callback that
answers 1 instead of jumping into unmapped memory.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import NamedTuple

from proxy.errors import PluginClosedError, PluginLoadError
from proxy.native import callbacks
from proxy.native._cliproxy import ffi, lib

ABI_VERSION: int = lib.CLIPROXY_ABI_VERSION
INIT_SYMBOL = b"cliproxy_plugin_init"


class RawReply(NamedTuple):
    """What `call` produced: the return code and the copied response bytes."""

    rc: int
    data: bytes


class NativeLibrary:
    """A plugin library that initialised successfully. Thread-safe."""

    def __init__(self, path: str, key: int, host_api: object, plugin_api: object) -> None:
        self.path = path
        self._key = key
        self._host_api = host_api  # referenced for the library's whole life (01 §1.2 step 7)
        self._api = plugin_api
        self._in_flight = 0
        self._closed = False
        self._shut_down = False
        # a plain Lock under the Condition: begin_call/end_call take it as a C-level context
        # manager on every call; only shutdown waits on the Condition
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], handler: callbacks.HostCallHandler
    ) -> NativeLibrary:
        """Loads and initialises the library; every failure names the path and the reason."""
        text = str(path)
        if not Path(text).is_file():
            raise PluginLoadError(text, "file not found")
        handle = lib.cpx_dlopen(os.fsencode(text))
        if handle == ffi.NULL:
            raise PluginLoadError(text, f"dlopen failed: {_c_text(lib.cpx_dlerror())}")
        init = lib.cpx_dlsym(handle, INIT_SYMBOL)
        if init == ffi.NULL:
            raise PluginLoadError(
                text, f"missing symbol cliproxy_plugin_init: {_c_text(lib.cpx_dlerror())}"
            )
        key = callbacks.register(handler)
        host_api = lib.cpx_new_host_api(key)
        if host_api == ffi.NULL:
            callbacks.unregister(key)
            raise PluginLoadError(text, "cannot allocate the host table")
        plugin_api = ffi.new("cliproxy_plugin_api *")
        rc = lib.cpx_plugin_init(init, host_api, plugin_api)
        problem = None
        if rc != 0:
            problem = f"cliproxy_plugin_init returned {rc}"
        elif plugin_api.abi_version != ABI_VERSION:
            problem = (
                f"plugin ABI version {plugin_api.abi_version} is not supported "
                f"(this host speaks version {ABI_VERSION})"
            )
        elif plugin_api.call == ffi.NULL or plugin_api.free_buffer == ffi.NULL:
            missing = [n for n in ("call", "free_buffer") if getattr(plugin_api, n) == ffi.NULL]
            problem = f"plugin function table is incomplete: {' and '.join(missing)} not set"
        if problem is not None:
            # The plugin may have started something in init; it gets its shutdown (01 §1.2).
            lib.cpx_plugin_shutdown(plugin_api)
            callbacks.unregister(key)
            raise PluginLoadError(text, problem)
        table = ffi.new("cliproxy_plugin_api *", plugin_api[0])  # later writes have no effect
        return cls(text, key, host_api, table)

    @property
    def table(self) -> object:
        """The plugin's function table (a `cliproxy_plugin_api *`), for the worker pool."""
        return self._api

    def call(self, method: str, request: bytes) -> RawReply:
        """Runs one RPC on the calling thread (never the event loop: it blocks)."""
        self.begin_call()
        try:
            response = ffi.new("cliproxy_buffer *")
            rc = lib.cpx_plugin_call(self._api, method.encode(), request, len(request), response)
            return self.take_reply(rc, response)
        finally:
            self.end_call()

    def begin_call(self) -> None:
        """Counts a call in flight; refuses it once shutdown has begun."""
        with self._lock:
            if self._closed:
                raise PluginClosedError(self.path)
            self._in_flight += 1

    def end_call(self) -> None:
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._drained.notify_all()

    def take_reply(self, rc: int, response: object) -> RawReply:
        """Copies a response buffer and hands it back to the plugin's `free_buffer` with the
        plugin's own (ptr, len), whatever the return code (01 §1.3 step 5)."""
        ptr, size = response.ptr, response.len  # type: ignore[attr-defined]
        if ptr == ffi.NULL:
            return RawReply(rc, b"")
        try:
            data = ffi.unpack(ffi.cast("char *", ptr), size) if size else b""
        finally:
            lib.cpx_plugin_free(self._api, ptr, size)
        return RawReply(rc, data)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self, timeout: float | None = None) -> bool:
        """Refuses new calls, waits for in-flight ones, then runs the plugin's `shutdown`.

        Returns False when calls were still running after `timeout`; the plugin's shutdown
        then runs later, on the thread of the last call to finish.
        """
        with self._drained:
            self._closed = True
            drained = self._drained.wait_for(lambda: self._in_flight == 0, timeout)
            if not drained:
                threading.Thread(
                    target=self._finish_later, name="plugin-shutdown", daemon=True
                ).start()
                return False
        self._finish()
        return True

    def _finish_later(self) -> None:
        with self._drained:
            self._drained.wait_for(lambda: self._in_flight == 0)
        self._finish()

    def _finish(self) -> None:
        with self._drained:
            if self._shut_down:
                return
            self._shut_down = True
        try:
            lib.cpx_plugin_shutdown(self._api)  # host->call still works in there (01 §1.7)
        finally:
            callbacks.unregister(self._key)


def _c_text(pointer: object) -> str:
    return ffi.string(pointer).decode("utf-8", "replace") if pointer != ffi.NULL else ""
