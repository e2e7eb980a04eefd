"""`make bench`: HTTP load against the real proxy and its bare-route floor, the plugin RPC
micro-benchmark, and the proxy in front of a mock upstream against the client straight to
the mock, then one report on stdout and in docs/benchmarks.md.

Three targets from the issues are checked:

* HTTP: the proxy path serves at least 70% of the requests/s of a bare Starlette route on
  the same server (same process, Hypercorn config and middleware), for each load tool;
* RPC: one plugin RPC through the Python loader costs at most 2x the same call from C;
* upstream: the proxy adds at most 1 ms at p50 to a sequential request (bench/upstream.py).

Everything targets 127.0.0.1 only, and every step is bounded: load runs last `--duration`
seconds each (after a `--warmup` run), the micro-benchmarks a fixed number of calls. The
plugins and config.yaml are copied to a temp dir first (same relative paths, so the same
config), then the micro-benchmarks run while nothing else is running, then one server
serves every load run and is stopped at the end whatever happens; the upstream part then
starts its own mock and proxy, and stops them the same way. A missed target is
reported, not an error; the exit status is 1 only when a run itself failed (errors, a tool
that crashed).

Usage: python bench/run.py [--quick] [--duration S] [--warmup S] [--connections N]
       [--h2-streams M] [--client-threads T] [--rounds K] [--calls N] [--repeats R]
       [--quiet-wait S] [--only PART ...] [--doc PATH | --no-doc]
Environment defaults: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_H2_STREAMS,
BENCH_CLIENT_THREADS, BENCH_ROUNDS, BENCH_RPC_CALLS, BENCH_RPC_REPEATS, BENCH_QUIET_WAIT.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import loadgen
import report
import upstream
import workload
from loadgen import LoadShape, log

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PLUGIN_DIR = Path("examples") / "plugin" / "bin"
C_PLUGIN = "executor-c.so"
DOC = ROOT / "docs" / "benchmarks.md"
PARTS = ("rpc", "http", "upstream")  # in the order they run


@dataclass(frozen=True)
class Settings:
    shape: LoadShape
    calls: int
    repeats: int
    doc: Path | None
    quiet_wait: float
    parts: tuple[str, ...]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 2 s loads, 1 round, 1000 RPC calls, no doc"
    )
    parser.add_argument(
        "--duration", type=float, help="whole seconds per load run (default 6, --quick 2)"
    )
    parser.add_argument(
        "--warmup", type=float, help="seconds of the discarded warm-up run before each (1; 0: none)"
    )
    parser.add_argument("--connections", type=int, help="connections per load run (64)")
    parser.add_argument("--h2-streams", type=int, help="h2load -m: streams per connection (1)")
    parser.add_argument("--client-threads", type=int, help="h2load -t and wrk -t (1)")
    parser.add_argument("--rounds", type=int, help="runs per target, best kept (2, --quick 1)")
    parser.add_argument("--calls", type=int, help="RPC calls per repeat (10000, --quick 1000)")
    parser.add_argument("--repeats", type=int, help="RPC repeats (5, --quick 3)")
    parser.add_argument(
        "--doc", type=Path, help=f"results file (default {DOC.relative_to(ROOT)}; --quick: none)"
    )
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        metavar="PART",
        help=f"run only these parts ({', '.join(PARTS)}); the doc is then "
        "left alone unless --doc is given",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="wait up to this many seconds for other processes to leave the "
        "CPUs alone before starting (60, --quick 10; 0: do not wait)",
    )
    return parser.parse_args(argv)


def parse_settings(argv: list[str] | None) -> Settings:
    """Flags beat environment variables beat the defaults; --quick changes the defaults."""
    args = _arguments(argv)

    def pick(flag: float | None, env: str, full: float, quick: float) -> float:
        if flag is not None:
            return flag
        value = os.environ.get(env)
        return float(value) if value else (quick if args.quick else full)

    shape = LoadShape(
        duration=pick(args.duration, "BENCH_DURATION", 6, 2),
        warmup=pick(args.warmup, "BENCH_WARMUP", 1, 1),
        connections=int(pick(args.connections, "BENCH_CONNECTIONS", 64, 64)),
        h2_streams=int(pick(args.h2_streams, "BENCH_H2_STREAMS", 1, 1)),
        client_threads=int(pick(args.client_threads, "BENCH_CLIENT_THREADS", 1, 1)),
        rounds=int(pick(args.rounds, "BENCH_ROUNDS", 2, 1)),
    )
    parts = tuple(part for part in PARTS if part in (args.only or PARTS))
    partial = args.quick or len(parts) < len(PARTS)  # never overwrites the full report
    doc = None if args.no_doc else (args.doc or (None if partial else DOC))
    return Settings(
        shape=shape,
        calls=int(pick(args.calls, "BENCH_RPC_CALLS", 10_000, 1_000)),
        repeats=int(pick(args.repeats, "BENCH_RPC_REPEATS", 5, 3)),
        doc=doc,
        quiet_wait=pick(args.quiet_wait, "BENCH_QUIET_WAIT", 60, 10),
        parts=parts,
    )


def wait_for_quiet(limit: float, threshold: float = report.NOISY_CPUS) -> None:
    """Other processes on a small machine skew every number; give them a chance to finish.
    Proceeds after `limit` seconds anyway (the report then flags the noisy runs)."""
    deadline = time.monotonic() + limit
    while True:
        before = loadgen.machine_busy_seconds()
        time.sleep(1.0)
        busy = loadgen.machine_busy_seconds() - before
        if busy <= threshold:
            return
        if time.monotonic() >= deadline:
            log(f"other processes keep {busy:.2f} CPUs busy; measuring anyway")
            return
        log(f"other processes keep {busy:.2f} CPUs busy; waiting for quiet")
        time.sleep(4.0)


def snapshot_plugins(workdir: Path) -> Path:
    """Copies config.yaml and the example plugins into the temp dir at the same relative
    paths, and returns the copied config: the configuration is byte for byte the default
    one, but a `make plugins` running meanwhile (it rewrites the Rust library in place)
    cannot change or crash a library the benchmark has mapped."""
    shutil.copytree(ROOT / PLUGIN_DIR, workdir / PLUGIN_DIR)
    config = workdir / "config.yaml"
    shutil.copyfile(ROOT / "config.yaml", config)
    return config


def compile_harness(workdir: Path) -> Path:
    """Builds the C harness into the temp dir (no binary is committed)."""
    binary = workdir / "rpc_harness"
    subprocess.run(
        [
            os.environ.get("CC", "cc"),
            "-O2",
            "-I",
            str(ROOT / "abi" / "include"),
            "-o",
            str(binary),
            str(BENCH / "harness" / "rpc_harness.c"),
            "-ldl",
        ],
        check=True,
        timeout=120,
    )
    return binary


def run_rpc(settings: Settings, workdir: Path) -> list[report.RpcRow]:
    """The C floor, then the Python layers, each in a fresh process of its own."""
    plugin = workdir / PLUGIN_DIR / C_PLUGIN
    request_file = workdir / "executor-request.json"
    request_file.write_bytes(workload.executor_request_bytes("1"))
    harness = compile_harness(workdir)
    log(f"RPC: C harness, {settings.calls} calls x {settings.repeats}")
    done = subprocess.run(
        [
            str(harness),
            str(plugin),
            str(request_file),
            "executor.execute",
            str(settings.calls),
            str(settings.repeats),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    c = json.loads(done.stdout)
    rows = [
        report.RpcRow(
            "c", "C harness (dlopen, call, free_buffer)", c["min_ns"] / 1000, c["median_ns"] / 1000
        )
    ]
    log("RPC: Python layers (rpc_python.py)")
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "rpc_python.py"),
            "--json",
            "--plugin",
            str(plugin),
            "--calls",
            str(settings.calls),
            "--repeats",
            str(settings.repeats),
            "--concurrency",
            str(settings.shape.connections),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        cwd=ROOT,
    )
    rows += [
        report.RpcRow(item["key"], item["name"], item["min_ns"] / 1000, item["median_ns"] / 1000)
        for item in json.loads(done.stdout)
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    settings = parse_settings(argv)
    parts = settings.parts
    needs_plugins = "rpc" in parts or "http" in parts
    if needs_plugins and not (ROOT / PLUGIN_DIR / C_PLUGIN).is_file():
        raise SystemExit(f"{PLUGIN_DIR / C_PLUGIN} is missing: run `make plugins` first")
    started = time.monotonic()
    wait_for_quiet(settings.quiet_wait)
    rpc = results = upstream_rows = None
    with tempfile.TemporaryDirectory(prefix="cliproxy-bench-") as tmp:
        workdir = Path(tmp)
        config = snapshot_plugins(workdir) if needs_plugins else None
        if "rpc" in parts:
            rpc = run_rpc(settings, workdir)
        if "http" in parts and config is not None:
            results = loadgen.run_loads(settings.shape, workdir, config)
        if "upstream" in parts:
            upstream_rows = upstream.run_upstream(settings.shape, workdir)
    text = report.results_text(
        settings.shape, settings.calls, settings.repeats, results, rpc, upstream_rows
    )
    print(text)
    if settings.doc is not None:
        settings.doc.parent.mkdir(parents=True, exist_ok=True)
        settings.doc.write_text(report.preamble(settings.shape.connections) + "\n" + text)
        log(f"wrote {settings.doc}")
    log(f"done in {time.monotonic() - started:.0f} s")
    return 1 if _failed(results or [], upstream_rows or []) else 0


def _failed(results: list[loadgen.LoadResult], rows: list[upstream.UpstreamRow]) -> bool:
    """A run itself failed (a tool crashed, errors or wrong answers): exit status 1."""
    loads = results + [r for row in rows for r in (row.direct, row.proxy) if r is not None]
    if any(r.note or r.errors for r in loads):
        log("some load runs failed or had errors: see the errors columns")
        return True
    if any(row.sequential.errors for row in rows):
        log("some sequential upstream requests got a wrong answer")
        return True
    return False


if __name__ == "__main__":
    sys.exit(main())
