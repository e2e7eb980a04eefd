"""The `thinking_applier` capability (02 §26): a plugin that writes the unified thinking
setting into request bodies of one format.

An applier owns the (lower-cased) name its `thinking.identifier` answers; the names of the
native appliers cannot be taken, and for one name the higher priority wins. CLIProxyAPI
consults them only inside its built-in executors; here a plugin executor whose input format
has an applier gets it applied too. An error or an empty body keeps the body as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.host import Snapshot
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry

log = logging.getLogger("cliproxy.plugins")

NATIVE_NAMES = frozenset(
    {"gemini", "claude", "openai", "codex", "antigravity", "kimi", "xai", "interactions"}
)


def appliers(snapshot: Snapshot) -> dict[str, Plugin]:
    """Blocking: name -> the applier plugin that owns it."""
    owners: dict[str, Plugin] = {}
    for plugin in snapshot.having("thinking_applier"):
        name = rpc.identifier(plugin, Method.THINKING_IDENTIFIER).lower()
        if not name:
            continue
        if name in NATIVE_NAMES:
            log.warning(
                "plugin %s: thinking applier name %r is a native one; ignored", plugin.id, name
            )
            continue
        owners.setdefault(name, plugin)
    return owners


async def apply(
    plugin: Plugin,
    name: str,
    model_info: dict[str, Any],
    config: dict[str, Any],
    body: bytes,
    scopes: ScopeRegistry,
    request_id: str,
) -> bytes:
    try:
        reply = await rpc.call(
            plugin,
            Method.THINKING_APPLY,
            schema.THINKING_APPLY_REQUEST,
            {"Provider": name, "Model": model_info, "Config": config, "Body": body},
            schema.PAYLOAD_RESPONSE,
            scopes=scopes,
            request_id=request_id,
        )
    except ProxyError as exc:
        log.warning("plugin %s: thinking.apply failed, body kept: %s", plugin.id, exc.message)
        return body
    return reply["Body"] or body
