"""The one request every benchmark sends, so the HTTP runs and the RPC micro-benchmark
measure the same bytes.

The chat body is small but realistic (system prompt, a short exchange, a last user turn);
the echo executor answers with the last user message. `executor_request_bytes` builds the
`executor.execute` RPC request through the proxy's own code (`executor_request` and the
Go-compatible codec) with the headers a load generator sends, which is what the plugin
receives when the HTTP benchmark runs.
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
    payload: dict[str, Any] = {"model": model, "messages": MESSAGES, "temperature": 0.2,
                               "max_tokens": 64}
    if stream:
        payload["stream"] = True
    return json.dumps(payload, separators=(",", ":")).encode()


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
