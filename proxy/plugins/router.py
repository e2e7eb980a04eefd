"""The `model_router` capability (02 §11, §33): plugins that pick where a request goes.

Routers run in priority order; the first handled and valid decision wins. A decision is
invalid (and the next router is asked) when its kind is not self/executor/provider, its
target is empty, a provider target has no usable credential, or a self/executor target
cannot execute this request (not an active executor, scope `oauth`, no provider key, or
formats that cannot take the client's format in and out).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry

log = logging.getLogger("cliproxy.plugins")

KINDS = ("self", "executor", "provider")


@dataclass(frozen=True)
class Decision:
    router: str  # the deciding plugin's id
    kind: str  # self | executor | provider
    target: str  # plugin id (self/executor) or provider (lower-cased)
    model: str  # provider targets: the model to use ("" = the requested one)
    reason: str


async def route(
    routers: tuple[Plugin, ...],
    request: dict[str, Any],
    scopes: ScopeRegistry,
    request_id: str,
    provider_ready: Callable[[str], bool],
    executor_ready: Callable[[str], bool],
) -> Decision | None:
    """`request` is a ModelRouteRequest without Plugin and PluginID (filled per router)."""
    for plugin in routers:
        assert plugin.registration is not None
        try:
            reply = await rpc.call(
                plugin,
                Method.MODEL_ROUTE,
                schema.MODEL_ROUTE_REQUEST,
                {**request, "Plugin": plugin.registration.metadata, "PluginID": plugin.id},
                schema.MODEL_ROUTE_RESPONSE,
                scopes=scopes,
                request_id=request_id,
            )
        except ProxyError as exc:
            log.warning("plugin %s: model.route failed, next router: %s", plugin.id, exc.message)
            continue
        if not reply["Handled"]:
            continue
        decision = _decision(plugin, reply)
        problem = _problem(decision, provider_ready, executor_ready)
        if problem:
            log.warning("plugin %s: route decision ignored: %s", plugin.id, problem)
            continue
        return decision
    return None


def _decision(plugin: Plugin, reply: dict[str, Any]) -> Decision:
    kind = reply["TargetKind"].strip()
    target = reply["Target"].strip()
    if kind == "self":
        target = plugin.id
    elif kind == "provider":
        target = target.lower()
    return Decision(plugin.id, kind, target, reply["TargetModel"].strip(), reply["Reason"])


def _problem(
    decision: Decision,
    provider_ready: Callable[[str], bool],
    executor_ready: Callable[[str], bool],
) -> str:
    if decision.kind not in KINDS:
        return f"TargetKind {decision.kind!r} is not one of {', '.join(KINDS)}"
    if not decision.target:
        return f"{decision.kind} target is empty"
    if decision.kind == "provider" and not provider_ready(decision.target):
        return f"provider {decision.target!r} has no usable credential"
    if decision.kind != "provider" and not executor_ready(decision.target):
        return f"plugin {decision.target!r} cannot execute this request"
    return ""
