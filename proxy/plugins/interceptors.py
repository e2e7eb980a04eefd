"""Interception chains (02 §18-19, §24-25): request before/after auth, non-stream
responses, stream chunks.

Every chain runs the interceptors in priority order on the current headers and body; a
failing plugin is logged and skipped. Headers merge as CLIProxyAPI merges them: names in
`ClearHeaders` are removed, then each key in `Headers` replaces that header (an empty list
deletes it); a body replaces the current one only when non-empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.codec import canonical_header_key
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry

log = logging.getLogger("cliproxy.plugins")

Headers = dict[str, list[str]]

# Terminate replies with a status outside 200..599 answer 403 (02 §18).
_TERMINATE_DEFAULT_STATUS = 403


def merge_headers(headers: Headers, reply: dict[str, Any]) -> Headers:
    merged = dict(headers)
    for name in reply["ClearHeaders"] or ():
        merged.pop(canonical_header_key(name.strip()), None)
    for name, values in (reply["Headers"] or {}).items():
        key = canonical_header_key(name.strip())
        if values:
            merged[key] = list(values)
        else:
            merged.pop(key, None)
    return merged


@dataclass
class Termination:
    """An interceptor answered the request itself."""

    plugin_id: str
    status: int
    headers: Headers
    body: bytes


@dataclass
class InterceptedRequest:
    headers: Headers
    body: bytes
    termination: Termination | None = None


async def intercept_request(
    plugins: tuple[Plugin, ...],
    after_auth: bool,
    request: dict[str, Any],
    scopes: ScopeRegistry,
) -> InterceptedRequest:
    """`request` is a RequestInterceptRequest; its Headers and Body are the starting point."""
    method = Method.REQUEST_INTERCEPT_AFTER if after_auth else Method.REQUEST_INTERCEPT_BEFORE
    current = InterceptedRequest(dict(request["Headers"] or {}), request["Body"] or b"")
    for plugin in plugins:
        try:
            reply = await rpc.call(
                plugin,
                method,
                schema.REQUEST_INTERCEPT_REQUEST,
                {**request, "Headers": current.headers, "Body": current.body},
                schema.REQUEST_INTERCEPT_RESPONSE,
                scopes=scopes,
                request_id=request["RequestID"],
            )
        except ProxyError as exc:
            log.warning("plugin %s: %s failed, skipped: %s", plugin.id, method.value, exc.message)
            continue
        current.headers = merge_headers(current.headers, reply)
        if reply["Body"]:
            current.body = reply["Body"]
        if reply["Terminate"]:
            status = reply["StatusCode"]
            current.termination = Termination(
                plugin.id,
                status if 200 <= status <= 599 else _TERMINATE_DEFAULT_STATUS,
                dict(reply["ResponseHeaders"] or {}),
                reply["ResponseBody"] or b"",
            )
            break
    return current


@dataclass
class InterceptedResponse:
    headers: Headers
    body: bytes


async def intercept_response(
    plugins: tuple[Plugin, ...], request: dict[str, Any], scopes: ScopeRegistry
) -> InterceptedResponse:
    """All response interceptors in order, no early stop (02 §24)."""
    current = InterceptedResponse(dict(request["ResponseHeaders"] or {}), request["Body"] or b"")
    for plugin in plugins:
        try:
            reply = await rpc.call(
                plugin,
                Method.RESPONSE_INTERCEPT_AFTER,
                schema.RESPONSE_INTERCEPT_REQUEST,
                {**request, "ResponseHeaders": current.headers, "Body": current.body},
                schema.RESPONSE_INTERCEPT_RESPONSE,
                scopes=scopes,
                request_id=request["RequestID"],
            )
        except ProxyError as exc:
            log.warning(
                "plugin %s: response.intercept_after failed, skipped: %s", plugin.id, exc.message
            )
            continue
        current.headers = merge_headers(current.headers, reply)
        if reply["Body"]:
            current.body = reply["Body"]
    return current


# HistoryChunks carries at most this much of what was already delivered (02 §25).
HISTORY_CHUNKS = 64
HISTORY_BYTES = 1 << 20


@dataclass
class StreamInterception:
    """Per-stream state of the chunk interceptors. The request fields that do not change
    from chunk to chunk are kept once (README point 2: a chunk call carries the chunk and
    small ids, its cost does not grow with the request body)."""

    plugins: tuple[Plugin, ...]
    base: dict[str, Any]  # StreamChunkInterceptRequest without Body/HistoryChunks/ChunkIndex
    scopes: ScopeRegistry
    headers: Headers
    index: int = 0
    history: list[bytes] = field(default_factory=list)
    history_bytes: int = 0

    async def init_headers(self) -> Headers:
        """The header-init call (ChunkIndex -1); only returned headers are used."""
        for plugin in self.plugins:
            reply = await self._call(plugin, None, -1, full=True)
            if reply is not None:
                self.headers = merge_headers(self.headers, reply)
        return self.headers

    async def chunk(self, payload: bytes) -> bytes | None:
        """The chunk after every interceptor, or None when one dropped it."""
        index = self.index
        self.index += 1
        current: bytes | None = payload
        for plugin in self.plugins:
            full = plugin.registration is not None and plugin.registration.schema_version < 3
            reply = await self._call(plugin, current, index, full=full)
            if reply is None:
                continue
            self.headers = merge_headers(self.headers, reply)
            if reply["DropChunk"]:
                current = None
                break
            if reply["Body"]:
                current = reply["Body"]
        if current is not None:
            self._remember(current)
        return current

    def _remember(self, chunk: bytes) -> None:
        self.history.append(chunk)
        self.history_bytes += len(chunk)
        while self.history and (
            len(self.history) > HISTORY_CHUNKS or self.history_bytes > HISTORY_BYTES
        ):
            self.history_bytes -= len(self.history.pop(0))

    async def _call(
        self, plugin: Plugin, body: bytes | None, index: int, *, full: bool
    ) -> dict[str, Any] | None:
        request = {
            **self.base,
            "ResponseHeaders": self.headers,
            "Body": body,
            "HistoryChunks": list(self.history) if body is not None else None,
            "ChunkIndex": index,
        }
        if not full:  # schema >= 3: the request bodies only come with the header-init call
            request["OriginalRequest"] = None
            request["RequestBody"] = None
        try:
            return await rpc.call(
                plugin,
                Method.RESPONSE_INTERCEPT_STREAM_CHUNK,
                schema.STREAM_CHUNK_REQUEST,
                request,
                schema.STREAM_CHUNK_RESPONSE,
                scopes=self.scopes,
                request_id=self.base["RequestID"],
            )
        except ProxyError as exc:
            log.warning(
                "plugin %s: response.intercept_stream_chunk failed, skipped: %s",
                plugin.id,
                exc.message,
            )
            return None
