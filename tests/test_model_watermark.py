"""Unit tests of the watermark rules per era, on both sides of each boundary.

Zones here are hand-made (tests/model_helpers.py): they test one rule each.
"""

from __future__ import annotations

from test_model_helpers import profile, zone

from oomlens.model.flags import AllocFlags
from oomlens.model.watermark import (
    Point,
    effective_min,
    unusable_free,
    zone_watermark_fast,
    zone_watermark_ok,
)

ATOMIC_OLD = AllocFlags(high=True, harder=True)  # GFP_ATOMIC, 4.4-6.2
ATOMIC_NEW = AllocFlags(high=True, non_block=True)  # GFP_ATOMIC, 6.3+
OOM_VICTIM = AllocFlags(oom=True)
NOWAIT_NEW = AllocFlags(non_block=True)


def test_gfp_atomic_min_is_528_from_1407_in_every_era():
    assert effective_min(1407, ATOMIC_OLD, profile("4.8")) == 528
    assert effective_min(1407, ATOMIC_NEW, profile("6.3")) == 528


def test_oom_victim_cut_changes_at_4_15():
    # 4.14: ALLOC_OOM does not exist; 4.15 (cd04ae1e2dc8): OOM victims cut min by half
    assert effective_min(1000, OOM_VICTIM, profile("4.14")) == 1000
    assert effective_min(1000, OOM_VICTIM, profile("4.15")) == 500


def test_non_block_alone_gets_no_cut_from_6_3():
    # 6.2: no __GFP_HIGH, no __GFP_ATOMIC -> no cut; 6.3: NON_BLOCK alone -> no cut either
    assert effective_min(1000, AllocFlags(), profile("6.2")) == 1000
    assert effective_min(1000, NOWAIT_NEW, profile("6.3")) == 1000
    # ... but it escapes the highatomic deduction from 6.3 on
    pt = Point(free=1000, nr_reserved=512, nr_free_ha=0)
    assert unusable_free(0, NOWAIT_NEW, profile("6.3"), pt, 0) == 0
    assert unusable_free(0, AllocFlags(), profile("6.2"), pt, 0) == 512


def test_deduction_switches_to_nr_free_highatomic_at_6_12():
    pt = Point(free=5000, nr_reserved=4096, nr_free_ha=10)
    assert unusable_free(0, AllocFlags(), profile("6.11"), pt, 0) == 4096
    assert unusable_free(0, AllocFlags(), profile("6.12"), pt, 0) == 10


def test_cma_is_unusable_without_alloc_cma():
    pt = Point(1000, 0, 0)
    assert unusable_free(1, AllocFlags(), profile("6.1"), pt, 300) == 301
    assert unusable_free(1, AllocFlags(cma=True), profile("6.1"), pt, 300) == 1


def test_fast_path_deducts_the_reserve_from_5_9():
    z = zone(free=1000, mn=100)
    pt = Point(free=1000, nr_reserved=950, nr_free_ha=0)
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("5.8"), pt) == "pass"
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("5.9"), pt) == "fail"


def test_negative_usable_passes_until_5_19():
    z = zone(free=1000, mn=100)
    pt = Point(free=1000, nr_reserved=2048, nr_free_ha=0)
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("5.18"), pt) == "pass"
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("5.19"), pt) == "fail"
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("5.15.58"), pt) == "pass"
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("5.15.59"), pt) == "fail"


def test_shortcut_needs_4_7():
    # 4.6: full test deducts the reserve; 4.7 shortcut (48ee5f3696f6) does not
    z = zone(free=1000, mn=100)
    pt = Point(free=1000, nr_reserved=950, nr_free_ha=0)
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("4.6"), pt) == "fail"
    assert zone_watermark_fast(z, 0, 100, 0, AllocFlags(), profile("4.7"), pt) == "pass"


def test_strictly_greater_and_lowmem_reserve():
    z = zone(free=1957)
    pt = Point(1957, 0, 0)
    assert zone_watermark_ok(z, 0, 5, 1952, AllocFlags(), profile("4.8"), pt) == "fail"
    assert zone_watermark_ok(z, 0, 4, 1952, AllocFlags(), profile("4.8"), pt) == "pass"


def test_harder_high_order_any_list_until_4_15():
    # Only H and isolate chunks at order >= 2: 4.14 HARDER accepts any list, 4.15 only H
    z = zone(free=1000, areas=((0, 100, "M"), (2, 10, "I")))
    pt = Point(1000, 0, 0)
    assert zone_watermark_ok(z, 2, 100, 0, ATOMIC_OLD, profile("4.14"), pt) == "pass"
    assert zone_watermark_ok(z, 2, 100, 0, ATOMIC_OLD, profile("4.15"), pt) == "fail"


def test_high_order_h_list_needs_highatomic_from_6_3():
    z = zone(free=1000, areas=((0, 100, "M"), (3, 20, "H")))
    pt = Point(1000, 0, 0)
    assert zone_watermark_ok(z, 3, 100, 0, ATOMIC_OLD, profile("6.2"), pt) == "pass"
    assert (
        zone_watermark_ok(
            z, 3, 100, 0, AllocFlags(high=True, non_block=True, highatomic=True), profile("6.3"), pt
        )
        == "pass"
    )
    assert zone_watermark_ok(z, 3, 100, 0, AllocFlags(), profile("6.3"), pt) == "fail"


def test_pre_4_4_per_order_walk():
    # 3.x: order-2 request; order-0/1 pages are subtracted and min halves per order
    z = zone(free=300, areas=((0, 200, "M"), (1, 40, "M"), (2, 5, "M")))
    pt = Point(300, 0, 0)
    # 300-3=297 > 50; minus 200 -> 97 > 25; minus 80 -> 17 > 12 -> pass
    assert zone_watermark_ok(z, 2, 50, 0, AllocFlags(), profile("3.13"), pt) == "pass"
    assert zone_watermark_ok(z, 2, 70, 0, AllocFlags(), profile("3.13"), pt) == "fail"
    # from 4.4 (97a16fc82a7c) only the order-0 test plus a suitable block
    assert zone_watermark_ok(z, 2, 70, 0, AllocFlags(), profile("4.4"), pt) == "pass"


def test_unboosted_min_for_atomic_order0_from_5_9():
    # ALLOC_HARDER cuts min 1400 -> 1050, 1000 fails; the unboosted min 1200 -> 900 passes
    z = zone(free=1000, mn=1400, boost=200)
    pt = Point(1000, 0, 0)
    flags = AllocFlags(harder=True)
    assert zone_watermark_fast(z, 0, 1400, 0, flags, profile("5.8"), pt) == "fail"
    assert zone_watermark_fast(z, 0, 1400, 0, flags, profile("5.9"), pt) == "pass"
