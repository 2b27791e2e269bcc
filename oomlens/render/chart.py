"""PNG charts: per zone, free pages by order stacked by migratetype, with the watermark needed.

matplotlib is imported inside ``write_charts`` only (Agg backend); the caller
turns ``ChartUnavailable`` into a one-line message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from oomlens.parse.report import ZoneLine
from oomlens.pipeline import Analysis
from oomlens.render import describe

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
UNTYPED = ("untyped", "#999999")


class ChartUnavailable(RuntimeError):
    """matplotlib is not installed."""


def stacks(zone: ZoneLine) -> tuple[list[int], dict[str, list[float]], list[bool]]:
    """(orders, pages per letter per order, split-evenly flag per order) from a buddy line."""
    entries = zone.buddy.entries if zone.buddy else ()
    orders = [e.order for e in entries]
    letters = {k: [0.0] * len(entries) for k in (*LETTERS, "")}
    split = [False] * len(entries)
    for i, e in enumerate(entries):
        pages = e.count << e.order
        shown = [t for t in e.types if t in LETTERS] or [""]
        split[i] = len(shown) > 1 and e.count > 0
        for t in shown:
            letters[t][i] += pages / len(shown)
    return orders, {k: v for k, v in letters.items() if any(v)}, split


def needed_pages(zone: ZoneLine, analysis: Analysis, page_kb: int) -> tuple[float, str] | None:
    """The watermark the request needed in this zone (min adjusted + lowmem_reserve), labelled."""
    items = analysis.verdict.evidence if analysis.verdict else ()
    nums = [pair for e in describe.zone_evidence(zone, items) for pair in e.numbers]
    need = describe.number(nums, "needed")
    mark = describe.number(nums, "min")
    reserve = describe.number(nums, "reserve")
    if need is None and mark is not None:
        lo = mark[1] if isinstance(mark, (tuple, list)) else mark
        r = reserve[1] if isinstance(reserve, (tuple, list)) else (reserve or 0)
        return float(lo) + float(r), f"watermark needed: min {describe.bounds(mark)} + reserve {r}"
    if need is not None:
        value = need[1] if isinstance(need, (tuple, list)) else need
        return float(value), f"watermark needed: {describe.bounds(need)}"
    if zone.min_kb is not None:
        return zone.min_kb / page_kb, "min watermark as printed (no replay numbers)"
    return None


def chart_name(analysis: Analysis) -> str:
    """A file name for the report's chart: ``<file stem>_<first line>.png``."""
    stem = os.path.basename(analysis.report.source) or "stdin"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem.split(".")[0] or "stdin")
    return f"{stem}_{analysis.report.first_line}.png"


def write_charts(analyses: Sequence[Analysis], out_dir: str) -> list[str]:
    """One PNG per report with buddy lines into ``out_dir``; returns the paths written."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ChartUnavailable("--chart needs matplotlib: pip install 'oomlens[chart]'") from exc
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    written: list[str] = []
    for analysis in analyses:
        zones = [z for z in analysis.report.zones if z.buddy is not None and z.buddy.entries]
        if not zones:
            continue
        path = os.path.join(out_dir, chart_name(analysis))
        stem, n = path[:-4], 2
        while path in written:  # same file name in two directories
            path, n = f"{stem}-{n}.png", n + 1
        fig = _figure(plt, analysis, zones)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written


def _figure(plt, analysis: Analysis, zones: list[ZoneLine]):  # noqa: ANN001, ANN202
    from matplotlib.patches import Patch

    from oomlens.render import escape

    page_kb = describe.page_kb(analysis.report)
    fig, axes = plt.subplots(len(zones), 1, figsize=(9, 3.2 * len(zones) + 0.8), squeeze=False)
    code = analysis.verdict.code if analysis.verdict else "no verdict"
    from oomlens.render.json import task_of

    comm = escape.term(task_of(analysis.report)[0] or "?")
    fig.suptitle(
        f"{code}: {comm}  ({escape.term(analysis.report.id)})".replace("$", r"\$"), fontsize=11
    )
    for ax, zone in zip(axes[:, 0], zones, strict=True):
        orders, letters, split = stacks(zone)
        labels = [*(str(o) for o in orders), "Σ"]
        base = [0.0] * len(labels)
        for letter, values in letters.items():
            name, color = LETTERS.get(letter, UNTYPED)
            heights = [*values, sum(values)]
            ax.bar(labels, heights, bottom=base, color=color, label=f"{letter or '-'} {name}")
            base = [b + h for b, h in zip(base, heights, strict=True)]
        for i, s in enumerate(split):
            if s:
                ax.bar(labels[i], base[i], fill=False, hatch="//", edgecolor="#333333", linewidth=0)
        need = needed_pages(zone, analysis, page_kb)
        if need is not None:
            ax.axhline(need[0], color="black", linestyle="--", linewidth=1, label=need[1])
        handles, names = ax.get_legend_handles_labels()
        if any(split):
            handles.append(Patch(fill=False, hatch="//", edgecolor="#333333"))
            names.append("several letters: split evenly (real split unknown)")
        ax.set_title(escape.term(describe.zone_label(zone)).replace("$", r"\$"), fontsize=10)
        ax.set_xlabel("order (Σ = all orders)")
        ax.set_ylabel(f"free pages ({page_kb} kB)")
        ax.legend(handles, names, fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig
