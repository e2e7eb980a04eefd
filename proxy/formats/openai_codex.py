"""OpenAI chat clients on Codex (Responses API) upstreams (04 §3.4, "OpenAI Chat client →
Codex/Responses upstream"): chat requests become Responses bodies fit for Codex; the
final `response` object (or the SSE text of a whole stream) becomes one chat completion,
and Responses events become chat chunks, one event at a time.

Codex rejects tool names over 64 characters, so longer ones are sent shortened; the
answer side rebuilds the same map from the client's request to restore them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from proxy.formats import chat
from proxy.formats.registry import NATIVE, StreamTransform, Translator
from proxy.formats.responses_common import (
    FINISH_OF_INCOMPLETE,
    TERMINAL,
    answer_events,
    chat_usage,
    dumps,
    failure,
    final_response,
    for_codex,
    loads_object,
    now,
    stream_events,
)

NAME_LIMIT = 64
DEFAULT_EFFORT = "medium"  # Codex models always reason; CLIProxyAPI asks for medium


# ------------------------------------------------------------------------------ request


def short_names(names: Iterable[str]) -> dict[str, str]:
    """original -> shortened, for the names over the limit only. `mcp__server__tool`
    keeps `mcp__tool`; clashes get `_1`, `_2`… Deterministic, so the answer side can
    rebuild the map from the same request."""
    names = list(dict.fromkeys(names))
    used = {name for name in names if len(name) <= NAME_LIMIT}
    shortened = {}
    for name in names:
        if len(name) <= NAME_LIMIT:
            continue
        base = name
        if name.startswith("mcp__") and "__" in name[5:]:
            base = "mcp__" + name.rsplit("__", 1)[1]
        base = candidate = base[:NAME_LIMIT]
        count = 0
        while candidate in used:
            count += 1
            suffix = f"_{count}"
            candidate = base[: NAME_LIMIT - len(suffix)] + suffix
        used.add(candidate)
        shortened[name] = candidate
    return shortened


def _tool_names(chat: dict[str, Any]) -> list[str]:
    return [
        name
        for tool in chat.get("tools") or ()
        if isinstance(tool, dict)
        and tool.get("type") == "function"
        and isinstance(name := (tool.get("function") or {}).get("name"), str)
    ]


def request(body: bytes, model: str, stream: bool) -> bytes:
    chat = loads_object(body)
    names = short_names(_tool_names(chat))
    out: dict[str, Any] = {
        "instructions": "",
        "input": _input(chat.get("messages") or (), names),
        "reasoning": {"effort": chat.get("reasoning_effort") or DEFAULT_EFFORT},
        "parallel_tool_calls": chat.get("parallel_tool_calls", True),
    }
    text_format = _text_format(chat.get("response_format"))
    if text_format:
        out["text"] = {"format": text_format}
    if chat.get("verbosity"):
        out.setdefault("text", {})["verbosity"] = chat["verbosity"]
    if chat.get("tools"):
        out["tools"] = [_tool(tool, names) for tool in chat["tools"] if isinstance(tool, dict)]
    choice = chat.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name", "")
        out["tool_choice"] = {"type": "function", "name": names.get(name, name)}
    elif isinstance(choice, (str, dict)):
        out["tool_choice"] = choice  # auto/none/required, or a hosted tool's choice
    return dumps(for_codex(out, model or chat.get("model", "")))


def _text_format(response_format: Any) -> dict[str, Any] | None:
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind in ("text", "json_object"):
        return {"type": kind}
    if kind == "json_schema":
        schema = response_format.get("json_schema") or {}
        fields = ("name", "description", "strict", "schema")
        return {"type": "json_schema", **{key: schema[key] for key in fields if key in schema}}
    return None


def _tool(tool: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Chat tools nest the function; Responses tools are flat. Hosted tools (web_search…)
    pass as they are. `strict` is sent explicitly because the two APIs default it
    differently (chat: off, Responses: on)."""
    if tool.get("type") != "function":
        return tool
    function = tool.get("function") or {}
    name = function.get("name", "")
    out: dict[str, Any] = {
        "type": "function",
        "name": names.get(name, name),
        "parameters": function.get("parameters") or {"type": "object", "properties": {}},
        "strict": bool(function.get("strict", False)),
    }
    if function.get("description"):
        out["description"] = function["description"]
    return out


def _parts(content: Any, text_type: str) -> list[dict[str, Any]]:
    """Chat content as Responses content parts; assistant text is `output_text`."""
    if isinstance(content, str):
        return [{"type": text_type, "text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else ():
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.append({"type": text_type, "text": part.get("text", "")})
        elif kind == "image_url" and text_type == "input_text":
            image = part.get("image_url") or {}
            converted = {"type": "input_image", "image_url": image.get("url", "")}
            if image.get("detail"):
                converted["detail"] = image["detail"]
            parts.append(converted)
        elif kind == "file" and text_type == "input_text":
            file = part.get("file") or {}
            fields = ("file_data", "file_id", "filename")
            parts.append({"type": "input_file", **{k: file[k] for k in fields if k in file}})
    return parts


def _input(messages: Iterable[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """Chat messages as Responses input items: system prompts as `developer` messages
    (Codex keeps `instructions` for its own prompt), tool calls as `function_call` items
    after their message, tool results as `function_call_output` items."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role", "user")
        if role == "tool":
            content = message.get("content")
            output = content if isinstance(content, str) else _parts(content, "input_text")
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.get("tool_call_id", ""),
                    "output": output,
                }
            )
            continue
        role = "developer" if role == "system" else role
        parts = _parts(
            message.get("content"), "output_text" if role == "assistant" else "input_text"
        )
        if parts or role != "assistant":
            items.append({"type": "message", "role": role, "content": parts})
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            name = function.get("name", "")
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.get("id") or f"call_{len(items)}",
                    "name": names.get(name, name),
                    "arguments": function.get("arguments") or "{}",
                }
            )
    return items


# ----------------------------------------------------------------------------- response


def _original_names(original: bytes) -> dict[str, str]:
    """shortened -> original tool name, rebuilt from the client's request."""
    return {short: name for name, short in short_names(_tool_names(loads_object(original))).items()}


def _finish_reason(response: dict[str, Any], called: bool) -> str:
    if response.get("status") == "incomplete":
        reason = (response.get("incomplete_details") or {}).get("reason", "")
        return FINISH_OF_INCOMPLETE.get(reason, "stop")
    return "tool_calls" if called else "stop"


def response(original: bytes, translated: bytes, body: bytes) -> bytes:
    final = final_response(answer_events(body)) or {}
    names = _original_names(original)
    text, reasoning, calls = "", [], []
    for item in final.get("output") or ():
        kind = item.get("type")
        if kind == "message":
            text += "".join(
                part.get("text", "")
                for part in item.get("content") or ()
                if part.get("type") == "output_text"
            )
        elif kind == "reasoning":
            reasoning += [p.get("text", "") for p in item.get("summary") or () if p.get("text")]
        elif kind == "function_call":
            name = item.get("name", "")
            function = {"name": names.get(name, name), "arguments": item.get("arguments") or "{}"}
            calls.append({"id": item.get("call_id", ""), "type": "function", "function": function})
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if reasoning:
        message["reasoning_content"] = "\n\n".join(reasoning)
    if calls:
        message["tool_calls"] = calls
    choice = {"index": 0, "message": message, "finish_reason": _finish_reason(final, bool(calls))}
    return dumps(
        {
            "id": final.get("id", ""),
            "object": "chat.completion",
            "created": final.get("created_at") or now(),
            "model": final.get("model") or loads_object(translated).get("model", ""),
            "choices": [choice],
            "usage": chat_usage(final.get("usage")),
        }
    )


# ------------------------------------------------------------------------------- stream


@dataclass
class _Call:
    index: int  # position in the chat tool_calls
    arguments_sent: bool = False


@dataclass
class _StreamState:
    """Per stream: the response's id, creation time and model for every chunk, the
    function calls by output index (to number them and to send their arguments once:
    as deltas, else whole from the `.done` event), and whether reasoning was already
    said (a later summary part is set apart by a blank line)."""

    names: dict[str, str]
    model: str
    id: str = ""
    created: int = field(default_factory=now)
    calls: dict[int, _Call] = field(default_factory=dict)
    role_sent: bool = False
    reasoned: bool = False
    finished: bool = False

    def chunk(self, chunk: bytes | None) -> list[bytes]:
        if chunk is None or self.finished:
            return []
        out: list[bytes] = []
        for event in stream_events(chunk):
            out += self._event(event)
        return out

    def _frame(self, delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> bytes:
        if not self.role_sent:
            delta = {"role": "assistant", **delta}
            self.role_sent = True
        return chat.chunk(self.id, self.created, self.model, delta, finish, usage)

    def _event(self, event: dict[str, Any]) -> list[bytes]:
        kind = event.get("type", "")
        response = event.get("response") if isinstance(event.get("response"), dict) else {}
        self.id = self.id or response.get("id", "")
        self.created = response.get("created_at") or self.created
        self.model = response.get("model") or self.model
        item = event.get("item") if isinstance(event.get("item"), dict) else {}
        index = event.get("output_index", -1)
        if kind == "response.output_text.delta" and event.get("delta"):
            return [self._frame({"content": event["delta"]})]
        if kind == "response.reasoning_summary_part.added" and self.reasoned:
            return [self._frame({"reasoning_content": "\n\n"})]
        if kind == "response.reasoning_summary_text.delta" and event.get("delta"):
            self.reasoned = True
            return [self._frame({"reasoning_content": event["delta"]})]
        if kind == "response.output_item.added" and item.get("type") == "function_call":
            return [self._announce(index, item, "")]
        if kind == "response.function_call_arguments.delta" and event.get("delta"):
            return self._arguments(index, event["delta"])
        if kind == "response.function_call_arguments.done":
            return self._arguments(index, event.get("arguments") or "", whole=True)
        if kind == "response.output_item.done" and item.get("type") == "function_call":
            if index not in self.calls:
                self.calls[index] = _Call(len(self.calls), arguments_sent=True)
                return [self._announce(index, item, item.get("arguments") or "{}")]
            return self._arguments(index, item.get("arguments") or "{}", whole=True)
        if kind in TERMINAL:
            self.finished = True
            finish = _finish_reason(response, bool(self.calls))
            return [self._frame({}, finish, chat_usage(response.get("usage")))]
        failed = failure(event)
        if failed is not None:
            self.finished = True
            return [dumps(failed[1])]
        return []

    def _announce(self, index: int, item: dict[str, Any], arguments: str) -> bytes:
        call = self.calls.setdefault(index, _Call(len(self.calls)))
        name = item.get("name", "")
        tool = {
            "index": call.index,
            "id": item.get("call_id", ""),
            "type": "function",
            "function": {"name": self.names.get(name, name), "arguments": arguments},
        }
        return self._frame({"tool_calls": [tool]})

    def _arguments(self, index: int, arguments: str, whole: bool = False) -> list[bytes]:
        """Argument deltas as they come; a `.done` only when no delta came before it."""
        call = self.calls.get(index)
        if call is None or not arguments or (whole and call.arguments_sent):
            return []
        call.arguments_sent = True
        tool = {"index": call.index, "function": {"arguments": arguments}}
        return [self._frame({"tool_calls": [tool]})]


def stream(original: bytes, translated: bytes) -> StreamTransform:
    model = loads_object(translated).get("model", "")
    return _StreamState(_original_names(original), model).chunk


NATIVE[("openai", "codex")] = Translator(request=request, response=response, stream=stream)
