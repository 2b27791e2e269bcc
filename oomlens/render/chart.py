"""Free-list charts: per zone, free pages by order and migratetype, and the watermark test.

``zone_chart`` turns a zone's Facts into what is drawn, once: at each order the
pages each migratetype letter surely holds (its lower bound), the pages whose
list the buddy line leaves open (hatched: any of the letters printed there),
faded where this request may not take them, and the requested order marked.
Beside it, the page count the slow path compared (free less what it does not
count) against the watermark it needed, so the bar stands above the line only
when the check passed. ``write_charts`` draws PNGs with matplotlib (imported
there only); ``oomlens.render.svg`` draws the same data inline for HTML.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from oomlens.facts import Facts, Range, ZoneFacts
from oomlens.pipeline import Analysis
from oomlens.render import describe as d
from oomlens.render import escape

# Migratetype letters as show_migration_types() prints them, drawn in this order.
LETTERS = {
    "U": ("Unmovable", "#4c72b0"),
    "M": ("Movable", "#55a868"),
    "E": ("Reclaimable", "#8172b2"),
    "H": ("HighAtomic", "#c44e52"),
    "C": ("CMA", "#ccb974"),
    "I": ("Isolate", "#64b5cd"),
    "R": ("Reserve", "#937860"),
}
UNTYPED = ("no letter printed", "#999999")
USABLE = "#2b6cb0"  # the page count the watermark test compared
OPEN = "#8c96a3"  # pages whose list the buddy line leaves open
SMALL = "#f3f0e6"  # background of the orders below the requested one


@dataclass(frozen=True)
class Segment:
    """Pages at one order: on ``letters`` (one letter: surely there; several: any of them)."""

    letters: str
    pages: int
    usable: bool  # this request may take them (rmqueue's lists)


@dataclass(frozen=True)
class Column:
    """One order of the buddy line."""

    order: int
    segments: tuple[Segment, ...]

    @property
    def pages(self) -> int:
        return sum(s.pages for s in self.segments)


@dataclass(frozen=True)
class Count:
    """The page count the slow path compared: usable pages against the watermark needed."""

    free: Range
    usable: Range  # free less every term the kernel does not count
    needed: int
    result: str  # the step's own result
    label: str  # "page count" | "order-0 shortcut" | ...


@dataclass(frozen=True)
class ZoneChart:
    """Everything drawn for one zone."""

    label: str
    page_kb: int
    columns: tuple[Column, ...]
    order: int | None  # the requested order, when the request may use this zone
    lists: str  # letters the request may take
    count: Count | None
    outcome: str  # the zone's result for this request, "" when not replayed


def _segments(zone: ZoneFacts) -> tuple[Column, ...]:
    out = []
    lists = set(zone.lists)
    for level in zone.orders:
        size = 1 << level.order
        segs: list[Segment] = []
        if not level.count:
            out.append(Column(level.order, ()))
            continue
        if not level.letters:
            segs.append(Segment("", level.count * size, not zone.replayed or bool(lists)))
        else:
            sure = 0
            for letter, lo, _hi in level.chunks:
                if lo:
                    usable = not zone.replayed or letter in lists
                    segs.append(Segment(letter, lo * size, usable))
                    sure += lo
            rest = level.count - sure
            if rest > 0:
                usable = not zone.replayed or bool(set(level.letters) & lists)
                segs.append(Segment(level.letters, rest * size, usable))
        out.append(Column(level.order, tuple(segs)))
    return tuple(out)


def _count(zone: ZoneFacts) -> Count | None:
    decision = next((e for e in zone.evidence if e.steps), None)
    if decision is None:
        return None
    steps = [s for s in d.shown_steps(decision) if s.test in d.WATERMARK_STEPS and s.left]
    if not steps:
        return None
    step = steps[-1]
    usable = d.side_total(step.left[0], step.left[1:], ())
    need = d.side_total(None, (), step.right)
    first = step.left[0].pages
    return Count((first[0], first[1]), usable, need[0], step.result, step.test)


def zone_chart(zone: ZoneFacts, facts: Facts) -> ZoneChart:
    """What the chart of ``zone`` shows."""
    decision = next((e for e in zone.evidence if e.steps), None)
    return ZoneChart(
        label=zone.label,
        page_kb=facts.page_kb,
        columns=_segments(zone),
        order=facts.order if zone.replayed else None,
        lists=zone.lists,
        count=_count(zone),
        outcome=(decision.outcome or decision.result) if decision is not None else "",
    )


def charts(analysis: Analysis) -> list[ZoneChart]:
    """One chart per zone with a buddy line; [] when the report printed none."""
    facts = analysis.facts
    if facts is None:
        return []
    return [zone_chart(z, facts) for z in facts.zones if z.orders]


def legend_name(letters: str) -> str:
    """``M Movable`` for one letter; ``U or H`` for an open split."""
    if not letters:
        return UNTYPED[0]
    if len(letters) == 1:
        return f"{letters} {LETTERS.get(letters, (letters,))[0]}"
    return " or ".join(letters) + " (split not printed)"


def color(letters: str) -> str:
    """The fill of a segment: its letter's colour; grey for an open split."""
    if len(letters) == 1:
        return LETTERS.get(letters, UNTYPED)[1]
    return UNTYPED[1] if not letters else OPEN


def chart_title(analysis: Analysis) -> str:
    """``highatomic-stranded: balloon (path:19)`` — log text made inert."""
    code = analysis.verdict.code if analysis.verdict else "no verdict"
    comm = analysis.facts.task.comm if analysis.facts else None
    return f"{code}: {escape.chart(comm or '?')}  ({escape.chart(analysis.report.id)})"


def count_label(c: Count, page_kb: int) -> str:
    """``usable 0..4871 > needed 1407: ✓``."""
    return (
        f"{c.label}: usable {d.span(c.usable)} > needed {c.needed} pages "
        f"({d.size(c.needed * page_kb)}) {d.MARKS.get(c.result, '?')}"
    )


class ChartUnavailable(RuntimeError):
    """matplotlib is not installed."""


def chart_name(analysis: Analysis) -> str:
    """A file name for the report's chart: ``<file stem>_<first line>.png``."""
    stem = os.path.basename(analysis.report.source) or "stdin"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem.split(".")[0] or "stdin")
    return f"{stem}_{analysis.report.first_line}.png"


def write_charts(analyses: Sequence[Analysis], out_dir: str) -> tuple[list[str], list[str]]:
    """One PNG per report with buddy lines into ``out_dir``: (paths written, reports skipped)."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ChartUnavailable("--chart needs matplotlib: pip install 'oomlens[chart]'") from exc
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    written: list[str] = []
    skipped: list[str] = []
    for analysis in analyses:
        zones = charts(analysis)
        if not zones:
            skipped.append(f"{analysis.report.id}: no buddy lines in the report, no chart")
            continue
        path = os.path.join(out_dir, chart_name(analysis))
        stem, n = path[:-4], 2
        while path in written:  # same file name in two directories
            path, n = f"{stem}-{n}.png", n + 1
        fig = None
        try:
            fig = _figure(plt, analysis, zones)
            fig.savefig(path, dpi=100)
        except (OverflowError, ValueError) as exc:  # numbers past what a plot can hold
            skipped.append(f"{analysis.report.id}: no chart ({exc})")
            continue
        finally:
            if fig is not None:
                plt.close(fig)
            else:
                plt.close("all")
        written.append(path)
    return written, skipped


def _figure(plt: Any, analysis: Analysis, zones: list[ZoneChart]) -> Any:
    from matplotlib.patches import Patch

    fig, axes = plt.subplots(
        len(zones),
        2,
        figsize=(10, 4.2 * len(zones) + 0.6),
        squeeze=False,
        gridspec_kw={"width_ratios": [5, 1]},
    )
    fig.suptitle(chart_title(analysis), fontsize=11)
    for (ax, ax_sum), chart in zip(axes, zones, strict=True):
        _orders(ax, chart, Patch)
        _sum(ax_sum, chart)
    fig.tight_layout()
    return fig


def _orders(ax: Any, chart: ZoneChart, Patch: Any) -> None:  # noqa: N803
    labels = [str(c.order) for c in chart.columns]
    xs = list(range(len(labels)))
    base = [0.0] * len(xs)
    seen: dict[str, object] = {}
    for i, column in enumerate(chart.columns):
        for seg in column.segments:
            hatch = "//" if len(seg.letters) > 1 else None
            alpha = 1.0 if seg.usable else 0.35
            ax.bar(
                xs[i],
                float(seg.pages),  # a 64-bit count is past a C long
                bottom=base[i],
                color=color(seg.letters),
                alpha=alpha,
                hatch=hatch,
                edgecolor="#333333" if hatch else None,
                linewidth=0,
            )
            base[i] += seg.pages
            name = legend_name(seg.letters)
            if name not in seen:
                seen[name] = Patch(facecolor=color(seg.letters), hatch=hatch, edgecolor="#333333")
    handles, names = list(seen.values()), list(seen)
    if any(not s.usable for c in chart.columns for s in c.segments):
        handles.append(Patch(facecolor="#dddddd", alpha=0.35))
        names.append("faded: lists this request may not take")
    if chart.order is not None and 0 <= chart.order < len(xs):
        if chart.order > 0:
            ax.axvspan(-0.5, chart.order - 0.5, color=SMALL, zorder=0)
            names.append(f"orders below {chart.order}: too small for the request")
            handles.append(Patch(facecolor=SMALL))
        ax.axvline(chart.order - 0.5, color="black", linestyle=":", linewidth=1)
        ax.annotate(
            f"requested order {chart.order} →",
            (chart.order - 0.5, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xticks(xs, labels)
    verdict = f" — {chart.outcome}" if chart.outcome else " — not used by this request"
    ax.set_title(escape.chart(chart.label) + verdict, fontsize=10)
    ax.set_xlabel("order (blocks of 2^order pages)")
    ax.set_ylabel(f"free pages ({chart.page_kb} kB)")
    ax.set_ylim(bottom=0)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.legend(handles, names, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)


def _sum(ax: Any, chart: ZoneChart) -> None:
    c = chart.count
    if c is None:
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            "no watermark test:\nnot used by\nthis request",
            ha="center",
            va="center",
            fontsize=8,
            transform=ax.transAxes,
        )
        return
    free_hi = c.free[1] if c.free[1] is not None else c.free[0]
    lo = c.usable[0]
    hi = c.usable[1] if c.usable[1] is not None else free_hi
    ax.bar(0, float(lo), color=USABLE, label="usable")
    if hi > lo:
        ax.bar(
            0,
            float(hi - lo),
            bottom=float(lo),
            color=USABLE,
            alpha=0.35,
            hatch="//",
            edgecolor="#333333",
            linewidth=0,
            label="usable or not:\nthe report does not say",
        )
    if free_hi > hi:
        ax.bar(0, float(free_hi - hi), bottom=float(hi), color="#dddddd", label="free, not counted")
    ax.axhline(
        float(c.needed), color="black", linestyle="--", linewidth=1, label=f"needed: {c.needed}"
    )
    ax.set_xticks([0], [c.label])
    ax.set_ylim(bottom=0)
    ax.set_title(f"watermark {d.MARKS.get(c.result, '?')} {c.result}", fontsize=10)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2))
