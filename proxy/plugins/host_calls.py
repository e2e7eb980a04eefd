"""Answers plugin -> host callbacks (03 §3): decode, dispatch by exact method name, encode.

One `HostCalls` per proxy; `for_plugin` binds it to the calling plugin's id, which is how a
callback knows who is calling (the id comes from `host_ctx`, never from the request).
Every failure becomes a `host_call_failed` envelope with return code 0; nothing raises
back into the C trampoline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from proxy import __version__
from proxy.native.library import ABI_VERSION
from proxy.plugins import codec, envelope, schema
from proxy.plugins.methods import HostMethod
from proxy.plugins.registration import SCHEMA_MAX, SCHEMA_MIN
from proxy.plugins.scopes import ScopeRegistry
from proxy.plugins.streams import Chunk, StreamNotOpen, StreamRegistry

log = logging.getLogger("cliproxy.plugin")

_LOG_LEVELS = {
    "trace": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class HostCallFailed(Exception):
    """A callback failed; the message goes to the plugin verbatim."""


Handler = Callable[[str, dict[str, Any]], Any]


@dataclass(frozen=True)
class _Route:
    request: codec.Struct | None
    handler: Handler
    decode_label: str


class HostCalls:
    def __init__(self, streams: StreamRegistry, scopes: ScopeRegistry) -> None:
        self.streams = streams
        self.scopes = scopes
        self._routes: dict[str, _Route] = {
            HostMethod.LOG.value: _Route(schema.HOST_LOG_REQUEST, self._log, "host log"),
            HostMethod.STREAM_EMIT.value: _Route(
                schema.HOST_STREAM_EMIT_REQUEST, self._stream_emit, "stream emit"
            ),
            HostMethod.STREAM_CLOSE.value: _Route(
                schema.HOST_STREAM_CLOSE_REQUEST, self._stream_close, "stream close"
            ),
            HostMethod.BUILD_INFO.value: _Route(None, self._build_info, "build info"),
        }

    def register(
        self, method: HostMethod, request: codec.Struct | None, handler: Handler, label: str
    ) -> None:
        """Adds a callback answered elsewhere (nested model runs live with the pipeline)."""
        self._routes[method.value] = _Route(request, handler, label)

    def for_plugin(self, plugin_id: str) -> PluginHostCalls:
        return PluginHostCalls(self, plugin_id)

    def answer(self, plugin_id: str, method: str, request: bytes) -> bytes:
        route = self._routes.get(method)
        if route is None:
            return envelope.host_failure(f"unsupported host callback {method}")
        try:
            body: Any = request  # no request struct: the handler reads the raw bytes
            if route.request is not None:
                try:
                    body = codec.decode(route.request, codec.loads(request))
                except codec.DecodeError as exc:
                    raise HostCallFailed(f"decode {route.decode_label} request: {exc}") from None
            result = route.handler(plugin_id, body)
            return envelope.host_ok(codec.dumps(result))
        except HostCallFailed as exc:
            return envelope.host_failure(str(exc))
        except Exception as exc:  # a host bug must not reach the plugin as a crash
            log.exception("host callback %s from plugin %s failed", method, plugin_id)
            return envelope.host_failure(f"{method}: internal error: {exc}")

    # -- handlers ---------------------------------------------------------------------------

    def _log(self, plugin_id: str, body: dict[str, Any]) -> dict[str, Any]:
        level = _LOG_LEVELS.get(body["level"].strip().lower(), logging.DEBUG)
        fields = {k.strip(): v for k, v in (body["fields"] or {}).items() if k.strip()}
        scope = self.scopes.get(body["host_callback_id"])
        if scope is not None and scope.request_id:
            fields["request_id"] = scope.request_id
        message = body["message"].strip() or "plugin log"
        suffix = " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
        log.log(
            level,
            "[%s] %s%s",
            plugin_id,
            message,
            f" {suffix}" if suffix else "",
            extra={"plugin_id": plugin_id, "fields": fields},
        )
        return {}

    def _stream_emit(self, plugin_id: str, body: dict[str, Any]) -> dict[str, Any]:
        stream_id = body["stream_id"]
        if not stream_id:
            raise HostCallFailed("stream id is required")
        stream = self.streams.get(stream_id)
        try:
            if stream is None:
                raise StreamNotOpen(stream_id)
            stream.emit(Chunk(body["payload"] or b"", body["error"]))  # blocks while full
        except StreamNotOpen as exc:
            raise HostCallFailed(str(exc)) from None
        return {}

    def _stream_close(self, plugin_id: str, body: dict[str, Any]) -> dict[str, Any]:
        stream = self.streams.get(body["stream_id"]) if body["stream_id"] else None
        if stream is not None:
            stream.close(body["error"])
        return {}

    def _build_info(self, plugin_id: str, body: Any) -> dict[str, Any]:
        return codec.to_wire(
            schema.HOST_BUILD_INFO,
            {
                "name": "cliproxy",
                "version": __version__,
                "abi_version": ABI_VERSION,
                "schema_min": SCHEMA_MIN,
                "schema_max": SCHEMA_MAX,
            },
        )


class PluginHostCalls:
    """The callback handler of one loaded library (see proxy.native.callbacks)."""

    def __init__(self, calls: HostCalls, plugin_id: str) -> None:
        self._calls, self._plugin_id = calls, plugin_id

    def handle_host_call(self, method: str, request: bytes) -> bytes:
        return self._calls.answer(self._plugin_id, method, request)
