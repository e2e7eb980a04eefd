"""Server-sent events for OpenAI chat completions, committed only after the first chunk.

Peek-before-commit (04 §1.3): the status line and headers go out only once the first
payload exists, so an error before it is an ordinary JSON error with its real status.
After that, a failure ends the stream with an in-stream error frame and no `[DONE]`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from proxy.errors import ProxyError
from proxy.http.errors import error_response, openai_error_body
from proxy.pipeline.parse import ClientGone

log = logging.getLogger("cliproxy.http")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_DONE = b"data: [DONE]\n\n"


async def _first(chunks: AsyncIterator[bytes], request: Request) -> bytes | None:
    """The first payload, or None for an empty stream; aborts when the client leaves."""
    first = asyncio.ensure_future(chunks.__anext__())
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({first, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if not first.done():
        first.cancel()
        await asyncio.wait({first})  # let it unwind; its outcome no longer matters
        raise ClientGone()
    try:
        return first.result()
    except StopAsyncIteration:
        return None


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def openai_stream(chunks: AsyncIterator[bytes], request: Request) -> Response:
    try:
        first = await _first(chunks, request)
    except ProxyError as error:
        await chunks.aclose()
        return error_response(error)
    return StreamingResponse(
        _frames(first, chunks), media_type="text/event-stream", headers=SSE_HEADERS
    )


async def _frames(first: bytes | None, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        if first is not None:
            yield b"data: " + first + b"\n\n"
            async for payload in chunks:
                yield b"data: " + payload + b"\n\n"
        yield _DONE
    except ProxyError as error:
        log.warning("stream failed after it started: %s", error.message)
        yield b"data: " + openai_error_body(error) + b"\n\n"
    finally:
        await chunks.aclose()
