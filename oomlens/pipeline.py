"""The whole flow for one input: ingest → segment → parse → model → replay → judge.

This is the one function both the CLI and the batch engines call per file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oomlens.facts import Facts
from oomlens.judge.verdict import Verdict
from oomlens.kernel.request import Request
from oomlens.options import Options
from oomlens.parse.report import Report
from oomlens.read.diagnostic import Diagnostic

if TYPE_CHECKING:
    from oomlens.read.ingest import Input
    from oomlens.read.segment import ScanStats


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


def analyze_report(report: Report, options: Options) -> Analysis:
    """Model, replay and judge one parsed report; a model failure leaves verdict None."""
    from dataclasses import replace

    from oomlens.facts import build_facts
    from oomlens.judge.judge import judge_report

    try:
        j = judge_report(report, options)
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


def _analyses(inp: Input, options: Options, stats: ScanStats) -> Iterator[Analysis]:
    """Segment, parse and judge an opened input, report by report."""
    from oomlens.parse.assemble import parse_raw
    from oomlens.read.segment import segment_stream

    for raw in segment_stream(inp.stream, inp.path, stats):
        yield analyze_report(parse_raw(raw), options)


def iter_analyses(
    path: str | None, options: Options | None = None, diagnostics: list[Diagnostic] | None = None
) -> Iterator[Analysis]:
    """Stream the analyses of one input, report by report (raises InputError if unreadable)."""
    from oomlens.read.ingest import open_input
    from oomlens.read.segment import ScanStats

    inp = open_input(path)
    try:
        yield from _analyses(inp, options or Options(), ScanStats())
    finally:
        if diagnostics is not None:
            diagnostics.extend(inp.diagnostics)
        inp.close()


def analyze_file(path: str | None, options: Options | None = None) -> FileResult:
    """Everything in one input; never raises for bad content or an unreadable file."""
    from oomlens.read.ingest import InputError, open_input
    from oomlens.read.segment import ScanStats

    display = "<stdin>" if path in (None, "-") else str(path)
    try:
        inp = open_input(path)
    except InputError as err:
        return FileResult(display, None, 0, "unreadable", str(err))
    stats = ScanStats()
    analyses: list[Analysis] = []
    try:
        analyses.extend(_analyses(inp, options or Options(), stats))
    except OSError as err:  # a read error mid-file: keep what was read
        inp.diagnostics.append(Diagnostic(stats.lines, f"read error: {err}"))
    finally:
        inp.close()
    diags = tuple(inp.diagnostics)
    status = "partial" if diags else "ok"
    return FileResult(
        inp.path,
        inp.size,
        stats.lines,
        status,
        diags[0].message if diags else None,
        tuple(analyses),
        diags,
    )
