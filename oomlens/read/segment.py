"""Find report spans in a log's lines (those the byte prefilter, :mod:`~oomlens.read.prefilter`, reads).

A report starts at a trigger line (or, for an excerpt, at the first line of a
report section) and ends by content: the oom_reaper line of its victim, the kill
line, the first run of lines that belong to no report, the host's next boot —
or, when reading live, a quiet interval. Lines are kept apart by host and boot
(journal ``_BOOT_ID``; else a printk clock that goes backwards or a ``Linux
version`` banner starts a new boot), then by printk caller id; lines a mail
client wrapped are joined back where the prefix proves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from oomlens.read import rejoin
from oomlens.read.clock import Clock
from oomlens.read.diagnostic import Diagnostic
from oomlens.read.logline import MAX_LINE, LogLine, decode_line
from oomlens.read.markers import TRIGGERS
from oomlens.read.named import NAMED
from oomlens.read.prefilter import ScanStats, iter_raw_lines
from oomlens.read.prefixes import strip_prefix
from oomlens.read.records import STAMP_STEP

FOREIGN_LINES = 64  # another task's report closes after this many lines not its own
BOOT_STEP = STAMP_STEP  # seconds a printk clock may step back (CPUs interleaved) within one boot
HOSTS = 4096  # hosts whose boot is remembered; beyond, those with no open report are forgotten
# Bounds that keep a hostile log from growing one report without end (README "Limits"):
# the biggest real report (a task table of tens of thousands of processes) is far under
# MAX_REPORT_LINES; a run of blank lines this long ends a report.
MAX_REPORT_LINES = 100_000
MAX_BLANK_RUN = 256
MAX_SPLAT_LINES = 512  # an oops amid a report is read past for at most this many lines

_TRIGGER = re.compile(TRIGGERS)
_VMALLOC_FAILURE = re.compile(r"vmalloc: allocation failure")
# First lines an excerpt may start with when its trigger line was not kept.
_FRAGMENT_START = re.compile(
    r"^(?:Mem-[Ii]nfo:|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device)(?: free:|: \d)"
    r"|lowmem_reserve\[\]:|protections\[\]:|Node \d+ active_anon:|active_anon:\d"
    r"|Tasks state \(memory|\[\s*pid\s*\]|oom-kill:constraint=|Task in .* killed as a result"
    r"|memory: usage \d|Memory cgroup stats for|(?:[^:]*: )?[Kk]ill(?:ed)? process \d"
    r"|CPU: ?\d+ (?:UID: \d+ )?PID: \d+ Comm: |\[\s*\d+\]\s+-?\d+\s+\d+\s+\d+\s+\d+)"
)
# Heads of kernel lines that no record holds further in: never a wrapped piece.
_LINE_START = re.compile(
    r"(?:Mem-[Ii]nfo:|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device)(?: free:|: \d)"
    r"|lowmem_reserve\[\]:|protections\[\]:|Node \d+ active_anon:|Tasks state \(memory"
    r"|\[\s*pid\s*\]|oom-kill:constraint=|Memory cgroup stats for|Hardware name:|Call [Tt]race:"
    r"|CPU: ?\d+ (?:UID: \d+ )?PID: \d+ Comm: )"
)
# Lines that belong inside a report (any section); everything else is a gap.
_CONTENT = re.compile(
    r"^(?:CPU: ?\d|Pid: \d|Hardware name:|Workqueue:|Call [Tt]race|Backtrace:|Stack:|<\/?[A-Z#]+>"
    r"|Code:|RIP:|RSP:|R[A-Z0-9]{1,2}: |EIP:|[ER]?[A-Z]{2}: [0-9a-f]|(?:r\d+|x\d+|sp|lr|pc|ip|fp) ?: ?[0-9a-f]"
    r"|\[<|<[0-9a-f]{8}|\? |[0-9a-f]{8,16}(?: |$)|[0-9a-f]{4}: [0-9a-f]{8}"
    r"|[0-9a-f]{8,16}: [0-9a-f]{8,16} |WARNING: kernel stack frame pointer|unwind stack type:"
    r"|Mem-[Ii]nfo|[A-Za-z_]+:-?\d+(?: |$)"
    r"|Node \d+ |(?:DMA32|DMA|Normal|HighMem|Movable|Device)[ :]|lowmem_reserve|protections\[\]"
    r"|\w+ per-cpu:|(?:cpu|CPU) +\d+:? |Free pages:|Active:|(?:Free|Total) swap|\d+ (?:pages|total|reserved)"
    r"|Swap cache|hugepages_|Tasks state|\[\s*(?:pid|-?\d+)\s*\]|Unreclaimable slab|Name +Used|oom-kill:"
    r"|oom_reaper:|Out of [Mm]emory|Memory cgroup|Task in |[\w+]+: usage \d|[a-z_]+ \d+$"
    r"|[\w-]+ +\d+KB +\d+KB|Killed process|[\w.]+ \(\S+\.[chS]:\d)"
)
# ... and those that read a whole line: a cpuset line, a trace frame "func+0x1/0x2" (_content).
_CPUSET_LINE = re.compile(r".*cpuset=")
_FRAME_LINE = re.compile(r".*[\w.]\+0x[0-9a-f]+/0x")
_LETTERS = re.compile(r"\([A-Z]+\)")  # a buddy chunk's migratetype letters, "(UME)"
# The kill line ("Out of memory: Killed process 1 (x)", 2.6's "Killed process 1 (x)") and the
# reaper's; never a task-table row whose name is "Killed process".
_END = re.compile(r"(?:^|: )[Kk]illed process \d|^oom_reaper: reaped")
_VICTIM = re.compile(r"[Kk]ill(?:ed)? process (\d+)")
# The reaper done with this report's victim: nothing of the report follows it.
_REAPED = re.compile(r"oom_reaper: reaped process (\d+)")
# Another splat begins: an oops, a BUG or a WARN. No report line starts so; it ends the report.
_SPLAT = re.compile(
    r"(?:BUG: (?!Bad page)|Oops: |Internal error: |Unable to handle kernel |general protection fault"
    r"|------------\[ cut here \]------------)"
)
# show_mem() printed when nothing failed: warn_alloc's stall warning (4.9-4.14, dropped by
# 400e22499dd9 in 4.15; the request is still being retried), SysRq-m ("SysRq : Show
# Memory", "sysrq: Show Memory" since 5.x) and xmon's "mi". Their spans are no report.
_NO_FAILURE = re.compile(
    # anchored: a cgroup or cpuset name may hold these words anywhere (a comm is <= 15 chars)
    r"^.{1,16}: page allocation stalls for \d+ms|^[Ss]ys[Rr]q ?: Show Memory"
    r"|^\d+:mon>\s*mi\s*$"  # xmon's (powerpc debugger) "mi" command: show_mem() on request
)
# mem_cgroup_print_oom_group (4.19+, memory.oom.group): the rest of the group is killed next.
_OOM_GROUP = re.compile(r"Tasks in .*? are going to be killed due to memory\.oom\.group set")
_KILLED = re.compile(r"(?:^|: )Killed process \d+ ")
# printk_ratelimit() (2.6) and ___ratelimit() print this just before the message
# that gets through: the kernel dropped that many messages since the last one.
# alloc_vmap_area() found no address space (pr_warn, unless __GFP_NOWARN), just before the
# vmalloc failure it causes
_VMAP_FAILED = re.compile(r"^vmap allocation for size \d+ failed")
_RATELIMIT = re.compile(
    r"^(?:[\w.]+: (\d+) callbacks suppressed|printk: (\d+) messages suppressed)"
)
# The first line a kernel prints at boot. The prefilter need not look for it: while no
# report is open a boot changes nothing, and while one is open every line is read.
_BANNER = "Linux version "
_BANNER_LINE = re.compile(r"Linux version \d\S* \(")  # "Linux version 6.1.0-9-amd64 (debian..."
# journalctl's own line between two boots' records: "-- Boot 0123...cdef --" (systemd 209+),
# "-- Reboot --" before; it names no host and the lines around it need stamp no reboot.
_JOURNAL_BOOT = re.compile(r"-- (?:Boot ([0-9a-f]{32})|Reboot) --$")
# A span without its trigger line is a report only if it holds one of these: state the
# kernel printed, never a bare "Mem-Info:" heading (a flood of those is no report).
_SUBSTANCE = re.compile(
    r"^(?:active_anon:|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable)(?: free:|: \d)|lowmem_reserve"
    r"|protections\[\]|\[\s*pid\s*\]|\[\s*\d+\]\s+\d|oom-kill:|Task in |memory: usage|(?:[^:]*: )?[Kk]ill(?:ed)? process)"
)


@dataclass
class RawReport:
    """The lines of one report, in order, untangled and rejoined."""

    source: str
    lines: list[LogLine]
    caller: str | None
    trigger: bool  # starts at its trigger line
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # When and where, from the first line's prefix (filled when the report closes).
    time: datetime | None = None  # wall clock, timezone-aware
    uptime_s: float | None = None  # seconds since boot (printk/kmsg/journal monotonic stamp)
    host: str | None = None  # syslog/journal host
    boot_id: str | None = None  # journal _BOOT_ID
    boot: int = 0  # which boot of its host in this input, counted from 0 (no journal id)
    _head: LogLine | None = None  # the first line as routed
    _first_boot: bool = True  # of the input's first host and boot (--boot-time applies)
    _victim: str | None = None  # pid of the "Killed process" line
    _kill: LogLine | None = None  # the "Killed process" line itself
    _splat: int = 0  # lines read of an oops that began amid the report (0: none)
    _pending: list[LogLine] = field(default_factory=list)
    _gap: int = 0
    _foreign: int = 0  # lines printed by other callers since this report's last line
    _sections: set[str] = field(default_factory=set)  # once-per-report lines seen so far
    _closing: bool = False
    _group: bool = False  # a memory.oom.group notice: more kill lines follow
    _stall: bool = False  # a stall warning's or SysRq-m's span: read past, never a report
    _dropped: int = 0  # lines past MAX_REPORT_LINES, read past and not kept
    _twins: int = 0  # second lines of pairs a doubling logger wrote, read past
    suppressed_before: int = (
        0  # messages a ratelimit notice just before the trigger says were dropped
    )
    vmap_failed_before: bool = False  # alloc_vmap_area()'s "vmap allocation ... failed" just before

    @property
    def first_line(self) -> int:
        return self.lines[0].lineno

    @property
    def last_line(self) -> int:
        """The physical line the report ends on: its last line's last wrapped piece."""
        last = self.lines[-1]
        return last.end or last.lineno


_SECTION = re.compile(
    r"^(?:Mem-[Ii]nfo:|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device)(?= free:)"
    r"|(?:Node \d+ )?(?:DMA32|DMA|Normal|HighMem|Movable|Device):(?= \d)|\[\s*pid\s*\]"
    r"|Tasks state|oom-kill:constraint=)"
)


_SECTION_HEADS = frozenset("MNDH[To")  # the first characters _SECTION's lines start with
_SPLAT_HEADS = frozenset("-BIOUg")  # the first ASCII characters _SPLAT's lines start with


def _is_trigger(text: str) -> bool:
    """Is ``text`` a trigger line (``_TRIGGER``)? Words every trigger holds are tested first;
    a line the kernel prints with a name in it (a cgroup path, a task row) never is one."""
    return (
        ("oom-killer" in text or "failure" in text or "vmalloc error" in text)
        and _TRIGGER.search(text) is not None
        and NAMED.match(text) is None
    )


def _content(text: str) -> bool:
    """A line that belongs inside a report: ``_CONTENT``, or one of the two patterns that
    read a whole line, each tried only when the literal it needs is there."""
    return (
        _CONTENT.match(text) is not None
        or ("+0x" in text and _FRAME_LINE.match(text) is not None)
        or ("cpuset=" in text and _CPUSET_LINE.match(text) is not None)
    )


def _is_banner(text: str) -> bool:
    """The kernel's first line at boot, by its form (a task may be named "Linux version ")."""
    return text.startswith(_BANNER) and _BANNER_LINE.match(text) is not None


def _ends(text: str) -> bool:
    """A kill line or the reaper's: ``_END``, its literal tails tested first."""
    return ("illed process" in text or "oom_reaper: reaped" in text) and bool(_END.search(text))


def _section_key(text: str) -> str | None:
    """A line show_mem()/dump_header() prints once per report, by its section name."""
    m = _SECTION.match(text)
    return m.group(0) if m and not NAMED.match(text) else None


Key = tuple[str | None, object, str | None]  # (host, boot, caller)


@dataclass
class _Host:
    """One host's current boot (journal id, else a count) and its last printk time."""

    boot: object
    last_ts: float | None


class Segmenter:
    """Turn a stream of ``LogLine`` into ``RawReport`` spans (feed, then finish)."""

    def __init__(self, source: str, clock: Clock | None = None) -> None:
        self.source = source
        self.clock = clock if clock is not None else Clock()
        self.open: dict[Key, RawReport] = {}
        self.last_key: Key | None = None  # whose report took the last line
        self._hosts: dict[str | None, _Host] = {}
        self._first: tuple[str | None, object] | None = None  # the input's first host and boot
        # journalctl's boot separator not yet placed: (the boot id it names, the host of the
        # line before it); and the boot id a separator last gave each host
        self._sep: tuple[str | None, str | None] | None = None
        self._sep_ids: dict[str | None, str] = {}
        # The last line fed (with its wrapped pieces joined) and where it went, so
        # that a wrapped piece can be glued back on wherever that line now sits.
        self._prev: LogLine | None = None
        self._prev_end = 0  # physical line number of its last piece
        self._prev_at: tuple[str, Key | None] = ("none", None)  # "none" | "line" | "pending"
        self._soft = False  # this log soft-wraps with a trailing blank (format=flowed)
        self._width = 0  # columns of the last physical line, prefix included
        self._closed: list[RawReport] = []  # reports the line being fed closed
        # A logger that writes every kernel line twice (rsyslog reading both the kernel
        # and the journal): known by a trigger or section line stamped and printed twice
        # in a row.
        self._last: LogLine | None = None  # the last line fed, as fed
        self._last_twin = False  # ... and it was the second of a pair, read past
        self._doubled = False

    @property
    def idle(self) -> bool:
        return not self.open

    def feed(self, line: LogLine) -> list[RawReport]:
        """Take one line; return the reports this line closes (mostly none).

        A list, not a generator: one is made per line, the hot path of the scan.
        """
        if self._twin(line):
            return []
        width = len(line.prefix) + len(line.text)
        closed = self._closed
        if self._continues(line):
            self._rejoin(line, closed)
        else:
            self._route(line, closed)
            self._note(line)
        self._width = width
        if not closed:
            return []
        done = closed[:]
        closed.clear()
        return done

    def _twin(self, line: LogLine) -> bool:
        """Whether ``line`` is the second of a pair a doubling logger wrote, to read past.

        A log is doubled once a stamped trigger line, or a line the kernel prints once a
        report (``_SECTION``), follows itself: the kernel never prints one twice in a row.
        From then on the second line of every identical pair is read past, counted on the
        report the first went to. A line printed four times (a repeated trace frame,
        doubled) is read as two.
        """
        last, self._last = self._last, line
        twin = (
            last is not None
            and line.text == last.text
            and not self._last_twin
            and line.lineno == last.lineno + 1
            and line.prefix == last.prefix
            and bool(line.text)
        )
        if twin and not self._doubled:
            stamped = line.timestamp is not None or line.clock is not None
            self._doubled = stamped and (
                _is_trigger(line.text) or _section_key(line.text) is not None
            )
        self._last_twin = twin and self._doubled
        if not self._last_twin:
            return False
        self._prev_end = line.lineno  # a wrapped piece after the pair still follows its line
        rep = self.open.get(self.last_key) if self.last_key is not None else None
        if rep is not None:
            rep._twins += 1
        return True

    def _note(self, line: LogLine) -> None:
        """Remember the line just placed, and where it went, for a wrapped piece to follow."""
        self._prev_end = line.lineno
        if not line.text and not rejoin.stamped(line):
            self._prev = None  # a blank line ends every record
            return
        key = self.last_key
        rep = self.open.get(key) if key is not None else None  # where _route gave the line
        where = "none"
        if rep is not None:
            if rep.lines and rep.lines[-1] is line:
                where = "line"
            elif rep._pending and rep._pending[-1] is line:
                where = "pending"
        self._prev, self._prev_at = line, (where, key)

    def _route(self, line: LogLine, closed: list[RawReport]) -> None:
        """Place one whole line: open, extend or close a report (into ``closed``), or pass it by.

        Not a generator: a line costs no generator of its own, the hot path of the scan.
        """
        _, _, text, ts, caller, host, prefix, _, _, _, clock, boot_id, _ = line
        if text[:3] == "-- " and ts is None and clock is None:
            sep = _JOURNAL_BOOT.match(text)
            if sep is not None:
                self._sep = (sep.group(1), self.last_key[0] if self.last_key else None)
                self.last_key = None
                return
        if self._sep is not None:
            self._place_separator(host, closed)
        prev = self.last_key
        if caller is None and not prefix and ts is None and prev is not None:
            caller = prev[2]  # a bare wrapped line continues the task that printed last
        if (
            prev is not None
            and host is None
            and boot_id is None
            and ts is None
            and clock is None
            and not _is_banner(text)
        ):
            key = (prev[0], prev[1], caller)  # a line that says nowhere: where the last was
        else:
            state = self._hosts.get(host)
            boot: object | None
            if (  # _boot()'s commonest answer: the printk clock goes on in the same boot
                state is not None
                and ts is not None
                and boot_id is None
                and type(state.boot) is int
                and state.last_ts is not None
                and ts >= state.last_ts - BOOT_STEP
                and not text.startswith(_BANNER)
            ):
                state.last_ts = ts
                boot = state.boot
            else:
                boot = self._boot(line)
            if boot is None:  # this line starts the host's next boot
                closed.extend(self._close_boot(host))
                boot = self._hosts[host].boot
            key = (host, boot, caller)
        rep = self.open.get(key)
        self.last_key = key
        if len(self.open) > (rep is not None):
            self._age_others(key, closed)
        if _is_trigger(text):  # first: the name before its words may read like anything
            if rep is not None and not self._merges(rep, text):
                closed.extend(self._close(key))
                rep = None
            if rep is None:
                self.open[key] = self._new(line, key, trigger=True)
            else:
                self._append(rep, line)
            return
        if (
            "stalls for" in text or "Show Memory" in text or ":mon>" in text
        ) and _NO_FAILURE.search(text):
            if rep is not None:
                closed.extend(self._close(key))
            self.open[key] = stall = self._new(line, key, trigger=False)
            stall._stall = True
            return
        if rep is None:
            if text and (
                _FRAGMENT_START.search(text)
                or ("vmalloc: " in text and _VMALLOC_FAILURE.search(text))
            ):
                rep = self._new(line, key, trigger=bool(_VMALLOC_FAILURE.search(text)))
                section = _section_key(text)
                if section is not None:
                    rep._sections.add(section)
                self.open[key] = rep
            return
        if rep._splat:
            # another CPU's oops inside the report: read past it to its end
            rep._splat += 1
            if text.startswith("---[ end trace") or rep._splat > MAX_SPLAT_LINES:
                rep._splat = 0
            return
        first = text[:1]
        if (
            (first in _SPLAT_HEADS or first >= "\x80")
            and _SPLAT.match(text)
            and not NAMED.match(text)
        ):
            if rep._closing or not rep._sections:
                closed.extend(self._close(key))  # the report is over (or never began its dump)
            else:
                rep._splat = 1  # an oops amid show_mem(): the report may go on after it
            return
        if rep._closing:
            if text.startswith(("oom_reaper:", "oom-kill:")):
                self._append(rep, line)
                if self._reaped(rep, text) and not rep._group:
                    closed.extend(self._close(key))
                return
            if _OOM_GROUP.match(text) or (rep._group and _KILLED.search(text)):
                rep._group = True  # memory.oom.group: its members' kill lines are this report's
                self._append(rep, line)
                return
            if rep._kill is not None and _KILLED.search(text) and _same_moment(rep._kill, line):
                # more kills stamped with the victim's: memory.oom.group members (the victim
                # again among them) whose "Tasks in ... are going to be killed" line was not kept
                self._append(rep, line)
                return
            closed.extend(self._close(key))
            self._route(line, closed)
            return
        if not text:
            rep._pending.append(line)
            if len(rep._pending) > MAX_BLANK_RUN:
                closed.extend(self._close(key))
            return
        if _content(text):
            section = _section_key(text) if text[:1] in _SECTION_HEADS else None
            if section is not None:
                if section in rep._sections:
                    # the same section again: a second excerpt printed back to back
                    closed.extend(self._close(key))
                    self._route(line, closed)
                    return
                rep._sections.add(section)
            self._append(rep, line)
            if text.startswith("oom_reaper: reaped") and self._reaped(rep, text):
                closed.extend(self._close(key))
            elif ("illed process" in text or "oom_reaper: reaped" in text) and _ends(text):
                rep._closing = True
                victim = _VICTIM.search(text)
                rep._victim = victim.group(1) if victim else rep._victim
                rep._kill = line if victim else rep._kill
            return
        rep._pending.append(line)
        rep._gap += 1
        if rep._gap > self._max_gap(rep):
            closed.extend(self._close(key))

    def _continues(self, line: LogLine) -> bool:
        """A wrapped piece of the line before: see :mod:`oomlens.read.rejoin`."""
        prev = self._prev
        if prev is None or line.lineno > self._prev_end + 1 or not line.text:
            return False
        where = self._prev_at[0]
        if len(prev.text) + len(line.text) > rejoin.MAX_RECORD:
            return False  # no printk record is this long: a line of its own
        if line.timestamp is None and line.caller is None and line.host is None:
            if line.text[:3] == "-- " and _JOURNAL_BOOT.match(line.text):
                return False  # journalctl's boot separator: a line of its own
            if not (rejoin.stamped(prev) and rejoin.bare(line)):
                return where == "line" and self._fragment(line.text, prev.text)
            # A bare line after a prefixed one: inside a report always; outside one
            # only when the two make a trigger line (a wrap split the trigger). A
            # trigger line of its own stays one, unless the wrap cut its head off.
            if where != "none" and not _is_trigger(line.text):
                # the head of a kernel line is no piece: after a line cut mid-way, the
                # next log's bare lines are not glued onto it; but after "Comm:" comes the
                # comm, whatever it says ("Mem-Info:")
                if prev.text.endswith(("Comm:", "comm:")):
                    return True
                return not (prev.text and _LINE_START.match(line.text))
            m = _TRIGGER.search(
                rejoin.join(prev, line, self._soft, self._width >= rejoin.WIDE).text
            )
            return m is not None and m.start() < len(prev.text)
        return where == "line" and self._fragment(line.text, prev.text)

    @staticmethod
    def _fragment(text: str, prev: str) -> bool:
        """No prefixes to go by: a fragment that cannot start a line of its own.

        Migratetype letters ("(U) 0*8kB") continue only a buddy line cut after a chunk;
        after any other line they are another CPU's piece (concurrent pr_cont()). A line
        that starts with a comm (a trigger, the old cpuset line) is a line of its own,
        whatever the comm looks like ("free:0kB invoked oom-killer: ...").
        """
        first = text[:1]
        if first < "\x80" and first not in rejoin.CONT_HEADS:
            return False  # no CONT_HEAD
        if first == "(" and _LETTERS.match(text) and not prev.endswith("kB"):
            return False
        return (
            bool(rejoin.CONT_HEAD.match(text))
            and not _FRAGMENT_START.match(text)
            and not _is_trigger(text)
            and not NAMED.match(text)
        )

    def _rejoin(self, line: LogLine, closed: list[RawReport]) -> None:
        """Glue a wrapped piece onto the line before it, where that line now sits."""
        prev = self._prev
        assert prev is not None
        if prev.text and prev.trailing_space and not rejoin.indented(line, prev):
            self._soft = True  # a blank before the break, none after: format=flowed
        joined = rejoin.join(prev, line, self._soft, self._width >= rejoin.WIDE)
        where, key = self._prev_at
        rep = self.open.get(key) if key is not None else None
        if where == "line" and rep is not None and rep.lines and rep.lines[-1] is prev:
            rep.lines[-1] = joined
            self._prev, self._prev_end = joined, line.lineno
            if _is_trigger(joined.text) and not _is_trigger(prev.text):
                # the wrap had split the trigger line: it starts a report of its own
                rep.lines.pop()
                if not rep.lines and key is not None:
                    del self.open[key]
                self._route(joined, closed)
                self._note(joined)
                self._prev_end = line.lineno
            return
        if where == "pending" and rep is not None and rep._pending and rep._pending[-1] is prev:
            rep._pending.pop()
            if prev.text:
                rep._gap -= 1
        self._route(joined, closed)
        self._note(joined)
        self._prev_end = line.lineno

    def finish(self) -> Iterator[RawReport]:
        """Close every open report: at end of input, or when a live input has gone quiet."""
        # what comes after a quiet spell is never a piece of a line already closed in a report
        self._prev, self._prev_at = None, ("none", None)
        for key in list(self.open):
            yield from self._close(key)

    # -- hosts and boots -------------------------------------------------------
    def _boot(self, line: LogLine) -> object | None:
        """The boot ``line`` belongs to on its host; None when it starts the next one."""
        host, ts = line.host, line.timestamp
        state = self._hosts.get(host)
        if state is None:
            if len(self._hosts) >= HOSTS:  # memory stays bounded however many hosts a log names
                busy = {k[0] for k in self.open}
                self._hosts = {h: s for h, s in self._hosts.items() if h in busy}
            state = self._hosts[host] = _Host(line.boot_id or 0, ts)
            if self._first is None:
                self._first = (host, state.boot)
            return state.boot
        nxt: object | None = None
        if line.boot_id is not None:
            if line.boot_id != state.boot:
                nxt = line.boot_id
        elif isinstance(state.boot, int) and (
            (ts is not None and state.last_ts is not None and ts < state.last_ts - BOOT_STEP)
            or _is_banner(line.text)
        ):
            nxt = state.boot + 1  # the printk clock started again: the machine rebooted
        if ts is not None:
            state.last_ts = ts
        if nxt is None:
            return state.boot
        self._hosts[host] = _Host(nxt, ts)
        return None

    def _place_separator(self, host: str | None, closed: list[RawReport]) -> None:
        """journalctl's ``-- Boot <id> --`` before a line of ``host``: the records after it
        are of boot <id>. Unmerged, journalctl prints it at every switch between two
        journals' records too (a journal-remote collector's hosts), so it starts a new
        boot only for a host it gave another id before, or, the first time, for the host
        printed just before it (one journal: its machine rebooted). ``-- Reboot --``
        (before systemd 209) names no id: the second rule alone."""
        sid, before = self._sep or (None, None)
        self._sep = None
        state = self._hosts.get(host)
        known = self._sep_ids.get(host)
        if sid is not None:
            self._sep_ids[host] = sid
        if state is None or not isinstance(state.boot, int):
            return  # a host first printed now, or one its journal ids place
        if sid is not None and known is not None:
            if known == sid:
                return  # back to a host's records of the boot it was in
        elif before != host:
            return  # another journal's records follow: no reboot
        self._hosts[host] = _Host(state.boot + 1, None)
        closed.extend(self._close_boot(host))

    def _close_boot(self, host: str | None) -> Iterator[RawReport]:
        """Close the reports of ``host``'s previous boot: none continues across a reboot."""
        boot = self._hosts[host].boot
        for key in [k for k in self.open if k[0] == host and k[1] != boot]:
            yield from self._close(key)

    def _new(self, line: LogLine, key: Key, trigger: bool) -> RawReport:
        rep = RawReport(self.source, [line], key[2], trigger=trigger, _head=line)
        rep._first_boot = self._first == (key[0], key[1])
        if trigger:
            rep.suppressed_before = self._suppressed(line)
            rep.vmap_failed_before = self._just_before(line, _VMAP_FAILED) is not None
        return rep

    def _just_before(self, line: LogLine, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """``pattern`` matched on the line just before ``line``, of the same host."""
        prev = self._prev
        if prev is None or self._prev_end != line.lineno - 1 or prev.host != line.host:
            return None
        return pattern.match(prev.text)

    def _suppressed(self, line: LogLine) -> int:
        """N of a ratelimit notice on the line just before ``line``, of the same host; else 0."""
        m = self._just_before(line, _RATELIMIT)
        return int(m.group(1) or m.group(2)) if m else 0

    def _place(self, rep: RawReport, key: Key) -> None:
        """Fill the report's time and place from its first line (else the first that has it)."""
        head = rep._head or rep.lines[0]
        # a redacted host ("**", "...", "…") keys the lines alike but names no machine
        rep.host = key[0] if key[0] is None or any(c.isalnum() for c in key[0]) else None
        rep.boot_id = key[1] if isinstance(key[1], str) else None
        rep.boot = key[1] if isinstance(key[1], int) else 0
        uptime, clock = head.timestamp, head.clock
        if uptime is None or clock is None:
            for x in rep.lines:
                uptime = x.timestamp if uptime is None else uptime
                clock = x.clock if clock is None else clock
        rep.uptime_s = uptime
        rep.time = self.clock.time(clock, uptime, rep._first_boot, rep.host)

    @staticmethod
    def _reaped(rep: RawReport, text: str) -> bool:
        """The oom_reaper line of this report's own victim: its last line."""
        m = _REAPED.match(text)
        return m is not None and m.group(1) == rep._victim

    # -- helpers ---------------------------------------------------------------
    def _age_others(self, key: Key, closed: list[RawReport]) -> None:
        """Close reports whose task has printed nothing for FOREIGN_LINES lines of others."""
        stale = []
        for other, rep in self.open.items():
            if other != key:
                rep._foreign += 1
                if rep._foreign > FOREIGN_LINES:
                    stale.append(other)
        for other in stale:
            closed.extend(self._close(other))

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

    def _close(self, key: Key) -> Iterator[RawReport]:
        rep = self.open.pop(key, None)
        if rep is None:
            return
        rep._pending.clear()  # trailing gap lines are not the report's
        if rep._stall:
            return  # a stall warning or SysRq-m and its show_mem(): no failure to judge
        # an excerpt that never showed a report section is an ordinary stack dump
        if rep.trigger or any(_SUBSTANCE.match(x.text) for x in rep.lines):
            rep.diagnostics.extend(_line_notes(rep))
            self._place(rep, key)
            yield rep


def _same_moment(a: LogLine, b: LogLine) -> bool:
    """Two lines stamped within a second of each other (printk time, else the printed date)."""
    if a.timestamp is not None and b.timestamp is not None:
        return abs(a.timestamp - b.timestamp) <= 1.0
    if a.clock and b.clock:
        return a.clock.split(".")[0] == b.clock.split(".")[0]
    return False


def _line_notes(rep: RawReport) -> Iterator[Diagnostic]:
    """What the reader could not use on the report's lines, and the lines it did not keep."""
    notes: dict[str, tuple[int, int]] = {}  # note -> (first line, lines it was said of)
    for x in rep.lines:
        if x.cut:
            yield Diagnostic(x.lineno, f"line is over {MAX_LINE} bytes; its first {MAX_LINE} read")
        if x.note:
            first, count = notes.get(x.note, (x.lineno, 0))
            notes[x.note] = (first, count + 1)
    for note, (first, count) in notes.items():  # a note every line earns is said once
        yield Diagnostic(first, note if count == 1 else f"{note} (and on {count - 1} more lines)")
    if rep._twins:
        yield Diagnostic(
            rep.lines[0].lineno,
            f"every line is printed twice in a row (a logger writing the kernel log twice): "
            f"{rep._twins} second copies read past",
        )
    if rep._dropped:
        last = rep.lines[-1].lineno
        yield Diagnostic(
            last, f"report is over {MAX_REPORT_LINES} lines; {rep._dropped} more not read"
        )


def segment_lines(
    lines: Iterable[LogLine], source: str, clock: Clock | None = None
) -> Iterator[RawReport]:
    """Segment already-decoded lines (tests and library use)."""
    seg = Segmenter(source, clock)
    for line in lines:
        yield from seg.feed(line)
    yield from seg.finish()


def segment_stream(
    stream: BinaryIO,
    source: str,
    stats: ScanStats | None = None,
    clock: Clock | None = None,
    chunks: Iterable[bytes | None] | None = None,
    physical: Callable[[int], int] | None = None,
    journal: bool = False,
) -> Iterator[RawReport]:
    """Segment a plain-text byte stream with the marker prefilter.

    ``chunks`` (see :func:`iter_raw_lines`) reads a live input; a None chunk
    says it has gone quiet, which ends every open report. ``journal``: the stream
    is journal records, one a line, where an empty line is another program's record
    (``journal._record_line``): read past, it is no part of any run of blank lines.
    """
    seg = Segmenter(source, clock)
    reports = seg.open  # idle: none open (Segmenter.idle, without a property call per line)
    for lineno, raw in iter_raw_lines(stream, lambda: not reports, stats, chunks):
        if raw is None:
            yield from _numbered(seg.finish(), physical)
            continue
        if journal and not raw:
            continue
        for line in _decoded(raw, lineno, source):
            if line.cut and stats is not None and stats.last_cut != lineno:
                stats.cut_lines += 1  # a physical line, however many records it held
                stats.first_cut = stats.first_cut or lineno
                stats.last_cut = lineno
            done = seg.feed(line)
            if done:
                yield from _numbered(done, physical)
    yield from _numbered(seg.finish(), physical)


def _decoded(raw: bytes, lineno: int, source: str) -> list[LogLine]:
    """``decode_line``, and if it fails, the line as it stands: a reader's fault costs that
    line's prefix and records, said on the line, never the file."""
    try:
        return decode_line(raw, lineno, source)
    except Exception as err:  # noqa: BLE001 - any byte string reaches here
        text = raw[:MAX_LINE].decode("utf-8", "replace").strip()
        note = f"line not decoded ({type(err).__name__}); read as it stands"
        try:
            body, p = strip_prefix(text)
        except Exception:  # noqa: BLE001
            return [LogLine(source, lineno, text, note=note)]
        return [LogLine(source, lineno, body, p.timestamp, p.caller, p.host, p.prefix, note=note)]


def _numbered(
    reps: Iterable[RawReport], physical: Callable[[int], int] | None
) -> Iterator[RawReport]:
    """Reports with their lines numbered as the file stores them (``physical``), if decoding
    joined lines. Segmenting runs on decoded lines, where a wrapped piece is the next line."""
    for rep in reps:
        if physical is not None:
            rep.lines = [x._replace(lineno=physical(x.lineno)) for x in rep.lines]
            rep.diagnostics = [Diagnostic(physical(d.line), d.message) for d in rep.diagnostics]
        yield rep
