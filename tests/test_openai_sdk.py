"""The official OpenAI Python SDK, unchanged, against the real server and the three echo
plugins: what an SDK user sees."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import LANGS, plugin_config

API_KEY = "sk-sdk-test"


@pytest.fixture
def sdk(start_server, example) -> openai.OpenAI:
    plugins = {f"executor-{lang}": example("executor", lang) for lang in LANGS}
    server = start_server(plugin_config(plugins, extra=f"api-keys: [{API_KEY}]"))
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=API_KEY, max_retries=0)


def test_models(sdk: openai.OpenAI) -> None:
    assert sorted(m.id for m in sdk.models.list()) == sorted(
        f"example-echo-{lang}" for lang in LANGS
    )


@pytest.mark.parametrize("lang", LANGS)
def test_completion_and_stream(sdk: openai.OpenAI, lang: str) -> None:
    messages = [{"role": "user", "content": "hello from the sdk"}]
    completion = sdk.chat.completions.create(model=f"example-echo-{lang}", messages=messages)
    assert completion.choices[0].message.content == "hello from the sdk"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 8

    stream = sdk.chat.completions.create(
        model=f"example-echo-{lang}", messages=messages, stream=True
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "hello from the sdk"
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_errors_are_the_sdk_exceptions(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="does not exist"):
        sdk.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    wrong_key = sdk.with_options(api_key="sk-wrong")
    with pytest.raises(openai.AuthenticationError) as denied:
        wrong_key.models.list()
    # CLIProxyAPI's key errors carry a plain string under "error" (04 §2).
    assert denied.value.status_code == 401
    assert denied.value.response.json() == {"error": "Invalid API key"}
