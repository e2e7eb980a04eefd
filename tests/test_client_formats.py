"""What the Gemini, Responses and legacy-completions endpoints do beyond the SDK matrix
(tests/test_format_matrix.py): Gemini's URL-borne model and action, its JSON-array stream
without `alt=sse`, token counts, model listings, its key headers and error bodies; the
Responses error event after a stream started; CORS."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.test_format_matrix import KEY, TEXT, _config
from tests.upstream import Upstream


@pytest.fixture
def server(start_server, upstream: Upstream):
    return start_server(_config(upstream))


def _gemini(server, action: str, model: str = "claude-echo", **kwargs) -> httpx.Response:
    body = {"contents": [{"role": "user", "parts": [{"text": TEXT}]}]}
    headers = kwargs.pop("headers", {"x-goog-api-key": KEY})
    return httpx.post(
        f"{server.url}/v1beta/models/{model}:{action}", json=body, headers=headers, **kwargs
    )


def test_gemini_streams_as_sse_or_as_one_json_array(server):
    sse = _gemini(server, "streamGenerateContent", params={"alt": "sse"})
    assert sse.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in sse.text.splitlines() if line.startswith("data: ")]
    text = "".join(
        p.get("text", "") for e in events for p in e["candidates"][0]["content"]["parts"]
    )
    assert text.split() == TEXT.split() and "[DONE]" not in sse.text
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
    # alt other than sse: one JSON array, as Google sends it (without alt CLIProxyAPI and
    # we answer SSE, 04 §1.2)
    array = _gemini(server, "streamGenerateContent", params={"alt": "json"})
    assert array.headers["content-type"].startswith("application/json")
    pieces = array.json()
    assert isinstance(pieces, list) and len(pieces) >= 2
    assert (
        "".join(
            p.get("text", "") for e in pieces for p in e["candidates"][0]["content"]["parts"]
        ).split()
        == TEXT.split()
    )


def test_gemini_counts_tokens_on_every_upstream(server):
    native = _gemini(server, "countTokens", model="gemini-echo")
    assert native.status_code == 200 and native.json()["totalTokens"] > 0
    translated = _gemini(server, "countTokens", model="claude-echo")
    assert translated.json()["totalTokens"] > 0
    assert translated.json()["promptTokensDetails"][0]["modality"] == "TEXT"
    estimated = _gemini(server, "countTokens", model="openai-echo")  # no upstream count
    assert estimated.status_code == 200 and estimated.json()["totalTokens"] > 0


def test_gemini_keys_models_and_errors(server):
    by_query = httpx.get(f"{server.url}/v1beta/models", params={"key": KEY})
    names = {m["name"] for m in by_query.json()["models"]}
    assert {"models/gemini-echo", "models/openai-echo"} <= names
    one = httpx.get(f"{server.url}/v1beta/models/gemini-echo", headers={"x-goog-api-key": KEY})
    assert one.json()["supportedGenerationMethods"] == ["generateContent"]
    missing = httpx.get(f"{server.url}/v1beta/models/nope", headers={"x-goog-api-key": KEY})
    assert missing.status_code == 404
    refused = _gemini(server, "generateContent", headers={"x-goog-api-key": "wrong"})
    assert refused.status_code == 401 and refused.json() == {"error": "Invalid API key"}
    unknown = _gemini(server, "generateContent", model="no-such-model")
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and "no-such-model" in error["message"]
    bad_action = _gemini(server, "explode")
    assert bad_action.status_code == 404


def test_a_responses_stream_failing_after_its_start_ends_with_an_error_event(
    start_server, upstream
):
    config = _config(upstream).replace(
        "      - name: echo\n        alias: openai-echo\n",
        "      - name: echo\n        alias: openai-echo\n"
        "      - name: break-stream\n        alias: openai-break\n",
    )
    server = start_server(config)
    with httpx.stream(
        "POST",
        f"{server.url}/v1/responses",
        headers={"Authorization": f"Bearer {KEY}"},
        json={"model": "openai-break", "input": "a b c d e f", "stream": True},
    ) as response:
        body = response.read().decode()
    assert response.status_code == 200
    frames = [f for f in body.split("\n\n") if f.strip()]
    assert frames[0].startswith("event: response.created")
    assert frames[-1].startswith("event: error")
    error = json.loads(frames[-1].split("data: ", 1)[1])
    assert error["type"] == "error" and error["code"] == "internal_server_error"


def test_cors_preflight_and_headers(server):
    preflight = httpx.options(f"{server.url}/v1beta/models/x:generateContent")
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    answer = _gemini(server, "generateContent", model="openai-echo")
    assert answer.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("model", "field", "expected"),
    [
        ("openai-echo(high)", ("reasoning_effort",), "high"),
        ("openai-echo(3000)", ("reasoning_effort",), "medium"),
        ("claude-echo(2048)", ("thinking",), {"type": "enabled", "budget_tokens": 2048}),
        ("claude-echo(none)", ("thinking",), {"type": "disabled"}),
        ("gemini-echo(none)", ("generationConfig", "thinkingConfig", "thinkingBudget"), 0),
        ("gemini-echo(low)", ("generationConfig", "thinkingConfig", "thinkingBudget"), 1024),
        ("codex-echo(low)", ("reasoning", "effort"), "low"),
    ],
)
def test_a_thinking_suffix_reaches_every_upstream_in_its_own_terms(
    start_server, upstream, model, field, expected
):
    server = start_server(_config(upstream))
    answer = httpx.post(
        f"{server.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {KEY}"},
        json={"model": model, "messages": [{"role": "user", "content": TEXT}]},
    )
    assert answer.status_code == 200, answer.text
    sent = upstream.calls[-1]["body"]
    for key in field:
        sent = sent[key]
    assert sent == expected


def test_excluded_models_hide_catalog_models(start_server, upstream):
    config = f"""host: 127.0.0.1
port: {{port}}
claude-api-key:
  - api-key: good-1
    base-url: {upstream.url}
    excluded-models: ["*-HAIKU-*", "claude-opus-4-1"]
"""
    server = start_server(config)
    listed = {m["id"] for m in httpx.get(f"{server.url}/v1/models").json()["data"]}
    assert listed == {"claude-sonnet-4-5"}  # the default catalog minus both patterns
    hidden = httpx.post(
        f"{server.url}/v1/messages",
        json={"model": "claude-haiku-4-5", "max_tokens": 5, "messages": []},
    )
    assert hidden.status_code == 400 and hidden.json()["type"] == "error"
