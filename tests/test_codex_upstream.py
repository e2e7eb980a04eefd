"""The built-in codex provider (codex-api-key) against the mock Responses upstream
(tests/upstream_responses.py): answers, streams, errors, credentials, event reading."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from openai.types.responses import Response

from proxy.errors import UpstreamError
from proxy.executors import Call
from proxy.providers import codex_api, upstream
from proxy.providers.settings import APIKeyEntry, CompatModel
from tests import upstream_responses
from tests.test_translate_responses import events_of


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def call(upstream_url: str, model: str, key: str = "good-1", **payload: Any) -> Call:
    body = {"model": model, "input": "one two three", **payload}
    attributes = {"api_key": key, "base_url": upstream_url}
    request = {"Payload": dumps(body), "Model": model, "AuthAttributes": attributes}
    return Call(request, "req-1", None, None)  # type: ignore[arg-type]


def with_executor(base: str, key: str, work: Any) -> Any:
    async def run() -> Any:
        entry = APIKeyEntry(key, base, models=(CompatModel("tool-caller", "weather"),))
        clients = upstream.UpstreamClients("direct")
        try:
            return await work(codex_api.CodexExecutor((entry,), clients))
        finally:
            await clients.aclose()

    return asyncio.run(run())


@pytest.mark.parametrize("suffix", ["", "/v1"])
def test_codex_provider_answers_and_streams(upstream, suffix):
    base = upstream.url + suffix

    async def work(executor: codex_api.CodexExecutor) -> tuple[Any, list[bytes]]:
        reply = await executor.execute(call(base, "echo", temperature=1))
        opened = await executor.open_stream(call(base, "weather"))
        return reply, [chunk async for chunk in opened.chunks]

    reply, chunks = with_executor(base, "good-1", work)
    answer = Response.model_validate_json(reply.payload)
    assert answer.output_text == "one two three" and answer.usage.output_tokens == 3
    sent = upstream.calls[0]
    assert sent["body"]["stream"] is True and sent["body"]["store"] is False
    assert "temperature" not in sent["body"] and sent["headers"]["Authorization"] == "Bearer good-1"
    assert sent["headers"]["Accept"] == "text/event-stream"
    assert upstream.calls[1]["model"] == "tool-caller"  # the alias went out as its name
    events = events_of(chunks)
    assert events[0]["type"] == "response.created" and events[-1]["type"] == "response.completed"


@pytest.mark.parametrize(
    ("model", "key", "status", "stream"),
    [
        ("echo", "bad-key", 401, False),
        ("limited", "good-1", 429, True),
        ("broken", "good-1", 500, False),
        ("failing", "good-1", 429, True),
        ("failing", "good-1", 429, False),
    ],
)
def test_codex_provider_errors(upstream, model, key, status, stream):
    async def work(executor: codex_api.CodexExecutor) -> Any:
        request = call(upstream.url, model, key)
        return await (executor.open_stream(request) if stream else executor.execute(request))

    with pytest.raises(UpstreamError) as raised:
        with_executor(upstream.url, key, work)
    assert raised.value.status == status
    if model == "limited":
        assert raised.value.retry_after == 30


def test_codex_provider_credentials_and_counting():
    entries = (APIKeyEntry("k", codex_api.DEFAULT_BASE_URL, prefix="team"),)
    (credential,) = codex_api.CodexExecutor.credentials_of(entries)
    assert credential.provider == "codex" and "team/gpt-5-codex" in credential.models
    assert {info["ID"] for info in codex_api.CodexExecutor.model_infos(entries)} >= {
        "gpt-5",
        "team/gpt-5",
    }

    async def work(executor: codex_api.CodexExecutor) -> Any:
        return await executor.count_tokens(call("x", "gpt-5"))

    assert json.loads(with_executor("x", "k", work).payload)["input_tokens"] > 0


def test_codex_provider_reads_events_whole():
    """U+2028 and U+0085 stay inside their JSON line; opening events wait for the next;
    a stream without a terminal event is an error."""
    events = upstream_responses.events_for({"input": "a\u2028b\x85c"}, "echo")
    body = "".join(
        f"event: {e['type']}\ndata: {json.dumps(e, ensure_ascii=False)}\r\n\r\n" for e in events
    )

    async def read(text: str) -> list[bytes]:
        response = httpx.Response(200, content=text.encode())
        return [block async for block in codex_api._events(response, "test")]

    blocks = asyncio.run(read(body + "data: [DONE]\n\n"))
    assert [json.loads(b.split(b"data: ")[1]) for b in blocks] == events
    with pytest.raises(UpstreamError, match=r"last event: response\.in_progress"):
        asyncio.run(read(body.split("event: response.output_item.added")[0]))
