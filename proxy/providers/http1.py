"""A lean HTTP/1.1 client for plain `http://` upstreams, beside httpx.

Why not httpx there: for an upstream a millisecond away (a local model server, an
OpenAI-compatible gateway on the same network) httpx's own cost is most of what the
proxy adds to a request. Its client layer builds and merges a Request per call, and
httpcore's pool re-checks every pooled connection (a readability syscall each) whenever
a request starts or ends and wraps every socket operation in anyio; at 64 concurrent
requests that pool scan takes over the CPU (numbers in docs/benchmarks.md). Here a
request costs a dict lookup, one write and the reads its answer needs: one asyncio
protocol per connection (`http1_wire.py`) and a LIFO list of idle connections per
origin.

It is deliberately small: no proxies, no TLS, no HTTP/2, no upgrades; those stay on
httpx (`upstream.UpstreamClients` uses this only for `http://` URLs that no proxy
applies to, and mounts it as the httpx transport for them too, so SDK executors'
clients share the pool). Bodies are sent whole with a Content-Length. A request on a
reused connection that the server closed without answering a byte (it timed out the idle
connection as we sent) is sent once more on a new connection: the server never saw it.
Errors are httpx's exception types, so callers handle both paths alike.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import httpx

from proxy.providers.http1_wire import (
    Body,
    Closed,
    Connection,
    Origin,
    RawHeaderList,
    body_framing,
    connect,
    read_head,
    request_head,
)


class RawHeaders:
    """An answer's headers as received, looked up the way httpx.Headers is (the part of
    it the providers use), without normalising every header up front."""

    def __init__(self, raw: RawHeaderList) -> None:
        self.raw = raw

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower().encode("latin-1")
        for key, value in self.raw:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return default

    def multi_items(self) -> list[tuple[str, str]]:
        return [(key.decode("latin-1").lower(), value.decode("latin-1")) for key, value in self.raw]


class Http1Response:
    """An answer whose head is in and whose body is read as it arrives, like a streamed
    httpx.Response: `aiter_bytes` (Content-Encoding gzip or deflate undone), `aread`,
    `aclose`. Reading the body to its end pools the connection again."""

    def __init__(self, status_code: int, reason: bytes, headers: RawHeaders, stream: Body) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.stream = stream

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        encoding = (self.headers.get("content-encoding") or "identity").strip().lower()
        if encoding == "identity":
            async for part in self.stream:
                yield part
            return
        if encoding not in ("gzip", "deflate"):
            raise httpx.DecodingError(f"upstream answered in unsupported encoding {encoding!r}")
        # 47: a gzip or zlib header, detected; deflate bodies are zlib streams (RFC 9110)
        decoder = zlib.decompressobj(47)
        try:
            async for part in self.stream:
                if decoded := decoder.decompress(part):
                    yield decoded
            if rest := decoder.flush():
                yield rest
        except zlib.error as exc:
            raise httpx.DecodingError(f"upstream {encoding} body: {exc}") from None

    async def aread(self) -> bytes:
        return b"".join([part async for part in self.aiter_bytes()])

    async def aclose(self) -> None:
        await self.stream.aclose()


class Http1Transport(httpx.AsyncBaseTransport):
    """Pooled HTTP/1.1 over plain TCP; up to `max_idle` idle connections kept per
    origin, each for at most `idle_seconds`. `exchange` is the lean call the built-in
    providers make; as an httpx transport it serves any httpx client it is mounted on."""

    def __init__(self, max_idle: int = 64, idle_seconds: float = 5.0) -> None:
        self.max_idle = max_idle
        self.idle_seconds = idle_seconds
        self._idle: dict[Origin, list[Connection]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        timeouts = request.extensions.get("timeout", {})
        answer = await self.exchange(
            request.method, request.url, request.headers.raw, body, timeouts
        )
        return httpx.Response(
            answer.status_code,
            headers=answer.headers.raw,
            stream=answer.stream,  # raw: httpx undoes Content-Encoding itself
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
        )

    async def exchange(
        self,
        method: str,
        url: httpx.URL,
        headers: Iterable[tuple[bytes, bytes]],
        body: bytes,
        timeouts: Mapping[str, float | None],
    ) -> Http1Response:
        """Send one request; return once the answer's head is in."""
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"the HTTP/1.1 client serves http://, not {url}")
        origin = (url.raw_host, url.port or 80)
        message = request_head(method, url, headers, len(body)) + body
        read_timeout = timeouts.get("read")
        connection = self._checkout(origin)
        while True:
            reused = connection is not None
            if connection is None:
                connection = await connect(origin, timeouts.get("connect"))
            try:
                await connection.write(message, timeouts.get("write"))
                version, status, reason, raw = await read_head(connection, read_timeout)
                break
            except Closed:
                connection.close()
                if reused and not connection.received:
                    connection = None  # the server dropped an idle connection: resend
                    continue
                raise httpx.RemoteProtocolError(
                    "upstream closed the connection without answering"
                ) from None
            except BaseException:
                connection.close()
                raise
        framing, length, keep_alive = body_framing(method, version, status, raw)

        def release(done: Connection) -> None:
            self._release(origin, done)

        stream = Body(release, connection, framing, length, keep_alive, read_timeout)
        return Http1Response(status, reason, RawHeaders(raw), stream)

    def _checkout(self, origin: Origin) -> Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.reusable() and now - connection.idle_since < self.idle_seconds:
                return connection
            connection.close()
        return None

    def _release(self, origin: Origin, connection: Connection) -> None:
        if self._closed or not connection.reusable():
            connection.close()
            return
        connection.idle_since = time.monotonic()
        connection.received = False
        idle = self._idle.setdefault(origin, [])
        idle.append(connection)
        if len(idle) > self.max_idle:
            idle.pop(0).close()

    def idle_connections(self) -> int:
        return sum(len(idle) for idle in self._idle.values())

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def usable(proxies: Mapping[str, Any]) -> bool:
    """Whether plain-http requests may skip httpx: not when the environment routes them
    through a proxy (this client speaks to origins only)."""
    return "http" not in proxies and "all" not in proxies
