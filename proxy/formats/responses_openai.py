"""OpenAI Responses clients on OpenAI chat-completions upstreams (04 §3.4, "OpenAI
Responses client → OpenAI Chat upstream"): requests become chat completions here; answers
and streams go back to Responses objects and events in proxy/formats/responses_answers.py.

Only function tools reach the upstream: hosted and custom (freeform) tools have no chat
equivalent, so they are dropped together with their calls in the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from proxy.formats import responses_answers
from proxy.formats.registry import NATIVE, Translator
from proxy.formats.responses_common import dumps, loads_object

TOOL_CHOICES = ("auto", "none", "required")


# ------------------------------------------------------------------------------ request


def request(body: bytes, model: str, stream: bool) -> bytes:
    source = loads_object(body)
    out: dict[str, Any] = {
        "model": model or source.get("model", ""),
        "messages": _Conversation.messages_of(source),
    }
    if "max_output_tokens" in source:
        out["max_tokens"] = source["max_output_tokens"]
    for key in ("temperature", "top_p", "user"):
        if key in source:
            out[key] = source[key]
    effort = (source.get("reasoning") or {}).get("effort")
    if isinstance(effort, str) and effort:
        out["reasoning_effort"] = effort.lower()
    response_format = _response_format((source.get("text") or {}).get("format"))
    if response_format:
        out["response_format"] = response_format
    tools = [
        _chat_tool(tool)
        for tool in source.get("tools") or ()
        if isinstance(tool, dict) and tool.get("type") == "function" and tool.get("name")
    ]
    if tools:
        out["tools"] = tools
        if "parallel_tool_calls" in source:
            out["parallel_tool_calls"] = bool(source["parallel_tool_calls"])
        choice = source.get("tool_choice")
        if choice in TOOL_CHOICES:
            out["tool_choice"] = choice
        elif isinstance(choice, dict) and choice.get("type") == "function":
            out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    out["stream"] = stream
    if stream:
        out["stream_options"] = {"include_usage": True}
    return dumps(out)


def _response_format(text_format: Any) -> dict[str, Any] | None:
    if not isinstance(text_format, dict):
        return None
    kind = text_format.get("type")
    if kind in ("text", "json_object"):
        return {"type": kind}
    if kind == "json_schema":
        fields = ("name", "description", "strict", "schema")
        schema = {key: text_format[key] for key in fields if key in text_format}
        return {"type": "json_schema", "json_schema": schema}
    return None


def _chat_tool(tool: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {
        "name": tool["name"],
        "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
    }
    if tool.get("description"):
        function["description"] = tool["description"]
    if isinstance(tool.get("strict"), bool):
        function["strict"] = tool["strict"]
    return {"type": "function", "function": function}


def _content(content: Any) -> str | list[dict[str, Any]]:
    """Responses content (a string or input/output parts) as chat content: a plain
    string when it is only text, which every chat upstream accepts for every role."""
    if not isinstance(content, list):
        return content if isinstance(content, str) else ""
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image" and part.get("image_url"):
            image = {"url": part["image_url"]}
            if part.get("detail") in ("auto", "low", "high"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file":
            fields = ("file_data", "file_id", "filename")
            parts.append({"type": "file", "file": {k: part[k] for k in fields if k in part}})
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _reasoning_text(item: dict[str, Any]) -> str:
    texts = [
        part.get("text", "")
        for part in (item.get("summary") or []) + (item.get("content") or [])
        if isinstance(part, dict) and part.get("type") in ("summary_text", "reasoning_text")
    ]
    return _joined(*texts)


def _joined(*texts: str) -> str:
    """Reasoning texts from several items or summary parts, set apart by a blank line."""
    return "\n\n".join(text for text in texts if text)


@dataclass
class _Conversation:
    """Responses input items as chat messages. Consecutive function calls become one
    assistant message with tool_calls (merged into the assistant text just before them);
    reasoning goes to the next assistant message as reasoning_content. Chat upstreams want
    each tool_calls message followed directly by its tool results, so messages met while
    results are still owed wait until the last of those results is in."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)  # call ids with an output in the input
    owed: set[str] = field(default_factory=set)
    deferred: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    reasoning: str = ""

    @classmethod
    def messages_of(cls, source: dict[str, Any]) -> list[dict[str, Any]]:
        items = source.get("input")
        conversation = cls()
        if isinstance(source.get("instructions"), str) and source["instructions"]:
            conversation.messages.append({"role": "system", "content": source["instructions"]})
        if isinstance(items, str):
            conversation.messages.append({"role": "user", "content": items})
            return conversation.messages
        items = [item for item in items or () if isinstance(item, dict)]
        conversation.answered = {
            item.get("call_id", "") for item in items if item.get("type") == "function_call_output"
        }
        for item in items:
            conversation.add(item)
        conversation.flush_calls()
        return conversation.messages + conversation.deferred

    def add(self, item: dict[str, Any]) -> None:
        kind = item.get("type") or ("message" if item.get("role") else "")
        if kind != "function_call":
            self.flush_calls()
        if kind == "message":
            role = item.get("role") or "user"
            message: dict[str, Any] = {
                "role": "user" if role == "developer" else role,
                "content": _content(item.get("content")),
            }
            if role == "assistant" and self.reasoning:
                message["reasoning_content"], self.reasoning = self.reasoning, ""
            (self.deferred if self.owed else self.messages).append(message)
        elif kind == "reasoning":
            self.reasoning = _joined(self.reasoning, _reasoning_text(item))
        elif kind == "function_call":
            function = {"name": item.get("name", ""), "arguments": item.get("arguments") or "{}"}
            self.calls.append(
                {"id": item.get("call_id", ""), "type": "function", "function": function}
            )
        elif kind == "function_call_output":
            call_id = item.get("call_id", "")
            self.messages.append(
                {"role": "tool", "tool_call_id": call_id, "content": _output(item.get("output"))}
            )
            self.owed.discard(call_id)
            if not self.owed:
                self.messages += self.deferred
                self.deferred = []

    def flush_calls(self) -> None:
        if not self.calls:
            return
        last = self.messages[-1] if self.messages and not self.deferred else None
        if last is not None and last["role"] == "assistant" and "tool_calls" not in last:
            last["tool_calls"] = self.calls
        else:
            last = {"role": "assistant", "tool_calls": self.calls}
            self.messages.append(last)
        if self.reasoning:
            last["reasoning_content"] = _joined(last.get("reasoning_content", ""), self.reasoning)
            self.reasoning = ""
        self.owed |= {call["id"] for call in self.calls} & self.answered
        self.calls = []


def _output(output: Any) -> str | list[dict[str, Any]]:
    if output is None:
        return ""
    if isinstance(output, (str, list)):
        return _content(output)
    return dumps(output).decode()


NATIVE[("openai-response", "openai")] = Translator(
    request=request, response=responses_answers.response, stream=responses_answers.stream
)
