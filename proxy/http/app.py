"""The Starlette application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proxy.http import gemini, routes
from proxy.http.errors import error_response
from proxy.http.management import ManagementAPI
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


class DrainRequestBody:
    """Reads whatever request body the app left unread before the response completes.

    Hypercorn forgets an HTTP/2 stream as soon as its response is complete; a DATA frame of
    that request arriving afterwards then raises inside Hypercorn and drops the whole
    connection, every other stream on it included. That happens whenever we answer early
    (401, 413, bad JSON) while the client is still uploading. So the final body message of
    such a response waits until the request body is in (discarded as it arrives), bounded
    in time so a client that never finishes its upload cannot hold the stream open.
    """

    DRAIN_SECONDS = 10.0

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("http_version") != "2":
            await self.app(scope, receive, send)  # only Hypercorn's HTTP/2 path needs it
            return
        body_complete = False

        async def tracking_receive() -> Message:
            nonlocal body_complete
            message = await receive()
            body_complete = body_complete or _ends_request(message)
            return message

        async def draining_send(message: Message) -> None:
            final = message["type"] == "http.response.body" and not message.get("more_body")
            # A request whose body already ended (any GET) answers the first receive at once.
            if final and not body_complete and not _ends_request(await tracking_receive()):
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(_drain(tracking_receive), self.DRAIN_SECONDS)
            await send(message)

        await self.app(scope, tracking_receive, draining_send)


def _ends_request(message: Message) -> bool:
    return message["type"] == "http.disconnect" or not message.get("more_body", False)


async def _drain(receive: Receive) -> None:
    while not _ends_request(await receive()):
        pass


async def _not_found(request: Request, exc: Exception) -> Response:
    return Response(status_code=404)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug of ours: an OpenAI-shaped 500 for the client (no traceback); Starlette re-raises
    the exception afterwards, so the server log gets the traceback."""
    return error_response(routes.INTERNAL_ERROR)


class ModelRoutes:
    """The model endpoints with fixed paths, dispatched by a dict lookup ahead of Starlette.
    Their Endpoints answer every error themselves, so Starlette's router (a regex per route
    until one matches) and its two exception layers, each wrapping every `send`, would
    only add cost on the proxy's hottest path (bench/). Everything else goes through
    Starlette; other methods on these paths get its 404 there, as unknown routes do. Every
    request gets the Runtime in its scope (routes.runtime_of)."""

    def __init__(self, app: Starlette, runtime: Runtime, endpoints: dict[str, ASGIApp]) -> None:
        self.app = app
        self.runtime = runtime
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[routes.RUNTIME_KEY] = self.runtime
        endpoint = self.endpoints.get(_route_path(scope))
        if endpoint is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        await endpoint(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path below the app's mount point: Starlette's Mount leaves `path` whole and
    sets `root_path` (an embedding application, proxy.sdk)."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root + "/"):
        return path[len(root) :]
    return path


def create_app(runtime: Runtime, extra_routes: Sequence[BaseRoute] = ()) -> ASGIApp:
    """The proxy's ASGI app; `extra_routes` are mounted beside the proxy's own (embedding,
    benchmarks)."""
    model_endpoints: dict[str, ASGIApp] = {
        "/v1/chat/completions": routes.Endpoint(routes.chat_completions),
        "/v1/completions": routes.Endpoint(routes.completions_legacy),
        "/v1/responses": routes.Endpoint(routes.responses),
        "/v1/messages": routes.Endpoint(routes.claude_messages),
        "/v1/messages/count_tokens": routes.Endpoint(routes.claude_count_tokens),
    }
    app = Starlette(
        routes=[
            Route("/healthz", routes.healthz, methods=["GET", "HEAD"]),
            Route("/", routes.root, methods=["GET"]),
            Route("/v1/models", routes.list_models, methods=["GET"]),
            Route("/v1beta/models", gemini.list_models, methods=["GET"]),
            Route("/v1beta/models/{target:path}", gemini.get_model, methods=["GET"]),
            Route("/v1beta/models/{target:path}", routes.Endpoint(gemini.action), methods=["POST"]),
            # google-genai defaults to the stable `v1` path of the same API
            Route("/v1/models/{target:path}", routes.Endpoint(gemini.action), methods=["POST"]),
            *ManagementAPI(runtime).routes(),
            *extra_routes,
        ],
        exception_handlers={404: _not_found, 405: _not_found, Exception: _internal_error},
    )
    return DrainRequestBody(CORS(ModelRoutes(app, runtime, model_endpoints)))
