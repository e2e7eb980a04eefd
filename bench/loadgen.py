"""HTTP load runs: the benchmark server as a subprocess, the targets, and h2load / wrk.

Both tools get the same shape of load (N connections, one request in flight on each) so
their rows are comparable: h2load speaks h2c with prior knowledge (`-m` streams per
connection, 1 by default), wrk HTTP/1.1 keep-alive. Each measured run follows a discarded
warm-up run of the same tool, and the server's CPU time is read around the measured run.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import workload

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"  # the only address anything here ever talks to
TOOLS = ("h2load", "wrk")


@dataclass(frozen=True)
class LoadShape:
    duration: float
    warmup: float
    connections: int
    h2_streams: int
    client_threads: int
    rounds: int  # each target is run this many times; the best run is kept


@dataclass(frozen=True)
class Target:
    """One URL under load: its method (POST when it has a body file), and what a correct
    response contains."""

    key: str
    label: str
    path: str
    body: Path | None
    check: bytes
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
    other_cpu: float | None = None  # CPUs busy with neither server nor load tool (noise)
    note: str = ""  # set when the tool itself failed
    ratio: float | None = None  # req/s over the floor's, same tool


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all CPUs), from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of finished child processes: the load tool, once it has been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuSample:
    """Where the CPU went during one measured run, to tell a cost from a noisy neighbour."""

    server: float
    tool: float
    machine: float
    wall: float

    @classmethod
    def take(cls, server: Endpoint) -> CpuSample:
        return cls(
            server.cpu_seconds(), children_cpu_seconds(), machine_busy_seconds(), time.monotonic()
        )

    def other_cpus(self, start: CpuSample) -> float:
        """Average CPUs busy with something other than the server and the load tool."""
        other = (
            (self.machine - start.machine) - (self.server - start.server) - (self.tool - start.tool)
        )
        return max(0.0, other) / max(self.wall - start.wall, 1e-9)


class Endpoint(Protocol):
    """What a load run needs of the thing under load: where it listens, and the CPU time
    to charge to it (a server process, or several processes in a chain)."""

    def url(self, path: str) -> str: ...

    def cpu_seconds(self) -> float: ...


class Server:
    """A bench/ script serving HTTP as a subprocess on a free loopback port: by default
    bench/serve_bench.py (the proxy); `script` picks another one (the mock upstream). The
    script takes the port first, then `--config FILE` when a config is given, then `args`."""

    def __init__(
        self,
        workdir: Path,
        config: Path | None,
        script: str = "serve_bench.py",
        name: str = "server",
        args: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        argv = [sys.executable, str(BENCH / script), str(self.port)]
        if config is not None:
            argv += ["--config", str(config)]
        argv += args
        self.process = subprocess.Popen(argv, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Polls /healthz; a server that exits or never answers fails the run with its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"benchmark {self.name} did not come up:\n{self.log_path.read_text()}")

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


# ------------------------------------------------------------------------------- targets


def targets(workdir: Path) -> list[Target]:
    """Bare floors first, each proxy target right after the floor it is compared with, so
    the two rows of a ratio are measured back to back."""
    plain = workdir / "chat.json"
    plain.write_bytes(workload.chat_body(stream=False))
    streaming = workdir / "chat-stream.json"
    streaming.write_bytes(workload.chat_body(stream=True))
    return [
        Target("bare-get", "bare route, GET", "/bench/bare", None, b"chat.completion"),
        Target("bare", "bare route, POST", "/bench/bare", plain, b"chat.completion"),
        Target(
            "proxy",
            "proxy, C echo, non-stream",
            "/v1/chat/completions",
            plain,
            b'"content":"' + workload.LAST_USER_TEXT.encode() + b'"',
            floor="bare",
        ),
        Target(
            "bare-stream", "bare route, POST, SSE", "/bench/bare-stream", plain, b"data: [DONE]"
        ),
        Target(
            "proxy-stream",
            "proxy, C echo, stream",
            "/v1/chat/completions",
            streaming,
            b"data: [DONE]",
            floor="bare-stream",
        ),
    ]


def check_target(server: Endpoint, target: Target) -> None:
    """One request before the load: a 4xx/5xx under load would measure the error path."""
    data = target.body.read_bytes() if target.body else None
    request = urllib.request.Request(
        server.url(target.path), data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        body = reply.read()
    if target.check not in body:
        raise SystemExit(f"{target.label}: unexpected response {body[:300]!r}")


# ------------------------------------------------------------------------------- tools


def _whole_seconds(seconds: float) -> int:
    """Both tools take whole seconds (wrk has no sub-second unit); at least one."""
    return max(1, round(seconds))


def wrk_script(workdir: Path, target: Target) -> Path:
    """A wrk Lua script that POSTs the body file (or a plain GET without one)."""
    script = workdir / f"{target.key}.lua"
    if target.body is None:
        script.write_text('wrk.method = "GET"\n')
    else:
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'local f = assert(io.open("{target.body}", "rb"))\n'
            'wrk.body = f:read("*a")\n'
            "f:close()\n"
        )
    return script


def h2load_argv(
    shape: LoadShape, url: str, target: Target, seconds: float, log_file: Path | None
) -> list[str]:
    argv = [
        "h2load",
        "-c",
        str(shape.connections),
        "-m",
        str(shape.h2_streams),
        "-t",
        str(shape.client_threads),
        "-D",
        str(_whole_seconds(seconds)),
        "-H",
        "content-type: application/json",
    ]
    if target.body is not None:
        argv += ["-d", str(target.body)]
    if log_file is not None:
        argv.append(f"--log-file={log_file}")
    return [*argv, url]


def wrk_argv(shape: LoadShape, url: str, seconds: float, script: Path) -> list[str]:
    return [
        "wrk",
        "-t",
        str(shape.client_threads),
        "-c",
        str(shape.connections),
        "-d",
        f"{_whole_seconds(seconds)}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an unsorted list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _counts(text: str) -> dict[str, int]:
    """`12 total, 3 failed` -> {"total": 12, "failed": 3}."""
    pairs = (part.strip().split(" ", 1) for part in text.split(","))
    return {name: int(number) for number, name in pairs}


def parse_h2load(output: str, log_file: Path, result: LoadResult) -> None:
    """req/s and counts from the summary; p50/p99 from the per-request log file (h2load's
    summary has only min/max/mean/sd)."""
    for line in (raw.strip() for raw in output.splitlines()):
        if line.startswith("finished in"):
            result.rps = float(line.split(",")[1].split()[0])
        elif line.startswith("requests:"):
            counts = _counts(line[len("requests:") :])
            result.requests = counts["succeeded"]
            result.errors += counts["failed"] + counts["errored"] + counts["timeout"]
        elif line.startswith("status codes:"):
            codes = _counts(line[len("status codes:") :])
            result.errors += sum(n for status, n in codes.items() if status != "2xx")
    rows = log_file.read_text().splitlines() if log_file.is_file() else []
    latencies = [int(row.split("\t")[2]) / 1000 for row in rows if row.count("\t") >= 2]
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


# ------------------------------------------------------------------------------- runs


def run_load(
    shape: LoadShape, server: Endpoint, tool: str, target: Target, workdir: Path
) -> LoadResult:
    """Warm-up run (discarded), then the measured run with the server's CPU time around it."""
    result = LoadResult(tool, target)
    url = server.url(target.path)
    log_file = workdir / f"{tool}-{target.key}.log"
    script = wrk_script(workdir, target) if tool == "wrk" else None

    def argv(seconds: float, measured: bool) -> list[str]:
        if script is not None:
            return wrk_argv(shape, url, seconds, script)
        return h2load_argv(shape, url, target, seconds, log_file if measured else None)

    limit = shape.duration + shape.warmup + 60
    if shape.warmup > 0:
        subprocess.run(argv(shape.warmup, False), capture_output=True, timeout=limit, check=False)
    before = CpuSample.take(server)
    done = subprocess.run(
        argv(shape.duration, True), capture_output=True, text=True, timeout=limit, check=False
    )
    after = CpuSample.take(server)
    result.other_cpu = after.other_cpus(before)
    if done.returncode != 0:
        result.note = f"{tool} exited {done.returncode}: {done.stderr.strip()[:200]}"
        return result
    if script is not None:
        parse_wrk(done.stdout, result)
    else:
        parse_h2load(done.stdout, log_file, result)
    if result.requests:
        result.cpu_us_per_request = (after.server - before.server) / result.requests * 1e6
    return result


def run_loads(shape: LoadShape, workdir: Path, config: Path) -> list[LoadResult]:
    """Every tool against every target on one server, which is stopped whatever happens."""
    tools = [tool for tool in TOOLS if shutil.which(tool)]
    for missing in sorted(set(TOOLS) - set(tools)):
        log(f"{missing} not found: its rows are skipped (make bench installs it)")
    if not tools:
        return []
    load_targets = targets(workdir)
    server = Server(workdir, config)
    results: list[LoadResult] = []
    try:
        server.wait_ready()
        for target in load_targets:
            check_target(server, target)
        for tool in tools:
            results += run_rounds(shape, tool, [(server, t) for t in load_targets], workdir)
    finally:
        server.stop()
    fill_ratios(results)
    return results


def run_rounds(
    shape: LoadShape, tool: str, runs: list[tuple[Endpoint, Target]], workdir: Path
) -> list[LoadResult]:
    """Every (endpoint, target) once per round, in the given order (so the two rows of a
    ratio are measured back to back in every round), and the best round of each."""
    done: list[LoadResult] = []
    for round_number in range(1, shape.rounds + 1):
        for endpoint, target in runs:
            log(
                f"{tool}: {target.label} ({_whole_seconds(shape.duration)} s, "
                f"round {round_number}/{shape.rounds})"
            )
            done.append(run_load(shape, endpoint, tool, target, workdir))
    return [_best(done, target) for _, target in runs]


def _best(runs: list[LoadResult], target: Target) -> LoadResult:
    """The target's run with the most req/s: the least disturbed one, as min-of-repeats is
    for timings. A failed run wins, so that failures are never hidden."""
    mine = [r for r in runs if r.target is target]
    failed = [r for r in mine if r.note or r.errors]
    return failed[0] if failed else max(mine, key=lambda r: r.rps)


def fill_ratios(results: list[LoadResult]) -> None:
    """Sets each row's req/s ratio over the row of its `floor` target, same tool."""
    by_key = {(r.tool, r.target.key): r for r in results}
    for result in results:
        floor = by_key.get((result.tool, result.target.floor or ""))
        if floor is not None and floor.rps > 0 and result.rps > 0:
            result.ratio = result.rps / floor.rps
