"""Replay one request against the printed state, zone by zone, as get_page_from_freelist would.

Every unknown is evaluated at both ends of its interval: the *worst* point
(least free, largest highatomic counters, largest lowmem_reserve, fewest H
chunks) and the *best* point. A check is 'pass' or 'fail' when both ends agree,
'depends' otherwise. The unreserve counterfactual converts one H pageblock per
round in ``unreserve_highatomic_pageblock``'s order and retries.
"""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.kernel.request import Request
from oomlens.model.flags import AllocFlags
from oomlens.model.freelist import freelist_result, highatomic_chunks, usable_letters
from oomlens.model.reserve import UNBOUNDED, ReserveBounds, reserve_bounds
from oomlens.model.slowpath import (
    can_direct_reclaim,
    fastpath_flags,
    gfp_to_alloc_flags,
    oom_allowed,
    reaches_retry,
)
from oomlens.model.state import AllocatorState, Interval, ZoneState
from oomlens.model.watermark import (
    Point,
    effective_min,
    free_pages_ok,
    zone_watermark_fast,
    zone_watermark_ok,
)

MAX_ROUNDS = 100_000
# gfp_zone() falls back to ZONE_NORMAL when a zone is not configured (GFP_ZONE_TABLE).
_UNCONFIGURED = {"HighMem": "Normal", "DMA32": "Normal", "DMA": "Normal"}


@dataclass(frozen=True)
class ZoneCheck:
    """The replay's findings for one eligible zone."""

    zone: ZoneState
    reserve: Interval | None  # lowmem_reserve[classzone or highest_zoneidx]; None unknown
    bounds: ReserveBounds
    letters: str  # lists this request may take from
    min_effective: int  # the min mark after the slow path's cuts
    fast: str  # zone_watermark_fast with the fast path's ALLOC_WMARK_LOW
    slow: str  # zone_watermark_fast with gfp_to_alloc_flags()
    full: str  # __zone_watermark_ok with gfp_to_alloc_flags()
    freelist: str  # can the buddy lists serve it
    success: str  # slow and freelist
    bare: str  # slow, with the highatomic counters at zero (every H block released)
    retry: str | None  # should_reclaim_retry's watermark test on reclaimable + free


@dataclass(frozen=True)
class Replay:
    """What the allocator would have done with the printed state."""

    order: int
    migratetype: str
    fast_flags: AllocFlags
    slow_flags: AllocFlags
    highest_index: int | None
    classzone: int | None
    zones: tuple[ZoneCheck, ...]  # eligible zones, zonelist order
    outcome: str  # 'pass' = the printed state would have served it
    rounds: tuple[int | None, int | None]  # (fewest, most) unreserve rounds; None = never
    kernel_could_unreserve: bool | None
    oom_allowed: bool | None
    missing: tuple[str, ...] = ()
    pageblock_order: int = 9


def combine(worst: str, best: str) -> str:
    """One result from the two ends of an interval."""
    return worst if worst == best else "depends"


def highest_index(state: AllocatorState, zone_name: str | None) -> int | None:
    """gfp_zone() as a zone_type index of this kernel."""
    if not zone_name or zone_name == "invalid" or state.zone_types is None:
        return None
    name = zone_name
    if name not in state.zone_types:
        name = _UNCONFIGURED.get(name, name)
    return state.zone_index(name)


def eligible(
    state: AllocatorState, top: int | None, nodes: frozenset[int] | None = None
) -> tuple[ZoneState, ...]:
    """Populated zones with index ≤ top, highest first within each node (zonelist order)."""
    node_order = list(dict.fromkeys(z.node for z in state.zones))
    out = [
        z
        for z in state.zones
        if top is not None
        and z.index is not None
        and z.index <= top
        and z.managed != 0
        and (nodes is None or z.node is None or z.node in nodes)
    ]
    return tuple(sorted(out, key=lambda z: (node_order.index(z.node), -(z.index or 0))))


def _points(zone: ZoneState, b: ReserveBounds) -> tuple[Point, Point]:
    lo, hi = zone.free_bounds
    return (Point(lo, b.nr[1], b.nr_free[1]), Point(hi, b.nr[0], b.nr_free[0]))


def _reserve(zone: ZoneState, classzone: int | None, drop: bool) -> Interval | None:
    if drop:
        return 0, 0
    r = zone.reserve_for(classzone)
    return None if r is None else (r, r)


@dataclass(frozen=True)
class _Ctx:
    state: AllocatorState
    profile: KernelProfile
    order: int
    migratetype: str
    flags: AllocFlags


def _wm(
    ctx: _Ctx,
    zone: ZoneState,
    flags: AllocFlags,
    mark: int,
    r: Interval | None,
    worst: Point,
    best: Point,
    fast: bool = True,
) -> str:
    fn = zone_watermark_fast if fast else zone_watermark_ok
    r_lo, r_hi = r if r is not None else (0, UNBOUNDED)
    w = fn(zone, ctx.order, mark, r_hi, flags, ctx.profile, worst)
    b = fn(zone, ctx.order, mark, r_lo, flags, ctx.profile, best)
    out = combine(w, b)
    if out == "pass" and fast and _negative_bug(ctx.profile) and ctx.order == 0:
        # 5.9-5.18 pass a negative value, so the test is not monotone in the reserve:
        # also try the reserve that leaves exactly nothing usable.
        nr = min(max(best.free, best.nr_reserved), worst.nr_reserved)
        mid = Point(best.free, nr, min(max(best.free, best.nr_free_ha), worst.nr_free_ha))
        out = combine(out, fn(zone, ctx.order, mark, r_hi, flags, ctx.profile, mid))
    return out


def _negative_bug(profile: KernelProfile) -> bool:
    return profile.has(Feature.FAST_HIGHATOMIC) and not profile.has(Feature.FAST_NEGATIVE_FIX)


def _retry(ctx: _Ctx, zone: ZoneState, r: Interval | None, worst: Point, best: Point) -> str:
    """should_reclaim_retry(): __zone_watermark_ok(min, available = reclaimable + free)."""
    if zone.reclaimable is None:
        return "depends"
    r_lo, r_hi = r if r is not None else (0, UNBOUNDED)
    w = zone_watermark_ok(
        zone,
        ctx.order,
        zone.min,
        r_hi,
        ctx.flags,
        ctx.profile,
        worst,
        free=worst.free + zone.reclaimable,
    )
    b = zone_watermark_ok(
        zone,
        ctx.order,
        zone.min,
        r_lo,
        ctx.flags,
        ctx.profile,
        best,
        free=best.free + zone.reclaimable,
    )
    return combine(w, b)


def check_zone(
    ctx: _Ctx,
    zone: ZoneState,
    classzone: int | None,
    drop_lowmem: bool,
    fast_flags: AllocFlags,
    retries: bool = True,
) -> ZoneCheck:
    """Every check of one zone for this request."""
    pb = ctx.state.pageblock_pages
    b = reserve_bounds(zone, pb, ctx.profile)
    worst, best = _points(zone, b)
    r = _reserve(zone, classzone, drop_lowmem)
    letters = usable_letters(
        ctx.order, ctx.migratetype, ctx.flags, ctx.profile, ctx.state.pageblock_order
    )
    fast = _wm(ctx, zone, fast_flags, zone.low, r, worst, best)
    slow = _wm(ctx, zone, ctx.flags, zone.min, r, worst, best)
    full = _wm(ctx, zone, ctx.flags, zone.min, r, worst, best, fast=False)
    fl = freelist_result(zone, ctx.order, letters)
    if "fail" in (slow, fl):
        success = "fail"
    elif slow == fl == "pass":
        success = "pass"
    else:
        success = "depends"
    bare = _wm(ctx, zone, ctx.flags, zone.min, r, Point(worst.free, 0, 0), Point(best.free, 0, 0))
    return ZoneCheck(
        zone,
        r,
        b,
        letters,
        effective_min(zone.min, ctx.flags, ctx.profile),
        fast,
        slow,
        full,
        fl,
        success,
        bare,
        _retry(ctx, zone, r, worst, best) if retries else None,
    )


def outcome(checks: tuple[ZoneCheck, ...]) -> str:
    """The request succeeds when any zone succeeds."""
    if any(c.success == "pass" for c in checks):
        return "pass"
    if all(c.success == "fail" for c in checks):
        return "fail"
    return "depends"


def _zone_ok(ctx: _Ctx, c: ZoneCheck, pt: Point, worst: bool, conv: int) -> bool:
    r = c.reserve or (0, UNBOUNDED)
    wm = zone_watermark_fast(
        c.zone, ctx.order, c.zone.min, r[1] if worst else r[0], ctx.flags, ctx.profile, pt
    )
    if wm != "pass" and 0 < ctx.order <= conv:
        # the converted block now sits on the requester's list at order >= the
        # request's, so the free-area half of __zone_watermark_ok holds
        wm = (
            "pass"
            if free_pages_ok(
                c.zone, ctx.order, c.zone.min, r[1] if worst else r[0], ctx.flags, ctx.profile, pt
            )
            else "fail"
        )
    if wm == "fail" or (worst and wm == "depends"):
        return False
    fl = c.freelist == "pass" or (not worst and c.freelist == "depends")
    return fl or conv >= ctx.order


def unreserve_rounds(ctx: _Ctx, checks: tuple[ZoneCheck, ...], worst: bool) -> int | None:
    """Rounds of unreserve_highatomic_pageblock(force) until the retry succeeds; None = never."""
    pb = ctx.state.pageblock_pages
    pbo = ctx.state.pageblock_order
    pts, chunks, conv, h_left = [], [], [], []
    for c in checks:
        w, b = _points(c.zone, c.bounds)
        pts.append(w if worst else b)
        chunks.append([[o, lo if worst else hi] for o, lo, hi in highatomic_chunks(c.zone)])
        conv.append(-1)
        h_left.append(c.bounds.h_pages[0 if worst else 1])
    if any(_zone_ok(ctx, c, pts[i], worst, conv[i]) for i, c in enumerate(checks)):
        return 0
    for rounds in range(1, MAX_ROUNDS):
        # the first zone in zonelist order with an H chunk; its lowest-order chunk
        i = next((i for i, ch in enumerate(chunks) if any(n for _, n in ch)), None)
        if i is None:
            return None
        o, _ = next(x for x in chunks[i] if x[1])
        next(x for x in chunks[i] if x[1])[1] -= 1
        # move_freepages_block: at least the chunk; at best the whole block
        moved = 1 << o if worst else max(1 << o, min(pb, h_left[i]))
        h_left[i] = max(0, h_left[i] - moved)
        pt = pts[i]
        # 4855e4a7f29d (4.10): one pageblock off the counter per converted block
        pts[i] = Point(pt.free, max(0, pt.nr_reserved - pb), max(0, pt.nr_free_ha - moved))
        conv[i] = max(conv[i], o if worst else max(o, pbo))
        if any(_zone_ok(ctx, c, pts[j], worst, conv[j]) for j, c in enumerate(checks)):
            return rounds
    return None


def _rounds(best: int | None, worst: int | None) -> tuple[int | None, int | None]:
    """(fewest, most); the 5.9-5.18 negative-value pass can make the best end slower."""
    if best is None or worst is None:
        return best, worst
    return min(best, worst), max(best, worst)


def could_unreserve(ctx: _Ctx, request: Request, checks: tuple[ZoneCheck, ...]) -> bool | None:
    """Whether this kernel itself would have unreserved for this caller (§5.2, §9 step 6)."""
    if not ctx.profile.has(Feature.HIGHATOMIC):
        return None
    if not can_direct_reclaim(request):
        return False  # no reclaim, no should_reclaim_retry: atomic callers never unreserve
    if not ctx.profile.has(Feature.UNRESERVE_BEFORE_OOM):
        return None  # 4.4-4.9: only after direct reclaim made progress, if nr > one block
    if not reaches_retry(request, ctx.order, ctx.profile):
        return None
    if ctx.profile.has(Feature.UNRESERVE_AT_GIVEUP):
        return True  # ac3f3b0a5551 (6.8): unreserve(force) whenever it would give up
    # 04c8716f7b00 (4.10): only after MAX_RECLAIM_RETRIES loops, which needs a zone whose
    # reclaimable + free passes the watermark; otherwise it gives up at once.
    if any(c.retry == "pass" for c in checks):
        return True
    if all(c.retry == "fail" for c in checks):
        return None if any(c.bounds.nr[1] > ctx.state.pageblock_pages for c in checks) else False
    return None


def replay(
    state: AllocatorState,
    request: Request,
    profile: KernelProfile,
    *,
    allow_cma: bool = False,
    drop_lowmem: bool = False,
    nodes: frozenset[int] | None = None,
) -> Replay:
    """Replay ``request`` against ``state`` under ``profile`` (optionally counterfactual)."""
    missing: list[str] = []
    order = request.order if request.order is not None else 0
    if request.order is None:
        missing.append("order")
    mt = request.migratetype or "Unmovable"
    if request.migratetype is None:
        missing.append("gfp_mask")
    flags = gfp_to_alloc_flags(request, order, profile)
    fast_flags = fastpath_flags(request)
    if allow_cma:
        flags = AllocFlags(**{**flags.__dict__, "cma": True})
        fast_flags = AllocFlags(**{**fast_flags.__dict__, "cma": True})
    ctx = _Ctx(state, profile, order, mt, flags)
    top = highest_index(state, request.highest_zone)
    zones = eligible(state, top, nodes)
    if top is None:
        missing.append("highest zone")
    # 3334a45eb9e2 (5.8): lowmem_reserve[highest_zoneidx]; before, the preferred zone's index
    classzone = top if profile.has(Feature.HIGHEST_ZONEIDX) else (zones[0].index if zones else None)
    retries = reaches_retry(request, order, profile)
    checks = tuple(check_zone(ctx, z, classzone, drop_lowmem, fast_flags, retries) for z in zones)
    if not checks:
        missing.append("zone lines")
    res = outcome(checks) if checks else "depends"
    rounds = _rounds(unreserve_rounds(ctx, checks, False), unreserve_rounds(ctx, checks, True))
    normal = state.zone_index("Normal")
    return Replay(
        order,
        mt,
        fast_flags,
        flags,
        top,
        classzone,
        checks,
        res,
        rounds,
        could_unreserve(ctx, request, checks),
        oom_allowed(request, order, top, normal),
        tuple(missing),
        state.pageblock_order,
    )
