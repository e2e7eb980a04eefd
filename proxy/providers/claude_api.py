"""The built-in `claude` provider with API keys (`claude-api-key[]`, 04 §4.1): the
Anthropic Messages API, or anything that speaks it at another `base-url`.

Each entry is one credential of provider `claude`. Keys for api.anthropic.com go in
`x-api-key`; other hosts get `Authorization: Bearer`. Streams are handed on as whole SSE
events, which is what Claude clients are sent and what the translators read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import ujson

from proxy.errors import UpstreamError
from proxy.executors import Call, ExecutorReply, OpenedStream
from proxy.providers import api_keys, upstream
from proxy.providers.settings import APIKeyEntry

PROVIDER = "claude"
DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
# Listed when an entry names no models (a small static catalog; 04 §4.3).
DEFAULT_MODELS = ("claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5")
_ERROR_STATUS = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500}


class ClaudeExecutor(api_keys.APIKeyExecutor):
    provider = PROVIDER
    owner = "anthropic"
    format = "claude"
    default_base_url = DEFAULT_BASE_URL
    default_models = DEFAULT_MODELS

    async def execute(self, call: Call) -> ExecutorReply:
        return await upstream.whole(await self._send(call, stream=False))

    async def count_tokens(self, call: Call) -> ExecutorReply:
        return await upstream.whole(
            await self._send(call, stream=False, path="/v1/messages/count_tokens")
        )

    async def open_stream(self, call: Call) -> OpenedStream:
        response = await self._send(call, stream=True)
        return await upstream.first_event(response, _events(response, self.name), self.name)

    async def _send(
        self, call: Call, *, stream: bool, path: str = "/v1/messages"
    ) -> upstream.UpstreamResponse:
        request = call.request
        target = self.target(request)
        client_version = (request.get("Headers") or {}).get("Anthropic-Version")
        headers = {
            "Content-Type": "application/json",
            "Anthropic-Version": client_version[0] if client_version else ANTHROPIC_VERSION,
            **self.headers(request, target),
        }
        if target.key and "api.anthropic.com" in target.base:
            headers["X-Api-Key"] = target.key
        elif target.key:
            headers["Authorization"] = f"Bearer {target.key}"
        if stream:
            headers["Accept"] = "text/event-stream"
        body = self._body(request, target.entry, stream, counting=path.endswith("count_tokens"))
        client = target.client(self.clients)
        query = "?beta=true" if path == "/v1/messages" else ""
        return await client.post(f"{target.base}{path}{query}", headers, body, self.name)

    def _body(
        self, request: dict[str, Any], entry: APIKeyEntry | None, stream: bool, counting: bool
    ) -> bytes:
        try:
            payload = ujson.loads(request.get("Payload") or b"{}")
        except ValueError:
            raise UpstreamError(f"{self.name}: the request body is not JSON", 400) from None
        model = str(request.get("Model") or payload.get("model") or "")
        if entry is not None:
            model = entry.upstream_model(model)
        payload["model"] = model
        if not counting:
            payload["stream"] = stream
        return ujson.dumps(payload, ensure_ascii=False, escape_forward_slashes=False).encode()


async def _events(response: upstream.UpstreamResponse, who: str) -> AsyncIterator[bytes]:
    """Whole SSE events (`event:` and `data:` lines, then a blank line); an `error` event
    ends the stream with that error."""
    async for event in upstream.sse_events(response, who):
        _raise_error(event)
        yield ("\n".join(event) + "\n\n").encode()


def _raise_error(block: list[str]) -> None:
    if not any(line.startswith("event: error") or line.startswith("event:error") for line in block):
        return
    data = upstream.data_of(block)
    try:
        kind = ((ujson.loads(data) or {}).get("error") or {}).get("type", "")
    except (ValueError, AttributeError):
        kind = ""
    raise UpstreamError(data or "upstream stream error", _ERROR_STATUS.get(kind, 502))
