"""Stage 6: the attempts. Each attempt selects a credential, runs the after-auth
interceptors, translates the request into the executor's input format, calls the plugin
executor and translates its answer back (02 §12-14, §34 step 6).

A 401 on a credential whose provider has an auth-provider plugin refreshes it once
(`auth.refresh`, saved atomically) and retries with it. Other failures on a credential
cool it down for the model and move on to the next one, except request faults (400, 409,
413, 422), which go straight back to the client. Streams fail over only before their
first chunk.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any

from proxy.errors import PluginCallError, ProxyError, UpstreamError
from proxy.executors import Call
from proxy.formats import counting, negotiation, thinking
from proxy.formats.negotiation import Formats
from proxy.formats.registry import TranslationFailed
from proxy.pipeline.context import RequestContext
from proxy.pipeline.intercept import intercept
from proxy.pipeline.resolve import Target
from proxy.pipeline.select import Rounds, select
from proxy.plugins import auth
from proxy.plugins import thinking as thinking_plugins
from proxy.plugins.plugin import Plugin
from proxy.providers import credentials
from proxy.providers.credentials import Credential
from proxy.runtime import Runtime

log = logging.getLogger("cliproxy.pipeline")

REQUEST_FAULTS = frozenset({400, 409, 413, 422})
COUNT_UNSUPPORTED = frozenset({404, 405, 501})
Headers = dict[str, list[str]]


@dataclass
class Attempt:
    """What the response stages need from the attempt that answered."""

    headers: Headers  # request headers after the interceptors
    original: bytes  # the client's body after the interceptors (OriginalRequest)
    credential: Credential | None
    formats: Formats


@dataclass
class Result:
    payload: bytes  # in the client's format
    headers: Headers  # the executor's response headers
    attempt: Attempt


@dataclass
class StreamResult:
    chunks: AsyncIterator[bytes]  # in the client's format; the first one already arrived
    headers: Headers
    attempt: Attempt


class ExecutorInputError(ProxyError):
    status = 400
    code = "invalid_request_error"


# `execute` and `execute_stream` return the coroutine of `_attempts` itself: one layer
# less on every request.


def execute(
    runtime: Runtime, ctx: RequestContext, target: Target, headers: Headers, body: bytes
) -> Coroutine[Any, Any, Result]:
    """Non-stream execution (`executor.count_tokens` for token-count routes)."""
    return _attempts(runtime, ctx, target, headers, body, stream=False)  # type: ignore[return-value]


def execute_stream(
    runtime: Runtime, ctx: RequestContext, target: Target, headers: Headers, body: bytes
) -> Coroutine[Any, Any, StreamResult]:
    return _attempts(runtime, ctx, target, headers, body, stream=True)  # type: ignore[return-value]


async def _attempts(
    runtime: Runtime,
    ctx: RequestContext,
    target: Target,
    headers: Headers,
    body: bytes,
    *,
    stream: bool,
) -> Result | StreamResult:
    generation = ctx.generation
    formats = negotiation.negotiate(target.executor, ctx.entry_format, generation.hooks)
    rounds = Rounds(generation.config.retry)
    last_error: ProxyError | None = None
    while True:
        if (
            last_error is not None
            and rounds.full()
            and not await rounds.another(ctx, target, last_error)
        ):
            raise last_error
        try:
            credential = await select(ctx, target, rounds.tried)
        except ProxyError:
            if last_error is None:
                raise
            if await rounds.another(ctx, target, last_error):
                continue
            raise last_error from None
        after = await intercept(
            runtime,
            ctx,
            after_auth=True,
            to_format=formats.input,
            model=target.model,
            headers=headers,
            body=body,
        )
        # CLIProxyAPI merges after-auth headers onto the originals, so a header cleared
        # here survived (pitfall 17); here the interceptors' result is the header set.
        attempt = Attempt(after.headers, after.body, credential, formats)
        try:
            return await _call_with_refresh(runtime, ctx, target, attempt, stream)
        except (PluginCallError, UpstreamError) as error:
            if credential is None or error.status in REQUEST_FAULTS:
                raise
            if ctx.count_tokens and error.status in COUNT_UNSUPPORTED:
                raise  # the upstream cannot count; the credential is fine (04 §1.5)
            log.info(
                "credential %s failed for %s with %d; trying the next one",
                credential.id,
                target.model,
                error.status,
            )
            retry_after = error.retry_after if isinstance(error, UpstreamError) else 0.0
            if not generation.config.retry.disable_cooling:
                generation.pool.cool_down(credential, target.model, error.status, retry_after)
            rounds.tried.add(credential.id)
            last_error = error


async def _call_with_refresh(
    runtime: Runtime, ctx: RequestContext, target: Target, attempt: Attempt, stream: bool
) -> Result | StreamResult:
    """One attempt; a 401 refreshes the credential once and retries with it."""
    credential = attempt.credential
    try:
        result = await _call(runtime, ctx, target, attempt, stream)
    except (PluginCallError, UpstreamError) as error:
        if credential is None or error.status != 401:
            raise
        renewed = await _refresh(runtime, ctx, target, credential)
        if renewed is None:
            raise
        attempt.credential = credential = renewed
        result = await _call(runtime, ctx, target, attempt, stream)
    if credential is not None:
        ctx.generation.pool.recovered(credential, target.model)
    return result


def executor_request(
    ctx: RequestContext, target: Target, attempt: Attempt, payload: bytes, stream: bool
) -> dict[str, Any]:
    credential = attempt.credential
    request: dict[str, Any] = {
        "Model": target.model,
        "Format": attempt.formats.output,
        "Stream": stream,
        "Headers": attempt.headers,
        "Query": ctx.query or None,
        "OriginalRequest": attempt.original,
        "SourceFormat": attempt.formats.input,
        "Payload": payload,
        "Metadata": ctx.metadata,
    }
    if credential is not None:
        request.update(
            AuthID=credential.id,
            AuthProvider=credential.provider,
            StorageJSON=credential.storage_bytes(),
            AuthMetadata=credential.metadata or None,
            AuthAttributes=credential.attributes or None,
        )
    return request


async def _payload(
    runtime: Runtime, ctx: RequestContext, target: Target, attempt: Attempt
) -> bytes:
    """The request body in the executor's input format."""
    registry = ctx.generation.registry
    source, wanted = ctx.entry_format, attempt.formats.input
    payload = attempt.original
    if source != wanted or registry.hooks.request_normalizers:
        try:
            payload = await registry.request(source, wanted, target.model, ctx.stream, payload)
        except TranslationFailed as exc:
            raise ExecutorInputError(
                f"{target.executor.name} needs format {wanted}: {exc}"
            ) from None
    applier = ctx.generation.thinking.get(wanted)
    if applier is not None:
        payload = await _apply_thinking(runtime, ctx, target, applier, wanted, payload)
    elif ctx.thinking is not None:
        payload = thinking.apply(wanted, payload, ctx.thinking)
    return payload


async def _apply_thinking(
    runtime: Runtime,
    ctx: RequestContext,
    target: Target,
    applier: Plugin,
    name: str,
    payload: bytes,
) -> bytes:
    """The thinking applier of the executor's input format, when the request asks for
    reasoning (a model suffix, or the client format's own field)."""
    setting = ctx.thinking or thinking.from_body(ctx.entry_format, ctx.payload)
    if setting is None:
        return payload
    route = ctx.generation.catalog.resolve(target.model)
    info = route.info if route is not None else None
    return await thinking_plugins.apply(
        applier, name, info or {}, setting.wire(), payload, runtime.scopes, ctx.request_id
    )


async def _call(
    runtime: Runtime, ctx: RequestContext, target: Target, attempt: Attempt, stream: bool
) -> Result | StreamResult:
    payload = await _payload(runtime, ctx, target, attempt)
    request = executor_request(ctx, target, attempt, payload, stream)
    registry = ctx.generation.registry
    output, client = attempt.formats.output, ctx.entry_format
    if not stream:
        call = Call(request, ctx.request_id, runtime.scopes, runtime.streams)
        if ctx.count_tokens:
            reply = await target.executor.count_tokens(call)
            body = reply.payload if output == client else _count_answer(reply.payload, client)
            return Result(body, reply.headers, attempt)
        reply = await target.executor.execute(call)
        body = reply.payload
        if not registry.passthrough(output, client):
            body = await registry.response(
                output, client, target.model, attempt.original, payload, body
            )
        return Result(body, reply.headers, attempt)
    opened = await target.executor.open_stream(
        Call(
            request,
            ctx.request_id,
            runtime.scopes,
            runtime.streams,
            ctx.generation.config.plugins.stream_idle_timeout,
        )
    )
    chunks = opened.chunks
    if not registry.passthrough(output, client):
        chunks = _translated(
            chunks, registry.stream(output, client, target.model, attempt.original, payload)
        )
    return StreamResult(chunks, opened.headers, attempt)


def _count_answer(body: bytes, client_format: str) -> bytes:
    """The count of an executor of another format in the client's shape; a body with no
    count in it (a plugin's own shape) passes as it is."""
    count = counting.parse(body)
    return body if count is None else counting.render(count, client_format)


async def _translated(chunks: AsyncIterator[bytes], translation: Any) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            for frame in await translation.chunk(chunk):
                if frame:
                    yield frame
        for frame in translation.finish():
            yield frame
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]


async def _refresh(
    runtime: Runtime, ctx: RequestContext, target: Target, credential: Credential
) -> Credential | None:
    """One refresh through the provider's auth plugin (saved), or the executor's own
    `refresh` (Python executors); None when there is none or it failed (the 401 then
    counts as the credential's failure)."""
    generation = ctx.generation
    owner = generation.auth_owners.get(credential.provider)
    own_refresh = getattr(target.executor, "refresh", None)
    if owner is None and own_refresh is not None:
        renewed = await own_refresh(credential, ctx.request_id)
        if renewed is not None:
            generation.pool.replace(renewed)
        return renewed
    if owner is None:
        return None
    try:
        renewed = await auth.refresh(
            owner, credential, generation.host_summary, runtime.scopes, ctx.request_id
        )
    except ProxyError as exc:
        log.warning("refreshing credential %s failed: %s", credential.id, exc.message)
        return None
    try:
        credentials.save(renewed, generation.config.auth_path)
    except (OSError, ProxyError) as exc:
        log.error("refreshed credential %s could not be saved: %s", credential.id, exc)
    generation.pool.replace(renewed)
    log.info("credential %s refreshed after a 401", credential.id)
    return renewed
