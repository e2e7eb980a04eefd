"""HTTP/1.1 on the wire for the lean upstream transport (`http1.py`): one asyncio
protocol per connection, the request head, and reading an answer's head and body.

Parsing is strict where a lax reading could mix up two answers on one connection
(status line, header names, Content-Length, chunk sizes) and bounded everywhere
(head and chunk-line sizes; reading pauses while too much sits unread).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable

import httpx

HEAD_LIMIT = 64 * 1024  # status line + headers of one answer
CHUNK_LINE_LIMIT = 4096  # one chunk-size line or trailer line
READ_PAUSE_BYTES = 256 * 1024  # unread bytes at which the socket stops being read

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(rb"[\r\n\x00]")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_NO_BODY_STATUSES = frozenset((204, 304))

Origin = tuple[bytes, int]
RawHeaderList = list[tuple[bytes, bytes]]


class Closed(Exception):
    """The server closed the connection (or it broke) while a read waited."""


class Connection(asyncio.Protocol):
    """One upstream connection: received bytes pile up in `buffer` and wake the one
    reader waiting for them; the socket pauses while too much sits unread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.closed = False  # EOF, error or our own close: never reused
        self.received = False  # any byte of an answer on this connection
        self.idle_since = 0.0
        self._reading_paused = False
        self._writing_paused = False
        self._waiter: asyncio.Future[bool] | None = None
        self._drained: asyncio.Future[bool] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.received = True
        if len(self.buffer) > READ_PAUSE_BYTES and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()  # type: ignore[union-attr]
        self._wake()

    def eof_received(self) -> None:
        self.closed = True
        self._wake()  # returning None lets asyncio close the socket

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wake()
        if self._drained is not None:
            _resolve(self._drained, True)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drained is not None:
            _resolve(self._drained, True)

    def _wake(self) -> None:
        if self._waiter is not None:
            _resolve(self._waiter, True)

    def reusable(self) -> bool:
        return not self.closed and not self.buffer

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def write(self, data: bytes, timeout: float | None) -> None:
        if self.closed:
            raise Closed
        self.transport.write(data)  # type: ignore[union-attr]
        if self._writing_paused:
            self._drained = self.loop.create_future()
            if not await _within(self._drained, timeout, self.loop):
                raise httpx.WriteTimeout("upstream did not take the request body in time")
            if self.closed:
                raise Closed

    async def more(self, timeout: float | None) -> None:
        """Wait until more bytes arrived; Closed once the connection has ended."""
        if self.closed:
            raise Closed
        self._waiter = self.loop.create_future()
        if not await _within(self._waiter, timeout, self.loop):
            raise httpx.ReadTimeout("upstream sent nothing within the read timeout")
        if not self.buffer and self.closed:
            raise Closed

    def take(self, size: int) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        if self._reading_paused and len(self.buffer) < READ_PAUSE_BYTES // 4:
            self._reading_paused = False
            self.transport.resume_reading()  # type: ignore[union-attr]
        return data

    async def line(self, limit: int, timeout: float | None, what: str) -> bytes:
        """Bytes up to the next CRLF (consumed, not returned)."""
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > limit:
                raise httpx.RemoteProtocolError(f"upstream {what} is over {limit} bytes")
            await self.more(timeout)
        found = self.take(end)
        del self.buffer[:2]
        return found


async def _within(
    future: asyncio.Future[bool], timeout: float | None, loop: asyncio.AbstractEventLoop
) -> bool:
    """Await a future the protocol resolves with True, up to `timeout`: False when it
    ran out. A timer on the future itself costs far less than asyncio.wait_for."""
    if timeout is None:
        return await future
    timer = loop.call_later(timeout, _resolve, future, False)
    try:
        return await future
    finally:
        timer.cancel()


def _resolve(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


async def connect(origin: Origin, timeout: float | None) -> Connection:
    loop = asyncio.get_running_loop()
    host = origin[0].decode("ascii")
    try:
        transport, protocol = await asyncio.wait_for(
            loop.create_connection(lambda: Connection(loop), host, origin[1]), timeout
        )
    except TimeoutError:
        raise httpx.ConnectTimeout(f"connecting to {host}:{origin[1]} timed out") from None
    except OSError as exc:
        raise httpx.ConnectError(f"connecting to {host}:{origin[1]}: {exc}") from None
    # the loop may resolve create_connection before it calls connection_made (uvloop)
    protocol.transport = transport
    return protocol


def request_head(
    method: str, url: httpx.URL, headers: Iterable[tuple[bytes, bytes]], length: int
) -> bytes:
    """The request line and headers, ending in the blank line; Host is added when the
    caller gave none, and the body always goes whole with its Content-Length."""
    target = url.raw_path
    if b" " in target or _FORBIDDEN_IN_VALUE.search(target):
        raise httpx.LocalProtocolError(f"invalid request target {target!r}")
    lines = [method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    has_host = False
    for name, value in headers:
        lowered = name.lower()
        if lowered in (b"content-length", b"transfer-encoding"):
            continue
        if not _TOKEN.fullmatch(name) or _FORBIDDEN_IN_VALUE.search(value):
            raise httpx.LocalProtocolError(f"invalid request header {name!r}: {value!r}")
        has_host = has_host or lowered == b"host"
        lines.append(name + b": " + value)
    if not has_host:
        lines.insert(1, b"Host: " + url.netloc)
    if length or method not in ("GET", "HEAD"):
        lines.append(b"Content-Length: " + str(length).encode())
    lines.append(b"\r\n")
    return b"\r\n".join(lines)


async def read_head(
    connection: Connection, timeout: float | None
) -> tuple[bytes, int, bytes, list[tuple[bytes, bytes]]]:
    """The version, status, reason and headers of the final answer (1xx answers
    skipped)."""
    while True:
        while (end := connection.buffer.find(b"\r\n\r\n")) < 0:
            if len(connection.buffer) > HEAD_LIMIT:
                raise httpx.RemoteProtocolError(f"upstream headers are over {HEAD_LIMIT} bytes")
            await connection.more(timeout)
        lines = connection.take(end + 4)[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code, _, reason = rest.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise httpx.RemoteProtocolError(f"upstream status line {lines[0][:100]!r}")
        status = int(code)
        if status == 101:
            raise httpx.RemoteProtocolError("upstream switched protocols unasked")
        if status >= 200:
            break
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise httpx.RemoteProtocolError(f"upstream header line {line[:100]!r}")
        headers.append((name, value.strip(b" \t")))
    return version, status, reason, headers


def body_framing(
    method: str, version: bytes, status: int, headers: list[tuple[bytes, bytes]]
) -> tuple[str, int, bool]:
    """How the body is delimited (`none`, `length`, `chunked` or `close`), its length,
    and whether the connection may carry another request afterwards (HTTP/1.0 answers
    close it unless they say otherwise)."""
    keep_alive = version != b"HTTP/1.0"
    encodings: list[bytes] = []
    lengths: set[bytes] = set()
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"connection":
            tokens = value.lower()
            keep_alive = b"close" not in tokens and (keep_alive or b"keep-alive" in tokens)
        elif lowered == b"transfer-encoding":
            encodings += [part.strip().lower() for part in value.split(b",")]
        elif lowered == b"content-length":
            lengths.update(part.strip() for part in value.split(b","))
    if method == "HEAD" or status in _NO_BODY_STATUSES:
        return "none", 0, keep_alive
    if encodings:
        if encodings[-1] == b"chunked":
            return "chunked", 0, keep_alive
        return "close", 0, False
    if lengths:
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            raise httpx.RemoteProtocolError(f"upstream Content-Length {sorted(lengths)}")
        return "length", int(next(iter(lengths))), keep_alive
    return "close", 0, False


class Body(httpx.AsyncByteStream):
    """An answer's body as it arrives. The connection goes back to the pool as soon as
    the last byte is in hand (before it is handed on, so a reader that stops at the
    payload it expected still leaves a reusable connection), and is closed when the
    reader stops earlier."""

    def __init__(
        self,
        release: Callable[[Connection], None],
        connection: Connection,
        framing: str,
        length: int,
        keep_alive: bool,
        timeout: float | None,
    ) -> None:
        self.release = release
        self.connection: Connection | None = connection
        self.framing = framing
        self.left = length  # of the body (length) or of the current chunk (chunked)
        self.keep_alive = keep_alive and framing != "close"
        self.timeout = timeout
        if framing == "none":
            self._finish()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        read = {"length": self._sized, "chunked": self._chunked, "close": self._until_close}
        try:
            while self.connection is not None:
                part = await read[self.framing](self.connection)
                if part:
                    yield part
        except Closed:
            self._drop()
            raise httpx.RemoteProtocolError(
                "upstream closed the connection before the body was complete"
            ) from None
        except BaseException:
            self._drop()
            raise

    async def _sized(self, connection: Connection) -> bytes:
        if not connection.buffer:
            await connection.more(self.timeout)
        part = connection.take(self.left)
        self.left -= len(part)
        if not self.left:
            self._finish()
        return part

    async def _chunked(self, connection: Connection) -> bytes:
        if not self.left:
            line = await connection.line(CHUNK_LINE_LIMIT, self.timeout, "chunk size line")
            size = line.split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size):
                raise httpx.RemoteProtocolError(f"upstream chunk size line {line[:100]!r}")
            self.left = int(size, 16)
            if not self.left:
                while await connection.line(CHUNK_LINE_LIMIT, self.timeout, "trailer line"):
                    pass
                self._finish()
                return b""
        if not connection.buffer:
            await connection.more(self.timeout)
        part = connection.take(self.left)
        self.left -= len(part)
        if not self.left:
            if await connection.line(2, self.timeout, "chunk end"):
                raise httpx.RemoteProtocolError("upstream chunk longer than its size")
            if connection.buffer.startswith(b"0\r\n\r\n"):  # the last chunk, already here
                connection.take(5)
                self._finish()
        return part

    async def _until_close(self, connection: Connection) -> bytes:
        if not connection.buffer:
            try:
                await connection.more(self.timeout)
            except Closed:
                self._finish()
                return b""
        return connection.take(len(connection.buffer))

    def _finish(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            if self.keep_alive:
                self.release(connection)
            else:
                connection.close()

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    async def aclose(self) -> None:
        self._drop()
