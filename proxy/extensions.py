"""What a Python program embedding the proxy adds beside the config and the native
plugins (the public face is `proxy.sdk`): executors with their credentials, client access
checks, and usage observers. The runtime folds them into every generation, so they go
through the same pipeline as plugins and built-in providers."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from proxy.executors import Executor
from proxy.providers.credentials import Credential

log = logging.getLogger("cliproxy.sdk")


@dataclass(frozen=True)
class AccessRequest:
    """What an access provider sees of an inbound request."""

    method: str
    path: str
    headers: dict[str, list[str]]  # canonical header names
    query: dict[str, list[str]]
    body: bytes
    credential: str | None  # the key the client presented (Bearer, x-api-key, ...), if any


@dataclass(frozen=True)
class AccessResult:
    principal: str  # who the caller is (usage records' APIKey)
    provider: str = "sdk"
    metadata: dict[str, str] = field(default_factory=dict)


# None: not recognised here (the next provider is asked); a result: accepted.
AccessProvider = Callable[[AccessRequest], Awaitable[AccessResult | None]]


@dataclass(frozen=True)
class UsageRecord:
    """One execution's usage, as usage plugins get it (02 §27), for Python observers."""

    provider: str
    executor: str
    model: str
    requested_model: str
    api_key: str
    auth_id: str
    failed: bool
    status: int
    latency_seconds: float
    first_chunk_seconds: float  # to the first stream chunk, or to the whole answer
    tokens: dict[str, int]  # InputTokens, OutputTokens, ReasoningTokens, ... TotalTokens


UsageObserver = Callable[[UsageRecord], Awaitable[None] | None]


@dataclass
class ExtraProvider:
    provider: str
    executor: Executor
    credentials: list[Credential]
    model_infos: list[dict[str, Any]]


@dataclass
class Extensions:
    providers: dict[str, ExtraProvider] = field(default_factory=dict)
    access: list[AccessProvider] = field(default_factory=list)
    usage: list[UsageObserver] = field(default_factory=list)

    def observe(self, record: UsageRecord) -> None:
        """Hands the record to every observer in the background; an observer's failure is
        logged and nobody else's business."""
        for observer in self.usage:
            try:
                outcome = observer(record)
            except Exception:
                log.exception("usage observer %r failed", observer)
                continue
            if inspect.isawaitable(outcome):
                task = asyncio.ensure_future(outcome)
                task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("usage observer failed: %r", task.exception())
