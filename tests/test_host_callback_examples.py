"""The host-callback examples: a management page that calls host.log, host.http.do and
host.model.execute (C, Rust, Go), and the Go nested model stream page."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import LANGS, plugin_config


@pytest.mark.parametrize("lang", LANGS)
def test_host_callback_page_shows_the_three_results(start_server, example, upstream, lang):
    server = start_server(
        plugin_config(
            {
                f"executor-{lang}": example("executor", lang),
                f"host-callback-{lang}": (
                    example("host-callback", lang),
                    f"url: {upstream.url}/hello",
                ),
            }
        )
    )
    page = httpx.get(f"{server.url}/v0/resource/plugins/host-callback-{lang}/callbacks", timeout=30)
    assert page.status_code == 200, page.text
    assert page.json() == {
        "log": "ok",
        "http": {"status": 200, "body": "hello"},
        "model": {"content": f"hello from host-callback-{lang}"},
    }
    line = server.wait_log(f"[host-callback-{lang}] host-callback-{lang} page requested")
    assert f"lang={lang} request_id=" in line


@pytest.mark.parametrize("lang", LANGS)
def test_host_callback_page_reports_failed_calls(start_server, example, lang):
    server = start_server(
        plugin_config(
            {
                f"host-callback-{lang}": (
                    example("host-callback", lang),
                    "url: http://127.0.0.1:9/\nmodel: no-such-model",
                )
            }
        )
    )
    result = httpx.get(
        f"{server.url}/v0/resource/plugins/host-callback-{lang}/callbacks", timeout=30
    ).json()
    assert result["log"] == "ok"
    assert result["http"]["error"].startswith("execute host http request:")
    assert (
        "no-such-model" in result["model"]["error"] and "(status 400)" in result["model"]["error"]
    )


def test_nested_model_stream_page(start_server, example):
    server = start_server(
        plugin_config(
            {
                "executor-go": example("executor", "go"),
                "host-model-callback-go": example("host-model-callback", "go"),
            }
        )
    )
    url = f"{server.url}/v0/resource/plugins/host-model-callback-go/stream"
    closed = httpx.get(url, params={"text": "alpha beta gamma"}, timeout=30).json()
    assert closed["text"] == "alpha beta gamma" and closed["closed"] is True
    assert closed["chunks"] >= 3 and closed["error"] == ""
    left_open = httpx.get(url, params={"leave-open": "1"}, timeout=30).json()
    assert left_open["text"] == "one two three" and left_open["closed"] is False
