"""The Gemini API of the mock upstream (tests/upstream.py): `generateContent`,
`streamGenerateContent` (SSE with `alt=sse`, else a JSON array as Gemini sends it) and
`countTokens` under `/v1beta/models/{model}:{action}`.

Like the other mock APIs: keys `good-*` work; model `limited` gives key `good-1` a 429
with Retry-After; `broken` always answers 500; `tool-caller` asks for
get_weather(city="Paris"); any other model repeats the last user text, streamed one word
per event. A bad key gets 401 UNAUTHENTICATED, not the 400 INVALID_ARGUMENT ("API key not
valid") of the real API, so the pool treats it as the auth failure the other mocks give.
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

_PATH = re.compile(r"^/v1beta/models/(?P<model>[^/:]+):(?P<action>[A-Za-z]+)$")
_ACTIONS = ("generateContent", "streamGenerateContent", "countTokens")


def handle(handler: BaseHTTPRequestHandler, body: bytes) -> bool:
    """Answers the request if its path belongs to this API; False leaves it to others."""
    url = urlsplit(handler.path)
    match = _PATH.match(url.path)
    if match is None or match["action"] not in _ACTIONS:
        return False
    query = parse_qs(url.query)
    key = handler.headers.get("x-goog-api-key") or (query.get("key") or [""])[0]
    model, action = match["model"], match["action"]
    request = json.loads(body or b"{}")
    handler.server.upstream.calls.append(  # type: ignore[attr-defined]
        {
            "key": key,
            "model": model,
            "action": action,
            "body": request,
            "headers": dict(handler.headers),
        }
    )
    failure = _failure(key, model)
    if failure is not None:
        status, message, name = failure
        error = {"error": {"code": status, "message": message, "status": name}}
        _send_json(handler, status, error, {"Retry-After": "30"} if status == 429 else None)
    elif action == "countTokens":
        inner = request.get("generateContentRequest") or request
        words = sum(len(text.split()) for text in _texts(inner.get("contents") or []))
        _send_json(handler, 200, {"totalTokens": words})
    elif action == "generateContent":
        _send_json(handler, 200, _generate(model, request))
    elif (query.get("alt") or [""])[0] == "sse":
        events = b"".join(
            b"data: " + json.dumps(e).encode() + b"\n\n" for e in _stream(model, request)
        )
        handler.send(200, events, "text/event-stream")  # type: ignore[attr-defined]
    else:
        _send_json(handler, 200, _stream(model, request))
    return True


def _failure(key: str, model: str) -> tuple[int, str, str] | None:
    """(HTTP status, message, Google status name) of a call that fails, else None."""
    if not key.startswith("good-"):
        return 401, "API key not valid. Please pass a valid API key.", "UNAUTHENTICATED"
    if model == "limited" and key == "good-1":
        return 429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED"
    if model == "broken":
        return 500, "upstream exploded", "INTERNAL"
    return None


def _send_json(
    handler: BaseHTTPRequestHandler, status: int, value: Any, extra: dict[str, str] | None = None
) -> None:
    handler.send(status, json.dumps(value).encode(), "application/json", extra)  # type: ignore[attr-defined]


def _texts(contents: list[dict[str, Any]]) -> list[str]:
    return [
        p["text"] for c in contents for p in c.get("parts") or () if isinstance(p.get("text"), str)
    ]


def _last_user_text(request: dict[str, Any]) -> str:
    users = [c for c in request.get("contents") or () if c.get("role", "user") == "user"]
    return " ".join(_texts(users[-1:]))


def _generate(model: str, request: dict[str, Any]) -> dict[str, Any]:
    """The whole answer: the last user text as it came, or the weather call."""
    if model == "tool-caller":
        call = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
        usage = {"promptTokenCount": 9, "candidatesTokenCount": 3, "totalTokenCount": 12}
        return _event(model, [call], "STOP", usage)
    text = _last_user_text(request)
    words = len(text.split())
    usage = {"promptTokenCount": 5, "candidatesTokenCount": words, "totalTokenCount": 5 + words}
    return _event(model, [{"text": text}], "STOP", usage)


def _stream(model: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer as stream events, one per word; the last carries finishReason and
    usageMetadata, as Gemini's do."""
    whole = _generate(model, request)
    parts = whole["candidates"][0]["content"]["parts"]
    if "text" in parts[0]:
        pieces = [[{"text": word + " "}] for word in parts[0]["text"].split()] or [[{"text": ""}]]
    else:
        pieces = [parts]
    events = [_event(model, piece) for piece in pieces[:-1]]
    return [*events, _event(model, pieces[-1], "STOP", whole["usageMetadata"])]


def _event(
    model: str, parts: list[dict[str, Any]], finish: str = "", usage: dict[str, int] | None = None
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    event: dict[str, Any] = {
        "candidates": [candidate],
        "modelVersion": model,
        "responseId": "resp-mock",
    }
    if usage is not None:
        event["usageMetadata"] = usage
    return event
