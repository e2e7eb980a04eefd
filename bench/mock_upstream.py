"""A mock OpenAI chat-completions upstream for the proxy -> upstream benchmark.

It answers every `POST .../chat/completions` with the fixed completion of
bench/workload.py (or its SSE frames when the body asks for `"stream": true`) and
`GET /healthz` with 200, over HTTP/1.1 keep-alive on 127.0.0.1.

Why a raw asyncio protocol and not Starlette + Hypercorn: both paths of the comparison
(client -> mock, client -> proxy -> mock) pay for the mock, so its cost cancels out of the
added latency, but not out of the throughput ratio: the cheaper the mock, the more of the
machine is left to the proxy and the more the ratio says about the proxy. A protocol
callback that parses a request head and writes a prebuilt answer costs a few tens of
microseconds; an ASGI stack costs ten times that. It runs as its own process, so the
proxy's event loop never waits on the mock's work.

Usage: python bench/mock_upstream.py PORT
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

import workload  # bench/ is on sys.path: this file is run as a script

HOST = "127.0.0.1"
MODEL = "m"  # the upstream model id the benchmark config maps its alias to
MAX_HEAD = 64 * 1024


def _response(status: bytes, content_type: bytes, body: bytes) -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


# Every answer is built once: serving one is a lookup and a write.
COMPLETION = _response(b"200 OK", b"application/json", workload.completion_body(MODEL))
STREAM = _response(b"200 OK", b"text/event-stream", b"".join(workload.stream_frames(MODEL)))
HEALTHY = _response(b"200 OK", b"text/plain", b"ok")
NOT_FOUND = _response(
    b"404 Not Found",
    b"application/json",
    b'{"error":{"message":"not found","type":"invalid_request_error"}}',
)
BAD_REQUEST = _response(b"400 Bad Request", b"text/plain", b"bad request")


class MockProtocol(asyncio.Protocol):
    """One connection: requests parsed from the buffer as they complete (pipelining too),
    each answered in order. Bodies need a Content-Length (every client here sends one)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._fail()
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = dict(_header(line) for line in head[1:])
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                length = -1
            if length < 0 or "transfer-encoding" in headers:
                self._fail()
                return
            start = end + 4
            if len(self.buffer) < start + length:
                return  # the body is still on its way
            body = self.buffer[start : start + length]
            self.buffer = self.buffer[start + length :]
            self.transport.write(_answer(head[0], body))
            if headers.get("connection", "").lower() == "close":
                self.transport.close()
                self.transport = None

    def _fail(self) -> None:
        assert self.transport is not None
        self.transport.write(BAD_REQUEST)
        self.transport.close()
        self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()


def _answer(request_line: str, body: bytes) -> bytes:
    method, _, rest = request_line.partition(" ")
    path = rest.partition(" ")[0].partition("?")[0]
    if method == "POST" and path.endswith("/chat/completions"):
        compact = body.replace(b" ", b"")
        return STREAM if b'"stream":true' in compact else COMPLETION
    if method == "GET" and path == "/healthz":
        return HEALTHY
    return NOT_FOUND


async def serve(port: int) -> None:
    """Serves until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = await loop.create_server(MockProtocol, HOST, port, backlog=1024)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int, help="loopback port to listen on")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
