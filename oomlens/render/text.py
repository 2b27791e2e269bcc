"""Terminal text: a headline, the request, the zone table, the arithmetic, the fixes.

``render_text`` writes plain text (pipes, files, tests); ``print_rich`` writes
the same blocks with rich styles when stdout is a terminal. Every string that
came from the log goes through ``escape.term`` here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from oomlens.incidents import Group, groups
from oomlens.parse.report import Report, ZoneLine
from oomlens.pipeline import Analysis, FileResult
from oomlens.render import describe, escape
from oomlens.render.json import summary_of, task_of

ZONE_HEADERS = ("zone", "free", "min", "reserve", "usable", "H pages", "H reserved", "checks")


@dataclass(frozen=True)
class Line:
    """A line of text with a style name (``""``, ``head``, ``dim``, ``good``, ``bad``)."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Table:
    """A small table: headers and rows of already-escaped cells."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Line | Table


def headline(analysis: Analysis) -> str:
    """``[code] comm (pid N) GFP_X order=N — path:line``, escaped."""
    report = analysis.report
    comm, pid = task_of(report)
    code = analysis.verdict.code if analysis.verdict else "no verdict"
    header = report.header
    req = analysis.request
    gfp = getattr(req, "gfp_text", None) or (
        describe.gfp_text(header.gfp_mask, header.gfp_names) if header else "?"
    )
    order = analysis.order
    who = escape.term(comm or "?") + (f" (pid {pid})" if pid is not None else "")
    kind = report.kind or "report"
    if order is None and gfp == "?":
        what = "request not printed"
    else:
        what = f"{escape.term(gfp)} order={bounds_or_q(order)}"
    return f"[{code}] {who}: {kind} {what} — {escape.term(report.source)}:{report.first_line}"


def memcg_line(report: Report) -> str | None:
    """``memcg: limit of /B hit (task in /A); memory 1024/1024 kB, failcnt 7``, escaped."""
    m = report.memcg
    if m is None:
        return None
    parts = []
    if m.limit_of:
        parts.append(f"limit of {escape.term(m.limit_of)} hit")
    if m.task_in and m.task_in != m.limit_of:
        parts.append(f"task in {escape.term(m.task_in)}")
    for name, usage, limit, failcnt in m.counters[:2]:
        parts.append(f"{escape.term(name)} {usage}/{limit} kB, failcnt {failcnt}")
    return "memcg: " + "; ".join(parts) if parts else None


def bounds_or_q(value: object) -> str:
    """``?`` for None, else the value."""
    return "?" if value is None else str(value)


def _pages(kb: int | None, page_kb: int) -> str:
    return "?" if kb is None else str(kb // page_kb)


def zone_row(zone: ZoneLine, analysis: Analysis, page_kb: int) -> tuple[str, ...]:
    """One zone's cells: report numbers, refined by the verdict's evidence numbers."""
    items = describe.zone_evidence(zone, analysis.verdict.evidence if analysis.verdict else ())
    nums = [pair for e in items for pair in e.numbers]

    def pick(role: str) -> object | None:
        return describe.number(nums, role)

    free = pick("free")
    mark = pick("min")
    raw_min = _pages(zone.min_kb, page_kb)
    min_cell = (
        raw_min
        if mark is None or describe.bounds(mark) == raw_min
        else (f"{raw_min}→{describe.bounds(mark)}")
    )
    held = pick("highatomic_free") or describe.highatomic_pages(zone)
    reserved = pick("reserved")
    if reserved is None and zone.reserved_highatomic_kb is not None:
        reserved = zone.reserved_highatomic_kb // page_kb
    checks = " ".join(describe.check_mark(e) for e in items)
    return (
        escape.term(describe.zone_label(zone)),
        describe.bounds(free) if free is not None else _pages(zone.free_kb, page_kb),
        min_cell,
        describe.bounds(pick("reserve")) if pick("reserve") is not None else "-",
        describe.bounds(pick("usable")) if pick("usable") is not None else "-",
        describe.bounds(held) if held is not None else "-",
        describe.bounds(reserved) if reserved is not None else "-",
        escape.term(checks) or "-",
    )


def request_lines(analysis: Analysis) -> list[Line]:
    """The request decoded: mask, flags, zone, migratetype."""
    req = analysis.request
    header = analysis.report.header
    mask = analysis.gfp_mask
    if mask is None and req is None:
        return [Line("request: not printed in this report", "dim")]
    text = getattr(req, "gfp_text", None) or (header.gfp_names if header else None)
    hexmask = f"{mask:#x}" if mask is not None else "?"
    parts = [f"{escape.term(text)} ({hexmask})" if text else f"gfp_mask={hexmask}"]
    order = analysis.order
    parts.append(f"order {bounds_or_q(order)}")
    if getattr(req, "highest_zone", None):
        parts.append(f"highest zone {escape.term(req.highest_zone)}")
    if getattr(req, "migratetype", None):
        parts.append(f"migratetype {escape.term(req.migratetype)}")
    if getattr(req, "layout", None):
        parts.append(f"bit layout {escape.term(req.layout)}")
    lines = [Line("request: " + ", ".join(parts))]
    flags = getattr(req, "gfp_flags", ())
    if flags:
        lines.append(Line("  flags: " + escape.term("|".join(flags)), "dim"))
    return lines


def report_blocks(analysis: Analysis) -> list[Block]:
    """Everything shown for one report, in order."""
    report: Report = analysis.report
    verdict = analysis.verdict
    blocks: list[Block] = [Line(headline(analysis), "head")]
    summary = summary_of(analysis)
    if summary:
        style = "bad" if verdict and verdict.unreserve_would_avoid else ""
        blocks.append(Line(escape.term(summary), style))
    else:
        blocks.append(Line("no verdict: the report could not be judged", "dim"))
    release = escape.term(report.release or "unknown release")
    kernel = f"kernel: {release}" + (f" {escape.term(report.arch)}" if report.arch else "")
    if verdict and verdict.profile:
        kernel += f"; rules of {escape.term(verdict.profile)}"
    if not report.complete:
        kernel += "; report truncated"
    blocks.append(Line(kernel, "dim"))
    blocks.extend(request_lines(analysis))
    page_kb = describe.page_kb(report)
    if report.zones:
        rows = tuple(zone_row(z, analysis, page_kb) for z in report.zones)
        blocks.append(Line(f"zones (pages of {page_kb} kB):"))
        blocks.append(Table(ZONE_HEADERS, rows))
        if verdict is not None and verdict.evidence:
            blocks.append(
                Line(
                    "  checks: low/min = zone_watermark_fast at that mark, full = "
                    "__zone_watermark_ok; ✓ pass ✗ fail ? depends",
                    "dim",
                )
            )
    if verdict is not None:
        blocks.extend(verdict_blocks(analysis))
    memcg = memcg_line(report)
    if memcg:
        blocks.append(Line(memcg))
    if report.killed is not None:
        k = report.killed
        blocks.append(Line(f"killed: {escape.term(k.comm)} (pid {k.pid})"))
    if report.diagnostics:
        first = report.diagnostics[0]
        blocks.append(
            Line(
                f"{len(report.diagnostics)} line(s) not understood; first: line "
                f"{first.line}: {escape.term(first.message)}",
                "dim",
            )
        )
    return blocks


def verdict_blocks(analysis: Analysis) -> list[Block]:
    """The decisive arithmetic, factors, unreserve answer and fixes."""
    verdict = analysis.verdict
    assert verdict is not None
    blocks: list[Block] = []
    decisive = [e for e in verdict.evidence if e.result != "pass"] or list(verdict.evidence)
    if decisive:
        blocks.append(Line("why:"))
        for e in decisive:
            blocks.append(
                Line(f"  {escape.term(e.zone)} {escape.term(describe.evidence(e, brief=True))}")
            )
    answer = describe.ANSWERS[verdict.unreserve_would_avoid]
    could = describe.ANSWERS[verdict.kernel_could_unreserve]
    rounds = (
        f" (pageblocks to release: {describe.bounds(verdict.unreserve_rounds)})"
        if verdict.unreserve_rounds
        else ""
    )
    blocks.append(
        Line(
            f"unreserve would avoid: {answer}{rounds}; kernel could unreserve: {could};"
            f" confidence: {verdict.confidence}"
        )
    )
    for f in verdict.factors:
        blocks.append(Line(f"factor {escape.term(describe.factor(f))}", "dim"))
    if verdict.missing:
        blocks.append(Line("missing: " + escape.term(", ".join(verdict.missing)), "dim"))
    if verdict.assumptions:
        blocks.append(Line("assumed: " + escape.term(", ".join(verdict.assumptions)), "dim"))
    if verdict.fixes:
        blocks.append(Line("fixes:"))
        for f in verdict.fixes:
            blocks.append(
                Line("  " + escape.term(describe.fix(f)), "good" if f.would_avoid else "")
            )
    return blocks


def overview(analyses: Sequence[Analysis], incidents: int | None = None) -> list[Block]:
    """``3 reports: 2 highatomic-stranded, 1 exhausted`` before several reports."""
    counts = describe.count_by_code([a.verdict for a in analyses])
    text = ", ".join(f"{n} {code}" for code, n in counts)
    many = f" in {incidents} incident{'s' * (incidents != 1)}" if incidents else ""
    return [Line(f"{len(analyses)} reports{many}: {text}", "head")]


def incident_span(group: Group, esc: Callable[[object], str] = escape.term) -> str:
    """``×24, 020.log:2..020.log:88`` with the wall-clock or uptime span when known."""
    first, last = group.first.report, group.last.report
    ids = f"{esc(first.id)}..{esc(last.id)}"
    span = group.span_s
    if first.time is not None and last.time is not None:
        when = f"{first.time.isoformat()}..{last.time.isoformat()}"
    elif first.uptime_s is not None and last.uptime_s is not None:
        when = f"uptime {first.uptime_s:.3f}..{last.uptime_s:.3f} s"
    else:
        return f"×{len(group.analyses)}, {ids}"
    return f"×{len(group.analyses)}, {when} ({span:g} s; {ids})"


def all_blocks(results: Sequence[FileResult], each: bool = False) -> list[list[Block]]:
    """Blocks per incident (per report with ``each``), the overview first when several."""
    analyses = [a for r in results for a in r.analyses]
    shown = list(groups(analyses, each))
    blocks = []
    for group in shown:
        lines = report_blocks(group.first)
        if len(group.analyses) > 1:
            lines.insert(1, Line("incident " + incident_span(group), "head"))
        blocks.append(lines)
    if len(analyses) > 1:
        blocks.insert(0, overview(analyses, len(shown) if len(shown) < len(analyses) else None))
    return blocks


def _table_text(table: Table) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in table.rows)) for i, h in enumerate(table.headers)]
    rows = [table.headers, *table.rows]
    return [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]


def render_text(results: Sequence[FileResult], each: bool = False) -> str:
    """Plain text for every incident read (every report with ``each``)."""
    out: list[str] = []
    for group in all_blocks(results, each):
        for block in group:
            out.extend(_table_text(block) if isinstance(block, Table) else [block.text])
        out.append("")
    return "\n".join(out)


STYLES = {"head": "bold", "dim": "dim", "good": "green", "bad": "bold red", "": ""}


def print_rich(results: Sequence[FileResult], file: object = None, each: bool = False) -> None:
    """The same blocks with rich styles, for a terminal. Imports rich only here."""
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    console = Console(file=file, highlight=False)
    for group in all_blocks(results, each):
        for block in group:
            if isinstance(block, Table):
                table = RichTable(box=None, padding=(0, 1), pad_edge=False)
                for h in block.headers:
                    table.add_column(h, header_style="bold", no_wrap=True)
                for row in block.rows:
                    table.add_row(*(Text(c) for c in row))
                console.print(table)
            else:
                console.print(Text(block.text, style=STYLES.get(block.style, "")))
        console.print()
