"""Token counts from response bodies of every format, for usage records (02 §27)."""

from __future__ import annotations

from typing import Any

import ujson

FIELDS = (
    "InputTokens",
    "OutputTokens",
    "ReasoningTokens",
    "CachedTokens",
    "CacheReadTokens",
    "CacheCreationTokens",
    "TotalTokens",
)

# Where each format keeps its counts: (object key, {our field: its key}).
_SHAPES: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "usage",  # OpenAI chat / completions
        {
            "InputTokens": "prompt_tokens",
            "OutputTokens": "completion_tokens",
            "TotalTokens": "total_tokens",
        },
    ),
    (
        "usage",  # Claude messages, OpenAI Responses
        {
            "InputTokens": "input_tokens",
            "OutputTokens": "output_tokens",
            "TotalTokens": "total_tokens",
            "CacheReadTokens": "cache_read_input_tokens",
            "CacheCreationTokens": "cache_creation_input_tokens",
        },
    ),
    (
        "usageMetadata",  # Gemini
        {
            "InputTokens": "promptTokenCount",
            "OutputTokens": "candidatesTokenCount",
            "ReasoningTokens": "thoughtsTokenCount",
            "CachedTokens": "cachedContentTokenCount",
            "TotalTokens": "totalTokenCount",
        },
    ),
)


def zero() -> dict[str, int]:
    return dict.fromkeys(FIELDS, 0)


def parse(body: bytes) -> dict[str, int] | None:
    """The counts a JSON response (or stream chunk) reports, or None when it has none."""
    if b"sage" not in body:  # usage / usageMetadata: skip the parse for most chunks
        return None
    try:
        parsed: Any = ujson.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    if isinstance(parsed.get("response"), dict):  # Responses stream events wrap the response
        parsed = parsed["response"]
    if isinstance(parsed.get("message"), dict):  # Claude message_start wraps the message
        parsed = parsed["message"]
    for key, mapping in _SHAPES:
        found = parsed.get(key)
        if not isinstance(found, dict):
            continue
        counts = zero()
        hit = False
        for ours, theirs in mapping.items():
            value = found.get(theirs)
            if isinstance(value, int) and not isinstance(value, bool):
                counts[ours] = value
                hit = True
        if hit:
            if not counts["TotalTokens"]:
                counts["TotalTokens"] = counts["InputTokens"] + counts["OutputTokens"]
            return counts
    return None
