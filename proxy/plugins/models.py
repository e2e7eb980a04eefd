"""`model.static`, `model.register` and `executor.identifier`: what each plugin serves.

Called after every config apply, in snapshot order (02 §2-3, §12). A plugin that declares
`model_provider` is asked `model.static` (and never `model.register`); one that declares
only `model_registrar` is asked `model.register`; executors with scope `oauth` contribute
no static models. The provider named in the reply (lower-cased) is also the plugin's
executor provider key, falling back to `executor.identifier`. A failing plugin is logged
and contributes nothing this round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import codec, rpc, schema
from proxy.plugins.host import Snapshot
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry
from proxy.providers import credentials
from proxy.providers.credentials import Credential

log = logging.getLogger("cliproxy.plugins")


@dataclass(frozen=True)
class PluginModels:
    plugin: Plugin
    provider: str
    models: tuple[dict[str, Any], ...]


def collect(snapshot: Snapshot, host_summary: dict[str, Any]) -> list[PluginModels]:
    """Blocking: asks every plugin that provides models or executes for its list."""
    found: list[PluginModels] = []
    for plugin in snapshot.plugins:
        try:
            entry = _ask(plugin, host_summary)
        except ProxyError as exc:
            log.warning("plugin %s: listing models failed: %s", plugin.id, exc.message)
            continue
        if entry is not None:
            found.append(entry)
    return found


def _ask(plugin: Plugin, host_summary: dict[str, Any]) -> PluginModels | None:
    registration = plugin.registration
    if registration is None:
        return None
    oauth_only = plugin.has("executor") and registration.executor_scope == "oauth"
    provider, models = "", []
    if plugin.has("model_provider") and not oauth_only:
        request = codec.encode(
            schema.STATIC_MODEL_REQUEST, {"Plugin": registration.metadata, "Host": host_summary}
        )
        reply = plugin.call_blocking(Method.MODEL_STATIC, request, schema.MODEL_RESPONSE)
        provider, models = reply["Provider"], reply["Models"]
    elif plugin.has("model_registrar") and not oauth_only:
        request = codec.encode(schema.MODEL_REGISTRATION_REQUEST, {"Plugin": registration.metadata})
        reply = plugin.call_blocking(
            Method.MODEL_REGISTER, request, schema.MODEL_REGISTRATION_RESPONSE
        )
        provider, models = reply["Provider"], reply["Models"]
    provider = provider.strip().lower()
    if not provider and plugin.has("executor"):
        provider = executor_identifier(plugin)
    if not provider:
        if models:
            log.warning("plugin %s listed models without a provider; ignored", plugin.id)
        return None
    cleaned = tuple({**m, "ID": m["ID"].strip()} for m in models if m["ID"].strip())
    return PluginModels(plugin, provider, cleaned)


def executor_identifier(plugin: Plugin) -> str:
    """The executor's provider key; "" on any failure (02 §1)."""
    return rpc.identifier(plugin, Method.EXECUTOR_IDENTIFIER).lower()


def for_credentials(
    snapshot: Snapshot,
    entries: list[PluginModels],
    owners: dict[str, Plugin],
    found: list[Credential],
    host_summary: dict[str, Any],
    scopes: ScopeRegistry,
) -> None:
    """`model.for_auth` for every credential (02 §4), filling `Credential.models`. The
    first matching model provider answers; its error leaves the credential without models
    (no fallback). Blocking."""
    providers = {entry.plugin.id: entry.provider for entry in entries}
    auth_owner = {plugin.id: provider for provider, plugin in owners.items()}
    for credential in found:
        for plugin in snapshot.having("model_provider"):
            registration = plugin.registration
            assert registration is not None
            if plugin.has("executor") and registration.executor_scope == "static":
                continue
            serves = auth_owner.get(plugin.id) or providers.get(plugin.id, "")
            if serves != credential.provider:
                continue
            try:
                reply = rpc.call_blocking(
                    plugin,
                    Method.MODEL_FOR_AUTH,
                    schema.AUTH_MODEL_REQUEST,
                    {
                        "Plugin": registration.metadata,
                        "AuthID": credential.id,
                        "AuthProvider": credential.provider,
                        "StorageJSON": credential.storage_bytes(),
                        "Metadata": credential.metadata,
                        "Attributes": credential.attributes,
                        "Host": host_summary,
                    },
                    schema.MODEL_RESPONSE,
                    scopes=scopes,
                )
            except ProxyError as exc:
                log.warning(
                    "plugin %s: model.for_auth for %s failed, no models for it: %s",
                    plugin.id,
                    credential.id,
                    exc.message,
                )
                break
            answered = reply["Provider"].strip().lower()
            if answered and answered != credential.provider:
                continue
            credential.models = tuple(
                m["ID"].strip() for m in reply["Models"] or () if m["ID"].strip()
            )
            if _is_update(reply["AuthUpdate"]):
                _apply_update(credential, reply["AuthUpdate"], Path(host_summary["AuthDir"]))
            break


def _is_update(update: dict[str, Any]) -> bool:
    return any(
        value not in (None, "", False, {}, b"", codec.ZERO_TIME) for value in update.values()
    )


def _apply_update(credential: Credential, update: dict[str, Any], auth_dir: Path) -> None:
    """An AuthUpdate of model.for_auth (02 §4): its set fields and keys win, and the
    credential is saved."""
    for field_name, attribute in (
        ("Label", "label"),
        ("Prefix", "prefix"),
        ("ProxyURL", "proxy_url"),
        ("NextRefreshAfter", "next_refresh_after"),
    ):
        if update[field_name] and update[field_name] != codec.ZERO_TIME:
            setattr(credential, attribute, update[field_name])
    if update["Disabled"]:
        credential.disabled = True
    credential.metadata.update(update["Metadata"] or {})
    credential.metadata["type"] = credential.provider
    credential.attributes.update(update["Attributes"] or {})
    if update["StorageJSON"]:
        try:
            credential.storage = credentials.loads_object(update["StorageJSON"])
        except ProxyError as exc:
            log.warning(
                "credential %s: AuthUpdate StorageJSON ignored: %s", credential.id, exc.message
            )
    try:
        credentials.save(credential, auth_dir)
    except (OSError, ProxyError) as exc:
        log.error("credential %s: saving the plugin's update failed: %s", credential.id, exc)
