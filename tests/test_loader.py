"""The native loader and host callbacks, in-process, against real plugin binaries."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest

from proxy.errors import PluginCallError, PluginClosedError, PluginLoadError
from proxy.native.library import NativeLibrary
from proxy.plugins import codec, envelope, registration, schema
from proxy.plugins.host_calls import HostCalls
from proxy.plugins.scopes import ScopeRegistry
from proxy.plugins.streams import StreamRegistry
from tests.conftest import LANGS, wait_for


@pytest.fixture
def host_calls() -> HostCalls:
    return HostCalls(StreamRegistry(16), ScopeRegistry())


def _open(path: Path, host_calls: HostCalls, plugin_id: str = "plugin") -> NativeLibrary:
    return NativeLibrary.open(path, host_calls.for_plugin(plugin_id))


def _result(library: NativeLibrary, method: str, request: bytes, kind=None):
    return envelope.decode_reply(method, library.call(method, request), kind or "raw")


@pytest.mark.parametrize("lang", LANGS)
def test_examples_register_list_models_and_execute(example, host_calls, lang: str) -> None:
    library = _open(example("executor", lang), host_calls, f"executor-{lang}")
    try:
        reply = _result(
            library, "plugin.register", registration.request("prefix: '> '\n"), schema.REGISTRATION
        )
        reg = registration.validate(reply)
        assert reg.name == f"executor-{lang}"
        assert reg.flags == ("model_provider", "executor")
        assert reg.input_formats == ("openai",) and reg.output_formats == ("openai",)
        models = _result(library, "model.static", b'{"Plugin":{},"Host":{}}', schema.MODEL_RESPONSE)
        assert models["Provider"] == f"echo-{lang}"
        assert [m["ID"] for m in models["Models"]] == [f"example-echo-{lang}"]
        request = codec.encode(
            schema.AUTH_MODEL_REQUEST, {"AuthID": "a.json", "AuthProvider": f"echo-{lang}"}
        )
        for_auth = _result(library, "model.for_auth", request, schema.MODEL_RESPONSE)
        assert for_auth["Models"] == models["Models"]
        payload = json.dumps({"messages": [{"role": "user", "content": "a b"}]}).encode()
        request = json.dumps({"Model": "m", "Payload": base64.b64encode(payload).decode()})
        executed = _result(library, "executor.execute", request.encode(), schema.EXECUTOR_RESPONSE)
        answer = json.loads(executed["Payload"])
        assert answer["choices"][0]["message"]["content"] == "> a b"
        counted = _result(
            library, "executor.count_tokens", request.encode(), schema.EXECUTOR_RESPONSE
        )
        assert json.loads(counted["Payload"]) == {"input_tokens": 2}
        with pytest.raises(PluginCallError, match=r"unknown method no\.such\.method"):
            _result(library, "no.such.method", b"{}")
        with pytest.raises(PluginCallError) as bad:
            _result(library, "executor.execute", b'{"Model":"m","Payload":"%%%"}')
        assert bad.value.status == 400
    finally:
        assert library.shutdown(5)


def test_host_callbacks_reentrant_on_the_calling_thread(test_plugins, host_calls, caplog) -> None:
    library = _open(test_plugins["testplugin"], host_calls, "reentrant")
    try:
        with caplog.at_level("DEBUG", logger="cliproxy.plugin"):
            result = json.loads(library.call("test.reentrant", b"").data)["result"]
    finally:
        library.shutdown(5)
    # host.log, host.build_info, an unknown method: 0; NULL host_ctx, NULL method: 1.
    assert result["rc"] == [0, 0, 0, 1, 1]
    assert result["log"] == {"ok": True, "result": {}}
    assert result["info"]["result"] == {
        "name": "cliproxy",
        "version": result["info"]["result"]["version"],
        "abi_version": 1,
        "schema_min": 1,
        "schema_max": 3,
    }
    assert result["unknown"] == {
        "ok": False,
        "error": {"code": "host_call_failed", "message": "unsupported host callback host.nope"},
    }
    assert any("[reentrant] re-entrant hello k=1" in r.getMessage() for r in caplog.records)


def test_host_callback_from_a_plugin_thread(test_plugins, host_calls) -> None:
    library = _open(test_plugins["testplugin"], host_calls)
    try:
        reply = json.loads(library.call("test.thread_callback", b"").data)["result"]["reply"]
    finally:
        library.shutdown(5)
    assert reply == '{"ok":true,"result":{}} rc=0'


def test_callback_after_shutdown_gets_rc_1_and_no_buffer(
    test_plugins, host_calls, marker_dir
) -> None:
    library = _open(test_plugins["testplugin"], host_calls)
    library.call("test.callback_after_shutdown", b"")
    assert library.shutdown(5)
    marker = marker_dir / "after-shutdown"
    wait_for(marker.exists, what="the plugin thread to call back after shutdown")
    assert marker.read_text() == "rc=1 ptr=null"


def test_shutdown_waits_for_in_flight_calls(test_plugins, host_calls, marker_dir) -> None:
    library = _open(test_plugins["testplugin"], host_calls)
    library.call("plugin.register", registration.request("name: drain\n"))
    hung = threading.Thread(
        target=library.call, args=("executor.execute", b'{"Model":"test-hang"}'), daemon=True
    )
    hung.start()
    wait_for(lambda: library.in_flight == 1, what="the call to start")
    assert library.shutdown(timeout=0.2) is False  # still running: not shut down yet
    assert not (marker_dir / "shutdown-drain").exists()
    with pytest.raises(PluginClosedError):
        library.call("executor.execute", b'{"Model":"test-ok"}')
    (marker_dir / "release-hang").touch()
    hung.join(30)
    wait_for((marker_dir / "shutdown-drain").exists, what="shutdown after the drain")


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        ("no-init", "missing symbol cliproxy_plugin_init"),
        ("init-fails", "cliproxy_plugin_init returned 3"),
        ("abi-0", "plugin ABI version 0 is not supported"),
        ("abi-2", "plugin ABI version 2 is not supported"),
        ("null-call", "plugin function table is incomplete: call not set"),
    ],
)
def test_load_errors_name_the_path_and_the_reason(
    test_plugins, host_calls, variant: str, reason: str
) -> None:
    path = test_plugins[variant]
    with pytest.raises(PluginLoadError) as error:
        _open(path, host_calls)
    assert error.value.path == str(path)
    assert reason in error.value.message
    assert str(path) in error.value.message


def test_missing_file_and_non_library(tmp_path: Path, host_calls) -> None:
    with pytest.raises(PluginLoadError, match="file not found"):
        _open(tmp_path / "absent.so", host_calls)
    fake = tmp_path / "fake.so"
    fake.write_text("not an ELF file")
    with pytest.raises(PluginLoadError, match=r"dlopen failed: .*fake\.so"):
        _open(fake, host_calls)


@pytest.mark.parametrize(
    ("mode", "fragment"),
    [
        ("error", "license key missing"),
        ("garbage", "decode plugin envelope plugin.register"),
        ("no-capabilities", "declares no capability"),
        ("no-metadata", "missing Version, Author, GitHubRepository"),
        ("schema-4", "plugin schema version 4 is not supported"),
        ("wrong-types", "schema_version: expected an integer, got string"),
    ],
)
def test_bad_registrations_are_refused_with_the_reason(
    test_plugins, host_calls, mode: str, fragment: str
) -> None:
    library = _open(test_plugins["testplugin"], host_calls)
    try:
        with pytest.raises(Exception, match=fragment):
            reply = _result(
                library,
                "plugin.register",
                registration.request(f"register: {mode}\n"),
                schema.REGISTRATION,
            )
            registration.validate(reply)
    finally:
        library.shutdown(5)
