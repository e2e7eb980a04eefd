"""Lifecycle through the real process: hot reload, ordering, the CLI, graceful shutdown."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import certificate, plugin_config, wait_for


def _say(client: httpx.Client, model: str, text: str = "hi") -> str:
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


def _models(client: httpx.Client) -> dict[str, str]:
    return {m["id"]: m["owned_by"] for m in client.get("/v1/models").json()["data"]}


def test_config_edits_apply_live_and_broken_edits_keep_the_last_good_config(
    start_server, example
) -> None:
    c, go = example("executor", "c"), example("executor", "go")
    server = start_server(plugin_config({"executor-c": (c, 'prefix: "A: "')}))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert _say(client, "example-echo-c") == "A: hi"

        mark = len(server.log)
        server.write_config(plugin_config({"executor-c": (c, 'prefix: "B: "'), "executor-go": go}))
        server.wait_log("config reloaded", after=mark)
        assert _say(client, "example-echo-c") == "B: hi"  # plugin.reconfigure delivered it
        assert "example-echo-go" in _models(client)

        mark = len(server.log)
        server.config_path.write_text("plugins: [this is: not valid\n")
        server.wait_log("config reload failed, keeping the last good config", after=mark)
        assert _say(client, "example-echo-c") == "B: hi"

        mark = len(server.log)
        server.write_config(plugin_config({"executor-c": (c, 'prefix: "C: "')}))
        server.wait_log("config reloaded", after=mark)
        assert _say(client, "example-echo-c") == "C: hi"
        assert "example-echo-go" not in _models(client)  # no longer enabled


def test_access_log_lines(start_server, example) -> None:
    server = start_server(
        plugin_config({"executor-c": example("executor", "c")}, extra="access-log: true")
    )
    with httpx.Client(base_url=server.url, headers={"User-Agent": "probe/1"}) as client:
        client.get("/v1/models")
    server.wait_log('"GET /v1/models 1.1" 200')
    assert '"probe/1"' in server.log


def test_priority_then_id_decides_who_serves_a_model(start_server, test_plugins, tmp_path) -> None:
    copies = {}
    for name in ("alpha", "beta", "gamma"):
        copies[name] = tmp_path / f"{name}.so"
        shutil.copy(test_plugins["testplugin"], copies[name])
    server = start_server(
        plugin_config(
            {
                "alpha": (copies["alpha"], "name: alpha\npriority: 1"),
                "beta": (copies["beta"], "name: beta\npriority: 5"),
                "gamma": (copies["gamma"], "name: gamma\npriority: 5"),
            }
        )
    )
    with httpx.Client(base_url=server.url) as client:
        # beta and gamma share the highest priority; the lower id wins.
        assert _models(client)["test-ok"] == "beta"


def test_cli_plugins_list(test_plugins, example, tmp_path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        plugin_config(
            {"executor-c": example("executor", "c"), "broken": test_plugins["abi-2"]}
        ).replace("{port}", "1")
    )
    text = subprocess.run(
        [sys.executable, "-m", "proxy", "plugins", "list", "--config", str(config)],
        capture_output=True,
        text=True,
    )
    assert text.returncode == 1  # one plugin is in error
    assert "executor-c: active" in text.stdout
    assert "capabilities: model_provider, executor" in text.stdout
    assert "broken: error (cannot load plugin" in text.stdout
    assert "plugin ABI version 2 is not supported" in text.stdout
    console_script = str(Path(sys.executable).parent / "cliproxy")
    as_json = subprocess.run(
        [console_script, "plugins", "list", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
    )
    rows = {row["id"]: row for row in json.loads(as_json.stdout)}
    assert rows["executor-c"]["metadata"]["Name"] == "executor-c"
    assert rows["executor-c"]["schema_version"] == 1
    assert rows["broken"]["status"] == "error"


def test_cli_reports_a_bad_config_and_exits_2(tmp_path) -> None:
    (tmp_path / "config.yaml").write_text("port: [1]\n")
    result = subprocess.run(
        [sys.executable, "-m", "proxy", "serve"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "port: expected an integer" in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "proxy"], cwd=tmp_path / "..", capture_output=True, text=True
    )
    assert "config.yaml not found" in missing.stderr


def test_sigterm_lets_streams_finish_then_shuts_plugins_down(
    start_server, test_plugins, marker_dir
) -> None:
    server = start_server(
        plugin_config({"testplugin": (test_plugins["testplugin"], "name: graceful")})
    )
    body = {"model": "test-gated", "stream": True, "user": "graceful", "messages": []}
    lines: list[str] = []
    with (
        httpx.Client(base_url=server.url, timeout=30) as client,
        client.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        iterator = response.iter_lines()
        lines.append(next(line for line in iterator if line.startswith("data: ")))
        server.process.send_signal(signal.SIGTERM)
        assert not (marker_dir / "shutdown-graceful").exists()
        (marker_dir / "gate-graceful").touch()
        lines += [line for line in iterator if line]
    assert lines[-1] == "data: [DONE]"
    assert server.process.wait(30) == 0
    assert (marker_dir / "shutdown-graceful").exists()


def test_a_hung_plugin_call_does_not_keep_the_process_alive(
    start_server, test_plugins, marker_dir
) -> None:
    config = plugin_config(
        {"testplugin": test_plugins["testplugin"]},
        extra="limits:\n  graceful-shutdown-seconds: 1",
        plugin_settings="call-timeout-seconds: 60\nshutdown-timeout-seconds: 1",
    )
    server = start_server(config)
    body = {"model": "test-hang", "messages": []}
    client = httpx.Client(base_url=server.url, timeout=60)
    threading.Thread(
        target=lambda: _ignore(client.post, "/v1/chat/completions", json=body), daemon=True
    ).start()
    wait_for((marker_dir / "hang-started").exists, what="the plugin call to hang")
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    assert "still had calls running" in server.log


def _ignore(fn, *args, **kwargs) -> None:
    with contextlib.suppress(httpx.HTTPError):
        fn(*args, **kwargs)


@pytest.fixture(autouse=True)
def _release_hung_calls(marker_dir):
    yield
    (marker_dir / "release-hang").touch()


def test_an_idle_tls_http2_client_does_not_hold_up_shutdown(start_server, example, tmp_path):
    """Closing a TLS connection waits for the peer's close_notify (asyncio: up to 30 s, an
    idle client never sends it); the proxy waits 2 s for it."""
    cert, key = certificate(tmp_path)
    tls = f"tls:\n  enable: true\n  cert: {cert}\n  key: {key}"
    server = start_server(plugin_config({"executor-c": example("executor", "c")}, extra=tls))
    trust = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(verify=trust, http2=True) as client:  # stays connected, idle
        url = server.url.replace("http://", "https://")
        assert client.get(f"{url}/healthz").http_version == "HTTP/2"
        started = time.monotonic()
        assert server.stop(timeout=20) == 0, server.log[-3000:]
        assert time.monotonic() - started < 8
