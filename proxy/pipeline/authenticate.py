"""Stage 1: client authentication against `api-keys` (04 §2).

No keys configured means an open proxy. Otherwise the first credential found among
`Authorization` (Bearer, case-insensitive scheme, else the raw value), `X-Goog-Api-Key`,
`X-Api-Key`, `?key=` and `?auth_token=` must be one of the keys.
"""

from __future__ import annotations

import hmac

from proxy.errors import AuthenticationError
from proxy.pipeline.context import RequestContext


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


def authenticate(ctx: RequestContext) -> None:
    keys = ctx.generation.config.api_keys
    if not keys:
        return
    presented = credential(ctx)
    if presented is None:
        raise AuthenticationError("Missing API key")
    encoded = presented.encode()
    for key in keys:
        if hmac.compare_digest(encoded, key.encode()):
            ctx.principal = key
            return
    raise AuthenticationError("Invalid API key")


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
