"""The credentials and model lists of the API-key providers (`claude-api-key`,
`gemini-api-key`, `codex-api-key`, 04 §4.2-4.3): one credential per entry, serving the
entry's model aliases or the provider's small built-in catalog."""

from __future__ import annotations

import hashlib
from typing import Any

from proxy.providers.credentials import Credential
from proxy.providers.settings import APIKeyEntry


def credentials(
    provider: str, entries: tuple[APIKeyEntry, ...], default_models: tuple[str, ...]
) -> list[Credential]:
    found = []
    for entry in entries:
        # stable across reloads, so cooldowns and round-robin turns survive them
        seed = f"{provider}|{entry.base_url}|{entry.api_key}|{entry.proxy_url}|{entry.prefix}"
        found.append(
            Credential(
                id=f"{provider}:{hashlib.sha256(seed.encode()).hexdigest()[:12]}",
                provider=provider,
                label=provider,
                prefix=entry.prefix,
                proxy_url=entry.proxy_url,
                attributes={
                    "api_key": entry.api_key,
                    "base_url": entry.base_url,
                    "proxy_url": entry.proxy_url,
                    "priority": str(entry.priority),
                },
                metadata={"type": provider},
                models=entry.aliases(default_models),
            )
        )
    return found


def model_infos(
    provider: str,
    owner: str,
    entries: tuple[APIKeyEntry, ...],
    default_models: tuple[str, ...],
) -> list[dict[str, Any]]:
    served = dict.fromkeys(alias for entry in entries for alias in entry.aliases(default_models))
    return [
        {"ID": alias, "Object": "model", "OwnedBy": owner, "Type": provider} for alias in served
    ]
