"""The executor protocol of Python executors, a base class with the optional members
filled in, and the error that carries an upstream status to the client."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import httpx

from proxy.sdk.types import Auth, Context, Options, Request, Response, StreamResult


class ExecutorError(Exception):
    """Raise it (or put it in a StreamChunk) to fail with a status the client sees, in its
    own error format. A 401 makes the proxy call `refresh` and retry once; 429 and 5xx
    cool the credential down and move on to the next one, as for built-in providers."""

    def __init__(self, message: str, status: int = 502, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


class NotSupported(ExecutorError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not supported by this executor", status=501)


@runtime_checkable
class Executor(Protocol):
    """A provider's executor. `identifier()` is the provider name its auths carry.
    Every method runs on the proxy's event loop: await, or move blocking work to a thread."""

    def identifier(self) -> str: ...

    async def execute(self, ctx: Context, auth: Auth, req: Request, opts: Options) -> Response: ...

    async def execute_stream(
        self, ctx: Context, auth: Auth, req: Request, opts: Options
    ) -> StreamResult: ...

    def prepare_request(self, http_request: httpx.Request, auth: Auth) -> None: ...

    async def http_request(
        self, ctx: Context, auth: Auth, http_request: httpx.Request
    ) -> httpx.Response: ...

    async def refresh(self, ctx: Context, auth: Auth) -> Auth: ...

    async def count_tokens(
        self, ctx: Context, auth: Auth, req: Request, opts: Options
    ) -> Response: ...


class BaseExecutor:
    """Defaults for everything but `identifier`, `execute` and `execute_stream`."""

    # the formats this executor reads and writes; the proxy translates to and from them
    input_format: str = "openai"
    output_format: str = "openai"
    # models served when an auth names none
    models: tuple[str, ...] = ()

    def identifier(self) -> str:
        raise NotImplementedError("an executor names its provider in identifier()")

    def prepare_request(self, http_request: httpx.Request, auth: Auth) -> None:
        """Puts the credential on an outgoing request: `Authorization: Bearer <api_key>`."""
        if auth.api_key:
            http_request.headers["Authorization"] = f"Bearer {auth.api_key}"

    async def http_request(
        self, ctx: Context, auth: Auth, http_request: httpx.Request
    ) -> httpx.Response:
        """Sends a request with the credential on it, through the shared client; the
        response body is streamed, the caller reads and closes it."""
        self.prepare_request(http_request, auth)
        return await ctx.http.send(http_request, stream=True)

    async def refresh(self, ctx: Context, auth: Auth) -> Auth:
        """Nothing to refresh by default: the same credential."""
        return auth

    async def count_tokens(self, ctx: Context, auth: Auth, req: Request, opts: Options) -> Response:
        raise NotSupported("token counting")
