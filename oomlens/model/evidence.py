"""Evidence from a replay: each check of each zone, with the halves the kernel ran, in its order.

A check is one kernel test (``zone_watermark_fast``, ``__zone_watermark_ok``,
the freelist scan, the reserve cap, ``should_reclaim_retry``). Its ``steps``
are the parts the kernel evaluates one after the other — the order-0
shortcut, the page count, the free-area scan — each with the terms it adds
and compares, so a reader sees which half decided. ``numbers`` keeps the same
values by name for machine readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.model.freelist import type_pages
from oomlens.model.replay import Replay, ZoneCheck
from oomlens.model.state import Interval
from oomlens.model.tri import Tri
from oomlens.model.watermark import (
    Point,
    era_of,
    reserves_privileged,
    unusable_free,
    watermark_letters,
)

Number = tuple[str, object]


@dataclass(frozen=True)
class Term:
    """One operand of a check, in pages, as an interval over the report's bounds."""

    name: str  # "free", "order", "highatomic", "cma", "min", "lowmem_reserve"
    pages: Interval


@dataclass(frozen=True)
class Step:
    """One half of a check as the kernel runs it: ``Σ left > Σ right`` or a free-list scan."""

    test: str  # "order-0 shortcut" | "page count" | "free area" | "per-order walk" | "freelist"
    result: str  # "pass" | "fail" | "depends"
    left: tuple[Term, ...] = ()  # the first term less the others
    right: tuple[Term, ...] = ()  # summed
    lists: str = ""  # migratetype letters the scan may use
    order: int | None = None  # the smallest order the scan accepts
    found: tuple[int, ...] = ()  # orders >= ``order`` with a chunk on ``lists``
    # "negative-passes": v5.9-5.18 compare a negative usable count as unsigned and pass it
    note: str = ""


@dataclass(frozen=True)
class Evidence:
    """One check the replay made, in the kernel's terms, and its numbers."""

    zone: str
    check: str  # e.g. "zone_watermark_fast", "__zone_watermark_ok", "freelist"
    result: str  # "pass" | "fail" | "depends"
    numbers: tuple[Number, ...] = ()
    steps: tuple[Step, ...] = ()
    # With steps: whether the zone serves the request (watermark, free area and rmqueue).
    outcome: str = ""


def _span(lo: int, hi: int) -> Interval:
    return (min(lo, hi), max(lo, hi))


def _terms(rp: Replay, c: ZoneCheck, profile: KernelProfile, mark: int) -> tuple:
    """(left, right) terms of __zone_watermark_ok's page count for this zone."""
    z, b, flags = c.zone, c.bounds, rp.slow_flags
    left = [Term("free", z.free_bounds)]
    if rp.order:
        left.append(Term("order", ((1 << rp.order) - 1,) * 2))
    if profile.has(Feature.HIGHATOMIC) and not reserves_privileged(flags, profile):
        held = b.nr_free if profile.has(Feature.FREE_HIGHATOMIC) else b.nr
        left.append(Term("highatomic", held))
    if z.cma and not flags.cma:
        left.append(Term("cma", (z.cma, z.cma)))
    right = [Term("min", (mark, mark))]
    r = c.points.reserve
    right.append(Term("lowmem_reserve", _span(r[1], r[0])))
    return tuple(left), tuple(right)


def _found(c: ZoneCheck, order: int, letters: str) -> tuple[int, ...]:
    areas = c.zone.areas or ()
    return tuple(
        a.order
        for a in areas
        if a.order >= order and a.count and (not a.letters or set(a.letters) & set(letters))
    )


def _at_points(c: ZoneCheck, margin: Callable[[Point, int], int]) -> Tri:
    """A page-count test (passes when ``margin`` > 0) at the worst, best and nominal points."""
    pts = c.points
    if pts.exact:  # one point: worked out once
        n = margin(pts.nominal, pts.reserve[2]) > 0
        return Tri.of(n, n, n)
    w, b, n = (
        margin(pt, r) > 0
        for pt, r in zip((pts.worst, pts.best, pts.nominal), pts.reserve, strict=True)
    )
    return Tri.of(w, b, n)


def _negative(rp: Replay, c: ZoneCheck, profile: KernelProfile) -> bool:
    """v5.9-5.18 only: the shortcut's usable count is negative at some point of the bounds."""
    if not profile.has(Feature.FAST_HIGHATOMIC) or profile.has(Feature.FAST_NEGATIVE_FIX):
        return False
    cma = c.zone.cma or 0
    return any(
        pt.free - unusable_free(0, rp.slow_flags, profile, pt, cma) < 0
        for pt in (c.points.worst, c.points.best, c.points.nominal)
    )


def decision_steps(rp: Replay, c: ZoneCheck, profile: KernelProfile) -> tuple[Step, ...]:
    """The slow path's zone_watermark_fast for this zone, half by half, then rmqueue's scan.

    Each step carries its own result: the order-0 shortcut (48ee5f3696f6, v4.7) returns
    true on its own, and only when it does not does __zone_watermark_ok count pages.
    """
    z, flags = c.zone, rp.slow_flags
    era = era_of(flags, profile)
    out: list[Step] = []
    left, right = _terms(rp, c, profile, c.min_effective)
    if rp.order == 0 and profile.has(Feature.WATERMARK_FAST):
        short_left = [t for t in left if t.name in ("free", "cma")]
        if profile.has(Feature.FAST_HIGHATOMIC):
            short_left = list(left)
        short = _at_points(c, lambda pt, r: era.shortcut_margin(z, z.min, r, pt) or 0)
        out.append(
            Step(
                "order-0 shortcut",
                short.result,
                tuple(short_left),
                (Term("mark", (z.min, z.min)), right[1]),
                note="negative-passes" if _negative(rp, c, profile) else "",
            )
        )
    count = _at_points(c, lambda pt, r: era.count_margin(z, rp.order, z.min, r, pt, None))
    out.append(Step("page count", count.result, left, right))
    atomic = flags.high if profile.has(Feature.ALLOC_RESERVES) else flags.harder
    if (
        rp.order == 0
        and atomic
        and flags.wmark == "min"
        and z.boost
        and profile.has(Feature.UNBOOSTED_ATOMIC)
    ):
        # f80b08fc4453 (v5.9): an atomic order-0 request that fails retries at min - boost
        unboosted = z.min - z.boost
        retry = _at_points(c, lambda pt, r: era.count_margin(z, 0, unboosted, r, pt, None))
        mark = c.min_effective - (z.min - unboosted)
        out.append(Step("unboosted min", retry.result, left, (Term("min", (mark, mark)), right[1])))
    if rp.order > 0 and c.count.value:
        if profile.has(Feature.ORDER0_WATERMARK):
            lists = watermark_letters(rp.slow_flags, profile)
            out.append(
                Step(
                    "free area",
                    c.area.result,
                    lists=lists,
                    order=rp.order,
                    found=_found(c, rp.order, lists),
                )
            )
        else:
            out.append(Step("per-order walk", c.area.result, order=rp.order))
    if c.count.value and c.area.value:
        out.append(
            Step(
                "freelist",
                c.freelist.result,
                lists=c.letters,
                order=rp.order,
                found=_found(c, rp.order, c.letters),
            )
        )
    return tuple(out)


def _unusable(rp: Replay, c: ZoneCheck, profile: KernelProfile) -> Interval:
    b = c.bounds
    w = Point(c.zone.free_bounds[0], b.nr[1], b.nr_free[1])
    best = Point(c.zone.free_bounds[1], b.nr[0], b.nr_free[0])
    cma = c.zone.cma or 0
    return (
        unusable_free(rp.order, rp.slow_flags, profile, best, cma),
        unusable_free(rp.order, rp.slow_flags, profile, w, cma),
    )


def _usable(free: Interval, unusable: Interval) -> Interval:
    """Free pages less the unusable ones, never below zero."""
    return max(0, free[0] - unusable[1]), max(0, free[1] - unusable[0])


def zone_evidence(rp: Replay, c: ZoneCheck, profile: KernelProfile) -> tuple[Evidence, ...]:
    """The checks of one zone as Evidence."""
    z = c.zone
    name = z.name if z.node is None else f"Node {z.node} {z.name}"
    reserve = c.reserve if c.reserve is None else c.reserve[0]
    free: tuple[Number, ...] = (
        ("free", z.free),
        ("buddy_pages", z.buddy_pages),
        ("free_bounds", z.free_bounds),
    )
    renamed = profile.has(Feature.ALLOC_RESERVES)
    u = _unusable(rp, c, profile)
    b = c.bounds
    shown = "".join(sorted({ch for a in z.areas or () if a.count for ch in a.letters}))
    decision = c.count & c.area
    out = [
        Evidence(
            name,
            "zone_watermark_fast",
            c.fast.result,
            free
            + (
                ("mark", z.low),
                ("lowmem_reserve", reserve),
                ("alloc_flags", rp.fast_flags.names(renamed)),
            ),
        ),
        Evidence(
            name,
            "zone_watermark_fast",
            decision.result,
            free
            + (
                ("mark", z.min),
                ("effective_min", c.min_effective),
                ("lowmem_reserve", reserve),
                ("alloc_flags", rp.slow_flags.names(renamed)),
                ("margin", c.margin),
            ),
            decision_steps(rp, c, profile),
            c.success.result,
        ),
        Evidence(
            name,
            "__zone_watermark_ok",
            c.full.result,
            free
            + (
                ("min", z.min),
                ("effective_min", c.min_effective),
                ("lowmem_reserve", reserve),
                ("unusable", u),
                ("usable", _usable(z.free_bounds, u)),
                ("nr_reserved_highatomic", b.nr),
                ("alloc_flags", rp.slow_flags.names(renamed)),
            ),
        ),
        Evidence(
            name,
            "freelist",
            c.freelist.result,
            (
                ("order", rp.order),
                ("usable_letters", c.letters),
                ("letters_shown", shown),
                ("usable_pages", type_pages(z, c.letters, rp.order)),
            ),
        ),
    ]
    if profile.has(Feature.HIGHATOMIC):
        out.append(
            Evidence(
                name,
                "reserve_highatomic_pageblock",
                "fail" if b.out_of_sync else "pass",
                (
                    ("managed", z.managed),
                    ("cap_limit", b.cap_limit),
                    ("cap_max", b.cap_max),
                    ("h_pages", b.h_pages),
                    ("consistent_low", b.consistent_low),
                    ("consistent_blocks", b.consistent_low >> rp.pageblock_order),
                    ("reserved_highatomic", b.printed),
                    ("nr_reserved_highatomic", b.nr),
                    ("basis", b.basis),
                    ("nr_free_highatomic", b.nr_free),
                ),
            )
        )
    if c.retry is not None:
        out.append(
            Evidence(
                name,
                "should_reclaim_retry",
                c.retry.result,
                (
                    # what the test counts: before v4.12 the 16th loop counts none of it
                    ("reclaimable", z.reclaimable if profile.has(Feature.RETRY_NO_BACKOFF) else 0),
                    ("free", z.free),
                    ("min", z.min),
                    ("lowmem_reserve", reserve),
                ),
            )
        )
    return tuple(out)


def replay_evidence(rp: Replay, profile: KernelProfile) -> tuple[Evidence, ...]:
    """Evidence for every eligible zone, zonelist order."""
    return tuple(e for c in rp.zones for e in zone_evidence(rp, c, profile))
