"""Node lists as the kernel prints them (``%*pbl``: ``0-3,5``), kept as ranges, never expanded,
and which of a report's lists hold a request to its nodes.

A hostile or corrupt ``mems_allowed=0-300000000`` costs two integers here, not
a set of three hundred million.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oomlens.model.slowpath import gfp_to_alloc_flags, keeps_nodemask

if TYPE_CHECKING:
    from oomlens.kernel.profile import KernelProfile
    from oomlens.kernel.request import Request
    from oomlens.model.state import AllocatorState
    from oomlens.parse.report import Report

MAX_RANGES = 1024  # MAX_NUMNODES is at most 1 << 10 on every architecture
_LIST = re.compile(r"\d{1,9}(?:-\d{1,9})?(?:,\d{1,9}(?:-\d{1,9})?)*")


@dataclass(frozen=True)
class NodeSet:
    """A set of NUMA node ids as closed ranges."""

    ranges: tuple[tuple[int, int], ...]

    def __contains__(self, node: object) -> bool:
        return isinstance(node, int) and any(lo <= node <= hi for lo, hi in self.ranges)

    def covers(self, nodes: set[int]) -> bool:
        """Whether every node of ``nodes`` is in the set."""
        return all(n in self for n in nodes)


def parse_nodes(text: str | None) -> NodeSet | None:
    """``0-1,3`` as a NodeSet; None for ``(null)``, nothing, or text that is no node list."""
    if not text:
        return None
    text = text.replace(" ", "")
    if not _LIST.fullmatch(text):
        return None
    ranges = []
    for part in text.split(",")[:MAX_RANGES]:
        lo, _, hi = part.partition("-")
        a, b = int(lo), int(hi or lo)
        if a > b:
            return None
        ranges.append((a, b))
    return NodeSet(tuple(ranges))


def allowed_nodes(report: Report) -> NodeSet | None:
    """The nodes the report names: nodemask, else mems_allowed (header or oom-kill line)."""
    return policy_nodes(report) or cpuset_nodes(report)


def policy_nodes(report: Report) -> NodeSet | None:
    """The request's nodemask (a mempolicy's), as the oom-kill line or the header prints it."""
    return _printed(report, "nodemask")


def cpuset_nodes(report: Report) -> NodeSet | None:
    """The task's cpuset mems_allowed, as the oom-kill line or the header prints it."""
    return _printed(report, "mems_allowed")


def _printed(report: Report, key: str) -> NodeSet | None:
    """The node list ``key`` names on the oom-kill line, else in the header."""
    h, c = report.header, report.constraint
    for text in ((c.get(key) if c else None), getattr(h, key) if h else None):
        nodes = parse_nodes(text)
        if nodes is not None:
            return nodes
    return None


def unprinted_free(report: Report, state: AllocatorState) -> int | None:
    """Mem-Info's global ``free:`` less the printed zones' free pages: what nodes the print
    left out may hold (or drift between the two prints); None without the summary."""
    total = next((v for k, v in report.meminfo if k == "free"), None)
    return None if total is None else total - sum(z.free for z in state.zones)


def one_node_kernel(state: AllocatorState) -> bool:
    """Zone lines without ``Node N`` come from a kernel without CONFIG_NUMA (show_node()
    prints the prefix only with it): there is one node, and no print filters nodes out."""
    return bool(state.zones) and all(z.node is None for z in state.zones)


def every_node_printed(report: Report, state: AllocatorState) -> bool:
    """show_mem()'s ``pages RAM`` adds up every node's zones, filtered or not: printed zones
    whose present pages make it up (within 1%) leave no node out."""
    ram = dict(report.totals.fields).get("pages RAM") if report.totals else None
    present = [z.present for z in state.zones]
    if ram is None or not present or None in present:
        return False
    return sum(p for p in present if p is not None) >= ram - ram // 100


def bound_nodes(
    report: Report, req: Request, profile: KernelProfile
) -> tuple[NodeSet | None, NodeSet | None]:
    """(the nodes the slow path keeps the request to, a cpuset that may or may not).

    get_page_from_freelist() checks a cpuset only with ALLOC_CPUSET, which
    gfp_to_alloc_flags() drops for GFP_ATOMIC (ALLOC_MIN_RESERVE from 6.3), the
    nodemask with it. __cpuset_zone_allowed() holds a request to mems_allowed only with
    __GFP_HARDWALL (the fast path adds it; __alloc_pages() restores the caller's mask and
    nodemask for the slow path); any other passes on the nearest hardwall ancestor's
    nodes, which no report prints (under cgroup v2 the top cpuset's: every node).
    A mempolicy's nodemask held GFP_ATOMIC too until 4.19.
    """
    mask = policy_nodes(report)
    if not gfp_to_alloc_flags(req, req.order or 0, profile).cpuset:
        # the cpuset no longer binds; a printed mempolicy nodemask still may (before 4.19)
        keeps = mask is not None and keeps_nodemask(req, req.order or 0, profile)
        return (mask, None) if keeps else (None, None)
    mems = cpuset_nodes(report)
    if mask is not None:
        return mask, None
    return (mems, None) if req.has("HARDWALL") else (None, mems)
