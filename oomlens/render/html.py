"""``--format html``: one self-contained page — the verdicts, zone tables, checks, charts, raw reports.

Inline CSS and SVG, one small inline script (sorting the task table), nothing
fetched: a Content-Security-Policy of ``default-src 'none'`` lets the page load
no script, style, image or font from anywhere, and runs only the script whose
hash it names. Every piece of text goes through ``escape.html`` once, so a
process named ``<img src=x onerror=alert(1)>`` is shown, never parsed.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from oomlens.incidents import groups
from oomlens.pipeline import Analysis, FileResult
from oomlens.render import escape
from oomlens.render.chart import charts
from oomlens.render.doc import (
    Block,
    Charts,
    Code,
    Field,
    Grid,
    Items,
    Link,
    Para,
    Raw,
    Section,
    Span,
)
from oomlens.render.document import sections
from oomlens.render.svg import zone_svg

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a1a1a;
background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1em 1.5em 3em}
h1{font-size:1.4em;margin:.6em 0 .2em}
h2{font-size:1.15em;margin:2em 0 .6em;padding-top:.8em;border-top:2px solid #ccc}
h3{font-size:1em;margin:1.2em 0 .3em}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.92em}
code{background:#eef0f3;padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
pre{background:#f0f0f0;padding:.6em;overflow-x:auto;white-space:pre}
.verdict{display:inline-block;padding:.05em .5em;border-radius:4px;background:#444;color:#fff;
font-weight:600;margin-right:.4em}
.v-highatomic-stranded{background:#b3261e}.v-exhausted{background:#6d4c41}
.v-fragmented{background:#8e24aa}.v-lowmem-protected{background:#00695c}
.v-cma-only{background:#9e7c0c}.v-memcg-limit{background:#1565c0}
.v-constrained{background:#2e7d32}.v-not-a-shortage{background:#546e7a}
.v-undetermined{background:#757575}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.4em 0}
dt{font-weight:600;color:#444}dd{margin:0}
dl.headline{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.7em 1em}
.good{color:#1b5e20}.bad{color:#b3261e}.dim{color:#666}
table{border-collapse:collapse;margin:.3em 0;background:#fff}
th,td{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
table.sortable th{cursor:pointer}table.sortable th::after{content:" ⇅";color:#999}
.wrap{overflow-x:auto}
ul.checks li{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.9em}
figure{margin:.5em 0}svg.chart{width:100%;max-width:760px;height:auto;background:#fff;
border:1px solid #ddd}
svg .grid{stroke:#e6e6e6}svg .tick{font-size:10px;fill:#333}svg .ctitle{font-size:12px;
font-weight:600}svg .marker{stroke:#000;stroke-dasharray:2 2}svg .need{stroke:#000;
stroke-dasharray:5 3;stroke-width:1.5}svg .note{font-size:10px}
nav li{margin:.1em 0}
"""

# Sorts a table.sortable by the clicked column; numbers (with kB/MiB/GiB) numerically.
SCRIPT = """
(function(){
var units={"kB":1,"MiB":1024,"GiB":1048576};
function key(td,num){var t=td.textContent.trim();if(!num)return t.toLowerCase();
var m=t.match(/^(-?[0-9.]+)\\s*(kB|MiB|GiB)?/);if(!m)return -Infinity;
return parseFloat(m[1])*(units[m[2]]||1);}
document.querySelectorAll("table.sortable").forEach(function(table){
table.querySelectorAll("th").forEach(function(th,i){
th.addEventListener("click",function(){
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var num=th.dataset.numeric==="1",dir=th.dataset.dir==="asc"?-1:1;th.dataset.dir=dir>0?"asc":"desc";
rows.sort(function(a,b){var x=key(a.cells[i],num),y=key(b.cells[i],num);
return x<y?-dir:x>y?dir:0;});rows.forEach(function(r){body.appendChild(r);});});});});
})();
"""


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src '{_hash(SCRIPT)}'; base-uri 'none'; form-action 'none'"
)


def inline(parts: Span) -> str:
    """A span as HTML: ``<code>`` for Code, links to their commit, everything escaped."""
    out = []
    for p in parts:
        if isinstance(p, Code):
            out.append(f"<code>{escape.html(p.text)}</code>")
        elif isinstance(p, Link):
            out.append(
                f'<a href="{escape.html(p.url)}" rel="noreferrer noopener">{escape.html(p.text)}</a>'
            )
        else:
            out.append(escape.html(p))
    return "".join(out)


def _cls(style: str) -> str:
    return f' class="{style}"' if style in ("good", "bad", "dim") else ""


def _grid(grid: Grid, anchor: str) -> str:
    numeric = grid.numeric or (False,) * len(grid.headers)
    head = "".join(
        f'<th data-numeric="{int(n)}">{escape.html(h)}</th>'
        for h, n in zip(grid.headers, numeric, strict=True)
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in row) + "</tr>" for row in grid.rows
    )
    cls = ' class="sortable"' if grid.sortable else ""
    key = f' id="{escape.html(anchor)}-{escape.html(grid.key)}"' if grid.key else ""
    return (
        f'<h3>{escape.html(grid.title)}</h3><div class="wrap"><table{cls}{key}>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _blocks(blocks: Sequence[Block], analysis: Analysis, index: int, anchor: str) -> str:
    out: list[str] = []
    fields: list[str] = []

    def flush() -> None:
        if fields:
            cls = ' class="headline"' if not out else ""
            out.append(f"<dl{cls}>{''.join(fields)}</dl>")
            fields.clear()

    for block in blocks:
        if isinstance(block, Field):
            fields.append(
                f"<dt>{escape.html(block.label)}</dt><dd{_cls(block.style)}>"
                f"{inline(block.parts)}</dd>"
            )
            continue
        flush()
        if isinstance(block, Para):
            out.append(f"<p{_cls(block.style)}>{inline(block.parts)}</p>")
        elif isinstance(block, Items):
            ul = ' class="checks"' if block.title.startswith("checks") else ""
            note = f'<p class="dim">{escape.html(block.note)}</p>' if block.note else ""
            items = "".join(f"<li>{inline(item)}</li>" for item in block.items)
            out.append(f"<h3>{escape.html(block.title)}</h3>{note}<ul{ul}>{items}</ul>")
        elif isinstance(block, Grid):
            if block.rows:
                out.append(_grid(block, anchor))
        elif isinstance(block, Charts):
            out.append(_charts(block, analysis, index))
        elif isinstance(block, Raw):
            body = "\n".join(escape.html(line) for line in block.lines)
            out.append(
                f"<details><summary>{escape.html(block.title)}</summary><pre>{body}</pre></details>"
            )
    flush()
    return "".join(out)


def _charts(block: Charts, analysis: Analysis, index: int) -> str:
    drawn = charts(analysis)
    if not drawn:
        return f'<h3>free lists</h3><p class="dim">{escape.html(block.note)}.</p>'
    figures = "".join(
        f"<figure>{zone_svg(c, f'{index}-{i}')}</figure>" for i, c in enumerate(drawn)
    )
    return (
        '<h3>free lists</h3><p class="dim">bars: free pages per order by migratetype '
        "(solid: surely on that list; grey hatched: the buddy line does not say which of its "
        "letters; faded: lists this request may not take); right: the page count the watermark "
        f"test compared, against the watermark it needed.</p>{figures}"
    )


def _section(section: Section, analysis: Analysis, index: int) -> str:
    code = escape.html(section.code)
    badge = f'<span class="verdict v-{code.replace(" ", "-")}">{code}</span>'
    return (
        f'<section id="{escape.html(section.anchor)}"><h2>{badge}{inline(section.title)}</h2>'
        f"{_blocks(section.blocks, analysis, index, section.anchor)}</section>"
    )


def render_html(results: Sequence[FileResult], each: bool = False) -> str:
    """Every report in one self-contained HTML page (one section per incident unless ``each``)."""
    analyses = [a for r in results for a in r.analyses]
    parts = sections(analyses, each)
    shown = [g.first for g in groups(analyses, each)]
    body: list[str] = []
    reports = [s for s in parts if s.anchor != "overview"]
    head = f"{len(analyses)} report{'s' * (len(analyses) != 1)}"
    overview = next((s for s in parts if s.anchor == "overview"), None)
    body.append(f"<h1>oomlens: {escape.html(head)}</h1>")
    if overview is not None:
        body.append(f"<p>{inline(overview.title)}</p>")
    if len(reports) > 1:
        links = "".join(
            f'<li><a href="#{escape.html(s.anchor)}">{escape.html(s.code)}</a>: '
            f"{inline(s.title)}</li>"
            for s in reports
        )
        body.append(f"<nav><ul>{links}</ul></nav>")
    if not reports:
        body.append('<p class="dim">no OOM or page-allocation-failure report found.</p>')
    for i, (section, analysis) in enumerate(zip(reports, shown, strict=True), start=1):
        body.append(_section(section, analysis, i))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>oomlens: {escape.html(head)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main><script>{SCRIPT}</script></body></html>\n"
    )
