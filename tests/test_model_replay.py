"""Unit tests of replay-level rules (hand-made states): lowmem index, unreserve callers.

Small AllocatorStates built here because no real report shows each side of
these boundaries with everything else held equal.
"""

from __future__ import annotations

from test_model_helpers import profile, zone

from oomlens.kernel.request import Request
from oomlens.model.replay import replay, rounds
from oomlens.model.state import AllocatorState

TYPES = ("DMA", "DMA32", "Normal", "Movable")
KERNEL = ("__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_IO", "__GFP_FS")


def state(*zones) -> AllocatorState:
    return AllocatorState(tuple(zones), TYPES, 4, 9, 11)


def req(flags=KERNEL, mt="Movable", top="Movable") -> Request:
    return Request(0, flags, None, 0, mt, top)


def test_lowmem_index_is_highest_zoneidx_from_5_8():
    # Only DMA32 populated: the preferred zone is DMA32 (1), gfp_zone is Movable (3)
    dma32 = zone(
        free=1000, mn=100, reserve=(0, 0, 500, 950), name="DMA32", index=1, areas=((0, 1000, "M"),)
    )
    old = replay(state(dma32), req(), profile("5.7"))
    new = replay(state(dma32), req(), profile("5.8"))
    assert old.classzone == 1 and old.zones[0].reserve == (0, 0) and old.outcome.result == "pass"
    assert (
        new.classzone == 3 and new.zones[0].reserve == (950, 950) and new.outcome.result == "fail"
    )


def h_only(reclaimable: int):
    return zone(free=2000, mn=500, areas=((0, 2000, "H"),), reclaimable=reclaimable)


def test_unreserve_callers_4_9_to_4_10():
    s = state(h_only(reclaimable=100_000))
    assert replay(s, req(), profile("4.9")).kernel_could_unreserve is None
    assert replay(s, req(), profile("4.12")).kernel_could_unreserve is True
    # before 4.12 the 16th loop counts the 2000 free pages alone, all reserved: it fails
    assert replay(s, req(), profile("4.10")).kernel_could_unreserve is None
    atomic = req(("__GFP_HIGH", "__GFP_ATOMIC", "__GFP_KSWAPD_RECLAIM"), "Unmovable", "Normal")
    assert replay(s, atomic, profile("4.10")).kernel_could_unreserve is False


def test_unreserve_at_every_give_up_from_6_8():
    # reclaimable + free fails the watermark once the reserve is deducted: 6.7 gives up
    # without unreserving (Charan's case), 6.8 unreserves before the OOM
    z = zone(free=2000, mn=500, areas=((0, 2000, "H"),), reclaimable=0, reserved=1800)
    s = state(z)
    rp = replay(s, req(), profile("6.7"))
    assert rp.zones[0].retry.result == "fail"
    assert rp.kernel_could_unreserve is None  # only direct reclaim with progress could
    assert replay(s, req(), profile("6.8")).kernel_could_unreserve is True


def test_unreserve_rounds_lowest_order_first():
    z = zone(free=2000, mn=500, areas=((0, 8, "H"), (9, 3, "H")), managed=1_000_000)
    s = state(z)
    rp = replay(s, req(), profile("4.10"))
    assert rp.outcome.result == "fail" and rounds(rp, s, profile("4.10")) == (1, 1)
