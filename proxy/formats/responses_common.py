"""What the OpenAI Responses translators (04 §3.4) and the codex provider share: JSON and
SSE framing, reading whole Responses answers, the status and usage tables between
Responses and chat completions, and the body normalisation a Codex upstream requires.

The Responses stream is a sequence of whole SSE events, `event: <type>\\ndata: <json>`,
each payload carrying its `type` and a `sequence_number` that only grows (04 §1.3).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ujson

from proxy.formats import chat

# chat finish_reason -> Responses `incomplete_details.reason`; the reasons not listed
# finish a response as `completed`.
INCOMPLETE_OF_FINISH = {
    "length": "max_output_tokens",
    "max_tokens": "max_output_tokens",
    "content_filter": "content_filter",
}
FINISH_OF_INCOMPLETE = {"max_output_tokens": "length", "content_filter": "content_filter"}
TERMINAL = frozenset({"response.completed", "response.incomplete"})
# Fields a Codex upstream rejects (CLIProxyAPI's codex executor and translator drop them).
CODEX_DROPPED = (
    "max_output_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "truncation",
    "user",
    "context_management",
    "previous_response_id",
    "prompt_cache_retention",
    "prompt_cache_options",
    "safety_identifier",
    "stream_options",
    "generate",
)
# error type or code -> HTTP status of a failure reported inside a 200 stream
_FAILURE_STATUS = {
    "invalid_request_error": 400,
    "bad_request_error": 400,
    "context_length_exceeded": 400,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "model_not_found": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "usage_limit_reached": 429,
    "server_is_overloaded": 503,
}


dumps = chat.dumps


def loads_object(body: bytes | str) -> dict[str, Any]:
    """A JSON object, or {} for anything else: an odd body must not break a translator."""
    try:
        parsed = ujson.loads(body or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def now() -> int:
    return int(time.time())


def frame(event: dict[str, Any]) -> bytes:
    """One whole SSE event for a Responses event payload."""
    kind = str(event.get("type", "")).encode()
    return b"event: " + kind + b"\ndata: " + dumps(event) + b"\n\n"


@dataclass
class EventWriter:
    """Frames Responses events and numbers them, one writer per stream."""

    sequence: int = 0

    def __call__(self, kind: str, **data: Any) -> bytes:
        self.sequence += 1
        return frame({"type": kind, "sequence_number": self.sequence, **data})


def payloads(text: bytes) -> list[dict[str, Any]]:
    """The JSON objects of the `data:` lines in SSE text (one or many events); `[DONE]`
    and anything unparsable are skipped."""
    found = []
    # split, not splitlines: JSON text may carry U+2028 or U+0085 unescaped
    for line in text.decode("utf-8", "replace").split("\n"):
        if line.startswith("data:"):
            parsed = loads_object(line[5:].strip())
            if parsed:
                found.append(parsed)
    return found


def stream_events(chunk: bytes) -> list[dict[str, Any]]:
    """The events in one stream chunk: whole SSE events (what the codex provider hands
    on) or, from executors that strip the framing, one bare JSON event."""
    if b"data:" in chunk:
        return payloads(chunk)
    event = loads_object(chunk)
    return [event] if event else []


def answer_events(body: bytes) -> list[dict[str, Any]]:
    """The events of a whole Responses answer. Codex upstreams always stream, so a
    non-stream answer may be their SSE text; a plain response object (or one terminal
    event) counts as its own `response.completed`."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        single = loads_object(stripped)
        if single.get("object") == "response":
            return [{"type": "response.completed", "response": single}]
        return [single] if single else []
    return payloads(body)


@dataclass
class Collector:
    """Follows a Responses stream to rebuild its final response object: Codex may end
    with a `response.completed` whose `output` is empty, the items having been sent
    only in `response.output_item.done` events (04 §1.3, Responses-stream extras)."""

    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    final: dict[str, Any] | None = None

    def feed(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "response.output_item.done" and isinstance(event.get("item"), dict):
            index = event.get("output_index")
            self.items[index if isinstance(index, int) else len(self.items)] = event["item"]
        elif kind in TERMINAL and isinstance(event.get("response"), dict):
            self.final = self.completed(event["response"])

    def completed(self, response: dict[str, Any]) -> dict[str, Any]:
        """`response` with its output filled from the items seen, when it has none."""
        if response.get("output") or not self.items:
            return response
        return {**response, "output": [self.items[i] for i in sorted(self.items)]}


def final_response(events: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The response object of the terminal event, or None when there was none."""
    collector = Collector()
    for event in events:
        collector.feed(event)
    return collector.final


def failure(event: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """(HTTP status, OpenAI-shaped error body) of an `error` or `response.failed` event;
    None for any other event."""
    kind = event.get("type")
    if kind == "error":
        error = event.get("error") or {k: event.get(k) for k in ("message", "code", "param")}
    elif kind == "response.failed":
        error = (event.get("response") or {}).get("error") or event.get("error") or {}
    else:
        return None
    error = error if isinstance(error, dict) else {"message": str(error)}
    body = {key: error[key] for key in ("message", "type", "code", "param") if error.get(key)}
    fallback = body.get("code") or body.get("type") or "upstream stream failed without details"
    body.setdefault("message", str(fallback))
    status = error.get("status_code") or error.get("status")
    if not (isinstance(status, int) and 400 <= status <= 599):
        status = _FAILURE_STATUS.get(str(error.get("code")), 0) or _FAILURE_STATUS.get(
            str(error.get("type")), 502
        )
    return status, {"error": body}


def chat_usage(usage: Any) -> dict[str, Any]:
    """Responses usage -> chat completions usage (cache writes as openai_claude names them)."""
    usage = usage if isinstance(usage, dict) else {}
    prompt = usage.get("input_tokens") or 0
    completion = usage.get("output_tokens") or 0
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": usage.get("total_tokens") or prompt + completion,
    }
    inputs = usage.get("input_tokens_details") or {}
    cached = {
        "cached_tokens": inputs.get("cached_tokens") or 0,
        "cached_creation_tokens": inputs.get("cache_write_tokens") or 0,
    }
    if any(cached.values()):
        out["prompt_tokens_details"] = cached
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens")
    if reasoning:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return out


def responses_usage(usage: Any) -> dict[str, Any]:
    """Chat completions usage -> Responses usage; every detail is there because the
    Responses schema requires them."""
    usage = usage if isinstance(usage, dict) else {}
    prompt = usage.get("prompt_tokens") or usage.get("input_tokens") or 0
    completion = usage.get("completion_tokens") or usage.get("output_tokens") or 0
    inputs = usage.get("prompt_tokens_details") or {}
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    return {
        "input_tokens": prompt,
        "input_tokens_details": {
            "cached_tokens": inputs.get("cached_tokens") or 0,
            "cache_write_tokens": inputs.get("cached_creation_tokens") or 0,
        },
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": usage.get("total_tokens") or prompt + completion,
    }


def for_codex(payload: dict[str, Any], model: str) -> dict[str, Any]:
    """A Responses body as a Codex upstream takes it: always streamed, never stored,
    `instructions` present, the reasoning ciphertext requested (turns are replayed
    without server-side state), unsupported fields dropped and `system` input roles
    renamed `developer`. Idempotent, so translators and the executor may both apply it."""
    out = {k: v for k, v in payload.items() if k not in CODEX_DROPPED}
    if model:
        out["model"] = model
    if isinstance(out.get("input"), str):
        text = {"type": "input_text", "text": out["input"]}
        out["input"] = [{"type": "message", "role": "user", "content": [text]}]
    if isinstance(out.get("input"), list):
        out["input"] = [
            {**item, "role": "developer"}
            if isinstance(item, dict) and item.get("role") == "system"
            else item
            for item in out["input"]
        ]
    if out.get("service_tier") not in (None, "priority"):
        del out["service_tier"]
    if not isinstance(out.get("instructions"), str):
        out["instructions"] = ""
    out.setdefault("parallel_tool_calls", True)
    out["include"] = ["reasoning.encrypted_content"]
    out["stream"] = True
    out["store"] = False
    return out
