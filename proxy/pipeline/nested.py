"""Nested model executions for plugins: `host.model.execute`, `host.model.execute_stream`,
`host.model.stream_read`, `host.model.stream_close` (03 §3.6-3.9, 02 §32).

A plugin asks, from one of its threads, for a whole pipeline run on another model. The
run happens on the event loop like any client request; the plugin's thread waits for it.
The calling plugin's own router, interceptors and lifecycle notifications are skipped for
that run, every other plugin takes part, and the metadata says
`source: plugin_host_model_callback`.

Streams are read one chunk per `stream_read`. A stream opened with a `host_callback_id`
closes when that scope ends (the plugin call that opened it returned, or the client of the
outer request left), so a plugin that forgets `stream_close` leaks nothing. Each plugin may
hold `plugins.max-model-streams` open streams; every wait is bounded by the plugin call
timeout (a run) or the stream idle timeout (a read).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import ujson

from proxy.errors import ProxyError
from proxy.pipeline.context import RequestContext
from proxy.pipeline.run import run, run_stream
from proxy.plugins import codec, loop_bridge, schema
from proxy.plugins.host_calls import HostCallFailed
from proxy.plugins.methods import HostMethod
from proxy.runtime import Runtime

SOURCE = "plugin_host_model_callback"
T = TypeVar("T")


class NestedExecutions:
    def __init__(self, runtime: Runtime, loop: asyncio.AbstractEventLoop) -> None:
        self.runtime = runtime
        self.loop = loop
        self.streams = loop_bridge.StreamTable(loop, "model stream", "plugins.max-model-streams")

    def install(self) -> None:
        calls = self.runtime.host.host_calls
        request = schema.HOST_MODEL_EXECUTION_REQUEST
        stream = schema.HOST_MODEL_STREAM_REQUEST
        calls.register(HostMethod.MODEL_EXECUTE, request, self.execute, "host model execution")
        calls.register(
            HostMethod.MODEL_EXECUTE_STREAM, request, self.execute_stream, "host model execution"
        )
        calls.register(HostMethod.MODEL_STREAM_READ, stream, self.read, "model stream read")
        calls.register(HostMethod.MODEL_STREAM_CLOSE, stream, self.close, "model stream close")

    # -- callbacks (on plugin threads) ----------------------------------------------------

    def execute(self, plugin_id: str, request: dict[str, Any]) -> dict[str, Any]:
        if request["stream"]:
            raise HostCallFailed("host.model.execute requires stream=false")
        ctx = self._context(plugin_id, request)
        reply = self._wait(run(self.runtime, ctx), request, self._call_timeout())
        return codec.to_wire(
            schema.HOST_MODEL_EXECUTION_RESPONSE,
            {"status_code": 200, "headers": reply.headers or None, "body": reply.body},
        )

    def execute_stream(self, plugin_id: str, request: dict[str, Any]) -> dict[str, Any]:
        if not request["stream"]:
            raise HostCallFailed("host.model.execute_stream requires stream=true")
        limit = self.runtime.config.plugins.max_model_streams
        self.streams.check_room(plugin_id, limit)
        ctx = self._context(plugin_id, request)
        reply = self._wait(run_stream(self.runtime, ctx), request, self._call_timeout())
        stream = self.streams.open(plugin_id, limit, reply.chunks, lambda: _close(reply.chunks))
        callback_id = request["host_callback_id"]
        if callback_id:
            scope = self.runtime.scopes.get(callback_id)
            if scope is None:
                self.streams.discard(stream.id)  # the scope already ended: closed (03 §3.7)
            else:
                scope.cleanups.append(lambda: self.streams.discard(stream.id))
        return codec.to_wire(
            schema.HOST_MODEL_STREAM_RESPONSE,
            {"status_code": 200, "headers": reply.headers or None, "stream_id": stream.id},
        )

    def read(self, plugin_id: str, request: dict[str, Any]) -> dict[str, Any]:
        stream_id = request["stream_id"]
        if not stream_id:
            raise HostCallFailed("model stream id is required")
        stream = self.streams.get(stream_id)
        if stream is None:
            return _read_result(None, "", done=True)  # unknown or closed: not an error
        idle = self.runtime.config.plugins.stream_idle_timeout or None
        try:
            payload = self.streams.next(stream, idle)
        except loop_bridge.Closed:
            return _read_result(None, "", done=True)
        except TimeoutError:
            self.streams.discard(stream_id)
            return _read_result(
                None, f"model stream {stream_id} sent nothing for {idle:g}s", done=True
            )
        except ProxyError as exc:
            self.streams.discard(stream_id)
            return _read_result(None, exc.message or f"status {exc.status}", done=True)
        if payload is None:
            self.streams.discard(stream_id)
            return _read_result(None, "", done=True)
        return _read_result(payload, "", done=False)

    def close(self, plugin_id: str, request: dict[str, Any]) -> dict[str, Any]:
        if request["stream_id"]:
            self.streams.discard(request["stream_id"])
        return {}

    # -- helpers ----------------------------------------------------------------------------

    def _context(self, plugin_id: str, request: dict[str, Any]) -> RequestContext:
        entry = request["entry_protocol"].strip() or "openai"
        exit_format = request["exit_protocol"].strip()
        if exit_format and exit_format != entry:
            raise HostCallFailed(
                f"exit_protocol {exit_format} differs from entry_protocol {entry}: "
                "answering in another format than the request's is not supported yet"
            )
        body = request["body"] or b""
        limit = self.runtime.config.limits.max_request_body_bytes
        if len(body) > limit:
            raise HostCallFailed(
                f"the body is larger than {limit} bytes (limits.max-request-body-bytes)"
            )
        try:
            payload = ujson.loads(body) if body else {}
        except ValueError as exc:
            raise HostCallFailed(f"the body is not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise HostCallFailed("the body must be a JSON object")
        model = request["model"].strip() or str(payload.get("model") or "").strip()
        if not model:
            raise HostCallFailed("a model is required (`model`, or `model` in the body)")
        scope = self.runtime.scopes.get(request["host_callback_id"])
        headers = {codec.canonical_header_key(k): v for k, v in (request["headers"] or {}).items()}
        query = dict(request["query"] or {})
        if scope is not None and scope.inbound is not None:  # the client's, when none sent
            headers = headers or dict(scope.inbound[0])
            query = query or dict(scope.inbound[1])
        ctx = RequestContext(
            generation=self.runtime.current,
            entry_format=entry,
            path="/internal/host.model",
            headers=headers,
            query=query,
            body=body,
            payload=payload,
            model=model,
            stream=request["stream"],
            skip_plugin=plugin_id,
            metadata={"source": SOURCE},
        )
        if scope is not None and scope.request_id:
            ctx.trace_id = scope.request_id
        return ctx

    def _call_timeout(self) -> float | None:
        return self.runtime.config.plugins.call_timeout or None

    def _wait(
        self, work: Coroutine[Any, Any, T], request: dict[str, Any], timeout: float | None
    ) -> T:
        scope = self.runtime.scopes.get(request["host_callback_id"])
        try:
            return loop_bridge.wait(self.loop, work, scope, timeout, "model execution")
        except ProxyError as exc:
            raise HostCallFailed(_failure_text(exc)) from None


async def _close(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        # RuntimeError: a read is still running; its cancellation ends the generator
        with contextlib.suppress(RuntimeError):
            await aclose()


def _read_result(payload: bytes | None, error: str, *, done: bool) -> dict[str, Any]:
    return codec.to_wire(
        schema.HOST_MODEL_STREAM_READ_RESPONSE, {"payload": payload, "error": error, "done": done}
    )


def _failure_text(exc: ProxyError) -> str:
    """The error's text, with its status in it: plugins look for `429` or `503` there."""
    text = exc.message or f"model execution failed with status {exc.status}"
    return text if str(exc.status) in text else f"{text} (status {exc.status})"
