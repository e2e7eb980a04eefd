"""Stage 4: the target of the execution: a router's direct plugin executor, a router's
provider, or the catalog's owner of the requested model."""

from __future__ import annotations

from typing import NamedTuple

from proxy.errors import ModelNotFoundError, ProxyError
from proxy.executors import Executor, PluginExecutor
from proxy.formats import thinking
from proxy.pipeline.context import RequestContext
from proxy.plugins.router import Decision


class NoExecutorError(ProxyError):
    status = 503
    code = "auth_unavailable"


class Target(NamedTuple):
    provider: str  # provider key; the plugin id on direct routes
    model: str  # the model the executor is asked for
    executor: Executor
    direct: bool = False  # router self/executor target: no credential, no scheduler


def resolve(ctx: RequestContext, decision: Decision | None = None) -> Target:
    catalog = ctx.generation.catalog
    if decision is not None and decision.kind != "provider":
        plugin = ctx.generation.snapshot.get(decision.target)
        assert plugin is not None  # the router checked readiness against this generation
        return Target(plugin.id, ctx.model, PluginExecutor(plugin), direct=True)
    if decision is not None:
        executor = catalog.executors.get(decision.target)
        if executor is None:
            raise NoExecutorError(f"no executor serves provider {decision.target!r}")
        return Target(decision.target, decision.model or ctx.model, executor)
    route = catalog.resolve(ctx.model)
    if route is None:
        base, suffix = thinking.split_suffix(ctx.model)
        route = catalog.resolve(base) if suffix is not None else None
        if route is None:
            raise ModelNotFoundError(ctx.model)
        ctx.thinking = thinking.parse_value(suffix)  # type: ignore[arg-type]
    if route.executor is None:
        raise NoExecutorError(f"no executor serves provider {route.provider!r} (model={ctx.model})")
    return Target(route.provider, route.id, route.executor)
