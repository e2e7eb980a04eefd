"""Token-count answers (04 §1.5): whatever shape the upstream counted in, the client gets
its own (`{"input_tokens":N}` for Claude, Google's count object for Gemini). Upstreams
without a count endpoint (OpenAI chat, Responses) are estimated locally."""

from __future__ import annotations

import math
from typing import Any

import ujson


def parse(body: bytes) -> int | None:
    """The count in a Claude (`input_tokens`) or Gemini (`totalTokens`) count answer."""
    try:
        parsed = ujson.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    for key in ("input_tokens", "totalTokens", "total_tokens"):
        if isinstance(parsed.get(key), int):
            return parsed[key]
    return None


def render(count: int, client_format: str) -> bytes:
    if client_format == "gemini":
        details = [{"modality": "TEXT", "tokenCount": count}]
        return ujson.dumps({"totalTokens": count, "promptTokensDetails": details}).encode()
    return ujson.dumps({"input_tokens": count}).encode()


def estimate(payload: bytes) -> int:
    """About four characters a token over every string of the request: an estimate for
    upstreams that cannot count (CLIProxyAPI uses tiktoken; a tokenizer per model family
    is not worth a dependency for a number clients use to budget context)."""
    try:
        parsed = ujson.loads(payload)
    except ValueError:
        return math.ceil(len(payload) / 4)
    return math.ceil(_characters(parsed) / 4)


def _characters(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_characters(v) for k, v in value.items() if k not in ("model", "stream"))
    if isinstance(value, list):
        return sum(_characters(v) for v in value)
    return 0
