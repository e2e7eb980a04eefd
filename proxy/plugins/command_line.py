"""The `command_line_plugin` capability (02 §28-29): plugin-owned command-line flags.

Flags are collected at start-up, before the command line is parsed, so they show in
`cliproxy --help`. A flag is refused when its name is empty, starts with `-`, is `help` or
`h`, contains whitespace or `=`, has an unknown type or a default of the wrong type, or is
already taken (by the proxy or a higher-priority plugin).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.host import Snapshot
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin

log = logging.getLogger("cliproxy.plugins")

TYPES = ("bool", "string", "int", "int64", "float64", "duration")
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$|^0$")


@dataclass(frozen=True)
class PluginFlag:
    plugin: Plugin
    name: str
    usage: str
    type: str
    default: str


def valid_value(kind: str, value: str) -> bool:
    if kind == "bool":
        return value.lower() in ("", "true", "false", "1", "0", "t", "f")
    if kind in ("int", "int64"):
        return value == "" or re.fullmatch(r"[+-]?\d+", value) is not None
    if kind == "float64":
        try:
            float(value or "0")
        except ValueError:
            return False
        return True
    if kind == "duration":
        return value == "" or _DURATION.match(value) is not None
    return True


def collect(snapshot: Snapshot, taken: set[str]) -> list[PluginFlag]:
    """Blocking: `command_line.register` of every command-line plugin, in priority order."""
    flags: list[PluginFlag] = []
    for plugin in snapshot.having("command_line_plugin"):
        assert plugin.registration is not None
        try:
            reply = rpc.call_blocking(
                plugin,
                Method.COMMAND_LINE_REGISTER,
                schema.COMMAND_LINE_REGISTER_REQUEST,
                {"Plugin": plugin.registration.metadata},
                schema.COMMAND_LINE_REGISTER_RESPONSE,
            )
        except ProxyError as exc:
            log.warning("plugin %s: command_line.register failed: %s", plugin.id, exc.message)
            continue
        for flag in reply["Flags"] or ():
            name = flag["Name"].strip()
            kind = (flag["Type"].strip() or "bool").lower()
            problem = _problem(name, kind, flag["DefaultValue"], taken)
            if problem:
                log.warning("plugin %s: flag %r skipped: %s", plugin.id, name, problem)
                continue
            taken.add(name)
            flags.append(PluginFlag(plugin, name, flag["Usage"], kind, flag["DefaultValue"]))
    return flags


def _problem(name: str, kind: str, default: str, taken: set[str]) -> str:
    if not name or name.startswith("-") or name in ("help", "h"):
        return "not a usable flag name"
    if re.search(r"[\s=]", name):
        return "flag names cannot contain whitespace or '='"
    if kind not in TYPES:
        return f"type {kind!r} is not one of {', '.join(TYPES)}"
    if not valid_value(kind, default):
        return f"default {default!r} is not a {kind}"
    if name in taken:
        return "the name is already taken"
    return ""


def execute(
    plugin: Plugin,
    program: str,
    args: list[str],
    config_path: str,
    host: dict[str, Any],
    values: dict[str, dict[str, Any]],
    triggered: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Blocking; raises the plugin's error."""
    assert plugin.registration is not None
    return rpc.call_blocking(
        plugin,
        Method.COMMAND_LINE_EXECUTE,
        schema.COMMAND_LINE_EXECUTE_REQUEST,
        {
            "Plugin": plugin.registration.metadata,
            "Program": program,
            "Args": args,
            "ConfigPath": config_path,
            "Host": host,
            "Flags": values,
            "TriggeredFlags": triggered,
        },
        schema.COMMAND_LINE_EXECUTE_RESPONSE,
    )
