"""``alloc_flags`` as the allocator computes them, one boolean per ALLOC_* bit.

The bits were renamed in 6.3 (524c48072e56 ALLOC_HIGH → ALLOC_MIN_RESERVE;
ALLOC_HARDER split into ALLOC_NON_BLOCK and ALLOC_HIGHATOMIC): ``high`` stands
for ALLOC_HIGH/ALLOC_MIN_RESERVE, ``harder`` for the ≤6.2 ALLOC_HARDER.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AllocFlags:
    """One ``alloc_flags`` value."""

    wmark: str = "min"  # ALLOC_WMARK_MIN | _LOW | _HIGH
    high: bool = False  # ALLOC_HIGH (≤6.2) / ALLOC_MIN_RESERVE (6.3+)
    harder: bool = False  # ALLOC_HARDER (≤6.2)
    non_block: bool = False  # ALLOC_NON_BLOCK (6.3+)
    highatomic: bool = False  # ALLOC_HIGHATOMIC (6.3+)
    oom: bool = False  # ALLOC_OOM (4.15+)
    no_watermarks: bool = False  # ALLOC_NO_WATERMARKS
    cma: bool = False  # ALLOC_CMA
    cpuset: bool = True  # ALLOC_CPUSET

    def names(self, renamed: bool) -> tuple[str, ...]:
        """The kernel's names for the bits set; ``renamed`` for the 6.3+ names."""
        out = [f"ALLOC_WMARK_{self.wmark.upper()}"]
        if self.high:
            out.append("ALLOC_MIN_RESERVE" if renamed else "ALLOC_HIGH")
        for flag, name in (
            (self.harder, "ALLOC_HARDER"),
            (self.non_block, "ALLOC_NON_BLOCK"),
            (self.highatomic, "ALLOC_HIGHATOMIC"),
            (self.oom, "ALLOC_OOM"),
            (self.no_watermarks, "ALLOC_NO_WATERMARKS"),
            (self.cpuset, "ALLOC_CPUSET"),
            (self.cma, "ALLOC_CMA"),
        ):
            if flag:
                out.append(name)
        return tuple(out)
