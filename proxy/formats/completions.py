"""Legacy text completions (`POST /v1/completions`, 04 §1.2): the request becomes a chat
completion with one user message, the answer and each stream chunk become
`text_completion` objects again."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import ujson

from proxy.errors import RequestError
from proxy.formats.chat import dumps

# copied as they are; everything else of the legacy request has no chat counterpart
_COPIED = (
    "model",
    "max_tokens",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "stop",
    "stream",
    "stream_options",
    "logprobs",
    "top_logprobs",
    "echo",
    "n",
    "seed",
    "user",
)


def chat_request(body: bytes) -> bytes:
    try:
        legacy = ujson.loads(body)
    except ValueError as exc:
        raise RequestError(f"Invalid request: body is not valid JSON ({exc})") from None
    if not isinstance(legacy, dict):
        raise RequestError("Invalid request: body must be a JSON object")
    prompt = legacy.get("prompt", "Complete this:")
    if isinstance(prompt, list):  # a batch of prompts is answered as one
        prompt = "\n".join(str(p) for p in prompt)
    chat = {key: legacy[key] for key in _COPIED if key in legacy}
    chat["messages"] = [{"role": "user", "content": str(prompt)}]
    return dumps(chat)


def _choice(choice: dict[str, Any], text: Any) -> dict[str, Any]:
    return {
        "index": choice.get("index", 0),
        "text": text or "",
        "finish_reason": choice.get("finish_reason"),
        "logprobs": choice.get("logprobs"),
    }


def text_completion(body: bytes) -> bytes:
    """A chat completion as a `text_completion`; a body that is not one passes as it is."""
    try:
        chat = ujson.loads(body)
    except ValueError:
        return body
    if not isinstance(chat, dict) or "choices" not in chat:
        return body
    choices = [
        _choice(c, (c.get("message") or {}).get("content")) for c in chat.get("choices") or ()
    ]
    return _text_completion(chat, choices)


def _text_completion(chat: dict[str, Any], choices: list[dict[str, Any]]) -> bytes:
    out: dict[str, Any] = {
        "id": chat.get("id", ""),
        "object": "text_completion",
        "created": chat.get("created") or int(time.time()),
        "model": chat.get("model", ""),
        "choices": choices,
    }
    if chat.get("usage"):
        out["usage"] = chat["usage"]
    return dumps(out)


async def text_completion_chunks(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Chat chunks as text-completion chunks; chunks without text, finish reason or usage
    (the role-only first chunk, tool-call pieces) are left out."""
    try:
        async for chunk in chunks:
            try:
                chat = ujson.loads(chunk)
            except ValueError:
                continue
            if not isinstance(chat, dict):
                continue
            choices = [
                _choice(c, (c.get("delta") or {}).get("content"))
                for c in chat.get("choices") or ()
                if (c.get("delta") or {}).get("content") or c.get("finish_reason")
            ]
            if not choices and not chat.get("usage"):
                continue
            yield _text_completion(chat, choices)
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
