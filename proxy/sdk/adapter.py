"""A Python executor as the pipeline sees every executor (proxy.executors.Executor):
ExecutorRequest fields in, ExecutorReply / OpenedStream out. Exceptions become
UpstreamErrors: an ExecutorError keeps its status, anything else is a 502 naming the
executor and the exception type; the traceback goes to the proxy's log, never to the
client."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from typing import Any, TypeVar

from proxy.errors import ProxyError, UpstreamError
from proxy.executors import Call, ExecutorReply, OpenedStream
from proxy.plugins.executor import Prepended
from proxy.providers.credentials import Credential
from proxy.providers.upstream import UpstreamClients
from proxy.sdk.executor import Executor, ExecutorError
from proxy.sdk.types import Auth, Context, Options, Request, StreamChunk

log = logging.getLogger("cliproxy.sdk")
T = TypeVar("T")


def credential_of(auth: Auth) -> Credential:
    return Credential(
        id=auth.id,
        provider=auth.provider.lower(),
        label=auth.label or auth.provider,
        prefix=auth.prefix,
        proxy_url=auth.attributes.get("proxy_url", ""),
        disabled=auth.disabled,
        metadata=dict(auth.metadata),
        attributes={**auth.attributes, "priority": str(auth.priority)},
        models=tuple(auth.models),
    )


def _split_priority(attributes: dict[str, str]) -> tuple[dict[str, str], int]:
    """Credentials keep `priority` among their attributes (as the pool and plugins read
    it); an `Auth` has it as a field of its own."""
    rest = {k: v for k, v in attributes.items() if k != "priority"}
    try:
        return rest, int(attributes.get("priority", "0") or 0)
    except ValueError:
        return rest, 0


def auth_of(credential: Credential) -> Auth:
    attributes, priority = _split_priority(credential.attributes)
    return Auth(
        id=credential.id,
        provider=credential.provider,
        attributes=attributes,
        metadata=dict(credential.metadata),
        models=credential.models,
        label=credential.label,
        prefix=credential.prefix,
        priority=priority,
        disabled=credential.disabled,
    )


class PythonExecutor:
    def __init__(self, executor: Executor, clients: UpstreamClients) -> None:
        self.executor = executor
        self.clients = clients
        provider = executor.identifier()
        self.name = f"Python executor {provider}"
        self.kind = f"python:{provider}"
        self.input_formats = (getattr(executor, "input_format", "openai"),)
        self.output_formats = (getattr(executor, "output_format", "openai"),)

    async def execute(self, call: Call) -> ExecutorReply:
        response = await self._guarded(self.executor.execute(*self._arguments(call)))
        return ExecutorReply(response.payload, response.headers)

    async def count_tokens(self, call: Call) -> ExecutorReply:
        response = await self._guarded(self.executor.count_tokens(*self._arguments(call)))
        return ExecutorReply(response.payload, response.headers)

    async def open_stream(self, call: Call) -> OpenedStream:
        """Returns once the first chunk is there, so a failure before it can move on to
        the next credential (04 §5.6)."""
        result = await self._guarded(self.executor.execute_stream(*self._arguments(call)))
        chunks = self._payloads(result.chunks)
        try:
            first = await self._guarded(chunks.__anext__())
        except StopAsyncIteration:
            raise UpstreamError(f"{self.name}: the stream ended before any chunk", 502) from None
        except BaseException:
            await chunks.aclose()
            raise
        return OpenedStream(result.headers, Prepended(first, chunks))

    async def refresh(self, credential: Credential, request_id: str) -> Credential | None:
        """The executor's `refresh` after a 401; None when it failed."""
        context = Context(request_id, self.clients.for_proxy(credential.proxy_url).client)
        try:
            renewed = await self._guarded(self.executor.refresh(context, auth_of(credential)))
        except ProxyError as exc:
            log.warning("refreshing %s failed: %s", credential.id, exc.message)
            return None
        return credential_of(renewed)

    def _arguments(self, call: Call) -> tuple[Context, Auth, Request, Options]:
        fields = call.request
        attributes, priority = _split_priority(fields.get("AuthAttributes") or {})
        auth = Auth(
            id=fields.get("AuthID") or "",
            provider=fields.get("AuthProvider") or self.executor.identifier(),
            attributes=attributes,
            metadata=dict(fields.get("AuthMetadata") or {}),
            priority=priority,
        )
        metadata: dict[str, Any] = dict(fields.get("Metadata") or {})
        request = Request(
            model=fields.get("Model") or "",
            payload=fields.get("Payload") or b"",
            format=fields.get("Format") or "",
            metadata=metadata,
        )
        query = fields.get("Query") or {}
        options = Options(
            stream=bool(fields.get("Stream")),
            alt=(query.get("alt") or [""])[0],
            headers=dict(fields.get("Headers") or {}),
            query=dict(query),
            original_request=fields.get("OriginalRequest") or b"",
            source_format=fields.get("SourceFormat") or "",
            metadata=metadata,
        )
        proxy_url = auth.attributes.get("proxy_url", "")
        return (
            Context(call.request_id, self.clients.for_proxy(proxy_url).client),
            auth,
            request,
            options,
        )

    async def _payloads(self, chunks: AsyncIterator[StreamChunk]) -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in chunks:
                if chunk.error is not None:
                    raise self._converted(chunk.error)
                if chunk.payload:
                    yield chunk.payload
        except ProxyError:
            raise
        except Exception as exc:
            raise self._converted(exc) from None
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()

    async def _guarded(self, work: Awaitable[T]) -> T:
        try:
            return await work
        except (ProxyError, StopAsyncIteration):
            raise
        except Exception as exc:
            raise self._converted(exc) from None

    def _converted(self, exc: BaseException) -> UpstreamError:
        if isinstance(exc, ExecutorError):
            return UpstreamError(exc.message, exc.status, exc.retry_after)
        log.error("%s raised", self.name, exc_info=exc)
        return UpstreamError(
            f"{self.name} failed ({type(exc).__name__}); see the proxy log", status=502
        )
