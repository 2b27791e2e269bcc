"""Where the prefilter's marker strings sit in a chunk: one ``bytes.find`` per marker, or
one hyperscan pass for all of them when the optional extra is installed.

Both answer the same question, :meth:`first`: the lowest offset at or after ``start`` where
any marker starts and ends within the chunk's scanned part. The ``find`` path is the
reference and always present; hyperscan (``pip install 'oomlens[scan]'``) reads a big chunk
once for all markers instead of once per marker (bench/README.md: 10 passes over 202 MiB take
1.2 s, the one pass 0.09 s), each pass from where the scan stands to the next marker. Small chunks (a live input's reads, a one-report file) keep the ``find`` path,
so ``oomlens FILE`` never imports it.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_left
from functools import cache
from typing import Any, Protocol

# Byte strings at least one of which sits on the first lines of every report or
# excerpt; a chunk without any of them is skipped without decoding a line.
MARKERS = (
    b"oom-kill",
    b"failure",
    b"vmalloc error",
    b"error: size",  # "vmalloc error: size" with a wrap after "vmalloc"
    b" free:",  # a zone line: an excerpt may keep nothing else
    b"Mem-",
    b"[]:",
    b"illed process",
    b"total_vm",
    b"of limit",
    # a new boot (read/segment.py): the kernel's banner and journalctl's separator, so the
    # boots between two reports are counted even where no report is open
    b"Linux version ",
    b"-- Boot ",
    b"-- Reboot --",
)

# The trigger lines of every era (dump_header, warn_alloc, vmalloc, vmemmap), as regex
# source shared by the segmenter's line matcher and the prefilter's marker lines.
TRIGGERS = (
    r"invoked oom-killer:|oom-killer: gfp_mask|page allocation failure[.:]"
    r"|vmalloc error: size|vmalloc size \d+ allocation failure|vmemmap alloc failure:"
)
# A chunk this big or bigger is read by hyperscan when it is installed; smaller ones by find.
HYPERSCAN_FROM = 1 << 18
# OOMLENS_SCAN=find keeps the reference path for every chunk (the benchmark's other side).
_ENV = "OOMLENS_SCAN"


class Markers(Protocol):
    """The next marker at or after an offset of one chunk, asked with offsets that never
    go back (the scan moves forward; FindMarkers answers from what it found before)."""

    def first(self, start: int) -> int:
        """Offset of the first marker at or after ``start``; -1 if none is left."""
        ...


class FindMarkers:
    """Each marker's next position, searched with ``bytes.find`` once per occurrence."""

    def __init__(self, data: bytes, end: int) -> None:
        self.data, self.end = data, end
        self.next = {m: -2 for m in MARKERS}  # -2: not searched yet; -1: none left

    def first(self, start: int) -> int:
        """Offset of the first marker at or after ``start``; -1 if none is left."""
        best = -1
        for m, at in self.next.items():
            if at == -1:
                continue
            if at < start:
                at = self.data.find(m, start, self.end)
                self.next[m] = at
                if at < 0:
                    continue
            if best < 0 or at < best:
                best = at
        return best


class ScanMarkers:
    """Markers found by hyperscan passes over the chunk, each from where the scan stands
    and stopped a little past the first marker it reports.

    A pass keeps what it found: every marker that starts before ``_covered`` (from where
    the pass began) is in ``_found``, so the next questions are answered without a pass.
    A pass stops after BATCH markers or SPAN bytes past the first: a chunk packed with
    marker words costs a few callbacks per question, a sparse one a pass per marker.
    """

    def __init__(self, data: bytes, end: int, database: Any, scratch: Any) -> None:
        self.data, self.end = data, end
        self._db, self._scratch = database, scratch
        self._lo = self._covered = 0  # every marker starting in [_lo, _covered) is in _found
        self._found: list[int] = []

    def first(self, start: int) -> int:
        """Offset of the first marker at or after ``start``; -1 if none is left."""
        if not self._lo <= start < self._covered:
            self._scan(start)
        i = bisect_left(self._found, start)
        if i < len(self._found):
            return self._found[i]
        # none starts in [start, _covered): on from there, if the chunk goes on
        return -1 if self._covered >= self.end else self.first(self._covered)

    def _scan(self, start: int) -> None:
        found: list[int] = []
        first_end = last_end = -1

        def on_match(ident: int, _from: int, to: int, _flags: int, _ctx: object) -> bool:
            nonlocal first_end, last_end
            found.append(to - _LENGTHS[ident])  # literals: the start is the end less the length
            if first_end < 0:
                first_end = to
            last_end = to
            # matches come by where they end: one that ends more than the longest marker
            # past a start has every marker that starts before it reported already
            settled = to - _LONGEST > min(found)
            return settled and (len(found) >= _BATCH or to - first_end > _SPAN)

        try:
            view = memoryview(self.data)[start : self.end]
            self._db.scan(view, match_event_handler=on_match, scratch=self._scratch)
            covered = self.end  # the pass read to the end: every marker is in ``found``
        except _TERMINATED:
            # a marker that starts before last_end - _LONGEST ends before last_end
            covered = start + last_end - _LONGEST
        self._lo, self._covered = start, covered
        self._found = sorted(at for f in found if (at := start + f) < covered)


_LENGTHS = tuple(len(m) for m in MARKERS)
_LONGEST = max(_LENGTHS)
_BATCH = 16  # markers one pass reports at most
_SPAN = 512  # bytes past its first marker one pass reads at most (per MiB, 1 marker a
# line: 46 ms, find 38; "[]:" packed: 2.4 ms, find 4.5; one every 60 kB: 0.1 ms, find 4.6)
_TERMINATED: type[BaseException] = Exception  # hyperscan.ScanTerminated once it is imported
_SCRATCH = threading.local()  # a scan's scratch space is one thread's (hs_scan's rule)


@cache
def _database() -> Any:
    """The compiled hyperscan database of the markers, or None without hyperscan."""
    if os.environ.get(_ENV, "").lower() == "find":
        return None
    try:
        import hyperscan
    except ImportError:
        return None
    global _TERMINATED
    _TERMINATED = hyperscan.ScanTerminated
    try:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(
            expressions=[re.escape(m) for m in MARKERS],
            ids=list(range(len(MARKERS))),
            elements=len(MARKERS),
            flags=[0] * len(MARKERS),
        )
    except Exception:  # noqa: BLE001 - a CPU or build hyperscan refuses: find is the answer
        return None
    return db


def _scratch(db: Any) -> Any:
    """This thread's scratch space for ``db`` (threads scanning at once each need one)."""
    scratch = getattr(_SCRATCH, "space", None)
    if scratch is None:
        import hyperscan

        scratch = _SCRATCH.space = hyperscan.Scratch(db)
    return scratch


def markers_in(data: bytes, end: int) -> Markers:
    """The marker finder for ``data[:end]``: hyperscan for a big chunk if installed, else find."""
    if end >= HYPERSCAN_FROM:
        db = _database()
        if db is not None:
            return ScanMarkers(data, end, db, _scratch(db))
    return FindMarkers(data, end)


def scan_engine() -> str:
    """Which path a big chunk takes: "hyperscan" or "find" (for benchmarks and tests)."""
    return "hyperscan" if _database() is not None else "find"
