"""A made-up format, "myprov.chat", with translators to and from OpenAI chat, and a small
executor that speaks it (an echo bot, so the example needs no network).

myprov.chat request:   {"model": "m", "turns": [{"who": "system|human|bot", "said": "..."}],
                        "live": false}
myprov.chat answer:    {"model": "m", "said": "...", "spent": {"read": 3, "wrote": 2}}
myprov.chat stream:    {"piece": "..."} ... then {"spent": {"read": 3, "wrote": 2}}
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from proxy import sdk

FORMAT = "myprov.chat"
_WHO = {"system": "system", "developer": "system", "user": "human", "assistant": "bot"}


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def chat_to_myprov(model: str, payload: bytes, stream: bool) -> bytes:
    chat = json.loads(payload)
    turns = [
        {"who": _WHO.get(m.get("role", "user"), "human"), "said": _text(m.get("content"))}
        for m in chat.get("messages", [])
    ]
    return json.dumps(
        {"model": model or chat.get("model", ""), "turns": turns, "live": stream}
    ).encode()


def _usage(spent: dict[str, int]) -> dict[str, int]:
    read, wrote = spent.get("read", 0), spent.get("wrote", 0)
    return {"prompt_tokens": read, "completion_tokens": wrote, "total_tokens": read + wrote}


def myprov_to_chat(model: str, original: bytes, translated: bytes, body: bytes) -> bytes:
    answer = json.loads(body)
    message = {"role": "assistant", "content": answer.get("said", "")}
    return json.dumps(
        {
            "id": "chatcmpl-myprov",
            "object": "chat.completion",
            "created": 0,
            "model": answer.get("model", model),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": _usage(answer.get("spent", {})),
        }
    ).encode()


def myprov_stream_to_chat(
    model: str, original: bytes, translated: bytes, chunk: bytes | None, state: dict[str, Any]
) -> list[bytes]:
    """One myprov chunk in, OpenAI chat chunks out; `state` remembers the role was sent."""
    if chunk is None:
        return []
    event = json.loads(chunk)
    frame: dict[str, Any] = {
        "id": "chatcmpl-myprov",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
    }
    if "piece" in event:
        delta = {"content": event["piece"]}
        if not state.get("started"):
            state["started"] = True
            delta["role"] = "assistant"
        frame["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
    else:
        frame["choices"] = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
        frame["usage"] = _usage(event.get("spent", {}))
    return [json.dumps(frame).encode()]


TRANSLATION = (
    sdk.Format.OPENAI,
    FORMAT,
    chat_to_myprov,
    sdk.ResponseTransform(non_stream=myprov_to_chat, stream=myprov_stream_to_chat),
)


class EchoBotExecutor(sdk.BaseExecutor):
    """Answers in myprov.chat with the last human turn, reversed word by word."""

    input_format = output_format = FORMAT
    models = ("echo-bot",)

    def identifier(self) -> str:
        return "myprov"

    async def execute(
        self, ctx: sdk.Context, auth: sdk.Auth, req: sdk.Request, opts: sdk.Options
    ) -> sdk.Response:
        said, spent = self._answer(req.payload)
        body = {"model": req.model, "said": said, "spent": spent}
        return sdk.Response(payload=json.dumps(body).encode())

    async def execute_stream(
        self, ctx: sdk.Context, auth: sdk.Auth, req: sdk.Request, opts: sdk.Options
    ) -> sdk.StreamResult:
        said, spent = self._answer(req.payload)

        async def chunks() -> AsyncIterator[sdk.StreamChunk]:
            for word in said.split(" "):
                yield sdk.StreamChunk(payload=json.dumps({"piece": word + " "}).encode())
            yield sdk.StreamChunk(payload=json.dumps({"spent": spent}).encode())

        return sdk.StreamResult(chunks=chunks())

    async def count_tokens(
        self, ctx: sdk.Context, auth: sdk.Auth, req: sdk.Request, opts: sdk.Options
    ) -> sdk.Response:
        """One token a word; counts are answered as `{"input_tokens": N}`."""
        turns = json.loads(req.payload).get("turns", [])
        count = sum(len(t.get("said", "").split()) for t in turns)
        return sdk.Response(payload=json.dumps({"input_tokens": count}).encode())

    def _answer(self, payload: bytes) -> tuple[str, dict[str, int]]:
        request = json.loads(payload)
        human = [t["said"] for t in request.get("turns", []) if t.get("who") == "human"]
        last = human[-1] if human else ""
        said = " ".join(reversed(last.split()))
        read = sum(len(t.get("said", "").split()) for t in request.get("turns", []))
        return said, {"read": read, "wrote": len(said.split())}
