"""The YAML configuration: parsing, validation, defaults.

Keys follow CLIProxyAPI where the two overlap (`host`, `port`, `tls`, `api-keys`,
`plugins.{enabled,dir,configs}`); our additions are documented in docs/configuration.md.
Every validation error is a ConfigError naming the key path and what was expected, so a
broken edit can be reported while the last good configuration stays in force.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from proxy.config_reader import Reader
from proxy.errors import ConfigError
from proxy.providers.settings import APIKeyEntry, OpenAICompat, api_keys, openai_compatibility

PLUGIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
DEFAULT_PORT = 8317


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans, as CLIProxyAPI's yaml.v3 reads them: only true/false. PyYAML's
    YAML 1.1 default would turn a plugin id `on` or a value `no` into a boolean."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class TLSConfig:
    enable: bool = False
    cert: str = ""
    key: str = ""


@dataclass(frozen=True)
class PluginEntry:
    """`plugins.configs.<id>`: our switches plus the plugin-owned YAML, kept as text."""

    id: str
    enabled: bool = False
    priority: int = 0
    path: str = ""  # our extension: load this file instead of discovering one
    config_yaml: str = ""  # sent base64-encoded in plugin.register / plugin.reconfigure


@dataclass(frozen=True)
class PluginsConfig:
    enabled: bool = False
    dir: str = "plugins"
    configs: Mapping[str, PluginEntry] = field(default_factory=dict)
    call_timeout: float = 60.0
    worker_threads: int = 64
    stream_buffer_chunks: int = 256
    stream_idle_timeout: float = 300.0
    shutdown_timeout: float = 10.0
    max_model_streams: int = 64
    max_executor_streams: int = 1024
    stream_emit_timeout: float = 300.0
    max_http_streams: int = 64
    host_http_timeout: float = 300.0
    host_http_max_body_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class LimitsConfig:
    max_request_body_bytes: int = 32 * 1024 * 1024
    h2_max_concurrent_streams: int = 128
    keep_alive_timeout: float = 75.0
    read_timeout: float = 60.0
    graceful_timeout: float = 10.0
    upstream_connect_timeout: float = 30.0
    upstream_read_timeout: float = 600.0  # the longest silence within an upstream answer
    upstream_idle_connections: int = 64  # kept per upstream origin (plain-http client)
    upstream_idle_seconds: float = 5.0  # how long an idle upstream connection is reused


@dataclass(frozen=True)
class StreamingConfig:
    """Client-side stream behaviour (04 §1.3 rules 4-6)."""

    keepalive_seconds: float = 0.0  # `: keep-alive` comments on idle SSE streams; 0 = off
    bootstrap_retries: int = 0  # re-runs of a stream that failed before its first chunk
    nonstream_keepalive: float = 0.0  # a bare newline while a non-stream answer is awaited


@dataclass(frozen=True)
class RetryConfig:
    """Credential retry rounds and cooldowns (04 §5.3-5.4)."""

    request_retry: int = 0  # extra rounds over the credentials after all failed
    max_retry_credentials: int = 0  # distinct credentials per round; 0 = all
    max_retry_interval: float = 30.0  # longest wait for a cooldown before another round
    disable_cooling: bool = False


@dataclass(frozen=True)
class ManagementConfig:
    """`remote-management`: the management API is off without a secret (04 §7)."""

    secret_key: str = ""
    allow_remote: bool = False
    max_failures: int = 5
    ban_seconds: float = 1800.0


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    tls: TLSConfig = field(default_factory=TLSConfig)
    api_keys: tuple[str, ...] = ()
    debug: bool = False
    access_log: bool = False
    event_loop: str = "auto"  # read at start: auto (uvloop where installed), asyncio, uvloop
    plugins: PluginsConfig = field(default_factory=PluginsConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    management: ManagementConfig = field(default_factory=ManagementConfig)
    auth_dir: str = "~/.cli-proxy-api"
    proxy_url: str = ""
    openai_compatibility: tuple[OpenAICompat, ...] = ()
    claude_api_keys: tuple[APIKeyEntry, ...] = ()
    gemini_api_keys: tuple[APIKeyEntry, ...] = ()
    codex_api_keys: tuple[APIKeyEntry, ...] = ()
    streaming: StreamingConfig = field(default_factory=StreamingConfig)
    retry: RetryConfig = field(default_factory=RetryConfig)
    routing_strategy: str = "round-robin"
    watch_interval: float = 1.0
    source: Path | None = None
    digest: str = ""

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    @property
    def auth_path(self) -> Path:
        """`auth-dir`, absolute: `~` expanded, relative paths taken from the config file."""
        return (self.base_dir / Path(self.auth_dir).expanduser()).resolve()


def load(path: str | Path) -> Config:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {file} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {file}: {exc.strerror}") from None
    return parse(text, source=file.resolve())


def parse(text: str, source: Path | None = None) -> Config:
    where = str(source) if source else "config"
    try:
        root_node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: invalid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of keys")
    reader = Reader(data)
    tls = reader.section("tls")
    plugins = reader.section("plugins")
    limits = reader.section("limits")
    management = reader.section("remote-management")
    routing = reader.section("routing")
    streaming = reader.section("streaming")
    config = Config(
        host=_host(data),
        port=reader.integer("port", DEFAULT_PORT, low=1, high=65535),
        tls=TLSConfig(
            enable=tls.boolean("enable", False),
            cert=tls.string("cert", ""),
            key=tls.string("key", ""),
        ),
        api_keys=reader.string_list("api-keys"),
        plugins=PluginsConfig(
            enabled=plugins.boolean("enabled", False),
            dir=plugins.string("dir", "").strip() or "plugins",
            configs=_plugin_entries(plugins, text, root_node),
            call_timeout=plugins.number("call-timeout-seconds", 60.0, low=0),
            worker_threads=plugins.integer("worker-threads", 64, low=1, high=4096),
            stream_buffer_chunks=plugins.integer("stream-buffer-chunks", 256, low=16),
            stream_idle_timeout=plugins.number("stream-idle-timeout-seconds", 300.0, low=0),
            shutdown_timeout=plugins.number("shutdown-timeout-seconds", 10.0, low=0),
            max_model_streams=plugins.integer("max-model-streams", 64, low=1),
            max_executor_streams=plugins.integer("max-executor-streams", 1024, low=1),
            stream_emit_timeout=plugins.number("stream-emit-timeout-seconds", 300.0, low=0),
            max_http_streams=plugins.integer("max-http-streams", 64, low=1),
            host_http_timeout=plugins.number("host-http-timeout-seconds", 300.0, low=0),
            host_http_max_body_bytes=plugins.integer("host-http-max-body-bytes", 64 << 20, low=1),
        ),
        limits=LimitsConfig(
            max_request_body_bytes=limits.integer("max-request-body-bytes", 32 << 20, low=1),
            h2_max_concurrent_streams=limits.integer("h2-max-concurrent-streams", 128, low=1),
            keep_alive_timeout=limits.number("keep-alive-timeout-seconds", 75.0, low=0),
            read_timeout=limits.number("read-timeout-seconds", 60.0, low=0),
            graceful_timeout=limits.number("graceful-shutdown-seconds", 10.0, low=0),
            upstream_connect_timeout=limits.number("upstream-connect-timeout-seconds", 30.0, low=0),
            upstream_read_timeout=limits.number("upstream-read-timeout-seconds", 600.0, low=0),
            upstream_idle_connections=limits.integer("upstream-idle-connections", 64, low=0),
            upstream_idle_seconds=limits.number("upstream-idle-seconds", 5.0, low=0),
        ),
        management=ManagementConfig(
            secret_key=management.string("secret-key", "").strip(),
            allow_remote=management.boolean("allow-remote", False),
            max_failures=management.integer("max-failed-attempts", 5, low=1),
            ban_seconds=management.number("ban-seconds", 1800.0, low=0),
        ),
        auth_dir=reader.string("auth-dir", "").strip() or "~/.cli-proxy-api",
        proxy_url=reader.string("proxy-url", "").strip(),
        openai_compatibility=openai_compatibility(reader),
        claude_api_keys=api_keys(reader, "claude-api-key", "https://api.anthropic.com"),
        gemini_api_keys=api_keys(
            reader, "gemini-api-key", "https://generativelanguage.googleapis.com"
        ),
        codex_api_keys=api_keys(reader, "codex-api-key", "https://chatgpt.com/backend-api/codex"),
        streaming=StreamingConfig(
            keepalive_seconds=streaming.number("keepalive-seconds", 0.0, low=0),
            bootstrap_retries=streaming.integer("bootstrap-retries", 0, low=0, high=10),
            nonstream_keepalive=reader.number("nonstream-keepalive-interval", 0.0, low=0),
        ),
        retry=RetryConfig(
            request_retry=reader.integer("request-retry", 0, low=0, high=100),
            max_retry_credentials=reader.integer("max-retry-credentials", 0, low=0),
            max_retry_interval=reader.number("max-retry-interval", 30.0, low=0),
            disable_cooling=reader.boolean("disable-cooling", False),
        ),
        routing_strategy=_strategy(routing.string("strategy", "round-robin")),
        debug=reader.boolean("debug", False),
        access_log=reader.boolean("access-log", False),
        event_loop=_event_loop(reader.string("event-loop", "auto")),
        watch_interval=reader.number("config-watch-interval-seconds", 1.0, low=0),
        source=source,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    if config.tls.enable and not (config.tls.cert and config.tls.key):
        raise ConfigError("tls: `cert` and `key` are required when `enable` is true")
    return config


EVENT_LOOPS = ("auto", "asyncio", "uvloop")


def _event_loop(value: str) -> str:
    chosen = value.strip().lower() or "auto"
    if chosen not in EVENT_LOOPS:
        raise ConfigError(f"event-loop: {value!r} is not one of {', '.join(EVENT_LOOPS)}")
    return chosen


_STRATEGIES = {
    "": "round-robin",
    "round-robin": "round-robin",
    "roundrobin": "round-robin",
    "rr": "round-robin",
    "fill-first": "fill-first",
    "fillfirst": "fill-first",
    "ff": "fill-first",
}


def _strategy(value: str) -> str:
    try:
        return _STRATEGIES[value.strip().lower()]
    except KeyError:
        raise ConfigError(
            f"routing.strategy: {value!r} is not a strategy (round-robin, fill-first)"
        ) from None


def _host(data: Mapping[str, Any]) -> str:
    if "host" not in data or data["host"] is None:
        return "127.0.0.1"
    if not isinstance(data["host"], str):
        raise ConfigError('host: expected a string (an address, or "" for all interfaces)')
    return data["host"].strip() or "0.0.0.0"


def _plugin_entries(plugins: Reader, text: str, root: yaml.Node | None) -> dict[str, PluginEntry]:
    configs = plugins.section("configs")
    nodes = _config_nodes(root)
    entries: dict[str, PluginEntry] = {}
    for plugin_id, raw in configs.data.items():
        path = configs.path(str(plugin_id))
        if not isinstance(plugin_id, str) or not PLUGIN_ID.match(plugin_id):
            raise ConfigError(
                f"{path}: invalid plugin id (letters, digits, '.', '_', '-'; at most 128)"
            )
        if raw is not None and not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping")
        entry = Reader(raw or {}, f"{path}.")
        enabled = entry.boolean("enabled", False)
        priority = entry.integer("priority", 0)
        entries[plugin_id] = PluginEntry(
            id=plugin_id,
            enabled=enabled,
            priority=priority,
            path=entry.string("path", "").strip(),
            config_yaml=_subtree_yaml(text, nodes.get(plugin_id), raw, enabled, priority),
        )
    return entries


def _config_nodes(root: yaml.Node | None) -> dict[str, yaml.Node]:
    node = root
    for key in ("plugins", "configs"):
        if not isinstance(node, yaml.MappingNode):
            return {}
        node = next((v for k, v in node.value if k.value == key), None)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value}


def _subtree_yaml(text: str, node: yaml.Node | None, raw: Any, enabled: bool, priority: int) -> str:
    """The plugin's own YAML as written (key order, quoting, comments), plus `enabled` and
    `priority` when the subtree lacks them: what CLIProxyAPI sends as `config_yaml`."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        body = _dedent(text[node.start_mark.index : node.end_mark.index], node.start_mark.column)
    elif raw:
        body = yaml.safe_dump(raw, sort_keys=False, default_flow_style=False)
    else:
        body = ""
    lines = [body.strip()] if body.strip() else []
    present = raw if isinstance(raw, dict) else {}
    if "enabled" not in present:
        lines.append(f"enabled: {'true' if enabled else 'false'}")
    if "priority" not in present:
        lines.append(f"priority: {priority}")
    return "\n".join(lines) + "\n"


def _dedent(block: str, column: int) -> str:
    first, *rest = block.split("\n")
    return "\n".join(
        [first, *(line[column:] if line[:column].isspace() else line for line in rest)]
    )
