"""Command line: `cliproxy [serve] [--config FILE]`, `cliproxy plugins list`, and the
flags of command-line plugins (02 §28-29): the configured plugins are loaded before the
command line is parsed, so their flags show in `--help`; setting one runs the plugin's
command instead of the proxy, prints its output and exits with its code."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

from proxy import __version__
from proxy import config as config_module
from proxy.errors import ConfigError, ProxyError
from proxy.plugins import command_line
from proxy.plugins.command_line import PluginFlag
from proxy.plugins.host import PluginStatus
from proxy.providers import credentials
from proxy.runtime import Runtime, host_summary
from proxy.server import run, serve

DEFAULT_CONFIG = "config.yaml"


NATIVE_FLAGS = {"config", "log-level", "version", "help", "h"}


def _parser(plugin_flags: list[PluginFlag] = ()) -> argparse.ArgumentParser:  # type: ignore[assignment]
    parser = argparse.ArgumentParser(
        prog="cliproxy", description="LLM API proxy with a native plugin host."
    )
    if plugin_flags:
        group = parser.add_argument_group("plugin flags")
        for flag in plugin_flags:
            names = [f"-{flag.name}", f"--{flag.name}"]
            usage = f"{flag.usage} (plugin {flag.plugin.id})"
            if flag.type == "bool":
                group.add_argument(
                    *names, dest=_dest(flag), action="store_true", default=None, help=usage
                )
            else:
                group.add_argument(
                    *names, dest=_dest(flag), default=None, metavar=flag.type.upper(), help=usage
                )
    parser.add_argument("--version", action="version", version=f"cliproxy {__version__}")
    parser.add_argument("--config", default=None, help=f"config file (default: ./{DEFAULT_CONFIG})")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the proxy (the default)")
    plugins = commands.add_parser("plugins", help="inspect plugins")
    plugin_commands = plugins.add_subparsers(dest="plugins_command", required=True)
    listing = plugin_commands.add_parser(
        "list", help="load the configured plugins and show id, path, metadata, status"
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    for sub in (commands.choices["serve"], listing):
        sub.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    return parser


def _dest(flag: PluginFlag) -> str:
    return "plugin_flag_" + flag.name.replace("-", "_")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--config", default=None)
    early.add_argument("--log-level", default="info")
    known, _ = early.parse_known_args(argv)
    quiet = bool({"-h", "--help", "--version"} & set(argv))  # loading plugins logs
    logging.basicConfig(
        level=logging.WARNING if quiet else getattr(logging, str(known.log_level).upper(), 20),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    path = Path(known.config or DEFAULT_CONFIG)
    try:
        config = config_module.load(path)
    except ConfigError as exc:
        if {"-h", "--help", "--version"} & set(argv):
            _parser().parse_args(argv)  # help without plugin flags, then exits
        print(f"cliproxy: {exc.message}", file=sys.stderr)
        return 2
    runtime = Runtime(config)
    plugin_flags: list[PluginFlag] = []
    if config.plugins.enabled:
        snapshot = runtime.host.apply(config)
        plugin_flags = command_line.collect(snapshot, set(NATIVE_FLAGS))
    try:
        args = _parser(plugin_flags).parse_args(argv)
    except SystemExit:
        runtime.shutdown()
        raise
    triggered = [f for f in plugin_flags if getattr(args, _dest(f)) is not None]
    if triggered:
        try:
            return _run_plugin_flags(runtime, argv, args, plugin_flags, triggered)
        finally:
            runtime.shutdown()
    if args.command == "plugins":
        return _plugins_list(runtime, args.json)
    drained = True
    with contextlib.suppress(KeyboardInterrupt):
        drained = run(serve(runtime), runtime.config)
    if not drained:
        # A plugin call that never returns pins a worker thread, and the interpreter would
        # wait for it forever at exit. Everything else is already shut down.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    return 0


def _run_plugin_flags(
    runtime: Runtime,
    argv: list[str],
    args: argparse.Namespace,
    plugin_flags: list[PluginFlag],
    triggered: list[PluginFlag],
) -> int:
    """`command_line.execute` for each plugin with a set flag, in priority order."""
    config = runtime.config
    values = {
        name: {
            "Name": name,
            "Type": "",
            "Value": str(getattr(args, name.replace("-", "_"), "") or ""),
            "Set": False,
        }
        for name in ("config", "log-level")
    }
    values["config"]["Value"] = str(config.source or "")
    for flag in plugin_flags:
        raw = getattr(args, _dest(flag))
        value = (
            ("true" if raw else "false")
            if flag.type == "bool"
            else (raw if raw is not None else flag.default)
        )
        values[flag.name] = {
            "Name": flag.name,
            "Type": flag.type,
            "Value": value,
            "Set": raw is not None,
        }
    exit_code = 0
    for plugin in dict.fromkeys(f.plugin for f in triggered):
        mine = {f.name: values[f.name] for f in triggered if f.plugin is plugin}
        try:
            reply = command_line.execute(
                plugin,
                sys.argv[0],
                argv,
                str(config.source or ""),
                host_summary(config),
                values,
                mine,
            )
        except ProxyError as exc:
            print(f"cliproxy: plugin {plugin.id}: {exc.message}", file=sys.stderr)
            exit_code = exit_code or 1
            continue
        code = reply["ExitCode"]
        stdout = reply["Stdout"] or b""
        if code == 0 and reply["Auths"]:
            try:
                for entry in reply["Auths"]:
                    credential = credentials.from_auth_data(entry, config.auth_path)
                    saved = credentials.save(credential, config.auth_path)
                    stdout += f"Authentication saved to {saved}\n".encode()
            except (ProxyError, OSError) as exc:
                sys.stdout.buffer.write(stdout)
                print(f"cliproxy: saving the plugin's credentials failed: {exc}", file=sys.stderr)
                exit_code = exit_code or 1
                continue
        sys.stdout.buffer.write(stdout)
        sys.stdout.flush()
        sys.stderr.buffer.write(reply["Stderr"] or b"")
        sys.stderr.flush()
        exit_code = exit_code or code
    return exit_code


def _plugins_list(runtime: Runtime, as_json: bool) -> int:
    try:
        runtime.apply(runtime.config)
        rows = runtime.host.statuses()
    finally:
        runtime.shutdown()
    if as_json:
        print(json.dumps([_row_dict(r) for r in rows], indent=2))
    else:
        for row in rows:
            print(_row_text(row))
    return 0 if all(r.status != "error" for r in rows) else 1


def _row_dict(row: PluginStatus) -> dict[str, object]:
    return {
        "id": row.id,
        "path": row.path,
        "enabled": row.enabled,
        "priority": row.priority,
        "status": row.status,
        "error": row.error,
        "metadata": row.metadata,
        "capabilities": list(row.capabilities),
        "schema_version": row.schema_version,
    }


def _row_text(row: PluginStatus) -> str:
    lines = [f"{row.id}: {row.status}" + (f" ({row.error})" if row.error else "")]
    if row.path:
        lines.append(f"  path:         {row.path}")
    lines.append(f"  enabled:      {str(row.enabled).lower()}, priority {row.priority}")
    if row.metadata:
        meta = row.metadata
        lines.append(
            f"  plugin:       {meta.get('Name')} {meta.get('Version')} by "
            f"{meta.get('Author')} ({meta.get('GitHubRepository')})"
        )
        lines.append(f"  schema:       {row.schema_version}")
        lines.append(f"  capabilities: {', '.join(row.capabilities)}")
    return "\n".join(lines)
