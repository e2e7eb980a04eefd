"""Interceptors, translators, normalizers, lifecycle and usage notifications, through the
real server with the example plugins."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from tests.capability_helpers import (
    chat,
    content,
    json_lines,
    reflected,
    sse_payloads,
    stream_text,
)
from tests.conftest import LANGS, plugin_config, wait_for


@pytest.mark.parametrize("lang", LANGS)
def test_request_translator_feeds_a_custom_format_executor(start_server, example, lang):
    server = start_server(
        plugin_config({f"request-translator-{lang}": example("request-translator", lang)})
    )
    with httpx.Client(base_url=server.url) as client:
        answer = client.post("/v1/chat/completions", json=chat(f"text-model-{lang}", "plain words"))
        assert content(answer) == f"text-{lang} executor read: plain words"
        streamed = client.post(
            "/v1/chat/completions", json=chat(f"text-model-{lang}", "s", stream=True)
        )
        assert stream_text(streamed) == f"text-{lang} executor read: s"


@pytest.mark.parametrize("lang", LANGS)
def test_request_normalizer_changes_what_the_executor_gets(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"request-normalizer-{lang}": example("request-normalizer", lang),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        answer = client.post("/v1/chat/completions", json=chat(f"example-echo-{lang}", "hi"))
    assert content(answer) == f"hi [normalized by {lang}]"


@pytest.mark.parametrize("lang", LANGS)
def test_request_interceptor_terminates_and_rewrites_headers(
    start_server, example, test_plugins, lang
):
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                f"request-interceptor-{lang}": example("request-interceptor", lang),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        blocked = client.post(
            "/v1/chat/completions", json=chat("test-reflect", f"say forbidden-{lang}")
        )
        assert blocked.status_code == 403
        assert blocked.headers["x-blocked-by"] == f"request-interceptor-{lang}"
        assert blocked.json()["error"]["message"] == f"blocked by request-interceptor-{lang}"
        seen = reflected(
            client.post("/v1/chat/completions", json=chat("test-reflect"), headers={"X-Debug": "1"})
        )
    assert seen["Headers"]["X-Intercepted-By"] == [lang]
    assert seen["Headers"]["X-Intercepted-After"] == [lang]
    # cleared after auth (CLIProxyAPI would let it through: pitfall 17)
    assert "X-Debug" not in seen["Headers"]


def test_interceptors_run_by_priority_and_termination_stops_the_chain(
    start_server, example, test_plugins
):
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                "request-interceptor-c": (example("request-interceptor", "c"), "priority: 9"),
                "request-interceptor-go": (
                    example("request-interceptor", "go"),
                    "block: forbidden-c",
                ),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        seen = reflected(client.post("/v1/chat/completions", json=chat("test-reflect")))
        # c ran first, go replaced its header
        assert seen["Headers"]["X-Intercepted-By"] == ["go"]
        blocked = client.post("/v1/chat/completions", json=chat("test-reflect", "forbidden-c"))
    assert blocked.headers["x-blocked-by"] == "request-interceptor-c"


@pytest.mark.parametrize("lang", LANGS)
def test_request_lifecycle_sees_every_outcome(start_server, example, test_plugins, lang, tmp_path):
    log_file = tmp_path / "lifecycle.jsonl"
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                f"request-interceptor-{lang}": example("request-interceptor", lang),
                f"request-lifecycle-{lang}": (
                    example("request-lifecycle", lang),
                    f"file: {log_file}",
                ),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/v1/chat/completions", json=chat("test-ok")).status_code == 200
        assert (
            client.post("/v1/chat/completions", json=chat("test-error-status")).status_code == 418
        )
        assert (
            client.post(
                "/v1/chat/completions", json=chat("test-ok", f"forbidden-{lang}")
            ).status_code
            == 403
        )
        # unknown model: rejected before the execution starts, no event
        assert client.post("/v1/chat/completions", json=chat("no-such-model")).status_code == 400
    lines = wait_for(
        lambda: (found := json_lines(log_file)) and len(found) >= 3 and found, what="3 events"
    )
    outcomes = sorted((line["outcome"], line["status"], line["model"]) for line in lines)
    assert outcomes == [
        ("failed", 418, "test-error-status"),
        ("rejected", 403, "test-ok"),
        ("succeeded", 200, "test-ok"),
    ]
    assert all(
        line["plugin"] == f"request-lifecycle-{lang}" and line["request_id"] for line in lines
    )
    assert len({line["request_id"] for line in lines}) == 3


@pytest.mark.parametrize("lang", LANGS)
def test_response_interceptor_adds_a_header_and_a_field(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"response-interceptor-{lang}": example("response-interceptor", lang),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/v1/chat/completions", json=chat(f"example-echo-{lang}", "r"))
    assert response.headers["x-response-intercepted"] == lang
    body = response.json()
    assert next(iter(body)) == "x_intercepted_by" and body["x_intercepted_by"] == lang
    assert body["choices"][0]["message"]["content"] == "r"


@pytest.mark.parametrize("lang", LANGS)
def test_stream_interceptor_upper_cases_and_drops_chunks(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"response-stream-interceptor-{lang}": (
                    example("response-stream-interceptor", lang),
                    "drop: skipme",
                ),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        response = client.post(
            "/v1/chat/completions",
            json=chat(f"example-echo-{lang}", "quiet skipme words", stream=True),
        )
    assert response.headers["x-stream-intercepted"] == lang
    assert stream_text(response).split() == ["QUIET", "WORDS"]
    assert sse_payloads(response.text)[-1] == "[DONE]"


@pytest.mark.parametrize("lang", LANGS)
def test_response_normalizers_run_before_and_after_translation(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"response-normalizer-{lang}": example("response-normalizer", lang),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        body = client.post("/v1/chat/completions", json=chat(f"example-echo-{lang}", "n")).json()
        streamed = client.post(
            "/v1/chat/completions", json=chat(f"example-echo-{lang}", "a b", stream=True)
        )
    assert list(body)[:2] == ["x_after", "x_before"]
    assert body["x_before"] == body["x_after"] == lang
    chunks = [json.loads(p) for p in sse_payloads(streamed.text) if p != "[DONE]"]
    assert chunks and all(list(c)[:2] == ["x_after", "x_before"] for c in chunks)


@pytest.mark.parametrize("lang", LANGS)
def test_usage_records_reach_the_usage_plugin(start_server, example, test_plugins, lang, tmp_path):
    usage_file = tmp_path / "usage.jsonl"
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                f"usage-{lang}": (example("usage", lang), f"file: {usage_file}"),
            },
            extra="api-keys: [client-key]",
        )
    )
    headers = {"Authorization": "Bearer client-key"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        assert client.post("/v1/chat/completions", json=chat("test-reflect")).status_code == 200
        assert (
            client.post("/v1/chat/completions", json=chat("test-error-status")).status_code == 418
        )
    records = wait_for(
        lambda: (found := json_lines(usage_file)) and len(found) >= 2 and found, what="usage"
    )
    ok, failed = sorted(records, key=lambda r: r["failed"])
    assert ok["provider"] == "testplugin" and ok["model"] == "test-reflect"
    assert ok["api_key"] == "client-key" and not ok["failed"]
    assert (ok["input_tokens"], ok["output_tokens"], ok["total_tokens"]) == (3, 4, 7)
    assert ok["latency_ns"] > 0
    assert failed["failed"] and failed["model"] == "test-error-status"


def test_usage_and_completion_arrive_after_the_client_left(
    start_server, example, test_plugins, marker_dir, tmp_path
):
    usage_file, lifecycle_file = tmp_path / "usage.jsonl", tmp_path / "lifecycle.jsonl"
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                "usage-c": (example("usage", "c"), f"file: {usage_file}"),
                "request-lifecycle-c": (
                    example("request-lifecycle", "c"),
                    f"file: {lifecycle_file}",
                ),
            }
        )
    )
    body = json.dumps({**chat("test-gated", stream=True), "user": "left"}).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        sock.recv(65536)  # the head and first chunk
    (marker_dir / "gate-left").write_text("go")  # the plugin goes on after the client left
    records = wait_for(lambda: json_lines(usage_file), what="a usage record")
    events = wait_for(lambda: json_lines(lifecycle_file), what="a completion event")
    assert records[0]["model"] == "test-gated"
    assert events[0]["outcome"] in ("canceled", "succeeded")


@pytest.mark.parametrize("lang", LANGS)
def test_thinking_applier_writes_the_requested_reasoning(start_server, example, test_plugins, lang):
    """An executor speaking `think-<lang>` (the test plugin) gets the applier's body: from a
    model suffix, and from the client's own `reasoning_effort`."""
    server = start_server(
        plugin_config(
            {
                "testplugin": (
                    test_plugins["testplugin"],
                    f"register: custom-format\nformat: think-{lang}",
                ),
                f"thinking-applier-{lang}": example("thinking-applier", lang),
            }
        )
    )

    def payload(response: httpx.Response) -> dict:
        return json.loads(__import__("base64").b64decode(reflected(response)["Payload"]))

    with httpx.Client(base_url=server.url) as client:
        suffixed = payload(client.post("/v1/chat/completions", json=chat("test-reflect(high)")))
        assert suffixed["thinking"] == {
            "mode": "level",
            "budget": 0,
            "level": "high",
            "applied_by": lang,
        }
        body = {**chat("test-reflect"), "reasoning_effort": "low"}
        from_body = payload(client.post("/v1/chat/completions", json=body))
        assert from_body["thinking"]["level"] == "low"
        budget = payload(client.post("/v1/chat/completions", json=chat("test-reflect(8192)")))
        assert budget["thinking"]["mode"] == "budget" and budget["thinking"]["budget"] == 8192
        plain = payload(client.post("/v1/chat/completions", json=chat("test-reflect")))
        assert "thinking" not in plain
        bad = client.post("/v1/chat/completions", json=chat("test-reflect(lots)"))
        assert bad.status_code == 400 and "thinking suffix (lots)" in bad.text


def test_garbage_from_every_capability_is_survived(start_server, example, test_plugins, tmp_path):
    """A plugin declaring every capability and answering each call with values of the wrong
    types: every capability falls through or is skipped and requests still work, except
    the scheduler, whose failure fails the request (02 §10) with a message naming it."""
    server = start_server(
        plugin_config(
            {
                "testplugin": (
                    test_plugins["testplugin"],
                    "register: garbage-everywhere\npriority: 10",
                ),
                "executor-c": example("executor", "c"),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        assert (
            content(client.post("/v1/chat/completions", json=chat("example-echo-c", "still")))
            == "still"
        )
        streamed = client.post(
            "/v1/chat/completions", json=chat("example-echo-c", "a b", stream=True)
        )
        assert stream_text(streamed) == "a b"
        assert client.post("/v1/chat/completions", json=chat("test-ok")).status_code == 200
        # with a credential, the scheduler is asked
        auth_dir = tmp_path / "auths"
        auth_dir.mkdir()
        (auth_dir / "x.json").write_text('{"type": "echo-c"}')
        server.write_config(server.config_path.read_text() + f"auth-dir: {auth_dir}\n")
        server.wait_log("config reloaded")
        failed = client.post("/v1/chat/completions", json=chat("example-echo-c"))
    assert failed.status_code == 500
    assert failed.json()["error"]["message"] == (
        "scheduler plugin testplugin: decode plugin result scheduler.pick: "
        "Handled: expected a boolean, got string"
    )
    assert server.process.poll() is None


def test_stream_chunk_calls_follow_the_schema_version(
    start_server, example, test_plugins, marker_dir, tmp_path
):
    """Schema 3 interceptors get the request bodies only with the header-init call; older
    ones with every chunk (02 §25, pitfall 21). History grows with delivered chunks."""
    copy = tmp_path / "second-testplugin.so"
    copy.write_bytes(test_plugins["testplugin"].read_bytes())
    server = start_server(
        plugin_config(
            {
                "v1": (
                    test_plugins["testplugin"],
                    "register: stream-interceptor\nschema: 1\nname: v1",
                ),
                "v3": (copy, "register: stream-interceptor\nschema: 3\nname: v3"),
                "executor-c": example("executor", "c"),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        response = client.post(
            "/v1/chat/completions", json=chat("example-echo-c", "a b c", stream=True)
        )
    assert stream_text(response) == "a b c"

    def seen(name: str) -> str:
        return (marker_dir / name).read_text()

    assert seen("v1-chunk--1") == seen("v3-chunk--1") == "original=yes body=yes history=0"
    assert seen("v1-chunk-0") == "original=yes body=yes history=0"
    assert seen("v3-chunk-0") == "original=no body=no history=0"
    assert seen("v3-chunk-2") == "original=no body=no history=2"


@pytest.mark.parametrize("lang", LANGS)
def test_response_translator_turns_a_custom_output_into_openai(start_server, example, lang):
    server = start_server(
        plugin_config({f"response-translator-{lang}": example("response-translator", lang)})
    )
    model = f"lines-model-{lang}"
    with httpx.Client(base_url=server.url) as client:
        answer = client.post("/v1/chat/completions", json=chat(model, "one two three"))
        assert content(answer) == "one | two | three"
        streamed = client.post("/v1/chat/completions", json=chat(model, "a b", stream=True))
        assert stream_text(streamed) == "a b "


def test_a_client_leaving_mid_call_completes_as_canceled(
    start_server, example, test_plugins, marker_dir, tmp_path
):
    lifecycle_file = tmp_path / "lifecycle.jsonl"
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                "request-lifecycle-c": (
                    example("request-lifecycle", "c"),
                    f"file: {lifecycle_file}",
                ),
            }
        )
    )
    with pytest.raises(httpx.ReadTimeout), httpx.Client(base_url=server.url, timeout=1.0) as client:
        client.post("/v1/chat/completions", json=chat("test-hang"))
    (event,) = wait_for(lambda: json_lines(lifecycle_file), what="the completion event")
    assert (event["outcome"], event["status"], event["model"]) == ("canceled", 0, "test-hang")
    (marker_dir / "release-hang").write_text("go")
