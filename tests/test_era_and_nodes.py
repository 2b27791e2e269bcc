"""Watermark rules by era and the nodes a request may use, on real reports (hostile rounds
29 and 30).

No sample shows these cases with a state the rule decides, so each test edits a real
report the way another kernel, moment or task of the same machine prints it (each edit
written out), or reads a synthetic report of ``tests/data/synthetic/`` built in the
kernel's format (its README says from what). kB / 4 = pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oomlens.fleet.batch import run_batch
from oomlens.kernel.profile import Feature, profile_for_release
from oomlens.pipeline import analyze_file
from tests.corpus import sample
from tests.test_caller_context import edited, first, verdicts

# Round 29 F1: 6a204d4b14c9 ("only set ALLOC_HIGHATOMIC for __GPF_HIGH allocations") is
# mainline 6.18, and 6.17.4, 6.12.54, 6.6.113, 6.1.157 and 5.15.195 in stable.

_NOWAIT = (
    (
        "order:3, mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY)",
        "order:{order}, mode:0x800(GFP_NOWAIT)",
    ),
    ("6.12.118+deb13-amd64 #1  Debian 6.12.118-1", "{release} #1 SMP PREEMPT_DYNAMIC"),
    ("[   12.911632]  ? __alloc_pages_direct_compact+0x1ac/0x1d0\n", ""),  # NOWAIT never compacts
)


def _nowait(tmp_path: Path, release: str, order: int) -> tuple:
    """lab stranded-6.12 (DMA32: its only free block of order >= 3 is one 2048kB (H)) asked
    by GFP_NOWAIT at ``order`` on ``release``."""
    swaps = tuple((old, new.format(order=order, release=release)) for old, new in _NOWAIT)
    return first(edited(tmp_path, "stranded-6.12", *swaps))


def test_the_nowait_gate_is_in_the_releases_that_carry_it():
    gate = Feature.HIGHATOMIC_NEEDS_HIGH
    has = {
        r: gate in profile_for_release(r).features
        for r in (
            "6.17.3",
            "6.17.4",
            "6.18",
            "6.6.112",
            "6.6.113",
            "5.15.194",
            "5.15.195",
            "5.10.246",
        )
    }
    assert has == {
        "6.17.3": False, "6.17.4": True, "6.18": True, "6.6.112": False,
        "6.6.113": True, "5.15.194": False, "5.15.195": True, "5.10.246": False,
    }  # fmt: skip


def test_nowait_order3_on_6_17_2_still_takes_the_highatomic_block(tmp_path):
    """6.17.2 lacks the gate: GFP_NOWAIT order 3 gets ALLOC_HIGHATOMIC, the free-area half
    counts DMA32's H block and rmqueue_buddy() takes it; the printed state passes by that
    one block, which can move: the nearest failing state, likely, never highatomic-stranded."""
    code, would, confidence, missing = _nowait(tmp_path, "6.17.2", 3)
    assert (code, would, confidence) == ("fragmented", False, "likely")
    assert "decision-time state" in missing


def test_nowait_order3_on_6_17_4_is_stranded(tmp_path):
    """6.17.4 carries the gate: no ALLOC_HIGHATOMIC, DMA32's lists hold no U/M/E block of
    order >= 3, and unreserving the H block serves it."""
    assert _nowait(tmp_path, "6.17.4", 3)[:3] == ("highatomic-stranded", True, "certain")


def test_nowait_order4_on_fixed_6_6_and_5_15_stable(tmp_path):
    """Order 4, past 5.15's per-CPU lists: 6.6.115 and 5.15.196 carry the gate (stranded),
    6.6.112 and 5.15.194 do not (the H block serves it: nearest failing state)."""
    got = {r: _nowait(tmp_path, r, 4)[:3] for r in ("6.6.115", "5.15.196", "6.6.112", "5.15.194")}
    assert got == {
        "6.6.115": ("highatomic-stranded", True, "certain"),
        "5.15.196": ("highatomic-stranded", True, "certain"),
        "6.6.112": ("fragmented", False, "likely"),
        "5.15.194": ("fragmented", False, "likely"),
    }


# Round 29 F2: from 026b08147923 (v3.11) the pre-4.4 order walk starts from free pages
# with the CMA pages in them; 3.7-3.10 took them off before the walk too.


def test_extra_148_walk_keeps_the_cma_pages():
    """extra/148 (3.12 armv7, GFP_ATOMIC order 1, Normal free 3286, CMA 1982): the page
    count is 3286 - 1 - 1982 = 1303 > min 501 cut to 189; the walk then takes order 0's
    2584 pages off 3285, not off 1303: 701 > 189 >> 1 = 94, so it passes, and the request
    fails on the free lists (no U/E/M/R order-1 chunk): cma-only, as keyed."""
    a = analyze_file(str(sample("148"))).analyses[0]
    assert a.verdict.code == "cma-only"
    full = [e for e in a.verdict.evidence if e.zone == "Normal" and e.steps]
    steps = {s.test: s.result for s in full[0].steps}
    assert steps == {"page count": "pass", "per-order walk": "pass", "freelist": "fail"}


def test_a_free_unmovable_order1_chunk_on_3_12_serves_it(tmp_path):
    """The same moment with one unmovable order-1 chunk among the 217 (``(UC)``, as 3.12
    prints a list holding both): count and walk pass and the chunk serves the request, so
    the printed state is no failure: undetermined, not cma-only certain."""
    path = edited(tmp_path, "148", ("217*8kB (C)", "217*8kB (UC)"))
    assert first(path)[:3] == ("undetermined", False, "unknown")


def test_3_12_clean_print_is_no_cma_only():
    """W2: the same 3.12 report unquoted, zone line whole (synthetic)."""
    assert verdicts("W2_pre44_walk_cma_3.12_clean.log")[0][1:4] == (
        "undetermined",
        False,
        "unknown",
    )


def test_before_3_11_the_walk_took_cma_off_too():
    """The era switch itself: 3.10 lacks it, 3.11 has it."""
    assert Feature.WALK_COUNTS_CMA not in profile_for_release("3.10.0").features
    assert Feature.WALK_COUNTS_CMA in profile_for_release("3.11.2").features


# Round 30 F1: a request held to its nodes whose print hides the others (SHOW_MEM_FILTER_NODES)


_FILTERED = {
    # extra/124 (4.16, GFP_HIGHUSER_MOVABLE, exhausted certain as printed) run in a cpuset
    # /build with mems 0 on a two-node box: dump_header() prints node 0 alone, while
    # Mem-Info's global free says 537144 pages, 524288 more than the printed zones, and
    # "pages RAM" counts node 1's 1048576 present pages too
    "124": (
        ("anaconda cpuset=/ mems_allowed=0", "anaconda cpuset=/build mems_allowed=0"),
        ("free:12856 free_pcp:235", "free:537144 free_pcp:235"),
        ("458615 pages RAM", "1507191 pages RAM"),
    ),
    # extra/151 (5.10, order-6 GFP_KERNEL|__GFP_COMP, fragmented certain as printed) under
    # numactl --membind=0 on two nodes: warn_alloc() prints nodemask=0 and, for this
    # reclaim-capable request, node 0 alone; global free 584967 is 524288 past the zones
    "151": (
        ("nodemask=(null),cpuset=/,mems_allowed=0", "nodemask=0,cpuset=/,mems_allowed=0-1"),
        ("free:60679 free_pcp:0", "free:584967 free_pcp:0"),
        ("1015296 pages RAM", "1539584 pages RAM"),
    ),
}


@pytest.mark.parametrize("name", sorted(_FILTERED))
def test_a_bound_request_with_free_memory_the_print_filtered_out(tmp_path, name):
    """The cpuset or policy kept it off the other node's free memory: constrained, likely
    (that node's zones are not printed)."""
    code, would, confidence, missing = first(edited(tmp_path, name, *_FILTERED[name]))
    assert (code, would, confidence) == ("constrained", False, "likely")
    assert "zones of nodes the report filtered out" in missing


def test_drift_on_one_node_is_no_filtered_node_extra_124(tmp_path):
    """The same cpuset on a one-node box, Mem-Info's free 12000 pages past the zones (the
    zone lines print later): "pages RAM" 458615 is the printed zones' present pages, so no
    node was left out: exhausted, certain, as keyed (hostile round 33, F1)."""
    path = edited(
        tmp_path,
        "124",
        ("anaconda cpuset=/ mems_allowed=0", "anaconda cpuset=/docker/1f2e mems_allowed=0"),
        ("free:12856 free_pcp:235", "free:24856 free_pcp:235"),
    )
    assert first(path)[:3] == ("exhausted", False, "certain")


def test_the_top_cpuset_filters_nothing_extra_124():
    """extra/124 as printed: cpuset ``/`` holds every node, nothing was left out: as keyed."""
    assert first(sample("124"))[:3] == ("exhausted", False, "certain")


# Round 30 F2: no nodemask printed (OOM < 4.9, warn_alloc < 4.10): a mempolicy is unsaid


def test_unprinted_mempolicy_on_4_8_two_nodes():
    """G (synthetic, 4.8 format): node 0 fails on its page count, node 1's Normal holds only
    (H) chunks. Judged on both nodes it is highatomic-stranded; an MPOL_BIND to node 0, which
    a 4.8 OOM never prints, makes it exhausted with nothing to unreserve. Likely, the
    unreserve answer open."""
    ((_, code, would, confidence, missing),) = verdicts("G_unprinted_mpol_bind_4.8.log")
    assert (code, would, confidence) == ("highatomic-stranded", None, "likely")
    assert "the task's mempolicy (no nodemask printed)" in missing


def test_a_kernel_thread_has_no_mempolicy_to_weigh():
    """K5 (extra/183 edited, 3.10, two nodes, no nodemask printed): node 0 alone would give
    another verdict, but the caller is a kworker (kthread() in its trace), which runs with
    the default policy: fragmented, certain (hostile round 33, F2)."""
    assert verdicts("K5_kworker_two_nodes_3.10.log")[0][1:4] == ("fragmented", False, "certain")


# Round 30 F3: before d6a24df00638 (v4.19) GFP_ATOMIC kept the mempolicy's nodemask


def test_atomic_request_keeps_its_printed_nodemask_before_4_19():
    """H (synthetic, 4.14 warn_alloc): GFP_ATOMIC, ``nodemask=0``, node 1 all (H). 4.14's slow
    path resets only the zonelist iterator: node 1 is never tried nor unreserved, so
    exhausted, false; 4.14.y may carry the fix (a backport was asked): likely."""
    ((_, code, would, confidence, missing),) = verdicts("H_atomic_mpol_nodemask_4.14.log")
    assert (code, would, confidence) == ("exhausted", False, "likely")
    assert "kernel stable level" in missing


# Round 30 F4: SysRq-f before 4.3 passes GFP_KERNEL, order 0


def _sysrq_008(tmp_path: Path) -> Path:
    """corpus 008 (ppc64 2.6.37-era) as SysRq-f prints it: header of moom_callback()'s
    GFP_KERNEL order-0 call from a kworker, the trace through moom_callback."""
    text = sample("008").read_text()
    start = text.index("[c000000001c63340] [c00000000012ecb8]")
    end = text.index("syscall_exit+0x0/0x40\n") + len("syscall_exit+0x0/0x40\n")
    trace = (
        "[c000000001c63340] [c0000000003b1a2c] .moom_callback+0x2c/0x44\n"
        "[c000000001c633c0] [c0000000000a2b40] .process_one_work+0x1b0/0x4a4\n"
        "[c000000001c63470] [c0000000000a3188] .worker_thread+0x1d4/0x31c\n"
        "[c000000001c63530] [c0000000000aa3f4] .kthread+0xb4/0xc0\n"
    )
    text = text[:start] + trace + text[end:]
    text = text.replace("pidof invoked oom-killer: gfp_mask=0x840d0,", "kworker/0:1 invoked "
                        "oom-killer: gfp_mask=0xd0,", 1).replace("pidof cpuset=", "kworker/0:1 cpuset=", 1)  # fmt: skip
    path = tmp_path / "008-sysrq.log"
    path.write_text(text)
    return path


def test_sysrq_f_before_4_3_is_no_shortage(tmp_path):
    """Nothing failed: not-a-shortage, certain, and the facts say a person asked for it
    (the ppc64 frame ``.moom_callback`` read by its C name)."""
    a = analyze_file(str(_sysrq_008(tmp_path))).analyses[0]
    assert (a.verdict.code, a.verdict.confidence) == ("not-a-shortage", "certain")
    assert "moom_callback" in a.report.functions
    assert a.facts.manual


def test_corpus_008_as_printed_stays_a_shortage():
    """The real pidof OOM of 008 has no moom_callback frame: exhausted, as keyed."""
    assert first(sample("008"))[0] == "exhausted"


# A library caller's one path is one path (run_batch("dir") once walked "/", "t", "m", ...)


def test_run_batch_takes_one_path_as_a_string(tmp_path):
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "a.log").write_bytes(sample("001").read_bytes())
    result = run_batch(str(fleet), str(tmp_path / "out"), fmt="csv", jobs=1)
    assert result.files == 1


# Round 31: when the kernel itself unreserves, and what that says of the printed (H) blocks

_MAYFAIL = ("mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY)", "mode:0x4cc0(GFP_KERNEL|__GFP_RETRY_MAYFAIL)")


def _judged(path: Path, line: int | None = None):
    for a in analyze_file(str(path)).analyses:
        if line is None or a.report.first_line == line:
            return a
    raise AssertionError(f"no report at line {line}")


def test_a_failure_past_should_reclaim_retry_on_6_12_had_its_reserve_remade(tmp_path):
    """lab stranded-6.12 asked with __GFP_RETRY_MAYFAIL instead of __GFP_NORETRY (order 3):
    the request reaches should_reclaim_retry(), which on 6.12 (ac3f3b0a5551) unreserves with
    force before every give-up, so it fails only once no free H chunk is left: the printed
    2048kB (H) block was reserved again after the decision. Stranded, but likely."""
    a = _judged(edited(tmp_path, "stranded-6.12", _MAYFAIL))
    v = a.verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == (
        "highatomic-stranded",
        True,
        "likely",
    )
    assert v.kernel_could_unreserve is True
    assert "reserve-remade" in {f.code for f in v.factors}


def test_a_costly_noio_request_never_reaches_the_retry_on_6_12(tmp_path):
    """The same with GFP_NOIO|__GFP_RETRY_MAYFAIL|__GFP_COMP order 4: since 803de9000f33
    (6.9) a costly request without __GFP_IO goes to nopage before should_reclaim_retry(),
    and direct reclaim's unforced unreserve keeps DMA32's one reserved block (512 pages =
    one pageblock): the kernel could not unreserve, the block is stranded, certain."""
    swap = (
        "order:3, mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY)",
        "order:4, mode:0x44c00(GFP_NOIO|__GFP_RETRY_MAYFAIL|__GFP_COMP)",
    )
    v = _judged(edited(tmp_path, "stranded-6.12", swap)).verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == (
        "highatomic-stranded",
        True,
        "certain",
    )
    assert v.kernel_could_unreserve is False


def test_before_4_12_the_forced_unreserve_needs_free_pages_alone_corpus_035():
    """035 (4.8): until the back-off removal (4.12) should_reclaim_retry()'s 16th loop counts free
    pages alone, and DMA32's free 4851 less its >= 5120 reserved fails min 1407: 4.10's
    04c8716f7b00 never reaches its forced unreserve here. ac3f3b0a5551 unreserves at the
    failing test itself: only it would have avoided this."""
    v = _judged(sample("035")).verdict
    avoided = {f.commit for f in v.fixes if f.would_avoid}
    assert "ac3f3b0a5551" in avoided
    assert not avoided & {"04c8716f7b00", "29fac03bef72"}


def test_extra_145_4_10_could_unreserve_is_open():
    """extra/145's OOM at line 12 (Fedora 4.10.0): at the 16th loop DMA32 passes at the best
    point and fails at the worst: whether 4.10 unreserved is open (it was said true)."""
    assert _judged(sample("145"), 12).verdict.kernel_could_unreserve is None


def test_a_reclaim_frame_marks_pf_memalloc_extra_106():
    """extra/106's chrome fails inside direct reclaim (shrink_node, do_try_to_free_pages,
    try_to_free_pages frames): PF_MEMALLOC sends the slow path to nopage before it reclaims,
    so it never unreserves (it was said it would)."""
    v = _judged(sample("106"), 1).verdict
    assert v.kernel_could_unreserve is False
    assert "pf-memalloc" in v.assumptions


def test_a_stale_frame_is_no_caller_lab_stranded_6_12():
    """lab stranded-6.12 prints ``? __alloc_pages_direct_compact``: a stale address from the
    compaction the slow path already returned from, not a frame the warning runs in."""
    a = _judged(sample("stranded-6.12"))
    assert "__alloc_pages_direct_compact" in a.report.trace
    assert "__alloc_pages_direct_compact" not in a.report.functions
    assert "ordinary-task" in a.verdict.assumptions


def test_a_kswapd_excerpt_never_unreserves_corpus_033():
    """033's second report (kswapd0, no header: judged as its likely requests) is kswapd's:
    it never reclaims directly, so the kernel could not unreserve for it."""
    assert _judged(sample("033"), 2).verdict.kernel_could_unreserve is False


# Round 32: zone sets and pageblocks by architecture


def test_a_riscv64_zone_set_has_no_dma():
    """riscv64 builds ZONE_DMA32 but no ZONE_DMA: four lowmem_reserve entries with Movable
    and Device are DMA32, Normal, Movable, Device. DMA32's line ``0 2031 6127 6127`` says so
    too: its own entry (index 0) is 0, and Normal's is 2031 (the phantom-DMA reading put
    DMA32 at index 1, where its line holds 2031)."""
    from oomlens.model.state import zone_types

    line = {"DMA32": (0, 2031, 6127, 6127)}
    want = ("DMA32", "Normal", "Movable", "Device")
    assert zone_types({"DMA32", "Normal", "Movable"}, 4, "riscv64", line) == want
    assert zone_types({"DMA32", "Normal", "Movable"}, 4, None, line) == want  # by the line
    # ppc64 book3s since 5.0 builds neither DMA zone: Normal's line 0 8192 8192 puts it at 0
    ppc = zone_types({"Normal", "Movable"}, 3, "ppc64", {"Normal": (0, 8192, 8192)})
    assert ppc == ("Normal", "Movable", "Device")


def test_riscv64_gfp_kernel_reads_normals_entry():
    """R1 (synthetic): GFP_KERNEL's highest zone is Normal, so DMA32 is held back by 2031,
    not 6127: 5000 free > 982 + 2031, the printed state serves it: undetermined."""
    assert verdicts("R1_riscv64_device_movable_6.12.log")[0][1:4] == (
        "undetermined",
        False,
        "unknown",
    )


def test_s390x_pageblocks_are_order_8():
    """S1 (synthetic, 4.19.67 z/VM): HPAGE_SHIFT 20 makes pageblock_order 8 (the report
    prints hugepages_size=1024kB); 1600 free H pages then need only 1792 reserved, and 3200
    - 1 - 1792 = 1407 > min 1232 passes: no certain highatomic-stranded."""
    a = analyze_file(
        str(Path(__file__).parent / "data" / "synthetic" / "S1_s390x_pageblock8_4.19.log")
    )
    v = a.analyses[0].verdict
    assert a.analyses[0].report.arch == "s390x"
    assert "pageblock-order-8" in v.assumptions
    assert (v.code, v.confidence) == ("undetermined", "unknown")


def test_arm_6x_unwinder_lines_extra_123():
    """extra/123 prints 6.x ARM frames ("func from caller+0x../0x.."): arm, not i386."""
    assert analyze_file(str(sample("123"))).analyses[0].report.arch == "arm"


def test_an_mm_tree_may_carry_the_next_merge_window():
    """extra/200's 4.11.0-rc6-mm1: Andrew Morton's -mm tree carries the mm patches queued
    for 4.12 (the retry back-off removal among them): maybe, as a linux-next build."""
    p = profile_for_release("4.11.0-rc6-mm1")
    assert Feature.RETRY_NO_BACKOFF in p.uncertain
    assert Feature.RETRY_NO_BACKOFF not in profile_for_release("4.11.0-rc6").uncertain


def test_a_stale_moom_callback_frame_is_no_manual_oom_corpus_017(tmp_path):
    """Before 4.10 x86 marks a stale address after it: ``[<addr>] ? moom_callback+0x..``.
    corpus 017 (3.13, a mysqld fault, GFP_HIGHUSER_MOVABLE) with such a line is still a real
    shortage, as keyed (hostile round 34, F1): the frame is no caller, and SysRq-f's call
    was GFP_KERNEL."""
    text = sample("017").read_text()
    at = text.index("\n", text.index("Call Trace:")) + 1
    line = "    Jun 29 09:17:44 zlb kernel: [15847900.743436]  [<ffffffff8143a1b0>] ? moom_callback+0x20/0x30\n"
    path = tmp_path / "017-stale.log"
    path.write_text(text[:at] + line + text[at:])
    a = analyze_file(str(path)).analyses[0]
    assert "moom_callback" in a.report.trace and "moom_callback" not in a.report.functions
    assert (a.verdict.code, a.verdict.confidence) == ("exhausted", "likely")


# Round 35: the page count that splits fragmented from exhausted, near the line

_NEAR_LINE = (
    ("free:94051 free_pcp:754", "free:1614 free_pcp:754"),
    ("DMA free:13328kB", "DMA free:1600kB"),
    ("DMA32 free:362876kB", "DMA32 free:4856kB"),
    (
        "DMA: 476*4kB (U) 476*8kB (U) 476*16kB (U) 0*32kB",
        "DMA: 100*4kB (U) 100*8kB (U) 25*16kB (U) 0*32kB",
    ),
    ("= 13328kB", "= 1600kB"),
    (
        "DMA32: 12955*4kB (U) 12960*8kB (U) 12961*16kB (U) 0*32kB",
        "DMA32: 614*4kB (U) 300*8kB (U) 0*16kB 0*32kB",
    ),
    ("= 362876kB", "= 4856kB"),
)


def test_fragmented_within_the_pcp_pages_of_the_line_is_likely(tmp_path):
    """lab fragmented-6.12 (order 3) drained: DMA32 1214 pages (4856kB), no block of order
    >= 3, its page count passing min 1157 (4628kB) by 50 pages, with 754 pages on the
    per-CPU lists: 50 pages fewer at the decision and it is exhausted. Fragmented only at
    the printed values: likely (hostile round 35, F1)."""
    code, would, confidence, missing = first(edited(tmp_path, "fragmented-6.12", *_NEAR_LINE))
    assert (code, would, confidence) == ("fragmented", False, "likely")
    assert "decision-time state" in missing


def test_exhausted_short_of_the_line_without_a_block_is_likely(tmp_path):
    """The same, DMA32 at 1134 pages (4536kB): it fails the count by 30 pages with 754 on
    the per-CPU lists and no block of order >= 3; 30 more free pages at the decision pass
    it with no block, which is fragmented (hostile round 35, F2)."""
    swaps = [
        (o, n.replace("4856kB", "4536kB").replace("614*4kB", "534*4kB")) for o, n in _NEAR_LINE
    ]
    swaps[0] = ("free:94051 free_pcp:754", "free:1534 free_pcp:754")
    code, _, confidence, missing = first(edited(tmp_path, "fragmented-6.12", *swaps))
    assert (code, confidence) == ("exhausted", "likely") and "decision-time state" in missing


def test_near_the_line_with_a_block_stays_certain_extra_186():
    """extra/186 (4.9 i386, order 1): Normal fails the count by 24 pages with 133 per-CPU
    pages, but its lists hold order-1 blocks: passing, it would have served the request,
    so the failing count stands: exhausted, certain, as keyed."""
    assert first(sample("186"))[:3] == ("exhausted", False, "certain")


def test_extra_174_fragmented_near_its_line():
    """extra/174 (4.8, order 2): DMA32 passes the count at free: by 5230 pages, within its
    540 per-CPU pages plus the 5139-page gap to the buddy total: likely, as keyed."""
    code, would, confidence, missing = first(sample("174"))
    assert (code, would, confidence) == ("fragmented", False, "likely")
    assert "decision-time state" in missing
