"""Chat-completions answers as OpenAI Responses (04 §3.4, "OpenAI Responses client →
OpenAI Chat upstream", the answer side): a whole chat completion becomes one `response`
object, and chat chunks the Responses event sequence of 04 §1.3, translated one chunk at
a time with the open output items as per-stream state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from proxy.formats.registry import StreamTransform
from proxy.formats.responses_common import (
    INCOMPLETE_OF_FINISH,
    EventWriter,
    dumps,
    loads_object,
    new_id,
    now,
    responses_usage,
)

# Request fields a `response` object repeats back (what the Responses API echoes).
ECHOED = (
    "instructions",
    "max_output_tokens",
    "max_tool_calls",
    "metadata",
    "previous_response_id",
    "prompt_cache_key",
    "reasoning",
    "safety_identifier",
    "service_tier",
    "store",
    "temperature",
    "text",
    "top_logprobs",
    "top_p",
    "truncation",
    "user",
)


def _response_id(chat_id: Any) -> str:
    if not isinstance(chat_id, str) or not chat_id:
        return new_id("resp")
    return chat_id if chat_id.startswith("resp_") else f"resp_{chat_id}"


def _answer_text(content: Any) -> str:
    """A chat answer's content, a string or (rarely) a list of text parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _reasoning_item(item_id: str, text: str) -> dict[str, Any]:
    return {"id": item_id, "type": "reasoning", "summary": [{"type": "summary_text", "text": text}]}


def _message_item(item_id: str, status: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": status,
        "content": content,
    }


def _call_item(call_id: str, name: str, arguments: str, status: str) -> dict[str, Any]:
    return {
        "id": f"fc_{call_id}",
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def _envelope(
    original: dict[str, Any],
    response_id: str,
    created: int,
    model: str,
    finish: str | None,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
) -> dict[str, Any]:
    """A `response` object; `finish` None means still in progress. `parallel_tool_calls`,
    `tool_choice` and `tools` are always present: the Responses schema requires them."""
    incomplete = INCOMPLETE_OF_FINISH.get(finish or "")
    status = "in_progress" if finish is None else "incomplete" if incomplete else "completed"
    out: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "model": original.get("model") or model,
        "output": output,
        "parallel_tool_calls": original.get("parallel_tool_calls", True),
        "tool_choice": original.get("tool_choice", "auto"),
        "tools": original.get("tools") or [],
    }
    out.update({key: original[key] for key in ECHOED if key in original})
    if usage is not None:
        out["usage"] = usage
    return out


def response(original: bytes, translated: bytes, body: bytes) -> bytes:
    chat = loads_object(body)
    choice = (chat.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    response_id = _response_id(chat.get("id"))
    base = response_id.removeprefix("resp_")
    finish = choice.get("finish_reason") or "stop"
    status = "incomplete" if finish in INCOMPLETE_OF_FINISH else "completed"
    output: list[dict[str, Any]] = []
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        output.append(_reasoning_item(f"rs_{base}", reasoning))
    text = _answer_text(message.get("content"))
    if text:
        output.append(_message_item(f"msg_{base}", status, [_text_part(text)]))
    for index, call in enumerate(message.get("tool_calls") or ()):
        function = call.get("function") or {}
        call_id = call.get("id") or f"call_{base}_{index}"
        arguments = function.get("arguments") or "{}"
        output.append(_call_item(call_id, function.get("name", ""), arguments, status))
    envelope = _envelope(
        loads_object(original),
        response_id,
        chat.get("created") or now(),
        chat.get("model", ""),
        finish,
        output,
        responses_usage(chat.get("usage")),
    )
    return dumps(envelope)


# ------------------------------------------------------------------------------- stream


@dataclass
class _StreamState:
    """What a Responses stream has said so far: every output item by its output index
    (a snapshot kept up to date for the `.done` events and `response.completed`), which
    reasoning and message items are open, the open function calls by chat tool index,
    and the finish reason and usage held back until the upstream has sent both."""

    original: dict[str, Any]
    emit: EventWriter = field(default_factory=EventWriter)
    id: str = ""
    created: int = 0
    model: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    reasoning: int = -1  # output index of the open reasoning item, -1: none
    message: int = -1  # output index of the open message item, -1: none
    calls: dict[int, int] = field(default_factory=dict)  # chat tool index -> output index
    finish: str = ""
    usage: dict[str, Any] | None = None
    started: bool = False
    finished: bool = False

    def chunk(self, chunk: bytes | None) -> list[bytes]:
        if chunk is None or chunk.strip() in (b"[DONE]", b"data: [DONE]"):
            return self._finish()
        data = loads_object(chunk.removeprefix(b"data:"))
        if not data or self.finished:
            return []
        out = [] if self.started else self._start(data)
        if isinstance(data.get("error"), dict):
            self.finished = True
            error = data["error"]
            message = error.get("message", "")
            return [*out, self.emit("error", code=error.get("code"), message=message)]
        for choice in data.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                out += self._reasoning(reasoning)
            if isinstance(delta.get("content"), str) and delta["content"]:
                out += self._text(delta["content"])
            for call in delta.get("tool_calls") or ():
                out += self._call(call)
            if choice.get("finish_reason"):
                self.finish = choice["finish_reason"]
                out += self._close_all()
        if isinstance(data.get("usage"), dict):
            self.usage = data["usage"]
        return out

    def _envelope(self, finish: str | None) -> dict[str, Any]:
        usage = responses_usage(self.usage) if self.usage is not None else None
        output = self.items if finish is not None else []
        return _envelope(self.original, self.id, self.created, self.model, finish, output, usage)

    def _start(self, data: dict[str, Any]) -> list[bytes]:
        self.started = True
        self.id = _response_id(data.get("id"))
        self.created = data.get("created") or now()
        self.model = data.get("model", "")
        return [
            self.emit("response.created", response=self._envelope(None)),
            self.emit("response.in_progress", response=self._envelope(None)),
        ]

    def _status(self) -> str:
        return "incomplete" if self.finish in INCOMPLETE_OF_FINISH else "completed"

    def _add(self, item: dict[str, Any]) -> tuple[int, bytes]:
        index = len(self.items)
        self.items.append(item)
        return index, self.emit("response.output_item.added", output_index=index, item=item)

    def _item_done(self, index: int) -> bytes:
        return self.emit("response.output_item.done", output_index=index, item=self.items[index])

    def _reasoning(self, text: str) -> list[bytes]:
        out: list[bytes] = []
        if self.reasoning < 0:
            out += self._close_message()
            item_id = f"rs_{self.id.removeprefix('resp_')}_{len(self.items)}"
            self.reasoning, added = self._add({"id": item_id, "type": "reasoning", "summary": []})
            part = {"type": "summary_text", "text": ""}
            out += [added, self._summary_event("response.reasoning_summary_part.added", part=part)]
            self.items[self.reasoning]["summary"].append(part)
        self.items[self.reasoning]["summary"][0]["text"] += text
        out.append(self._summary_event("response.reasoning_summary_text.delta", delta=text))
        return out

    def _summary_event(self, kind: str, **data: Any) -> bytes:
        item = self.items[self.reasoning]
        return self.emit(
            kind, item_id=item["id"], output_index=self.reasoning, summary_index=0, **data
        )

    def _close_reasoning(self) -> list[bytes]:
        if self.reasoning < 0:
            return []
        part = self.items[self.reasoning]["summary"][0]
        out = [
            self._summary_event("response.reasoning_summary_text.done", text=part["text"]),
            self._summary_event("response.reasoning_summary_part.done", part=part),
            self._item_done(self.reasoning),
        ]
        self.reasoning = -1
        return out

    def _text(self, text: str) -> list[bytes]:
        out: list[bytes] = []
        if self.message < 0:
            out += self._close_reasoning()
            item_id = f"msg_{self.id.removeprefix('resp_')}_{len(self.items)}"
            item = _message_item(item_id, "in_progress", [])
            self.message, added = self._add(item)
            out += [added, self._part_event("response.content_part.added", part=_text_part(""))]
            item["content"].append(_text_part(""))
        self.items[self.message]["content"][0]["text"] += text
        out.append(self._part_event("response.output_text.delta", delta=text, logprobs=[]))
        return out

    def _part_event(self, kind: str, **data: Any) -> bytes:
        item = self.items[self.message]
        return self.emit(
            kind, item_id=item["id"], output_index=self.message, content_index=0, **data
        )

    def _close_message(self) -> list[bytes]:
        if self.message < 0:
            return []
        item = self.items[self.message]
        item["status"] = self._status()
        part = item["content"][0]
        out = [
            self._part_event("response.output_text.done", text=part["text"], logprobs=[]),
            self._part_event("response.content_part.done", part=part),
            self._item_done(self.message),
        ]
        self.message = -1
        return out

    def _call(self, call: dict[str, Any]) -> list[bytes]:
        tool_index = call.get("index", 0)
        function = call.get("function") or {}
        out: list[bytes] = []
        if tool_index not in self.calls:
            out += self._close_reasoning() + self._close_message()
            call_id = call.get("id") or f"call_{self.id.removeprefix('resp_')}_{tool_index}"
            item = _call_item(call_id, function.get("name", ""), "", "in_progress")
            self.calls[tool_index], added = self._add(item)
            out.append(added)
        index = self.calls[tool_index]
        item = self.items[index]
        if function.get("name") and not item["name"]:
            item["name"] = function["name"]  # a name that came after the call's id
        if function.get("arguments"):
            item["arguments"] += function["arguments"]
            out.append(
                self.emit(
                    "response.function_call_arguments.delta",
                    item_id=item["id"],
                    output_index=index,
                    delta=function["arguments"],
                )
            )
        return out

    def _close_all(self) -> list[bytes]:
        out = self._close_reasoning() + self._close_message()
        for index in self.calls.values():
            item = self.items[index]
            item["status"] = self._status()
            item["arguments"] = item["arguments"] or "{}"
            out.append(
                self.emit(
                    "response.function_call_arguments.done",
                    item_id=item["id"],
                    output_index=index,
                    arguments=item["arguments"],
                )
            )
            out.append(self._item_done(index))
        self.calls = {}
        return out

    def _finish(self) -> list[bytes]:
        if self.finished or not self.started:
            return []
        self.finished = True
        out = self._close_all()
        finish = self.finish or "stop"
        kind = "response.incomplete" if finish in INCOMPLETE_OF_FINISH else "response.completed"
        return [*out, self.emit(kind, response=self._envelope(finish))]


def stream(original: bytes, translated: bytes) -> StreamTransform:
    return _StreamState(loads_object(original)).chunk
