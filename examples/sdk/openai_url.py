"""A Python executor for any OpenAI-compatible chat completions API given by URL.

Each credential (`sdk.Auth`) carries its `base_url` and `api_key`; `prepare_request`
puts the key on the request, so `http_request` works for any call to that API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from proxy import sdk


class OpenAIURLExecutor(sdk.BaseExecutor):
    input_format = output_format = sdk.Format.OPENAI

    def __init__(self, provider: str = "openai-url", models: tuple[str, ...] = ()) -> None:
        self.provider = provider
        self.models = models

    def identifier(self) -> str:
        return self.provider

    async def execute(
        self, ctx: sdk.Context, auth: sdk.Auth, req: sdk.Request, opts: sdk.Options
    ) -> sdk.Response:
        response = await self._post(ctx, auth, req.payload)
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        return sdk.Response(payload=body, headers={"X-Upstream": [auth.attributes["base_url"]]})

    async def execute_stream(
        self, ctx: sdk.Context, auth: sdk.Auth, req: sdk.Request, opts: sdk.Options
    ) -> sdk.StreamResult:
        response = await self._post(ctx, auth, req.payload)
        return sdk.StreamResult(chunks=_sse_payloads(response))

    async def _post(self, ctx: sdk.Context, auth: sdk.Auth, payload: bytes) -> httpx.Response:
        url = auth.attributes["base_url"].rstrip("/") + "/chat/completions"
        request = ctx.http.build_request(
            "POST", url, content=payload, headers={"Content-Type": "application/json"}
        )
        response = await self.http_request(ctx, auth, request)
        if response.status_code >= 400:
            body = (await response.aread()).decode("utf-8", "replace")
            await response.aclose()
            retry_after = float(response.headers.get("retry-after", "0") or 0)
            raise sdk.ExecutorError(body, response.status_code, retry_after)
        return response


async def _sse_payloads(response: httpx.Response) -> AsyncIterator[sdk.StreamChunk]:
    """Each `data:` line of the upstream's event stream, as one chunk."""
    try:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                data = line[5:].strip()
                if data and data != "[DONE]":
                    yield sdk.StreamChunk(payload=data.encode())
    except httpx.HTTPError as exc:
        yield sdk.StreamChunk(error=sdk.ExecutorError(f"upstream stream broke: {exc}", 502))
    finally:
        await response.aclose()
