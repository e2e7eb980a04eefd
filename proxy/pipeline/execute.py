"""Stage 4: call the executor, non-stream or stream (02 §12-14).

Format negotiation: the executor must accept the client's format as input and produce it
as output. Translation between formats (for executors that speak another one) is the
translator registry's job and plugs in here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine
from typing import Any

from proxy.catalog import ModelRoute
from proxy.errors import PluginCallError
from proxy.pipeline.context import RequestContext
from proxy.plugins import executor
from proxy.plugins.executor import ExecutorReply
from proxy.plugins.plugin import Plugin
from proxy.runtime import Runtime


class FormatUnsupported(PluginCallError):
    status = 502


def _check_formats(plugin: Plugin, fmt: str) -> None:
    registration = plugin.registration
    assert registration is not None
    for direction, declared in (
        ("input", registration.input_formats),
        ("output", registration.output_formats),
    ):
        if fmt not in declared:
            raise FormatUnsupported(
                f"plugin executor {plugin.id} does not support {direction} format {fmt} "
                f"(declares: {', '.join(declared) or 'none'})",
                plugin_id=plugin.id,
            )


def executor_request(ctx: RequestContext, route: ModelRoute) -> dict[str, Any]:
    """The ExecutorRequest fields; credential fields stay empty on a plugin's own route."""
    return {
        "Model": route.id,
        "Format": ctx.entry_format,
        "Stream": ctx.stream,
        "Headers": ctx.headers,
        "Query": ctx.query or None,
        "OriginalRequest": ctx.body,
        "SourceFormat": ctx.entry_format,
        "Payload": ctx.body,
        "Metadata": {"requested_model": ctx.model, "request_path": ctx.path},
    }


def run(
    runtime: Runtime, ctx: RequestContext, route: ModelRoute
) -> Coroutine[Any, Any, ExecutorReply]:
    """Checks formats now, and returns the executor call to await (no extra coroutine)."""
    plugin = route.executor
    assert plugin is not None
    _check_formats(plugin, ctx.entry_format)
    return executor.execute(plugin, executor_request(ctx, route), runtime.scopes, ctx.request_id)


def run_stream(runtime: Runtime, ctx: RequestContext, route: ModelRoute) -> AsyncIterator[bytes]:
    plugin = route.executor
    assert plugin is not None
    _check_formats(plugin, ctx.entry_format)
    return executor.execute_stream(
        plugin,
        executor_request(ctx, route),
        runtime.streams,
        runtime.scopes,
        ctx.request_id,
        idle_timeout=ctx.generation.config.plugins.stream_idle_timeout,
    )
