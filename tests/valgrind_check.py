"""`make test-valgrind`: the loader and worker-pool tests under valgrind memcheck.

What it proves: across real plugin binaries (the C and Rust examples and the misbehaving
test plugin), no buffer that crosses the ABI is read after being freed, freed twice, freed
with the wrong allocator, or leaked, by our extension (proxy/native/host.c) or by the
plugins' side of the contract.

CPython and the Go runtime are not valgrind-clean on their own (CPython's `getrandom` seed,
Go's vectorised string scans), so only error reports and definite leaks whose stack passes
through our code or a plugin count. Go plugins are left out for the same reason.
Allocations that are immortal by design (host tables, worker pools) are suppressed in
tests/valgrind.supp.

Usage: python tests/valgrind_check.py [extra pytest args]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_loader.py", "tests/test_call_runner.py"]
OURS = re.compile(
    r"_cliproxy|host\.c|cpx_|cliproxy_example\.h|testplugin|executor[-_](c|rust)|executor\.c"
)
RECORD_LINE = re.compile(r"^==\d+== (.*\S.*)$")  # a bare "==pid== " separates records


def main(argv: list[str]) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind_check: valgrind is not installed (Debian package: valgrind)")
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "memcheck.log"
        memcheck = [
            "valgrind",
            "--tool=memcheck",
            f"--log-file={log}",
            "--num-callers=30",
            "--leak-check=full",
            "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite",
            f"--suppressions={ROOT / 'tests' / 'valgrind.supp'}",
        ]
        pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS, "-k", "not go"]
        command = [*memcheck, sys.executable, *pytest, *argv]
        env = {**os.environ, "PYTHONMALLOC": "malloc"}  # so valgrind sees every allocation
        tests = subprocess.run(command, cwd=ROOT, env=env)
        reports = [record for record in _records(log.read_text()) if OURS.search(record)]
    for block in reports:
        print(block, end="\n\n")
    print(f"valgrind_check: {len(reports)} memory error(s) involving cliproxy or its plugins")
    return 1 if tests.returncode != 0 or reports else 0


def _records(text: str) -> list[str]:
    """valgrind's error records (whole stack) and definite-leak records (the allocation
    and the frame that made it: cffi's and CPython's own one-time allocations have our
    module further down their stacks, which does not make them ours)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        match = RECORD_LINE.match(line)
        if match is None:  # a blank "==pid== " separator ends a record
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(match.group(1))
    if current:
        blocks.append(current)
    errors = re.compile(r"(Invalid|Mismatched|Conditional|Use of|Syscall|Source and)")
    found = []
    for block in blocks:
        if errors.match(block[0]):
            found.append("\n".join(block))  # judged on the whole stack
        elif "definitely lost" in block[0] and len(block) > 2:
            found.append("\n".join(block[:3]))  # judged on the allocating frame only
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
