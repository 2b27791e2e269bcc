"""Mail bodies stored quoted-printable (RFC 2045): found, decoded, and numbered as stored.

A kernel log pasted into a mail is often archived still encoded: "=3D" for "=", and
long lines broken with a soft "=" at their end. Decoding joins those lines again; the
reports keep the line numbers of the file as it is stored.
"""

from __future__ import annotations

import binascii
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from typing import Protocol

_QP_SOFT_BREAK = re.compile(rb"=[ \t]*\r?\n")  # RFC 2045: blanks after the "=" are dropped
_QP_CODE = re.compile(rb"=(?:[0-9A-Fa-f]{2}|[ \t]*\r?\n)")  # what may follow a "=" there
# A mail's own header kept before its body (RFC 5322: "Name: value" lines, folded lines
# after a blank, an mbox "From " line first, a blank line at its end). Its "=" are MIME
# parameters ("charset=utf-8"), never quoted-printable.
_HEADER = re.compile(rb"\A(?:From [^\n]*\n)?(?:[A-Za-z][\w-]*:[^\n]*\n(?:[ \t][^\n]*\n)*)+\r?\n")


class Counter(Protocol):
    """The reader's count of decoded lines so far."""

    lines: int


def looks_quoted_printable(head: bytes) -> bool:
    """A quoted-printable mail body: every "=" opens an escape or a soft line break.

    In quoted-printable a literal "=" is always written "=3D", so a kernel log's own
    "gfp_mask=0x...", "order=0" or "=====" cannot occur in it; a plain log has them all
    the time. Whatever a task or cgroup name holds, it is never the only "=" there is.
    Some escape or soft break must be there too (a log without any "=" is plain). A
    mail header kept before the body is not counted.
    """
    header = _HEADER.match(head)
    if header is not None:
        head = head[header.end() :]
    total = head.count(b"=")
    if not total:
        return False
    valid = len(_QP_CODE.findall(head))
    soft = len(_QP_SOFT_BREAK.findall(head))
    return (total - valid) * 100 <= total and (soft >= 2 or b"=3D" in head)


def from_quoted_printable(
    chunks: Iterator[bytes], counter: Counter, lines: SoftBreaks, max_line: int
) -> Iterator[bytes]:
    """Quoted-printable decoded, cut at line ends so no escape is split; a line longer
    than ``max_line`` is decoded as it comes."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) > max_line:
            cut = len(data)  # one endless line: decode it as it comes, held no longer
        carry = data[cut:]
        if cut:
            out = lines.decode(data[:cut], counter.lines)
            counter.lines += out.count(b"\n")
            yield out
    if carry:
        yield lines.decode(carry, counter.lines)


_BLANKS_BEFORE_BREAK = re.compile(rb"=[ \t]+(\r?\n)")
_LONE_CR = re.compile(rb"=\r(?!\n)")


def _normalised(block: bytes) -> bytes:
    """What binascii.a2b_qp reads otherwise than RFC 2045: blanks after a soft break's "="
    (dropped), and "=" before a CR with no LF after it (a literal "=", not a break that
    swallows the rest of the line)."""
    if b"= " in block or b"=\t" in block:
        block = _BLANKS_BEFORE_BREAK.sub(rb"=\1", block)
    if b"=\r" in block:
        block = _LONE_CR.sub(b"=3D\r", block)
    return block


class SoftBreaks:
    """Which stored line each decoded line starts on, worked out while decoding.

    Each stored line is decoded on its own (what binascii.a2b_qp makes of the whole is
    the same): a soft break ends no decoded line, an escaped newline ("=0A") ends one
    inside a stored line. Where the difference between the two numberings changes, it
    is kept; for the first MAX_ENTRIES changes (16 MB), past them decoded lines are
    counted on from the last one kept, and ``note`` says from where.
    """

    MAX_ENTRIES = 1 << 20

    def __init__(self, note: Callable[[int, str], None]) -> None:
        self.starts = array("q")  # decoded lines where the difference changes, ascending
        self.shifts = array("q")  # stored line - decoded line, from that decoded line on
        self.note = note
        self.full = False
        self.stored = 0  # stored lines read so far
        self.shift = 0  # the difference at the decoded line being read
        self.at_start = True  # the next decoded byte starts a decoded line
        self.partial = False  # the last stored line read goes on in the next block

    def decode(self, block: bytes, before: int) -> bytes:
        """``block`` (whole stored lines, but at the end) decoded, after ``before`` decoded lines."""
        if b"=" in block:
            block = _normalised(block)
        if self.full or (b"=" not in block and self.at_start and not self.partial):
            if block and not self.full:  # one decoded line per stored line from here on
                self._shift(before + 1, self.stored + 1 - (before + 1))
            self.stored += block.count(b"\n")
            self.partial = not block.endswith(b"\n")
            return binascii.a2b_qp(block)
        pieces = block.split(b"\n")
        last = pieces.pop()  # b"" when the block ends at a line end
        pieces = [p + b"\n" for p in pieces] + ([last] if last else [])
        out = []
        decoded = before
        for i, stored in enumerate(pieces):
            if self.full:  # past the cap: the rest in one go
                out.append(binascii.a2b_qp(b"".join(pieces[i:])))
                self.stored += sum(p.endswith(b"\n") for p in pieces[i:])
                break
            if not self.partial:
                self.stored += 1  # a stored line starts here
            text = binascii.a2b_qp(stored)
            out.append(text)
            ends = text.count(b"\n")
            if self.at_start and text:
                self._shift(decoded + 1, self.stored - (decoded + 1))
            # an escaped newline ("=0A") with text after it starts a line inside this one
            inner = ends - 1 if text.endswith(b"\n") else ends
            for k in range(1, inner + 1):
                self._shift(decoded + 1 + k, self.stored - (decoded + 1 + k))
            decoded += ends
            if text:
                self.at_start = text.endswith(b"\n")
            self.partial = not stored.endswith(b"\n")
        return b"".join(out)

    def _shift(self, line: int, shift: int) -> None:
        if shift == self.shift or self.full:
            return
        if len(self.starts) >= self.MAX_ENTRIES:
            self.full = True
            self.note(line, f"quoted-printable: line numbers past line {line} count decoded lines")
            return
        self.starts.append(line)
        self.shifts.append(shift)
        self.shift = shift

    def physical(self, line: int) -> int:
        """The line of the stored file that decoded line ``line`` starts on."""
        i = bisect_right(self.starts, line)
        return line + (self.shifts[i - 1] if i else 0)
