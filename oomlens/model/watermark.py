"""The watermark tests per era: __zone_watermark_ok, its unusable-free part, zone_watermark_fast.

All functions take plain page counts; the replay calls them at both ends of
every interval (the tests are monotone: more free passes more, a larger
highatomic deduction passes less). High-order results may be 'depends' when
the buddy letters do not settle which lists are non-empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import Feature, KernelProfile, record, resolve
from oomlens.model.flags import AllocFlags
from oomlens.model.freelist import freelist_result, usable_letters
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


def highatomic_deduction(flags: AllocFlags, profile: KernelProfile) -> str | None:
    """Which highatomic counter __zone_watermark_unusable_free() takes: None when none."""
    if profile.has(Feature.HIGHATOMIC) and not reserves_privileged(flags, profile):
        # c928807f6f6b (6.12-rc7): deduct nr_free_highatomic instead of the whole reserve
        return "nr_free_ha" if profile.has(Feature.FREE_HIGHATOMIC) else "nr_reserved"
    return None


def unusable_free(
    order: int, flags: AllocFlags, profile: KernelProfile, pt: Point, cma: int
) -> int:
    """__zone_watermark_unusable_free(): pages the request may not count as free."""
    return era_of(flags, profile).unusable(order, pt, cma)


def effective_min(mark: int, flags: AllocFlags, profile: KernelProfile) -> int:
    """The mark after the ALLOC_HIGH/HARDER/OOM (6.3+: MIN_RESERVE/NON_BLOCK/OOM) cuts."""
    return cut(mark, min_cuts(flags, profile))


def min_cuts(flags: AllocFlags, profile: KernelProfile) -> tuple[int, ...]:
    """The cuts of the min mark, in turn: each ``d`` takes ``m // d`` off what is left."""
    if profile.has(Feature.ALLOC_RESERVES):
        # 1ebbb21811b7 (6.3): NON_BLOCK cuts only inside the MIN_RESERVE branch
        cuts = [2, 4] if flags.high and flags.non_block else [2] if flags.high else []
        if flags.oom:
            cuts.append(2)
        return tuple(cuts)
    cuts = [2] if flags.high else []
    if profile.has(Feature.ALLOC_OOM) and (flags.harder or flags.oom):
        cuts.append(2 if flags.oom else 4)  # cd04ae1e2dc8 (4.15): OOM victims cut by half
    elif flags.harder:
        cuts.append(4)
    return tuple(cuts)


def cut(mark: int, cuts: tuple[int, ...]) -> int:
    """``mark`` after ``cuts`` (``min_cuts``)."""
    for d in cuts:
        mark -= mark // d
    return mark


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
    return era_of(flags, profile).count_margin(zone, order, mark, reserve, pt, free)


def free_area_ok(
    zone: ZoneState,
    order: int,
    mark: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
    free: int | None = None,
) -> str:
    """The free-area half of __zone_watermark_ok: 'pass', 'fail' or 'depends'."""
    return era_of(flags, profile).free_area_ok(zone, order, mark, pt, free)


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
    return era_of(flags, profile).zone_watermark_ok(zone, order, mark, reserve, pt, free)


def shortcut_rule(profile: KernelProfile) -> str | None:
    """zone_watermark_fast's order-0 shortcut in this era: None on kernels without it.

    'plain' (48ee5f3696f6, v4.7: no reserve deduction, no HIGH/HARDER cut);
    'negative' (f27ce0e14088, v5.9: the reserve deducted too, and a negative
    usable count passes, compared as unsigned); 'fixed' (9282012fc0aa, v5.19).
    """
    if not profile.has(Feature.WATERMARK_FAST):
        return None
    if profile.has(Feature.FAST_HIGHATOMIC):
        return "fixed" if profile.has(Feature.FAST_NEGATIVE_FIX) else "negative"
    return "plain"


def _shortcut_margin(
    zone: ZoneState, mark: int, reserve: int, flags: AllocFlags, profile: KernelProfile, pt: Point
) -> int | None:
    """Pages above zone_watermark_fast's order-0 shortcut; None on kernels without it."""
    return era_of(flags, profile).shortcut_margin(zone, mark, reserve, pt)


def page_count_margin(
    zone: ZoneState,
    order: int,
    mark: int,
    reserve: int,
    flags: AllocFlags,
    profile: KernelProfile,
    pt: Point,
) -> int:
    """Pages above the page-count test zone_watermark_fast() decides on (passes when > 0)."""
    return era_of(flags, profile).page_count_margin(zone, order, mark, reserve, pt)


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
    return era_of(flags, profile).zone_watermark_fast(zone, order, mark, reserve, pt)


def _atomic(flags: AllocFlags, profile: KernelProfile) -> bool:
    return flags.high if profile.has(Feature.ALLOC_RESERVES) else flags.harder


def _unboosted_retry(profile: KernelProfile) -> bool:
    # f80b08fc4453 (v5.9) on kernels with watermark boosting (1c30844d2dfe, v5.0)
    return profile.has(Feature.WATERMARK_BOOST) and profile.has(Feature.UNBOOSTED_ATOMIC)


# Every rule an Era resolves reads only ``profile.has``: one Era serves every profile
# with the same feature set (a report's variants and the next report's profile alike).
_ERAS: dict[tuple[AllocFlags, frozenset[Feature]], Era] = {}


def era_of(flags: AllocFlags, profile: KernelProfile) -> Era:
    """The watermark rules of ``profile`` for ``flags``, resolved once per feature set."""
    key = (flags, profile.features)
    era = _ERAS.get(key)
    if era is None:
        if len(_ERAS) >= 4096:  # a fleet of kernels stays bounded
            _ERAS.clear()
        era = _ERAS[key] = Era(flags, profile)
    return era


class Era:
    """The watermark tests of one kernel profile for one ``alloc_flags``, features resolved once.

    Each rule the profile decides (which counter is deducted, the min cuts, the
    shortcut, the free-area half) is worked out once together with the features it
    read (``kernel.profile.resolve``). Each test records the features of the rules
    it uses in the open trace, as the look-ups themselves would have, so reuse of a
    replay stays exact; the arithmetic below records nothing itself.
    """

    __slots__ = (
        "flags",
        "cuts",
        "deduct",
        "shortcut",
        "atomic",
        "unboost",
        "walk",
        "walk_cma",
        "letters",
        "negative",
        "_usable",
        "_reads_min",
        "_reads_count",
        "_reads_count0",
        "_reads_short",
        "_reads_walk",
        "_reads_unboost",
        "_reads_atomic",
        "_reads_negative",
    )

    def __init__(self, flags: AllocFlags, profile: KernelProfile) -> None:
        self.flags = flags
        self.cuts, self._reads_min = resolve(lambda: min_cuts(flags, profile))
        self.deduct, deduct = resolve(lambda: highatomic_deduction(flags, profile))
        self.shortcut, shortcut = resolve(lambda: shortcut_rule(profile))
        self.atomic, atomic = resolve(lambda: _atomic(flags, profile))
        self._reads_atomic = atomic
        self.unboost, self._reads_unboost = resolve(lambda: _unboosted_retry(profile))
        # since 97a16fc82a7c (v4.4) the free-area half looks for a block; before, the walk
        self.walk, walk = resolve(lambda: not profile.has(Feature.ORDER0_WATERMARK))
        # 3.7-3.10 walk the orders from free less CMA; since 026b08147923 (v3.11) only
        # the page count leaves CMA out, the walk starts from free (its areas hold CMA)
        self.walk_cma, walk_cma = resolve(
            lambda: self.walk and not self.flags.cma and not profile.has(Feature.WALK_COUNTS_CMA)
        )
        self.letters, letters = resolve(lambda: watermark_letters(flags, profile))
        # f27ce0e14088 (v5.9) .. 9282012fc0aa (v5.19): the shortcut passes a negative count
        self.negative, self._reads_negative = resolve(
            lambda: (
                profile.has(Feature.FAST_HIGHATOMIC) and not profile.has(Feature.FAST_NEGATIVE_FIX)
            )
        )
        self._usable: dict[tuple[int, str, int | None], tuple[str, frozenset[Feature]]] = {}
        # what each test reads, whatever the numbers
        self._reads_count = self._reads_min | deduct
        # the 5.9+ shortcut deducts the reserve as the page count does
        self._reads_short = shortcut | (
            deduct if self.shortcut in ("fixed", "negative") else shortcut
        )
        self._reads_count0 = self._reads_count | self._reads_short | atomic
        self._reads_walk = walk | (self._reads_min | walk_cma if self.walk else letters)

    def _min(self, mark: int) -> int:
        for d in self.cuts:  # cut(), inlined: the tests below run it at every point
            mark -= mark // d
        return mark

    def _unusable(self, order: int, pt: Point, cma: int) -> int:
        out = (1 << order) - 1
        if self.deduct is not None:
            out += pt.nr_free_ha if self.deduct == "nr_free_ha" else pt.nr_reserved
        if not self.flags.cma:
            out += cma
        return out

    def _count(
        self, zone: ZoneState, order: int, mark: int, reserve: int, pt: Point, free: int | None
    ) -> int:
        free_pages = pt.free if free is None else free
        return free_pages - self._unusable(order, pt, zone.cma or 0) - (self._min(mark) + reserve)

    def _shortcut(self, zone: ZoneState, mark: int, reserve: int, pt: Point) -> int | None:
        rule = self.shortcut
        if rule is None:
            return None
        cma = zone.cma or 0
        if rule == "plain":
            # 48ee5f3696f6 (v4.7): no reserve deduction, no HIGH/HARDER cut
            return pt.free - (0 if self.flags.cma else cma) - (mark + reserve)
        # f27ce0e14088 (v5.9): the order-0 shortcut deducts the reserve too
        held = self._unusable(0, pt, cma)
        if rule == "fixed":
            return pt.free - min(pt.free, held) - (mark + reserve)  # 9282012fc0aa (v5.19)
        usable = pt.free - held
        if usable < 0:
            # v5.9-5.18: long compared with unsigned long, a negative value passes
            return max(1, -usable)
        return usable - (mark + reserve)

    def _area(self, zone: ZoneState, order: int, mark: int, pt: Point, free: int | None) -> str:
        if not self.walk:
            return freelist_result(zone, order, self.letters)
        if zone.areas is None:
            return "depends"
        m = self._min(mark)
        fp = (pt.free if free is None else free) - ((1 << order) - 1)
        if self.walk_cma:
            fp -= zone.cma or 0
        for area in zone.areas:
            if area.order >= order:
                break
            fp -= area.count << area.order
            m >>= 1
            if fp <= m:
                return "fail"
        return "pass"

    def usable_letters(
        self, order: int, migratetype: str, profile: KernelProfile, thp_order: int | None
    ) -> str:
        """freelist.usable_letters() with these flags, once per order, type and THP order.

        ``profile``: any profile with this era's features (they answer alike).
        """
        key = (order, migratetype, thp_order)
        hit = self._usable.get(key)
        if hit is None:
            hit = resolve(
                lambda: usable_letters(order, migratetype, self.flags, profile, thp_order)
            )
            self._usable[key] = hit
        record(hit[1])
        return hit[0]

    def negative_bug(self) -> bool:
        """v5.9-5.18: zone_watermark_fast's shortcut passes a negative usable count."""
        record(self._reads_negative)
        return self.negative

    def boost_unknown(self, order: int, zone: ZoneState) -> bool:
        """An atomic order-0 request retries at the unboosted min (f80b08fc4453, v5.9), but
        the report (before a6ea8b5b9f1c, v5.16) does not print the boost (1c30844d2dfe, v5.0)."""
        record(self._reads_atomic)
        if order == 0 and self.atomic and zone.boost is None:
            record(self._reads_unboost)
            return self.unboost
        return False

    def min(self, mark: int) -> int:
        """effective_min() of ``mark``."""
        record(self._reads_min)
        return self._min(mark)

    def unusable(self, order: int, pt: Point, cma: int) -> int:
        """__zone_watermark_unusable_free()."""
        record(self._reads_count)
        return self._unusable(order, pt, cma)

    def count_margin(
        self, zone: ZoneState, order: int, mark: int, reserve: int, pt: Point, free: int | None
    ) -> int:
        """Pages above __zone_watermark_ok's page-count test (passes when > 0)."""
        record(self._reads_count)
        return self._count(zone, order, mark, reserve, pt, free)

    def free_area_ok(
        self, zone: ZoneState, order: int, mark: int, pt: Point, free: int | None = None
    ) -> str:
        """The free-area half of __zone_watermark_ok: 'pass', 'fail' or 'depends'.

        Since 97a16fc82a7c (v4.4) a free block of at least ``order`` on a list the
        caller may count; before that, the per-order walk: the free pages above each
        smaller order must exceed min >> o.
        """
        if order == 0:
            return "pass"
        record(self._reads_walk)
        return self._area(zone, order, mark, pt, free)

    def zone_watermark_ok(
        self,
        zone: ZoneState,
        order: int,
        mark: int,
        reserve: int,
        pt: Point,
        free: int | None = None,
    ) -> str:
        """__zone_watermark_ok(); ``free`` overrides pt.free (should_reclaim_retry's available)."""
        if self.count_margin(zone, order, mark, reserve, pt, free) <= 0:
            return "fail"
        return self.free_area_ok(zone, order, mark, pt, free)

    def shortcut_margin(self, zone: ZoneState, mark: int, reserve: int, pt: Point) -> int | None:
        """Pages above zone_watermark_fast's order-0 shortcut; None on kernels without it."""
        record(self._reads_short)
        return self._shortcut(zone, mark, reserve, pt)

    def page_count_margin(
        self, zone: ZoneState, order: int, mark: int, reserve: int, pt: Point
    ) -> int:
        """Pages above the page-count test zone_watermark_fast() decides on (passes when > 0).

        Order 0 passes the era's shortcut or __zone_watermark_ok's count; since
        f80b08fc4453 (v5.9) an atomic order-0 request that fails retries against the
        unboosted min.
        """
        full = self._count(zone, order, mark, reserve, pt, None)
        if order > 0:
            record(self._reads_count)
            return full
        record(self._reads_count0)
        best = full
        short = self._shortcut(zone, mark, reserve, pt)
        if short is not None:
            best = max(best, short)
        if best <= 0 and self.atomic and self.flags.wmark == "min" and zone.boost:
            record(self._reads_unboost)
            if self.unboost:
                best = max(best, self._count(zone, 0, mark - zone.boost, reserve, pt, None))
        return best

    def zone_watermark_fast(
        self, zone: ZoneState, order: int, mark: int, reserve: int, pt: Point
    ) -> str:
        """zone_watermark_fast() as get_page_from_freelist() calls it, per era."""
        if self.page_count_margin(zone, order, mark, reserve, pt) <= 0:
            return "fail"
        return self.free_area_ok(zone, order, mark, pt)
