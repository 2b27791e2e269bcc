"""One physical line of a log → the kernel records it holds, each a :class:`LogLine`
with its prefix read (terminal escapes, HTML entities and glued records undone)."""

from __future__ import annotations

import re
from functools import partial
from typing import NamedTuple

from oomlens.read.prefixes import Prefix, strip_prefix
from oomlens.read.records import fused, late_start, pieces

MAX_LINE = 65536  # bytes; a longer physical line is cut here and marked


class LogLine(NamedTuple):
    """One kernel message with every prefix removed, and what the prefix said.

    A named tuple rather than a frozen dataclass: one is built for every line read,
    and a tuple is built in a quarter of the time.
    """

    source: str  # display path ("<stdin>" for stdin)
    lineno: int  # 1-based physical line in the decompressed input; journal: record number
    text: str  # the message, prefixes removed, stripped
    timestamp: float | None = None  # seconds, from "[ 12.345]" or /dev/kmsg usec
    caller: str | None = None  # printk caller id "T123"/"C1"; Android context → "T<pid>"
    host: str | None = None  # syslog/journal host, verbatim
    prefix: str = ""  # exactly what was stripped, verbatim
    cut: bool = False  # the raw line was longer than MAX_LINE and was cut
    trailing_space: bool = False  # the raw line ended in a blank: a soft wrap if continued
    note: str | None = None  # what the reader could not use here ("time out of range")
    clock: str | None = None  # wall-clock date as printed (read/clock.py makes it a datetime)
    boot_id: str | None = None  # journal _BOOT_ID
    end: int | None = None  # the physical line its last wrapped piece was on (None: lineno)


_logline = partial(tuple.__new__, LogLine)  # LogLine from a tuple of all its fields, at C speed

# CSI ("ESC [ ... final"), OSC ("ESC ] ... BEL|ST") and two-character escapes; a lone ESC
# left over is dropped after this.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])?")
# tmux's copy-mode position "[7/972]", copied at the right edge of the pane's top line.
_TMUX_POSITION = re.compile(r"\s{3,}\[\d+/\d+\]$")

# The entities a web page escapes in a pasted log; no kernel message prints them.
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#39|#x27);")
_HTML_CHAR = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "#39": "'", "#x27": "'"}


def _unescaped(m: re.Match[str]) -> str:
    return _HTML_CHAR[m.group(1)]


# a run of escaped bytes past 127: a UTF-8 character devkmsg_read() escaped byte by byte
_ESCAPED_UTF8 = re.compile(r"(?:\\x[89a-fA-F][0-9a-fA-F])+")


def _utf8(m: re.Match[str]) -> str:
    """The character a run of escaped bytes spells, if it is UTF-8; else the run."""
    run = m.group(0)
    try:
        return bytes(int(run[i + 2 : i + 4], 16) for i in range(0, len(run), 4)).decode()
    except UnicodeDecodeError:
        return m.group(0)


def decode_line(raw: bytes, lineno: int, source: str) -> list[LogLine]:
    """Decode one physical line into the kernel messages it holds (usually one)."""
    if raw[-1:] == b"\n":
        raw = raw[:-1]
    if raw[-1:] == b"\r":
        raw = raw[:-1]
    cut = len(raw) > MAX_LINE
    if cut:
        end = MAX_LINE
        # do not leave half a UTF-8 character at the cut
        while end > MAX_LINE - 3 and 0x80 <= raw[end] < 0xC0:
            end -= 1
        raw = raw[:end]
    text = raw.decode("utf-8", "replace")
    if text[:1] in ("\ufeff", "\x00"):  # a byte-order mark or NUL padding (an unclean stop)
        text = text.lstrip("\ufeff\x00")
    if "&" in text:  # a log copied out of a web page's source: "[&lt;ffffffff81686b13&gt;]"
        text = _HTML_ENTITY.sub(_unescaped, text)
    if "\x1b" in text:
        text = _ANSI.sub("", text).replace("\x1b", "")
    if "\\x" in text:  # /dev/kmsg, netconsole and vmcore-dmesg write bytes past 126 as \xNN
        text = _ESCAPED_UTF8.sub(_utf8, text)
    if "]" in text[-16:]:  # tmux's position, maybe with the pane's blanks after it
        tail = text.rstrip()
        if tail[-1:] == "]" and "/" in tail[-12:]:
            bare = _TMUX_POSITION.sub("", tail)
            text = bare if bare != tail else text
    # (a record glued on brings a second "[": fused's own first test, made here for speed)
    one = "#012" not in text and "\\x0a" not in text and "\n" not in text
    if one and (text.count("[") < 2 or not fused(text)):
        body, (stamp, caller, host, prefix, note, clock, boot) = _record_prefix(text)
        soft = text[-1:] in (" ", "\t")
        return [
            _logline(
                (
                    source,
                    lineno,
                    body,
                    stamp,
                    caller,
                    host,
                    prefix,
                    cut,
                    soft,
                    note,
                    clock,
                    boot,
                    None,
                )
            )
        ]
    return _decode_pieces(text, lineno, source, cut)


def _record_prefix(text: str) -> tuple[str, Prefix]:
    """``strip_prefix``, where a program's output before a kernel record on a serial
    console (``records.late_start``) is that record's prefix, kept verbatim: never a line
    of its own a reader could glue onto the kernel line before it."""
    body, p = strip_prefix(text)
    late = late_start(text) if p.timestamp is None and p.clock is None else 0
    if late:
        body, p = strip_prefix(text[late:])
        p = p._replace(prefix=text[:late] + p.prefix)
    return body, p


def _decode_pieces(text: str, lineno: int, source: str, cut: bool) -> list[LogLine]:
    """The records of a line that holds more than one, each with its own prefix."""
    out = []
    first: Prefix | None = None
    for piece in pieces(text):
        body, p = _record_prefix(piece)
        if first is None:
            first = p
        # a continuation piece belongs to the same record: same time, caller, host and boot
        out.append(
            LogLine(
                source,
                lineno,
                body,
                p.timestamp if p.timestamp is not None else first.timestamp,
                p.caller or first.caller,
                p.host or first.host,
                p.prefix,
                cut,
                piece[-1:] in (" ", "\t"),
                p.note,
                p.clock or first.clock,
                p.boot_id or first.boot_id,
            )
        )
    return out
