"""The unified reasoning ("thinking") setting of a request (04 §3.5).

A model-name suffix `model(value)` wins over the body; the value is a budget (integer,
0 = none), `none`, `auto` / `-1`, or a level. Without a suffix, the client format's own
field is read (OpenAI `reasoning_effort`, Claude `thinking.budget_tokens`, Gemini
`generationConfig.thinkingConfig.thinkingBudget`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from proxy.errors import RequestError

LEVELS = {
    "none": 0,
    "auto": -1,
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
    "xhigh": 32768,
    "max": 128000,
}
_SUFFIX = re.compile(r"^(?P<base>.+)\((?P<value>[^()]*)\)$")


class InvalidSuffix(RequestError):
    code = "INVALID_SUFFIX"


@dataclass(frozen=True)
class Thinking:
    mode: str  # budget | level | none | auto
    budget: int
    level: str

    def wire(self) -> dict[str, Any]:
        return {"Mode": self.mode, "Budget": self.budget, "Level": self.level}


def split_suffix(model: str) -> tuple[str, str | None]:
    """`gpt-5(high)` -> ("gpt-5", "high"); no suffix -> (model, None)."""
    match = _SUFFIX.match(model)
    if match is None:
        return model, None
    return match.group("base"), match.group("value").strip()


def parse_value(value: str) -> Thinking:
    folded = value.lower()
    if folded in ("auto", "-1"):
        return Thinking("auto", -1, "auto")
    if folded == "none" or folded == "0":
        return Thinking("none", 0, "none")
    if folded in LEVELS:
        return Thinking("level", 0, folded)
    if folded.isdigit():
        return Thinking("budget", int(folded), "")
    raise InvalidSuffix(
        f"thinking suffix ({value}) is not a budget, none, auto or one of {', '.join(LEVELS)}"
    )


def from_body(source_format: str, payload: dict[str, Any]) -> Thinking | None:
    if source_format in ("openai", "openai-response"):
        effort = payload.get("reasoning_effort")
        if effort is None and isinstance(payload.get("reasoning"), dict):
            effort = payload["reasoning"].get("effort")
        return parse_value(effort) if isinstance(effort, str) and effort else None
    if source_format == "claude":
        thinking = payload.get("thinking")
        if isinstance(thinking, dict) and isinstance(thinking.get("budget_tokens"), int):
            return parse_value(str(thinking["budget_tokens"]))
        return None
    if source_format == "gemini":
        config = (payload.get("generationConfig") or {}).get("thinkingConfig") or {}
        budget = config.get("thinkingBudget") if isinstance(config, dict) else None
        return parse_value(str(budget)) if isinstance(budget, int) else None
    return None
