"""Escaping of log text for terminal, Markdown, HTML, JSON and CSV (hand-made strings:
the hostile process names no real report in samples/ carries)."""

import json

from oomlens.render import escape

EVIL = "\x1b]0;x\x07|<img src=x>"


def test_term_turns_osc_title_sequence_into_visible_escapes():
    assert escape.term(EVIL) == "\\x1b]0;x\\x07|<img src=x>"


def test_term_escapes_c1_del_newline_and_bidi_overrides():
    assert escape.term("a\x9bb\x7fc\nd\u202ee") == "a\\x9bb\\x7fc\\x0ad\\u202ee"


def test_term_keeps_ordinary_unicode():
    assert escape.term("kworker/u8:2 ünïcode") == "kworker/u8:2 ünïcode"


def test_md_neutralises_markup_html_and_table_pipes():
    out = escape.md("a|b `c` *d* _e_ [f](g) <img src=x> & \\")
    for raw in ("|", "`", "*", "_", "[", "]", "<", ">", "\\"):
        assert raw not in out
    assert out == (
        "a&#124;b &#96;c&#96; &#42;d&#42; &#95;e&#95; &#91;f&#93;(g) &lt;img src=x&gt; &amp; &#92;"
    )


def test_md_escapes_controls_before_markup():
    assert escape.md(EVIL) == "&#92;x1b&#93;0;x&#92;x07&#124;&lt;img src=x&gt;"


def test_md_code_uses_code_spans_only_for_plain_symbols():
    assert escape.md_code("GFP_KERNEL|__GFP_ZERO") == "`GFP_KERNEL|__GFP_ZERO`"
    assert escape.md_code("GFP_KERNEL|__GFP_ZERO", in_table=True) == "`GFP_KERNEL\\|__GFP_ZERO`"
    assert escape.md_code("a`b") == "a&#96;b"


def test_html_for_pre_blocks():
    assert escape.html(EVIL) == "\\x1b]0;x\\x07|&lt;img src=x&gt;"


def test_json_text_escapes_what_json_dumps_leaves_raw():
    doc = json.dumps({"comm": "a\x1bb\x9bc\u202e"}, ensure_ascii=False)
    out = escape.json_text(doc)
    assert "\x9b" not in out and "\u202e" not in out and "\x1b" not in out
    assert json.loads(out) == {"comm": "a\x1bb\x9bc\u202e"}


def test_csv_cell_blocks_formulas_but_not_login_shells():
    assert escape.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert escape.csv_cell("-1+2") == "'-1+2"
    assert escape.csv_cell("-bash") == "-bash"
