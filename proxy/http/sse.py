"""Server-sent events for OpenAI chat completions, committed only after the first chunk.

Peek-before-commit (04 §1.3): the status line and headers go out only once the first
payload exists, so an error before it is an ordinary JSON error with its real status.
After that, a failure ends the stream with an in-stream error frame and no `[DONE]`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from proxy.errors import ProxyError
from proxy.http.errors import claude_error_body, error_response, openai_error_body
from proxy.pipeline.parse import ClientGone
from proxy.pipeline.respond import StreamReply

T = TypeVar("T")

log = logging.getLogger("cliproxy.http")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_DONE = b"data: [DONE]\n\n"


async def until_disconnect(work: Coroutine[Any, Any, T], request: Request) -> T:
    """Runs `work` in this task unless the client leaves first; then it is cancelled and
    ClientGone raised. One watcher task per request, no second task for the work: this
    runs on every request, so it is kept cheap (measured in bench/)."""
    this = asyncio.current_task()
    assert this is not None
    left = False

    async def watch() -> None:
        nonlocal left
        while (await request.receive())["type"] != "http.disconnect":
            pass
        left = True
        this.cancel()

    watcher = asyncio.get_running_loop().create_task(watch())
    try:
        return await work
    except asyncio.CancelledError:
        if left:
            this.uncancel()
            raise ClientGone() from None
        raise
    finally:
        watcher.cancel()


async def stream_response(
    start: Coroutine[Any, Any, StreamReply], request: Request, client_format: str
) -> Response:
    """`start` runs the pipeline up to the first chunk; the head goes out after it."""
    try:
        reply = await until_disconnect(start, request)
    except ProxyError as error:
        return error_response(error, client_format)
    headers = {**SSE_HEADERS, **{k: ", ".join(v) for k, v in reply.headers.items()}}
    frames = _claude_frames if client_format == "claude" else _openai_frames
    return StreamingResponse(frames(reply.chunks), media_type="text/event-stream", headers=headers)


async def _openai_frames(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Each chunk is one JSON object: `data: ` framing, then `[DONE]`."""
    try:
        async for payload in chunks:
            yield b"data: " + payload + b"\n\n"
        yield _DONE
    except ProxyError as error:
        log.warning("stream failed after it started: %s", error.message)
        yield b"data: " + openai_error_body(error) + b"\n\n"
    finally:
        await chunks.aclose()


async def _claude_frames(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Each chunk is already a whole `event:`/`data:` block; errors are an `error` event."""
    try:
        async for payload in chunks:
            yield payload
    except ProxyError as error:
        log.warning("stream failed after it started: %s", error.message)
        yield b"event: error\ndata: " + claude_error_body(error) + b"\n\n"
    finally:
        await chunks.aclose()
