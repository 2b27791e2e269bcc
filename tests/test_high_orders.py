"""High-order requests (hostile round 37): the THP order on the per-CPU lists, the forced
unreserve a costly __GFP_RETRY_MAYFAIL request can still reach, the change credited with
avoiding it; and 32-bit HighMem machines (round 36).

No sample shows these cases with a state the rule decides, so each test edits a real
report (corpus 015, a 5.13 vmemmap failure; extra/196, a 5.11 Pentium 4) the way another
request, build or release of the same machine prints it (each edit written out), or reads
a synthetic report of ``tests/data/synthetic/`` (its README says from what). kB / 4 = pages.
"""

from __future__ import annotations

from oomlens.model.state import build_state
from oomlens.pipeline import analyze_file
from tests.corpus import sample
from tests.test_caller_context import edited, first

# DMA32 given one free order-9 (H) block: the zone line's free and reserved_highatomic,
# the buddy line's order-9 column and total, Mem-Info's free: (18819 + 512 pages).
_ONE_H_BLOCK = (
    (" free:18819 free_pcp:145", " free:19331 free_pcp:145"),
    ("DMA32 free:69184kB", "DMA32 free:71232kB"),
    ("high:66848kB reserved_highatomic:0KB", "high:66848kB reserved_highatomic:2048KB"),
    ("0*512kB 0*1024kB 0*2048kB 0*4096kB = 70328kB", "0*512kB 0*1024kB 1*2048kB (H) 0*4096kB = 72376kB"),
)  # fmt: skip
_ATOMIC_515 = (
    (
        "vmemmap alloc failure: order:9, mode:0x4cc0(GFP_KERNEL|__GFP_RETRY_MAYFAIL)",
        "page allocation failure: order:9, mode:0x40a20(GFP_ATOMIC|__GFP_COMP)",
    ),
    ("Not tainted 5.13.0-rc5-next-20210611-llvm #1", "Not tainted 5.15.0 #1"),
)
_NO_THP = (" shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB writeback_tmp:", " writeback_tmp:")


def test_the_node_line_says_whether_thp_is_built(tmp_path):
    """show_free_areas() prints shmem_thp/shmem_pmdmapped/anon_thp under #ifdef
    CONFIG_TRANSPARENT_HUGEPAGE, before writeback_tmp:; a line without them says no THP."""
    with_thp = analyze_file(str(edited(tmp_path, "015"))).analyses[0].report
    without = analyze_file(str(edited(tmp_path, "015", _NO_THP))).analyses[0].report
    assert build_state(with_thp).thp is True
    assert build_state(without).thp is False
    assert build_state(without).thp_order is None and build_state(with_thp).thp_order == 9


def test_atomic_order9_with_thp_on_5_15_is_stranded(tmp_path):
    """5.15 with THP: pcp_allowed_order(9) holds (order == pageblock_order), rmqueue() takes
    the pcp list and never reaches __rmqueue_smallest(MIGRATE_HIGHATOMIC): DMA32's only
    order-9 block is (H), unreserving it serves the request."""
    code, would, confidence, _ = first(edited(tmp_path, "015", *_ATOMIC_515, *_ONE_H_BLOCK))
    assert (code, would, confidence) == ("highatomic-stranded", True, "certain")


def test_atomic_order9_without_thp_on_5_15_takes_the_block(tmp_path):
    """The same without CONFIG_TRANSPARENT_HUGEPAGE (the Node line lacks the THP fields):
    pcp_allowed_order(9) is false, rmqueue_buddy's ALLOC_HARDER path takes the H block and
    DMA32 passes (17808 - 511 > min 11142 lowered for GFP_ATOMIC): the printed state serves
    it, so the nearest failing state, likely; never highatomic-stranded certain."""
    path = edited(tmp_path, "015", *_ATOMIC_515, *_ONE_H_BLOCK, _NO_THP)
    code, would, confidence, missing = first(path)
    assert code != "highatomic-stranded" and confidence == "likely"
    assert "decision-time state" in missing


def test_atomic_order9_with_no_node_line_is_judged_both_ways(tmp_path):
    """An excerpt without the Node line leaves CONFIG_TRANSPARENT_HUGEPAGE open: with it the
    request is stranded, without it the H block serves; likely, not certain."""
    node = next(ln for ln in sample("015").read_text().splitlines() if "Node 0 active_anon" in ln)
    code, would, confidence, _ = first(
        edited(tmp_path, "015", *_ATOMIC_515, *_ONE_H_BLOCK, (node + "\n", ""))
    )
    assert (code, confidence) == ("highatomic-stranded", "likely")


def _verdict(path):
    return analyze_file(str(path)).analyses[0].verdict


def test_costly_retry_mayfail_may_reach_the_forced_unreserve(tmp_path):
    """Corpus 015 as printed (5.13, order 9, GFP_KERNEL|__GFP_RETRY_MAYFAIL, no zone passes
    the retry test): should_reclaim_retry() counts no_progress_loops up on every loop of a
    costly order (it resets only for order <= 3), and should_compact_retry() keeps the slow
    path looping, so the forced unreserve may come after 16 loops: open, not false."""
    v = _verdict(edited(tmp_path, "015"))
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("fragmented", False, "certain")
    assert v.kernel_could_unreserve is None


def test_costly_retry_mayfail_with_a_printed_h_block_is_likely(tmp_path):
    """015 with one free order-9 (H) block in DMA32: stranded, and releasing it serves the
    request; the forced call may have run and left no (H) block, so the printed one may have
    been reserved again after the decision: likely. Without __GFP_RETRY_MAYFAIL the costly
    request goes to nopage before any retry: the kernel did not release it (certain)."""
    v = _verdict(edited(tmp_path, "015", *_ONE_H_BLOCK))
    assert (v.code, v.unreserve_would_avoid, v.confidence) == (
        "highatomic-stranded",
        True,
        "likely",
    )
    assert v.kernel_could_unreserve is None
    assert "whether the kernel unreserved before it gave up" in v.missing
    plain = (("mode:0x4cc0(GFP_KERNEL|__GFP_RETRY_MAYFAIL)", "mode:0xcc0(GFP_KERNEL)"),)
    v = _verdict(edited(tmp_path, "015", *plain, *_ONE_H_BLOCK))
    assert (v.code, v.unreserve_would_avoid, v.confidence) == (
        "highatomic-stranded",
        True,
        "certain",
    )
    assert v.kernel_could_unreserve is False


def test_the_change_that_serves_is_credited_not_the_fix_that_needs_it(tmp_path):
    """An order-3 GFP_ATOMIC failure on 5.15 whose only order >= 3 chunks in DMA32 are (H):
    5.15's pcp lists keep order 3 from rmqueue_buddy. 281dd25c1a01 (order-0 atomic access
    to H) needs 6.0's pcp miss to rmqueue_buddy, and that change alone serves it
    (rmqueue_buddy: order > 0 && ALLOC_HARDER takes H): it is credited, not 281dd25c1a01."""
    order3 = (
        ("page allocation failure: order:9, mode:0x40a20", "page allocation failure: order:3, mode:0x40a20"),
        ("DMA free:6092kB", "DMA free:144kB"),
        (
            "Node 0 DMA: 4*4kB (UM) 6*8kB (UME) 5*16kB (UE) 4*32kB (UM) 3*64kB (ME) 2*128kB (ME) "
            "1*256kB (E) 2*512kB (UE) 2*1024kB (ME) 1*2048kB (E) 0*4096kB = 6096kB",
            "Node 0 DMA: 4*4kB (UM) 6*8kB (UME) 5*16kB (UE) 0*32kB 0*64kB 0*128kB "
            "0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 144kB",
        ),
        ("DMA32 free:69184kB", "DMA32 free:37016kB"),
        ("high:66848kB reserved_highatomic:0KB", "high:66848kB reserved_highatomic:2048KB"),
        (
            "3676*4kB (UME) 1221*8kB (UME) 776*16kB (UME) 497*32kB (UME) 192*64kB (UME) "
            "41*128kB (UME) 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 70328kB",
            "3676*4kB (UME) 1221*8kB (UME) 776*16kB (UME) 4*32kB (H) 0*64kB "
            "0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 37016kB",
        ),
    )  # fmt: skip
    v = _verdict(edited(tmp_path, "015", *_ATOMIC_515, *order3))
    assert v.code == "highatomic-stranded" and v.unreserve_would_avoid is True
    avoiding = {f.commit for f in v.fixes if f.would_avoid}
    assert avoiding == {"4b23a68f9536"}
    assert any(f.commit == "281dd25c1a01" and not f.would_avoid for f in v.fixes)


# Round 36: 32-bit HighMem machines.


def test_a_vendor_tag_in_the_release_does_not_hide_a_printed_highmem_zone(tmp_path):
    """extra/196 (a 5.11 Pentium 4 with HighMem, GFP_HIGHUSER order 8) with "android" in its
    release, as 32-bit Android builds (android-x86) name theirs: a HighMem zone line exists
    only with CONFIG_HIGHMEM, so the kernel is 32-bit and GFP_HIGHUSER's gfp_zone() is
    HighMem, as in the report as printed."""
    tagged = ("5.11.0-rc6-Pentium4", "5.11.0-rc6-android-x86-Pentium4")
    a = analyze_file(str(edited(tmp_path, "196", tagged))).analyses[0]
    b = analyze_file(str(sample("196"))).analyses[0]
    assert a.report.arch == b.report.arch == "i386"
    assert (a.verdict.code, a.verdict.confidence) == (b.verdict.code, b.verdict.confidence)
    assert (a.verdict.code, a.verdict.confidence) == ("lowmem-protected", "certain")


def test_a_one_node_print_without_highmem_filters_no_node():
    """Synthetic H2 (no real 6.1+ 32-bit report): a GFP_KERNEL OOM on a one-node i386 6.1
    box prints DMA and Normal only (show_free_areas() skips zones above gfp_zone() since
    6.1); zone lines without "Node N" come from a !CONFIG_NUMA kernel, so Mem-Info's free:
    past them is HighMem's, which GFP_KERNEL cannot use: exhausted, false, certain, as the
    5.10 print of the same state (H3) says."""
    from tests.test_caller_context import verdicts

    assert [v[1:4] for v in verdicts("H2_i386_lowmem_oom_6.1.log")] == [
        ("exhausted", False, "certain")
    ]
    assert [v[1:4] for v in verdicts("H3_i386_lowmem_oom_5.10.log")] == [
        ("exhausted", False, "certain")
    ]


def test_four_mib_huge_pages_say_a_32bit_x86_kernel():
    """Synthetic H4: a kworker's trace has no 32-bit entry frame and 6.1 prints no HighMem
    for GFP_KERNEL, but hugepages_size=4096kB exists only with two-level paging
    (HPAGE_SHIFT 22): i386, pageblock order 10, so Normal's reserved_highatomic:4096KB is
    one block, which the unforced unreserve of a __GFP_NORETRY caller keeps."""
    from tests.test_caller_context import SYNTHETIC

    a = analyze_file(str(SYNTHETIC / "H4_i386_nopae_kworker_6.1.log")).analyses[0]
    assert a.report.arch == "i386"
    assert build_state(a.report).pageblock_order == 10
    assert a.verdict.kernel_could_unreserve is False


# Round 39: pageblock_order without hugetlb; a credited change a later one takes back.


def _hugepages_lines() -> tuple[tuple[str, str], ...]:
    """Both "Node 0 hugepages_total=..." lines of 015 deleted: a kernel without
    CONFIG_HUGETLB_PAGE (hugetlb_show_meminfo_node() is an empty stub)."""
    lines = [ln for ln in sample("015").read_text().splitlines() if "hugepages_total=" in ln]
    assert len(lines) == 2
    return tuple((ln + "\n", "") for ln in lines)


def test_x86_64_without_hugetlb_may_have_order_10_pageblocks(tmp_path):
    """5.15 x86_64 with THP but no hugetlb (no hugepages lines): pageblock_order is
    MAX_ORDER - 1 = 10 (HUGETLB_PAGE_ORDER only with CONFIG_HUGETLB_PAGE; THP's order only
    from 6.10), so pcp_allowed_order(9) is false and rmqueue_buddy's ALLOC_HARDER path takes
    DMA32's order-9 (H) chunk. Both orders are judged: likely, not stranded certain."""
    path = edited(tmp_path, "015", *_ATOMIC_515, *_ONE_H_BLOCK, *_hugepages_lines())
    a = analyze_file(str(path)).analyses[0]
    assert build_state(a.report).pageblock_alternatives == (10,)
    assert a.verdict.confidence == "likely"
    with_lines = edited(tmp_path, "015", *_ATOMIC_515, *_ONE_H_BLOCK)
    b = analyze_file(str(with_lines)).analyses[0]
    assert build_state(b.report).pageblock_alternatives == ()
    assert (b.verdict.code, b.verdict.confidence) == ("highatomic-stranded", "certain")


def test_no_change_is_credited_that_todays_kernels_take_back(tmp_path):
    """A GFP_NOWAIT order-4 failure on 5.15.0 whose only order >= 4 chunk is DMA32's
    1*64kB (H): 1ebbb21811b7 (6.3; 5.15.171) gives non-blocking order > 0 requests
    ALLOC_HIGHATOMIC, but 6a204d4b14c9 (6.18; 5.15.195) takes it back from all but
    __GFP_HIGH: no kernel of today serves it, so no change is said to have avoided it."""
    nowait = (
        (
            "vmemmap alloc failure: order:9, mode:0x4cc0(GFP_KERNEL|__GFP_RETRY_MAYFAIL)",
            "page allocation failure: order:4, mode:0x40800(GFP_NOWAIT|__GFP_COMP)",
        ),
        ("Not tainted 5.13.0-rc5-next-20210611-llvm #1", "Not tainted 5.15.0 #1"),
        (" free:18819 free_pcp:145", " free:13250 free_pcp:145"),
        ("DMA free:6092kB", "DMA free:144kB"),
        ("DMA32 free:69184kB", "DMA32 free:52856kB"),
        ("high:66848kB reserved_highatomic:0KB", "high:66848kB reserved_highatomic:2048KB"),
        (
            "4*32kB (UM) 3*64kB (ME) 2*128kB (ME) 1*256kB (E) 2*512kB (UE) 2*1024kB (ME) "
            "1*2048kB (E) 0*4096kB = 6096kB",
            "0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 144kB",
        ),
        (
            "497*32kB (UME) 192*64kB (UME) 41*128kB (UME) 0*256kB 0*512kB 0*1024kB 0*2048kB "
            "0*4096kB = 70328kB",
            "497*32kB (UME) 1*64kB (H) 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB "
            "0*4096kB = 52856kB",
        ),
    )  # fmt: skip
    v = _verdict(edited(tmp_path, "015", *nowait))
    assert v.code == "highatomic-stranded" and v.unreserve_would_avoid is True
    assert not [f.commit for f in v.fixes if f.would_avoid]


# Round 46: each unreserve round converts one block; the rounds count blocks, not pages.

_040_H_AT_ORDER4 = (
    "8088*4kB (UMEH) 4920*8kB (UMEH) 1847*16kB (UMEH) 642*32kB (UMEH) 24*64kB (UME)",
    "8088*4kB (UME) 4920*8kB (UME) 1847*16kB (UME) 642*32kB (UME) 24*64kB (UMEH)",
)


def test_unreserve_rounds_count_the_blocks_holding_highatomic_chunks(tmp_path):
    """Corpus 040 (an order-6 request; Normal, which fails even with its reserve released,
    holds reserved_highatomic:12288KB = 6 blocks of 512 pages, its (H) letters at orders 0-3;
    DMA32's one H block serves order 6): every call converts one block, all of Normal's
    first. Its proven H pages fit one block (fewest 1 + 1 = 2); each chunk may lie in a
    block of its own, no more than the 6 counted (most 6 + 1 = 7). With Normal's letter at
    order 4 instead (hostile edit, counts unchanged), the same: up to 6 blocks, then DMA32."""
    assert _verdict(edited(tmp_path, "040")).unreserve_rounds == (2, 7)
    moved = _verdict(edited(tmp_path, "040", _040_H_AT_ORDER4))
    assert (moved.code, moved.unreserve_would_avoid) == ("highatomic-stranded", True)
    assert moved.unreserve_rounds == (2, 7)


def test_a_block_holds_at_most_half_its_pages_as_free_order0_chunks(tmp_path):
    """Round 47 F1: 040 with Normal's order-0 column made 1000*4kB (H) (and its order-1
    column 8464, the total kept; hostile edit): two free buddies merge, so a 512-page block
    holds at most 256 free order-0 chunks, and the 1000 need at least 4 of Normal's blocks
    before DMA32's one: 5 to 7, never 3."""
    edit = (
        "8088*4kB (UMEH) 4920*8kB (UMEH) 1847*16kB",
        "1000*4kB (H) 8464*8kB (UMEH) 1847*16kB",
    )
    assert _verdict(edited(tmp_path, "040", edit)).unreserve_rounds == (5, 7)
