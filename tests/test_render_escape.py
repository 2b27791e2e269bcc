"""The one escaping policy: log text for terminal, Markdown, HTML, CSV, charts and JSON.

Hand-made strings: the hostile process names no real report in samples/ carries.
"""

import json
import re

from oomlens.render import escape

EVIL = "\x1b]0;x\x07|<img src=x>"
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


def test_term_turns_osc_title_sequence_into_visible_escapes():
    assert escape.term(EVIL) == "\\x1b]0;x\\x07|<img src=x>"


def test_term_escapes_c1_del_newline_and_bidi_overrides():
    assert escape.term("a\x9bb\x7fc\nd\u202ee") == "a\\x9bb\\x7fc\\x0ad\\u202ee"


def test_term_keeps_ordinary_unicode():
    assert escape.term("kworker/u8:2 ünïcode") == "kworker/u8:2 ünïcode"


def test_md_backslash_escapes_markup_and_writes_no_entity():
    out = escape.md("a|b `c` *d* _e_ [f](g) <img src=x> & \\")
    assert out == "a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) \\<img src=x> \\& \\\\"
    assert not ENTITY.search(out)


def test_md_leaves_plain_words_readable():
    assert (
        escape.md("4.8.0-rc7 lowmem_reserve kworker/u8:2")
        == "4.8.0-rc7 lowmem_reserve kworker/u8:2"
    )


def test_md_breaks_autolinks_and_line_start_markup():
    assert escape.md("http://x.org www.x.org a@b.c") == "http\\://x.org www\\.x.org a\\@b.c"
    assert escape.md("# title") == "\\# title"
    assert escape.md("- item") == "\\- item"
    assert escape.md("12. item") == "12\\. item"
    assert escape.md("> quote") == "\\> quote"


def test_md_escapes_controls_before_markup():
    assert escape.md(EVIL) == "\\\\x1b\\]0;x\\\\x07\\|\\<img src=x>"


def test_md_code_fences_past_every_backtick_run():
    assert escape.md_code("GFP_KERNEL|__GFP_ZERO") == "`GFP_KERNEL|__GFP_ZERO`"
    assert escape.md_code("GFP_KERNEL|__GFP_ZERO", in_table=True) == "`GFP_KERNEL\\|__GFP_ZERO`"
    assert escape.md_code("a`b") == "``a`b``"
    assert escape.md_code("`x") == "`` `x ``"
    assert escape.md_code(EVIL) == "`\\x1b]0;x\\x07|<img src=x>`"


def test_md_fence_cannot_be_closed_from_inside():
    block = escape.md_fence(["ok", "```` not a close", "\x1b[2J"])
    lines = block.splitlines()
    assert lines[0] == "`````text" and lines[-1] == "`````"
    assert lines[1:-1] == ["ok", "```` not a close", "\\x1b[2J"]


def test_html_for_text_and_attributes():
    assert escape.html(EVIL) == "\\x1b]0;x\\x07|&lt;img src=x&gt;"
    assert escape.html('"onerror=') == "&quot;onerror="


def test_chart_text_never_starts_mathtext():
    assert escape.chart("$x$\x1b") == "\\$x\\$\\x1b"


def test_json_text_escapes_what_json_dumps_leaves_raw():
    doc = json.dumps({"comm": "a\x1bb\x9bc\u202e"}, ensure_ascii=False)
    out = escape.json_text(doc)
    assert "\x9b" not in out and "\u202e" not in out and "\x1b" not in out
    assert json.loads(out) == {"comm": "a\x1bb\x9bc\u202e"}


def test_csv_cell_blocks_formulas_and_every_leading_dash():
    assert escape.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert escape.csv_cell("-1+2") == "'-1+2"
    assert escape.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    # a 15-byte comm that a spreadsheet runs as a DDE formula (hostile round 3)
    assert escape.csv_cell("-cmd|'/Ccalc'!A") == "'-cmd|'/Ccalc'!A"
    assert escape.csv_cell("-bash") == "'-bash"  # shown as -bash; the spreadsheet reads text
    assert escape.csv_cell("a\rb") == "a\\x0db"
