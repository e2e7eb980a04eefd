"""Where plugin calls run: never on the event loop thread.

Plugins block, and they call back into the host, re-entrantly and from their own threads;
a callback may need the event loop (to hand a chunk to a waiting response). Calls made
while serving requests run on the extension's C worker pool (proxy.native.pool), which
keeps them off the GIL; lifecycle calls made from other threads (config apply, the CLI)
and platforms without that pool use a Python thread pool.

Every call has a deadline (`plugins.call-timeout-seconds`). Native code cannot be
interrupted, so on timeout the proxy stops waiting, answers 504 and counts the timeout
against the plugin; the worker stays busy until the plugin returns. That is why the pools
are sized generously and their size is configurable.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

from proxy.errors import PluginTimeoutError
from proxy.native.library import NativeLibrary, RawReply
from proxy.native.pool import NativePool

T = TypeVar("T")


class CallRunner:
    def __init__(self, workers: int, timeout: float) -> None:
        self.timeout = timeout
        self._workers = workers
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="plugin-call"
        )
        self._native: NativePool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def call(
        self,
        label: str,
        library: NativeLibrary,
        method: str,
        request: bytes,
        timeout: float | None = None,
    ) -> RawReply:
        """One plugin call from the event loop, awaited with a deadline. `label` names the
        caller in the timeout error ("plugin X")."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._native = NativePool.create(self._workers, loop)
        if self._native is not None:
            future = self._native.submit(library, method, request)
        else:
            future = loop.run_in_executor(self._threads, library.call, method, request)
        limit = self._limit(timeout)
        if not limit:
            return await future
        # A timer on the loop costs far less per call than asyncio.wait_for.
        expired: list[bool] = []
        timer = loop.call_later(limit, _expire, future, expired)
        try:
            return await future
        except asyncio.CancelledError:
            if expired:
                raise _timed_out(label, method, limit) from None
            raise  # cancelled from outside (the client left)
        finally:
            timer.cancel()

    def run_blocking(
        self, label: str, method: str, fn: Callable[[], T], timeout: float | None = None
    ) -> T:
        """A plugin call from a thread that is not the event loop (config apply, CLI)."""
        limit = self._limit(timeout)
        future = self._threads.submit(fn)
        try:
            return future.result(limit or None)
        except concurrent.futures.TimeoutError:
            raise _timed_out(label, method, limit) from None

    def _limit(self, timeout: float | None) -> float:
        return self.timeout if timeout is None else timeout

    def close(self) -> None:
        """Safe from any thread; calls still running finish unseen."""
        self._threads.shutdown(wait=False, cancel_futures=True)
        native, loop = self._native, self._loop
        if native is None or loop is None or loop.is_closed():
            return
        if _running_loop() is loop:
            native.close()
        else:
            loop.call_soon_threadsafe(native.close)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _timed_out(label: str, method: str, limit: float) -> PluginTimeoutError:
    return PluginTimeoutError(f"{label} ({method}) did not answer within {limit:g}s")


def _expire(future: asyncio.Future[RawReply], expired: list[bool]) -> None:
    """The deadline passed: stop waiting (the call itself runs on)."""
    if not future.done():
        expired.append(True)
        future.cancel()
