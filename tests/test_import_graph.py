"""The package's imports run one way, stage by stage, as the tree shows the flow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "oomlens"

# Stages in flow order; a module may import its own stage and the stages before it.
STAGES = (
    ("options", "read"),
    ("parse",),
    ("kernel",),
    ("model",),
    ("judge",),
    ("pipeline", "facts", "incidents"),
    ("render",),
    ("fleet",),
    ("cli", "batch", "__main__", "__init__"),
)
RANK = {name: i for i, names in enumerate(STAGES) for name in names}


def _stage(module: str) -> str:
    """``oomlens.model.replay`` → ``model``; ``oomlens`` → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every oomlens module ``path`` imports, at top level or inside a function."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("oomlens"):
                out.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.lineno, "<relative>"))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names if a.name.startswith("oomlens"))
    return out


MODULES = sorted(p for p in PKG.rglob("*.py"))


def test_every_module_belongs_to_a_stage() -> None:
    stray = [_module(p) for p in MODULES if _stage(_module(p)) not in RANK]
    assert stray == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module(p))
def test_imports_run_one_way(path: Path) -> None:
    here = _stage(_module(path))
    backward = []
    for line, target in _imports(path):
        if target == "<relative>":
            backward.append(f"line {line}: relative import (use oomlens.<stage>...)")
            continue
        there = _stage(target)
        if there == "__init__" and here != "__init__":
            continue  # `from oomlens import __version__` reads only the package's metadata
        if RANK[there] > RANK[here]:
            backward.append(f"line {line}: {target} ({there}) from {here}")
    assert backward == []
