"""Shared fixtures: built example plugins, compiled test plugins, and a real server.

The server runs as a subprocess (`python -m proxy serve`) on a free loopback port, exactly
as a user starts it; tests talk to it with httpx over HTTP/1.1, h2c and h2 over TLS.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "examples" / "plugin" / "bin"
TEST_PLUGIN_SOURCE = ROOT / "tests" / "plugins" / "testplugin.c"
EXT = ".dylib" if sys.platform == "darwin" else ".so"
LANGS = ("c", "rust", "go")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skips when run by hand; under CI a missing prerequisite is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: missing prerequisites fail instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def examples_built() -> Path:
    """Builds every example plugin with `make plugins`, once per session
    (CLIPROXY_TEST_PREBUILT=1 uses what examples/plugin/bin already holds)."""
    if os.environ.get("CLIPROXY_TEST_PREBUILT") == "1":
        return BIN
    result = subprocess.run(["make", "-s", "plugins"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"make plugins failed:\n{result.stdout}\n{result.stderr}")
    return BIN


@pytest.fixture(scope="session")
def example(examples_built: Path):
    """example("executor", "rust") -> path of the built example, or skip/fail if absent."""

    def path(capability: str, lang: str) -> Path:
        built = examples_built / f"{capability}-{lang}{EXT}"
        tool = {"c": "cc", "rust": "cargo", "go": "go"}[lang]
        require(built.is_file(), f"{built.name} was not built ({tool} missing?)")
        return built

    return path


@pytest.fixture(scope="session")
def test_plugins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The misbehaving test plugin in each of its compile-time variants."""
    require(shutil.which("cc") is not None, "no C compiler (cc) for the test plugins")
    out = tmp_path_factory.mktemp("test-plugins")
    variants = {
        "testplugin": [],
        "no-init": ["-DVARIANT_NO_INIT"],
        "init-fails": ["-DVARIANT_INIT_FAILS"],
        "abi-0": ["-DVARIANT_ABI=0"],
        "abi-2": ["-DVARIANT_ABI=2"],
        "null-call": ["-DVARIANT_NULL_CALL"],
    }
    built: dict[str, Path] = {}
    for name, flags in variants.items():
        target = out / f"{name}{EXT}"
        subprocess.run(
            [
                "cc",
                "-O1",
                "-g",
                "-fPIC",
                "-shared",
                *flags,
                f"-I{ROOT / 'abi' / 'include'}",
                f"-I{ROOT / 'examples' / 'plugin' / 'c' / 'common'}",
                str(TEST_PLUGIN_SOURCE),
                "-o",
                str(target),
                "-lpthread",
            ],
            check=True,
        )
        built[name] = target
    return built


@pytest.fixture
def upstream():
    """The outside world: a local HTTP server (tests/upstream.py) with OpenAI and Claude
    APIs and plain pages."""
    from tests.upstream import Upstream

    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def marker_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the test plugin writes markers and waits for gates (CLIPROXY_TEST_DIR)."""
    directory = tmp_path / "markers"
    directory.mkdir()
    monkeypatch.setenv("CLIPROXY_TEST_DIR", str(directory))
    return directory


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost: (cert.pem, key.pem)."""
    require(
        subprocess.run(["openssl", "version"], capture_output=True).returncode == 0,
        "openssl is needed to make a test certificate",
    )
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def wait_for(predicate, timeout: float = 20.0, what: str = "condition"):
    """Polls a condition that an outside process makes true (a file, a log line)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProxyServer:
    """`python -m proxy serve` on a free loopback port, with its log captured."""

    def __init__(
        self,
        directory: Path,
        config_text: str,
        env: dict[str, str],
        command: list[str] | None = None,
    ) -> None:
        """`command` replaces `python -m proxy ...`; `{port}` and `{config}` in it are
        filled in (an embedding program of the Python SDK)."""
        self.directory = directory
        self.port = free_port()
        self.config_path = directory / "config.yaml"
        self.write_config(config_text)
        self._lines: queue.Queue[str] = queue.Queue()
        self._log: list[str] = []
        command = command or [sys.executable, "-m", "proxy", "--config", "{config}", "serve"]
        self.process = subprocess.Popen(
            [
                part.replace("{port}", str(self.port)).replace("{config}", str(self.config_path))
                for part in command
            ],
            cwd=directory,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        self.wait_log("Running on", timeout=60)

    def write_config(self, text: str) -> None:
        self.config_path.write_text(text.replace("{port}", str(self.port)))

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    @property
    def log(self) -> str:
        while not self._lines.empty():
            self._log.append(self._lines.get_nowait())
        return "".join(self._log)

    def wait_log(self, text: str, timeout: float = 30.0, after: int = 0) -> str:
        """Blocks until `text` appears in the log (after character offset `after`)."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.log
            if text in current[after:]:
                return current
            if self.process.poll() is not None:
                raise AssertionError(f"server exited ({self.process.returncode}):\n{current}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{text!r} not in server log after {timeout}s:\n{current}")
            with contextlib.suppress(queue.Empty):
                self._log.append(self._lines.get(timeout=min(remaining, 0.5)))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"server did not stop on SIGTERM:\n{self.log}") from None
        return self.process.returncode


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:
    """start_server(config_text) -> ProxyServer; `{port}` in the text is the chosen port."""
    servers: list[ProxyServer] = []

    def start(config_text: str) -> ProxyServer:
        directory = tmp_path / f"server{len(servers)}"
        directory.mkdir()
        server = ProxyServer(directory, config_text, dict(os.environ))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def plugin_config(
    plugins: dict[str, Path | tuple[Path, str]], extra: str = "", plugin_settings: str = ""
) -> str:
    """A config loading each plugin by path; a tuple adds YAML lines to its entry,
    `plugin_settings` adds keys under `plugins:` and `extra` top-level keys."""
    lines = [
        "host: 127.0.0.1",
        "port: {port}",
        "config-watch-interval-seconds: 0.05",
        extra,
        "plugins:",
        "  enabled: true",
    ]
    lines += [f"  {line}" for line in plugin_settings.splitlines() if line.strip()]
    lines += ["  configs:"]
    for plugin_id, spec in plugins.items():
        path, more = spec if isinstance(spec, tuple) else (spec, "")
        lines += [f"    {plugin_id}:", "      enabled: true", f"      path: {path}"]
        lines += [f"      {line}" for line in more.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


class RawH2:
    """A bare HTTP/2 client (the `h2` state machine over a socket), for what httpx cannot
    do: reset a stream, or send a request body slowly, after the response has started."""

    def __init__(self, port: int) -> None:
        import h2.connection

        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.conn = h2.connection.H2Connection()
        self.conn.initiate_connection()
        self._flush()

    def start(self, path: str, body: bytes | None = None, method: str = "POST") -> int:
        """Sends request headers (and the body with END_STREAM when given)."""
        stream_id = self.conn.get_next_available_stream_id()
        headers = [
            (":method", method),
            (":path", path),
            (":scheme", "http"),
            (":authority", "localhost"),
            ("content-type", "application/json"),
        ]
        self.conn.send_headers(stream_id, headers, end_stream=False)
        if body is not None:
            self._queue_body(stream_id, body)
        self._flush()
        return stream_id

    def trickle_body(self, stream_id: int, body: bytes, pieces: int) -> list:  # type: ignore[type-arg]
        """Sends the body in `pieces` DATA frames, each followed by a PING whose ACK proves
        the server processed the frame; returns the events seen meanwhile."""
        import h2.events

        seen: list = []  # type: ignore[type-arg]
        size = max(1, -(-len(body) // pieces))
        for offset in range(0, len(body), size):
            last = offset + size >= len(body)
            self.conn.send_data(stream_id, body[offset : offset + size], end_stream=last)
            self.conn.ping(b"cliproxy")
            self._flush()
            while not any(isinstance(e, h2.events.PingAckReceived) for e in seen):
                seen += self.events()
            seen = [e for e in seen if not isinstance(e, h2.events.PingAckReceived)]
        return seen

    def _queue_body(self, stream_id: int, body: bytes) -> None:
        size = self.conn.max_outbound_frame_size
        frames = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
        for index, frame in enumerate(frames):
            self.conn.send_data(stream_id, frame, end_stream=index == len(frames) - 1)

    def reset(self, stream_id: int) -> None:
        import h2.errors

        self.conn.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        self._flush()

    def events(self) -> list:  # type: ignore[type-arg]
        """The next batch of events from the server (blocks until some arrive)."""
        import h2.events

        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        events = self.conn.receive_data(data)
        for event in events:
            if isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        self._flush()
        return events

    def _flush(self) -> None:
        self.sock.sendall(self.conn.data_to_send())

    def close(self) -> None:
        self.sock.close()
