"""Proxy -> upstream: what the proxy adds in front of an OpenAI chat-completions upstream.

Two paths to the same mock upstream (bench/mock_upstream.py, its own process) are
compared in one run: the client straight to the mock, and the client to the proxy
(bench/serve_bench.py with only an `openai-compatibility` provider pointing at the mock),
which forwards to the mock. The mock's cost is on both paths, so the difference is the
proxy's. Cases: an OpenAI chat client (no translation), a Claude Messages client
(translated to chat and the answer back), and an OpenAI chat client streaming (SSE through
the proxy's stream path, for information). The direct path always sends the chat body.

* Sequential: one keep-alive connection per path, one request at a time, the two paths
  interleaved in blocks so that machine noise hits both alike; p50/p99 of each, and the
  added latency (proxy - direct). The client is Python's http.client: its own cost is the
  same on both paths and cancels out of the difference.
* 64 connections: wrk (HTTP/1.1 keep-alive; the mock speaks nothing else) against each
  path through loadgen's runs, rounds interleaved, best kept; the ratio is proxy / direct.

`make bench` runs this through bench/run.py (`--only upstream` for this part alone). Run
as a script, it measures one case against a proxy under cProfile, to see where the added
time goes: python bench/upstream.py [--case chat] [--connections 0] [--profile FILE]
(0 connections: sequential; read the stats with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import loadgen
import workload
from loadgen import HOST, LoadResult, LoadShape, Server, Target, log

MODEL = "m"  # alias and upstream name alike
DIRECT_PATH = "/v1/chat/completions"
BLOCK = 10  # requests per path per interleaved block
TOOL = "wrk"
ADDED_TARGET_MS = 1.0  # at most this much added at p50, sequential (non-stream cases)
ANSWER = b'"Say hello in one short sentence."'


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    path: str  # on the proxy
    body: bytes  # what the client sends the proxy
    direct_body: bytes  # what it sends the mock
    check: bytes  # in every correct answer of the proxy
    targeted: bool = True  # does the added-latency target apply


def cases() -> list[Case]:
    chat = workload.chat_body(model=MODEL)
    stream = workload.chat_body(stream=True, model=MODEL)
    return [
        Case(
            "chat",
            "OpenAI chat -> OpenAI upstream",
            DIRECT_PATH,
            chat,
            chat,
            b'"content":' + ANSWER,
        ),
        Case(
            "claude",
            "Claude client -> OpenAI upstream",
            "/v1/messages",
            workload.claude_body(MODEL),
            chat,
            b'"text":' + ANSWER,
        ),
        Case(
            "chat-stream",
            "OpenAI chat, stream",
            DIRECT_PATH,
            stream,
            stream,
            b"data: [DONE]",
            targeted=False,
        ),
    ]


@dataclass
class Sequential:
    """Per-request latencies of the two paths, measured interleaved."""

    direct_ms: list[float]
    proxy_ms: list[float]
    errors: int
    other_cpu: float  # CPUs busy with neither client, proxy nor mock (noise)

    def p(self, side: str, fraction: float) -> float | None:
        values = self.direct_ms if side == "direct" else self.proxy_ms
        return loadgen.percentile(values, fraction) if values else None

    def added(self, fraction: float) -> float | None:
        proxy, direct = self.p("proxy", fraction), self.p("direct", fraction)
        return None if proxy is None or direct is None else proxy - direct


@dataclass
class UpstreamRow:
    case: Case
    sequential: Sequential
    direct: LoadResult | None = None  # 64 connections; None without wrk
    proxy: LoadResult | None = None

    @property
    def proxy_cpu_us(self) -> float | None:
        """The proxy's CPU time per request under load: the proxy run charges proxy + mock,
        the direct run the mock alone."""
        direct = self.direct.cpu_us_per_request if self.direct else None
        proxy = self.proxy.cpu_us_per_request if self.proxy else None
        return None if direct is None or proxy is None else proxy - direct


@dataclass(frozen=True)
class Chain:
    """The proxy as a load endpoint: requests go to the proxy, and the CPU time of the
    proxy and the mock behind it is charged to the run (so that the mock's work does not
    count as noise from other processes)."""

    front: Server
    behind: Server

    def url(self, path: str) -> str:
        return self.front.url(path)

    def cpu_seconds(self) -> float:
        return self.front.cpu_seconds() + self.behind.cpu_seconds()


# ------------------------------------------------------------------------------- processes


def write_config(workdir: Path, mock: Server) -> Path:
    """The proxy's config: the mock as its only upstream, no plugins, no client keys."""
    config = workdir / "upstream-config.yaml"
    config.write_text(
        "host: 127.0.0.1\n"
        "port: 8317\n"
        "api-keys: []\n"
        "openai-compatibility:\n"
        "  - name: mock\n"
        f"    base-url: http://{HOST}:{mock.port}/v1\n"
        "    api-key-entries:\n"
        "      - api-key: k\n"
        "    models:\n"
        f"      - name: {MODEL}\n"
        f"        alias: {MODEL}\n"
    )
    return config


@contextmanager
def mock_and_proxy(workdir: Path, profile: Path | None = None) -> Iterator[tuple[Server, Server]]:
    """The mock, then the proxy in front of it (under cProfile with `profile`: the stats
    are written when it stops); both stopped on the way out, whatever happens (a proxy
    that fails to start still has its mock stopped)."""
    mock = Server(workdir, None, script="mock_upstream.py", name="mock-upstream")
    try:
        mock.wait_ready()
        args = ("--profile", str(profile)) if profile else ()
        proxy = Server(workdir, write_config(workdir, mock), name="upstream-proxy", args=args)
        try:
            proxy.wait_ready()
            yield mock, proxy
        finally:
            proxy.stop()
    finally:
        mock.stop()


# ------------------------------------------------------------------------------- sequential


class Client:
    """One HTTP/1.1 keep-alive connection; `send` times one POST and checks its answer."""

    def __init__(self, server: Server, path: str, body: bytes, check: bytes) -> None:
        self.connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
        self.path, self.body, self.check = path, body, check
        self.headers = {"Content-Type": "application/json"}

    def send(self) -> tuple[float, bool]:
        """Milliseconds from the request's first byte out to the answer's last byte in, and
        whether the answer was the expected one."""
        start = time.perf_counter_ns()
        self.connection.request("POST", self.path, self.body, self.headers)
        reply = self.connection.getresponse()
        data = reply.read()
        elapsed = (time.perf_counter_ns() - start) / 1e6
        return elapsed, reply.status == 200 and self.check in data

    def close(self) -> None:
        self.connection.close()


def _interleaved(direct: Client, proxy: Client, seconds: float) -> Sequential:
    """Blocks of BLOCK requests per path, alternating, until `seconds` have passed."""
    result = Sequential([], [], 0, 0.0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for client, into in ((direct, result.direct_ms), (proxy, result.proxy_ms)):
            for _ in range(BLOCK):
                elapsed, ok = client.send()
                into.append(elapsed)
                result.errors += not ok
    return result


def run_sequential(shape: LoadShape, mock: Server, proxy: Server, case: Case) -> Sequential:
    """A discarded warm-up of `shape.warmup` seconds, then `shape.duration` seconds, with
    the machine's CPU time read around it to flag noise."""
    direct = Client(mock, DIRECT_PATH, case.direct_body, b"chat.completion")
    through = Client(proxy, case.path, case.body, case.check)
    try:
        if shape.warmup > 0:
            _interleaved(direct, through, shape.warmup)
        chain = Chain(proxy, mock)
        machine, ours, wall = (
            loadgen.machine_busy_seconds(),
            chain.cpu_seconds(),
            time.monotonic(),
        )
        own = time.process_time()
        result = _interleaved(direct, through, shape.duration)
        other = (
            (loadgen.machine_busy_seconds() - machine)
            - (chain.cpu_seconds() - ours)
            - (time.process_time() - own)
        )
        result.other_cpu = max(0.0, other) / max(time.monotonic() - wall, 1e-9)
    finally:
        direct.close()
        through.close()
    return result


# ------------------------------------------------------------------------------- load


def load_targets(workdir: Path, case: Case) -> tuple[Target, Target]:
    """The wrk targets of one case: direct (the floor) and through the proxy."""
    direct_file = workdir / f"upstream-{case.key}-direct.json"
    direct_file.write_bytes(case.direct_body)
    proxy_file = workdir / f"upstream-{case.key}-proxy.json"
    proxy_file.write_bytes(case.body)
    direct = Target(
        f"upstream-{case.key}-direct",
        f"{case.label}, direct",
        DIRECT_PATH,
        direct_file,
        b"chat.completion",
    )
    proxy = Target(
        f"upstream-{case.key}-proxy",
        f"{case.label}, proxy",
        case.path,
        proxy_file,
        case.check,
        floor=direct.key,
    )
    return direct, proxy


def run_upstream(shape: LoadShape, workdir: Path) -> list[UpstreamRow]:
    """Every case sequentially, then every case at `shape.connections` connections."""
    workdir = workdir / "upstream"
    workdir.mkdir(exist_ok=True)
    rows: list[UpstreamRow] = []
    with mock_and_proxy(workdir) as (mock, proxy):
        chain = Chain(proxy, mock)
        for case in cases():
            log(f"upstream: {case.label}, sequential ({shape.duration:g} s)")
            rows.append(UpstreamRow(case, run_sequential(shape, mock, proxy, case)))
        if shutil.which(TOOL) is None:
            log(f"{TOOL} not found: the {shape.connections}-connection runs are skipped")
            return rows
        runs: list[tuple[loadgen.Endpoint, Target]] = []
        for case in cases():
            direct, through = load_targets(workdir, case)
            loadgen.check_target(mock, direct)
            loadgen.check_target(chain, through)
            runs += [(mock, direct), (chain, through)]
        results = loadgen.run_rounds(shape, TOOL, runs, workdir)
    loadgen.fill_ratios(results)
    for row, direct, through in zip(rows, results[::2], results[1::2], strict=True):
        row.direct, row.proxy = direct, through
    return rows


# ------------------------------------------------------------------------------- profiling


def main(argv: list[str] | None = None) -> int:
    """One case, one path pair, the proxy optionally under cProfile: the numbers printed
    are slower than the benchmark's when profiling (cProfile roughly doubles the cost)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--case", default="chat", choices=[c.key for c in cases()])
    parser.add_argument("--seconds", type=float, default=8.0, help="measured time (8)")
    parser.add_argument(
        "--connections", type=int, default=0, help="0: sequential (default); N: wrk, N conns"
    )
    parser.add_argument("--profile", type=Path, help="write the proxy's pstats here")
    args = parser.parse_args(argv)
    case = next(c for c in cases() if c.key == args.case)
    shape = LoadShape(args.seconds, 1.0, max(1, args.connections), 1, 1, 1)
    with tempfile.TemporaryDirectory(prefix="cliproxy-upstream-") as tmp:
        workdir = Path(tmp)
        profile = args.profile.resolve() if args.profile else None
        with mock_and_proxy(workdir, profile) as (mock, proxy):
            if args.connections <= 0:
                seq = run_sequential(shape, mock, proxy, case)
                print(
                    f"{case.label}: {len(seq.proxy_ms)} requests per path; p50 direct "
                    f"{seq.p('direct', 0.5):.3f} ms, proxy {seq.p('proxy', 0.5):.3f} ms, "
                    f"added {seq.added(0.5):.3f} ms; {seq.errors} errors"
                )
            else:
                through = load_targets(workdir, case)[1]
                result = loadgen.run_load(shape, Chain(proxy, mock), TOOL, through, workdir)
                print(
                    f"{case.label}, {args.connections} connections: {result.rps:,.0f} req/s, "
                    f"p50 {result.p50_ms} ms, {result.errors} errors {result.note}"
                )
    if profile is not None:
        print(f"proxy profile: {profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
