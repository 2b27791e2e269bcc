"""From a finished boot to a fixture: the report, its snapshots and its .meta.

The report is cut from the clean ring-buffer copy (serial port 1) without
editing a line: from a couple of lines before the trigger to its last line
(the kill line of an OOM, ``pages hwpoisoned`` of an allocation failure).
The /proc snapshot kept is the last one the guest took before the report's
trigger (ordered by the module's local_clock(), the clock printk stamps with);
the module's at-print snapshot is the one taken while that report printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TRIGGER = re.compile(r"invoked oom-killer:|: page allocation failure:|vmalloc error:")
STAMP = re.compile(r"^\[\s*(\d+)\.(\d+)\]")
CONTEXT_BEFORE = 2
SNAP_FILES = ("buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat")


@dataclass
class Snap:
    tag: str
    files: dict[str, str] = field(default_factory=dict)

    @property
    def clock_ns(self) -> int | None:
        m = re.search(r"clock_ns=(\d+)", self.files.get("oomlab", ""))
        return int(m.group(1)) if m else None


@dataclass
class Report:
    first: int  # line index of the trigger
    last: int  # line index of the report's last line
    kind: str
    stamp_ns: int | None
    lines: list[str]


def stamp_ns(line: str) -> int | None:
    m = STAMP.match(line)
    if not m:
        return None
    frac = m.group(2).ljust(9, "0")[:9]
    return int(m.group(1)) * 1_000_000_000 + int(frac)


def reports(dmesg: str) -> list[Report]:
    lines = dmesg.splitlines()
    out = []
    for i, line in enumerate(lines):
        if not TRIGGER.search(line):
            continue
        kind = "oom" if "invoked oom-killer" in line else "alloc-failure"
        last = None
        for j in range(i + 1, len(lines)):
            if TRIGGER.search(lines[j]):
                break
            if kind == "oom" and "Killed process" in lines[j]:
                last = j
                if "Memory cgroup out of memory" in lines[j]:
                    kind = "memcg-oom"
                break
            if kind == "alloc-failure" and "pages hwpoisoned" in lines[j]:
                last = j
                break
        if last is None:
            continue
        out.append(Report(i, last, kind, stamp_ns(line), lines))
    return out


def cut(rep: Report) -> str:
    start = rep.first
    for _ in range(CONTEXT_BEFORE):
        if start == 0 or TRIGGER.search(rep.lines[start - 1]):
            break
        start -= 1
    end = rep.last
    # the oom_reaper line that follows a kill belongs with it
    for j in range(rep.last + 1, min(rep.last + 4, len(rep.lines))):
        if "oom_reaper:" in rep.lines[j]:
            end = j
            break
    return "\n".join(rep.lines[start : end + 1]) + "\n"


def snapshots(text: str) -> tuple[list[Snap], str]:
    """The framed /proc snapshots on port 2, and the module's at-print dump."""
    snaps: list[Snap] = []
    atprint = ""
    cur: Snap | None = None
    fname = None
    body: list[str] = []
    in_atprint = False
    for line in text.splitlines():
        if in_atprint:
            if line.startswith("@@endatprint"):
                in_atprint = False
            else:
                atprint += line + "\n"
            continue
        if line.startswith("@@atprint"):
            in_atprint = True
        elif line.startswith("@@snap "):
            m = re.search(r"tag=(\S+)", line)
            cur = Snap(m.group(1) if m else "?")
        elif line.startswith("@@file ") and cur is not None:
            fname, body = line.split()[1], []
        elif line.startswith("@@endfile") and cur is not None and fname:
            cur.files[fname] = "\n".join(body) + "\n"
            fname = None
        elif line.startswith("@@endsnap") and cur is not None:
            snaps.append(cur)
            cur = None
        elif fname is not None:
            body.append(line)
    return snaps, atprint


def atprint_blocks(text: str) -> list[tuple[int, str]]:
    """(clock_ns, block) of every at-print snapshot."""
    out = []
    for block in re.findall(r"(@@oomlab tag=atprint.*?@@end\n)", text, re.S):
        m = re.search(r"clock_ns=(\d+)", block)
        out.append((int(m.group(1)) if m else -1, block))
    return out


def pick_snapshot(snaps: list[Snap], before_ns: int | None) -> Snap | None:
    best = None
    for s in snaps:
        c = s.clock_ns
        if c is None or before_ns is None or c <= before_ns:
            best = s
    return best


def pre_blocks(text: str) -> list[tuple[int, str]]:
    """(clock_ns, block) of every in-kernel 'snap' (tag=pre) snapshot."""
    out = []
    for block in re.findall(r"(@@oomlab tag=pre .*?@@end\n)", text, re.S):
        m = re.search(r"clock_ns=(\d+)", block)
        out.append((int(m.group(1)) if m else -1, block))
    return out


def pick_pre(blocks: list[tuple[int, str]], rep: Report) -> str | None:
    best = None
    for clock, block in blocks:
        if rep.stamp_ns is None or clock <= rep.stamp_ns:
            best = block
    return best


def pick_atprint(blocks: list[tuple[int, str]], rep: Report) -> str | None:
    """The at-print block taken while this report printed: after the trigger, before its end."""
    start = rep.stamp_ns
    end = stamp_ns(rep.lines[rep.last])
    for clock, block in blocks:
        if start is not None and end is not None and start <= clock <= end:
            return block
    return None
