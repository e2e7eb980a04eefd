"""The translators between Gemini `generateContent` and OpenAI chat completions, both
ways: realistic payloads one mapping at a time, then round trips through both directions
as properties (texts, roles, tools, tool calls, finish reasons and usage survive)."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from proxy.formats import gemini_openai, openai_gemini
from proxy.formats.registry import NATIVE

SKIP = "skip_thought_signature_validator"


def _gemini_to_chat(body: dict[str, Any], stream: bool = False) -> dict:
    return json.loads(gemini_openai.request(json.dumps(body).encode(), "gpt-x", stream))


def _chat_to_gemini(body: dict[str, Any]) -> dict:
    return json.loads(openai_gemini.request(json.dumps(body).encode(), "gemini-2.5-pro", False))


def _chat_answer_as_gemini(answer: dict[str, Any]) -> dict:
    return json.loads(gemini_openai.response(b"{}", b"{}", json.dumps(answer).encode()))


def _gemini_answer_as_chat(answer: dict[str, Any], original: bytes = b"{}") -> dict:
    return json.loads(openai_gemini.response(original, b"{}", json.dumps(answer).encode()))


def _run(transform: Any, chunks: list[Any]) -> list[dict]:
    """Feeds chunks (dicts, or raw bytes such as `[DONE]`) and the final flush."""
    frames: list[bytes] = []
    for chunk in chunks:
        frames += transform(chunk if isinstance(chunk, bytes) else json.dumps(chunk).encode())
    frames += transform(None)
    return [json.loads(frame) for frame in frames]


def _turn(role: str, *parts: dict[str, Any]) -> dict[str, Any]:
    return {"role": role, "parts": list(parts)}


def _fcall(name: str, args: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"functionCall": {"name": name, "args": args, **extra}}


def _fresponse(name: str, response: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"functionResponse": {"name": name, "response": response, **extra}}


def _tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _candidate(parts: list[dict[str, Any]], finish: str = "", index: int = 0) -> dict:
    found: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": index}
    return {**found, "finishReason": finish} if finish else found


def _chat_chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> dict:
    choice = {"index": index, "delta": delta, "finish_reason": finish}
    return {"id": "chatcmpl-1", "model": "gpt-x", "choices": [choice]}


def _usage_chunk(usage: dict[str, Any]) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "choices": [], "usage": usage}


def test_both_pairs_are_registered() -> None:
    assert NATIVE[("gemini", "openai")].request is gemini_openai.request
    assert NATIVE[("openai", "gemini")].request is openai_gemini.request


# --------------------------------------------------------- gemini client -> openai upstream


def test_gemini_request_with_system_prompt_config_and_turns() -> None:
    config = {"temperature": 0.2, "topP": 0.9, "topK": 40, "maxOutputTokens": 256}
    config |= {"stopSequences": ["END"], "candidateCount": 2}
    config["thinkingConfig"] = {"thinkingBudget": 1024}
    chat = _gemini_to_chat(
        {
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "contents": [
                _turn("user", {"text": "Hello"}, {"text": " there"}),
                _turn("model", {"text": "Hi!"}),
                _turn("user", {"text": "How are you?"}),
            ],
            "generationConfig": config,
        },
        stream=True,
    )
    assert chat["model"] == "gpt-x" and chat["stream"] is True
    assert chat["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hi!"},
        {"role": "user", "content": "How are you?"},
    ]
    assert (chat["temperature"], chat["top_p"], chat["top_k"]) == (0.2, 0.9, 40)
    assert (chat["max_tokens"], chat["stop"], chat["n"]) == (256, ["END"], 2)
    assert chat["reasoning_effort"] == "low"


def test_gemini_request_media_parts() -> None:
    parts = [
        {"text": "What is this?"},
        {"inlineData": {"mimeType": "image/png", "data": "iVBOR"}},
        {"inline_data": {"mime_type": "audio/wav", "data": "UklGR"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBER"}},
        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://x/cat.jpg"}},
        {"fileData": {"mimeType": "video/mp4", "fileUri": "files/abc"}},
    ]
    chat = _gemini_to_chat({"contents": [_turn("user", *parts)]})
    pdf = {"filename": "file.pdf", "file_data": "data:application/pdf;base64,JVBER"}
    assert chat["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}},
        {"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}},
        {"type": "file", "file": pdf},
        {"type": "image_url", "image_url": {"url": "https://x/cat.jpg"}},
        {"type": "text", "text": "[file files/abc (video/mp4)]"},
    ]


def test_gemini_request_tools_and_tool_config() -> None:
    weather = {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {
            "type": "OBJECT",
            "properties": {"city": {"type": "STRING"}, "type": {"type": "STRING"}},
            "required": ["city"],
        },
    }
    chat = _gemini_to_chat(
        {
            "contents": [_turn("user", {"text": "Weather?"})],
            "tools": [
                {"functionDeclarations": [weather]},
                {"function_declarations": [{"name": "now", "parametersJsonSchema": {}}]},
                {"googleSearch": {}},
            ],
            "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
        }
    )
    assert [tool["function"] for tool in chat["tools"]] == [
        {
            "name": "get_weather",
            "description": "Weather of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "type": {"type": "string"}},
                "required": ["city"],
            },
        },
        {"name": "now", "description": "", "parameters": {"type": "object"}},
    ]
    assert chat["tool_choice"] == "required"

    def choice(calling: dict[str, Any]) -> Any:
        body = {"contents": [], "toolConfig": {"functionCallingConfig": calling}}
        return _gemini_to_chat(body)["tool_choice"]

    assert (choice({"mode": "AUTO"}), choice({"mode": "NONE"})) == ("auto", "none")
    named = choice({"mode": "ANY", "allowedFunctionNames": ["get_weather"]})
    assert named == {"type": "function", "function": {"name": "get_weather"}}


def test_gemini_request_tool_round_pairs_responses_with_calls() -> None:
    chat = _gemini_to_chat(
        {
            "contents": [
                _turn("user", {"text": "Paris and Rome?"}),
                _turn(
                    "model",
                    {"text": "Let me think", "thought": True},
                    {"text": "Checking."},
                    _fcall("get_weather", {"city": "Paris"}),
                    _fcall("get_weather", {"city": "Rome"}),
                    _fcall("now", {}, id="given-id"),
                ),
                _turn(
                    "user",
                    _fresponse("now", {}, id="given-id"),
                    _fresponse("get_weather", {"result": "sun"}),
                    _fresponse("get_weather", {"t": 20}),
                    {"text": "Also, thanks."},
                ),
            ]
        }
    )
    user, assistant, *tools, last = chat["messages"]
    assert user == {"role": "user", "content": "Paris and Rome?"}
    assert assistant["content"] == "Checking."
    assert assistant["reasoning_content"] == "Let me think"
    calls = assistant["tool_calls"]
    arguments = [json.loads(c["function"]["arguments"]) for c in calls]
    assert arguments == [{"city": "Paris"}, {"city": "Rome"}, {}]
    assert len({c["id"] for c in calls}) == 3 and calls[2]["id"] == "given-id"
    assert tools == [
        {"role": "tool", "tool_call_id": "given-id", "content": "{}"},
        {"role": "tool", "tool_call_id": calls[0]["id"], "content": "sun"},
        {"role": "tool", "tool_call_id": calls[1]["id"], "content": '{"t":20}'},
    ]
    assert last == {"role": "user", "content": "Also, thanks."}


def test_gemini_request_thinking_and_structured_output() -> None:
    def effort(config: dict[str, Any]) -> str | None:
        body = {"contents": [], "generationConfig": {"thinkingConfig": config}}
        return _gemini_to_chat(body).get("reasoning_effort")

    budgets = [effort({"thinkingBudget": b}) for b in (0, -1, 20000, 100000)]
    assert budgets == ["none", "auto", "high", "xhigh"]
    assert effort({"thinkingLevel": "HIGH"}) == "high"
    assert effort({"includeThoughts": True}) is None
    schema = {"type": "OBJECT", "properties": {"n": {"type": "INTEGER"}}}
    config = {"responseMimeType": "application/json", "responseSchema": schema}
    chat = _gemini_to_chat({"contents": [], "generationConfig": config})
    wanted = {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert chat["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": wanted},
    }


def test_chat_answer_as_gemini_answer() -> None:
    message = {"role": "assistant", "content": "Calling.", "reasoning_content": "Need weather."}
    message["tool_calls"] = [_tool_call("call_7", "get_weather", '{"city":"Oslo"}')]
    usage = {"prompt_tokens": 20, "completion_tokens": 12, "total_tokens": 32}
    usage |= {
        "completion_tokens_details": {"reasoning_tokens": 5},
        "prompt_tokens_details": {"cached_tokens": 8},
    }
    choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
    answer = _chat_answer_as_gemini(
        {"id": "chatcmpl-9", "model": "gpt-x", "choices": [choice], "usage": usage}
    )
    assert answer["modelVersion"] == "gpt-x" and answer["responseId"] == "chatcmpl-9"
    assert answer["candidates"] == [
        _candidate(
            [
                {"text": "Need weather.", "thought": True},
                {"text": "Calling."},
                _fcall("get_weather", {"city": "Oslo"}, id="call_7"),
            ],
            "STOP",
        )
    ]
    assert answer["usageMetadata"] == {
        "promptTokenCount": 20,
        "candidatesTokenCount": 7,
        "totalTokenCount": 32,
        "thoughtsTokenCount": 5,
        "cachedContentTokenCount": 8,
    }


def test_chat_finish_reasons_as_gemini() -> None:
    expected = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}
    expected |= {"content_filter": "SAFETY", "something_new": "STOP"}
    for finish, reason in expected.items():
        choice = {"index": 0, "message": {"content": "x"}, "finish_reason": finish}
        answer = _chat_answer_as_gemini({"choices": [choice]})
        assert answer["candidates"][0]["finishReason"] == reason


def test_chat_stream_as_gemini_stream_assembles_tool_calls() -> None:
    def call(index: int, arguments: str, call_id: str = "", name: str = "") -> dict:
        piece: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
        if call_id:
            piece |= {"id": call_id, "type": "function"}
            piece["function"]["name"] = name
        return {"tool_calls": [piece]}

    frames = _run(
        gemini_openai.stream(b"{}", b"{}"),
        [
            _chat_chunk({"role": "assistant", "content": ""}),
            _chat_chunk({"reasoning_content": "Hmm."}),
            _chat_chunk({"content": "Checking "}),
            _chat_chunk({"content": "both."}),
            _chat_chunk(call(0, '{"city"', "call_a", "get_weather")),
            _chat_chunk(call(1, '{"city": "Rome"}', "call_b", "get_weather")),
            _chat_chunk(call(0, ': "Paris"}')),
            _chat_chunk({}, "tool_calls"),
            _usage_chunk({"prompt_tokens": 9, "completion_tokens": 4}),
            b"[DONE]",
        ],
    )
    assert [frame["candidates"] for frame in frames] == [
        [_candidate([{"text": "Hmm.", "thought": True}])],
        [_candidate([{"text": "Checking "}])],
        [_candidate([{"text": "both."}])],
        [
            _candidate(
                [
                    _fcall("get_weather", {"city": "Paris"}, id="call_a"),
                    _fcall("get_weather", {"city": "Rome"}, id="call_b"),
                ],
                "STOP",
            )
        ],
    ]
    assert frames[-1]["usageMetadata"] == {
        "promptTokenCount": 9,
        "candidatesTokenCount": 4,
        "totalTokenCount": 13,
    }
    assert all(f["modelVersion"] == "gpt-x" and f["responseId"] == "chatcmpl-1" for f in frames)


def test_chat_stream_as_gemini_stream_without_a_finish_or_with_an_error() -> None:
    piece = {"index": 0, "id": "call_z", "function": {"name": "now", "arguments": "{}"}}
    frames = _run(gemini_openai.stream(b"{}", b"{}"), [_chat_chunk({"tool_calls": [piece]})])
    assert [frame["candidates"] for frame in frames] == [
        [_candidate([_fcall("now", {}, id="call_z")])]
    ]
    finished = _run(gemini_openai.stream(b"{}", b"{}"), [_chat_chunk({"content": "a"}, "length")])
    assert finished[-1]["candidates"][0]["finishReason"] == "MAX_TOKENS"
    error = {"error": {"message": "overloaded", "type": "overloaded_error"}}
    assert _run(gemini_openai.stream(b"{}", b"{}"), [error]) == [error]


def test_chat_stream_with_several_choices_as_gemini() -> None:
    two = _chat_chunk({"content": "a"})
    two["choices"] += _chat_chunk({"content": "b"}, index=1)["choices"]
    frames = _run(
        gemini_openai.stream(b"{}", b"{}"),
        [
            two,
            _chat_chunk({}, "stop"),
            _chat_chunk({"content": "c"}, "length", index=1),
            _usage_chunk({"prompt_tokens": 1, "completion_tokens": 3}),
        ],
    )
    assert [[c["index"] for c in f["candidates"]] for f in frames] == [[0, 1], [0], [1]]
    assert frames[1]["candidates"][0]["finishReason"] == "STOP"
    assert "usageMetadata" not in frames[1]
    assert frames[2]["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert frames[2]["usageMetadata"]["totalTokenCount"] == 4


# --------------------------------------------------------- openai client -> gemini upstream


def test_chat_request_with_system_prompt_config_and_turns() -> None:
    json_schema = {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}}
    gemini = _chat_to_gemini(
        {
            "model": "gemini-2.5-pro",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "No emoji."}]},
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": "Hi!", "reasoning_content": "greet"},
                {"role": "user", "content": "How are you?"},
            ],
            "temperature": 0.3,
            "top_p": 0.8,
            "max_completion_tokens": 100,
            "stop": "END",
            "n": 2,
            "reasoning_effort": "high",
            "response_format": json_schema,
        }
    )
    assert "model" not in gemini
    system = [{"text": "Be brief."}, {"text": "No emoji."}]
    assert gemini["systemInstruction"] == {"role": "user", "parts": system}
    assert gemini["contents"] == [
        _turn("user", {"text": "Hello"}),
        _turn(
            "model", {"text": "greet", "thought": True, "thoughtSignature": SKIP}, {"text": "Hi!"}
        ),
        _turn("user", {"text": "How are you?"}),
    ]
    assert gemini["generationConfig"] == {
        "temperature": 0.3,
        "topP": 0.8,
        "maxOutputTokens": 100,
        "candidateCount": 2,
        "stopSequences": ["END"],
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object"},
        "thinkingConfig": {"thinkingBudget": 24576, "includeThoughts": True},
    }
    assert {s["category"] for s in gemini["safetySettings"]} >= {"HARM_CATEGORY_HARASSMENT"}
    alone = _chat_to_gemini({"messages": [{"role": "system", "content": "Say hi"}]})
    assert "systemInstruction" not in alone
    assert alone["contents"] == [_turn("user", {"text": "Say hi"})]


def test_chat_request_media_parts() -> None:
    content = [
        {"type": "text", "text": "Look"},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVB"}},
    ]
    gemini = _chat_to_gemini({"messages": [{"role": "user", "content": content}]})
    assert gemini["contents"][0]["parts"] == [
        {"text": "Look"},
        {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/"}},
        {"inlineData": {"mimeType": "audio/mpeg", "data": "SUQz"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVB"}},
    ]


def test_chat_request_tools_and_a_tool_round() -> None:
    weather = {"type": "object", "properties": {"city": {"type": "string"}}}
    calls = [
        _tool_call("call_1", "get_weather", '{"city":"Paris"}'),
        _tool_call("call_2", "now", ""),
    ]
    gemini = _chat_to_gemini(
        {
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": None, "tool_calls": calls},
                {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
                {
                    "role": "tool",
                    "tool_call_id": "call_2",
                    "content": [{"type": "text", "text": "9h"}],
                },
            ],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "description": "Weather",
                        "parameters": weather,
                        "strict": True,
                    },
                },
                {"type": "function", "function": {"name": "now"}},
                {"google_search": {}},
            ],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        }
    )
    assert gemini["contents"][1:] == [
        _turn(
            "model",
            {**_fcall("get_weather", {"city": "Paris"}), "thoughtSignature": SKIP},
            {**_fcall("now", {}), "thoughtSignature": SKIP},
        ),
        _turn(
            "user",
            _fresponse("get_weather", {"result": "sunny"}),
            _fresponse("now", {"result": "9h"}),
        ),
    ]
    empty = {"type": "object", "properties": {}}
    assert gemini["tools"] == [
        {
            "functionDeclarations": [
                {"name": "get_weather", "description": "Weather", "parametersJsonSchema": weather},
                {"name": "now", "parametersJsonSchema": empty},
            ]
        },
        {"googleSearch": {}},
    ]
    only = {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    assert gemini["toolConfig"] == {"functionCallingConfig": only}
    for choice, mode in (("auto", "AUTO"), ("none", "NONE"), ("required", "ANY")):
        body = {"messages": [{"role": "user", "content": "x"}], "tool_choice": choice}
        assert _chat_to_gemini(body)["toolConfig"] == {"functionCallingConfig": {"mode": mode}}


def test_gemini_answer_as_chat_answer() -> None:
    parts = [
        {"text": "Weighing it.", "thought": True},
        {"text": "Let me check."},
        _fcall("get_weather", {"city": "Paris"}),
        _fcall("get_weather", {"city": "Rome"}),
        {"thoughtSignature": "c2ln"},
    ]
    usage = {"promptTokenCount": 10, "candidatesTokenCount": 6, "thoughtsTokenCount": 4}
    usage |= {"cachedContentTokenCount": 3, "totalTokenCount": 20}
    answer = _gemini_answer_as_chat(
        {
            "candidates": [_candidate(parts, "STOP")],
            "usageMetadata": usage,
            "modelVersion": "gemini-2.5-pro",
            "responseId": "resp-1",
        }
    )
    assert answer["id"] == "resp-1" and answer["object"] == "chat.completion"
    assert answer["model"] == "gemini-2.5-pro"
    (choice,) = answer["choices"]
    message = choice["message"]
    assert choice["finish_reason"] == "tool_calls"
    assert message["content"] == "Let me check." and message["reasoning_content"] == "Weighing it."
    calls = message["tool_calls"]
    arguments = [json.loads(c["function"]["arguments"]) for c in calls]
    assert arguments == [{"city": "Paris"}, {"city": "Rome"}]
    assert all(c["id"].startswith("call_") and c["type"] == "function" for c in calls)
    assert calls[0]["id"] != calls[1]["id"]
    assert answer["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 10,
        "total_tokens": 20,
        "completion_tokens_details": {"reasoning_tokens": 4},
        "prompt_tokens_details": {"cached_tokens": 3},
    }


def test_gemini_finish_reasons_and_blocked_prompts_as_chat() -> None:
    expected = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter"}
    expected |= {"RECITATION": "content_filter", "MALFORMED_FUNCTION_CALL": "stop"}
    for reason, finish in expected.items():
        candidate = _candidate([{"text": "x"}], reason)
        answer = _gemini_answer_as_chat({"candidates": [candidate]}, b'{"model":"asked"}')
        assert answer["choices"][0]["finish_reason"] == finish
        assert answer["model"] == "asked"
    blocked = _gemini_answer_as_chat({"promptFeedback": {"blockReason": "SAFETY"}})
    message = {"role": "assistant", "content": None}
    assert blocked["choices"] == [
        {"index": 0, "message": message, "finish_reason": "content_filter"}
    ]


def test_gemini_stream_as_chat_stream() -> None:
    def event(parts: list[dict], finish: str = "", **extra: Any) -> dict:
        return {"candidates": [_candidate(parts, finish)], "modelVersion": "gemini-x", **extra}

    usage = {"promptTokenCount": 5, "candidatesTokenCount": 2, "totalTokenCount": 7}
    frames = _run(
        openai_gemini.stream(b"{}", b"{}"),
        [
            event([{"text": "Thinking", "thought": True}], responseId="r-1"),
            event([{"text": "Hello "}]),
            event([_fcall("get_weather", {"city": "Paris"}), _fcall("now", {})]),
            event([{"text": "!"}], usageMetadata=usage),
            event([], "STOP", usageMetadata=usage),
        ],
    )
    deltas = [f["choices"][0]["delta"] for f in frames]
    assert deltas[0] == {"role": "assistant", "reasoning_content": "Thinking"}
    assert deltas[1] == {"content": "Hello "}
    calls = deltas[2]["tool_calls"]
    assert [(c["index"], c["function"]["name"]) for c in calls] == [(0, "get_weather"), (1, "now")]
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    assert deltas[3] == {"content": "!"}
    assert all(f["choices"][0]["finish_reason"] is None for f in frames[:-1])
    assert all("usage" not in f for f in frames[:-1])
    assert frames[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}
    assert frames[-1]["usage"] == {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    assert {(f["id"], f["model"]) for f in frames} == {("r-1", "gemini-x")}


def test_gemini_stream_with_two_candidates_and_usage_before_the_finish() -> None:
    usage = {"promptTokenCount": 2, "candidatesTokenCount": 2, "totalTokenCount": 4}
    first = [_candidate([{"text": "x"}]), _candidate([{"text": "y"}], index=1)]
    last = [_candidate([], "STOP"), _candidate([], "MAX_TOKENS", index=1)]
    frames = _run(
        openai_gemini.stream(b"{}", b"{}"),
        [{"candidates": first, "usageMetadata": usage}, {"candidates": last}],
    )
    assert [f["choices"][0]["delta"] for f in frames[:2]] == [
        {"role": "assistant", "content": "x"},
        {"role": "assistant", "content": "y"},
    ]
    ends = [(f["choices"][0]["index"], f["choices"][0]["finish_reason"]) for f in frames[2:]]
    assert ends == [(0, "stop"), (1, "length")]
    assert "usage" not in frames[2] and frames[3]["usage"]["total_tokens"] == 4


def test_gemini_stream_that_ends_without_finish_or_is_blocked() -> None:
    frames = _run(
        openai_gemini.stream(b'{"model":"m"}', b"{}"),
        [{"candidates": [{"content": {"parts": [{"text": "cut"}]}}]}],
    )
    assert frames[0]["choices"][0]["delta"] == {"role": "assistant", "content": "cut"}
    assert frames[-1]["choices"][0]["finish_reason"] == "stop" and frames[-1]["model"] == "m"
    blocked = _run(
        openai_gemini.stream(b"{}", b"{}"),
        [{"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 3}}],
    )
    assert [frame["choices"] for frame in blocked] == [
        [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": "content_filter"}]
    ]
    assert blocked[0]["usage"]["prompt_tokens"] == 3
    assert _run(openai_gemini.stream(b"{}", b"{}"), []) == []


# ------------------------------------------------------------------------ round trips

_texts = st.text(min_size=1, max_size=40)
_names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
_values = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=20))
_args = st.dictionaries(_names, _values, max_size=4)


@st.composite
def _gemini_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Conversations of rounds: a user text, then the model's text, or its function call
    answered by the user's function response and followed by the model's text."""
    contents: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        texts = draw(st.lists(_texts, min_size=1, max_size=3))
        contents.append(_turn("user", *({"text": t} for t in texts)))
        if draw(st.booleans()):
            name, args, result = draw(_names), draw(_args), draw(_texts)
            contents.append(_turn("model", _fcall(name, args)))
            contents.append(_turn("user", _fresponse(name, {"result": result})))
        contents.append(_turn("model", {"text": draw(_texts)}))
    contents.append(_turn("user", {"text": draw(_texts)}))
    body: dict[str, Any] = {"contents": contents}
    if draw(st.booleans()):
        body["systemInstruction"] = {"parts": [{"text": draw(_texts)}]}
    declarations = [
        {
            "name": name,
            "description": draw(st.text(max_size=30)),
            "parameters": {"type": "OBJECT", "properties": {p: {"type": "STRING"} for p in props}},
        }
        for name, props in draw(
            st.dictionaries(_names, st.lists(_names, max_size=3), max_size=3)
        ).items()
    ]
    if declarations:
        body["tools"] = [{"functionDeclarations": declarations}]
    return body


def _turns(gemini: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """What a conversation says, turn by turn: adjacent texts joined, calls and results."""
    turns = []
    for content in gemini["contents"]:
        said: list[Any] = []
        for part in content["parts"]:
            if "text" in part and said and said[-1][0] == "text":
                said[-1] = ("text", said[-1][1] + part["text"])
            elif "text" in part:
                said.append(("text", part["text"]))
            elif "functionCall" in part:
                said.append(("call", part["functionCall"]["name"], part["functionCall"]["args"]))
            elif "functionResponse" in part:
                response = part["functionResponse"]
                said.append(("result", response["name"], response["response"]["result"]))
        turns.append((content["role"], said))
    return turns


@settings(max_examples=150)
@given(_gemini_requests())
def test_gemini_request_round_trip_keeps_turns_and_tools(body: dict[str, Any]) -> None:
    back = _chat_to_gemini(_gemini_to_chat(body))
    assert _turns(back) == _turns(body)
    assert back.get("systemInstruction", {}).get("parts") == (
        body.get("systemInstruction", {}).get("parts")
    )
    declared = [d for t in body.get("tools", ()) for d in t["functionDeclarations"]]
    returned = [d for t in back.get("tools", ()) for d in t["functionDeclarations"]]
    assert [(d["name"], d["description"]) for d in returned] == [
        (d["name"], d["description"]) for d in declared
    ]
    assert [sorted(d["parametersJsonSchema"]["properties"]) for d in returned] == [
        sorted(d["parameters"]["properties"]) for d in declared
    ]


_calls = st.lists(
    st.tuples(st.from_regex(r"call_[a-z0-9]{4,12}", fullmatch=True), _names, _args),
    max_size=3,
    unique_by=lambda call: call[0],
)


@st.composite
def _usages(draw: st.DrawFn) -> dict[str, Any]:
    prompt, completion = draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6))
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    reasoning, cached = draw(st.integers(0, completion)), draw(st.integers(0, prompt))
    if reasoning:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return usage


def _calls_in(holder: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(id, name, parsed arguments) of the tool calls of a message or delta list."""
    calls = holder.get("tool_calls", ())
    return [(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


_other_finishes = st.sampled_from(["stop", "length", "content_filter"])


@settings(max_examples=150)
@given(st.text(max_size=60), st.text(max_size=40), _calls, _usages(), _other_finishes)
def test_chat_answer_round_trip_through_gemini(
    text: str, reasoning: str, calls: list[Any], usage: dict[str, Any], other: str
) -> None:
    tool_calls = [_tool_call(i, n, json.dumps(a)) for i, n, a in calls]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if reasoning:
        message["reasoning_content"] = reasoning
    if tool_calls:
        message["tool_calls"] = tool_calls
    finish = "tool_calls" if calls else other
    answer = {
        "id": "chatcmpl-rt",
        "object": "chat.completion",
        "model": "gpt-x",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }
    back = _gemini_answer_as_chat(_chat_answer_as_gemini(answer))
    (choice,) = back["choices"]
    returned = choice["message"]
    assert returned.get("content") == message["content"]
    assert returned.get("reasoning_content") == message.get("reasoning_content")
    assert _calls_in(returned) == calls
    assert choice["finish_reason"] == finish
    assert back["usage"] == usage
    assert (back["id"], back["model"]) == ("chatcmpl-rt", "gpt-x")


def _split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[a:b] for a, b in itertools.pairwise(points) if text[a:b]]


@settings(max_examples=150)
@given(
    st.lists(st.text(min_size=1, max_size=15), max_size=5),
    st.lists(st.text(min_size=1, max_size=15), max_size=3),
    _calls,
    st.lists(st.integers(0, 200), max_size=4),
    _usages(),
    _other_finishes,
)
def test_chat_stream_round_trip_through_gemini(
    pieces: list[str],
    thoughts: list[str],
    calls: list[Any],
    cuts: list[int],
    usage: dict[str, Any],
    other: str,
) -> None:
    chunks: list[Any] = [_chat_chunk({"role": "assistant", "content": ""})]
    chunks += [_chat_chunk({"reasoning_content": t}) for t in thoughts]
    chunks += [_chat_chunk({"content": p}) for p in pieces]
    for index, (call_id, name, args) in enumerate(calls):
        arguments = _split(json.dumps(args), cuts)
        head = {"index": index, "id": call_id, "type": "function", "function": {"name": name}}
        chunks.append(_chat_chunk({"tool_calls": [head]}))
        chunks += [
            _chat_chunk({"tool_calls": [{"index": index, "function": {"arguments": a}}]})
            for a in arguments
        ]
    finish = "tool_calls" if calls else other
    chunks += [_chat_chunk({}, finish), _usage_chunk(usage), b"[DONE]"]
    gemini = _run(gemini_openai.stream(b"{}", b"{}"), chunks)
    assert gemini[-1]["usageMetadata"]["totalTokenCount"] == usage["total_tokens"]
    back = _run(openai_gemini.stream(b"{}", b"{}"), gemini)
    deltas = [f["choices"][0]["delta"] for f in back]
    assert deltas[0]["role"] == "assistant"
    assert "".join(d.get("content", "") for d in deltas) == "".join(pieces)
    assert "".join(d.get("reasoning_content", "") for d in deltas) == "".join(thoughts)
    returned = {"tool_calls": [c for d in deltas for c in d.get("tool_calls", ())]}
    assert [c["index"] for c in returned["tool_calls"]] == list(range(len(calls)))
    assert _calls_in(returned) == calls
    assert back[-1]["choices"][0]["finish_reason"] == finish
    assert back[-1]["usage"] == usage
    assert all(f["choices"][0]["finish_reason"] is None for f in back[:-1])
