"""Renderers: verdicts to text, JSON, Markdown, CSV, HTML and PNG charts.

Each renderer is a pure function of ``FileResult`` records to a string (the
chart writes files). None imports a heavy library at module level. Text,
Markdown and HTML lay out one document (``document``), built from each
analysis's Facts and Verdict; ``escape`` holds the one escaping policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from oomlens.pipeline import FileResult

FORMATS = ("text", "json", "jsonl", "markdown", "csv", "html")


def renderer(fmt: str) -> Callable[[Sequence[FileResult]], str]:
    """The render function for ``fmt`` (one of FORMATS)."""
    if fmt == "text":
        from oomlens.render.text import render_text

        return render_text
    if fmt == "json":
        from oomlens.render.json import render_json

        return render_json
    if fmt == "jsonl":
        from oomlens.render.json import render_jsonl

        return render_jsonl
    if fmt == "markdown":
        from oomlens.render.markdown import render_markdown

        return render_markdown
    if fmt == "csv":
        from oomlens.render.csv import render_csv

        return render_csv
    if fmt == "html":
        from oomlens.render.html import render_html

        return render_html
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render(results: Sequence[FileResult], fmt: str, each: bool = False) -> str:
    """Render every report in ``results`` as ``fmt``; text, Markdown and HTML show one
    section per incident unless ``each``."""
    if each and fmt in ("text", "markdown", "html"):
        return renderer(fmt)(results, each=True)  # type: ignore[call-arg]
    return renderer(fmt)(results)
