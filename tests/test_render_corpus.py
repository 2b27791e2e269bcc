"""Every real report in samples/, rendered in every format: no sentinel, no negative count,
no HTML entity in Markdown, no unescaped log text in HTML."""

from __future__ import annotations

import json
import re
from functools import cache
from html.parser import HTMLParser

import pytest

from oomlens.pipeline import FileResult, Options, analyze_file
from oomlens.render import FORMATS, render
from oomlens.render.doc import Code, Field, Grid, Items, Para, Raw, Span
from oomlens.render.document import sections
from tests.corpus import ALL_FILES

# Stand-ins for "unknown" or "unlimited" a person must never read as a number.
SENTINELS = ("1099511627776", "1099511626", "9007199254740988", "18446744073709551615")
HUGE = re.compile(r"(?<![\w.])\d{13,}")  # 10^12 pages or kB: no real zone or task has that
NEGATIVE = re.compile(r"(?<![\w.\-])-\s?\d")
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


@cache
def result(path: str) -> FileResult:
    return analyze_file(path, Options())


FILES = [str(p) for p in ALL_FILES]


def test_the_corpus_has_reports_and_verdicts():
    analyses = [a for p in FILES for a in result(p).analyses]
    assert len(analyses) >= 80
    assert sum(a.verdict is not None and a.verdict.code != "undetermined" for a in analyses) >= 30
    assert all(a.facts is not None for a in analyses)


def _words(parts: Span) -> list[str]:
    """oomlens's own words in a span (log text in Code is the log's, checked elsewhere)."""
    return [p if isinstance(p, str) else p.text for p in parts if not isinstance(p, Code)]


def _document_words(path: str) -> list[str]:
    out = []
    for section in sections(result(path).analyses):
        out += _words(section.title)
        for block in section.blocks:
            if isinstance(block, (Para, Field)):
                out += _words(block.parts)
            elif isinstance(block, Items):
                for item in block.items:
                    out += _words(item)
            elif isinstance(block, Grid):
                skip = {i for i, h in enumerate(block.headers) if h == "oom_score_adj"}
                for row in block.rows:
                    for i, cell in enumerate(row):
                        if i not in skip:
                            out += _words(cell)
            elif isinstance(block, Raw):
                continue
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_no_sentinel_and_no_negative_count_in_what_oomlens_writes(path):
    for words in _document_words(path):
        assert not any(s in words for s in SENTINELS), words
        assert not HUGE.search(words), words
        assert not NEGATIVE.search(words), words


def _markdown_prose(md: str) -> str:
    """Markdown without its fenced raw reports (the log's own text, verbatim)."""
    out, fence = [], None
    for line in md.splitlines():
        if fence is None and line.startswith("```"):
            fence = re.match("`+", line).group()
            continue
        if fence is not None:
            if line == fence:
                fence = None
            continue
        out.append(line)
    return "\n".join(out)


class _Page(HTMLParser):
    """Collects elements and the text outside <pre>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self._pre = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append(tag)
        self.attrs += attrs
        self._pre += tag == "pre"

    def handle_endtag(self, tag):  # noqa: ANN001
        self._pre -= tag == "pre"

    def handle_data(self, data):  # noqa: ANN001
        if not self._pre:
            self.text.append(data)


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "nav",
    "ul", "li", "a", "section", "span", "dl", "dt", "dd", "code", "div", "table", "thead",
    "tbody", "tr", "th", "td", "figure", "details", "summary", "pre", "script", "svg", "defs",
    "pattern", "line", "rect", "text",
}  # fmt: skip


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_format_renders_every_report(path):
    res = result(path)
    for fmt in FORMATS:
        out = render([res], fmt)
        # extra/170 holds no report: a format may then print nothing
        assert out.strip() or not res.analyses, fmt
        if fmt == "json":
            doc = json.loads(out)
            assert len(doc["reports"]) == len(res.analyses)
        if fmt in ("text", "markdown"):
            prose = _markdown_prose(out) if fmt == "markdown" else out
            assert not any(s in prose for s in SENTINELS)
            assert not HUGE.search(prose), HUGE.search(prose)
        if fmt == "markdown":
            assert not ENTITY.search(out), ENTITY.search(out)
            assert "<details" not in out and "<pre" not in out
        if fmt == "html":
            page = _Page()
            page.feed(out)
            assert set(page.tags) <= ALLOWED_TAGS, set(page.tags) - ALLOWED_TAGS
            assert page.tags.count("script") == 1
            hrefs = [v for k, v in page.attrs if k in ("href", "src")]
            assert all(
                v is not None and (v.startswith("#") or v.startswith("https://git.kernel.org/"))
                for v in hrefs
            ), hrefs
            assert not any(k == "src" for k, _ in page.attrs)
            text = "".join(page.text)
            assert not any(s in text for s in SENTINELS)
