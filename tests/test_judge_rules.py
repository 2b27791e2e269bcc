"""The verdict rules on real reports, each on both sides of its boundary (issue 8's classes).

Numbers are read from the reports by hand (kB / 4 = pages); each test names the
corpus file and the kernel function whose check decides it.
"""

from __future__ import annotations

from oomlens.judge.judge import analyze
from oomlens.judge.verdict import Verdict
from oomlens.model.evidence import Evidence, Step
from oomlens.options import Options
from tests.corpus import reports


def judge(name: str, nth: int = 0, **options: object) -> Verdict:
    return analyze(reports(name)[nth], Options(**options))[1]  # type: ignore[arg-type]


def decision(v: Verdict, zone: str) -> Evidence:
    """The slow path's zone_watermark_fast evidence of ``zone`` (the one with steps)."""
    return next(e for e in v.evidence if e.zone.endswith(zone) and e.steps)


def step(v: Verdict, zone: str, test: str) -> Step:
    return next(s for s in decision(v, zone).steps if s.test == test)


def term(s: Step, name: str) -> tuple[int, int]:
    return next(t.pages for t in (*s.left, *s.right) if t.name == name)


# 1. fragmentation: the page-count half passes, the free-area half fails (97a16fc82a7c, v4.4)


def test_fragmented_when_the_page_count_passes_and_no_block_of_the_order_041():
    v = judge("041")
    # order 5 GFP_KERNEL|__GFP_COMP on 5.10.2 arm64
    count = step(v, "DMA32", "page count")
    assert count.result == "pass" and term(count, "free") == (15049, 15374)
    assert term(count, "order") == (31, 31) and term(count, "highatomic") == (512, 512)
    assert term(count, "cma") == (194, 194) and term(count, "min") == (12253, 12253)
    area = step(v, "DMA32", "free area")
    assert area.result == "fail" and area.order == 5 and area.found == ()
    assert step(v, "DMA", "page count").result == "pass"
    assert step(v, "DMA", "free area").result == "fail"
    # (H) only at orders 0-4: unreserving never merges chunks, so it cannot serve order 5
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("fragmented", False, "certain")


def test_not_fragmented_when_a_block_of_the_order_exists_039():
    v = judge("039")
    # order 5: Normal has (UMEH) order-5 blocks; it is the page count that fails:
    # free 37444 - 31 - nr_reserved 512 <= min 36935 (boost included)
    count = step(v, "Normal", "page count")
    assert term(count, "free") == (37444, 37621) and term(count, "highatomic") == (512, 512)
    assert term(count, "min") == (36935, 36935) and count.result == "depends"
    # the one reserved block tips it (true), handing 512 pages < min 36935: not material
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("exhausted", True, "likely")
    stranded = next(f for f in v.factors if f.code == "highatomic-stranded")
    assert stranded.material is False and stranded.headroom_pages[1] == 512


# 2. counterfactuals only of failing states


def test_no_highatomic_reserve_before_4_4_answers_false_not_null_003_017():
    assert judge("003").unreserve_would_avoid is False  # 2.6.24
    assert judge("017").unreserve_would_avoid is False  # 3.13: MIGRATE_RESERVE, no H


def test_exempt_caller_answers_false_021():
    # 5.4.26 GFP_ATOMIC: ALLOC_HARDER escapes the highatomic deduction and U/M/E order-0
    # chunks exist, so unreserving cannot change the check that failed
    v = judge("021")
    assert (v.code, v.unreserve_would_avoid) == ("exhausted", False)
    assert term(step(v, "Normal", "page count"), "min") == (5287, 5287)  # 14098 -> 7049 -> 5287


def test_print_time_pass_by_far_is_undetermined_052_001():
    v = judge("052")
    # DMA32 free 4010 > min 901 by 3109 pages, far beyond free_pcp 124 + the gap 70 + 1
    assert step(v, "DMA32", "page count").result == "pass"
    assert (v.code, v.confidence, v.missing) == (
        "undetermined",
        "unknown",
        ("decision-time state",),
    )
    assert v.unreserve_would_avoid is False  # reserved_highatomic 0 and no (H) anywhere
    v = judge("001")
    assert v.code == "undetermined" and v.unreserve_would_avoid is None  # 1024 reserved


# 3. lowmem materiality


def test_isa_dma_is_never_material_015():
    v = judge("015")
    # DMA 1523 - 511 <= 121 + lowmem_reserve 1375: held back by design
    count = step(v, "DMA", "page count")
    assert count.result == "fail" and term(count, "lowmem_reserve") == (1375, 1375)
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("fragmented", False, "certain")


def test_lower_zone_below_the_top_zones_min_is_not_material_038():
    v = judge("038")
    # DMA32 15629 <= 3039 + 12944 fails only on lowmem_reserve, but 15629 - 3039 = 12590
    # pages above its min are fewer than Normal's min 13840
    assert term(step(v, "DMA32", "page count"), "lowmem_reserve") == (12944, 12944)
    assert term(step(v, "Normal", "page count"), "min") == (13840, 13840)
    lowmem = next(f for f in v.factors if f.code == "lowmem-protected")
    # DMA32's 12590..12668 pages above its min, plus the ISA DMA zone's 3328 - 16 = 3312,
    # which dropping lowmem_reserve would hand too but which never counts as material
    assert lowmem.headroom_pages == (12590 + 3312, 12668 + 3312) and lowmem.material is False
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("exhausted", False, "certain")


def test_lower_zone_holding_the_top_zones_min_is_material_002():
    v = judge("002")
    # Normal 10034 <= 936 + 9143 fails solely on lowmem_reserve; 9098 above its min >= 128
    assert term(step(v, "Normal", "page count"), "lowmem_reserve") == (9143, 9143)
    assert term(step(v, "HighMem", "page count"), "min") == (128, 128)
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("lowmem-protected", False, "certain")


# 5. print-time passes: the nearest failing state


def test_one_chunk_of_the_order_is_the_nearest_failing_state_046():
    # DMA32 passes only through one 1*128kB (M) block of order 5, which another task may
    # have taken between the decision and the print
    v = judge("046")
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("fragmented", False, "likely")
    assert "decision-time state" in v.missing


# 9. unreserving never merges; 13. the kernel's own unforced unreserve keeps the last block


def test_the_only_block_of_the_order_is_a_zones_last_reserved_block_042():
    v = judge("042")
    # order 9 (costly: no should_reclaim_retry, so no forced unreserve); Normal's only
    # order >= 9 block is 1*2048kB (H) and nr_reserved_highatomic is that one block
    # (2048kB): unreserve_highatomic_pageblock(ac, false) skips it
    assert v.unreserve_would_avoid is True and v.unreserve_rounds == (1, 1)
    assert v.kernel_could_unreserve is False
    # the page count passes, the free-area half is binding: the one block it supplies is
    # what the request lacked, so the stranded reserve is the cause however few its pages
    assert step(v, "Normal", "page count").result == "pass"
    assert step(v, "Normal", "free area").found == ()
    assert (v.code, v.confidence) == ("highatomic-stranded", "certain")


def test_kernel_could_unreserve_when_the_reserve_has_more_blocks_seed():
    # seed 1 under 4.12: should_reclaim_retry forces the unreserve after 16 loops (4.10
    # and 4.11 reach it only if free pages alone pass the 16th: test_judge.py)
    v = judge("seed", kernel="4.12")
    assert v.kernel_could_unreserve is True and v.unreserve_rounds == (1, 1)


# 10. H-page bounds


def test_free_h_pages_at_most_the_counter_under_consistent_accounting_006():
    v = judge("006")
    # 4.14 arm: free 4490 - 1 - nr (>= one block) <= min 4096 fails on the deduction
    # alone; the free H pages are at most the counter, at most 105724/100 + 512 -> 2048
    # pages < 4096: not material, the zone sits at its watermark
    assert (v.code, v.unreserve_would_avoid) == ("exhausted", True)
    stranded = next(f for f in v.factors if f.code == "highatomic-stranded")
    assert stranded.material is False
    assert v.confidence == "likely"  # the arm32 pageblock order is not printed


def test_unprinted_counter_reaches_the_cap_of_present_pages_019():
    # Normal present:3076096kB managed:2673676kB, counter not printed. A balloon
    # (virtio fill_balloon(), Xen, powerpc cmm) lowers managed by
    # adjust_managed_page_count() after blocks were reserved under a larger figure, so
    # the counter's reach is the cap of the present pages: 769024 // 100 + 512 = 8202,
    # aligned up to 8704, where managed alone gives 668419 // 100 + 512 = 7196 -> 7680.
    v = judge("019")
    cap = next(
        e for e in v.evidence if e.zone == "Normal" and e.check == "reserve_highatomic_pageblock"
    )
    numbers = dict(cap.numbers)
    assert (numbers["cap_limit"], numbers["cap_max"]) == (7196, 8704)
    assert numbers["nr_reserved_highatomic"] == (2560, 8704)  # 5 blocks proven by 2559 (H)


def test_printed_h_chunks_beyond_the_cap_prove_the_counter_drifted_seed2():
    v = judge("seed", 1)
    cap = next(
        e for e in v.evidence if e.zone == "DMA32" and e.check == "reserve_highatomic_pageblock"
    )
    numbers = dict(cap.numbers)
    assert cap.result == "fail" and numbers["h_pages"] == (7532, 7532)
    # the present pages' cap: 520160 // 100 + 512 = 5713, aligned up (managed's: 5632)
    assert numbers["cap_max"] == 6144


# 11. nodes


def test_other_nodes_serving_by_far_is_constrained_030():
    v = judge("030")
    # 3.0.101, mems_allowed=0-7: Node 0 Normal 2030 <= min 2040 fails while nodes 1-7
    # hold millions of free pages: a mempolicy the report does not print
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("constrained", False, "likely")


def test_pre_4_4_print_time_pass_is_not_exhausted_032():
    v = judge("032")
    # 2.6.35 order 6: 1166 - 63 > 180 and the per-order walk passes; two 256kB blocks
    assert step(v, "Normal", "per-order walk").result == "pass"
    assert (v.code, v.unreserve_would_avoid) == ("undetermined", False)


# 12. memcg by the kernel's own markers


def test_memcg_oom_known_by_its_markers_012_and_a_global_failure_with_the_line_046():
    assert judge("012").code == "memcg-limit"  # oom-kill:constraint=CONSTRAINT_MEMCG
    # 046 prints "Memory cgroup min protection 0kB -- low protection 0kB" in a page
    # allocation failure: the line alone is no memcg OOM
    assert judge("046").code == "fragmented"


# --- no zone lines: the buddy lines alone can still settle the reserve ------------------


def test_no_block_of_the_order_in_any_printed_eligible_zone_answers_false(tmp_path):
    """extra/129 (4.9 ARM, order-3 GFP_KERNEL, the poster cut the zone lines): Normal's
    buddy line holds chunks of orders 0-2 only, on every list (UMEH); unreserving never
    merges chunks, so the reserve cannot supply an order-3 block: false, though the page
    count is unknown (undetermined). Synthetic other side: one order-3 chunk put into the
    same line leaves the answer open."""
    from oomlens.pipeline import analyze_file
    from tests.corpus import SAMPLES

    path = SAMPLES / "extra" / "129.log"
    (a,) = analyze_file(str(path)).analyses
    assert (a.verdict.code, a.verdict.unreserve_would_avoid) == ("undetermined", False)
    text = path.read_text()
    assert "2101*16kB (UMEH) 0*32kB" in text
    other = tmp_path / "129-with-an-order-3-chunk.log"
    other.write_text(text.replace("2101*16kB (UMEH) 0*32kB", "2101*16kB (UMEH) 1*32kB (H)", 1))
    (b,) = analyze_file(str(other)).analyses
    assert (b.verdict.code, b.verdict.unreserve_would_avoid) == ("undetermined", None)


# kswapd: PF_MEMALLOC for its whole life, so __alloc_pages_slowpath() goes to nopage
# before direct reclaim: never should_reclaim_retry, never unreserve, never the OOM killer


def test_kswapd_never_unreserves_for_itself_018():
    """018 (4.14 kswapd0, order 0, mode:0x140000a GFP_NOIO|__GFP_HIGHMEM|__GFP_MOVABLE, whose
    __GFP_RECLAIM holds __GFP_DIRECT_RECLAIM): the bits would let an ordinary task reclaim;
    kswapd's PF_MEMALLOC sends it to nopage first, so it never unreserves for itself."""
    (rep,) = reports("018")
    req, v = analyze(rep, Options())
    assert req is not None and req.pf_memalloc and req.has("DIRECT_RECLAIM")
    assert (v.code, v.unreserve_would_avoid, v.confidence) == (
        "highatomic-stranded",
        True,
        "certain",
    )
    assert v.kernel_could_unreserve is False
    assert "kswapd-pf-memalloc" in v.assumptions and "ordinary-task" not in v.assumptions


def test_any_other_caller_is_assumed_an_ordinary_task_041():
    """The other side: 041's caller (order 5 GFP_KERNEL|__GFP_COMP) is no kswapd."""
    (rep,) = reports("041")
    req, v = analyze(rep, Options())
    assert req is not None and not req.pf_memalloc and req.has("DIRECT_RECLAIM")
    assert "ordinary-task" in v.assumptions
