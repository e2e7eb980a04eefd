"""Model lists, credentials, client authentication, routers and schedulers, through the
real server with the example plugins (and the test plugin where a test needs to see what
reached an executor)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.capability_helpers import chat, content, reflected, write_credential
from tests.conftest import LANGS, plugin_config


def _models(server) -> set[str]:
    with httpx.Client(base_url=server.url) as client:
        return {m["id"] for m in client.get("/v1/models").json()["data"]}


@pytest.mark.parametrize("lang", LANGS)
def test_model_registrar_models_are_served_by_the_provider_executor(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"model-registrar-{lang}": (example("model-registrar", lang), "models: a-x,b-x"),
            }
        )
    )
    assert {"a-x", "b-x", f"example-echo-{lang}"} <= _models(server)
    with httpx.Client(base_url=server.url) as client:
        assert (
            content(client.post("/v1/chat/completions", json=chat("b-x", "registered")))
            == "registered"
        )


@pytest.mark.parametrize("lang", LANGS)
def test_model_provider_static_models_and_models_for_a_credential(
    start_server, example, lang, tmp_path
):
    auth_dir = tmp_path / "auths"
    write_credential(auth_dir, "tenant.json", {"type": f"echo-{lang}", "models": ["tenant-x"]})
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                # before the echo executor, which also answers model.for_auth for echo-<lang>
                f"model-provider-{lang}": (example("model-provider", lang), "priority: 1"),
            },
            extra=f"auth-dir: {auth_dir}",
        )
    )
    assert {f"static-{lang}", "tenant-x"} <= _models(server)
    with httpx.Client(base_url=server.url) as client:
        assert content(client.post("/v1/chat/completions", json=chat("tenant-x", "mine"))) == "mine"
        assert content(client.post("/v1/chat/completions", json=chat(f"static-{lang}", "s"))) == "s"


@pytest.mark.parametrize("lang", LANGS)
def test_a_401_refreshes_the_credential_once_and_saves_it(start_server, example, lang, tmp_path):
    auth_dir = tmp_path / "auths"
    path = write_credential(
        auth_dir,
        "me.json",
        {"type": f"token-{lang}", "access_token": "expired", "refresh_token": "r1", "label": "me"},
    )
    server = start_server(
        plugin_config(
            {f"auth-provider-{lang}": example("auth-provider", lang)}, extra=f"auth-dir: {auth_dir}"
        )
    )
    assert f"token-model-{lang}" in _models(server)
    with httpx.Client(base_url=server.url) as client:
        answer = content(client.post("/v1/chat/completions", json=chat(f"token-model-{lang}")))
        assert answer == f"token-model-{lang} used refreshed-{lang}-1 from me.json"
        # the refreshed token is used from now on, without another refresh
        again = content(client.post("/v1/chat/completions", json=chat(f"token-model-{lang}")))
        assert again == answer
    stored = json.loads(path.read_text())
    assert stored["access_token"] == f"refreshed-{lang}-1"
    assert stored["refresh_token"] == "r1" and stored["type"] == f"token-{lang}"
    assert [p.name for p in auth_dir.iterdir()] == ["me.json"]  # no temporary file left


@pytest.mark.parametrize("lang", LANGS)
def test_a_credential_without_refresh_token_fails_with_the_401(
    start_server, example, lang, tmp_path
):
    auth_dir = tmp_path / "auths"
    write_credential(auth_dir, "me.json", {"type": f"token-{lang}", "access_token": "expired"})
    server = start_server(
        plugin_config(
            {f"auth-provider-{lang}": example("auth-provider", lang)}, extra=f"auth-dir: {auth_dir}"
        )
    )
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/v1/chat/completions", json=chat(f"token-model-{lang}"))
    assert response.status_code == 401
    assert "access token expired" in response.text


@pytest.mark.parametrize("lang", LANGS)
def test_browser_login_through_the_management_api(start_server, example, lang, tmp_path):
    auth_dir = tmp_path / "auths"
    server = start_server(
        plugin_config(
            {f"auth-provider-{lang}": example("auth-provider", lang)},
            extra=f"auth-dir: {auth_dir}\nremote-management:\n  secret-key: s3cret",
        )
    )
    key = {"Authorization": "Bearer s3cret"}
    with httpx.Client(base_url=server.url, headers=key) as client:
        started = client.get(f"/v0/management/token-{lang}-auth-url").json()
        state = started["state"]
        assert started["status"] == "ok" and f"state={state}" in started["url"]
        assert "redirect_uri=" in started["url"]
        assert client.get("/v0/management/get-auth-status", params={"state": state}).json() == {
            "status": "wait"
        }
        # the browser comes back without the management key
        callback = httpx.get(
            f"{server.url}/v0/management/oauth-callback", params={"state": state, "code": "abc"}
        )
        assert callback.status_code == 200
        assert client.get("/v0/management/get-auth-status", params={"state": state}).json() == {
            "status": "ok"
        }
        saved = json.loads((auth_dir / f"token-{lang}-{state}.json").read_text())
        assert saved["access_token"] == "code-abc" and saved["type"] == f"token-{lang}"
        answer = content(client.post("/v1/chat/completions", json=chat(f"token-model-{lang}")))
        assert answer == f"token-model-{lang} used code-abc from token-{lang}-{state}.json"


@pytest.mark.parametrize("lang", LANGS)
def test_failed_browser_login_reports_the_plugins_message(start_server, example, lang, tmp_path):
    server = start_server(
        plugin_config(
            {f"auth-provider-{lang}": example("auth-provider", lang)},
            extra=f"auth-dir: {tmp_path / 'auths'}\nremote-management:\n  secret-key: s3cret",
        )
    )
    key = {"X-Management-Key": "s3cret"}
    with httpx.Client(base_url=server.url, headers=key) as client:
        state = client.get(f"/v0/management/token-{lang}-auth-url").json()["state"]
        client.get("/v0/management/oauth-callback", params={"state": state, "error": "denied"})
        status = client.get("/v0/management/get-auth-status", params={"state": state}).json()
    assert status == {"status": "error", "error": "login failed: denied"}


@pytest.mark.parametrize("lang", LANGS)
def test_frontend_auth_plugin_accepts_its_tokens_beside_config_keys(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"frontend-auth-{lang}": (example("frontend-auth", lang), "tokens: t1,t2"),
            },
            extra="api-keys: [k1]",
        )
    )
    model = f"example-echo-{lang}"
    with httpx.Client(base_url=server.url) as client:
        post = client.post
        ok = post(
            "/v1/chat/completions", json=chat(model), headers={"X-Example-Frontend-Auth": "t2"}
        )
        assert ok.status_code == 200
        assert (
            post(
                "/v1/chat/completions", json=chat(model), headers={"Authorization": "Bearer k1"}
            ).status_code
            == 200
        )
        missing = post("/v1/chat/completions", json=chat(model))
        assert (missing.status_code, missing.json()) == (401, {"error": "Missing API key"})
        wrong = post(
            "/v1/chat/completions", json=chat(model), headers={"Authorization": "Bearer nope"}
        )
        assert (wrong.status_code, wrong.json()) == (401, {"error": "Invalid API key"})
        bad_token = post(
            "/v1/chat/completions", json=chat(model), headers={"X-Example-Frontend-Auth": "t3"}
        )
        assert bad_token.status_code == 401


@pytest.mark.parametrize("lang", LANGS)
def test_exclusive_frontend_auth_ignores_config_keys(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"frontend-auth-{lang}": (example("frontend-auth", lang), "exclusive: true"),
            },
            extra="api-keys: [k1]",
        )
    )
    model = f"example-echo-{lang}"
    with httpx.Client(base_url=server.url) as client:
        key = client.post(
            "/v1/chat/completions", json=chat(model), headers={"Authorization": "Bearer k1"}
        )
        assert key.status_code == 401
        token = {"X-Example-Frontend-Auth": f"secret-{lang}"}
        assert (
            client.post("/v1/chat/completions", json=chat(model), headers=token).status_code == 200
        )


@pytest.mark.parametrize("lang", LANGS)
def test_router_sends_flagged_requests_to_its_own_executor(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"model-router-{lang}": example("model-router", lang),
            }
        )
    )
    echo = f"example-echo-{lang}"
    with httpx.Client(base_url=server.url) as client:
        routed = client.post(
            "/v1/chat/completions", json=chat(echo, "hi"), headers={"X-Example-Route": "self"}
        )
        assert content(routed) == f"router-{lang} executor answered {echo}: hi"
        # an unknown model is fine when a router takes it to its own executor
        anything = client.post(
            "/v1/chat/completions", json=chat("no-such", "x"), headers={"X-Example-Route": "self"}
        )
        assert content(anything) == f"router-{lang} executor answered no-such: x"
        # a provider target with a model rewrite
        provider = {"X-Example-Route": f"provider:echo-{lang}:{echo}"}
        assert (
            content(
                client.post("/v1/chat/completions", json=chat("no-such", "via"), headers=provider)
            )
            == "via"
        )
        # an executor target by plugin id
        direct = {"X-Example-Route": f"executor:executor-{lang}"}
        assert (
            content(client.post("/v1/chat/completions", json=chat("any", "d"), headers=direct))
            == "d"
        )
        # no header: no decision, ordinary resolution
        assert content(client.post("/v1/chat/completions", json=chat(echo, "plain"))) == "plain"


@pytest.mark.parametrize("lang", LANGS)
def test_router_decisions_with_unavailable_targets_fall_through(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"model-router-{lang}": example("model-router", lang),
            }
        )
    )
    echo = f"example-echo-{lang}"
    with httpx.Client(base_url=server.url) as client:
        for route in ("provider:nobody", "executor:no-such-plugin", "bogus"):
            response = client.post(
                "/v1/chat/completions", json=chat(echo, "fell"), headers={"X-Example-Route": route}
            )
            assert content(response) == "fell", route
    assert "route decision ignored" in server.log


def test_the_first_router_by_priority_decides(start_server, example):
    server = start_server(
        plugin_config(
            {
                "model-router-c": (example("model-router", "c"), "priority: 1"),
                "model-router-go": (example("model-router", "go"), "priority: 5"),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        response = client.post(
            "/v1/chat/completions", json=chat("m", "x"), headers={"X-Example-Route": "self"}
        )
    assert content(response) == "router-go executor answered m: x"


@pytest.fixture
def two_credentials(tmp_path):
    """Two credentials of the test plugin's provider; its `test-reflect` model shows which
    one an attempt used."""
    auth_dir = tmp_path / "auths"
    for name in ("a.json", "b.json"):
        write_credential(auth_dir, name, {"type": "testplugin", "api_key": f"key-{name}"})
    return auth_dir


@pytest.mark.parametrize("lang", LANGS)
def test_scheduler_picks_the_configured_credential(
    start_server, example, test_plugins, two_credentials, lang
):
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                f"scheduler-{lang}": (example("scheduler", lang), "mode: pick\nauth-id: b.json"),
            },
            extra=f"auth-dir: {two_credentials}",
        )
    )
    with httpx.Client(base_url=server.url) as client:
        seen = [
            reflected(client.post("/v1/chat/completions", json=chat("test-reflect")))["AuthID"]
            for _ in range(4)
        ]
    assert seen == ["b.json"] * 4


@pytest.mark.parametrize("lang", LANGS)
def test_scheduler_can_delegate_and_deny(
    start_server, example, test_plugins, two_credentials, lang
):
    server = start_server(
        plugin_config(
            {
                "testplugin": test_plugins["testplugin"],
                f"scheduler-{lang}": (
                    example("scheduler", lang),
                    "mode: delegate\ndelegate: fill-first",
                ),
            },
            extra=f"auth-dir: {two_credentials}",
        )
    )
    with httpx.Client(base_url=server.url) as client:
        seen = [
            reflected(client.post("/v1/chat/completions", json=chat("test-reflect")))["AuthID"]
            for _ in range(3)
        ]
        assert seen == ["a.json"] * 3
        server.write_config(server.config_path.read_text().replace("mode: delegate", "mode: deny"))
        server.wait_log("config reloaded")
        denied = client.post("/v1/chat/completions", json=chat("test-reflect"))
    assert denied.status_code == 403
    assert f"scheduler-{lang} denied the request" in denied.text


def test_without_scheduler_credentials_rotate_and_reach_the_executor(
    start_server, test_plugins, two_credentials
):
    server = start_server(
        plugin_config(
            {"testplugin": test_plugins["testplugin"]}, extra=f"auth-dir: {two_credentials}"
        )
    )
    with httpx.Client(base_url=server.url) as client:
        seen = [
            reflected(client.post("/v1/chat/completions", json=chat("test-reflect")))
            for _ in range(4)
        ]
    assert [s["AuthID"] for s in seen] == ["a.json", "b.json", "a.json", "b.json"]
    assert seen[0]["AuthProvider"] == "testplugin"
    assert seen[0]["AuthMetadata"]["api_key"] == "key-a.json"
    storage = json.loads(__import__("base64").b64decode(seen[0]["StorageJSON"]))
    assert storage == {"type": "testplugin", "api_key": "key-a.json"}


def test_every_go_example_in_one_process(start_server, example, tmp_path):
    """Each Go plugin carries its own Go runtime; all the Go examples share the process."""
    names = [
        "executor", "model-registrar", "model-provider", "auth-provider", "frontend-auth",
        "scheduler", "model-router", "request-translator", "request-normalizer",
        "request-interceptor", "request-lifecycle", "response-interceptor", "response-translator",
        "response-stream-interceptor", "response-normalizer", "thinking-applier", "usage",
        "command-line", "management",
    ]  # fmt: skip
    usage_file = tmp_path / "usage.jsonl"
    plugins = {f"{name}-go": example(name, "go") for name in names}
    plugins["usage-go"] = (plugins["usage-go"], f"file: {usage_file}")
    server = start_server(plugin_config(plugins, extra=f"auth-dir: {tmp_path / 'auths'}"))
    assert server.log.count("registered:") == len(names)
    token = {"X-Example-Frontend-Auth": "secret-go"}
    with httpx.Client(base_url=server.url, headers=token) as client:
        echo = client.post("/v1/chat/completions", json=chat("example-echo-go", "hi"))
        assert echo.headers["x-response-intercepted"] == "go"
        assert echo.json()["choices"][0]["message"]["content"] == "hi [normalized by go]"
        routed = client.post(
            "/v1/chat/completions", json=chat("x", "y"), headers={"X-Example-Route": "self"}
        )
        assert (
            routed.json()["choices"][0]["message"]["content"]
            == "router-go executor answered x: y [normalized by go]"
        )
        text = client.post("/v1/chat/completions", json=chat("text-model-go", "t"))
        assert text.json()["choices"][0]["message"]["content"] == "text-go executor read: t"


def test_count_tokens_route_calls_the_executors_count_tokens(start_server, test_plugins):
    server = start_server(
        plugin_config(
            {
                "testplugin": (
                    test_plugins["testplugin"],
                    "register: custom-format\nformat: claude\noutput: claude",
                )
            }
        )
    )
    body = json.dumps({"model": "test-ok", "messages": [{"role": "user", "content": "count"}]})
    with httpx.Client(base_url=server.url) as client:
        counted = client.post("/v1/messages/count_tokens", content=body)
    assert counted.status_code == 200, counted.text
    assert counted.json() == {"input_tokens": len(body), "format": "claude"}


def test_api_call_goes_through_the_credentials_executor(
    start_server, test_plugins, two_credentials
):
    server = start_server(
        plugin_config(
            {"testplugin": test_plugins["testplugin"]},
            extra=f"auth-dir: {two_credentials}\nremote-management:\n  secret-key: k",
        )
    )
    import hashlib

    seed = f"testplugin:{two_credentials / 'b.json'}".encode()
    index = hashlib.sha256(seed).hexdigest()[:16]
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as client:
        reply = client.post(
            "/v0/management/api-call",
            json={"auth_index": index, "method": "post", "url": "https://api.example/v1/x?y=1"},
        )
        missing = client.post("/v0/management/api-call", json={"auth_index": "nope", "url": "u"})
    assert reply.json() == {
        "status_code": 201,
        "header": {"X-Auth": ["b.json"]},
        "body": "POST https://api.example/v1/x?y=1",
    }
    assert missing.status_code == 404


def test_an_auth_update_from_model_discovery_is_saved(start_server, test_plugins, two_credentials):
    server = start_server(
        plugin_config(
            {"testplugin": (test_plugins["testplugin"], "auth-update: discovery")},
            extra=f"auth-dir: {two_credentials}",
        )
    )
    stored = json.loads((two_credentials / "a.json").read_text())
    assert stored == {"type": "testplugin", "api_key": "key-a.json", "checked_by": "discovery"}
    with httpx.Client(base_url=server.url) as client:
        seen = reflected(client.post("/v1/chat/completions", json=chat("test-reflect")))
    assert seen["AuthMetadata"]["checked_by"] == "discovery"


def test_a_new_credential_file_is_picked_up_while_serving(start_server, example, tmp_path):
    auth_dir = tmp_path / "auths"
    auth_dir.mkdir()
    server = start_server(
        plugin_config(
            {
                "executor-c": example("executor", "c"),
                "model-provider-c": (example("model-provider", "c"), "priority: 1"),
            },
            extra=f"auth-dir: {auth_dir}",
        )
    )
    assert "late-x" not in _models(server)
    write_credential(auth_dir, "late.json", {"type": "echo-c", "models": "late-x"})
    server.wait_log("credentials reloaded")
    assert "late-x" in _models(server)
