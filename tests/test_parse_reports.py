"""Exact values read by hand from real reports, one test per format feature."""

from __future__ import annotations

from tests.corpus import reports


def _zone(rep, name, node=None):
    return next(z for z in rep.zones if z.name == name and (node is None or z.node == node))


def test_seed_holds_two_reports_oom_then_failure():
    oom, fail = reports("seed")
    assert (oom.kind, fail.kind) == ("oom", "alloc-failure")
    assert oom.header.comm == "balloon" and oom.header.gfp_mask == 0x24280CA
    assert oom.header.gfp_names == "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    assert oom.header.order == 0 and oom.header.oom_score_adj == 0
    assert (oom.header.cpuset, oom.header.mems_allowed) == ("/", "0")
    assert oom.release == "4.8.0-rc7-00219-g3f74c9559583-dirty"
    dma32 = _zone(oom, "DMA32")
    assert (dma32.free_kb, dma32.min_kb, dma32.low_kb, dma32.high_kb) == (19404, 5628, 7624, 9620)
    assert dma32.managed_kb == 2030092 and dma32.lowmem_reserve == (0, 0, 0, 0)
    assert dma32.buddy.total_kb == 19484 and dma32.buddy.sum_kb == 19484
    assert [e.count for e in dma32.buddy.entries] == [7, 8, 30, 31, 14, 9, 2, 2, 4, 5, 0]
    assert {e.types for e in dma32.buddy.entries if e.count} == {"H"}
    assert _zone(oom, "DMA").lowmem_reserve == (0, 1952, 1952, 1952)
    assert fail.header.comm == "in:imklog" and fail.header.gfp_mask == 0x2280020
    assert _zone(fail, "DMA32").free_kb == 30128


def test_printk_caller_ids_and_decoded_trace_001():
    (rep,) = reports("001")
    assert rep.header.comm == "trinity-c2" and rep.header.order == 1
    assert rep.header.gfp_mask == 0x10CC0 and rep.header.nodemask == "(null)"
    assert (rep.header.cpuset, rep.header.mems_allowed) == ("/", "0")
    assert rep.context.pid == 2438 and rep.release == "6.7.0-rc4-00178-g816d334afa85"
    normal = _zone(rep, "Normal")
    assert (normal.free_kb, normal.boost_kb, normal.min_kb) == (42560, 4096, 16040)
    assert normal.reserved_highatomic_kb == 4096  # printed with capital "KB"
    assert normal.buddy.entries[0].types == "UMEH" and normal.buddy.total_kb == 42104
    assert "warn_alloc" in rep.trace and "__alloc_pages" in rep.trace
    assert dict(rep.meminfo)["free"] == 22807


def test_mail_wrapped_lines_rejoined_006():
    (rep,) = reports("006")
    assert rep.header.comm == "kworker/u8:2"  # header wrapped over three lines
    assert rep.header.gfp_mask == 0x15080C0 and rep.header.order == 1
    dma = _zone(rep, "DMA")
    assert dma.managed_kb == 422896 and dma.get("local_pcp") == 0  # from continuation lines
    assert dma.lowmem_reserve == (0, 0, 579, 579)
    assert _zone(rep, "HighMem").free_cma_kb == 553588
    buddy = dma.buddy
    assert buddy.whole and buddy.total_kb == 17524 and buddy.sum_kb == 17524
    assert len(buddy.entries) == 13 and buddy.entries[0].types == "EH"
    assert rep.arch == "arm"


def test_fragment_without_trigger_031():
    (rep,) = reports("031")
    assert rep.header is None and rep.complete is False
    normal = _zone(rep, "Normal")
    assert (normal.free_kb, normal.min_kb, normal.managed_kb) == (7728, 804, 49224)
    assert normal.reserved_highatomic_kb == 8192
    assert normal.lowmem_reserve == (0, 32)
    assert normal.buddy.total_kb == 7752 and normal.buddy.sum_kb == 7752


def test_escaped_newlines_and_android_context_018_019():
    (rep18,) = reports("018")
    assert dict(rep18.meminfo)["active_anon"] == 111826  # Mem-Info arrived as one "\x0a" line
    assert _zone(rep18, "Normal").reserved_highatomic_kb == 32768
    (rep19,) = reports("019")
    assert rep19.header.comm == "Binder:9343_3" and rep19.header.gfp_mask == 0x480020
    normal = _zone(rep19, "Normal")
    assert (normal.free_kb, normal.min_kb) == (10908, 6192)
    assert {e.types for e in normal.buddy.entries if e.count} == {"H"}


def test_storm_is_one_report_per_failure_020():
    reps = reports("020")
    assert len(reps) == 24  # 24 "page allocation failure" headers in the file
    assert all(r.header.order == 3 and r.header.gfp_mask == 0x20 for r in reps)
    assert all(not r.complete for r in reps)


def test_memcg_excerpt_from_dev_kmsg_037():
    (rep,) = reports("037")
    assert rep.kind == "memcg-oom" and rep.header is None
    assert rep.memcg.counters[0] == ("memory", 20480, 20480, 136)


def test_zh_cn_dmesg_T_two_ooms_044():
    first, second = reports("044")
    assert first.header.comm == "prometheus" and first.header.gfp_mask == 0x6000C0
    assert first.header.oom_score_adj == 961
    assert second.header.line == 41
    assert [t.name for t in first.tasks] == ["pause", "prometheus"]
    assert first.tasks[1].columns[:3] == (("uid", 0), ("tgid", 4112165), ("total_vm", 16559276))


def test_rhel6_memcg_kill_line_007():
    (rep,) = reports("007")
    assert rep.kind == "memcg-oom"
    assert rep.killed.pid == 15462 and rep.killed.comm == "t" and rep.killed.score == 1000
    assert dict(rep.killed.fields)["anon-rss"] == 51228


def test_old_2_6_header_and_protections_forms_002_022():
    (rep,) = reports("002")
    assert rep.header.comm == "smbd" and rep.header.oom_adj == 0  # "oomkilladj=0"
    assert _zone(rep, "HighMem").free_kb == 452
    first = reports("022")[0]
    assert first.header.comm == "X" and first.header.gfp_mask == 0xD0
    assert _zone(first, "HighMem").free_kb == 8792


def test_interleaved_cpus_untangled_by_caller_id_028():
    t3364, t2256 = reports("028")
    assert [(z.node, z.name, z.free_kb, z.min_kb) for z in t3364.zones] == [
        (1, "Normal", 36116, 24292)
    ]
    assert [(z.node, z.name, z.free_kb, z.min_kb) for z in t2256.zones] == [
        (0, "DMA", 6572, 2472),
        (0, "DMA32", 98544, 123560),
        (1, "DMA32", 21864, 27368),
    ]
    dma32 = t2256.zones[1]
    assert dma32.boost_kb == 85540 and dma32.reserved_highatomic_kb == 16384
    assert t2256.zones[0].lowmem_reserve == (0, 1333, 1333, 1333, 1333)


def test_arch_read_from_release_frames_and_zones():
    # each value is what the sample's .meta names
    assert reports("001")[0].arch == "x86_64"  # entry_SYSCALL_64_after_hwframe in the trace
    assert reports("011")[0].arch == "i386"  # release 4.10.0-rc6-686-pae
    assert reports("008")[0].arch == "ppc64"  # ".vfs_readdir" function descriptors
    assert reports("006")[0].arch == "arm"  # "(dump_backtrace) from [<c020ded4>]"
    assert reports("044")[0].arch == "loongarch64"
