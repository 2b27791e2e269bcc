"""Parse report spans with the Lark grammar and fold the line records into a ``Report``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any, TypeVar

from lark.exceptions import UnexpectedInput

from oomlens.parse.arch import infer_arch
from oomlens.parse.grammar import as_lexer_text, line_start, parse_records
from oomlens.parse.kinds import is_memcg_kind, oom_marks
from oomlens.parse.lines import (
    BannerLine,
    BuddyStatLine,
    ConstraintLine,
    CountersLine,
    CpusetLine,
    FrameLine,
    HardwareLine,
    HeaderLine,
    KillLine,
    LowmemLine,
    MemcgProtectionLine,
    MemcgStatsLine,
    MemcgTaskInLine,
    MemcgUsageLine,
    MeminfoHead,
    NodeStatLine,
    PagesLine,
    Record,
    SwapLine,
    TaskHeaderLine,
    TaskRowLine,
    TextLine,
    UnknownLine,
    VmallocLine,
    ZoneStatLine,
)
from oomlens.parse.numbers import MAX_NUMNODES, bounded_int, nodes_beyond, number_problem
from oomlens.parse.plausible import (
    header_problem,
    mask_problem,
    memory_problem,
    order_problem,
    task_problem,
    zone_problem,
)
from oomlens.parse.report import (
    BuddyLine,
    Constraint,
    Diagnostic,
    Header,
    Killed,
    Memcg,
    MemcgProtection,
    NodeLine,
    Report,
    SwapInfo,
    TaskContext,
    TaskRow,
    Totals,
    ZoneLine,
    callers,
)
from oomlens.parse.transform import buddy_text_problem
from oomlens.read.segment import RawReport, segment_lines

MAX_RETRIES = 48
# Task-table layout used when the excerpt starts below the header (4.19+).
DEFAULT_TASK_COLUMNS = (
    "pid",
    "uid",
    "tgid",
    "total_vm",
    "rss",
    "pgtables_bytes",
    "swapents",
    "oom_score_adj",
    "name",
)
_TASK_ROW = re.compile(r"^\[\s*(-?\d+)\]\s*(.*)$")


def parse_lines(texts: list[str]) -> tuple[list[Record], list[int]]:
    """Run the grammar over a report's lines; return records and the lines it had to skip.

    A line that starts like a known kind but breaks its form is re-read as an
    unknown line (its number is returned), never failing the whole report.
    """
    texts = [t.replace("\x00", "\ufffd") for t in texts]
    # Most lines are one terminal each (stack frames, task rows, banners, totals):
    # Lark's own lexer and rules read them here (grammar.LineStart), and they are
    # blanked for the LALR loop, keeping line numbers (blank lines cost it nothing).
    read: dict[int, Record] = {}
    reader = line_start()
    if reader is not None:
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        read = reader.read(as_lexer_text("\n".join(texts) + "\n"), starts, texts)
    rest = [("" if i in read else t) for i, t in enumerate(texts)]
    broken: list[int] = []
    for _ in range(MAX_RETRIES):
        try:
            records = parse_records("\n".join(rest) + "\n") if any(rest) else []
            if read:
                records = sorted(records + list(read.values()), key=lambda r: r.line)
            return records, broken
        except UnexpectedInput as err:
            idx = _error_line(err, len(rest))
            if idx is None or rest[idx].startswith("\x00"):
                break
            rest[idx] = "\x00" + rest[idx]
            broken.append(idx + 1)
        except Exception:  # noqa: BLE001 - a transformer that met a form it misreads
            break
    # Too many odd lines, or one the transformer could not read: one by one.
    records = []
    for i, text in enumerate(rest, start=1):
        text = text or texts[i - 1]
        try:
            got = parse_records(text + "\n")
        except Exception:  # noqa: BLE001
            got = parse_records("\x00" + text.lstrip("\x00") + "\n")
            broken.append(i)
        records.extend(r._replace(line=i) for r in got)
    return records, sorted(set(broken))


def _error_line(err: UnexpectedInput, n: int) -> int | None:
    """The 0-based index of the line Lark stopped at (the last line when it ran out)."""
    line = getattr(err, "line", -1)
    if isinstance(line, int) and 1 <= line <= n:
        return line - 1
    return n - 1 if n else None


def parse_raw(raw: RawReport) -> Report:
    """Parse one segmented span into a ``Report``."""
    texts = [ln.text for ln in raw.lines]
    records, broken = parse_lines(texts)
    return assemble(raw, records, broken)


def parse_text(text: str, source: str = "<text>") -> list[Report]:
    """Every report in a text (library convenience; the CLI streams instead)."""
    from oomlens.read.logline import LogLine, decode_line

    lines: list[LogLine] = []
    for lineno, raw in enumerate(text.encode("utf-8", "surrogateescape").split(b"\n"), start=1):
        lines.extend(decode_line(raw, lineno, source))
    return [parse_raw(r) for r in segment_lines(lines, source)]


class _Assembly:
    """Mutable working state while records are folded into a Report."""

    def __init__(self, raw: RawReport) -> None:
        self.raw = raw
        self.header: Header | None = None
        self.vmalloc: Header | None = None
        self.context = TaskContext()
        self.meminfo: list[tuple[str, int]] = []
        self.nodes: list[NodeLine] = []
        self.zones: list[ZoneLine] = []
        self.swap = SwapInfo()
        self.totals: list[tuple[str, int]] = []
        self.totals_line = 0  # the last of show_mem()'s "N pages ..." lines
        self.pagecache: int | None = None
        self.task_columns: tuple[str, ...] | None = None
        self.tasks: list[TaskRow] = []
        self.killed: Killed | None = None
        self.oom_group = False  # "Tasks in ... memory.oom.group set": later kills are members
        self.constraint: Constraint | None = None
        self.constraint_line = 0
        self.cpuset_line = 0  # where mems_allowed was read: the header or the cpuset line
        self.memcg = Memcg()
        self.memcg_seen = False  # a line only a memcg OOM prints
        self.buddy_from = 0  # the zone after the one the last buddy line went to
        self.bad_counter = False  # a memcg counter line with numbers no kernel prints
        self.protection: MemcgProtection | None = None
        self.trace: list[str] = []
        self.guessed: list[str] = []  # the trace's "? " frames
        self.diagnostics: list[Diagnostic] = []
        self.in_trace = True
        self.after_meminfo = False
        self.zone_open = False  # a zone line was read and its lowmem_reserve not yet
        self.zone_cut = False  # the open zone line, or a piece of it, was cut short
        self.hugepage_kb: list[int] = []  # hugepages_size= of each hugepages line

    def lineno(self, rec_line: int) -> int:
        """The log's own line number of a record's report-relative line."""
        lines = self.raw.lines
        return lines[min(max(rec_line, 1), len(lines)) - 1].lineno


def assemble(raw: RawReport, records: list[Record], broken: list[int]) -> Report:
    """Fold line records, in order, into one ``Report``."""
    a = _Assembly(raw)
    a.diagnostics.extend(raw.diagnostics)
    for rec in records:
        handler = _HANDLERS.get(type(rec))
        if handler is not None:
            handler(a, rec)
    for idx in broken:
        # a number past 64 bits fails the lexer (oomlens.parse.numbers): say which
        text = raw.lines[idx - 1].text if 0 < idx <= len(raw.lines) else ""
        why = number_problem(text) or buddy_text_problem(text)
        message = f"line set aside: {why}" if why else "line breaks the form its start promises"
        a.diagnostics.append(Diagnostic(a.lineno(idx), f"{message}; read as unknown"))
        _set_aside_buddy(a, text, a.lineno(idx))
    for zone in a.zones:
        b = zone.buddy
        if b is not None and b.whole and b.sum_kb != b.total_kb:
            a.diagnostics.append(
                Diagnostic(
                    b.line,
                    f"{zone.name} buddy columns sum to {b.sum_kb}kB, the kernel printed {b.total_kb}kB",
                )
            )
    header = a.header or a.vmalloc
    if a.header and a.vmalloc and a.header.detail is None:
        header = replace(
            a.header,
            detail=a.vmalloc.detail,
            vmalloc_size=a.vmalloc.vmalloc_size,
            vmalloc_allocated=a.vmalloc.vmalloc_allocated,
        )
    if header is None and raw.trigger:
        # the segmenter saw a trigger line, the grammar no header in it: never silently
        text = raw.lines[0].text
        a.diagnostics.append(
            Diagnostic(raw.first_line, f"trigger line not understood: {text[:120]!r}")
        )
    _check_nodes(a, header)
    implausible = _check_numbers(a, header)
    kind = _kind(a, header)
    killed = a.killed
    complete = _complete(a, header, kind)
    diagnostics = tuple(sorted(a.diagnostics, key=lambda d: d.line))
    return Report(
        source=raw.source,
        first_line=raw.first_line,
        last_line=raw.last_line,
        kind=kind,
        complete=complete,
        header=header,
        context=a.context if a.context != TaskContext() else None,
        meminfo=tuple(a.meminfo),
        nodes=tuple(a.nodes),
        zones=tuple(a.zones),
        swap=a.swap if a.swap != SwapInfo() else None,
        totals=Totals(tuple(a.totals), a.pagecache)
        if (a.totals or a.pagecache is not None)
        else None,
        tasks=tuple(a.tasks),
        killed=killed,
        constraint=a.constraint,
        memcg=a.memcg if a.memcg_seen else None,
        memcg_protection=a.protection,
        trace=tuple(a.trace),
        guessed=tuple(a.guessed),
        arch=infer_arch(a.context, a.trace, [ln.text for ln in raw.lines[:120]]),
        diagnostics=diagnostics,
        lines=tuple(ln.text for ln in raw.lines),
        prefixes=tuple(ln.prefix for ln in raw.lines),
        time=raw.time,
        uptime_s=raw.uptime_s,
        host=raw.host,
        boot_id=raw.boot_id,
        boot=raw.boot,
        suppressed_before=raw.suppressed_before,
        vmap_failed_before=raw.vmap_failed_before,
        implausible=implausible,
        hugepage_kb=tuple(dict.fromkeys(a.hugepage_kb)),
    )


def _check_nodes(a: _Assembly, header: Header | None) -> None:
    """Say so when a node list names nodes no kernel has; the list stays text, never a set."""
    c = a.constraint
    for where, text, line in (
        ("nodemask", header.nodemask if header else None, header.line if header else 0),
        ("mems_allowed", header.mems_allowed if header else None, a.cpuset_line),
        ("nodemask", c.get("nodemask") if c else None, a.constraint_line),
        ("mems_allowed", c.get("mems_allowed") if c else None, a.constraint_line),
    ):
        problem = nodes_beyond(text)
        if problem is not None:
            a.diagnostics.append(
                Diagnostic(line, f"{where} {problem}; a kernel has at most {MAX_NUMNODES} nodes")
            )


def _check_numbers(a: _Assembly, header: Header | None) -> tuple[str, ...]:
    """Say so when a number is no kernel's (``plausible``); which fields they were."""
    out: list[str] = []
    whole = [len(z.buddy.entries) for z in a.zones if z.buddy is not None and z.buddy.whole]
    why = header_problem(header, max(whole, default=0) or None)
    if why is not None and header is not None:
        a.diagnostics.append(Diagnostic(header.line, why))
        out.append("order")
    why = mask_problem(header)
    if why is not None and header is not None:
        a.diagnostics.append(Diagnostic(header.line, why))
        out.append("gfp_mask")
    for z in a.zones:
        why = zone_problem(z)
        if why is not None:
            a.diagnostics.append(Diagnostic(z.line, f"{z.name} zone line: {why}"))
            out.append(f"{z.name} zone numbers")
    late = order_problem(a.zones)
    if late is not None:
        a.diagnostics.append(Diagnostic(late[0].line, f"{late[0].name} zone line {late[1]}"))
        out.append("zone order")
    # Mem-Info's counters are lowercase names (a register dump's "PSW: 0001..." is none)
    counters = [(k, v) for k, v in a.meminfo if k.islower()]
    why = memory_problem(dict(counters + a.totals), a.swap.total_kb, a.swap.free_kb)
    if why is not None:
        a.diagnostics.append(Diagnostic(a.totals_line, why))
        out.append("memory totals")
    if a.bad_counter:
        out.append("memcg counters")
    k = a.killed
    if k is not None:
        f = dict(k.fields)
        sizes = [f[n] for n in ("total-vm", "anon-rss", "file-rss", "shmem-rss") if n in f]
        why = task_problem("killed", k.pid, f.get("UID"), f.get("oom_score_adj"), sizes)
        if why is not None:  # said; no verdict reads the kill line's numbers
            a.diagnostics.append(Diagnostic(k.line, why))
    for t in a.tasks:
        c = dict(t.columns)
        why = task_problem(f"task {t.name}", t.pid, c.get("uid"), c.get("oom_score_adj"), [])
        if why is not None:  # said; no verdict reads the task table's numbers
            a.diagnostics.append(Diagnostic(t.line, why))
            break
    return tuple(dict.fromkeys(out))


def _memcg_oom(a: _Assembly) -> bool:
    """A memcg OOM by the kernel's own marks, none of a global OOM's beside them
    (``kinds.oom_marks``: the judge reads the same)."""
    functions = callers(a.trace, a.guessed)
    reason = a.killed.reason if a.killed is not None else None
    limit_of = a.memcg.limit_of if a.memcg_seen else None
    return is_memcg_kind(*oom_marks(a.constraint, reason, limit_of, functions), functions)


def _kind(a: _Assembly, header: Header | None) -> str | None:
    """oom, memcg-oom or alloc-failure: by the trigger line, else by what the excerpt holds."""
    memcg = _memcg_oom(a)
    if header is not None:
        if header.kind == "oom" and memcg:
            return "memcg-oom"
        return "oom" if header.kind == "oom" else "alloc-failure"
    # an excerpt without its trigger: infer from what it holds
    if memcg:
        return "memcg-oom"
    if a.killed is not None or a.tasks or a.constraint is not None:
        return "oom"
    return None


def _complete(a: _Assembly, header: Header | None, kind: str | None) -> bool:
    """Trigger, zone and buddy lines all read (and the kill line, for an OOM)."""
    if header is None or not a.raw.trigger:
        return False
    if kind == "memcg-oom":
        return a.killed is not None
    state = bool(a.zones) and all(z.buddy is not None for z in a.zones)
    if kind == "oom":
        return state and a.killed is not None
    return state


# ---- record handlers ------------------------------------------------------------
R = TypeVar("R", bound=Record)
_HANDLERS: dict[type[Any], Callable[[_Assembly, Any], None]] = {}


def _on(
    kind: type[R],
) -> Callable[[Callable[[_Assembly, R], None]], Callable[[_Assembly, R], None]]:
    """Register the handler of one record type (mypy checks the two agree)."""

    def register(fn: Callable[[_Assembly, R], None]) -> Callable[[_Assembly, R], None]:
        _HANDLERS[kind] = fn
        return fn

    return register


@_on(HeaderLine)
def _on_header(a: _Assembly, rec: HeaderLine) -> None:
    if a.header is None:
        a.header = replace(rec.header, line=a.lineno(rec.line))
        a.cpuset_line = a.header.line


@_on(VmallocLine)
def _on_vmalloc(a: _Assembly, rec: VmallocLine) -> None:
    if a.vmalloc is None:
        a.vmalloc = replace(rec.header, line=a.lineno(rec.line))


@_on(CpusetLine)
def _on_cpuset(a: _Assembly, rec: CpusetLine) -> None:
    if a.header is not None and a.header.cpuset is None:
        a.header = replace(a.header, cpuset=rec.cpuset, mems_allowed=rec.mems_allowed)
        a.cpuset_line = a.lineno(rec.line)


@_on(BannerLine)
def _on_banner(a: _Assembly, rec: BannerLine) -> None:
    if a.context.pid is None:
        a.context = replace(rec.context, hardware=a.context.hardware)


@_on(HardwareLine)
def _on_hardware(a: _Assembly, rec: HardwareLine) -> None:
    if a.context.hardware is None:
        a.context = replace(a.context, hardware=rec.name)


@_on(FrameLine)
def _on_frame(a: _Assembly, rec: FrameLine) -> None:
    if a.in_trace:
        a.trace.extend(rec.funcs)
        if rec.guessed:
            a.guessed.extend(rec.funcs)


def _leave_trace(a: _Assembly) -> None:
    a.in_trace = False


@_on(MeminfoHead)
def _on_meminfo_head(a: _Assembly, rec: MeminfoHead) -> None:
    _leave_trace(a)
    a.after_meminfo = True


@_on(CountersLine)
def _on_counters(a: _Assembly, rec: CountersLine) -> None:
    if a.zone_open and a.zones:
        # the rest of a zone line that a mail client or syslog split off
        z = a.zones[-1]
        if a.zone_cut:
            return  # past a cut piece, nothing of the zone line is the kernel's
        a.zones[-1] = replace(z, fields=z.fields + rec.zone_fields)
        if rec.zone_cut is not None:
            a.zone_cut = True
            n = len(a.zones[-1].fields)
            a.diagnostics.append(
                Diagnostic(a.lineno(rec.line), f"{z.name} zone line cut short after {n} fields")
            )
        return
    if a.in_trace and not a.after_meminfo and a.trace:
        return  # a "key:value" register-ish line inside the stack dump
    _leave_trace(a)
    a.after_meminfo = True
    a.meminfo.extend(rec.fields)


@_on(NodeStatLine)
def _on_node(a: _Assembly, rec: NodeStatLine) -> None:
    _leave_trace(a)
    a.nodes.append(NodeLine(rec.node, rec.fields, rec.all_unreclaimable))


@_on(ZoneStatLine)
def _on_zone(a: _Assembly, rec: ZoneStatLine) -> None:
    _leave_trace(a)
    line = a.lineno(rec.line)
    zone = ZoneLine(rec.node, rec.name, rec.fields, lowmem_reserve=rec.protections, line=line)
    if rec.cut is not None:
        a.diagnostics.append(
            Diagnostic(line, f"{rec.name} zone line cut short after {len(rec.fields)} fields")
        )
    elif None in (zone.free_kb, zone.min_kb, zone.low_kb, zone.high_kb):
        # cut at a blank between two fields, as a lost line tail leaves it
        a.diagnostics.append(
            Diagnostic(line, f"{rec.name} zone line without its free, min, low and high")
        )
    a.zones.append(zone)
    a.zone_open = True
    a.zone_cut = rec.cut is not None


@_on(LowmemLine)
def _on_lowmem(a: _Assembly, rec: LowmemLine) -> None:
    a.zone_open = False
    if a.zones and a.zones[-1].lowmem_reserve is None:
        a.zones[-1] = replace(a.zones[-1], lowmem_reserve=rec.values)
    else:
        a.diagnostics.append(
            Diagnostic(a.lineno(rec.line), "lowmem_reserve line without its zone line")
        )


@_on(BuddyStatLine)
def _on_buddy(a: _Assembly, rec: BuddyStatLine) -> None:
    _leave_trace(a)
    a.zone_open = False
    line = a.lineno(rec.line)
    ents = rec.entries
    whole = rec.total_kb is not None and rec.cut is None and (bool(ents) or rec.empty)
    if not whole and not rec.empty:
        a.diagnostics.append(
            Diagnostic(line, f"{rec.name} buddy line cut short after {len(ents)} orders")
        )
    buddy = BuddyLine(rec.node, rec.name, ents, rec.total_kb, whole, empty=rec.empty, line=line)
    # show_free_areas() prints every zone line, then every buddy line in the same order:
    # the search starts past the zone the last buddy line went to
    n = len(a.zones)
    for k in range(n):
        i = (a.buddy_from + k) % n
        z = a.zones[i]
        if z.name == rec.name and z.node == rec.node and z.buddy is None:
            a.zones[i] = replace(z, buddy=buddy)
            a.buddy_from = i + 1
            return
    # an excerpt that kept the buddy line but not its zone line
    a.zones.append(ZoneLine(rec.node, rec.name, (), buddy=buddy, line=line))


_SET_ASIDE_BUDDY = re.compile(r"(?:Node (\d+) )?(DMA32|DMA|Normal|HighMem|Movable|Device): ")


def _set_aside_buddy(a: _Assembly, text: str, line: int) -> None:
    """A zone's buddy line was printed but could not be read: its free lists are unknown
    (a buddy line of no columns, not whole), never absent."""
    m = _SET_ASIDE_BUDDY.match(text)
    if m is None:
        return
    node = int(m.group(1)) if m.group(1) else None
    for i, z in enumerate(a.zones):
        if z.name == m.group(2) and z.node == node and z.buddy is None:
            a.zones[i] = replace(z, buddy=BuddyLine(node, z.name, (), None, False, line=line))
            return


@_on(SwapLine)
def _on_swap(a: _Assembly, rec: SwapLine) -> None:
    if rec.which == "free":
        a.swap = replace(a.swap, free_kb=rec.kb)
    else:
        a.swap = replace(a.swap, total_kb=rec.kb)


@_on(PagesLine)
def _on_pages(a: _Assembly, rec: PagesLine) -> None:
    if "swap cache" in rec.what:
        a.swap = replace(a.swap, cache_pages=rec.number)
    elif "pagecache" in rec.what:
        a.pagecache = rec.number
    else:
        a.totals.append((rec.what, rec.number))
        a.totals_line = a.lineno(rec.line)


@_on(TaskHeaderLine)
def _on_task_header(a: _Assembly, rec: TaskHeaderLine) -> None:
    _leave_trace(a)
    a.task_columns = rec.columns


@lru_cache(maxsize=64)  # a hostile log may print any number of layouts
def _numeric_columns(cols: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of a task-table layout after pid that hold numbers (all but name)."""
    return tuple(c for c in cols[1:] if c != "name")


@_on(TaskRowLine)
def _on_task_row(a: _Assembly, rec: TaskRowLine) -> None:
    m = _TASK_ROW.match(rec.text)
    if not m:
        return
    numeric = _numeric_columns(a.task_columns or DEFAULT_TASK_COLUMNS)
    rest = m.group(2)
    parts = rest.split(None, len(numeric))
    values: tuple[tuple[str, int], ...] | None = None
    if rest.isascii() and "_" not in rest:
        # The lexer passed the row (check_token): its digit runs are within 64 bits, so
        # int() reads an ASCII column as bounded_int() would; "1_0" is the one form int()
        # takes that bounded_int() does not.
        try:
            values = tuple(zip(numeric, map(int, parts[: len(numeric)]), strict=False))
        except ValueError:
            values = None
    if values is None:
        out = []
        for col, part in zip(numeric, parts, strict=False):
            value = bounded_int(part)
            if value is None:
                a.diagnostics.append(
                    Diagnostic(a.lineno(rec.line), f"task row column {col} is not a number")
                )
                return
            out.append((col, value))
        values = tuple(out)
    pid = bounded_int(m.group(1))
    if pid is None:
        a.diagnostics.append(Diagnostic(a.lineno(rec.line), "task row pid is not a 64-bit number"))
        return
    name = parts[len(numeric)] if len(parts) > len(numeric) else ""
    a.tasks.append(TaskRow(pid, name, values, a.lineno(rec.line)))


@_on(KillLine)
def _on_kill(a: _Assembly, rec: KillLine) -> None:
    k: Killed = replace(rec.killed, line=a.lineno(rec.line))
    prev = a.killed
    if a.oom_group and prev is not None and prev.pid != k.pid:
        return  # a member of the victim's memory.oom.group, killed with it
    if prev is not None and prev.pid == k.pid:
        k = replace(
            k,
            score=k.score if k.score is not None else prev.score,
            fields=k.fields or prev.fields,
            reason=prev.reason or k.reason,
            line=prev.line,
        )
    a.killed = k


@_on(TextLine)
def _on_text(a: _Assembly, rec: TextLine) -> None:
    if rec.kind == "oom_group":
        a.oom_group = True
    elif rec.kind == "hugepages":
        size = _HUGEPAGE_SIZE.search(rec.text)
        if size is not None:
            a.hugepage_kb.append(int(size.group(1)))


_HUGEPAGE_SIZE = re.compile(r"hugepages_size=(\d{1,12})kB")


@_on(ConstraintLine)
def _on_constraint(a: _Assembly, rec: ConstraintLine) -> None:
    a.constraint = rec.constraint
    a.constraint_line = a.lineno(rec.line)


@_on(MemcgTaskInLine)
def _on_memcg_task_in(a: _Assembly, rec: MemcgTaskInLine) -> None:
    a.memcg = replace(a.memcg, task_in=rec.task_in, limit_of=rec.limit_of)
    a.memcg_seen = True


@_on(MemcgUsageLine)
def _on_memcg_usage(a: _Assembly, rec: MemcgUsageLine) -> None:
    if rec.counter is not None:
        a.memcg = replace(a.memcg, counters=(*a.memcg.counters, rec.counter))
        a.memcg_seen = True
    else:  # the counter line's own head, with numbers its %llu format never prints
        a.diagnostics.append(
            Diagnostic(
                a.lineno(rec.line), "memory cgroup counter line whose numbers no kernel prints"
            )
        )
        a.memcg_seen = True
        a.bad_counter = True


@_on(MemcgStatsLine)
def _on_memcg_stats(a: _Assembly, rec: MemcgStatsLine) -> None:
    a.memcg_seen = True


@_on(MemcgProtectionLine)
def _on_memcg_protection(a: _Assembly, rec: MemcgProtectionLine) -> None:
    a.protection = MemcgProtection(rec.min_kb, rec.low_kb)


@_on(UnknownLine)
def _on_unknown(a: _Assembly, rec: UnknownLine) -> None:
    if a.in_trace:
        return  # register dumps, code listings, decoder output inside the stack dump
    a.diagnostics.append(Diagnostic(a.lineno(rec.line), f"line not understood: {rec.text[:120]}"))
