"""Terminal text: the headline a person reads first, what to do, the zone table and the checks.

``render_text`` writes plain text (pipes, files, tests); ``print_rich`` writes
the same document with rich styles when stdout is a terminal, its tables
wrapping inside narrow terminals instead of dropping columns. Every piece goes
through ``escape.term`` here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oomlens.pipeline import FileResult
from oomlens.render import escape
from oomlens.render.doc import (
    Block,
    Charts,
    Code,
    Field,
    Grid,
    Items,
    Link,
    Para,
    Raw,
    Section,
    Span,
)
from oomlens.render.document import sections


def inline(parts: Span) -> str:
    """A span as terminal text: every piece escaped; links as their words."""
    out = []
    for p in parts:
        if isinstance(p, Code):
            out.append(escape.term(p.text))
        elif isinstance(p, Link):
            out.append(escape.term(p.text))
        else:
            out.append(escape.term(p))
    return "".join(out)


def _grid_lines(grid: Grid) -> list[str]:
    rows = [tuple(inline(c) for c in row) for row in grid.rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(grid.headers)]
    out = []
    for r in [grid.headers, *rows]:
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return out


def block_lines(block: Block) -> list[str]:
    """One block as plain lines (the raw report and charts are not repeated on a terminal)."""
    if isinstance(block, Para):
        return [inline(block.parts)]
    if isinstance(block, Field):
        return [f"{block.label}: {inline(block.parts)}"]
    if isinstance(block, Items):
        head = f"{block.title} ({block.note}):" if block.note else f"{block.title}:"
        return [head, *(f"  - {inline(item)}" for item in block.items)]
    if isinstance(block, Grid):
        return [f"{block.title}:", *_grid_lines(block)] if block.rows else []
    if isinstance(block, Charts):
        return [f"chart: {block.note}"] if block.note else []
    if isinstance(block, Raw):
        return []
    raise TypeError(block)


def heading(section: Section) -> str:
    """``[code] balloon (pid 8473): OOM killer — path:19``."""
    return (f"[{section.code}] " if section.code else "") + inline(section.title)


def section_lines(section: Section) -> list[str]:
    """A report's heading and blocks as plain lines."""
    out = [heading(section)]
    for block in section.blocks:
        out.extend(block_lines(block))
    return out


def render_text(results: Sequence[FileResult], each: bool = False) -> str:
    """Plain text for every report read."""
    analyses = [a for r in results for a in r.analyses]
    out: list[str] = []
    for section in sections(analyses, each):
        out.extend(section_lines(section))
        out.append("")
    return "\n".join(out)


STYLES = {"head": "bold", "dim": "dim", "good": "green", "bad": "bold red", "": ""}


def print_rich(
    results: Sequence[FileResult], file: Any = None, width: int | None = None, each: bool = False
) -> None:
    """The same document with rich styles, for a terminal. Imports rich only here."""
    from rich.console import Console

    console = Console(file=file, highlight=False, width=width)
    analyses = [a for r in results for a in r.analyses]
    for section in sections(analyses, each):
        print_section(console, section)


def print_section(console: Any, section: Section) -> None:
    """One section with rich styles on a ``rich.console.Console`` (the CLI streams them)."""
    from rich.table import Table as RichTable
    from rich.text import Text

    console.print(Text(heading(section), style="bold"))
    for block in section.blocks:
        if isinstance(block, Grid):
            if not block.rows:
                continue
            console.print(Text(f"{block.title}:"))
            table = RichTable(box=None, padding=(0, 1), pad_edge=False, show_edge=False)
            for h in block.headers:
                table.add_column(h, header_style="bold", overflow="fold")
            for row in block.rows:
                table.add_row(*(Text(inline(c)) for c in row))
            console.print(table)
        elif isinstance(block, Field):
            line = Text(f"{block.label}: ", style="bold")
            line.append(inline(block.parts), style=STYLES.get(block.style, ""))
            console.print(line)
        else:
            for text in block_lines(block):
                style = STYLES.get(getattr(block, "style", ""), "")
                console.print(Text(text, style=style))
    console.print()
