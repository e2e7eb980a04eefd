"""The OpenAI Responses API of the mock upstream (tests/upstream.py), at `/v1/responses`
and `/responses` (so a base-url of `<mock>/v1` and `<mock>` both work).

The answer repeats the last user text, streamed word by word. Keys `good-*` work, others
get 401; model `limited` gives key `good-1` a 429 with Retry-After; `broken` always 500;
`tool-caller` asks for get_weather(city="Paris"), its arguments streamed in two pieces;
`failing` streams `response.created` then a `response.failed` (a rate limit).
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

PATHS = ("/v1/responses", "/responses")
INVALID_KEY = {
    "error": {
        "message": "Incorrect API key provided",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
}


def handle(handler: BaseHTTPRequestHandler, body: bytes) -> bool:
    """Answers the request if its path belongs to this API; False leaves it to others."""
    if handler.path.split("?")[0] not in PATHS:
        return False
    request = json.loads(body or b"{}")
    key = handler.headers.get("Authorization", "").removeprefix("Bearer ")
    model = request.get("model", "")
    handler.server.upstream.calls.append(  # type: ignore[attr-defined]
        {"key": key, "model": model, "body": request, "headers": dict(handler.headers)}
    )
    send = handler.send  # type: ignore[attr-defined]
    if not key.startswith("good-"):
        send(401, json.dumps(INVALID_KEY).encode(), "application/json")
    elif model == "limited" and key == "good-1":
        error = {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}
        send(429, json.dumps(error).encode(), "application/json", {"Retry-After": "30"})
    elif model == "broken":
        send(500, b'{"error":{"message":"upstream exploded"}}', "application/json")
    else:
        events = events_for(request, model)
        if request.get("stream"):
            sse = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
            send(200, sse.encode(), "text/event-stream")
        else:
            send(200, json.dumps(events[-1]["response"]).encode(), "application/json")
    return True


def _last_user_text(request: dict[str, Any]) -> str:
    items = request.get("input")
    if isinstance(items, str):
        return items
    for item in reversed(items or []):
        if item.get("role") != "user":
            continue
        content = item.get("content")
        if isinstance(content, str):
            return content
        return " ".join(p.get("text", "") for p in content or [] if p.get("type") == "input_text")
    return ""


def events_for(request: dict[str, Any], model: str) -> list[dict[str, Any]]:
    """The whole event sequence; its last event carries the finished response."""
    response: dict[str, Any] = {
        "id": "resp_mock",
        "object": "response",
        "created_at": 1,
        "status": "in_progress",
        "model": model,
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": request.get("tools") or [],
    }
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": dict(response)},
        {"type": "response.in_progress", "response": dict(response)},
    ]
    if model == "failing":
        error = {"code": "rate_limit_exceeded", "message": "Rate limit reached"}
        failed = {**response, "status": "failed", "error": error}
        return [*events, {"type": "response.failed", "response": failed}]
    if model == "tool-caller":
        item = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "get_weather"}
        pieces = ['{"city": ', '"Paris"}']
        done = {**item, "status": "completed", "arguments": "".join(pieces)}
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "status": "in_progress", "arguments": ""},
            }
        )
        events += [
            {
                "type": "response.function_call_arguments.delta",
                "item_id": "fc_1",
                "output_index": 0,
                "delta": piece,
            }
            for piece in pieces
        ]
        events.append(
            {
                "type": "response.function_call_arguments.done",
                "item_id": "fc_1",
                "output_index": 0,
                "arguments": done["arguments"],
            }
        )
        output_tokens = 3
    else:
        words = _last_user_text(request).split()
        text = " ".join(words)
        part = {"type": "output_text", "text": "", "annotations": []}
        done = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{**part, "text": text}],
        }
        at = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**done, "status": "in_progress", "content": []},
            }
        )
        events.append({"type": "response.content_part.added", **at, "part": part})
        events += [
            {"type": "response.output_text.delta", **at, "delta": piece, "logprobs": []}
            for piece in (f" {w}" if i else w for i, w in enumerate(words))
        ]
        events.append({"type": "response.output_text.done", **at, "text": text, "logprobs": []})
        events.append({"type": "response.content_part.done", **at, "part": done["content"][0]})
        output_tokens = len(words)
    events.append({"type": "response.output_item.done", "output_index": 0, "item": done})
    usage = {
        "input_tokens": 5,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 5 + output_tokens,
    }
    finished = {**response, "status": "completed", "output": [done], "usage": usage}
    events.append({"type": "response.completed", "response": finished})
    return [{**event, "sequence_number": n} for n, event in enumerate(events, 1)]
