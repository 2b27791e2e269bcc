"""Turn the grammar's line rules into typed line records, one per printed line.

The transformer runs inline in the LALR parser. Each rule becomes one frozen
record of ``oomlens.parse.lines`` holding its line number within the report
text and the fields the line printed; ``oomlens.parse.assemble`` folds the
records into a ``Report``.
"""

from __future__ import annotations

import re

from lark import Token, Transformer

from oomlens.parse.lines import (
    BannerLine,
    BuddyStatLine,
    ConstraintLine,
    CountersLine,
    CpusetLine,
    Fields,
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
    TraceLine,
    UnknownLine,
    VmallocLine,
    ZoneStatLine,
)
from oomlens.parse.report import (
    Constraint,
    FreeAreaEntry,
    Header,
    Killed,
    MemcgCounter,
    TaskContext,
)

_KV = re.compile(r"([A-Za-z_][A-Za-z_()0-9]*):\s?(-?\d+)([kK]B)?")  # key, value, unit
_CHUNKS = re.compile(r"(\d+)\*(\d+)kB(?: ?\(([A-Z]+)\))?")
_GFP = re.compile(r"0x([0-9a-fA-F]+)(?:\(([^)]*)\))?")
_NODE = re.compile(r"Node (\d+) ")
_BANNER_CPU = re.compile(r"CPU: ?(\d+)")
_BANNER_PID = re.compile(r"PID: (\d+)|Pid: (\d+), comm: (\S+)")
_BANNER_COMM = re.compile(r"Comm: (.*?)\s+(?:Not tainted|Tainted:)")
_BANNER_TAINT = re.compile(r"(Not tainted|Tainted: [A-Z ]*?)\s+(\d+\.\d+[^\s]*)")
_FUNC_OFF = re.compile(r"([A-Za-z_.$][\w.$]*)\+0x[0-9a-fA-F]+(?:/0x[0-9a-fA-F]+)?")
# A frame the unwinder found on the stack but could not prove a caller: x86's "? f+0x.."
# (after its "[<addr>]" before 4.10), powerpc's "... (unreliable)", s390's "([<addr>] f)"
_GUESSED = re.compile(r"\s*(?:\[<[0-9a-f]+>\]\s*)?\? |\s*\(\[<[0-9a-f]+>\]")
_FUNC_DEC = re.compile(r"^(?:\? )?([A-Za-z_.][\w.$]*) \(")
_FUNC_RHEL4 = re.compile(r"\{([\w.$]+)\+\d+\}")
_FUNC_ARM = re.compile(r"\] \(([\w.$]+)\) from")
_KILL = re.compile(
    r"^(?:(?P<reason>[^:]*?):\s*)?(?:[Kk]ill(?:ed)? process|Killing process)"
    r" (?P<pid>-?\d+)(?:, UID \d+,)? \((?P<comm>.*)\)(?P<rest>(?: score| total-vm| and children|,|\.|$).*)$"
)
_KILL_FIELD = re.compile(r"([A-Za-z_-]+):\s?(-?\d+)(?:kB)?")
_SCORE = re.compile(r"score (-?\d+)")
_CPUSET = re.compile(r"^(.*?) cpuset=(.*?) mems_allowed=(\S*)$")
_VMALLOC_FAIL = re.compile(
    r"^(?:(?P<comm>.*?): )?vmalloc: (?P<detail>allocation failure"
    r"(?:: (?P<size>\d+) bytes|, allocated (?P<done>\d+) of (?P<of>\d+) bytes)?.*)$"
)
_VMALLOC_ERR = re.compile(
    r"^(?:(.*?): )?vmalloc (?:error: size (\d+),|size (\d+) allocation failure:) ?(.*)$"
)
_MEMCG_USAGE = re.compile(r"^([\w+]+): usage (\d+)kB, limit (\d+)kB, failcnt (\d+)")
_PAGE_ORDER = re.compile(r"page order (\d+)")
# __vmalloc_area_node ran out of pages: 5.14+ "failed to allocate pages", 5.13 "page order
# %u allocation failed"; the size printed is what had been allocated until then
_PAGES_FAILED = re.compile(r"failed to allocate pages|page order \d+ allocation failed")
_MEMCG_PROTECTION = re.compile(r"min protection (\d+)kB -- low protection (\d+)kB")
_MEMCG_TASK_IN = re.compile(r"Task in (.*) killed as a result of limit of (.*)$")
_SWAP_KB = re.compile(r"(-?\d+)kB")


def _kvs(token: str) -> list[tuple[str, int]]:
    """Every ``key:value`` field of a KVS run, units dropped (the line says which)."""
    return [(k, int(v)) for k, v, _unit in _KV.findall(token)]


# show_free_areas() prints every zone field in kB but these ("pages_scanned:%lu" in 2.6-4.7,
# "node_pages_scanned:%lu" in 4.8)
_ZONE_UNITLESS = frozenset({"pages_scanned", "node_pages_scanned"})


def _zone_kvs(token: str) -> tuple[list[tuple[str, int]], str | None]:
    """A zone line's fields up to the first that lacks the kB the kernel prints after it
    (a line cut inside a number: "managed:159" of "managed:15908kB"), and that field."""
    out: list[tuple[str, int]] = []
    for m in _KV.finditer(token):
        key, value, unit = m.groups()
        if unit is None and key not in _ZONE_UNITLESS:
            return out, token[m.start() :]
        out.append((key, int(value)))
    return out, None


def _at(tok: Token) -> int:
    """The token's line within the report text (Lark sets it for every token here)."""
    return tok.line or 0


def _comm_before(text: str, marker: str) -> str | None:
    """The task name in ``<comm><marker>`` (the comm may hold spaces and colons)."""
    idx = text.find(marker)
    if idx <= 0:
        return None
    comm = text[:idx].strip()
    return None if comm in ("", "...", "\u2026") else comm  # an excerpt's elision is no name


# show_free_areas() prints one column per order, K << order kB each, for NR_PAGE_ORDERS
# orders: 11 on most builds, 14 on arm64's 64K pages, at most 17 where ia64's MAX_ORDER
# went to 17 and arm64 4K's ARCH_FORCE_MAX_ORDER to 15 (EXPERT); 24 leaves headroom.
MAX_BUDDY_COLUMNS = 24


def buddy_problem(raw: list[tuple[int, int, str]]) -> str | None:
    """Why columns ``(count, size_kb, types)`` cannot be a kernel's buddy line, else None."""
    if len(raw) > MAX_BUDDY_COLUMNS:
        return f"a buddy line of {len(raw)} columns (no kernel has more than {MAX_BUDDY_COLUMNS} orders)"
    if raw:
        first = raw[0][1]
        for order, (_, size, _) in enumerate(raw):
            if size != first << order:
                return (
                    f"buddy column {order + 1} is {size}kB where order {order} of a "
                    f"{first}kB page is {first << order}kB"
                )
    return None


_BUDDY_HEAD = re.compile(r"(?:Node \d+ )?\w+: \d+\*\d+kB")


def buddy_text_problem(text: str) -> str | None:
    """``buddy_problem`` of a line that starts as a buddy line, else None."""
    if not _BUDDY_HEAD.match(text):
        return None
    return buddy_problem([(int(n), int(k), t) for n, k, t in _CHUNKS.findall(text)])


def entries(raw: list[tuple[int, int, str]]) -> tuple[FreeAreaEntry, ...]:
    """Number buddy-line columns by order, from ``(count, size_kb, types)`` triples."""
    return tuple(
        FreeAreaEntry(order=i, count=n, size_kb=s, types=t) for i, (n, s, t) in enumerate(raw)
    )


class LineTransformer(Transformer[Token, list[Record]]):
    """Inline LALR transformer: one grammar rule → one typed line record."""

    # ---- headers -----------------------------------------------------------
    @staticmethod
    def _header(
        kind: str,
        head: Token,
        fields: list[Token],
        comm: str | None,
        vmalloc_size: int | None = None,
        detail: str | None = None,
        vmalloc_allocated: int | None = None,
    ) -> HeaderLine:
        """A trigger line's fields: gfp mask and names, order, adj, nodemask, cpuset."""
        gfp_mask = order = adj = oom_adj = None
        gfp_names = nodemask = cpuset = mems = None
        words: list[str] = []
        for tok in fields:
            t = tok.type
            if t == "WORDS":
                words.append(str(tok).strip())
            elif t == "GFP":
                m = _GFP.search(tok)
                if m:
                    gfp_mask = int(m.group(1), 16)
                    gfp_names = m.group(2)
            elif t == "HORDER":
                order = int(tok[6:])
            elif t == "ADJ":
                key, _, val = tok.partition("=")
                if key == "oom_score_adj":
                    adj = int(val)
                else:
                    oom_adj = int(val)
            elif t == "NODEMASK":
                nodemask = tok[9:].rstrip(",")  # "nodemask=0, order=3": the list ends at a blank
            elif t == "CPUSET":
                cpuset = tok[7:]
            elif t == "MEMS":
                mems = tok[13:]
        if words:
            detail = ", ".join(filter(None, (detail, *words)))
        if order is None and kind == "vmalloc":
            # vm_area_alloc_pages: "vmalloc error: size %lu, page order %u, failed to
            # allocate pages" — the pages were asked of the buddy allocator at that order
            # (order 0 when the line names none).
            m = _PAGE_ORDER.search(detail or "")
            if m:
                order = int(m.group(1))
            elif "failed to allocate pages" in (detail or ""):
                order = 0
        if kind == "vmalloc" and _PAGES_FAILED.search(detail or ""):
            vmalloc_allocated = vmalloc_size  # area->nr_pages * PAGE_SIZE
        header = Header(
            kind=kind,
            comm=comm,
            gfp_mask=gfp_mask,
            gfp_names=gfp_names,
            order=order,
            oom_score_adj=adj,
            oom_adj=oom_adj,
            nodemask=nodemask,
            cpuset=cpuset,
            mems_allowed=mems,
            vmalloc_size=vmalloc_size,
            vmalloc_allocated=vmalloc_allocated,
            detail=detail,
            line=_at(head),
        )
        return HeaderLine(_at(head), header)

    def oom_header(self, c: list[Token]) -> HeaderLine:
        """``<comm> invoked oom-killer: gfp_mask=..., order=N, oom_score_adj=N``."""
        return self._header("oom", c[0], c[1:], _comm_before(c[0], " invoked oom-killer:"))

    def bare_oom_header(self, c: list[Token]) -> HeaderLine:
        """2.6.12's ``oom-killer: gfp_mask=0xd2`` (no task name)."""
        return self._header("oom", c[0], c[1:], None)

    def fail_header(self, c: list[Token]) -> HeaderLine:
        """``<comm>: page allocation failure: order:N, mode:0x...``."""
        head = str(c[0])
        comm = (
            head[: head.rfind(": page allocation failure")] if ": page allocation" in head else None
        )
        return self._header("alloc-failure", c[0], c[1:], comm.strip() if comm else None)

    def vmalloc_header(self, c: list[Token]) -> HeaderLine:
        """``<comm>: vmalloc error: size N, <reason>, mode:0x...`` (5.13: ``vmalloc size N
        allocation failure: <reason>``)."""
        m = _VMALLOC_ERR.match(str(c[0]))
        if m is None:
            return self._header("vmalloc", c[0], c[1:], None)
        size = int(m.group(2) or m.group(3))
        return self._header(
            "vmalloc", c[0], c[1:], m.group(1), vmalloc_size=size, detail=m.group(4)
        )

    def vmemmap_header(self, c: list[Token]) -> HeaderLine:
        """Memory hotplug's ``vmemmap alloc failure: order:N, mode:0x...``."""
        return self._header("alloc-failure", c[0], c[1:], None, detail="vmemmap")

    def vmalloc_failure(self, c: list[Token]) -> VmallocLine:
        """``[<comm>: ]vmalloc: allocation failure: N bytes[, mode:0x...]`` and ``...,
        allocated X of Y bytes``: its own trigger, or the line before warn_alloc_failed's."""
        m = _VMALLOC_FAIL.match(str(c[0]))
        comm = detail = None
        size = done = None
        if m is not None:
            comm, detail = m.group("comm"), m.group("detail")
            if m.group("size"):
                size = int(m.group("size"))
            elif m.group("of"):
                size, done = int(m.group("of")), int(m.group("done"))
        rec = self._header("vmalloc", c[0], c[1:], comm, size, detail, done)
        return VmallocLine(rec.line, rec.header)

    def cpuset_line(self, c: list[Token]) -> CpusetLine:
        """``<comm> cpuset=<name> mems_allowed=<list>``."""
        m = _CPUSET.match(str(c[0]))
        if m is None:
            return CpusetLine(_at(c[0]), None, None, None)
        return CpusetLine(_at(c[0]), m.group(1), m.group(2), m.group(3))

    # ---- banner and trace --------------------------------------------------
    def banner(self, c: list[Token]) -> BannerLine:
        """``CPU: N PID: N Comm: X Tainted: ... <release>`` and 2.6's ``Pid: N, comm: X``."""
        text = str(c[0])
        cpu = _BANNER_CPU.search(text)
        pid = _BANNER_PID.search(text)
        comm = _BANNER_COMM.search(text)
        taint = _BANNER_TAINT.search(text)
        pid_v: int | None = None
        comm_v: str | None = None
        if pid:
            pid_v = int(pid.group(1) or pid.group(2))
            comm_v = pid.group(3)
        if comm:
            comm_v = comm.group(1)
        ctx = TaskContext(
            cpu=int(cpu.group(1)) if cpu else None,
            pid=pid_v,
            comm=comm_v,
            tainted=taint.group(1) if taint else None,
            release=taint.group(2) if taint else None,
            build=text[taint.end() :].strip() or None if taint else None,
        )
        return BannerLine(_at(c[0]), ctx)

    def hardware(self, c: list[Token]) -> HardwareLine:
        """``Hardware name: <DMI or device-tree name>``."""
        return HardwareLine(_at(c[0]), str(c[0])[len("Hardware name:") :].strip())

    def workqueue(self, c: list[Token]) -> TextLine:
        """``Workqueue: <name> <func>``."""
        return TextLine(_at(c[0]), "workqueue", str(c[0]))

    def trace_head(self, c: list[Token]) -> FrameLine:
        """``Call Trace:`` and kin; RHEL4 and some arches print frames on the same line."""
        funcs = tuple(_FUNC_RHEL4.findall(c[0])) or tuple(_FUNC_OFF.findall(c[0]))
        return FrameLine(_at(c[0]), funcs)

    def trace_mark(self, c: list[Token]) -> TraceLine:
        """``<TASK>``, ``</IRQ>`` and the other stack-section markers."""
        return TraceLine(_at(c[0]))

    def frame(self, c: list[Token]) -> FrameLine:
        """One stack frame in any of the styles seen: the function it names."""
        tok = c[0]
        text = str(tok)
        if tok.type == "FRAME_RHEL4":
            funcs = tuple(_FUNC_RHEL4.findall(text))
        elif tok.type == "FRAME_DECODED":
            m = _FUNC_DEC.match(text)
            funcs = (m.group(1),) if m else ()
        elif tok.type == "FRAME_ARM":
            m = _FUNC_ARM.search(text)
            funcs = (m.group(1),) if m else ()
        else:
            m = _FUNC_OFF.search(text)
            funcs = (m.group(1),) if m else ()
        guessed = _GUESSED.match(text) is not None or text.rstrip().endswith("(unreliable)")
        return FrameLine(_at(tok), funcs, guessed)

    def regs(self, c: list[Token]) -> TraceLine:
        """A register line of the stack dump."""
        return TraceLine(_at(c[0]))

    def hexwords(self, c: list[Token]) -> TraceLine:
        """Raw stack words in hex."""
        return TraceLine(_at(c[0]))

    def unwind_dump(self, c: list[Token]) -> TraceLine:
        """x86 ``unwind_dump()``: ``<sp>: <word> (<symbol>)``, after a bad frame pointer."""
        return TraceLine(_at(c[0]))

    # ---- show_mem ----------------------------------------------------------
    def meminfo_head(self, c: list[Token]) -> MeminfoHead:
        """``Mem-Info:``."""
        return MeminfoHead(_at(c[0]))

    def counters(self, c: list[Token]) -> CountersLine:
        """A run of ``key:value`` counters (the Mem-Info summary is in pages)."""
        kvs = [t for t in c if t.type == "KVS"]
        fields: Fields = tuple(kv for t in kvs for kv in _kvs(t))
        zone: list[tuple[str, int]] = []
        cut: str | None = None
        for tok in kvs:
            read, cut = _zone_kvs(tok)
            zone.extend(read)
            if cut is not None:
                break
        return CountersLine(_at(c[0]), fields, tuple(zone), cut)

    def node_line(self, c: list[Token]) -> NodeStatLine:
        """``Node N active_anon:NkB ... all_unreclaimable? no [Balloon:NkB ...]``."""
        head = c[0]
        fields: list[tuple[str, int]] = []
        unrec: bool | None = None
        for tok in c[1:]:
            if tok.type == "ALLUNREC":
                unrec = tok.endswith("yes")
            elif tok.type == "KVS":
                fields.extend(_kvs(tok))
        return NodeStatLine(_at(head), int(head[5:]), tuple(fields), unrec)

    def zone_line(self, c: list[Token]) -> ZoneStatLine:
        """``[Node N ]<Zone> free:NkB min:NkB ...``; 2.6 prints ``protections[]:`` inline."""
        head = str(c[0])
        m = _NODE.match(head)
        node = int(m.group(1)) if m else None
        name = head[m.end() :] if m else head
        fields: list[tuple[str, int]] = []
        protections: list[int] = []
        cut: str | None = None
        for tok in c[1:]:
            if cut is not None:
                break  # past the cut, nothing of the line is the kernel's
            if tok.type == "KVS":
                read, cut = _zone_kvs(tok)
                fields.extend(read)
            elif tok.type == "INT":
                protections.append(int(tok))
            elif tok.type == "CUT":
                cut = str(tok)
        return ZoneStatLine(
            _at(c[0]), node, name, tuple(fields), tuple(protections) if protections else None, cut
        )

    def lowmem_line(self, c: list[Token]) -> LowmemLine:
        """``lowmem_reserve[]: 0 1952 1952 1952`` (pages, one per zone type)."""
        return LowmemLine(_at(c[0]), tuple(int(t) for t in c[1:]))

    def buddy_line(self, c: list[Token]) -> BuddyStatLine:
        """``[Node N ]<Zone>: count*sizekB (T) ... = totalkB``, or ``... empty``."""
        head = str(c[0]).rstrip(": ")
        m = _NODE.match(head + " ")
        node = int(m.group(1)) if m else None
        name = head[m.end() :] if m else head
        raw: list[tuple[int, int, str]] = []
        total: int | None = None
        empty = False
        cut: str | None = None
        for tok in c[1:]:
            t = tok.type
            if t == "BUDDY_ENTRIES":
                raw.extend((int(n), int(k), types) for n, k, types in _CHUNKS.findall(tok))
            elif t == "BUDDY_TOTAL":
                total = int(tok.lstrip("= ")[:-2])
            elif t == "EMPTY":
                empty = True
            elif t == "CUT":
                cut = str(tok)
        problem = buddy_problem(raw)
        if problem is not None:
            raise ValueError(problem)  # parse_lines re-reads the line as unknown
        return BuddyStatLine(_at(c[0]), node, name, entries(raw), total, empty, cut)

    def percpu_head(self, c: list[Token]) -> TextLine:
        """2.6/3.x ``<Zone> per-cpu:``."""
        return TextLine(_at(c[0]), "percpu", str(c[0]))

    def percpu_line(self, c: list[Token]) -> TextLine:
        """2.6/3.x ``cpu 0 hot: high 186, batch 31 used:30``."""
        return TextLine(_at(c[0]), "percpu", str(c[0]))

    def free_pages_line(self, c: list[Token]) -> TextLine:
        """2.6's ``Free pages: NkB (NkB HighMem)``."""
        return TextLine(_at(c[0]), "free_pages", str(c[0]))

    def hugepages(self, c: list[Token]) -> TextLine:
        """``Node N hugepages_total=N hugepages_free=N ...``."""
        return TextLine(_at(c[0]), "hugepages", str(c[0]))

    def swap_line(self, c: list[Token]) -> SwapLine:
        """``Free swap  = NkB`` / ``Total swap = NkB``."""
        text = str(c[0])
        m = _SWAP_KB.search(text)
        return SwapLine(_at(c[0]), text.split()[0].lower(), int(m.group(1)) if m else 0)

    def pages_line(self, c: list[Token]) -> PagesLine:
        """``N pages RAM`` and the other page totals at the end of show_mem."""
        text = str(c[0])
        number, _, rest = text.partition(" ")
        return PagesLine(_at(c[0]), rest.strip(), int(number))

    # ---- task table and the kill -------------------------------------------
    def tasks_state(self, c: list[Token]) -> TextLine:
        """``Tasks state (memory values in pages):``."""
        return TextLine(_at(c[0]), "tasks_state", str(c[0]))

    def task_header(self, c: list[Token]) -> TaskHeaderLine:
        """``[  pid  ]   uid  tgid total_vm      rss ... name``."""
        text = str(c[0])
        cols = text[text.index("]") + 1 :].split()
        return TaskHeaderLine(_at(c[0]), ("pid", *cols))

    def task_row(self, c: list[Token]) -> TaskRowLine:
        """One task-table row (split into columns by the assembler)."""
        return TaskRowLine(_at(c[0]), str(c[0]))

    def kill_line(self, c: list[Token]) -> KillLine | UnknownLine:
        """``<reason>: Kill process N (comm) score N ...`` / ``Killed process N (comm) ...``."""
        text = str(c[0])
        m = _KILL.search(text)
        if not m:
            return UnknownLine(_at(c[0]), text)
        rest = m.group("rest")
        # the comm may itself hold ") total-vm:" lookalikes; the kernel prints the
        # real fields after the LAST "(comm)" so trust the greedy match above.
        score = _SCORE.search(rest)
        killed = Killed(
            pid=int(m.group("pid")),
            comm=m.group("comm"),
            score=int(score.group(1)) if score else None,
            fields=tuple((k, int(v)) for k, v in _KILL_FIELD.findall(rest)),
            reason=(m.group("reason") or "").strip() or None,
            line=_at(c[0]),
        )
        return KillLine(_at(c[0]), killed)

    def reaper_line(self, c: list[Token]) -> TextLine:
        """``oom_reaper: reaped process N (comm), now anon-rss:NkB ...``."""
        return TextLine(_at(c[0]), "reaper", str(c[0]))

    def constraint_line(self, c: list[Token]) -> ConstraintLine:
        """``oom-kill:constraint=X,nodemask=...,cpuset=...,mems_allowed=0,2,...,task=X,pid=N``."""
        text = str(c[0])[len("oom-kill:") :]
        pairs: list[tuple[str, str]] = []
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if sep:
                pairs.append((key, value))
            elif pairs and key in ("global_oom",):
                pairs.append((key, ""))
            elif pairs and pairs[-1][0] == "constraint":
                break  # "CONSTRAINT_MEMORY_POLICY,nod": the line was cut after it
            elif pairs and not key.startswith("oom_memcg"):
                # a list value such as mems_allowed=0,2 continues past the comma
                k, v = pairs[-1]
                pairs[-1] = (k, f"{v},{key}")
        constraint = next((v for k, v in pairs if k == "constraint"), None)
        return ConstraintLine(_at(c[0]), Constraint(constraint, tuple(pairs)))

    # ---- memcg -------------------------------------------------------------
    def memcg_task_in(self, c: list[Token]) -> MemcgTaskInLine:
        """``Task in /A killed as a result of limit of /B``."""
        m = _MEMCG_TASK_IN.search(str(c[0]))
        if m is None:
            return MemcgTaskInLine(_at(c[0]), None, None)
        return MemcgTaskInLine(_at(c[0]), m.group(1), m.group(2))

    def memcg_usage(self, c: list[Token]) -> MemcgUsageLine:
        """``memory: usage NkB, limit NkB, failcnt N``."""
        m = _MEMCG_USAGE.match(str(c[0]))
        counter = (
            MemcgCounter(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))
            if m
            else None
        )
        return MemcgUsageLine(_at(c[0]), counter)

    def memcg_stats(self, c: list[Token]) -> MemcgStatsLine:
        """``Memory cgroup stats for /X:``."""
        return MemcgStatsLine(_at(c[0]), str(c[0]))

    def memcg_protection(self, c: list[Token]) -> MemcgProtectionLine:
        """``Memory cgroup min protection NkB -- low protection NkB``."""
        m = _MEMCG_PROTECTION.search(str(c[0]))
        if m is None:
            return MemcgProtectionLine(_at(c[0]), None, None)
        return MemcgProtectionLine(_at(c[0]), int(m.group(1)), int(m.group(2)))

    def alloc_tags(self, c: list[Token]) -> TextLine:
        """``Memory allocations:`` and its ``<size> <calls> <file>:<line> func:<name>`` rows."""
        return TextLine(_at(c[0]), "alloc_tags", str(c[0]))

    def compaction(self, c: list[Token]) -> TextLine:
        """``COMPACTION is disabled!!!`` (a kernel without CONFIG_COMPACTION, order > 0)."""
        return TextLine(_at(c[0]), "compaction", str(c[0]))

    def swap_cache(self, c: list[Token]) -> TextLine:
        """``Swap cache stats: add N, delete N, find N/N``."""
        return TextLine(_at(c[0]), "swap_cache", str(c[0]))

    def slab(self, c: list[Token]) -> TextLine:
        """``Unreclaimable slab info:`` and its ``Name Used Total`` rows."""
        return TextLine(_at(c[0]), "slab", str(c[0]))

    def code(self, c: list[Token]) -> TraceLine:
        """``Code: ...`` and decoded code listings."""
        return TraceLine(_at(c[0]))

    def oom_group(self, c: list[Token]) -> TextLine:
        """``Tasks in /A are going to be killed due to memory.oom.group set``."""
        return TextLine(_at(c[0]), "oom_group", str(c[0]))

    def ratelimit(self, c: list[Token]) -> TextLine:
        """``<func>: N callbacks suppressed`` / ``printk: N messages suppressed``."""
        return TextLine(_at(c[0]), "ratelimit", str(c[0]))

    def unknown(self, c: list[Token]) -> UnknownLine:
        """Any other line (a NUL mark says it broke the form its start promised)."""
        return UnknownLine(_at(c[0]), str(c[0]).lstrip("\x00"))

    def start(self, c: list[Record]) -> list[Record]:
        """Every line's record, in order."""
        return c
