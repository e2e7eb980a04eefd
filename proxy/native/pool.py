"""Plugin calls on C threads, completed on the event loop.

The rule is that a plugin call never runs on the event loop thread. Running it on Python
worker threads works but costs twice: every call hops threads through futures, and the
worker needs the GIL to return, so under load it fights the event loop for it (the loop
gives the GIL away on every socket write and waits to get it back). Here the call itself
runs on a pthread inside the extension that never touches the GIL. Jobs submitted during
one pass of the loop are queued and a worker is woken once for all of them, at the end of
the pass (waking a thread costs the waker tens of microseconds on a virtual machine; see
host.c). The finished job goes on a done list and one byte on a pipe wakes the loop, which
collects every finished job in one go, copies the replies and frees them. Host callbacks
made during the call still reach Python: cffi takes the GIL for them on whatever thread
they arrive.

POSIX only; elsewhere `NativePool.create` returns None and calls run on Python threads.
"""

from __future__ import annotations

import asyncio
import select
import threading
from typing import NamedTuple

from proxy.errors import PluginClosedError
from proxy.native._cliproxy import ffi, lib
from proxy.native.library import NativeLibrary, RawReply

_BATCH = 256


class _Pending(NamedTuple):
    job: object  # cpx_job *, owned here until the worker is done with it
    request: object  # ffi.from_buffer view the worker reads
    library: NativeLibrary
    future: asyncio.Future[RawReply]


class NativePool:
    def __init__(self, pool: object, loop: asyncio.AbstractEventLoop) -> None:
        self._pool = pool
        self._loop = loop
        self._fd: int = lib.cpx_pool_fd(pool)
        self._pending: dict[object, _Pending] = {}
        self._batch = ffi.new("cpx_job *[]", _BATCH)
        self._methods: dict[str, object] = {}
        self._closed = False
        self._wake_pending = False
        loop.add_reader(self._fd, self._collect)

    @classmethod
    def create(cls, threads: int, loop: asyncio.AbstractEventLoop) -> NativePool | None:
        pool = lib.cpx_pool_new(threads)
        return None if pool == ffi.NULL else cls(pool, loop)

    def submit(
        self, library: NativeLibrary, method: str, request: bytes
    ) -> asyncio.Future[RawReply]:
        """Queues one call; the future resolves on the loop when the plugin has answered.
        Cancelling the future stops the waiting, not the call."""
        library.begin_call()
        view = ffi.from_buffer(request)
        method_text = self._methods.get(method) or self._method(method)
        job = ffi.new("cpx_job *", [library.table, method_text, view, len(request)])
        future: asyncio.Future[RawReply] = self._loop.create_future()
        # a pointer cdata hashes and compares by address: the collected `cpx_job *` finds it
        self._pending[job] = _Pending(job, view, library, future)
        if lib.cpx_pool_submit(self._pool, job) != 0:
            del self._pending[job]
            library.end_call()
            raise PluginClosedError(library.path)
        if not self._wake_pending:
            self._wake_pending = True
            self._loop.call_soon(self._wake)
        return future

    def _wake(self) -> None:
        self._wake_pending = False
        lib.cpx_pool_wake(self._pool)

    def _method(self, name: str) -> object:
        """A method name as C text; a handful of them, kept for the process lifetime."""
        text = self._methods[name] = ffi.new("char[]", name.encode())
        return text

    def _finished(self) -> list[tuple[_Pending, RawReply]]:
        """Every job done since the last look, its reply copied and handed back to the
        plugin's free_buffer, its call no longer counted in flight."""
        count = lib.cpx_pool_collect(self._pool, self._batch, _BATCH)
        finished = []
        for index in range(count):
            done = self._pending.pop(self._batch[index])
            job = done.job
            try:
                reply = done.library.take_reply(job.rc, job.response)  # type: ignore[attr-defined]
            finally:
                done.library.end_call()
            finished.append((done, reply))
        return finished

    def _collect(self) -> None:
        for done, reply in self._finished():
            if not done.future.done():
                done.future.set_result(reply)

    def close(self) -> None:
        """Stops watching (call on the loop thread) and lets idle workers exit. Calls still
        running are finished by a helper thread: their replies freed, their plugin's
        in-flight count released, so that its shutdown does not wait for a loop that is gone."""
        self._closed = True
        self._loop.remove_reader(self._fd)
        lib.cpx_pool_stop(self._pool)
        if self._pending:
            threading.Thread(
                target=self._finish_abandoned, name="plugin-pool-drain", daemon=True
            ).start()

    def _finish_abandoned(self) -> None:
        while self._pending:
            select.select([self._fd], [], [], 1.0)
            self._finished()
