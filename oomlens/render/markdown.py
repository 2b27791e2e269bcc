"""Markdown for bug tickets: headline, zone table, evidence, fixes, raw excerpt.

Every string from the log goes through ``escape.md`` (inline) or
``escape.html`` (the ``<pre>`` excerpt), once.
"""

from __future__ import annotations

from collections.abc import Sequence

from oomlens.incidents import groups
from oomlens.pipeline import Analysis, FileResult
from oomlens.render import describe, escape
from oomlens.render.json import summary_of, task_of
from oomlens.render.text import ZONE_HEADERS, incident_span, zone_row


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def report_markdown(analysis: Analysis) -> str:
    """One report as a Markdown section."""
    report = analysis.report
    verdict = analysis.verdict
    comm, pid = task_of(report)
    header = report.header
    req = analysis.request
    gfp = getattr(req, "gfp_text", None) or (
        describe.gfp_text(header.gfp_mask, header.gfp_names) if header else "?"
    )
    order = analysis.order
    code = verdict.code if verdict else "no verdict"
    who = escape.md(comm or "?") + (f" (pid {pid})" if pid is not None else "")
    out = [
        f"### `{code}`: {who}, {escape.md_code(gfp)} order={'?' if order is None else order}",
        "",
    ]
    summary = summary_of(analysis)
    out += [escape.md(summary) if summary else "_No verdict: the report could not be judged._", ""]
    facts = [
        f"- **Source:** {escape.md(report.source)} lines {report.first_line}–{report.last_line}"
        + ("" if report.complete else " (truncated)"),
        f"- **Kernel:** {escape.md(report.release or 'unknown')} {escape.md(report.arch or '')}".rstrip(),
    ]
    mask = analysis.gfp_mask
    if mask is not None:
        extra = [
            f"{label} {escape.md(v)}"
            for label, v in (
                ("highest zone", getattr(req, "highest_zone", None)),
                ("migratetype", getattr(req, "migratetype", None)),
            )
            if v
        ]
        facts.append(
            f"- **Request:** `{mask:#x}` = {escape.md_code(gfp)}, order "
            f"{'?' if order is None else order}" + "".join(f", {e}" for e in extra)
        )
    if verdict is not None:
        facts.append(
            f"- **Unreserve would avoid:** {describe.ANSWERS[verdict.unreserve_would_avoid]}"
            f"; kernel could unreserve: {describe.ANSWERS[verdict.kernel_could_unreserve]}"
            f"; confidence: {verdict.confidence}"
        )
        if verdict.profile:
            facts.append(f"- **Rules:** {escape.md(verdict.profile)}")
    memcg = report.memcg
    if memcg is not None and (memcg.limit_of or memcg.counters):
        counters = "; ".join(
            f"{escape.md(n)} {u}/{lim} kB, failcnt {f}" for n, u, lim, f in memcg.counters[:2]
        )
        where = f"{escape.md(memcg.limit_of)} " if memcg.limit_of else ""
        facts.append(f"- **Memory cgroup:** {where}{counters}".rstrip())
    if report.killed is not None:
        facts.append(f"- **Killed:** {escape.md(report.killed.comm)} (pid {report.killed.pid})")
    out += facts + [""]
    if report.zones:
        page_kb = describe.page_kb(report)
        out += [
            f"Zones (pages of {page_kb} kB):",
            "",
            _row(ZONE_HEADERS),
            _row(["---"] * len(ZONE_HEADERS)),
        ]
        # zone_row escapes for the terminal; markdown-escape on top of the raw values instead.
        for zone in report.zones:
            cells = zone_row(zone, analysis, page_kb)
            out.append(
                _row(
                    [
                        *(escape.md(c) for c in cells[:-1]),
                        escape.md_code(cells[-1], in_table=True) if cells[-1] != "-" else "-",
                    ]
                )
            )
        out.append("")
    if verdict is not None:
        out += _verdict_markdown(analysis)
    out += _excerpt(analysis)
    return "\n".join(out)


def _verdict_markdown(analysis: Analysis) -> list[str]:
    verdict = analysis.verdict
    assert verdict is not None
    out: list[str] = []
    if verdict.evidence:
        out += ["**Evidence**", ""]
        out += [
            f"- {escape.md(e.zone)} {escape.md_code(e.check)}: "
            f"{escape.md_code(describe.evidence_body(e))}"
            for e in verdict.evidence
        ]
        out.append("")
    if verdict.factors:
        out += (
            ["**Factors**", ""]
            + [f"- {escape.md(describe.factor(f))}" for f in verdict.factors]
            + [""]
        )
    if verdict.missing:
        out += ["**Missing:** " + escape.md(", ".join(verdict.missing)), ""]
    if verdict.fixes:
        out += ["**Fixes**", ""] + [f"- {escape.md(describe.fix(f))}" for f in verdict.fixes]
        out.append("")
    return out


def _excerpt(analysis: Analysis) -> list[str]:
    report = analysis.report
    if not report.lines:
        return []
    body = "\n".join(escape.html(line) for line in report.lines)
    return [
        f"<details><summary>Raw report (lines {report.first_line}–{report.last_line})</summary>",
        "",
        f"<pre>{body}</pre>",
        "",
        "</details>",
        "",
    ]


def render_markdown(results: Sequence[FileResult], each: bool = False) -> str:
    """All incidents (every report with ``each``) as one Markdown document, a count-by-code
    line first when several."""
    analyses = [a for r in results for a in r.analyses]
    shown = list(groups(analyses, each))
    out: list[str] = []
    if len(analyses) > 1:
        counts = describe.count_by_code([a.verdict for a in analyses])
        many = (
            f" in {len(shown)} incident{'s' * (len(shown) != 1)}"
            if len(shown) < len(analyses)
            else ""
        )
        out += [
            f"**{len(analyses)} reports{many}:** "
            + ", ".join(f"{n} `{code}`" for code, n in counts),
            "",
        ]
    for group in shown:
        section = report_markdown(group.first)
        if len(group.analyses) > 1:
            head, _, rest = section.partition("\n\n")
            section = f"{head}\n\n**Incident:** {incident_span(group, escape.md)}\n\n{rest}"
        out.append(section)
    return "\n".join(out).rstrip("\n") + "\n"
