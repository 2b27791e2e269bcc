"""Writers that put each report out as soon as it is judged, for the CLI's streaming loop.

Text, JSON lines and CSV write a report when it arrives and keep nothing of it;
JSON writes the same document as :func:`oomlens.render.json.render_json`,
report by report, and keeps only each input's line for ``files``; Markdown
keeps each report's rendered section, in a temporary file once it is large (its
count line comes first). The output
is byte for byte what the whole-result renderers give, except that text puts
its ``N reports:`` line after the reports instead of before them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from oomlens.pipeline import Analysis, FileResult
from oomlens.render import escape


def _single(analysis: Analysis) -> list[FileResult]:
    """One analysis wrapped as the whole-result renderers take it."""
    return [FileResult("", None, 0, "ok", None, (analysis,))]


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


class Tally:
    """Reports per verdict code (``no verdict`` for None): all a count line needs."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.total = 0

    def add(self, analysis: Analysis) -> None:
        key = analysis.verdict.code if analysis.verdict is not None else "no verdict"
        self.counts[key] = self.counts.get(key, 0) + 1
        self.total += 1

    def pairs(self) -> list[tuple[str, int]]:
        """(code, count), most frequent first, as ``describe.count_by_code`` orders them."""
        return sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def line(self) -> str:
        """``3 reports: 2 highatomic-stranded, 1 exhausted``."""
        return f"{self.total} reports: " + ", ".join(f"{n} {c}" for c, n in self.pairs())


class TextWriter(Writer):
    """Plain text blocks, a blank line between reports; the count line last."""

    def __init__(self) -> None:
        super().__init__()
        self.tally = Tally()

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.text import render_text

        self.tally.add(analysis)
        return ("\n" if self.count > 1 else "") + render_text(_single(analysis))

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterable[str]:
        return ["\n" + self.tally.line() + "\n"] if self.count > 1 else []


class RichWriter(TextWriter):
    """The text blocks with rich styles, printed to a terminal as each report arrives."""

    def __init__(self, file: IO[str]) -> None:
        super().__init__()
        self.file = file

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.text import print_rich

        self.tally.add(analysis)
        print_rich(_single(analysis), file=self.file)
        return ""

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterable[str]:
        if self.count > 1:
            from rich.console import Console
            from rich.text import Text

            Console(file=self.file, highlight=False).print(Text(self.tally.line(), style="bold"))
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


class MarkdownWriter(Writer):
    """The document is written at the end (its count line comes first): each report's
    rendered section waits in a temporary file, spilled to disk past a few MiB."""

    SPOOL = 8 << 20  # characters kept in memory before the sections go to disk

    def __init__(self) -> None:
        super().__init__()
        self.spool: IO[str] | None = None
        self.last: str | None = None  # the newest section: the document's end is stripped
        self.tally = Tally()

    def one(self, analysis: Analysis) -> str:
        from oomlens.render.markdown import report_markdown

        if self.last is not None:
            if self.spool is None:
                import tempfile

                self.spool = tempfile.SpooledTemporaryFile(  # closed in tail
                    self.SPOOL, mode="w+", encoding="utf-8", errors="surrogatepass", newline=""
                )
            self.spool.write(self.last + "\n")
        self.last = report_markdown(analysis)
        self.tally.add(analysis)
        return ""

    def tail(self, files: Sequence[tuple[FileResult, int]]) -> Iterator[str]:
        if self.count > 1:
            counts = self.tally.pairs()
            yield (
                f"**{self.count} reports:** "
                + ", ".join(f"{n} `{code}`" for code, n in counts)
                + "\n\n"
            )
        if self.spool is not None:
            self.spool.seek(0)
            while chunk := self.spool.read(1 << 16):
                yield chunk
            self.spool.close()
        yield (self.last or "").rstrip("\n") + "\n"


def writer(fmt: str, terminal: IO[str] | None = None) -> Writer:
    """The streaming writer for ``fmt``; text to a ``terminal`` is styled with rich."""
    if fmt == "text":
        return RichWriter(terminal) if terminal is not None else TextWriter()
    writers: dict[str, type[Writer]] = {
        "json": JsonWriter,
        "jsonl": JsonlWriter,
        "csv": CsvWriter,
        "markdown": MarkdownWriter,
    }
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}")
    return writers[fmt]()
