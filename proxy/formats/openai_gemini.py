"""OpenAI chat clients on Gemini `generateContent` upstreams (04 §3.4, "OpenAI Chat
client → Gemini upstream" and back): requests to `generateContent` bodies, answers and
streams to chat completions.

Gemini sends every function call whole, so a streamed call is one `tool_calls` delta;
the calls get `call_…` ids here, as Gemini's own are optional. The finish reason and the
usage are held back to the last chunk, as chat clients expect them there.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import ujson

from proxy.formats import chat
from proxy.formats import gemini_common as common
from proxy.formats.registry import NATIVE, JsonStreamState, StreamTransform, Translator

# chat key -> generationConfig key, for the values that carry over unchanged.
_CONFIG = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "seed": "seed",
}
# Chat clients expect no content filtering beyond the model's own (04 §3.4).
SAFETY_SETTINGS = [
    {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "OFF"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "threshold": "OFF"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "threshold": "OFF"},
    {"category": "HARM_CATEGORY_CIVIC_INTEGRITY", "threshold": "BLOCK_NONE"},
]
_BUILTIN_TOOLS = {
    "google_search": "googleSearch",
    "code_execution": "codeExecution",
    "url_context": "urlContext",
}


# ------------------------------------------------------------------------------ request


def request(body: bytes, model: str, stream: bool) -> bytes:
    chat = ujson.loads(body)
    raw_config = chat.get("generationConfig")
    config: dict[str, Any] = dict(raw_config) if isinstance(raw_config, dict) else {}
    for key, target in _CONFIG.items():
        if isinstance(chat.get(key), (int, float)):
            config[target] = chat[key]
    limit = chat.get("max_completion_tokens") or chat.get("max_tokens")
    if isinstance(limit, int):
        config["maxOutputTokens"] = limit
    if isinstance(chat.get("n"), int) and chat["n"] > 1:
        config["candidateCount"] = chat["n"]
    stop = chat.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    config.update(_structured_output(chat.get("response_format")))
    modalities = [m.upper() for m in chat.get("modalities") or () if m in ("text", "image")]
    if modalities:
        config["responseModalities"] = modalities
    effort = chat.get("reasoning_effort")
    thinking = common.thinking_config(effort) if isinstance(effort, str) else None
    if thinking:
        config["thinkingConfig"] = thinking
    out: dict[str, Any] = {"contents": _contents(chat.get("messages") or [])}
    system = [
        {"text": _text(m.get("content"))}
        for m in chat.get("messages") or ()
        if m.get("role") in ("system", "developer") and len(chat["messages"]) > 1
    ]
    if system:
        out["systemInstruction"] = {"role": "user", "parts": system}
    tools = _tools(chat.get("tools") or ())
    if tools:
        out["tools"] = tools
    calling = _calling(chat.get("tool_choice"))
    if calling:
        out["toolConfig"] = {"functionCallingConfig": calling}
    if config:
        out["generationConfig"] = config
    out["safetySettings"] = chat.get("safetySettings") or SAFETY_SETTINGS
    return common.dumps(out)


def _structured_output(response_format: Any) -> dict[str, Any]:
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        out: dict[str, Any] = {"responseMimeType": "application/json"}
        if isinstance(schema, dict):
            out["responseJsonSchema"] = schema
        return out
    return {}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(
        p.get("text", "") for p in content or () if isinstance(p, dict) and p.get("type") == "text"
    )


def _contents(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages as Gemini contents. Each assistant turn with tool calls is followed
    by one user turn holding a `functionResponse` for every call, taken from the `tool`
    messages by id, because Gemini wants the answers right after the calls."""
    results = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
    contents: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if (role in ("system", "developer") and len(messages) > 1) or role == "tool":
            continue
        if role != "assistant":
            parts = _parts(message.get("content"))
            if parts:
                contents.append({"role": "user", "parts": parts})
            continue
        parts = []
        if message.get("reasoning_content"):
            thought = {"text": message["reasoning_content"], "thought": True}
            parts.append({**thought, "thoughtSignature": common.SKIP_SIGNATURE})
        parts += _parts(message.get("content"))
        calls = [
            c for c in message.get("tool_calls") or () if c.get("type", "function") == "function"
        ]
        for call in calls:
            function = call.get("function") or {}
            parts.append(
                {
                    "functionCall": {
                        "name": function.get("name", ""),
                        "args": common.arguments_object(function.get("arguments")),
                    },
                    "thoughtSignature": common.SKIP_SIGNATURE,
                }
            )
        if parts:
            contents.append({"role": "model", "parts": parts})
        if calls:
            answers = [
                {
                    "functionResponse": {
                        "name": (call.get("function") or {}).get("name", ""),
                        "response": {"result": _text(results.get(call.get("id")))},
                    }
                }
                for call in calls
            ]
            contents.append({"role": "user", "parts": answers})
    return contents


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for item in content or ():
        kind = item.get("type")
        if kind == "text" and item.get("text"):
            parts.append({"text": item["text"]})
        elif kind in ("image_url", "video_url"):
            inline = common.split_data_url((item.get(kind) or {}).get("url", ""))
            if inline:  # Gemini cannot fetch http URLs given inline; they are dropped
                parts.append({"inlineData": {"mimeType": inline[0], "data": inline[1]}})
        elif kind == "input_audio":
            audio = item.get("input_audio") or {}
            audio_format = audio.get("format") or "wav"
            mime_type = "audio/mpeg" if audio_format == "mp3" else f"audio/{audio_format}"
            parts.append({"inlineData": {"mimeType": mime_type, "data": audio.get("data", "")}})
        elif kind == "file":
            inline = common.split_data_url((item.get("file") or {}).get("file_data", ""))
            if inline:
                parts.append({"inlineData": {"mimeType": inline[0], "data": inline[1]}})
    return parts


def _tools(tools: Any) -> list[dict[str, Any]]:
    declarations = []
    out: list[dict[str, Any]] = []
    for tool in tools:
        function = tool.get("function")
        if tool.get("type", "function") == "function" and isinstance(function, dict):
            declaration = {k: v for k, v in function.items() if k not in ("parameters", "strict")}
            declaration["parametersJsonSchema"] = function.get("parameters") or {
                "type": "object",
                "properties": {},
            }
            declarations.append(declaration)
        out += [{gemini: tool[chat]} for chat, gemini in _BUILTIN_TOOLS.items() if chat in tool]
    return ([{"functionDeclarations": declarations}] if declarations else []) + out


def _calling(choice: Any) -> dict[str, Any] | None:
    if isinstance(choice, str):
        mode = common.CHOICE_TO_MODE.get(choice)
        return {"mode": mode} if mode else None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return {"mode": "ANY", "allowedFunctionNames": [name]} if name else None
    return None


# ----------------------------------------------------------------------------- response


def _call_id() -> str:
    """Unique across answers: a client replays earlier calls, and ids like `call_0` from
    two turns would pair the wrong tool results."""
    return f"call_{secrets.token_hex(12)}"


def _finish(reason: str, saw_call: bool) -> str:
    return "tool_calls" if saw_call else common.GEMINI_TO_FINISH.get(reason, "stop")


@dataclass
class _Delta:
    """What the parts of one candidate say, in chat terms."""

    content: str = ""
    reasoning: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, candidate: dict[str, Any]) -> _Delta:
        delta = cls()
        for part in (candidate.get("content") or {}).get("parts") or ():
            call = part.get("functionCall")
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(part.get("text"), str):
                if part.get("thought"):
                    delta.reasoning += part["text"]
                else:
                    delta.content += part["text"]
            elif isinstance(call, dict):
                arguments = common.dumps(call.get("args") or {}).decode()
                delta.calls.append(
                    {
                        "id": call.get("id") or _call_id(),
                        "type": "function",
                        "function": {"name": call.get("name", ""), "arguments": arguments},
                    }
                )
            elif isinstance(inline, dict) and inline.get("data"):
                mime_type = inline.get("mimeType") or inline.get("mime_type") or "image/png"
                url = common.data_url(mime_type, inline["data"])
                delta.images.append({"type": "image_url", "image_url": {"url": url}})
        return delta

    def fields(self) -> dict[str, Any]:
        """The chat fields that have something to say."""
        out: dict[str, Any] = {}
        if self.content:
            out["content"] = self.content
        if self.reasoning:
            out["reasoning_content"] = self.reasoning
        if self.calls:
            out["tool_calls"] = self.calls
        if self.images:
            out["images"] = self.images
        return out


def _requested_model(original: bytes) -> str:
    """The client's model, for answers whose `modelVersion` is missing."""
    try:
        return str(ujson.loads(original).get("model") or "")
    except (ValueError, AttributeError):
        return ""


def response(original: bytes, translated: bytes, body: bytes) -> bytes:
    gemini = ujson.loads(body)
    choices = []
    for candidate in gemini.get("candidates") or ():
        delta = _Delta.of(candidate)
        message = {"role": "assistant", "content": None, **delta.fields()}
        finish = _finish(candidate.get("finishReason") or "STOP", bool(delta.calls))
        choices.append(
            {"index": candidate.get("index", 0), "message": message, "finish_reason": finish}
        )
    if not choices and (gemini.get("promptFeedback") or {}).get("blockReason"):
        message = {"role": "assistant", "content": None}
        choices.append({"index": 0, "message": message, "finish_reason": "content_filter"})
    out: dict[str, Any] = {
        "id": gemini.get("responseId") or f"chatcmpl-{secrets.token_hex(12)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": gemini.get("modelVersion") or _requested_model(original),
        "choices": choices,
    }
    if isinstance(gemini.get("usageMetadata"), dict):
        out["usage"] = common.chat_usage(gemini["usageMetadata"])
    return common.dumps(out)


# ------------------------------------------------------------------------------- stream


@dataclass
class _StreamState(JsonStreamState):
    """Per stream: which candidates have spoken (their first delta carries the role), how
    many calls each has made (the next call's `index`), finish reasons not yet sent and
    the latest usage, both sent in the last chunk: on Gemini's final chunk (every
    candidate finished, counts included), else when the stream ends."""

    model: str
    id: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    calls: dict[int, int] = field(default_factory=dict)  # candidate -> calls so far
    finishes: dict[int, str] = field(default_factory=dict)  # candidate -> chat reason
    usage: dict[str, Any] | None = None
    done: bool = False

    def event(self, data: dict[str, Any], raw: bytes) -> list[bytes]:
        self.id = self.id or data.get("responseId") or f"chatcmpl-{secrets.token_hex(12)}"
        self.model = data.get("modelVersion") or self.model
        counted = isinstance(data.get("usageMetadata"), dict)
        if counted:
            self.usage = common.chat_usage(data["usageMetadata"])
        out = []
        for candidate in data.get("candidates") or ():
            out += self._candidate(candidate)
        if not data.get("candidates") and (data.get("promptFeedback") or {}).get("blockReason"):
            self.finishes.setdefault(0, "content_filter")
        if counted and self.finishes and set(self.calls) <= set(self.finishes):
            out += self.end()
        return out

    def _candidate(self, candidate: dict[str, Any]) -> list[bytes]:
        index = candidate.get("index", 0)
        first = index not in self.calls
        delta = _Delta.of(candidate)
        made = self.calls.get(index, 0)
        delta.calls = [{"index": made + n, **call} for n, call in enumerate(delta.calls)]
        self.calls[index] = made + len(delta.calls)
        if candidate.get("finishReason"):
            saw_call = self.calls[index] > 0
            self.finishes[index] = _finish(candidate["finishReason"], saw_call)
        fields = delta.fields()
        if not fields and not first:
            return []
        return [self._frame(index, {"role": "assistant", **fields} if first else fields)]

    def _frame(
        self, index: int, delta: dict[str, Any], finish: str | None = None, usage: Any = None
    ) -> bytes:
        return chat.chunk(self.id, self.created, self.model, delta, finish, usage, index)

    def end(self) -> list[bytes]:
        """The closing chunks, once: a finish_reason for every candidate (`stop` when
        the upstream never said), the usage on the last of them."""
        if self.done or not (self.calls or self.finishes):
            return []
        self.done = True
        indexes = sorted(set(self.calls) | set(self.finishes))
        return [
            self._frame(
                i,
                {} if i in self.calls else {"role": "assistant"},  # a prompt blocked at once
                self.finishes.get(i, "stop"),
                self.usage if i == indexes[-1] else None,
            )
            for i in indexes
        ]


def stream(original: bytes, translated: bytes) -> StreamTransform:
    return _StreamState(_requested_model(original)).chunk


NATIVE[("openai", "gemini")] = Translator(request=request, response=response, stream=stream)
