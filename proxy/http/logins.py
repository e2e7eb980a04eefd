"""Browser logins of auth-provider plugins through the management API (02 §6-7):
`GET /v0/management/<provider>-auth-url` starts one (`auth.login.start`), the browser
comes back to `/v0/management/oauth-callback` (its code is dropped in auth-dir for the
plugin), and `GET /v0/management/get-auth-status?state=` polls (`auth.login.poll`) until
the plugin reports success (the credentials are saved, all or none) or failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import ujson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from proxy.errors import ProxyError
from proxy.plugins import auth
from proxy.providers import credentials
from proxy.runtime import Runtime

LOGIN_TTL_SECONDS = 15 * 60


def _error(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)  # 04 §7 error bodies


@dataclass
class LoginSession:
    provider: str
    plugin_id: str
    metadata: dict[str, Any] | None
    expires: float
    status: str = "wait"  # wait | ok | error
    error: str = ""


class Logins:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions: dict[str, LoginSession] = {}

    async def start(self, provider: str) -> Response:
        generation = self.runtime.current
        plugin = generation.auth_owners.get(provider)
        if plugin is None:
            return Response(status_code=404)
        scheme = "https" if generation.config.tls.enable else "http"
        base_url = f"{scheme}://127.0.0.1:{generation.config.port}/v0/management/oauth-callback"
        try:
            reply = await auth.login_start(
                plugin, provider, base_url, generation.host_summary, self.runtime.scopes
            )
        except ProxyError:
            return _error(500, "failed to generate authorization url")
        state = reply["State"].strip()
        if not re.fullmatch(r"[A-Za-z0-9._~-]{1,128}", state):
            return _error(502, "invalid oauth state")
        self._expire_logins()
        self.sessions[state] = LoginSession(
            provider, plugin.id, reply["Metadata"], time.monotonic() + LOGIN_TTL_SECONDS
        )
        return JSONResponse({"status": "ok", "url": reply["URL"], "state": state})

    async def callback(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params.update({k: str(v) for k, v in form.items()})
        state = params.get("state", "")
        session = self.sessions.get(state)
        if session is None:
            return HTMLResponse("<h1>Unknown or expired login</h1>", status_code=400)
        drop = {"code": params.get("code", ""), "state": state, "error": params.get("error", "")}
        auth_dir = self.runtime.config.auth_path
        target = auth_dir / f".oauth-{session.provider}-{state}.oauth"
        await asyncio.to_thread(credentials.atomic_write, target, ujson.dumps(drop).encode())
        return HTMLResponse("<h1>Authentication received</h1><p>You may close this window.</p>")

    async def status(self, request: Request) -> Response:
        state = request.query_params.get("state", "")
        session = self.sessions.get(state)
        if session is None:
            return _error(404, "unknown or expired state")
        if session.status != "wait":
            return JSONResponse(_session_body(session))
        generation = self.runtime.current
        plugin = generation.snapshot.get(session.plugin_id)
        if plugin is None:
            session.status, session.error = "error", f"plugin {session.plugin_id} is not loaded"
            return JSONResponse(_session_body(session))
        try:
            reply = await auth.login_poll(
                plugin,
                session.provider,
                state,
                session.metadata,
                generation.host_summary,
                self.runtime.scopes,
            )
        except ProxyError as exc:
            session.status, session.error = "error", exc.message
            return JSONResponse(_session_body(session))
        if reply["Status"] == "error":
            session.status, session.error = "error", reply["Message"] or "Authentication failed"
        elif reply["Status"] == "success":
            await self._save_login(session, reply)
        return JSONResponse(_session_body(session))

    async def _save_login(self, session: LoginSession, reply: dict[str, Any]) -> None:
        auth_dir = self.runtime.config.auth_path
        entries = reply["Auths"] or [reply["Auth"]]
        written: list[str] = []
        try:
            for entry in entries:
                credential = credentials.from_auth_data(
                    entry, auth_dir, default_provider=session.provider
                )
                if not credential.path:
                    credential.path = str(
                        auth_dir / f"{session.provider}-{secrets.token_hex(4)}.json"
                    )
                path = await asyncio.to_thread(credentials.save, credential, auth_dir)
                written.append(str(path))
        except (ProxyError, OSError) as exc:
            for path in written:  # all or nothing
                os.unlink(path)
            session.status, session.error = "error", f"saving the credential failed: {exc}"
            return
        session.status = "ok"
        await asyncio.to_thread(self.runtime.reload_credentials)

    def _expire_logins(self) -> None:
        now = time.monotonic()
        for state in [s for s, session in self.sessions.items() if session.expires < now]:
            del self.sessions[state]


def _session_body(session: LoginSession) -> dict[str, str]:
    body = {"status": session.status}
    if session.error:
        body["error"] = session.error
    return body
