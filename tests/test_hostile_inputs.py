"""Issue 10's findings on hostile input, one regression test each, plus the limits they led to.

The good reports are real (samples/corpus 035, the balloon OOM, and 036, the imklog
allocation failure: the two reports of the seed patch). What is hostile is made here:
no real log holds a 400-digit time field or a 300-million-node list, so those parts
are synthetic by necessity, and each test says which part that is. Where a finding
was about memory, the command runs in a child process whose address space is capped
(RLIMIT_AS): an implementation that expands the input fails there, whatever the time.
"""

from __future__ import annotations

import gzip
import json
import lzma
import re
import resource
import subprocess
import sys

import pytest

from oomlens.options import Options
from oomlens.pipeline import analyze_file
from oomlens.read.chunks import LineCounter
from oomlens.read.decompress import MAX_EXPANDED, decompress
from oomlens.read.logline import MAX_LINE
from oomlens.read.rejoin import MAX_RECORD as MAX_JOINED
from tests.corpus import ROOT, sample

CAP = 1 << 30  # address space of the child running a memory finding


def lines_of(name: str) -> list[str]:
    return sample(name).read_text(encoding="utf-8").splitlines()


def capped_oomlens(*args: str) -> subprocess.CompletedProcess:
    """``oomlens`` in a child with at most CAP bytes of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))

    return subprocess.run(
        [sys.executable, "-m", "oomlens", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        check=False,
    )


def summary(result) -> list[tuple]:
    """(first line, comm, zones' free kB) of every report of a FileResult."""
    return [
        (a.report.first_line, a.report.header.comm, [z.free_kb for z in a.report.zones])
        for a in result.analyses
    ]


BALLOON = ("balloon", [8188, 19404])
IMKLOG = ("in:imklog", [7748, 30128])


# --- unbounded memory from ~100 bytes: a node range expanded into a set ---------------


def test_mems_allowed_range_of_300_million_nodes_is_never_expanded(tmp_path):
    # synthetic: the real 035 with its cpuset line's "mems_allowed=0" widened
    text = sample("035").read_text().replace("mems_allowed=0\n", "mems_allowed=0-300000000\n")
    path = tmp_path / "mems.log"
    path.write_text(text)
    done = capped_oomlens("analyze", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    (report,) = json.loads(done.stdout)["reports"]
    assert report["verdict"]["code"] == "highatomic-stranded"
    assert {
        "line": 2,
        "message": "mems_allowed names node 300000000; a kernel has at most 1024 nodes",
    } in report["diagnostics"]


def test_node_lists_stay_ranges_and_say_when_no_kernel_has_the_node():
    from oomlens.judge.nodes import parse_nodes
    from oomlens.parse.numbers import nodes_beyond

    wide = parse_nodes("0-300000000")
    assert wide is not None and 299999999 in wide and 300000001 not in wide
    assert parse_nodes("(null)") is None and parse_nodes("0-1[四") is None
    assert nodes_beyond("0-300000000") == "names node 300000000"
    assert nodes_beyond("0-" + "9" * 400) == "names a node number of 400 digits"
    assert nodes_beyond("0-" + "0" * 5000 + "1") is None
    assert nodes_beyond("0-1023") is None


# --- one record loses the whole file ---------------------------------------------------


def kmsg(lines: list[str], first_seq: int = 1) -> list[str]:
    """Real lines as /dev/kmsg records (level 4, a sequence number, a plausible time)."""
    return [f"4,{first_seq + i},{5_000_000 + i},-;{line}" for i, line in enumerate(lines)]


def test_kmsg_record_with_a_400_digit_time_costs_only_its_time(tmp_path):
    first, second = lines_of("035"), lines_of("036")
    records = kmsg(first) + kmsg(second, 100)
    # synthetic: the second report's trigger record gets a 400-digit time field
    records[len(first)] = f"4,100,{'9' * 400},-;{second[0]}"
    path = tmp_path / "kmsg.log"
    path.write_text("\n".join(records) + "\n")
    result = analyze_file(str(path))
    assert [(c, z) for _, c, z in summary(result)] == [BALLOON, IMKLOG]
    diags = result.analyses[1].report.diagnostics
    assert (diags[0].line, diags[0].message) == (
        len(first) + 1,
        "time field past 2^64 ns since boot (no printk stamp); time left out",
    )


def journal(lines: list[str], realtime: str = "1477061025000000") -> list[str]:
    return [
        json.dumps({"__REALTIME_TIMESTAMP": realtime, "_TRANSPORT": "kernel", "MESSAGE": line})
        for line in lines
    ]


@pytest.mark.parametrize(
    ("realtime", "shown"),
    [("²", "²"), ("1" * 30, "11111111111111111111… (30 characters)"), ("-1", "-1")],
    ids=["superscript-two", "thirty-digits", "negative"],
)
def test_journal_record_with_a_bad_timestamp_costs_only_its_time(tmp_path, realtime, shown):
    # synthetic: one record between the two real reports carries the bad __REALTIME_TIMESTAMP
    records = journal(lines_of("035")) + journal(["hello"], realtime) + journal(lines_of("036"))
    path = tmp_path / "j.json"
    path.write_text("\n".join(records) + "\n")
    result = analyze_file(str(path))
    assert [(c, z) for _, c, z in summary(result)] == [BALLOON, IMKLOG]
    assert result.status == "partial"
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (44, f"journal record has __REALTIME_TIMESTAMP={shown}, not a time; left out")
    ]


def test_journal_message_nested_5000_lists_deep_costs_only_that_record(tmp_path):
    deep = '{"_TRANSPORT": "kernel", "MESSAGE": ' + "[" * 5000 + "]" * 5000 + "}"
    records = journal(lines_of("035")) + [deep] + journal(lines_of("036"))
    path = tmp_path / "deep.json"
    path.write_text("\n".join(records) + "\n")
    result = analyze_file(str(path))
    assert [(c, z) for _, c, z in summary(result)] == [BALLOON, IMKLOG]
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (44, "journal record nests lists deeper than a journal does; skipped")
    ]


def test_journal_message_nested_three_lists_is_not_a_field(tmp_path):
    records = journal(lines_of("035")) + ['{"MESSAGE": [[[104, 105]]]}']
    path = tmp_path / "three.json"
    path.write_text("\n".join(records) + "\n")
    result = analyze_file(str(path))
    assert [(c, z) for _, c, z in summary(result)] == [BALLOON]
    assert [d.message for d in result.diagnostics] == [
        "journal field MESSAGE is not a string or bytes; left out"
    ]


# --- uncapped fields: a 614 KB gzipped journal reached 3.1 GB ----------------------------


def test_gzipped_journal_with_a_300_mib_field_stays_bounded(tmp_path):
    path = tmp_path / "big.json.gz"
    with gzip.open(path, "wt", compresslevel=1) as f:
        f.write("\n".join(journal(lines_of("035"))) + "\n")
        f.write('{"_TRANSPORT": "kernel", "MESSAGE": "')
        for _ in range(300):
            f.write("A" * (1 << 20))
        f.write('"}\n')
        f.write("\n".join(journal(lines_of("036"))) + "\n")
    done = capped_oomlens("analyze", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [r["task"]["comm"] for r in doc["reports"]] == ["balloon", "in:imklog"]
    assert doc["files"][0]["reason"] == "journal record is over 1 MiB; skipped"


def test_journal_export_binary_field_keeps_its_head(tmp_path):
    head = b"_TRANSPORT=kernel\nMESSAGE\n"
    size = 10 << 20
    blob = b"x" * size
    body = b"".join(
        b"_TRANSPORT=kernel\nMESSAGE=" + ln.encode() + b"\n\n" for ln in lines_of("035")
    )
    path = tmp_path / "export"
    path.write_bytes(body + head + size.to_bytes(8, "little") + blob + b"\n\n")
    result = analyze_file(str(path))
    assert [(c, z) for _, c, z in summary(result)] == [BALLOON]
    # the 10 MiB field is a line cut to its head, and the input says so (round 55 F8)
    assert [d.message for d in result.diagnostics] == [
        "a line over 65536 bytes: only the first 65536 of each read"
    ]


# --- decompression: zstd held ~350 MB; no limit on expanded size -------------------------


def zeros_zstd(size: int) -> bytes:
    import zstandard

    c = zstandard.ZstdCompressor(level=19).compressobj()
    block = bytes(1 << 20)
    return b"".join(c.compress(block) for _ in range(size >> 20)) + c.flush()


def test_zstd_bomb_expands_a_block_at_a_time():
    bomb = zeros_zstd(256 << 20)  # ~8 KB of zstd
    sizes = [len(out) for out in decompress(iter([bomb]), "zstd", [], LineCounter())]
    assert sum(sizes) == 256 << 20
    assert max(sizes) <= 128 << 10  # one zstd block: never the whole bomb in one step


@pytest.mark.parametrize("kind", ["gzip", "xz", "zstd"])
def test_expansion_stops_at_max_expanded(tmp_path, kind):
    import zstandard

    pack = {"gzip": gzip.compress, "xz": lzma.compress, "zstd": zstandard.compress}[kind]
    # the real seed's two reports, then 64 MiB of zeros (synthetic padding)
    path = tmp_path / "padded"
    path.write_bytes(pack(sample("seed").read_bytes() + bytes(64 << 20)))
    result = analyze_file(str(path), Options(max_expanded=8 << 20))
    assert [a.report.header.comm for a in result.analyses] == ["balloon", "in:imklog"]
    assert result.reason == (
        f"{kind} input expands past 8 MiB; the rest is not read (--max-expanded SIZE raises the limit)"
    )
    whole = analyze_file(str(path))  # the default, 4 GiB, reads it all: the zeros are one
    assert len(whole.analyses) == 2  # line past 64 KiB, cut to its head, and said (round 55)
    assert [d.message for d in whole.diagnostics] == [
        "a line over 65536 bytes: only the first 65536 of each read"
    ]
    assert MAX_EXPANDED == 4 << 30


def test_zstd_window_over_128_mib_is_refused_with_a_diagnostic(tmp_path):
    # synthetic: a hand-made frame (RFC 8878) whose window descriptor asks for 1 GiB,
    # holding one raw block of five bytes
    frame = b"\x28\xb5\x2f\xfd" + b"\x00" + bytes([20 << 3]) + b"\x29\x00\x00" + b"hello"
    path = tmp_path / "window.zst"
    path.write_bytes(frame)
    result = analyze_file(str(path))
    assert (
        result.reason
        == "zstd data needs more than 128 MiB of memory to decode (at 0 bytes); reading stopped"
    )


def test_cli_max_expanded_flag(tmp_path):
    from oomlens.cli import main

    path = tmp_path / "seed.gz"
    path.write_bytes(gzip.compress(sample("seed").read_bytes() + bytes(4 << 20)))
    assert main(["analyze", str(path), "--max-expanded", "1M", "--format", "jsonl"]) == 0
    assert main(["analyze", str(path), "--max-expanded", "lots"]) == 2


# --- a log cut mid-line pulled unrelated lines into the previous report -------------------


@pytest.mark.parametrize(("glued", "a_ends", "b_starts"), [(True, 80, 81), (False, 81, 82)])
def test_log_cut_mid_line_keeps_both_reports_apart(tmp_path, glued, a_ends, b_starts):
    # two real logs: 006 (dmesg time stamps) cut inside its lowmem_reserve line, then 035
    # (no prefixes) appended, on the same line or the next; glued, the first report ends
    # with its DMA zone line, wrapped over lines 76-80
    cut = lines_of("006")[:80] + [lines_of("006")[80][:30]]
    text = "\n".join(cut) + ("" if glued else "\n") + sample("035").read_text()
    path = tmp_path / "cut.log"
    path.write_text(text)
    first, second = analyze_file(str(path)).analyses
    assert (first.report.header.comm, first.report.last_line) == ("kworker/u8:2", a_ends)
    assert [z.free_kb for z in first.report.zones] == [17960]
    assert (second.report.first_line, second.report.last_line) == (b_starts, b_starts + 42)
    assert (second.report.context.comm, second.report.context.pid) == ("balloon", 8473)
    assert [z.free_kb for z in second.report.zones] == [8188, 19404]
    assert [z.buddy.total_kb for z in second.report.zones] == [8192, 19484]


def test_bare_lines_after_a_cut_report_are_not_joined_without_end(tmp_path):
    # the real 012 cut before its Mem-Info, then 50,000 bare "a:1" lines (synthetic)
    text = "\n".join(lines_of("012")[:20]) + "\n" + "a:1\n" * 50_000
    path = tmp_path / "bare.log"
    path.write_text(text)
    (analysis,) = analyze_file(str(path)).analyses
    assert max(len(t) for t in analysis.report.lines) <= MAX_JOINED
    assert analysis.report.last_line == 50_020


# --- limits on lines and reports ---------------------------------------------------------


def test_cut_line_inside_a_report_says_so(tmp_path):
    lines = lines_of("035")
    lines.insert(20, "Call Trace: " + "x" * (2 * MAX_LINE))  # synthetic over-long line
    path = tmp_path / "long.log"
    path.write_text("\n".join(lines) + "\n")
    (analysis,) = analyze_file(str(path)).analyses
    assert (21, f"line is over {MAX_LINE} bytes; its first {MAX_LINE} read") in [
        (d.line, d.message) for d in analysis.report.diagnostics
    ]


def test_report_stops_growing_at_max_report_lines(tmp_path):
    from oomlens.read.segment import MAX_REPORT_LINES

    head = lines_of("012")[:20]
    path = tmp_path / "many.log"
    # stamped after 012's own (56 s): a printk clock that went back would be the next boot
    path.write_text("\n".join(head) + "\n" + "[ 99.0] a:1\n" * (MAX_REPORT_LINES + 10))
    (analysis,) = analyze_file(str(path)).analyses
    assert len(analysis.report.lines) == MAX_REPORT_LINES
    last = analysis.report.diagnostics[-1]
    # 012's first 20 lines hold 2 wrapped ones, rejoined: 100,028 lines in all
    assert (last.line, last.message) == (
        MAX_REPORT_LINES + 2,
        f"report is over {MAX_REPORT_LINES} lines; 28 more not read",
    )


def test_a_long_run_of_blank_lines_ends_the_report(tmp_path):
    lines = lines_of("035")
    text = lines[0] + "\n" * 1000 + "\n".join(lines[1:]) + "\n"
    path = tmp_path / "blank.log"
    path.write_text(text)
    reports = [a.report for a in analyze_file(str(path)).analyses]
    assert [(r.first_line, len(r.lines)) for r in reports][0] == (1, 1)
    assert [z.free_kb for z in reports[-1].zones] == [8188, 19404]


# --- absurd numbers in a report ------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "free:19404kB",
            "free:" + "9" * 400 + "kB",
            30,
            "a number of 400 digits is beyond 64 bits",
        ),
        (
            "free:19404kB",
            "free:" + "9" * 5000 + "kB",
            30,
            "a number of 5000 digits is beyond 64 bits",
        ),
        (
            "free:19404kB",
            "free:18446744073709551616kB",
            30,
            "a number of 20 digits is beyond 64 bits",
        ),
        (
            "gfp_mask=0x24280ca",
            "gfp_mask=0x1" + "0" * 16,
            1,
            "a mask of 17 hex digits is beyond 64 bits",
        ),
        ("order=0", "order=" + "9" * 30, 1, "a number of 30 digits is beyond 64 bits"),
        ("free:19404kB", "free:١٩٤٠٤kB", 30, "'١٩٤٠٤' is not a number the kernel prints"),
    ],
    ids=["400-digits", "5000-digits", "2**64", "17-hex-digits", "order", "arabic-digits"],
)
def test_absurd_number_sets_its_line_aside(tmp_path, old, new, line, message):
    text = sample("035").read_text().replace(old, new, 1)  # synthetic: one number replaced
    path = tmp_path / "n.log"
    path.write_text(text)
    (analysis,) = analyze_file(str(path)).analyses
    assert (line, f"line set aside: {message}; read as unknown") in [
        (d.line, d.message) for d in analysis.report.diagnostics
    ]
    assert analysis.verdict is not None


def test_a_line_set_aside_keeps_the_rest_of_the_report(tmp_path):
    # synthetic: one number replaced. A number past 64 bits fails the lexer, so the
    # report is read line by line; its stack frames are read all the same (they
    # used to be dropped on that path).
    text = sample("035").read_text()
    path = tmp_path / "n.log"
    path.write_text(text.replace("free:19404kB", "free:" + "9" * 30 + "kB", 1))
    (analysis,) = analyze_file(str(path)).analyses
    path.write_text(text)
    (whole,) = analyze_file(str(path)).analyses
    assert analysis.report.trace[:3] == ("dump_stack", "dump_header", "virtballoon_oom_notify")
    assert analysis.report.trace == whole.report.trace and len(whole.report.trace) == 11


def test_largest_64_bit_number_is_read():
    from oomlens.parse.numbers import bounded_int

    assert bounded_int("18446744073709551615") == (1 << 64) - 1
    assert bounded_int("18446744073709551616") is None
    assert bounded_int("-42") == -42 and bounded_int("٣") is None and bounded_int("") is None


def test_a_flood_of_bare_mem_info_headings_is_no_report(tmp_path):
    """Synthetic (no real log is a wall of headings): 20,000 "Mem-Info:" lines once made
    20,000 empty excerpts; a heading alone holds no state, so none is a report, and a
    real report after the flood is still found whole."""
    seed = (ROOT / "samples" / "seeds" / "000_702fbe451f37f534.txt").read_bytes()
    path = tmp_path / "flood.log"
    path.write_bytes(b"Mem-Info:\n" * 20_000 + seed)
    result = analyze_file(str(path))
    assert len(result.analyses) == len(
        analyze_file(str(ROOT / "samples" / "seeds" / "000_702fbe451f37f534.txt")).analyses
    )
    assert result.analyses and all(a.report.first_line > 20_000 for a in result.analyses)


@pytest.mark.parametrize(
    "columns, why",
    [
        ("1*4kB (U) " * 20_000, "a buddy line of "),  # order 6550 was 2^6550 pages: OverflowError
        ("3*4kB (U) 2*4kB (M) ", "buddy column 2 is 4kB where order 1 of a 4kB page is 8kB"),
    ],
    ids=["20000-columns", "sizes-not-doubling"],
)
def test_buddy_line_no_kernel_prints_is_set_aside(tmp_path, columns, why):
    """Synthetic (no real buddy line breaks show_free_areas()'s K << order columns): corpus
    041 with such columns put in front of its DMA32 buddy line. The line costs only itself:
    a diagnostic says why, the report is judged and every format renders."""
    text = (ROOT / "samples" / "corpus" / "041.log").read_text()
    path = tmp_path / "cols.log"
    path.write_text(text.replace("Node 0 DMA32: ", "Node 0 DMA32: " + columns, 1))
    (analysis,) = analyze_file(str(path)).analyses
    messages = [d.message for d in analysis.report.diagnostics]
    assert any(why in m for m in messages), messages
    dma32 = next(z for z in analysis.report.zones if z.name == "DMA32")
    # printed but unreadable: its free lists are unknown (no columns, not whole), not absent
    assert dma32.buddy is not None and (dma32.buddy.entries, dma32.buddy.whole) == ((), False)
    assert analysis.verdict is not None
    from oomlens.render import render

    result = analyze_file(str(path))
    for fmt in ("text", "json", "markdown", "html", "csv", "jsonl"):
        assert render([result], fmt)


# --- a zone or buddy line cut at a blank between fields (round 8) --------------------------


def _cut_line(name: str, needle: str, keep: str, tmp_path) -> str:
    """Sample ``name`` with its line holding ``needle`` cut after ``keep`` (synthetic: a lost
    line tail, as busybox syslogd or a serial console leaves one)."""
    text = sample(name).read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if needle in x)
    cut = line[: line.index(keep) + len(keep)]
    path = tmp_path / f"{name}-cut.log"
    path.write_text(text.replace(line, cut), encoding="utf-8")
    return str(path)


def test_a_buddy_line_cut_after_its_first_chunk_settles_nothing(tmp_path):
    """corpus 019 (highatomic-stranded, certain) with its Normal buddy line cut after
    "505*4kB (H)": the orders it lost were read as empty, so the order-0 GFP_ATOMIC request
    found no U/M/E page and the verdict became exhausted, certain. They are unknown now: the
    printed state may pass, and without the lost chunks no failing state can be drawn."""
    path = _cut_line("019", "Normal: 505*4kB", "505*4kB (H)", tmp_path)
    (a,) = analyze_file(path).analyses
    assert [d.message for d in a.report.diagnostics] == [
        "Normal buddy line cut short after 1 orders"
    ]
    assert (a.verdict.code, a.verdict.confidence) == ("undetermined", "unknown")


def test_a_zone_line_cut_after_min_leaves_no_certain_verdict(tmp_path):
    """corpus 002 (lowmem-protected, certain) with its Normal zone line cut after
    "min:3744kB": the zone was dropped without a word and the verdict, worked out on the
    other zones, became exhausted, certain. Now the line says what it lacks and the
    verdict is at best likely, naming the zone state it needs."""
    path = _cut_line("002", "Normal free:40136kB", "min:3744kB", tmp_path)
    (a,) = analyze_file(path).analyses
    assert "Normal zone line without its free, min, low and high" in [
        d.message for d in a.report.diagnostics
    ]
    assert a.verdict.confidence == "likely"
    assert "zone state" in a.verdict.missing


def test_stamped_fragments_are_never_glued_past_a_record(tmp_path):
    """corpus 023 with 400 stamped lines of "a(:1kB," (1 KiB each; synthetic) after line 37:
    each looked like a wrapped piece of the line before and was glued on without the 2 KiB
    bound bare pieces have (4 MB took 26 s and 5 GB). No line joined past 2 KiB now."""
    lines = lines_of("023")
    junk = "[  244.334500] " + "a(:1kB," * 140
    path = tmp_path / "glue.log"
    path.write_text("\n".join(lines[:37] + [junk] * 400 + lines[37:]) + "\n")
    result = analyze_file(str(path))
    assert result.analyses
    assert max(len(t) for a in result.analyses for t in a.report.lines) <= MAX_JOINED


# --- round 9: numbers cut inside their digits, all buddy lines cut, zones out of order ----


def test_a_zone_number_cut_inside_its_digits_is_no_value(tmp_path):
    """extra/107 (cma-only, certain) with its zone line ending "free_cma:1" (of
    "free_cma:142492kB"; synthetic cut): the field the kernel prints in kB was read as 1 kB,
    with no word, and the verdict stayed certain. A kB field without its kB is the cut."""
    path = _cut_line("107", "free_cma:142492kB", "free_cma:1", tmp_path)
    (a,) = analyze_file(path).analyses
    assert "DMA zone line cut short after 20 fields" in [d.message for d in a.report.diagnostics]
    assert a.verdict.confidence == "likely"
    assert [z.free_cma_kb for z in a.report.zones][0] is None


def test_fold_inside_a_number_in_a_log_with_no_prefixes_036(tmp_path):
    """corpus/036 through `fold -w 177` (a terminal's hard wrap, no prefixes): DMA's
    "managed:159" / "08kB mlocked:0kB ..." was read as managed 159 kB, the rest set aside,
    under a certain verdict. The two halves of the number are one again."""
    import subprocess

    folded = subprocess.run(
        ["fold", "-w", "177"], input=sample("036").read_bytes(), capture_output=True, check=True
    ).stdout
    path = tmp_path / "folded.log"
    path.write_bytes(folded)
    (a,), (want,) = analyze_file(str(path)).analyses, analyze_file(str(sample("036"))).analyses
    assert [(z.name, z.managed_kb) for z in a.report.zones] == [("DMA", 15908), ("DMA32", 2030132)]
    assert (a.verdict.code, a.verdict.confidence) == (want.verdict.code, want.verdict.confidence)
    assert [d.message for d in a.report.diagnostics] == []


def test_a_release_older_than_what_its_report_prints_is_no_certain_kernel_018(tmp_path):
    """Corpus 018 (Android 4.14.113) prints reserved_highatomic, which mainline prints from
    5.5: a vendor tree's backport. Its release edited to 4.1.113 (mutation of the real
    sample) named a kernel with no highatomic reserve though its buddy lines show (H)
    blocks, and the verdict was exhausted, certain. The features between the release and
    what the content shows may be in the kernel: each is swept as a variant."""
    (orig,) = analyze_file(str(sample("018"))).analyses
    assert (orig.verdict.code, orig.verdict.confidence) == ("highatomic-stranded", "certain")
    assert orig.verdict.profile.endswith(", with reserved_highatomic field (5.5+)")
    path = tmp_path / "018-4.1.log"
    path.write_text(sample("018").read_text().replace("4.14.113", "4.1.113"))
    (a,) = analyze_file(str(path)).analyses
    assert a.verdict.confidence == "likely"
    assert "kernel stable level" in a.verdict.missing
    assert a.verdict.profile == "4.1.113 (from report), with reserved_highatomic field (5.5+)"


def test_a_release_newer_than_what_its_report_prints_sweeps_the_changes_since_023(tmp_path):
    """Corpus 023 (5.8-rc4) prints kernel_stack on its zone lines, which mainline stopped
    printing after 5.8. Its release edited to 6.1.0 (mutation of the real sample): the
    changes after 5.8 may be absent, so they are swept as variants, the nominal kernel
    without them. Its verdict holds under every one: still exhausted, certain."""
    from oomlens.judge.judge import judge_report
    from oomlens.kernel.profile import Feature
    from oomlens.options import Options

    path = tmp_path / "023-6.1.log"
    path.write_text(sample("023").read_text().replace("5.8.0-rc4-kvm+", "6.1.0"))
    (a,) = analyze_file(str(path)).analyses
    assert (a.verdict.code, a.verdict.confidence) == ("exhausted", "certain")
    assert a.verdict.profile == "6.1 (from report), with kernel_stack on zone line (up to 5.8)"
    profile = judge_report(a.report, Options()).profile
    assert Feature.FAST_HIGHATOMIC not in profile.features  # f27ce0e14088, 5.9
    assert Feature.FAST_HIGHATOMIC in profile.uncertain


def test_free_lists_past_what_the_zone_manages_are_no_kernels_178(tmp_path):
    """extra/178 is a quoted-printable mail body; its DMA32 line's third piece cut after
    "managed:1" with its soft break lost (mutation of the real sample) joins the next
    piece's "kB bounce:..." as a terminal's wrap inside a number would: managed 1 kB, and
    fragmented, certain became exhausted, certain. The buddy line's free lists (8,720 kB)
    are pages the zone manages: a kernel cannot print more of them than managed."""
    lines = sample("178").read_bytes().split(b"\n")
    assert lines[80].endswith(b"managed:199276kB mlocked:0=")
    lines[80] = lines[80][:58]
    path = tmp_path / "cut.log"
    path.write_bytes(b"\n".join(lines))
    (a,) = analyze_file(str(path)).analyses
    (want,) = analyze_file(str(sample("178"))).analyses
    assert (want.verdict.code, want.verdict.confidence) == ("fragmented", "certain")
    assert a.verdict.confidence == "likely"
    assert "numbers a kernel prints" in a.verdict.missing
    assert "DMA32 zone line: free lists of 8720kB, where managed is 1kB" in [
        d.message for d in a.report.diagnostics
    ]


def test_a_wrapped_piece_of_a_zone_line_cut_inside_a_number_196(tmp_path):
    """extra/196's zone lines are hard-wrapped over four lines; its HighMem line's third
    piece cut to "managed:1" (a lost tail, mutation on the real sample) was read as
    managed 1 kB, and the verdict went lowmem-protected -> exhausted, certain. A piece
    of a zone line cut inside a number ends the zone line there, as the line itself does."""
    lines = sample("196").read_text().splitlines()
    assert lines[84].startswith("managed:1191880kB mlocked:0kB")  # HighMem's third piece
    lines[84] = "managed:1"
    path = tmp_path / "cut.log"
    path.write_text("\n".join(lines) + "\n")
    (a,), (want,) = analyze_file(str(path)).analyses, analyze_file(str(sample("196"))).analyses
    high = a.report.zones[-1]
    assert (high.name, high.free_kb, high.present_kb, high.managed_kb) == (
        "HighMem",
        4756,
        1191880,
        None,  # not 1
    )
    assert high.free_cma_kb is None  # "free_cma:0kB" after the cut piece is not read
    assert "HighMem zone line cut short after 12 fields" in [
        d.message for d in a.report.diagnostics
    ]
    assert (a.verdict.code, a.verdict.confidence) == (want.verdict.code, "certain")
    assert want.verdict.code == "lowmem-protected"


def test_buddy_lines_all_cut_past_eleven_orders_are_cut_202(tmp_path):
    """extra/202 prints 17 orders; with every buddy line cut after its 12th (synthetic), no
    line was whole, 11 orders were assumed, and 12 looked like all of them: certain. With
    no whole line, a line that is not whole is cut."""
    text = sample("202").read_text()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.search(r"(?:DMA|Normal): \d+\*", line):
            chunks = list(re.finditer(r"\d+\*\d+kB(?: \([A-Z]+\))?", line))
            lines[i] = line[: chunks[11].end()]
    path = tmp_path / "cut.log"
    path.write_text("\n".join(lines) + "\n")
    got = analyze_file(str(path)).analyses
    assert got and all(a.verdict.confidence != "certain" for a in got)


def test_zone_lines_out_of_index_order_are_said_and_settle_nothing(tmp_path):
    """extra/106's first report with its DMA and DMA32 zone lines swapped (synthetic: a
    collector that reorders lines); each lowmem_reserve line stays in place, so each zone
    took the other's. show_free_areas() prints a node's zones by index: a diagnostic, and
    the verdict is at best likely."""
    lines = sample("106").read_text().splitlines()
    dma = next(i for i, x in enumerate(lines) if "Node 0 DMA free:" in x)
    dma32 = next(i for i, x in enumerate(lines) if "Node 0 DMA32 free:" in x)
    lines[dma], lines[dma32] = lines[dma32], lines[dma]
    path = tmp_path / "swapped.log"
    path.write_text("\n".join(lines) + "\n")
    first = analyze_file(str(path)).analyses[0]
    assert "DMA zone line printed after DMA32, where the kernel prints zones in index order" in [
        d.message for d in first.report.diagnostics
    ]
    assert first.verdict.confidence == "likely"


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "035",
            "min:5628kB",
            "min:4294967296kB",
            "DMA32 zone line: min 4294967296kB, low 7624kB, high 9620kB, where the kernel has "
            "min <= low <= high",
        ),
        (
            "019",
            "free_cma:712kB",
            "free_cma:4294967296kB",
            "Normal zone line: free_cma 4294967296kB, where managed is 2673676kB",
        ),
        (
            "023",
            "order=0,",
            "order=18446744073709551615,",
            "order=18446744073709551615 is past what the kernel prints (an int; -1 is SysRq)",
        ),
    ],
    ids=["min-4TiB", "free_cma-4TiB", "order-u64"],
)
def test_a_number_no_kernel_prints_is_said_and_settles_nothing(tmp_path, name, old, new, message):
    """Hostile (round 8; synthetic values in real reports): each number fits 64 bits, so the
    reader took it, and each moved a certain verdict (highatomic-stranded → exhausted,
    exhausted → not-a-shortage) without a word. Each is said now, and the verdict is at
    best likely."""
    text = sample(name).read_text()
    assert old in text
    path = tmp_path / f"{name}.log"
    path.write_text(text.replace(old, new, 1))
    (a,) = analyze_file(str(path)).analyses
    assert message in [d.message for d in a.report.diagnostics]
    assert a.verdict.confidence == "likely"
    assert "numbers a kernel prints" in a.verdict.missing


# --- round 10: totals dropped, narrow hard wraps, vmalloc size 0 --------------------------


def _sample_path(name: str):
    """corpus ``NNN`` or ``lab/NAME``."""
    return ROOT / "samples" / f"{name}.log" if "/" in name else sample(name)


def _fold(name: str, width: int, tmp_path) -> str:
    """Sample ``name`` through ``fold -w width`` (a terminal's hard wrap, anywhere in a word)."""
    import subprocess

    data = _sample_path(name).read_bytes()
    folded = subprocess.run(["fold", "-w", str(width)], input=data, capture_output=True, check=True)
    path = tmp_path / f"{name.replace('/', '-')}-w{width}.log"
    path.write_bytes(folded.stdout)
    return str(path)


def _sig(path: str) -> list[tuple]:
    return [
        (a.report.kind, a.verdict.code, a.verdict.confidence, a.verdict.unreserve_would_avoid)
        for a in analyze_file(path).analyses
    ]


def test_a_buddy_line_without_its_total_sums_its_orders_039(tmp_path):
    """corpus 039 with every buddy line's "= NkB" dropped (synthetic cut): every order is
    still printed, so their sum is the total; without it the free-vs-buddy gap that keeps
    039 likely vanished and the verdict became certain."""
    text = re.sub(r" = \d+kB$", "", sample("039").read_text(), flags=re.M)
    path = tmp_path / "039-no-totals.log"
    path.write_text(text)
    assert (
        _sig(str(path))
        == _sig(str(sample("039")))
        == [("alloc-failure", "exhausted", "likely", True)]
    )


@pytest.mark.parametrize(
    ("name", "width"),
    [("042", 84), ("035", 177), ("lab/exhausted-6.12-arm64", 63)],
    ids=["vmalloc-reason-042", "kB-after-a-wrap-035", "key-cut-in-its-letters-6.12"],
)
def test_a_narrow_hard_wrap_reads_as_the_unwrapped_log(tmp_path, name, width):
    """Real samples through `fold -w N` (no -s), which cuts anywhere: 042's vmalloc reason
    was cut, and its "size 0" (bytes allocated before the pages ran out, since 5.14) was
    read as no shortage, certain; 035's "managed:15908" / "kB ..." lost DMA managed; the
    6.12 lab report's "unevictabl" / "e:4104kB" became two tokens and its zone line was cut
    short. Each reads as the unwrapped log now, zone numbers included."""
    path = _fold(name, width, tmp_path)
    want = _sample_path(name)
    got_a, want_a = analyze_file(path).analyses, analyze_file(str(want)).analyses
    assert _sig(path) == _sig(str(want))
    for a, w in zip(got_a, want_a, strict=True):
        assert [(z.name, z.free_kb, z.min_kb, z.managed_kb) for z in a.report.zones] == [
            (z.name, z.free_kb, z.min_kb, z.managed_kb) for z in w.report.zones
        ]


def test_node_pages_scanned_is_a_zone_field_without_a_unit_036(tmp_path):
    """4.8's zone lines end "node_pages_scanned:%lu", no kB (synthetic: corpus 036's zone
    lines given that field). It is no number cut short."""
    text = re.sub(
        r"(free_cma:\d+kB)$", r"\1 node_pages_scanned:0", sample("036").read_text(), flags=re.M
    )
    assert "node_pages_scanned:0" in text
    path = tmp_path / "036-nps.log"
    path.write_text(text)
    (a,) = analyze_file(str(path)).analyses
    assert [d.message for d in a.report.diagnostics] == []
    assert all(z.get("node_pages_scanned") == 0 for z in a.report.zones)


# --- round 11: the trigger's mask, the constraint line, Mem-Info's free_cma ---------------


def _mutated(name: str, old: str, new: str, tmp_path) -> str:
    text = _sample_path(name).read_text()
    assert old in text
    path = tmp_path / f"{name.replace('/', '-')}-mut.log"
    path.write_text(text.replace(old, new, 1))
    return str(path)


def test_a_mask_cut_before_its_names_is_no_mask_to_be_sure_of(tmp_path):
    """lab/stranded-6.1 (highatomic-stranded, certain) with its trigger line cut to
    "mode:0x1" (of "mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY), ..."; synthetic). Since 4.5 a
    mask is always followed by its %pGg names: 0x1 was read as the request and judged
    fragmented, certain. Without its names the mask may be cut inside its digits."""
    line = "mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY), nodemask=(null),cpuset=/,mems_allowed=0"
    path = _mutated("lab/stranded-6.1", line, "mode:0x1", tmp_path)
    (a,) = analyze_file(path).analyses
    assert a.verdict.confidence != "certain"
    assert "gfp_mask" in a.verdict.missing


def test_a_lost_or_cut_constraint_line_leaves_no_certain_verdict(tmp_path):
    """lab/mempolicy-6.1 (constrained, likely): its oom-kill:constraint= line is the only
    place a 6.1 OOM report says which nodes the task may use (show_free_areas() printed
    only node 1). Dropped, the verdict was exhausted, certain; cut to
    "CONSTRAINT_MEMORY_POLICY,nod", the constraint was not read and the same (synthetic
    mutations)."""
    text = _sample_path("lab/mempolicy-6.1").read_text()
    line = next(x for x in text.splitlines() if "oom-kill:constraint=" in x)
    dropped = tmp_path / "dropped.log"
    dropped.write_text(text.replace(line + "\n", "", 1))
    (a,) = analyze_file(str(dropped)).analyses
    assert (a.verdict.confidence, "oom-kill line" in a.verdict.missing) == ("likely", True)
    # without the CPU line's release too, nothing proves a kernel before 5.0 either
    banner = next(x for x in text.splitlines() if " Comm: " in x)
    bare = tmp_path / "bare.log"
    bare.write_text(text.replace(line + "\n", "", 1).replace(banner + "\n", "", 1))
    (a,) = analyze_file(str(bare)).analyses
    assert (a.report.release, a.verdict.confidence) == (None, "likely")
    cut = line[: line.index("CONSTRAINT_MEMORY_POLICY,") + len("CONSTRAINT_MEMORY_POLICY,nod")]
    path = tmp_path / "cut.log"
    path.write_text(text.replace(line, cut, 1))
    (a,) = analyze_file(str(path)).analyses
    assert (a.verdict.code, a.verdict.confidence) == ("constrained", "likely")


def test_free_cma_unknown_where_the_kernel_has_cma_148(tmp_path):
    """extra/148 (cma-only, likely): its Normal zone line is cut before free_cma, which the
    Mem-Info summary gives; with that summary line dropped too (synthetic), the zone's
    CMA was counted 0 and the verdict became fragmented, certain. The buddy lines show
    (C) chunks: this kernel has CMA, so the zone's is unknown."""
    path = _mutated("148", "> >     [ 6676.674739]  free_cma:1982\n", "", tmp_path)
    (a,) = analyze_file(path).analyses
    assert a.verdict.confidence != "certain"
    assert "zone free_cma" in a.verdict.missing


def test_a_bpf_declared_memcg_oom_without_its_counters_is_no_limit_hit_029(tmp_path):
    """corpus 029 (memcg-limit, likely): a BPF program declared the OOM
    (CONSTRAINT_BPF_PSI_MEM) in a cgroup at 42240kB, far below its limit. With the
    "memory: usage ..." line dropped (synthetic), nothing said otherwise and the verdict
    became certain; a constraint other than the memcg's own says the limit was not the
    trigger."""
    text = sample("029").read_text()
    line = next(x for x in text.splitlines() if "memory: usage" in x)
    path = tmp_path / "029-no-usage.log"
    path.write_text(text.replace(line + "\n", "", 1))
    (a,) = analyze_file(str(path)).analyses
    assert (a.verdict.code, a.verdict.confidence) == ("memcg-limit", "likely")


def test_a_zone_past_any_machines_memory_is_no_kernels_023(tmp_path):
    """corpus 023 with DMA32's free: made 2^64-1 kB (a hostile
    edit, round 38 F13): no machine addresses more than 2^53 bytes, so the line is no
    kernel's: a diagnostic, and no certain verdict rests on it."""
    big = str(2**64 - 1)
    text = sample("023").read_text()
    assert "DMA32 free:95200kB" in text
    text = text.replace("DMA32 free:95200kB", f"DMA32 free:{big}kB", 1)
    path = tmp_path / "huge.log"
    path.write_text(text)
    (a,) = analyze_file(str(path)).analyses
    assert (
        f"DMA32 zone line: free {big}kB, more memory than any machine addresses (2^53 bytes)"
        in [d.message for d in a.report.diagnostics]
    )
    assert a.verdict.confidence != "certain"
