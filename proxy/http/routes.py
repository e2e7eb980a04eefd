"""Route handlers. Each builds a RequestContext, runs the pipeline stages in order and
renders the outcome; every ProxyError becomes the client format's error body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

import ujson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from proxy.errors import ProxyError
from proxy.http.errors import error_response
from proxy.http.sse import stream_response, until_disconnect
from proxy.pipeline.authenticate import authenticate, needs_body
from proxy.pipeline.context import RequestContext
from proxy.pipeline.parse import parse_json_request, read_body
from proxy.pipeline.run import run, run_stream
from proxy.plugins.codec import canonical_header_key
from proxy.runtime import Runtime


class Endpoint:
    """Mounts a `Request -> Response` handler as a plain ASGI endpoint. Starlette wraps
    function endpoints in request/response and exception-handling layers; the proxy's
    handlers turn every error into a response themselves and need neither (the chat route
    is the hot path: measured in bench/, docs/benchmarks.md)."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def context(request: Request, entry_format: str) -> RequestContext:
    headers: dict[str, list[str]] = {}
    for raw_key, raw_value in request.scope["headers"]:
        key = canonical_header_key(raw_key.decode("latin-1"))
        headers.setdefault(key, []).append(raw_value.decode("latin-1"))
    raw_query = request.scope.get("query_string", b"")
    query = parse_qs(raw_query.decode("latin-1"), keep_blank_values=True) if raw_query else {}
    return RequestContext(
        generation=_runtime(request).current,
        entry_format=entry_format,
        path=request.scope["path"],
        headers=headers,
        query=query,
        method=request.scope["method"],
    )


def _json(content: object) -> Response:
    return Response(ujson.dumps(content, ensure_ascii=False), media_type="application/json")


async def healthz(request: Request) -> Response:
    if request.method == "HEAD":
        return Response(status_code=200)
    return JSONResponse({"status": "ok"})


async def root(request: Request) -> Response:
    return JSONResponse(
        {
            "message": "CLI Proxy API Server",
            "endpoints": ["POST /v1/chat/completions", "GET /v1/models"],
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
    return _json(catalog.anthropic_list() if anthropic else catalog.openai_list())


async def _read(request: Request, ctx: RequestContext) -> None:
    ctx.body = await read_body(
        request.stream(),
        request.headers.get("content-length"),
        ctx.generation.config.limits.max_request_body_bytes,
    )


async def _model_request(request: Request, entry_format: str, count_tokens: bool) -> Response:
    """One model execution in `entry_format`, answered and failed in that format."""
    runtime = _runtime(request)
    ctx = context(request, entry_format)
    ctx.count_tokens = count_tokens
    try:
        # Frontend-auth plugins see the body; without them a bad key is refused unread.
        if needs_body(ctx):
            await _read(request, ctx)
            await authenticate(ctx)
        else:
            await authenticate(ctx)
            await _read(request, ctx)
        parse_json_request(ctx)
        if ctx.stream and not count_tokens:
            return await stream_response(run_stream(runtime, ctx), request, entry_format)
        # a client that leaves cancels the execution: the plugin's scope ends, and with it
        # the HTTP requests and nested runs the plugin started for this request
        reply = await until_disconnect(run(runtime, ctx), request)
    except ProxyError as error:
        return error_response(error, entry_format)
    headers = {k: ", ".join(v) for k, v in reply.headers.items()} if reply.headers else None
    return Response(reply.body, media_type="application/json", headers=headers)


async def chat_completions(request: Request) -> Response:
    return await _model_request(request, "openai", count_tokens=False)


async def claude_messages(request: Request) -> Response:
    """`POST /v1/messages`: Anthropic Messages clients."""
    return await _model_request(request, "claude", count_tokens=False)


async def claude_count_tokens(request: Request) -> Response:
    """`POST /v1/messages/count_tokens`: the executor's `executor.count_tokens`."""
    return await _model_request(request, "claude", count_tokens=True)
