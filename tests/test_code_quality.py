"""The tree stays as CONTRIBUTING.md asks: ruff clean, ruff-formatted, mypy clean (test extras)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TREES = ["."]  # the whole checkout; pyproject.toml excludes .venv


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", *TREES), ("ruff", "format", "--check", *TREES), ("mypy", "oomlens")],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tree_is_clean(command: tuple[str, ...]) -> None:
    done = _run(*command)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
