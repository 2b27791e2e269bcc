"""The cached LALR parser factory for the report grammar in ``grammars/``."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, cast

from lark import Lark

if TYPE_CHECKING:
    from oomlens.parse.lines import Record


def grammar_path(name: str = "report.lark") -> Path:
    """Locate a shipped grammar: inside the wheel, or ``grammars/`` in a source tree."""
    try:
        packaged = resources.files("oomlens.grammars").joinpath(name)
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return Path(__file__).resolve().parents[2] / "grammars" / name


# Terminals whose numbers the transformer reads: each is checked to fit 64 bits as lexed.
NUMERIC_TERMINALS = (
    "GFP",
    "HORDER",
    "ADJ",
    "KVS",
    "INT",
    "BUDDY_ENTRIES",
    "BUDDY_TOTAL",
    "ZONE_NAME",
    "BUDDY_HEAD",
    "NODE_HEAD",
    "SWAP",
    "PAGES",
    "MEMCG_USAGE",
    "BANNER",
    "KILL",
    "VMALLOC_ERROR",
    "VMALLOC_FAILURE",
    "TASK_ROW",
)


@cache
def report_parser() -> Lark:
    """Build the report parser once per process, transformer applied inline."""
    from oomlens.parse.numbers import check_token
    from oomlens.parse.transform import LineTransformer

    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        transformer=LineTransformer(),
        maybe_placeholders=False,
        lexer_callbacks=dict.fromkeys(NUMERIC_TERMINALS, check_token),
        cache=_cache_file(),
    )


def parse_records(text: str) -> list[Record]:
    """Parse report text (lines joined by "\\n", ending in one) into its line records.

    The transformer runs inline, so Lark returns the records themselves; Lark's
    own annotation says a tree, hence the cast.
    """
    return cast("list[Record]", report_parser().parse(text))


def _cache_file() -> str | bool:
    """Where Lark keeps the analysed grammar between runs (start-up 120 ms → ~10 ms)."""
    import os
    import tempfile

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (os.path.join(base, "oomlens"), tempfile.gettempdir()):
        try:
            os.makedirs(folder, exist_ok=True)
            if os.access(folder, os.W_OK):
                return (
                    True
                    if folder == tempfile.gettempdir()
                    else os.path.join(
                        folder, f"report-lark-{os.getuid() if hasattr(os, 'getuid') else 0}.cache"
                    )
                )
        except OSError:
            continue
    return False
