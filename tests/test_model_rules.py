"""Unit tests of the freelist, reserve and slow-path rules per era (hand-made states).

Each test builds a small state (tests/model_helpers.py) because it tests one
rule on both sides of the release that changed it.
"""

from __future__ import annotations

from test_model_helpers import profile, zone

from oomlens.kernel.request import Request
from oomlens.model.flags import AllocFlags
from oomlens.model.freelist import (
    chunk_bounds,
    freelist_result,
    may_take_highatomic,
    type_pages,
    usable_letters,
)
from oomlens.model.reserve import cap, reserve_bounds
from oomlens.model.slowpath import gfp_to_alloc_flags, oom_allowed, reaches_retry
from oomlens.model.state import FreeArea, zone_types

ATOMIC_OLD = AllocFlags(high=True, harder=True)
ATOMIC_NEW = AllocFlags(high=True, non_block=True)


def req(flags, order=0, mt="Unmovable", zone="Normal") -> Request:
    return Request(0, tuple(f"__GFP_{f}" for f in flags), None, order, mt, zone)


def test_order0_atomic_may_take_h_from_6_12():
    assert not may_take_highatomic(0, "Unmovable", ATOMIC_NEW, profile("6.11"), 9)
    assert may_take_highatomic(0, "Unmovable", ATOMIC_NEW, profile("6.12"), 9)
    assert may_take_highatomic(0, "Unmovable", ATOMIC_NEW, profile("6.6.60"), 9)
    assert not may_take_highatomic(0, "Unmovable", ATOMIC_NEW, profile("6.6.59"), 9)


def test_5_15_171_pcp_caveat():
    # 5.15.171 carries 281dd25c1a01, but an order-0 pcp miss never reaches rmqueue_buddy
    assert not may_take_highatomic(0, "Unmovable", ATOMIC_NEW, profile("5.15.171"), 9)
    # a MOVABLE request without ALLOC_CMA bypasses the pcp (1d91df85f399) and does
    assert may_take_highatomic(0, "Movable", AllocFlags(non_block=True), profile("5.15.171"), 9)


def test_high_order_harder_takes_h_in_4_x():
    assert may_take_highatomic(2, "Unmovable", ATOMIC_OLD, profile("4.8"), 9)
    assert not may_take_highatomic(0, "Unmovable", ATOMIC_OLD, profile("4.8"), 9)
    assert usable_letters(0, "Movable", AllocFlags(cma=True), profile("4.8"), 9) == "MEUC"


def test_migrate_reserve_before_4_4():
    assert usable_letters(0, "Unmovable", AllocFlags(), profile("3.13"), 9) == "UEMR"


def test_chunk_bounds_from_letters():
    assert chunk_bounds(FreeArea(1, 3, "UH"), "H") == (1, 2)
    assert chunk_bounds(FreeArea(0, 7, "H"), "H") == (7, 7)
    assert chunk_bounds(FreeArea(0, 7, "UE"), "H") == (0, 0)
    z = zone(areas=((0, 7, "UE"), (1, 3, "UH"), (10, 1, "H")))
    assert type_pages(z, "H") == (1026, 1028)


def test_freelist_h_only_cannot_serve():
    z = zone(areas=((0, 7, "H"), (3, 2, "H")))
    assert freelist_result(z, 0, "MEUC") == "fail"
    assert freelist_result(z, 0, "UEMH") == "pass"
    assert freelist_result(zone(areas=((0, 7, "UH"),)), 1, "UEM") == "fail"


def test_cap_formula_changes_at_6_8():
    assert cap(507523, 512, profile("6.7")) == (5587, 5632)
    assert cap(507523, 512, profile("6.8")) == (5120, 5120)
    # zones under 100 pageblocks get no reserve from 6.8 (9cd20f3fe045)
    assert cap(3977, 512, profile("6.7")) == (551, 1024)
    assert cap(3977, 512, profile("6.8")) == (0, 0)
    assert cap(3977, 512, profile("4.3")) == (0, 0)


def test_reserve_bounds_trust_accounting_from_4_10():
    z = zone(free=4871, areas=((0, 7, "H"), (9, 9, "H")), managed=507523)
    old = reserve_bounds(z, 512, profile("4.9"))
    new = reserve_bounds(z, 512, profile("4.10"))
    assert old.consistent_low == 5120 and old.basis == "hard" and old.nr == (0, 5632)
    assert new.basis == "consistent" and new.nr == (5120, 5632)


def test_printed_reserve_is_exact():
    z = zone(reserved=4096, free_ha=10)
    b = reserve_bounds(z, 512, profile("6.16"))
    assert b.nr == (4096, 4096) and b.nr_free == (10, 10) and b.basis == "printed"


def test_gfp_to_alloc_flags_eras():
    atomic = req(("HIGH", "ATOMIC", "KSWAPD_RECLAIM"))
    f = gfp_to_alloc_flags(atomic, 0, profile("6.2"))
    assert f.high and f.harder and not f.non_block and not f.cpuset
    atomic_new = req(("HIGH", "KSWAPD_RECLAIM"), order=2)
    f = gfp_to_alloc_flags(atomic_new, 2, profile("6.3"))
    assert f.high and f.non_block and f.highatomic and not f.harder
    nowait = req(("KSWAPD_RECLAIM",))
    assert not gfp_to_alloc_flags(nowait, 0, profile("6.2")).harder
    assert gfp_to_alloc_flags(nowait, 0, profile("6.3")).non_block
    kernel = req(("DIRECT_RECLAIM", "KSWAPD_RECLAIM", "IO", "FS"))
    f = gfp_to_alloc_flags(kernel, 0, profile("6.3"))
    assert not (f.high or f.non_block or f.harder)


def test_slow_path_gates():
    kernel = req(("DIRECT_RECLAIM", "KSWAPD_RECLAIM", "IO", "FS"))
    assert reaches_retry(kernel, 3, profile("4.10"))
    assert not reaches_retry(kernel, 4, profile("4.10"))
    assert not reaches_retry(kernel, 0, profile("4.6"))  # should_reclaim_retry is 4.7
    assert oom_allowed(kernel, 0, 2, 2) is True
    assert oom_allowed(kernel, 0, 1, 2) is False  # GFP_DMA32-only: no OOM kill
    nofs = req(("DIRECT_RECLAIM", "KSWAPD_RECLAIM", "IO"))
    assert oom_allowed(nofs, 0, 2, 2) is False


def test_zone_types_from_lowmem_reserve_length():
    assert zone_types({"DMA", "DMA32"}, 4, "x86_64") == ("DMA", "DMA32", "Normal", "Movable")
    assert zone_types({"DMA", "Normal", "HighMem"}, 4, "i386") == (
        "DMA",
        "Normal",
        "HighMem",
        "Movable",
    )
    assert zone_types({"Normal"}, None, "x86_64") is None
