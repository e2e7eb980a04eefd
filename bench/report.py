"""The results as Markdown: environment, the tables, and the target verdicts.

The same text is printed and written to docs/benchmarks.md, so what a reader of the docs
sees is exactly what the run printed, with the preamble explaining each row.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import upstream
import workload
from loadgen import LoadResult, LoadShape
from upstream import UpstreamRow

ROOT = Path(__file__).resolve().parent.parent
HTTP_TARGET = 0.70  # proxy req/s / bare req/s, at least
RPC_TARGET = 2.0  # Python loader / C harness, at most
NOISY_CPUS = 0.25  # other processes using more than this many CPUs make a run suspect


@dataclass(frozen=True)
class RpcRow:
    key: str  # "c", then rpc_python's keys: loader, codec, pool, execute, concurrent
    name: str
    min_us: float
    median_us: float


# ------------------------------------------------------------------------------- environment


def command_output(argv: list[str]) -> str:
    """First line of a version command, or a note; never fails the run."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not available"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def _commit() -> str:
    """HEAD of the checkout (read-only git), or a note when this is no git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    if done.returncode != 0:
        return "unknown (not a git checkout)"
    return f"{done.stdout.strip()} (plus any uncommitted changes)"


def _package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def environment(shape: LoadShape, calls: int, repeats: int) -> list[tuple[str, str]]:
    """What the numbers depend on, so that a later run can be compared honestly."""
    uname = platform.uname()
    packages = ("hypercorn", "starlette", "h11", "h2", "cffi", "ujson", "httpx", "uvloop")
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{uname.system} {uname.release} {uname.version} {uname.machine}"),
        ("CPUs", f"{os.cpu_count()} x {_cpu_model()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", ", ".join(f"{p} {_package(p)}" for p in packages)),
        ("h2load", command_output(["h2load", "--version"])),
        ("wrk", command_output(["wrk", "-v"]).split(" Copyright")[0]),
        ("cc", command_output([os.environ.get("CC", "cc"), "--version"])),
        ("commit", _commit()),
        (
            "settings",
            f"{shape.duration:g} s per load run after a {shape.warmup:g} s warm-up "
            f"run, best of {shape.rounds} round(s), {shape.connections} connections, "
            f"h2load -m {shape.h2_streams}, {shape.client_threads} client thread(s); "
            f"RPC {calls} calls x {repeats} repeats; proxy -> upstream: "
            f"{shape.duration:g} s sequential per case after {shape.warmup:g} s, "
            f"blocks of {upstream.BLOCK}",
        ),
    ]


# ------------------------------------------------------------------------------- tables


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def load_table(results: list[LoadResult]) -> list[str]:
    lines = [
        "| tool | target | req/s | p50 ms | p99 ms | server CPU us/req | errors "
        "| other CPUs | vs bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cpu = "n/a" if r.cpu_us_per_request is None else f"{r.cpu_us_per_request:.0f}"
        other = "n/a" if r.other_cpu is None else f"{r.other_cpu:.2f}"
        ratio = "" if r.ratio is None else f"**{r.ratio:.0%}**"
        rps = r.note or f"{r.rps:,.0f}"
        lines.append(
            f"| {r.tool} | {r.target.label} | {rps} | {_ms(r.p50_ms)} | "
            f"{_ms(r.p99_ms)} | {cpu} | {r.errors} | {other} | {ratio} |"
        )
    return lines


def rpc_table(rows: list[RpcRow]) -> list[str]:
    floor = next((r.min_us for r in rows if r.key == "c"), 0.0)
    lines = [
        "| executor.execute round trip, C echo plugin | min us/call | median us/call "
        "| x C harness |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        ratio = f"{row.min_us / floor:.2f}x" if floor else "n/a"
        lines.append(f"| {row.name} | {row.min_us:.2f} | {row.median_us:.2f} | {ratio} |")
    return lines


def _ms2(value: float | None, sign: str = "") -> str:
    return "n/a" if value is None else f"{value:{sign}.2f}"


def _rps(result: LoadResult | None) -> str:
    if result is None:
        return "n/a"
    return result.note or f"{result.rps:,.0f}" + (
        f" ({result.errors} errors)" if result.errors else ""
    )


def upstream_table(rows: list[UpstreamRow], connections: int) -> list[str]:
    """One row per case: sequential latencies direct vs proxy and the added ms, then the
    loaded req/s direct vs proxy, their ratio, and the proxy's CPU time per request."""
    lines = [
        f"| case | seq. direct p50 / p99 ms | seq. proxy p50 / p99 ms | added p50 / p99 ms "
        f"| {connections} conn direct req/s | {connections} conn proxy req/s "
        f"| proxy / direct | proxy CPU us/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        seq = row.sequential
        ratio = row.proxy.ratio if row.proxy else None
        cpu = row.proxy_cpu_us
        lines.append(
            f"| {row.case.label} | {_ms2(seq.p('direct', 0.5))} / {_ms2(seq.p('direct', 0.99))} "
            f"| {_ms2(seq.p('proxy', 0.5))} / {_ms2(seq.p('proxy', 0.99))} "
            f"| **{_ms2(seq.added(0.5), '+')}** / {_ms2(seq.added(0.99), '+')} "
            f"| {_rps(row.direct)} | {_rps(row.proxy)} "
            f"| {'n/a' if ratio is None else f'**{ratio:.1%}**'} "
            f"| {'n/a' if cpu is None else f'{cpu:.0f}'} |"
        )
    return lines


def upstream_verdicts(rows: list[UpstreamRow]) -> list[str]:
    """The 1 ms target on the sequential p50 of the targeted cases, and the noise."""
    lines = []
    for row in rows:
        added = row.sequential.added(0.5)
        if added is None:
            continue
        target = upstream.ADDED_TARGET_MS
        if row.case.targeted:
            verdict = "met" if added <= target else "MISSED"
            lines.append(
                f"- {row.case.label}, sequential: the proxy adds {added:.2f} ms at "
                f"p50 (target <= {target:g} ms): **{verdict}**"
            )
        else:
            lines.append(
                f"- {row.case.label}, sequential: the proxy adds {added:.2f} ms at "
                f"p50 (for information; the target is for the non-stream cases)"
            )
    errors = sum(row.sequential.errors for row in rows)
    if errors:
        lines.append(f"- {errors} sequential requests got a wrong answer: the numbers are void")
    noisy = [row.sequential.other_cpu for row in rows if row.sequential.other_cpu > NOISY_CPUS]
    noisy += [
        r.other_cpu or 0
        for row in rows
        for r in (row.direct, row.proxy)
        if r is not None and (r.other_cpu or 0) > NOISY_CPUS
    ]
    if noisy:
        lines.append(
            f"- caution: other processes kept up to {max(noisy):.2f} CPUs busy during "
            f"{len(noisy)} of these runs; those numbers are pessimistic"
        )
    return lines


def verdicts(results: list[LoadResult], rpc: list[RpcRow]) -> list[str]:
    """One line per target check: met or missed, with the number."""
    lines = []
    for r in results:
        if r.ratio is not None:
            verdict = "met" if r.ratio >= HTTP_TARGET else "MISSED"
            lines.append(
                f"- HTTP, {r.tool}, {r.target.label}: {r.ratio:.1%} of the bare "
                f"route's req/s (target >= {HTTP_TARGET:.0%}): **{verdict}**"
            )
    noisy = [r for r in results if (r.other_cpu or 0) > NOISY_CPUS]
    if noisy:
        worst = max(r.other_cpu or 0 for r in noisy)
        lines.append(
            f"- caution: other processes kept up to {worst:.2f} CPUs busy during "
            f"{len(noisy)} of the load runs; those numbers are pessimistic"
        )
    by_key = {row.key: row for row in rpc}
    if "c" in by_key and "loader" in by_key:
        ratio = by_key["loader"].min_us / by_key["c"].min_us
        verdict = "met" if ratio <= RPC_TARGET else "MISSED"
        lines.append(
            f"- RPC, Python loader (`NativeLibrary.call`) / C harness: {ratio:.2f}x "
            f"(target <= {RPC_TARGET:g}x): **{verdict}**"
        )
        if "execute" in by_key:
            whole = by_key["execute"].min_us / by_key["c"].min_us
            lines.append(
                f"- for information, the whole plugin layer a request waits for "
                f"(`executor.execute`, one at a time): {whole:.2f}x the C harness"
            )
    return lines


# ------------------------------------------------------------------------------- document


def preamble(connections: int = 64) -> str:
    blocks, target = upstream.BLOCK, upstream.ADDED_TARGET_MS
    body = len(workload.chat_body())
    rpc = len(workload.executor_request_bytes("1"))
    frames = len(workload.LAST_USER_TEXT.split()) + 2
    return f"""\
# Benchmarks

Written by `make bench` (`python bench/run.py`); every run rewrites this file. The numbers
are from one machine and one run: compare runs on the same machine only.

## What is measured

**HTTP load.** One proxy process (bench/serve_bench.py) is started exactly as `cliproxy
serve` starts it (`Runtime` + `proxy.server.serve` on `proxy.server.run`'s event loop,
uvloop here, the default config.yaml with its three echo plugins, no API keys, logging at
warning), with bare Starlette routes mounted through
`extra_routes`: the floor shares the server, event loop, Hypercorn config and middleware
stack with the proxy path, only the handler differs. Rows:

- *bare route, GET*: `GET /bench/bare`, no request body, a fixed chat.completion JSON (for
  reference: it shows costs that depend on the request body, such as middleware draining
  an unread body);
- *bare route, POST*: `POST /bench/bare` with the chat body, read, same fixed JSON;
- *proxy, C echo, non-stream*: `POST /v1/chat/completions` for `example-echo-c` (the C
  plugin): parse, resolve, `executor.execute` on the plugin worker pool, response;
- *bare route, POST, SSE*: `POST /bench/bare-stream`, the same {frames} SSE frames the echo
  stream produces for this prompt, through a `StreamingResponse`;
- *proxy, C echo, stream*: the chat request with `"stream": true`
  (`executor.execute_stream`, inline chunks, SSE).

The request is a 4-message chat (bench/workload.py, {body} bytes). h2load speaks h2c with
prior knowledge, wrk HTTP/1.1 keep-alive; both use one client thread and the same number
of connections, h2load with one stream per connection (`-m 1`) so both tools keep the same
number of requests in flight. Each measured run follows a discarded warm-up run. p50/p99
come from wrk's `--latency` and from h2load's per-request `--log-file`. *server CPU us/req*
is the server process's user+system CPU time (all threads) over the measured run divided
by its requests: on a small machine shared with the load generator it is the steadier cost
measure. *other CPUs* is how many CPUs, on average, were busy with neither the server nor
the load tool during the run (other processes: noise when well above 0). Every target is
run in several rounds, bare and proxy interleaved, and the round with the most req/s is
kept. *vs bare* is the proxy row's req/s over its floor's (the POST row for non-stream, the
SSE row for stream), same tool, same server.

**Plugin RPC round trip.** One `executor.execute` call to the C echo plugin with the exact
request bytes the proxy sends for the chat above ({rpc} bytes). The C harness
(bench/harness/rpc_harness.c, compiled with `cc -O2` into a temp dir) dlopens the plugin
and calls it directly, freeing each response with the plugin's `free_buffer`;
bench/rpc_python.py then adds one layer per row: the cffi loader (`NativeLibrary.call`,
raw bytes), the codec (`codec.encode` of the request + `envelope.decode_reply` of the
reply), the hop through the native worker pool (`CallRunner.call` awaited from asyncio,
one call at a time: a C thread makes the call, the loop collects it through a pipe),
and the whole plugin layer a request waits for (`executor.execute`). Figures are per call
over several repeats of N calls; *min* (the least disturbed repeat) is the headline and the
basis of the ratios, the median is shown beside it. The last row keeps many calls in
flight and divides wall time by calls: worker-pool throughput, not latency.

**Proxy -> upstream.** What the proxy adds in front of a real upstream (bench/upstream.py):
a mock OpenAI chat-completions server (bench/mock_upstream.py: a raw asyncio HTTP/1.1
server in its own process answering the same fixed completion, or its SSE frames, in a few
tens of microseconds) is reached straight by the client and through the proxy, a second
bench/serve_bench.py whose config has only an `openai-compatibility` provider pointing at
the mock (model `m`). The mock's cost is on both paths, so the difference is the proxy's.
The proxy reaches the mock, a plain-http upstream, through its own HTTP/1.1 client
(proxy/providers/http1.py), on uvloop (`event-loop: auto`), as `cliproxy serve` would.
Cases: an OpenAI chat client (`POST /v1/chat/completions`, no translation), a Claude client
(`POST /v1/messages` with the same conversation as an Anthropic Messages body, translated to
chat and the answer back) and, for information, the chat request with `"stream": true`
(SSE in and out); the direct path always sends the chat body to the mock. *Sequential*:
one keep-alive connection per path (Python's http.client, whose own cost is the same on
both paths and cancels out of the difference), one request at a time, the two paths
interleaved in blocks of {blocks} requests so that machine noise hits both alike, for a
fixed time per case after a warm-up; *added* is proxy minus direct at p50 and at p99,
target at most {target:g} ms at p50 for the non-stream cases. *{connections} conn*: wrk
(HTTP/1.1 keep-alive; the mock speaks nothing else) against each path, the same rounds,
warm-up and duration as the HTTP load runs, direct and proxy interleaved, best round kept;
*proxy / direct* is the ratio of req/s (against a mock this cheap it is close to the mock's
cost over the proxy's, not a relative overhead), and *proxy CPU us/req* the CPU time of the
proxy and mock processes per request on the proxy run minus the mock's on the direct run.

**Where the time goes.** `.venv/bin/python bench/serve_bench.py PORT --profile out.pstats`
serves the same app with cProfile on the event-loop thread and writes the stats when it gets
SIGTERM; put load on it with wrk or h2load and read them with `python -m pstats out.pstats`.
For the upstream path, `.venv/bin/python bench/upstream.py --case chat --profile out.pstats`
does all of it for one case (mock, proxy under cProfile, sequential requests or, with
`--connections 64`, wrk).

Reproduce: `make bench` (installs h2load and wrk if missing). Longer or shorter runs:
`BENCH_DURATION=5 make bench`, or see `.venv/bin/python bench/run.py --help`;
`.venv/bin/python bench/run.py --quick` is a smoke run that leaves this file alone, and so
is `--only upstream` (or any subset of `rpc http upstream`) unless `--doc` is given.
"""


def results_text(
    shape: LoadShape,
    calls: int,
    repeats: int,
    results: list[LoadResult] | None,
    rpc: list[RpcRow] | None,
    upstream_rows: list[UpstreamRow] | None = None,
) -> str:
    """The sections of the parts that ran (None: not run); the targets of the HTTP and
    RPC parts together, then the proxy -> upstream section with its own target."""
    env = [f"- {name}: {value}" for name, value in environment(shape, calls, repeats)]
    lines = ["## Environment", "", *env, ""]
    if results is not None:
        lines += ["## HTTP load", "", *load_table(results), ""]
    if rpc is not None:
        lines += ["## Plugin RPC round trip", "", *rpc_table(rpc), ""]
    if results is not None or rpc is not None:
        lines += ["## Targets", "", *verdicts(results or [], rpc or []), ""]
    if upstream_rows is not None:
        lines += [
            "## Proxy -> upstream",
            "",
            *upstream_table(upstream_rows, shape.connections),
            "",
            *upstream_verdicts(upstream_rows),
            "",
        ]
    return "\n".join(lines)
