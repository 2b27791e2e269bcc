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


def _suitable_letters(flags: AllocFlags, profile: KernelProfile) -> str:
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
) -> bool:
    """The page-count half of __zone_watermark_ok, without the free-area scan."""
    m = effective_min(mark, flags, profile)
    return pt.free - unusable_free(order, flags, profile, pt, zone.cma or 0) > m + reserve


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
    free_pages = pt.free if free is None else free
    cma = zone.cma or 0
    m = effective_min(mark, flags, profile)
    if not profile.has(Feature.ORDER0_WATERMARK):
        # before 97a16fc82a7c (4.4): the per-order walk, no migratetype consulted
        fp = free_pages - ((1 << order) - 1)
        if fp - (0 if flags.cma else cma) <= m + reserve:
            return "fail"
        for area in zone.areas or ():
            if area.order >= order:
                break
            fp -= area.count << area.order
            m >>= 1
            if fp <= m:
                return "fail"
        return "pass" if zone.areas is not None or order == 0 else "depends"
    if free_pages - unusable_free(order, flags, profile, pt, cma) <= m + reserve:
        return "fail"
    if order == 0:
        return "pass"
    return freelist_result(zone, order, _suitable_letters(flags, profile))


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
    if not profile.has(Feature.WATERMARK_FAST):
        return zone_watermark_ok(zone, order, mark, reserve, flags, profile, pt)
    cma = zone.cma or 0
    if order == 0:
        if profile.has(Feature.FAST_HIGHATOMIC):
            # f27ce0e14088 (5.9): the order-0 shortcut deducts the reserve too
            held = unusable_free(0, flags, profile, pt, cma)
            if profile.has(Feature.FAST_NEGATIVE_FIX):
                usable = pt.free - min(pt.free, held)  # 9282012fc0aa (5.19, 5.15.59)
            else:
                usable = pt.free - held
                if usable < 0:
                    return "pass"  # 5.9-5.18: long vs unsigned long, a negative value passes
            if usable > mark + reserve:
                return "pass"
        elif pt.free - (0 if flags.cma else cma) > mark + reserve:
            return "pass"  # 48ee5f3696f6 (4.7): no reserve deduction, no HIGH/HARDER cut
    result = zone_watermark_ok(zone, order, mark, reserve, flags, profile, pt)
    atomic = flags.high if profile.has(Feature.ALLOC_RESERVES) else flags.harder
    if (
        result != "pass"
        and order == 0
        and atomic
        and flags.wmark == "min"
        and zone.boost
        and profile.has(Feature.UNBOOSTED_ATOMIC)
    ):
        # f80b08fc4453 (5.9): atomic order-0 retries against the unboosted min
        return zone_watermark_ok(zone, order, mark - zone.boost, reserve, flags, profile, pt)
    return result
