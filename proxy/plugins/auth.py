"""The `auth_provider` capability (02 §5-8): parsing credential files, browser logins and
refreshes, each answered by the plugin whose `auth.identifier` names the provider."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.host import Snapshot
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry
from proxy.providers import credentials
from proxy.providers.credentials import Credential, CredentialError

log = logging.getLogger("cliproxy.auth")


def identifiers(snapshot: Snapshot) -> dict[str, Plugin]:
    """provider -> the auth-provider plugin that owns it (first in priority order)."""
    owners: dict[str, Plugin] = {}
    for plugin in snapshot.having("auth_provider"):
        provider = rpc.identifier(plugin, Method.AUTH_IDENTIFIER).lower()
        if provider:
            owners.setdefault(provider, plugin)
    return owners


def parse_file(
    path: Path, owners: dict[str, Plugin], snapshot: Snapshot, host: dict[str, Any]
) -> list[Credential]:
    """The credentials in one file: its provider's plugin, else every auth provider until
    one handles it, else the file as is. Blocking."""
    auth_dir = Path(host["AuthDir"])
    raw, parsed = credentials.read_json(path)
    provider = credentials.provider_of(parsed)
    if provider:
        plugins = [owners[provider]] if provider in owners else []
    else:
        plugins = list(snapshot.having("auth_provider"))
    for plugin in plugins:
        identifier = next((p for p, owner in owners.items() if owner is plugin), "")
        request = {
            "Provider": provider or identifier,
            "Path": str(path),
            "FileName": path.name,
            "RawJSON": raw,
            "Host": host,
        }
        try:
            reply = rpc.call_blocking(
                plugin,
                Method.AUTH_PARSE,
                schema.AUTH_PARSE_REQUEST,
                request,
                schema.AUTH_PARSE_RESPONSE,
            )
        except ProxyError as exc:
            raise CredentialError(
                f"{path}: auth.parse of plugin {plugin.id}: {exc.message}"
            ) from None
        if not reply["Handled"]:
            continue
        entries = reply["Auths"] or [reply["Auth"]]
        default = provider or identifier
        return [
            credentials.from_auth_data(e, auth_dir, path=str(path), default_provider=default)
            for e in entries
        ]
    return [credentials.from_file(parsed, path, auth_dir)]


async def login_start(
    plugin: Plugin, provider: str, base_url: str, host: dict[str, Any], scopes: ScopeRegistry
) -> dict[str, Any]:
    request = {"Provider": provider, "BaseURL": base_url, "Host": host, "Metadata": None}
    return await rpc.call(
        plugin,
        Method.AUTH_LOGIN_START,
        schema.AUTH_LOGIN_START_REQUEST,
        request,
        schema.AUTH_LOGIN_START_RESPONSE,
        scopes=scopes,
    )


async def login_poll(
    plugin: Plugin,
    provider: str,
    state: str,
    metadata: dict[str, Any] | None,
    host: dict[str, Any],
    scopes: ScopeRegistry,
) -> dict[str, Any]:
    request = {"Provider": provider, "State": state, "Host": host, "Metadata": metadata}
    return await rpc.call(
        plugin,
        Method.AUTH_LOGIN_POLL,
        schema.AUTH_LOGIN_POLL_REQUEST,
        request,
        schema.AUTH_LOGIN_POLL_RESPONSE,
        scopes=scopes,
    )


async def refresh(
    plugin: Plugin,
    credential: Credential,
    host: dict[str, Any],
    scopes: ScopeRegistry,
    request_id: str = "",
) -> Credential:
    """A refreshed copy of `credential` (02 §8): empty reply fields keep the current value,
    the top-level NextRefreshAfter wins over the one inside Auth."""
    request = {
        "AuthID": credential.id,
        "AuthProvider": credential.provider,
        "StorageJSON": credential.storage_bytes(),
        "Metadata": credential.metadata,
        "Attributes": credential.attributes,
        "Host": host,
    }
    reply = await rpc.call(
        plugin,
        Method.AUTH_REFRESH,
        schema.AUTH_REFRESH_REQUEST,
        request,
        schema.AUTH_REFRESH_RESPONSE,
        scopes=scopes,
        request_id=request_id,
    )
    auth = reply["Auth"]
    storage = credential.storage
    if auth["StorageJSON"]:
        try:
            storage = credentials.loads_object(auth["StorageJSON"])
        except CredentialError:
            log.warning("plugin %s: refreshed StorageJSON is not a JSON object", plugin.id)
    next_refresh = reply["NextRefreshAfter"]
    if next_refresh == credentials.ZERO_TIME:
        next_refresh = credential.next_refresh_after
    metadata = dict(auth["Metadata"] or credential.metadata)
    metadata["type"] = credential.provider
    return Credential(
        id=credential.id,
        provider=credential.provider,
        path=credential.path,
        file_name=auth["FileName"] or credential.file_name,
        label=auth["Label"] or credential.label,
        prefix=auth["Prefix"] or credential.prefix,
        proxy_url=auth["ProxyURL"] or credential.proxy_url,
        disabled=credential.disabled,
        storage=storage,
        metadata=metadata,
        attributes=dict(auth["Attributes"] or credential.attributes),
        next_refresh_after=next_refresh,
        models=credential.models,
    )


def load_credentials(
    snapshot: Snapshot, owners: dict[str, Plugin], host: dict[str, Any]
) -> list[Credential]:
    """Every credential in auth-dir; a file that cannot be read is logged and skipped."""
    found: list[Credential] = []
    seen: set[str] = set()
    for path in credentials.credential_files(Path(host["AuthDir"])):
        try:
            entries = parse_file(path, owners, snapshot, host)
        except CredentialError as exc:
            log.warning("credential skipped: %s", exc.message)
            continue
        for credential in entries:
            if credential.id in seen:
                log.warning("credential %s listed twice; the first one is kept", credential.id)
                continue
            seen.add(credential.id)
            found.append(credential)
    return found
