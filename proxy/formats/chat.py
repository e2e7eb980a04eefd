"""What every translator to or from OpenAI chat needs: compact JSON and the shape of a
`chat.completion.chunk`."""

from __future__ import annotations

from typing import Any

import ujson


def dumps(value: Any) -> bytes:
    return ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False).encode()


def chunk(
    id: str,
    created: int,
    model: str,
    delta: dict[str, Any],
    finish: str | None = None,
    usage: Any = None,
    index: int = 0,
) -> bytes:
    """One `chat.completion.chunk`; `usage` only on the chunk that carries it."""
    frame: dict[str, Any] = {
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        frame["usage"] = usage
    return dumps(frame)
