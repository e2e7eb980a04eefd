"""The Python SDK (proxy.sdk) through the real server: the example embedding program
(examples/sdk/serve.py, extended by tests/sdk_app.py) runs as a subprocess; official SDKs
and httpx talk to it; the OpenAI-compatible upstream is the local mock."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from tests.conftest import ROOT, ProxyServer, wait_for
from tests.upstream import Upstream

CLIENT_KEY = "client-secret"


@pytest.fixture
def embedded(tmp_path: Path, upstream: Upstream):
    """start(*extra_arguments) -> the SDK test program serving on a free port."""
    servers: list[ProxyServer] = []
    usage = tmp_path / "usage.jsonl"

    def start(*extra: str, config: str = "") -> ProxyServer:
        command = [
            sys.executable,
            str(ROOT / "tests" / "sdk_app.py"),
            "--port", "{port}",
            "--upstream", f"{upstream.url}/v1",
            "--model", "upstream-model",
            "--key", "good-1",
            "--key", "good-2",
            "--client-key", CLIENT_KEY,
            *extra,
        ]  # fmt: skip
        env = {**os.environ, "SDK_USAGE_FILE": str(usage), "PYTHONPATH": str(ROOT)}
        directory = tmp_path / f"run{len(servers)}"
        directory.mkdir()
        server = ProxyServer(directory, config, env, command)
        server.usage = usage  # type: ignore[attr-defined]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _openai(server: ProxyServer, path: str = "/v1") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + path, api_key=CLIENT_KEY, max_retries=0)


def test_a_python_executor_answers_and_streams_with_its_credentials(embedded, upstream):
    server = embedded()
    client = _openai(server)
    assert {"upstream-model", "echo-bot"} <= {m.id for m in client.models.list()}
    for n in range(2):
        answer = client.chat.completions.create(
            model="upstream-model", messages=[{"role": "user", "content": f"hello {n}"}]
        )
        assert answer.choices[0].message.content == f"hello {n}"
    stream = client.chat.completions.create(
        model="upstream-model",
        messages=[{"role": "user", "content": "one two three"}],
        stream=True,
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices).split() == [
        "one",
        "two",
        "three",
    ]
    # prepare_request put each credential's key on the upstream call, in rotation
    keys = [call["headers"]["Authorization"] for call in upstream.calls]
    assert set(keys) == {"Bearer good-1", "Bearer good-2"}


def test_a_401_calls_refresh_and_retries_with_the_new_credential(embedded, upstream):
    server = embedded()
    answer = _openai(server).chat.completions.create(
        model="refreshing-model", messages=[{"role": "user", "content": "fresh"}]
    )
    assert answer.choices[0].message.content == "fresh"
    assert [call["key"] for call in upstream.calls] == ["bad-stale", "good-refreshed"]
    # the refreshed credential stays in the pool: no second 401
    _openai(server).chat.completions.create(
        model="refreshing-model", messages=[{"role": "user", "content": "again"}]
    )
    assert [call["key"] for call in upstream.calls][-1] == "good-refreshed"
    assert len(upstream.calls) == 3


def test_a_translator_pair_serves_clients_of_every_format(embedded):
    server = embedded()
    chat = _openai(server).chat.completions.create(
        model="echo-bot", messages=[{"role": "user", "content": "one two three"}]
    )
    assert chat.choices[0].message.content == "three two one"
    assert chat.usage.completion_tokens == 3
    stream = _openai(server).chat.completions.create(
        model="echo-bot", messages=[{"role": "user", "content": "a b"}], stream=True
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).split() == [
        "b",
        "a",
    ]
    # a Claude client reaches the myprov.chat executor through OpenAI chat
    claude = anthropic.Anthropic(base_url=server.url, api_key=CLIENT_KEY, max_retries=0)
    message = claude.messages.create(
        model="echo-bot",
        max_tokens=50,
        system="be brief",
        messages=[{"role": "user", "content": "left right"}],
    )
    assert message.content[0].text == "right left"
    with claude.messages.stream(
        model="echo-bot", max_tokens=50, messages=[{"role": "user", "content": "x y z"}]
    ) as streamed:
        assert "".join(streamed.text_stream).split() == ["z", "y", "x"]


def test_token_counts_and_their_default_and_http2(embedded):
    server = embedded()
    claude = anthropic.Anthropic(base_url=server.url, api_key=CLIENT_KEY, max_retries=0)
    counted = claude.messages.count_tokens(
        model="echo-bot", messages=[{"role": "user", "content": "four words right here"}]
    )
    assert counted.input_tokens == 4
    with pytest.raises(anthropic.APIStatusError) as unsupported:
        claude.messages.count_tokens(
            model="upstream-model", messages=[{"role": "user", "content": "x"}]
        )
    assert unsupported.value.status_code == 501
    assert "token counting is not supported" in unsupported.value.message
    chat = _openai(server).chat.completions.create(  # the credential did not cool down
        model="upstream-model", messages=[{"role": "user", "content": "still served"}]
    )
    assert chat.choices[0].message.content == "still served"
    with httpx.Client(http1=False, http2=True) as h2c:
        answer = h2c.post(
            f"{server.url}/v1/chat/completions",
            headers={"Authorization": f"Bearer {CLIENT_KEY}"},
            json={"model": "echo-bot", "messages": [{"role": "user", "content": "over h2"}]},
        )
    assert answer.http_version == "HTTP/2"
    assert answer.json()["choices"][0]["message"]["content"] == "h2 over"


def test_python_failures_reach_clients_in_their_format_without_internals(embedded):
    server = embedded()
    with pytest.raises(openai.APIStatusError) as failed:
        _openai(server).chat.completions.create(
            model="teapot", messages=[{"role": "user", "content": "coffee"}]
        )
    assert failed.value.status_code == 418
    assert "teapot refuses" in failed.value.message
    claude = anthropic.Anthropic(base_url=server.url, api_key=CLIENT_KEY, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as refused:
        claude.messages.create(  # another model: the first one's credential cools down
            model="other-teapot", max_tokens=5, messages=[{"role": "user", "content": "coffee"}]
        )
    assert refused.value.status_code == 418
    assert refused.value.body["type"] == "error"
    crashed = httpx.post(
        f"{server.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {CLIENT_KEY}"},
        json={"model": "crashing", "messages": [{"role": "user", "content": "boom"}]},
    )
    assert crashed.status_code == 502
    message = crashed.json()["error"]["message"]
    assert "Python executor faulty failed (RuntimeError)" in message
    assert "/srv/secret" not in crashed.text and "Traceback" not in crashed.text
    assert "/srv/secret/path" in server.wait_log("RuntimeError")  # the operator sees it
    # after the first chunk, an error chunk ends the stream with an error frame
    with httpx.stream(
        "POST",
        f"{server.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {CLIENT_KEY}"},
        json={"model": "breaks-midway", "stream": True, "messages": []},
    ) as response:
        body = response.read().decode()
    assert response.status_code == 200
    assert "partial" in body and "upstream went away" in body and "[DONE]" not in body


def test_the_access_provider_decides_who_may_call(embedded):
    server = embedded()
    missing = httpx.get(f"{server.url}/v1/models")
    assert missing.status_code == 401 and missing.json() == {"error": "Missing API key"}
    wrong = httpx.get(f"{server.url}/v1/models", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json() == {"error": "Invalid API key"}
    right = httpx.get(f"{server.url}/v1/models", headers={"x-api-key": CLIENT_KEY})
    assert right.status_code == 200


def test_usage_observers_get_a_record_per_execution(embedded):
    server = embedded()
    _openai(server).chat.completions.create(
        model="echo-bot", messages=[{"role": "user", "content": "count these words"}]
    )
    line = wait_for(lambda: server.usage.exists() and server.usage.read_text(), what="usage")
    record = json.loads(line.splitlines()[0])
    assert record["provider"] == "myprov" and record["requested_model"] == "echo-bot"
    assert record["api_key"] == CLIENT_KEY and record["auth_id"] == "echo"
    assert record["tokens"]["OutputTokens"] == 3 and not record["failed"]


def test_the_asgi_app_mounts_inside_another_application(embedded):
    server = embedded("--mounted")
    assert httpx.get(server.url + "/").text == "the host application"
    answer = _openai(server, "/llm/v1").chat.completions.create(
        model="echo-bot", messages=[{"role": "user", "content": "mounted proxy"}]
    )
    assert answer.choices[0].message.content == "proxy mounted"


def test_a_config_file_applies_beside_the_python_additions(embedded):
    config = "host: 127.0.0.1\nport: {port}\napi-keys: [key-from-the-file]\n"
    server = embedded("--config", "{config}", config=config)
    for key in ("key-from-the-file", CLIENT_KEY):  # the config's keys, then the provider's
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0)
        answer = client.chat.completions.create(
            model="echo-bot", messages=[{"role": "user", "content": "both keys"}]
        )
        assert answer.choices[0].message.content == "keys both"
