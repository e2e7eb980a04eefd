"""Route handlers. Each builds a RequestContext, runs the pipeline stages in order and
renders the outcome; every ProxyError becomes the client format's error body."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import ujson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from proxy.errors import ProxyError
from proxy.formats import completions
from proxy.http.errors import error_body, error_response
from proxy.http.sse import stream_response, until_disconnect
from proxy.pipeline.authenticate import authenticate, needs_body
from proxy.pipeline.context import RequestContext
from proxy.pipeline.parse import parse_json_request, read_body
from proxy.pipeline.respond import StreamReply
from proxy.pipeline.run import run, run_stream
from proxy.plugins.codec import header_from_pairs
from proxy.runtime import Runtime

log = logging.getLogger("cliproxy.http")


class Endpoint:
    """Mounts a `Request -> Response` handler as a plain ASGI endpoint. Starlette wraps
    function endpoints in request/response and exception-handling layers; the proxy's
    handlers turn every error into a response themselves and need neither (the chat route
    is the hot path: measured in bench/, docs/benchmarks.md). A bug (any other exception)
    still answers an OpenAI-shaped 500 and leaves its traceback in the log."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self.handler(Request(scope, receive))
        except Exception:
            log.exception("internal error answering %s %s", scope["method"], scope["path"])
            response = error_response(INTERNAL_ERROR)
        await response(scope, receive, send)


INTERNAL_ERROR = ProxyError("internal error in the proxy; see its log", status=500)


# The scope key under which the app (proxy.http.app.ModelRoutes) hands every request its
# Runtime: a dict lookup (Starlette's `app.state` would be an attribute hook per access).
RUNTIME_KEY = "cliproxy.runtime"


def runtime_of(request: Request) -> Runtime:
    return request.scope[RUNTIME_KEY]


def context(request: Request, entry_format: str) -> RequestContext:
    scope = request.scope
    raw_query = scope.get("query_string", b"")
    query = parse_qs(raw_query.decode("latin-1"), keep_blank_values=True) if raw_query else {}
    return RequestContext(
        generation=scope[RUNTIME_KEY].current,
        entry_format=entry_format,
        path=scope["path"],
        headers=header_from_pairs(scope["headers"]),
        query=query,
        method=scope["method"],
    )


class JsonAnswer(Response):
    """An `application/json` response with its header list built directly: the answer to
    every non-stream model request, where Starlette's generic header setup is a measurable
    share of the proxy's own cost (bench/). `headers` may replace the two defaults."""

    media_type = "application/json"

    def __init__(
        self, body: bytes, headers: Mapping[str, str] | None = None, status: int = 200
    ) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        raw = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
        if headers:
            extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
            replaced = {name for name, _ in extra}
            raw = [header for header in raw if header[0] not in replaced] + extra
        self.raw_headers = raw


def json_response(content: object, status: int = 200) -> Response:
    return JsonAnswer(ujson.dumps(content, ensure_ascii=False).encode(), status=status)


async def healthz(request: Request) -> Response:
    if request.method == "HEAD":
        return Response(status_code=200)
    return JSONResponse({"status": "ok"})


async def root(request: Request) -> Response:
    return JSONResponse(
        {
            "message": "CLI Proxy API Server",
            "endpoints": [
                "POST /v1/chat/completions",
                "POST /v1/completions",
                "GET /v1/models",
            ],
        }
    )


async def list_models(request: Request) -> Response:
    ctx = context(request, "openai")
    try:
        await authenticate(ctx)
    except ProxyError as error:
        return error_response(error)
    catalog = ctx.generation.catalog
    anthropic = "Anthropic-Version" in ctx.headers or (
        ctx.headers.get("User-Agent", [""])[0].startswith("claude-cli")
    )
    return json_response(catalog.anthropic_list() if anthropic else catalog.openai_list())


async def _read(request: Request, ctx: RequestContext) -> None:
    length = ctx.headers.get("Content-Length")
    ctx.body = await read_body(
        request.receive,
        length[0] if length else None,
        ctx.generation.config.limits.max_request_body_bytes,
    )


@dataclass(frozen=True)
class Entry:
    """How a route enters the pipeline: the client's format, what the URL says instead of
    the body (Gemini puts model and streaming there), and the stream framing."""

    format: str
    count_tokens: bool = False
    model: str | None = None  # from the path; None: the body's `model`
    stream: bool | None = None  # from the path; None: the body's `stream`
    framing: str = ""  # FRAMINGS key; "" = the format's own
    legacy: bool = False  # `/v1/completions`, answered as text completions

    def answer(self, body: bytes) -> bytes:
        """A whole answer as this route's clients get it."""
        return completions.text_completion(body) if self.legacy else body


async def model_request(request: Request, entry: Entry) -> Response:
    """One model execution in the entry's format, answered and failed in that format."""
    runtime = runtime_of(request)
    ctx = context(request, entry.format)
    ctx.count_tokens = entry.count_tokens
    streaming = ctx.generation.config.streaming
    try:
        # Frontend-auth plugins see the body; without them a bad key is refused unread.
        if needs_body(ctx):
            await _read(request, ctx)
            await authenticate(ctx)
        else:
            await authenticate(ctx)
            await _read(request, ctx)
        if entry.legacy:
            ctx.body = completions.chat_request(ctx.body)
        parse_json_request(ctx, model=entry.model, stream=entry.stream)
        if ctx.stream and not entry.count_tokens:
            start = _bootstrapped(runtime, ctx, streaming.bootstrap_retries)
            if entry.legacy:
                start = _legacy_stream(start)
            return await stream_response(
                start, request, entry.format, streaming.keepalive_seconds, entry.framing
            )
        if streaming.nonstream_keepalive > 0 and not entry.count_tokens:
            return _kept_alive(runtime, ctx, entry, streaming.nonstream_keepalive)
        # a client that leaves cancels the execution: the plugin's scope ends, and with it
        # the HTTP requests and nested runs the plugin started for this request
        reply = await until_disconnect(run(runtime, ctx), request)
    except ProxyError as error:
        return error_response(error, entry.format)
    headers = {k: ", ".join(v) for k, v in reply.headers.items()} if reply.headers else None
    return JsonAnswer(entry.answer(reply.body), headers)


async def _bootstrapped(runtime: Runtime, ctx: RequestContext, retries: int) -> StreamReply:
    """`run_stream`, run again up to `retries` times when it fails before its first chunk
    with a status worth another try (04 §1.3 rule 6, `streaming.bootstrap-retries`)."""
    for attempt in range(retries + 1):
        try:
            return await run_stream(runtime, ctx)
        except ProxyError as error:
            if attempt == retries or not _retryable(error.status):
                raise
            log.info("stream failed before its first chunk (%d); starting it again", error.status)
    raise AssertionError("unreachable")


def _retryable(status: int) -> bool:
    return status in (401, 402, 403, 408, 429) or status >= 500 or status == 0


async def _legacy_stream(start: Coroutine[Any, Any, StreamReply]) -> StreamReply:
    reply = await start
    reply.chunks = completions.text_completion_chunks(reply.chunks)
    return reply


def _kept_alive(runtime: Runtime, ctx: RequestContext, entry: Entry, interval: float) -> Response:
    """A non-stream answer that commits 200 at once and writes a newline every `interval`
    seconds until the answer (or its error body) follows (`nonstream-keepalive-interval`):
    for clients and middleboxes that drop a silent connection."""

    async def body() -> AsyncIterator[bytes]:
        work = asyncio.ensure_future(run(runtime, ctx))
        try:
            while not (await asyncio.wait({work}, timeout=interval))[0]:
                yield b"\n"
            reply = work.result()
        except ProxyError as error:
            yield error_body(error, entry.format)
            return
        finally:
            work.cancel()
        yield entry.answer(reply.body)

    return StreamingResponse(body(), media_type="application/json")


# The handlers below return model_request's coroutine rather than awaiting it: one
# coroutine layer less on every model request.


def chat_completions(request: Request) -> Coroutine[Any, Any, Response]:
    return model_request(request, OPENAI)


def completions_legacy(request: Request) -> Coroutine[Any, Any, Response]:
    """`POST /v1/completions`: legacy text completions, run as chat completions."""
    return model_request(request, LEGACY)


def responses(request: Request) -> Coroutine[Any, Any, Response]:
    """`POST /v1/responses`: OpenAI Responses clients."""
    return model_request(request, RESPONSES)


def claude_messages(request: Request) -> Coroutine[Any, Any, Response]:
    """`POST /v1/messages`: Anthropic Messages clients."""
    return model_request(request, CLAUDE)


def claude_count_tokens(request: Request) -> Coroutine[Any, Any, Response]:
    """`POST /v1/messages/count_tokens`: the executor's `executor.count_tokens`."""
    return model_request(request, CLAUDE_COUNT)


OPENAI = Entry("openai")
LEGACY = Entry("openai", legacy=True)
RESPONSES = Entry("openai-response")
CLAUDE = Entry("claude")
CLAUDE_COUNT = Entry("claude", count_tokens=True)
