"""A small local HTTP server standing in for the outside world (upstream APIs and sites
that plugins call through host.http.*)."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests import upstream_gemini, upstream_responses

BIG = bytes(range(256)) * 400  # 102400 bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def send(
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
            self.send(200, b"hello", "text/plain", {"X-Upstream": "yes"})
        elif self.path == "/big":
            self.send(200, BIG, "application/octet-stream")
        elif self.path == "/gzip":
            self.send(
                200, gzip.compress(b"unzipped text"), "text/plain", {"Content-Encoding": "gzip"}
            )
        elif self.path == "/slow":
            self._trickle()
        elif self.path == "/redirect":
            self.send(302, b"", "text/plain", {"Location": "/hello"})
        else:
            self.send(404, b"no such page", "text/plain")

    def _chat(self, request: dict) -> None:
        """A small OpenAI chat completions API. The answer repeats the last user message.
        Keys `good-*` work and `bad*` get 401; model `limited` gives key `good-1` a 429
        with Retry-After; `broken` always 500; `break-stream` cuts its stream mid-way;
        `flaky` answers 503 (Retry-After: 1) while `Upstream.failures` lasts; `slow-stream`
        paces its events."""
        upstream: Upstream = self.server.upstream  # type: ignore[attr-defined]
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        model = request.get("model", "")
        upstream.calls.append(
            {"key": key, "model": model, "body": request, "headers": dict(self.headers)}
        )
        if not key.startswith("good-"):
            error = {
                "error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}
            }
            self.send(401, json.dumps(error).encode(), "application/json")
            return
        if model == "limited" and key == "good-1":
            error = {"error": {"message": "Rate limit reached", "type": "requests"}}
            self.send(429, json.dumps(error).encode(), "application/json", {"Retry-After": "30"})
            return
        if model == "broken":
            self.send(500, b'{"error":{"message":"upstream exploded"}}', "application/json")
            return
        if model == "flaky" and upstream.take_failure():
            body = b'{"error":{"message":"overloaded, try again"}}'
            self.send(503, body, "application/json", {"Retry-After": "1"})
            return
        if model == "tool-caller":
            self._tool_call(request, model)
            return
        text = request["messages"][-1]["content"]
        usage = {
            "prompt_tokens": 5,
            "completion_tokens": len(text.split()),
            "total_tokens": 5 + len(text.split()),
        }
        if not request.get("stream"):
            message = {"role": "assistant", "content": text}
            answer = {
                "id": "chatcmpl-mock",
                "object": "chat.completion",
                "created": 1,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": usage,
            }
            self.send(200, json.dumps(answer).encode(), "application/json")
            return
        events = []
        for word in text.split():
            delta = {
                "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]
            }
            events.append(
                {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "model": model, **delta}
            )
        events.append(
            {
                "id": "chatcmpl-mock",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [],
                "usage": usage,
            }
        )
        body = (
            b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
            + b"data: [DONE]\n\n"
        )
        if model == "slow-stream":  # each event 0.3 s after the one before
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for event in body.split(b"\n\n")[:-1]:
                self.wfile.write(event + b"\n\n")
                self.wfile.flush()
                time.sleep(0.3)
            return
        if model == "break-stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(body) * 2))  # promises more than it sends
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(200, body, "text/event-stream")

    def _messages(self, request: dict) -> None:
        """A small Anthropic Messages API: the answer repeats the last user text; model
        `tool-caller` asks for get_weather(city="Paris"). The key must be `good-*`."""
        upstream: Upstream = self.server.upstream  # type: ignore[attr-defined]
        key = self.headers.get("X-Api-Key") or self.headers.get("Authorization", "").removeprefix(
            "Bearer "
        )
        upstream.calls.append(
            {
                "key": key,
                "model": request.get("model"),
                "body": request,
                "headers": dict(self.headers),
            }
        )
        if not key.startswith("good-"):
            error = {
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            }
            self.send(401, json.dumps(error).encode(), "application/json")
            return
        last = request["messages"][-1]["content"]
        text = (
            last
            if isinstance(last, str)
            else " ".join(b.get("text", "") for b in last if b.get("type") == "text")
        )
        usage = {"input_tokens": 4, "output_tokens": len(text.split())}
        if request.get("model") == "tool-caller":
            content = [
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                }
            ]
            stop = "tool_use"
        else:
            content, stop = [{"type": "text", "text": text}], "end_turn"
        message = {
            "id": "msg_mock",
            "type": "message",
            "role": "assistant",
            "model": request.get("model"),
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        if not request.get("stream"):
            self.send(200, json.dumps(message).encode(), "application/json")
            return
        events = [
            (
                "message_start",
                {
                    "type": "message_start",
                    "message": {**message, "content": [], "stop_reason": None},
                },
            )
        ]
        if stop == "tool_use":
            block = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": '{"city": '},
                {"type": "input_json_delta", "partial_json": '"Paris"}'},
            ]
        else:
            block = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": word + " "} for word in text.split()]
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": block},
            )
        )
        events += [
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": d})
            for d in deltas
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        events.append(
            (
                "message_delta",
                {"type": "message_delta", "delta": {"stop_reason": stop}, "usage": usage},
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        body = b"".join(
            f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events
        )
        self.send(200, body, "text/event-stream")

    def _tool_call(self, request: dict, model: str) -> None:
        """Asks for get_weather(city="Paris"), streamed in two argument pieces."""
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
        if not request.get("stream"):
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
            choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
            answer = {"id": "chatcmpl-tool", "model": model, "choices": [choice], "usage": usage}
            self.send(200, json.dumps(answer).encode(), "application/json")
            return
        first = {"name": "get_weather", "arguments": '{"city": '}
        pieces = [
            {"index": 0, "id": "call_1", "type": "function", "function": first},
            {"index": 0, "function": {"arguments": '"Paris"}'}},
        ]
        events = [
            {"choices": [{"index": 0, "delta": {"tool_calls": [p]}, "finish_reason": None}]}
            for p in pieces
        ]
        events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
        events.append(
            {
                "choices": [],
                "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
            }
        )
        body = b"".join(
            b"data: " + json.dumps({"id": "chatcmpl-tool", "model": model, **e}).encode() + b"\n\n"
            for e in events
        )
        self.send(200, body + b"data: [DONE]\n\n", "text/event-stream")

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
        if self.path == "/v1/chat/completions":
            self._chat(json.loads(body))
            return
        if self.path.startswith("/v1/messages/count_tokens"):
            words = len(json.dumps(json.loads(body).get("messages", [])).split())
            self.send(200, json.dumps({"input_tokens": words}).encode(), "application/json")
            return
        if self.path.startswith("/v1/messages"):
            self._messages(json.loads(body))
            return
        for api in (upstream_gemini, upstream_responses):
            if api.handle(self, body):
                return
        echo = {
            "method": "POST",
            "body": body.decode("latin-1"),
            "headers": {k: v for k, v in self.headers.items()},
        }
        self.send(201, json.dumps(echo).encode(), "application/json")


class Upstream:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.upstream = self  # type: ignore[attr-defined]
        self.abandoned = threading.Event()  # a client left /slow before its end
        self.calls: list[dict] = []  # what /v1/chat/completions was asked
        self.failures = 0  # how many more times model `flaky` answers 503
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take_failure(self) -> bool:
        with self._lock:
            if self.failures <= 0:
                return False
            self.failures -= 1
            return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
