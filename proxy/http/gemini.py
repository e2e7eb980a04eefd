"""The Gemini routes (`/v1beta/models...`, 04 §1.2): the model and the action live in
the URL (`models/{model}:{action}`), not in the body."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from proxy.errors import ProxyError
from proxy.http import routes
from proxy.http.errors import error_response
from proxy.pipeline.authenticate import authenticate


def _not_found(message: str) -> Response:
    body = {"error": {"message": message, "type": "invalid_request_error"}}
    return routes.json_response(body, status=404)


async def action(request: Request) -> Response:
    """`POST /v1beta/models/{model}:generateContent | streamGenerateContent | countTokens`."""
    model, colon, verb = request.path_params["target"].partition(":")
    if not colon or not model or ":" in verb:
        return _not_found(f"{request.url.path} not found.")
    if verb == "generateContent":
        entry = routes.Entry("gemini", model=model, stream=False)
    elif verb == "streamGenerateContent":
        alt = request.query_params.get("alt", request.query_params.get("$alt", "sse"))
        framing = "gemini" if alt in ("", "sse") else "gemini-array"
        entry = routes.Entry("gemini", model=model, stream=True, framing=framing)
    elif verb == "countTokens":
        entry = routes.Entry("gemini", count_tokens=True, model=model, stream=False)
    else:
        return _not_found(f"{request.url.path}: unknown action {verb!r}")
    return await routes.model_request(request, entry)


async def _listed(request: Request) -> Response | None:
    """None when the client may list models, else the error to answer."""
    try:
        await authenticate(routes.context(request, "gemini"))
    except ProxyError as error:
        return error_response(error, "gemini")
    return None


async def list_models(request: Request) -> Response:
    """`GET /v1beta/models`."""
    refused = await _listed(request)
    if refused is not None:
        return refused
    return routes.json_response(routes.runtime_of(request).current.catalog.gemini_list())


async def get_model(request: Request) -> Response:
    """`GET /v1beta/models/{model}`."""
    refused = await _listed(request)
    if refused is not None:
        return refused
    shown = routes.runtime_of(request).current.catalog.gemini_model(request.path_params["target"])
    if shown is None:
        body = {"error": {"message": "Not Found", "type": "not_found"}}
        return routes.json_response(body, status=404)
    return routes.json_response(shown)
