"""Executor streams through the real server: timing, disconnects, errors, backpressure."""

from __future__ import annotations

import h2.events
import httpx
import pytest
import ujson

from tests.conftest import RawH2, plugin_config, wait_for


@pytest.fixture
def stream_server(start_server, test_plugins, marker_dir):
    config = plugin_config(
        {"testplugin": (test_plugins["testplugin"], "name: test")},
        plugin_settings="stream-buffer-chunks: 32\nstream-idle-timeout-seconds: 1",
    )
    return start_server(config)


def _request(model: str, **extra: object) -> dict:
    return {
        "model": model,
        "stream": True,
        "messages": [{"role": "user", "content": "go"}],
        **extra,
    }


def _events(lines: list[str]) -> list[str]:
    return [line[len("data: ") :] for line in lines if line.startswith("data: ")]


def _content(event: str) -> str:
    return ujson.loads(event)["choices"][0]["delta"]["content"]


@pytest.mark.parametrize("http2", [False, True])
def test_first_chunk_arrives_before_the_stream_ends(stream_server, marker_dir, http2: bool) -> None:
    name = f"early-{int(http2)}"
    with (
        httpx.Client(
            base_url=stream_server.url, http1=not http2, http2=http2, timeout=30
        ) as client,
        client.stream(
            "POST", "/v1/chat/completions", json=_request("test-gated", user=name)
        ) as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()
        first = next(line for line in lines if line.startswith("data: "))
        # The plugin is still waiting for its gate: the stream cannot have ended yet.
        assert _content(first[len("data: ") :]) == "first"
        (marker_dir / f"gate-{name}").touch()
        rest = _events(list(lines))
    assert [_content(e) for e in rest[:-1]] == ["second"]
    assert rest[-1] == "[DONE]"


@pytest.mark.parametrize("http2", [False, True])
def test_client_closing_its_connection_ends_the_stream_on_the_plugin_side(
    stream_server, marker_dir, http2: bool
) -> None:
    name = f"disconnect-{int(http2)}"
    client = httpx.Client(base_url=stream_server.url, http1=not http2, http2=http2, timeout=30)
    with client.stream(
        "POST", "/v1/chat/completions", json=_request("test-gated", user=name)
    ) as response:
        first = next(line for line in response.iter_lines() if line.startswith("data: "))
        assert _content(first[len("data: ") :]) == "first"
        client.close()  # mid-stream
    _assert_plugin_saw_emit_fail(marker_dir, name)
    with httpx.Client(base_url=stream_server.url) as other:
        assert other.post("/v1/chat/completions", json=_request("test-ok")).status_code == 200


def test_streams_past_the_per_plugin_cap_are_refused_until_one_ends(
    start_server, test_plugins, marker_dir
) -> None:
    config = plugin_config(
        {"testplugin": (test_plugins["testplugin"], "name: test")},
        plugin_settings="max-executor-streams: 1",
    )
    server = start_server(config)
    with (
        httpx.Client(base_url=server.url, timeout=30) as client,
        client.stream(
            "POST", "/v1/chat/completions", json=_request("test-gated", user="capped")
        ) as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()  # kept: a dropped iterator closes the response
        next(line for line in lines if line.startswith("data: "))
        refused = httpx.post(
            f"{server.url}/v1/chat/completions", json=_request("test-ok"), timeout=30
        )
        assert refused.status_code == 503
        assert "max-executor-streams" in refused.json()["error"]["message"]
        (marker_dir / "gate-capped").touch()
        assert _events(list(lines))[-1] == "[DONE]"
    again = httpx.post(f"{server.url}/v1/chat/completions", json=_request("test-ok"), timeout=30)
    assert again.status_code == 200


def test_h2_stream_reset_ends_the_stream_on_the_plugin_side(stream_server, marker_dir) -> None:
    """RST_STREAM(CANCEL) on one stream (httpx never sends one; browsers and SDKs do)."""
    name = "disconnect-reset"
    client = RawH2(stream_server.port)
    try:
        body = ujson.dumps(_request("test-gated", user=name)).encode()
        stream_id = client.start("/v1/chat/completions", body)
        received = b""
        while b"first" not in received:
            received += b"".join(
                e.data for e in client.events() if isinstance(e, h2.events.DataReceived)
            )
        client.reset(stream_id)
        _assert_plugin_saw_emit_fail(marker_dir, name)
    finally:
        client.close()


def test_client_leaving_before_the_first_chunk_ends_the_stream(stream_server, marker_dir) -> None:
    """Nothing was sent yet (headers wait for the first chunk): the server must still notice
    the client leaving and close the plugin's stream."""
    name = "disconnect-late"
    client = RawH2(stream_server.port)
    try:
        stream_id = client.start(
            "/v1/chat/completions", ujson.dumps(_request("test-gated", user=name)).encode()
        )
        wait_for((marker_dir / f"stream-started-{name}").exists, what="the plugin stream")
        client.reset(stream_id)
        _assert_plugin_saw_emit_fail(marker_dir, name)
    finally:
        client.close()


def _assert_plugin_saw_emit_fail(marker_dir, name: str) -> None:
    (marker_dir / f"gate-{name}").touch()
    failed = marker_dir / f"emit-failed-{name}"
    wait_for(failed.exists, what="the plugin to see its emit fail")
    assert failed.read_text() == "yes"


def test_synchronous_emits_past_the_buffer_do_not_deadlock(stream_server) -> None:
    """1,000 emits inside executor.execute_stream with a 32-chunk buffer (CLIProxyAPI
    blocks forever after 16)."""
    with httpx.Client(base_url=stream_server.url, http1=False, http2=True, timeout=60) as client:
        response = client.post(
            "/v1/chat/completions", json=_request("test-sync-emit", max_tokens=1000)
        )
    events = _events(response.text.split("\n"))
    assert events[-1] == "[DONE]"
    assert [_content(e) for e in events[:-1]] == [str(i) for i in range(1000)]


def test_inline_chunks(stream_server) -> None:
    with httpx.Client(base_url=stream_server.url) as client:
        events = _events(
            client.post("/v1/chat/completions", json=_request("test-ok")).text.split("\n")
        )
    assert [_content(e) for e in events[:-1]] == ["in", "line"]
    assert events[-1] == "[DONE]"


@pytest.mark.parametrize(
    ("model", "status", "fragment"),
    [
        ("test-stream-error-early", 429, "slow down"),
        ("test-stream-error-first", 500, "upstream exploded"),
        ("test-inline-err", 502, "inline chunks cannot carry Err"),
        ("test-never-close", 504, "sent no stream chunk for 1s"),
    ],
)
def test_errors_before_the_first_chunk_are_plain_json_errors(
    stream_server, model: str, status: int, fragment: str
) -> None:
    with httpx.Client(base_url=stream_server.url, http1=False, http2=True, timeout=30) as client:
        response = client.post("/v1/chat/completions", json=_request(model))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert fragment in response.json()["error"]["message"]


def test_error_after_the_first_chunk_is_an_in_stream_error_frame(stream_server) -> None:
    with httpx.Client(base_url=stream_server.url) as client:
        response = client.post("/v1/chat/completions", json=_request("test-stream-close-error"))
    assert response.status_code == 200
    events = _events(response.text.split("\n"))
    assert _content(events[0]) == "partial"
    error = ujson.loads(events[1])["error"]
    assert error["message"] == "upstream exploded"
    assert error["type"] == "server_error"
    assert "[DONE]" not in events
