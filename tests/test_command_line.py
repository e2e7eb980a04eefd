"""Command-line plugins: their flags in `cliproxy --help`, and running one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import LANGS, plugin_config


def _cliproxy(config, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proxy", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def config(example, tmp_path):
    path = tmp_path / "config.yaml"
    plugins = {f"command-line-{lang}": example("command-line", lang) for lang in LANGS}
    path.write_text(plugin_config(plugins).replace("{port}", "8399"))
    return path


def test_plugin_flags_are_in_help(config):
    result = _cliproxy(config, "--help")
    assert result.returncode == 0
    for lang in LANGS:
        assert f"-hello-{lang}" in result.stdout
        assert f"print a greeting from the {lang} example" in result.stdout


@pytest.mark.parametrize("lang", LANGS)
def test_a_plugin_flag_runs_the_plugins_command(config, lang):
    result = _cliproxy(config, f"-hello-{lang}", "world")
    assert (result.returncode, result.stdout) == (0, f"hello, world, from {lang}\n")
    failed = _cliproxy(config, f"--fail-{lang}")
    assert failed.returncode == 3
    assert f"fail-{lang} requested" in failed.stderr
