"""One plugin RPC round trip through the Python host, layer by layer.

The C harness (bench/harness/rpc_harness.c) is the floor: what the plugin itself costs. Each
row here adds one layer of the real request path, so the difference between two rows is the
cost of that layer:

* loader: `NativeLibrary.call`, raw bytes in and out (cffi call, response copy, free_buffer,
  the in-flight accounting);
* codec: the request encoded with `codec.encode(EXECUTOR_REQUEST, ...)` and the reply
  decoded with `envelope.decode_reply(..., EXECUTOR_RESPONSE)`, on the calling thread;
* pool hop: the same, but the call runs on the native worker pool through
  `CallRunner.call` and the reply is decoded on the loop, awaited from asyncio one at a
  time (the latency a request sees);
* executor.execute: the plugin layer the HTTP route calls (scope open/close, health
  counters, `Plugin.call`), one at a time;
* pool, N in flight: `executor.execute` with N concurrent calls, amortised per call (the
  throughput the worker pool sustains on this machine, not a latency).

Every figure is per call, over `repeats` runs of `calls` calls; the minimum of the repeats is
the headline (the least disturbed run), the median is printed beside it.

Usage: python bench/rpc_python.py [--calls N] [--repeats R] [--concurrency C] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import workload  # bench/ is on sys.path: this file is run as a script

from proxy import config as config_module
from proxy.plugins import codec, envelope, executor, schema
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent

PLUGIN_ID = "executor-c"
DEFAULT_PLUGIN = ROOT / "examples" / "plugin" / "bin" / "executor-c.so"


def config_text(plugin: Path) -> str:
    """A config with just the C echo executor, loaded by path like config.yaml does."""
    return (
        f"plugins:\n  enabled: true\n  configs:\n    {PLUGIN_ID}:\n"
        f"      enabled: true\n      path: {json.dumps(str(plugin))}\n"
    )


@dataclass(frozen=True)
class Timing:
    """Per-call nanoseconds over the repeats."""

    key: str  # stable id for run.py: loader, codec, pool, execute, concurrent
    name: str
    min_ns: float
    median_ns: float
    calls: int
    repeats: int


def time_sync(key: str, name: str, fn: Callable[[], object], calls: int, repeats: int) -> Timing:
    """Runs `fn` calls x repeats times after a short warm-up."""
    for _ in range(calls // 10 + 1):
        fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter_ns() - start) / calls)
    return Timing(key, name, min(runs), statistics.median(runs), calls, repeats)


async def time_async(
    key: str,
    name: str,
    fn: Callable[[], Awaitable[object]],
    calls: int,
    repeats: int,
    concurrency: int = 1,
) -> Timing:
    """Like time_sync for coroutines; with `concurrency` > 1, that many run at once and the
    figure is wall time divided by calls (throughput, not latency)."""

    async def batch(n: int) -> None:
        if concurrency == 1:
            for _ in range(n):
                await fn()
            return
        for start in range(0, n, concurrency):
            await asyncio.gather(*(fn() for _ in range(min(concurrency, n - start))))

    await batch(calls // 10 + 1)
    runs = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        await batch(calls)
        runs.append((time.perf_counter_ns() - start) / calls)
    return Timing(key, name, min(runs), statistics.median(runs), calls, repeats)


def start_runtime(plugin_path: Path) -> tuple[Runtime, Plugin]:
    """A Runtime with just the C echo executor, loaded and registered the production way."""
    config = config_module.parse(config_text(plugin_path), source=ROOT / "bench-rpc.yaml")
    runtime = Runtime(config)
    runtime.apply(config)
    plugin = runtime.current.snapshot.get(PLUGIN_ID)
    if plugin is None or plugin.library is None or not plugin.active:
        raise SystemExit(f"{PLUGIN_ID} did not load: {plugin.error if plugin else 'missing'}")
    return runtime, plugin


def measure(plugin_path: Path, calls: int, repeats: int, concurrency: int) -> list[Timing]:
    """Every row, in the order of the module docstring."""
    runtime, plugin = start_runtime(plugin_path)
    library = plugin.library
    assert library is not None
    method = Method.EXECUTOR_EXECUTE.value
    request = workload.executor_request()
    raw = workload.executor_request_bytes("1")
    _check(library.call(method, raw).data)

    def loader() -> object:
        return library.call(method, raw)

    def with_codec() -> object:
        body = codec.encode(schema.EXECUTOR_REQUEST, request, {"host_callback_id": "1"})
        return envelope.decode_reply(method, library.call(method, body), schema.EXECUTOR_RESPONSE)

    async def pool_hop() -> object:
        body = codec.encode(schema.EXECUTOR_REQUEST, request, {"host_callback_id": "1"})
        reply = await runtime.runner.call("bench", library, method, body)
        return envelope.decode_reply(method, reply, schema.EXECUTOR_RESPONSE)

    async def execute() -> object:
        return await executor.execute(plugin, request, runtime.scopes, "bench")

    async def async_rows() -> list[Timing]:
        return [
            await time_async(
                "pool", "+ pool hop (CallRunner.call from asyncio)", pool_hop, calls, repeats
            ),
            await time_async(
                "execute", "executor.execute (Plugin.call, scopes)", execute, calls, repeats
            ),
            await time_async(
                "concurrent",
                f"executor.execute, {concurrency} in flight (amortised)",
                execute,
                calls,
                repeats,
                concurrency,
            ),
        ]

    try:
        rows = [
            time_sync("loader", "loader (NativeLibrary.call, raw bytes)", loader, calls, repeats),
            time_sync(
                "codec", "+ codec (codec.encode, envelope.decode_reply)", with_codec, calls, repeats
            ),
        ]
        rows += asyncio.run(async_rows())
    finally:
        runtime.shutdown()
    return rows


def _check(reply: bytes) -> None:
    """The benchmark is meaningless if the plugin answers an error."""
    if not reply.startswith(b'{"ok":true'):
        raise SystemExit(f"executor.execute did not succeed: {reply[:200]!r}")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--plugin",
        type=Path,
        default=DEFAULT_PLUGIN,
        help="the C echo executor library (default: examples/plugin/bin)",
    )
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--json", action="store_true", help="one JSON list on stdout")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    rows = measure(args.plugin, args.calls, args.repeats, args.concurrency)
    if args.json:
        print(json.dumps([asdict(r) for r in rows]))
    else:
        for row in rows:
            print(
                f"{row.name:55s} min {row.min_ns / 1000:8.2f} us  "
                f"median {row.median_ns / 1000:8.2f} us"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
