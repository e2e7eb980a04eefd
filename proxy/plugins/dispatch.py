"""Where plugin calls run: a bounded pool of worker threads, never the event loop.

Plugins block, and they call back into the host, re-entrantly and from their own threads;
a callback may need the event loop (to hand a chunk to a waiting response). Running native
calls on worker threads keeps the loop free for that. cffi releases the GIL during the call.

Every call has a deadline (`plugins.call-timeout-seconds`). Native code cannot be
interrupted, so on timeout the proxy stops waiting, answers 504 and counts the timeout
against the plugin; the worker stays busy until the plugin returns. That is why the pool
is sized generously and its size is configurable.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from typing import TypeVar

from proxy.errors import PluginTimeoutError

T = TypeVar("T")
log = logging.getLogger("cliproxy.plugins")


class CallRunner:
    def __init__(self, workers: int, timeout: float) -> None:
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="plugin-call"
        )

    async def run(self, label: str, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Runs `fn` (one blocking plugin call) on a worker and awaits it with a deadline."""
        limit = self.timeout if timeout is None else timeout
        future = asyncio.get_running_loop().run_in_executor(self._pool, fn)
        try:
            return await asyncio.wait_for(future, limit or None)
        except asyncio.TimeoutError:
            raise PluginTimeoutError(f"{label} did not answer within {limit:g}s") from None

    def run_blocking(self, label: str, fn: Callable[[], T], timeout: float | None = None) -> T:
        """The same from a thread that is not the event loop (config apply, CLI)."""
        limit = self.timeout if timeout is None else timeout
        future = self._pool.submit(fn)
        try:
            return future.result(limit or None)
        except concurrent.futures.TimeoutError:
            raise PluginTimeoutError(f"{label} did not answer within {limit:g}s") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
