"""Command line: `cliproxy [serve] [--config FILE]`, `cliproxy plugins list`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

from proxy import __version__
from proxy import config as config_module
from proxy.errors import ConfigError
from proxy.plugins.host import PluginStatus
from proxy.runtime import Runtime
from proxy.server import serve

DEFAULT_CONFIG = "config.yaml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cliproxy", description="LLM API proxy with a native plugin host."
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    path = Path(args.config or DEFAULT_CONFIG)
    try:
        config = config_module.load(path)
    except ConfigError as exc:
        print(f"cliproxy: {exc.message}", file=sys.stderr)
        return 2
    runtime = Runtime(config)
    if args.command == "plugins":
        return _plugins_list(runtime, args.json)
    drained = True
    with contextlib.suppress(KeyboardInterrupt):
        drained = asyncio.run(serve(runtime))
    if not drained:
        # A plugin call that never returns pins a worker thread, and the interpreter would
        # wait for it forever at exit. Everything else is already shut down.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    return 0


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
