"""Stage 1: client authentication (04 §2, 02 §9).

The providers, in order: the config's `api-keys` (unless a plugin holds exclusive mode),
then the frontend-auth plugins. The first to accept wins. Nobody accepting is a 401:
"Invalid API key" when a key was presented and matched none, "Missing API key" otherwise.
No provider at all means an open proxy.

A config key is the first credential found among `Authorization` (Bearer, case-insensitive
scheme, else the raw value), `X-Goog-Api-Key`, `X-Api-Key`, `?key=` and `?auth_token=`.
"""

from __future__ import annotations

import hmac

from proxy.errors import AuthenticationError
from proxy.pipeline.context import RequestContext
from proxy.plugins import frontend_auth

CONFIG_PROVIDER = "config-api-key"


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
    """Frontend-auth plugins see the request body, so it is read before this stage."""
    return bool(ctx.generation.frontend.providers)


async def authenticate(ctx: RequestContext) -> None:
    frontend = ctx.generation.frontend
    keys = () if frontend.exclusive else ctx.generation.config.api_keys
    if not keys and not frontend.providers:
        return
    presented = credential(ctx) if keys else None
    if presented is not None:
        encoded = presented.encode()
        for key in keys:
            if hmac.compare_digest(encoded, key.encode()):
                ctx.principal = key
                ctx.access_provider = CONFIG_PROVIDER
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


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
