"""Translators between formats, written in Python. They join the same registry as the
built-in ones (proxy.formats.registry), so plugin normalizers run around them and a
format translated to and from OpenAI chat reaches every other format through it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ujson

from proxy.formats import registry
from proxy.formats.registry import StreamTransform, Translator

# (model, payload, stream) -> payload in the target format
RequestTransform = Callable[[str, bytes, bool], bytes]
# (model, original request, translated request, upstream body) -> body for the client
NonStreamTransform = Callable[[str, bytes, bytes, bytes], bytes]
# (model, original request, translated request, chunk, state) -> frames for the client;
# `state` is one dict per stream, and the chunk is None once at the end (flush)
StreamTransformFn = Callable[[str, bytes, bytes, bytes | None, dict[str, Any]], list[bytes]]


@dataclass(frozen=True)
class ResponseTransform:
    non_stream: NonStreamTransform
    stream: StreamTransformFn


def register(
    from_format: str,
    to_format: str,
    request: RequestTransform,
    response: ResponseTransform,
) -> None:
    """Requests of clients speaking `from_format` reach executors reading `to_format`
    through `request`; the executor's answers (in `to_format`) come back through
    `response`. Replaces whatever translated this pair before, built-in or not."""

    def translate_request(body: bytes, model: str, stream: bool) -> bytes:
        return request(model, body, stream)

    def translate_response(original: bytes, translated: bytes, body: bytes) -> bytes:
        return response.non_stream(_model_of(translated), original, translated, body)

    def translate_stream(original: bytes, translated: bytes) -> StreamTransform:
        state: dict[str, Any] = {}
        model = _model_of(translated)
        return lambda chunk: response.stream(model, original, translated, chunk, state)

    registry.register(
        from_format,
        to_format,
        Translator(translate_request, translate_response, translate_stream),
    )


def _model_of(body: bytes) -> str:
    try:
        parsed = ujson.loads(body)
    except ValueError:
        return ""
    return str(parsed.get("model", "")) if isinstance(parsed, dict) else ""
