"""The built-in `codex` provider with API keys (`codex-api-key[]`, 04 §4.1): the OpenAI
Responses API of the Codex backend, or any Responses endpoint at another `base-url`.

Each entry is one credential of provider `codex`. Codex upstreams are always streamed
(`POST {base}/responses`, `Accept: text/event-stream`): a non-stream call reads the whole
stream and answers with the final response object, a stream call hands on whole SSE
events. A failure event (`error`, `response.failed`) becomes an UpstreamError; the
events that only open a response are held back until something else arrives, so a
rejection right after them still fails the attempt before the client sees a byte and the
pool can move on to another credential (04 §5.6).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from proxy.errors import UpstreamError
from proxy.executors import Call, ExecutorReply, OpenedStream
from proxy.formats.responses_common import (
    TERMINAL,
    answer_events,
    dumps,
    failure,
    final_response,
    for_codex,
    loads_object,
)
from proxy.providers import api_keys, upstream
from proxy.providers.settings import APIKeyEntry

PROVIDER = "codex"
DEFAULT_BASE_URL = "https://chatgpt.com/backend-api/codex"
# Listed when an entry names no models (a small static catalog; 04 §4.3).
DEFAULT_MODELS = ("gpt-5", "gpt-5-codex", "gpt-5-codex-mini")
# Events that open a response without saying anything yet.
OPENING = frozenset({"response.created", "response.in_progress", "response.queued"})


class CodexExecutor(api_keys.APIKeyExecutor):
    provider = PROVIDER
    owner = "openai"
    format = "codex"
    default_base_url = DEFAULT_BASE_URL
    default_models = DEFAULT_MODELS

    async def execute(self, call: Call) -> ExecutorReply:
        response = await self._send(call)
        try:
            body = await response.aread()
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{self.name}: upstream stream broke: {exc!r}", 502) from None
        finally:
            await response.aclose()
        events = answer_events(body)
        for event in events:
            _raise_failure(event)
        final = final_response(events)
        if final is None:
            raise UpstreamError(
                f"{self.name}: upstream stream closed before response.completed", 502
            )
        return ExecutorReply(dumps(final), upstream.response_headers(response))

    async def count_tokens(self, call: Call) -> ExecutorReply:
        """The Responses API cannot count: estimated locally (04 §1.5)."""
        return upstream.estimated_count(call)

    async def open_stream(self, call: Call) -> OpenedStream:
        response = await self._send(call)
        return await upstream.first_event(response, _events(response, self.name), self.name)

    async def _send(self, call: Call) -> upstream.UpstreamResponse:
        request = call.request
        target = self.target(request)
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
            **self.headers(request, target),
        }
        if target.key:
            headers["Authorization"] = f"Bearer {target.key}"
        client = target.client(self.clients)
        body = self._body(request, target.entry)
        return await client.post(f"{target.base}/responses", headers, body, self.name)

    def _body(self, request: dict[str, Any], entry: APIKeyEntry | None) -> bytes:
        """The payload as Codex takes it. The translators already normalise it; this
        covers payloads from plugin translators and pass-through (04 §4.1)."""
        payload = loads_object(request.get("Payload") or b"{}")
        if not payload:
            raise UpstreamError(f"{self.name}: the request body is empty or not a JSON object", 400)
        model = str(request.get("Model") or payload.get("model") or "")
        if entry is not None:
            model = entry.upstream_model(model)
        return dumps(for_codex(payload, model))


def _raise_failure(event: dict[str, Any]) -> None:
    failed = failure(event)
    if failed is not None:
        status, body = failed
        raise UpstreamError(dumps(body).decode(), status)


async def _events(response: upstream.UpstreamResponse, who: str) -> AsyncIterator[bytes]:
    """Whole SSE events as they came. Opening events wait for the next one; a failure
    event raises; a stream that ends without a terminal event is an error (04 §1.3)."""
    held: list[bytes] = []
    last = ""
    async for lines in upstream.sse_events(response, who):
        data = upstream.data_of(lines)
        if not data or data == "[DONE]":
            continue
        event = loads_object(data)
        if not event:
            raise UpstreamError(f"{who}: invalid JSON in the upstream stream: {data}", 502)
        _raise_failure(event)
        last = str(event.get("type", ""))
        held.append(("\n".join(lines) + "\n\n").encode())
        if last in OPENING:
            continue
        for ready in held:
            yield ready
        held = []
        if last in TERMINAL:
            return
    raise UpstreamError(
        f"{who}: upstream stream closed before a terminal event (last event: {last or 'none'})",
        502,
    )
