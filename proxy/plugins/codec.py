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
from collections.abc import Callable, Mapping
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
class MapOf:
    """A Go map from string keys to `item` values (keys sorted on the wire, as Go does)."""

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
    """A Go struct: its fields in declaration order. The encoder and decoder for it are
    compiled on first use (a per-field plan) and kept here."""

    name: str
    fields: tuple[Field, ...]
    _by_exact: dict[str, Field] = field(init=False, repr=False, compare=False)
    _by_folded: dict[str, Field] = field(init=False, repr=False, compare=False)
    _compiled: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_exact", {f.name: f for f in self.fields})
        object.__setattr__(self, "_by_folded", {f.name.casefold(): f for f in self.fields})
        object.__setattr__(self, "_compiled", {})

    def lookup(self, key: str) -> Field | None:
        return self._by_exact.get(key) or self._by_folded.get(key.casefold())

    def compiled(self, direction: str, build: Callable[[Struct], Any]) -> Any:
        """The encoder or decoder for this struct, built by `build` on first use."""
        found = self._compiled.get(direction)
        if found is None:
            found = self._compiled[direction] = build(self)
        return found


# Scalar kinds are the strings "string", "int", "bool", "float", "bytes" ([]byte),
# "header" (http.Header: canonical keys), "query" (url.Values: keys as they are),
# "strmap" (map[string]string), "any"
# (map[string]any), "raw" (json.RawMessage or an interface), "time", "duration";
# composite kinds are the classes above.
Kind = str | ListOf | MapOf | Ptr | Struct


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


Converter = Callable[[Any], Any]


def to_wire(kind: Kind, value: Any) -> Any:
    """Turns a Python value into the JSON-ready value Go would marshal for `kind`."""
    if value is None and not isinstance(kind, Struct):
        return zero(kind)
    convert = _encoder(kind)
    return value if convert is None else convert(value)


def _encoder(kind: Kind) -> Converter | None:
    """How to turn a non-None value of `kind` into JSON; None when it already is."""
    if isinstance(kind, Struct):
        return kind.compiled("encode", _struct_encoder)
    if isinstance(kind, Ptr):
        return _encoder(kind.struct)
    if isinstance(kind, ListOf):
        item = _encoder(kind.item)
        return None if item is None else (lambda values: [item(v) for v in values])
    if isinstance(kind, MapOf):
        convert = _encoder(kind.item) or (lambda v: v)
        return lambda values: {k: convert(values[k]) for k in sorted(values)}
    return _SCALAR_ENCODERS.get(kind)


def _struct_encoder(struct: Struct) -> Converter:
    plan = [(f.name, f.omitempty, _zero_maker(f.kind), _encoder(f.kind)) for f in struct.fields]

    def encode_struct(value: Any) -> dict[str, Any]:
        get = (value or {}).get
        out: dict[str, Any] = {}
        for name, omitempty, make_zero, convert in plan:
            item = get(name)
            if omitempty and not item:
                continue
            if item is None:
                out[name] = make_zero()
            else:
                out[name] = item if convert is None else convert(item)
        return out

    return encode_struct


def _zero_maker(kind: Kind) -> Callable[[], Any]:
    """A zero-value factory: a fresh dict for structs, the shared immutable value otherwise."""
    if isinstance(kind, Struct):
        return lambda: zero(kind)
    value = zero(kind)
    return lambda: value


def _encode_duration(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1_000
    return value


_SCALAR_ENCODERS: dict[str, Converter] = {
    "bytes": lambda value: base64.b64encode(value).decode("ascii"),
    "time": lambda value: format_time(value) if isinstance(value, dt.datetime) else value,
    "duration": _encode_duration,
    "header": lambda value: {canonical_header_key(k): list(v) for k, v in value.items()} or None,
    "query": lambda value: {k: list(v) for k, v in value.items()} or None,
}


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
    """Go's textproto.CanonicalMIMEHeaderKey for the usual token characters. Header names
    repeat from request to request, so results are remembered (a bounded cache)."""
    canonical = _canonical_keys.get(key)
    if canonical is None:
        if len(_canonical_keys) >= 4096:
            _canonical_keys.clear()
        canonical = "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))
        _canonical_keys[key] = canonical
    return canonical


_canonical_keys: dict[str, str] = {}


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


def decode(kind: Kind, value: Any) -> Any:
    """Converts parsed JSON into `kind` with Go's rules; a DecodeError names the field path
    (built only when decoding fails)."""
    try:
        return _decoder(kind)(value)
    except _Mismatch as exc:
        raise DecodeError(exc.render()) from None


class _Mismatch(Exception):
    """Raised deep inside a decode; the field path is collected on the way out."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        self.path: list[str] = []

    def within(self, step: str) -> _Mismatch:
        self.path.append(step)
        return self

    def render(self) -> str:
        path = "".join(reversed(self.path)).lstrip(".")
        return f"{path}: {self.problem}" if path else self.problem


def _decoder(kind: Kind) -> Converter:
    if isinstance(kind, Struct):
        return kind.compiled("decode", _struct_decoder)
    if isinstance(kind, Ptr):
        return _decoder(kind.struct)
    if isinstance(kind, ListOf):
        return _list_decoder(kind)
    if isinstance(kind, MapOf):
        return _map_decoder(kind)
    return _scalar_decoder(kind)


def _struct_decoder(struct: Struct) -> Converter:
    decoders = {f.name: _decoder(f.kind) for f in struct.fields}
    # zero values: immutable ones shared through one template, nested structs made fresh
    template = {f.name: zero(f.kind) for f in struct.fields if not isinstance(f.kind, Struct)}
    nested = [(f.name, f.kind) for f in struct.fields if isinstance(f.kind, Struct)]

    def convert(name: str, item: Any) -> Any:
        try:
            return decoders[name](item)
        except _Mismatch as exc:
            raise exc.within(f".{name}") from None

    def decode_struct(value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise _Mismatch(_expected("an object", value))
        out = {**template}
        for name, kind in nested:
            out[name] = zero(kind)
        if value is None:
            return out
        inexact = []
        for key, item in value.items():
            if key in decoders:
                out[key] = convert(key, item)
            else:
                inexact.append((key, item))
        # Go prefers an exact match over a case-folded one, wherever the keys stand
        exact = value.keys()
        for key, item in inexact:
            f = struct.lookup(key)
            if f is not None and f.name not in exact:
                out[f.name] = convert(f.name, item)
        return out

    return decode_struct


def _list_decoder(kind: ListOf) -> Converter:
    def decode_list(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):
            raise _Mismatch(_expected("an array", value))
        item = _decoder(kind.item)
        out = []
        for index, element in enumerate(value):
            try:
                out.append(item(element))
            except _Mismatch as exc:
                raise exc.within(f"[{index}]") from None
        return out

    return decode_list


def _map_decoder(kind: MapOf) -> Converter:
    def decode_map(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _Mismatch(_expected("an object", value))
        item = _decoder(kind.item)
        out = {}
        for key, element in value.items():
            try:
                out[key] = item(element)
            except _Mismatch as exc:
                raise exc.within(f"[{key!r}]") from None
        return out

    return decode_map


def _scalar_decoder(kind: str) -> Converter:
    nothing = zero(kind)

    def decode_scalar(value: Any) -> Any:
        return nothing if value is None else _decode_scalar(kind, value)

    return decode_scalar


def _decode_scalar(kind: str, value: Any) -> Any:
    if kind == "string":
        if isinstance(value, str):
            return value
        raise _Mismatch(_expected("a string", value))
    if kind in ("int", "duration"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch(_expected("an integer", value))
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _Mismatch(_expected("a number", value))
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise _Mismatch(_expected("a boolean", value))
    if kind == "bytes":
        if not isinstance(value, str):
            raise _Mismatch(_expected("a base64 string", value))
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _Mismatch("invalid base64 (standard alphabet, padded)") from None
    if kind in ("header", "query"):
        if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values()
        ):
            raise _Mismatch(_expected('an object of string arrays ({"Key":["value"]})', value))
        return value
    if kind == "strmap":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise _Mismatch(_expected("an object of strings", value))
        return value
    if kind == "time":
        if not isinstance(value, str):
            raise _Mismatch(_expected("an RFC 3339 time", value))
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _Mismatch(f"{value!r} is not an RFC 3339 time") from None
        return value
    if kind == "any":
        if isinstance(value, dict):
            return value
        raise _Mismatch(_expected("an object", value))
    return value  # raw


def _expected(expected: str, value: Any) -> str:
    got = {
        "str": "string",
        "int": "number",
        "float": "number",
        "list": "array",
        "dict": "object",
        "bool": "boolean",
    }.get(type(value).__name__, type(value).__name__)
    return f"expected {expected}, got {got}"
