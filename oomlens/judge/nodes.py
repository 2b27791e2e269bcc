"""Node lists as the kernel prints them (``%*pbl``: ``0-3,5``), kept as ranges, never expanded.

A hostile or corrupt ``mems_allowed=0-300000000`` costs two integers here, not
a set of three hundred million.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
