"""The `management_api` capability (02 §30-31): plugin routes under `/v0/management`
(behind the management key) and menu resources under `/v0/resource/plugins/<id>`
(unauthenticated GET pages).

Routes are collected after each config apply, in priority order: a route the host or a
higher-priority plugin already serves is skipped with a warning.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.host import Snapshot
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry

log = logging.getLogger("cliproxy.plugins")

BASE = "/v0/management"
RESOURCE_BASE = "/v0/resource/plugins"
# Management paths the host serves itself; plugins cannot take them.
RESERVED_PREFIXES = (
    "/v0/management/plugins",
    "/v0/management/get-auth-status",
    "/v0/management/oauth-callback",
)
_BAD_PATH = re.compile(r"[\s:*]")


@dataclass(frozen=True)
class Resource:
    plugin: Plugin
    path: str
    menu: str
    description: str


@dataclass(frozen=True)
class ManagementRoutes:
    routes: dict[tuple[str, str], Plugin] = field(default_factory=dict)  # (METHOD, path)
    resources: dict[str, Resource] = field(default_factory=dict)  # path -> resource


def _route_path(path: str) -> str:
    path = "/" + path.strip().strip("/")
    return path if path.startswith(BASE + "/") or path == BASE else BASE + path


def _resource_path(plugin_id: str, path: str) -> str | None:
    base = f"{RESOURCE_BASE}/{plugin_id}"
    path = "/" + path.strip().strip("/")
    if path.startswith(base + "/"):
        full = path
    elif path.startswith(f"/plugins/{plugin_id}/"):
        full = RESOURCE_BASE + path[len("/plugins") :]
    else:
        full = base + path
    if ".." in full.split("/") or _BAD_PATH.search(full):
        return None
    return full


def build(snapshot: Snapshot) -> ManagementRoutes:
    """Blocking: `management.register` of every management plugin."""
    built = ManagementRoutes()
    for plugin in snapshot.having("management_api"):
        assert plugin.registration is not None
        try:
            reply = rpc.call_blocking(
                plugin,
                Method.MANAGEMENT_REGISTER,
                schema.MANAGEMENT_REGISTER_REQUEST,
                {
                    "Plugin": plugin.registration.metadata,
                    "BasePath": BASE,
                    "ResourceBasePath": f"{RESOURCE_BASE}/{plugin.id}",
                },
                schema.MANAGEMENT_REGISTER_RESPONSE,
            )
        except ProxyError as exc:
            log.warning("plugin %s: management.register failed: %s", plugin.id, exc.message)
            continue
        for route in reply["routes"] or ():
            _add_route(built, plugin, route)
        for resource in reply["resources"] or ():
            _add_resource(built, plugin, resource["Path"], resource)
    return built


def _add_route(built: ManagementRoutes, plugin: Plugin, route: dict[str, Any]) -> None:
    if route["Handler"] is not None:
        log.warning(
            "plugin %s: management route %s has a Handler; ignored", plugin.id, route["Path"]
        )
        return
    method = (route["Method"].strip() or "GET").upper()
    if method == "GET" and route["Menu"].strip():
        _add_resource(built, plugin, route["Path"], route)  # a legacy menu route
        return
    path = _route_path(route["Path"])
    if _BAD_PATH.search(path) or ".." in path.split("/"):
        log.warning("plugin %s: management route path %r refused", plugin.id, route["Path"])
        return
    if path.startswith(RESERVED_PREFIXES) or (method, path) in built.routes:
        log.warning("plugin %s: management route %s %s is taken; skipped", plugin.id, method, path)
        return
    built.routes[(method, path)] = plugin


def _add_resource(
    built: ManagementRoutes, plugin: Plugin, path: str, entry: dict[str, Any]
) -> None:
    full = _resource_path(plugin.id, path)
    if full is None:
        log.warning("plugin %s: resource path %r refused", plugin.id, path)
        return
    if full in built.resources:
        return
    built.resources[full] = Resource(plugin, full, entry["Menu"], entry["Description"])


async def handle(
    plugin: Plugin,
    method: str,
    path: str,
    headers: dict[str, list[str]],
    query: dict[str, list[str]],
    body: bytes | None,
    scopes: ScopeRegistry,
    request_id: str,
) -> dict[str, Any]:
    """The plugin's ManagementResponse; its errors propagate (the caller answers 502)."""
    return await rpc.call(
        plugin,
        Method.MANAGEMENT_HANDLE,
        schema.MANAGEMENT_REQUEST,
        {"Method": method, "Path": path, "Headers": headers, "Query": query or None, "Body": body},
        schema.MANAGEMENT_RESPONSE,
        scopes=scopes,
        request_id=request_id,
    )
