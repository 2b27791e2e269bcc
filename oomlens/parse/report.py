"""Typed, frozen records of one parsed report: the state the kernel printed.

Numbers keep the units the kernel printed them in (kB on zone, node, buddy and
kill lines; pages on Mem-Info summary, lowmem_reserve and task-table lines).
Anything the report did not print is ``None``; nothing is guessed here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from oomlens.read.diagnostic import Diagnostic

Fields = tuple[tuple[str, int], ...]


def field_value(fields: Fields, *names: str) -> int | None:
    """Return the first of ``names`` present in a ``key:value`` tuple, else None."""
    for name in names:
        for key, value in fields:
            if key == name:
                return value
    return None


@dataclass(frozen=True)
class Header:
    """The trigger line: an OOM-killer invocation or an allocation-failure warning."""

    kind: str  # "oom" | "alloc-failure" | "vmalloc" | "memcg-oom"
    comm: str | None
    gfp_mask: int | None
    gfp_names: str | None  # the names the kernel printed in (...), verbatim
    order: int | None
    oom_score_adj: int | None = None
    oom_adj: int | None = None
    nodemask: str | None = None
    cpuset: str | None = None
    mems_allowed: str | None = None
    # vmalloc lines (mm/vmalloc.c through warn_alloc): the bytes the line prints. That is
    # the size asked for on "vmalloc: allocation failure: N bytes" (<= 5.12, the fail label
    # of __vmalloc_node_range: zero or oversized request or no vm_struct/virtual space,
    # printed before any page is requested), "allocated X of Y bytes" (Y) and "size N,
    # vm_struct allocation failed | exceeds total pages | failed to allocate page array";
    # but the bytes already allocated on "size N, [page order K, ]failed to allocate pages"
    # and "failed to map pages" (area->nr_pages * PAGE_SIZE).
    vmalloc_size: int | None = None
    # bytes the pages already allocated came to, where the line says: X of "allocated X of
    # Y bytes", N of "size N, [page order K, ]failed to allocate pages"; else None
    vmalloc_allocated: int | None = None
    detail: str | None = None  # the reason on vmalloc/vmemmap lines, as printed
    line: int = 0


@dataclass(frozen=True)
class TaskContext:
    """The ``CPU: N PID: N Comm: X ... <release>`` banner and ``Hardware name:``."""

    cpu: int | None = None
    pid: int | None = None
    comm: str | None = None
    tainted: str | None = None
    release: str | None = None
    hardware: str | None = None
    build: str | None = None  # what follows the release: "#1 Debian 6.1.192-2", "#124-Ubuntu"


@dataclass(frozen=True)
class FreeAreaEntry:
    """One ``count*sizekB (LETTERS)`` column of a buddy line."""

    order: int
    count: int
    size_kb: int
    types: str  # migratetype letters as printed, "" when none


@dataclass(frozen=True)
class BuddyLine:
    """``[Node N ]Zone: count*sizekB (T) ... = totalkB`` — the zone's free lists."""

    node: int | None
    zone: str
    entries: tuple[FreeAreaEntry, ...]
    total_kb: int | None  # the kernel's own sum after "=", None when cut off
    whole: bool  # every column and the total were read
    empty: bool = False  # printed as "... empty" (zone with no free pages tracked)
    line: int = 0

    @property
    def sum_kb(self) -> int:
        """Σ count × size over the columns read."""
        return sum(e.count * e.size_kb for e in self.entries)

    @property
    def page_kb(self) -> int | None:
        """Page size in kB, from the first column's chunk size."""
        if not self.entries:
            return None
        first = self.entries[0]
        return first.size_kb >> first.order if first.order else first.size_kb


@dataclass(frozen=True)
class ZoneLine:
    """``[Node N ]Zone free:NkB min:NkB ...`` with its ``lowmem_reserve[]`` and buddy line."""

    node: int | None
    name: str
    fields: Fields  # key → value in kB (the kernel prints these in kB; KB accepted)
    lowmem_reserve: tuple[int, ...] | None = None  # pages, one per zone type
    buddy: BuddyLine | None = None
    line: int = 0

    def get(self, *names: str) -> int | None:
        """The value of the first named field present."""
        return field_value(self.fields, *names)

    @property
    def free_kb(self) -> int | None:
        return self.get("free")

    @property
    def min_kb(self) -> int | None:
        return self.get("min")

    @property
    def low_kb(self) -> int | None:
        return self.get("low")

    @property
    def high_kb(self) -> int | None:
        return self.get("high")

    @property
    def managed_kb(self) -> int | None:
        return self.get("managed")

    @property
    def present_kb(self) -> int | None:
        return self.get("present")

    @property
    def free_cma_kb(self) -> int | None:
        return self.get("free_cma")

    @property
    def reserved_highatomic_kb(self) -> int | None:
        return self.get("reserved_highatomic")

    @property
    def free_highatomic_kb(self) -> int | None:
        return self.get("free_highatomic")

    @property
    def boost_kb(self) -> int | None:
        return self.get("boost")


@dataclass(frozen=True)
class NodeLine:
    """``Node N active_anon:NkB ... all_unreclaimable? no``."""

    node: int
    fields: Fields
    all_unreclaimable: bool | None = None


@dataclass(frozen=True)
class SwapInfo:
    """``Free swap  = NkB`` / ``Total swap = NkB`` and the swap-cache lines."""

    free_kb: int | None = None
    total_kb: int | None = None
    cache_pages: int | None = None


@dataclass(frozen=True)
class Totals:
    """``N pages RAM`` and friends at the end of show_mem (pages)."""

    fields: Fields = ()
    pagecache_pages: int | None = None


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One row of the OOM task table; columns named by the table's header line."""

    pid: int
    name: str
    columns: Fields
    line: int = 0


@dataclass(frozen=True)
class Killed:
    """The victim: ``Out of memory: Kill process``/``Killed process`` lines merged."""

    pid: int
    comm: str
    score: int | None = None
    fields: Fields = ()  # total-vm, anon-rss, file-rss, shmem-rss (kB), UID, pgtables, oom_score_adj
    reason: str | None = None  # "Out of memory", "Memory cgroup out of memory", ...
    line: int = 0


@dataclass(frozen=True)
class Constraint:
    """``oom-kill:constraint=...,nodemask=...,task_memcg=...,task=X,pid=N,uid=N``."""

    constraint: str | None
    fields: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        """The value of ``key``, None when the line does not carry it."""
        for k, v in self.fields:
            if k == key:
                return v
        return None


class MemcgCounter(NamedTuple):
    """``memory: usage NkB, limit NkB, failcnt N`` (also memory+swap, kmem, swap, tcpmem)."""

    name: str
    usage_kb: int
    limit_kb: int
    failcnt: int


@dataclass(frozen=True)
class Memcg:
    """Memory-cgroup lines: which cgroup hit which limit, and its usage counters."""

    task_in: str | None = None  # "Task in /A killed as a result of limit of /B": /A
    limit_of: str | None = None  # ... and /B
    counters: tuple[MemcgCounter, ...] = ()


@dataclass(frozen=True)
class MemcgProtection:
    """``Memory cgroup min protection NkB -- low protection NkB``.

    mem_cgroup_show_protected_memory (6.18+) prints it in every OOM report and
    allocation failure: the memory.min/memory.low totals below the OOMing cgroup, or
    below the root for a global OOM. It never marks a report as a memcg OOM.
    """

    min_kb: int | None
    low_kb: int | None


# enum zone_type order, in which show_free_areas() prints a node's zones; which of these
# a kernel has depends on its config.
ZONE_ORDER = ("DMA", "DMA32", "Normal", "HighMem", "Movable", "Device")


@dataclass(frozen=True)
class Report:
    """One OOM-killer or allocation-failure report, as printed."""

    source: str
    first_line: int
    last_line: int
    kind: str | None
    complete: bool
    header: Header | None
    context: TaskContext | None
    meminfo: Fields
    nodes: tuple[NodeLine, ...]
    zones: tuple[ZoneLine, ...]
    swap: SwapInfo | None
    totals: Totals | None
    tasks: tuple[TaskRow, ...]
    killed: Killed | None
    constraint: Constraint | None
    memcg: Memcg | None  # the lines only a memcg OOM prints (Task in, usage, stats)
    trace: tuple[str, ...]  # function names of the call trace, innermost first
    arch: str | None
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    lines: tuple[str, ...] = field(default=(), repr=False)  # the report's own text
    prefixes: tuple[str, ...] = field(default=(), repr=False)  # what was stripped, per line
    # When and where: from the log's prefixes (read stage), None when the log does not say.
    time: datetime | None = None  # wall clock of the trigger line, timezone-aware
    uptime_s: float | None = None  # seconds since boot of the trigger line (dmesg/kmsg stamp)
    host: str | None = None  # syslog/journal host name, verbatim
    boot_id: str | None = None  # journal _BOOT_ID
    boot: int = 0  # which boot of its host in the input, from 0 (banner, clock reset, separator)
    suppressed_before: int = 0  # messages the kernel's ratelimit dropped just before this report
    vmap_failed_before: bool = False  # "vmap allocation for size N failed" just before it
    memcg_protection: MemcgProtection | None = None  # 6.18+, in every report
    implausible: tuple[str, ...] = ()  # fields holding a number no kernel prints (plausible)
    hugepage_kb: tuple[int, ...] = ()  # each hstate's hugepages_size= (the huge page sizes)
    # A fragment right after it opens with a buddy line of a zone it holds one of: two
    # reports' Mem-Info blocks interleaved, and either line may be the other report's
    interleaved: bool = False
    # the functions of the trace's "? " frames (x86: a stale address the unwinder found on
    # the stack, not a caller): the trace holds them too, ``functions`` does not
    guessed: tuple[str, ...] = field(default=(), repr=False)

    @property
    def id(self) -> str:
        return f"{self.source}:{self.first_line}"

    @property
    def release(self) -> str | None:
        return self.context.release if self.context else None

    @property
    def functions(self) -> frozenset[str]:
        """The trace's functions by their C names (no ppc64 ELFv1 leading dot as in
        ``.moom_callback``, no GCC clone suffix as in ``dump_header.isra.0``), its "? "
        frames left out."""
        return callers(self.trace, self.guessed)


def callers(trace: Sequence[str], guessed: Sequence[str]) -> frozenset[str]:
    """The functions of ``trace`` by their C names, the "? " frames of ``guessed`` left out
    (a stale address the unwinder found on the stack, no caller)."""
    calls = Counter(trace)
    calls.subtract(guessed)
    return frozenset(f.lstrip(".").split(".")[0] for f, n in calls.items() if n > 0)
