"""The watermark tests per era: __zone_watermark_ok, its unusable-free part, zone_watermark_fast.

All functions take plain page counts; the replay calls them at both ends of
every interval (the tests are monotone: more free passes more, a larger
highatomic deduction passes less). High-order results may be 'depends' when
the buddy letters do not settle which lists are non-empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.model.flags import AllocFlags
from oomlens.model.freelist import freelist_result
from oomlens.model.state import ZoneState


@dataclass(frozen=True)
class Point:
    """One value for every unknown of a zone: free pages and the highatomic counters."""

    free: int
    nr_reserved: int  # nr_reserved_highatomic
    nr_free_ha: int  # nr_free_highatomic (6.12+)


def reserves_privileged(flags: AllocFlags, profile: KernelProfile) -> bool:
    """Whether the caller escapes the highatomic deduction."""
    if profile.has(Feature.ALLOC_RESERVES):  # ab3508854353 (6.3): any ALLOC_RESERVES bit
        return flags.high or flags.non_block or flags.highatomic or flags.oom
    if profile.has(Feature.ALLOC_OOM):  # cd04ae1e2dc8 (4.15): ALLOC_HARDER or ALLOC_OOM
        return flags.harder or flags.oom
    return flags.harder  # 0aaa29a56e4f (4.4): unless ALLOC_HARDER


def unusable_free(
    order: int, flags: AllocFlags, profile: KernelProfile, pt: Point, cma: int
) -> int:
    """__zone_watermark_unusable_free(): pages the request may not count as free."""
    out = (1 << order) - 1
    if profile.has(Feature.HIGHATOMIC) and not reserves_privileged(flags, profile):
        # c928807f6f6b (6.12-rc7): deduct nr_free_highatomic instead of the whole reserve
        out += pt.nr_free_ha if profile.has(Feature.FREE_HIGHATOMIC) else pt.nr_reserved
    if not flags.cma:
        out += cma
    return out


def effective_min(mark: int, flags: AllocFlags, profile: KernelProfile) -> int:
    """The mark after the ALLOC_HIGH/HARDER/OOM (6.3+: MIN_RESERVE/NON_BLOCK/OOM) cuts."""
    m = mark
    if profile.has(Feature.ALLOC_RESERVES):
        # 1ebbb21811b7 (6.3): NON_BLOCK cuts only inside the MIN_RESERVE branch
        if flags.high:
            m -= m // 2
            if flags.non_block:
                m -= m // 4
        if flags.oom:
            m -= m // 2
        return m
    if flags.high:
        m -= m // 2
    if profile.has(Feature.ALLOC_OOM) and (flags.harder or flags.oom):
        m -= m // 2 if flags.oom else m // 4  # cd04ae1e2dc8 (4.15): OOM victims cut by half
    elif flags.harder:
        m -= m // 4
    return m


def watermark_letters(flags: AllocFlags, profile: KernelProfile) -> str:
    """Lists whose non-emptiness satisfies the high-order part of __zone_watermark_ok."""
    out = "UME" + ("C" if flags.cma else "")
    if profile.has(Feature.ALLOC_RESERVES):
        return out + ("H" if flags.highatomic or flags.oom else "")
    privileged = flags.harder or (flags.oom and profile.has(Feature.ALLOC_OOM))
    if not privileged:
        return out
    # "fix potential false positive in __zone_watermark_ok" (4.15): only H, not any list
    return out + "H" if profile.has(Feature.HARDER_HIGHATOMIC_ONLY) else out + "HCIR"


def free_pages_ok(
    zone: ZoneState,
    order: int,
    mark: int,
    reserve: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
    free: int | None = None,
) -> bool:
    """The page-count half of __zone_watermark_ok: free − unusable > min + lowmem_reserve."""
    return count_margin(zone, order, mark, reserve, flags, profile, pt, free) > 0


def count_margin(
    zone: ZoneState,
    order: int,
    mark: int,
    reserve: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
    free: int | None = None,
) -> int:
    """Pages above __zone_watermark_ok's page-count test (passes when > 0)."""
    m = effective_min(mark, flags, profile)
    free_pages = pt.free if free is None else free
    return free_pages - unusable_free(order, flags, profile, pt, zone.cma or 0) - (m + reserve)


def free_area_ok(
    zone: ZoneState,
    order: int,
    mark: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
    free: int | None = None,
) -> str:
    """The free-area half of __zone_watermark_ok: 'pass', 'fail' or 'depends'.

    Since 97a16fc82a7c (v4.4) a free block of at least ``order`` on a list the
    caller may count; before that, the per-order walk: the free pages above each
    smaller order must exceed min >> o.
    """
    if order == 0:
        return "pass"
    if profile.has(Feature.ORDER0_WATERMARK):
        return freelist_result(zone, order, watermark_letters(flags, profile))
    if zone.areas is None:
        return "depends"
    m = effective_min(mark, flags, profile)
    fp = (pt.free if free is None else free) - ((1 << order) - 1)
    fp -= 0 if flags.cma else (zone.cma or 0)
    for area in zone.areas:
        if area.order >= order:
            break
        fp -= area.count << area.order
        m >>= 1
        if fp <= m:
            return "fail"
    return "pass"


def zone_watermark_ok(
    zone: ZoneState,
    order: int,
    mark: int,
    reserve: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
    free: int | None = None,
) -> str:
    """__zone_watermark_ok(); ``free`` overrides pt.free (should_reclaim_retry's available)."""
    if not free_pages_ok(zone, order, mark, reserve, flags, profile, pt, free):
        return "fail"
    return free_area_ok(zone, order, mark, flags, profile, pt, free)


def _shortcut_margin(
    zone: ZoneState, mark: int, reserve: int, flags: AllocFlags, profile: KernelProfile, pt: Point
) -> int | None:
    """Pages above zone_watermark_fast's order-0 shortcut; None on kernels without it."""
    if not profile.has(Feature.WATERMARK_FAST):
        return None
    cma = zone.cma or 0
    if profile.has(Feature.FAST_HIGHATOMIC):
        # f27ce0e14088 (v5.9): the order-0 shortcut deducts the reserve too
        held = unusable_free(0, flags, profile, pt, cma)
        if profile.has(Feature.FAST_NEGATIVE_FIX):
            return pt.free - min(pt.free, held) - (mark + reserve)  # 9282012fc0aa (v5.19)
        usable = pt.free - held
        if usable < 0:
            # v5.9-5.18: long compared with unsigned long, a negative value passes
            return max(1, -usable)
        return usable - (mark + reserve)
    # 48ee5f3696f6 (v4.7): no reserve deduction, no HIGH/HARDER cut
    return pt.free - (0 if flags.cma else cma) - (mark + reserve)


def page_count_margin(
    zone: ZoneState,
    order: int,
    mark: int,
    reserve: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
) -> int:
    """Pages above the page-count test zone_watermark_fast() decides on (passes when > 0).

    Order 0 passes the era's shortcut or __zone_watermark_ok's count; since
    f80b08fc4453 (v5.9) an atomic order-0 request that fails retries against the
    unboosted min.
    """
    full = count_margin(zone, order, mark, reserve, flags, profile, pt)
    if order > 0:
        return full
    best = full
    short = _shortcut_margin(zone, mark, reserve, flags, profile, pt)
    if short is not None:
        best = max(best, short)
    atomic = flags.high if profile.has(Feature.ALLOC_RESERVES) else flags.harder
    if (
        best <= 0
        and atomic
        and flags.wmark == "min"
        and zone.boost
        and profile.has(Feature.WATERMARK_BOOST)
        and profile.has(Feature.UNBOOSTED_ATOMIC)
    ):
        best = max(best, count_margin(zone, 0, mark - zone.boost, reserve, flags, profile, pt))
    return best


def zone_watermark_fast(
    zone: ZoneState,
    order: int,
    mark: int,
    reserve: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
) -> str:
    """zone_watermark_fast() as get_page_from_freelist() calls it, per era."""
    if page_count_margin(zone, order, mark, reserve, flags, profile, pt) <= 0:
        return "fail"
    return free_area_ok(zone, order, mark, flags, profile, pt)
