"""The official SDKs against every kind of upstream (issue 5's matrix): the OpenAI SDK
(chat completions and Responses), the Anthropic SDK and google-genai, each on an
OpenAI-compatible, a Claude, a Gemini and a Codex (Responses) upstream, streaming and
not, plain text and tool calls. One proxy with all four providers serves every case; the
upstreams are the local mock (tests/upstream*.py), which echoes the last user text, and
whose `tool-caller` model asks for get_weather(city="Paris")."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as genai_types

from tests.conftest import ProxyServer
from tests.upstream import Upstream

KEY = "matrix-client-key"
UPSTREAMS = ("openai", "claude", "gemini", "codex")
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
TEXT = "hello from the matrix"


def _config(upstream: Upstream) -> str:
    def entry(key: str, base: str) -> str:
        return f"""{key}:
  - api-key: good-1
    base-url: {base}
    models:
      - name: echo
        alias: {key.split("-")[0]}-echo
      - name: tool-caller
        alias: {key.split("-")[0]}-tool
"""

    return f"""host: 127.0.0.1
port: {{port}}
api-keys: [{KEY}]
openai-compatibility:
  - name: mock
    base-url: {upstream.url}/v1
    api-key-entries:
      - api-key: good-1
    models:
      - name: echo
        alias: openai-echo
      - name: tool-caller
        alias: openai-tool
{entry("claude-api-key", upstream.url)}{entry("gemini-api-key", upstream.url)}\
{entry("codex-api-key", upstream.url + "/v1")}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyServer]:
    upstream = Upstream()
    proxy = ProxyServer(tmp_path_factory.mktemp("matrix"), _config(upstream), dict(os.environ))
    yield proxy
    proxy.stop()
    upstream.close()


# ------------------------------------------------------------------------------ clients


def openai_chat(server: ProxyServer, model: str, stream: bool, tools: bool) -> tuple[str, list]:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0)
    extra = {}
    if tools:
        function = {"name": "get_weather", "description": "weather", "parameters": WEATHER}
        extra["tools"] = [{"type": "function", "function": function}]
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": TEXT}]
    if not stream:
        message = client.chat.completions.create(model=model, messages=messages, **extra)
        choice = message.choices[0]
        calls = [
            (c.function.name, json.loads(c.function.arguments))
            for c in choice.message.tool_calls or ()
        ]
        return choice.message.content or "", calls
    text, arguments, names = "", {}, {}
    for chunk in client.chat.completions.create(
        model=model, messages=messages, stream=True, **extra
    ):
        for choice in chunk.choices:
            text += choice.delta.content or ""
            for call in choice.delta.tool_calls or ():
                names[call.index] = names.get(call.index) or (
                    call.function.name if call.function else None
                )
                arguments[call.index] = arguments.get(call.index, "") + (
                    call.function.arguments or ""
                )
    return text, [(names[i], json.loads(arguments[i])) for i in sorted(arguments)]


def openai_responses(
    server: ProxyServer, model: str, stream: bool, tools: bool
) -> tuple[str, list]:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0)
    extra = {}
    if tools:
        extra["tools"] = [{"type": "function", "name": "get_weather", "parameters": WEATHER}]
    if stream:
        with client.responses.stream(
            model=model, instructions="be brief", input=TEXT, **extra
        ) as events:
            deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
            response = events.get_final_response()
        assert deltas == response.output_text
    else:
        response = client.responses.create(
            model=model, instructions="be brief", input=TEXT, **extra
        )
    calls = [
        (i.name, json.loads(i.arguments)) for i in response.output if i.type == "function_call"
    ]
    return response.output_text, calls


def claude(server: ProxyServer, model: str, stream: bool, tools: bool) -> tuple[str, list]:
    client = anthropic.Anthropic(base_url=server.url, api_key=KEY, max_retries=0)
    extra = {}
    if tools:
        extra["tools"] = [
            {"name": "get_weather", "description": "weather", "input_schema": WEATHER}
        ]
    arguments = {
        "model": model,
        "max_tokens": 200,
        "system": "be brief",
        "messages": [{"role": "user", "content": TEXT}],
        **extra,
    }
    if stream:
        with client.messages.stream(**arguments) as events:
            message = events.get_final_message()
    else:
        message = client.messages.create(**arguments)
    text = "".join(b.text for b in message.content if b.type == "text")
    calls = [(b.name, b.input) for b in message.content if b.type == "tool_use"]
    return text, calls


def gemini(server: ProxyServer, model: str, stream: bool, tools: bool) -> tuple[str, list]:
    client = genai.Client(api_key=KEY, http_options=genai_types.HttpOptions(base_url=server.url))
    config = genai_types.GenerateContentConfig(system_instruction="be brief")
    if tools:
        declaration = genai_types.FunctionDeclaration(
            name="get_weather", description="weather", parameters_json_schema=WEATHER
        )
        config.tools = [genai_types.Tool(function_declarations=[declaration])]
        config.automatic_function_calling = genai_types.AutomaticFunctionCallingConfig(disable=True)
    if stream:
        pieces = list(
            client.models.generate_content_stream(model=model, contents=TEXT, config=config)
        )
        text = "".join(p.text or "" for p in pieces)
        calls = [(c.name, c.args) for p in pieces for c in p.function_calls or ()]
        return text, calls
    answer = client.models.generate_content(model=model, contents=TEXT, config=config)
    return answer.text or "", [(c.name, c.args) for c in answer.function_calls or ()]


CLIENTS = {
    "openai-chat": openai_chat,
    "openai-responses": openai_responses,
    "anthropic": claude,
    "google-genai": gemini,
}


@pytest.mark.parametrize("tools", [False, True], ids=["text", "tools"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("upstream_kind", UPSTREAMS)
@pytest.mark.parametrize("client", CLIENTS)
def test_sdk_on_upstream(server, client, upstream_kind, stream, tools):
    model = f"{upstream_kind}-{'tool' if tools else 'echo'}"
    text, calls = CLIENTS[client](server, model, stream, tools)
    if tools:
        assert calls == [("get_weather", {"city": "Paris"})]
    else:
        assert text.split() == TEXT.split()
        assert calls == []
