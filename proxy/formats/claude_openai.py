"""Claude Messages clients on OpenAI chat-completions upstreams (04 §3.4, "Claude client
→ OpenAI-compatible upstream"): requests to chat completions, answers and streams back to
Messages. Streams are translated incrementally, one chunk at a time, with the open
content blocks as per-stream state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ujson

from proxy.formats.chat import dumps
from proxy.formats.registry import NATIVE, JsonStreamState, StreamTransform, Translator

FINISH_TO_STOP = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "end_turn",
}
TOOL_CHOICE = {"auto": "auto", "any": "required", "none": "none"}


# ------------------------------------------------------------------------------ request


def request(body: bytes, model: str, stream: bool) -> bytes:
    claude = ujson.loads(body)
    out: dict[str, Any] = {"model": model or claude.get("model", ""), "messages": []}
    for key, target in (("max_tokens", "max_tokens"), ("user", "user")):
        if key in claude:
            out[target] = claude[key]
    if "temperature" in claude:
        out["temperature"] = claude["temperature"]
    elif "top_p" in claude:
        out["top_p"] = claude["top_p"]
    if claude.get("stop_sequences"):
        out["stop"] = claude["stop_sequences"]
    system = _text_of(claude.get("system"))
    if system:
        out["messages"].append({"role": "system", "content": system})
    for message in claude.get("messages") or ():
        out["messages"].extend(_messages(message))
    if claude.get("tools"):
        out["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.get("name", ""),
                    "description": tool.get("description", ""),
                    "parameters": tool.get("input_schema") or {"type": "object"},
                },
            }
            for tool in claude["tools"]
        ]
    choice = claude.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "tool":
            out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
        else:
            out["tool_choice"] = TOOL_CHOICE.get(kind, "auto")
    out["stream"] = stream
    return dumps(out)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _messages(message: dict[str, Any]) -> list[dict[str, Any]]:
    """One Claude message: its text and images as one chat message, tool uses as an
    assistant's tool_calls, tool results as separate `tool` messages."""
    role = message.get("role", "user")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    parts: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    reasoning = ""
    for block in content or ():
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": block.get("text", "")})
        elif kind == "image" and (block.get("source") or {}).get("type") == "base64":
            source = block["source"]
            url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
            parts.append({"type": "image_url", "image_url": {"url": url}})
        elif kind == "image" and (block.get("source") or {}).get("type") == "url":
            parts.append(
                {"type": "image_url", "image_url": {"url": block["source"].get("url", "")}}
            )
        elif kind == "thinking":
            reasoning += block.get("thinking", "")
        elif kind == "tool_use":
            arguments = dumps(block.get("input") or {}).decode()
            calls.append(
                {
                    "id": block.get("id", ""),
                    "type": "function",
                    "function": {"name": block.get("name", ""), "arguments": arguments},
                }
            )
        elif kind == "tool_result":
            result = block.get("content")
            text = result if isinstance(result, str) else _text_of(result)
            results.append(
                {"role": "tool", "tool_call_id": block.get("tool_use_id", ""), "content": text}
            )
    out: list[dict[str, Any]] = list(results)
    if parts or calls or reasoning:
        simple = all(p["type"] == "text" for p in parts)
        chat: dict[str, Any] = {
            "role": role,
            "content": "".join(p["text"] for p in parts) if simple else parts,
        }
        if calls:
            chat["tool_calls"] = calls
        if reasoning:
            chat["reasoning_content"] = reasoning
        out.append(chat)
    return out


# ----------------------------------------------------------------------------- response


def response(original: bytes, translated: bytes, body: bytes) -> bytes:
    chat = ujson.loads(body)
    choice = (chat.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    blocks: list[dict[str, Any]] = []
    if message.get("reasoning_content"):
        blocks.append(
            {"type": "thinking", "thinking": message["reasoning_content"], "signature": ""}
        )
    if message.get("content"):
        blocks.append({"type": "text", "text": message["content"]})
    for call in message.get("tool_calls") or ():
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": (call.get("function") or {}).get("name", ""),
                "input": _arguments((call.get("function") or {}).get("arguments")),
            }
        )
    return dumps(
        {
            "id": chat.get("id") or f"msg_{int(time.time() * 1000)}",
            "type": "message",
            "role": "assistant",
            "model": chat.get("model", ""),
            "content": blocks,
            "stop_reason": FINISH_TO_STOP.get(choice.get("finish_reason") or "stop", "end_turn"),
            "stop_sequence": None,
            "usage": _usage(chat.get("usage")),
        }
    )


def _arguments(text: Any) -> dict[str, Any]:
    try:
        parsed = ujson.loads(text or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _usage(usage: Any) -> dict[str, int]:
    usage = usage if isinstance(usage, dict) else {}
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    out = {
        "input_tokens": (usage.get("prompt_tokens") or 0) - cached,
        "output_tokens": usage.get("completion_tokens") or 0,
    }
    if cached:
        out["cache_read_input_tokens"] = cached
    return out


# ------------------------------------------------------------------------------- stream


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + dumps(data) + b"\n\n"


@dataclass
class _StreamState(JsonStreamState):
    """What a Messages stream has said so far: the open block, the tool calls by their
    chat index, the stop reason and usage held back until the upstream has sent both."""

    started: bool = False
    block: int = -1  # index of the open content block, -1: none
    block_kind: str = ""
    tool_blocks: dict[int, int] = field(default_factory=dict)  # chat tool index -> block
    stop_reason: str = ""
    usage: dict[str, int] | None = None
    finished: bool = False

    def event(self, data: dict[str, Any], raw: bytes) -> list[bytes]:
        out: list[bytes] = []
        if not self.started:
            self.started = True
            message = {
                "id": data.get("id") or f"msg_{int(time.time() * 1000)}",
                "type": "message",
                "role": "assistant",
                "model": data.get("model", ""),
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 0, "output_tokens": 0},
            }
            out.append(_event("message_start", {"type": "message_start", "message": message}))
        for choice in data.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("reasoning_content"):
                out += self._open("thinking", {"type": "thinking", "thinking": "", "signature": ""})
                out.append(
                    self._delta({"type": "thinking_delta", "thinking": delta["reasoning_content"]})
                )
            if delta.get("content"):
                out += self._open("text", {"type": "text", "text": ""})
                out.append(self._delta({"type": "text_delta", "text": delta["content"]}))
            for call in delta.get("tool_calls") or ():
                out += self._tool(call)
            if choice.get("finish_reason"):
                self.stop_reason = FINISH_TO_STOP.get(choice["finish_reason"], "end_turn")
        if isinstance(data.get("usage"), dict):
            self.usage = _usage(data["usage"])
        return out

    def _open(self, kind: str, block: dict[str, Any], key: str = "") -> list[bytes]:
        if self.block >= 0 and self.block_kind == kind + key:
            return []
        out = self._close()
        self.block += 1
        self.block_kind = kind + key
        out.append(
            _event(
                "content_block_start",
                {"type": "content_block_start", "index": self.block, "content_block": block},
            )
        )
        return out

    def _close(self) -> list[bytes]:
        if self.block < 0 or not self.block_kind:
            return []
        self.block_kind = ""
        return [_event("content_block_stop", {"type": "content_block_stop", "index": self.block})]

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return _event(
            "content_block_delta",
            {"type": "content_block_delta", "index": self.block, "delta": delta},
        )

    def _tool(self, call: dict[str, Any]) -> list[bytes]:
        index = call.get("index", 0)
        function = call.get("function") or {}
        out: list[bytes] = []
        if index not in self.tool_blocks:
            block = {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": function.get("name", ""),
                "input": {},
            }
            out += self._open("tool", block, key=str(index))
            self.tool_blocks[index] = self.block
        if function.get("arguments"):
            out.append(
                self._delta({"type": "input_json_delta", "partial_json": function["arguments"]})
            )
        return out

    def end(self) -> list[bytes]:
        if self.finished or not self.started:
            return []
        self.finished = True
        out = self._close()
        usage = self.usage or {"input_tokens": 0, "output_tokens": 0}
        out.append(
            _event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": self.stop_reason or "end_turn", "stop_sequence": None},
                    "usage": usage,
                },
            )
        )
        out.append(_event("message_stop", {"type": "message_stop"}))
        return out


def stream(original: bytes, translated: bytes) -> StreamTransform:
    state: Callable[[bytes | None], list[bytes]] = _StreamState().chunk
    return state


NATIVE[("claude", "openai")] = Translator(request=request, response=response, stream=stream)
