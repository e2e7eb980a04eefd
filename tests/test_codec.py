"""Go encoding/json compatibility of the wire codec (01 §5.5, 02 §0.2)."""

from __future__ import annotations

import datetime as dt

import pytest

from proxy.plugins import codec, schema


def test_encoding_emits_every_field_in_go_order_with_zero_values() -> None:
    wire = codec.encode(
        schema.EXECUTOR_REQUEST,
        {"Model": "m", "Payload": b"{}"},
        {"stream_id": "7", "host_callback_id": ""},
    )
    assert wire == (
        b'{"AuthID":"","AuthProvider":"","Model":"m","Format":"","Stream":false,"Alt":"",'
        b'"Headers":null,"Query":null,"OriginalRequest":null,"SourceFormat":"",'
        b'"Payload":"e30=","Metadata":null,"StorageJSON":null,"AuthMetadata":null,'
        b'"AuthAttributes":null,"stream_id":"7"}'
    )


def test_go_string_escapes_and_raw_utf8() -> None:
    assert codec.dumps({"a": "<b> & ü é/"}) == '{"a":"\\u003cb\\u003e \\u0026 ü é/"}'.encode()


def test_empty_bytes_are_empty_string_nil_bytes_are_null() -> None:
    value = codec.to_wire(schema.EXECUTOR_RESPONSE, {"Payload": b""})
    assert value["Payload"] == "" and value["Headers"] is None


def test_headers_are_canonical_and_times_and_durations_are_go_shaped() -> None:
    assert codec.to_wire("header", {"content-type": ["a"], "x-api-KEY": ["b"]}) == {
        "Content-Type": ["a"],
        "X-Api-Key": ["b"],
    }
    assert codec.zero("time") == "0001-01-01T00:00:00Z"
    when = dt.datetime(2026, 8, 22, 14, 39, 3, 123456, tzinfo=dt.UTC)
    assert codec.to_wire("time", when) == "2026-08-22T14:39:03.123456Z"
    assert codec.to_wire("duration", dt.timedelta(milliseconds=1500)) == 1_500_000_000


def test_decoding_is_case_insensitive_and_prefers_exact_keys() -> None:
    decoded = codec.decode(schema.IDENTIFIER, {"IDENTIFIER": "folded"})
    assert decoded == {"identifier": "folded"}
    both = codec.decode(schema.IDENTIFIER, {"identifier": "exact", "Identifier": "folded"})
    assert both == {"identifier": "exact"}


def test_unknown_keys_are_ignored_and_null_is_the_zero_value() -> None:
    decoded = codec.decode(schema.EXECUTOR_RESPONSE, {"Payload": None, "Extra": 1})
    assert decoded == {"Payload": None, "Headers": None, "Metadata": None}


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (schema.EXECUTOR_RESPONSE, {"Payload": "e30"}, "Payload: invalid base64"),
        (schema.EXECUTOR_RESPONSE, {"Payload": "ZX-_"}, "Payload: invalid base64"),
        (
            schema.EXECUTOR_RESPONSE,
            {"Headers": {"A": "b"}},
            "Headers: expected an object of string",
        ),
        (schema.REGISTRATION, {"schema_version": 1.5}, "schema_version: expected an integer"),
        (schema.REGISTRATION, {"metadata": {"Name": 3}}, "metadata.Name: expected a string"),
        (schema.MODEL_RESPONSE, {"Models": [{"ID": 1}]}, r"Models\[0\].ID: expected a string"),
        (schema.AUTH_DATA, {"NextRefreshAfter": ""}, "is not an RFC 3339 time"),
        (schema.IDENTIFIER, [], "expected an object, got array"),
    ],
)
def test_wrong_types_fail_with_the_field_path(kind, value, message: str) -> None:
    with pytest.raises(codec.DecodeError, match=message):
        codec.decode(kind, value)


def test_round_trip_of_a_model_list() -> None:
    models = {
        "Provider": "p",
        "Models": [{"ID": "m", "Thinking": {"Min": 1, "Levels": ["low"]}}],
        "AuthUpdate": None,
    }
    decoded = codec.decode(
        schema.MODEL_RESPONSE, codec.loads(codec.encode(schema.MODEL_RESPONSE, models))
    )
    assert decoded["Models"][0]["Thinking"] == {
        "Min": 1,
        "Max": 0,
        "ZeroAllowed": False,
        "DynamicAllowed": False,
        "Levels": ["low"],
    }
    assert decoded["Models"][0]["SupportedParameters"] is None


def test_query_keys_stay_as_sent_while_header_keys_are_canonical() -> None:
    encoded = codec.loads(
        codec.encode(
            schema.MANAGEMENT_REQUEST,
            {"Headers": {"x-thing": ["1"]}, "Query": {"leave-open": ["1"], "text": ["a b"]}},
        )
    )
    assert encoded["Headers"] == {"X-Thing": ["1"]}
    assert encoded["Query"] == {"leave-open": ["1"], "text": ["a b"]}


def test_one_value_in_several_fields_is_encoded_for_each_field_by_its_kind() -> None:
    body = b'{"model":"m"}'
    values = {"x-thing": ["1"]}
    encoded = codec.loads(
        codec.encode(
            schema.EXECUTOR_REQUEST,
            {"Headers": values, "Query": values, "OriginalRequest": body, "Payload": body},
        )
    )
    assert encoded["OriginalRequest"] == encoded["Payload"] == "eyJtb2RlbCI6Im0ifQ=="
    assert encoded["Headers"] == {"X-Thing": ["1"]}
    assert encoded["Query"] == {"x-thing": ["1"]}


def test_asgi_header_names_get_the_same_canonical_key_as_text() -> None:
    assert codec.canonical_header_key(b"x-api-key") == "X-Api-Key"
    assert codec.canonical_header_key("x-api-key") == "X-Api-Key"
    assert codec.canonical_header_key(b"content-TYPE") == "Content-Type"


@pytest.mark.parametrize(
    "kind",
    ["string", "int", "duration", "float", "bool", "time", "bytes"]
    + ["header", "query", "strmap", "any", "raw"],
)
def test_null_decodes_to_the_go_zero_value_of_every_scalar_kind(kind: str) -> None:
    assert codec.decode(kind, None) == codec.zero(kind)
