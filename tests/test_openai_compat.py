"""The built-in openai-compatibility provider against a local mock upstream, with the
official OpenAI SDK as the client: models and aliases, streaming, credential failover and
cooldown (04 §4-5)."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.conftest import certificate, plugin_config
from tests.upstream import Upstream


def _config(upstream: Upstream, keys: list[str], extra: str = "") -> str:
    entries = "\n".join(f"      - api-key: {key}" for key in keys)
    provider = f"""openai-compatibility:
  - name: Mock
    base-url: {upstream.url}/v1
    headers:
      X-Team: blue
      X-Forwarded-Client: $X-Client-Name
    api-key-entries:
{entries}
    models:
      - name: upstream-model
        alias: mock-model
      - name: limited
        alias: limited
      - name: broken
        alias: broken
      - name: break-stream
        alias: break-stream
{extra}"""
    return plugin_config({}, extra=provider).replace("plugins:\n  enabled: true\n  configs:\n", "")


def _sdk(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)


def test_models_answers_and_streams_through_the_sdk(start_server, upstream):
    server = start_server(_config(upstream, ["good-1"]))
    client = _sdk(server)
    assert {m.id for m in client.models.list()} >= {"mock-model", "limited"}
    answer = client.chat.completions.create(
        model="mock-model",
        messages=[{"role": "user", "content": "hello upstream"}],
        extra_headers={"X-Client-Name": "sdk-test"},
    )
    assert answer.choices[0].message.content == "hello upstream"
    assert answer.usage.total_tokens == 7
    call = upstream.calls[-1]
    assert call["model"] == "upstream-model"  # the alias resolved to the upstream name
    assert call["key"] == "good-1"
    assert call["headers"]["X-Team"] == "blue"
    assert call["headers"]["X-Forwarded-Client"] == "sdk-test"
    stream = client.chat.completions.create(
        model="mock-model", messages=[{"role": "user", "content": "one two three"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.split() == ["one", "two", "three"]
    assert upstream.calls[-1]["body"]["stream_options"] == {"include_usage": True}


def test_a_bad_key_fails_over_and_then_rests(start_server, upstream):
    server = start_server(_config(upstream, ["bad-key", "good-1"]))
    client = _sdk(server)
    for _ in range(4):
        answer = client.chat.completions.create(
            model="mock-model", messages=[{"role": "user", "content": "still here"}]
        )
        assert answer.choices[0].message.content == "still here"
    used = [c["key"] for c in upstream.calls]
    assert used.count("bad-key") <= 1  # after its 401 it cools down for 30 minutes
    assert used.count("good-1") == 4


def test_a_429_honours_retry_after_and_moves_on(start_server, upstream):
    server = start_server(_config(upstream, ["good-1", "good-2"]))
    client = _sdk(server)
    for _ in range(3):
        answer = client.chat.completions.create(
            model="limited", messages=[{"role": "user", "content": "rate me"}]
        )
        assert answer.choices[0].message.content == "rate me"
    limited = [c["key"] for c in upstream.calls if c["model"] == "limited"]
    assert limited.count("good-1") <= 1 and limited.count("good-2") == 3


def test_all_credentials_failing_returns_the_upstream_error(start_server, upstream):
    server = start_server(_config(upstream, ["good-1"]))
    with pytest.raises(openai.InternalServerError) as failed:
        _sdk(server).chat.completions.create(
            model="broken", messages=[{"role": "user", "content": "x"}]
        )
    assert failed.value.status_code == 500
    assert failed.value.body["message"] == "upstream exploded"  # the upstream's own body
    # the only credential now rests for that model: the next request is told so
    cooling = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={"model": "broken", "messages": [{"role": "user", "content": "x"}]},
    )
    assert cooling.status_code == 429 and int(cooling.headers["retry-after"]) > 0


def test_a_stream_broken_after_its_start_ends_with_an_error_frame(start_server, upstream):
    server = start_server(_config(upstream, ["good-1"]))
    response = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={
            "model": "break-stream",
            "stream": True,
            "messages": [{"role": "user", "content": "a b c d e f"}],
        },
    )
    assert response.status_code == 200  # the stream had started: no failover, an error frame
    assert '"error"' in response.text.splitlines()[-2] or '"error"' in response.text
    assert "data: [DONE]" not in response.text


@pytest.mark.parametrize(("force_http1", "protocol"), [(False, "2"), (True, "1.1")])
def test_upstreams_get_http2_over_tls_unless_forced_to_http1(
    start_server, example, tmp_path, monkeypatch, force_http1, protocol
):
    """The upstream is another cliproxy serving h2 over TLS (its echo plugin answers);
    its access log names the protocol each request came in with."""
    cert, key = certificate(tmp_path)
    tls = f"tls:\n  enable: true\n  cert: {cert}\n  key: {key}\naccess-log: true"
    tls_upstream = start_server(plugin_config({"executor-c": example("executor", "c")}, extra=tls))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the proxy trusts the test CA
    provider = f"""openai-compatibility:
  - name: tls
    base-url: {tls_upstream.url.replace("http://", "https://")}/v1
    force-http1: {str(force_http1).lower()}
    models:
      - name: example-echo-c
        alias: echo-over-tls
"""
    server = start_server(plugin_config({}, extra=provider))
    answer = _sdk(server).chat.completions.create(
        model="echo-over-tls", messages=[{"role": "user", "content": "which protocol"}]
    )
    assert answer.choices[0].message.content == "which protocol"
    log = tls_upstream.wait_log("POST /v1/chat/completions")
    assert f'"POST /v1/chat/completions {protocol}"' in log


def test_an_alias_listed_twice_is_a_pool_tried_in_turn(start_server, upstream):
    pool = (
        "      - name: broken\n        alias: pooled\n"
        "      - name: upstream-model\n        alias: pooled\n"
    )
    config = _config(upstream, ["good-1"]).replace("    models:\n", "    models:\n" + pool)
    server = start_server(config)
    client = _sdk(server)
    assert [m.id for m in client.models.list()].count("pooled") == 1
    for text in ("first", "second"):
        answer = client.chat.completions.create(
            model="pooled", messages=[{"role": "user", "content": text}]
        )
        assert answer.choices[0].message.content == text
    # the first request started at `broken` and moved on to the next name on the same
    # key; the second started one further along the pool
    assert [c["model"] for c in upstream.calls] == ["broken", "upstream-model", "upstream-model"]
    assert {c["key"] for c in upstream.calls} == {"good-1"}
