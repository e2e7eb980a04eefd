"""The real server with the three example executors, over HTTP/1.1, h2c and h2 (TLS)."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import h2.events
import httpx
import pytest
import ujson

from tests.conftest import LANGS, RawH2, certificate, plugin_config, require

API_KEY = "sk-test-key"


@pytest.fixture
def echo_server(start_server, example):
    plugins = {f"executor-{lang}": example("executor", lang) for lang in LANGS}
    return start_server(plugin_config(plugins, extra=f"api-keys: [{API_KEY}]"))


def _client(server, protocol: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    if protocol == "http1":
        return httpx.Client(base_url=server.url, headers=headers, timeout=30)
    return httpx.Client(base_url=server.url, headers=headers, timeout=30, http1=False, http2=True)


def _chat(model: str, text: str, stream: bool = False) -> dict:
    return {
        "model": model,
        "stream": stream,
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": text}]},
        ],
    }


def _sse_payloads(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.split("\n\n") if line.startswith("data: ")]


@pytest.mark.parametrize("protocol", ["http1", "h2c"])
def test_models_list_has_every_echo_model(echo_server, protocol: str) -> None:
    with _client(echo_server, protocol) as client:
        response = client.get("/v1/models")
    assert response.status_code == 200
    assert response.http_version == ("HTTP/1.1" if protocol == "http1" else "HTTP/2")
    ids = {m["id"] for m in response.json()["data"]}
    assert ids == {f"example-echo-{lang}" for lang in LANGS}
    assert all(m["object"] == "model" for m in response.json()["data"])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("protocol", ["http1", "h2c"])
def test_non_stream_echoes_last_user_message(echo_server, lang: str, protocol: str) -> None:
    with _client(echo_server, protocol) as client:
        response = client.post(
            "/v1/chat/completions", json=_chat(f"example-echo-{lang}", "hello there")
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == f"example-echo-{lang}"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "hello there"}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 2


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("protocol", ["http1", "h2c"])
def test_stream_is_word_by_word_sse(echo_server, lang: str, protocol: str) -> None:
    with (
        _client(echo_server, protocol) as client,
        client.stream(
            "POST",
            "/v1/chat/completions",
            json=_chat(f"example-echo-{lang}", "one two three", True),
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    payloads = _sse_payloads(text)
    assert payloads[-1] == "[DONE]"
    chunks = [ujson.loads(p) for p in payloads[:-1]]
    deltas = [c["choices"][0]["delta"].get("content", "") for c in chunks]
    assert "".join(deltas) == "one two three"
    assert deltas[:3] == ["one", " two", " three"]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)


def test_prefix_from_plugin_config_reaches_the_reply(start_server, example) -> None:
    config = plugin_config(
        {f"executor-{lang}": (example("executor", lang), 'prefix: "[bot] "') for lang in LANGS}
    )
    server = start_server(config)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for lang in LANGS:
            body = client.post(
                "/v1/chat/completions", json=_chat(f"example-echo-{lang}", "hi")
            ).json()
            assert body["choices"][0]["message"]["content"] == "[bot] hi", lang


def test_h2_over_tls(start_server, example, tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    tls = f"tls:\n  enable: true\n  cert: {cert}\n  key: {key}"
    server = start_server(plugin_config({"executor-c": example("executor", "c")}, extra=tls))
    url = server.url.replace("http://", "https://")
    trust = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(base_url=url, verify=trust, http2=True, timeout=30) as client:
        response = client.post("/v1/chat/completions", json=_chat("example-echo-c", "secure hi"))
        streamed = client.post("/v1/chat/completions", json=_chat("example-echo-c", "a b", True))
    assert response.http_version == "HTTP/2"
    assert response.json()["choices"][0]["message"]["content"] == "secure hi"
    assert streamed.http_version == "HTTP/2"
    assert _sse_payloads(streamed.text)[-1] == "[DONE]"


def test_h2c_upgrade_from_http1(echo_server) -> None:
    """An HTTP/1.1 client asking to upgrade to h2c gets HTTP/2 on the same connection."""
    result = subprocess.run(
        [
            "curl",
            "-s",
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version}",
            "-H",
            f"Authorization: Bearer {API_KEY}",
            f"{echo_server.url}/v1/models",
        ],
        capture_output=True,
        text=True,
    )
    require(result.returncode == 0, "curl is needed for the h2c Upgrade check")
    assert result.stdout == "2"


# ---------------------------------------------------------------- client errors


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "Missing API key"),
        ({"Authorization": "Bearer wrong"}, "Invalid API key"),
        ({"X-Api-Key": "wrong"}, "Invalid API key"),
    ],
)
def test_bad_api_key_is_401(echo_server, headers: dict, expected: str) -> None:
    with httpx.Client(base_url=echo_server.url, http1=False, http2=True) as client:
        response = client.post(
            "/v1/chat/completions", json=_chat("example-echo-c", "x"), headers=headers
        )
    assert response.status_code == 401
    assert response.json() == {"error": expected}


def test_other_key_headers_are_accepted(echo_server) -> None:
    with httpx.Client(base_url=echo_server.url) as client:
        by_header = client.post(
            "/v1/chat/completions",
            json=_chat("example-echo-c", "x"),
            headers={"x-api-key": API_KEY},
        )
        by_query = client.get("/v1/models", params={"key": API_KEY})
    assert by_header.status_code == 200
    assert by_query.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'{"messages": []}', 400, "`model` is required"),
        (b'{"model": "no-such-model", "messages": []}', 400, "no-such-model"),
    ],
)
def test_bad_requests_get_openai_errors(
    echo_server, body: bytes, status: int, fragment: str
) -> None:
    with _client(echo_server, "h2c") as client:
        response = client.post(
            "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == status
    error = response.json()["error"]
    assert fragment in error["message"]
    assert error["type"] == "invalid_request_error"


def test_unknown_model_has_model_not_found_code(echo_server) -> None:
    with _client(echo_server, "http1") as client:
        error = client.post("/v1/chat/completions", json=_chat("gpt-nope", "x")).json()["error"]
    assert error["code"] == "model_not_found"
    assert error["param"] == "model"


def test_body_over_the_limit_is_413(start_server, example) -> None:
    limits = "limits:\n  max-request-body-bytes: 1000"
    server = start_server(plugin_config({"executor-c": example("executor", "c")}, extra=limits))
    big = _chat("example-echo-c", "x" * 2000)
    with (
        httpx.Client(base_url=server.url) as http1,
        httpx.Client(base_url=server.url, http1=False, http2=True) as h2,
    ):
        declared = http1.post("/v1/chat/completions", json=big)
        chunked = h2.post("/v1/chat/completions", content=iter([ujson.dumps(big).encode()]))
        small = http1.post("/v1/chat/completions", json=_chat("example-echo-c", "fits"))
    for response in (declared, chunked):
        assert response.status_code == 413
        assert "1000 bytes" in response.json()["error"]["message"]
    assert small.status_code == 200


def test_healthz_root_cors_and_unknown_routes(echo_server) -> None:
    with httpx.Client(base_url=echo_server.url) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.head("/healthz").status_code == 200
        assert client.get("/").json()["message"] == "CLI Proxy API Server"
        preflight = client.options("/v1/chat/completions")
        missing = client.get("/v1/nothing-here")
        wrong_method = client.get("/v1/chat/completions")
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert missing.status_code == 404 and missing.content == b""
    assert wrong_method.status_code == 404


def test_many_concurrent_streams_over_one_h2_connection(echo_server) -> None:
    import asyncio

    async def run() -> list[str]:
        async with httpx.AsyncClient(
            base_url=echo_server.url,
            http1=False,
            http2=True,
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=60,
        ) as client:

            async def one(i: int) -> str:
                lang = LANGS[i % 3]
                r = await client.post(
                    "/v1/chat/completions", json=_chat(f"example-echo-{lang}", f"n {i}", True)
                )
                return "".join(
                    ujson.loads(p)["choices"][0]["delta"].get("content", "")
                    for p in _sse_payloads(r.text)[:-1]
                )

            return await asyncio.gather(*(one(i) for i in range(60)))

    assert asyncio.run(run()) == [f"n {i}" for i in range(60)]


def test_answer_before_the_upload_ends_keeps_the_h2_connection(echo_server) -> None:
    """A 401 decided before the request body arrived. The body's DATA frames then come in
    after the answer; they must not take the connection down (Hypercorn drops the whole
    connection on them unless the body is drained before the response completes)."""

    def until(predicate) -> list:
        while not any(predicate(e) for e in events):
            events.extend(client.events())
        return events

    client = RawH2(echo_server.port)
    events: list = []
    try:
        first = client.start("/v1/chat/completions")  # headers only, no API key
        until(lambda e: isinstance(e, h2.events.ResponseReceived))
        body = ujson.dumps(_chat("example-echo-c", "late")).encode()
        events += client.trickle_body(first, body, pieces=20)
        until(lambda e: isinstance(e, h2.events.StreamEnded) and e.stream_id == first)
        second = client.start("/healthz", b"", method="GET")
        until(lambda e: isinstance(e, h2.events.StreamEnded) and e.stream_id == second)
    finally:
        client.close()
    statuses = [
        dict(e.headers)[b":status"] for e in events if isinstance(e, h2.events.ResponseReceived)
    ]
    assert statuses == [b"401", b"200"]
    assert b"Missing API key" in b"".join(
        e.data for e in events if isinstance(e, h2.events.DataReceived) and e.stream_id == first
    )


def test_an_unexpected_error_is_an_openai_500_without_a_traceback(monkeypatch) -> None:
    """In-process: a bug inside the pipeline must reach the client as a JSON error."""
    import asyncio

    from proxy.config import parse
    from proxy.http.app import create_app
    from proxy.pipeline import resolve
    from proxy.runtime import Runtime

    def broken(ctx):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(resolve, "resolve", broken)
    app = create_app(Runtime(parse("")))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
            return await client.post("/v1/chat/completions", json=_chat("any", "x"))

    response = asyncio.run(call())
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "message": "internal error in the proxy; see its log",
            "type": "server_error",
            "code": "internal_server_error",
        }
    }
    assert "secret internal detail" not in response.text


def test_a_client_that_stops_sending_is_cut_off_cleanly(start_server, example) -> None:
    import socket

    server = start_server(
        plugin_config(
            {"executor-c": example("executor", "c")}, extra="limits:\n  read-timeout-seconds: 1"
        )
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
        )
        answer = b"".join(iter(lambda: sock.recv(65536), b""))  # until the server closes
    assert not answer.startswith(b"HTTP/1.1 5"), answer  # a stalled client is not our error
    assert "Error in ASGI Framework" not in server.log
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/healthz").status_code == 200
