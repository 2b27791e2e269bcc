"""Turn the grammar's line rules into typed line records, one per printed line.

The transformer runs inline in the LALR parser. Each rule becomes a frozen
``Line`` record holding its kind, its line number within the report text and a
typed payload; ``oomlens.parse`` assembles records into a ``Report``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lark import Token, Transformer

from oomlens.parse.report import FreeAreaEntry, Header, Killed, TaskContext


@dataclass(frozen=True)
class Line:
    """One classified report line."""

    kind: str
    line: int  # 1-based within the report text
    data: object = None


_KV = re.compile(r"([A-Za-z_][A-Za-z_()0-9]*):\s?(-?\d+)")
_CHUNKS = re.compile(r"(\d+)\*(\d+)kB(?: ?\(([A-Z]+)\))?")


def _kvs(token: str) -> list[tuple[str, int]]:
    """Every ``key:value`` field of a KVS run, units dropped (the line says which)."""
    return [(k, int(v)) for k, v in _KV.findall(token)]


_GFP = re.compile(r"0x([0-9a-fA-F]+)(?:\(([^)]*)\))?")
_NODE = re.compile(r"Node (\d+) ")
_BANNER_CPU = re.compile(r"CPU: ?(\d+)")
_BANNER_PID = re.compile(r"PID: (\d+)|Pid: (\d+), comm: (\S+)")
_BANNER_COMM = re.compile(r"Comm: (.*?)\s+(?:Not tainted|Tainted:)")
_BANNER_TAINT = re.compile(r"(Not tainted|Tainted: [A-Z ]*?)\s+(\d+\.\d+[^\s]*)")
_FUNC_OFF = re.compile(r"([A-Za-z_.$][\w.$]*)\+0x[0-9a-fA-F]+(?:/0x[0-9a-fA-F]+)?")
_FUNC_DEC = re.compile(r"^(?:\? )?([A-Za-z_.][\w.$]*) \(")
_FUNC_RHEL4 = re.compile(r"\{([\w.$]+)\+\d+\}")
_FUNC_ARM = re.compile(r"\] \(([\w.$]+)\) from")
_KILL = re.compile(
    r"^(?:(?P<reason>[^:]*?):\s*)?(?:[Kk]ill(?:ed)? process|Killing process)"
    r" (?P<pid>-?\d+)(?:, UID \d+,)? \((?P<comm>.*)\)(?P<rest>(?: score| total-vm| and children|,|\.|$).*)$"
)
_KILL_FIELD = re.compile(r"([A-Za-z_-]+):\s?(-?\d+)(?:kB)?")
_SCORE = re.compile(r"score (-?\d+)")
_CPUSET = re.compile(r"^(.*?) cpuset=(\S*) mems_allowed=(\S*)")
_VMALLOC_FAIL = re.compile(r"allocated (\d+) of (\d+) bytes")
_VMALLOC_ERR = re.compile(r"^(?:(.*?): )?vmalloc error: size (\d+), ?(.*)$")
_MEMCG_USAGE = re.compile(r"^([\w+]+): usage (\d+)kB, limit (\d+)kB, failcnt (\d+)")
_PAGE_ORDER = re.compile(r"page order (\d+)")
_MEMCG_TASK_IN = re.compile(r"Task in (.*) killed as a result of limit of (.*)$")


def _comm_before(text: str, marker: str) -> str | None:
    """The task name in ``<comm><marker>`` (the comm may hold spaces and colons)."""
    idx = text.find(marker)
    if idx <= 0:
        return None
    return text[:idx].strip() or None


class LineTransformer(Transformer):
    """Inline LALR transformer: grammar rule → ``Line`` record."""

    # ---- headers -----------------------------------------------------------
    def _header(
        self, kind: str, head: Token, fields: list[Token], comm: str | None, **extra
    ) -> Line:
        gfp_mask = gfp_names = order = adj = oom_adj = None
        nodemask = cpuset = mems = None
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
                nodemask = tok[9:]
            elif t == "CPUSET":
                cpuset = tok[7:]
            elif t == "MEMS":
                mems = tok[13:]
        if words:
            extra["detail"] = ", ".join(filter(None, (extra.get("detail"), *words)))
        if order is None and kind == "vmalloc":
            # vm_area_alloc_pages: "vmalloc error: size %lu, page order %u, failed to
            # allocate pages" — the pages were asked of the buddy allocator at that order
            # (order 0 when the line names none).
            detail = extra.get("detail") or ""
            m = _PAGE_ORDER.search(detail)
            if m:
                order = int(m.group(1))
            elif "failed to allocate pages" in detail:
                order = 0
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
            line=head.line,
            **extra,
        )
        return Line("header", head.line, header)

    def oom_header(self, c):
        return self._header("oom", c[0], c[1:], _comm_before(c[0], " invoked oom-killer:"))

    def bare_oom_header(self, c):
        return self._header("oom", c[0], c[1:], None)

    def fail_header(self, c):
        head = str(c[0])
        comm = (
            head[: head.rfind(": page allocation failure")] if ": page allocation" in head else None
        )
        return self._header("alloc-failure", c[0], c[1:], comm.strip() if comm else None)

    def vmalloc_header(self, c):
        m = _VMALLOC_ERR.match(str(c[0]))
        comm, size, detail = (m.group(1), int(m.group(2)), m.group(3)) if m else (None, None, None)
        return self._header("vmalloc", c[0], c[1:], comm, vmalloc_size=size, detail=detail)

    def vmemmap_header(self, c):
        return self._header("alloc-failure", c[0], c[1:], None, detail="vmemmap")

    def vmalloc_failure(self, c):
        tok = c[0]
        m = _VMALLOC_FAIL.search(tok)
        size = int(m.group(2)) if m else None
        header = Header(
            kind="vmalloc",
            comm=_comm_before(tok, " vmalloc:") or None,
            gfp_mask=None,
            gfp_names=None,
            order=None,
            vmalloc_size=size,
            detail=str(tok),
            line=tok.line,
        )
        return Line("vmalloc_failure", tok.line, header)

    def cpuset_line(self, c):
        m = _CPUSET.match(str(c[0]))
        data = (m.group(1), m.group(2), m.group(3)) if m else (None, None, None)
        return Line("cpuset", c[0].line, data)

    # ---- banner and trace --------------------------------------------------
    def banner(self, c):
        text = str(c[0])
        cpu = _BANNER_CPU.search(text)
        pid = _BANNER_PID.search(text)
        comm = _BANNER_COMM.search(text)
        taint = _BANNER_TAINT.search(text)
        pid_v = comm_v = None
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
        return Line("banner", c[0].line, ctx)

    def hardware(self, c):
        return Line("hardware", c[0].line, str(c[0])[len("Hardware name:") :].strip())

    def workqueue(self, c):
        return Line("workqueue", c[0].line, str(c[0]))

    def trace_head(self, c):
        funcs = tuple(_FUNC_RHEL4.findall(c[0])) or tuple(_FUNC_OFF.findall(c[0]))
        return Line("trace_head", c[0].line, funcs)

    def trace_mark(self, c):
        return Line("trace", c[0].line, ())

    def frame(self, c):
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
        return Line("frame", tok.line, funcs)

    def regs(self, c):
        return Line("trace", c[0].line, ())

    def hexwords(self, c):
        return Line("trace", c[0].line, ())

    # ---- show_mem ----------------------------------------------------------
    def meminfo_head(self, c):
        return Line("meminfo_head", c[0].line)

    def counters(self, c):
        return Line(
            "counters", c[0].line, tuple(kv for t in c if t.type == "KVS" for kv in _kvs(t))
        )

    def node_line(self, c):
        head = c[0]
        node = int(head[5:])
        fields = []
        unrec = None
        for tok in c[1:]:
            if tok.type == "ALLUNREC":
                unrec = tok.endswith("yes")
            elif tok.type == "KVS":
                fields.extend(_kvs(tok))
        return Line("node", head.line, (node, tuple(fields), unrec))

    def zone_line(self, c):
        head = str(c[0])
        m = _NODE.match(head)
        node = int(m.group(1)) if m else None
        name = head[m.end() :] if m else head
        fields = []
        protections: list[int] = []
        cut = None
        for tok in c[1:]:
            if tok.type == "KVS":
                fields.extend(_kvs(tok))
            elif tok.type == "INT":
                protections.append(int(tok))
            elif tok.type == "CUT":
                cut = str(tok)
        return Line(
            "zone",
            c[0].line,
            (node, name, tuple(fields), tuple(protections) if protections else None, cut),
        )

    def lowmem_line(self, c):
        return Line("lowmem", c[0].line, tuple(int(t) for t in c[1:]))

    def buddy_line(self, c):
        head = str(c[0]).rstrip(": ")
        m = _NODE.match(head + " ")
        node = int(m.group(1)) if m else None
        name = head[m.end() :] if m else head
        entries: list[tuple[int, int, str]] = []
        total = None
        empty = False
        cut = None
        for tok in c[1:]:
            t = tok.type
            if t == "BUDDY_ENTRIES":
                entries.extend((int(n), int(k), types) for n, k, types in _CHUNKS.findall(tok))
            elif t == "BUDDY_TOTAL":
                total = int(tok.lstrip("= ")[:-2])
            elif t == "EMPTY":
                empty = True
            elif t == "CUT":
                cut = str(tok)
        return Line("buddy", c[0].line, (node, name, tuple(entries), total, empty, cut))

    def percpu_head(self, c):
        return Line("percpu", c[0].line)

    def percpu_line(self, c):
        return Line("percpu", c[0].line)

    def free_pages_line(self, c):
        return Line("free_pages", c[0].line, str(c[0]))

    def hugepages(self, c):
        return Line("hugepages", c[0].line, str(c[0]))

    def swap_line(self, c):
        text = str(c[0])
        m = re.search(r"(-?\d+)kB", text)
        return Line("swap", c[0].line, (text.split()[0].lower(), int(m.group(1)) if m else 0))

    def pages_line(self, c):
        text = str(c[0])
        number, _, rest = text.partition(" ")
        return Line("pages", c[0].line, (rest.strip(), int(number)))

    # ---- task table and the kill -------------------------------------------
    def tasks_state(self, c):
        return Line("tasks_state", c[0].line)

    def task_header(self, c):
        text = str(c[0])
        cols = text[text.index("]") + 1 :].split()
        return Line("task_header", c[0].line, ("pid", *cols))

    def task_row(self, c):
        return Line("task_row", c[0].line, str(c[0]))

    def kill_line(self, c):
        text = str(c[0])
        m = _KILL.search(text)
        if not m:
            return Line("unknown", c[0].line, text)
        rest = m.group("rest")
        comm = m.group("comm")
        # the comm may itself hold ") total-vm:" lookalikes; the kernel prints the
        # real fields after the LAST "(comm)" so trust the greedy match above.
        score = _SCORE.search(rest)
        fields = tuple((k, int(v)) for k, v in _KILL_FIELD.findall(rest))
        killed = Killed(
            pid=int(m.group("pid")),
            comm=comm,
            score=int(score.group(1)) if score else None,
            fields=fields,
            reason=(m.group("reason") or "").strip() or None,
            line=c[0].line,
        )
        return Line("kill", c[0].line, killed)

    def reaper_line(self, c):
        return Line("reaper", c[0].line, str(c[0]))

    def constraint_line(self, c):
        text = str(c[0])[len("oom-kill:") :]
        pairs: list[tuple[str, str]] = []
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if sep:
                pairs.append((key, value))
            elif pairs and key in ("global_oom",):
                pairs.append((key, ""))
            elif pairs and not key.startswith("oom_memcg"):
                # a list value such as mems_allowed=0,2 continues past the comma
                k, v = pairs[-1]
                pairs[-1] = (k, f"{v},{key}")
        return Line("constraint", c[0].line, tuple(pairs))

    # ---- memcg -------------------------------------------------------------
    def memcg_task_in(self, c):
        m = _MEMCG_TASK_IN.search(str(c[0]))
        return Line("memcg_task_in", c[0].line, (m.group(1), m.group(2)) if m else (None, None))

    def memcg_usage(self, c):
        m = _MEMCG_USAGE.match(str(c[0]))
        data = (m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))) if m else None
        return Line("memcg_usage", c[0].line, data)

    def memcg_stats(self, c):
        return Line("memcg_stats", c[0].line, str(c[0]))

    def swap_cache(self, c):
        return Line("swap_cache", c[0].line, str(c[0]))

    def slab(self, c):
        return Line("slab", c[0].line, str(c[0]))

    def code(self, c):
        return Line("trace", c[0].line, ())

    def ratelimit(self, c):
        return Line("ratelimit", c[0].line, str(c[0]))

    def unknown(self, c):
        return Line("unknown", c[0].line, str(c[0]).lstrip("\x00"))

    def start(self, c):
        return c


def entries(raw: tuple) -> tuple[FreeAreaEntry, ...]:
    """Number buddy-line columns by order, from ``(count, size_kb, types)`` triples."""
    return tuple(
        FreeAreaEntry(order=i, count=n, size_kb=s, types=t) for i, (n, s, t) in enumerate(raw)
    )
