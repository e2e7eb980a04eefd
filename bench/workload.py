"""The one request every benchmark sends, so the HTTP runs and the RPC micro-benchmark
measure the same bytes.

The chat body is small but realistic (system prompt, a short exchange, a last user turn);
the echo executor answers with the last user message, and so do the bare routes of
bench/serve_bench.py and the mock upstream of bench/mock_upstream.py (same bytes, same
size). `claude_body` is the same conversation as an Anthropic Messages request.
`executor_request_bytes` builds the `executor.execute` RPC request through the proxy's own
code (`executor_request` and the Go-compatible codec) with the headers a load generator
sends, which is what the plugin receives when the HTTP benchmark runs.
"""

from __future__ import annotations

import json
from typing import Any

ECHO_MODEL = "example-echo-c"
LAST_USER_TEXT = "Say hello in one short sentence."  # what the echo executor answers

MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": "You are a concise assistant. Answer in one sentence."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "The capital of France is Paris."},
    {"role": "user", "content": LAST_USER_TEXT},
]


def chat_body(stream: bool = False, model: str = ECHO_MODEL) -> bytes:
    """The OpenAI chat request body; `"stream": true` only when streaming (as clients do)."""
    payload: dict[str, Any] = {
        "model": model,
        "messages": MESSAGES,
        "temperature": 0.2,
        "max_tokens": 64,
    }
    if stream:
        payload["stream"] = True
    return json.dumps(payload, separators=(",", ":")).encode()


def claude_body(model: str) -> bytes:
    """The same conversation as `chat_body` in Anthropic Messages form (system on top), so
    that a Claude client and an OpenAI client send the proxy the same prompt."""
    system, *turns = MESSAGES
    payload: dict[str, Any] = {
        "model": model,
        "max_tokens": 64,
        "temperature": 0.2,
        "system": system["content"],
        "messages": turns,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


USAGE = b'"usage":{"prompt_tokens":6,"completion_tokens":6,"total_tokens":12}}'


def completion_body(model: str = ECHO_MODEL) -> bytes:
    """What the echo executor answers for the benchmark prompt, in the same shape and size:
    the bare route and the mock upstream write a comparable response body."""
    return (
        b'{"id":"chatcmpl-bare","object":"chat.completion","created":1700000000,'
        b'"model":"' + model.encode() + b'","choices":[{"index":0,"message":{"role":'
        b'"assistant","content":"'
        + LAST_USER_TEXT.encode()
        + b'"},"finish_reason":"stop"}],'
        + USAGE
    )


def stream_frames(model: str = ECHO_MODEL) -> list[bytes]:
    """The SSE frames the echo executor streams for the benchmark prompt: one chunk per
    word, a finish chunk with usage, then [DONE]."""
    head = (
        b'{"id":"chatcmpl-bare","object":"chat.completion.chunk","created":1700000000,'
        b'"model":"' + model.encode() + b'","choices":[{"index":0,"delta":'
    )
    words = LAST_USER_TEXT.encode().split()
    frames = [head + b'{"role":"assistant","content":"' + words[0] + b'"},"finish_reason":null}]}']
    frames += [head + b'{"content":" ' + w + b'"},"finish_reason":null}]}' for w in words[1:]]
    frames.append(head + b'{},"finish_reason":"stop"}],' + USAGE)
    return [b"data: " + f + b"\n\n" for f in frames] + [b"data: [DONE]\n\n"]


def client_headers(body: bytes, user_agent: str = "h2load nghttp2/1.52.0") -> dict[str, list[str]]:
    """Headers as the proxy's route canonicalises them for a load-generator POST."""
    return {
        "Host": ["127.0.0.1"],
        "User-Agent": [user_agent],
        "Content-Type": ["application/json"],
        "Content-Length": [str(len(body))],
    }


def executor_request(stream: bool = False) -> dict[str, Any]:
    """The ExecutorRequest dict the proxy's execute stage builds for `chat_body`."""
    from proxy.formats.negotiation import Formats
    from proxy.pipeline import execute
    from proxy.pipeline.context import RequestContext
    from proxy.pipeline.resolve import Target

    body = chat_body(stream)
    ctx = RequestContext(
        generation=None,  # type: ignore[arg-type]  # executor_request does not read it
        entry_format="openai",
        path="/v1/chat/completions",
        headers=client_headers(body),
        query={},
        body=body,
        model=ECHO_MODEL,
        stream=stream,
    )
    ctx.begin_execution()
    target = Target("echo-c", ECHO_MODEL, executor=None)  # type: ignore[arg-type]
    attempt = execute.Attempt(ctx.headers, body, None, Formats("openai", "openai"))
    return execute.executor_request(ctx, target, attempt, body, stream)


def executor_request_bytes(callback_id: str = "cb-1") -> bytes:
    """`executor.execute` request bytes, encoded exactly as proxy.plugins.executor does."""
    from proxy.plugins import codec, schema

    return codec.encode(
        schema.EXECUTOR_REQUEST, executor_request(), {"host_callback_id": callback_id}
    )
