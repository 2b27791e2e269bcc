"""Writers that put each report out as soon as it is judged, for the CLI's streaming loop.

The CLI gives each analysis its incident (``incidents.Tracker``) before handing it
over, and says when incidents end. JSON lines and CSV write a report when it
arrives and keep nothing of it; JSON writes the same document as
``render_json``, report by report, keeping only each input's line for ``files``.
Text, Markdown and HTML show one section per incident (every report with
``each``), so a section is written once its incident has ended and every
incident before it has been written: an incident's first and last analyses are
held while it is open, finished sections wait in a temporary file, never in
memory. The output is byte for byte what the whole-result renderers give,
except that text puts its ``N reports:`` line after the sections instead of
before them.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, NamedTuple, cast

from oomlens.pipeline import Analysis, FileResult
from oomlens.render import escape

if TYPE_CHECKING:
    from oomlens.render.doc import Section


class Writer:
    """Streams one format: :meth:`report` per analysis, :meth:`ended` as incidents end,
    then :meth:`end`; each gives what to write, in pieces (a long document never has to
    sit in memory as one string)."""

    def __init__(self) -> None:
        self.count = 0
        self.started = False

    def begin(self) -> str:
        """What comes before the first report."""
        return ""

    def report(self, analysis: Analysis) -> Iterator[str]:
        """One report's output, preceded by :meth:`begin` for the first."""
        if not self.started:
            self.started = True
            yield self.begin()
        self.count += 1
        yield from self.one(analysis)

    def one(self, analysis: Analysis) -> Iterable[str]:
        raise NotImplementedError

    def ended(self, incidents: Iterable[str]) -> Iterator[str]:
        """These incidents (by id) take no more reports."""
        return iter(())

    def end(self, files: Sequence[tuple[FileResult, int]]) -> Iterator[str]:
        """What follows the last report, in pieces; ``files``: each readable input and its
        report count. With no readable input at all nothing is written, as before streaming.
        """
        if not files and not self.started:
            return
        if not self.started:
            yield self.begin()
        self.started = True
        yield from self.tail(files)

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterable[str]:
        return ()


# --- machine formats: every report as it comes --------------------------------------------


class JsonlWriter(Writer):
    """One ``oomlens/1`` report object a line."""

    def one(self, analysis: Analysis) -> Iterable[str]:
        from oomlens.render.json import report_dict

        return [escape.json_text(json.dumps(report_dict(analysis), ensure_ascii=False)) + "\n"]


class CsvWriter(Writer):
    """A header line, then one row a report."""

    def begin(self) -> str:
        from oomlens.render.csv import COLUMNS

        return self._line(COLUMNS)

    def one(self, analysis: Analysis) -> Iterable[str]:
        from oomlens.render.csv import row

        return [self._line(row(analysis))]

    @staticmethod
    def _line(cells: Sequence[str]) -> str:
        import csv
        import io

        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        return buf.getvalue()


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.split("\n"))


class JsonWriter(Writer):
    """The ``{"schema", "reports", "files"}`` document, its reports written as they come."""

    def begin(self) -> str:
        from oomlens.render.json import SCHEMA

        return '{\n  "schema": ' + json.dumps(SCHEMA) + ',\n  "reports": ['

    def one(self, analysis: Analysis) -> Iterable[str]:
        from oomlens.render.json import report_dict

        text = json.dumps(report_dict(analysis), ensure_ascii=False, indent=2)
        return [("," if self.count > 1 else "") + "\n" + escape.json_text(_indent(text, 4))]

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterable[str]:
        from oomlens.render.json import file_dict

        entries = []
        for result, count in files:
            entry = file_dict(result)
            entry["reports"] = count
            entries.append(entry)
        listed = json.dumps(entries, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        close = "\n  ]" if self.count else "]"
        return [close + ',\n  "files": ' + escape.json_text(listed) + "\n}\n"]


# --- documents: one section per incident --------------------------------------------------


class _Verdict(NamedTuple):
    code: str


class _Counted(NamedTuple):
    """All the overview reads of an analysis: its verdict's code."""

    verdict: _Verdict | None


class Tally:
    """Reports per verdict code (``no verdict`` for None): all a count line needs."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.total = 0

    def add(self, analysis: Analysis) -> None:
        key = analysis.verdict.code if analysis.verdict is not None else "no verdict"
        self.counts[key] = self.counts.get(key, 0) + 1
        self.total += 1

    def overview(self, shown: int) -> Section:
        """The ``N reports[ in M incidents]: ...`` section, as ``document.overview`` makes it."""
        from oomlens.render.document import overview

        counted: list[_Counted] = []
        for code, n in self.counts.items():
            counted += [_Counted(None if code == "no verdict" else _Verdict(code))] * n
        grouped = shown if shown < self.total else None
        return overview(cast("list[Analysis]", counted), grouped)


@dataclass
class _Open:
    """An incident still taking reports: its first and latest analysis, how many."""

    seq: int  # its place in the document (order of first reports), from 1
    first: Analysis
    last: Analysis
    reports: int = 1
    dropped: int = 0  # messages the kernel's ratelimit dropped between its reports


def group_section(g: _Open) -> Section:
    """An incident's section: its first report's, with the ``incident`` line when several
    (as ``document.sections`` builds it)."""
    from oomlens.incidents import Group
    from oomlens.render.doc import Field
    from oomlens.render.document import incident_span, report_section

    section = report_section(g.first, g.seq)
    if g.reports > 1:
        # span reads first and last; the count and the dropped messages are given
        group = Group((g.first, *(g.first,) * (g.reports - 2), g.last), dropped=g.dropped)
        line = Field("incident", (incident_span(group),), "head")
        section = replace(section, blocks=(*section.blocks[:1], line, *section.blocks[1:]))
    return section


class _Disk:
    """Rendered text kept for later under increasing numbers: in memory up to a few MiB,
    then in a temporary file; 16 bytes of index a piece."""

    SIZE = 8 << 20  # bytes

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.SpooledTemporaryFile(self.SIZE)  # closed by close()
        self.base = 0  # the number of index[0]
        self.offsets = array("q")  # -1: nothing under that number (yet)
        self.lengths = array("q")

    def put(self, key: int, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self.file.seek(0, 2)
        if not self.offsets:
            self.base = key
        if key < self.base:  # an earlier piece after a later one: grow the index in front
            gap = self.base - key
            self.offsets[0:0] = array("q", [-1]) * gap
            self.lengths[0:0] = array("q", [0]) * gap
            self.base = key
        while key - self.base >= len(self.offsets):
            self.offsets.append(-1)
            self.lengths.append(0)
        self.offsets[key - self.base] = self.file.tell()
        self.lengths[key - self.base] = len(data)
        self.file.write(data)

    def take(self, key: int) -> str | None:
        """The piece under ``key``, once; pieces are taken in increasing order."""
        i = key - self.base
        if not 0 <= i < len(self.offsets) or self.offsets[i] < 0:
            return None
        self.file.seek(self.offsets[i])
        data = self.file.read(self.lengths[i])
        self.offsets[i] = -1
        if i + 1 >= len(self.offsets) // 2:  # everything up to here is spent: drop it
            del self.offsets[: i + 1]
            del self.lengths[: i + 1]
            self.base = key + 1
        if not self.offsets:
            self.file.seek(0)
            self.file.truncate()  # everything was taken: start the file again
        return data.decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self.file.close()


def _untimed(analysis: Analysis) -> bool:
    return analysis.report.time is None and analysis.report.uptime_s is None


class DocumentWriter(Writer):
    """Sections in order of their first report, each written once its incident has ended."""

    def __init__(self, each: bool = False) -> None:
        super().__init__()
        self.each = each
        self.tally = Tally()
        self.open: dict[str, _Open] = {}
        self.seq = 0  # sections begun
        self.next = 1  # the next section to write
        self.waiting = _Disk()  # finished sections behind an open one

    def one(self, analysis: Analysis) -> Iterator[str]:
        self.tally.add(analysis)
        key = analysis.incident
        # An incident whose latest report has neither time nor uptime takes only the next
        # report (incidents.close): any other report ends it.
        yield from self.ended([i for i, g in self.open.items() if i != key and _untimed(g.last)])
        group = self.open.get(key) if key is not None and not self.each else None
        if group is not None:
            group.last = analysis
            group.reports += 1
            group.dropped += analysis.report.suppressed_before
            return
        self.seq += 1
        group = _Open(self.seq, analysis, analysis)
        if self.each or key is None:
            yield from self._finish(group)
            return
        self.open[key] = group

    def ended(self, incidents: Iterable[str]) -> Iterator[str]:
        for i in list(incidents):
            group = self.open.pop(i, None)
            if group is not None:
                yield from self._finish(group)

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterator[str]:
        for group in sorted(self.open.values(), key=lambda g: g.seq):
            yield from self._finish(group)
        self.open.clear()
        self.waiting.close()
        yield from self.close_document()

    def _finish(self, group: _Open) -> Iterator[str]:
        """Render an ended incident; give what may be written now (in document order)."""
        done = self.render(group)
        if group.seq != self.next:
            self.waiting.put(group.seq, done)
            return
        yield self.emit(done)
        self.next += 1
        while (text := self.waiting.take(self.next)) is not None:
            yield self.emit(text)
            self.next += 1

    def render(self, group: _Open) -> str:
        raise NotImplementedError

    def emit(self, text: str) -> str:
        """Sections ready in order: written now (text) or kept for the end (documents)."""
        return text

    def close_document(self) -> Iterable[str]:
        return ()


class TextWriter(DocumentWriter):
    """Plain text sections, a blank line between them; the count line last."""

    def render(self, group: _Open) -> str:
        from oomlens.render.text import section_lines

        lines = section_lines(group_section(group))
        return ("\n" if group.seq > 1 else "") + "\n".join([*lines, ""])

    def close_document(self) -> Iterable[str]:
        if self.count < 2:
            return []
        from oomlens.render.text import section_lines

        return ["\n" + "\n".join([*section_lines(self.tally.overview(self.seq)), ""])]


class RichWriter(DocumentWriter):
    """The text sections with rich styles, printed to a terminal as they are ready."""

    def __init__(self, file: IO[str], each: bool = False) -> None:
        super().__init__(each)
        from rich.console import Console

        self.console = Console(file=file, highlight=False)

    def render(self, group: _Open) -> str:
        with self.console.capture() as captured:
            from oomlens.render.text import print_section

            print_section(self.console, group_section(group))
        return captured.get()

    def close_document(self) -> Iterable[str]:
        if self.count < 2:
            return []
        from rich.text import Text

        from oomlens.render.text import heading

        with self.console.capture() as captured:
            self.console.print(Text(heading(self.tally.overview(self.seq)), style="bold"))
        return [captured.get()]


class MarkdownWriter(DocumentWriter):
    """The document at the end, its count line first."""

    def __init__(self, each: bool = False) -> None:
        super().__init__(each)
        self.body = _Disk()
        self.parts = 0
        self.last: str | None = None  # the newest section: the document's end is stripped

    def render(self, group: _Open) -> str:
        from oomlens.render.markdown import section_markdown

        return section_markdown(group_section(group))

    def emit(self, text: str) -> str:
        if self.last is not None:
            self.body.put(self.parts, self.last + "\n")
            self.parts += 1
        self.last = text
        return ""

    def close_document(self) -> Iterator[str]:
        from oomlens.render.markdown import inline

        if self.count > 1:
            head, *rest = self.tally.overview(self.seq).title
            yield f"**{inline((head,))}**{inline(tuple(rest))}\n\n"
        for part in range(self.parts):
            yield self.body.take(part) or ""
        self.body.close()
        yield (self.last or "").rstrip("\n") + "\n"


class HtmlWriter(DocumentWriter):
    """The page at the end, its count and contents first."""

    def __init__(self, each: bool = False) -> None:
        super().__init__(each)
        self.sections = _Disk()
        self.links = _Disk()
        self.parts = 0

    def render(self, group: _Open) -> str:
        from oomlens.render import html

        section = group_section(group)
        link = (
            f'<li><a href="#{escape.html(section.anchor)}">{escape.html(section.code)}</a>: '
            f"{html.inline(section.title)}</li>"
        )
        return link + "\0" + html._section(section, group.first, group.seq)

    def emit(self, text: str) -> str:
        link, _, section = text.partition("\0")  # render() joins the two with a NUL
        self.links.put(self.parts, link)
        self.sections.put(self.parts, section)
        self.parts += 1
        return ""

    def close_document(self) -> Iterator[str]:
        from oomlens.render import html

        n = self.count
        head = f"{n} report{'s' * (n != 1)}"
        yield (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{html.CSP}">'
            '<meta name="referrer" content="no-referrer">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>oomlens: {escape.html(head)}</title><style>{html.STYLE}</style></head>"
            f"<body><main><h1>oomlens: {escape.html(head)}</h1>"
        )
        if n > 1:
            yield f"<p>{html.inline(self.tally.overview(self.seq).title)}</p>"
        if self.parts > 1:
            yield "<nav><ul>"
            for i in range(self.parts):
                yield self.links.take(i) or ""
            yield "</ul></nav>"
        if not self.parts:
            yield '<p class="dim">no OOM or page-allocation-failure report found.</p>'
        for i in range(self.parts):
            yield self.sections.take(i) or ""
        self.links.close()
        self.sections.close()
        yield f"</main><script>{html.SCRIPT}</script></body></html>\n"


def writer(fmt: str, terminal: IO[str] | None = None, each: bool = False) -> Writer:
    """The streaming writer for ``fmt``; text to a ``terminal`` is styled with rich; text,
    Markdown and HTML show every report with ``each``, else one section per incident."""
    if fmt == "text":
        return RichWriter(terminal, each) if terminal is not None else TextWriter(each)
    documents: dict[str, type[DocumentWriter]] = {
        "markdown": MarkdownWriter,
        "html": HtmlWriter,
    }
    if fmt in documents:
        return documents[fmt](each)
    machines: dict[str, type[Writer]] = {"json": JsonWriter, "jsonl": JsonlWriter, "csv": CsvWriter}
    if fmt not in machines:
        raise ValueError(f"unknown format {fmt!r}")
    return machines[fmt]()
