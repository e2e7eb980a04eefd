"""OpenAI chat clients on Claude Messages upstreams (04 §3.4, "OpenAI Chat client →
Claude upstream" and back): requests to Messages, answers and streams to chat
completions. Streamed tool input is buffered and handed out whole when its block closes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import ujson

from proxy.formats import chat
from proxy.formats.chat import dumps
from proxy.formats.registry import NATIVE, StreamTransform, Translator

DEFAULT_MAX_TOKENS = 32000
STOP_TO_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "refusal": "content_filter",
    "sensitive": "content_filter",
}


# ------------------------------------------------------------------------------ request


def request(body: bytes, model: str, stream: bool) -> bytes:
    chat = ujson.loads(body)
    out: dict[str, Any] = {
        "model": model or chat.get("model", ""),
        "max_tokens": chat.get("max_completion_tokens")
        or chat.get("max_tokens")
        or DEFAULT_MAX_TOKENS,
        "messages": [],
    }
    if "top_p" in chat:
        out["top_p"] = chat["top_p"]  # temperature is dropped, as upstream does
    stop = chat.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    system: list[dict[str, Any]] = []
    for message in chat.get("messages") or ():
        role = message.get("role")
        if role in ("system", "developer"):
            system += _blocks(message.get("content"))
        elif role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": message.get("tool_call_id", ""),
                "content": _text(message.get("content")),
            }
            _append(out["messages"], "user", [result])
        else:
            blocks = _blocks(message.get("content"))
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.get("id") or f"toolu_{len(out['messages'])}",
                        "name": function.get("name", ""),
                        "input": _object(function.get("arguments")),
                    }
                )
            _append(out["messages"], "assistant" if role == "assistant" else "user", blocks)
    if system:
        out["system"] = system
    if not out["messages"]:
        out["messages"].append({"role": "user", "content": [{"type": "text", "text": ""}]})
    if chat.get("tools"):
        out["tools"] = [
            {
                "name": (tool.get("function") or {}).get("name", ""),
                "description": (tool.get("function") or {}).get("description", ""),
                "input_schema": (tool.get("function") or {}).get("parameters")
                or {"type": "object"},
            }
            for tool in chat["tools"]
            if tool.get("type", "function") == "function"
        ]
    choice = chat.get("tool_choice")
    if choice == "auto":
        out["tool_choice"] = {"type": "auto"}
    elif choice == "required":
        out["tool_choice"] = {"type": "any"}
    elif isinstance(choice, dict) and (choice.get("function") or {}).get("name"):
        out["tool_choice"] = {"type": "tool", "name": choice["function"]["name"]}
    out["stream"] = stream
    return dumps(out)


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Consecutive messages of one role are merged, as Messages requires alternation."""
    if not blocks:
        return
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"] += blocks
    else:
        messages.append({"role": role, "content": blocks})


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks = []
    for part in content or ():
        kind = part.get("type")
        if kind == "text":
            blocks.append({"type": "text", "text": part.get("text", "")})
        elif kind == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            if url.startswith("data:") and ";base64," in url:
                media, data = url[5:].split(";base64,", 1)
                blocks.append(
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": media, "data": data},
                    }
                )
            else:
                blocks.append({"type": "image", "source": {"type": "url", "url": url}})
    return blocks


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or () if p.get("type") == "text")


def _object(arguments: Any) -> dict[str, Any]:
    try:
        parsed = ujson.loads(arguments or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


# ----------------------------------------------------------------------------- response


def _usage(usage: Any) -> dict[str, Any]:
    usage = usage if isinstance(usage, dict) else {}
    read = usage.get("cache_read_input_tokens") or 0
    created = usage.get("cache_creation_input_tokens") or 0
    prompt = (usage.get("input_tokens") or 0) + read + created
    completion = usage.get("output_tokens") or 0
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if read or created:
        out["prompt_tokens_details"] = {"cached_tokens": read, "cached_creation_tokens": created}
    return out


def response(original: bytes, translated: bytes, body: bytes) -> bytes:
    message = ujson.loads(body)
    text, reasoning, calls = "", "", []
    for block in message.get("content") or ():
        kind = block.get("type")
        if kind == "text":
            text += block.get("text", "")
        elif kind == "thinking":
            reasoning += block.get("thinking", "")
        elif kind == "tool_use":
            calls.append(
                {
                    "id": block.get("id", ""),
                    "type": "function",
                    "function": {
                        "name": block.get("name", ""),
                        "arguments": dumps(block.get("input") or {}).decode(),
                    },
                }
            )
    chat_message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if reasoning:
        chat_message["reasoning_content"] = reasoning
    if calls:
        chat_message["tool_calls"] = calls
    return dumps(
        {
            "id": message.get("id", ""),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": message.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": chat_message,
                    "finish_reason": STOP_TO_FINISH.get(message.get("stop_reason") or "", "stop"),
                }
            ],
            "usage": _usage(message.get("usage")),
        }
    )


# ------------------------------------------------------------------------------- stream


@dataclass
class _StreamState:
    """Per stream: the message id and model, and tool blocks whose input is still arriving."""

    id: str = ""
    model: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    tools: dict[int, dict[str, Any]] = field(default_factory=dict)  # block index -> call
    usage: dict[str, Any] = field(default_factory=dict)

    def chunk(self, chunk: bytes | None) -> list[bytes]:
        if chunk is None:
            return []
        out = []
        for data in _event_data(chunk):
            out += self._event(data)
        return out

    def _frame(self, delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> bytes:
        return chat.chunk(self.id, self.created, self.model, delta, finish, usage)

    def _event(self, data: dict[str, Any]) -> list[bytes]:
        kind = data.get("type")
        if kind == "message_start":
            message = data.get("message") or {}
            self.id, self.model = message.get("id", ""), message.get("model", "")
            self.usage = dict(message.get("usage") or {})
            return [self._frame({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                self.tools[data.get("index", 0)] = {
                    "id": block.get("id", ""),
                    "name": block.get("name", ""),
                    "json": "",
                }
            return []
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                return [self._frame({"content": delta.get("text", "")})]
            if delta.get("type") == "thinking_delta":
                return [self._frame({"reasoning_content": delta.get("thinking", "")})]
            if delta.get("type") == "input_json_delta" and data.get("index", 0) in self.tools:
                self.tools[data.get("index", 0)]["json"] += delta.get("partial_json", "")
            return []
        if kind == "content_block_stop" and data.get("index", 0) in self.tools:
            index = data.get("index", 0)
            call = self.tools.pop(index)
            function = {"name": call["name"], "arguments": call["json"] or "{}"}
            tool = {"index": index, "id": call["id"], "type": "function", "function": function}
            return [self._frame({"tool_calls": [tool]})]
        if kind == "message_delta":
            self.usage.update(data.get("usage") or {})
            finish = STOP_TO_FINISH.get((data.get("delta") or {}).get("stop_reason") or "", "stop")
            return [self._frame({}, finish, _usage(self.usage))]
        if kind == "error":
            error = data.get("error") or {}
            return [
                dumps(
                    {"error": {"message": error.get("message", ""), "type": error.get("type", "")}}
                )
            ]
        return []  # ping, message_stop


def _event_data(chunk: bytes) -> list[dict[str, Any]]:
    """The JSON `data:` of each SSE event in a chunk (one or more whole events)."""
    found = []
    for line in chunk.decode("utf-8", "replace").splitlines():
        if line.startswith("data:"):
            try:
                parsed = ujson.loads(line[5:].strip())
            except ValueError:
                continue
            if isinstance(parsed, dict):
                found.append(parsed)
    return found


def stream(original: bytes, translated: bytes) -> StreamTransform:
    return _StreamState().chunk


NATIVE[("openai", "claude")] = Translator(request=request, response=response, stream=stream)
