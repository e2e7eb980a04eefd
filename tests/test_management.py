"""The management API: access rules, the plugin list and live changes written back to
the config file, plugin routes and resources (example `management` plugins)."""

from __future__ import annotations

import httpx
import pytest

from tests.capability_helpers import chat
from tests.conftest import LANGS, plugin_config

SECRET = "m4nage"
KEY = {"Authorization": f"Bearer {SECRET}"}


@pytest.fixture
def managed(start_server, example):
    plugins = {f"management-{lang}": example("management", lang) for lang in LANGS}
    plugins["executor-c"] = (example("executor", "c"), "priority: 3  # the echo")
    config = plugin_config(
        plugins, extra=f"# managed proxy\nremote-management:\n  secret-key: {SECRET}"
    )
    return start_server(config)


def test_no_secret_means_no_management_api(start_server, example):
    server = start_server(plugin_config({"management-c": example("management", "c")}))
    response = httpx.get(f"{server.url}/v0/management/plugins", headers=KEY)
    assert response.status_code == 404
    # resources do not need the management API
    assert httpx.get(f"{server.url}/v0/resource/plugins/management-c/status").status_code == 200


def test_keys_are_checked_and_repeated_failures_lock_out(managed):
    with httpx.Client(base_url=managed.url) as client:
        assert client.get("/v0/management/plugins").json() == {"error": "missing management key"}
        for _ in range(4):
            wrong = client.get("/v0/management/plugins", headers={"X-Management-Key": "nope"})
            assert (wrong.status_code, wrong.json()) == (401, {"error": "invalid management key"})
        assert client.get("/v0/management/plugins", headers=KEY).status_code == 200  # resets
        for _ in range(5):
            client.get("/v0/management/plugins", headers={"X-Management-Key": "nope"})
        banned = client.get("/v0/management/plugins", headers=KEY)
    assert banned.status_code == 403
    assert banned.json()["error"].startswith("IP banned due to too many failed attempts")


def test_plugin_list_shows_metadata_capabilities_and_errors(start_server, example, tmp_path):
    broken = tmp_path / "broken.so"
    broken.write_text("not a library")
    server = start_server(
        plugin_config(
            {"management-go": example("management", "go"), "broken": broken},
            extra=f"remote-management:\n  secret-key: {SECRET}",
        )
    )
    listing = httpx.get(f"{server.url}/v0/management/plugins", headers=KEY).json()
    rows = {row["id"]: row for row in listing["plugins"]}
    assert listing["plugins_enabled"] is True
    good = rows["management-go"]
    assert good["status"] == "active" and good["registered"] and good["effective_enabled"]
    assert good["capabilities"] == ["management_api"]
    assert good["metadata"]["name"] == "management-go"
    assert good["menus"] == [
        {
            "path": "/v0/resource/plugins/management-go/status",
            "menu": "Example (go)",
            "description": "status page",
        }
    ]
    assert rows["broken"]["status"] == "error" and "dlopen failed" in rows["broken"]["error"]


def test_disabling_a_plugin_applies_live_and_keeps_the_config_file(managed):
    before = managed.config_path.read_text()
    with httpx.Client(base_url=managed.url, headers=KEY) as client:
        assert client.post("/v1/chat/completions", json=chat("example-echo-c")).status_code == 200
        changed = client.patch(
            "/v0/management/plugins/executor-c", json={"enabled": False, "priority": 7}
        )
        assert changed.json() == {"status": "ok"}
        assert client.post("/v1/chat/completions", json=chat("example-echo-c")).status_code == 400
        row = next(
            r
            for r in client.get("/v0/management/plugins").json()["plugins"]
            if r["id"] == "executor-c"
        )
        assert (row["enabled"], row["priority"], row["status"]) == (False, 7, "disabled")
        text = managed.config_path.read_text()
        assert "# managed proxy" in text and "priority: 7  # the echo" in text
        assert "enabled: false" in text
        assert (
            text.replace("enabled: false", "enabled: true").replace("priority: 7", "priority: 3")
            == before
        )
        assert client.patch(
            "/v0/management/plugins/executor-c/enabled", json={"value": True}
        ).json() == {"status": "ok"}
        assert client.post("/v1/chat/completions", json=chat("example-echo-c")).status_code == 200
        bad = client.patch("/v0/management/plugins/executor-c", json={"priority": "high"})
        assert (bad.status_code, bad.json()["message"]) == (400, "priority must be an integer")


@pytest.mark.parametrize("lang", LANGS)
def test_plugin_routes_and_resources(managed, lang):
    with httpx.Client(base_url=managed.url) as client:
        assert client.get(f"/v0/management/example-{lang}/status").status_code == 401
        status = client.get(f"/v0/management/example-{lang}/status", headers=KEY)
        assert status.json() == {"plugin": f"management-{lang}", "calls": 1}
        echoed = client.post(
            f"/v0/management/example-{lang}/echo", headers=KEY, json={"html": "<b>&</b>"}
        )
        # management JSON bodies are HTML-escaped (02 §31)
        assert echoed.json() == {"html": "&lt;b&gt;&amp;&lt;/b&gt;"}
        page = client.get(f"/v0/resource/plugins/management-{lang}/status")
        assert page.headers["content-type"].startswith("text/html")
        assert f"<h1>management-{lang}</h1>" in page.text and "calls: 3" in page.text
        assert client.get(f"/v0/management/example-{lang}/missing", headers=KEY).status_code == 404


def _outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_management_is_loopback_only_unless_allowed(start_server, example):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to connect from")
    config = plugin_config(
        {"management-c": example("management", "c")},
        extra=f"remote-management:\n  secret-key: {SECRET}",
    ).replace("host: 127.0.0.1", 'host: ""')
    server = start_server(config)
    outside = f"http://{address}:{server.port}/v0/management/plugins"
    refused = httpx.get(outside, headers=KEY)
    assert (refused.status_code, refused.json()) == (403, {"error": "remote management disabled"})
    assert httpx.get(f"{server.url}/v0/management/plugins", headers=KEY).status_code == 200
    server.write_config(
        config.replace("secret-key:", "allow-remote: true\n  secret-key:").replace(
            "{port}", str(server.port)
        )
    )
    server.wait_log("config reloaded")
    assert httpx.get(outside, headers=KEY).status_code == 200
