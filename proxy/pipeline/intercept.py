"""Stage 5 (and 7b per attempt): request interception before and after credential
selection (02 §18-19). A termination ends the execution with the plugin's own response."""

from __future__ import annotations

from proxy.errors import ProxyError
from proxy.pipeline.context import RequestContext
from proxy.plugins import interceptors
from proxy.plugins.interceptors import InterceptedRequest, Termination
from proxy.plugins.plugin import Plugin
from proxy.runtime import Runtime


class Rejected(ProxyError):
    """An interceptor terminated the request; the client gets the plugin's response."""

    def __init__(self, termination: Termination) -> None:
        super().__init__(
            f"request terminated by plugin {termination.plugin_id}", status=termination.status
        )
        self.termination = termination


def active(ctx: RequestContext) -> tuple[Plugin, ...]:
    plugins = ctx.generation.snapshot.having("request_interceptor")
    if ctx.skip_plugin:
        plugins = tuple(p for p in plugins if p.id != ctx.skip_plugin)
    return plugins


async def intercept(
    runtime: Runtime,
    ctx: RequestContext,
    *,
    after_auth: bool,
    to_format: str,
    model: str,
    headers: dict[str, list[str]],
    body: bytes,
) -> InterceptedRequest:
    """The headers and body after the chain; raises Rejected on termination."""
    plugins = active(ctx)
    if not plugins:
        return InterceptedRequest(headers, body)
    result = await interceptors.intercept_request(
        plugins,
        after_auth,
        {
            "RequestID": ctx.request_id,
            "TraceID": ctx.trace_id,
            "SourceFormat": ctx.entry_format,
            "ToFormat": to_format,
            "Model": model,
            "RequestedModel": ctx.model,
            "Stream": ctx.stream,
            "Headers": headers,
            "Body": body,
            "Metadata": ctx.metadata,
        },
        runtime.scopes,
    )
    if result.termination is not None:
        raise Rejected(result.termination)
    return result
