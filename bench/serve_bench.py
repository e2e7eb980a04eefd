"""The benchmark server: the real proxy, started the way `cliproxy serve` starts it, plus a
bare Starlette route on the same app and the same Hypercorn configuration.

Why the bare route lives in the proxy's own process: the question the benchmark answers is
"how much does the plugin path cost on top of the HTTP stack we already pay for", so the
floor must share the server, the event loop, the CORS middleware and the config. Only the
route handler differs.

Usage: python bench/serve_bench.py PORT [--config config.yaml] [--profile out.pstats]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import workload  # bench/ is on sys.path: this file is run as a script
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from proxy import config as config_module
from proxy.runtime import Runtime
from proxy.server import serve

ROOT = Path(__file__).resolve().parent.parent

TEXT = workload.LAST_USER_TEXT.encode()
USAGE = b'"usage":{"prompt_tokens":6,"completion_tokens":6,"total_tokens":12}}'

# What the echo executor answers for the benchmark prompt, in the same shape and size, so
# the bare route writes a comparable response body.
BARE_COMPLETION = (
    b'{"id":"chatcmpl-bare","object":"chat.completion","created":1700000000,'
    b'"model":"example-echo-c","choices":[{"index":0,"message":{"role":"assistant",'
    b'"content":"' + TEXT + b'"},"finish_reason":"stop"}],' + USAGE
)


async def bare_post(request: Request) -> Response:
    """Reads the body (the proxy route does too) and answers a fixed completion."""
    await request.body()
    return Response(BARE_COMPLETION, media_type="application/json")


async def bare_get(request: Request) -> Response:
    """The same answer without a request body: the floor of the floor."""
    return Response(BARE_COMPLETION, media_type="application/json")


def _stream_frames() -> list[bytes]:
    """The SSE frames the echo executor streams for the benchmark prompt: one chunk per
    word, a finish chunk with usage, then [DONE]."""
    head = (b'{"id":"chatcmpl-bare","object":"chat.completion.chunk","created":1700000000,'
            b'"model":"example-echo-c","choices":[{"index":0,"delta":')
    words = TEXT.split()
    frames = [head + b'{"role":"assistant","content":"' + words[0] + b'"},"finish_reason":null}]}']
    frames += [head + b'{"content":" ' + w + b'"},"finish_reason":null}]}' for w in words[1:]]
    frames.append(head + b'{},"finish_reason":"stop"}],' + USAGE)
    return [b"data: " + f + b"\n\n" for f in frames] + [b"data: [DONE]\n\n"]


STREAM_FRAMES = _stream_frames()


async def _frames() -> AsyncIterator[bytes]:
    for frame in STREAM_FRAMES:
        yield frame


async def bare_stream(request: Request) -> Response:
    """The streaming floor: same frame count and sizes as the echo stream, written one
    frame per body message like the proxy's SSE writer, with the proxy's SSE headers."""
    await request.body()
    return StreamingResponse(_frames(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


BARE_ROUTES = [
    Route("/bench/bare", bare_post, methods=["POST"]),
    Route("/bench/bare", bare_get, methods=["GET"]),
    Route("/bench/bare-stream", bare_stream, methods=["POST"]),
]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int, help="loopback port to listen on")
    parser.add_argument("--config", default=str(ROOT / "config.yaml"),
                        help="proxy config (default: the repository's config.yaml)")
    parser.add_argument("--profile", metavar="FILE", default=None,
                        help="cProfile the event-loop thread and write pstats to FILE on exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Loads the config like the CLI does, pins host/port/api-keys, and serves."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    config = config_module.load(args.config)
    config = dataclasses.replace(config, host="127.0.0.1", port=args.port, api_keys=())
    runtime = Runtime(config)
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(runtime, extra_routes=BARE_ROUTES))
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
