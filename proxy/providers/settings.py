"""Configuration of the built-in upstream providers (04 §4.2)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cached_property

from proxy.config_reader import Reader


@dataclass(frozen=True)
class CompatModel:
    name: str  # the upstream id
    alias: str  # what clients ask for


@dataclass(frozen=True)
class CompatKey:
    api_key: str
    proxy_url: str = ""


@dataclass(frozen=True)
class OpenAICompat:
    """One `openai-compatibility[]` entry: an OpenAI-compatible upstream."""

    name: str
    base_url: str
    keys: tuple[CompatKey, ...]
    models: tuple[CompatModel, ...]
    prefix: str = ""
    priority: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    disabled: bool = False
    force_http1: bool = False  # an upstream whose HTTP/2 misbehaves

    @property
    def aliases(self) -> tuple[str, ...]:
        """What clients ask for: each alias once (pools repeat them), also under
        `prefix/` when there is one."""
        return with_prefix(tuple(dict.fromkeys(m.alias for m in self.models)), self.prefix)

    @property
    def provider(self) -> str:
        """The provider key (04 §4.2): `openai-compatible-<name>`."""
        name = self.name.strip().lower()
        return f"openai-compatible-{name}" if name else "openai-compatibility"


def openai_compatibility(reader: Reader) -> tuple[OpenAICompat, ...]:
    entries = []
    for item in reader.mappings("openai-compatibility"):
        keys = tuple(
            CompatKey(k.string("api-key", "").strip(), k.string("proxy-url", "").strip())
            for k in item.mappings("api-key-entries")
        )
        models = []
        for model in item.mappings("models"):
            name = model.string("name", "").strip()
            if name:
                models.append(CompatModel(name, model.string("alias", "").strip() or name))
        entries.append(
            OpenAICompat(
                name=item.string("name", "").strip(),
                base_url=item.string("base-url", "").strip().rstrip("/"),
                keys=keys or (CompatKey(""),),  # no entries: one key-less credential
                models=tuple(models),
                prefix=item.string("prefix", "").strip().strip("/"),
                priority=item.integer("priority", 0),
                headers=tuple(item.string_map("headers").items()),
                disabled=item.boolean("disabled", False),
                force_http1=item.boolean("force-http1", False),
            )
        )
    return tuple(entries)


@dataclass(frozen=True)
class APIKeyEntry:
    """One `claude-api-key[]` (and, later, gemini/codex) entry: one credential."""

    api_key: str
    base_url: str
    models: tuple[CompatModel, ...] = ()
    prefix: str = ""
    priority: int = 0
    proxy_url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    excluded_models: tuple[str, ...] = ()
    force_http1: bool = False  # an upstream whose HTTP/2 misbehaves

    def aliases(self, default_models: tuple[str, ...]) -> tuple[str, ...]:
        """The model ids this entry serves: its configured aliases (else the provider's
        catalog) minus `excluded-models`, each also under `prefix/` when there is one."""
        names = tuple(m.alias for m in self.models) or default_models
        names = tuple(n for n in names if not any(excluded(n, p) for p in self.excluded_models))
        return with_prefix(names, self.prefix)

    @cached_property
    def _upstream_names(self) -> dict[str, str]:
        return {m.alias: m.name for m in self.models}

    def upstream_model(self, model: str) -> str:
        """The upstream id for a requested model: prefix removed, alias mapped to name."""
        model = without_prefix(model, self.prefix)
        return self._upstream_names.get(model, model)


def with_prefix(names: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    """A config entry's `prefix` (04 §4.4): its models under `prefix/` as well."""
    return names + tuple(f"{prefix}/{name}" for name in names) if prefix else names


def without_prefix(model: str, prefix: str) -> str:
    return model[len(prefix) + 1 :] if prefix and model.startswith(f"{prefix}/") else model


def excluded(model: str, pattern: str) -> bool:
    """`excluded-models` matching (04 §4.2): exact, or `*` wildcards as prefix, suffix or
    substring, case-insensitive."""
    model, pattern = model.lower(), pattern.strip().lower()
    if "*" not in pattern:
        return model == pattern
    return fnmatch.fnmatchcase(model, pattern)


def api_keys(reader: Reader, key: str, default_base_url: str) -> tuple[APIKeyEntry, ...]:
    entries = []
    for item in reader.mappings(key):
        api_key = item.string("api-key", "").strip()
        base_url = item.string("base-url", "").strip().rstrip("/")
        if not api_key and not base_url:
            continue  # 04 §4.2: an entry with neither is skipped
        models = tuple(
            CompatModel(
                m.string("name", "").strip(),
                m.string("alias", "").strip() or m.string("name", "").strip(),
            )
            for m in item.mappings("models")
            if m.string("name", "").strip()
        )
        entries.append(
            APIKeyEntry(
                api_key=api_key,
                base_url=base_url or default_base_url,
                models=models,
                prefix=item.string("prefix", "").strip().strip("/"),
                priority=item.integer("priority", 0),
                proxy_url=item.string("proxy-url", "").strip(),
                headers=tuple(item.string_map("headers").items()),
                excluded_models=item.string_list("excluded-models"),
                force_http1=item.boolean("force-http1", False),
            )
        )
    return tuple(entries)
