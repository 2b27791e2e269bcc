"""Parse report spans with the Lark grammar and assemble typed ``Report`` records."""

from __future__ import annotations

import re
from dataclasses import replace

from lark.exceptions import UnexpectedInput

from oomlens.parse.grammar import report_parser
from oomlens.parse.numbers import MAX_NUMNODES, NumberOutOfRange, bounded_int, nodes_beyond
from oomlens.parse.report import (
    BuddyLine,
    Constraint,
    Diagnostic,
    Header,
    Killed,
    Memcg,
    NodeLine,
    Report,
    SwapInfo,
    TaskContext,
    TaskRow,
    Totals,
    ZoneLine,
)
from oomlens.parse.transform import Line, entries
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
_TASK_ROW_FAST = re.compile(r"\[\s*\d+\]\s+-?\d+")  # the grammar's TASK_ROW
# A whole line that is one stack frame: "[<addr>] ? func+0x1a/0x40 [module]" and kin.
_FRAME_FAST = re.compile(
    r"^(?:\[<[0-9a-f]+>\] )?(?:\? )?([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w]+\])?$"
)


def parse_lines(texts: list[str]) -> tuple[list[Line], list[int]]:
    """Run the grammar over a report's lines; return records and the lines it had to skip.

    A line that starts like a known kind but breaks its form is re-read as an
    unknown line (its number is returned), never failing the whole report.
    """
    parser = report_parser()
    texts = [t.replace("\x00", "\ufffd") for t in texts]
    # Fast path for the most numerous kinds: "func+0x1a/0x40" stack frames are a
    # third of a report's lines and carry one name each. They are read here with
    # the grammar's own patterns and blanked for Lark, keeping line numbers.
    # Task-table rows (hundreds on a busy box) are single terminals too.
    frames: list[Line] = []
    for i, text in enumerate(texts):
        m = _FRAME_FAST.match(text)
        if m is not None:
            frames.append(Line("frame", i + 1, (m.group(1),)))
            texts[i] = ""
        elif _TASK_ROW_FAST.match(text):
            frames.append(Line("task_row", i + 1, text))
            texts[i] = ""
    broken: list[int] = []
    for _ in range(MAX_RETRIES):
        try:
            records = parser.parse("\n".join(texts) + "\n")
            if frames:
                records = sorted(records + frames, key=lambda r: r.line)
            return records, broken
        except UnexpectedInput as err:
            idx = _error_line(err, len(texts))
            if idx is None or texts[idx].startswith("\x00"):
                break
            texts[idx] = "\x00" + texts[idx]
            broken.append(idx + 1)
        except Exception:  # noqa: BLE001 - a transformer that met a form it misreads
            break
    # Too many odd lines, or one the transformer could not read: one by one.
    records: list[Line] = []
    for i, text in enumerate(texts, start=1):
        aside = None  # why a line holding a number past 64 bits was set aside
        try:
            got = parser.parse(text + "\n")
        except NumberOutOfRange as err:
            got = parser.parse("\x00" + text.lstrip("\x00") + "\n")
            aside = str(err)
        except Exception:  # noqa: BLE001
            got = parser.parse("\x00" + text.lstrip("\x00") + "\n")
            broken.append(i)
        records.extend(
            replace(r, line=i) if aside is None else Line("out_of_range", i, aside) for r in got
        )
    return records, sorted(set(broken))


def _error_line(err: UnexpectedInput, n: int) -> int | None:
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
    from oomlens.read.ingest import decode_line

    lines = []
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
        self.pagecache: int | None = None
        self.task_columns: tuple[str, ...] | None = None
        self.tasks: list[TaskRow] = []
        self.killed: Killed | None = None
        self.constraint: Constraint | None = None
        self.constraint_line = 0
        self.cpuset_line = 0  # where mems_allowed was read: the header or the cpuset line
        self.memcg = Memcg()
        self.memcg_seen = False
        self.trace: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.in_trace = True
        self.after_meminfo = False
        self.zone_open = False  # a zone line was read and its lowmem_reserve not yet

    def lineno(self, rec_line: int) -> int:
        lines = self.raw.lines
        return lines[min(max(rec_line, 1), len(lines)) - 1].lineno


def assemble(raw: RawReport, records: list[Line], broken: list[int]) -> Report:
    """Fold line records, in order, into one ``Report``."""
    a = _Assembly(raw)
    a.diagnostics.extend(raw.diagnostics)
    for rec in records:
        handler = _HANDLERS.get(rec.kind)
        if handler is not None:
            handler(a, rec)
    for idx in broken:
        a.diagnostics.append(
            Diagnostic(a.lineno(idx), "line breaks the form its start promises; read as unknown")
        )
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
        header = replace(a.header, detail=a.vmalloc.detail, vmalloc_size=a.vmalloc.vmalloc_size)
    _check_nodes(a, header)
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
        trace=tuple(a.trace),
        arch=infer_arch(a.context, a.trace, raw),
        diagnostics=diagnostics,
        lines=tuple(ln.text for ln in raw.lines),
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


def _kind(a: _Assembly, header: Header | None) -> str | None:
    memcg = a.memcg_seen or (
        a.killed is not None and (a.killed.reason or "").startswith("Memory cgroup")
    )
    if a.constraint is not None:
        c = a.constraint.constraint or ""
        memcg = memcg or c == "CONSTRAINT_MEMCG" or a.constraint.get("oom_memcg") is not None
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
    if header is None or not a.raw.trigger:
        return False
    if kind == "memcg-oom":
        return a.killed is not None
    state = bool(a.zones) and all(z.buddy is not None for z in a.zones)
    if kind == "oom":
        return state and a.killed is not None
    return state


# ---- record handlers ------------------------------------------------------------
def _on_header(a: _Assembly, rec: Line) -> None:
    h: Header = rec.data  # type: ignore[assignment]
    h = replace(h, line=a.lineno(rec.line))
    if a.header is None:
        a.header = h
        a.cpuset_line = h.line


def _on_vmalloc(a: _Assembly, rec: Line) -> None:
    if a.vmalloc is None:
        a.vmalloc = replace(rec.data, line=a.lineno(rec.line))  # type: ignore[arg-type]


def _on_cpuset(a: _Assembly, rec: Line) -> None:
    _, cpuset, mems = rec.data  # type: ignore[misc]
    if a.header is not None and a.header.cpuset is None:
        a.header = replace(a.header, cpuset=cpuset, mems_allowed=mems)
        a.cpuset_line = a.lineno(rec.line)


def _on_banner(a: _Assembly, rec: Line) -> None:
    ctx: TaskContext = rec.data  # type: ignore[assignment]
    if a.context.pid is None:
        a.context = replace(ctx, hardware=a.context.hardware)


def _on_hardware(a: _Assembly, rec: Line) -> None:
    if a.context.hardware is None:
        a.context = replace(a.context, hardware=rec.data)


def _on_frame(a: _Assembly, rec: Line) -> None:
    if a.in_trace:
        a.trace.extend(rec.data)  # type: ignore[arg-type]


def _leave_trace(a: _Assembly) -> None:
    a.in_trace = False


def _on_meminfo_head(a: _Assembly, rec: Line) -> None:
    _leave_trace(a)
    a.after_meminfo = True


def _on_counters(a: _Assembly, rec: Line) -> None:
    if a.zone_open and a.zones:
        # the rest of a zone line that a mail client or syslog split off
        z = a.zones[-1]
        a.zones[-1] = replace(z, fields=z.fields + rec.data)  # type: ignore[operator]
        return
    if a.in_trace and not a.after_meminfo and a.trace:
        return  # a "key:value" register-ish line inside the stack dump
    _leave_trace(a)
    a.after_meminfo = True
    a.meminfo.extend(rec.data)  # type: ignore[arg-type]


def _on_node(a: _Assembly, rec: Line) -> None:
    _leave_trace(a)
    node, fields, unrec = rec.data  # type: ignore[misc]
    a.nodes.append(NodeLine(node, fields, unrec))


def _on_zone(a: _Assembly, rec: Line) -> None:
    _leave_trace(a)
    node, name, fields, protections, cut = rec.data  # type: ignore[misc]
    line = a.lineno(rec.line)
    if cut is not None:
        a.diagnostics.append(
            Diagnostic(line, f"{name} zone line cut short after {len(fields)} fields")
        )
    a.zones.append(ZoneLine(node, name, fields, lowmem_reserve=protections, line=line))
    a.zone_open = True


def _on_lowmem(a: _Assembly, rec: Line) -> None:
    a.zone_open = False
    if a.zones and a.zones[-1].lowmem_reserve is None:
        a.zones[-1] = replace(a.zones[-1], lowmem_reserve=rec.data)
    else:
        a.diagnostics.append(
            Diagnostic(a.lineno(rec.line), "lowmem_reserve line without its zone line")
        )


def _on_buddy(a: _Assembly, rec: Line) -> None:
    _leave_trace(a)
    a.zone_open = False
    node, name, raw_entries, total, empty, cut = rec.data  # type: ignore[misc]
    line = a.lineno(rec.line)
    ents = entries(raw_entries)
    whole = total is not None and cut is None and (bool(ents) or empty)
    if not whole and not empty:
        a.diagnostics.append(
            Diagnostic(line, f"{name} buddy line cut short after {len(ents)} orders")
        )
    buddy = BuddyLine(node, name, ents, total, whole, empty=empty, line=line)
    for i, z in enumerate(a.zones):
        if z.name == name and z.node == node and z.buddy is None:
            a.zones[i] = replace(z, buddy=buddy)
            return
    # an excerpt that kept the buddy line but not its zone line
    a.zones.append(ZoneLine(node, name, (), buddy=buddy, line=line))


def _on_swap(a: _Assembly, rec: Line) -> None:
    which, kb = rec.data  # type: ignore[misc]
    a.swap = replace(a.swap, **{"free_kb" if which == "free" else "total_kb": kb})


def _on_pages(a: _Assembly, rec: Line) -> None:
    what, n = rec.data  # type: ignore[misc]
    if "swap cache" in what:
        a.swap = replace(a.swap, cache_pages=n)
    elif "pagecache" in what:
        a.pagecache = n
    else:
        a.totals.append((what, n))


def _on_task_header(a: _Assembly, rec: Line) -> None:
    _leave_trace(a)
    a.task_columns = rec.data  # type: ignore[assignment]


def _on_task_row(a: _Assembly, rec: Line) -> None:
    m = _TASK_ROW.match(rec.data)  # type: ignore[arg-type]
    if not m:
        return
    cols = a.task_columns or DEFAULT_TASK_COLUMNS
    numeric = [c for c in cols[1:] if c != "name"]
    parts = m.group(2).split(None, len(numeric))
    values: list[tuple[str, int]] = []
    for col, part in zip(numeric, parts, strict=False):
        value = bounded_int(part)
        if value is None:
            a.diagnostics.append(
                Diagnostic(a.lineno(rec.line), f"task row column {col} is not a 64-bit number")
            )
            return
        values.append((col, value))
    pid = bounded_int(m.group(1))
    if pid is None:
        a.diagnostics.append(Diagnostic(a.lineno(rec.line), "task row pid is not a 64-bit number"))
        return
    name = parts[len(numeric)] if len(parts) > len(numeric) else ""
    a.tasks.append(TaskRow(pid, name, tuple(values), line=a.lineno(rec.line)))


def _on_kill(a: _Assembly, rec: Line) -> None:
    k: Killed = replace(rec.data, line=a.lineno(rec.line))  # type: ignore[arg-type]
    prev = a.killed
    if prev is not None and prev.pid == k.pid:
        k = replace(
            k,
            score=k.score if k.score is not None else prev.score,
            fields=k.fields or prev.fields,
            reason=prev.reason or k.reason,
            line=prev.line,
        )
    a.killed = k


def _on_constraint(a: _Assembly, rec: Line) -> None:
    pairs = rec.data  # type: ignore[assignment]
    constraint = next((v for k, v in pairs if k == "constraint"), None)
    a.constraint = Constraint(constraint, pairs)
    a.constraint_line = a.lineno(rec.line)


def _on_memcg_task_in(a: _Assembly, rec: Line) -> None:
    task_in, limit_of = rec.data  # type: ignore[misc]
    a.memcg = replace(a.memcg, task_in=task_in, limit_of=limit_of)
    a.memcg_seen = True


def _on_memcg_usage(a: _Assembly, rec: Line) -> None:
    if rec.data is not None:
        a.memcg = replace(a.memcg, counters=a.memcg.counters + (rec.data,))
        a.memcg_seen = True


def _on_memcg_stats(a: _Assembly, rec: Line) -> None:
    a.memcg_seen = True


def _on_out_of_range(a: _Assembly, rec: Line) -> None:
    a.diagnostics.append(Diagnostic(a.lineno(rec.line), f"line set aside: {rec.data}"))


def _on_unknown(a: _Assembly, rec: Line) -> None:
    if a.in_trace:
        return  # register dumps, code listings, decoder output inside the stack dump
    text = str(rec.data)
    a.diagnostics.append(Diagnostic(a.lineno(rec.line), f"line not understood: {text[:120]}"))


_HANDLERS = {
    "header": _on_header,
    "vmalloc_failure": _on_vmalloc,
    "cpuset": _on_cpuset,
    "banner": _on_banner,
    "hardware": _on_hardware,
    "frame": _on_frame,
    "trace_head": _on_frame,
    "meminfo_head": _on_meminfo_head,
    "counters": _on_counters,
    "node": _on_node,
    "zone": _on_zone,
    "lowmem": _on_lowmem,
    "buddy": _on_buddy,
    "swap": _on_swap,
    "pages": _on_pages,
    "task_header": _on_task_header,
    "task_row": _on_task_row,
    "kill": _on_kill,
    "constraint": _on_constraint,
    "memcg_task_in": _on_memcg_task_in,
    "memcg_usage": _on_memcg_usage,
    "memcg_stats": _on_memcg_stats,
    "unknown": _on_unknown,
    "out_of_range": _on_out_of_range,
}

_ARCH_RELEASE = (
    ("x86_64", "x86_64"),
    ("amd64", "x86_64"),
    ("aarch64", "arm64"),
    ("arm64", "arm64"),
    ("loongarch64", "loongarch64"),
    ("ppc64", "ppc64"),
    ("s390x", "s390x"),
    ("riscv64", "riscv64"),
    ("i686", "i386"),
    ("i586", "i386"),
    ("-686", "i386"),
    ("-pae", "i386"),
    ("PAE", "i386"),
    ("armv7", "arm"),
    ("android", "arm64"),
)
# Entry and fault paths that exist on one architecture only.
_ARCH_FRAMES = (
    (
        (
            "entry_SYSCALL_64",
            "entry_SYSCALL_64_after_hwframe",
            "do_syscall_64",
            "ret_from_fork_asm",
            "asm_exc_page_fault",
            "exc_page_fault",
        ),
        "x86_64",
    ),
    (("do_fast_syscall_32", "entry_SYSENTER_32", "sysenter_past_esp", "entry_INT80_32"), "i386"),
    (
        (
            "el0_svc",
            "el0t_64_sync",
            "el0t_64_sync_handler",
            "el0_svc_common",
            "do_el0_svc",
            "el0_da",
            "el1_abort",
        ),
        "arm64",
    ),
    (("ret_fast_syscall", "__irq_svc", "__dabt_usr", "ret_from_fork_thumb"), "arm"),
    (("tlb_do_page_fault_1", "tlb_do_page_fault_0", "handle_syscall"), "loongarch64"),
)
_X86_VIRT = (
    "QEMU Standard PC",
    "Bochs",
    "VMware",
    "innotek",
    "Hyper-V",
    "Microsoft Corporation Virtual",
)


def infer_arch(ctx: TaskContext, trace: list[str], raw: RawReport) -> str | None:
    """Guess the architecture from the release string, frames, hardware name and zones."""
    release = ctx.release or ""
    for needle, arch in _ARCH_RELEASE:
        if needle in release:
            return arch
    names = set(trace)
    for frames, arch in _ARCH_FRAMES:
        if names.intersection(frames):
            return arch
    if any(f.startswith(".") and len(f) > 1 for f in trace):
        return "ppc64"  # ppc64 ELFv1 function descriptors: ".vfs_readdir"
    texts = [ln.text for ln in raw.lines[:120]]
    if any(") from [<" in t for t in texts):
        return "arm"
    zones = {t.split(" free:")[0].split()[-1] for t in raw.lines and texts if " free:" in t}
    hw = ctx.hardware or ""
    wide = any("[<ffffffff" in t for t in texts) or "DMA32" in zones
    narrow = "HighMem" in zones or any(re.match(r"\[<c[0-9a-f]{7}>\]", t) for t in texts)
    if any(v in hw for v in _X86_VIRT):
        return "i386" if narrow else "x86_64"
    if any(t.startswith("[<ffffff8") or t.startswith("[<ffffffc") for t in texts):
        return "arm64"
    if wide and not narrow and any("[<ffffffff8" in t for t in texts):
        return "x86_64"
    if narrow and "DMA" in zones and not any(") from" in t for t in texts):
        return "i386"
    return None
