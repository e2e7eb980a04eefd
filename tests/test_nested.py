"""Nested model executions: a plugin runs another model through the whole pipeline with
host.model.execute / execute_stream / stream_read / stream_close (03 §3.6-3.9, 02 §32)."""

from __future__ import annotations

import base64
import json

import httpx

from tests.capability_helpers import chat, content
from tests.conftest import plugin_config


def _nested(model: str, target: str) -> dict:
    return {**chat(model), "user": target}


def _replies(response: httpx.Response) -> list[dict]:
    return [json.loads(line) for line in content(response).splitlines()]


def test_a_nested_run_skips_the_calling_plugins_router(start_server, example, test_plugins):
    """The test plugin routes every request with X-Test-Route to itself and makes a nested
    call with that header: without the skip it would answer its own nested call."""
    server = start_server(
        plugin_config(
            {
                "testplugin": (test_plugins["testplugin"], "register: router"),
                "executor-c": example("executor", "c"),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        outer = client.post(
            "/v1/chat/completions",
            json=_nested("test-nested", "example-echo-c"),
            headers={"X-Test-Route": "1"},
        )
    (reply,) = _replies(outer)
    assert reply["ok"] is True and reply["result"]["status_code"] == 200
    body = json.loads(base64.b64decode(reply["result"]["body"]))
    assert body["choices"][0]["message"]["content"] == "nested call"


def test_a_nested_stream_is_read_to_its_end(start_server, example, test_plugins):
    server = start_server(
        plugin_config(
            {"testplugin": test_plugins["testplugin"], "executor-c": example("executor", "c")}
        )
    )
    with httpx.Client(base_url=server.url) as client:
        outer = client.post(
            "/v1/chat/completions", json=_nested("test-nested-stream", "example-echo-c")
        )
    opened, *reads = _replies(outer)
    assert opened["ok"] and opened["result"]["stream_id"]
    assert reads[-1] == {"ok": True, "result": {"payload": None, "error": "", "done": True}}
    words = [
        json.loads(base64.b64decode(r["result"]["payload"]))["choices"][0]["delta"].get(
            "content", ""
        )
        for r in reads[:-1]
    ]
    assert "".join(words).split() == ["nested", "call"]


def test_nested_failures_come_back_as_host_call_failed_with_the_status(start_server, test_plugins):
    server = start_server(plugin_config({"testplugin": test_plugins["testplugin"]}))
    with httpx.Client(base_url=server.url) as client:
        unknown = _replies(
            client.post("/v1/chat/completions", json=_nested("test-nested", "no-such"))
        )
        failing = _replies(
            client.post("/v1/chat/completions", json=_nested("test-nested", "test-error-status"))
        )
        streaming = _replies(
            client.post("/v1/chat/completions", json=_nested("test-nested-stream", "no-such"))
        )
    assert unknown[0]["error"]["code"] == "host_call_failed"
    assert "`no-such` does not exist" in unknown[0]["error"]["message"]
    assert "(status 400)" in unknown[0]["error"]["message"]
    assert failing[0]["error"]["message"] == "I am a teapot (status 418)"
    assert streaming == [unknown[0]]  # no stream id, nothing to read
