"""The certain discipline: a `certain` verdict holds for every value and kernel the report allows.

For every corpus and seed report judged `certain`, hypothesis draws a concrete
world inside the report's bounds — free pages between ``free:`` and the buddy
total, the highatomic counter (a multiple of the pageblock, within the cap, at
least the blocks the drawn H pages fill under consistent accounting), the
MIGRATE_HIGHATOMIC share of every order printed with several letters, an
unprinted lowmem_reserve — and a kernel profile the release allows
(``KernelProfile.variants``), pins the state to it, and judges it again. The
code and ``unreserve_would_avoid`` must come out the same for every draw.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from oomlens.judge.judge import _verdict
from oomlens.kernel.profile import Feature, KernelProfile, resolve_profile
from oomlens.kernel.request import Request, decode_request
from oomlens.model.freelist import chunk_bounds
from oomlens.model.reserve import UNBOUNDED, reserve_bounds
from oomlens.model.state import AllocatorState, ZoneState, build_state
from oomlens.parse.report import Report
from oomlens.pipeline import analyze_file
from tests.test_corpus_key import FILES, _sample


@cache
def certain_cases() -> tuple[tuple[str, Report, Request, AllocatorState, KernelProfile], ...]:
    out = []
    for path in FILES:
        for a in analyze_file(str(path)).analyses:
            v = a.verdict
            if v is None or v.confidence != "certain" or a.request is None or not a.report.zones:
                continue
            if v.code in ("memcg-limit", "not-a-shortage"):
                continue  # decided by markers, not by a replay of the zones
            dec = decode_request(a.report)
            profile, _ = resolve_profile(a.report, None, (), dec.layout)
            state = build_state(a.report)
            name = f"{_sample(path)}:{a.report.first_line}"
            out.append((name, a.report, a.request, state, profile, v.code, v.unreserve_would_avoid))
    return tuple(out)


def test_the_corpus_has_certain_replayed_verdicts():
    assert len(certain_cases()) >= 10


def _draw_zone(draw, zone: ZoneState, state: AllocatorState, profile: KernelProfile) -> ZoneState:
    pb = 1 << state.pageblock_order
    lo, hi = zone.free_bounds
    free = draw(st.sampled_from(sorted({lo, hi, (lo + hi) // 2})))
    b = reserve_bounds(zone, pb, profile)
    consistent = b.basis != "hard" and profile.has(Feature.NO_DOUBLE_DECREASE) and not b.out_of_sync
    areas = zone.areas or ()
    lows = [chunk_bounds(a, "H")[0] for a in areas]
    h_chunks = []
    for area in areas:
        c_lo, c_hi = chunk_bounds(area, "H")
        h_chunks.append(draw(st.sampled_from(sorted({c_lo, c_hi, (c_lo + c_hi) // 2}))))
    if consistent:
        # every free H page lies in a block the counter holds: H pages <= the counter
        top = b.h_pages[1]
        for i in reversed(range(len(h_chunks))):
            over = sum(n << a.order for n, a in zip(h_chunks, areas, strict=True)) - top
            if over <= 0:
                break
            cut = min(h_chunks[i] - lows[i], -(-over >> areas[i].order))
            h_chunks[i] -= cut
    h_pages = sum(n << a.order for n, a in zip(h_chunks, areas, strict=True))
    nr_lo, nr_hi = b.nr
    if b.basis != "hard" and profile.has(Feature.NO_DOUBLE_DECREASE):
        nr_lo = max(nr_lo, -(-h_pages // pb) * pb)  # consistent accounting
    nr_hi = max(nr_lo, nr_hi if nr_hi < UNBOUNDED else nr_lo + 4 * pb)
    blocks = sorted({nr_lo // pb, nr_hi // pb, (nr_lo + nr_hi) // 2 // pb})
    nr = zone.reserved_highatomic
    if nr is None:
        nr = draw(st.sampled_from(blocks)) * pb
    reserve = zone.lowmem_reserve
    if reserve is None and state.zone_types:
        value = draw(st.sampled_from((0, UNBOUNDED)))
        reserve = tuple(
            0 if i <= (zone.index or 0) else value for i in range(len(state.zone_types))
        )
    return replace(
        zone,
        free=free,
        buddy_pages=free,
        reserved_highatomic=nr if profile.has(Feature.HIGHATOMIC) else zone.reserved_highatomic,
        free_highatomic=h_pages if zone.free_highatomic is None else zone.free_highatomic,
        h_chunks=tuple(h_chunks) if zone.areas is not None else None,
        lowmem_reserve=reserve,
    )


@pytest.mark.parametrize("case", certain_cases(), ids=lambda c: c[0])
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],
)
@given(data=st.data())
def test_certain_holds_for_every_draw(case, data):
    name, report, req, state, profile, code, would = case
    variant = data.draw(st.sampled_from(profile.variants()), label="profile")
    order = data.draw(
        st.sampled_from((state.pageblock_order, *state.pageblock_alternatives)), label="pageblock"
    )
    base = replace(state, pageblock_order=order, pageblock_alternatives=())
    zones = tuple(_draw_zone(data.draw, z, base, variant) for z in base.zones)
    world = replace(base, zones=zones)
    pinned = replace(variant, uncertain=frozenset())
    v = _verdict(report, world, req, pinned, report.arch)
    assert (v.code, v.unreserve_would_avoid) == (code, would), (name, variant.label)
