"""The failed request, decoded: gfp mask, order, zone and migratetype."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """What the report says was asked for, in the kernel's own terms."""

    gfp_mask: int | None
    gfp_flags: tuple[str, ...]  # individual __GFP_* names set in the mask
    gfp_text: str | None  # kernel-style composite rendering, e.g. "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    order: int | None
    migratetype: str | None  # "Unmovable" | "Movable" | "Reclaimable"
    highest_zone: str | None  # gfp_zone(): "DMA" | "DMA32" | "Normal" | "HighMem" | "Movable"
    layout: str | None = None  # GFP bit-layout era used to decode the mask

    def has(self, flag: str) -> bool:
        """True when ``__GFP_<flag>`` (or the full name) is set."""
        name = flag if flag.startswith("__GFP_") else f"__GFP_{flag}"
        return name in self.gfp_flags
