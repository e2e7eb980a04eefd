"""`make bench`: HTTP load against the real proxy and its bare-route floor, plus the plugin
RPC micro-benchmark, then one table on stdout and in docs/benchmarks.md.

Two targets from the issue are checked:

* HTTP: the proxy path serves at least 70% of the requests/s of a bare Starlette route on
  the same server (same process, Hypercorn config and middleware), for each load tool;
* RPC: one plugin RPC through the Python loader costs at most 2x the same call from C.

Everything targets 127.0.0.1 only, and every step is bounded: load runs last `--duration`
seconds each (after `--warmup`), the micro-benchmarks a fixed number of calls. Order: the
micro-benchmarks first (nothing else running), then one server for all load runs.

Usage: python bench/run.py [--quick] [--duration S] [--warmup S] [--connections N]
       [--h2-streams M] [--calls N] [--repeats R] [--doc PATH | --no-doc]
Environment defaults: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_H2_STREAMS,
BENCH_CLIENT_THREADS, BENCH_RPC_CALLS, BENCH_RPC_REPEATS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import workload  # bench/ is on sys.path: this file is run as a script

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PLUGIN = ROOT / "examples" / "plugin" / "bin" / "executor-c.so"
DOC = ROOT / "docs" / "benchmarks.md"
HOST = "127.0.0.1"
HTTP_TARGET = 0.70  # proxy req/s / bare req/s, at least
RPC_TARGET = 2.0  # Python loader / C harness, at most


# ------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    duration: float
    warmup: float
    connections: int
    h2_streams: int
    client_threads: int
    calls: int
    repeats: int
    doc: Path | None
    quick: bool


def _env(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def parse_settings(argv: list[str] | None) -> Settings:
    """Flags beat environment variables beat the defaults; --quick only changes defaults."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 s loads, few RPC calls, docs not rewritten")
    parser.add_argument("--duration", type=float,
                        help="whole seconds per load run (default 8, --quick 2)")
    parser.add_argument("--warmup", type=float,
                        help="seconds of discarded warm-up before each run (1; 0 for none)")
    parser.add_argument("--connections", type=int, help="connections per load run (64)")
    parser.add_argument("--h2-streams", type=int, help="h2load -m, streams per connection (1)")
    parser.add_argument("--client-threads", type=int, help="h2load -t / wrk -t (1)")
    parser.add_argument("--calls", type=int, help="RPC calls per repeat (10000)")
    parser.add_argument("--repeats", type=int, help="RPC repeats (5)")
    parser.add_argument("--doc", type=Path, help=f"results file (default {DOC.relative_to(ROOT)})")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    args = parser.parse_args(argv)
    quick = args.quick

    def pick(flag: float | None, env: str, full: float, smoke: float) -> float:
        return flag if flag is not None else _env(env, smoke if quick else full)

    doc = None if args.no_doc else (args.doc or (None if quick else DOC))
    return Settings(
        duration=pick(args.duration, "BENCH_DURATION", 8.0, 2.0),
        warmup=pick(args.warmup, "BENCH_WARMUP", 1.0, 1.0),
        connections=int(pick(args.connections, "BENCH_CONNECTIONS", 64, 64)),
        h2_streams=int(pick(args.h2_streams, "BENCH_H2_STREAMS", 1, 1)),
        client_threads=int(pick(args.client_threads, "BENCH_CLIENT_THREADS", 1, 1)),
        calls=int(pick(args.calls, "BENCH_RPC_CALLS", 10_000, 1_000)),
        repeats=int(pick(args.repeats, "BENCH_RPC_REPEATS", 5, 3)),
        doc=doc,
        quick=quick,
    )


# ------------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def command_output(argv: list[str]) -> str:
    """First line of a version command, or a note; never fails the run."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not available"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an unsorted list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------- RPC


@dataclass(frozen=True)
class RpcRow:
    name: str
    min_us: float
    median_us: float


def compile_harness(workdir: Path) -> Path:
    """Builds the C harness into the temp dir (no binary is committed)."""
    binary = workdir / "rpc_harness"
    compiler = os.environ.get("CC", "cc")
    subprocess.run(
        [compiler, "-O2", "-I", str(ROOT / "abi" / "include"), "-o", str(binary),
         str(BENCH / "harness" / "rpc_harness.c"), "-ldl"],
        check=True, timeout=120,
    )
    return binary


def run_rpc(settings: Settings, workdir: Path) -> list[RpcRow]:
    """The C floor, then the Python layers, each in its own fresh process."""
    request_file = workdir / "executor-request.json"
    request_file.write_bytes(workload.executor_request_bytes("1"))
    harness = compile_harness(workdir)
    log(f"RPC: C harness, {settings.calls} calls x {settings.repeats}")
    done = subprocess.run(
        [str(harness), str(PLUGIN), str(request_file), "executor.execute",
         str(settings.calls), str(settings.repeats)],
        capture_output=True, text=True, check=True, timeout=300,
    )
    c = json.loads(done.stdout)
    rows = [RpcRow("C harness (dlopen, call, free_buffer)", c["min_ns"] / 1000,
                   c["median_ns"] / 1000)]
    log("RPC: Python layers")
    done = subprocess.run(
        [sys.executable, str(BENCH / "rpc_python.py"), "--json", "--calls", str(settings.calls),
         "--repeats", str(settings.repeats), "--concurrency", str(settings.connections)],
        capture_output=True, text=True, check=True, timeout=600, cwd=ROOT,
    )
    for item in json.loads(done.stdout):
        rows.append(RpcRow(item["name"], item["min_ns"] / 1000, item["median_ns"] / 1000))
    return rows


# ------------------------------------------------------------------------------- server


class Server:
    """bench/serve_bench.py as a subprocess on a free loopback port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log_path = workdir / "server.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "serve_bench.py"), str(self.port)],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Polls /healthz; a server that exits or never answers fails the run with its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"benchmark server did not come up:\n{self.log_path.read_text()}")

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        """SIGTERM (graceful, as in production), then SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


# ------------------------------------------------------------------------------- load


@dataclass(frozen=True)
class Target:
    """One URL under load: what it is, its method, and the body file for POSTs."""

    key: str
    label: str
    path: str
    body: Path | None
    check: bytes  # a fragment the response must contain
    floor: str | None = None  # key of the bare target this one is compared with


@dataclass
class LoadResult:
    tool: str
    target: Target
    rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    errors: int = 0
    cpu_us_per_request: float | None = None
    note: str = ""
    ratio: float | None = field(default=None)


def targets(workdir: Path) -> list[Target]:
    """Bare floors first, each proxy target right after the floor it is compared with."""
    plain = workdir / "chat.json"
    plain.write_bytes(workload.chat_body(stream=False))
    streaming = workdir / "chat-stream.json"
    streaming.write_bytes(workload.chat_body(stream=True))
    return [
        Target("bare-get", "bare route, GET", "/bench/bare", None, b"chat.completion"),
        Target("bare", "bare route, POST", "/bench/bare", plain, b"chat.completion"),
        Target("proxy", "proxy, C echo, non-stream", "/v1/chat/completions", plain,
               b'"content":"Say hello in one short sentence."', floor="bare"),
        Target("bare-stream", "bare route, POST, SSE", "/bench/bare-stream", plain,
               b"data: [DONE]"),
        Target("proxy-stream", "proxy, C echo, stream", "/v1/chat/completions", streaming,
               b"data: [DONE]", floor="bare-stream"),
    ]


def check_target(server: Server, target: Target) -> None:
    """One request before the load: a 4xx/5xx under load would measure the error path."""
    data = target.body.read_bytes() if target.body else None
    request = urllib.request.Request(server.url(target.path), data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        body = reply.read()
    if target.check not in body:
        raise SystemExit(f"{target.label}: unexpected response {body[:300]!r}")


def wrk_script(workdir: Path, target: Target) -> Path:
    """A wrk Lua script that POSTs the body file (or plain GET without one)."""
    script = workdir / f"{target.key}.lua"
    if target.body is None:
        script.write_text('wrk.method = "GET"\n')
    else:
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'local f = assert(io.open("{target.body}", "rb"))\n'
            "wrk.body = f:read(\"*a\")\n"
            "f:close()\n"
        )
    return script


def _whole_seconds(seconds: float) -> int:
    """Both tools take whole seconds (wrk has no sub-second unit); at least one."""
    return max(1, round(seconds))


def h2load_argv(settings: Settings, server: Server, target: Target, seconds: float,
                log_file: Path | None) -> list[str]:
    argv = ["h2load", "-c", str(settings.connections), "-m", str(settings.h2_streams),
            "-t", str(settings.client_threads), "-D", str(_whole_seconds(seconds)),
            "-H", "content-type: application/json"]
    if target.body is not None:
        argv += ["-d", str(target.body)]
    if log_file is not None:
        argv.append(f"--log-file={log_file}")
    return [*argv, server.url(target.path)]


def wrk_argv(settings: Settings, server: Server, target: Target, seconds: float,
             script: Path) -> list[str]:
    return ["wrk", "-t", str(settings.client_threads), "-c", str(settings.connections),
            "-d", f"{_whole_seconds(seconds)}s", "--latency", "-s", str(script),
            server.url(target.path)]


def parse_h2load(output: str, log_file: Path, result: LoadResult) -> None:
    """req/s and counts from the summary; p50/p99 from the per-request log file (h2load's
    summary has only min/max/mean/sd)."""
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("finished in"):
            result.rps = float(line.split(",")[1].split()[0])
        elif line.startswith("requests:"):
            parts = dict(reversed(p.strip().split(" ", 1)) for p in line[9:].split(","))
            result.requests = int(parts["succeeded"])
            result.errors = int(parts["failed"]) + int(parts["errored"]) + int(parts["timeout"])
        elif line.startswith("status codes:"):
            codes = dict(reversed(p.strip().split(" ", 1)) for p in line[13:].split(","))
            result.errors += sum(int(v) for k, v in codes.items() if k != "2xx")
    latencies = [int(row.split("\t")[2]) / 1000 for row in log_file.read_text().splitlines()
                 if row.count("\t") >= 2]
    if latencies:
        result.p50_ms = percentile(latencies, 0.50)
        result.p99_ms = percentile(latencies, 0.99)


def _wrk_duration_ms(text: str) -> float:
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


def parse_wrk(output: str, result: LoadResult) -> None:
    for line in output.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            result.rps = float(words[1])
        elif "requests in" in line:
            result.requests = int(words[0])
        elif words[:1] == ["50%"]:
            result.p50_ms = _wrk_duration_ms(words[1])
        elif words[:1] == ["99%"]:
            result.p99_ms = _wrk_duration_ms(words[1])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            result.errors += int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            result.errors += sum(int(w.rstrip(",")) for w in words[3::2])


def run_load(settings: Settings, server: Server, tool: str, target: Target,
             workdir: Path) -> LoadResult:
    """Warm-up run (discarded), then the measured run with the server's CPU time around it."""
    result = LoadResult(tool, target)
    log_file = workdir / f"{tool}-{target.key}.log"
    script = wrk_script(workdir, target) if tool == "wrk" else None

    def argv(seconds: float, measured: bool) -> list[str]:
        if script is not None:
            return wrk_argv(settings, server, target, seconds, script)
        return h2load_argv(settings, server, target, seconds, log_file if measured else None)

    limit = settings.duration + settings.warmup + 60
    if settings.warmup > 0:
        subprocess.run(argv(settings.warmup, False), capture_output=True, timeout=limit,
                       check=False)
    cpu_before = server.cpu_seconds()
    done = subprocess.run(argv(settings.duration, True), capture_output=True, text=True,
                          timeout=limit, check=False)
    cpu = server.cpu_seconds() - cpu_before
    if done.returncode != 0:
        result.note = f"{tool} exited {done.returncode}: {done.stderr.strip()[:200]}"
        return result
    if script is not None:
        parse_wrk(done.stdout, result)
    else:
        parse_h2load(done.stdout, log_file, result)
    if result.requests:
        result.cpu_us_per_request = cpu / result.requests * 1e6
    return result


def run_loads(settings: Settings, workdir: Path) -> list[LoadResult]:
    tools = [tool for tool in ("h2load", "wrk") if shutil.which(tool)]
    for missing in {"h2load", "wrk"} - set(tools):
        log(f"{missing} not found: its rows are skipped (make bench installs it)")
    if not tools:
        return []
    load_targets = targets(workdir)
    server = Server(workdir)
    results: list[LoadResult] = []
    try:
        server.wait_ready()
        for target in load_targets:
            check_target(server, target)
        for tool in tools:
            for target in load_targets:
                log(f"{tool}: {target.label} ({settings.duration:g} s)")
                results.append(run_load(settings, server, tool, target, workdir))
    finally:
        server.stop()
    _fill_ratios(results)
    return results


def _fill_ratios(results: list[LoadResult]) -> None:
    by_key = {(r.tool, r.target.key): r for r in results}
    for result in results:
        floor = by_key.get((result.tool, result.target.floor or ""))
        if floor is not None and floor.rps > 0:
            result.ratio = result.rps / floor.rps


# ------------------------------------------------------------------------------- report


def environment(settings: Settings) -> list[tuple[str, str]]:
    """What the numbers depend on, so a later run can be compared honestly."""
    from importlib.metadata import PackageNotFoundError, version

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    uname = platform.uname()
    return [
        ("date", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{uname.system} {uname.release} {uname.version} {uname.machine}"),
        ("CPUs", f"{os.cpu_count()} ({platform.processor() or _cpu_model()})"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", ", ".join(f"{p} {package(p)}" for p in
                               ("hypercorn", "starlette", "h2", "h11", "cffi", "ujson"))),
        ("h2load", command_output(["h2load", "--version"])),
        ("wrk", command_output(["wrk", "-v"]).split(" Copyright")[0]),
        ("cc", command_output([os.environ.get("CC", "cc"), "--version"])),
        ("commit", command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])),
        ("settings", f"{settings.duration:g} s per load run after {settings.warmup:g} s "
                     f"warm-up, {settings.connections} connections, h2load -m "
                     f"{settings.h2_streams}, {settings.client_threads} client thread(s); "
                     f"RPC {settings.calls} calls x {settings.repeats} repeats"),
    ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def load_table(results: list[LoadResult]) -> list[str]:
    lines = ["| tool | target | req/s | p50 ms | p99 ms | server CPU us/req | errors "
             "| vs bare |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        cpu = "n/a" if r.cpu_us_per_request is None else f"{r.cpu_us_per_request:.0f}"
        ratio = "" if r.ratio is None else f"{r.ratio:.0%}"
        rps = f"{r.rps:,.0f}" if not r.note else r.note
        lines.append(f"| {r.tool} | {r.target.label} | {rps} | {_ms(r.p50_ms)} | "
                     f"{_ms(r.p99_ms)} | {cpu} | {r.errors} | {ratio} |")
    return lines


def rpc_table(rows: list[RpcRow]) -> list[str]:
    floor = rows[0].min_us if rows else 0.0
    lines = ["| path (executor.execute, C echo) | min us/call | median us/call | x C (min) |",
             "|---|---:|---:|---:|"]
    for row in rows:
        ratio = f"{row.min_us / floor:.2f}x" if floor else "n/a"
        lines.append(f"| {row.name} | {row.min_us:.2f} | {row.median_us:.2f} | {ratio} |")
    return lines


def verdicts(results: list[LoadResult], rpc: list[RpcRow]) -> list[str]:
    """One line per target check: met or missed, with the number."""
    lines = []
    for r in results:
        if r.ratio is not None:
            verdict = "met" if r.ratio >= HTTP_TARGET else "MISSED"
            lines.append(f"- HTTP, {r.tool}, {r.target.label}: {r.ratio:.0%} of the bare "
                         f"route's req/s (target >= {HTTP_TARGET:.0%}): **{verdict}**")
    if len(rpc) >= 2:
        ratio = rpc[1].min_us / rpc[0].min_us
        verdict = "met" if ratio <= RPC_TARGET else "MISSED"
        lines.append(f"- RPC, Python loader / C harness: {ratio:.2f}x (target <= "
                     f"{RPC_TARGET:g}x): **{verdict}**")
        full = [r for r in rpc if r.name.startswith("executor.execute (")]
        if full:
            lines.append(f"- (for information) the whole plugin layer a request pays, "
                         f"`executor.execute` one at a time: {full[0].min_us / rpc[0].min_us:.2f}x "
                         "the C harness")
    return lines


PREAMBLE = """\
# Benchmarks

Written by `make bench` (`python bench/run.py`); every run rewrites this file. Numbers are
from one machine and one run: compare runs on the same machine only.

**HTTP load.** One proxy process (bench/serve_bench.py) is started exactly as `cliproxy
serve` starts it (`Runtime` + `proxy.server.serve`, the default config.yaml with its three
echo plugins, no API keys, logging at warning), plus bare Starlette routes mounted through
`extra_routes`, so the floor shares the server, event loop, Hypercorn config and CORS
middleware with the proxy path. Rows:

- *bare route, GET*: `GET /bench/bare`, a fixed chat.completion JSON (the server's floor);
- *bare route, POST*: `POST /bench/bare`, reads the chat body, answers the same JSON;
- *proxy, C echo, non-stream*: `POST /v1/chat/completions` for `example-echo-c` (the C
  plugin): parse, resolve, `executor.execute` on the worker pool, response;
- *bare route, POST, SSE*: `POST /bench/bare-stream`, the same 8 SSE frames the echo stream
  produces for this prompt, as a `StreamingResponse`;
- *proxy, C echo, stream*: the same chat request with `"stream": true`
  (`executor.execute_stream`, inline chunks, SSE).

The request is a 4-message chat (bench/workload.py, 341 bytes). h2load speaks h2c with prior
knowledge, wrk HTTP/1.1 keep-alive; both use one client thread and the connection count
below, h2load with one stream per connection (`-m 1`) so both tools keep the same number of
requests in flight. Each run follows a discarded warm-up run. p50/p99 come from wrk's
`--latency` and from h2load's per-request `--log-file`. *server CPU us/req* is the server
process's user+system CPU time (all threads) over the measured run divided by the requests:
on a 2-core machine shared with the load generator it is the better cost measure. *vs bare*
is the proxy row's req/s over its floor's (POST for non-stream, SSE for stream), same tool,
same server.

**RPC micro-benchmark.** One `executor.execute` round trip to the C echo plugin with the
exact request bytes the proxy sends for the chat above (1.4 kB). The C harness
(bench/harness/rpc_harness.c, built with `cc -O2` into a temp dir) dlopens the plugin and
calls it directly; bench/rpc_python.py adds one layer per row: the cffi loader
(`NativeLibrary.call`), the codec (`codec.encode` + `envelope.decode_reply`), the worker
pool hop (`CallRunner.run` awaited from asyncio), and the whole plugin layer
(`executor.execute`). Each figure is per call over repeats of N calls; *min* (least
disturbed repeat) is the headline and the basis of the ratios, *median* is shown beside it.
The last row runs many calls at once and divides wall time by calls: pool throughput, not
latency.

Reproduce: `make bench` (installs h2load and wrk if missing). Shorter or longer:
`BENCH_DURATION=5 make bench`, or `.venv/bin/python bench/run.py --help`;
`python bench/run.py --quick` is a smoke run that does not rewrite this file.
"""


def report(settings: Settings, results: list[LoadResult], rpc: list[RpcRow]) -> str:
    env = [f"- {name}: {value}" for name, value in environment(settings)]
    parts = [PREAMBLE, "## Environment", "", *env, "", "## HTTP load", "",
             *load_table(results), "", "## Plugin RPC round trip", "", *rpc_table(rpc), "",
             "## Targets", "", *verdicts(results, rpc), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    settings = parse_settings(argv)
    if not PLUGIN.is_file():
        raise SystemExit(f"{PLUGIN} is missing: run `make plugins` first")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cliproxy-bench-") as tmp:
        workdir = Path(tmp)
        rpc = run_rpc(settings, workdir)
        results = run_loads(settings, workdir)
    text = report(settings, results, rpc)
    tables = text[len(PREAMBLE):]
    print(tables)
    if settings.doc is not None:
        settings.doc.parent.mkdir(parents=True, exist_ok=True)
        settings.doc.write_text(text)
        log(f"wrote {settings.doc}")
    log(f"done in {time.monotonic() - started:.0f} s")
    failed = [r for r in results if r.note or r.errors]
    if failed:
        log("some load runs had errors; see the errors column")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
