"""What a report shows of the caller beyond its mask (oomlens/judge/caller.py) and the
per-CPU path of high-order requests (model/freelist.may_take_highatomic), on real reports.

No sample shows these callers with a state the rule decides, so each test edits a real
report the way another moment, request or kernel of the same machine prints it; each edit
is written out (hostile round 24, F1-F4). kB / 4 = pages.
"""

from __future__ import annotations

from pathlib import Path

from oomlens.pipeline import analyze_file
from oomlens.render import render
from tests.corpus import sample


def edited(tmp_path: Path, name: str, *swaps: tuple[str, str]) -> Path:
    """Sample ``name`` with each ``(old, new)`` made once; every ``old`` must be there."""
    text = sample(name).read_text()
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / f"{name}-edited.log"
    path.write_text(text)
    return path


def first(path: Path) -> tuple:
    a = analyze_file(str(path)).analyses[0]
    v = a.verdict
    return v.code, v.unreserve_would_avoid, v.confidence, v.missing


# F1: PF_MEMALLOC. kswapd0 in task context (018's trace: zs_malloc ... shrink_node, kswapd)
# allocates with ALLOC_NO_WATERMARKS (__gfp_pfmemalloc_flags()): no watermark decides.

_018_BELOW_MIN = (
    (" free:3510 free_pcp:553", " free:1510 free_pcp:553"),
    ("Normal free:14040kB min:7440kB", "Normal free:6040kB min:7440kB"),
    (
        "Normal: 860*4kB (H) 453*8kB (H) 180*16kB (H) 26*32kB (H) 34*64kB (H) 6*128kB (H) "
        "2*256kB (H) 0*512kB 0*1024kB 0*2048kB 0*4096kB = 14232kB",
        "Normal: 410*4kB (H) 203*8kB (H) 80*16kB (H) 16*32kB (H) 10*64kB (H) 2*128kB (H) "
        "0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 5952kB",
    ),
)


def test_kswapd_below_min_with_only_highatomic_chunks_is_no_certain_exhausted(tmp_path):
    """018 drained below min (1510 free pages, Normal 6040kB < min 7440kB, the all-(H) line
    scaled to 5952kB): the page count fails for an ordinary task (exhausted), but kswapd's
    own allocation skips every watermark, and then failed on the lists, all H: one
    converted block serves it. The report cannot say which: likely, the answer open."""
    code, would, confidence, missing = first(edited(tmp_path, "018", *_018_BELOW_MIN))
    assert (code, would, confidence) == ("exhausted", None, "likely")
    assert "caller context (PF_MEMALLOC: no watermarks)" in missing


def test_a_direct_reclaimer_is_pf_memalloc_by_its_frames(tmp_path):
    """The same state, the caller an ordinary task in direct reclaim: its trace runs through
    try_to_free_pages() (__perform_reclaim() sets PF_MEMALLOC), so the same holds."""
    swaps = (
        *_018_BELOW_MIN,
        ("kswapd0: page allocation failure", "Binder:1021_3: page allocation failure"),
        ("Comm: kswapd0", "Comm: Binder:1021_3"),
        (" kswapd+", " try_to_free_pages+"),
    )
    code, would, confidence, missing = first(edited(tmp_path, "018", *swaps))
    assert (code, would, confidence) == ("exhausted", None, "likely")
    assert "caller context (PF_MEMALLOC: no watermarks)" in missing


def test_kswapd_with_no_chunk_at_all_stays_certain_extra_131():
    """extra/131 (6.9 ppc32 kswapd0, GFP_KERNEL order 0, its trace through balance_pgdat):
    DMA's buddy line is all zeros, so without watermarks it fails the same way and no
    conversion could help: exhausted, false, certain, as keyed."""
    assert first(sample("131"))[:3] == ("exhausted", False, "certain")


# F2: __GFP_THISNODE. gfp_zonelist() gives ZONELIST_NOFALLBACK: one node's zones.

_SECOND_NODE = (
    (
        "init: page allocation failure: order:3, mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY), "
        "nodemask=(null),cpuset=/,mems_allowed=0",
        "init: page allocation failure: order:3, mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY), "
        "nodemask=(null),cpuset=/,mems_allowed=0-1",
    ),
    (" free:91551 free_pcp:218", " free:93151 free_pcp:230"),
    (
        "[   14.103220] lowmem_reserve[]: 0 0 0 0 0\n",
        "[   14.103220] lowmem_reserve[]: 0 0 0 0 0\n"
        "[   14.103230] Node 1 Normal free:6400kB boost:0kB min:8192kB low:10240kB "
        "high:12288kB reserved_highatomic:0KB active_anon:40kB inactive_anon:1024kB "
        "active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB present:524288kB "
        "managed:507904kB mlocked:0kB bounce:0kB free_pcp:48kB local_pcp:48kB free_cma:0kB\n"
        "[   14.103240] lowmem_reserve[]: 0 0 0 0 0\n",
    ),
    (
        "[   14.103959] Node 0 hugepages_total",
        "[   14.103700] Node 1 Normal: 1200*4kB (UME) 200*8kB (UM) 0*16kB 0*32kB 0*64kB "
        "0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 6400kB\n"
        "[   14.103959] Node 0 hugepages_total",
    ),
)


def test_a_node_bound_request_with_two_nodes_printed_is_no_certain(tmp_path):
    """lab stranded-6.1 (order 3, its only block of the order an (H) 2048kB chunk in DMA32)
    with a second node printed: Node 1 Normal, 1600 free pages under min 2048, no H. Any
    node may serve the request: stranded, certain. With __GFP_THISNODE (0x200000) only
    the asked node's zones count, and the report does not say which: node 1 alone would
    be exhausted, false. Likely."""
    both = first(edited(tmp_path, "stranded-6.1", *_SECOND_NODE))
    assert both[:3] == ("highatomic-stranded", True, "certain")
    bound = (
        _SECOND_NODE[0][0],
        _SECOND_NODE[0][1].replace(
            "0x10cc0(GFP_KERNEL|__GFP_NORETRY)", "0x210cc0(GFP_KERNEL|__GFP_NORETRY|__GFP_THISNODE)"
        ),
    )
    code, would, confidence, missing = first(
        edited(tmp_path, "stranded-6.1", bound, *_SECOND_NODE[1:])
    )
    assert (code, would, confidence) == ("highatomic-stranded", True, "likely")
    assert "the node asked for (__GFP_THISNODE)" in missing


# F3: an irq thread is SCHED_FIFO (irq_thread()): rt_task() gets ALLOC_HARDER on 4.4-6.2


def test_an_irq_thread_caller_is_no_ordinary_task(tmp_path):
    """lab stranded-6.1 (highatomic-stranded, certain) with its caller a threaded handler:
    an RT caller escapes the highatomic deduction and cuts min, which the replay of an
    ordinary task leaves out: likely."""
    code, would, confidence, missing = first(
        edited(
            tmp_path,
            "stranded-6.1",
            ("] init: page allocation", "] irq/45-i2c_hid: page allocation"),
        )
    )
    assert (code, would, confidence) == ("highatomic-stranded", True, "likely")
    assert "caller scheduling class (an irq thread is SCHED_FIFO)" in missing
    assert first(sample("stranded-6.1"))[:3] == ("highatomic-stranded", True, "certain")


# F4: 5.13-5.19 and 5.15.y: orders up to 3 go to rmqueue_pcplist() and "goto out", whatever
# it returns; its refill, rmqueue_bulk() -> __rmqueue(), never takes MIGRATE_HIGHATOMIC.

_140_ORDER_2 = (
    (
        "order:0, mode:0x40a20(GFP_ATOMIC|__GFP_COMP)",
        "order:2, mode:0x40a20(GFP_ATOMIC|__GFP_COMP)",
    ),
    ("free:5120 free_pcp:5520", "free:20345 free_pcp:5520"),
    (
        "Node 0 Normal free:26176kB min:78420kB low:92700kB high:106980kB",
        "Node 0 Normal free:72000kB min:14232kB low:28512kB high:42792kB",
    ),
    (
        "Node 0 Normal: 3310*4kB (MH) 31*8kB (H) 18*16kB (H) 70*32kB (H) 23*64kB (H) "
        "15*128kB (H) 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 19408kB",
        "Node 0 Normal: 12000*4kB (UMEH) 2000*8kB (UMEH) 200*16kB (H) 100*32kB (H) 20*64kB (H) "
        "5*128kB (H) 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 72320kB",
    ),
)


def test_an_order_2_atomic_request_on_5_13_never_reaches_the_highatomic_lists(tmp_path):
    """extra/140 (5.13.8 napi/eth0, GFP_ATOMIC|__GFP_COMP) asking order 2 with Normal at
    18000 free pages, min 3558 cut by ALLOC_HIGH|ALLOC_HARDER to 1335: the watermark passes,
    and on 4.4-6.2 rmqueue() would take the (H) 16kB chunks. On 5.13 the request is the
    pcp list's, whose refill never takes H, and no U/M/E block of order 2 is left; DMA32
    and DMA fail their lowmem_reserve. One converted block serves it."""
    assert first(edited(tmp_path, "140", *_140_ORDER_2))[:3] == (
        "highatomic-stranded",
        True,
        "certain",
    )


def test_5_15_keeps_the_5_13_pcp_path_after_its_alloc_flags_backports(tmp_path):
    """The same on 5.15.180, which carries 6.3's alloc flags (5.15.171) but not 6.0's pcp
    miss falling through to rmqueue_buddy()."""
    swaps = (*_140_ORDER_2, ("5.13.8 #1", "5.15.180 #1"))
    assert first(edited(tmp_path, "140", *swaps))[:3] == ("highatomic-stranded", True, "certain")


# Round 25: reports built in the kernel's format (tests/data/synthetic/README.md)

SYNTHETIC = Path(__file__).resolve().parent / "data" / "synthetic"


def verdicts(name: str) -> list[tuple]:
    out = []
    for a in analyze_file(str(SYNTHETIC / name)).analyses:
        v = a.verdict
        out.append((a.report.first_line, v.code, v.unreserve_would_avoid, v.confidence, v.missing))
    return out


def test_a_long_term_pin_on_5_10_may_lack_alloc_cma():
    """An order-0 GFP_HIGHUSER_MOVABLE OOM under __gup_longterm_locked() on 5.10.2: with
    ALLOC_CMA, DMA32's 15000 free pages less the 8192-page reserve fail min 12253 and pass
    it released (exhausted, would true); memalloc_nocma_save() withholds ALLOC_CMA, so the
    4000 free CMA pages are unusable too and the release does not help (false). Likely,
    the answer open."""
    ((_, code, would, confidence, missing),) = verdicts("C1_nocma_pin_5.10.log")
    assert (code, would, confidence) == ("exhausted", None, "likely")
    assert "ALLOC_CMA (a long-term pin under memalloc_nocma_save(), 5.9-5.11)" in missing


def test_an_oom_victims_own_failure_is_no_ordinary_tasks():
    """fio (pid 2034240) is killed by the first report; 30 ms later its own order-0
    allocation fails. As an ordinary task DMA32's 8000 pages fail min 12253 (exhausted,
    false); the victim's ALLOC_OOM halves min to 6127 and drops the deduction, so it failed
    on the free lists, all (H): unreserving would have served it. Likely, answer open."""
    first_oom, victim = verdicts("V1_oom_victim_alloc_5.10.log")
    assert first_oom[0] == 1 and "the caller may be an OOM victim (ALLOC_OOM)" not in first_oom[4]
    assert victim[:4] == (57, "exhausted", None, "likely")
    assert "the caller may be an OOM victim (ALLOC_OOM)" in victim[4]


def test_before_5_8_the_lowmem_reserve_index_is_the_allocating_nodes():
    """Node 0 holds DMA and DMA32, node 1 DMA32 and Normal. On 5.7 a caller on node 0 uses
    lowmem_reserve[1] (0 pages in Node 1 DMA32: highatomic-stranded), one on node 1
    lowmem_reserve[2] (1024 pages: exhausted); the report prints the CPU, not its node."""
    ((_, code, would, confidence, missing),) = verdicts("L1_numa_classzone_5.7.log")
    assert (code, would, confidence) == ("highatomic-stranded", True, "likely")
    assert "the allocating CPU's node (the lowmem_reserve index before 5.8)" in missing
    # 5.8 (3334a45eb9e2) indexes by the request's highest zone: settled
    assert verdicts("L1b_numa_classzone_5.8.log")[0][1:4] == ("exhausted", False, "certain")


def test_i386_without_pae_has_1024_page_blocks():
    """hugepages_size=4096kB: two-level paging, pageblock order 10. The counter (not
    printed) may then reach 4096, where the page count fails and the code is fragmented:
    likely. Printed at 4096, the same report is fragmented, certain."""
    ((_, code, would, confidence, missing),) = verdicts("P1_i386_nonpae_pb10_4.19.log")
    assert (code, would, confidence) == ("highatomic-stranded", True, "likely")
    assert "reserved_highatomic" in missing
    assert verdicts("P1w_i386_nonpae_nr4096_4.19.log")[0][1:4] == ("fragmented", True, "certain")


def test_extra_103_is_i386_with_order_10_blocks_read_off_its_hugepages_line():
    """extra/103 (5.18-rc2-next i386 QEMU: exc_page_fault, x86 at either width, and
    do_fast_syscall_32; hugepages_size=4096kB): arch i386, pageblock order 10 read, not
    assumed; its verdict as keyed."""
    (a,) = analyze_file(str(sample("103"))).analyses
    assert a.report.arch == "i386" and a.report.hugepage_kb == (4096,)
    assert not any(x.startswith("pageblock-order") for x in a.verdict.assumptions)


# Round 26


def test_a_failure_only_an_oom_victim_prints_is_judged_as_one_too():
    """A reclaim-capable order-0 GFP_HIGHUSER_MOVABLE failure (5.10.2): the slow path gives
    it up only as an OOM victim (or for a core dump, or with the OOM killer disabled), so
    it is judged both ways though no kill line names it: alone, and as another thread of
    the killed process (the kill line names the thread-group leader)."""
    ((_, code, would, confidence, missing),) = verdicts("V2a_victim_unlinked_alone_5.10.log")
    assert (code, would, confidence) == ("exhausted", None, "likely")
    assert "the caller may be an OOM victim (ALLOC_OOM)" in missing
    assert verdicts("V2b_victim_other_thread_5.10.log")[1][:4] == (57, "exhausted", None, "likely")


def test_a_request_without_hardwall_is_not_held_to_its_cpuset():
    """GFP_NOWAIT of a task in cpuset mems=1 (6.1.69): the slow path's
    __cpuset_zone_allowed() holds it to the nearest hardwall ancestor's nodes, not to
    mems_allowed; node 0's stranded DMA32 may have served it. Not exhausted, certain."""
    ((_, code, would, confidence, _),) = verdicts("K2_cpuset_nowait_node0_eligible_6.1.69.log")
    assert (code, would, confidence) == ("highatomic-stranded", True, "likely")


def test_gfp_atomic_ignores_the_cpuset():
    """GFP_ATOMIC with mems_allowed=1 (6.1): gfp_to_alloc_flags() drops ALLOC_CPUSET, so
    node 0's DMA32 (88221 free pages against min 2072) served it in the printed state:
    undetermined, never constrained."""
    assert verdicts("A1_atomic_cpuset_ignored_6.1.log")[0][1:4] == ("undetermined", None, "unknown")


def test_a_gfp_kernel_oom_of_a_cpuset_task_may_turn_on_unprinted_nodes():
    """GFP_KERNEL OOM of a task in cpuset mems=1 (6.1.69): only node 1 is printed
    (SHOW_MEM_FILTER_NODES), Mem-Info's free:1800 puts ~1521 pages on node 0, which the
    request could use: at best likely, the unreserve answer open."""
    ((_, code, would, confidence, missing),) = verdicts(
        "K1b_cpuset_gfpkernel_unprinted_node_6.1.69.log"
    )
    assert (code, would, confidence) == ("exhausted", None, "likely")
    assert "zones of nodes the report filtered out" in missing


def test_a_fix_that_avoids_it_lists_the_stable_series_that_carry_what_it_needs():
    """The seed's in:imklog failure (4.8, GFP_ATOMIC order 0): 281dd25c1a01 would have
    avoided it in a kernel whose pcp miss reaches rmqueue_buddy (6.0+), so its stable
    releases are 6.11.7, 6.6.60 and 6.1.116, not 5.15.171 (5.15's pcp lists keep an
    order-0 atomic request from the buddy half)."""
    a = analyze_file(str(sample("seed"))).analyses[1]
    fix = next(f for f in a.verdict.fixes if f.commit.startswith("281dd25c1a01"))
    assert fix.would_avoid and fix.stable == ("6.11.7", "6.6.60", "6.1.116")


def test_no_fix_is_said_to_avoid_what_the_callers_reading_leaves_open():
    """C1 (a pin on 5.10.2): ac3f3b0a5551 avoids it for a caller with ALLOC_CMA only."""
    (a,) = analyze_file(str(SYNTHETIC / "C1_nocma_pin_5.10.log")).analyses
    assert a.verdict.unreserve_would_avoid is None
    assert a.verdict.fixes and not any(f.would_avoid for f in a.verdict.fixes)


# Round 27


def test_a_nofs_failure_is_an_oom_victims_too():
    """GFP_NOFS order 0 (5.10.2): out_of_memory() pretends progress without __GFP_FS, so
    the slow path retries; only a victim (or a core dump, a disabled OOM killer) prints
    this failure. Judged as one too: exhausted for an ordinary task, stranded for the
    victim. Likely, answer open."""
    ((_, code, would, confidence, missing),) = verdicts("N1_victim_nofs_5.10.log")
    assert (code, would, confidence) == ("exhausted", None, "likely")
    assert "the caller may be an OOM victim (ALLOC_OOM)" in missing


def test_a_pf_memalloc_failure_is_no_victims():
    """extra/106's chrome failure (6.19, GFP_NOFS|__GFP_NOMEMALLOC inside direct reclaim):
    a PF_MEMALLOC task goes to nopage before reclaim, victim or not; its verdict as keyed."""
    a = analyze_file(str(sample("106"))).analyses[0]
    assert (a.verdict.code, a.verdict.unreserve_would_avoid) == ("lowmem-protected", False)
    assert not any("OOM victim" in m for m in a.verdict.missing)


def test_an_order_past_11_with_no_buddy_line_read_is_no_certain_not_a_shortage():
    """arm64 16K pages keep orders 0-11: an order:11 failure line (a kernel refuses an order
    past its largest with a WARN, no failure line) with its buddy lines cut is a request."""
    ((_, code, _, confidence, _),) = verdicts("O2_16k_order11_cut_6.8.log")
    assert code != "not-a-shortage" and confidence != "certain"


def test_an_order_no_kernel_has_is_not_replayed(tmp_path):
    """corpus 021 (5.4 GFP_ATOMIC) with the failure line's order 0 made 99999 and its buddy
    lines cut (hypothesis found it): with no buddy line read 11 orders are assumed, so no
    not-a-shortage; __alloc_pages() refuses such an order before any report, and a replay
    of it once printed 2^99999 - 1 pages and lost the report to an internal error."""
    text = sample("021").read_text().replace("order:0,", "order:99999,", 1)
    path = tmp_path / "021-order.log"
    path.write_text("".join(x for x in text.splitlines(True) if "*4kB" not in x))
    result = analyze_file(str(path))
    (a,) = result.analyses
    assert (a.verdict.code, a.verdict.confidence) == ("undetermined", "unknown")
    assert "order" in a.verdict.missing
    assert "order=99999: 2^99999 pages, more than any machine holds" in render([result], "text")


def test_arm64_without_hugepages_lines_sweeps_pageblock_order_10():
    """No hugepages lines (an Android kernel without CONFIG_HUGETLB_PAGE): pageblock order
    is MAX_ORDER-1 = 10, where the counter may reach 4096 and the code be fragmented."""
    ((_, code, would, confidence, missing),) = verdicts("P2_android_arm64_nohugetlb_pb10_4.19.log")
    assert (code, would, confidence) == ("highatomic-stranded", True, "likely")
    assert "reserved_highatomic" in missing


def test_a_2_6_oom_that_names_no_nodes_is_no_certain_extra_202():
    """extra/202 (2.6.26 ia64, two nodes): no cpuset line, no oom-kill line; a task bound
    to node 3 would read exhausted. lowmem-protected, likely (keyed so)."""
    a = analyze_file(str(sample("202"))).analyses[0]
    v = a.verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("lowmem-protected", False, "likely")
    assert "cpuset or oom-kill line" in v.missing


def test_a_buddy_line_of_an_interleaved_report_leaves_the_verdict_likely():
    """Two Mem-Info blocks interleaved line by line (an OOM's dump_header() and a
    warn_alloc() run under different locks): another report's DMA32 buddy line lands just
    before init's own, which the reader then splits off as a fragment. On the foreign line
    the report reads highatomic-stranded; on its own (40 free order-3 chunks) the printed
    state would have served it. Either line may be the report's: likely."""
    reports = verdicts("D5_late_foreign_buddy_line_6.1.log")
    init = next(r for r in reports if r[0] == 40)
    assert init[1:4] == ("highatomic-stranded", True, "likely")
    assert "its own buddy line (another report's interleaved)" in init[4]
    ((_, code, _, confidence, missing), _fragment) = verdicts("D3_interleaved_foreign_first.log")
    assert confidence == "likely" and "its own buddy line (another report's interleaved)" in missing


# Round 28


def test_a_vendor_kernel_that_may_unreserve_before_oom_is_no_certain_stranding():
    """SLE15-SP6 6.4.0-150600 carries ac3f3b0a5551 (SUSE's patches.suse/): a kernel that
    unreserves before it OOMs printed (H) blocks that were most likely reserved again after
    the decision. The release allows it (a vendor's backport), so the stranded verdict is
    likely and the fix is not said to have avoided it."""
    ((_, code, would, confidence, missing),) = verdicts("F1_sle15sp6_stranded_oom.log")
    assert (code, would, confidence) == ("highatomic-stranded", True, "likely")
    assert "kernel stable level" in missing
    (a,) = analyze_file(str(SYNTHETIC / "F1_sle15sp6_stranded_oom.log")).analyses
    fix = next(f for f in a.verdict.fixes if f.commit.startswith("ac3f3b0a5551"))
    assert fix.would_avoid is False


def test_an_android_5_10_oom_that_a_backport_may_have_unreserved_extra_167():
    """extra/167 (5.10.168-android12 binder OOM, only (H) blocks of order 3): as keyed,
    highatomic-stranded, true, likely: an Android tree may carry ac3f3b0a5551."""
    a = next(x for x in analyze_file(str(sample("167"))).analyses if x.report.first_line == 5)
    v = a.verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == (
        "highatomic-stranded",
        True,
        "likely",
    )


def test_a_boot_banner_between_the_kill_and_the_failure_ends_the_victim(tmp_path):
    """Synthetic V1 with a boot banner put between its kill line and the failure, as a
    serial console of a machine that rebooted in between prints it (its printk clock does
    not go back here): pid 2034240 of the new boot is another task, not the one killed."""
    from oomlens.judge.caller import Victims

    text = (SYNTHETIC / "V1_oom_victim_alloc_5.10.log").read_text().splitlines(keepends=True)
    banner = "[2122311.400000] Linux version 5.10.0-8-arm64 (debian-kernel@lists.debian.org)\n"
    path = tmp_path / "V1_rebooted.log"
    path.write_text("".join(text[:56] + [banner] + text[56:]))
    for log, boots, linked in (
        (SYNTHETIC / "V1_oom_victim_alloc_5.10.log", 0, True),
        (path, 1, False),
    ):
        oom, failure = (a.report for a in analyze_file(str(log)).analyses)
        victims = Victims()
        assert victims.seen(oom) is False
        assert failure.boot == boots
        assert victims.seen(failure) is linked
