"""``./hearth.sh help`` prints its usage (every command, from any folder), not lines of the
script; it sets nothing up."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT


@pytest.mark.parametrize("word", ["help", "--help", "-h"])
def test_help_prints_usage_from_any_folder(word: str) -> None:
    script = Path("..") / "hearth.sh"  # a relative path, from another folder
    shown = subprocess.run(
        ["bash", str(script), word],
        cwd=ROOT / "tests",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: ./hearth.sh COMMAND")
    commands = [
        line.split()[0] for line in shown.stdout.splitlines() if line.startswith("  ") and line[2] != " "
    ]
    for command in ("local", "test", "bench", "template", "openapi", "samples", "invoke", "token", "seed"):
        assert command in commands, shown.stdout
    for script_text in ("set -euo", "ensure_venv", "$VENV", "#"):
        assert script_text not in shown.stdout
    assert "==> " not in shown.stdout  # nothing was installed
