"""Which plugin files to load: directory discovery (01 §3.2) and explicit paths.

Discovery looks in `<dir>/<goos>/<goarch>` then `<dir>` (Go's names for this platform, so
plugin releases laid out for CLIProxyAPI work unchanged), takes regular files with this
platform's extension (case-insensitive), never follows symlinks or recurses, and derives the
plugin id and optional version from `<id>[-v<version>]<ext>`. For one id, a versioned file
beats an unversioned one and a higher version beats a lower one; otherwise the first seen
wins. Our addition: `plugins.configs.<id>.path` names a file directly (relative paths are
relative to the config file) and takes precedence over discovery.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from proxy.config import PLUGIN_ID, Config

_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+-]*$")
_GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "386",
    "i686": "386",
    "x86": "386",
    "armv7l": "arm",
    "armv6l": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


@dataclass(frozen=True)
class Candidate:
    id: str
    path: str
    version: str = ""


def library_extension() -> str:
    if sys.platform == "win32":
        return ".dll"
    return ".dylib" if sys.platform == "darwin" else ".so"


def go_platform() -> tuple[str, str]:
    goos = {"win32": "windows", "darwin": "darwin"}.get(
        sys.platform, sys.platform.rstrip("0123456789")
    )
    machine = platform.machine().lower()
    return goos, _GOARCH.get(machine, machine)


def split_name(stem: str) -> tuple[str, str] | None:
    """(id, version) from a file name without extension; None when the id is invalid."""
    cut = stem.rfind("-v")
    if cut > 0:
        plugin_id, version = stem[:cut], stem[cut + 2 :]
        if PLUGIN_ID.match(plugin_id) and _VERSION.match(version):
            return plugin_id, version
    return (stem, "") if PLUGIN_ID.match(stem) else None


def version_key(version: str) -> tuple[int, tuple[object, ...]]:
    parts = version.split(".")
    if all(p.isdigit() for p in parts):
        return 1, tuple(int(p) for p in parts)
    return 0, (version,)


def discover(directory: Path) -> list[Candidate]:
    """Candidates in the directory layout, one per id, in order of first appearance."""
    goos, goarch = go_platform()
    extension = library_extension()
    chosen: dict[str, Candidate] = {}
    for folder in (directory / goos / goarch, directory):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.path)
        except FileNotFoundError:
            continue
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            if not entry.name.lower().endswith(extension):
                continue
            parsed = split_name(entry.name[: -len(extension)])
            if parsed is None:
                continue
            candidate = Candidate(parsed[0], entry.path, parsed[1])
            previous = chosen.get(candidate.id)
            if previous is None or _prefer(candidate, previous):
                chosen[candidate.id] = candidate
    return list(chosen.values())


def _prefer(new: Candidate, old: Candidate) -> bool:
    if not new.version:
        return False
    return not old.version or version_key(new.version) > version_key(old.version)


def select(config: Config) -> list[Candidate]:
    """Files to load for the enabled plugins: explicit paths first, then discovery order."""
    plugins = config.plugins
    selected = [
        Candidate(entry.id, str((config.base_dir / entry.path).resolve()))
        for entry in plugins.configs.values()
        if entry.enabled and entry.path
    ]
    explicit = {c.id for c in selected}
    directory = Path(os.path.expanduser(plugins.dir))
    selected += [
        c
        for c in discover(directory)
        if c.id not in explicit and (entry := plugins.configs.get(c.id)) and entry.enabled
    ]
    return selected
