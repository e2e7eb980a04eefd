"""Stage 1: client authentication (04 §2, 02 §9).

The providers, in order: the config's `api-keys` (unless a plugin holds exclusive mode),
the access providers of an embedding program (proxy.sdk), then the frontend-auth plugins.
The first to accept wins. Nobody accepting is a 401: "Invalid API key" when a key was
presented and matched none, "Missing API key" otherwise.
No provider at all means an open proxy.

A config key is the first credential found among `Authorization` (Bearer, case-insensitive
scheme, else the raw value), `X-Goog-Api-Key`, `X-Api-Key`, `?key=` and `?auth_token=`.
"""

from __future__ import annotations

import hmac
import logging

from proxy.errors import AuthenticationError
from proxy.extensions import AccessProvider, AccessRequest, AccessResult
from proxy.pipeline.context import RequestContext
from proxy.plugins import frontend_auth

CONFIG_PROVIDER = "config-api-key"

log = logging.getLogger("cliproxy.pipeline")


class AccessFailed(AuthenticationError):
    status = 500


def credential(ctx: RequestContext) -> str | None:
    authorization = _first(ctx.headers.get("Authorization"))
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else authorization
    for value in (
        ctx.headers.get("X-Goog-Api-Key"),
        ctx.headers.get("X-Api-Key"),
        ctx.query.get("key"),
        ctx.query.get("auth_token"),
    ):
        found = _first(value)
        if found is not None:
            return found
    return None


def needs_body(ctx: RequestContext) -> bool:
    """Frontend-auth plugins and Python access providers see the request body, so it is
    read before this stage."""
    return bool(ctx.generation.frontend.providers or ctx.generation.extensions.access)


async def authenticate(ctx: RequestContext) -> None:
    frontend = ctx.generation.frontend
    keys = () if frontend.exclusive else ctx.generation.config.api_keys
    access = ctx.generation.extensions.access
    if not keys and not frontend.providers and not access:
        return
    presented = credential(ctx) if keys or access else None
    if presented is not None:
        encoded = presented.encode()
        for key in keys:
            if hmac.compare_digest(encoded, key.encode()):
                ctx.principal = key
                ctx.access_provider = CONFIG_PROVIDER
                return
    if access:
        request = AccessRequest(ctx.method, ctx.path, ctx.headers, ctx.query, ctx.body, presented)
        for provider in access:
            result = await _asked(provider, request)
            if result is not None:
                ctx.principal = result.principal
                ctx.access_provider = result.provider
                ctx.access_metadata = dict(result.metadata)
                return
    accepted = await frontend_auth.authenticate(
        frontend.providers, ctx.method, ctx.path, ctx.headers, ctx.query, ctx.body
    )
    if accepted is not None:
        ctx.principal = accepted.principal
        ctx.access_provider = accepted.provider
        ctx.access_metadata = accepted.metadata
        return
    raise AuthenticationError("Invalid API key" if presented is not None else "Missing API key")


async def _asked(provider: AccessProvider, request: AccessRequest) -> AccessResult | None:
    """One Python access provider's answer; its exception is a 500 naming it, never a
    traceback for the client."""
    try:
        return await provider(request)
    except Exception as exc:
        log.exception("access provider %r failed", provider)
        raise AccessFailed(
            f"access provider {getattr(provider, '__name__', type(provider).__name__)} "
            f"failed ({type(exc).__name__}); see the proxy log"
        ) from None


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
