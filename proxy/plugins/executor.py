"""The `executor` capability at the RPC level (02 §12-14, 03 §4).

`execute` is one call. `execute_stream` opens a bridge stream and a callback scope, calls
the plugin, and then yields chunk payloads:

* inline mode (the reply has chunks): exactly those, and anything emitted is discarded;
* async mode (no chunks): whatever the plugin pushes with `host.stream.emit` until
  `host.stream.close`.

While the call runs, emits are buffered. If the buffer fills before the call returns, the
plugin is emitting synchronously inside the call; we start streaming at once instead of
deadlocking (CLIProxyAPI blocks there forever). A plugin that then also returns an error or
inline chunks gets the error in-stream, or a warning and its inline chunks dropped.

Errors raised before the first payload surface as ordinary HTTP errors; the HTTP layer
turns later ones into the client format's in-stream error frame.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Coroutine
from dataclasses import dataclass
from typing import Any, NamedTuple

from proxy.errors import PluginCallError, PluginProtocolError, PluginTimeoutError
from proxy.plugins import codec, rpc, schema
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry
from proxy.plugins.streams import BridgeStream, StreamRegistry

log = logging.getLogger("cliproxy.plugins")


class ExecutorReply(NamedTuple):
    payload: bytes
    headers: dict[str, list[str]]


class StreamFailed(PluginCallError):
    """The plugin ended its stream with an error (emit or close with `error`)."""

    status = 500


# `execute` and `count_tokens` return the call's coroutine rather than awaiting it
# themselves: one coroutine layer less on the hot path.


def execute(
    plugin: Plugin, request: dict[str, Any], scopes: ScopeRegistry, request_id: str
) -> Coroutine[Any, Any, ExecutorReply]:
    return _call(Method.EXECUTOR_EXECUTE, plugin, request, scopes, request_id)


def count_tokens(
    plugin: Plugin, request: dict[str, Any], scopes: ScopeRegistry, request_id: str
) -> Coroutine[Any, Any, ExecutorReply]:
    """Same request and reply shape as `execute` (02 §13); the payload is a token count in
    the requested format, e.g. `{"input_tokens": N}`."""
    return _call(Method.EXECUTOR_COUNT_TOKENS, plugin, request, scopes, request_id)


async def _call(
    method: Method,
    plugin: Plugin,
    request: dict[str, Any],
    scopes: ScopeRegistry,
    request_id: str,
) -> ExecutorReply:
    reply = await rpc.call(
        plugin,
        method,
        schema.EXECUTOR_REQUEST,
        request,
        schema.EXECUTOR_RESPONSE,
        scopes=scopes,
        request_id=request_id,
        inbound=(request.get("Headers") or {}, request.get("Query") or {}),
    )
    return ExecutorReply(reply["Payload"] or b"", reply["Headers"] or {})


@dataclass
class OpenedStream:
    """A stream whose first chunk has arrived (or that ended without any)."""

    headers: dict[str, list[str]]
    chunks: AsyncIterator[bytes]


async def open_stream(
    plugin: Plugin,
    request: dict[str, Any],
    streams: StreamRegistry,
    scopes: ScopeRegistry,
    request_id: str,
    idle_timeout: float = 0,
) -> OpenedStream:
    """Starts the stream and waits for its first chunk, so that a failure before it is
    an ordinary error of the call (and can fail over to another credential)."""
    headers: dict[str, list[str]] = {}
    chunks = execute_stream(plugin, request, streams, scopes, request_id, idle_timeout, headers)
    try:
        first = await chunks.__anext__()
    except StopAsyncIteration:
        return OpenedStream(headers, _nothing())
    except BaseException:
        await chunks.aclose()
        raise
    return OpenedStream(headers, Prepended(first, chunks))


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator


class Prepended:
    """`first`, then the rest of an async generator. A class rather than another async
    generator: after the first chunk each `__anext__` is the generator's own, so the hot
    streaming path pays for no extra coroutine per chunk."""

    def __init__(self, first: bytes, rest: AsyncGenerator[bytes, None]) -> None:
        self._first: bytes | None = first
        self._rest = rest

    def __aiter__(self) -> Prepended:
        return self

    def __anext__(self) -> Awaitable[bytes]:
        if self._first is None:
            return self._rest.__anext__()
        first, self._first = self._first, None
        done: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        done.set_result(first)
        return done

    async def aclose(self) -> None:
        await self._rest.aclose()


async def execute_stream(
    plugin: Plugin,
    request: dict[str, Any],
    streams: StreamRegistry,
    scopes: ScopeRegistry,
    request_id: str,
    idle_timeout: float = 0,
    headers_out: dict[str, list[str]] | None = None,
) -> AsyncIterator[bytes]:
    """The chunk payloads; `headers_out` receives the reply's headers once it arrives."""
    bridge = streams.open(plugin.id)
    scope = scopes.open(
        plugin.id, request_id, (request.get("Headers") or {}, request.get("Query") or {})
    )
    body = codec.encode(
        schema.EXECUTOR_REQUEST,
        request,
        {"stream_id": bridge.id, "host_callback_id": scope.id},
    )
    call = asyncio.ensure_future(
        plugin.call(Method.EXECUTOR_EXECUTE_STREAM, body, schema.EXECUTOR_STREAM_RESPONSE)
    )
    try:
        await _first_of(call, bridge.filled)
        if call.done():
            if headers_out is not None:
                headers_out.update(call.result()["headers"] or {})
            chunks = _inline_chunks(call.result())
            if chunks:
                bridge.abort()
                for payload in chunks:
                    yield payload
                return
            async for payload in _drain(bridge, plugin, idle_timeout):
                yield payload
            return
        log.debug("plugin %s emits synchronously past the buffer; streaming early", plugin.id)
        async for payload in _drain(bridge, plugin, idle_timeout):
            yield payload
        if _inline_chunks(await call):
            log.warning(
                "plugin %s returned inline chunks after streaming through "
                "host.stream.emit; the inline chunks were dropped",
                plugin.id,
            )
    finally:
        if call.done() and not call.cancelled():
            call.exception()  # retrieved: an error after the client left is not news
        else:
            call.cancel()  # stops waiting only; a running native call finishes on its worker
        streams.forget(bridge)
        scopes.close(scope)


async def _first_of(*futures: asyncio.Future[Any]) -> None:
    """Waits until one of `futures` is done (asyncio.wait without its bookkeeping: this is
    every stream's start)."""
    waiter = asyncio.get_running_loop().create_future()

    def wake(_: asyncio.Future[Any]) -> None:
        if not waiter.done():
            waiter.set_result(None)

    for future in futures:
        future.add_done_callback(wake)
    try:
        await waiter
    finally:
        for future in futures:
            future.remove_done_callback(wake)


def _inline_chunks(result: dict[str, Any]) -> list[bytes]:
    chunks = result["chunks"] or []
    if any(c["Err"] is not None for c in chunks):
        raise PluginProtocolError(
            "decode plugin result executor.execute_stream: inline chunks cannot carry Err; "
            "report stream errors with host.stream.emit or host.stream.close"
        )
    return [c["Payload"] or b"" for c in chunks]


async def _drain(bridge: BridgeStream, plugin: Plugin, idle_timeout: float) -> AsyncIterator[bytes]:
    while True:
        try:
            chunk = await bridge.next(idle_timeout)
        except TimeoutError:
            raise PluginTimeoutError(
                f"plugin {plugin.id} sent no stream chunk for {idle_timeout:g}s",
                plugin_id=plugin.id,
            ) from None
        if chunk is None:
            return
        if chunk.error:
            raise StreamFailed(chunk.error, plugin_id=plugin.id)
        if chunk.payload:
            yield chunk.payload


async def http_request(
    plugin: Plugin, request: dict[str, Any], scopes: ScopeRegistry
) -> dict[str, Any]:
    """`executor.http_request` (02 §15): an HTTP call made with one of the plugin's
    credentials; StatusCode 0 means 200."""
    reply = await rpc.call(
        plugin,
        Method.EXECUTOR_HTTP_REQUEST,
        schema.EXECUTOR_HTTP_REQUEST,
        request,
        schema.EXECUTOR_HTTP_RESPONSE,
        scopes=scopes,
    )
    reply["StatusCode"] = reply["StatusCode"] or 200
    return reply
