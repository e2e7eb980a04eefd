"""The built-in `gemini` provider with API keys (`gemini-api-key[]`, 04 §4.1): Google's
Generative Language API, or anything that speaks it at another `base-url`.

Each entry is one credential of provider `gemini`; its key goes in `x-goog-api-key`. The
model is part of the URL, not the body. Streams are asked for as SSE (`alt=sse`) and handed
on as one bare `GenerateContentResponse` JSON object per chunk, which is what the Gemini
chunk contract (04 §1.3) and the translators expect.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import ujson

from proxy.errors import UpstreamError
from proxy.executors import Call, ExecutorReply, OpenedStream
from proxy.formats.gemini_common import dumps
from proxy.providers import api_keys, upstream

PROVIDER = "gemini"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
API_VERSION = "v1beta"
# Listed when an entry names no models (a small static catalog; 04 §4.3).
DEFAULT_MODELS = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite")
# What `countTokens` takes besides `contents`; anything else goes inside a
# `generateContentRequest`, so system instructions and tools are counted too.
_COUNT_FIELDS = frozenset({"contents", "generateContentRequest"})


class GeminiExecutor(api_keys.APIKeyExecutor):
    provider = PROVIDER
    owner = "google"
    format = "gemini"
    default_base_url = DEFAULT_BASE_URL
    default_models = DEFAULT_MODELS

    async def execute(self, call: Call) -> ExecutorReply:
        return await upstream.whole(await self._send(call, "generateContent"))

    async def count_tokens(self, call: Call) -> ExecutorReply:
        return await upstream.whole(await self._send(call, "countTokens"))

    async def open_stream(self, call: Call) -> OpenedStream:
        response = await self._send(call, "streamGenerateContent")
        return await upstream.first_event(
            response, upstream.sse_payloads(response, self.name, _raise_error), self.name
        )

    async def _send(self, call: Call, action: str) -> upstream.UpstreamResponse:
        request = call.request
        target = self.target(request)
        entry = target.entry
        try:
            payload = ujson.loads(request.get("Payload") or b"{}")
        except ValueError:
            raise UpstreamError(f"{self.name}: the request body is not JSON", 400) from None
        model = str(request.get("Model") or payload.get("model") or "").removeprefix("models/")
        if entry is not None:
            model = entry.upstream_model(model)
        payload.pop("model", None)
        body = _count_body(payload, model) if action == "countTokens" else _generate_body(payload)
        headers = {"Content-Type": "application/json", **self.headers(request, target)}
        if target.key:
            headers["x-goog-api-key"] = target.key
        url = f"{target.base}/{API_VERSION}/models/{quote(model, safe='')}:{action}"
        if action == "streamGenerateContent":
            url += "?alt=sse"
            headers["Accept"] = "text/event-stream"
        client = target.client(self.clients)
        return await client.post(url, headers, dumps(body), self.name)


def _generate_body(payload: dict[str, Any]) -> dict[str, Any]:
    """Gemini refuses a conversation that opens with the model's turn; an empty user
    turn in front keeps such histories (a client's prefill, a trimmed log) usable."""
    contents = payload.get("contents")
    if isinstance(contents, list) and contents and (contents[0] or {}).get("role") == "model":
        payload["contents"] = [{"role": "user", "parts": [{"text": ""}]}, *contents]
    return payload


def _count_body(payload: dict[str, Any], model: str) -> dict[str, Any]:
    """`countTokens` takes only `contents` or a whole `generateContentRequest` (which
    names its model); a generate body with more than contents is sent as the latter."""
    if set(payload) <= _COUNT_FIELDS:
        return payload
    inner = _generate_body(payload)
    return {"generateContentRequest": {"model": f"models/{model}", **inner}}


def _raise_error(payload: str) -> None:
    """Gemini reports `{"error":{"code":<HTTP status>,...}}`."""
    reported = upstream.reported_error(payload)
    if reported is not None:
        code = reported[1].get("code")
        raise UpstreamError(payload, code if isinstance(code, int) and 400 <= code < 600 else 502)
