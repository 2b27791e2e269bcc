"""The verdict under one concrete kernel profile: counterfactuals of a failing state, ranked.

Each candidate cause is a counterfactual — release the highatomic reserve, drop
lowmem_reserve, allow CMA — replayed alone against a state in which the request
fails. It is *primary* only when material: the memory it hands the request is
at least the min watermark of the highest zone the request may use, and for an
order > 0 request it supplies a free block of the order. Several material
causes rank by ``verdict.PRECEDENCE``; with none, the two halves of the
watermark check split ``fragmented`` from ``exhausted``. Every test is a
``Tri``: the decision is *sure* only when every test it read was sure.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

from oomlens.judge import verdict as V
from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.kernel.request import Request
from oomlens.model.replay import Replay, Scenario, ZoneCheck, replay, rounds
from oomlens.model.state import AllocatorState, Interval, ZoneState
from oomlens.model.tri import NO, Tri, any_of

ISA_DMA_KB = 16 * 1024  # ZONE_DMA on x86: the first 16 MiB, for ISA devices


@dataclass(frozen=True)
class Cause:
    """One counterfactual: does it serve the request, is it material, and with how much."""

    code: str
    holds: Tri  # the request fails, and passes once this alone is released
    material: Tri
    headroom: Interval  # pages it hands the request

    @property
    def primary(self) -> Tri:
        return self.holds & self.material


@dataclass(frozen=True)
class Decision:
    """What one profile makes of one state."""

    code: str
    would: Tri  # unreserve_would_avoid
    sure: bool  # the code and the answer hold for every value the report allows
    replay: Replay
    causes: tuple[Cause, ...] = ()
    missing: tuple[str, ...] = ()
    rounds: tuple[int | None, int | None] | None = None


def _at_least(lo: int, nominal: int, hi: int, thresholds: tuple[int, ...]) -> Tri:
    """At least every reading of the threshold; unsure where the readings disagree."""
    outs = [Tri.of(lo >= t, hi >= t, nominal >= t) for t in thresholds]
    first = outs[0]
    if all(o.value == first.value for o in outs[1:]):
        return Tri(first.value, all(o.sure for o in outs))
    return Tri(first.value, False)


def is_isa_dma(zone: ZoneState, page_kb: int, arch: str | None) -> bool:
    """The 16 MiB ISA ZONE_DMA, whose lowmem_reserve keeps memory back by design.

    Only x86 has it; arm, arm64 and ppc64 call a large zone "DMA". Sized by
    present, else managed, else free pages (a lower bound).
    """
    if zone.name != "DMA":
        return False
    size = zone.present or zone.managed
    if size is not None:
        return size * page_kb <= ISA_DMA_KB
    if arch and not arch.startswith(("x86", "i386", "i686")):
        return False
    return zone.free * page_kb <= ISA_DMA_KB


def _isa_guessed(zone: ZoneState, arch: str | None) -> bool:
    """is_isa_dma() read a DMA zone's ISA-ness off its free pages: no size, no arch."""
    return zone.present is None and zone.managed is None and arch is None


def no_highatomic(rp: Replay) -> bool:
    """No H page and a zero counter in any eligible zone: unreserving changes nothing."""
    return all(
        c.bounds.h_pages[1] == 0 and c.bounds.nr[1] == 0 and c.bounds.nr_free[1] == 0
        for c in rp.zones
    )


def would_unreserve(
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    rp: Replay,
    nodes: Container[int] | None,
) -> tuple[Tri, Replay | None]:
    """unreserve_would_avoid: the request fails, and passes once every H block is released."""
    if not profile.has(Feature.HIGHATOMIC) or no_highatomic(rp):
        return NO, None  # before 0aaa29a56e4f (v4.4) there is no MIGRATE_HIGHATOMIC
    ur = replay(state, req, profile, Scenario(unreserve=True), nodes)
    return ~rp.outcome & ur.outcome, ur


def _deduction(c: ZoneCheck) -> tuple[int, int, int]:
    """The highatomic pages the page count deducted at the (best, nominal, worst) points."""
    b, n, w = c.points.best, c.points.nominal, c.points.worst
    before = (b.nr_reserved, n.nr_reserved, w.nr_reserved)
    after = (b.nr_free_ha, n.nr_free_ha, w.nr_free_ha)
    if not c.count_released.value or c.count.surely:
        return 0, 0, 0
    # the page count used one counter or the other, by era; the larger bounds either
    return min(before[0], after[0]), max(before[1], after[1]), max(before[2], after[2])


def block_bound(c: ZoneCheck, order: int) -> Tri:
    """Order > 0: the zone passes the page count but has no usable block of the order."""
    if order == 0:
        return NO
    return c.count & ~(c.area & c.freelist)


def _hands_enough(
    base: ZoneCheck, hand: tuple[int, int, int], order: int, threshold: tuple[int, ...]
) -> Tri:
    """What a counterfactual hands a zone it tips is more than a sliver.

    Where the free-area half was binding (the page count passed, no usable block of
    the order), the block it supplies is what the request lacked; where the page
    count was binding, it must hand at least the min watermark of the top zone.
    """
    return block_bound(base, order) | _at_least(*hand, threshold)


def _highatomic_cause(
    rp: Replay, ur: Replay | None, would: Tri, threshold: tuple[int, ...]
) -> Cause:
    """Material when, in a zone it tips, it supplies the missing block or enough pages.

    What unreserving hands a zone in pages is the larger of the free pages it moves
    off the MIGRATE_HIGHATOMIC lists and the deduction it lifts from the page count
    (the whole nr_reserved_highatomic before c928807f6f6b, v6.12; the free H pages
    since). It serves order N only through an H chunk printed at N or above.
    """
    if ur is None:
        return Cause(V.HIGHATOMIC_STRANDED, would, NO, (0, 0))
    material = NO
    lo = hi = 0
    for base, after in zip(rp.zones, ur.zones, strict=True):
        tipped = ~base.success & after.success
        b = base.bounds
        d = _deduction(base)
        hand = (max(b.h_pages[0], d[0]), max(b.h_nominal, d[1]), max(b.h_pages[1], d[2]))
        material = material | (tipped & _hands_enough(base, hand, rp.order, threshold))
        if tipped.value:
            lo, hi = lo + hand[0], hi + hand[2]
    return Cause(V.HIGHATOMIC_STRANDED, would, material, (lo, hi))


def _cma_cause(
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    rp: Replay,
    nodes: Container[int] | None,
    threshold: tuple[int, ...],
) -> Cause | None:
    """Material when, in a zone it tips, free CMA supplies the missing block or enough pages."""
    if rp.slow_flags.cma or not any(c.zone.cma for c in rp.zones):
        return None
    alt = replay(state, req, profile, Scenario(allow_cma=True), nodes)
    material = NO
    total = 0
    for base, after in zip(rp.zones, alt.zones, strict=True):
        cma = base.zone.cma or 0
        total += cma
        tipped = ~base.success & after.success
        material = material | (tipped & _hands_enough(base, (cma, cma, cma), rp.order, threshold))
    return Cause(V.CMA_ONLY, ~rp.outcome & alt.outcome, material, (0, total))


def _lowmem_cause(
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    rp: Replay,
    nodes: Container[int] | None,
    threshold: tuple[int, ...],
    arch: str | None,
) -> Cause | None:
    protected = [c for c in rp.zones if c.reserve is None or c.reserve[1] > 0]
    if not protected:
        return None
    alt = replay(state, req, profile, Scenario(drop_lowmem=True), nodes)
    opened = {(c.zone.node, c.zone.name): c for c in alt.zones}
    material = NO
    lo = hi = 0
    for c in protected:
        a = opened.get((c.zone.node, c.zone.name))
        if a is None:
            continue
        f_lo, f_hi = c.zone.free_bounds
        m = c.min_effective
        above = (f_lo - m, c.zone.free - m, f_hi - m)
        lo += max(0, above[0])
        hi += max(0, above[2])
        isa = is_isa_dma(c.zone, state.page_kb, arch)
        if isa and not _isa_guessed(c.zone, arch):
            continue  # the ISA DMA zone is kept back by design: never material
        # fails solely on lowmem_reserve, holds the top zone's min above its own, and
        # (order > 0) a free block of the order: that is ``success`` with no reserve
        opens = ~c.success & a.success & _at_least(*above, threshold)
        if isa:  # ISA by its free pages alone (no size, no arch): material if it is not
            opens = Tri(False, opens.surely_not)
        material = material | opens
    return Cause(V.LOWMEM_PROTECTED, ~rp.outcome & alt.outcome, material, (lo, hi))


def fragmented(rp: Replay) -> Tri:
    """Order > 0: a zone passes the page count (reserves released) but has no usable block.

    Since 97a16fc82a7c (v4.4) the two halves of __zone_watermark_ok; before that a
    zone that passes at order 0 and fails the per-order walk.
    """
    if rp.order == 0:
        return NO
    return any_of([c.count_released & ~(c.area & c.freelist) for c in rp.zones])


def threshold_of(rp: Replay) -> int:
    """The min watermark of the highest zone the request may use, as this request sees it."""
    return rp.zones[0].min_effective if rp.zones else 0


def thresholds(rp: Replay) -> tuple[int, ...]:
    """What "more than a sliver" is measured against: the top zone's min as this request
    sees it (after ALLOC_HIGH/HARDER cuts), and as printed. Where the two readings
    disagree on materiality the verdict is at most likely."""
    if not rp.zones:
        return (0,)
    top = rp.zones[0]
    return tuple(dict.fromkeys((top.min_effective, top.zone.min)))


def decide_failing(
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    rp: Replay,
    nodes: Container[int] | None,
    arch: str | None,
) -> Decision:
    """Rank the causes of a failing replay (the outcome's nominal value is a failure)."""
    t = thresholds(rp)
    would, ur = would_unreserve(state, req, profile, rp, nodes)
    causes = [_highatomic_cause(rp, ur, would, t)]
    cma = _cma_cause(state, req, profile, rp, nodes, t)
    if cma is not None:
        causes.append(cma)
    low = _lowmem_cause(state, req, profile, rp, nodes, t, arch)
    if low is not None:
        causes.append(low)
    sure = rp.outcome.surely_not and would.sure
    code = None
    for cause in sorted(causes, key=lambda c: V.PRECEDENCE.index(c.code)):
        p = cause.primary
        sure = sure and p.sure
        if p.value:
            code = cause.code
            break
    missing: tuple[str, ...] = ()
    if code is None:
        frag = fragmented(rp)
        sure = sure and frag.sure
        code = V.FRAGMENTED if frag.value else V.EXHAUSTED
        if sure and _split_can_move(rp, code):
            sure, missing = False, ("decision-time state",)
    span = rounds(rp, state, profile) if would.value else None
    if span is not None and span[0] == 0:
        span = (1, span[1])  # asked of failing states only: a failing state needs a round
    return Decision(code, would, sure, rp, tuple(causes), missing, span)


def _split_can_move(rp: Replay, code: str) -> bool:
    """Order > 0: the page count that splits fragmented from exhausted lies within the pages
    the report shows can move between decision and print (free_pcp and the gap between
    free: and the buddy total; a chunk of the order would have served it): every zone
    passing it passes by no more (fragmented), or a zone with no usable block fails it by
    less (exhausted). The code then holds at the printed values only."""
    from oomlens.judge.nearest import drift_pages as drift

    if not rp.order:
        return False
    if code == V.FRAGMENTED:
        passing = [c for c in rp.zones if c.count.value]
        return bool(passing) and all(c.margin <= drift(c.zone) for c in passing)
    # a zone that fails it by less and holds a usable block would have served the request
    # had it passed: only a zone without one turns fragmented
    return any(-drift(c.zone) < c.margin <= 0 and not (c.area & c.freelist).value for c in rp.zones)


def decide(
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    nodes: Container[int] | None = None,
    arch: str | None = None,
) -> Decision:
    """The verdict for ``req`` on ``state`` under one concrete ``profile``."""
    from oomlens.judge.nearest import nearest_failing_state

    rp = replay(state, req, profile, nodes=nodes)
    if not rp.zones:
        return Decision(V.UNDETERMINED, Tri.unknown(False), False, rp, missing=("zone lines",))
    if not rp.outcome.value:
        return decide_failing(state, req, profile, rp, nodes, arch)
    # The printed state serves the request: it was printed after the decision. Judge
    # the nearest failing state when only what the report shows can move closes the gap.
    near = nearest_failing_state(state, rp)
    if near is not None:
        rp2 = replay(near, req, profile, nodes=nodes)
        if not rp2.outcome.value:
            d = decide_failing(near, req, profile, rp2, nodes, arch)
            return Decision(
                d.code, d.would, False, d.replay, d.causes, ("decision-time state",), d.rounds
            )
    would = NO if (not profile.has(Feature.HIGHATOMIC) or no_highatomic(rp)) else Tri.unknown(False)
    return Decision(V.UNDETERMINED, would, False, rp, missing=("decision-time state",))
