"""OpenAI Responses clients on Codex upstreams (04 §3.4, "OpenAI Responses client →
Codex upstream"): both speak Responses, so this is nearly a pass-through. Requests are
normalised for Codex; events go on as they came, except that a `response.created` or
`response.in_progress` without a model gets the requested one, and a terminal event whose
`output` Codex left empty gets the items of its `response.output_item.done` events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from proxy.formats.registry import NATIVE, StreamTransform, Translator
from proxy.formats.responses_common import (
    TERMINAL,
    Collector,
    answer_events,
    dumps,
    final_response,
    for_codex,
    frame,
    loads_object,
    stream_events,
)

LIFECYCLE = ("response.created", "response.in_progress")


def request(body: bytes, model: str, stream: bool) -> bytes:
    payload = loads_object(body)
    return dumps(for_codex(payload, model or payload.get("model", "")))


def _model(original: bytes, translated: bytes) -> str:
    """The model the client asked for, else the one sent upstream."""
    return loads_object(original).get("model") or loads_object(translated).get("model", "")


def response(original: bytes, translated: bytes, body: bytes) -> bytes:
    """The final response object, also when `body` is the SSE text of a whole stream."""
    final = final_response(answer_events(body))
    if final is None:
        return body
    if not final.get("model"):
        final = {**final, "model": _model(original, translated)}
    return dumps(final)


@dataclass
class _StreamState:
    model: str
    collector: Collector = field(default_factory=Collector)

    def chunk(self, chunk: bytes | None) -> list[bytes]:
        if chunk is None:
            return []
        events = stream_events(chunk)
        changed = [self._patch(event) for event in events]
        if not any(changed):
            return [chunk]
        return [b"".join(frame(event) for event in events)]

    def _patch(self, event: dict[str, Any]) -> bool:
        """Completes `event` in place; whether it changed."""
        self.collector.feed(event)
        kind, response = event.get("type"), event.get("response")
        if not isinstance(response, dict):
            return False
        if kind in LIFECYCLE and not response.get("model") and self.model:
            response["model"] = self.model
            return True
        if kind in TERMINAL and not response.get("output") and self.collector.items:
            event["response"] = self.collector.completed(response)
            return True
        return False


def stream(original: bytes, translated: bytes) -> StreamTransform:
    return _StreamState(_model(original, translated)).chunk


NATIVE[("openai-response", "codex")] = Translator(request=request, response=response, stream=stream)
