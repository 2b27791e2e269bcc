"""One escaping policy for every writer: text from a log made safe for each medium.

Everything a kernel log carries (process names, cgroup paths, releases, raw
lines) is chosen by whoever ran the process: a task may call itself
``\\x1b]0;pwned\\x07``, ``<img src=x onerror=alert(1)>`` or ``=HYPERLINK(...)``.
Every writer passes every such string through exactly one of these, once:

==================  ==========================================================
medium              function
==================  ==========================================================
terminal / text     ``term``: C0/C1 controls, DEL, bidi and zero-width format
                    characters become visible ``\\x1b``/``\\u202e`` escapes
Markdown prose      ``md``: ``term``, then every Markdown/HTML metacharacter
                    backslash-escaped (no HTML entities: plain-text trackers
                    show them as noise)
Markdown names      ``md_code``: ``term``, then a code span fenced by more
                    backticks than the text holds (``in_table``: ``|`` as
                    ``\\|`` for GFM tables)
Markdown blocks     ``md_fence``: a fenced block whose fence outruns every
                    backtick run of the lines
HTML                ``html``: ``term``, then ``& < > " '`` as entities
CSV cells           ``csv_cell``: ``term``, then a leading ``= + - @`` made
                    inert with ``'`` (RFC 4180 quoting is the csv module's)
chart titles        ``chart``: ``term``, then ``$`` escaped (matplotlib
                    mathtext)
JSON                ``json_text`` on the dumped document: DEL, C1 and bidi
                    characters as ``\\uXXXX`` (json.dumps escapes C0 itself)
==================  ==========================================================

``term`` is the base of all of them: no writer lets a control character or a
bidi override reach a screen, a file or a spreadsheet. The one exception is
``oomlens batch``'s data tables (``oomlens.fleet``, CSV and Parquet): like a
JSON document once parsed, they hold every value exactly as the log or the file
system gave it, so that reading them back gives that value; their CSV text
cells get only the formula guard (``fleet.batch.FORMULA``), and a byte a file
name did not decode is written as its ``\\xNN`` escape. ``oomlens summary``
shows them through ``term``.
"""

from __future__ import annotations

import html as _html
import re

# C0 controls, DEL, C1 controls, and the Unicode bidi/zero-width format
# characters that can reorder or hide text on screen ("Trojan Source"); and the lone
# surrogates os.fsdecode() makes of a file name's bytes that are not UTF-8 (written out
# as they came, they are those raw bytes: 0x9b-0x9d are C1's CSI, ST and OSC).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
    "\udc80-\udcff]"
)

# What json.dumps leaves raw (it escapes C0 itself; C0 here would hit its own newlines).
_JSON_RAW = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\udc80-\udcff]"
)

# Markup anywhere in a line: emphasis ("_" only where it is not inside a word, as in
# lowmem_reserve), code, links and images, HTML and entities, table cells,
# strikethrough, and GFM's autolinks (http://…, www.…, a@b.c), which a backslash
# before their ":", "." or "@" breaks. CommonMark lets a backslash escape any ASCII
# punctuation, so each escape renders as the character itself.
_MD_INLINE = re.compile(
    r"[\\`*\[\]<&|~@]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|:(?=//)|(?<=www)\.", re.IGNORECASE
)
# Markup only at the start of a line: headings, quotes, list items, setext underlines.
_MD_LEADING = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)])(?=\s|$))")
_BACKTICKS = re.compile("`+")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte a file name did not decode, as stderr shows it
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def term(text: object) -> str:
    """For a terminal or plain text: control and format characters become ``\\x1b``-style escapes."""
    return _UNSAFE.sub(_visible, str(text))


def md(text: object) -> str:
    """For Markdown prose: no control characters, every markup character backslash-escaped.

    Only what can start markup is escaped, so the text still reads as written in a
    plain-text tracker: ``4.8.0-rc7`` stays as it is, ``<img>`` becomes ``\\<img\\>``.
    """
    value = _MD_INLINE.sub(lambda m: "\\" + m.group(0), term(text))
    return _MD_LEADING.sub(_leading, value)


def _leading(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def md_code(text: object, in_table: bool = False) -> str:
    """A Markdown code span holding ``text`` verbatim (controls made visible).

    The fence is one backtick longer than the longest run inside, padded with a
    space when the text starts or ends with a backtick (CommonMark 6.1). In a GFM
    table ``|`` would end the cell even inside the span, so it is written ``\\|``.
    """
    value = term(text)
    if in_table:
        value = value.replace("|", "\\|")
    runs = [len(m.group()) for m in _BACKTICKS.finditer(value)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def md_fence(lines: list[str] | tuple[str, ...], info: str = "text") -> str:
    """A fenced code block of ``lines`` (controls made visible) that no line can close."""
    body = [term(line) for line in lines]
    longest = max((len(m.group()) for line in body for m in _BACKTICKS.finditer(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([fence + info, *body, fence])


def html(text: object) -> str:
    """For HTML text or attribute values: entities for markup, escapes for controls."""
    return _html.escape(term(text), quote=True)


def csv_cell(text: object) -> str:
    """For a CSV cell: no controls, no leading formula a spreadsheet would run."""
    value = term(text)
    # Every leading "-", as the batch tables do: a spreadsheet reads a login shell's comm
    # "-bash" as a formula too, and "-cmd|' /C calc'!A0" is the classic DDE payload.
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def chart(text: object) -> str:
    """For a matplotlib title or label: no controls, and ``$`` never starts mathtext."""
    return term(text).replace("$", r"\$")


def json_text(document: str) -> str:
    """Escape, as ``\\uXXXX``, what ``json.dumps(ensure_ascii=False)`` leaves raw: DEL, C1, bidi,
    and the lone surrogates of a file name's undecoded bytes (``os.fsencode`` gives them back)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
