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
from proxy.server import run, serve

ROOT = Path(__file__).resolve().parent.parent

BARE_COMPLETION = workload.completion_body()


async def bare_post(request: Request) -> Response:
    """Reads the body (the proxy route does too) and answers a fixed completion."""
    await request.body()
    return Response(BARE_COMPLETION, media_type="application/json")


async def bare_get(request: Request) -> Response:
    """The same answer without a request body: the floor of the floor."""
    return Response(BARE_COMPLETION, media_type="application/json")


STREAM_FRAMES = workload.stream_frames()


async def _frames() -> AsyncIterator[bytes]:
    for frame in STREAM_FRAMES:
        yield frame


async def bare_stream(request: Request) -> Response:
    """The streaming floor: same frame count and sizes as the echo stream, written one
    frame per body message like the proxy's SSE writer, with the proxy's SSE headers."""
    await request.body()
    return StreamingResponse(
        _frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


BARE_ROUTES = [
    Route("/bench/bare", bare_post, methods=["POST"]),
    Route("/bench/bare", bare_get, methods=["GET"]),
    Route("/bench/bare-stream", bare_stream, methods=["POST"]),
]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int, help="loopback port to listen on")
    parser.add_argument(
        "--config",
        default=str(ROOT / "config.yaml"),
        help="proxy config (default: the repository's config.yaml)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        default=None,
        help="cProfile the event-loop thread and write pstats to FILE on exit",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Loads the config like the CLI does, pins host/port/api-keys, and serves."""
    args = _arguments(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )
    config = config_module.load(args.config)
    config = dataclasses.replace(config, host="127.0.0.1", port=args.port, api_keys=())
    runtime = Runtime(config)
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            run(serve(runtime, extra_routes=BARE_ROUTES), config)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
