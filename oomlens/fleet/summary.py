"""Fleet summary of a committed batch: verdicts, releases, zones, days, hosts, and what
unreserving saves. Host names and releases are log text: escaped for each format."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from oomlens.fleet.batch import read_tables
from oomlens.fleet.tables import CATEGORIES
from oomlens.render.escape import json_text, md, term

Counts = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ZoneCount:
    """How many reports show a zone, and how many of them had free highatomic pages there."""

    zone: str
    reports: int
    with_highatomic: int
    highatomic_kb_lo: int
    highatomic_kb_hi: int


@dataclass(frozen=True)
class Share:
    """Reports of one kind, split by whether unreserving highatomic would have avoided them."""

    kind: str
    reports: int
    avoided: int
    not_avoided: int
    unknown: int

    @property
    def fraction(self) -> float | None:
        """avoided / reports, None when there are none."""
        return self.avoided / self.reports if self.reports else None

    @property
    def answered(self) -> float | None:
        """avoided / (avoided + not avoided): the share among reports the model could answer."""
        known = self.avoided + self.not_avoided
        return self.avoided / known if known else None


@dataclass(frozen=True)
class Summary:
    """Counts over every file and report of one batch (the reports within since/until)."""

    files: int
    reports: int
    statuses: Counts
    by_verdict: Counts
    by_release: Counts
    by_zone: tuple[ZoneCount, ...]
    shares: tuple[Share, ...]  # one per kind present, then "all" (their sum)
    incidents: int = 0
    by_day: Counts = ()  # UTC day → reports, in date order; reports without a time left out
    by_host: Counts = ()  # host → reports, most first ("(unknown)" for no host)
    top_hosts: Counts = ()  # the first ``top`` of by_host
    first_time: str | None = None
    last_time: str | None = None
    since: str | None = None
    until: str | None = None
    untimed: int = 0  # reports without a time (left out when since/until is given)


def parse_when(value: str | None, flag: str) -> datetime | None:
    """``2024-12-04`` or ``2024-12-04T09:40:00+01:00`` as an aware UTC datetime; naive is UTC."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{flag}: {value!r} is not an ISO date or time (2024-12-04)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def summarize(
    out_dir: str,
    since: datetime | None = None,
    until: datetime | None = None,
    top: int = 10,
) -> Summary:
    """Summarise the tables a batch committed to ``out_dir``."""
    import pandas as pd

    t = read_tables(out_dir, ("inputs", "reports", "zones", "free_area", "incidents"))
    inputs, reports, zones, fa = t["inputs"], t["reports"], t["zones"], t["free_area"]
    untimed = int(reports["time"].isna().sum())
    if since is not None or until is not None:
        keep = reports["time"].notna()
        if since is not None:
            keep &= reports["time"] >= pd.Timestamp(since)
        if until is not None:
            keep &= reports["time"] < pd.Timestamp(until)
        reports = reports[keep.fillna(False).astype(bool)]
        ids = set(reports["report_id"])
        zones = zones[zones["report_id"].isin(ids)]
        fa = fa[fa["report_id"].isin(ids)]
    statuses = _counts(inputs["status"])
    by_verdict = _counts(reports["verdict"].astype(object).fillna("(none)"))
    by_release = _counts(reports["release"].astype(object).fillna("(unknown)"))
    h = fa[fa["letter"] == "H"]
    per_zone_h = h.groupby(["report_id", "node", "zone"], dropna=False, observed=True)[
        ["kb_lo", "kb_hi"]
    ].sum()
    per_zone_h = per_zone_h.reset_index()
    by_zone = []
    for name in sorted(zones["zone"].dropna().astype(str).unique()):
        seen = zones.loc[zones["zone"] == name, "report_id"].nunique()
        hz = per_zone_h[per_zone_h["zone"] == name]
        by_zone.append(
            ZoneCount(
                zone=str(name),
                reports=int(seen),
                with_highatomic=int(hz["report_id"].nunique()),
                highatomic_kb_lo=int(hz["kb_lo"].sum()),
                highatomic_kb_hi=int(hz["kb_hi"].sum()),
            )
        )
    kinds = reports["kind"].astype(object).fillna("(unknown)")
    present = [k for k in (*CATEGORIES["kind"], *sorted(set(kinds) - set(CATEGORIES["kind"])))]
    shares = [_share(k, reports[kinds == k]) for k in present if (kinds == k).any()]
    shares.append(_share("all", reports))
    timed = reports["time"].dropna()
    days = timed.dt.strftime("%Y-%m-%d")
    by_day = tuple(sorted((str(k), int(v)) for k, v in days.value_counts().items()))
    by_host = _counts(reports["host"].astype(object).fillna("(unknown)"))
    return Summary(
        files=len(inputs),
        reports=len(reports),
        statuses=statuses,
        by_verdict=by_verdict,
        by_release=by_release,
        by_zone=tuple(by_zone),
        shares=tuple(shares),
        incidents=int(reports["incident"].nunique()),
        by_day=by_day,
        by_host=by_host,
        top_hosts=by_host[:top],
        first_time=timed.min().isoformat() if len(timed) else None,
        last_time=timed.max().isoformat() if len(timed) else None,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        untimed=untimed,
    )


def _counts(series: Any) -> Counts:
    counts = series.astype(str).value_counts()
    return tuple(
        sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    )


def _share(kind: str, reports: Any) -> Share:
    would = reports["unreserve_would_avoid"]
    return Share(
        kind=kind,
        reports=len(reports),
        avoided=int((would == True).sum()),  # noqa: E712 - nullable boolean column
        not_avoided=int((would == False).sum()),  # noqa: E712
        unknown=int(would.isna().sum()),
    )


def summary_json(summary: Summary) -> str:
    """The summary as one JSON document (schema ``oomlens-summary/1``)."""
    doc = {"schema": "oomlens-summary/1", **asdict(summary)}
    for key in ("statuses", "by_verdict", "by_release", "by_day", "by_host", "top_hosts"):
        doc[key] = dict(getattr(summary, key))  # Counts → {name: count}, in order
    doc["shares"] = [{**asdict(s), "fraction": s.fraction} for s in summary.shares]
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def render_summary(summary: Summary, fmt: str = "text") -> str:
    """The summary as plain text, Markdown or JSON."""
    if fmt == "json":
        return summary_json(summary)
    if fmt not in ("text", "markdown"):
        raise ValueError(f"unknown summary format {fmt!r}: use 'text', 'markdown' or 'json'")
    as_md = fmt == "markdown"
    out: list[str] = []
    title = f"{summary.files} files, {summary.reports} reports, {summary.incidents} incidents"
    out.append(f"# oomlens fleet summary: {title}" if as_md else f"oomlens fleet summary: {title}")
    if summary.first_time:
        out.append(f"reports from {summary.first_time} to {summary.last_time} (UTC)")
    if summary.since or summary.until:
        window = f"{summary.since or 'the start'} to {summary.until or 'the end'}"
        out.append(f"window: {window}; {summary.untimed} report(s) without a time left out")
    elif summary.untimed:
        out.append(f"{summary.untimed} report(s) without a time (not in the days table)")
    sections = (
        ("Inputs by status", ("status", "files"), summary.statuses),
        ("Reports by verdict", ("verdict", "reports"), summary.by_verdict),
        ("Reports by kernel release", ("release", "reports"), summary.by_release),
        ("Reports per day (UTC)", ("day", "reports"), summary.by_day),
        (f"Top hosts ({len(summary.by_host)} in all)", ("host", "reports"), summary.top_hosts),
        (
            "Zones",
            ("zone", "reports", "with free H", "free H kB"),
            tuple(
                (
                    z.zone,
                    z.reports,
                    z.with_highatomic,
                    _range(z.highatomic_kb_lo, z.highatomic_kb_hi),
                )
                for z in summary.by_zone
            ),
        ),
        (
            "Would unreserving highatomic have avoided it?",
            ("kind", "reports", "yes", "no", "unknown", "share yes", "yes of answered"),
            tuple(
                (
                    s.kind,
                    s.reports,
                    s.avoided,
                    s.not_avoided,
                    s.unknown,
                    _pct(s.fraction),
                    _pct(s.answered),
                )
                for s in summary.shares
            ),
        ),
    )
    for heading, header, rows in sections:
        out.append("")
        out.extend(_table(heading, header, rows, as_md))
    return "\n".join(out) + "\n"


def _range(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _pct(fraction: float | None) -> str:
    return "-" if fraction is None else f"{100 * fraction:.1f}%"


def _cell(value: object, as_md: bool) -> str:
    return md(value) if as_md else term(value)


def _table(heading: str, header: tuple[str, ...], rows: Any, as_md: bool) -> list[str]:
    body = [[_cell(v, as_md) for v in row] for row in rows]
    if as_md:
        lines = [f"## {heading}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines.extend("| " + " | ".join(r) + " |" for r in body)
        if not body:
            lines.append("| (none) |" + " |" * (len(header) - 1))
        return lines
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]
    lines = [heading + ":"]
    lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    lines.extend("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body)
    if not body:
        lines.append("  (none)")
    return lines
