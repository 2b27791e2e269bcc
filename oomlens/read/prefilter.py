"""The byte prefilter: the lines of a chunk that a report may hold, found by marker strings
before any line is decoded; every other chunk only has its newlines counted."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from oomlens.read.logline import MAX_LINE
from oomlens.read.markers import TRIGGERS, markers_in

CHUNK = 1 << 20
BACK_LINES = 128  # lines before a marker that may open the report: an excerpt's CPU line and
# its trace (interrupt stacks make it long: extra/194 has 70 frames), a zone line before lowmem_reserve
KEEP_BYTES = 1 << 18  # at most this much of a chunk's end is scanned again with the next


@dataclass
class ScanStats:
    """What the prefilter saw: lines in the input, and lines it decoded."""

    lines: int = 0
    decoded: int = 0
    cut_lines: int = 0  # lines past MAX_LINE bytes, in a report or not (segment counts them)
    first_cut: int = 0  # the first of them
    last_cut: int = 0  # ... and the last


def iter_raw_lines(
    stream: BinaryIO,
    idle: Callable[[], bool],
    stats: ScanStats | None = None,
    chunks: Iterable[bytes | None] | None = None,
) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(lineno, raw line)`` for lines near a marker or while a report is open.

    Chunks with no marker are skipped while ``idle()`` holds: only their
    newlines are counted, so line numbers stay exact. The last ``BACK_LINES``
    lines not yet yielded are scanned again with the next chunk, so a report
    that opens across a chunk boundary (or across a live input's small reads)
    is found as in one piece. ``chunks`` replaces ``stream.read``; a None chunk
    (a live input gone quiet) is passed on as ``(lineno, None)``.
    """
    stats = stats if stats is not None else ScanStats()
    if chunks is None:
        chunks = iter(lambda: stream.read(CHUNK), b"")
    lineno = 0  # lines before ``carry``
    carry = b""  # lines kept for look-back, then the unfinished last line
    kept = 0  # how many whole lines ``carry`` starts with
    for chunk in chunks:
        if chunk is None:
            yield lineno + kept, None
            continue
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            if len(carry) > MAX_LINE:  # one enormous line: keep its head, drop the rest
                carry = carry[: MAX_LINE + 1]
            continue
        done = [0]
        for item in _scan(data, cut, lineno, idle, done):
            stats.decoded += 1
            yield item
        keep = max(done[0], _back(data, cut, BACK_LINES))
        if cut - keep > KEEP_BYTES:  # long lines: look back less, at a line start
            keep = data.find(b"\n", cut - KEEP_BYTES - 1, cut) + 1
        lineno += data.count(b"\n", 0, keep)
        kept = data.count(b"\n", keep, cut)
        stats.lines = lineno + kept
        carry = data[keep:]
        if len(data) - cut > MAX_LINE:  # one enormous line: keep its head, drop the rest
            carry = data[keep : cut + MAX_LINE + 1]
    lineno += kept
    carry = carry[carry.rfind(b"\n") + 1 :]  # the kept lines were scanned: nothing opened
    if carry:
        stats.decoded += 1
        lineno += 1
        yield lineno, carry
    stats.lines = lineno


def _back(data: bytes, cut: int, n: int) -> int:
    """Where the last ``n`` whole lines before ``cut`` start."""
    start = cut
    for _ in range(n):
        if start <= 0:
            return 0
        start = data.rfind(b"\n", 0, start - 1) + 1
    return start


# A marker line that can open a report: a trigger, or an excerpt's first lines.
_TRIGGER_BYTES = re.compile((TRIGGERS + r"|vmalloc: allocation failure").encode())
_OPENS = re.compile(
    (
        TRIGGERS + r"|vmalloc: allocation failure|Mem-[Ii]nfo:|lowmem_reserve\[\]:"
        r"|(?:DMA32|DMA|Normal|HighMem|Movable|Device) free:\d"
        r"|protections\[\]:|[Kk]ill(?:ed)? process -?\d|\[\s*pid\s*\]|oom-kill:constraint="
        r"|killed as a result of limit"
    ).encode()
)


# A marker line that starts a boot (segment._BANNER_LINE, segment._JOURNAL_BOOT), after
# any prefix: read alone while no report is open.
_BOOT_BYTES = re.compile(rb".*?(?:Linux version \d|-- (?:Boot [0-9a-f]{32}|Reboot) --)")


def _scan(
    data: bytes, end: int, lineno: int, idle: Callable[[], bool], done: list[int]
) -> Iterator[tuple[int, bytes]]:
    """Yield the lines of ``data[:end]`` a report may hold; ``done[0]``: end of the last one."""
    pos = 0
    seek = 0  # where the next marker is looked for: past the marker lines passed over
    force = -1  # lines up to here are read whatever idle() says (a wrapped trigger)
    markers = markers_in(data, end)
    while pos < end:
        if pos > force and idle():
            hit = markers.first(max(pos, seek))
            if hit < 0:
                return
            start = max(pos, data.rfind(b"\n", pos, hit) + 1)  # pos starts a line
            stop = data.find(b"\n", hit, end)
            marker_line = data[start:stop]
            back = BACK_LINES
            if _BOOT_BYTES.match(marker_line) and not _OPENS.search(marker_line):
                back = 0  # a new boot: the line alone, for the segmenter to count
            elif not _OPENS.search(marker_line):
                wrapped = _wrapped_trigger(data, pos, start, stop, end)
                if wrapped is None:
                    # a marker word in an ordinary message ("link failure"), or in a name
                    # (a task row's): pass over it, yet a later opener may look back to it
                    seek = stop + 1
                    continue
                start, force = wrapped
                back = 0
            elif _TRIGGER_BYTES.search(marker_line):
                back = 1  # the line before, in case a wrap left half the trigger there
            for _ in range(back):
                if start <= pos:
                    break
                start = data.rfind(b"\n", pos, start - 1) + 1
            start = max(start, pos)
            lineno += data.count(b"\n", pos, start)
            pos = start
        nl = data.find(b"\n", pos, end)
        lineno += 1
        done[0] = nl + 1
        yield lineno, data[pos:nl]
        pos = nl + 1


def _wrapped_trigger(
    data: bytes, pos: int, start: int, stop: int, end: int
) -> tuple[int, int] | None:
    """A trigger line split by a wrap around the marker line ``data[start:stop]``.

    Returns where its first half starts and where its second half ends, or None.
    """
    line = data[start:stop]
    if start > 0:
        # the first half may be the line just read (another marker opened it): then only
        # this half is still to read, for the segmenter to join
        first = data.rfind(b"\n", 0, start - 1) + 1
        if _joined_trigger(data[first : start - 1], line):
            return max(first, pos), stop
    if stop + 1 < end:
        nl = data.find(b"\n", stop + 1, end)
        if _joined_trigger(line, data[stop + 1 : nl]):
            return start, nl
    return None


# Mail quotes before a wrapped piece, as sent or as a web page escapes them ("&gt; ").
_QUOTES = re.compile(rb"^(?:[ \t>]|&gt;)+")


def _joined_trigger(head: bytes, tail: bytes) -> bool:
    """The two halves make a trigger line, glued with or without a blank.

    The second half is a bare wrapped piece: at most mail quotes before it.
    """
    head, tail = head.rstrip(), _QUOTES.sub(b"", tail)
    return bool(_TRIGGER_BYTES.search(head + b" " + tail) or _TRIGGER_BYTES.search(head + tail))
