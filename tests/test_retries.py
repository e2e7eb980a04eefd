"""Retry behaviour a user configures (04 §1.3, §5.3-5.4): retry rounds over the credentials
after a failure worth retrying, stream bootstrap retries, and the keep-alives of slow
answers; with the OpenAI SDK and httpx against the mock upstream."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.conftest import wait_for
from tests.test_openai_compat import _config, _sdk
from tests.upstream import Upstream


def _flaky(upstream: Upstream, extra: str) -> str:
    return (
        _config(upstream, ["good-1"]).replace(
            "      - name: broken\n",
            "      - name: flaky\n        alias: flaky\n      - name: broken\n",
        )
        + extra
    )


def test_a_retry_round_waits_for_the_cooldown_and_succeeds(start_server, upstream):
    upstream.failures = 1
    server = start_server(_flaky(upstream, "request-retry: 1\nmax-retry-interval: 5\n"))
    answer = _sdk(server).chat.completions.create(
        model="flaky", messages=[{"role": "user", "content": "second time lucky"}]
    )
    assert answer.choices[0].message.content == "second time lucky"
    assert [c["model"] for c in upstream.calls] == ["flaky", "flaky"]


def test_without_retry_rounds_the_upstream_error_is_returned(start_server, upstream):
    upstream.failures = 1
    server = start_server(_flaky(upstream, ""))
    with pytest.raises(openai.InternalServerError) as failed:
        _sdk(server).chat.completions.create(
            model="flaky", messages=[{"role": "user", "content": "once"}]
        )
    assert failed.value.status_code == 503
    assert failed.value.body["message"] == "overloaded, try again"
    assert len(upstream.calls) == 1


def test_a_cooldown_longer_than_max_retry_interval_fails_at_once(start_server, upstream):
    upstream.failures = 1
    server = start_server(_flaky(upstream, "request-retry: 3\nmax-retry-interval: 0.5\n"))
    with pytest.raises(openai.InternalServerError):
        _sdk(server).chat.completions.create(
            model="flaky", messages=[{"role": "user", "content": "no waiting"}]
        )
    assert len(upstream.calls) == 1


def test_bootstrap_retries_restart_a_stream_that_failed_before_its_first_chunk(
    start_server, upstream
):
    upstream.failures = 2
    server = start_server(
        _flaky(upstream, "disable-cooling: true\nstreaming:\n  bootstrap-retries: 2\n")
    )
    stream = _sdk(server).chat.completions.create(
        model="flaky", messages=[{"role": "user", "content": "third try"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.split() == ["third", "try"]
    assert len(upstream.calls) == 3


def test_non_stream_keepalive_commits_early_and_still_delivers_the_answer(start_server, upstream):
    upstream.failures = 1  # the retry round makes the answer take about a second
    server = start_server(
        _flaky(
            upstream, "request-retry: 1\nmax-retry-interval: 5\nnonstream-keepalive-interval: 0.2\n"
        )
    )
    response = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={"model": "flaky", "messages": [{"role": "user", "content": "patience"}]},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.text.startswith("\n")  # newlines kept the connection busy
    assert response.json()["choices"][0]["message"]["content"] == "patience"


def test_sse_keepalive_comments_fill_idle_stream_time(start_server, upstream):
    config = _config(upstream, ["good-1"], "streaming:\n  keepalive-seconds: 0.1\n")
    server = start_server(
        config.replace(
            "name: broken\n",
            "name: slow-stream\n        alias: slow-stream\n      - name: broken\n",
        )
    )
    with httpx.stream(
        "POST",
        f"{server.url}/v1/chat/completions",
        json={
            "model": "slow-stream",
            "stream": True,
            "messages": [{"role": "user", "content": "a b"}],
        },
    ) as response:
        body = response.read().decode()
    assert response.status_code == 200
    frames = body.split("\n\n")
    assert ": keep-alive" in frames  # between the paced events
    data = [f for f in frames if f.startswith("data: {")]
    assert "".join(f for f in data if '"content"' in f).count("content") == 2
    assert body.rstrip().endswith("data: [DONE]")


def test_legacy_completions_are_answered_as_text_completions(start_server, upstream):
    server = start_server(_config(upstream, ["good-1"]))
    client = _sdk(server)
    answer = client.completions.create(model="mock-model", prompt="say this back")
    assert answer.object == "text_completion"
    assert answer.choices[0].text == "say this back"
    assert upstream.calls[-1]["body"]["messages"] == [{"role": "user", "content": "say this back"}]
    stream = client.completions.create(model="mock-model", prompt="one two", stream=True)
    pieces = [c.choices[0].text for c in stream if c.choices]
    assert "".join(pieces).split() == ["one", "two"]


def test_a_rested_credential_returns_when_its_cooldown_ends(start_server, upstream):
    upstream.failures = 1  # the first call gets 503 with Retry-After: 1
    config = _config(upstream, ["good-1", "good-2"])
    server = start_server(
        config.replace(
            "      - name: broken\n",
            "      - name: flaky\n        alias: flaky\n      - name: broken\n",
        )
    )
    client = _sdk(server)

    def ask() -> str:
        client.chat.completions.create(model="flaky", messages=[{"role": "user", "content": "x"}])
        return upstream.calls[-1]["key"]

    other = ask()  # failed over before the first byte
    rested = upstream.calls[0]["key"]
    assert rested != other
    assert ask() == other and ask() == other  # round-robin skips the resting key
    # polled, not slept: the rested key is picked again once its one-second rest is over
    assert wait_for(lambda: ask() == rested, timeout=10, what="the rested key back in turn")


def test_max_retry_credentials_caps_the_keys_tried(start_server, upstream):
    server = start_server(_config(upstream, ["good-1", "good-2"], "max-retry-credentials: 1\n"))
    with pytest.raises(openai.InternalServerError):
        _sdk(server).chat.completions.create(
            model="broken", messages=[{"role": "user", "content": "x"}]
        )
    assert len(upstream.calls) == 1  # without the cap the second key is tried too
