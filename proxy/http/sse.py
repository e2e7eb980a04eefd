"""Streams to clients in each format's framing, committed only after the first chunk.

Peek-before-commit (04 §1.3): the status line and headers go out only once the first
payload exists, so an error before it is an ordinary JSON error with its real status.
After that, a failure ends the stream with an in-stream error frame and no `[DONE]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from proxy.errors import ProxyError
from proxy.http.errors import (
    claude_error_body,
    error_response,
    gemini_error_body,
    openai_error_body,
    responses_stream_error,
)
from proxy.pipeline.parse import ClientGone
from proxy.pipeline.respond import StreamReply

T = TypeVar("T")

log = logging.getLogger("cliproxy.http")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_DONE = b"data: [DONE]\n\n"
_KEEPALIVE = b": keep-alive\n\n"


# How long work runs before anyone watches for the client leaving. Most answers are ready
# sooner, and a watcher task per request is a measurable share of the proxy's own cost
# (bench/); a disconnect in the meantime waits in the request's channel and is seen as soon
# as the watcher starts.
WATCH_AFTER_SECONDS = 0.25


async def until_disconnect(work: Coroutine[Any, Any, T], request: Request) -> T:
    """Runs `work` in this task unless the client leaves first; then it is cancelled and
    ClientGone raised (within WATCH_AFTER_SECONDS of its leaving, at the latest)."""
    this = asyncio.current_task()
    assert this is not None
    loop = this.get_loop()
    left = False
    watcher: asyncio.Task[None] | None = None

    async def watch() -> None:
        nonlocal left
        while (await request.receive())["type"] != "http.disconnect":
            pass
        left = True
        this.cancel()

    def start_watching() -> None:
        nonlocal watcher
        watcher = loop.create_task(watch())

    timer = loop.call_later(WATCH_AFTER_SECONDS, start_watching)
    try:
        return await work
    except asyncio.CancelledError:
        if left:
            this.uncancel()
            raise ClientGone() from None
        raise
    finally:
        timer.cancel()
        if watcher is not None:
            watcher.cancel()


@dataclass(frozen=True)
class Framing:
    """How one client format's stream goes on the wire (04 §1.3): what wraps each chunk
    (`index` counts chunks), what follows the last one, and the frame a failure after
    the start becomes."""

    frame: Callable[[bytes, int], bytes]
    end: bytes
    failure: Callable[[ProxyError], bytes]
    media_type: str = "text/event-stream"
    keepalive: bool = True


def _data(payload: bytes, index: int) -> bytes:
    return b"data: " + payload + b"\n\n"


def _event_block(payload: bytes, index: int) -> bytes:
    """Translators and upstreams hand whole SSE events; make sure each ends its frame."""
    return payload if payload.endswith(b"\n\n") else payload.rstrip(b"\n") + b"\n\n"


def _array_element(payload: bytes, index: int) -> bytes:
    return (b"[" if index == 0 else b",\r\n") + payload


FRAMINGS = {
    "openai": Framing(_data, _DONE, lambda e: _data(openai_error_body(e), 0)),
    "claude": Framing(
        _event_block, b"", lambda e: b"event: error\ndata: " + claude_error_body(e) + b"\n\n"
    ),
    "openai-response": Framing(_event_block, b"", responses_stream_error),
    "gemini": Framing(
        _data, b"", lambda e: b"event: error\ndata: " + gemini_error_body(e) + b"\n\n"
    ),
    # `streamGenerateContent` without `alt=sse`: one JSON array, as Google serves it
    "gemini-array": Framing(
        _array_element,
        b"]",
        lambda e: b",\r\n" + gemini_error_body(e) + b"]",
        media_type="application/json",
        keepalive=False,
    ),
}


async def stream_response(
    start: Coroutine[Any, Any, StreamReply],
    request: Request,
    client_format: str,
    keepalive_seconds: float = 0,
    framing_name: str = "",
) -> Response:
    """`start` runs the pipeline up to the first chunk; the head goes out after it. The
    framing is the client format's own unless named (Gemini's `alt=json` array)."""
    try:
        reply = await until_disconnect(start, request)
    except ProxyError as error:
        return error_response(error, client_format)
    framing = FRAMINGS[framing_name or client_format]
    headers = {k: ", ".join(v) for k, v in reply.headers.items()}
    if framing.media_type == "text/event-stream":
        headers = {**SSE_HEADERS, **headers}
    idle = keepalive_seconds if framing.keepalive else 0
    return StreamingResponse(
        _framed(reply.chunks, framing, idle), media_type=framing.media_type, headers=headers
    )


async def _framed(
    chunks: AsyncIterator[bytes], framing: Framing, idle: float
) -> AsyncIterator[bytes]:
    index = 0
    try:
        async for payload in _with_keepalive(chunks, idle) if idle > 0 else chunks:
            if payload is None:
                yield _KEEPALIVE
                continue
            yield framing.frame(payload, index)
            index += 1
        if index == 0 and framing.end == b"]":
            yield b"["
        yield framing.end
    except ProxyError as error:
        log.warning("stream failed after it started: %s", error.message)
        yield framing.failure(error)
    finally:
        await chunks.aclose()


async def _with_keepalive(chunks: AsyncIterator[bytes], idle: float) -> AsyncIterator[bytes | None]:
    """The chunks, with a None after every `idle` seconds without one (04 §1.3 rule 4:
    `streaming.keepalive-seconds`)."""
    pending: asyncio.Future[bytes] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(chunks.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=idle)
            if not done:
                yield None
                continue
            try:
                payload = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            yield payload
    finally:
        if pending is not None:  # the client left while a chunk was awaited
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
