"""Trigger and report-line formats by kernel era: vmalloc failures, the newest kernels' lines.

Exact values read by hand from real reports in samples/. Where no real report in
samples/ shows a format, the test builds the line from the kernel's own format
string (the function and the commit that prints it are named) and says so.
"""

from __future__ import annotations

import pytest

from oomlens.parse.assemble import parse_lines, parse_text
from oomlens.parse.lines import TextLine
from tests.corpus import LAB, reports


def _zone(rep, name):
    return next(z for z in rep.zones if z.name == name)


# ---- vmalloc (mm/vmalloc.c, through warn_alloc) ----------------------------------------


def test_vmalloc_allocated_x_of_y_merges_with_warn_alloc_failed_016():
    # 4.4: "vmalloc: allocation failure, allocated 1383612416 of 2147487744 bytes" on its
    # own line (warn_alloc_failed's message), then its "page allocation failure" header
    (rep,) = reports("016")
    h = rep.header
    assert (h.kind, h.comm, h.order, h.gfp_mask) == ("alloc-failure", "swapper/0", 0, 0x2080020)
    assert (h.vmalloc_size, h.vmalloc_allocated) == (2147487744, 1383612416)
    assert h.detail == "allocation failure, allocated 1383612416 of 2147487744 bytes"


def test_vmalloc_error_page_order_042_027():
    # 5.14-6.3 "vmalloc error: size %lu, page order %u, failed to allocate pages": the size is
    # area->nr_pages * PAGE_SIZE, what was allocated before the pages ran out
    (rep,) = reports("042")
    h = rep.header
    assert (h.kind, h.comm, h.order) == ("vmalloc", "qemu:deb12-virt", 9)
    assert (h.vmalloc_size, h.vmalloc_allocated) == (0, 0)
    assert (h.gfp_mask, h.gfp_names) == (0xDC2, "GFP_KERNEL|__GFP_HIGHMEM|__GFP_ZERO")
    assert (h.cpuset, h.mems_allowed) == ("emulator", "0")
    assert h.detail == "page order 9, failed to allocate pages"
    (rep,) = reports("027")
    assert (rep.header.vmalloc_size, rep.header.vmalloc_allocated) == (14680064, 14680064)


def test_vmalloc_error_vm_struct_025():
    (rep,) = reports("025")  # "vmalloc error: size 4096, vm_struct allocation failed, mode:0xdc0"
    h = rep.header
    assert (h.kind, h.comm, h.order, h.gfp_mask) == ("vmalloc", "vmalloc_test/0", None, 0xDC0)
    assert (h.vmalloc_size, h.vmalloc_allocated) == (4096, None)
    assert h.detail == "vm_struct allocation failed"


def test_vmalloc_allocation_failure_n_bytes_with_its_mode_115():
    # RHEL 8 (4.18): "bash: vmalloc: allocation failure: 16777216 bytes,
    # mode:0x6000c0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0" — the fail label
    # of __vmalloc_node_range, through warn_alloc until 5.12 (d70bec8cc95a, 5.13, replaced
    # it): a zero or oversized size, or no vm_struct, before any page is asked for.
    (rep,) = reports("115")
    h = rep.header
    assert (h.kind, h.comm, h.line, rep.first_line) == ("vmalloc", "bash", 6, 6)
    assert (h.vmalloc_size, h.vmalloc_allocated, h.order) == (16777216, None, None)
    assert (h.gfp_mask, h.gfp_names) == (0x6000C0, "GFP_KERNEL")
    assert (h.nodemask, h.cpuset, h.mems_allowed) == ("(null)", "/", "0")
    assert h.detail == "allocation failure: 16777216 bytes"


def test_vmalloc_formats_of_5_13_and_6_4_plus():
    # Not in samples/: lines built from the kernel's format strings. 5.13 (d70bec8cc95a):
    # "vmalloc size %lu allocation failure: page order %u allocation failed"; 6.4+
    # (__vmalloc_area_node warns only for order-0 pages): "vmalloc error: size %lu,
    # failed to allocate pages".
    (old,) = parse_text(
        "x: vmalloc size 8192 allocation failure: page order 0 allocation failed, "
        "mode:0xcc2(GFP_KERNEL|__GFP_HIGHMEM), nodemask=(null)\n"
    )
    assert (old.header.kind, old.header.order, old.header.gfp_mask) == ("vmalloc", 0, 0xCC2)
    assert (old.header.vmalloc_size, old.header.vmalloc_allocated) == (8192, 8192)
    (new,) = parse_text(
        "x: vmalloc error: size 4096, failed to allocate pages, "
        "mode:0xdc2(GFP_KERNEL|__GFP_HIGHMEM|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0\n"
    )
    assert (new.header.order, new.header.vmalloc_size, new.header.vmalloc_allocated) == (
        0,
        4096,
        4096,
    )


# ---- the newest kernels' lines (mm/show_mem.c, mm/oom_kill.c) ------------------------------


def test_7_0_zone_node_banner_and_protection_lines_046():
    (rep,) = reports("046")
    assert rep.kind == "alloc-failure"
    assert rep.release == "7.0.0-0.rc4.1.qubes.1001.fc41.x86_64"  # "... #1 PREEMPT(full) "
    assert (rep.header.comm, rep.header.order, rep.header.gfp_mask) == ("v4l2src0:src", 5, 0xCC4)
    dma32 = _zone(rep, "DMA32")
    # "reserved_highatomic:0KB free_highatomic:0KB ... zspages:0kB"
    assert (dma32.free_kb, dma32.boost_kb, dma32.min_kb) == (14880, 3856, 5572)
    assert (dma32.reserved_highatomic_kb, dma32.free_highatomic_kb, dma32.get("zspages")) == (
        0,
        0,
        0,
    )
    assert dma32.managed_kb == 200080
    node = rep.nodes[0]
    assert node.all_unreclaimable is False and dict(node.fields)["Balloon"] == 16384
    # "Memory cgroup min protection 0kB -- low protection 0kB": its own record, no memcg
    assert (rep.memcg_protection.min_kb, rep.memcg_protection.low_kb) == (0, 0)
    assert rep.memcg is None


def test_protection_line_in_a_memcg_oom_012():
    (rep,) = reports("012")  # 6.18: constraint=CONSTRAINT_MEMCG, "Memory cgroup out of memory"
    assert rep.kind == "memcg-oom"
    assert (rep.memcg_protection.min_kb, rep.memcg_protection.low_kb) == (0, 0)
    assert rep.constraint.get("oom_memcg") == "/test512mb"


def test_free_highatomic_next_to_reserved_024():
    (rep,) = reports("024")  # "reserved_highatomic:2048KB free_highatomic:2032KB"
    assert [(z.name, z.reserved_highatomic_kb, z.free_highatomic_kb) for z in rep.zones] == [
        ("DMA", 2048, 2032),
        ("DMA32", 2048, 2016),
        ("Normal", 2048, 2032),
    ]
    assert dict(rep.nodes[0].fields)["Balloon"] == 0


# Not in samples/ yet: a 7.3 global OOM written from the formats of mm/show_mem.c and
# mm/oom_kill.c at 7.3 (docs/kernel-rules.md §1.5: lowercase "kB" after
# reserved_highatomic, free_highatomic and zspages on zone lines, Balloon/gpu_* on the
# node line, PREEMPT(lazy) in the banner, the protection line in every OOM). The numbers
# are made up; the lab's real 7.3 fixtures (samples/lab/) are to replace it.
REPORT_7_3 = """\
[    3.954676] labw invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP), order=0, oom_score_adj=0
[    3.955073] CPU: 1 UID: 0 PID: 110 Comm: labw Not tainted 7.3.4+deb13-amd64 #1 PREEMPT(lazy)  Debian 7.3.4-1~bpo13+1
[    3.955217] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
[    3.955384] Call Trace:
[    3.955844]  <TASK>
[    3.956075]  dump_stack_lvl+0x5d/0x80
[    3.956280]  dump_header+0x43/0x1b3
[    3.956298]  out_of_memory+0x217/0x4b0
[    3.957018]  </TASK>
[    3.957589] Mem-Info:
[    3.957762] active_anon:38859 inactive_anon:0 isolated_anon:0
[    3.957762]  free:456 free_pcp:1275 free_cma:0
[    3.957927] Node 0 active_anon:155436kB inactive_anon:0kB shmem:3172kB kernel_stack:1600kB pagetables:752kB sec_pagetables:0kB all_unreclaimable? yes Balloon:0kB gpu_active:0kB gpu_reclaim:0kB
[    3.958055] Node 0 DMA free:780kB boost:0kB min:144kB low:180kB high:216kB reserved_highatomic:0kB free_highatomic:0kB active_anon:14208kB writepending:0kB zspages:0kB present:15992kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB
[    3.958149] lowmem_reserve[]: 0 168 168 168 168
[    3.958192] Node 0 DMA32 free:1044kB boost:0kB min:1536kB low:1920kB high:2304kB reserved_highatomic:2048kB free_highatomic:1024kB active_anon:141232kB writepending:0kB zspages:12kB present:245624kB managed:172416kB mlocked:0kB bounce:0kB free_pcp:5100kB local_pcp:2548kB free_cma:0kB
[    3.958207] lowmem_reserve[]: 0 0 0 0 0
[    3.958279] Node 0 DMA: 1*4kB (M) 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 1*256kB (U) 1*512kB (U) 0*1024kB 0*2048kB 0*4096kB = 772kB
[    3.958484] Node 0 DMA32: 1*4kB (M) 1*8kB (E) 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 2*512kB (H) 0*1024kB 0*2048kB 0*4096kB = 1036kB
[    3.958652] 793 total pagecache pages
[    3.958728] 65406 pages RAM
[    3.958791] Memory cgroup min protection 0kB -- low protection 0kB
[    3.958803] Tasks state (memory values in pages):
[    3.958808] [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
[    3.959009] [    110]     0   110    38458    38202    38039        1       162   339968        0             0 labw
[    3.959052] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=labw,pid=110,uid=0
[    3.959877] Out of memory: Killed process 110 (labw) total-vm:153832kB, anon-rss:152156kB, file-rss:4kB, shmem-rss:648kB, UID:0 pgtables:332kB oom_score_adj:0
"""


def test_7_3_global_oom_is_no_memcg_oom():
    (rep,) = parse_text(REPORT_7_3)
    assert (rep.kind, rep.complete) == ("oom", True)
    assert rep.memcg is None
    assert (rep.memcg_protection.min_kb, rep.memcg_protection.low_kb) == (0, 0)
    assert rep.release == "7.3.4+deb13-amd64"  # banner "... #1 PREEMPT(lazy)  Debian ..."
    dma32 = _zone(rep, "DMA32")
    assert (dma32.reserved_highatomic_kb, dma32.free_highatomic_kb) == (2048, 1024)  # "kB"
    assert dma32.get("zspages") == 12
    node = dict(rep.nodes[0].fields)
    assert (node["Balloon"], node["gpu_active"], node["gpu_reclaim"]) == (0, 0, 0)
    assert rep.nodes[0].all_unreclaimable is True
    assert rep.diagnostics == ()


LAB_7_3 = {p.stem for p in LAB if p.stem.endswith("-7.3")}


@pytest.mark.skipif(
    not {"exhausted-7.3", "stranded-7.3", "memcg-7.3"} <= LAB_7_3,
    reason="the lab's real 7.3 reports (samples/lab/) land with branch lab",
)
def test_7_3_lab_reports():
    # real Debian 7.3.4 kernels under QEMU (values of the fixtures as merged, read by hand)
    (oom,) = reports("exhausted-7.3")  # a global OOM: "Memory cgroup min protection 0kB ..."
    assert (oom.kind, oom.complete, oom.memcg) == ("oom", True, None)
    assert (oom.memcg_protection.min_kb, oom.memcg_protection.low_kb) == (0, 0)
    assert oom.release == "7.3.4+deb13-amd64"  # "... #1 PREEMPT(lazy)  Debian 7.3.4-1~bpo13+1"
    assert oom.constraint.constraint == "CONSTRAINT_NONE"
    dma32 = _zone(oom, "DMA32")  # "reserved_highatomic:0kB free_highatomic:0kB ... zspages:0kB"
    assert (dma32.free_kb, dma32.min_kb, dma32.managed_kb) == (1180, 1536, 172104)
    assert (dma32.reserved_highatomic_kb, dma32.free_highatomic_kb, dma32.get("zspages")) == (
        0,
        0,
        0,
    )
    node = dict(oom.nodes[0].fields)  # "all_unreclaimable? yes Balloon:0kB gpu_active:0kB ..."
    assert (node["Balloon"], node["gpu_active"], node["gpu_reclaim"]) == (0, 0, 0)
    assert oom.nodes[0].all_unreclaimable is True
    (fail,) = reports("stranded-7.3")  # order-3 GFP_KERNEL|__GFP_NORETRY, one H block
    assert (fail.kind, fail.header.order, fail.header.gfp_mask) == ("alloc-failure", 3, 0x10CC0)
    dma32 = _zone(fail, "DMA32")  # "reserved_highatomic:2048kB free_highatomic:2048kB"
    assert (dma32.reserved_highatomic_kb, dma32.free_highatomic_kb) == (2048, 2048)
    assert dma32.buddy.entries[9].types == "H" and dma32.buddy.total_kb == 350020
    (memcg,) = reports("memcg-7.3")
    assert memcg.kind == "memcg-oom" and memcg.memcg is not None


def test_memcg_oom_only_on_the_kernels_own_marks():
    # Built from REPORT_7_3 (synthetic, see above): each mark alone makes a memcg OOM,
    # and an oom_memcg of the root cgroup does not.
    def kind(text):
        (rep,) = parse_text(text)
        return rep.kind

    memcg_kill = REPORT_7_3.replace("Out of memory: Killed", "Memory cgroup out of memory: Killed")
    # beside the global OOM's own global_oom, a memcg kill line is an interleaved one
    assert kind(memcg_kill) == "oom"
    summary = next(x for x in REPORT_7_3.splitlines(True) if "oom-kill:constraint" in x)
    assert kind(memcg_kill.replace(summary, "")) == "memcg-oom"
    # the summary's own marks, beside a kill line that says the same
    assert kind(memcg_kill.replace("CONSTRAINT_NONE", "CONSTRAINT_MEMCG")) == "memcg-oom"
    child = memcg_kill.replace(",global_oom,", ",oom_memcg=/box,")
    assert kind(child) == "memcg-oom"
    # CONSTRAINT_MEMCG beside the global OOM's "Out of memory" kill line: interleaved
    assert kind(REPORT_7_3.replace("CONSTRAINT_NONE", "CONSTRAINT_MEMCG")) == "oom"
    root = REPORT_7_3.replace(",global_oom,", ",oom_memcg=/,")
    assert kind(root) == "oom"
    frame = "[    3.956298]  out_of_memory+0x217/0x4b0\n"
    in_trace = REPORT_7_3.replace(frame, frame.replace("out_of_memory", "mem_cgroup_out_of_memory"))
    assert in_trace != REPORT_7_3 and kind(in_trace) == "memcg-oom"


def test_memcg_oom_by_task_in_line_before_4_19_037_044():
    # mem_cgroup_print_oom_info prints "Task in ... killed as a result of limit of ..."
    # only when oc->memcg is set (dump_header, < 4.19): a kernel mark of its own
    for name in ("037", "044"):
        rep = reports(name)[0]  # no kill or oom-kill: line in either excerpt
        assert rep.killed is None and rep.constraint is None, name
        assert rep.kind == "memcg-oom" and rep.memcg.limit_of is not None, name


def test_alloc_tag_and_compaction_lines_are_read():
    # Not in samples/: __show_mem with CONFIG_MEM_ALLOC_PROFILING prints "Memory allocations
    # (profiling is currently turned on):" and "%12s %8llu %s:%u [%s] func:%s" rows;
    # dump_header prints "COMPACTION is disabled!!!" for order > 0 without CONFIG_COMPACTION.
    lines = [
        "COMPACTION is disabled!!!",
        "Memory allocations (profiling is currently turned on):",
        "     1.00 GiB   262144 mm/memory.c:1234 func:do_anonymous_page",
        "     4.00 MiB     1024 drivers/foo/bar.c:42 [foo] func:foo_alloc",
    ]
    records, broken = parse_lines(lines)
    assert broken == []
    assert [(r.line, r.kind) for r in records if isinstance(r, TextLine)] == [
        (1, "compaction"),
        (2, "alloc_tags"),
        (3, "alloc_tags"),
        (4, "alloc_tags"),
    ]
