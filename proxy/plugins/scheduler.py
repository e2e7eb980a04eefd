"""The `scheduler` capability (02 §10): a plugin picks the credential for an attempt.

Only the single highest-priority scheduler is consulted. Its error fails the request (no
fallback); `Handled:false` or an invalid pick leaves the choice to the built-in strategy;
`DelegateBuiltin` names the built-in strategy to use instead of the configured one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from proxy.plugins import rpc, schema
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.providers.credentials import Credential
from proxy.providers.pool import STRATEGIES

log = logging.getLogger("cliproxy.plugins")

# Attribute keys that could carry secrets never reach a scheduler (02 §10).
_SECRET = re.compile(
    r"api_key|apikey|token|secret|cookie|credential|password|storage|authorization|"
    r"auth_header|proxy_url"
)


@dataclass(frozen=True)
class Pick:
    credential: Credential | None = None  # the scheduler chose this one
    strategy: str = ""  # or: use this built-in strategy ("" = the configured one)


def _public(attributes: dict[str, str]) -> dict[str, str] | None:
    kept = {
        k: v for k, v in attributes.items() if not _SECRET.search(re.sub(r"[-. ]", "_", k.lower()))
    }
    return kept or None


async def pick(
    scheduler: Plugin,
    provider: str,
    model: str,
    stream: bool,
    headers: dict[str, list[str]],
    metadata: dict[str, Any],
    candidates: list[Credential],
) -> Pick:
    """Raises the scheduler's error (the request fails with it)."""
    assert scheduler.registration is not None
    request = {
        "Plugin": scheduler.registration.metadata,
        "Provider": provider,
        "Providers": [provider],
        "Model": model,
        "Stream": stream,
        "Options": {"Headers": headers, "Metadata": metadata or None},
        "Candidates": [
            {
                "ID": c.id,
                "Provider": c.provider,
                "Priority": c.priority,
                "Status": c.status,
                "Attributes": _public(c.attributes),
                "Metadata": None,
            }
            for c in candidates
        ],
    }
    reply = await rpc.call(
        scheduler,
        Method.SCHEDULER_PICK,
        schema.SCHEDULER_PICK_REQUEST,
        request,
        schema.SCHEDULER_PICK_RESPONSE,
    )
    if not reply["Handled"]:
        return Pick()
    chosen = reply["AuthID"].strip()
    if chosen:
        for candidate in candidates:
            if candidate.id == chosen:
                return Pick(credential=candidate)
    delegate = reply["DelegateBuiltin"]
    if delegate in STRATEGIES:
        return Pick(strategy=delegate)
    log.warning(
        "plugin %s: scheduler.pick chose %r / delegate %r, neither valid; built-in selector used",
        scheduler.id,
        chosen,
        delegate,
    )
    return Pick()
