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

import binascii
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
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
    """A Go struct: its fields in declaration order. Its encoder and decoder are built on
    first use and kept here (instance attributes, so later uses are one lookup)."""

    name: str
    fields: tuple[Field, ...]
    _by_exact: dict[str, Field] = field(init=False, repr=False, compare=False)
    _by_folded: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_exact", {f.name: f for f in self.fields})
        object.__setattr__(self, "_by_folded", {f.name.casefold(): f for f in self.fields})

    def lookup(self, key: str) -> Field | None:
        return self._by_exact.get(key) or self._by_folded.get(key.casefold())

    @functools.cached_property
    def encoder(self) -> Converter:
        return _struct_encoder(self)

    @functools.cached_property
    def decoder(self) -> Converter:
        return _struct_decoder(self)


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
        return kind.encoder
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
    """Field by field, in passes over the whole struct rather than one plan step per field:
    the values are picked in one C-level pass (`zip`/`map`), and each later pass only
    visits the fields it concerns. This is every plugin call's request."""
    fields = struct.fields
    names = tuple(f.name for f in fields)
    omitted_when_empty = tuple(f.name for f in fields if f.omitempty)
    converters = tuple((f.name, c) for f in fields if (c := _encoder(f.kind)) is not None)
    kept = [f for f in fields if not f.omitempty]
    # a missing or null value becomes Go's zero value; None already is for the other kinds
    shared_zeros = tuple(
        (f.name, z)
        for f in kept
        if not isinstance(f.kind, Struct) and (z := zero(f.kind)) is not None
    )
    fresh_zeros = tuple((f.name, f.kind) for f in kept if isinstance(f.kind, Struct))

    def encode_struct(value: Any) -> dict[str, Any]:
        out = dict(zip(names, map((value or _NO_VALUES).get, names), strict=True))
        for name in omitted_when_empty:
            if not out[name]:
                del out[name]
        # One value in consecutive fields is converted once: an executor request's
        # OriginalRequest and Payload are the same bytes unless the body was translated.
        last = last_convert = last_wire = None
        for name, convert in converters:
            item = out.get(name)
            if item is not None:
                if item is not last or convert is not last_convert:
                    last, last_convert, last_wire = item, convert, convert(item)
                out[name] = last_wire
        for name, zero_value in shared_zeros:
            if out[name] is None:
                out[name] = zero_value
        for name, kind in fresh_zeros:
            if out[name] is None:
                out[name] = zero(kind)
        return out

    return encode_struct


_NO_VALUES: Mapping[str, Any] = {}


def _encode_duration(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1_000
    return value


def _encode_header(value: Mapping[str, Any]) -> dict[str, Any] | None:
    known = _canonical_keys.get  # the cache's lookup inline: headers go out on every call
    return {known(k) or canonical_header_key(k): list(v) for k, v in value.items()} or None


_SCALAR_ENCODERS: dict[str, Converter] = {
    "bytes": lambda value: binascii.b2a_base64(value, newline=False).decode("ascii"),
    "time": lambda value: format_time(value) if isinstance(value, dt.datetime) else value,
    "duration": _encode_duration,
    "header": _encode_header,
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


def canonical_header_key(key: str | bytes) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey for the usual token characters; `key` may be
    an ASGI header name (latin-1 bytes). Header names repeat from request to request, so
    results are remembered (a bounded cache)."""
    canonical = _canonical_keys.get(key)
    if canonical is None:
        if len(_canonical_keys) >= 4096:
            _canonical_keys.clear()
        text = key.decode("latin-1") if isinstance(key, bytes) else key
        canonical = "-".join(part[:1].upper() + part[1:].lower() for part in text.split("-"))
        _canonical_keys[key] = canonical
    return canonical


_canonical_keys: dict[str | bytes, str] = {}


def header_from_pairs(pairs: Iterable[tuple[str | bytes, str | bytes]]) -> dict[str, list[str]]:
    """An http.Header (canonical keys, every value in order) from name/value pairs, as ASGI
    (latin-1 bytes) or an HTTP client (text) lists them."""
    known = _canonical_keys.get  # the cache's lookup inline: every request's headers pass here
    header: dict[str, list[str]] = {}
    for name, value in pairs:
        key = known(name) or canonical_header_key(name)
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        values = header.get(key)
        if values is None:
            header[key] = [text]
        else:
            values.append(text)
    return header


def format_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
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
        return kind.decoder
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

    def decode_struct(value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise _Mismatch(_expected("an object", value))
        out = {**template}
        for name, kind in nested:
            out[name] = zero(kind)
        if value is None:
            return out
        name = ""
        try:
            inexact = None
            for name, item in value.items():
                decode_field = decoders.get(name)
                if decode_field is None:
                    inexact = inexact or []
                    inexact.append((name, item))
                else:
                    out[name] = decode_field(item)
            if inexact is None:
                return out
            # Go prefers an exact match over a case-folded one, wherever the keys stand
            exact = value.keys()
            for key, item in inexact:
                f = struct.lookup(key)
                if f is not None and f.name not in exact:
                    name = f.name
                    out[name] = decoders[name](item)
        except _Mismatch as exc:
            raise exc.within(f".{name}") from None
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
    return _SCALAR_DECODERS.get(kind, _decode_raw)


# One function per scalar kind; each turns null into the kind's zero value (see `zero`).


def _decode_raw(value: Any) -> Any:
    return value


def _decode_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    raise _Mismatch(_expected("a string", value))


def _decode_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is None:
        return 0
    raise _Mismatch(_expected("an integer", value))


def _decode_float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if value is None:
        return 0.0
    raise _Mismatch(_expected("a number", value))


def _decode_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    raise _Mismatch(_expected("a boolean", value))


def _decode_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Mismatch(_expected("a base64 string", value))
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        raise _Mismatch("invalid base64 (standard alphabet, padded)") from None


def _decode_string_lists(value: Any) -> dict[str, list[str]] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values()
    ):
        raise _Mismatch(_expected('an object of string arrays ({"Key":["value"]})', value))
    return value


def _decode_strmap(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _Mismatch(_expected("an object of strings", value))
    return value


def _decode_time(value: Any) -> str:
    if value is None:
        return ZERO_TIME
    if not isinstance(value, str):
        raise _Mismatch(_expected("an RFC 3339 time", value))
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Mismatch(f"{value!r} is not an RFC 3339 time") from None
    return value


def _decode_object(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict) or value is None:
        return value
    raise _Mismatch(_expected("an object", value))


# "raw" (and anything not listed) passes as it is
_SCALAR_DECODERS: dict[str, Converter] = {
    "string": _decode_string,
    "int": _decode_int,
    "duration": _decode_int,
    "float": _decode_float,
    "bool": _decode_bool,
    "bytes": _decode_bytes,
    "header": _decode_string_lists,
    "query": _decode_string_lists,
    "strmap": _decode_strmap,
    "time": _decode_time,
    "any": _decode_object,
}


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
