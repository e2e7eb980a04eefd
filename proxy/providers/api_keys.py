"""The credentials and model lists of the API-key providers (`claude-api-key`,
`gemini-api-key`, `codex-api-key`, 04 §4.2-4.3): one credential per entry, serving the
entry's model aliases or the provider's small built-in catalog."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, ClassVar

from proxy.providers.credentials import Credential
from proxy.providers.settings import APIKeyEntry
from proxy.providers.upstream import Upstream, UpstreamClients, entry_headers


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


@dataclass(frozen=True)
class Target:
    """Where one attempt goes: the credential's key and base URL, and its config entry
    (aliases, headers) when the credential came from one."""

    key: str
    base: str
    proxy_url: str
    entry: APIKeyEntry | None

    def client(self, clients: UpstreamClients) -> Upstream:
        """The pooled client for this credential's proxy and its entry's protocol choice."""
        return clients.for_proxy(self.proxy_url, bool(self.entry and self.entry.force_http1))


class APIKeyExecutor:
    """What the API-key providers share: their identity, their credentials and models,
    and finding the entry behind the credential an attempt uses."""

    provider: ClassVar[str]
    owner: ClassVar[str]  # `owned_by` in model lists
    format: ClassVar[str]  # what the upstream speaks, both ways
    default_base_url: ClassVar[str]
    default_models: ClassVar[tuple[str, ...]]

    def __init__(self, entries: tuple[APIKeyEntry, ...], clients: UpstreamClients) -> None:
        self.entries = {(e.base_url, e.api_key): e for e in entries}
        self.clients = clients
        self.name = f"provider {self.provider}"
        self.kind = self.provider
        self.input_formats = self.output_formats = (self.format,)

    @classmethod
    def credentials_of(cls, entries: tuple[APIKeyEntry, ...]) -> list[Credential]:
        return credentials(cls.provider, entries, cls.default_models)

    @classmethod
    def model_infos(cls, entries: tuple[APIKeyEntry, ...]) -> list[dict[str, Any]]:
        return model_infos(cls.provider, cls.owner, entries, cls.default_models)

    def target(self, request: dict[str, Any]) -> Target:
        attributes = request.get("AuthAttributes") or {}
        base = (attributes.get("base_url") or self.default_base_url).rstrip("/")
        key = attributes.get("api_key", "")
        proxy_url = attributes.get("proxy_url", "")
        return Target(key, base, proxy_url, self.entries.get((base, key)))

    def headers(self, request: dict[str, Any], target: Target) -> dict[str, str]:
        """The entry's configured headers (`$Name` copies the client's)."""
        configured = target.entry.headers if target.entry else ()
        return entry_headers(configured, request.get("Headers") or {})
