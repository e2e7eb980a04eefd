"""Host callbacks: the `extern "Python"` trampoline behind every plugin's `host->call`.

Each loaded library gets an integer key, stored in the memory its `host_ctx` points at. The
C trampoline (see build.py) zeroes the response and rejects NULL arguments, then lands here
with that key. A key that is not registered (the plugin was shut down) answers 1 and
touches nothing else, which is what makes callbacks after shutdown harmless.

Callbacks arrive on any thread: re-entrantly on a worker thread that is inside a plugin
call, or on threads the plugin created. The handler therefore must never need the event
loop thread to be free of native calls, and must never raise: an exception escaping into
cffi would turn into return code 0 with no response, which plugins read as success.
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Protocol

from proxy.native._cliproxy import ffi, lib

log = logging.getLogger("cliproxy.native")

NO_LIVE_PLUGIN = 1


class HostCallHandler(Protocol):
    """Answers one plugin -> host call with a complete JSON envelope."""

    def handle_host_call(self, method: str, request: bytes) -> bytes: ...


_keys = itertools.count(1)
_handlers: dict[int, HostCallHandler] = {}
_lock = threading.Lock()


def register(handler: HostCallHandler) -> int:
    """Reserves a key for a library about to be initialised (callbacks work during init)."""
    with _lock:
        key = next(_keys)
        _handlers[key] = handler
    return key


def unregister(key: int) -> None:
    with _lock:
        _handlers.pop(key, None)


def _deliver(response: object, envelope: bytes) -> int:
    if response == ffi.NULL:
        return 0
    size = len(envelope)
    memory = lib.malloc(size or 1)
    if memory == ffi.NULL:
        return NO_LIVE_PLUGIN
    ffi.memmove(memory, envelope, size)
    response.ptr = memory  # type: ignore[attr-defined]
    response.len = size  # type: ignore[attr-defined]
    return 0


def _on_error(exc_type: type, value: BaseException, tb: object) -> int:
    log.error("host callback failed outside its handler: %s", value)
    return NO_LIVE_PLUGIN


@ffi.def_extern(onerror=_on_error)
def cpx_py_host_call(key, method, request, request_len, response):  # type: ignore[no-untyped-def]
    handler = _handlers.get(key)
    if handler is None:
        return NO_LIVE_PLUGIN
    name = ffi.string(method).decode("utf-8", "replace")
    body = ffi.unpack(ffi.cast("char *", request), request_len) if request != ffi.NULL else b""
    return _deliver(response, handler.handle_host_call(name, body))
