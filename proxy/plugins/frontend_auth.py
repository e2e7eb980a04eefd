"""The `frontend_auth_provider` capability (02 §9): plugins that authenticate clients.

Providers are tried in order (config API keys first, then plugins by priority); the first
that accepts wins. `Authenticated:false`, an error or an unavailable plugin all mean "not
handled": a plugin cannot reject a request, only decline it. In exclusive mode the one
exclusive plugin of highest priority is the only provider, config keys included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.host import Snapshot
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin

log = logging.getLogger("cliproxy.plugins")


@dataclass(frozen=True)
class FrontendProvider:
    plugin: Plugin
    key: str  # plugin:<id>:<identifier>, recorded as the request's access provider


@dataclass(frozen=True)
class FrontendAuth:
    providers: tuple[FrontendProvider, ...] = ()
    exclusive: bool = False  # config API keys are ignored


@dataclass(frozen=True)
class Accepted:
    principal: str
    provider: str
    metadata: dict[str, str]


def build(snapshot: Snapshot) -> FrontendAuth:
    """Blocking (asks each plugin for its identifier)."""
    plugins = snapshot.having("frontend_auth_provider")
    exclusive = [p for p in plugins if p.registration and p.registration.frontend_auth_exclusive]
    chosen = exclusive[:1] if exclusive else list(plugins)
    providers = []
    for plugin in chosen:
        identifier = rpc.identifier(plugin, Method.FRONTEND_AUTH_IDENTIFIER)
        if identifier:
            providers.append(FrontendProvider(plugin, f"plugin:{plugin.id}:{identifier}"))
        else:
            log.warning("plugin %s: empty frontend_auth.identifier; not used", plugin.id)
    return FrontendAuth(tuple(providers), exclusive=bool(exclusive and providers))


async def authenticate(
    providers: tuple[FrontendProvider, ...],
    method: str,
    path: str,
    headers: dict[str, list[str]],
    query: dict[str, list[str]],
    body: bytes,
) -> Accepted | None:
    request = {
        "Method": method,
        "Path": path,
        "Headers": headers,
        "Query": query or None,
        "Body": body,
    }
    for provider in providers:
        try:
            reply = await rpc.call(
                provider.plugin,
                Method.FRONTEND_AUTH_AUTHENTICATE,
                schema.FRONTEND_AUTH_REQUEST,
                request,
                schema.FRONTEND_AUTH_RESPONSE,
            )
        except ProxyError as exc:
            log.warning(
                "plugin %s: frontend_auth.authenticate failed, next provider: %s",
                provider.plugin.id,
                exc.message,
            )
            continue
        if reply["Authenticated"]:
            return Accepted(reply["Principal"], provider.key, dict(reply["Metadata"] or {}))
    return None
