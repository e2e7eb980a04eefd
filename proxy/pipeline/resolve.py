"""Stage 3: which executor serves the requested model."""

from __future__ import annotations

from proxy.catalog import ModelRoute
from proxy.errors import ModelNotFoundError, ProxyError
from proxy.pipeline.context import RequestContext


class NoExecutorError(ProxyError):
    status = 503
    code = "auth_unavailable"


def resolve(ctx: RequestContext) -> ModelRoute:
    route = ctx.generation.catalog.resolve(ctx.model)
    if route is None:
        raise ModelNotFoundError(ctx.model)
    if route.executor is None:
        raise NoExecutorError(f"no executor serves provider {route.provider!r} (model={ctx.model})")
    return route
