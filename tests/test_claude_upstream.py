"""The built-in claude provider (claude-api-key) against a local mock Messages API:
OpenAI clients through the openai<->claude translators, Claude clients straight through."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from tests.conftest import plugin_config


@pytest.fixture
def server(start_server, upstream):
    provider = f"""claude-api-key:
  - api-key: good-claude
    base-url: {upstream.url}
    models:
      - name: claude-upstream-model
        alias: claude-m
      - name: tool-caller
        alias: tool-caller
"""
    config = plugin_config({}, extra=provider).replace(
        "plugins:\n  enabled: true\n  configs:\n", ""
    )
    return start_server(config)


def test_openai_clients_on_a_claude_upstream(server, upstream):
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
    answer = client.chat.completions.create(
        model="claude-m",
        messages=[
            {"role": "system", "content": "short"},
            {"role": "user", "content": "bonjour claude"},
        ],
    )
    assert answer.choices[0].message.content == "bonjour claude"
    assert answer.choices[0].finish_reason == "stop"
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (4, 2)
    sent = upstream.calls[-1]
    assert sent["model"] == "claude-upstream-model" and sent["key"] == "good-claude"
    assert sent["body"]["system"] == [{"type": "text", "text": "short"}]
    assert sent["headers"]["Anthropic-Version"] == "2023-06-01"
    stream = client.chat.completions.create(
        model="claude-m", messages=[{"role": "user", "content": "un deux trois"}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.split() == ["un", "deux", "trois"]
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_openai_tool_calls_on_a_claude_upstream(server, upstream):
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
    tools = [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    ]
    answer = client.chat.completions.create(
        model="tool-caller", tools=tools, messages=[{"role": "user", "content": "weather?"}]
    )
    (call,) = answer.choices[0].message.tool_calls
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "get_weather",
        {"city": "Paris"},
    )
    assert answer.choices[0].finish_reason == "tool_calls"
    assert upstream.calls[-1]["body"]["tools"][0]["name"] == "get_weather"
    stream = client.chat.completions.create(
        model="tool-caller",
        tools=tools,
        messages=[{"role": "user", "content": "again"}],
        stream=True,
    )
    calls = [tc for c in stream if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert [json.loads(tc.function.arguments) for tc in calls] == [{"city": "Paris"}]


def test_claude_clients_pass_straight_through(server, upstream):
    client = anthropic.Anthropic(base_url=server.url, api_key="unused", max_retries=0)
    message = client.messages.create(
        model="claude-m", max_tokens=50, messages=[{"role": "user", "content": "same format"}]
    )
    assert message.content[0].text == "same format"
    with client.messages.stream(
        model="claude-m", max_tokens=50, messages=[{"role": "user", "content": "a b"}]
    ) as stream:
        assert "".join(stream.text_stream).split() == ["a", "b"]
    assert upstream.calls[-1]["model"] == "claude-upstream-model"
