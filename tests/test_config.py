"""Config parsing: defaults, validation errors that name the key, the plugin subtree."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from proxy import server
from proxy.config import parse
from proxy.errors import ConfigError
from proxy.plugins import codec, registration, schema


def test_defaults() -> None:
    config = parse("")
    assert (config.host, config.port) == ("127.0.0.1", 8317)
    assert config.plugins.enabled is False and config.plugins.dir == "plugins"
    assert config.api_keys == ()
    assert parse('host: ""').host == "0.0.0.0"
    assert config.event_loop == "auto"
    assert (config.limits.upstream_read_timeout, config.limits.upstream_idle_seconds) == (600, 5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port: 70000", "port: must be at most 65535"),
        ("port: eighty", "port: expected an integer"),
        ("api-keys: key", "api-keys: expected a list of strings"),
        ("plugins: []", "plugins: expected a mapping"),
        (
            "plugins:\n  configs:\n    x:\n      enabled: yes please",
            "plugins.configs.x.enabled: expected true or false",
        ),
        (
            "plugins:\n  configs:\n    x:\n      priority: high",
            "plugins.configs.x.priority: expected an integer",
        ),
        ("plugins:\n  configs:\n    'bad id':\n      enabled: true", "invalid plugin id"),
        (
            "plugins:\n  call-timeout-seconds: -1",
            "plugins.call-timeout-seconds: must be at least 0",
        ),
        ("tls:\n  enable: true", "tls: `cert` and `key` are required"),
        ("event-loop: trio", "event-loop: 'trio' is not one of auto, asyncio, uvloop"),
        (
            "limits:\n  upstream-idle-connections: -1",
            "limits.upstream-idle-connections: must be at least 0",
        ),
        ("a: [", "invalid YAML"),
        ("- 1", "top level must be a mapping"),
    ],
)
def test_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(text)


def test_plugin_config_yaml_is_the_subtree_as_written_plus_enabled_and_priority() -> None:
    config = parse(
        "plugins:\n"
        "  enabled: true\n"
        "  configs:\n"
        "    alpha:\n"
        "      enabled: true\n"
        "      priority: 1\n"
        "      config1: true\n"
        '      mode: "safe" # enum example\n'
        "      nested:\n"
        "        - a\n"
        "    beta:\n"
        "      custom: x\n"
    )
    alpha, beta = config.plugins.configs["alpha"], config.plugins.configs["beta"]
    assert alpha.config_yaml == (
        'enabled: true\npriority: 1\nconfig1: true\nmode: "safe" # enum example\nnested:\n  - a\n'
    )
    assert beta.config_yaml == "custom: x\nenabled: false\npriority: 0\n"
    assert (alpha.enabled, alpha.priority, beta.enabled) == (True, 1, False)
    wire = codec.decode(
        schema.LIFECYCLE_REQUEST, codec.loads(registration.request(alpha.config_yaml))
    )
    assert wire["schema_version"] == 3
    assert (
        base64.b64encode(wire["config_yaml"]).decode()
        == base64.b64encode(alpha.config_yaml.encode()).decode()
    )


def test_explicit_plugin_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    from proxy.plugins import discovery

    config = parse(
        "plugins:\n  enabled: true\n  configs:\n    p:\n      enabled: true\n"
        "      path: lib/p.so\n",
        source=tmp_path / "config.yaml",
    )
    assert discovery.select(config)[0].path == str(tmp_path / "lib" / "p.so")


def test_yaml_1_2_booleans_like_yaml_v3() -> None:
    config = parse(
        "plugins:\n  configs:\n    on:\n      enabled: true\n    no:\n      enabled: false\n"
    )
    assert set(config.plugins.configs) == {"on", "no"}
    with pytest.raises(
        ConfigError, match=r"plugins\.configs\.on\.enabled: expected true or false, got 'yes'"
    ):
        parse("plugins:\n  configs:\n    on:\n      enabled: yes\n")


def test_debug_and_access_log_switches() -> None:
    config = parse("debug: true\naccess-log: true\n")
    assert (config.debug, config.access_log) == (True, True)
    assert (parse("").debug, parse("").access_log) == (False, False)


@pytest.mark.parametrize(
    ("text", "loop_module"),
    [
        ("", "uvloop"),
        ("event-loop: asyncio", "asyncio"),
        ("event-loop: uvloop", "uvloop"),
        # uvloop's TLS shutdown cannot be bounded, so TLS keeps asyncio unless asked
        ("tls: {enable: true, cert: c.pem, key: k.pem}", "asyncio"),
    ],
)
def test_the_server_runs_on_the_configured_event_loop(text: str, loop_module: str) -> None:
    async def running_loop() -> str:
        return type(asyncio.get_running_loop()).__module__.split(".")[0]

    assert server.run(running_loop(), parse(text)) == loop_module
