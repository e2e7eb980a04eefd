"""Stage 8: response interception (02 §24-25) and the headers a client gets.

Executor response headers are not forwarded as such; what the interceptors add or change
relative to them is (CLIProxyAPI without passthrough headers). Hop-by-hop and framing
headers never pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from proxy.pipeline.context import RequestContext
from proxy.pipeline.execute import Attempt, Result, StreamResult
from proxy.pipeline.resolve import Target
from proxy.plugins import interceptors
from proxy.plugins.interceptors import StreamInterception
from proxy.plugins.plugin import Plugin
from proxy.runtime import Runtime

Headers = dict[str, list[str]]

RESERVED = frozenset(
    {
        "Connection",
        "Keep-Alive",
        "Proxy-Connection",
        "Transfer-Encoding",
        "Upgrade",
        "Te",
        "Trailer",
        "Content-Length",
        "Content-Encoding",
        "Host",
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Expose-Headers",
    }
)


def client_headers(final: Headers, upstream: Headers) -> Headers:
    """The headers the interceptors added or changed, minus reserved ones."""
    return {
        name: values
        for name, values in final.items()
        if name not in RESERVED and upstream.get(name) != values
    }


def allowed(headers: Headers) -> Headers:
    return {name: values for name, values in headers.items() if name not in RESERVED}


@dataclass
class Reply:
    body: bytes
    headers: Headers  # beyond Content-Type
    status: int = 200


def _plugins(ctx: RequestContext, flag: str) -> tuple[Plugin, ...]:
    plugins = ctx.generation.snapshot.having(flag)
    if ctx.skip_plugin:
        plugins = tuple(p for p in plugins if p.id != ctx.skip_plugin)
    return plugins


async def respond(runtime: Runtime, ctx: RequestContext, target: Target, result: Result) -> Reply:
    plugins = _plugins(ctx, "response_interceptor")
    if not plugins:
        return Reply(result.payload, {})
    attempt = result.attempt
    intercepted = await interceptors.intercept_response(
        plugins,
        {
            "RequestID": ctx.request_id,
            "SourceFormat": ctx.entry_format,
            "Model": target.model,
            "RequestedModel": ctx.model,
            "Stream": False,
            "RequestHeaders": attempt.headers,
            "ResponseHeaders": result.headers,
            "OriginalRequest": attempt.original,
            "RequestBody": attempt.original,
            "Body": result.payload,
            "StatusCode": 200,
            "Metadata": ctx.metadata,
        },
        runtime.scopes,
    )
    return Reply(intercepted.body, client_headers(intercepted.headers, result.headers))


@dataclass
class StreamReply:
    chunks: AsyncIterator[bytes]
    headers: Headers


async def respond_stream(
    runtime: Runtime, ctx: RequestContext, target: Target, result: StreamResult
) -> StreamReply:
    """Header-init call now (the first chunk has arrived), chunk calls as chunks pass."""
    plugins = _plugins(ctx, "response_stream_interceptor")
    if not plugins:
        return StreamReply(result.chunks, {})
    attempt: Attempt = result.attempt
    interception = StreamInterception(
        plugins,
        {
            "RequestID": ctx.request_id,
            "SourceFormat": ctx.entry_format,
            "Model": target.model,
            "RequestedModel": ctx.model,
            "RequestHeaders": attempt.headers,
            "OriginalRequest": attempt.original,
            "RequestBody": attempt.original,
            "Metadata": ctx.metadata,
        },
        runtime.scopes,
        dict(result.headers),
    )
    headers = await interception.init_headers()
    return StreamReply(
        _intercepted(result.chunks, interception), client_headers(headers, result.headers)
    )


async def _intercepted(
    chunks: AsyncIterator[bytes], interception: StreamInterception
) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            kept = await interception.chunk(chunk)
            if kept is not None:
                yield kept
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
