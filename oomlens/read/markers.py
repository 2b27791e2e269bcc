"""Where the prefilter's marker strings sit in a chunk: one ``bytes.find`` per marker, or
one hyperscan pass for all of them when the optional extra is installed.

Both answer the same question, :meth:`first`: the lowest offset at or after ``start`` where
any marker starts and ends within the chunk's scanned part. The ``find`` path is the
reference and always present; hyperscan (``pip install 'oomlens[scan]'``) reads a big chunk
once instead of once per marker (bench/README.md: 10 passes over 202 MiB take 1.2 s, the one
pass 0.09 s). Small chunks (a live input's reads, a one-report file) keep the ``find`` path,
so ``oomlens FILE`` never imports it.
"""

from __future__ import annotations

import os
import re
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
)

# A chunk this big or bigger is read by hyperscan when it is installed; smaller ones by find.
HYPERSCAN_FROM = 1 << 18
# OOMLENS_SCAN=find keeps the reference path for every chunk (the benchmark's other side).
_ENV = "OOMLENS_SCAN"


class Markers(Protocol):
    """The next marker at or after an offset of one chunk."""

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
    """Every marker's start in ``data[:end]``, found by one hyperscan pass on first use."""

    def __init__(self, data: bytes, end: int, database: Any) -> None:
        self.data, self.end, self._db = data, end, database
        self._starts: list[int] | None = None

    def first(self, start: int) -> int:
        """Offset of the first marker at or after ``start``; -1 if none is left."""
        starts = self._starts
        if starts is None:
            starts = self._starts = self._scan()
        i = bisect_left(starts, start)
        return starts[i] if i < len(starts) else -1

    def _scan(self) -> list[int]:
        found: list[int] = []
        add, lengths = found.append, _LENGTHS

        def on_match(ident: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            add(to - lengths[ident])  # literals: the start is the end less the length

        self._db.scan(memoryview(self.data)[: self.end], match_event_handler=on_match)
        found.sort()  # reported by where they end; markers differ in length
        return found


_LENGTHS = tuple(len(m) for m in MARKERS)


@cache
def _database() -> Any:
    """The compiled hyperscan database of the markers, or None without hyperscan."""
    if os.environ.get(_ENV, "").lower() == "find":
        return None
    try:
        import hyperscan
    except ImportError:
        return None
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


def markers_in(data: bytes, end: int) -> Markers:
    """The marker finder for ``data[:end]``: hyperscan for a big chunk if installed, else find."""
    if end >= HYPERSCAN_FROM:
        db = _database()
        if db is not None:
            return ScanMarkers(data, end, db)
    return FindMarkers(data, end)


def scan_engine() -> str:
    """Which path a big chunk takes: "hyperscan" or "find" (for benchmarks and tests)."""
    return "hyperscan" if _database() is not None else "find"
