"""The RPC envelope in both directions (01 §1.3 step 6, §2.1).

Plugin replies: the envelope decides, not the return code. rc 0 with `ok:false` is a plugin
error; rc != 0 is still a plugin error when the bytes are an error envelope, and a protocol
failure otherwise; an empty reply with rc 0 is a protocol failure. A plugin error carries the
plugin's `http_status` when it set one and 502 otherwise.

Host replies to callbacks: `{"ok":true,"result":...}` or a `host_call_failed` error.
"""

from __future__ import annotations

from typing import Any

from proxy.errors import PluginCallError, PluginProtocolError
from proxy.native.library import RawReply
from proxy.plugins import codec, schema


def decode_reply(method: str, reply: RawReply, result: codec.Kind) -> Any:
    """The decoded `result`, or the plugin's error as an exception."""
    envelope = _parse(method, reply)
    if not envelope["ok"]:
        error = envelope["error"]
        if error is None:
            raise PluginCallError("plugin call failed")
        status = error["http_status"]
        raise PluginCallError(error["message"].strip(), status=status if status > 0 else None)
    body = envelope["result"]
    if body is None:
        return codec.zero(result)
    try:
        return codec.decode(result, body)
    except codec.DecodeError as exc:
        raise PluginProtocolError(f"decode plugin result {method}: {exc}") from None


def _parse(method: str, reply: RawReply) -> dict[str, Any]:
    try:
        envelope = codec.decode(schema.ENVELOPE, codec.loads(reply.data))
    except codec.DecodeError as exc:
        if reply.rc != 0:
            raise _transport_failure(method, reply) from None
        if not reply.data:
            raise PluginProtocolError(f"plugin returned an empty reply to {method}") from None
        raise PluginProtocolError(f"decode plugin envelope {method}: {exc}") from None
    if reply.rc != 0 and (envelope["ok"] or envelope["error"] is None):
        raise _transport_failure(method, reply)
    return envelope


def _transport_failure(method: str, reply: RawReply) -> PluginProtocolError:
    text = reply.data[:512].decode("utf-8", "replace")
    return PluginProtocolError(f"plugin call {method} returned {reply.rc}: {text}".rstrip(": "))


def host_ok(result: bytes = b"{}") -> bytes:
    """A success envelope around an already encoded result."""
    return b'{"ok":true,"result":' + result + b"}"


def host_failure(message: str) -> bytes:
    return codec.dumps({"ok": False, "error": {"code": "host_call_failed", "message": message}})
