"""The lean HTTP/1.1 client for plain-http upstreams (proxy/providers/http1.py), against
scripted upstream servers on a loopback port: framing, connection reuse, the resend of a
request a server dropped with its idle connection, the errors of broken answers, and the
same client mounted as an httpx transport. The built-in providers' tests drive it end to
end through the real proxy (tests/upstream.py is a plain-http upstream)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from proxy.providers import http1_wire
from proxy.providers.http1 import Http1Transport
from proxy.providers.upstream import UpstreamClients

Reader = asyncio.StreamReader
Writer = asyncio.StreamWriter
Handler = Callable[["Upstream", Reader, Writer, int], Awaitable[None]]
Check = Callable[[Http1Transport, "Upstream"], Awaitable[None]]
TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0}


class Upstream:
    """A loopback server running one handler per connection; `requests` collects the
    bodies it read, `connections` counts accepted connections."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[bytes] = []
        self.connections = 0
        self.url = ""

    async def _accept(self, reader: Reader, writer: Writer) -> None:
        self.connections += 1
        try:
            await self.handler(self, reader, writer, self.connections)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def read_request(self, reader: Reader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        body = await reader.readexactly(length)
        self.requests.append(head + body)
        return body


@contextlib.asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[Upstream]:
    upstream = Upstream(handler)
    server = await asyncio.start_server(upstream._accept, "127.0.0.1", 0)
    upstream.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield upstream
    finally:
        server.close()


async def post(transport: Http1Transport, url: str, body: bytes = b"{}") -> tuple[int, bytes]:
    answer = await transport.exchange(
        "POST", httpx.URL(url), [(b"Content-Type", b"application/json")], body, TIMEOUTS
    )
    return answer.status_code, await answer.aread()


def answer(body: bytes, *headers: bytes, status: bytes = b"200 OK") -> bytes:
    lines = [b"HTTP/1.1 " + status, b"Content-Length: " + str(len(body)).encode(), *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def run(handler: Handler, check: Check) -> None:
    """`check` with a fresh client against an upstream answering with `handler`."""

    async def main() -> None:
        transport = Http1Transport()
        try:
            async with serving(handler) as upstream:
                await check(transport, upstream)
        finally:
            await transport.aclose()

    asyncio.run(main())


def test_answers_with_a_length_reuse_one_connection() -> None:
    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        while True:
            body = await upstream.read_request(reader)
            writer.write(answer(b"echo " + body))

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        for text in (b"one", b"two", b"three"):
            assert await post(transport, upstream.url + "/v1/x?a=b", text) == (
                200,
                b"echo " + text,
            )
        assert upstream.connections == 1
        head = upstream.requests[0].split(b"\r\n")
        assert head[0] == b"POST /v1/x?a=b HTTP/1.1"
        assert b"Content-Length: 3" in head and b"Content-Type: application/json" in head
        assert any(line.startswith(b"Host: 127.0.0.1:") for line in head)

    run(handler, check)


def test_chunked_answers_with_extensions_and_trailers() -> None:
    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        while True:
            await upstream.read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n")
            writer.write(b"0\r\nX-Trailer: yes\r\n\r\n")

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        assert await post(transport, upstream.url) == (200, b"hello world")
        assert await post(transport, upstream.url) == (200, b"hello world")
        assert upstream.connections == 1

    run(handler, check)


def test_an_answer_without_length_ends_with_the_connection() -> None:
    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        await upstream.read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
        await writer.drain()

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        assert await post(transport, upstream.url) == (200, b"until the end")
        assert await post(transport, upstream.url) == (200, b"until the end")
        assert upstream.connections == 2
        assert transport.idle_connections() == 0

    run(handler, check)


def test_a_request_the_server_dropped_with_its_idle_connection_is_sent_again() -> None:
    """The server answers and then closes its side (an idle timeout racing our next
    request): the next request goes out once more on a new connection."""
    dropped = asyncio.Event()

    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        await upstream.read_request(reader)
        writer.write(answer(b"answer %d" % n))
        await writer.drain()
        if n == 1:
            writer.close()
            await writer.wait_closed()
            dropped.set()

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        assert await post(transport, upstream.url) == (200, b"answer 1")
        await dropped.wait()
        assert await post(transport, upstream.url) == (200, b"answer 2")
        assert upstream.connections == 2 and len(upstream.requests) == 2

    run(handler, check)


def test_a_fresh_connection_closed_without_an_answer_is_an_error_not_a_resend() -> None:
    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        await upstream.read_request(reader)  # and hang up: a crashed upstream

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        with pytest.raises(httpx.RemoteProtocolError, match="without answering"):
            await post(transport, upstream.url)
        assert len(upstream.requests) == 1

    run(handler, check)


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes.", "before the body"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "chunk"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"),
        (b"SMTP ready\r\n\r\n", "status line"),
        (b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "header line"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"y" * (http1_wire.HEAD_LIMIT + 10), "over"),
    ],
    ids=[
        "truncated",
        "chunk-size",
        "chunk-too-long",
        "lengths",
        "length",
        "status",
        "header",
        "head-size",
    ],
)
def test_broken_answers_are_protocol_errors(sent: bytes, error: str) -> None:
    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        await upstream.read_request(reader)
        writer.write(sent)
        await writer.drain()

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        with pytest.raises(httpx.RemoteProtocolError, match=error):
            await post(transport, upstream.url)
        assert transport.idle_connections() == 0

    run(handler, check)


def test_a_silent_upstream_is_a_read_timeout_and_its_connection_is_dropped() -> None:
    release = asyncio.Event()

    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        await upstream.read_request(reader)
        await release.wait()

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        with pytest.raises(httpx.ReadTimeout):
            await transport.exchange("POST", httpx.URL(upstream.url), [], b"", {"read": 0.2})
        assert transport.idle_connections() == 0
        release.set()

    run(handler, check)


def test_a_body_arrives_in_parts_and_a_reader_that_stops_early_closes_it() -> None:
    second_part = asyncio.Event()

    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        while True:
            await upstream.read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"6\r\nfirst \r\n")
            await writer.drain()
            await second_part.wait()
            second_part.clear()
            writer.write(b"6\r\nsecond\r\n0\r\n\r\n")

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        response = await transport.exchange("POST", httpx.URL(upstream.url), [], b"", TIMEOUTS)
        parts = response.aiter_bytes()
        assert await parts.__anext__() == b"first "  # before the server sent the rest
        second_part.set()
        assert await parts.__anext__() == b"second"
        assert transport.idle_connections() == 1  # pooled with its last byte in hand
        await response.aclose()

        response = await transport.exchange("POST", httpx.URL(upstream.url), [], b"", TIMEOUTS)
        assert await response.aiter_bytes().__anext__() == b"first "
        await response.aclose()  # mid-body: this connection cannot carry another request
        assert transport.idle_connections() == 0
        second_part.set()
        assert upstream.connections == 1

    run(handler, check)


def test_large_bodies_both_ways_and_gzip() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB: reading pauses and resumes on the way

    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        while True:
            body = await upstream.read_request(reader)
            if body == b"gzip":
                writer.write(answer(gzip.compress(big), b"Content-Encoding: gzip"))
            else:
                writer.write(answer(body))

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        assert await post(transport, upstream.url, big) == (200, big)
        assert await post(transport, upstream.url, b"gzip") == (200, big)
        assert upstream.connections == 1

    run(handler, check)


def test_informational_answers_are_skipped_and_statuses_kept() -> None:
    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        await upstream.read_request(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(answer(b'{"error":"slow down"}', b"Retry-After: 7", status=b"429 Too Many"))
        await upstream.read_request(reader)
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        response = await transport.exchange("POST", httpx.URL(upstream.url), [], b"", TIMEOUTS)
        assert response.status_code == 429 and response.reason == b"Too Many"
        assert response.headers.get("retry-after") == "7"
        assert await response.aread() == b'{"error":"slow down"}'
        assert await post(transport, upstream.url) == (204, b"")
        assert upstream.connections == 1

    run(handler, check)


@pytest.mark.parametrize(
    "header",
    [(b"X-Injected", b"a\r\nX-Other: b"), (b"Bad Name", b"v"), (b"X-Nul", b"a\x00b")],
)
def test_header_injection_is_refused_before_anything_is_sent(header: tuple[bytes, bytes]) -> None:
    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        await upstream.read_request(reader)

    async def check(transport: Http1Transport, upstream: Upstream) -> None:
        with pytest.raises(httpx.LocalProtocolError, match="invalid request header"):
            await transport.exchange("POST", httpx.URL(upstream.url), [header], b"", TIMEOUTS)
        assert upstream.connections == 0

    run(handler, check)


def test_an_unreachable_upstream_is_a_connect_error() -> None:
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        with pytest.raises(httpx.ConnectError, match=f"127.0.0.1:{port}"):
            await post(Http1Transport(), f"http://127.0.0.1:{port}/")

    asyncio.run(main())


def test_upstream_clients_use_it_for_plain_http_and_mount_it_for_httpx() -> None:
    """Providers' POSTs and the httpx client Python executors get both go through the
    lean client for http:// (one pool); a proxy URL keeps everything on httpx."""

    async def handler(upstream: Upstream, reader: Reader, writer: Writer, n: int) -> None:
        while True:
            body = await upstream.read_request(reader)
            writer.write(answer(gzip.compress(body), b"Content-Encoding: gzip"))

    async def check(_: Http1Transport, upstream: Upstream) -> None:
        clients = UpstreamClients()
        try:
            way_out = clients.for_proxy("direct")
            assert way_out.lean is not None
            response = await way_out.post(upstream.url + "/p", {"X-Key": "k"}, b"provider", "t")
            assert await response.aread() == b"provider"
            reply = await way_out.client.post(upstream.url + "/sdk", content=b"sdk")
            assert reply.content == b"sdk"  # httpx undid the gzip itself
            assert upstream.connections == 1
            head = upstream.requests[0]
            assert b"X-Key: k" in head.split(b"\r\n")
            assert b"accept-encoding: gzip, deflate" in head.lower()
            assert clients.for_proxy("http://127.0.0.1:9").lean is None
        finally:
            await clients.aclose()

    run(handler, check)
