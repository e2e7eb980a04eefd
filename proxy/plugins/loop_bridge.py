"""Host callbacks arrive on plugin threads; the work they ask for (HTTP, nested model
runs, stream reads) runs on the event loop. These helpers carry it over and back, bounded
in time, and tie it to the calling request's scope so that it ends with that request."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from proxy.plugins.host_calls import HostCallFailed
from proxy.plugins.scopes import Scope

T = TypeVar("T")


def on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def wait(
    loop: asyncio.AbstractEventLoop,
    work: Coroutine[Any, Any, T],
    scope: Scope | None,
    timeout: float | None,
    what: str,
) -> T:
    """Runs `work` on the loop and blocks this (plugin) thread for its result. The scope
    ending cancels it; so does the timeout. Errors of `work` itself propagate."""
    if on_loop(loop):
        work.close()
        raise HostCallFailed(f"{what}: cannot be called from the event loop thread")
    future = asyncio.run_coroutine_threadsafe(work, loop)
    if scope is not None:
        scope.cleanups.append(future.cancel)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise HostCallFailed(f"{what}: no answer within {timeout:g}s (status 504)") from None
    except concurrent.futures.CancelledError:
        raise HostCallFailed(f"{what}: canceled, the request ended") from None


def close_soon(loop: asyncio.AbstractEventLoop, closing: Coroutine[Any, Any, Any]) -> None:
    """Schedules `closing` on the loop from any thread, without waiting for it."""
    if on_loop(loop):
        loop.create_task(closing)
    elif not loop.is_closed():
        asyncio.run_coroutine_threadsafe(closing, loop)
    else:
        closing.close()


async def next_or_none(items: AsyncIterator[T]) -> T | None:
    try:
        return await items.__anext__()
    except StopAsyncIteration:
        return None
