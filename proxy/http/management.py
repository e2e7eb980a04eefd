"""The management API (04 §7) as far as plugins need it, and plugin-owned routes.

Host routes under `/v0/management` (browser logins in proxy/http/logins.py):
- `GET /plugins`: every configured or loaded plugin with its status (or load error);
- `PATCH /plugins/{id}` (`{"enabled": bool, "priority": int}`, either or both), and
  `PATCH /plugins/{id}/enabled` / `/priority` with `{"value"|"enabled"|"priority": ...}`:
  written to the config file in place (comments kept) and applied at once;
- `GET /{provider}-auth-url`, `GET /get-auth-status?state=`, `GET|POST /oauth-callback`:
  browser logins of auth-provider plugins (02 §6-7).
Every other `/v0/management/...` path goes to the plugin that registered it; resources
under `/v0/resource/plugins/<id>/...` are unauthenticated GET pages.

Access: no `remote-management.secret-key` (nor `MANAGEMENT_PASSWORD` in the environment)
means no management API at all (404). Otherwise loopback clients only unless
`allow-remote`, the key in `Authorization: Bearer` or `X-Management-Key`, compared in
constant time, and an address that fails too often is locked out for a while.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

import ujson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from proxy import config_edit
from proxy.errors import ConfigError, ProxyError
from proxy.executors import PluginExecutor
from proxy.http.logins import Logins
from proxy.plugins import executor, management
from proxy.plugins.codec import header_from_pairs
from proxy.runtime import Runtime

_LOOPBACK = ("127.", "::1", "localhost")
_PROVIDER = re.compile(r"^/v0/management/([a-z0-9-]+)-auth-url$")


def _error(status: int, error: str, message: str = "") -> JSONResponse:
    body = {"error": error, **({"message": message} if message else {})}
    return JSONResponse(body, status_code=status)


@dataclass
class Gate:
    """Management key checks and the per-address lock-out."""

    failures: dict[str, tuple[int, float]] = field(default_factory=dict)  # ip -> (count, ban end)

    def secret(self, runtime: Runtime) -> str:
        return os.environ.get("MANAGEMENT_PASSWORD", "") or runtime.config.management.secret_key

    def check(self, request: Request, runtime: Runtime) -> Response | None:
        settings = runtime.config.management
        secret = self.secret(runtime)
        if not secret:
            return Response(status_code=404)
        client = request.client.host if request.client else ""
        if not settings.allow_remote and not client.startswith(_LOOPBACK):
            return _error(403, "remote management disabled")
        count, banned_until = self.failures.get(client, (0, 0.0))
        now = time.monotonic()
        if banned_until > now:
            left = int(banned_until - now)
            wait = f"{left // 60}m{left % 60}s"
            return _error(403, f"IP banned due to too many failed attempts. Try again in {wait}")
        presented = _presented_key(request)
        if not presented:
            return _error(401, "missing management key")
        if not hmac.compare_digest(presented.encode(), secret.encode()):
            count += 1
            ban = now + settings.ban_seconds if count >= settings.max_failures else 0.0
            self.failures[client] = (0 if ban else count, ban)
            return _error(401, "invalid management key")
        self.failures.pop(client, None)
        return None


def _presented_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else header.strip()
    return request.headers.get("x-management-key", "").strip()


class ManagementAPI:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.gate = Gate()
        self.logins = Logins(runtime)
        self.lock = asyncio.Lock()

    def routes(self) -> list[BaseRoute]:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return [
            Route("/v0/management/{rest:path}", self.endpoint, methods=methods),
            Route("/v0/resource/plugins/{rest:path}", self.resource, methods=["GET"]),
        ]

    async def endpoint(self, request: Request) -> Response:
        path = request.url.path.rstrip("/")
        if path == "/v0/management/oauth-callback" and self.gate.secret(self.runtime):
            return await self.logins.callback(request)  # the browser has no management key
        refused = self.gate.check(request, self.runtime)
        if refused is not None:
            return refused
        method = request.method
        parts = path.split("/")[3:]  # after /v0/management
        try:
            if parts == ["plugins"] and method == "GET":
                return self.list_plugins()
            if len(parts) in (2, 3) and parts[0] == "plugins" and method == "PATCH":
                return await self.patch_plugin(
                    request, parts[1], parts[2] if len(parts) == 3 else ""
                )
            login = _PROVIDER.match(path)
            if login and method == "GET":
                return await self.logins.start(login.group(1))
            if parts == ["get-auth-status"] and method == "GET":
                return await self.logins.status(request)
            if parts == ["api-call"] and method == "POST":
                return await self.api_call(request)
        except ProxyError as exc:
            return _error(exc.status, exc.code, exc.message)
        plugin = self.runtime.current.management.routes.get((method, path))
        if plugin is None:
            return Response(status_code=404)
        return await self._delegate(request, plugin, path, escape=True)

    async def resource(self, request: Request) -> Response:
        path = request.url.path.rstrip("/")
        found = self.runtime.current.management.resources.get(path)
        if found is None:
            return Response(status_code=404)
        return await self._delegate(request, found.plugin, path, escape=False, with_body=False)

    async def _delegate(
        self, request: Request, plugin: Any, path: str, *, escape: bool, with_body: bool = True
    ) -> Response:
        headers = header_from_pairs(request.headers.items())
        query: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            query.setdefault(key, []).append(value)
        body = await request.body() if with_body else None
        try:
            reply = await management.handle(
                plugin,
                request.method if with_body else "GET",
                path,
                headers,
                query,
                body,
                self.runtime.scopes,
                f"{random.getrandbits(32):08x}",  # the log id of this management request
            )
        except ProxyError:
            what = "management" if escape else "resource"
            return _error(502, f"plugin {what} handler failed")
        out_headers = {k: ", ".join(v) for k, v in (reply["Headers"] or {}).items()}
        content = reply["Body"] or b""
        if escape:
            content = _escape_json(content, out_headers.get("Content-Type", ""))
        return Response(content, status_code=reply["StatusCode"] or 200, headers=out_headers)

    # --- plugins -----------------------------------------------------------------------

    def list_plugins(self) -> Response:
        generation = self.runtime.current
        config = generation.config
        menus: dict[str, list[dict[str, str]]] = {}
        for resource in generation.management.resources.values():
            menus.setdefault(resource.plugin.id, []).append(
                {"path": resource.path, "menu": resource.menu, "description": resource.description}
            )
        owners = {plugin.id: provider for provider, plugin in generation.auth_owners.items()}
        rows = []
        for status in self.runtime.host.statuses():
            metadata = status.metadata
            rows.append(
                {
                    "id": status.id,
                    "path": status.path,
                    "configured": status.id in config.plugins.configs,
                    "registered": status.status == "active",
                    "enabled": status.enabled,
                    "effective_enabled": config.plugins.enabled and status.status == "active",
                    "priority": status.priority,
                    "status": status.status,
                    "error": status.error,
                    "capabilities": list(status.capabilities),
                    "schema_version": status.schema_version,
                    "supports_oauth": status.id in owners,
                    "oauth_provider": owners.get(status.id, ""),
                    "logo": metadata.get("Logo", "") if metadata else "",
                    "menus": menus.get(status.id, []),
                    "metadata": _metadata(metadata) if metadata else None,
                }
            )
        return JSONResponse(
            {
                "plugins_enabled": config.plugins.enabled,
                "plugins_dir": config.plugins.dir,
                "plugins": rows,
            }
        )

    async def patch_plugin(self, request: Request, plugin_id: str, field_name: str) -> Response:
        try:
            body = ujson.loads(await request.body() or b"{}")
        except ValueError:
            return _error(400, "invalid_body", "the body must be a JSON object")
        if not isinstance(body, dict):
            return _error(400, "invalid_body", "the body must be a JSON object")
        if field_name in ("enabled", "priority"):
            value = body.get(field_name, body.get("value"))
            changes = {field_name: value}
        elif field_name == "":
            changes = {k: body[k] for k in ("enabled", "priority") if k in body}
        else:
            return Response(status_code=404)
        problem = _check_changes(changes)
        if problem:
            return _error(400, "invalid_body", problem)
        source = self.runtime.config.source
        if source is None:
            return _error(409, "no_config_file", "the proxy runs without a config file to write")
        async with self.lock:
            try:
                for key, value in changes.items():
                    text = ("true" if value else "false") if key == "enabled" else str(value)
                    await asyncio.to_thread(
                        config_edit.set_plugin_value, source, plugin_id, key, text
                    )
            except (ConfigError, OSError) as exc:
                return _error(500, "config_write_failed", str(getattr(exc, "message", exc)))
            await self.runtime.reload()
        if self.runtime.last_error:
            return _error(422, "invalid_config", self.runtime.last_error)
        return JSONResponse({"status": "ok"})

    # --- HTTP calls with a credential --------------------------------------------------

    async def api_call(self, request: Request) -> Response:
        """`POST /api-call` `{"auth_index","method","url","header","data"}`: the call made
        by the executor plugin of the credential's provider (`executor.http_request`)."""
        try:
            body = ujson.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("url"), str):
            return _error(400, "invalid_body", "send a JSON object with at least `url`")
        generation = self.runtime.current
        index = str(body.get("auth_index", ""))
        credential = next((c for c in generation.pool.by_id.values() if c.index == index), None)
        if credential is None:
            return _error(404, "auth_not_found", f"no credential with auth_index {index!r}")
        found = generation.catalog.executors.get(credential.provider)
        plugin = found.plugin if isinstance(found, PluginExecutor) else None
        if plugin is None:
            return _error(
                501, "unsupported", f"provider {credential.provider} has no plugin executor"
            )
        raw_headers = body.get("header") or {}
        if not isinstance(raw_headers, dict):
            return _error(400, "invalid_body", "`header` must be an object of strings")
        data = body.get("data") or ""
        try:
            reply = await executor.http_request(
                plugin,
                {
                    "AuthID": credential.id,
                    "AuthProvider": credential.provider,
                    "Method": str(body.get("method") or "GET").upper(),
                    "URL": body["url"],
                    "Headers": {str(k): [str(v)] for k, v in raw_headers.items()},
                    "Body": data.encode() if isinstance(data, str) else ujson.dumps(data).encode(),
                    "StorageJSON": credential.storage_bytes(),
                    "Metadata": credential.metadata or None,
                    "Attributes": credential.attributes or None,
                },
                self.runtime.scopes,
            )
        except ProxyError as exc:
            return _error(502, "api_call_failed", exc.message)
        return JSONResponse(
            {
                "status_code": reply["StatusCode"],
                "header": reply["Headers"] or {},
                "body": (reply["Body"] or b"").decode("utf-8", "replace"),
            }
        )


def _metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": metadata.get("Name", ""),
        "version": metadata.get("Version", ""),
        "author": metadata.get("Author", ""),
        "github_repository": metadata.get("GitHubRepository", ""),
        "logo": metadata.get("Logo", ""),
        "config_fields": [
            {
                "name": f["Name"],
                "type": f["Type"],
                "enum_values": f["EnumValues"] or [],
                "description": f["Description"],
            }
            for f in metadata.get("ConfigFields") or ()
        ],
    }


def _check_changes(changes: dict[str, Any]) -> str:
    if not changes:
        return "nothing to change: send enabled and/or priority"
    if "enabled" in changes and not isinstance(changes["enabled"], bool):
        return "enabled must be true or false"
    if "priority" in changes and (
        not isinstance(changes["priority"], int) or isinstance(changes["priority"], bool)
    ):
        return "priority must be an integer"
    return ""


def _escape_json(content: bytes, content_type: str) -> bytes:
    """Management JSON bodies have their strings HTML-escaped (02 §31)."""
    looks_json = "json" in content_type.lower() or content.lstrip()[:1] in (b"{", b"[")
    if not looks_json:
        return content
    try:
        parsed = ujson.loads(content)
    except ValueError:
        return content
    return ujson.dumps(_escaped(parsed), ensure_ascii=False, escape_forward_slashes=False).encode()


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value
