"""Wrapped lines: a bare piece after a prefixed line continues it, whatever the prefix style.

Exact values read by hand from the raw files. The listing and split-trigger cases
at the end are synthetic (no real report in samples/ shows them): each is built
from a real report's own lines and says so.
"""

from __future__ import annotations

import io

from oomlens.parse.assemble import parse_raw, parse_text
from oomlens.read.logline import LogLine, decode_line
from oomlens.read.segment import segment_lines, segment_stream
from tests.corpus import reports, sample


def _zone(rep, name):
    return next(z for z in rep.zones if z.name == name)


def test_syslog_mail_wrap_splits_the_vmalloc_trigger_027():
    # "May  4 12:31:29 e350 kernel: [  512.186697] crawl_4065_7997: vmalloc " then
    # "error: size 14680064, page order 9, failed to allocate pages, " with no prefix
    (rep,) = reports("027")
    assert (rep.first_line, rep.kind, rep.complete) == (1, "alloc-failure", True)
    h = rep.header
    assert (h.kind, h.comm, h.line) == ("vmalloc", "crawl_4065_7997", 1)
    assert (h.vmalloc_size, h.order) == (14680064, 9)
    assert (h.gfp_mask, h.gfp_names) == (0xCC2, "GFP_KERNEL|__GFP_HIGHMEM")
    assert (h.nodemask, h.cpuset, h.mems_allowed) == ("(null)", "cmd-zIYd", "0")
    # "CPU: 0 PID: 8832 Comm: " / "crawl_4065_7997 Not tainted 6.3.1-gentoo-e350 #1"
    assert (rep.context.pid, rep.context.comm) == (8832, "crawl_4065_7997")
    assert rep.release == "6.3.1-gentoo-e350"
    dma = _zone(rep, "DMA")
    # "lowmem_reserve[]: 0 2396 " / "23421 23421 23421": the blank before the break is kept
    assert dma.lowmem_reserve == (0, 2396, 23421, 23421, 23421)
    # "present:15996kB manag" / "ed:15372kB": a hard break inside a token (no blank)
    assert dma.managed_kb == 15372
    # "shmem:1" / "438620kB" on the node line
    assert dict(rep.nodes[0].fields)["shmem"] == 1438620
    assert _zone(rep, "DMA32").lowmem_reserve == (0, 0, 21024, 21024, 21024)
    assert rep.diagnostics == ()


def test_pager_continuation_lines_011():
    # syslog lines, the Mem-Info summary's own continuation lines padded with 36 blanks
    (rep,) = reports("011")
    h = rep.header
    assert (h.comm, h.gfp_mask) == ("updatedb.mlocat", 0x16040D0)
    assert h.gfp_names == "GFP_TEMPORARY|__GFP_COMP|__GFP_NOTRACK"
    # the pager cut the trigger line at "nodemask=": the order is not in the file
    assert h.order is None and h.nodemask == ""
    assert rep.release == "4.10.0-rc6-686-pae"
    meminfo = dict(rep.meminfo)
    assert (meminfo["active_anon"], meminfo["active_file"]) == (119893, 31461)
    assert (meminfo["free"], meminfo["free_pcp"], meminfo["free_cma"]) == (1381579, 583, 0)


def test_indented_banner_continuation_006():
    # "... Tainted: P           O" / " 4.14.65 #606": the piece starts with a blank
    (rep,) = reports("006")
    assert rep.release == "4.14.65"


def test_task_rows_and_kill_line_rejoined_012():
    (rep,) = reports("012")
    # "[   1121]     0  1121      734      366        0      366        " / " 0    45056 ..."
    row = next(t for t in rep.tasks if t.pid == 1121)
    assert row.name == "stress"  # "stre" / "ss"
    assert dict(row.columns) == {
        "uid": 0,
        "tgid": 1121,
        "total_vm": 734,
        "rss": 366,
        "rss_anon": 0,
        "rss_file": 366,
        "rss_shmem": 0,
        "pgtables_bytes": 45056,
        "swapents": 0,
        "oom_score_adj": 0,
    }
    assert dict(rep.killed.fields)["file-rss"] == 536
    assert rep.constraint.get("task_memcg") == "/test512mb"  # "task_m" / "emcg=/test512mb"


def test_terminal_wraps_inside_a_token_050_051():
    (rep,) = reports("051")  # "... pgtables:24kB oom" / "_score_adj:0"
    assert dict(rep.killed.fields)["oom_score_adj"] == 0
    kills = [r.killed for r in reports("050") if r.killed is not None]
    assert dict(kills[0].fields)["pgtables"] == 42684  # "pgtables" / ":42684kB"


def test_foreign_lines_are_not_glued_on_014_053():
    # 014: "June 29 14:07:26 dkcphmx12 logger[17427]: ..." is another program's line
    (rep,) = reports("014")
    assert "cpu 0 cold: low 0, high 2, batch 1" in rep.lines
    assert rep.swap.total_kb == 2097136
    # 053: grep's "--" between context groups stays out of the task row before it
    (rep,) = reports("053")
    assert [t.name for t in rep.tasks][:3] == ["DebugShell", "agetty", "chronyd"]


def _numbered(lines: list[str], fmt: str) -> str:
    return "\n".join(fmt % (i, text) for i, text in enumerate(lines, start=1)) + "\n"


def test_pasted_listing_line_numbers_are_a_prefix():
    # Synthetic: 027's own lines numbered as a pasted listing would number them.
    lines = sample("027").read_text().split("\n")[:110]
    (want,) = [r for r in parse_text("\n".join(lines) + "\n") if r.header is not None]
    for fmt in ("%5d | %s", "%6d\t%s", "%d %s"):
        got = [r for r in parse_text(_numbered(lines, fmt)) if r.header is not None]
        assert len(got) == 1, fmt
        assert got[0].header == want.header, fmt
        assert [z.lowmem_reserve for z in got[0].zones] == [z.lowmem_reserve for z in want.zones]
        assert got[0].release == "6.3.1-gentoo-e350"


def test_trigger_wrapped_in_a_dmesg_report_far_from_other_markers():
    # Synthetic: 025's trigger line split after "vmalloc" by a mail client, with
    # 300 lines of dmesg chatter before it; the prefilter must still open the report.
    text = sample("025").read_text()
    first, rest = text.split("\n", 1)
    head, tail = first.split(" vmalloc error", 1)
    wrapped = f"{head} vmalloc\nerror{tail}\n{rest}"
    noise = "".join(f"[{i:5d}.000000] usb 1-1: port {i} status 0100\n" for i in range(300))
    data = (noise + wrapped).encode()
    by_line = [ln for i, raw in enumerate(data.split(b"\n"), 1) for ln in decode_line(raw, i, "x")]
    spans = [parse_raw(r) for r in segment_stream(io.BytesIO(data), "x")]
    assert [(r.first_line, r.last_line) for r in spans] == [
        (r.first_line, r.last_line) for r in segment_lines(by_line, "x")
    ]
    rep = spans[0]
    assert rep.first_line == 301
    assert (rep.header.comm, rep.header.vmalloc_size) == ("vmalloc_test/0", 4096)
    assert (rep.header.gfp_mask, rep.header.detail) == (0xDC0, "vm_struct allocation failed")


def test_trigger_split_before_oom_killer_keeps_its_task():
    # Synthetic: 051's first line "[   98.066887] kprobelabs invoked oom-killer: ..."
    # wrapped after "invoked", as a mail client wraps a dmesg-prefixed report; the
    # second half alone looks like 2.6.12's task-less "oom-killer: gfp_mask=" trigger.
    text = sample("051").read_text()
    first, rest = text.split("\n", 1)
    head, tail = first.split(" oom-killer:", 1)
    (rep,) = parse_text(f"{head}\noom-killer:{tail}\n{rest}")
    assert (rep.header.comm, rep.header.order, rep.header.gfp_mask) == ("kprobelabs", 0, 0x1100CCA)
    assert rep.first_line == 1 and rep.killed.pid == 726


def test_quoted_syslog_report_wrapped_at_72_columns_110():
    # "> Apr  5 14:20:45 wombat kernel: [10956.183074] kworker/7:0: page" /
    # "> allocation failure: order:0, mode:0xa20(GFP_ATOMIC)," / "> nodemask=(null),..."
    (rep,) = reports("110")
    assert (rep.first_line, rep.kind, rep.complete) == (1, "alloc-failure", True)
    h = rep.header
    assert (h.comm, h.order, h.gfp_mask, h.gfp_names) == ("kworker/7:0", 0, 0xA20, "GFP_ATOMIC")
    assert (h.nodemask, h.cpuset, h.mems_allowed) == ("(null)", "/", "0")
    assert rep.release == "5.4.30"
    # "lowmem_reserve[]: 0 3444" / "> 15930 15930 15930": the mail client dropped the blank
    assert _zone(rep, "DMA").lowmem_reserve == (0, 3444, 15930, 15930, 15930)
    assert _zone(rep, "DMA32").lowmem_reserve == (0, 0, 12485, 12485, 12485)


def test_vendor_cpu_column_and_a_posters_snip_107():
    # msm "[   17.072747] c0 0      " before every message; "< snip >" on a line of its own
    (rep,) = reports("107")
    assert (rep.kind, rep.complete) == ("alloc-failure", True)
    assert (rep.header.order, rep.header.gfp_mask) == (0, 0x2200000)
    assert rep.header.gfp_names == "GFP_NOWAIT|__GFP_NOTRACK"
    normal = _zone(rep, "Normal")
    assert (normal.free_kb, normal.min_kb, normal.lowmem_reserve) == (4056, 4172, (0, 0, 0))
    assert normal.buddy.total_kb == 3872 and normal.buddy.entries[3].types == "H"
    assert _zone(rep, "DMA").free_cma_kb == 142492


def test_zone_line_excerpt_found_by_the_prefilter_120():
    # nothing but one Normal zone line, hand-wrapped in six, and the panic lines
    data = sample("120").read_bytes()
    (raw,) = list(segment_stream(io.BytesIO(data), "120"))
    rep = parse_raw(raw)
    (normal,) = rep.zones
    assert (normal.free_kb, normal.min_kb, normal.reserved_highatomic_kb) == (212600, 7664, 4096)
    assert (normal.managed_kb, normal.free_cma_kb) == (3689488, 200844)


def test_a_log_that_soft_wraps_leaves_the_next_logs_hard_breaks_alone_012_014(tmp_path):
    """corpus 012 then corpus 014 in one file (two saved logs concatenated). 012 soft-wraps
    with a trailing blank (format=flowed), so later bare pieces that lack one may have been
    cut inside a token; 014 is hard-wrapped at blanks the mailer dropped ("low:84kB" /
    "high:100kB"). A break between two fields keeps its blank whatever the log did before:
    014's zones read as they do alone, where its DMA zone line was cut short after 2 fields
    and the verdict was undetermined."""
    from oomlens.pipeline import analyze_file

    path = tmp_path / "two.log"
    path.write_bytes(sample("012").read_bytes() + sample("014").read_bytes())
    last = analyze_file(str(path)).analyses[-1]
    rep = last.report
    assert [d.message for d in rep.diagnostics] == []
    got = [(z.name, z.free_kb, z.min_kb, z.high_kb, z.lowmem_reserve) for z in rep.zones]
    assert got == [
        ("DMA", 8192, 68, 100, (0, 880, 2031)),
        ("Normal", 40508, 3756, 5632, (0, 0, 9214)),
        ("HighMem", 496, 512, 768, (0, 0, 0)),
    ]
    assert (last.verdict.code, last.verdict.confidence) == ("lowmem-protected", "likely")


def test_a_soft_wrapping_log_keeps_the_blank_between_two_fields():
    """rejoin.join with soft_source=True, on real halves: corpus 031's buddy line (its break
    after "(UMEH)" and after "0*2048kB"), corpus 014's zone line (after "low:84kB") and
    extra/103's kill line (after the comm). A cut inside a token (027's "manag" /
    "ed:15372kB") is still joined without one."""
    from oomlens.read.rejoin import join

    def line(text: str) -> LogLine:
        return LogLine("x", 1, text)

    cases = [
        ("Normal: 508*4kB (UMEH) 241*8kB (UMEH) 143*16kB (UMEH)", "33*32kB (UH) 7*64kB (UH)"),
        ("0*512kB 0*1024kB 0*2048kB", "0*4096kB = 7752kB"),
        ("DMA free:8192kB min:68kB low:84kB", "high:100kB active:2644kB inactive:2108kB"),
        ("Out of memory: Killed process 20972 (min_free_kbytes)", "total-vm:2905732kB,"),
    ]
    for a, b in cases:
        assert join(line(a), line(b), soft_source=True).text == f"{a} {b}"
    assert join(line("present:15996kB manag"), line("ed:15372kB"), True).text == (
        "present:15996kB managed:15372kB"
    )


def test_a_report_ends_on_its_last_lines_last_wrapped_piece_031():
    """corpus 031's buddy line is wrapped over lines 7-9 ("... 143*16kB (UMEH)" /
    "33*32kB ..." / "0*4096kB = 7752kB"): the report ends on line 9, not 7, so a reader
    who takes lines first..last takes the whole of it."""
    (rep,) = reports("031")
    assert (rep.first_line, rep.last_line) == (1, 9)
    assert rep.zones[0].buddy.total_kb == 7752
