"""The SDK example program (examples/sdk/serve.py) plus what the SDK tests need beside it:
an executor that refreshes its credential after a 401, one that fails in every way Python
code can, a usage observer writing JSON lines, and a mode mounting the proxy inside
another ASGI application. Run as a subprocess by tests/test_sdk.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples" / "sdk"))

import serve  # noqa: E402
from hypercorn.asyncio import serve as hypercorn_serve  # noqa: E402
from hypercorn.config import Config  # noqa: E402
from openai_url import OpenAIURLExecutor  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402

from proxy import sdk  # noqa: E402


class RefreshingExecutor(OpenAIURLExecutor):
    """Its credential starts with a key the upstream refuses; `refresh` swaps in a good one."""

    async def refresh(self, ctx: sdk.Context, auth: sdk.Auth) -> sdk.Auth:
        return replace(auth, attributes={**auth.attributes, "api_key": "good-refreshed"})


class FaultyExecutor(sdk.BaseExecutor):
    models = ("crashing", "teapot", "other-teapot", "breaks-midway")

    def identifier(self) -> str:
        return "faulty"

    async def execute(self, ctx, auth, req, opts):  # type: ignore[no-untyped-def]
        if req.model.endswith("teapot"):
            raise sdk.ExecutorError("the teapot refuses to brew coffee", status=418)
        raise RuntimeError("internal detail: /srv/secret/path")

    async def execute_stream(self, ctx, auth, req, opts):  # type: ignore[no-untyped-def]
        if req.model != "breaks-midway":
            await self.execute(ctx, auth, req, opts)

        async def chunks() -> AsyncIterator[sdk.StreamChunk]:
            chunk = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": "partial"}}],
            }
            yield sdk.StreamChunk(payload=json.dumps(chunk).encode())
            yield sdk.StreamChunk(error=sdk.ExecutorError("upstream went away", status=503))

        return sdk.StreamResult(chunks=chunks())


def write_usage(record: sdk.UsageRecord) -> None:
    with open(os.environ["SDK_USAGE_FILE"], "a") as out:
        out.write(json.dumps(asdict(record)) + "\n")


def main() -> None:
    parser = serve.parser()
    parser.add_argument("--mounted", action="store_true", help="serve under /llm of an app")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    builder = serve.builder(arguments)
    if arguments.upstream:
        auth = sdk.Auth(
            id="stale",
            provider="refreshing",
            attributes={"base_url": arguments.upstream, "api_key": "bad-stale"},
        )
        builder.with_executor(RefreshingExecutor("refreshing", ("refreshing-model",)), auth)
    builder.with_executor(FaultyExecutor(), sdk.Auth(id="faulty-1", provider="faulty"))
    builder.with_usage_observer(write_usage)
    service = builder.build()
    if not arguments.mounted:
        service.run()
        return

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    app = Starlette(
        routes=[
            Route("/", lambda request: PlainTextResponse("the host application")),
            Mount("/llm", app=service.asgi()),
        ],
        lifespan=lifespan,
    )
    config = Config()
    config.bind = [f"127.0.0.1:{arguments.port}"]
    asyncio.run(hypercorn_serve(app, config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
