"""Find report spans in a log: a cheap byte prefilter, then line-level segmentation.

A report starts at a trigger line (or, for an excerpt, at the first line of a
report section) and ends by content: the kill line, or the first run of lines
that belong to no report. Lines that carry a printk caller id are untangled by
it; lines a mail client wrapped are joined back where the prefix proves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from oomlens.read.diagnostic import Diagnostic
from oomlens.read.ingest import MAX_LINE, LogLine, decode_line

# Byte strings at least one of which sits on the first lines of every report or
# excerpt; a chunk without any of them is skipped without decoding a line.
MARKERS = (
    b"oom-kill",
    b" failure",
    b"vmalloc error",
    b"Mem-",
    b"[]:",
    b"illed process",
    b"total_vm",
    b"of limit",
)
CHUNK = 1 << 20
FOREIGN_LINES = 64  # another task's report closes after this many lines not its own
BACK_LINES = 48  # lines before a marker that may open the report (zone line before lowmem_reserve)
# Bounds that keep a hostile log from growing one report without end (README "Limits"):
# the kernel stores at most 1 KiB per record, so a line rejoined from wrapped pieces is
# never longer than this; the biggest real report (a task table of tens of thousands of
# processes) is far under MAX_REPORT_LINES; a run of blank lines this long ends a report.
MAX_JOINED = 2048
MAX_REPORT_LINES = 100_000
MAX_BLANK_RUN = 256

# The trigger lines of every era (dump_header, warn_alloc, vmalloc, vmemmap), as
# regex source shared by the line matcher and the byte prefilter below.
_TRIGGERS = (
    r"invoked oom-killer:|oom-killer: gfp_mask|page allocation failure[.:]"
    r"|vmalloc error: size|vmemmap alloc failure:"
)
_TRIGGER = re.compile(_TRIGGERS)
_VMALLOC_FAILURE = re.compile(r"vmalloc: allocation failure")
# First lines an excerpt may start with when its trigger line was not kept.
_FRAGMENT_START = re.compile(
    r"^(?:Mem-[Ii]nfo:|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device)(?: free:|: \d)"
    r"|lowmem_reserve\[\]:|protections\[\]:|Node \d+ active_anon:|active_anon:\d"
    r"|Tasks state \(memory|\[\s*pid\s*\]|oom-kill:constraint=|Task in .* killed as a result"
    r"|memory: usage \d|Memory cgroup stats for|(?:[^:]*: )?[Kk]ill(?:ed)? process \d"
    r"|CPU: ?\d+ (?:UID: \d+ )?PID: \d+ Comm: |\[\s*\d+\]\s+-?\d+\s+\d+\s+\d+\s+\d+)"
)
# Heads of kernel lines that no line holds further in: such a line was never wrapped off another.
_LINE_START = re.compile(
    r"^(?:Mem-[Ii]nfo:|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device)(?: free:|: \d)"
    r"|lowmem_reserve\[\]:|protections\[\]:|Node \d+ active_anon:|Tasks state \(memory"
    r"|\[\s*pid\s*\]|oom-kill:constraint=|Memory cgroup stats for|Hardware name:|Call [Tt]race:"
    r"|CPU: ?\d+ (?:UID: \d+ )?PID: \d+ Comm: |\[<[0-9a-f]{8,16}>\] )"
)
# Lines that belong inside a report (any section); everything else is a gap.
_CONTENT = re.compile(
    r"^(?:CPU: ?\d|Pid: \d|Hardware name:|Workqueue:|Call [Tt]race|Backtrace:|Stack:|<\/?[A-Z#]+>"
    r"|Code:|RIP:|RSP:|R[A-Z0-9]{1,2}: |EIP:|[ER]?[A-Z]{2}: [0-9a-f]|(?:r\d+|x\d+|sp|lr|pc|ip|fp) ?: ?[0-9a-f]"
    r"|\[<|<[0-9a-f]{8}|\? |[0-9a-f]{8,16}(?: |$)|Mem-[Ii]nfo|[A-Za-z_]+:-?\d+(?: |$)"
    r"|Node \d+ |(?:DMA32|DMA|Normal|HighMem|Movable|Device)[ :]|lowmem_reserve|protections\[\]"
    r"|\w+ per-cpu:|(?:cpu|CPU) +\d+:? |Free pages:|Active:|(?:Free|Total) swap|\d+ (?:pages|total|reserved)"
    r"|Swap cache|hugepages_|Tasks state|\[\s*(?:pid|-?\d+)\s*\]|Unreclaimable slab|Name +Used|oom-kill:"
    r"|oom_reaper:|Out of [Mm]emory|Memory cgroup|Task in |[\w+]+: usage \d|[a-z_]+ \d+$"
    r"|[\w-]+ +\d+KB +\d+KB|Killed process|.*cpuset=|.*[\w.]\+0x[0-9a-f]+/0x|[\w.]+ \(\S+\.[chS]:\d)"
)
_END = re.compile(r"[Kk]illed process|oom_reaper: reaped")
# A span without its trigger line is a report only if it holds one of these.
_SUBSTANCE = re.compile(
    r"^(?:Mem-[Ii]nfo|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable)(?: free:|: \d)|lowmem_reserve"
    r"|protections\[\]|\[\s*pid\s*\]|\[\s*\d+\]\s+\d|oom-kill:|Task in |memory: usage|(?:[^:]*: )?[Kk]ill(?:ed)? process)"
)
_CONT_HEAD = re.compile(
    r"^(?:\d+\*\d+kB|= ?\d+kB|\d+kB$|\([A-Z]+\)|[a-z_()]+:\s?-?\d+[kK]B|order=|gfp_mask=|oom_score_adj=|nodemask=)"
)


@dataclass
class RawReport:
    """The lines of one report, in order, untangled and rejoined."""

    source: str
    lines: list[LogLine]
    caller: str | None
    trigger: bool  # starts at its trigger line
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _pending: list[LogLine] = field(default_factory=list)
    _gap: int = 0
    _foreign: int = 0  # lines printed by other callers since this report's last line
    _sections: set[str] = field(default_factory=set)  # once-per-report lines seen so far
    _closing: bool = False
    _dropped: int = 0  # lines past MAX_REPORT_LINES, read past and not kept

    @property
    def first_line(self) -> int:
        return self.lines[0].lineno

    @property
    def last_line(self) -> int:
        return self.lines[-1].lineno


_SECTION = re.compile(
    r"^(?:Mem-[Ii]nfo:|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device)(?= free:)"
    r"|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device):(?= \d)|\[\s*pid\s*\]"
    r"|Tasks state|oom-kill:constraint=)"
)


def _section_key(text: str) -> str | None:
    """A line show_mem()/dump_header() prints once per report, by its section name."""
    m = _SECTION.match(text)
    return m.group(0) if m else None


def _join(prev: str, cont: str) -> str:
    """Glue a wrapped continuation back onto its line; no space inside a broken token."""
    if prev.endswith((":", "=", "*")) or (prev[-1:].isdigit() and cont[:1].isdigit()):
        return prev + cont
    if cont.startswith(("kB", "KB", "B ", "B=")) and prev[-1:].isdigit():
        return prev + cont
    return f"{prev} {cont}"


class Segmenter:
    """Turn a stream of ``LogLine`` into ``RawReport`` spans (feed, then finish)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.open: dict[str | None, RawReport] = {}
        self.last_key: str | None = None  # whose report took the last line

    @property
    def idle(self) -> bool:
        return not self.open

    def feed(self, line: LogLine) -> Iterator[RawReport]:
        """Take one line; yield any report this line closes."""
        text = line.text
        key = line.caller
        if key is None and not line.prefix and line.timestamp is None and self.last_key is not None:
            key = self.last_key  # a bare wrapped line continues the task that printed last
        rep = self.open.get(key)
        self.last_key = key
        if len(self.open) > (rep is not None):
            yield from self._age_others(key)
        if _TRIGGER.search(text):
            if rep is not None and not self._merges(rep, text):
                yield from self._close(key)
                rep = None
            if rep is None:
                self.open[key] = RawReport(self.source, [line], key, trigger=True)
            else:
                self._append(rep, line)
            return
        if rep is None:
            if text and (_FRAGMENT_START.search(text) or _VMALLOC_FAILURE.search(text)):
                rep = RawReport(
                    self.source, [line], key, trigger=bool(_VMALLOC_FAILURE.search(text))
                )
                section = _section_key(text)
                if section is not None:
                    rep._sections.add(section)
                self.open[key] = rep
            return
        if self._continues(rep, line):
            last = rep.lines[-1]
            rep.lines[-1] = LogLine(
                last.source,
                last.lineno,
                _join(last.text, text),
                last.timestamp,
                last.caller,
                last.host,
                last.prefix,
                last.cut,
                last.note,
            )
            return
        if rep._closing:
            if text.startswith(("oom_reaper:", "oom-kill:")):
                self._append(rep, line)
                return
            yield from self._close(key)
            yield from self.feed(line)
            return
        if not text:
            rep._pending.append(line)
            if len(rep._pending) > MAX_BLANK_RUN:
                yield from self._close(key)
            return
        if _CONTENT.search(text):
            section = _section_key(text)
            if section is not None:
                if section in rep._sections:
                    # the same section again: a second excerpt printed back to back
                    yield from self._close(key)
                    yield from self.feed(line)
                    return
                rep._sections.add(section)
            self._append(rep, line)
            if _END.search(text):
                rep._closing = True
            return
        rep._pending.append(line)
        rep._gap += 1
        if rep._gap > self._max_gap(rep):
            yield from self._close(key)

    def finish(self) -> Iterator[RawReport]:
        """Close every open report at end of input."""
        for key in list(self.open):
            yield from self._close(key)

    # -- helpers ---------------------------------------------------------------
    def _age_others(self, key: str | None) -> Iterator[RawReport]:
        """Close reports whose task has printed nothing for FOREIGN_LINES lines of others."""
        for other in [k for k in self.open if k != key]:
            rep = self.open[other]
            rep._foreign += 1
            if rep._foreign > FOREIGN_LINES:
                yield from self._close(other)

    @staticmethod
    def _merges(rep: RawReport, text: str) -> bool:
        # "vmalloc: allocation failure, allocated X of Y bytes" is printed just
        # before the warn_alloc header of the same event (4.x).
        return (
            len(rep.lines) <= 2
            and bool(_VMALLOC_FAILURE.search(rep.lines[0].text))
            and "page allocation failure" in text
        )

    @staticmethod
    def _continues(rep: RawReport, line: LogLine) -> bool:
        """A wrapped continuation: no prefix where the report's lines have one, or a
        fragment that cannot start a line of its own.

        Pieces join only while the text since the last time-stamped line stays as short
        as one kernel record can be: so the bare lines of an unrelated log after a line
        cut mid-way are not pulled into the report.
        """
        if not line.text or rep._pending:
            return False
        if len(rep.lines[-1].text) + len(line.text) >= MAX_JOINED:
            return False
        first = rep.lines[0]
        if first.timestamp is not None and line.timestamp is None and not line.prefix:
            if _LINE_START.match(line.text) or _TRIGGER.search(line.text):
                return False  # the head of a kernel line is never a wrapped piece
            return Segmenter._since_stamp(rep) + len(line.text) < MAX_JOINED
        return bool(_CONT_HEAD.match(line.text)) and not _FRAGMENT_START.match(line.text)

    @staticmethod
    def _since_stamp(rep: RawReport) -> int:
        """Characters of text from the report's last time-stamped line on (a wrap's pieces)."""
        total = 0
        for x in reversed(rep.lines[-64:]):
            total += len(x.text)
            if x.timestamp is not None:
                return total
        return MAX_JOINED

    @staticmethod
    def _max_gap(rep: RawReport) -> int:
        # Inside the stack dump (before Mem-Info) decoders insert code listings.
        in_trace = not any(x.text.startswith(("Mem-", "active_anon")) for x in rep.lines[-3:])
        return 64 if in_trace and len(rep.lines) < 80 else 6

    @staticmethod
    def _append(rep: RawReport, line: LogLine) -> None:
        rep._gap = 0
        rep._foreign = 0
        if len(rep.lines) + len(rep._pending) >= MAX_REPORT_LINES:
            rep._dropped += len(rep._pending) + 1
            rep._pending.clear()
            return
        if rep._pending:
            rep.lines.extend(rep._pending)
            rep._pending.clear()
        rep.lines.append(line)

    def _close(self, key: str | None) -> Iterator[RawReport]:
        rep = self.open.pop(key, None)
        if rep is None:
            return
        rep._pending.clear()  # trailing gap lines are not the report's
        # an excerpt that never showed a report section is an ordinary stack dump
        if rep.trigger or any(_SUBSTANCE.match(x.text) for x in rep.lines):
            rep.diagnostics.extend(_line_notes(rep))
            yield rep


def _line_notes(rep: RawReport) -> Iterator[Diagnostic]:
    """What the reader could not use on the report's lines, and the lines it did not keep."""
    for x in rep.lines:
        if x.cut:
            yield Diagnostic(x.lineno, f"line is over {MAX_LINE} bytes; its first {MAX_LINE} read")
        if x.note:
            yield Diagnostic(x.lineno, x.note)
    if rep._dropped:
        last = rep.lines[-1].lineno
        yield Diagnostic(
            last, f"report is over {MAX_REPORT_LINES} lines; {rep._dropped} more not read"
        )


@dataclass
class ScanStats:
    """What the prefilter saw: lines in the input, and lines it decoded."""

    lines: int = 0
    decoded: int = 0


def iter_raw_lines(
    stream: BinaryIO, idle: Callable[[], bool], stats: ScanStats | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(lineno, raw line)`` for lines near a marker or while a report is open.

    Chunks with no marker are skipped while ``idle()`` holds: only their
    newlines are counted, so line numbers stay exact.
    """
    stats = stats if stats is not None else ScanStats()
    lineno = 0
    carry = b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            if carry:
                stats.lines = lineno + 1
                stats.decoded += 1
                yield lineno + 1, carry
            else:
                stats.lines = lineno
            return
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            if len(carry) > MAX_LINE:  # one enormous line: keep its head, drop the rest
                carry = carry[: MAX_LINE + 1]
            continue
        carry = data[cut:]
        for item in _scan(data, cut, lineno, idle):
            stats.decoded += 1
            yield item
        lineno += data.count(b"\n", 0, cut)
        stats.lines = lineno


class _Markers:
    """Next position of each marker in one chunk, searched once per occurrence."""

    def __init__(self, data: bytes, end: int) -> None:
        self.data, self.end = data, end
        self.next = {m: -2 for m in MARKERS}  # -2: not searched yet; -1: none left

    def first(self, start: int) -> int:
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


# A marker line that can open a report: a trigger, or an excerpt's first lines.
_TRIGGER_BYTES = re.compile((_TRIGGERS + r"|vmalloc: allocation failure").encode())
_OPENS = re.compile(
    (
        _TRIGGERS + r"|vmalloc: allocation failure|Mem-[Ii]nfo:|lowmem_reserve\[\]:"
        r"|protections\[\]:|[Kk]ill(?:ed)? process -?\d|\[\s*pid\s*\]|oom-kill:constraint="
        r"|killed as a result of limit"
    ).encode()
)


def _scan(
    data: bytes, end: int, lineno: int, idle: Callable[[], bool]
) -> Iterator[tuple[int, bytes]]:
    pos = 0
    markers = _Markers(data, end)
    while pos < end:
        if idle():
            hit = markers.first(pos)
            if hit < 0:
                return
            start = data.rfind(b"\n", pos, hit) + 1
            stop = data.find(b"\n", hit, end)
            marker_line = data[start:stop]
            if not _OPENS.search(marker_line):
                # a marker word in an ordinary message ("link failure"): skip the line
                lineno += data.count(b"\n", pos, stop + 1)
                pos = stop + 1
                continue
            back = 0 if _TRIGGER_BYTES.search(marker_line) else BACK_LINES
            for _ in range(back):
                if start <= pos:
                    break
                start = data.rfind(b"\n", pos, start - 1) + 1
            start = max(start, pos)
            lineno += data.count(b"\n", pos, start)
            pos = start
        nl = data.find(b"\n", pos, end)
        lineno += 1
        yield lineno, data[pos:nl]
        pos = nl + 1


def segment_lines(lines: Iterable[LogLine], source: str) -> Iterator[RawReport]:
    """Segment already-decoded lines (tests and library use)."""
    seg = Segmenter(source)
    for line in lines:
        yield from seg.feed(line)
    yield from seg.finish()


def segment_stream(
    stream: BinaryIO, source: str, stats: ScanStats | None = None
) -> Iterator[RawReport]:
    """Segment a plain-text byte stream with the marker prefilter."""
    seg = Segmenter(source)
    for lineno, raw in iter_raw_lines(stream, lambda: seg.idle, stats):
        for line in decode_line(raw, lineno, source):
            yield from seg.feed(line)
    yield from seg.finish()
