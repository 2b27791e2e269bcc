"""The pageblock order a kernel's configuration may lower (hostile round 48 F1), and the
zone set of a kernel whose arch the report does not name (round 49 F1).

Since e13e7922d034 (6.16) pageblock_order is min(HUGETLB_PAGE_ORDER,
CONFIG_PAGE_BLOCK_MAX_ORDER), the option set anywhere from 1 up, and no report prints
it. No sample comes from a kernel built so, so each test edits the lab's real Debian
6.12.118 report (``samples/lab/stranded-6.12.log``) as a mainline 6.16 kernel prints
it (each edit written out). kB / 4 = pages.
"""

from __future__ import annotations

from oomlens.pipeline import analyze_file
from tests.corpus import sample
from tests.test_caller_context import SYNTHETIC, edited

# 6.16's dump_stack banner; 6.15+ zone lines print free_highatomic beside
# reserved_highatomic, in "kB"; DMA32's two reserved blocks hold one 512 kB and one 1024 kB
# (H) chunk (free and the buddy total less the 2048 kB chunk, plus those: -512 kB).
_AS_6_16 = (
    ("OE      6.12.118+deb13-amd64 #1  Debian 6.12.118-1", "OE      6.16.12 #1 PREEMPT(voluntary) "),
    ("high:128kB reserved_highatomic:0KB", "high:128kB reserved_highatomic:0kB free_highatomic:0kB"),
    ("DMA32 free:365048kB", "DMA32 free:364536kB"),
    ("reserved_highatomic:2048KB", "reserved_highatomic:2048kB free_highatomic:1536kB"),
    ("0*512kB 0*1024kB 1*2048kB (H) 0*4096kB = 365020kB", "1*512kB (H) 1*1024kB (H) 0*2048kB 0*4096kB = 364508kB"),
)  # fmt: skip
_ANDROID_6_6 = (
    (
        "OE      6.12.118+deb13-amd64 #1  Debian 6.12.118-1",
        "OE      6.6.50-android15-8-g1a2b3c4d5e6f #1",
    ),
)


def _verdict(path):
    return analyze_file(str(path)).analyses[0].verdict


def test_6_12_keeps_its_last_block_for_a_noretry_caller(tmp_path):
    """6.12, hugepages_size=2048kB: pageblock order 9, DMA32 reserved_highatomic 2048 kB =
    512 pages = one block; the only unreserve a __GFP_NORETRY caller reaches is
    __alloc_pages_direct_reclaim()'s unforced call, which skips a zone holding one block."""
    v = _verdict(edited(tmp_path, "stranded-6.12"))
    assert (v.code, v.confidence, v.unreserve_rounds) == ("highatomic-stranded", "certain", (1, 1))
    assert v.kernel_could_unreserve is False


def test_6_16_may_have_smaller_pageblocks_so_the_unforced_unreserve_may_run(tmp_path):
    """6.16 with CONFIG_PAGE_BLOCK_MAX_ORDER=8 has 256-page blocks: 512 reserved pages are two
    blocks, more than the one the unforced call keeps, so after reclaim progress it converts
    one (the 1024 kB chunk, an order-8 block) and the order-3 request is served: whether the
    kernel would release it is open. The verdict itself holds at every order: DMA32
    91127..91134 - 7 - free highatomic 384 > min 2095 passes the page count, but no U/M/E
    chunk is >= order 3 (the largest is 16 kB, order 2), nor in DMA; converting the H
    chunks serves it, at every pageblock order from 9 down to 1 (the sweep judges each)."""
    v = _verdict(edited(tmp_path, "stranded-6.12", *_AS_6_16))
    assert (v.code, v.confidence, v.unreserve_would_avoid) == (
        "highatomic-stranded",
        "certain",
        True,
    )
    assert v.kernel_could_unreserve is None


def test_android_6_6_may_carry_the_option_ahead_of_mainline(tmp_path):
    """An Android 6.6 build (the option was Google's, for 16 kB pages; its trees may carry
    it before 6.16): judged at smaller pageblock orders too, so the unforced call's answer
    is open, as on 6.16."""
    v = _verdict(edited(tmp_path, "stranded-6.12", *_ANDROID_6_6))
    assert v.code == "highatomic-stranded" and v.kernel_could_unreserve is None


# Which zones the kernel has, where the report names no arch (hostile round 49 F1): the
# request's highest zone is read at its enum zone_type index in lowmem_reserve.


def test_ppc32_frames_name_the_arch_131():
    """extra/131 (a PowerMac G4 on 6.9): its "[c1c65ad0] [c01cb580] f+0x50/0x154" frames
    are powerpc's show_stack() with 32-bit addresses, so ppc32's zone set, DMA, Normal,
    HighMem, Movable, reads ``lowmem_reserve[]: 0 0 1280 1280``: GFP_KERNEL's Normal is
    index 1, DMA's reserve there 0 (round 49 F1, F2: x86_64's reading took 1280)."""
    from oomlens.model.state import build_state

    a = analyze_file(str(sample("131"))).analyses[0]
    state = build_state(a.report)
    assert a.report.arch == "ppc"
    assert state.zone_types == ("DMA", "Normal", "HighMem", "Movable")
    dma = next(e for e in a.verdict.evidence if e.check == "zone_watermark_fast")
    assert dict(dma.numbers)["lowmem_reserve"] == 0


def test_an_unnamed_arch_allows_a_32_bit_zone_set_z1():
    """tests/data/synthetic/Z1 (extra/131 with its frames and hardware line gone, so
    nothing names the arch): four zones fit x86_64's DMA, DMA32, Normal, Movable and
    ppc32's DMA, Normal, HighMem, Movable: both are kept."""
    from oomlens.model.state import build_state

    path = SYNTHETIC / "Z1_ppc32_unnamed_arch_task_6.9.log"
    state = build_state(analyze_file(str(path)).analyses[0].report)
    assert state.zone_types == ("DMA", "DMA32", "Normal", "Movable")
    assert ("DMA", "Normal", "HighMem", "Movable") in state.type_alternatives


def test_each_zone_set_is_judged_z1():
    """tests/data/synthetic/Z1 (extra/131 as an ordinary task's failure with DMA 13000 kB
    free = 3250 pages, min 11208 kB = 2802): under the 64-bit set GFP_KERNEL's Normal is
    index 2, DMA's reserve there 1280, and 3250 <= 2802 + 1280 fails; under ppc32's set
    Normal is index 1, reserve 0, and 3250 > 2802 passes. Not certain, and it says why."""
    v = _verdict(SYNTHETIC / "Z1_ppc32_unnamed_arch_task_6.9.log")
    assert v.code == "exhausted" and v.confidence == "likely"
    assert "zone set" in v.missing


def test_a_lowmem_zone_past_4_gib_is_no_32_bit_kernels_045():
    """corpus 045 (orbstack 6.9.8, no arch named): DMA 1993984 kB and Normal 30813364 kB
    managed; a 32-bit kernel maps its lowmem zones within 4 GiB, so no HighMem set."""
    from oomlens.model.state import build_state

    state = build_state(analyze_file(str(sample("045"))).analyses[0].report)
    assert state.zone_types == ("DMA", "DMA32", "Normal", "Movable")
    assert not any("HighMem" in t for t in state.type_alternatives)


def test_a_zone_the_line_does_not_grow_at_is_not_there_169():
    """extra/169 (Debian 5.10 arm64, 4 nodes): DMA's ``lowmem_reserve[]: 0 0 58358 58358``.
    DMA, Normal, Movable, Device (no DMA32, ZONE_DEVICE) would put node 0's Normal at index
    1, where the line stays 0: setup_per_zone_lowmem_reserve() adds Normal's managed pages
    over a ratio r there, and Normal's M managed pages times the last entry exceed the pages
    RAM, so M >= r and the entry would grow. Only the DMA32 set is left."""
    from oomlens.model.state import build_state

    analyses = analyze_file(str(sample("169"))).analyses
    state = build_state(analyses[0].report)
    assert state.zone_types == ("DMA", "DMA32", "Normal", "Movable")
    assert state.type_alternatives == ()


def test_highmem_in_a_kernel_without_it_is_normal_152():
    """extra/152 (6.3.9, no arch named; DMA, DMA32, Normal printed: a 64-bit zone set, and
    no other the lines allow): GFP_KERNEL|__GFP_HIGHMEM's gfp_zone() is OPT_ZONE_HIGHMEM,
    which is ZONE_NORMAL without CONFIG_HIGHMEM (round 49 F3: it said HighMem)."""
    a = analyze_file(str(sample("152"))).analyses[0]
    assert a.request.highest_zone == "Normal"


def test_a_64k_flavour_names_its_page_size_166():
    """extra/166 (Ubuntu's "6.2-generic-64k", arm64 with 64 kB pages; no zone lines): the
    flavour names the page size where no buddy line prints it (round 49 F4: 4 kB assumed)."""
    from oomlens.model.state import build_state

    state = build_state(analyze_file(str(sample("166"))).analyses[0].report)
    assert state.page_kb == 64 and "page-size-from-release" in state.assumptions


def test_a_line_grows_only_with_its_own_node_s_zones_z2():
    """tests/data/synthetic/Z2: node 1's Normal, however big, adds nothing to node 0's DMA
    line (setup_per_zone_lowmem_reserve() sums a node's own zones), so it rules out no set.
    DMA, Normal, Movable, Device fits the line with Normal at index 1 (entry 0), where DMA's
    4000 free pages pass min 2000: not certain (round 50 F1: lowmem-protected, certain)."""
    v = _verdict(SYNTHETIC / "Z2_two_nodes_movable_node0_unnamed_arch.log")
    assert v.confidence == "likely"
