"""Mail bodies stored quoted-printable (RFC 2045): found, decoded, and numbered as stored.

A kernel log pasted into a mail is often archived still encoded: "=3D" for "=", and
long lines broken with a soft "=" at their end. Decoding joins those lines again; the
reports keep the line numbers of the file as it is stored.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Protocol

_QP_SOFT_BREAK = re.compile(rb"=\r?\n")
_QP_ESCAPE = re.compile(rb"=(?:3D|20|09|[89A-F][0-9A-F])")


class Counter(Protocol):
    """The reader's count of decoded lines so far."""

    lines: int


def looks_quoted_printable(head: bytes) -> bool:
    """A quoted-printable mail body: soft line breaks and "=3D" escapes, several of each."""
    return (
        len(_QP_SOFT_BREAK.findall(head)) >= 3
        and b"=3D" in head
        and len(_QP_ESCAPE.findall(head)) >= 3
    )


def from_quoted_printable(
    chunks: Iterator[bytes], counter: Counter, soft: SoftBreaks, max_line: int
) -> Iterator[bytes]:
    """Quoted-printable decoded, cut at line ends so no escape is split; a line longer
    than ``max_line`` is decoded as it comes."""
    import binascii

    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) > max_line:
            cut = len(data)  # one endless line: decode it as it comes, held no longer
        carry = data[cut:]
        if cut:
            block = data[:cut]
            soft.scan(block, counter.lines)
            out = binascii.a2b_qp(block)
            counter.lines += out.count(b"\n")
            yield out
    if carry:
        soft.scan(carry, counter.lines)
        yield binascii.a2b_qp(carry)


class SoftBreaks:
    """Where a quoted-printable input's soft line breaks joined its lines.

    Decoded line ``n`` starts on line ``n`` plus the soft breaks in the decoded lines
    before it. Kept for the first MAX_ENTRIES decoded lines that hold one (16 MB);
    past them, line numbers count decoded lines, and ``note`` says from where.
    """

    MAX_ENTRIES = 1 << 20

    def __init__(self, note: Callable[[int, str], None]) -> None:
        self.lines = array("q")  # decoded lines that hold a soft break, ascending
        self.total = array("q")  # soft breaks up to and including that line
        self.note = note
        self.full = False

    def scan(self, block: bytes, before: int) -> None:
        """Note the soft breaks of ``block``, which starts after ``before`` decoded lines."""
        if self.full or b"=" not in block:
            return
        pos = newlines = breaks = 0
        total = self.total[-1] if self.total else 0
        for m in _QP_SOFT_BREAK.finditer(block):
            newlines += block.count(b"\n", pos, m.start())
            pos = m.end()
            line = before + newlines - breaks + 1  # the decoded line this break is inside
            breaks += 1
            newlines += 1
            total += 1
            if self.lines and self.lines[-1] == line:
                self.total[-1] = total
                continue
            if len(self.lines) >= self.MAX_ENTRIES:
                self.full = True
                self.note(
                    line, f"quoted-printable: line numbers past line {line} count decoded lines"
                )
                return
            self.lines.append(line)
            self.total.append(total)

    def physical(self, line: int) -> int:
        """The line of the stored file that decoded line ``line`` starts on."""
        i = bisect_left(self.lines, line)
        return line + (self.total[i - 1] if i else 0)
