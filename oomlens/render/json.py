"""The ``oomlens/1`` JSON contract (docs/architecture.md §4): one document, or one report a line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from oomlens.judge.verdict import Verdict
from oomlens.parse.report import Killed, Report, ZoneLine
from oomlens.pipeline import Analysis, FileResult
from oomlens.render import describe, escape

SCHEMA = "oomlens/1"


def _plain(value: object) -> Any:
    """Tuples (bounds) as lists, everything else as is."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _zone(zone: ZoneLine) -> dict[str, Any]:
    buddy = zone.buddy
    return {
        "node": zone.node if zone.node is not None else 0,
        "name": zone.name,
        "free_kb": zone.free_kb,
        "min_kb": zone.min_kb,
        "low_kb": zone.low_kb,
        "high_kb": zone.high_kb,
        "managed_kb": zone.managed_kb,
        "free_cma_kb": zone.free_cma_kb,
        "reserved_highatomic_kb": zone.reserved_highatomic_kb,
        "lowmem_reserve": list(zone.lowmem_reserve or ()),
        "free_area": [
            {"order": e.order, "count": e.count, "kb": e.size_kb, "types": e.types}
            for e in (buddy.entries if buddy else ())
        ],
        "free_area_kb": buddy.total_kb if buddy else None,
    }


def _killed(killed: Killed | None) -> dict[str, Any] | None:
    if killed is None:
        return None
    out: dict[str, Any] = {"pid": killed.pid, "comm": killed.comm}
    if killed.score is not None:
        out["score"] = killed.score
    if killed.reason is not None:
        out["reason"] = killed.reason
    for key, value in killed.fields:
        out.setdefault(key.lower().replace("-", "_"), value)
    return out


def _request(analysis: Analysis) -> dict[str, Any]:
    req = analysis.request
    mask = analysis.gfp_mask
    order = analysis.order
    return {
        "gfp_mask": f"{mask:#x}" if mask is not None else None,
        "gfp_flags": list(getattr(req, "gfp_flags", ()) or ()),
        "order": order,
        "migratetype": getattr(req, "migratetype", None),
        "highest_zone": getattr(req, "highest_zone", None),
    }


def _verdict(verdict: Verdict | None, analysis: Analysis) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {
        "code": verdict.code,
        "unreserve_would_avoid": verdict.unreserve_would_avoid,
        "confidence": verdict.confidence,
        "unreserve_rounds": _plain(verdict.unreserve_rounds),
        "kernel_could_unreserve": verdict.kernel_could_unreserve,
        "factors": [
            {"code": f.code, "headroom_pages": _plain(f.headroom_pages), "material": f.material}
            for f in verdict.factors
        ],
        "evidence": [
            {"zone": e.zone, "check": e.check, "result": e.result}
            | {k: _plain(v) for k, v in e.numbers if k not in ("zone", "check", "result")}
            for e in verdict.evidence
        ],
        "fixes": [
            {
                "title": f.title,
                "commit": f.commit,
                "release": f.release,
                "stable": list(f.stable),
                "would_avoid": f.would_avoid,
            }
            for f in verdict.fixes
        ],
        "missing": list(verdict.missing),
        "assumptions": list(verdict.assumptions),
        "profile": verdict.profile,
        "summary": summary_of(analysis),
    }


def summary_of(analysis: Analysis) -> str | None:
    """The one-line verdict sentence for an analysis, or None without a verdict."""
    if analysis.verdict is None:
        return None
    facts = analysis.facts
    if facts is None:
        return describe.summary(analysis.verdict, analysis.order)
    return describe.summary(
        analysis.verdict, facts.order, facts.request_text, facts.highatomic, facts.manual
    )


def task_of(analysis: Analysis) -> tuple[str | None, int | None]:
    """(comm, pid) of the task that made the request, as the Facts have it."""
    if analysis.facts is not None:
        return analysis.facts.task.comm, analysis.facts.task.pid
    ctx = analysis.report.context
    return (ctx.comm if ctx else None), (ctx.pid if ctx else None)


def report_dict(analysis: Analysis) -> dict[str, Any]:
    """One report as the ``oomlens/1`` object, the contract keys of docs/architecture.md §4 and its additions."""
    report = analysis.report
    comm, pid = task_of(analysis)
    return {
        "id": report.id,
        "source": {
            "path": report.source,
            "first_line": report.first_line,
            "last_line": report.last_line,
        },
        "time": report.time.isoformat() if report.time else None,
        "uptime_s": report.uptime_s,
        "host": report.host,
        "boot_id": report.boot_id,
        "incident": analysis.incident,
        "suppressed_before": report.suppressed_before,
        "kind": report.kind,
        "complete": report.complete,
        "kernel": {"release": report.release, "arch": report.arch},
        "task": {"comm": comm, "pid": pid},
        "request": _request(analysis),
        "zones": [_zone(z) for z in report.zones],
        "killed": _killed(report.killed),
        "verdict": _verdict(analysis.verdict, analysis),
        "diagnostics": [{"line": d.line, "message": d.message} for d in report.diagnostics],
        "memcg": _memcg(report),
    }


def _memcg(report: Report) -> dict[str, Any] | None:
    """Addition to the contract: the memory cgroup lines, when the report has them."""
    m = report.memcg
    if m is None:
        return None
    return {
        "task_in": m.task_in,
        "limit_of": m.limit_of,
        "counters": [
            {"name": n, "usage_kb": u, "limit_kb": lim, "failcnt": f} for n, u, lim, f in m.counters
        ],
    }


def file_dict(result: FileResult) -> dict[str, Any]:
    """What was read from one input (an addition to the contract: every input accounted for)."""
    return {
        "path": result.path,
        "status": result.status,
        "reason": result.reason,
        "lines": result.lines,
        "reports": len(result.analyses),
        "assumptions": list(result.assumptions),
    }


def render_json(results: Sequence[FileResult]) -> str:
    """One ``{"schema": "oomlens/1", "reports": [...]}`` document."""
    doc = {
        "schema": SCHEMA,
        "reports": [report_dict(a) for r in results for a in r.analyses],
        "files": [file_dict(r) for r in results],
    }
    return escape.json_text(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"


def render_jsonl(results: Sequence[FileResult]) -> str:
    """One report object a line."""
    lines = [
        escape.json_text(json.dumps(report_dict(a), ensure_ascii=False))
        for r in results
        for a in r.analyses
    ]
    return "".join(line + "\n" for line in lines)
