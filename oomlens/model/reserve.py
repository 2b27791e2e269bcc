"""The highatomic reserve: its cap, and bounds on nr_reserved/nr_free_highatomic.

The rules are those of docs/kernel-rules.md §6 and §8.1.

``reserve_highatomic_pageblock`` grows ``nr_reserved_highatomic`` one pageblock
at a time until the cap; the report prints the counter only from 5.5, so the
rest is an interval: hard bounds from the cap, a lower bound from the H pages
the buddy line shows (consistent accounting), and a flag when those pages
exceed anything the counter can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.model.freelist import type_pages_split
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
    nr_nominal: int = 0  # the most plausible counter: printed, else the blocks proven H pages fill
    nr_free_nominal: int = 0
    h_nominal: int = 0  # free H pages at the letters' nominal split


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


def _ever_managed(zone: ZoneState) -> int | None:
    """The most pages the zone can have managed since boot: present, else managed."""
    if zone.present is None or zone.managed is None:
        return zone.managed
    return max(zone.present, zone.managed)


def reserve_bounds(zone: ZoneState, pb: int, profile: KernelProfile) -> ReserveBounds:
    """Bounds on the zone's highatomic counters."""
    limit, _ = cap(zone.managed, pb, profile)
    # managed shrinks under a balloon, which takes its pages out of the zone's count
    # (virtio_balloon's fill_balloon(), Xen's decrease_reservation(), powerpc's cmm: each
    # adjust_managed_page_count(page, -1)); blocks reserved before kept the counter, so
    # the counter's reach is the cap of the zone's present pages, never fewer than managed.
    _, top = cap(_ever_managed(zone), pb, profile)
    if zone.areas is None:
        h_lo, h_nom, h_hi = 0, 0, zone.free_bounds[1]  # no buddy line: any free page may be H
    elif zone.has_letters:
        h_lo, h_nom, h_hi = type_pages_split(zone, "H")
    else:
        h_lo = h_nom = h_hi = 0
    h_pages = (h_lo, h_hi)
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
    if not out and basis != "hard" and profile.has(Feature.NO_DOUBLE_DECREASE):
        # With consistent accounting (4855e4a7f29d, v4.10) every free H page lies in a
        # block the counter holds, so the H pages are at most the counter.
        h_pages = (h_pages[0], min(h_pages[1], nr[1]))
        h_nom = min(h_nom, h_pages[1])
    if zone.free_highatomic is not None:
        nr_free = (zone.free_highatomic, zone.free_highatomic)
        free_nom = zone.free_highatomic
    else:
        nr_free = h_pages
        free_nom = h_nom
    # The counter's nominal value when it is not printed (before 5.5): the blocks the
    # H pages the letters prove fill. Reserved blocks are at most ~1% of the zone (the
    # cap), so an even split of a mixed-letter count ("9927*4kB (UMEH)") puts far more
    # pages on the H lists than the reserve plausibly holds.
    nr_nom = min(max(_align(h_nom if printed is not None else h_lo, pb), nr[0]), nr[1])
    return ReserveBounds(
        limit, top, h_pages, low, printed, out, nr, basis, nr_free, nr_nom, free_nom, h_nom
    )
