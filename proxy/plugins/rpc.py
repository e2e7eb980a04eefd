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
from proxy.plugins.scopes import Scope, ScopeRegistry


async def call(
    plugin: Plugin,
    method: Method,
    request_struct: codec.Struct,
    request: dict[str, Any],
    result: codec.Kind,
    *,
    scopes: ScopeRegistry | None = None,
    request_id: str = "",
    extra: dict[str, str] | None = None,
    inbound: tuple[dict[str, list[str]], dict[str, list[str]]] | None = None,
) -> Any:
    """`extra` keys follow the struct's own (`stream_id` before `host_callback_id`);
    `inbound` is the client request's headers and query, kept with the scope."""
    fields, scope = _opened(plugin, scopes, request_id, extra, inbound)
    try:
        return await plugin.call(method, codec.encode(request_struct, request, fields), result)
    finally:
        if scopes is not None and scope is not None:
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
    fields, scope = _opened(plugin, scopes, request_id, None, None)
    try:
        return plugin.call_blocking(method, codec.encode(request_struct, request, fields), result)
    finally:
        if scopes is not None and scope is not None:
            scopes.close(scope)


def _opened(
    plugin: Plugin,
    scopes: ScopeRegistry | None,
    request_id: str,
    extra: dict[str, str] | None,
    inbound: tuple[dict[str, list[str]], dict[str, list[str]]] | None,
) -> tuple[dict[str, str], Scope | None]:
    """The fields appended to the request (`extra`, then a fresh `host_callback_id`) and
    the scope the caller closes when the call returns. Plain calls rather than a context
    manager: this is every plugin call's path."""
    fields = dict(extra) if extra else {}
    if scopes is None:
        return fields, None
    scope = scopes.open(plugin.id, request_id, inbound)
    fields["host_callback_id"] = scope.id
    return fields, scope


def identifier(plugin: Plugin, method: Method) -> str:
    """An `*.identifier` answer, trimmed; "" on any failure (02 §1)."""
    try:
        reply = plugin.call_blocking(method, b"{}", schema.IDENTIFIER)
    except ProxyError:
        return ""
    return reply["identifier"].strip()
