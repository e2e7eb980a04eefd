"""The model catalog: every model a client may ask for, and who executes it.

Built from the plugins' model lists after each config apply and swapped atomically. The
claim rules are CLIProxyAPI's (02 §12): per provider, the first plugin executor in priority
order serves it; each model id belongs to the first plugin that lists it. Models listed by
a plugin without an executor are kept under their provider, to be served by whichever
executor owns that provider. Models that `model.for_auth` gave a credential join the
catalog under the credential's provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from proxy.executors import Executor, PluginExecutor
from proxy.plugins.models import PluginModels
from proxy.providers.credentials import Credential


@dataclass(frozen=True)
class ModelRoute:
    id: str
    provider: str
    owner: str  # plugin id that listed it
    info: dict[str, Any]
    executor: Executor | None  # None: no executor serves this provider


@dataclass(frozen=True)
class Catalog:
    models: dict[str, ModelRoute] = field(default_factory=dict)
    executors: dict[str, Executor] = field(default_factory=dict)
    # provider -> the models listed for it statically (every credential of it serves them)
    static: dict[str, frozenset[str]] = field(default_factory=dict)

    def static_models(self, provider: str) -> frozenset[str]:
        return self.static.get(provider, frozenset())

    def resolve(self, model: str) -> ModelRoute | None:
        return self.models.get(model)

    def anthropic_list(self) -> dict[str, Any]:
        """The Anthropic shape, sorted by display name then id (04 §1.4)."""
        rows = sorted(
            (
                {
                    "id": r.id,
                    "object": "model",
                    "owned_by": r.info.get("OwnedBy") or r.provider,
                    "created_at": _rfc3339(r.info.get("Created") or 0),
                    "type": "model",
                    "display_name": r.info.get("DisplayName") or r.id,
                    "max_input_tokens": r.info.get("InputTokenLimit") or 200000,
                    "max_tokens": r.info.get("OutputTokenLimit") or 64000,
                }
                for r in self.models.values()
            ),
            key=lambda row: (row["display_name"], row["id"]),
        )
        return {
            "data": rows,
            "has_more": False,
            "first_id": rows[0]["id"] if rows else None,
            "last_id": rows[-1]["id"] if rows else None,
        }

    def gemini_model(self, model: str) -> dict[str, Any] | None:
        """One model as `GET /v1beta/models/{model}` shows it (04 §1.4)."""
        route = self.models.get(model.removeprefix("models/"))
        if route is None:
            return None
        info = route.info
        shown = {
            "name": f"models/{route.id}",
            "version": info.get("Version") or "",
            "displayName": info.get("DisplayName") or route.id,
            "description": info.get("Description") or route.id,
            "supportedGenerationMethods": info.get("SupportedGenerationMethods")
            or ["generateContent"],
        }
        if info.get("InputTokenLimit"):
            shown["inputTokenLimit"] = info["InputTokenLimit"]
        if info.get("OutputTokenLimit"):
            shown["outputTokenLimit"] = info["OutputTokenLimit"]
        return shown

    def gemini_list(self) -> dict[str, Any]:
        return {"models": [self.gemini_model(model) for model in self.models]}

    def openai_list(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {
                    "id": r.id,
                    "object": "model",
                    "created": r.info.get("Created") or 0,
                    "owned_by": r.info.get("OwnedBy") or r.provider,
                }
                for r in self.models.values()
            ],
        }


@dataclass(frozen=True)
class BuiltinProvider:
    """A built-in upstream provider: its executor and the models it lists."""

    provider: str
    executor: Executor
    models: tuple[dict[str, Any], ...]


def _rfc3339(created: int) -> str:
    return dt.datetime.fromtimestamp(created, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(
    entries: Iterable[PluginModels],
    found: Iterable[Credential] = (),
    builtin: Iterable[BuiltinProvider] = (),
) -> Catalog:
    """Built-in providers come first: a provider served natively keeps its own executor,
    plugins only add models to it (02 §12)."""
    entries = list(entries)
    builtin = list(builtin)
    executors: dict[str, Executor] = {b.provider: b.executor for b in builtin}
    for entry in entries:
        if entry.plugin.has("executor") and entry.provider not in executors:
            executors[entry.provider] = PluginExecutor(entry.plugin)
    models: dict[str, ModelRoute] = {}
    for native in builtin:
        for info in native.models:
            models.setdefault(
                info["ID"], ModelRoute(info["ID"], native.provider, "", info, native.executor)
            )
    for entry in entries:
        for info in entry.models:
            if info["ID"] not in models:
                models[info["ID"]] = ModelRoute(
                    info["ID"], entry.provider, entry.plugin.id, info, executors.get(entry.provider)
                )
    static: dict[str, set[str]] = {}
    for native in builtin:
        static.setdefault(native.provider, set())
    for entry in entries:
        static.setdefault(entry.provider, set()).update(m["ID"] for m in entry.models)
    for credential in found:
        if credential.disabled:
            continue
        for model in credential.models:
            if model not in models:
                info = {"ID": model, "Object": "model", "OwnedBy": credential.provider}
                executor = executors.get(credential.provider)
                models[model] = ModelRoute(model, credential.provider, "", info, executor)
    return Catalog(models, executors, {p: frozenset(ids) for p, ids in static.items()})
