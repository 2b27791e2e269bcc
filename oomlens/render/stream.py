"""Writers that put each report out as soon as it is judged, for the CLI's streaming loop.

Text, JSON lines and CSV write a report when it arrives and keep nothing of it;
JSON writes the same document as :func:`oomlens.render.json.render_json`,
report by report, and keeps only each input's line for ``files``. Markdown and
HTML, whose count line and contents come first, keep each report's rendered
section in a temporary file (in memory up to a few MiB), never the analysis.
The output is byte for byte what the whole-result renderers give, except that
text puts its ``N reports:`` line after the reports instead of before them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple, cast

from oomlens.pipeline import Analysis, FileResult
from oomlens.render import escape

if TYPE_CHECKING:
    from oomlens.render.doc import Section


class Writer:
    """Streams one format: :meth:`report` per analysis, then :meth:`end`; strings to write."""

    def __init__(self) -> None:
        self.count = 0
        self.started = False

    def begin(self) -> str:
        """What comes before the first report."""
        return ""

    def report(self, analysis: Analysis) -> str:
        """One report's output, preceded by :meth:`begin` for the first."""
        head = "" if self.started else self.begin()
        self.started = True
        self.count += 1
        return head + self.one(analysis)

    def one(self, analysis: Analysis) -> str:
        raise NotImplementedError

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

    def overview(self) -> Section:
        """The document's ``N reports: ...`` section, as ``document.overview`` makes it."""
        from oomlens.render.document import overview

        counted: list[_Counted] = []
        for code, n in self.counts.items():
            counted += [_Counted(None if code == "no verdict" else _Verdict(code))] * n
        return overview(cast("list[Analysis]", counted))


def _section(analysis: Analysis, index: int) -> Section:
    from oomlens.render.document import report_section

    return report_section(analysis, index)


class TextWriter(Writer):
    """Plain text blocks, a blank line between reports; the count line last."""

    def __init__(self) -> None:
        super().__init__()
        self.tally = Tally()

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.text import section_lines

        self.tally.add(analysis)
        lines = section_lines(_section(analysis, self.count))
        return ("\n" if self.count > 1 else "") + "\n".join([*lines, ""])

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterable[str]:
        if self.count < 2:
            return []
        from oomlens.render.text import section_lines

        return ["\n" + "\n".join([*section_lines(self.tally.overview()), ""])]


class RichWriter(TextWriter):
    """The text blocks with rich styles, printed to a terminal as each report arrives."""

    def __init__(self, file: IO[str]) -> None:
        super().__init__()
        self.file = file

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.text import print_rich

        self.tally.add(analysis)
        print_rich([FileResult("", None, 0, "ok", None, (analysis,))], file=self.file)
        return ""

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterable[str]:
        if self.count > 1:
            from rich.console import Console
            from rich.text import Text

            from oomlens.render.text import heading

            line = heading(self.tally.overview())
            Console(file=self.file, highlight=False).print(Text(line, style="bold"))
        return ()


class JsonlWriter(Writer):
    """One ``oomlens/1`` report object a line."""

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.json import report_dict

        return escape.json_text(json.dumps(report_dict(analysis), ensure_ascii=False)) + "\n"


class CsvWriter(Writer):
    """A header line, then one row a report."""

    def begin(self) -> str:
        from oomlens.render.csv import COLUMNS

        return self._line(COLUMNS)

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.csv import row

        return self._line(row(analysis))

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

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.json import report_dict

        text = json.dumps(report_dict(analysis), ensure_ascii=False, indent=2)
        return ("," if self.count > 1 else "") + "\n" + escape.json_text(_indent(text, 4))

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


class _Spool:
    """Text kept for the end of a document: in memory up to a few MiB, then on disk."""

    SIZE = 8 << 20  # characters

    def __init__(self) -> None:
        self.file: IO[str] | None = None

    def write(self, text: str) -> None:
        if self.file is None:
            import tempfile

            self.file = tempfile.SpooledTemporaryFile(  # closed in read()
                self.SIZE, mode="w+", encoding="utf-8", errors="surrogatepass", newline=""
            )
        self.file.write(text)

    def read(self) -> Iterator[str]:
        """Everything written, in pieces; the spool is closed after."""
        if self.file is None:
            return
        self.file.seek(0)
        while piece := self.file.read(1 << 16):
            yield piece
        self.file.close()
        self.file = None


class MarkdownWriter(Writer):
    """The document at the end, its count line first; report sections wait in a spool."""

    def __init__(self) -> None:
        super().__init__()
        self.spool = _Spool()
        self.last: str | None = None  # the newest section: the document's end is stripped
        self.tally = Tally()

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.markdown import section_markdown

        if self.last is not None:
            self.spool.write(self.last + "\n")
        self.last = section_markdown(_section(analysis, self.count))
        self.tally.add(analysis)
        return ""

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterator[str]:
        from oomlens.render.markdown import inline

        if self.count > 1:
            head, *rest = self.tally.overview().title
            yield f"**{inline((head,))}**{inline(tuple(rest))}\n\n"
        yield from self.spool.read()
        yield (self.last or "").rstrip("\n") + "\n"


class HtmlWriter(Writer):
    """The page at the end, its count and contents first; report sections wait in a spool."""

    def __init__(self) -> None:
        super().__init__()
        self.sections = _Spool()
        self.links = _Spool()
        self.tally = Tally()

    def one(self, analysis: Analysis) -> str:
        from oomlens.render import html

        section = _section(analysis, self.count)
        self.sections.write(html._section(section, analysis, self.count))
        self.links.write(
            f'<li><a href="#{escape.html(section.anchor)}">{escape.html(section.code)}</a>: '
            f"{html.inline(section.title)}</li>"
        )
        self.tally.add(analysis)
        return ""

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterator[str]:
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
            yield f"<p>{html.inline(self.tally.overview().title)}</p><nav><ul>"
            yield from self.links.read()
            yield "</ul></nav>"
        else:
            for _ in self.links.read():
                pass  # one report: no contents
        if not n:
            yield '<p class="dim">no OOM or page-allocation-failure report found.</p>'
        yield from self.sections.read()
        yield f"</main><script>{html.SCRIPT}</script></body></html>\n"


def writer(fmt: str, terminal: IO[str] | None = None) -> Writer:
    """The streaming writer for ``fmt``; text to a ``terminal`` is styled with rich."""
    if fmt == "text":
        return RichWriter(terminal) if terminal is not None else TextWriter()
    writers: dict[str, type[Writer]] = {
        "json": JsonWriter,
        "jsonl": JsonlWriter,
        "csv": CsvWriter,
        "markdown": MarkdownWriter,
        "html": HtmlWriter,
    }
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}")
    return writers[fmt]()
