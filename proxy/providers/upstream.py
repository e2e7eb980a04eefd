"""What every built-in provider needs to talk to its upstream: pooled clients (per proxy
URL and protocol choice), one POST that turns an error status into an UpstreamError
carrying the upstream's body and Retry-After, SSE reading, and the response headers by
canonical name."""

from __future__ import annotations

import functools
import logging
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, Protocol

import httpx
import ujson

from proxy.config import LimitsConfig
from proxy.errors import UpstreamError
from proxy.executors import Call, ExecutorReply, OpenedStream
from proxy.formats import counting
from proxy.plugins.codec import canonical_header_key, header_from_pairs
from proxy.plugins.executor import Prepended
from proxy.providers import http1


class HeaderLookup(Protocol):
    def get(self, name: str, default: str | None = None) -> str | None: ...
    def multi_items(self) -> list[tuple[str, str]]: ...


class UpstreamResponse(Protocol):
    """A streamed answer from either client: httpx.Response or http1.Http1Response."""

    status_code: int

    @property
    def headers(self) -> HeaderLookup: ...
    def aiter_bytes(self) -> AsyncIterator[bytes]: ...
    async def aread(self) -> bytes: ...
    async def aclose(self) -> None: ...


# The lean client's own defaults where httpx would add its: it decodes gzip and deflate.
_LEAN_DEFAULTS = {"accept": "*/*", "accept-encoding": "gzip, deflate"}


class Upstream:
    """One way out to upstreams: an httpx client (TLS, HTTP/2 by ALPN, proxies) and,
    where no proxy applies, the lean HTTP/1.1 client for `http://` URLs."""

    def __init__(self, client: httpx.AsyncClient, lean: http1.Http1Transport | None) -> None:
        self.client = client
        self.lean = lean
        self._timeouts = client.timeout.as_dict()
        defaults = {**dict(client.headers.items()), **_LEAN_DEFAULTS}
        self._lean_defaults = {name.lower(): (name, value) for name, value in defaults.items()}

    async def post(
        self, url: str, headers: dict[str, str], body: bytes, who: str
    ) -> UpstreamResponse:
        """The streamed response of a successful POST; its body is the caller's to read."""
        parsed = _parsed(url)
        response: UpstreamResponse
        try:
            if self.lean is not None and parsed.scheme == "http":
                response = await self.lean.exchange(
                    "POST", parsed, self._lean_headers(headers), body, self._timeouts
                )
            else:
                request = self.client.build_request("POST", parsed, content=body, headers=headers)
                response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{who}: {url}: {exc or type(exc).__name__}", 502) from None
        if response.status_code >= 400:
            try:
                text = (await response.aread()).decode("utf-8", "replace")
            except httpx.HTTPError:
                text = ""
            finally:
                await response.aclose()
            raise UpstreamError(
                text or f"{who}: upstream answered {response.status_code}",
                response.status_code,
                _retry_after(response),
            )
        return response

    def _lean_headers(self, headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
        merged = dict(self._lean_defaults)  # lower-case name -> (name as sent, value)
        for name, value in headers.items():
            merged[name.lower()] = (name, value)
        return [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in merged.values()
        ]


@functools.lru_cache(maxsize=1024)
def _parsed(url: str) -> httpx.URL:
    """A target URL parsed once: a provider calls the same few URLs over and over, and
    httpx parses a string URL twice per request (measured in bench/: 40 us of 67)."""
    return httpx.URL(url)


def entry_headers(
    configured: tuple[tuple[str, str], ...], client_headers: dict[str, list[str]]
) -> dict[str, str]:
    """A config entry's `headers` (04 §4.1); a value `$Name` copies the client's header
    `Name` and is left out when the client sent none."""
    out = {}
    for name, value in configured:
        if value.startswith("$"):
            copied = client_headers.get(canonical_header_key(value[1:]))
            if copied:
                out[name] = copied[0]
        else:
            out[name] = value
    return out


def response_headers(response: UpstreamResponse) -> dict[str, list[str]]:
    return header_from_pairs(response.headers.multi_items())


def _retry_after(response: UpstreamResponse) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0


# httpx logs every request at INFO; the proxy's access log is the place for that.
logging.getLogger("httpx").setLevel(logging.WARNING)


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing. Upstream calls carry credentials, not sessions:
    a cookie set in the answer to one key must not ride along with the next key's
    request (Go's http.Client has no jar either), and keeping none skips httpx's costly
    per-response cookie parsing (measured in bench/)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


def cookieless(client: httpx.AsyncClient) -> httpx.AsyncClient:
    client._cookies = _NoCookies()  # httpx has no switch for it; its setter copies a jar
    return client


class UpstreamClients:
    """The ways out for upstream calls, one `Upstream` per (proxy URL, protocol choice),
    the global `proxy-url` by default: connection reuse, HTTP/2 where the upstream offers
    it (TLS ALPN) unless a provider is set to `force-http1`, and the lean HTTP/1.1 client
    for plain-http URLs where no proxy applies."""

    def __init__(self, proxy_url: str = "", limits: LimitsConfig | None = None) -> None:
        self.proxy_url = proxy_url
        self.limits = limits or LimitsConfig()  # start-up only, like the other limits
        self._clients: dict[tuple[str, bool], Upstream] = {}

    def for_proxy(self, proxy_url: str, http1_only: bool = False) -> Upstream:
        chosen = proxy_url or self.proxy_url
        if chosen in ("direct", "none"):
            chosen = ""
        found = self._clients.get((chosen, http1_only))
        if found is None:
            trust_env = chosen == "" and proxy_url not in ("direct", "none")
            environment = urllib.request.getproxies() if trust_env else {}
            limits = self.limits
            lean = None
            if not chosen and http1.usable(environment):
                lean = http1.Http1Transport(
                    limits.upstream_idle_connections, limits.upstream_idle_seconds
                )
            client = cookieless(
                httpx.AsyncClient(
                    http2=not http1_only,
                    timeout=httpx.Timeout(
                        limits.upstream_read_timeout or None,
                        connect=limits.upstream_connect_timeout or None,
                    ),
                    limits=httpx.Limits(
                        max_keepalive_connections=limits.upstream_idle_connections,
                        keepalive_expiry=limits.upstream_idle_seconds,
                    ),
                    proxy=chosen or None,
                    trust_env=trust_env,
                    mounts={"http://": lean} if lean else None,
                )
            )
            found = self._clients[(chosen, http1_only)] = Upstream(client, lean)
        return found

    async def aclose(self) -> None:
        for found in self._clients.values():
            await found.client.aclose()  # closes the mounted lean transport too
        self._clients.clear()


async def sse_events(response: UpstreamResponse, who: str) -> AsyncGenerator[list[str], None]:
    """The events of an SSE body, each as its non-blank lines; the response is closed at
    the end. Lines end at `\\n` only: httpx's `aiter_lines` also breaks at U+2028, U+0085
    and the like, which JSON text carries unescaped. A broken connection is a 502."""
    pending = b""
    lines: list[str] = []
    try:
        async for data in response.aiter_bytes():
            *complete, pending = (pending + data).split(b"\n")
            for raw in complete:
                line = raw.rstrip(b"\r").decode("utf-8", "replace")
                if line.strip():
                    lines.append(line)
                elif lines:
                    yield lines
                    lines = []
        if pending.strip():
            lines.append(pending.decode("utf-8", "replace"))
        if lines:
            yield lines
    except httpx.HTTPError as exc:
        raise UpstreamError(f"{who}: upstream stream broke: {exc!r}", 502) from None
    finally:
        await response.aclose()


def data_of(event: list[str]) -> str:
    """The `data:` of one SSE event (several data lines joined by newlines)."""
    return "\n".join(line[5:].removeprefix(" ") for line in event if line.startswith("data:"))


async def sse_payloads(
    response: UpstreamResponse, who: str, check: Callable[[str], None]
) -> AsyncGenerator[bytes, None]:
    """The `data:` payload of each event, until `[DONE]` or the end of the body; `check`
    raises the error a payload reports (each upstream reports them its own way)."""
    async for event in sse_events(response, who):
        payload = data_of(event)
        if payload == "[DONE]":
            return
        if payload:  # not event:, id: or comment lines only
            check(payload)
            yield payload.encode()


def reported_error(payload: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(payload object, its `error` object) when a stream payload reports an error; a
    payload that is not JSON is a broken stream (502)."""
    if '"error"' not in payload:
        return None
    try:
        parsed = ujson.loads(payload)
    except ValueError:
        raise UpstreamError(payload, 502) from None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return parsed, parsed["error"]
    return None


def estimated_count(call: Call) -> ExecutorReply:
    """For upstreams that cannot count tokens (04 §1.5): an estimate over the payload,
    answered as a Claude count (the pipeline reshapes it for the client)."""
    count = counting.estimate(call.request.get("Payload") or b"")
    return ExecutorReply(counting.render(count, "claude"), {})


async def whole(response: UpstreamResponse) -> ExecutorReply:
    """A non-stream answer: the body read to its end."""
    try:
        body = await response.aread()
    finally:
        await response.aclose()
    return ExecutorReply(body, response_headers(response))


async def first_event(
    response: UpstreamResponse, events: AsyncGenerator[bytes, None], who: str
) -> OpenedStream:
    """A stream once its first event arrived: a failure before it is an ordinary error of
    the attempt, so the pool can still move on to another credential (04 §5.6)."""
    try:
        first = await events.__anext__()
    except StopAsyncIteration:
        await response.aclose()
        raise UpstreamError(f"{who}: the stream ended before any event", 502) from None
    except BaseException:
        await events.aclose()
        raise
    return OpenedStream(response_headers(response), Prepended(first, events))
