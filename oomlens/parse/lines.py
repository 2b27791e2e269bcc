"""Typed records of the printed lines of one report, as the transformer yields them.

One frozen record per line kind of ``grammars/report.lark``: a named tuple rather than
a dataclass, as one is built for every line read (in half the time, and its class at
import in a seventh; dispatch is by ``type``, never by tuple equality). ``line`` is the
1-based line number within the report text handed to the parser (the assembler
maps it back to the log's own line numbers). Numbers keep the units the line
printed them in; the assembler folds the records into a ``Report``.
"""

from __future__ import annotations

from typing import NamedTuple, TypeAlias

from oomlens.parse.report import (
    Constraint,
    FreeAreaEntry,
    Header,
    Killed,
    MemcgCounter,
    TaskContext,
)

Fields = tuple[tuple[str, int], ...]


class HeaderLine(NamedTuple):
    """A trigger line: dump_header's ``invoked oom-killer:``, warn_alloc, vmalloc, vmemmap."""

    line: int
    header: Header


class VmallocLine(NamedTuple):
    """``vmalloc: allocation failure...``: its own trigger, or the line before warn_alloc's."""

    line: int
    header: Header


class CpusetLine(NamedTuple):
    """``<comm> cpuset=<name> mems_allowed=<list>`` (cpuset_print_task_mems_allowed, <= 4.19)."""

    line: int
    comm: str | None
    cpuset: str | None
    mems_allowed: str | None


class BannerLine(NamedTuple):
    """``CPU: N PID: N Comm: X ... <release>`` (dump_stack_print_info)."""

    line: int
    context: TaskContext


class HardwareLine(NamedTuple):
    """``Hardware name: ...``."""

    line: int
    name: str


class FrameLine(NamedTuple):
    """A stack frame, or a trace head that holds frames; ``funcs`` innermost first."""

    line: int
    funcs: tuple[str, ...]
    guessed: bool = False  # x86's "? func+0x..": a stale return address on the stack


class TraceLine(NamedTuple):
    """A line of the stack dump that names no function: markers, registers, code, hex."""

    line: int


class MeminfoHead(NamedTuple):
    """``Mem-Info:``."""

    line: int


class CountersLine(NamedTuple):
    """A run of ``key:value`` counters: the Mem-Info summary, or a zone line's split-off tail."""

    line: int
    fields: Fields
    # Read as a zone line's tail, whose fields the kernel prints in kB: the fields up to
    # the first without its unit, and that field on (a piece cut inside a number).
    zone_fields: Fields = ()
    zone_cut: str | None = None


class NodeStatLine(NamedTuple):
    """``Node N active_anon:NkB ... all_unreclaimable? no`` (fields in kB)."""

    line: int
    node: int
    fields: Fields
    all_unreclaimable: bool | None


class ZoneStatLine(NamedTuple):
    """``[Node N ]<Zone> free:NkB min:NkB ...`` (fields in kB), 2.6's inline protections."""

    line: int
    node: int | None
    name: str
    fields: Fields
    protections: tuple[int, ...] | None  # "protections[]:" printed on the zone line (2.6)
    cut: str | None  # the tail after the last field read, when the line was cut short


class LowmemLine(NamedTuple):
    """``lowmem_reserve[]: 0 1952 1952 1952`` (pages), 2.6's ``protections[]:``."""

    line: int
    values: tuple[int, ...]


class BuddyStatLine(NamedTuple):
    """``[Node N ]<Zone>: count*sizekB (T) ... = totalkB``: the zone's free lists."""

    line: int
    node: int | None
    name: str
    entries: tuple[FreeAreaEntry, ...]  # numbered by order from 0
    total_kb: int | None  # after "=", None when cut off
    empty: bool  # printed "empty"
    cut: str | None  # the tail after the last column read, when the line was cut short


class SwapLine(NamedTuple):
    """``Free swap  = NkB`` / ``Total swap = NkB``."""

    line: int
    which: str  # "free" | "total"
    kb: int


class PagesLine(NamedTuple):
    """``N pages RAM``, ``N total pagecache pages``, ``N pages in swap cache`` and kin."""

    line: int
    what: str  # the words after the number
    number: int


class TaskHeaderLine(NamedTuple):
    """``[  pid  ]   uid  tgid total_vm ...``: the task table's column names."""

    line: int
    columns: tuple[str, ...]  # "pid" first


class TaskRowLine(NamedTuple):
    """``[ 1234]  1000  1234  ...  name``: one task-table row, split by the assembler."""

    line: int
    text: str


class KillLine(NamedTuple):
    """``Out of memory: Kill process`` / ``Killed process`` (oom_kill_process)."""

    line: int
    killed: Killed


class ConstraintLine(NamedTuple):
    """``oom-kill:constraint=...`` (dump_oom_summary, 4.19+)."""

    line: int
    constraint: Constraint


class MemcgTaskInLine(NamedTuple):
    """``Task in /A killed as a result of limit of /B`` (mem_cgroup_print_oom_info, < 4.19)."""

    line: int
    task_in: str | None
    limit_of: str | None


class MemcgUsageLine(NamedTuple):
    """``memory: usage NkB, limit NkB, failcnt N``; None when the numbers did not read."""

    line: int
    counter: MemcgCounter | None


class MemcgStatsLine(NamedTuple):
    """``Memory cgroup stats for /X:`` (printed for a memcg OOM only)."""

    line: int
    text: str


class MemcgProtectionLine(NamedTuple):
    """``Memory cgroup min protection NkB -- low protection NkB`` (every report, 6.18+)."""

    line: int
    min_kb: int | None
    low_kb: int | None


class TextLine(NamedTuple):
    """A line carried along as text: workqueue, per-cpu, hugepages, slab, reaper, ..."""

    line: int
    kind: str
    text: str


class UnknownLine(NamedTuple):
    """A line no rule describes, or one that broke the form its start promised."""

    line: int
    text: str


Record: TypeAlias = (
    HeaderLine
    | VmallocLine
    | CpusetLine
    | BannerLine
    | HardwareLine
    | FrameLine
    | TraceLine
    | MeminfoHead
    | CountersLine
    | NodeStatLine
    | ZoneStatLine
    | LowmemLine
    | BuddyStatLine
    | SwapLine
    | PagesLine
    | TaskHeaderLine
    | TaskRowLine
    | KillLine
    | ConstraintLine
    | MemcgTaskInLine
    | MemcgUsageLine
    | MemcgStatsLine
    | MemcgProtectionLine
    | TextLine
    | UnknownLine
)
