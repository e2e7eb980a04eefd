"""Claude Messages clients (the official anthropic SDK) on an OpenAI-compatible upstream:
the request translated to chat completions, answers and streams translated back."""

from __future__ import annotations

import anthropic
import httpx
import pytest

from tests.test_openai_compat import _config


@pytest.fixture
def claude(start_server, upstream):
    extra = "      - name: tool-caller\n        alias: tool-caller\n"
    server = start_server(_config(upstream, ["good-1"], extra=extra))
    return anthropic.Anthropic(base_url=server.url, api_key="unused", max_retries=0), server


def test_text_answer_and_stream(claude, upstream):
    client, _ = claude
    message = client.messages.create(
        model="mock-model",
        max_tokens=100,
        system="be brief",
        messages=[{"role": "user", "content": "hello from claude"}],
    )
    assert message.content[0].text == "hello from claude"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (5, 3)
    sent = upstream.calls[-1]["body"]
    assert sent["messages"][0] == {"role": "system", "content": "be brief"}
    assert sent["max_tokens"] == 100 and sent["model"] == "upstream-model"
    with client.messages.stream(
        model="mock-model", max_tokens=100, messages=[{"role": "user", "content": "one two three"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text.split() == ["one", "two", "three"]
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == 3


def test_tool_calls_both_ways(claude, upstream):
    client, _ = claude
    tools = [
        {
            "name": "get_weather",
            "description": "weather of a city",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    message = client.messages.create(
        model="tool-caller",
        max_tokens=100,
        tools=tools,
        messages=[{"role": "user", "content": "weather in Paris?"}],
    )
    (call,) = [b for b in message.content if b.type == "tool_use"]
    assert (call.name, call.input, message.stop_reason) == (
        "get_weather",
        {"city": "Paris"},
        "tool_use",
    )
    assert upstream.calls[-1]["body"]["tools"][0]["function"]["name"] == "get_weather"
    with client.messages.stream(
        model="tool-caller",
        max_tokens=100,
        tools=tools,
        messages=[{"role": "user", "content": "again"}],
    ) as stream:
        final = stream.get_final_message()
    (streamed,) = [b for b in final.content if b.type == "tool_use"]
    assert streamed.input == {"city": "Paris"} and final.stop_reason == "tool_use"
    # the tool result goes back as a `tool` message
    client.messages.create(
        model="mock-model",
        max_tokens=100,
        tools=tools,
        messages=[
            {"role": "user", "content": "weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "call_1",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    }
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "sunny"}],
            },
        ],
    )
    sent = upstream.calls[-1]["body"]["messages"]
    assert sent[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert sent[2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}


def test_errors_come_back_in_the_claude_shape(claude):
    client, server = claude
    with pytest.raises(anthropic.InternalServerError) as failed:
        client.messages.create(
            model="broken", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert failed.value.body == {
        "type": "error",
        "error": {"type": "api_error", "message": "upstream exploded"},
    }
    unknown = httpx.post(
        f"{server.url}/v1/messages",
        json={"model": "nope", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    )
    assert unknown.status_code == 400
    assert (
        unknown.json()["type"] == "error"
        and unknown.json()["error"]["type"] == "invalid_request_error"
    )


def test_anthropic_clients_get_the_anthropic_model_list(claude):
    client, _ = claude
    models = client.models.list()
    ids = [m.id for m in models.data]
    assert "mock-model" in ids and ids == sorted(ids)  # display names default to ids
    first = models.data[0]
    assert first.type == "model" and first.display_name
