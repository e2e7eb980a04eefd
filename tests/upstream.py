"""A small local HTTP server standing in for the outside world (upstream APIs and sites
that plugins call through host.http.*)."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIG = bytes(range(256)) * 400  # 102400 bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/hello":
            self._send(200, b"hello", "text/plain", {"X-Upstream": "yes"})
        elif self.path == "/big":
            self._send(200, BIG, "application/octet-stream")
        elif self.path == "/gzip":
            self._send(
                200, gzip.compress(b"unzipped text"), "text/plain", {"Content-Encoding": "gzip"}
            )
        elif self.path == "/slow":
            self._trickle()
        elif self.path == "/redirect":
            self._send(302, b"", "text/plain", {"Location": "/hello"})
        else:
            self._send(404, b"no such page", "text/plain")

    def _trickle(self) -> None:
        """A byte every 50 ms for 20 s, unless the client goes away first (recorded)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "400")
        self.end_headers()
        upstream: Upstream = self.server.upstream  # type: ignore[attr-defined]
        try:
            for _ in range(400):
                self.wfile.write(b".")
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            upstream.abandoned.set()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        echo = {
            "method": "POST",
            "body": body.decode("latin-1"),
            "headers": {k: v for k, v in self.headers.items()},
        }
        self._send(201, json.dumps(echo).encode(), "application/json")


class Upstream:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.upstream = self  # type: ignore[attr-defined]
        self.abandoned = threading.Event()  # a client left /slow before its end
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
