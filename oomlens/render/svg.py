"""The free-list charts of ``oomlens.render.chart`` as inline SVG, for the HTML report.

Hand-written SVG (no library, nothing fetched): one figure per zone, the orders
on the left, the watermark test on the right, every label escaped with
``escape.html``. Each bar has a ``<title>`` a browser shows on hover.
"""

from __future__ import annotations

from collections.abc import Callable

from oomlens.render import describe as d
from oomlens.render import escape
from oomlens.render.chart import LETTERS, SMALL, USABLE, ZoneChart, color, legend_name

WIDTH, HEIGHT = 760, 280
LEFT, TOP, PLOT_W, PLOT_H = 56, 28, 520, 170
SUM_X, SUM_W = 640, 60


def _ticks(top: float) -> list[int]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0]
    step = 1
    while top / step > 5:
        for m in (2, 5, 10):
            if top / (step * m) <= 5:
                step *= m
                break
        else:
            step *= 10
    return list(range(0, int(top) + step, step))


def _axis(x: float, y_of: Callable[[float], float], ticks: list[int], width: float) -> list[str]:
    out = []
    for t in ticks:
        y = y_of(t)
        out.append(
            f'<line x1="{x}" y1="{y:.1f}" x2="{x + width}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{x - 4}" y="{y + 3:.1f}" class="tick" text-anchor="end">{t}</text>'
        )
    return out


def zone_svg(chart: ZoneChart, ident: str) -> str:
    """One zone's chart as an ``<svg>`` element (``ident`` keeps pattern ids unique)."""
    hatch = f"hatch-{ident}"
    cols = chart.columns
    top = max([c.pages for c in cols] + [1])
    ticks = _ticks(top)
    scale_top = max(ticks[-1], 1)

    def y_of(v: float) -> float:
        return TOP + PLOT_H - PLOT_H * v / scale_top

    title = escape.html(chart.label) + (
        f" — {escape.html(chart.outcome)}" if chart.outcome else " — not used by this request"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="free lists of {escape.html(chart.label)}" class="chart">',
        f"<title>free pages of {escape.html(chart.label)} by order and migratetype</title>",
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#333" '
        'stroke-width="1.5"/></pattern></defs>',
        f'<text x="{LEFT}" y="16" class="ctitle">{title}</text>',
    ]
    n = max(len(cols), 1)
    slot = PLOT_W / n
    if chart.order is not None and 0 < chart.order <= n:
        parts.append(
            f'<rect x="{LEFT}" y="{TOP}" width="{slot * chart.order:.1f}" height="{PLOT_H}" '
            f'fill="{SMALL}"><title>orders below {chart.order}: too small for the request'
            "</title></rect>"
        )
    parts += _axis(LEFT, y_of, ticks, PLOT_W)
    for i, column in enumerate(cols):
        x = LEFT + i * slot + slot * 0.12
        w = slot * 0.76
        base = 0
        for seg in column.segments:
            y0, y1 = y_of(base + seg.pages), y_of(base)
            opacity = "1" if seg.usable else "0.35"
            tip = (
                f"order {column.order}: {seg.pages} pages on "
                f"{escape.html(legend_name(seg.letters))}"
                + ("" if seg.usable else ", a list this request may not take")
            )
            parts.append(
                f'<rect x="{x:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{y1 - y0:.1f}" '
                f'fill="{color(seg.letters)}" fill-opacity="{opacity}"><title>{tip}</title></rect>'
            )
            if len(seg.letters) > 1:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{y1 - y0:.1f}" '
                    f'fill="url(#{hatch})" fill-opacity="0.5"/>'
                )
            base += seg.pages
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{TOP + PLOT_H + 14}" class="tick" '
            f'text-anchor="middle">{column.order}</text>'
        )
    if chart.order is not None and 0 <= chart.order < n:
        xo = LEFT + chart.order * slot
        parts.append(
            f'<line x1="{xo:.1f}" y1="{TOP}" x2="{xo:.1f}" y2="{TOP + PLOT_H}" class="marker"/>'
            f'<text x="{xo + 3:.1f}" y="{TOP + 10}" class="note">requested order '
            f"{chart.order} →</text>"
        )
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2}" y="{TOP + PLOT_H + 30}" class="tick" '
        f'text-anchor="middle">order (blocks of 2^order pages of {chart.page_kb} kB)</text>'
    )
    parts += _legend(chart, hatch)
    parts += _count(chart)
    parts.append("</svg>")
    return "".join(parts)


def _legend(chart: ZoneChart, hatch: str) -> list[str]:
    seen: dict[str, str] = {}
    for column in chart.columns:
        for seg in column.segments:
            seen.setdefault(legend_name(seg.letters), seg.letters)
    out: list[str] = []
    x, y = LEFT, HEIGHT - 34
    items: list[tuple[str, str | None]] = list(seen.items())
    if any(not s.usable for c in chart.columns for s in c.segments):
        items.append(("faded: lists this request may not take", None))
    for name, letters in items:
        width = 22 + 6 * len(name)
        if x + width > WIDTH - 10 and x > LEFT:  # on to the next row
            x, y = LEFT, y + 16
        if letters is not None:
            out.append(
                f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{color(letters)}"/>'
            )
            if len(letters) > 1:
                out.append(
                    f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="url(#{hatch})"/>'
                )
            out.append(f'<text x="{x + 14}" y="{y}" class="tick">{escape.html(name)}</text>')
        else:
            out.append(f'<text x="{x}" y="{y}" class="tick">{escape.html(name)}</text>')
        x += width
    return out


def _count(chart: ZoneChart) -> list[str]:
    c = chart.count
    x = SUM_X
    if c is None:
        return [
            f'<text x="{x + SUM_W / 2}" y="{TOP + PLOT_H / 2}" class="tick" '
            'text-anchor="middle">no watermark test</text>'
        ]
    free_hi = c.free[1] if c.free[1] is not None else c.free[0]
    lo = c.usable[0]
    hi = c.usable[1] if c.usable[1] is not None else free_hi
    ticks = _ticks(max(free_hi, c.needed, 1))
    top = max(ticks[-1], 1)

    def y_of(v: float) -> float:
        return TOP + PLOT_H - PLOT_H * v / top

    out = _axis(x, y_of, ticks, SUM_W)
    out.append(
        f'<rect x="{x + 8}" y="{y_of(free_hi):.1f}" width="{SUM_W - 16}" '
        f'height="{y_of(0) - y_of(free_hi):.1f}" fill="#dddddd"><title>free {free_hi} pages, '
        "not all counted</title></rect>"
    )
    if hi > lo:
        out.append(
            f'<rect x="{x + 8}" y="{y_of(hi):.1f}" width="{SUM_W - 16}" '
            f'height="{y_of(lo) - y_of(hi):.1f}" fill="{USABLE}" fill-opacity="0.35">'
            f"<title>usable or not: the report does not say ({lo}..{hi})</title></rect>"
        )
    out.append(
        f'<rect x="{x + 8}" y="{y_of(lo):.1f}" width="{SUM_W - 16}" '
        f'height="{y_of(0) - y_of(lo):.1f}" fill="{USABLE}"><title>usable {lo} pages</title></rect>'
        f'<line x1="{x}" y1="{y_of(c.needed):.1f}" x2="{x + SUM_W}" y2="{y_of(c.needed):.1f}" '
        f'class="need"><title>needed {c.needed} pages</title></line>'
        f'<text x="{x + SUM_W / 2}" y="{TOP + PLOT_H + 14}" class="tick" text-anchor="middle">'
        f"{escape.html(c.label)}</text>"
        f'<text x="{x + SUM_W / 2}" y="{TOP - 6}" class="tick" text-anchor="middle">watermark '
        f"{d.MARKS.get(c.result, '?')} {escape.html(c.result)}</text>"
        f'<text x="{x + SUM_W / 2}" y="{TOP + PLOT_H + 28}" class="tick" text-anchor="middle">'
        f"needed {c.needed}</text>"
    )
    return out


__all__ = ["zone_svg", "LETTERS"]
