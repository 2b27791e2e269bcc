"""Markdown for bug trackers: reads right rendered (GitHub, GitLab) and as plain text (Bugzilla, mail).

Names and masks are code spans, prose is backslash-escaped, no HTML entity or
tag is written; the raw report is a fenced block with its original prefixes,
fenced by more backticks than any line holds. Every piece goes through
``escape.md``, ``escape.md_code`` or ``escape.md_fence``, once.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def inline(parts: Span, in_table: bool = False) -> str:
    """A span as Markdown: code spans for Code, escaped prose, links to their URL."""
    out = []
    for p in parts:
        if isinstance(p, Code):
            out.append(escape.md_code(p.text, in_table))
        elif isinstance(p, Link):
            out.append(f"[{escape.md(p.text)}]({p.url})")
        else:
            out.append(escape.md(p))
    return "".join(out)


def _label(text: str) -> str:
    return text[0].upper() + text[1:]


def block_markdown(block: Block) -> list[str]:
    """One block as Markdown lines, followed by a blank line where a paragraph ends."""
    if isinstance(block, Para):
        return [inline(block.parts), ""]
    if isinstance(block, Field):
        return [f"- **{_label(block.label)}:** {inline(block.parts)}"]
    if isinstance(block, Items):
        head = f"**{_label(block.title)}**" + (f" ({escape.md(block.note)})" if block.note else "")
        return ["", head, "", *(f"- {inline(item)}" for item in block.items), ""]
    if isinstance(block, Grid):
        if not block.rows:
            return []
        rows = [
            "| " + " | ".join(escape.md(h) for h in block.headers) + " |",
            "|" + "|".join("---" for _ in block.headers) + "|",
        ]
        rows += ["| " + " | ".join(inline(c, True) for c in row) + " |" for row in block.rows]
        return ["", f"**{_label(escape.md(block.title))}**", "", *rows, ""]
    if isinstance(block, Charts):
        return ["", f"_{_label(escape.md(block.note))}._", ""] if block.note else []
    if isinstance(block, Raw):
        return ["", f"**{_label(escape.md(block.title))}**", "", escape.md_fence(block.lines), ""]
    raise TypeError(block)


def section_markdown(section: Section) -> str:
    """One report as a Markdown section."""
    out = [f"### {escape.md_code(section.code)}: {inline(section.title)}", ""]
    for block in section.blocks:
        for line in block_markdown(block):
            if line or out[-1]:  # one blank line between paragraphs (the fence is one item)
                out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def render_markdown(results: Sequence[FileResult], each: bool = False) -> str:
    """All reports as one Markdown document, a count-by-code line first when several."""
    analyses = [a for r in results for a in r.analyses]
    out = []
    for section in sections(analyses, each):
        if section.anchor == "overview":
            head, *rest = section.title
            out.append(f"**{inline((head,))}**{inline(tuple(rest))}\n")
        else:
            out.append(section_markdown(section))
    return "\n".join(out).rstrip("\n") + "\n"
