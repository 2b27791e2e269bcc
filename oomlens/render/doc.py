"""The document every human-readable format shows: blocks of words, codes, links and tables.

``oomlens.render.document`` builds one ``Section`` per report from its Facts and
Verdict; text, Markdown and HTML only lay these blocks out and escape each piece
for their medium. Plain ``str`` pieces are oomlens's own words; ``Code`` pieces
are symbols or text from the log (a comm, a mask, a path), shown verbatim in a
code span and escaped as log text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    """A symbol or a string from the log, shown verbatim (a code span in Markdown and HTML)."""

    text: str


@dataclass(frozen=True)
class Link:
    """Words that link to a page (an upstream commit); plain text shows the address too."""

    text: str
    url: str


Inline = str | Code | Link
Span = tuple[Inline, ...]


@dataclass(frozen=True)
class Para:
    """A paragraph; ``style`` is a hint for terminals (``head``, ``dim``, ``good``, ``bad``)."""

    parts: Span
    style: str = ""


@dataclass(frozen=True)
class Field:
    """``label: words`` — one line of the headline or the facts."""

    label: str
    parts: Span
    style: str = ""


@dataclass(frozen=True)
class Items:
    """A titled list."""

    title: str
    items: tuple[Span, ...]
    style: str = ""
    note: str = ""  # a line under the title (a legend)


@dataclass(frozen=True)
class Grid:
    """A titled table; ``numeric`` columns sort by number in HTML."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Span, ...], ...]
    numeric: tuple[bool, ...] = ()
    sortable: bool = False
    key: str = ""  # names the table for tests and HTML ids ("zones", "users")


@dataclass(frozen=True)
class Raw:
    """The report's own lines, with the prefixes they were logged with."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Charts:
    """Where per-zone free-list charts go (HTML draws them; text says how to get them)."""

    zones: tuple[str, ...]  # labels of the zones with a buddy line
    note: str  # said when there is nothing to draw


Block = Para | Field | Items | Grid | Raw | Charts


@dataclass(frozen=True)
class Section:
    """One report (or the overview): a heading and its blocks."""

    anchor: str
    title: Span
    blocks: tuple[Block, ...] = field(default=())
    code: str = ""  # the verdict code ("no verdict" without one); "" for the overview


def plain(parts: Span) -> str:
    """The words of ``parts`` without markup (for titles and tests); log text not escaped."""
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, Code):
            out.append(p.text)
        else:
            out.append(p.text)
    return "".join(out)
