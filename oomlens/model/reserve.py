"""The highatomic reserve: its cap, and bounds on nr_reserved/nr_free_highatomic (§5, §8.1).

``reserve_highatomic_pageblock`` grows ``nr_reserved_highatomic`` one pageblock
at a time until the cap; the report prints the counter only from 5.5, so the
rest is an interval: hard bounds from the cap, a lower bound from the H pages
the buddy line shows (consistent accounting), and a flag when those pages
exceed anything the counter can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.model.freelist import type_pages
from oomlens.model.state import Interval, ZoneState

UNBOUNDED = 1 << 40  # stands for "no upper bound known" (managed: not printed)


@dataclass(frozen=True)
class ReserveBounds:
    """What is known of one zone's highatomic counters, in pages."""

    cap_limit: int | None  # the value reserve_highatomic_pageblock compares against
    cap_max: int | None  # the largest value the counter can reach
    h_pages: Interval  # free pages on MIGRATE_HIGHATOMIC lists (buddy line)
    consistent_low: int  # nr_reserved ≥ this when every H page sits in a counted block
    printed: int | None  # reserved_highatomic: as printed (5.5+)
    out_of_sync: bool  # H pages exceed what the counter can cover: the counter drifted
    nr: Interval  # nr_reserved_highatomic bounds the replay uses
    basis: str  # "printed" | "consistent" | "hard"
    nr_free: Interval  # nr_free_highatomic bounds (6.12+)


def _align(value: int, pb: int) -> int:
    return -(-value // pb) * pb


def cap(managed: int | None, pb: int, profile: KernelProfile) -> tuple[int | None, int | None]:
    """(limit, largest reachable) of reserve_highatomic_pageblock's cap check."""
    if not profile.has(Feature.HIGHATOMIC):
        return 0, 0  # before 0aaa29a56e4f (4.4) there is no highatomic reserve
    if managed is None:
        return None, None
    if profile.has(Feature.CAP_MIN_ZONE) and managed // 100 < pb:
        return 0, 0  # 9cd20f3fe045 (6.8): no reserve in zones under 100 pageblocks
    if profile.has(Feature.CAP_ALIGNED):
        limit = _align(managed // 100, pb)  # d68e39fc45f7 (6.8): ALIGN(managed/100, pb)
        return limit, limit
    limit = managed // 100 + pb  # 0aaa29a56e4f (4.4): managed/100 + one pageblock
    return limit, _align(limit, pb)


def reserve_bounds(zone: ZoneState, pb: int, profile: KernelProfile) -> ReserveBounds:
    """Bounds on the zone's highatomic counters."""
    limit, top = cap(zone.managed, pb, profile)
    h_pages = type_pages(zone, "H") if zone.has_letters else (0, 0)
    low = _align(h_pages[0], pb)
    printed = zone.reserved_highatomic
    if printed is not None:
        out = h_pages[0] > printed
        nr, basis = (printed, printed), "printed"
    else:
        out = top is not None and h_pages[0] > top
        hi = UNBOUNDED if top is None else top
        # Before 4855e4a7f29d (4.10, 4.9.y) a double decrement could leave the counter
        # below the blocks really on H lists; only the hard bounds are safe there.
        if out or not profile.has(Feature.NO_DOUBLE_DECREASE):
            nr, basis = (0, hi), "hard"
        else:
            nr, basis = (min(low, hi), hi), "consistent"
    if zone.free_highatomic is not None:
        nr_free = (zone.free_highatomic, zone.free_highatomic)
    else:
        nr_free = h_pages
    return ReserveBounds(limit, top, h_pages, low, printed, out, nr, basis, nr_free)
