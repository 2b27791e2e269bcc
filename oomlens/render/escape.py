"""Make text that came from a log safe for a terminal, Markdown and HTML.

Everything a kernel log carries (process names, cgroup paths, raw lines) is
attacker-controlled: a process may name itself ``\\x1b]0;pwned\\x07`` or
``<img src=x>``. Renderers pass every such string through one of these.
"""

from __future__ import annotations

import html as _html
import re

# C0 controls, DEL, C1 controls, and the Unicode bidi/zero-width format
# characters that can reorder or hide text on screen ("Trojan Source").
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)

# What json.dumps leaves raw (it escapes C0 itself; C0 here would hit its own newlines).
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")

_MD = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "`": "&#96;",
    "*": "&#42;",
    "_": "&#95;",
    "[": "&#91;",
    "]": "&#93;",
    "\\": "&#92;",
}
_MD_RE = re.compile("[" + re.escape("".join(_MD)) + "]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def term(text: object) -> str:
    """Render ``text`` for a terminal: control and format characters become ``\\x1b``-style escapes."""
    return _UNSAFE.sub(_visible, str(text))


def md(text: object) -> str:
    """Render ``text`` as inert Markdown: no control characters, no markup, no HTML."""
    return _MD_RE.sub(lambda m: _MD[m.group()], term(text))


# Symbols and arithmetic (no backtick, no "<", no controls): safe inside a code span.
_CODE_SAFE = re.compile(r"[A-Za-z0-9_.:+=/ ()|,>?\-−→–✓✗]*")


def md_code(text: object, in_table: bool = False) -> str:
    """A Markdown code span when ``text`` is plainly a symbol (``GFP_KERNEL|__GFP_ZERO``), else md()."""
    value = str(text)
    if not value or not _CODE_SAFE.fullmatch(value):
        return md(value)
    return "`" + (value.replace("|", "\\|") if in_table else value) + "`"


def html(text: object) -> str:
    """Render ``text`` for an HTML ``<pre>`` block: entities for markup, escapes for controls."""
    return _html.escape(term(text), quote=True)


def csv_cell(text: object) -> str:
    """Render ``text`` for a CSV cell: no controls, no leading formula a spreadsheet would run."""
    value = term(text)
    # "-bash" is a login shell's comm, not a formula; "-1+..." is.
    if value[:1] in ("=", "+", "@") or (value[:1] == "-" and not value[1:2].isalpha()):
        return "'" + value
    return value


def json_text(document: str) -> str:
    """Escape, as ``\\uXXXX``, what ``json.dumps(ensure_ascii=False)`` leaves raw: DEL, C1, bidi."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
