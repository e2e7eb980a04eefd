"""The built-in `openai-compatibility` provider (04 §4.1-4.2): any upstream that speaks
OpenAI chat completions, reached with the API keys of its config entry.

Each `api-key-entries[]` item is one credential of provider `openai-compatible-<name>`
(so the pool rotates, cools down and fails over between them); each `models[]` item is a
model clients ask for by its `alias` and the upstream knows by its `name`.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import ujson

from proxy.errors import UpstreamError
from proxy.executors import Call, ExecutorReply, OpenedStream
from proxy.providers import upstream
from proxy.providers.credentials import Credential
from proxy.providers.settings import OpenAICompat, without_prefix

USER_AGENT = "cli-proxy-openai-compat"
log = logging.getLogger("cliproxy.providers")
T = TypeVar("T")


def credentials_of(entry: OpenAICompat) -> list[Credential]:
    """One in-memory credential per API key (none written to auth-dir)."""
    found = []
    for key in entry.keys:
        seed = f"{entry.provider}|{entry.base_url}|{key.api_key}|{key.proxy_url}"
        found.append(
            Credential(
                id=f"{entry.provider}:{hashlib.sha256(seed.encode()).hexdigest()[:12]}",
                provider=entry.provider,
                label=entry.name or entry.provider,
                prefix=entry.prefix,
                proxy_url=key.proxy_url,
                attributes={
                    "api_key": key.api_key,
                    "base_url": entry.base_url,
                    "proxy_url": key.proxy_url,
                    "compat_name": entry.name,
                    "priority": str(entry.priority),
                },
                metadata={"type": entry.provider},
                models=entry.aliases,
            )
        )
    return found


def model_infos(entry: OpenAICompat) -> list[dict[str, Any]]:
    owner = entry.name or entry.provider
    return [
        {"ID": alias, "Object": "model", "OwnedBy": owner, "Type": "openai-compatibility"}
        for alias in entry.aliases
    ]


class OpenAICompatExecutor:
    input_formats = ("openai",)
    output_formats = ("openai",)

    def __init__(self, entry: OpenAICompat, clients: upstream.UpstreamClients) -> None:
        self.entry = entry
        self.clients = clients
        self.name = f"provider {entry.provider}"
        self.kind = "openai-compatibility"
        # an alias listed with several names is a pool of upstream models (04 §4.2)
        self.pools: dict[str, list[str]] = {}
        for model in entry.models:
            self.pools.setdefault(model.alias, []).append(model.name)
        self.turns = itertools.count()

    async def execute(self, call: Call) -> ExecutorReply:
        return await self._pooled(call, lambda name: self._whole(call, name))

    async def count_tokens(self, call: Call) -> ExecutorReply:
        """OpenAI-compatible upstreams cannot count: estimated locally (04 §1.5)."""
        return upstream.estimated_count(call)

    async def open_stream(self, call: Call) -> OpenedStream:
        """Waits for the first event, so a failure before it can move on to the next
        model of a pool or to another key."""
        return await self._pooled(call, lambda name: self._opened(call, name))

    async def _pooled(self, call: Call, attempt: Callable[[str], Awaitable[T]]) -> T:
        """The attempt with each upstream name of the model's pool in turn, from a
        rotating start, until one answers; a request fault ends it at once."""
        names = self.pools.get(self._requested(call.request)) or [""]
        start = next(self.turns) % len(names)
        for offset in range(len(names)):
            try:
                return await attempt(names[(start + offset) % len(names)])
            except UpstreamError as error:
                if offset == len(names) - 1 or error.status in (400, 409, 413, 422):
                    raise
                log.info("%s: pool model failed with %d, trying the next", self.name, error.status)
        raise AssertionError("unreachable")

    async def _whole(self, call: Call, name: str) -> ExecutorReply:
        return await upstream.whole(await self._send(call, name, stream=False))

    async def _opened(self, call: Call, name: str) -> OpenedStream:
        response = await self._send(call, name, stream=True)
        return await upstream.first_event(
            response, upstream.sse_payloads(response, self.name, _raise_stream_error), self.name
        )

    def _requested(self, request: dict[str, Any]) -> str:
        return without_prefix(str(request.get("Model") or ""), self.entry.prefix)

    async def _send(self, call: Call, name: str, *, stream: bool) -> upstream.UpstreamResponse:
        request = call.request
        attributes = request.get("AuthAttributes") or {}
        body = self._body(request, name, stream)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **upstream.entry_headers(self.entry.headers, request.get("Headers") or {}),
        }
        if attributes.get("api_key"):
            headers["Authorization"] = f"Bearer {attributes['api_key']}"
        if stream:
            headers["Accept"] = "text/event-stream"
        client = self.clients.for_proxy(attributes.get("proxy_url", ""), self.entry.force_http1)
        return await client.post(
            f"{self.entry.base_url}/chat/completions", headers, body, self.name
        )

    def _body(self, request: dict[str, Any], name: str, stream: bool) -> bytes:
        """The payload for upstream model `name` ("": the requested model as it is)."""
        try:
            payload = ujson.loads(request.get("Payload") or b"{}")
        except ValueError:
            raise UpstreamError(f"{self.name}: the request body is not JSON", 400) from None
        payload["model"] = name or self._requested(request) or payload.get("model", "")
        payload["stream"] = stream
        if stream:
            options = payload.get("stream_options")
            payload["stream_options"] = {
                **(options if isinstance(options, dict) else {}),
                "include_usage": True,
            }
        return ujson.dumps(payload, ensure_ascii=False, escape_forward_slashes=False).encode()


def _raise_stream_error(payload: str) -> None:
    """The status of an error object, wherever the upstream put it (04 §4.1)."""
    reported = upstream.reported_error(payload)
    if reported is not None:
        parsed, error = reported
        status = error.get("status") or error.get("status_code") or parsed.get("status") or 502
        raise UpstreamError(payload, status if isinstance(status, int) else 502)
