"""The Starlette application."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proxy.http import routes
from proxy.runtime import Runtime

CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    (b"access-control-allow-headers", b"*"),
    (
        b"access-control-expose-headers",
        b"X-CPA-TRACE-ID, X-CPA-VERSION, Location, Retry-After, X-Request-Id, OpenAI-Request-Id",
    ),
]


class CORS:
    """Adds CLIProxyAPI's permissive CORS headers everywhere; OPTIONS is 204, before auth
    (04 §1.1). Plain ASGI so that streaming responses pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": CORS_HEADERS})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *CORS_HEADERS]
            await send(message)

        await self.app(scope, receive, with_cors)


async def _not_found(request: Request, exc: Exception) -> Response:
    return Response(status_code=404)


def create_app(runtime: Runtime, extra_routes: Sequence[BaseRoute] = ()) -> ASGIApp:
    """The proxy's ASGI app; `extra_routes` are mounted beside the proxy's own (embedding,
    benchmarks)."""
    app = Starlette(
        routes=[
            Route("/healthz", routes.healthz, methods=["GET", "HEAD"]),
            Route("/", routes.root, methods=["GET"]),
            Route("/v1/models", routes.list_models, methods=["GET"]),
            Route("/v1/chat/completions", routes.chat_completions, methods=["POST"]),
            *extra_routes,
        ],
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state.runtime = runtime
    return CORS(app)
