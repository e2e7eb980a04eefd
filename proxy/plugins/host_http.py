"""HTTP for plugins: `host.http.do`, `host.http.do_stream`, `host.http.stream_read`,
`host.http.stream_close` (03 §3.2-3.5).

Requests go out through one shared httpx client on the event loop (HTTP/1.1 and HTTP/2,
connection reuse, redirects followed, the config's `proxy-url`); the plugin's thread waits
for the result. A request made with a `host_callback_id` belongs to that request: when the
scope ends (the plugin call returned, or the client of the outer request left), what is
still running is cancelled and its streams are closed.

Bounds, all configurable: `plugins.host-http-timeout-seconds` for a whole `do` and for each
stream read, `plugins.host-http-max-body-bytes` for a `do` response body, and
`plugins.max-http-streams` open streams per plugin. Stream reads hand out what arrived, at
most 32 KiB at a time, as soon as it arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from proxy.plugins import codec, loop_bridge, schema
from proxy.plugins.host_calls import HostCallFailed, HostCalls
from proxy.plugins.methods import HostMethod
from proxy.plugins.scopes import ScopeRegistry
from proxy.providers import upstream

READ_SIZE = 32 * 1024
_RAW = "cliproxy_raw_body"  # request extension: the plugin set Accept-Encoding itself
T = TypeVar("T")


@dataclass
class Limits:
    timeout: float | None = 300.0
    max_body: int = 64 << 20
    max_streams: int = 64


class HostHTTP:
    def __init__(
        self,
        scopes: ScopeRegistry,
        loop: asyncio.AbstractEventLoop,
        proxy_url: str = "",
        limits: Callable[[], Limits] = Limits,
    ) -> None:
        self.scopes = scopes
        self.loop = loop
        self._limits = limits  # read per call: the limits reload with the config
        self.client = upstream.cookieless(
            httpx.AsyncClient(
                http2=True, follow_redirects=True, timeout=None, proxy=proxy_url or None
            )
        )
        self.streams = loop_bridge.StreamTable(loop, "http stream", "plugins.max-http-streams")

    @property
    def limits(self) -> Limits:
        return self._limits()

    def install(self, calls: HostCalls) -> None:
        request = schema.HOST_HTTP_REQUEST
        stream = schema.HOST_MODEL_STREAM_REQUEST  # {"stream_id"}, same shape
        calls.register(HostMethod.HTTP_DO, request, self.do, "host http")
        calls.register(HostMethod.HTTP_DO_STREAM, request, self.do_stream, "host http")
        calls.register(HostMethod.HTTP_STREAM_READ, stream, self.read, "host http stream read")
        calls.register(HostMethod.HTTP_STREAM_CLOSE, stream, self.close, "host http stream close")

    async def aclose(self) -> None:
        for stream_id in self.streams.ids():
            self.streams.discard(stream_id)
        await self.client.aclose()

    # -- callbacks (on plugin threads) ----------------------------------------------------

    def do(self, plugin_id: str, body: dict[str, Any]) -> dict[str, Any]:
        request = self._build(body)
        status, headers, content = self._wait(self._fetch(request), body["host_callback_id"])
        return codec.to_wire(
            schema.HOST_HTTP_RESPONSE, {"StatusCode": status, "Headers": headers, "Body": content}
        )

    def do_stream(self, plugin_id: str, body: dict[str, Any]) -> dict[str, Any]:
        limit = self.limits.max_streams
        self.streams.check_room(plugin_id, limit)
        request = self._build(body)
        response = self._wait(self._send(request), body["host_callback_id"])
        stream = self.streams.open(plugin_id, limit, _pieces(response), response.aclose)
        scope = self.scopes.get(body["host_callback_id"])
        if scope is not None:
            scope.cleanups.append(lambda: self.streams.discard(stream.id))
        return codec.to_wire(
            schema.HOST_HTTP_STREAM_RESPONSE,
            {
                "status_code": response.status_code,
                "headers": _headers(response),
                "stream_id": stream.id,
            },
        )

    def read(self, plugin_id: str, body: dict[str, Any]) -> dict[str, Any]:
        stream_id = body["stream_id"]
        if not stream_id:
            raise HostCallFailed("http stream id is required")
        stream = self.streams.get(stream_id)
        if stream is None:
            raise HostCallFailed(f"http stream {stream_id} is not open")
        timeout = self.limits.timeout
        try:
            piece = self.streams.next(stream, timeout)
        except loop_bridge.Closed:
            raise HostCallFailed(f"http stream {stream_id} is not open") from None
        except TimeoutError:
            self.streams.discard(stream_id)
            return _read({"error": f"no data for {timeout:g}s", "done": True})
        except httpx.HTTPError as exc:
            self.streams.discard(stream_id)
            return _read({"error": str(exc) or type(exc).__name__, "done": True})
        if piece is None:
            self.streams.discard(stream_id)
            return _read({"done": True})
        return _read({"payload": piece})

    def close(self, plugin_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if body["stream_id"]:
            self.streams.discard(body["stream_id"])
        return {}

    # -- helpers ----------------------------------------------------------------------------

    def _build(self, body: dict[str, Any]) -> httpx.Request:
        nested = body["request"]
        source = nested if nested and (nested["url"] or nested["method"]) else body
        method = source["method"].strip().upper() or "GET"
        if len(source["body"] or b"") > self.limits.max_body:
            raise HostCallFailed(
                f"create host http request: body larger than {self.limits.max_body} bytes "
                "(plugins.host-http-max-body-bytes)"
            )
        headers = [(k, v) for k, values in (source["headers"] or {}).items() for v in values]
        try:
            request = self.client.build_request(
                method, source["url"], headers=headers, content=source["body"] or None
            )
        except (httpx.HTTPError, ValueError, TypeError) as exc:
            raise HostCallFailed(f"create host http request: {exc}") from None
        # httpx asks for compression itself; only a plugin that did gets the raw bytes
        request.extensions[_RAW] = any(k.lower() == "accept-encoding" for k, _ in headers)
        return request

    async def _fetch(self, request: httpx.Request) -> tuple[int, dict[str, list[str]], bytes]:
        response = await self._send(request)
        try:
            parts: list[bytes] = []
            size = 0
            parts_of = (
                response.aiter_raw
                if response.request.extensions.get(_RAW)
                else response.aiter_bytes
            )
            async for part in parts_of():
                size += len(part)
                if size > self.limits.max_body:
                    raise HostCallFailed(
                        f"read host http response: body larger than {self.limits.max_body} "
                        "bytes (plugins.host-http-max-body-bytes)"
                    )
                parts.append(part)
        except httpx.HTTPError as exc:
            raise HostCallFailed(f"read host http response: {exc}") from None
        finally:
            await response.aclose()
        return response.status_code, _headers(response), b"".join(parts)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise HostCallFailed(f"execute host http request: {exc}") from None

    def _wait(self, work: Coroutine[Any, Any, T], callback_id: str) -> T:
        return loop_bridge.wait(
            self.loop,
            work,
            self.scopes.get(callback_id),
            self.limits.timeout,
            "execute host http request",
        )


async def _pieces(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as it arrives (decoded unless the plugin asked for an encoding itself), in
    pieces of at most READ_SIZE."""
    chunks = (
        response.aiter_raw() if response.request.extensions.get(_RAW) else response.aiter_bytes()
    )
    async for chunk in chunks:
        for start in range(0, len(chunk), READ_SIZE):
            yield chunk[start : start + READ_SIZE]


def _headers(response: httpx.Response) -> dict[str, list[str]]:
    """Response headers by canonical name; the encoding headers go when httpx decoded the
    body for the plugin (Go's transport does the same)."""
    decoded = not response.request.extensions.get(_RAW)
    out: dict[str, list[str]] = {}
    for key, value in response.headers.multi_items():
        name = codec.canonical_header_key(key)
        if (
            decoded
            and name in ("Content-Encoding", "Content-Length")
            and response.headers.get("content-encoding")
        ):
            continue
        out.setdefault(name, []).append(value)
    return out


def _read(result: dict[str, Any]) -> dict[str, Any]:
    return codec.to_wire(schema.HOST_HTTP_STREAM_READ_RESPONSE, result)
