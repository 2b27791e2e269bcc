"""util-linux ``dmesg --json`` (2.37+) → one dmesg-style line per line of the file.

dmesg writes one record over several lines, its message last::

    {
       "dmesg": [
          {
             "pri": 4,
             "time":    12.345678,
             "caller": "T123",
             "msg": "balloon invoked oom-killer: gfp_mask=0x..."
          },{

Each ``"msg"`` line becomes ``[   12.345678] [T123] <message>`` (the time and caller
of its record, as plain ``dmesg`` prints them), every other line an empty one: the
reader's line numbers stay the file's, and the segmenter reads past the empty lines
as it reads past a journal's other records. A message with newlines is joined with
the kernel's ``\\x0a``, which the reader splits again. The time is printed as
written (no float round trip); ``caller`` is util-linux 2.40's. Past the document's
closing ``}``, and on a line no such document holds, the text is read as it stands
(a log pasted after the JSON, or a text log that merely opens like it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Protocol

_HEAD = re.compile(rb'\s*"dmesg"\s*:\s*\[')
# The key of a field line; its value is the rest of the line, read by hand: one class under
# one star, so a line of blanks costs linear time (no split of a run between two stars).
_KEY = re.compile(rb'[\s{},]*"(time|caller|msg)"\s*:')
_JSONISH = b'{}]",'  # what a line of dmesg's pretty document starts with, past blanks
_TIME = re.compile(rb"\d{1,20}\.\d{1,9}")
_CALLER = re.compile(rb'"([TC]\d{1,10})"')


class _Lines(Protocol):
    def readline(self, size: int = ..., /) -> bytes: ...


def is_dmesg_json(first: bytes, ahead: Callable[[], bytes]) -> bool:
    """Whether a file opening with ``first`` (then ``ahead()``) is ``dmesg --json``."""
    if first.strip() != b"{":
        return False
    return _HEAD.match(ahead()) is not None


def dmesg_json_lines(
    body: _Lines, note: Callable[[int, str], None], max_line: int
) -> Iterator[bytes]:
    """The lines of a ``dmesg --json`` file, each as dmesg would print its message."""
    lineno = 0
    time: bytes | None = None
    caller: bytes | None = None
    document = True  # inside the JSON document; past its closing "}", the rest is text
    while True:
        line = body.readline(max_line + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_line and not line.endswith(b"\n"):
            while (more := body.readline(max_line + 1)) and not more.endswith(b"\n"):
                pass  # the rest of an over-long line, read past without being held
            line = line[:max_line] + b"\n"
        head = line.lstrip()[:1]
        if not document or (head and head not in _JSONISH):
            yield line  # text after the document, or a line no JSON document holds
            continue
        m = _KEY.match(line)
        if m is None:
            if head == b"}":
                time = caller = None  # the record ends: its time is no other's
                document = line.rstrip() != b"}"  # unindented: the document's own end
            yield b"\n"
            continue
        key, value = m.group(1), line[m.end() :].strip()
        if value.endswith(b","):
            value = value[:-1].rstrip()  # the comma between fields (a string's own is quoted)
        if key == b"time":
            time = value if _TIME.fullmatch(value) else None
            if time is None:
                note(lineno, f"dmesg JSON time {value[:24]!r} is not seconds; left out")
            yield b"\n"
        elif key == b"caller":
            c = _CALLER.fullmatch(value)
            caller = c.group(1) if c else None
            yield b"\n"
        else:
            yield _message_line(value, time, caller, lineno, note)
            time = caller = None


def _message_line(
    value: bytes,
    time: bytes | None,
    caller: bytes | None,
    lineno: int,
    note: Callable[[int, str], None],
) -> bytes:
    """``"msg": <string>`` as ``[time] [caller] message``; a value no JSON string is read
    as it stands, with a note."""
    try:
        text = json.loads(value)
        if not isinstance(text, str):
            raise ValueError("not a string")
        message = text.replace("\r\n", "\n").rstrip("\n").replace("\n", "\\x0a")
        raw = message.encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        note(lineno, "dmesg JSON msg is not a JSON string; read as it stands")
        raw = value
    head = b""
    if time is not None:
        head += b"[" + time.rjust(12) + b"] "
    if caller is not None:
        head += b"[" + caller.rjust(6) + b"] "
    return head + raw + b"\n"
