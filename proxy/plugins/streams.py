"""The executor stream bridge: chunks a plugin pushes with `host.stream.emit`.

A bridge stream is opened before `executor.execute_stream` is called and read by the
response on the event loop. Producers are plugin threads (any number, any time); emit
queues a chunk and blocks only while `capacity` chunks wait to be read. Close delivers what
is queued, then an optional terminal error, then the end. Abort (client gone, inline reply,
call failure) drops the queue and makes every pending and later emit fail with
"stream N is not open", the plugin's only signal that nobody is listening (03 §3.10-3.11).

CLIProxyAPI starts reading only after the call returns, so a plugin that emits more than
16 chunks synchronously inside the call deadlocks there. Here the reader is told when the
queue fills during the call and starts streaming at once (see pipeline/execute.py): memory
stays bounded by `capacity` and nothing deadlocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import deque
from dataclasses import dataclass

from proxy.errors import ProxyError


class StreamNotOpen(Exception):
    def __init__(self, stream_id: str, why: str = "") -> None:
        super().__init__(f"stream {stream_id} is not open{why}")


class TooManyStreams(ProxyError):
    """A plugin has `plugins.max-executor-streams` streams open already."""

    status = 503
    code = "too_many_streams"


@dataclass(frozen=True)
class Chunk:
    payload: bytes = b""
    error: str = ""


class BridgeStream:
    def __init__(
        self,
        stream_id: str,
        capacity: int,
        loop: asyncio.AbstractEventLoop,
        owner: str = "",
        emit_timeout: float = 0,
    ) -> None:
        self.id = stream_id
        self.owner = owner
        self._emit_timeout = emit_timeout or None
        self._capacity = capacity
        self._loop = loop
        self._queue: deque[Chunk] = deque()
        self._lock = threading.Condition()
        self._open = True  # accepting emits
        self._ended = False  # closed by the plugin: drain, then end
        self._close_error = ""
        self._ready = asyncio.Event()
        # resolved when the queue first reaches capacity: a future rather than an Event, so
        # that the caller can wait for it or its call without a task for each
        self.filled: asyncio.Future[None] = loop.create_future()
        self._loop_thread = threading.get_ident()  # bridges are opened on the loop

    # -- producer side: any thread ---------------------------------------------------------

    def emit(self, chunk: Chunk) -> None:
        """Blocks while the queue is full, at most the emit timeout: a client that reads
        nothing for that long loses its stream (the plugin's emit fails)."""
        with self._lock:
            stalled = False
            while self._open and len(self._queue) >= self._capacity and not stalled:
                stalled = not self._lock.wait(self._emit_timeout)
            if stalled and self._open:
                self._open, self._ended = False, False
                self._queue.clear()
                self._lock.notify_all()
                self._wake(False)
                raise StreamNotOpen(
                    self.id,
                    f": the client read nothing for {self._emit_timeout:g}s "
                    "(plugins.stream-emit-timeout-seconds)",
                )
            if not self._open:
                raise StreamNotOpen(self.id)
            self._queue.append(chunk)
            full = len(self._queue) >= self._capacity
        self._wake(full)

    def close(self, error: str = "") -> None:
        with self._lock:
            if not self._open:
                return
            self._open, self._ended, self._close_error = False, True, error
            self._lock.notify_all()
        self._wake(False)

    # -- consumer side: the event loop ------------------------------------------------------

    async def next(self, idle_timeout: float = 0) -> Chunk | None:
        """The next chunk, a terminal error chunk after a close with error, or None at end.
        Raises asyncio.TimeoutError after `idle_timeout` seconds without one (0: never);
        the timer exists only while there is nothing to return."""
        while True:
            self._ready.clear()
            with self._lock:
                if self._queue:
                    chunk = self._queue.popleft()
                    self._lock.notify_all()
                    return chunk
                if self._ended:
                    error, self._close_error = self._close_error, ""
                    return Chunk(error=error) if error else None
                if not self._open:
                    return None
            if idle_timeout:
                await asyncio.wait_for(self._ready.wait(), idle_timeout)
            else:
                await self._ready.wait()

    def abort(self) -> None:
        with self._lock:
            if not self._open and not self._ended and not self._queue:
                return  # already aborted
            self._open, self._ended = False, False
            self._queue.clear()
            self._lock.notify_all()
        self._wake(False)

    @property
    def is_open(self) -> bool:
        return self._open

    def _wake(self, full: bool) -> None:
        def signal() -> None:
            self._ready.set()
            if full and not self.filled.done():
                self.filled.set_result(None)

        if threading.get_ident() == self._loop_thread:
            signal()  # called on the loop itself (an abort): no need to go through the pipe
            return
        # RuntimeError: the loop is gone (shutdown), nobody is reading any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(signal)


class StreamRegistry:
    """Bridge streams by id. Ids are decimal strings from "1", as CLIProxyAPI issues them."""

    def __init__(self, capacity: int, max_per_plugin: int = 0, emit_timeout: float = 0) -> None:
        self.capacity = capacity
        self.max_per_plugin = max_per_plugin  # 0: no cap
        self.emit_timeout = emit_timeout
        self._ids = itertools.count(1)
        self._streams: dict[str, BridgeStream] = {}
        self._open_by_owner: dict[str, int] = {}
        self._lock = threading.Lock()

    def open(self, owner: str = "") -> BridgeStream:
        loop = asyncio.get_running_loop()
        with self._lock:
            open_now = self._open_by_owner.get(owner, 0)
            if self.max_per_plugin and open_now >= self.max_per_plugin:
                raise TooManyStreams(
                    f"plugin {owner} has {open_now} streams open "
                    f"(plugins.max-executor-streams: {self.max_per_plugin})"
                )
            stream = BridgeStream(
                str(next(self._ids)), self.capacity, loop, owner, self.emit_timeout
            )
            self._streams[stream.id] = stream
            self._open_by_owner[owner] = open_now + 1
        return stream

    def get(self, stream_id: str) -> BridgeStream | None:
        return self._streams.get(stream_id)

    def forget(self, stream: BridgeStream) -> None:
        stream.abort()
        with self._lock:
            if self._streams.pop(stream.id, None) is None:
                return
            left = self._open_by_owner[stream.owner] - 1
            if left:
                self._open_by_owner[stream.owner] = left
            else:
                del self._open_by_owner[stream.owner]

    def __len__(self) -> int:
        return len(self._streams)
