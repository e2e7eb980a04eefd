"""Plugins that fail to load or answer garbage: each gets a clear error naming what was
wrong, and the server keeps serving the well-behaved plugin beside them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import httpx
import pytest

from tests.conftest import plugin_config


def _chat(model: str, stream: bool = False, **extra: object) -> dict:
    return {
        "model": model,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
        **extra,
    }


@pytest.fixture
def hostile_server(start_server, example, test_plugins, marker_dir, tmp_path):
    # A second copy, so that it is a separate library with its own globals.
    register_error = tmp_path / "register-error.so"
    shutil.copy(test_plugins["testplugin"], register_error)
    plugins = {
        "executor-c": example("executor", "c"),
        "testplugin": (test_plugins["testplugin"], "name: test"),
        "no-init": test_plugins["no-init"],
        "init-fails": test_plugins["init-fails"],
        "abi-0": test_plugins["abi-0"],
        "abi-2": test_plugins["abi-2"],
        "null-call": test_plugins["null-call"],
        "register-error": (register_error, "register: error"),
    }
    return start_server(plugin_config(plugins, plugin_settings="call-timeout-seconds: 2"))


def test_load_failures_are_reported_and_others_serve(hostile_server, marker_dir) -> None:
    log = hostile_server.log
    assert "missing symbol cliproxy_plugin_init" in log
    assert "cliproxy_plugin_init returned 3" in log
    assert "plugin ABI version 0 is not supported" in log
    assert "plugin ABI version 2 is not supported" in log
    assert "plugin function table is incomplete: call not set" in log
    assert "plugin.register failed: license key missing" in log
    # A plugin whose init failed still gets its shutdown hook (01 §1.2 step 4).
    assert (marker_dir / "init-failed").exists()
    assert (marker_dir / "shutdown-testplugin").exists()
    with httpx.Client(base_url=hostile_server.url, timeout=30) as client:
        ok = client.post("/v1/chat/completions", json=_chat("example-echo-c"))
        models = {m["id"] for m in client.get("/v1/models").json()["data"]}
    assert ok.status_code == 200
    assert "example-echo-c" in models and "test-ok" in models


@pytest.mark.parametrize(
    ("model", "status", "fragment"),
    [
        ("test-bad-json", 502, "decode plugin envelope executor.execute"),
        ("test-rc-envelope", 429, "quota exhausted"),
        ("test-rc-raw", 502, "plugin call executor.execute returned 7: boom"),
        ("test-empty", 502, "empty reply to executor.execute"),
        ("test-empty-len0", 502, "empty reply to executor.execute"),
        ("test-error-status", 418, "I am a teapot"),
        ("test-error-plain", 502, "backend unavailable"),
        ("test-wrong-type", 502, "Payload: expected a base64 string, got number"),
        ("test-hang", 504, "did not answer within 2s"),
    ],
)
def test_bad_replies_become_clear_errors(
    hostile_server, model: str, status: int, fragment: str
) -> None:
    with httpx.Client(base_url=hostile_server.url, timeout=30, http1=False, http2=True) as client:
        response = client.post("/v1/chat/completions", json=_chat(model))
        after = client.post("/v1/chat/completions", json=_chat("example-echo-c"))
    assert response.status_code == status, response.text
    assert fragment in response.json()["error"]["message"]
    assert after.status_code == 200  # the process keeps serving


def test_plugin_error_that_is_a_json_body_passes_through(hostile_server) -> None:
    with httpx.Client(base_url=hostile_server.url) as client:
        response = client.post("/v1/chat/completions", json=_chat("test-json-error-body"))
    assert response.status_code == 409
    assert response.json() == {"error": {"message": "upstream says no", "type": "upstream"}}


def test_every_response_buffer_is_freed_once_with_its_length(hostile_server, test_plugins) -> None:
    """The free rule (01 §1.3 step 5), observed from inside the plugin in a fresh process."""
    script = f"""
import json
from proxy.native.library import NativeLibrary
class Quiet:
    def handle_host_call(self, method, request): return b'{{"ok":true,"result":{{}}}}'
lib = NativeLibrary.open({str(test_plugins["testplugin"])!r}, Quiet())
lib.call("plugin.register", b'{{"config_yaml":null,"schema_version":3}}')
for model in ["test-ok", "test-rc-envelope", "test-rc-raw", "test-empty", "test-empty-len0",
              "test-bad-json", "test-error-status"]:
    lib.call("executor.execute", json.dumps({{"Model": model}}).encode())
lib.call("no.such.method", b"{{}}")
print(lib.call("test.frees", b"").data.decode())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    counts = json.loads(out.stdout)["result"]
    assert counts["bad_frees"] == 0
    # register, 5 replies with bytes, the len-0 buffer and the unknown method: all freed
    # (test.frees counts before allocating its own reply).
    assert counts["allocated"] == 8
    assert counts["freed"] == 8


def test_executor_without_the_client_format_is_a_clear_502(start_server, test_plugins) -> None:
    server = start_server(
        plugin_config({"testplugin": (test_plugins["testplugin"], "register: made-up-only")})
    )
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/v1/chat/completions", json=_chat("test-ok"))
    assert response.status_code == 502, response.text
    assert response.json()["error"]["message"] == (
        "plugin executor testplugin does not support input format openai (declares: made-up)"
    )


def test_one_file_under_two_ids_is_refused_for_the_second(start_server, example) -> None:
    path = example("executor", "c")
    server = start_server(plugin_config({"first": path, "second": path}))
    assert "the same file is already loaded as plugin first" in server.log
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/v1/chat/completions", json=_chat("example-echo-c")).status_code == 200
