"""The stages in order, for one model execution (02 §34). The HTTP layer reads and
authenticates the request (stages 1-2), then calls `run` or `run_stream` and renders
what comes back; errors are ProxyErrors it renders in the client's format.

Everything after the target is known is tracked: exactly one `request.complete` per
execution, whatever way it ends (succeeded, failed, rejected by an interceptor, canceled
because the client left).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from proxy.errors import ProxyError
from proxy.pipeline import complete, execute, intercept, resolve, respond, route
from proxy.pipeline.complete import Tracker
from proxy.pipeline.context import RequestContext
from proxy.pipeline.intercept import Rejected
from proxy.pipeline.respond import Reply, StreamReply
from proxy.plugins.interceptors import InterceptedRequest
from proxy.runtime import Runtime

__all__ = ["Rejected", "run", "run_stream"]


async def _start(runtime: Runtime, ctx: RequestContext) -> tuple[resolve.Target, Tracker]:
    decision = await route.route(runtime, ctx)
    target = resolve.resolve(ctx, decision)
    ctx.begin_execution()
    return target, complete.Tracker(runtime, ctx, target)


async def _intercepted(
    runtime: Runtime, ctx: RequestContext, target: resolve.Target
) -> InterceptedRequest:
    return await intercept.intercept(
        runtime,
        ctx,
        after_auth=False,
        to_format="",
        model=target.model,
        headers=ctx.headers,
        body=ctx.body,
    )


async def run(runtime: Runtime, ctx: RequestContext) -> Reply:
    target, tracker = await _start(runtime, ctx)
    with tracker:
        before = await _intercepted(runtime, ctx, target)
        result = await execute.execute(runtime, ctx, target, before.headers, before.body)
        tracker.saw(result.payload)
        reply = await respond.respond(runtime, ctx, target, result)
    tracker.finish("succeeded", 200, credential=result.attempt.credential)
    return reply


async def run_stream(runtime: Runtime, ctx: RequestContext) -> StreamReply:
    """Returns once the first chunk is there (failures before it are ordinary errors)."""
    target, tracker = await _start(runtime, ctx)
    with tracker:
        before = await _intercepted(runtime, ctx, target)
        result = await execute.execute_stream(runtime, ctx, target, before.headers, before.body)
        reply = await respond.respond_stream(runtime, ctx, target, result)
    if tracker.wanted:
        reply.chunks = _tracked(reply.chunks, tracker, result.attempt.credential)
    return reply


async def _tracked(
    chunks: AsyncIterator[bytes], tracker: Tracker, credential: object
) -> AsyncIterator[bytes]:
    outcome, status, error = "canceled", 0, "client disconnected"
    try:
        async for chunk in chunks:
            tracker.saw(chunk)
            yield chunk
        outcome, status, error = "succeeded", 200, ""
    except ProxyError as exc:
        outcome, status, error = "failed", exc.status, exc.message
        raise
    finally:
        tracker.finish(outcome, status, error, credential=credential)  # type: ignore[arg-type]
        await chunks.aclose()  # type: ignore[attr-defined]
