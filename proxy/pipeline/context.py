"""What the stages know about one inbound request."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from proxy.runtime import Generation


@dataclass
class RequestContext:
    generation: Generation
    entry_format: str  # the client's API format: "openai", "claude", ...
    path: str
    headers: dict[str, list[str]]  # canonical keys, as Go plugins expect them
    query: dict[str, list[str]]
    # 8 hex digits as CLIProxyAPI writes them; ids only correlate logs, so no CSPRNG needed.
    request_id: str = field(default_factory=lambda: f"{random.getrandbits(32):08x}")
    principal: str = ""
    body: bytes = b""
    payload: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    stream: bool = False
