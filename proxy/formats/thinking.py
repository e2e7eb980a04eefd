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

import ujson

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

    @property
    def tokens(self) -> int:
        """As a budget: levels by the table, -1 for auto, 0 for none."""
        return LEVELS[self.level] if self.mode == "level" else self.budget

    @property
    def effort(self) -> str:
        """As a level (what OpenAI's `reasoning_effort` takes): budgets by the table."""
        if self.mode != "budget":
            return self.level
        for level in ("minimal", "low", "medium", "high"):
            if self.budget <= LEVELS[level]:
                return level
        return "xhigh"


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


def apply(target_format: str, payload: bytes, setting: Thinking) -> bytes:
    """The built-in appliers (04 §3.5, basic): a `model(value)` suffix set on the request
    in the executor's own format, after translation, overriding the body. A format without
    an applier here, or a body that is not a JSON object, is left alone."""
    try:
        body = ujson.loads(payload)
    except ValueError:
        return payload
    if not isinstance(body, dict):
        return payload
    if target_format == "openai":
        if setting.mode == "auto":
            body.pop("reasoning_effort", None)
        else:
            body["reasoning_effort"] = setting.effort
    elif target_format in ("codex", "openai-response"):
        reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
        body["reasoning"] = {
            **reasoning,
            "effort": "medium" if setting.mode == "auto" else setting.effort,
        }
    elif target_format == "claude":
        _claude(body, setting)
    elif target_format == "gemini":
        config = body.setdefault("generationConfig", {})
        config["thinkingConfig"] = {
            "thinkingBudget": setting.tokens,
            "includeThoughts": setting.tokens != 0,
        }
    else:
        return payload
    return ujson.dumps(body, ensure_ascii=False, escape_forward_slashes=False).encode()


def _claude(body: dict[str, Any], setting: Thinking) -> None:
    """Claude has no dynamic budget (auto takes the medium one), and `max_tokens` must
    exceed the budget: it is raised when it does not."""
    if setting.mode == "none":
        body["thinking"] = {"type": "disabled"}
        return
    budget = LEVELS["medium"] if setting.mode == "auto" else max(setting.tokens, 1024)
    body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] <= budget:
        body["max_tokens"] = budget + 4096
