"""Error bodies in the OpenAI shape (04 §8), with the status the error carries."""

from __future__ import annotations

import math
from typing import Any

import ujson
from starlette.responses import Response

from proxy.errors import AuthenticationError, ProxyError
from proxy.pipeline.intercept import Rejected
from proxy.pipeline.respond import allowed

_BY_STATUS: dict[int, tuple[str, str | None]] = {
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "insufficient_quota"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def _json_object(text: str) -> dict[str, Any] | None:
    """The message as a JSON object, when it is one (a raw upstream error body)."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        parsed = ujson.loads(stripped)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _inner_message(parsed: dict[str, Any] | None) -> str:
    """`error.message` of an upstream's JSON error body ("" when it has none)."""
    inner = (parsed or {}).get("error")
    if isinstance(inner, dict) and isinstance(inner.get("message"), str):
        return inner["message"]
    return ""


def openai_error_body(error: ProxyError) -> bytes:
    """`{"error":{"message","type","code"}}`. A plugin message that is itself a JSON object
    (a raw upstream error body) passes through unchanged, as CLIProxyAPI does."""
    if _json_object(error.message) is not None:
        return error.message.strip().encode()
    kind, code = _BY_STATUS.get(error.status, ("invalid_request_error", None))
    if error.status >= 500:
        kind, code = "server_error", "internal_server_error"
    body: dict[str, Any] = {"message": error.message, "type": kind}
    if error.status < 500 and error.code not in (ProxyError.code, kind):
        code = error.code
    if code:
        body["code"] = code
    if error.code == "model_not_found":
        body["param"] = "model"
    return ujson.dumps({"error": body}, ensure_ascii=False).encode()


_CLAUDE_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def claude_error_body(error: ProxyError) -> bytes:
    """`{"type":"error","error":{"type","message"}}` (04 §8); an upstream's JSON error body
    contributes its message."""
    message = error.message
    parsed = _json_object(message)
    if parsed is not None:
        if parsed.get("type") == "error":
            return message.strip().encode()  # already a Claude error
        message = _inner_message(parsed) or message
    kind = _CLAUDE_TYPES.get(
        error.status, "api_error" if error.status >= 500 else "invalid_request_error"
    )
    return ujson.dumps(
        {"type": "error", "error": {"type": kind, "message": message}}, ensure_ascii=False
    ).encode()


_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def gemini_error_body(error: ProxyError) -> bytes:
    """Google's envelope `{"error":{"code","message","status"}}`, which Gemini SDKs read
    (CLIProxyAPI sends the OpenAI shape here; the status word is what google-genai shows).
    An upstream's JSON error body passes through unchanged."""
    if _json_object(error.message) is not None:
        return error.message.strip().encode()
    status = _GOOGLE_STATUS.get(error.status, "INTERNAL" if error.status >= 500 else "UNKNOWN")
    body = {"code": error.status, "message": error.message, "status": status}
    return ujson.dumps({"error": body}, ensure_ascii=False).encode()


_RESPONSES_CODES = {
    401: "invalid_api_key",
    403: "insufficient_quota",
    404: "model_not_found",
    408: "request_timeout",
    429: "rate_limit_exceeded",
}


def responses_stream_error(error: ProxyError) -> bytes:
    """The `error` event that ends a Responses stream after it started (04 §8)."""
    code = _RESPONSES_CODES.get(error.status) or (
        "internal_server_error" if error.status >= 500 else "invalid_request_error"
    )
    message = _inner_message(_json_object(error.message)) or error.message
    event = {"type": "error", "code": code, "message": message, "sequence_number": 0}
    return b"event: error\ndata: " + ujson.dumps(event, ensure_ascii=False).encode() + b"\n\n"


def error_body(error: ProxyError, client_format: str) -> bytes:
    if client_format == "claude":
        return claude_error_body(error)
    if client_format == "gemini":
        return gemini_error_body(error)
    return openai_error_body(error)


def error_response(error: ProxyError, client_format: str = "openai") -> Response:
    if isinstance(error, Rejected):
        return _terminated(error)
    if isinstance(error, AuthenticationError):
        # API-key failures carry a plain string under "error" (04 §2).
        content = ujson.dumps({"error": error.message}).encode()
    else:
        content = error_body(error, client_format)
    headers = None
    retry_after = getattr(error, "retry_after", 0)  # cooldowns and upstream 429s
    if retry_after:
        headers = {"Retry-After": str(math.ceil(retry_after))}
    return Response(
        content, status_code=error.status, media_type="application/json", headers=headers
    )


def _terminated(rejected: Rejected) -> Response:
    """An interceptor's own answer, verbatim but for reserved headers (02 §18)."""
    termination = rejected.termination
    headers = {
        k: ", ".join(v) for k, v in allowed(termination.headers).items() if k != "Content-Type"
    }
    media = (termination.headers.get("Content-Type") or ["application/json"])[0]
    return Response(
        termination.body, status_code=termination.status, headers=headers, media_type=media
    )
