"""What kind of OOM or failure a report is, when its lines say two things (hostile round
43). Each test edits a real report the way a log without printk caller ids interleaves two
reports, or another task or caller of the same machine prints it (each edit written out).
"""

from __future__ import annotations

import pytest

from oomlens.pipeline import analyze_file
from tests.corpus import sample
from tests.test_caller_context import edited

_MEMCG_SUMMARY = (
    "[    8.415700] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
    "mems_allowed=0,oom_memcg=/lab,task_memcg=/lab,task=labw,pid=103,uid=0\n"
)


def _first(path):
    a = analyze_file(str(path)).analyses[0]
    return a.report.kind, a.verdict


def test_a_page_allocation_failure_is_never_a_memcg_oom(tmp_path):
    """lab fragmented-6.1 (init's order-3 GFP_KERNEL|__GFP_NORETRY failure) with lab
    memcg-6.1's oom-kill summary line after its DMA32 zone line, as a log without caller
    ids interleaves a memcg OOM on another CPU: __alloc_pages() charges a memcg only after
    the zones served the page, so warn_alloc()'s report is the zones' refusal; the memcg
    line is another report's, and which lines are this one's is open: likely."""
    line = next(
        ln
        for ln in sample("fragmented-6.1").read_text().splitlines(True)
        if "Node 0 DMA32 free:" in ln
    )
    kind, v = _first(edited(tmp_path, "fragmented-6.1", (line, line + _MEMCG_SUMMARY)))
    assert kind == "alloc-failure"
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("fragmented", False, "likely")
    assert "lines of an interleaved memory cgroup OOM" in v.missing
    _, plain = _first(sample("fragmented-6.1"))
    assert (plain.code, plain.confidence) == ("fragmented", "certain")


def test_a_global_oom_with_a_memcg_oom_line_in_it_is_not_a_memcg_oom(tmp_path):
    """corpus 017 (3.13, mysqld, a global OOM: its trace runs out_of_memory and its kill
    line says "Out of memory: Kill process") with a "Task in /lxc/web killed as a result of
    limit of /lxc/web" line after its DMA32 zone line: 3.x's dump_header() prints memcg
    info or show_mem(), never both, and nothing kept two OOMs apart before 4.2's oom_lock:
    the global reading stands, at best likely."""
    line = next(ln for ln in sample("017").read_text().splitlines(True) if "DMA32 free:" in ln)
    task_in = "    Jun 29 09:17:44 zlb kernel: [15847900.743990] Task in /lxc/web killed as a result of limit of /lxc/web\n"
    kind, v = _first(edited(tmp_path, "017", (line, line + task_in)))
    assert v.code == "exhausted" and v.confidence == "likely"
    assert "lines of an interleaved memory cgroup OOM" in v.missing


def test_a_comma_in_a_cgroup_name_feigns_no_memcg_oom(tmp_path):
    """lab exhausted-6.1's global OOM (CONSTRAINT_NONE, global_oom) from a task whose memory
    cgroup is /jobs/x,oom_memcg=/jobs (kernfs names may hold "," and "="): the constraint
    constrained_alloc() printed first settles it: exhausted, certain, as the sample."""
    summary = "global_oom,task_memcg=/,task=labw"
    kind, v = _first(
        edited(
            tmp_path,
            "exhausted-6.1",
            (summary, "global_oom,task_memcg=/jobs/x,oom_memcg=/jobs,task=labw"),
        )
    )
    _, plain = _first(sample("exhausted-6.1"))
    assert (v.code, v.confidence) == (plain.code, plain.confidence) == ("exhausted", "certain")


def test_a_vmalloc_failure_charged_to_a_memcg_is_at_best_likely(tmp_path):
    """corpus 042 (6.3.9, "vmalloc error: size 0, page order 9", GFP_KERNEL|__GFP_HIGHMEM|
    __GFP_ZERO) asked with __GFP_ACCOUNT (0x400000), as a container's kvmalloc is:
    __alloc_pages() frees a page whose memcg charge failed and returns NULL without a
    word, and vmalloc warns of the short allocation all the same: likely, the charge
    named."""
    account = (
        "mode:0xdc2(GFP_KERNEL|__GFP_HIGHMEM|__GFP_ZERO)",
        "mode:0x400dc2(GFP_KERNEL_ACCOUNT|__GFP_HIGHMEM|__GFP_ZERO)",
    )
    _, v = _first(edited(tmp_path, "042", account))
    _, plain = _first(sample("042"))
    assert plain.confidence == "certain"
    assert (v.code, v.confidence) == (plain.code, "likely")
    assert "whether the memory cgroup charge failed" in v.missing


def test_an_android_trees_movable_request_may_lack_alloc_cma():
    """Synthetic A1 (round 42; no real Android report asks a Movable page with CMA free):
    Normal free 10500 pages, 9216 of them CMA, reserve 512, min 10216. Mainline gives a
    Movable request ALLOC_CMA: 10500 - 512 fails, 10500 with the reserve released passes
    (exhausted, true: A2). A tree carrying "cma: redirect page allocation to CMA" wants
    __GFP_CMA, which this mask does not print: 772 and 1284 both fail, false. Likely, the
    unreserve answer open."""
    from tests.test_caller_context import verdicts

    assert [v[1:4] for v in verdicts("A2_mainline_movable_5.10.log")] == [
        ("exhausted", True, "certain")
    ]
    ((_, code, would, confidence, missing),) = verdicts("A1_android_gki_movable_5.10.log")
    assert (code, would, confidence) == ("exhausted", None, "likely")
    assert "__GFP_CMA (an Android tree's CMA rule)" in missing


def test_a_5_1_memcg_oom_prints_constraint_none(tmp_path):
    """Round 44 F1: extra/113 (5.2-rc7's memcg OOM of /leaker) as 5.1.15 prints it: every OOM
    says CONSTRAINT_NONE on 5.0-5.1.18 (432b1de0de02, 5.2, stable 5.1.19), and the token
    after mems_allowed, oom_memcg=/leaker, says which: memcg-limit, certain."""
    edits = (
        ("Not tainted 5.2.0-rc7 #54", "Not tainted 5.1.15 #54"),
        ("constraint=CONSTRAINT_MEMCG,", "constraint=CONSTRAINT_NONE,"),
    )
    _, v = _first(edited(tmp_path, "113", *edits))
    assert (v.code, v.confidence) == ("memcg-limit", "certain")


@pytest.mark.parametrize(
    "release, want",
    [
        # round 44 F2: a Qualcomm "-perf" build may carry the vendor's __GFP_CMA rule too
        ("5.10.168-perf-gade08d90ed8c", ("exhausted", None, "likely")),
        # round 45 F1: a trailing "+" is any untagged git tree's (a Raspberry Pi's), no
        # vendor's: judged as mainline 5.10 (A2)
        ("5.10.103-v8+", ("exhausted", True, "certain")),
    ],
    ids=["qualcomm-perf", "raspberry-pi"],
)
def test_which_builds_may_lack_alloc_cma(tmp_path, release, want):
    """Synthetic A1 (an Android GKI 5.10 Movable failure) under another build's release."""
    from tests.test_caller_context import SYNTHETIC

    text = (SYNTHETIC / "A1_android_gki_movable_5.10.log").read_text()
    android = next(w for w in text.split() if w.startswith("5.10.168-android12"))
    path = tmp_path / "build.log"
    path.write_text(text.replace(android, release))
    (a,) = analyze_file(str(path)).analyses
    assert (a.verdict.code, a.verdict.unreserve_would_avoid, a.verdict.confidence) == want


def test_constraint_none_of_a_report_without_release_filters_nothing_for_sure(tmp_path):
    """Round 45 F4: lab cpuset-6.1 (a GFP_HIGHUSER_MOVABLE OOM of cpuset "lab", node 1 only
    printed) with CONSTRAINT_NONE and its release cut, as a 5.0-5.1.18 kernel prints every
    OOM (432b1de0de02): a report without its release may be one of them, so the line does
    not prove every node was printed: constrained, likely, as with CONSTRAINT_CPUSET."""
    edits = (
        (
            "Comm: labw Tainted: G        W  OE      6.1.0-57-amd64 #1  Debian 6.1.192-3",
            "Comm: labw",
        ),
        ("constraint=CONSTRAINT_CPUSET,", "constraint=CONSTRAINT_NONE,"),
    )
    _, v = _first(edited(tmp_path, "cpuset-6.1", *edits))
    assert (v.code, v.confidence) == ("constrained", "likely")


def test_an_oom_victims_reserve_flags_drop_alloc_cma_before_5_9():
    """Round 42 F3: from 4.15 the slow path replaced an OOM victim's alloc_flags with its
    reserve flags (ALLOC_OOM) whole, ALLOC_CMA with them; 8510e69c8efe (5.9) adds it back
    through current_alloc_flags(). corpus 051's GFP_HIGHUSER_MOVABLE request, as a victim."""
    from dataclasses import replace

    from oomlens.kernel.profile import profile_for_release
    from oomlens.kernel.request import decode_request
    from oomlens.model.slowpath import gfp_to_alloc_flags

    (a,) = analyze_file(str(sample("051"))).analyses[:1]
    req = decode_request(a.report).request
    assert req is not None and req.migratetype == "Movable"
    victim = replace(req, oom_victim=True)
    flags = {r: gfp_to_alloc_flags(victim, 0, profile_for_release(r)) for r in ("5.4", "5.10")}
    assert (flags["5.4"].oom, flags["5.4"].cma) == (True, False)
    assert (flags["5.10"].oom, flags["5.10"].cma) == (True, True)


# Round 51: a pre-4.2 global OOM (corpus 017, 3.13: out_of_memory <- __alloc_pages_nodemask
# in its trace) cut after "pages reserved", before its kill line and task table.
_017_CUT = "    Jun 29 09:17:44 zlb kernel: [15847900.744059] [ pid ]   uid  tgid total_vm"
_017_MEMINFO = "    Jun 29 09:17:44 zlb kernel: [15847900.743672] Mem-Info:\n"


def _017_cut(tmp_path, *lines: str):
    """corpus 017 cut after "pages reserved", with ``lines`` after Mem-Info:."""
    text = sample("017").read_text()
    text = text[: text.index(_017_CUT)]
    text = text.replace(_017_MEMINFO, _017_MEMINFO + "".join(lines), 1)
    path = tmp_path / "017-cut.log"
    path.write_text(text)
    return path


def test_a_memcg_oom_s_lines_in_a_page_allocator_oom_are_interleaved_017(tmp_path):
    """Before 4.2 (dc56401fc9f2) a memcg OOM and a global one took no common lock, so a
    memcg OOM's "Task in ... limit of" and "memory: usage" lines on another CPU land in a
    global OOM's Mem-Info. The trace's own out_of_memory() <- __alloc_pages_nodemask() is
    the page allocator's: a memcg OOM enters through mem_cgroup_out_of_memory() only. The
    report is the global OOM it is, at best likely (it was memcg-limit, certain)."""
    path = _017_cut(
        tmp_path,
        "    Jun 29 09:17:44 zlb kernel: [15847900.743671] Task in /docker/abc killed as a "
        "result of limit of /docker/abc\n",
        "    Jun 29 09:17:44 zlb kernel: [15847900.743671] memory: usage 102400kB, limit "
        "102400kB, failcnt 12\n",
    )
    kind, v = _first(path)
    assert kind == "oom" and v.code == "exhausted" and v.confidence == "likely"
    assert "lines of an interleaved memory cgroup OOM" in v.missing


def test_a_stale_memcg_frame_makes_no_memcg_oom_017(tmp_path):
    """A "? mem_cgroup_out_of_memory" frame is an address the unwinder found on the stack,
    no caller: the report stays the OOM killer's (its kind said memory cgroup OOM)."""
    stale = (
        "    Jun 29 09:17:44 zlb kernel: [15847900.743449]  [<ffffffff811a9bb2>] ? "
        "mem_cgroup_out_of_memory+0x92/0xb0\n"
    )
    text = sample("017").read_text()
    anchor = (
        "    Jun 29 09:17:44 zlb kernel: [15847900.743520]  [<ffffffff8115196e>] oom_kill_process"
    )
    path = tmp_path / "017-stale.log"
    path.write_text(text.replace(anchor, stale + anchor, 1))
    kind, v = _first(path)
    assert kind == "oom" and v.code == "exhausted"


def test_a_vm_struct_failure_without_the_vmap_line_may_be_a_shortage_115(tmp_path):
    """extra/115 (vmalloc of 16 MiB, no zone lines printed): "vmap allocation for size
    16777216 failed" just before says alloc_vmap_area() found no address space: certain.
    Without it the same failure may be __get_vm_area_node()'s vm_struct kzalloc_node() or
    the vmap_area slab failing, page allocations both: likely (round 51 F2)."""
    assert analyze_file(str(sample("115"))).analyses[0].verdict.confidence == "certain"
    text = sample("115").read_text()
    line = next(x for x in text.splitlines(True) if "vmap allocation for size" in x)
    path = tmp_path / "115-novmap.log"
    path.write_text(text.replace(line, "", 1))
    v = analyze_file(str(path)).analyses[0].verdict
    assert (v.code, v.confidence) == ("not-a-shortage", "likely")
    assert v.missing == ("whether the vm_struct or vmap_area slab allocation failed",)


def test_a_vm_struct_failure_beside_ample_free_memory_is_no_shortage_025():
    """corpus 025 (6.15-rc6, "vm_struct allocation failed", no vmap line): its zones serve
    an order-0 GFP_KERNEL page many times over (Normal 12 GiB free), so no slab allocation
    failed for want of a page: certain."""
    v = analyze_file(str(sample("025"))).analyses[0].verdict
    assert (v.code, v.confidence) == ("not-a-shortage", "certain")
