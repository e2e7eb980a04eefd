"""What the stages know about one inbound request."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from proxy.formats.thinking import Thinking
from proxy.runtime import Generation


@dataclass(slots=True)
class RequestContext:
    generation: Generation
    entry_format: str  # the client's API format: "openai", "claude", ...
    path: str
    headers: dict[str, list[str]]  # canonical keys, as Go plugins expect them
    query: dict[str, list[str]]
    method: str = "POST"
    # 8 hex digits as CLIProxyAPI writes them; ids only correlate logs, so no CSPRNG needed.
    trace_id: str = field(default_factory=lambda: f"{random.getrandbits(32):08x}")
    # client authentication (stage 1)
    principal: str = ""
    access_provider: str = ""
    access_metadata: dict[str, str] = field(default_factory=dict)
    # the parsed request (stage 2)
    body: bytes = b""
    payload: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    stream: bool = False
    count_tokens: bool = False  # a token-count route: executor.count_tokens, not execute
    # the model execution (stage 5 on): one RequestID per execution (02 §18)
    request_id: str = ""
    started_at: dt.datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # the thinking setting of a `model(value)` suffix (04 §3.5), found by stage 4
    thinking: Thinking | None = None
    # nested executions skip the calling plugin's router, interceptors and lifecycle (02 §32)
    skip_plugin: str = ""

    def begin_execution(self) -> None:
        """The lifecycle tracker of 02 §34 step 4: RequestID, start time, metadata."""
        self.request_id = _random_uuid()
        self.started_at = dt.datetime.now(dt.UTC)
        self.metadata = {
            "requested_model": self.model,
            "request_path": self.path,
            "service_tier": "auto",
            "generate": True,
            **self.metadata,
        }


_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def _random_uuid() -> str:
    """A version 4 UUID in its text form, from `random` rather than uuid.uuid4's system
    call and object: request ids correlate logs and plugin calls, nothing depends on their
    being unguessable, and one is made for every execution."""
    h = f"{(random.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
