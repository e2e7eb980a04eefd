"""host.http.* and host.auth.* from a real plugin (the test plugin's `test-host-calls`
model makes the calls it is given, from its executor call, with that call's scope)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.capability_helpers import chat, content, write_credential
from tests.conftest import certificate, plugin_config
from tests.upstream import BIG


def host_calls(server, calls: list, from_thread: bool = False) -> list[dict]:
    """Makes `calls` ([method, request] pairs) from inside a plugin call (or from a thread
    the plugin starts); their replies."""
    body = {**chat("test-host-calls", json.dumps(calls)), "user": "thread" if from_thread else ""}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        response = client.post("/v1/chat/completions", json=body)
    return [json.loads(line) for line in content(response).splitlines()]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def proxy(start_server, test_plugins, tmp_path):
    def start(settings: str = "", extra: str = ""):
        return start_server(
            plugin_config(
                {"testplugin": test_plugins["testplugin"]},
                extra=f"auth-dir: {tmp_path / 'auths'}\n{extra}",
                plugin_settings=settings,
            )
        )

    return start


@pytest.mark.parametrize("from_thread", [False, True], ids=["call-thread", "plugin-thread"])
def test_http_do_in_both_request_forms(proxy, upstream, from_thread):
    server = proxy()
    flat, nested, posted, redirected, unzipped = host_calls(
        server,
        [
            ["host.http.do", {"url": f"{upstream.url}/hello", "host_callback_id": "{cb}"}],
            ["host.http.do", {"request": {"method": "GET", "url": f"{upstream.url}/hello"}}],
            [
                "host.http.do",
                {
                    "method": "post",
                    "url": f"{upstream.url}/echo",
                    "headers": {"user-agent": ["demo"], "X-Many": ["a"]},
                    "body": _b64(b'{"q":1}'),
                },
            ],
            ["host.http.do", {"url": f"{upstream.url}/redirect"}],
            ["host.http.do", {"url": f"{upstream.url}/gzip"}],
        ],
        from_thread,
    )
    for reply in (flat, nested):
        result = reply["result"]
        assert result["StatusCode"] == 200 and base64.b64decode(result["Body"]) == b"hello"
        assert result["Headers"]["X-Upstream"] == ["yes"]
    echo = json.loads(base64.b64decode(posted["result"]["Body"]))
    assert posted["result"]["StatusCode"] == 201
    assert echo["body"] == '{"q":1}' and echo["headers"]["user-agent"] == "demo"
    assert base64.b64decode(redirected["result"]["Body"]) == b"hello"  # redirects followed
    assert base64.b64decode(unzipped["result"]["Body"]) == b"unzipped text"
    assert "Content-Encoding" not in unzipped["result"]["Headers"]


def test_http_failures_are_host_call_failed(proxy, upstream):
    server = proxy("host-http-max-body-bytes: 1000")
    refused, too_big, no_scheme, not_found = host_calls(
        server,
        [
            ["host.http.do", {"url": "http://127.0.0.1:9/"}],
            ["host.http.do", {"url": f"{upstream.url}/big"}],
            ["host.http.do", {"url": "nowhere"}],
            ["host.http.do", {"url": f"{upstream.url}/missing"}],
        ],
    )
    assert refused["error"]["code"] == "host_call_failed"
    assert refused["error"]["message"].startswith("execute host http request:")
    assert too_big["error"]["message"] == (
        "read host http response: body larger than 1000 bytes (plugins.host-http-max-body-bytes)"
    )
    assert no_scheme["ok"] is False
    assert not_found["result"]["StatusCode"] == 404  # any status is a success


def test_http_stream_reads_at_most_32_kib_until_done(proxy, upstream):
    server = proxy()
    calls = [["host.http.do_stream", {"url": f"{upstream.url}/big"}]]
    calls += [["host.http.stream_read", {"stream_id": "{stream}"}]] * 60  # pieces vary
    calls += [["host.http.stream_close", {"stream_id": "{stream}"}]] * 2
    opened, *reads, closed, closed_again = host_calls(server, calls)
    assert opened["result"]["status_code"] == 200 and opened["result"]["stream_id"]
    pieces = [
        base64.b64decode(r["result"]["payload"]) for r in reads if "payload" in r.get("result", {})
    ]
    assert all(len(p) <= 32 * 1024 for p in pieces) and b"".join(pieces) == BIG
    done_at = next(i for i, r in enumerate(reads) if r["result"].get("done"))
    assert reads[done_at]["result"] == {"done": True}
    after = reads[done_at + 1]
    assert after["error"]["message"] == f"http stream {opened['result']['stream_id']} is not open"
    assert closed == closed_again == {"ok": True, "result": {}}


def test_http_streams_are_capped_per_plugin_and_end_with_their_scope(proxy, upstream):
    server = proxy("max-http-streams: 2")
    opens = [["host.http.do_stream", {"url": f"{upstream.url}/big", "host_callback_id": "{cb}"}]]
    first, second, third = host_calls(server, opens * 3)
    assert first["ok"] and second["ok"]
    assert third["error"]["message"] == (
        "plugin testplugin has 2 http streams open (plugins.max-http-streams: 2); close some first"
    )
    # both were opened with the call's scope: they closed when that call returned
    (read,) = host_calls(
        server, [["host.http.stream_read", {"stream_id": first["result"]["stream_id"]}]]
    )
    assert read["error"]["message"].endswith("is not open")
    (again,) = host_calls(server, opens)
    assert again["ok"]


def test_auth_callbacks_list_get_and_save(proxy, tmp_path):
    auth_dir = tmp_path / "auths"
    write_credential(
        auth_dir, "b.json", {"type": "demo", "email": "b@example.com", "api_key": "k2"}
    )
    server = proxy()
    (listing,) = host_calls(server, [["host.auth.list", {}]])
    (entry,) = listing["result"]["files"]
    assert entry["name"] == "b.json" and entry["provider"] == "demo" and entry["source"] == "file"
    assert entry["email"] == "b@example.com" and len(entry["auth_index"]) == 16
    index = entry["auth_index"]
    got, runtime, saved, listed, bad_name, bad_json = host_calls(
        server,
        [
            ["host.auth.get", {"auth_index": index}],
            ["host.auth.get_runtime", {"auth_index": index}],
            ["host.auth.save", {"name": "new.json", "json": {"type": "demo", "api_key": "k3"}}],
            ["host.auth.list", None],
            ["host.auth.save", {"name": "../escape.json", "json": {"type": "x"}}],
            ["host.auth.save", {"name": "x.json", "json": '{"type":"x"}'}],
        ],
    )
    assert got["result"] == {
        "auth_index": index,
        "name": "b.json",
        "path": str(auth_dir / "b.json"),
        "json": {"type": "demo", "email": "b@example.com", "api_key": "k2"},
    }
    assert runtime["result"]["auth"]["auth_index"] == index
    assert saved["result"] == {"name": "new.json", "path": str(auth_dir / "new.json")}
    # the bytes as sent (the test sends the list with json.dumps: ", " and ": ")
    assert (auth_dir / "new.json").read_text() == '{"type": "demo", "api_key": "k3"}'
    assert (auth_dir / "new.json").stat().st_mode & 0o777 == 0o600
    assert [e["name"] for e in listed["result"]["files"]] == ["b.json", "new.json"]
    assert bad_name["error"]["message"] == "invalid auth file name"
    assert bad_json["error"]["message"] == "invalid auth json: it must be a JSON object"
    (missing,) = host_calls(server, [["host.auth.get", {"auth_index": "nope"}]])
    assert missing["error"]["message"] == "auth not found for auth_index nope"


def test_model_callbacks_from_a_plugin_thread(proxy, start_server, example, test_plugins, tmp_path):
    server = start_server(
        plugin_config(
            {"testplugin": test_plugins["testplugin"], "executor-c": example("executor", "c")}
        )
    )
    request = {
        "entry_protocol": "openai",
        "model": "example-echo-c",
        "body": _b64(b'{"model":"example-echo-c","messages":[{"role":"user","content":"hi"}]}'),
        "host_callback_id": "{cb}",
    }
    stream_request = {**request, "stream": True}
    done, opened, first, closed, after = host_calls(
        server,
        [
            ["host.model.execute", request],
            ["host.model.execute_stream", stream_request],
            ["host.model.stream_read", {"stream_id": "{stream}"}],
            ["host.model.stream_close", {"stream_id": "{stream}"}],
            ["host.model.stream_read", {"stream_id": "{stream}"}],
        ],
        from_thread=True,
    )
    answer = json.loads(base64.b64decode(done["result"]["body"]))
    assert answer["choices"][0]["message"]["content"] == "hi"
    assert opened["result"]["stream_id"] and first["result"]["done"] is False
    assert closed == {"ok": True, "result": {}}
    assert after["result"] == {"payload": None, "error": "", "done": True}  # closed: not an error


def test_a_nested_run_without_headers_gets_the_client_requests(proxy):
    server = proxy()
    request = {
        "entry_protocol": "openai",
        "model": "test-reflect",
        "body": _b64(b'{"model":"test-reflect","messages":[]}'),
        "host_callback_id": "{cb}",
    }
    body = chat("test-host-calls", json.dumps([["host.model.execute", request]]))
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/v1/chat/completions", json=body, headers={"X-Client": "mine"})
    (reply,) = [json.loads(line) for line in content(response).splitlines()]
    nested = json.loads(base64.b64decode(reply["result"]["body"]))
    seen = json.loads(nested["choices"][0]["message"]["content"])
    assert seen["Headers"]["X-Client"] == ["mine"]
    assert seen["Metadata"]["source"] == "plugin_host_model_callback"


def test_the_client_leaving_cancels_the_plugins_upstream_request(proxy, upstream):
    server = proxy()
    body = chat(
        "test-host-calls",
        json.dumps([["host.http.do", {"url": f"{upstream.url}/slow", "host_callback_id": "{cb}"}]]),
    )
    with pytest.raises(httpx.ReadTimeout), httpx.Client(base_url=server.url, timeout=1.0) as client:
        client.post("/v1/chat/completions", json=body)
    # the client gave up after a second; the 20 s upstream download stops with it
    assert upstream.abandoned.wait(10)


def test_a_model_stream_left_open_closes_with_its_scope(start_server, example, test_plugins):
    server = start_server(
        plugin_config(
            {"testplugin": test_plugins["testplugin"], "executor-c": example("executor", "c")}
        )
    )
    request = {
        "entry_protocol": "openai",
        "model": "example-echo-c",
        "stream": True,
        "body": _b64(
            json.dumps(
                {
                    "model": "example-echo-c",
                    "stream": True,
                    "messages": [{"role": "user", "content": "a b"}],
                }
            ).encode()
        ),
        "host_callback_id": "{cb}",
    }
    (opened,) = host_calls(server, [["host.model.execute_stream", request]])
    stream_id = opened["result"]["stream_id"]
    # the call that opened it has returned: the stream went with its scope
    (read,) = host_calls(server, [["host.model.stream_read", {"stream_id": stream_id}]])
    assert read["result"] == {"payload": None, "error": "", "done": True}


def test_http_do_speaks_http2_to_a_tls_upstream(
    start_server, example, test_plugins, tmp_path, monkeypatch
):
    """The upstream is another cliproxy serving h2 over TLS; its access log names the
    protocol each request came in with."""
    cert, key = certificate(tmp_path)
    tls = f"tls:\n  enable: true\n  cert: {cert}\n  key: {key}\naccess-log: true"
    upstream = start_server(plugin_config({"executor-c": example("executor", "c")}, extra=tls))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the plugin host trusts the test CA
    server = start_server(plugin_config({"testplugin": test_plugins["testplugin"]}))
    url = upstream.url.replace("http://", "https://") + "/healthz"
    (reply,) = host_calls(server, [["host.http.do", {"url": url}]])
    assert reply["result"]["StatusCode"] == 200
    assert json.loads(base64.b64decode(reply["result"]["Body"])) == {"status": "ok"}
    assert '"GET /healthz 2"' in upstream.wait_log("GET /healthz")
