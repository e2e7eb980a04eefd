"""Gemini `generateContent` clients on OpenAI chat-completions upstreams (04 §3.3, the
`gemini` row, `openai` column): requests to chat completions, answers and streams back to
`GenerateContentResponse` objects.

Gemini has no partial function calls, so streamed tool-call arguments are collected per
stream and handed out as whole `functionCall` parts once the choice finishes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ujson

from proxy.formats import gemini_common as common
from proxy.formats.registry import NATIVE, JsonStreamState, StreamTransform, Translator

# generationConfig key -> chat key, for the values that carry over unchanged.
_CONFIG = {
    "temperature": "temperature",
    "topP": "top_p",
    "topK": "top_k",
    "maxOutputTokens": "max_tokens",
    "candidateCount": "n",
    "presencePenalty": "presence_penalty",
    "frequencyPenalty": "frequency_penalty",
    "seed": "seed",
}
_AUDIO_FORMATS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3", "audio/mp3": "mp3"}


def _field(obj: dict[str, Any], camel: str) -> Any:
    """A field under its camelCase name or the snake_case one the REST API also takes."""
    if camel in obj:
        return obj[camel]
    return obj.get("".join(f"_{c.lower()}" if c.isupper() else c for c in camel))


# ------------------------------------------------------------------------------ request


def request(body: bytes, model: str, stream: bool) -> bytes:
    gemini = ujson.loads(body)
    out: dict[str, Any] = {"model": model or gemini.get("model", ""), "messages": []}
    config = _field(gemini, "generationConfig") or {}
    for key, target in _CONFIG.items():
        if _field(config, key) is not None:
            out[target] = _field(config, key)
    if _field(config, "stopSequences"):
        out["stop"] = list(_field(config, "stopSequences"))
    response_format = _response_format(config)
    if response_format:
        out["response_format"] = response_format
    effort = common.effort_of(_field(config, "thinkingConfig") or {})
    if effort:
        out["reasoning_effort"] = effort
    system = _field(gemini, "systemInstruction")
    if isinstance(system, dict):
        text = "".join(p.get("text", "") for p in system.get("parts") or () if not p.get("thought"))
        if text:
            out["messages"].append({"role": "system", "content": text})
    elif isinstance(system, str) and system:
        out["messages"].append({"role": "system", "content": system})
    _Contents(out["messages"]).add_all(gemini.get("contents") or ())
    tools = [
        _tool(declaration)
        for tool in gemini.get("tools") or ()
        for declaration in _field(tool, "functionDeclarations") or ()
    ]
    if tools:
        out["tools"] = tools
    calling = _field(_field(gemini, "toolConfig") or {}, "functionCallingConfig") or {}
    names = _field(calling, "allowedFunctionNames") or ()
    if calling.get("mode") == "ANY" and len(names) == 1:
        out["tool_choice"] = {"type": "function", "function": {"name": names[0]}}
    elif calling.get("mode") in common.MODE_TO_CHOICE:
        out["tool_choice"] = common.MODE_TO_CHOICE[calling["mode"]]
    out["stream"] = stream
    return common.dumps(out)


def _response_format(config: dict[str, Any]) -> dict[str, Any] | None:
    if _field(config, "responseMimeType") != "application/json":
        return None
    schema = _field(config, "responseJsonSchema") or _field(config, "responseSchema")
    if not isinstance(schema, dict):
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": "response", "schema": _schema(schema)}}


def _tool(declaration: dict[str, Any]) -> dict[str, Any]:
    parameters = _field(declaration, "parametersJsonSchema") or declaration.get("parameters")
    return {
        "type": "function",
        "function": {
            "name": declaration.get("name", ""),
            "description": declaration.get("description", ""),
            "parameters": _schema(parameters) if parameters else {"type": "object"},
        },
    }


def _schema(schema: Any) -> Any:
    """A Gemini OpenAPI-subset schema as JSON Schema: Gemini spells types in capitals
    (`OBJECT`), JSON Schema in lower case. Property names are never touched."""
    if isinstance(schema, list):
        return [_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out[key] = value.lower()
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: _schema(sub) for name, sub in value.items()}
        else:
            out[key] = _schema(value)
    return out


@dataclass
class _Contents:
    """Turns Gemini contents into chat messages. Function calls get ids here (Gemini's
    are optional); a later `functionResponse` takes the id of the oldest unanswered call
    of its name, which is how Gemini itself pairs them."""

    messages: list[dict[str, Any]]
    issued: int = 0
    pending: dict[str, list[str]] = field(default_factory=dict)  # name -> unanswered ids

    def add_all(self, contents: Any) -> None:
        for content in contents:
            if isinstance(content, dict):
                self.add(content)

    def add(self, content: dict[str, Any]) -> None:
        model = content.get("role") == "model"
        parts: list[dict[str, Any]] = []
        calls: list[dict[str, Any]] = []
        reasoning = ""
        for part in content.get("parts") or ():
            if part.get("thought"):
                if model:  # thoughts in a user turn are a client's echo, not the model's
                    reasoning += part.get("text", "")
            elif "text" in part:
                parts.append({"type": "text", "text": part["text"]})
            elif _field(part, "inlineData"):
                parts.append(_inline(_field(part, "inlineData")))
            elif _field(part, "fileData"):
                parts.append(_file(_field(part, "fileData")))
            elif _field(part, "functionCall"):
                calls.append(self._call(_field(part, "functionCall")))
            elif _field(part, "functionResponse"):
                self.messages.append(self._result(_field(part, "functionResponse")))
        if not (parts or calls or reasoning):
            return
        if model:
            text = "".join(p.get("text", "") for p in parts)
            message: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                message["tool_calls"] = calls
            if reasoning:
                message["reasoning_content"] = reasoning
        elif all(p["type"] == "text" for p in parts):
            message = {"role": "user", "content": "".join(p["text"] for p in parts)}
        else:
            message = {"role": "user", "content": parts}
        self.messages.append(message)

    def _call(self, call: dict[str, Any]) -> dict[str, Any]:
        name = call.get("name", "")
        call_id = call.get("id") or self._new_id()
        self.pending.setdefault(name, []).append(call_id)
        arguments = common.dumps(call.get("args") or {}).decode()
        return {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }

    def _result(self, result: dict[str, Any]) -> dict[str, Any]:
        name = result.get("name", "")
        waiting = self.pending.get(name) or []
        call_id = result.get("id")
        if call_id in waiting:
            waiting.remove(call_id)
        elif not call_id:
            call_id = waiting.pop(0) if waiting else self._new_id()
        return {"role": "tool", "tool_call_id": call_id, "content": _result_text(result)}

    def _new_id(self) -> str:
        self.issued += 1
        return f"call_{self.issued}"


def _result_text(result: dict[str, Any]) -> str:
    """A `functionResponse.response` as tool-message text: the lone `result`/`content`
    value that OpenAI-style wrappers use, else the whole object as JSON."""
    response = result.get("response")
    if isinstance(response, dict) and len(response) == 1:
        ((key, value),) = response.items()
        if key in ("result", "content", "output"):
            return value if isinstance(value, str) else common.dumps(value).decode()
    return common.dumps(response if response is not None else {}).decode()


def _inline(inline: dict[str, Any]) -> dict[str, Any]:
    mime_type = _field(inline, "mimeType") or "application/octet-stream"
    data = inline.get("data", "")
    if mime_type.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": common.data_url(mime_type, data)}}
    if mime_type in _AUDIO_FORMATS:
        return {
            "type": "input_audio",
            "input_audio": {"data": data, "format": _AUDIO_FORMATS[mime_type]},
        }
    extension = mime_type.rsplit("/", 1)[-1]
    return {
        "type": "file",
        "file": {"filename": f"file.{extension}", "file_data": common.data_url(mime_type, data)},
    }


def _file(file: dict[str, Any]) -> dict[str, Any]:
    """Chat parts cannot point at an uploaded file, except an image by URL; other files
    are named in the text so the model at least knows one was attached."""
    uri = _field(file, "fileUri") or ""
    mime_type = _field(file, "mimeType") or ""
    if mime_type.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": uri}}
    return {"type": "text", "text": f"[file {uri} ({mime_type or 'unknown type'})]"}


# ----------------------------------------------------------------------------- response


def response(original: bytes, translated: bytes, body: bytes) -> bytes:
    chat = ujson.loads(body)
    candidates = []
    for choice in chat.get("choices") or ():
        message = choice.get("message") or {}
        parts = _parts(message.get("reasoning_content"), message.get("content"))
        parts += [
            _function_call(
                call.get("id", ""),
                (call.get("function") or {}).get("name", ""),
                (call.get("function") or {}).get("arguments"),
            )
            for call in message.get("tool_calls") or ()
        ]
        candidates.append(_candidate(choice.get("index", 0), parts, choice.get("finish_reason")))
    out: dict[str, Any] = {"candidates": candidates}
    if isinstance(chat.get("usage"), dict):
        out["usageMetadata"] = common.usage_metadata(chat["usage"])
    return common.dumps(_identified(out, chat.get("model", ""), chat.get("id", "")))


def _parts(reasoning: Any, content: Any) -> list[dict[str, Any]]:
    if isinstance(content, list):  # an answer in content parts: only text carries over
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    parts: list[dict[str, Any]] = []
    if isinstance(reasoning, str) and reasoning:
        parts.append({"text": reasoning, "thought": True})
    if isinstance(content, str) and content:
        parts.append({"text": content})
    return parts


def _function_call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    call: dict[str, Any] = {"name": name, "args": common.arguments_object(arguments)}
    if call_id:
        call["id"] = call_id  # a Gemini client echoes it in its functionResponse
    return {"functionCall": call}


def _candidate(index: int, parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": index}
    if finish:
        candidate["finishReason"] = common.FINISH_TO_GEMINI.get(finish, "STOP")
    return candidate


def _identified(frame: dict[str, Any], model: str, response_id: str) -> dict[str, Any]:
    if model:
        frame["modelVersion"] = model
    if response_id:
        frame["responseId"] = response_id
    return frame


# ------------------------------------------------------------------------------- stream


@dataclass
class _StreamState(JsonStreamState):
    """Per stream: tool calls still being assembled, by (choice, tool index), and the
    finishing frame held back until the usage that OpenAI sends in a separate chunk can
    join it, so the last Gemini chunk has finishReason and usageMetadata like Gemini's."""

    model: str = ""
    id: str = ""
    calls: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    held: dict[str, Any] | None = None

    def event(self, data: dict[str, Any], raw: bytes) -> list[bytes]:
        if isinstance(data.get("error"), dict):
            return [raw]  # an upstream's error event: Gemini's errors have the same key
        self.model = data.get("model") or self.model
        self.id = data.get("id") or self.id
        candidates = [
            candidate
            for candidate in (self._candidate(choice) for choice in data.get("choices") or ())
            if candidate is not None
        ]
        usage = data.get("usage")
        metadata = common.usage_metadata(usage) if isinstance(usage, dict) else None
        if not candidates and metadata is None:
            return []  # e.g. the role-only first chunk; a held frame waits on
        if not candidates and self.held is not None:
            self.held["usageMetadata"] = metadata
            return [self._release()]
        out = [self._release()] if self.held is not None else []
        frame = self._frame(candidates)
        if metadata is not None:
            frame["usageMetadata"] = metadata
        elif any("finishReason" in c for c in candidates):
            self.held = frame
            return out
        out.append(common.dumps(frame))
        return out

    def _candidate(self, choice: dict[str, Any]) -> dict[str, Any] | None:
        index = choice.get("index", 0)
        delta = choice.get("delta") or {}
        parts = _parts(delta.get("reasoning_content"), delta.get("content"))
        for call in delta.get("tool_calls") or ():
            function = call.get("function") or {}
            pending = self.calls.setdefault(
                (index, call.get("index", 0)), {"id": "", "name": "", "arguments": ""}
            )
            pending["id"] = call.get("id") or pending["id"]
            pending["name"] = function.get("name") or pending["name"]
            pending["arguments"] += function.get("arguments") or ""
        finish = choice.get("finish_reason")
        if finish:
            parts += self._finished_calls(index)
        if not parts and not finish:
            return None
        return _candidate(index, parts, finish)

    def _finished_calls(self, choice: int) -> list[dict[str, Any]]:
        keys = sorted(key for key in self.calls if key[0] == choice)
        calls = [self.calls.pop(key) for key in keys]
        return [_function_call(c["id"], c["name"], c["arguments"]) for c in calls]

    def _frame(self, candidates: list[dict[str, Any]]) -> dict[str, Any]:
        return _identified({"candidates": candidates}, self.model, self.id)

    def _release(self) -> bytes:
        held, self.held = self.held, None
        return common.dumps(held)

    def end(self) -> list[bytes]:
        """Calls of a stream that ended without a finish_reason still reach the client."""
        out = []
        choices = sorted({choice for choice, _ in self.calls})
        if choices:
            candidates = [_candidate(i, self._finished_calls(i), None) for i in choices]
            out.append(common.dumps(self._frame(candidates)))
        if self.held is not None:
            out.append(self._release())
        return out


def stream(original: bytes, translated: bytes) -> StreamTransform:
    return _StreamState().chunk


NATIVE[("gemini", "openai")] = Translator(request=request, response=response, stream=stream)
