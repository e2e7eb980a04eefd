"""One capability call: encode the request struct, open a `host_callback_id` scope when
the method carries one (02 §0.4), call, decode the reply struct.

Adapters use `call` from the event loop and `call_blocking` from worker threads; both
leave error handling (fall through, fail the request, log) to the adapter, because that
policy differs per capability.
"""

from __future__ import annotations

from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import codec, schema
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry


async def call(
    plugin: Plugin,
    method: Method,
    request_struct: codec.Struct,
    request: dict[str, Any],
    result: codec.Kind,
    *,
    scopes: ScopeRegistry | None = None,
    request_id: str = "",
) -> Any:
    if scopes is None:
        return await plugin.call(method, codec.encode(request_struct, request), result)
    scope = scopes.open(plugin.id, request_id)
    try:
        body = codec.encode(request_struct, request, {"host_callback_id": scope.id})
        return await plugin.call(method, body, result)
    finally:
        scopes.close(scope)


def call_blocking(
    plugin: Plugin,
    method: Method,
    request_struct: codec.Struct,
    request: dict[str, Any],
    result: codec.Kind,
    *,
    scopes: ScopeRegistry | None = None,
    request_id: str = "",
) -> Any:
    if scopes is None:
        return plugin.call_blocking(method, codec.encode(request_struct, request), result)
    scope = scopes.open(plugin.id, request_id)
    try:
        body = codec.encode(request_struct, request, {"host_callback_id": scope.id})
        return plugin.call_blocking(method, body, result)
    finally:
        scopes.close(scope)


def identifier(plugin: Plugin, method: Method) -> str:
    """An `*.identifier` answer, trimmed; "" on any failure (02 §1)."""
    try:
        reply = plugin.call_blocking(method, b"{}", schema.IDENTIFIER)
    except ProxyError:
        return ""
    return reply["identifier"].strip()
