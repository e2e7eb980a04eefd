"""Go `encoding/json` compatibility for plugin RPC payloads (01 §5.5, 02 §0.2).

Plugins were written against a Go host: C and Rust examples find keys by substring search,
Go plugins decode into untagged structs. So encoding emits every field of a struct, in
declaration order, with exact Go names, zero values as Go writes them (`null` for nil
slices, maps and byte slices, `0001-01-01T00:00:00Z` for the zero time), byte slices as
padded standard base64, compact, raw UTF-8, `<>&` escaped. Decoding is Go's too: keys match
exactly first and then case-insensitively, unknown keys are ignored, `null` gives the zero
value, and a value of the wrong JSON type fails the whole decode with a message naming the
field.

Structs are described by `Struct` tables in `proxy.plugins.schema`; values are plain dicts
keyed by the Go field names.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ujson

ZERO_TIME = "0001-01-01T00:00:00Z"


class DecodeError(ValueError):
    """A value does not decode into its Go type; the message names the field path."""


@dataclass(frozen=True)
class ListOf:
    item: Kind


@dataclass(frozen=True)
class Ptr:
    """A pointer to a struct: `null` when absent instead of a zero-valued object."""

    struct: Struct


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    omitempty: bool = False


@dataclass(frozen=True)
class Struct:
    name: str
    fields: tuple[Field, ...]
    _by_exact: dict[str, Field] = field(init=False, repr=False, compare=False)
    _by_folded: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_exact", {f.name: f for f in self.fields})
        object.__setattr__(self, "_by_folded", {f.name.casefold(): f for f in self.fields})

    def lookup(self, key: str) -> Field | None:
        return self._by_exact.get(key) or self._by_folded.get(key.casefold())


# Scalar kinds are the strings "string", "int", "bool", "float", "bytes" ([]byte),
# "header" (http.Header / url.Values), "strmap" (map[string]string), "any"
# (map[string]any), "raw" (json.RawMessage or an interface), "time", "duration";
# composite kinds are the classes above.
Kind = str | ListOf | Ptr | Struct


def zero(kind: Kind) -> Any:
    if isinstance(kind, Struct):
        return {f.name: zero(f.kind) for f in kind.fields}
    if kind == "string":
        return ""
    if kind in ("int", "duration"):
        return 0
    if kind == "float":
        return 0.0
    if kind == "bool":
        return False
    if kind == "time":
        return ZERO_TIME
    return None  # bytes, header, strmap, any, raw, lists, pointers


# ---------------------------------------------------------------------------- encoding


def to_wire(kind: Kind, value: Any) -> Any:
    """Turns a Python value into the JSON-ready value Go would marshal for `kind`."""
    if isinstance(kind, Struct):
        source = value or {}
        out: dict[str, Any] = {}
        for f in kind.fields:
            item = source.get(f.name)
            if f.omitempty and not item:
                continue
            out[f.name] = zero(f.kind) if item is None else to_wire(f.kind, item)
        return out
    if value is None:
        return zero(kind)
    if isinstance(kind, Ptr):
        return to_wire(kind.struct, value)
    if isinstance(kind, ListOf):
        return [to_wire(kind.item, v) for v in value]
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind == "time":
        return format_time(value) if isinstance(value, dt.datetime) else value
    if kind == "duration" and isinstance(value, dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1_000
    if kind == "header":
        return {canonical_header_key(k): list(v) for k, v in value.items()} or None
    return value


def encode(kind: Kind, value: Any, extra: Mapping[str, Any] | None = None) -> bytes:
    """Compact Go-style JSON. `extra` keys are appended after the struct's own fields
    (how `stream_id` and `host_callback_id` follow an embedded request struct)."""
    wire = to_wire(kind, value)
    if extra:
        wire.update((k, v) for k, v in extra.items() if v)
    return dumps(wire)


def dumps(value: Any) -> bytes:
    return ujson.dumps(
        value, ensure_ascii=False, encode_html_chars=True, escape_forward_slashes=False
    ).encode("utf-8")


def canonical_header_key(key: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey for the usual token characters."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))


def format_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    text = value.isoformat()
    return text.replace("+00:00", "Z") if value.utcoffset() == dt.timedelta(0) else text


# ---------------------------------------------------------------------------- decoding


def loads(data: bytes | str) -> Any:
    try:
        return ujson.loads(data)
    except (ValueError, TypeError) as exc:
        raise DecodeError(f"invalid JSON: {exc}") from None


def decode(kind: Kind, value: Any, path: str = "") -> Any:
    """Converts parsed JSON into `kind` with Go's rules; raises DecodeError naming `path`."""
    if value is None:
        return zero(kind)
    if isinstance(kind, Ptr):
        return decode(kind.struct, value, path)
    if isinstance(kind, Struct):
        if not isinstance(value, dict):
            raise _mismatch(path or kind.name, "an object", value)
        out = zero(kind)
        exact_seen: set[str] = set()
        for key, item in value.items():
            f = kind.lookup(key)
            if f is None:
                continue
            if key == f.name:
                exact_seen.add(key)
            elif f.name in exact_seen:
                continue  # Go prefers an exact match over a case-folded one
            out[f.name] = decode(f.kind, item, f"{path}.{f.name}" if path else f.name)
        return out
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            raise _mismatch(path, "an array", value)
        return [decode(kind.item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    return _decode_scalar(kind, value, path)


def _decode_scalar(kind: str, value: Any, path: str) -> Any:
    if kind == "string":
        if isinstance(value, str):
            return value
        raise _mismatch(path, "a string", value)
    if kind in ("int", "duration"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _mismatch(path, "an integer", value)
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _mismatch(path, "a number", value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise _mismatch(path, "a boolean", value)
    if kind == "bytes":
        if not isinstance(value, str):
            raise _mismatch(path, "a base64 string", value)
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise DecodeError(f"{path}: invalid base64 (standard alphabet, padded)") from None
    if kind == "header":
        if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values()
        ):
            raise _mismatch(path, 'an object of string arrays ({"Key":["value"]})', value)
        return value
    if kind == "strmap":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise _mismatch(path, "an object of strings", value)
        return value
    if kind == "time":
        if not isinstance(value, str):
            raise _mismatch(path, "an RFC 3339 time", value)
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise DecodeError(f"{path}: {value!r} is not an RFC 3339 time") from None
        return value
    if kind == "any":
        if isinstance(value, dict):
            return value
        raise _mismatch(path, "an object", value)
    return value  # raw


def _mismatch(path: str, expected: str, value: Any) -> DecodeError:
    got = "null" if value is None else type(value).__name__
    got = {
        "str": "string",
        "int": "number",
        "float": "number",
        "list": "array",
        "dict": "object",
        "bool": "boolean",
    }.get(got, got)
    return DecodeError(f"{path or 'value'}: expected {expected}, got {got}")
