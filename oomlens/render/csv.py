"""CSV: one row per report, the columns a spreadsheet or ``sort | uniq -c`` wants."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from oomlens.pipeline import Analysis, FileResult
from oomlens.render import escape
from oomlens.render.json import summary_of, task_of

COLUMNS = (
    "id",
    "path",
    "lines",
    "kind",
    "release",
    "comm",
    "pid",
    "gfp",
    "order",
    "code",
    "unreserve_would_avoid",
    "confidence",
    "summary",
    "time",
    "uptime_s",
    "host",
)


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


def row(analysis: Analysis) -> tuple[str, ...]:
    """One report's cells, in COLUMNS order; log text neutralised for spreadsheets."""
    report, verdict = analysis.report, analysis.verdict
    comm, pid = task_of(analysis)
    mask, order = analysis.gfp_mask, analysis.order
    return (
        escape.csv_cell(report.id),
        escape.csv_cell(report.source),
        f"{report.first_line}-{report.last_line}",
        report.kind or "",
        escape.csv_cell(report.release or ""),
        escape.csv_cell(comm or ""),
        "" if pid is None else str(pid),
        "" if mask is None else f"{mask:#x}",
        "" if order is None else str(order),
        verdict.code if verdict else "",
        _flag(verdict.unreserve_would_avoid) if verdict else "",
        verdict.confidence if verdict else "",
        escape.csv_cell(summary_of(analysis) or ""),
        "" if report.time is None else report.time.isoformat(),
        "" if report.uptime_s is None else f"{report.uptime_s:.6f}",
        escape.csv_cell(report.host or ""),
    )


def render_csv(results: Sequence[FileResult]) -> str:
    """A header line and one row per report."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for result in results:
        for analysis in result.analyses:
            writer.writerow(row(analysis))
    return buf.getvalue()
