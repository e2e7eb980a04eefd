"""What the two directions between Gemini `generateContent` and OpenAI chat completions
share (04 §3.4): each table and its inverse sit side by side here, so a mapping and its
reverse cannot drift apart and a round trip through both translators keeps its meaning.
"""

from __future__ import annotations

from typing import Any

import ujson

from proxy.formats import chat
from proxy.formats.thinking import LEVELS

# Gemini 3 rejects replayed function calls that carry no thought signature; this value is
# the one Google documents for histories whose signatures were not kept (04 §3.4).
SKIP_SIGNATURE = "skip_thought_signature_validator"

FINISH_TO_GEMINI = {
    "stop": "STOP",
    "length": "MAX_TOKENS",
    "tool_calls": "STOP",  # Gemini has no reason of its own for a function call
    "function_call": "STOP",
    "content_filter": "SAFETY",
}
GEMINI_TO_FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
# Gemini `functionCallingConfig.mode` <-> chat `tool_choice` (a named function is `ANY`
# restricted to that one name, handled where the choice is built).
MODE_TO_CHOICE = {"AUTO": "auto", "VALIDATED": "auto", "NONE": "none", "ANY": "required"}
CHOICE_TO_MODE = {"auto": "AUTO", "none": "NONE", "required": "ANY"}


dumps = chat.dumps


def arguments_object(text: Any) -> dict[str, Any]:
    """Chat tool-call `arguments` (a JSON string) as the object Gemini's `args` wants;
    anything that is not a JSON object becomes `{}` rather than failing the answer."""
    if isinstance(text, dict):
        return text
    try:
        parsed = ujson.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def data_url(mime_type: str, data: str) -> str:
    return f"data:{mime_type};base64,{data}"


def split_data_url(url: str) -> tuple[str, str] | None:
    """`data:<mime>;base64,<data>` -> (mime, data); None for any other URL."""
    if not url.startswith("data:") or ";base64," not in url:
        return None
    mime_type, data = url[5:].split(";base64,", 1)
    return mime_type or "application/octet-stream", data


# ------------------------------------------------------------------------- reasoning


def effort_of(config: dict[str, Any]) -> str | None:
    """A Gemini `thinkingConfig` as a chat `reasoning_effort` (§3.5): a level is kept,
    a budget becomes the level whose budget covers it."""
    level = config.get("thinkingLevel") or config.get("thinking_level")
    if isinstance(level, str) and level.strip():
        return level.strip().lower()
    budget = config.get("thinkingBudget", config.get("thinking_budget"))
    if not isinstance(budget, int) or isinstance(budget, bool):
        return None
    if budget < 0:
        return "auto"
    if budget == 0:
        return "none"
    for level in ("minimal", "low", "medium", "high"):
        if budget <= LEVELS[level]:
            return level
    return "xhigh"


def thinking_config(effort: str) -> dict[str, Any] | None:
    """A chat `reasoning_effort` as a Gemini `thinkingConfig`. A budget rather than a
    `thinkingLevel`, because Gemini 2.5 models reject levels while Gemini 3 still takes
    budgets; thoughts are asked for so they can come back as `reasoning_content`."""
    effort = effort.strip().lower()
    if effort == "none":
        return {"thinkingBudget": 0}
    if effort not in LEVELS:
        return None
    return {"thinkingBudget": LEVELS[effort], "includeThoughts": True}


# ----------------------------------------------------------------------------- usage


def usage_metadata(usage: dict[str, Any]) -> dict[str, int]:
    """Chat `usage` as Gemini `usageMetadata`. Chat counts reasoning inside
    `completion_tokens`, Gemini keeps thoughts out of `candidatesTokenCount`."""
    prompt = usage.get("prompt_tokens") or 0
    completion = usage.get("completion_tokens") or 0
    thoughts = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    out = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": max(completion - thoughts, 0),
        "totalTokenCount": usage.get("total_tokens") or prompt + completion,
    }
    if thoughts:
        out["thoughtsTokenCount"] = thoughts
    if cached:
        out["cachedContentTokenCount"] = cached
    return out


def chat_usage(metadata: dict[str, Any]) -> dict[str, Any]:
    """Gemini `usageMetadata` as chat `usage`, the inverse of `usage_metadata`."""
    prompt = metadata.get("promptTokenCount") or 0
    thoughts = metadata.get("thoughtsTokenCount") or 0
    completion = (metadata.get("candidatesTokenCount") or 0) + thoughts
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": metadata.get("totalTokenCount") or prompt + completion,
    }
    if thoughts:
        out["completion_tokens_details"] = {"reasoning_tokens": thoughts}
    cached = metadata.get("cachedContentTokenCount") or 0
    if cached:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    return out
