"""Fleet summary of a committed batch: verdicts, releases, zones, and what unreserving saves."""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.fleet.batch import read_tables

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


@dataclass(frozen=True)
class Summary:
    """Counts over every file and report of one batch."""

    files: int
    reports: int
    statuses: Counts
    by_verdict: Counts
    by_release: Counts
    by_zone: tuple[ZoneCount, ...]
    shares: tuple[Share, ...]  # "oom", "alloc-failure", then "all"


def summarize(out_dir: str) -> Summary:
    """Summarise the tables a batch committed to ``out_dir``."""
    t = read_tables(out_dir, ("inputs", "reports", "zones", "free_area"))
    inputs, reports, zones, fa = t["inputs"], t["reports"], t["zones"], t["free_area"]
    statuses = _counts(inputs["status"])
    by_verdict = _counts(reports["verdict"].fillna("(none)"))
    by_release = _counts(reports["release"].fillna("(unknown)"))
    h = fa[fa["letter"] == "H"]
    per_zone_h = h.groupby(["report_id", "node", "zone"], dropna=False)[["kb_lo", "kb_hi"]].sum()
    per_zone_h = per_zone_h.reset_index()
    by_zone = []
    for name in sorted(zones["zone"].dropna().unique()):
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
    shares = [_share(k, reports[reports["kind"] == k]) for k in ("oom", "alloc-failure")]
    shares.append(_share("all", reports))
    return Summary(
        files=len(inputs),
        reports=len(reports),
        statuses=statuses,
        by_verdict=by_verdict,
        by_release=by_release,
        by_zone=tuple(by_zone),
        shares=tuple(shares),
    )


def _counts(series) -> Counts:
    counts = series.astype(str).value_counts()
    return tuple(
        sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    )


def _share(kind: str, reports) -> Share:
    would = reports["unreserve_would_avoid"]
    return Share(
        kind=kind,
        reports=len(reports),
        avoided=int((would == True).sum()),  # noqa: E712 - nullable boolean column
        not_avoided=int((would == False).sum()),  # noqa: E712
        unknown=int(would.isna().sum()),
    )


def render_summary(summary: Summary, fmt: str = "text") -> str:
    """The summary as plain text or Markdown."""
    if fmt not in ("text", "markdown"):
        raise ValueError(f"unknown summary format {fmt!r}: use 'text' or 'markdown'")
    md = fmt == "markdown"
    out: list[str] = []
    title = f"{summary.files} files, {summary.reports} reports"
    out.append(f"# oomlens fleet summary: {title}" if md else f"oomlens fleet summary: {title}")
    sections = (
        ("Inputs by status", ("status", "files"), summary.statuses),
        ("Reports by verdict", ("verdict", "reports"), summary.by_verdict),
        ("Reports by kernel release", ("release", "reports"), summary.by_release),
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
            ("kind", "reports", "yes", "no", "unknown", "share yes"),
            tuple(
                (s.kind, s.reports, s.avoided, s.not_avoided, s.unknown, _pct(s.fraction))
                for s in summary.shares
            ),
        ),
    )
    for heading, header, rows in sections:
        out.append("")
        out.extend(_table(heading, header, rows, md))
    return "\n".join(out) + "\n"


def _range(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _pct(fraction: float | None) -> str:
    return "-" if fraction is None else f"{100 * fraction:.1f}%"


def _cell(value: object, md: bool) -> str:
    text = str(value)
    return text.replace("|", "\\|") if md else text


def _table(heading: str, header: tuple[str, ...], rows, md: bool) -> list[str]:
    body = [[_cell(v, md) for v in row] for row in rows]
    if md:
        lines = [f"## {heading}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines.extend("| " + " | ".join(r) + " |" for r in body)
        return lines
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    lines = [heading + ":"]
    lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    lines.extend("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body)
    if not body:
        lines.append("  (none)")
    return lines
