"""Host callbacks arrive on plugin threads; the work they ask for (HTTP, nested model
runs, stream reads) runs on the event loop. These helpers carry it over and back, bounded
in time, and tie it to the calling request's scope so that it ends with that request; the
stream table holds what plugins read piece by piece (HTTP bodies, nested model streams)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
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


class Closed(Exception):
    """The stream was closed while a read waited on it."""


@dataclass
class OpenStream:
    """A stream a plugin reads with `*.stream_read`: items produced on the loop."""

    id: str
    owner: str  # plugin id
    items: AsyncIterator[bytes]
    closing: Callable[[], Coroutine[Any, Any, Any]]  # how to release it, on the loop
    lock: threading.Lock = field(default_factory=threading.Lock)  # one read at a time
    pending: concurrent.futures.Future[bytes | None] | None = None


class StreamTable:
    """The open streams of one kind (HTTP or model), by id, with a per-plugin cap. Ids are
    decimal strings from "1", one counter per kind, as CLIProxyAPI issues them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, kind: str, setting: str) -> None:
        self.loop = loop
        self.kind = kind  # "http stream", "model stream": how messages name them
        self.setting = setting  # the config key of the cap, for messages
        self._streams: dict[str, OpenStream] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def open(
        self,
        owner: str,
        limit: int,
        items: AsyncIterator[bytes],
        closing: Callable[[], Coroutine[Any, Any, Any]],
    ) -> OpenStream:
        with self._lock:
            self._refuse_when_full(owner, limit)
            stream = OpenStream(str(next(self._ids)), owner, items, closing)
            self._streams[stream.id] = stream
        return stream

    def check_room(self, owner: str, limit: int) -> None:
        """Refuses early, before the work of opening a stream is done."""
        with self._lock:
            self._refuse_when_full(owner, limit)

    def _refuse_when_full(self, owner: str, limit: int) -> None:
        open_now = sum(1 for s in self._streams.values() if s.owner == owner)
        if open_now >= limit:
            raise HostCallFailed(
                f"plugin {owner} has {open_now} {self.kind}s open "
                f"({self.setting}: {limit}); close some first"
            )

    def get(self, stream_id: str) -> OpenStream | None:
        return self._streams.get(stream_id)

    def ids(self) -> list[str]:
        return list(self._streams)

    def next(self, stream: OpenStream, timeout: float | None) -> bytes | None:
        """The stream's next item (None at its end), waited for on this plugin thread.
        Raises TimeoutError, Closed, or the producer's own error."""
        with stream.lock:
            if stream.id not in self._streams:
                raise Closed()
            pending = asyncio.run_coroutine_threadsafe(next_or_none(stream.items), self.loop)
            stream.pending = pending
            try:
                return pending.result(timeout)
            except concurrent.futures.TimeoutError:
                raise TimeoutError() from None
            except concurrent.futures.CancelledError:
                raise Closed() from None
            finally:
                stream.pending = None

    def discard(self, stream_id: str) -> None:
        """Forgets the stream and releases it on the loop (any thread; idempotent)."""
        with self._lock:
            stream = self._streams.pop(stream_id, None)
        if stream is None:
            return
        if stream.pending is not None:
            stream.pending.cancel()
        close_soon(self.loop, stream.closing())
