"""The values Python executors and translators exchange with the proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx


class Format:
    """API format identifiers (02 §35). Any other string names a format of your own."""

    OPENAI = "openai"  # chat completions; also every OpenAI-compatible upstream
    OPENAI_RESPONSE = "openai-response"  # the Responses API as clients speak it
    CLAUDE = "claude"  # Anthropic Messages
    GEMINI = "gemini"  # Google generateContent
    CODEX = "codex"  # the Responses API as upstreams speak it


@dataclass
class Auth:
    """One credential of a provider. `attributes` are strings the executor reads
    (`api_key`, `base_url`, ...); `metadata` is free-form; `models` are the model ids
    this credential serves (empty: the executor's `models`)."""

    id: str
    provider: str
    attributes: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    label: str = ""
    prefix: str = ""
    priority: int = 0
    disabled: bool = False

    @property
    def status(self) -> str:
        return "disabled" if self.disabled else "active"

    @property
    def api_key(self) -> str:
        return self.attributes.get("api_key", "")


@dataclass(frozen=True)
class Request:
    """What to execute: `payload` is the body in `format`, the executor's input format
    (the proxy translated the client's request into it)."""

    model: str
    payload: bytes
    format: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """How the client asked: stream or not, its headers and query, its original body and
    format, and the request's metadata (requested model, path, ...)."""

    stream: bool = False
    alt: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    original_request: bytes = b""
    source_format: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Response:
    """A whole answer, `payload` in the executor's output format."""

    payload: bytes
    metadata: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamChunk:
    """One piece of a stream: a payload, or the error that ends the stream."""

    payload: bytes = b""
    error: Exception | None = None


@dataclass
class StreamResult:
    """An opened stream: response headers and the chunks, in the executor's output
    format (for OpenAI chat, one `chat.completion.chunk` JSON object per chunk)."""

    chunks: AsyncIterator[StreamChunk]
    headers: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Per call: the request id (it is in the proxy's logs too) and the shared upstream
    HTTP client (connection reuse, the configured `proxy-url`)."""

    request_id: str
    http: httpx.AsyncClient
