"""The OpenAI Responses translators (openai-response <-> openai, openai <-> codex,
openai-response <-> codex) and the codex provider: realistic payloads, every emitted
event and object checked against the openai SDK's own types, round-trip properties, and
the provider against the mock Responses upstream (tests/upstream_responses.py)."""

from __future__ import annotations

import json
from typing import Any, get_args

import httpx
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai import omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response, ResponseStreamEvent

from proxy.formats import openai_codex, responses_codex, responses_openai  # noqa: F401
from proxy.formats.registry import NATIVE
from tests import upstream_responses

EVENT_MODELS = {
    get_args(model.model_fields["type"].annotation)[0]: model
    for model in get_args(get_args(ResponseStreamEvent)[0])
}
TO_RESPONSES = NATIVE[("openai-response", "openai")]
TO_CHAT = NATIVE[("openai", "codex")]
PASS = NATIVE[("openai-response", "codex")]
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}}


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def events_of(frames: list[bytes]) -> list[dict[str, Any]]:
    """Each frame must be one whole SSE event whose name is its payload's type; each
    payload must be a valid SDK event, numbered in order, and the SDK's own stream
    accumulator must accept the sequence."""
    events = []
    state = ResponseStreamState(input_tools=omit, text_format=omit)
    for frame in frames:
        head, data, end = frame.split(b"\n", 2)
        event = json.loads(data.removeprefix(b"data: "))
        assert head == b"event: " + event["type"].encode() and end == b"\n"
        state.handle_event(EVENT_MODELS[event["type"]].model_validate(event))
        events.append(event)
    numbers = [e["sequence_number"] for e in events]
    assert numbers == sorted(set(numbers))
    return events


def chat_chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any
) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 7, "model": "up"}
    return dumps({**body, "choices": choices, **extra})


def run_stream(transform: Any, chunks: list[bytes]) -> list[bytes]:
    return [frame for chunk in [*chunks, None] for frame in transform(chunk)]


def sse(events: list[dict[str, Any]]) -> list[bytes]:
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


# ------------------------------------------------- Responses client -> chat upstream


CONVERSATION = {
    "model": "gpt-client",
    "instructions": "Answer briefly.",
    "input": [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": "https://x.test/a.png", "detail": "low"},
            ],
        },
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Hm."}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "A"}]},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
        {"type": "message", "role": "developer", "content": "Use Celsius."},
        {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        {"role": "user", "content": "thanks"},
    ],
    "tools": [
        {"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": False},
        {"type": "web_search"},
    ],
    "tool_choice": {"type": "function", "name": "get_weather"},
    "parallel_tool_calls": False,
    "max_output_tokens": 64,
    "temperature": 0.2,
    "reasoning": {"effort": "high"},
    "text": {"format": {"type": "json_schema", "name": "w", "schema": WEATHER, "strict": True}},
}


def test_responses_request_becomes_chat():
    chat = json.loads(TO_RESPONSES.request(dumps(CONVERSATION), "up-model", True))
    assert [m["role"] for m in chat["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "user",
        "user",
    ]
    system, user, assistant, tool, developer, _ = chat["messages"]
    assert system["content"] == "Answer briefly."
    assert user["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://x.test/a.png", "detail": "low"},
    }
    # the tool-calls message follows the text it came with, its result comes straight after
    assert assistant["content"] == "A" and assistant["reasoning_content"] == "Hm."
    assert assistant["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": "{}"}
    assert tool == {"role": "tool", "tool_call_id": "c1", "content": "sunny"}
    assert developer["content"] == "Use Celsius."
    assert [t["function"]["name"] for t in chat["tools"]] == ["get_weather"]
    assert chat["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert chat["parallel_tool_calls"] is False and chat["max_tokens"] == 64
    assert chat["reasoning_effort"] == "high" and chat["temperature"] == 0.2
    assert chat["response_format"]["json_schema"]["schema"] == WEATHER
    assert chat["model"] == "up-model" and chat["stream_options"] == {"include_usage": True}
    plain = json.loads(TO_RESPONSES.request(b'{"input": "hi"}', "m", False))
    assert plain["messages"] == [{"role": "user", "content": "hi"}] and not plain["stream"]


ANSWER = {
    "id": "chatcmpl-9",
    "object": "chat.completion",
    "created": 5,
    "model": "up-model",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "Let me check.",
                "reasoning_content": "Weather needs a tool.",
                "tool_calls": [
                    {
                        "id": "call_7",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                    }
                ],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 11,
        "completion_tokens": 4,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 3},
    },
}


def test_chat_answer_becomes_a_response():
    body = TO_RESPONSES.response(dumps(CONVERSATION), b"{}", dumps(ANSWER))
    parsed = Response.model_validate_json(body)
    assert parsed.id == "resp_chatcmpl-9" and parsed.status == "completed"
    assert parsed.model == "gpt-client" and parsed.instructions == "Answer briefly."
    reasoning, message, call = parsed.output
    assert reasoning.summary[0].text == "Weather needs a tool."
    assert message.content[0].text == "Let me check."
    assert (call.call_id, call.name, call.arguments) == ("call_7", "get_weather", '{"city":"Oslo"}')
    assert parsed.usage is not None and parsed.usage.input_tokens_details.cached_tokens == 3
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens) == (11, 4)
    cut = {
        **ANSWER,
        "choices": [{"index": 0, "finish_reason": "length", "message": {"content": "x"}}],
    }
    incomplete = Response.model_validate_json(TO_RESPONSES.response(b"{}", b"", dumps(cut)))
    assert incomplete.status == "incomplete" and incomplete.output[0].status == "incomplete"
    assert incomplete.incomplete_details.reason == "max_output_tokens"


def test_chat_stream_becomes_responses_events():
    chunks = [
        chat_chunk({"role": "assistant", "reasoning_content": "Think"}),
        chat_chunk({"reasoning_content": "ing."}),
        chat_chunk({"content": "Hello"}),
        chat_chunk({"content": " world"}),
        chat_chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f"}}]}),
        chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
        chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        chat_chunk({}, "tool_calls"),
        chat_chunk(usage={"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}),
        b"[DONE]",
    ]
    events = events_of(run_stream(TO_RESPONSES.stream(b"{}", b"{}"), chunks))
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert kinds.count("response.reasoning_summary_text.delta") == 2
    assert kinds.count("response.output_text.delta") == 2
    assert kinds.count("response.function_call_arguments.delta") == 2
    assert kinds[-1] == "response.completed" and kinds.count("response.completed") == 1
    final = Response.model_validate(events[-1]["response"])
    assert [item.type for item in final.output] == ["reasoning", "message", "function_call"]
    assert final.output[0].summary[0].text == "Thinking."
    assert final.output[1].content[0].text == "Hello world"
    assert (final.output[2].name, final.output[2].arguments) == ("f", '{"a":1}')
    assert final.usage is not None and final.usage.total_tokens == 8


def test_chat_stream_cut_by_length_is_incomplete():
    chunks = [chat_chunk({"content": "abc"}), chat_chunk({}, "length")]
    events = events_of(run_stream(TO_RESPONSES.stream(b"{}", b"{}"), chunks))
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert events[-1]["response"]["output"][0]["status"] == "incomplete"
    assert run_stream(TO_RESPONSES.stream(b"{}", b"{}"), []) == []


def test_the_openai_sdk_reads_translated_responses():
    """The real client, non-stream and stream (with its own accumulator), over HTTP."""
    chunks = [chat_chunk({"content": w}) for w in ("one ", "two")] + [chat_chunk({}, "stop")]

    def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            frames = run_stream(TO_RESPONSES.stream(request.content, b"{}"), chunks)
            return httpx.Response(
                200, content=b"".join(frames), headers={"content-type": "text/event-stream"}
            )
        body = TO_RESPONSES.response(request.content, b"{}", dumps(ANSWER))
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = openai.OpenAI(api_key="k", base_url="http://proxy.test/v1", http_client=http)
    whole = client.responses.create(model="m", input="weather?")
    assert whole.output_text == "Let me check." and whole.usage.total_tokens == 15
    with client.responses.stream(model="m", input="count") as stream:
        final = stream.get_final_response()
    assert final.output_text == "one two" and final.status == "completed"


# ------------------------------------------------------- chat client -> codex upstream


CHAT_REQUEST = {
    "model": "gpt-5",
    "temperature": 0.5,
    "max_tokens": 99,
    "messages": [
        {"role": "system", "content": "Be terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather here?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "rain"},
        {"role": "assistant", "content": "Rain."},
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": WEATHER}},
}


def test_chat_request_becomes_codex_request():
    body = json.loads(TO_CHAT.request(dumps(CHAT_REQUEST), "gpt-5-codex", False))
    assert body["model"] == "gpt-5-codex" and body["instructions"] == ""
    assert body["stream"] is True and body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["reasoning"] == {"effort": "medium"} and body["parallel_tool_calls"] is True
    assert not {"temperature", "max_tokens", "max_output_tokens"} & body.keys()
    system, user, call, result, answer = body["input"]
    assert system == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": "Be terse."}],
    }
    assert user["content"][1] == {"type": "input_image", "image_url": "data:image/png;base64,AA=="}
    assert call == {
        "type": "function_call",
        "call_id": "c1",
        "name": "get_weather",
        "arguments": "{}",
    }
    assert result == {"type": "function_call_output", "call_id": "c1", "output": "rain"}
    assert answer["content"] == [{"type": "output_text", "text": "Rain."}]
    assert body["tools"] == [
        {"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": False}
    ]
    assert body["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert body["text"]["format"] == {"type": "json_schema", "name": "w", "schema": WEATHER}


def test_long_tool_names_are_shortened_and_restored():
    long = "mcp__some_server_with_a_long_name__" + "x" * 70
    request = {
        "messages": [{"role": "user", "content": "go"}],
        "tools": [
            {"type": "function", "function": {"name": long}},
            {"type": "function", "function": {"name": "mcp__other__" + "x" * 70}},
        ],
    }
    sent = json.loads(TO_CHAT.request(dumps(request), "m", True))
    short = [tool["name"] for tool in sent["tools"]]
    assert all(len(name) <= 64 for name in short) and len(set(short)) == 2
    item = {"type": "function_call", "call_id": "c", "name": short[0], "arguments": "{}"}
    final = {"object": "response", "status": "completed", "output": [item]}
    answer = json.loads(TO_CHAT.response(dumps(request), b"{}", dumps(final)))
    assert answer["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == long
    added = {"type": "response.output_item.added", "output_index": 0, "item": item}
    (frame,) = TO_CHAT.stream(dumps(request), b"{}")(sse([added])[0])
    assert json.loads(frame)["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] == long


@pytest.mark.parametrize("model", ["echo", "tool-caller"])
def test_codex_stream_and_answer_become_chat(model):
    events = upstream_responses.events_for({"input": "un deux trois"}, model)
    chunks = run_stream(TO_CHAT.stream(b"{}", b'{"model":"gpt-5"}'), sse(events))
    parsed = [ChatCompletionChunk.model_validate_json(chunk) for chunk in chunks]
    deltas = [c.choices[0].delta for c in parsed]
    calls = [call for delta in deltas for call in delta.tool_calls or ()]
    if model == "tool-caller":
        assert calls[0].id == "call_1" and calls[0].function.name == "get_weather"
        assert "".join(c.function.arguments for c in calls) == '{"city": "Paris"}'
        assert parsed[-1].choices[0].finish_reason == "tool_calls"
    else:
        assert "".join(d.content or "" for d in deltas) == "un deux trois" and not calls
        assert parsed[-1].choices[0].finish_reason == "stop"
    assert parsed[-1].usage.prompt_tokens == 5 and parsed[0].model == model
    for body in (b"".join(sse(events)), dumps(events[-1]), dumps(events[-1]["response"])):
        whole = ChatCompletion.model_validate_json(TO_CHAT.response(b"{}", b"{}", body))
        assert whole.usage.prompt_tokens == 5 and whole.id == "resp_mock"
        assert whole.choices[0].finish_reason == parsed[-1].choices[0].finish_reason


def test_codex_edge_events():
    done = {"type": "function_call", "call_id": "c9", "name": "f", "arguments": '{"x":1}'}
    events = [
        {"type": "response.created", "response": {"id": "r", "model": "m", "created_at": 3}},
        {"type": "response.reasoning_summary_part.added", "summary_index": 0},
        {"type": "response.reasoning_summary_text.delta", "delta": "a"},
        {"type": "response.reasoning_summary_part.added", "summary_index": 1},
        {"type": "response.reasoning_summary_text.delta", "delta": "b"},
        {"type": "response.output_item.done", "output_index": 1, "item": done},
        {
            "type": "response.incomplete",
            "response": {
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
            },
        },
    ]
    chunks = run_stream(TO_CHAT.stream(b"{}", b"{}"), sse(events))
    deltas = [json.loads(c)["choices"][0] for c in chunks]
    assert "".join(d["delta"].get("reasoning_content", "") for d in deltas) == "a\n\nb"
    assert deltas[3]["delta"]["tool_calls"][0]["function"] == {"name": "f", "arguments": '{"x":1}'}
    assert deltas[-1]["finish_reason"] == "length"
    failed = {
        "type": "response.failed",
        "response": {"error": {"code": "server_error", "message": "boom"}},
    }
    (error,) = TO_CHAT.stream(b"{}", b"{}")(sse([failed])[0])
    assert json.loads(error) == {"error": {"code": "server_error", "message": "boom"}}


# --------------------------------------------------- Responses client -> codex upstream


def test_responses_request_is_normalised_for_codex():
    body = json.loads(
        PASS.request(dumps(CONVERSATION | {"input": "hi", "user": "u"}), "gpt-5", False)
    )
    assert body["input"] == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ]
    assert body["stream"] is True and body["store"] is False and body["model"] == "gpt-5"
    assert not {"max_output_tokens", "temperature", "user"} & body.keys()
    assert body["instructions"] == "Answer briefly." and body["tools"] == CONVERSATION["tools"]
    system = {"input": [{"type": "message", "role": "system", "content": "x"}]}
    assert json.loads(PASS.request(dumps(system), "m", True))["input"][0]["role"] == "developer"


def test_codex_events_pass_through_to_responses_clients():
    events = upstream_responses.events_for({"input": "a b"}, "echo")
    events[0]["response"].pop("model")
    emptied = {**events[-1], "response": {**events[-1]["response"], "output": []}}
    frames = sse([*events[:-1], emptied])
    out = run_stream(PASS.stream(b'{"model":"alias"}', b"{}"), frames)
    assert out[1:-1] == frames[1:-1]  # untouched events are the very same bytes
    patched = events_of(out)
    assert patched[0]["response"]["model"] == "alias"
    assert patched[-1]["response"]["output"] == events[-1]["response"]["output"]
    final = json.loads(PASS.response(b"{}", b"{}", b"".join(frames)))
    assert final["output"][0]["content"][0]["text"] == "a b"


# ----------------------------------------------------------------- round-trip properties

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
CALLS = st.lists(
    st.tuples(
        st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True),
        st.dictionaries(
            st.from_regex(r"[a-z]{1,5}", fullmatch=True), st.integers() | TEXT, max_size=3
        ),
    ),
    max_size=3,
    unique_by=lambda call: call[0],
)
USAGE = st.tuples(st.integers(0, 10**6), st.integers(0, 10**6))


def chat_answer(text: str, calls: list, usage: tuple[int, int]) -> dict[str, Any]:
    tool_calls = [
        {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
        for i, (n, a) in enumerate(calls)
    ]
    message = {"role": "assistant", "content": text or None, "tool_calls": tool_calls or None}
    finish = "tool_calls" if calls else "stop"
    prompt, completion = usage
    totals = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    return {
        "id": "c",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": totals,
    }


@settings(max_examples=60, deadline=None)
@given(TEXT, TEXT, CALLS, USAGE)
def test_chat_answers_survive_responses_and_back(text, reasoning, calls, usage):
    answer = chat_answer(text, calls, usage)
    answer["choices"][0]["message"]["reasoning_content"] = reasoning
    middle = TO_RESPONSES.response(b"{}", b"{}", dumps(answer))
    Response.model_validate_json(middle)
    back = json.loads(TO_CHAT.response(b"{}", b"{}", middle))
    message = back["choices"][0]["message"]
    assert message["content"] == answer["choices"][0]["message"]["content"]
    assert message.get("reasoning_content", "") == reasoning
    got = [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in back["choices"][0]["message"].get("tool_calls") or ()
    ]
    assert got == calls and back["usage"] == answer["usage"]
    assert back["choices"][0]["finish_reason"] == answer["choices"][0]["finish_reason"]


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT.filter(bool), max_size=5), CALLS, USAGE, st.integers(1, 7))
def test_chat_streams_survive_responses_events_and_back(pieces, calls, usage, cut):
    chunks = [chat_chunk({"content": piece}) for piece in pieces]
    for i, (name, arguments) in enumerate(calls):
        text = json.dumps(arguments)
        first = {"index": i, "id": f"call_{i}", "function": {"name": name, "arguments": text[:cut]}}
        chunks.append(chat_chunk({"tool_calls": [first]}))
        chunks.append(
            chat_chunk({"tool_calls": [{"index": i, "function": {"arguments": text[cut:]}}]})
        )
    answer = chat_answer("", calls, usage)
    chunks += [
        chat_chunk({}, answer["choices"][0]["finish_reason"]),
        chat_chunk(usage=answer["usage"]),
    ]
    events = run_stream(TO_RESPONSES.stream(b"{}", b"{}"), chunks)
    events_of(events)
    back = [json.loads(c) for c in run_stream(TO_CHAT.stream(b"{}", b"{}"), events)]
    deltas = [c["choices"][0]["delta"] for c in back]
    assert "".join(d.get("content") or "" for d in deltas) == "".join(pieces)
    arguments: dict[int, list[str]] = {}
    names = {}
    for call in (call for d in deltas for call in d.get("tool_calls") or ()):
        names.setdefault(call["index"], call.get("function", {}).get("name"))
        arguments.setdefault(call["index"], []).append(call["function"]["arguments"])
    got = [(names[i], json.loads("".join(arguments[i]))) for i in sorted(arguments)]
    assert got == calls and back[-1]["usage"] == answer["usage"]
    assert back[-1]["choices"][0]["finish_reason"] == answer["choices"][0]["finish_reason"]


@settings(max_examples=60, deadline=None)
@given(
    TEXT,
    st.lists(
        st.tuples(st.sampled_from(["user", "assistant"]), TEXT.filter(bool)), min_size=1, max_size=5
    ),
    CALLS,
)
def test_responses_requests_keep_texts_roles_and_tools(instructions, turns, calls):
    tools = [{"type": "function", "name": name, "parameters": WEATHER} for name, _ in calls]
    source = {
        "instructions": instructions,
        "input": [{"type": "message", "role": role, "content": text} for role, text in turns],
        "tools": tools,
    }
    chat = TO_RESPONSES.request(dumps(source), "m", True)
    codex = json.loads(TO_CHAT.request(chat, "m", True))
    expected = [("developer", instructions)] if instructions else []
    got = [(item["role"], "".join(p["text"] for p in item["content"])) for item in codex["input"]]
    assert got == expected + turns
    sent = [(tool["name"], tool["parameters"]) for tool in codex.get("tools", [])]
    assert sent == [(tool["name"], tool["parameters"]) for tool in tools]
