"""Stage 2: read the body (bounded), parse it, pick out the model and the stream flag."""

from __future__ import annotations

import ujson
from starlette.types import Receive

from proxy.errors import RequestError
from proxy.pipeline.context import RequestContext


class BodyTooLarge(RequestError):
    status = 413
    code = "request_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Request body is larger than {limit} bytes (limits.max-request-body-bytes)."
        )


class ClientGone(RequestError):
    """The client left (or stalled past `limits.read-timeout-seconds`) before the response
    started. 499 is the conventional "client closed request"; nobody is there to read it."""

    status = 499
    code = "client_closed_request"

    def __init__(self) -> None:
        super().__init__("The client closed the connection before the response.")


async def read_body(receive: Receive, declared_length: str | None, limit: int) -> bytes:
    """The whole body from the ASGI channel, refusing early (Content-Length) or as soon as
    `limit` is passed; ClientGone when the client leaves before it is in."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise BodyTooLarge(limit)
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientGone()
        part = message.get("body", b"")
        size += len(part)
        if size > limit:
            raise BodyTooLarge(limit)
        parts.append(part)
        if not message.get("more_body", False):
            return parts[0] if len(parts) == 1 else b"".join(parts)


def parse_json_request(
    ctx: RequestContext, model: str | None = None, stream: bool | None = None
) -> None:
    """Fills payload, model and stream; `stream` streams only when it is JSON `true`.
    A `model` or `stream` given by the route (Gemini's URL) overrides the body."""
    try:
        payload = ujson.loads(ctx.body)
    except ValueError as exc:
        raise RequestError(f"Invalid request: body is not valid JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise RequestError("Invalid request: body must be a JSON object")
    if model is None:
        model = payload.get("model")
    if not isinstance(model, str) or not model.strip():
        raise RequestError("Invalid request: `model` is required and must be a string")
    ctx.payload = payload
    ctx.model = model.strip()
    ctx.stream = payload.get("stream") is True if stream is None else stream
