"""Replay one request against the printed state, zone by zone, as get_page_from_freelist would.

Every check runs at three points of the zone's bounds: the *worst* (least
free, the largest highatomic counters, the largest lowmem_reserve), the *best*,
and the *nominal* point (printed values, the plausible split of the rest); see
``oomlens.model.tri``. A scenario releases something first — the highatomic
reserve, lowmem_reserve, CMA — so the judge can ask each counterfactual alone.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field, replace
from typing import Protocol, cast

from oomlens.kernel.profile import Feature, KernelProfile, record, resolve
from oomlens.kernel.request import Request
from oomlens.model.flags import AllocFlags
from oomlens.model.freelist import LETTER, freelist_result, highatomic_chunks, usable_letters
from oomlens.model.reserve import UNBOUNDED, ReserveBounds, reserve_bounds
from oomlens.model.slowpath import (
    COSTLY_ORDER,
    fastpath_flags,
    gfp_to_alloc_flags,
    oom_allowed,
    reaches_retry,
    reclaims_directly,
)
from oomlens.model.state import AllocatorState, FreeArea, Interval, ZoneState
from oomlens.model.tri import NO, Tri, any_of
from oomlens.model.watermark import Era, Point, era_of

MAX_ROUNDS = 100_000
# Work out an answer once per state and per answers to the features it read (exact; the
# equivalence test switches it off and compares every sample's verdict and evidence).
MEMO = True
_Resolved = tuple[ReserveBounds, frozenset[Feature], frozenset[Feature]]
_UNSHOWN = Tri(False, False)  # a check a counterfactual replay does not make
# gfp_zone() falls back to ZONE_NORMAL when a zone is not configured (GFP_ZONE_TABLE).
_UNCONFIGURED = {"HighMem": "Normal", "DMA32": "Normal", "DMA": "Normal"}


@dataclass(frozen=True)
class Scenario:
    """A counterfactual: what is released before the request is replayed."""

    unreserve: bool = False  # every MIGRATE_HIGHATOMIC block back to the requester's type
    drop_lowmem: bool = False  # lowmem_reserve[] of every zone to zero
    allow_cma: bool = False  # ALLOC_CMA for this request


BASE = Scenario()


@dataclass(frozen=True)
class Points:
    """The three points of one zone's bounds; each with its lowmem_reserve."""

    worst: Point
    best: Point
    nominal: Point
    reserve: tuple[int, int, int]  # lowmem_reserve at worst, best, nominal
    # the three are one point (every bound printed exactly): each test is worked out once
    exact: bool = field(default=False, compare=False, repr=False)


@dataclass(frozen=True)
class ZoneCheck:
    """The replay's findings for one eligible zone."""

    zone: ZoneState
    reserve: Interval | None  # lowmem_reserve[classzone or highest_zoneidx]; None unknown
    bounds: ReserveBounds
    points: Points
    letters: str  # lists rmqueue may take from for this request
    min_effective: int  # the min mark after the slow path's cuts
    fast: Tri  # zone_watermark_fast at WMARK_LOW with the fast path's flags
    count: Tri  # the page-count half the slow path's zone_watermark_fast decided on
    count_released: Tri  # the same with the highatomic deduction lifted
    area: Tri  # the free-area half (a block of the order; before 4.4 the per-order walk)
    freelist: Tri  # rmqueue can hand out a block of the order from ``letters``
    success: Tri  # count, area and freelist
    full: Tri  # __zone_watermark_ok at min with the slow path's flags
    retry: Tri | None  # should_reclaim_retry's watermark test on reclaimable + free
    margin: int  # nominal pages above the page-count test (fails when <= 0)


@dataclass(frozen=True)
class Replay:
    """What the allocator would have done with the state, for one scenario."""

    order: int
    migratetype: str
    fast_flags: AllocFlags
    slow_flags: AllocFlags
    highest_index: int | None
    classzone: int | None
    zones: tuple[ZoneCheck, ...]  # eligible zones, zonelist order
    outcome: Tri  # the state serves the request (any zone succeeds)
    kernel_could_unreserve: bool | None
    oom_allowed: bool | None
    scenario: Scenario = BASE
    missing: tuple[str, ...] = ()
    pageblock_order: int = 9


def highest_index(state: AllocatorState, zone_name: str | None) -> int | None:
    """gfp_zone() as a zone_type index of this kernel."""
    if not zone_name or zone_name == "invalid" or state.zone_types is None:
        return None
    return state.zone_index(configured_zone(state.zone_types, zone_name))


def configured_zone(types: tuple[str, ...], zone_name: str) -> str:
    """gfp_zone()'s zone in a build with ``types``: OPT_ZONE_HIGHMEM, OPT_ZONE_DMA32 and
    OPT_ZONE_DMA are ZONE_NORMAL where that zone is not configured."""
    return zone_name if zone_name in types else _UNCONFIGURED.get(zone_name, zone_name)


def eligible(
    state: AllocatorState, top: int | None, nodes: Container[int] | None = None
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


def _eligible(
    state: AllocatorState, top: int | None, nodes: Container[int] | None
) -> tuple[ZoneState, ...]:
    """``eligible()`` once per state, top zone and node set."""
    key = ("eligible", top, nodes)
    try:
        hit = cast("tuple[ZoneState, ...] | None", state.memo.get(key))
    except TypeError:  # a node set that does not hash
        return eligible(state, top, nodes)
    if hit is None or not MEMO:
        hit = state.memo[key] = eligible(state, top, nodes)
    return hit


def unreserved(zone: ZoneState, migratetype: str) -> ZoneState:
    """The zone after unreserve_highatomic_pageblock() released every H block.

    move_freepages_block() moves each free chunk of the block to the requester's
    list at its own order and never merges chunks; the counters drop to zero.
    """
    letter = LETTER[migratetype]
    areas = None
    if zone.areas is not None:
        areas = tuple(
            FreeArea(
                a.order,
                a.count,
                "".join(dict.fromkeys(a.letters.replace("H", letter)))
                if "H" in a.letters
                else a.letters,
            )
            for a in zone.areas
        )
    return replace(
        zone,
        areas=areas,
        reserved_highatomic=0,
        free_highatomic=0 if zone.free_highatomic is not None else None,
        h_chunks=None,
    )


def _unreserved(state: AllocatorState, zone: ZoneState, migratetype: str) -> ZoneState:
    """``unreserved()`` once per zone of a state, so its replays share the zone's answers."""
    key = ("unreserved", id(zone), migratetype)
    held = cast("tuple[ZoneState, ZoneState] | None", state.memo.get(key))
    if MEMO and held is not None and held[0] is zone:
        return held[1]
    out = unreserved(zone, migratetype)
    state.memo[key] = (zone, out)  # the zone itself: its id is never reused while held
    return out


def _points(zone: ZoneState, b: ReserveBounds, r: Interval | None, nominal_r: int) -> Points:
    lo, hi = zone.free_bounds
    r_lo, r_hi = r if r is not None else (0, UNBOUNDED)
    (nr_lo, nr_hi), (nf_lo, nf_hi) = b.nr, b.nr_free
    exact = MEMO and (
        lo == hi == zone.free
        and nr_lo == nr_hi == b.nr_nominal
        and nf_lo == nf_hi == b.nr_free_nominal
        and r_lo == r_hi == nominal_r
    )
    if exact:
        pt = Point(lo, nr_hi, nf_hi)
        return Points(pt, pt, pt, (r_hi, r_lo, nominal_r), exact)
    return Points(
        Point(lo, nr_hi, nf_hi),
        Point(hi, nr_lo, nf_lo),
        Point(zone.free, b.nr_nominal, b.nr_free_nominal),
        (r_hi, r_lo, nominal_r),
        exact,
    )


# sysctl_lowmem_reserve_ratio's defaults (DMA and DMA32 256, Normal 32)
_DEFAULT_RATIO = {"DMA": 256, "DMA32": 256, "Normal": 32}


def _likely_reserve(state: AllocatorState, zone: ZoneState, classzone: int | None) -> int:
    """A lowmem_reserve[classzone] the report does not print, at its likeliest (the nominal
    reading; worst and best keep every value): setup_per_zone_lowmem_reserve() divides the
    managed pages of the node's zones above this one, up to the classzone, by the default
    ratio; a zone the report does not print has none (an unpopulated zone prints no line)."""
    ratio = _DEFAULT_RATIO.get(zone.name)
    if ratio is None or zone.index is None or classzone is None:
        return UNBOUNDED
    above = [
        z.managed
        for z in state.zones
        if z.node == zone.node and z.index is not None and zone.index < z.index <= classzone
    ]
    if None in above:
        return UNBOUNDED
    return sum(m for m in above if m is not None) // ratio


def _reserve(zone: ZoneState, classzone: int | None, drop: bool) -> Interval | None:
    if drop:
        return 0, 0
    r = zone.reserve_for(classzone)
    return None if r is None else (r, r)


def _from_result(result: str, nominal: bool = True) -> Tri:
    """A letters-based check: 'depends' means the letters do not settle it."""
    if result == "depends":
        return Tri.unknown(nominal)
    return Tri(result == "pass")


class _Ctx:
    """One replay's request against one state under one profile."""

    __slots__ = ("state", "profile", "order", "migratetype", "flags", "era")

    def __init__(
        self,
        state: AllocatorState,
        profile: KernelProfile,
        order: int,
        migratetype: str,
        flags: AllocFlags,
    ) -> None:
        self.state = state
        self.profile = profile
        self.order = order
        self.migratetype = migratetype
        self.flags = flags
        self.era: Era = era_of(flags, profile)  # the rules of profile for flags


def _negative_bug(profile: KernelProfile) -> bool:
    return profile.has(Feature.FAST_HIGHATOMIC) and not profile.has(Feature.FAST_NEGATIVE_FIX)


def _boost_unknown(ctx: _Ctx, zone: ZoneState) -> bool:
    """An atomic order-0 request retries at the unboosted min (f80b08fc4453, v5.9), but the
    report (before a6ea8b5b9f1c, v5.16) does not print the boost (1c30844d2dfe, v5.0)."""
    atomic = ctx.flags.high if ctx.profile.has(Feature.ALLOC_RESERVES) else ctx.flags.harder
    return (
        ctx.order == 0
        and atomic
        and zone.boost is None
        and ctx.profile.has(Feature.WATERMARK_BOOST)
        and ctx.profile.has(Feature.UNBOOSTED_ATOMIC)
    )


def _margins(ctx: _Ctx, zone: ZoneState, pts: Points, released: bool) -> tuple[int, int, int]:
    """The slow path's page-count margins at the worst, best and nominal points."""
    era, order = ctx.era, ctx.order

    def at(pt: Point, r: int) -> int:
        if released:
            pt = Point(pt.free, 0, 0)
        return era.page_count_margin(zone, order, zone.min, r, pt)

    worst = at(pts.worst, pts.reserve[0])
    if pts.exact:
        return worst, worst, worst
    return worst, at(pts.best, pts.reserve[1]), at(pts.nominal, pts.reserve[2])


def _deducted(ctx: _Ctx, pts: Points) -> bool:
    """Whether the page count deducts a highatomic counter that is not 0 at some point:
    without one, the count with the reserve released is the count itself."""
    return ctx.era.deduct is not None and any(
        pt.nr_reserved or pt.nr_free_ha for pt in (pts.worst, pts.best, pts.nominal)
    )


def _count(
    ctx: _Ctx,
    zone: ZoneState,
    pts: Points,
    released: bool = False,
    margins: tuple[int, int, int] | None = None,
) -> tuple[Tri, tuple[int, int, int]]:
    """The slow path's page-count test at the three points, and its margins there.

    ``margins``: those of this very test when the caller already has them.
    """
    if margins is None:
        margins = _margins(ctx, zone, pts, released)
    worst, best, nominal = margins
    tri = Tri.of(worst > 0, best > 0, nominal > 0)
    era = ctx.era
    if not tri.value and (
        era.boost_unknown(ctx.order, zone) if MEMO else _boost_unknown(ctx, zone)
    ):
        tri = Tri(False, False)  # the unboosted retry could pass by a boost not printed
    if (
        tri.surely
        and ctx.order == 0
        and (era.negative_bug() if MEMO else _negative_bug(ctx.profile))
        and not released
    ):
        # v5.9-5.18 pass a negative value, so the test is not monotone in the reserve:
        # also try the counter that leaves exactly nothing usable.
        w, b = pts.worst, pts.best
        nr = min(max(b.free, b.nr_reserved), w.nr_reserved)
        mid = Point(b.free, nr, min(max(b.free, b.nr_free_ha), w.nr_free_ha))
        if era.page_count_margin(zone, ctx.order, zone.min, pts.reserve[0], mid) <= 0:
            tri = Tri(tri.value, False)
    return tri, margins


def _area(ctx: _Ctx, zone: ZoneState, pts: Points) -> Tri:
    """The free-area half at the three points (the pre-4.4 walk depends on free pages)."""
    era = ctx.era
    if MEMO and (ctx.order == 0 or not era.walk or pts.exact):
        # order 0 passes; since 97a16fc82a7c (v4.4) the half reads the lists, not free pages
        results = [era.free_area_ok(zone, ctx.order, zone.min, pts.nominal)] * 3
    else:
        results = [
            era.free_area_ok(zone, ctx.order, zone.min, pt)
            for pt in (pts.worst, pts.best, pts.nominal)
        ]
    if "depends" in results:
        return Tri.unknown(results[2] != "fail")
    return Tri.of(results[0] == "pass", results[1] == "pass", results[2] == "pass")


def _wm(ctx: _Ctx, zone: ZoneState, pts: Points, flags: AllocFlags, mark: int, fast: bool) -> Tri:
    """zone_watermark_fast (or __zone_watermark_ok) at the three points, for evidence."""
    era = ctx.era if flags is ctx.flags else era_of(flags, ctx.profile)
    fn = era.zone_watermark_fast if fast else era.zone_watermark_ok
    if pts.exact:
        out = [fn(zone, ctx.order, mark, pts.reserve[2], pts.nominal)] * 3
    else:
        out = [
            fn(zone, ctx.order, mark, r, pt)
            for pt, r in zip((pts.worst, pts.best, pts.nominal), pts.reserve, strict=True)
        ]
    if "depends" in out:
        return Tri.unknown(out[2] != "fail")
    return Tri.of(out[0] == "pass", out[1] == "pass", out[2] == "pass")


def _retry(ctx: _Ctx, zone: ZoneState, pts: Points) -> Tri:
    """should_reclaim_retry(): __zone_watermark_ok(min, available = reclaimable + free).

    The test that lets the loop reach its forced unreserve at MAX_RECLAIM_RETRIES. Since
    "mm: remove unnecessary back-off function when retrying page reclaim" (in v4.12) it counts every reclaimable page; before, the loop took a sixteenth more
    of them off each time round, so at the last one only the free pages count.
    """
    if zone.reclaimable is None:
        return Tri.unknown(True)
    era = ctx.era
    reclaimable = zone.reclaimable if ctx.profile.has(Feature.RETRY_NO_BACKOFF) else 0
    if pts.exact:
        pt = pts.nominal
        ok = era.zone_watermark_ok(
            zone, ctx.order, zone.min, pts.reserve[2], pt, pt.free + reclaimable
        )
        out = [ok] * 3
    else:
        out = [
            era.zone_watermark_ok(zone, ctx.order, zone.min, r, pt, pt.free + reclaimable)
            for pt, r in zip((pts.worst, pts.best, pts.nominal), pts.reserve, strict=True)
        ]
    if "depends" in out:
        return Tri.unknown(out[2] != "fail")
    return Tri.of(out[0] == "pass", out[1] == "pass", out[2] == "pass")


def _bounds(ctx: _Ctx, zone: ZoneState, pb: int) -> ReserveBounds:
    """reserve_bounds() once per zone of a state and answers to the features it read (any
    profile answering alike gets the same bounds), its reads recorded each use."""
    memo, key = ctx.state.memo, ("reserve", id(zone), pb)
    feats = ctx.profile.features
    held = cast("tuple[ZoneState, list[_Resolved]] | None", memo.get(key))
    if held is None or held[0] is not zone:
        held = (zone, [])  # the zone itself: its id is never reused while held
        memo[key] = held
    if MEMO:
        for value, reads, present in held[1]:
            if reads & feats == present:
                record(reads)
                return value
    value, reads = resolve(lambda: reserve_bounds(zone, pb, ctx.profile))
    record(reads)
    held[1].append((value, reads, reads & feats))
    return value


def check_zone(
    ctx: _Ctx,
    zone: ZoneState,
    classzone: int | None,
    drop_lowmem: bool,
    fast_flags: AllocFlags,
    retries: bool = True,
    evidence: bool = True,
) -> ZoneCheck:
    """Every check of one zone for this request (``evidence``: also the ones only shown)."""
    pb = ctx.state.pageblock_pages
    b = _bounds(ctx, zone, pb)
    r = _reserve(zone, classzone, drop_lowmem)
    pts = _points(
        zone, b, r, r[0] if r is not None else _likely_reserve(ctx.state, zone, classzone)
    )
    thp = ctx.state.thp_order
    if MEMO:
        letters = ctx.era.usable_letters(ctx.order, ctx.migratetype, ctx.profile, thp)
    else:
        letters = usable_letters(ctx.order, ctx.migratetype, ctx.flags, ctx.profile, thp)
    count, margins = _count(ctx, zone, pts)
    # with no counter deducted, releasing the reserve leaves the margins as they are
    kept = margins if MEMO and not _deducted(ctx, pts) else None
    released, _ = _count(ctx, zone, pts, released=True, margins=kept)
    area = _area(ctx, zone, pts)
    fl = _from_result(freelist_result(zone, ctx.order, letters))
    return ZoneCheck(
        zone=zone,
        reserve=r,
        bounds=b,
        points=pts,
        letters=letters,
        min_effective=ctx.era.min(zone.min),
        fast=_wm(ctx, zone, pts, fast_flags, zone.low, fast=True) if evidence else _UNSHOWN,
        count=count,
        count_released=released,
        area=area,
        freelist=fl,
        success=count & area & fl,
        full=_wm(ctx, zone, pts, ctx.flags, zone.min, fast=False) if evidence else _UNSHOWN,
        retry=_retry(ctx, zone, pts) if retries else None,
        margin=margins[2],
    )


def _zone_ok(ctx: _Ctx, c: ZoneCheck, pt: Point, worst: bool, conv: int) -> bool:
    r = c.points.reserve[0 if worst else 1]
    era = ctx.era
    ok = era.page_count_margin(c.zone, ctx.order, c.zone.min, r, pt) > 0
    if ok and ctx.order > 0 and conv < ctx.order:
        area = era.free_area_ok(c.zone, ctx.order, c.zone.min, pt)
        ok = area == "pass" or (not worst and area == "depends")
    if not ok:
        return False
    fl = c.freelist.surely or (not worst and c.freelist.value)
    return fl or conv >= ctx.order


class _Rounds(Protocol):
    """Round k (0-based) → (pages moved so far, nr_reserved left, highest order moved)."""

    def __len__(self) -> int: ...

    def __getitem__(self, k: int) -> tuple[int, int, int]: ...


@dataclass(frozen=True)
class _ChunkByChunk:
    """The worst end without a block bound: each round moves exactly one H chunk.

    Round k (0-based) has moved the k+1 lowest-order chunks; worked out from the
    per-order counts rather than stepped, as a zone can hold thousands of chunks.
    """

    groups: tuple[tuple[int, int], ...]  # (order, chunks), lowest order first
    nr: int
    pb: int
    pbo: int

    def __len__(self) -> int:
        return min(MAX_ROUNDS, sum(n for _, n in self.groups))

    def __getitem__(self, k: int) -> tuple[int, int, int]:
        left, moved = k + 1, 0
        for o, n in self.groups:
            take = min(n, left)
            moved += take << o
            left -= take
            if left == 0:
                return moved, max(0, self.nr - (k + 1) * self.pb), min(o, self.pbo)
        raise IndexError(k)


def _rounds_in_zone(c: ZoneCheck, worst: bool, pb: int, pbo: int) -> _Rounds:
    """(pages moved so far, nr_reserved left, highest order moved) after each round in one zone.

    unreserve_highatomic_pageblock() converts the block of the zone's lowest-order free
    H chunk. move_freepages_block() moves at least that chunk and at best the block's
    free H pages, and never merges them: order N is served only by a chunk moved at N
    or above. Since 4855e4a7f29d (v4.10) one pageblock comes off the counter per block.
    """
    chunks = [[o, lo if worst else hi] for o, lo, hi in highatomic_chunks(c.zone)]
    h_left = c.bounds.h_pages[0 if worst else 1]
    pt = c.points.worst if worst else c.points.best
    nr, moved_total, top = pt.nr_reserved, 0, -1
    b = c.bounds
    # With consistent accounting every H chunk lies in one of the counted blocks, so the
    # zone's H chunks are gone after at most nr_reserved / pageblock rounds.
    blocks = b.nr[1] // pb if b.basis != "hard" and not b.out_of_sync and b.nr[1] else None
    if worst and blocks is None:
        return _ChunkByChunk(tuple((o, n) for o, n in chunks if n), nr, pb, pbo)
    out: list[tuple[int, int, int]] = []
    while True:
        first = next((x for x in chunks if x[1]), None)
        if first is None or h_left <= 0 or len(out) >= MAX_ROUNDS:
            return out
        o = first[0]
        last = blocks is not None and len(out) + 1 >= blocks
        moved = 1 << o if worst and not last else max(1 << o, min(pb, h_left))
        if last:
            moved = max(moved, h_left)
        first[1] -= 1
        high = o
        left = moved - (1 << o)
        # at best the block holds the largest chunks; at worst (its last block) the rest
        for x in (reversed(chunks) if not worst else chunks) if not worst or last else ():
            take = min(x[1], left >> x[0])  # as many chunks of this order as still fit
            if take:
                x[1] -= take
                left -= take << x[0]
                high = max(high, x[0])
        h_left = max(0, h_left - moved)
        moved_total += moved
        nr = max(0, nr - pb)
        top = max(top, min(high, pbo))
        out.append((moved_total, nr, top))


def _first_passing_round(ctx: _Ctx, c: ZoneCheck, seq: _Rounds, worst: bool) -> int | None:
    """The first round (0-based) after which the zone passes, by bisection; None if none."""
    pt = c.points.worst if worst else c.points.best

    def ok(k: int) -> bool:
        moved, nr, top = seq[k]
        return _zone_ok(ctx, c, Point(pt.free, nr, max(0, pt.nr_free_ha - moved)), worst, top)

    lo, hi = 0, len(seq) - 1
    if not ok(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def unreserve_rounds(ctx: _Ctx, checks: tuple[ZoneCheck, ...], worst: bool) -> int | None:
    """Rounds of unreserve_highatomic_pageblock(force) until the retry succeeds; None = never.

    Zones are unreserved in zonelist order; within a zone the outcome is monotone in
    the rounds, so the first passing round is found by bisection, not stepped.
    """
    return _unreserve_rounds(ctx, checks, worst)[0]


def _unreserve_rounds(
    ctx: _Ctx, checks: tuple[ZoneCheck, ...], worst: bool
) -> tuple[int | None, int, int]:
    """unreserve_rounds(), the index of the zone that passes (len(checks) for none) and
    the rounds spent in that zone itself."""
    pb = ctx.state.pageblock_pages
    pbo = ctx.state.pageblock_order
    if any(_zone_ok(ctx, c, c.points.worst if worst else c.points.best, worst, -1) for c in checks):
        return 0, 0, 0
    spent = 0
    for i, c in enumerate(checks):
        seq = _rounds_in_zone(c, worst, pb, pbo)
        if not seq:
            continue
        first = _first_passing_round(ctx, c, seq, worst)
        if first is None:
            spent += len(seq)
            continue
        return spent + first + 1, i, first + 1
    return None, len(checks), 0


def _blocks_holding_h(
    c: ZoneCheck, pb: int, counted: bool, below: int | None = None
) -> tuple[int, int]:
    """(fewest, most) pageblocks that hold the zone's free H chunks (of orders under
    ``below``, when given): one round each.

    The fewest: the proven chunks packed into whole blocks, where two free buddies would
    have merged (a block holds at most pb / 2^(k+1) free order-k chunks); the most: every
    chunk in a block of its own, no more than the counted blocks where the accounting
    holds (``counted``: since 4855e4a7f29d (v4.10) no double decrease leaves the counter
    below the blocks, which the counter's cap then bounds too), else the zone's blocks.
    """
    chunks = [x for x in highatomic_chunks(c.zone) if below is None or x[0] < below]
    if not chunks:
        return 0, 0
    b = c.bounds
    least = 1 if any(lo for _, lo, _ in chunks) else 0
    if below is None:
        least = max(least, -(-b.h_pages[0] // pb))
    for o, lo, _ in chunks:
        per_block = max(1, pb >> (o + 1))
        least = max(least, -(-lo // per_block))
    most = sum(hi for _, _, hi in chunks)
    if (b.basis != "hard" or counted) and not b.out_of_sync and b.nr[1]:
        most = min(most, max(1, -(-b.nr[1] // pb)))
    elif c.zone.managed:
        most = min(most, max(1, -(-c.zone.managed // pb)))
    return least, max(least, most)


def rounds(
    rp: Replay, state: AllocatorState, profile: KernelProfile
) -> tuple[int | None, int | None]:
    """(fewest, most) unreserve rounds for the failed request; None = never at that end.

    Each round converts one block, and which block holds the chunk that serves the
    order is not printed: the page-count replay's rounds are widened to what the blocks
    holding H chunks allow (all of an earlier zone's go before the serving zone's first).
    """
    ctx = _Ctx(state, profile, rp.order, rp.migratetype, rp.slow_flags)
    best, at_best, in_best = _unreserve_rounds(ctx, rp.zones, False)
    worst, at_worst, in_worst = _unreserve_rounds(ctx, rp.zones, True)
    if best is None or worst is None:
        return best, worst
    low, high = min(best, worst), max(best, worst)  # 5.9-5.18: the best end can be slower
    if low == 0:
        return low, high
    pb = state.pageblock_pages
    counted = profile.has(Feature.NO_DOUBLE_DECREASE)
    spans = [_blocks_holding_h(c, pb, counted) for c in rp.zones]

    def fewest(at: int, inside: int) -> int:
        # the zones before are emptied of free H chunks first: a round per block holding one
        return sum(lo for lo, _ in spans[:at]) + inside

    def most(at: int, inside: int) -> int:
        total = sum(hi for _, hi in spans[:at]) + inside
        if at < len(rp.zones):
            # in the zone that passes, lowest order first: blocks holding chunks below the
            # order may come before the one that serves it, no chunk of the order or above
            _, under = _blocks_holding_h(rp.zones[at], pb, counted, below=rp.order)
            blocks = max(1, min(under + 1, spans[at][1]))  # each block converts once
            total = max(total, sum(hi for _, hi in spans[:at]) + blocks)
        return total

    low = min(low, fewest(at_best, in_best), fewest(at_worst, in_worst))
    high = max(high, most(at_best, in_best), most(at_worst, in_worst))
    return low, high


def _unforced_helps(ctx: _Ctx, checks: tuple[ZoneCheck, ...]) -> bool:
    """Whether unreserve_highatomic_pageblock(ac, false) could serve the request at best.

    The unforced call skips a zone holding one pageblock or less; at best it releases
    every other block of the zones above that.
    """
    pb = ctx.state.pageblock_pages
    for c in checks:
        if c.bounds.nr[1] <= pb:
            continue
        z = _unreserved(ctx.state, c.zone, ctx.migratetype)
        after = check_zone(ctx, z, None, False, ctx.flags, retries=False, evidence=False)
        ok = _zone_ok(ctx, after, after.points.best, False, -1)
        if ok:
            return True
    return False


def could_unreserve(ctx: _Ctx, request: Request, checks: tuple[ZoneCheck, ...]) -> bool | None:
    """Whether this kernel itself would have unreserved for this caller.

    Since 04c8716f7b00 (v4.10) direct reclaim calls unreserve_highatomic_pageblock(ac,
    false), which skips a zone holding one pageblock or less; only should_reclaim_retry
    forces it. Before that (v4.4-4.9) only direct reclaim, after progress, with the
    same skip. An atomic caller never reclaims, so never unreserves.
    """
    if not ctx.profile.has(Feature.HIGHATOMIC):
        return None
    if not reclaims_directly(request):
        return False
    pb = ctx.state.pageblock_pages
    last_block_only = bool(checks) and all(c.bounds.nr[1] <= pb for c in checks)
    if not reaches_retry(request, ctx.order, ctx.profile) or not ctx.profile.has(
        Feature.UNRESERVE_BEFORE_OOM
    ):
        # only the unforced direct-reclaim call, which keeps a zone's last block
        return False if last_block_only or not _unforced_helps(ctx, checks) else None
    if not ctx.profile.has(Feature.UNRESERVE_RELIABLE):
        # before 29fac03bef72 (v4.10) the forced call may stop at a block it moved
        # nothing from, and should_reclaim_retry then gives up all the same
        return False if last_block_only else None
    if ctx.profile.has(Feature.UNRESERVE_AT_GIVEUP):
        return True  # ac3f3b0a5551 (v6.8): unreserve(force) whenever it would give up
    # 04c8716f7b00 (v4.10): only after MAX_RECLAIM_RETRIES loops, which needs a zone whose
    # reclaimable + free passes the watermark; otherwise it gives up at once ...
    retry = any_of([c.retry for c in checks if c.retry is not None])
    if retry.surely:
        return True
    if retry.surely_not:
        if ctx.order > COSTLY_ORDER:
            # ... but for a costly order no_progress_loops never resets, and the slow path
            # loops on while should_compact_retry() asks (after any reclaim progress), so
            # the forced call may come whatever the zones' retry test says
            return None
        return False if last_block_only else None
    return None


def replay(
    state: AllocatorState,
    request: Request,
    profile: KernelProfile,
    scenario: Scenario = BASE,
    nodes: Container[int] | None = None,
    evidence: bool = True,
) -> Replay:
    """Replay ``request`` against ``state`` under ``profile``, in ``scenario``.

    ``evidence=False``: the checks that are only shown (the fast path at low, the
    full test) are left out; the outcome and ``kernel_could_unreserve`` are whole.
    """
    missing: list[str] = []
    order = request.order if request.order is not None and request.order >= 0 else 0
    if request.order is None or request.order < 0:
        missing.append("order")  # -1 is SysRq's: no allocation to replay
    mt = request.migratetype or "Unmovable"
    if request.migratetype is None:
        missing.append("gfp_mask")
    flags = gfp_to_alloc_flags(request, order, profile)
    fast_flags = fastpath_flags(request)
    if scenario.allow_cma:
        flags = replace(flags, cma=True)
        fast_flags = replace(fast_flags, cma=True)
    ctx = _Ctx(state, profile, order, mt, flags)
    top = highest_index(state, request.highest_zone)
    zones = _eligible(state, top, nodes)
    if scenario.unreserve:
        zones = tuple(_unreserved(state, z, mt) for z in zones)
    if top is None:
        missing.append("highest zone")
    # 3334a45eb9e2 (v5.8): lowmem_reserve[highest_zoneidx]; before, the preferred zone's index
    classzone = top if profile.has(Feature.HIGHEST_ZONEIDX) else (zones[0].index if zones else None)
    # a counterfactual is asked only for its outcome: the checks that are only shown
    # (the fast path at low, the full test, should_reclaim_retry) belong to the base replay
    base = scenario == BASE
    retries = base and reaches_retry(request, order, profile)
    checks = tuple(
        check_zone(
            ctx, z, classzone, scenario.drop_lowmem, fast_flags, retries, evidence=base and evidence
        )
        for z in zones
    )
    if not checks:
        missing.append("zone lines")
    outcome = any_of([c.success for c in checks]) if checks else NO
    normal = state.zone_index("Normal")
    return Replay(
        order,
        mt,
        fast_flags,
        flags,
        top,
        classzone,
        checks,
        outcome,
        could_unreserve(ctx, request, checks) if base else None,
        oom_allowed(request, order, top, normal),
        scenario,
        tuple(missing),
        state.pageblock_order,
    )
