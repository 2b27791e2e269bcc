"""The whole flow for one input: ingest → segment → parse → model → replay → judge.

This is the one function both the CLI and the batch engines call per file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from oomlens.facts import Facts
from oomlens.judge.verdict import Verdict
from oomlens.kernel.request import Request
from oomlens.options import Options
from oomlens.parse.report import Report
from oomlens.read.diagnostic import Diagnostic

if TYPE_CHECKING:
    from oomlens.read.clock import Clock
    from oomlens.read.ingest import Input
    from oomlens.read.prefilter import ScanStats


@dataclass(frozen=True)
class Analysis:
    """One report with what the model made of it."""

    report: Report
    request: Request | None = None
    verdict: Verdict | None = None
    incident: str | None = (
        None  # id shared by reports of one incident (same host, boot, request, verdict)
    )
    facts: Facts | None = None  # page size, request text, task, zone figures: worked out once

    @property
    def gfp_mask(self) -> int | None:
        """The request's mask as decoded, else as the header printed it."""
        if self.request is not None and self.request.gfp_mask is not None:
            return self.request.gfp_mask
        return self.report.header.gfp_mask if self.report.header else None

    @property
    def order(self) -> int | None:
        """The request's order as decoded, else as the header printed it."""
        if self.request is not None and self.request.order is not None:
            return self.request.order
        return self.report.header.order if self.report.header else None


@dataclass(frozen=True)
class FileResult:
    """Everything read from one input: its reports and what went wrong reading it."""

    path: str
    size: int | None
    lines: int
    status: str  # "ok" | "partial" | "unreadable"
    reason: str | None
    analyses: tuple[Analysis, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    assumptions: tuple[str, ...] = ()  # what the log did not say about time, taken as said


def analyze_report(report: Report, options: Options, victim: bool = False) -> Analysis:
    """Model, replay and judge one parsed report; a model failure leaves verdict None.

    ``victim``: an earlier OOM of the same log killed this report's task.
    """
    from oomlens.facts import build_facts
    from oomlens.judge.judge import judge_report

    try:
        j = judge_report(report, options, victim)
    except Exception as err:  # noqa: BLE001 - one report's model failure must not lose the file
        note = Diagnostic(
            report.first_line, f"model could not judge this report: {type(err).__name__}: {err}"
        )
        return Analysis(report=replace(report, diagnostics=report.diagnostics + (note,)))
    try:
        facts = build_facts(report, j.request, j.state, j.profile, j.verdict, options.page_kb)
    except Exception:  # noqa: BLE001 - facts are for display; the verdict stands without them
        facts = None
    return Analysis(report=report, request=j.request, verdict=j.verdict, facts=facts)


def _analyses(inp: Input, options: Options, stats: ScanStats, clock: Clock) -> Iterator[Analysis]:
    """Segment, parse and judge an opened input, report by report."""
    from oomlens.judge.caller import Victims, interleaved_after
    from oomlens.parse.assemble import parse_raw
    from oomlens.read.prefilter import CHUNK
    from oomlens.read.segment import segment_stream

    chunks = None
    if inp.live:  # read as data arrives; a quiet spell closes the open reports
        from oomlens.read.live import live_chunks

        stream = inp.stream
        read = getattr(stream, "read1", stream.read)
        chunks = live_chunks(read, CHUNK)
    victims = Victims()
    held: Report | None = None  # a whole input's report waits for the next one (interleaved)
    for raw in segment_stream(
        inp.stream, inp.path, stats, clock, chunks, inp.physical_line, journal=inp.records
    ):
        report = parse_raw(raw)
        if held is not None:
            if interleaved_after(held, report):
                held = replace(held, interleaved=True)
            yield analyze_report(held, options, victims.seen(held))
        held = report
        if inp.live:  # a live input's report is judged as it closes
            yield analyze_report(held, options, victims.seen(held))
            held = None
    if held is not None:
        yield analyze_report(held, options, victims.seen(held))


def _cut_note(stats: ScanStats) -> Diagnostic:
    """The input's lines past MAX_LINE bytes, said once (a report may start past a cut)."""
    from oomlens.read.logline import MAX_LINE

    n = stats.cut_lines
    what = "a line" if n == 1 else f"{n} lines"
    return Diagnostic(
        stats.first_cut, f"{what} over {MAX_LINE} bytes: only the first {MAX_LINE} of each read"
    )


def _clock(inp: Input, options: Options) -> Clock:
    from oomlens.read.clock import Clock

    return Clock(options.year, options.utc_offset, options.boot_time, inp.mtime)


def iter_analyses(
    path: str | None, options: Options | None = None, diagnostics: list[Diagnostic] | None = None
) -> Iterator[Analysis]:
    """Stream the analyses of one input, report by report (raises InputError if unreadable)."""
    from oomlens.read.ingest import open_input
    from oomlens.read.prefilter import ScanStats

    options = options or Options()
    inp = open_input(path, options.max_expanded)
    stats = ScanStats()
    try:
        yield from _analyses(inp, options, stats, _clock(inp, options))
    finally:
        if stats.cut_lines:
            inp.diagnostics.append(_cut_note(stats))
        if diagnostics is not None:
            diagnostics.extend(inp.diagnostics)
        inp.close()


class FileStream:
    """One input's analyses as they are judged; :attr:`result` describes the input after.

    Iterate it once. Nothing is kept: ``result.analyses`` is empty and
    :attr:`count` says how many there were. Never raises for bad content or an
    unreadable input (``result.status`` says so).
    """

    def __init__(self, path: str | None, options: Options | None = None, follow: bool = False):
        self.path = path
        self.options = options or Options()
        self.follow = follow
        self.count = 0
        display = "<stdin>" if path in (None, "-") else str(path)
        self.result = FileResult(display, None, 0, "unreadable", "not read yet")

    def __iter__(self) -> Iterator[Analysis]:
        from oomlens.read.ingest import InputError, open_input
        from oomlens.read.prefilter import ScanStats

        try:
            inp = open_input(self.path, self.options.max_expanded, follow=self.follow)
        except InputError as err:
            self.result = replace(self.result, reason=str(err))
            return
        stats = ScanStats()
        clock = _clock(inp, self.options)
        try:
            for analysis in _analyses(inp, self.options, stats, clock):
                self.count += 1
                yield analysis
        except OSError as err:  # a read error mid-file: keep what was read
            inp.diagnostics.append(Diagnostic(stats.lines, f"read error: {err}"))
        finally:
            inp.close()
            if stats.cut_lines:  # said on each report's own line too; here, whether or not
                inp.diagnostics.append(_cut_note(stats))
            diags = tuple(inp.diagnostics)
            self.result = FileResult(
                inp.path,
                inp.size,
                stats.lines,
                "partial" if diags else "ok",
                diags[0].message if diags else None,
                (),
                diags,
                tuple(clock.assumptions),
            )


def stream_file(
    path: str | None, options: Options | None = None, follow: bool = False
) -> FileStream:
    """The analyses of one input as they are judged (what the CLI uses: nothing accumulates)."""
    return FileStream(path, options, follow)


def analyze_file(path: str | None, options: Options | None = None) -> FileResult:
    """Everything in one input; never raises for bad content or an unreadable file."""
    stream = stream_file(path, options)
    analyses = tuple(stream)
    return replace(stream.result, analyses=analyses)
