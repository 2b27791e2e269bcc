"""Typed records of the printed lines of one report, as the transformer yields them.

One frozen record per line kind of ``grammars/report.lark``. ``line`` is the
1-based line number within the report text handed to the parser (the assembler
maps it back to the log's own line numbers). Numbers keep the units the line
printed them in; the assembler folds the records into a ``Report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from oomlens.parse.report import (
    Constraint,
    FreeAreaEntry,
    Header,
    Killed,
    MemcgCounter,
    TaskContext,
)

Fields = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class HeaderLine:
    """A trigger line: dump_header's ``invoked oom-killer:``, warn_alloc, vmalloc, vmemmap."""

    line: int
    header: Header


@dataclass(frozen=True, slots=True)
class VmallocLine:
    """``vmalloc: allocation failure...``: its own trigger, or the line before warn_alloc's."""

    line: int
    header: Header


@dataclass(frozen=True, slots=True)
class CpusetLine:
    """``<comm> cpuset=<name> mems_allowed=<list>`` (cpuset_print_task_mems_allowed, <= 4.19)."""

    line: int
    comm: str | None
    cpuset: str | None
    mems_allowed: str | None


@dataclass(frozen=True, slots=True)
class BannerLine:
    """``CPU: N PID: N Comm: X ... <release>`` (dump_stack_print_info)."""

    line: int
    context: TaskContext


@dataclass(frozen=True, slots=True)
class HardwareLine:
    """``Hardware name: ...``."""

    line: int
    name: str


@dataclass(frozen=True, slots=True)
class FrameLine:
    """A stack frame, or a trace head that holds frames; ``funcs`` innermost first."""

    line: int
    funcs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TraceLine:
    """A line of the stack dump that names no function: markers, registers, code, hex."""

    line: int


@dataclass(frozen=True, slots=True)
class MeminfoHead:
    """``Mem-Info:``."""

    line: int


@dataclass(frozen=True, slots=True)
class CountersLine:
    """A run of ``key:value`` counters: the Mem-Info summary, or a zone line's split-off tail."""

    line: int
    fields: Fields
    # Read as a zone line's tail, whose fields the kernel prints in kB: the fields up to
    # the first without its unit, and that field on (a piece cut inside a number).
    zone_fields: Fields = ()
    zone_cut: str | None = None


@dataclass(frozen=True, slots=True)
class NodeStatLine:
    """``Node N active_anon:NkB ... all_unreclaimable? no`` (fields in kB)."""

    line: int
    node: int
    fields: Fields
    all_unreclaimable: bool | None


@dataclass(frozen=True, slots=True)
class ZoneStatLine:
    """``[Node N ]<Zone> free:NkB min:NkB ...`` (fields in kB), 2.6's inline protections."""

    line: int
    node: int | None
    name: str
    fields: Fields
    protections: tuple[int, ...] | None  # "protections[]:" printed on the zone line (2.6)
    cut: str | None  # the tail after the last field read, when the line was cut short


@dataclass(frozen=True, slots=True)
class LowmemLine:
    """``lowmem_reserve[]: 0 1952 1952 1952`` (pages), 2.6's ``protections[]:``."""

    line: int
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BuddyStatLine:
    """``[Node N ]<Zone>: count*sizekB (T) ... = totalkB``: the zone's free lists."""

    line: int
    node: int | None
    name: str
    entries: tuple[FreeAreaEntry, ...]  # numbered by order from 0
    total_kb: int | None  # after "=", None when cut off
    empty: bool  # printed "empty"
    cut: str | None  # the tail after the last column read, when the line was cut short


@dataclass(frozen=True, slots=True)
class SwapLine:
    """``Free swap  = NkB`` / ``Total swap = NkB``."""

    line: int
    which: str  # "free" | "total"
    kb: int


@dataclass(frozen=True, slots=True)
class PagesLine:
    """``N pages RAM``, ``N total pagecache pages``, ``N pages in swap cache`` and kin."""

    line: int
    what: str  # the words after the number
    count: int


@dataclass(frozen=True, slots=True)
class TaskHeaderLine:
    """``[  pid  ]   uid  tgid total_vm ...``: the task table's column names."""

    line: int
    columns: tuple[str, ...]  # "pid" first


@dataclass(frozen=True, slots=True)
class TaskRowLine:
    """``[ 1234]  1000  1234  ...  name``: one task-table row, split by the assembler."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class KillLine:
    """``Out of memory: Kill process`` / ``Killed process`` (oom_kill_process)."""

    line: int
    killed: Killed


@dataclass(frozen=True, slots=True)
class ConstraintLine:
    """``oom-kill:constraint=...`` (dump_oom_summary, 4.19+)."""

    line: int
    constraint: Constraint


@dataclass(frozen=True, slots=True)
class MemcgTaskInLine:
    """``Task in /A killed as a result of limit of /B`` (mem_cgroup_print_oom_info, < 4.19)."""

    line: int
    task_in: str | None
    limit_of: str | None


@dataclass(frozen=True, slots=True)
class MemcgUsageLine:
    """``memory: usage NkB, limit NkB, failcnt N``; None when the numbers did not read."""

    line: int
    counter: MemcgCounter | None


@dataclass(frozen=True, slots=True)
class MemcgStatsLine:
    """``Memory cgroup stats for /X:`` (printed for a memcg OOM only)."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class MemcgProtectionLine:
    """``Memory cgroup min protection NkB -- low protection NkB`` (every report, 6.18+)."""

    line: int
    min_kb: int | None
    low_kb: int | None


@dataclass(frozen=True, slots=True)
class TextLine:
    """A line carried along as text: workqueue, per-cpu, hugepages, slab, reaper, ..."""

    line: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class UnknownLine:
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
