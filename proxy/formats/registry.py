"""The translation registry (04 §3.2, 02 §16-23): native translators between formats,
with the plugin hooks around them.

Requests: the body's `model` is set to the resolved model, then either the native
translator runs and the normalizers see its output, or (no native translator) the
normalizers see the untranslated body and the translator plugins are asked. Responses:
`normalize_before` on the provider's body, the native translator or a translator plugin,
`normalize_after` on each resulting frame.

Unlike CLIProxyAPI, plugin executors always pass through the registry, also when they
speak the client's format (identity): normalizer hooks then behave the same for every
executor. With no hook plugin loaded an identity translation costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ujson

from proxy.plugins import translators
from proxy.plugins.host import Snapshot
from proxy.plugins.plugin import Plugin

RequestTransform = Callable[[bytes, str, bool], bytes]  # body, model, stream -> body
ResponseTransform = Callable[[bytes, bytes, bytes], bytes]  # original, translated, body
# A stream translator is made per stream and keeps its own state: chunk -> frames; the
# final call (chunk None) flushes what is left.
StreamTransform = Callable[[bytes | None], list[bytes]]


class JsonStreamState:
    """Base of the stream translators that read the upstream's chunks as JSON objects: its
    bound `chunk` is the StreamTransform. `event` gets each object and its bytes as they
    came (the upstream's `[DONE]` marker is dropped: the client's framing writes its own
    end), `end` what is left when the stream ends."""

    def chunk(self, chunk: bytes | None) -> list[bytes]:
        if chunk is None:
            return self.end()
        if chunk.strip() == b"[DONE]":
            return []
        return self.event(ujson.loads(chunk), chunk)

    def event(self, data: dict[str, Any], raw: bytes) -> list[bytes]:
        raise NotImplementedError

    def end(self) -> list[bytes]:
        raise NotImplementedError


@dataclass(frozen=True)
class Translator:
    request: RequestTransform
    response: ResponseTransform
    stream: Callable[[bytes, bytes], StreamTransform]  # original, translated -> per-stream


def _identity_stream(original: bytes, translated: bytes) -> StreamTransform:
    return lambda chunk: [] if chunk is None else [chunk]


IDENTITY = Translator(
    request=lambda body, model, stream: body,
    response=lambda original, translated, body: body,
    stream=_identity_stream,
)

# (client format, upstream format) -> the translator of that pair: its request function
# goes client -> upstream, its response functions upstream -> client. Same-format pairs are
# identities. Translator modules register themselves (proxy/formats/__init__.py).
NATIVE: dict[tuple[str, str], Translator] = {}
# Pairs without a translator of their own go through OpenAI chat, which every format
# translates to and from: n formats need 2n translators instead of n².
HUB = "openai"
_COMPOSED: dict[tuple[str, str], Translator] = {}


def register(client: str, upstream: str, translator: Translator) -> None:
    """Adds or replaces the translator of a pair (after import time: Python SDK users)."""
    NATIVE[(client, upstream)] = translator
    _COMPOSED.clear()


def native(client: str, upstream: str) -> Translator | None:
    if client == upstream:
        return IDENTITY
    direct = NATIVE.get((client, upstream))
    if direct is not None:
        return direct
    composed = _COMPOSED.get((client, upstream))
    if composed is None:
        inbound, outbound = NATIVE.get((client, HUB)), NATIVE.get((HUB, upstream))
        if inbound is None or outbound is None:
            return None
        composed = _COMPOSED[(client, upstream)] = _through_hub(inbound, outbound)
    return composed


def _through_hub(inbound: Translator, outbound: Translator) -> Translator:
    """client -> openai -> upstream for requests, upstream -> openai -> client for answers.
    The inner step sees the chat request as its client's, the outer the original."""

    def request(body: bytes, model: str, stream: bool) -> bytes:
        return outbound.request(inbound.request(body, model, stream), model, stream)

    def response(original: bytes, translated: bytes, body: bytes) -> bytes:
        chat = inbound.request(original, "", False)
        return inbound.response(original, chat, outbound.response(chat, translated, body))

    def stream(original: bytes, translated: bytes) -> StreamTransform:
        chat = inbound.request(original, "", True)
        to_chat = outbound.stream(chat, translated)
        to_client = inbound.stream(original, chat)

        def chunk(payload: bytes | None) -> list[bytes]:
            if payload is None:
                frames = [f for c in to_chat(None) for f in to_client(c)]
                return frames + to_client(None)
            return [f for c in to_chat(payload) for f in to_client(c)]

        return chunk

    return Translator(request=request, response=response, stream=stream)


@dataclass(frozen=True)
class Hooks:
    """The translation-related plugins of one snapshot, in call order."""

    request_translators: tuple[Plugin, ...] = ()
    request_normalizers: tuple[Plugin, ...] = ()
    response_translators: tuple[Plugin, ...] = ()
    before: tuple[Plugin, ...] = ()
    after: tuple[Plugin, ...] = ()

    @classmethod
    def of(cls, snapshot: Snapshot) -> Hooks:
        return cls(
            snapshot.having("request_translator"),
            snapshot.having("request_normalizer"),
            snapshot.having("response_translator"),
            snapshot.having("response_before_translator"),
            snapshot.having("response_after_translator"),
        )

    def request_translatable(self, source: str, target: str) -> bool:
        """Whether a request in `source` can reach an executor speaking `target`. Native
        translators count; unlike CLIProxyAPI (pitfall 11) so do translator plugins, tried
        when the call is made, so a custom input format works with any client."""
        return native(source, target) is not None or bool(self.request_translators)

    def response_translatable(self, source: str, target: str) -> bool:
        """Any active response translator plugin makes every pair available (pitfall 12).
        `source` is the upstream's format, `target` the client's."""
        return native(target, source) is not None or bool(self.response_translators)


class TranslationFailed(Exception):
    """No native translator and no plugin translated the request."""


@dataclass
class Registry:
    hooks: Hooks = field(default_factory=Hooks)

    async def request(
        self, source: str, target: str, model: str, stream: bool, body: bytes
    ) -> bytes:
        body = _with_model(body, model)
        translator = native(source, target)
        transform = {"FromFormat": source, "ToFormat": target, "Model": model, "Stream": stream}
        if translator is not None:
            body = translator.request(body, model, stream)
            if self.hooks.request_normalizers:
                body = await translators.normalize_request(
                    self.hooks.request_normalizers, {**transform, "Body": body}
                )
            return body
        if self.hooks.request_normalizers:
            body = await translators.normalize_request(
                self.hooks.request_normalizers, {**transform, "Body": body}
            )
        translated = await translators.translate_request(
            self.hooks.request_translators, {**transform, "Body": body}
        )
        if translated is None:
            raise TranslationFailed(f"no translator from {source} to {target} accepted the request")
        return translated

    async def response(
        self, source: str, target: str, model: str, original: bytes, sent: bytes, body: bytes
    ) -> bytes:
        transform = {
            "FromFormat": source,
            "ToFormat": target,
            "Model": model,
            "Stream": False,
            "OriginalRequest": original,
            "TranslatedRequest": sent,
        }
        frames = await self._translate(transform, body, native(target, source), None)
        return frames[0] if frames else b""

    def stream(
        self, source: str, target: str, model: str, original: bytes, sent: bytes
    ) -> StreamTranslation:
        translator = native(target, source)
        transform = {
            "FromFormat": source,
            "ToFormat": target,
            "Model": model,
            "Stream": True,
            "OriginalRequest": original,
            "TranslatedRequest": sent,
        }
        state = translator.stream(original, sent) if translator else None
        return StreamTranslation(self, transform, translator, state)

    def passthrough(self, source: str, target: str) -> bool:
        """Nothing to do for responses of this pair (identity and no hooks)."""
        return source == target and not (self.hooks.before or self.hooks.after)

    async def _translate(
        self,
        transform: dict[str, Any],
        body: bytes,
        translator: Translator | None,
        state: StreamTransform | None,
    ) -> list[bytes]:
        if self.hooks.before:
            body = await translators.normalize_response(
                self.hooks.before, False, {**transform, "Body": body}
            )
        if state is not None:
            frames = state(body)
        elif translator is not None:
            frames = [
                translator.response(
                    transform["OriginalRequest"], transform["TranslatedRequest"], body
                )
            ]
        else:
            translated = await translators.translate_response(
                self.hooks.response_translators, {**transform, "Body": body}
            )
            frames = [translated if translated is not None else body]
        if self.hooks.after:
            frames = [
                await translators.normalize_response(
                    self.hooks.after, True, {**transform, "Body": frame}
                )
                for frame in frames
            ]
        return frames


@dataclass
class StreamTranslation:
    registry: Registry
    transform: dict[str, Any]
    translator: Translator | None
    state: StreamTransform | None

    async def chunk(self, payload: bytes) -> list[bytes]:
        return await self.registry._translate(self.transform, payload, self.translator, self.state)

    def finish(self) -> list[bytes]:
        return self.state(None) if self.state is not None else []


def _with_model(body: bytes, model: str) -> bytes:
    """The body with its top-level `model` set to the resolved model, when it differs."""
    if not model or b'"model"' not in body:
        return body
    try:
        parsed = ujson.loads(body)
    except ValueError:
        return body
    if not isinstance(parsed, dict) or parsed.get("model") == model or "model" not in parsed:
        return body
    parsed["model"] = model
    return ujson.dumps(parsed, ensure_ascii=False, escape_forward_slashes=False).encode()
