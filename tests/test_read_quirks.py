"""Format quirks of real reports found after the first corpus: records fused on one line,
a wrapped trigger, memory.oom.group kills, a stall warning that is no report."""

from __future__ import annotations

import quopri

import pytest

from oomlens.pipeline import analyze_file
from tests.corpus import SAMPLES


def _analyses(name: str):
    return analyze_file(str(SAMPLES / "extra" / f"{name}.log")).analyses


def test_records_fused_on_one_line_are_split_at_the_glued_stamp():
    """128 (Ubuntu forum, 5.0): line 42 is "lowmem_reserve[]: 0 3340 7802 7802 7802[30104.
    278944] Node 0 DMA32 free:105108kB min:93836kB ..." - two records, one line."""
    (a,) = _analyses("128")
    zones = {z.name: z for z in a.report.zones}
    assert zones["DMA"].lowmem_reserve == (0, 3340, 7802, 7802, 7802)
    assert (zones["DMA32"].free_kb, zones["DMA32"].min_kb) == (105108, 93836)
    assert zones["DMA32"].lowmem_reserve == (0, 0, 4462, 4462, 4462)
    assert (a.verdict.code, a.verdict.unreserve_would_avoid) == ("exhausted", False)


def test_a_record_after_a_programs_console_output_is_split_at_its_stamp():
    """197 (serial console, 5.7-rc3-next i386) line 13: "Creating journal (262144 blocks):
    [   34.739137] mkfs.ext4 invoked" / line 14 "oom-killer: gfp_mask=0x101cc0(...), order=0,".
    mke2fs's output, then the trigger's first half, which the wrap carried on."""
    first, _second = _analyses("197")
    rep = first.report
    assert (rep.first_line, rep.uptime_s) == (13, 34.739137)
    assert (rep.header.comm, rep.header.gfp_mask, rep.header.order) == ("mkfs.ext4", 0x101CC0, 0)
    assert rep.lines[0].startswith("mkfs.ext4 invoked oom-killer: gfp_mask=0x101cc0")
    assert (first.verdict.code, first.verdict.confidence) == ("exhausted", "likely")


@pytest.mark.parametrize(
    "line",
    [
        # synthetic: the stamp belongs to the prefix, or the line has a time of its own
        b"Mar 10 12:00:00 host kernel: [   34.739137] mkfs.ext4 invoked",
        b"[   33.000000] done [   34.739137] mkfs.ext4 invoked",
        b"2020-05-01T10:00:00+00:00 host kernel: [   34.739137] mkfs.ext4 invoked",
    ],
)
def test_a_stamp_after_a_blank_splits_no_line_with_a_time_of_its_own(line: bytes):
    from oomlens.read.logline import decode_line

    assert len(decode_line(line, 1, "x")) == 1


def test_fused_trigger_of_an_interleaved_report_is_read():
    """118 line 1: "[  657.060922][ T3384]  ? page_[  659.105948][ T3124] kworker/2:1H: page"
    - T3124's trigger glued to another task's stack frame, then wrapped by the mailer."""
    by_comm = {a.report.header.comm: a for a in _analyses("118")}
    a = by_comm["kworker/2:1H"]
    assert (a.report.header.gfp_mask, a.report.header.order) == (0xA20, 0)
    assert (a.verdict.code, a.verdict.confidence) == ("lowmem-protected", "likely")


def test_trigger_wrapped_before_its_gfp_names_is_joined_without_a_blank():
    """129 (a commit message, no prefixes): "gfp_mask=0x240c2c0" / "(GFP_KERNEL|...),
    nodemask=0, order=3," / "oom_score_adj=-900" on three lines."""
    (a,) = _analyses("129")
    h = a.report.header
    assert (h.gfp_mask, h.gfp_names, h.order, h.oom_score_adj) == (
        0x240C2C0,
        "GFP_KERNEL|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO",
        3,
        -900,
    )
    assert h.nodemask == "0"


def test_memory_oom_group_kills_stay_in_their_report():
    """126 (AKS node, 5.15): after "Killed process 7788 (bash)" the kernel prints "Tasks in
    ... are going to be killed due to memory.oom.group set" and kills five more: one report,
    its victim the first."""
    (a,) = _analyses("126")
    assert (a.report.first_line, a.report.last_line) == (1, 100)
    assert (a.report.killed.pid, a.report.killed.comm) == (7788, "bash")
    assert a.verdict.code == "memcg-limit"
    assert not [d for d in a.report.diagnostics if "not understood" in d.message]


def test_a_stall_warning_and_its_show_mem_are_no_report():
    """130 (4.9): "cpuset01: page allocation stalls for 10051ms, order:0" and the Mem-Info
    after it - warn_alloc's stall warning, a request still being retried; the OOM header
    at line 72 is the only report."""
    assert [a.report.first_line for a in _analyses("130")] == [72]


def test_mail_wrapped_bare_report_keeps_its_mode_and_release():
    """132 (Geert Uytterhoeven, 5.18-rc3 arm32, quoted with "> ", no log prefixes): the
    mailer broke "apt: page allocation failure: order:0," / "mode:0x40cc0(GFP_KERNEL|
    __GFP_COMP), nodemask=(null)" and "CPU: 0 PID: 455 Comm: apt Not tainted" /
    "5.18.0-rc3-rza2mevb-00734-g98e2a6b7a591 #186"."""
    first, second = _analyses("132")
    assert (first.report.header.gfp_mask, first.report.header.order) == (0x40CC0, 0)
    assert first.report.release == "5.18.0-rc3-rza2mevb-00734-g98e2a6b7a591"
    assert (first.verdict.code, first.verdict.confidence) == ("exhausted", "certain")
    # the second is __GFP_MEMALLOC: ALLOC_NO_WATERMARKS, which the model does not replay
    assert second.request.has("MEMALLOC")
    assert (second.verdict.code, second.verdict.confidence) == ("exhausted", "likely")
    assert "memalloc-no-watermarks" in second.verdict.assumptions


def _judged(path) -> tuple:
    (a,) = analyze_file(str(path)).analyses
    return a.report.header.order, len(a.report.zones), a.verdict.code


def test_a_log_saved_as_utf16_is_read(tmp_path):
    """Corpus 041 as Windows tools save text (UTF-16 with its byte-order mark, CRLF), plain
    and gzipped: the same report as the original."""
    import gzip

    original = SAMPLES / "corpus" / "041.log"
    text = original.read_text(encoding="utf-8").replace("\n", "\r\n")
    plain = tmp_path / "041-utf16.log"
    plain.write_bytes(text.encode("utf-16"))
    packed = tmp_path / "041-utf16.log.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = _judged(original)
    assert expected == (5, 2, "fragmented")
    assert _judged(plain) == expected
    assert _judged(packed) == expected


def test_the_kernel_tag_alone_before_a_dmesg_stamp_is_a_prefix(tmp_path):
    """Corpus 041 with "kernel: " before every line (a syslog copy with its date and host
    cut off): the tag is read as a prefix where a dmesg stamp follows it."""
    lines = (SAMPLES / "corpus" / "041.log").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "041-tag.log"
    path.write_text("".join(f"kernel: {line}\n" for line in lines), encoding="utf-8")
    assert _judged(path) == (5, 2, "fragmented")
    (a,) = analyze_file(str(path)).analyses
    assert a.report.uptime_s == 2122311.383403


def test_a_log_whose_lines_end_in_cr_alone_is_read(tmp_path):
    """Corpus 041 with every newline a lone CR (an old Mac text, a serial capture)."""
    lines = (SAMPLES / "corpus" / "041.log").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "041-cr.log"
    path.write_bytes("\r".join(lines).encode() + b"\r")
    assert _judged(path) == (5, 2, "fragmented")


def test_the_kernel_tag_alone_and_a_release_broken_at_a_dash():
    """145 (Fedora 4.10/4.9, "kernel: " before each line, no date or stamp) and 148 (3.12
    arm, the release "3.12.10-005-" / "ts-armv7l #2" broken at a dash by the mailer)."""
    first, second = _analyses("145")
    assert (first.report.header.comm, first.report.release) == ("python", "4.10.0-1.fc26.x86_64")
    assert (second.report.header.comm, second.report.release) == ("dnf", "4.9.9-200.fc25.x86_64")
    assert len(first.report.zones) == 2
    (a,) = _analyses("148")
    assert a.report.release == "3.12.10-005-ts-armv7l"


def test_a_zone_line_cut_before_free_cma_takes_the_summary_when_it_is_the_only_zone():
    """148 (3.12 arm, "Normal free:13144kB ... unevictable:o", cut by the copy) and 144 (6.1
    arm64, a console cut the DMA line): the Mem-Info summary's free_cma (1982 and 129241
    pages) is the one zone's. Every free block of order >= 1 in 148 is (C): cma-only, not
    fragmented; likely, as the value comes from another line."""
    (a,) = _analyses("148")
    (z,) = a.report.zones
    assert z.free_cma_kb is None
    assert (a.verdict.code, a.verdict.unreserve_would_avoid, a.verdict.confidence) == (
        "cma-only",
        False,
        "likely",
    )
    assert "cma-from-meminfo" in a.verdict.assumptions
    (b,) = _analyses("144")
    assert (b.verdict.code, b.verdict.confidence) == ("cma-only", "likely")


def test_an_x86_unwinder_dump_inside_the_trace_keeps_the_report_whole():
    """149 (Ubuntu 4.15, Xorg order-4): "WARNING: kernel stack frame pointer at ... has bad
    value" and ~270 lines of unwind_dump()'s "<sp>: <word> (<symbol>)" sit in the stack;
    the report runs on to its zone and buddy lines (one report, not two), and the dump's
    ".LC0+0x4d0/0x670" is no ppc64 descriptor: the arch stays x86_64."""
    (a,) = _analyses("149")
    assert a.report.arch == "x86_64"
    assert [z.name for z in a.report.zones] == ["DMA", "DMA32", "Normal"]
    assert (a.verdict.code, a.verdict.unreserve_would_avoid) == ("highatomic-stranded", True)


def test_sysrq_show_memory_is_no_report_and_a_tmux_position_is_no_text():
    """158 (2.6.11): "SysRq : Show Memory" and its show_mem() judge nothing - no request
    failed; 155 (a cgroup v1 OOM copied from tmux): the pane's "[7/972]" at the end of the
    trigger line is not part of it."""
    firsts = [a.report.first_line for a in _analyses("158")]
    assert firsts == [3, 16, 44]  # the SysRq-m dump from line 72 on is not among them
    (a,) = _analyses("155")
    assert (a.report.header.gfp_mask, a.report.header.order) == (0x24000C0, 0)
    assert a.verdict.code == "memcg-limit"


def test_a_mail_body_still_in_quoted_printable_is_decoded(tmp_path):
    """Corpus 041 as a mail archive stores a body with long lines: quoted-printable (RFC
    2045), "=3D" for "=", lines over 76 columns broken with a soft "=" at the end. The
    report reads as the original."""
    import quopri

    original = SAMPLES / "corpus" / "041.log"
    path = tmp_path / "041.qp"
    path.write_bytes(quopri.encodestring(original.read_bytes()))
    assert b"=3D" in path.read_bytes() and b"=\n" in path.read_bytes()
    assert _judged(path) == _judged(original) == (5, 2, "fragmented")


def test_a_dmesg_stamp_that_lost_its_bracket_is_still_a_stamp(tmp_path):
    """Corpus 041 with the "[" of every stamp dropped by a quoting tool ("> 2122311.383403]
    cat: page allocation failure"): the task is "cat", not the stamp."""
    text = (SAMPLES / "corpus" / "041.log").read_text(encoding="utf-8")
    path = tmp_path / "041-bracket.log"
    path.write_text(text.replace("\n[", "\n> ").replace("[", "", 1), encoding="utf-8")
    (a,) = analyze_file(str(path)).analyses
    assert (a.report.header.comm, a.report.uptime_s) == ("cat", 2122311.383403)
    assert _judged(path) == (5, 2, "fragmented")


def test_a_vendor_wall_clock_after_the_dmesg_stamp_is_prefix():
    """165 (an Android CMA patch mail): "[   36.189447] [03-19 10:05:52.189] DMA32: 0*4kB
    447*8kB (C) ..." - a vendor kernel's second stamp, wall clock without a year. It is
    prefix, not text: the task is "ActivityManager" and both buddy lines are read."""
    (a,) = _analyses("165")
    assert a.report.header.comm == "ActivityManager"
    assert a.report.uptime_s == 36.172486  # the dmesg stamp stays the time since boot
    buddies = {z.name: (z.buddy.total_kb, z.buddy.sum_kb) for z in a.report.zones}
    assert buddies == {"DMA32": (35848, 35848), "Normal": (3236, 3236)}
    # no zone line (free, min) survived the "..." elision: nothing to replay
    assert (a.verdict.code, a.verdict.unreserve_would_avoid) == ("undetermined", None)


def test_an_unprinted_counter_is_nominally_the_blocks_proven_h_pages_fill():
    """164 (4.7.0, linux-mm 2016, an order-2 fork): Normal 12317 free, min 9576; every
    block of order 2-4 is (H) (19*16kB, 8*32kB, 2*64kB), order 0-1 lists are (UMEH)/(UMH).
    4.7 prints no reserved_highatomic. The H pages the letters prove (>= 175) fill one
    pageblock: at that counter the page count passes, 12317 - 3 - 512 = 11802 > 9576, and
    only the free-area half fails, on (H) blocks. An even split of the 9927 order-0 chunks
    over four letters would have put 7 blocks in the counter and failed the count."""
    (a,) = _analyses("164")
    v = a.verdict
    normal = [dict(e.numbers) for e in v.evidence if e.zone == "Node 0 Normal"]
    at_min = next(n for n in normal if n.get("mark") == 9576)
    assert at_min["margin"] == 12317 - 3 - 512 - 9576  # 2226: the page count passes
    assert next(n for n in normal if "consistent_low" in n)["consistent_low"] == 512
    assert (v.code, v.unreserve_would_avoid, v.confidence) == (
        "highatomic-stranded",
        True,
        "likely",
    )
    # each round converts one block; the lowest chunks (orders 0-1, below the order) may
    # each sit in a block of their own before the one that serves order 2, and 4.7 lacks
    # 4855e4a7f29d, so a double decrease may have left the counter below the blocks: up
    # to the zone's 2239 blocks (rounds 46-47; 19 counted chunks one by one before)
    assert v.unreserve_rounds == (1, 2239)


def test_a_quoted_printable_report_is_numbered_by_the_file_s_own_lines():
    """169 (a Debian arm64 mail body stored quoted-printable): the trigger record starts on
    line 5 ("...kernel: [19184252.168454] =") and its soft breaks run to line 8; node 0's
    Normal zone line starts on line 107 and goes on at 108. Reading runs on decoded lines
    (the trigger is decoded line 3), but every number shown is the file's own."""
    (a,) = _analyses("169")
    assert (a.report.first_line, a.report.header.line) == (5, 5)
    zones = {(z.node, z.name): z.line for z in a.report.zones}
    assert zones[(0, "DMA")] == 98 and zones[(0, "Normal")] == 107
    assert zones[(1, "Normal")] == 116


def test_soft_break_line_map_is_bounded():
    """Synthetic (no real input has a million soft-broken lines): past MAX_ENTRIES changes of
    the numbering, decoded lines are counted on, and one diagnostic says from where."""
    from oomlens.read.mailbody import SoftBreaks

    notes: list = []
    soft = SoftBreaks(lambda line, note: notes.append(line))
    soft.MAX_ENTRIES = 2
    out = soft.decode(b"a=\nb\nc=\nd=\ne\nf=\ng\nh\n", 0)
    assert out == b"ab\ncde\nfg\nh\n"
    # in the file they start on lines 1, 3, 6 and 8; "h" comes past the cap (7)
    assert [soft.physical(n) for n in (1, 2, 3, 4)] == [1, 3, 6, 7]
    assert notes == [4]


def test_soft_break_line_map_counts_what_the_decoder_makes():
    """Synthetic (found by a hostile-input round, not in a real mail): an escaped newline
    ("=0A") starts a line inside a stored one; "==" before a line end is no soft break."""
    from oomlens.read.mailbody import SoftBreaks

    soft = SoftBreaks(lambda line, note: None)
    assert soft.decode(b"x=0Ay\nz\np==\nq\n", 0) == b"x\ny\nz\np=\nq\n"
    assert [soft.physical(n) for n in range(1, 6)] == [1, 1, 2, 3, 4]


def test_an_xmon_mi_dump_is_no_report():
    """170 (LKML 2006, 2.6.18-rc5 ppc64): "3:mon> mi" in the xmon debugger prints a
    Mem-info block after a kernel BUG; nothing failed, so nothing is judged."""
    result = analyze_file(str(SAMPLES / "extra" / "170.log"))
    assert result.analyses == () and result.status == "ok"


def test_a_page_fault_oom_names_no_request_of_its_own():
    """171 (5.7-next i386): "Xorg invoked oom-killer: gfp_mask=0x0(), order=0" from
    pagefault_out_of_memory(). The replay's candidates (GFP_KERNEL, GFP_HIGHUSER_MOVABLE,
    order 0) both pass (Normal 38661 free > min 871): undetermined, the request named."""
    (a,) = _analyses("171")
    assert a.facts is not None and a.facts.page_fault
    v = a.verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("undetermined", None, "unknown")
    assert v.missing == ("the request that failed (a page fault's OOM)",)


def test_logwatch_counts_are_prefix_and_a_trigger_not_read_says_so():
    """172 (a 2005 logwatch summary): every line is "1 Time(s): <message>", sorted. The
    count is prefix: the trigger "oom-killer: gfp_mask=0x1d2" is read (GFP_HIGHUSER|
    __GFP_COLD), and the zone lines sorted before it make an excerpt of their own."""
    first, trigger = _analyses("172")
    assert (first.report.first_line, trigger.report.first_line) == (8, 23)
    assert trigger.report.header is not None and trigger.report.header.gfp_mask == 0x1D2
    assert {z.name for z in first.report.zones} == {"DMA", "Normal", "HighMem"}


def test_a_trigger_the_grammar_cannot_read_is_reported_not_lost():
    """Synthetic (the real case, 172, reads now): a trigger behind a prefix no reader knows
    still makes a report, and a diagnostic names the line it could not read."""
    from oomlens.parse.assemble import parse_text

    (rep,) = parse_text("#3# oom-killer: gfp_mask=0x1d2\n")
    assert rep.header is None
    assert [d.message for d in rep.diagnostics] == [
        "trigger line not understood: '#3# oom-killer: gfp_mask=0x1d2'"
    ]


def test_gfp_dma32_on_i386_is_normal():
    """175 (4.9.0 i386): mode 0x24200d4 GFP_USER|GFP_DMA32. i386 has no ZONE_DMA32, so
    gfp_zone() gives Normal (OPT_ZONE_DMA32): Normal 10601 free <= min 10604 fails and DMA
    fails on its lowmem_reserve; HighMem is not eligible."""
    (a,) = _analyses("175")
    assert a.request is not None and a.request.highest_zone == "Normal"
    v = a.verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("exhausted", False, "certain")


def test_a_log_copied_from_a_web_page_has_its_entities_read():
    """183 (a CentOS 7 report copied from a web page's source): "[&lt;ffffffff81686b13&gt;]
    dump_stack+0x19/0x1b". The entities are text: the frames are read, and they make it
    x86_64."""
    (a,) = _analyses("183")
    assert a.report.trace[:2] == ("dump_stack", "warn_alloc_failed")
    assert a.report.arch == "x86_64"
    assert not a.report.diagnostics


def test_an_unprinted_release_with_an_old_style_mask_is_at_best_likely():
    """183: no release; mode:0x104050 holds no 4.4+ reclaim bit, so it is read as
    __GFP_WAIT|__GFP_IO|__GFP_COMP (2.6.31-4.3), but a 4.4+ kernel printed masks in hex
    alone too, and there it is another request. fragmented at the printed values; likely."""
    (a,) = _analyses("183")
    v = a.verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("fragmented", False, "likely")
    assert v.missing == ("gfp layout",)


def test_another_cpu_s_letters_are_not_glued_onto_a_trigger():
    """181 (a syzbot interleaving shown in a patch): the trigger line is followed by "(U)",
    a piece of another CPU's buddy line. Letters continue only a line cut after a chunk, so
    the trigger keeps its mode:0x484020 (GFP_ATOMIC|__GFP_COMP) and order 0."""
    reps = [a.report for a in _analyses("181")]
    trigger = next(r for r in reps if r.header is not None)
    assert (trigger.header.gfp_mask, trigger.header.order) == (0x484020, 0)


def test_an_ibm_power_machine_is_ppc64():
    """179 (6.6-rc2, a vmalloc failure): "Hardware name: IBM pSeries (emulated by qemu)
    POWER8 (raw) ..." and no frame or release that names the architecture."""
    (a,) = _analyses("179")
    assert a.report.arch == "ppc64"
    assert (a.verdict.code, a.verdict.confidence) == ("not-a-shortage", "certain")


def test_group_kills_stamped_with_the_victim_s_stay_in_its_report():
    """191 (a Kubernetes kern.log): the memcg OOM kills MainThread 268654, then tini 235173
    and MainThread again, all at 09:08:50 - memory.oom.group members, the notice line not
    kept. They are this report's lines, not a second report; the victim is the first."""
    first, second = _analyses("191")
    assert (first.report.first_line, first.report.last_line) == (1, 5)
    assert (first.report.killed.pid, first.report.killed.comm) == (268654, "MainThread")
    assert (first.verdict.code, first.verdict.confidence) == ("memcg-limit", "certain")
    assert second.report.first_line == 6  # the next OOM (00:54:21), its header only


def test_another_cpu_s_oops_amid_a_report_is_read_past():
    """198 (4.11-rc1 i386, linux-mm 2017): kswapd0's oops on CPU 1 (lines 35-72, "BUG:
    unable to handle kernel paging request" to "---[ end trace ... ]---") lands between
    a.out's DMA zone line and its lowmem_reserve line. The report goes on after it: one
    report, every zone, not a second one credited to kswapd0."""
    (a,) = _analyses("198")
    assert (a.report.first_line, a.report.header.comm) == (2, "a.out")
    assert [z.name for z in a.report.zones] == ["DMA", "Normal", "HighMem"]
    assert (a.verdict.code, a.verdict.confidence) == ("lowmem-protected", "certain")


def test_an_excerpt_starts_at_its_cpu_line_far_above_mem_info():
    """194 (6.17.7 on an Xbox 360, ppc64): no trigger line; the CPU line comes 70 lines of
    interrupt stack before Mem-Info. The excerpt starts there, so its release is read, and
    powerpc's "[sp] [pc] func" frames make it ppc64."""
    (a,) = _analyses("194")
    assert (a.report.first_line, a.report.release, a.report.arch) == (5, "6.17.7-xenon", "ppc64")


@pytest.mark.parametrize(
    "name", ["corpus/019", "corpus/022", "extra/182", "extra/130", "corpus/009", "corpus/026"]
)
def test_a_sample_encoded_quoted_printable_reads_alike_with_the_file_s_numbers(tmp_path, name):
    """Real samples put through Python's quopri, as a mail archive stores them: the same
    reports and verdicts, and each report's first line number points at the stored line
    where its first record starts. 019 encodes with only two "=3D"; 182's short lines with
    no soft break at all; 009 and 026 (2.6 logs) with soft breaks and next to no "=3D"."""
    plain = SAMPLES / f"{name}.log"
    encoded = tmp_path / "qp.log"
    encoded.write_bytes(quopri.encodestring(plain.read_bytes()))
    want = analyze_file(str(plain)).analyses
    got = analyze_file(str(encoded)).analyses
    verdicts = [(a.verdict.code, a.verdict.unreserve_would_avoid) for a in want]
    assert [(a.verdict.code, a.verdict.unreserve_would_avoid) for a in got] == verdicts
    stored = encoded.read_bytes().split(b"\n")
    plain_lines = plain.read_bytes().split(b"\n")
    for w, g in zip(want, got, strict=True):
        record = quopri.decodestring(b"\n".join(stored[g.report.first_line - 1 :]))
        assert record.split(b"\n")[0] == plain_lines[w.report.first_line - 1]


def test_a_4_14_arm64_dma_zone_is_no_isa_zone():
    """203 (4.14.83 Android, linux-mm 2019): arm64 frames of that era (el0_svc_naked) make
    it arm64, so its DMA zone (the first 4 GB) is no 16 MB ISA zone: lowmem_reserve's 1901
    pages, against Normal's min 985, are material."""
    (a,) = _analyses("203")
    assert a.report.arch == "arm64"
    v = a.verdict
    assert (v.code, v.unreserve_would_avoid, v.confidence) == ("lowmem-protected", False, "likely")


def _retimed(path, form: str) -> str:
    """A dmesg-stamped sample as util-linux prints it with ``dmesg -d`` ("[  6.489951 <
    0.000317>] ", time and delta) or ``--time-format=delta`` ("[<    0.000317>] ")."""
    import re

    out, prev = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\[\s*(\d+\.\d{6})\] ?(.*)$", line)
        if m is None:
            out.append(line)
            continue
        ts = float(m.group(1))
        delta, prev = (0.0 if prev is None else ts - prev), ts
        head = f"[{m.group(1):>12} <{delta:12.6f}>]" if form == "d" else f"[<{delta:12.6f}>]"
        out.append(f"{head} {m.group(2)}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("form", ["d", "delta"])
@pytest.mark.parametrize("name", ["stranded-6.12", "mempolicy-6.1", "memcg-7.3"])
def test_dmesg_with_its_deltas_reads_as_dmesg(tmp_path, name, form):
    """`dmesg -d` and `dmesg --time-format=delta` (synthetic: lab samples re-stamped as
    util-linux prints them) read as the plain stamps do; the delta alone is no time. Before,
    "[  6.489951 <  0.000317>]" was text and "[<" a trace frame: undetermined, cut short."""
    src = SAMPLES / "lab" / f"{name}.log"
    path = tmp_path / f"{name}-{form}.log"
    path.write_text(_retimed(src, form))
    want, got = analyze_file(str(src)).analyses, analyze_file(str(path)).analyses
    assert [(a.report.first_line, a.report.last_line) for a in got] == [
        (a.report.first_line, a.report.last_line) for a in want
    ]
    for a, w in zip(got, want, strict=True):
        assert (a.verdict.code, a.verdict.confidence) == (w.verdict.code, w.verdict.confidence)
        assert a.report.uptime_s == (w.report.uptime_s if form == "d" else None)
        assert [d.message for d in a.report.diagnostics] == [
            d.message for d in w.report.diagnostics
        ]
