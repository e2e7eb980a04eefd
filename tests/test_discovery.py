"""Directory discovery (01 §3.2): platform dirs, extension, ids, versions, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

from proxy.config import parse
from proxy.plugins import discovery

EXT = discovery.library_extension()


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_ids_and_versions_from_file_names() -> None:
    assert discovery.split_name("alpha") == ("alpha", "")
    assert discovery.split_name("alpha-v1.0.4") == ("alpha", "1.0.4")
    assert discovery.split_name("my-video") == ("my-video", "")
    assert discovery.split_name("foo-linux-amd64") == ("foo-linux-amd64", "")
    assert discovery.split_name("bad name") is None
    assert discovery.split_name("-bad") is None


def test_selection_rules(tmp_path: Path) -> None:
    goos, goarch = discovery.go_platform()
    platform_dir = tmp_path / goos / goarch
    _touch(platform_dir / f"alpha{EXT}")
    _touch(tmp_path / f"alpha{EXT}")  # the platform directory wins
    _touch(tmp_path / f"beta-v1.2.0{EXT}")
    _touch(tmp_path / f"beta-v1.10.0{EXT}")  # higher version wins
    _touch(platform_dir / f"beta{EXT}")  # unversioned never replaces a versioned file
    _touch(tmp_path / f"gamma{EXT.upper()}")  # the extension is case-insensitive
    _touch(tmp_path / "delta.txt")
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path / f"gamma{EXT.upper()}", tmp_path / f"link{EXT}")  # skipped
    found = {c.id: c for c in discovery.discover(tmp_path)}
    assert set(found) == {"alpha", "beta", "gamma"}
    assert found["alpha"].path == str(platform_dir / f"alpha{EXT}")
    assert found["beta"].version == "1.10.0"


def test_only_enabled_plugins_are_selected(tmp_path: Path) -> None:
    _touch(tmp_path / f"on{EXT}")
    _touch(tmp_path / f"off{EXT}")
    _touch(tmp_path / f"unconfigured{EXT}")
    config = parse(
        f"plugins:\n  enabled: true\n  dir: {tmp_path}\n  configs:\n"
        "    on:\n      enabled: true\n    off:\n      enabled: false\n"
    )
    assert [c.id for c in discovery.select(config)] == ["on"]
