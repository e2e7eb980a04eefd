"""`plugin.register` / `plugin.reconfigure`: the request, and validation of the reply.

Both methods carry the same request (base64 `config_yaml`, `schema_version` 3) and the same
reply (01 §3.4-3.8). A reply is accepted when Name, Version, Author and GitHubRepository are
non-blank, at least one boolean capability is true and the schema version is 1 to 3 (0 or
missing counts as 1). Unlike CLIProxyAPI, a rejected reply leaves the plugin inactive with
the reason visible (`cliproxy plugins list`, the log) rather than silently registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from proxy.errors import PluginRegisterError
from proxy.plugins import codec, schema

SCHEMA_MIN, SCHEMA_MAX = 1, schema.SCHEMA_VERSION
_REQUIRED_METADATA = ("Name", "Version", "Author", "GitHubRepository")
_FORMAT_ALIASES = {
    "chat-completions": "openai",
    "chat_completions": "openai",
    "openai-chat-completions": "openai",
    "openai_chat_completions": "openai",
    "responses": "openai-response",
    "openai-responses": "openai-response",
    "openai_responses": "openai-response",
    "anthropic": "claude",
}


def request(config_yaml: str) -> bytes:
    return codec.encode(
        schema.LIFECYCLE_REQUEST,
        {"config_yaml": config_yaml.encode("utf-8"), "schema_version": SCHEMA_MAX},
    )


def normalize_format(name: str) -> str:
    """Executor format names as CLIProxyAPI normalises them (02 §35); "" drops the entry."""
    trimmed = name.strip()
    folded = trimmed.lower()
    if folded in ("", "none"):
        return ""
    return _FORMAT_ALIASES.get(folded, trimmed)


def normalize_formats(names: list[str] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for f in map(normalize_format, names or ()) if f))


@dataclass(frozen=True)
class Registration:
    schema_version: int
    metadata: dict[str, Any]
    capabilities: dict[str, Any]

    @property
    def name(self) -> str:
        return self.metadata["Name"]

    @cached_property
    def flags(self) -> tuple[str, ...]:
        """The boolean capabilities that are on, in declaration order."""
        return tuple(f for f in schema.CAPABILITY_FLAGS if self.capabilities[f])

    def has(self, flag: str) -> bool:
        return bool(self.capabilities.get(flag))

    @property
    def frontend_auth_exclusive(self) -> bool:
        """Only honoured together with `frontend_auth_provider` (02 §9)."""
        return self.has("frontend_auth_provider") and self.has("frontend_auth_provider_exclusive")

    @property
    def executor_scope(self) -> str:
        scope = self.capabilities["executor_model_scope"].strip().lower()
        return scope if scope in ("static", "oauth") else "both"

    # Cached: read on every request; a registration never changes (a new one replaces it).
    @cached_property
    def input_formats(self) -> tuple[str, ...]:
        return normalize_formats(self.capabilities["executor_input_formats"])

    @cached_property
    def output_formats(self) -> tuple[str, ...]:
        return normalize_formats(self.capabilities["executor_output_formats"])


def validate(reply: dict[str, Any]) -> Registration:
    version = reply["schema_version"] or SCHEMA_MIN
    if version < 0 or version > SCHEMA_MAX:
        raise PluginRegisterError(
            f"plugin schema version {version} is not supported (this host speaks "
            f"{SCHEMA_MIN} to {SCHEMA_MAX})"
        )
    metadata = reply["metadata"]
    blank = [k for k in _REQUIRED_METADATA if not metadata[k].strip()]
    if blank:
        raise PluginRegisterError(f"plugin metadata is missing {', '.join(blank)}")
    registration = Registration(version, metadata, reply["capabilities"])
    if not registration.flags:
        raise PluginRegisterError(
            "plugin declares no capability (at least one capability flag must be true)"
        )
    return registration
