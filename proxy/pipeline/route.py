"""Stage 3: model routers (02 §33). Runs only when a router other than the calling plugin
of a nested execution is loaded; its decision feeds stage 4."""

from __future__ import annotations

from proxy.formats import negotiation
from proxy.pipeline.context import RequestContext
from proxy.plugins import router
from proxy.plugins.router import Decision
from proxy.runtime import Runtime


async def route(runtime: Runtime, ctx: RequestContext) -> Decision | None:
    generation = ctx.generation
    routers = tuple(
        p for p in generation.snapshot.having("model_router") if p.id != ctx.skip_plugin
    )
    if not routers:
        return None
    request = {
        "SourceFormat": ctx.entry_format,
        "RequestedModel": ctx.model,
        "Stream": ctx.stream,
        "Headers": ctx.headers,
        "Query": ctx.query or None,
        "Body": ctx.body,
        "Metadata": {"requested_model": ctx.model, "request_path": ctx.path},
        "AvailableProviders": generation.pool.available_providers(),
    }

    def provider_ready(provider: str) -> bool:
        return generation.pool.has_provider(provider) or provider in generation.catalog.executors

    def executor_ready(plugin_id: str) -> bool:
        plugin = generation.snapshot.get(plugin_id)
        return plugin is not None and negotiation.direct_ready(
            plugin, ctx.entry_format, generation.hooks
        )

    return await router.route(
        routers, request, runtime.scopes, ctx.trace_id, provider_ready, executor_ready
    )
