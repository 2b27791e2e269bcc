"""Ingest: every prefix style on real corpus lines, containers, damage and odd bytes."""

from __future__ import annotations

import gzip
import io
import json
import lzma
import os
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oomlens.pipeline import analyze_file
from oomlens.read.ingest import (
    MAX_LINE,
    Input,
    InputError,
    LogLine,
    decode_line,
    iter_lines,
    open_input,
    strip_prefix,
)

CORPUS = Path(__file__).resolve().parent.parent / "samples" / "corpus"


def corpus_bytes(name: str) -> bytes:
    return (CORPUS / f"{name}.log").read_bytes()


def corpus_line(name: str, needle: str) -> tuple[int, bytes]:
    """The one physical line of corpus file ``name`` holding ``needle``, with its number;
    a needle ending in a newline must be the whole line."""
    want = needle.encode()
    hits = [
        (i, raw)
        for i, raw in enumerate(corpus_bytes(name).split(b"\n"), 1)
        if (raw + b"\n" == want if want.endswith(b"\n") else want in raw)
    ]
    assert len(hits) == 1, f"{needle!r} is not unique in {name}.log: {len(hits)} hits"
    return hits[0]


def one(name: str, needle: str) -> LogLine:
    """Decode the corpus line holding ``needle``; it must give exactly one message."""
    lineno, raw = corpus_line(name, needle)
    lines = decode_line(raw, lineno, name)
    assert len(lines) == 1
    return lines[0]


def read_all(path: Path | str | None) -> tuple[Input, list[LogLine]]:
    inp = open_input(path)
    try:
        return inp, list(iter_lines(inp))
    finally:
        inp.close()


def fields(line: LogLine) -> tuple:
    return (line.text, line.timestamp, line.caller, line.host)


# --- prefix styles, one real line each ------------------------------------------------------

# (corpus file, unique substring, text, timestamp, caller, host, prefix)
# fmt: off
STYLES = [
    # dmesg time + printk caller id
    ("001", "trinity-c2: page allocation failure",
     "trinity-c2: page allocation failure: order:1, mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY), "
     "nodemask=(null),cpuset=/,mems_allowed=0",
     183.284967, "T2438", None, "[  183.284967][ T2438] "),
    # decode_stacktrace collapsed the pad: "[ 183.290556][ T2438]"
    ("001", "RIP: 0033:0x463519", "RIP: 0033:0x463519", 183.308968, "T2438", None,
     "[  183.308968][ T2438] "),
    ("025", "vm_struct allocation failed",
     "vmalloc_test/0: vmalloc error: size 4096, vm_struct allocation failed, "
     "mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null)",
     36.903981, "T60", None, "[   36.903981][   T60] "),
    ("025", "[ 36.905311][ T60]",
     "? kthread_is_per_cpu (kbuild/obj/consumer/x86_64-randconfig-161-20250614/kernel/kthread.c:413)",
     36.905311, "T60", None, "[ 36.905311][ T60] "),
    # mail quote "> " before syslog
    ("002", "smbd invoked oom-killer",
     "smbd invoked oom-killer: gfp_mask=0x1201d2, order=0, oomkilladj=0",
     None, None, "hermes", "> Mar 19 17:01:21 hermes kernel: "),
    # mail quote ">" + TAB before dmesg -T
    ("010", "Comm: kworker/u8:4",
     "CPU: 2 PID: 29518 Comm: kworker/u8:4 Tainted: G        W         5.0.4-zb64-303ce93b05c9+ #1",
     None, None, None, "> \t[Mon Mar 25 23:35:17 2019] "),
    ("010", "active_file:629653", "active_file:629653 inactive_file:308914 isolated_file:0",
     None, None, None, "> \t\t\t\t    "),
    # markdown 4-space indent + syslog + dmesg time (8-digit seconds)
    ("017", "mysqld invoked oom-killer",
     "mysqld invoked oom-killer: gfp_mask=0x201da, order=0, oom_score_adj=0",
     15847900.740029, None, "zlb", "    Jun 29 09:17:43 zlb kernel: [15847900.740029] "),
    # 5-space indent
    ("043", "rsync invoked oom-killer",
     "rsync invoked oom-killer: gfp_mask=0x408d40(GFP_NOFS|__GFP_NOFAIL|__GFP_ZERO|__GFP_ACCOUNT), "
     "order=0, oom_score_adj=200",
     41369.847965, None, None, "     [41369.847965] "),
    # markdown list item (2 spaces), journalctl -f row padded to the terminal width
    ("050", "Killed process 109921",
     "Out of memory: Killed process 109921 (find-bytes) total-vm:23369640kB, anon-rss:14581572kB, "
     "file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables",
     None, None, "linbox", "  Dec 21 13:28:12 linbox kernel: "),
    # console level + time + Android [cpu: comm:pid]; the task name holds a colon
    ("019", "Binder:9343_3: page allocation failure",
     "Binder:9343_3: page allocation failure: order:0, mode:0x480020(GFP_ATOMIC), nodemask=(null)",
     6207.63728, "T22875", None, "<4>[ 6207.637280]  [3:  Binder:9343_3:22875] "),
    # right-aligned task name, level <6>
    ("033", "kswapd0 cpuset=/ mems_allowed=0", "kswapd0 cpuset=/ mems_allowed=0",
     156.701551, "T1209", None, "<6>[  156.701551]  [4:        kswapd0: 1209] "),
    # Samsung: context with no timestamp
    ("049", "binder:569_5: page allocation failure",
     "binder:569_5: page allocation failure: order:0, mode:0xa20(GFP_ATOMIC), "
     "nodemask=(null),cpuset=/,mems_allowed=0",
     None, "T27109", None, "[4: binder:569_5:27109] "),
    # dmesg -T, two spaces before a one-digit day
    ("005", "CPU 11/KVM invoked oom-killer",
     "CPU 11/KVM invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=830",
     None, None, None, "[Thu May  9 14:52:38 2024] "),
    # dmesg -T under zh_CN; the first line lost its "["
    ("044", "22:43:41 2025] prometheus invoked oom-killer",
     "prometheus invoked oom-killer: gfp_mask=0x6000c0(GFP_KERNEL), nodemask=(null), order=0, "
     "oom_score_adj=961",
     None, None, None, " 四 4月 17 22:43:41 2025] "),
    ("044", "22:43:41 2025] prometheus cpuset=",
     "prometheus cpuset=cri-containerd-ca3cb3d16034bd31d742d812a46e765f1781e081d747eb9ba2e71589508"
     "2196e.scope mems_allowed=0-1",
     None, None, None, "[四 4月 17 22:43:41 2025] "),
    # syslog with the host redacted as "**"
    ("004", "virt-launcher invoked oom-killer",
     "virt-launcher invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=986",
     None, None, "**", "Feb 03 19:57:08 ** kernel: "),
    # date and host replaced by "..."
    ("003", "Xorg invoked oom-killer",
     "Xorg invoked oom-killer: gfp_mask=0x2d0, order=0, oomkilladj=0",
     430837.193448, None, "...", "... kernel: [430837.193448] "),
    # 4-letter month
    ("014", "oom-killer: gfp_mask=0xd2", "oom-killer: gfp_mask=0xd2",
     None, None, "dkcphmx12", "June 29 14:06:59 dkcphmx12 kernel: "),
    # pt_BR lowercase month; the task-table header keeps its bracket
    ("047", "[  pid  ]",
     "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents "
     "oom_score_adj name",
     None, None, "myhost", "jun 20 03:23:46 myhost kernel: "),
    ("047", "systemd-oomd",
     "[   1762]   998  1762     4074      467       96      371         0    77824      144"
     "          -900 systemd-oomd",
     None, None, "myhost", "jun 20 03:23:46 myhost kernel: "),
    # bare "kernel:" record with no text
    ("026", "Feb 28 10:04:45 hitchcock kernel:\n", "", None, None, "hitchcock",
     "Feb 28 10:04:45 hitchcock kernel:"),
    # metalog: [kernel] instead of a host, then dmesg time
    ("034", "clamd invoked oom-killer",
     "clamd invoked oom-killer: gfp_mask=0x84d0, order=0, oom_adj=0, oom_score_adj=0",
     1772321.850644, None, None, "Sep 23 02:04:16 [kernel] [1772321.850644] "),
    # RHEL6 /var/log/messages: no dmesg time
    ("007", "t invoked oom-killer",
     "t invoked oom-killer: gfp_mask=0xd0, order=0, oom_adj=0, oom_score_adj=0",
     None, None, "localhost", "Apr 16 11:34:50 localhost kernel: "),
    # journalctl short
    ("038", "python invoked oom-killer",
     "python invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, "
     "oom_score_adj=0",
     None, None, "source-server", "Jun 17 20:58:20 source-server kernel: "),
    # raw /dev/kmsg record
    ("037", "memory: usage 20480kB", "memory: usage 20480kB, limit 20480kB, failcnt 136",
     3816544.225428, None, None, "6,30574068,3816544225428,-;"),
    # 7-digit seconds
    ("041", "cat: page allocation failure",
     "cat: page allocation failure: order:5, mode:0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO), "
     "nodemask=(null),cpuset=lxc.payload.openwrt,mems_allowed=0",
     2122311.383403, None, None, "[2122311.383403] "),
    # not prefixed: kernel text that merely looks like one stays
    ("035", "DMA32 free:19404kB",
     "DMA32 free:19404kB min:5628kB low:7624kB high:9620kB active_anon:1528148kB "
     "inactive_anon:426896kB active_file:60kB inactive_file:420kB unevictable:0kB "
     "writepending:96kB present:2080640kB managed:2030092kB mlocked:0kB slab_reclaimable:9932kB "
     "slab_unreclaimable:13284kB kernel_stack:2496kB pagetables:7624kB bounce:0kB free_pcp:900kB "
     "local_pcp:112kB free_cma:0kB",
     None, None, None, ""),
    ("022", "[<c0161d47>] kmem_cache_alloc", "[<c0161d47>] kmem_cache_alloc+0x57/0x60",
     None, None, None, " "),
    ("003", "[oom_kill_process+0x10a/0x120]",
     "[oom_kill_process+0x10a/0x120] oom_kill_process+0x10a/0x120",
     430837.193484, None, "...", "... kernel: [430837.193484]  "),
    ("008", ".show_stack+0x7c/0x184",
     "[c000000001c62fc0] [c000000000012214] .show_stack+0x7c/0x184 (unreliable)",
     None, None, None, ""),
    # a wrapped "Code:" line whose first byte is the faulting one, "<41>": not a console level
    ("021", "<41> 5f 5d c3", "<41> 5f 5d c3 65 8b 05 ff 40 09 5b 89 c0 48 0f a3 05 05 2f ec 00 73",
     None, None, None, ""),
]
# fmt: on


@pytest.mark.parametrize(
    "name,needle,text,timestamp,caller,host,prefix", STYLES, ids=[f"{s[0]}:{s[1]}" for s in STYLES]
)
def test_prefix_style(name, needle, text, timestamp, caller, host, prefix):
    line = one(name, needle)
    assert fields(line) == (text, timestamp, caller, host)
    assert line.prefix == prefix
    assert not line.cut


def test_prefix_and_text_rebuild_every_corpus_line():
    """prefix + text is the line itself, less trailing blanks, on every corpus line."""
    logs = sorted(CORPUS.glob("*.log"))
    assert logs, "no corpus"
    for path in logs:
        inp, lines = read_all(path)
        raws = path.read_bytes().decode("utf-8", "replace").split("\n")
        for line in lines:
            raw = raws[line.lineno - 1]
            if "\\x0a" in raw:
                continue
            assert (line.prefix + line.text).rstrip() == raw.rstrip(), (path.name, line.lineno)
        assert inp.encoding == "plain" and inp.diagnostics == []
        assert inp.size == path.stat().st_size


def test_every_dmesg_and_caller_prefix_in_corpus_is_read():
    """No corpus text still opens with a dmesg time, a caller id or a kernel syslog tag."""
    logs = sorted(CORPUS.glob("*.log"))
    assert logs, "no corpus"
    for path in logs:
        for line in read_all(path)[1]:
            head = line.text[:40]
            assert not head.startswith(("[ T", "<4>", "<6>")), (path.name, line.lineno)
            assert " kernel: " not in head, (path.name, line.lineno)


def test_android_prefix_on_every_line_of_019():
    lines = read_all(CORPUS / "019.log")[1]
    assert {line.caller for line in lines} == {"T22875"}
    assert all(line.timestamp is not None for line in lines)


# --- prefix styles no corpus report shows: hand-made around real messages --------------------


def test_handmade_prefix_styles():
    """Hand-made: no corpus report has these prefixes; each wraps the real 038 header text."""
    _, raw = corpus_line("038", "python invoked oom-killer")
    msg = strip_prefix(raw.decode())[0]
    cases = {
        # journalctl -o short-iso
        f"2024-06-17T20:58:20+0200 source-server kernel: {msg}": (None, None, "source-server"),
        # journalctl -o short-iso-precise / RFC 3339
        f"2024-06-17T20:58:20.123456+02:00 source-server kernel: {msg}": (
            None,
            None,
            "source-server",
        ),
        # dmesg --time-format=iso
        f"2024-06-17T20:58:20,123456+02:00 {msg}": (None, None, None),
        # dmesg -x, with and without a time
        f"kern  :warn  : [ 1249.020150] {msg}": (1249.02015, None, None),
        f"kern  :warn  : {msg}": (None, None, None),
        # nested mail quotes, quote without a space
        f"> > [ 1249.020150] {msg}": (1249.02015, None, None),
        f">>[ 1249.020150] {msg}": (1249.02015, None, None),
        # CPU caller id (printk from interrupt context)
        f"[ 1249.020150][    C1] {msg}": (1249.02015, "C1", None),
        # /dev/kmsg with a caller field (5.1+)
        f"4,1234,1249020150,-,caller=T42;{msg}": (1249.02015, "T42", None),
        # dmesg -r: level right before the time
        f"<4>[ 1249.020150] {msg}": (1249.02015, None, None),
        # syslog, kernel:, then the console level
        f"Jun 17 20:58:20 source-server kernel: <4>[ 1249.020150] {msg}": (
            1249.02015,
            None,
            "source-server",
        ),
        # dmesg -H
        f"[Jun17 20:58] {msg}": (None, None, None),
        f"[  +0.000045] {msg}": (None, None, None),
    }
    for line, (ts, caller, host) in cases.items():
        got = decode_line(line.encode(), 7, "x")
        assert [fields(g) for g in got] == [(msg, ts, caller, host)], line
        assert got[0].prefix == line[: len(line) - len(msg)]


def test_non_kernel_syslog_lines_keep_their_header():
    line = one("026", "rpc.mountd")
    assert line.text.startswith("Feb 28 10:05:41 hitchcock rpc.mountd: ")
    assert line.host is None and line.prefix == ""


# --- splitting one record into lines --------------------------------------------------------


def test_kernel_x0a_escape_splits_018():
    lineno, raw = corpus_line("018", "isolated_anon:0\\x0a")
    lines = decode_line(raw, lineno, "018")
    assert [line.text for line in lines] == [
        "active_anon:111826 inactive_anon:65557 isolated_anon:0",
        "active_file:44260 inactive_file:83422 isolated_file:0",
        "unevictable:4158 dirty:117 writeback:0 unstable:0",
        "slab_reclaimable:13943 slab_unreclaimable:43315",
        "mapped:102511 shmem:3299 pagetables:19566 bounce:0",
        "free:3510 free_pcp:553 free_cma:0",
    ]
    assert {line.lineno for line in lines} == {25}
    assert {line.timestamp for line in lines} == {4738.329574}
    assert [line.prefix for line in lines] == [
        "[ 4738.329574] ",
        " ",
        " ",
        "            ",
        " ",
        " ",
    ]


def test_rsyslog_012_escape_splits():
    """Hand-made: no corpus file holds a "#012" escape (despite what the brief said); this
    joins the real 038 Mem-Info record with its continuation lines the way rsyslog does."""
    data = corpus_bytes("038").split(b"\n")
    record = data[40] + b"#012" + b"#012".join(data[41:44])
    lines = decode_line(record, 41, "038")
    assert [line.text for line in lines] == [
        "active_anon:2192751 inactive_anon:1519972 isolated_anon:0",
        "active_file:330 inactive_file:1865 isolated_file:0",
        "unevictable:6901 dirty:136 writeback:0",
        "slab_reclaimable:109257 slab_unreclaimable:49312",
    ]
    assert {(line.lineno, line.host) for line in lines} == {(41, "source-server")}


# --- bytes: encoding, line ends, escapes, size ----------------------------------------------


def test_invalid_utf8_is_replaced():
    lineno, raw = corpus_line("001", "trinity-c2: page allocation failure")
    bad = raw.replace(b"trinity-c2", b"trinity\xff\xfe-c2")
    (line,) = decode_line(bad, lineno, "x")
    assert line.text.startswith("trinity\ufffd\ufffd-c2: page allocation failure")
    assert line.caller == "T2438"


def test_crlf_file_reads_like_lf(tmp_path):
    src = corpus_bytes("017")
    crlf = tmp_path / "017-crlf.log"
    crlf.write_bytes(src.replace(b"\n", b"\r\n"))
    plain = [x._replace(source="") for x in read_all(CORPUS / "017.log")[1]]
    assert [x._replace(source="") for x in read_all(crlf)[1]] == plain


def test_ansi_colour_is_removed():
    """Hand-made: dmesg --color=always around the real 001 header line."""
    lineno, raw = corpus_line("001", "trinity-c2: page allocation failure")
    coloured = raw.replace(b"[  183.284967]", b"\x1b[32m[  183.284967]\x1b[0m")
    coloured = coloured.replace(b"trinity-c2:", b"\x1b[33mtrinity-c2:\x1b[0m\x1b[1m") + b"\x1b[0m"
    (line,) = decode_line(coloured, lineno, "x")
    assert fields(line) == fields(one("001", "trinity-c2: page allocation failure"))


def test_ten_megabyte_line_is_cut(tmp_path):
    """Hand-made: a 10 MB line between two real ones."""
    first = corpus_line("016", "vmalloc: allocation failure")[1]
    last = corpus_line("016", "swapper/0: page allocation failure")[1]
    path = tmp_path / "long.log"
    path.write_bytes(first + b"\n" + b"[    2.300013] " + b"x" * 10_000_000 + b"\n" + last + b"\n")
    lines = read_all(path)[1]
    assert [(x.lineno, x.cut) for x in lines] == [(1, False), (2, True), (3, False)]
    assert lines[1].timestamp == 2.300013
    assert len(lines[1].prefix + lines[1].text) == MAX_LINE
    assert (
        lines[2].text == "swapper/0: page allocation failure: order:0, mode:0x2080020(GFP_ATOMIC)"
    )


def test_cut_keeps_whole_utf8_characters():
    raw = b"a" * (MAX_LINE - 1) + "四".encode() * 4
    (line,) = decode_line(raw, 1, "x")
    assert line.cut and line.text == "a" * (MAX_LINE - 1)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    inp, lines = read_all(path)
    assert (lines, inp.encoding, inp.size, inp.diagnostics) == ([], "plain", 0, [])


def test_random_bytes_never_raise(tmp_path):
    rng = random.Random(20240509)
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(rng.getrandbits(8) for _ in range(200_000)))
    inp, lines = read_all(path)
    assert inp.encoding == "plain" and lines
    assert all("\n" not in x.text and "\x1b" not in x.text for x in lines)


def test_missing_file_raises_one_line(tmp_path):
    with pytest.raises(InputError) as err:
        open_input(tmp_path / "no\nsuch.log")
    assert "\n" not in str(err.value) and "No such file" in str(err.value)
    with pytest.raises(InputError) as err:
        open_input(tmp_path)
    assert "\n" not in str(err.value) and "directory" in str(err.value)


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None)
def test_decode_line_never_raises(raw):
    for line in decode_line(raw, 1, "x"):
        assert "\x1b" not in line.text and "\n" not in line.text
        assert line.text == line.text.strip()


@given(
    st.lists(
        st.sampled_from(
            [
                "\x1b[0m",
                "\x1b[",
                "\x1b",
                "#012",
                "\\x0a",
                "\n",
                "\r",
                "[ 1.5]",
                "[ T1]",
                "<4>",
                "> ",
                "Jun 1 12:00:00 h kernel:",
                "四",
                "\xff",
                " ",
                "kern  :",
                "[3: a:b:1]",
            ]
        ),
        max_size=12,
    )
)
def test_decode_line_never_raises_on_prefix_parts(parts):
    for line in decode_line("".join(parts).encode("utf-8", "surrogateescape"), 1, "x"):
        assert "\x1b" not in line.text and "\n" not in line.text


# --- compression -----------------------------------------------------------------------------


def compressors():
    import zstandard

    return {
        "gzip": gzip.compress,
        "xz": lzma.compress,
        "zstd": zstandard.ZstdCompressor().compress,
    }


@pytest.mark.parametrize("kind", ["gzip", "xz", "zstd"])
@pytest.mark.parametrize("name", ["017", "044", "019"])
def test_compressed_round_trip(tmp_path, kind, name):
    plain = read_all(CORPUS / f"{name}.log")[1]
    path = tmp_path / f"{name}.log.bin"  # the name says nothing: content decides
    path.write_bytes(compressors()[kind](corpus_bytes(name)))
    inp, lines = read_all(path)
    assert inp.encoding == kind and inp.diagnostics == [] and inp.size == path.stat().st_size
    assert [x._replace(source="") for x in lines] == [x._replace(source="") for x in plain]


@pytest.mark.parametrize("kind", ["gzip", "xz", "zstd"])
def test_concatenated_members(tmp_path, kind):
    src = corpus_bytes("004")
    pack = compressors()[kind]
    path = tmp_path / "two"
    path.write_bytes(pack(src) + pack(src))
    inp, lines = read_all(path)
    assert inp.diagnostics == []
    assert len(lines) == 2 * len(read_all(CORPUS / "004.log")[1])


@pytest.mark.parametrize("kind", ["gzip", "xz", "zstd"])
def test_truncated_stream_yields_lines_before_damage(tmp_path, kind):
    # every corpus file: varied enough that half the compressed bytes hold whole blocks
    src = b"".join(corpus_bytes(p.stem) for p in sorted(CORPUS.glob("*.log")))
    packed = compressors()[kind](src)
    path = tmp_path / "cut"
    path.write_bytes(packed[: len(packed) // 2])
    inp, lines = read_all(path)
    plain = list(iter_lines(Input("", io.BytesIO(src), "plain", None)))
    assert len(lines) < len(plain)
    assert [x._replace(source="") for x in lines[:-1]] == plain[: len(lines) - 1]
    unit = {"gzip": "gzip member", "xz": "xz stream", "zstd": "zstd frame"}[kind]
    assert [d.message for d in inp.diagnostics] == [
        f"input ends inside a {unit} after {len(packed) // 2} bytes"
    ]
    assert inp.diagnostics[0].line == lines[-1].lineno


def test_corrupt_gzip_stops_with_diagnostic(tmp_path):
    packed = bytearray(gzip.compress(corpus_bytes("017")))
    packed[len(packed) // 2 :] = bytes(len(packed) - len(packed) // 2)  # zeroed second half
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(packed))
    inp, lines = read_all(path)
    assert len(inp.diagnostics) == 1 and "gzip" in inp.diagnostics[0].message
    assert all("\n" not in line.text for line in lines)


def test_gzip_magic_then_noise(tmp_path):
    rng = random.Random(7)
    path = tmp_path / "noise.gz"
    path.write_bytes(b"\x1f\x8b" + bytes(rng.getrandbits(8) for _ in range(5000)))
    inp, lines = read_all(path)
    assert inp.encoding == "gzip" and len(inp.diagnostics) == 1


def test_trailing_garbage_after_gzip(tmp_path):
    src = corpus_bytes("004")
    path = tmp_path / "tail.gz"
    path.write_bytes(gzip.compress(src) + b"garbage!")
    inp, lines = read_all(path)
    assert len(lines) == len(read_all(CORPUS / "004.log")[1])
    assert [d.message for d in inp.diagnostics] == [
        "8 bytes after the last gzip member are not gzip data; ignored"
    ]


# --- stdin -----------------------------------------------------------------------------------


class Dribble(io.RawIOBase):
    """A pipe that hands out a few bytes per read and cannot seek."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), 5, len(self._data))
        b[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def stdin_of(monkeypatch, data: bytes) -> None:
    fake = io.TextIOWrapper(io.BufferedReader(Dribble(data), 16))
    monkeypatch.setattr(sys, "stdin", fake)


@pytest.mark.parametrize("arg", [None, "-"])
def test_stdin_gzip_peeks_without_seeking(monkeypatch, arg):
    stdin_of(monkeypatch, gzip.compress(corpus_bytes("025")))
    inp, lines = read_all(arg)
    assert (inp.path, inp.encoding, inp.size) == ("<stdin>", "gzip", None)
    assert [x._replace(source="") for x in lines] == [
        x._replace(source="") for x in read_all(CORPUS / "025.log")[1]
    ]


# --- journal ---------------------------------------------------------------------------------


def journal_records(name: str) -> tuple[list[LogLine], list[dict[str, object]]]:
    """The real lines of ``name`` as the journal would hold them (synthesised containers:
    no corpus file is a journal export)."""
    lines = read_all(CORPUS / f"{name}.log")[1]
    records = []
    for i, line in enumerate(lines):
        rec: dict[str, object] = {
            "__CURSOR": f"s=0;i={i}",
            "__REALTIME_TIMESTAMP": str(1718650700000000 + i * 1000),
            "_TRANSPORT": "kernel",
            "SYSLOG_IDENTIFIER": "kernel",
            "PRIORITY": "4",
            "MESSAGE": line.text,
        }
        if line.host:
            rec["_HOSTNAME"] = line.host
        if line.timestamp is not None:
            rec["_SOURCE_MONOTONIC_TIMESTAMP"] = str(round(line.timestamp * 1e6))
        records.append(rec)
    return lines, records


@pytest.mark.parametrize("name", ["038", "028"])
def test_journal_json(tmp_path, name):
    lines, records = journal_records(name)
    path = tmp_path / "j.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    inp, got = read_all(path)
    assert inp.encoding == "journal-json" and inp.diagnostics == []
    assert [x.lineno for x in got] == list(range(1, len(lines) + 1))
    assert [(x.text, x.host, x.timestamp) for x in got] == [
        (x.text, x.host, x.timestamp) for x in lines
    ]


def _pretty(record: dict[str, object]) -> str:
    """One record as ``journalctl -o json-pretty`` writes it: "{" and "}" alone, a field a
    line, tab-indented, byte arrays over several lines."""
    fields = []
    for key, value in record.items():
        if isinstance(value, list):
            items = ",\n".join(f"\t\t{b}" for b in value)
            fields.append(f'\t"{key}" : [\n{items}\n\t]')
        else:
            fields.append(f"\t{json.dumps(key)} : {json.dumps(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def test_journal_json_pretty_and_json_seq(tmp_path):
    """`journalctl -o json-pretty` (synthesised from real 038 lines, as journal_records()
    does; a MESSAGE as byte values spread over lines) and `-o json-seq` (an RS before each
    object) read as `-o json`, record by record."""
    lines, records = journal_records("038")
    records[0]["MESSAGE"] = list(lines[0].text.encode())
    pretty = tmp_path / "pretty.json"
    pretty.write_text("".join(_pretty(r) for r in records))
    seq = tmp_path / "seq.json"
    seq.write_text("".join("\x1e" + json.dumps(r) + "\n" for r in records))
    plain = tmp_path / "plain.json"
    plain.write_text("".join(json.dumps(r) + "\n" for r in records))
    want_inp, want = read_all(plain)
    for path, encoding in ((pretty, "journal-json-pretty"), (seq, "journal-json")):
        inp, got = read_all(path)
        assert inp.encoding == encoding and inp.diagnostics == []
        assert [(x.lineno, x.text, x.host, x.timestamp) for x in got] == [
            (x.lineno, x.text, x.host, x.timestamp) for x in want
        ]
    assert [x.text for x in want] == [x.text for x in lines]
    (a,) = analyze_file(str(pretty)).analyses
    (b,) = analyze_file(str(CORPUS / "038.log")).analyses
    assert (a.verdict.code, a.verdict.confidence) == (b.verdict.code, b.verdict.confidence)


def test_journal_json_pretty_record_over_the_bound_is_skipped(tmp_path, monkeypatch):
    """Synthetic: a json-pretty record past MAX_RECORD (made small here) is skipped with a
    diagnostic; the records after it are read."""
    import oomlens.read.journal as journal

    monkeypatch.setattr(journal, "MAX_RECORD", 4096)
    lines, records = journal_records("038")
    records[1]["MESSAGE"] = "x" * 5000
    path = tmp_path / "pretty.json"
    path.write_text("".join(_pretty(r) for r in records[:4]))
    inp, got = read_all(path)
    assert [(x.lineno, x.text) for x in got] == [
        (1, lines[0].text),
        (2, ""),  # the skipped record's place, read past by the segmenter
        (3, lines[2].text),
        (4, lines[3].text),
    ]
    assert [(d.line, d.message) for d in inp.diagnostics] == [
        (2, "journal record is over 4 KiB; skipped")
    ]


# show_free_areas()' counters: one printk of several lines (038 prints it at its lines 41-42)
COUNTERS = (
    "active_anon:2192751 inactive_anon:1519972 isolated_anon:0",
    " active_file:330 inactive_file:1865 isolated_file:0",
)


def test_journal_json_binary_and_multiline_messages(tmp_path):
    """Synthesised: a MESSAGE as byte values holding invalid UTF-8, and one holding the two
    lines of show_free_areas()' record; a banner whose comm holds a newline stays one line."""
    lines, records = journal_records("038")
    bad = lines[0].text.encode().replace(b"python", b"pyth\xffon")
    records[0]["MESSAGE"] = list(bad)
    records[1]["MESSAGE"] = "\n".join(COUNTERS)
    records[2]["MESSAGE"] = lines[1].text.replace("Comm: python", "Comm: x\nMem-Info:")
    path = tmp_path / "j.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records[:3]))
    got = read_all(path)[1]
    assert [(x.lineno, x.text) for x in got] == [
        (1, lines[0].text.replace("python", "pyth\ufffdon")),
        (2, COUNTERS[0]),
        (2, COUNTERS[1].strip()),
        (3, lines[1].text.replace("Comm: python", "Comm: x\\x0aMem-Info:")),
    ]
    assert {x.host for x in got} == {"source-server"}


def test_journal_json_gzip_on_stdin(monkeypatch):
    lines, records = journal_records("028")
    stdin_of(monkeypatch, gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    inp, got = read_all(None)
    assert inp.encoding == "journal-json"
    assert [(x.text, x.caller) for x in got] == [(x.text, None) for x in lines]


def export_bytes(records: list[dict[str, object]]) -> bytes:
    out = bytearray()
    for rec in records:
        for key, value in rec.items():
            data = value.encode() if isinstance(value, str) else bytes(value)
            if b"\n" in data or any(b < 32 and b != 9 for b in data):
                out += key.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n"
            else:
                out += key.encode() + b"=" + data + b"\n"
        out += b"\n"
    return bytes(out)


def test_journal_export(tmp_path):
    """Synthesised from real 038 lines; record 2 holds show_free_areas()' two lines, so it
    is a binary field."""
    lines, records = journal_records("038")
    records[1]["MESSAGE"] = "\n".join(COUNTERS)
    path = tmp_path / "j.export"
    path.write_bytes(export_bytes(records))
    inp, got = read_all(path)
    assert inp.encoding == "journal-export" and inp.diagnostics == []
    want = [(1, lines[0].text), (2, COUNTERS[0]), (2, COUNTERS[1].strip())]
    want += [(i + 1, x.text) for i, x in enumerate(lines[2:], 2)]
    assert [(x.lineno, x.text) for x in got] == want
    # the second piece of record 2 inherits the record's host
    hosts = [lines[0].host, lines[1].host, lines[1].host] + [x.host for x in lines[2:]]
    assert [x.host for x in got] == hosts


def test_journal_export_cut_in_binary_field(tmp_path):
    lines, records = journal_records("038")
    records[3]["MESSAGE"] = lines[3].text + "\n" + lines[4].text
    data = export_bytes(records[:4])
    path = tmp_path / "j.export"
    path.write_bytes(data[: data.rindex(b"MESSAGE\n") + 20])
    inp, got = read_all(path)
    assert [x.text for x in got] == [x.text for x in lines[:3]] + [""]
    assert [(d.line, d.message) for d in inp.diagnostics] == [
        (4, "journal export binary field is cut or damaged")
    ]


def test_journal_export_through_a_crlf_converter(tmp_path):
    """Synthesised from real 038 lines (as test_journal_export), then every LF made CRLF, as
    a Windows transfer leaves it: each record's blank separator was taken for a binary
    field, damaged, and every report was lost. A CR before the LF is no part of a field."""
    lines, records = journal_records("038")
    data = export_bytes(records).replace(b"\n", b"\r\n")
    path = tmp_path / "j.export"
    path.write_bytes(data)
    inp, got = read_all(path)
    assert inp.encoding == "journal-export" and inp.diagnostics == []
    assert [(x.lineno, x.text) for x in got] == [(i + 1, x.text) for i, x in enumerate(lines)]
    # a binary field (a message with a control byte) ends in CRLF too
    records[1]["MESSAGE"] = lines[1].text + "\x1b[0m"
    data = export_bytes(records)
    assert b"MESSAGE\n" in data and b"\x1b[0m\n" in data  # a binary field, LF after its data
    path.write_bytes(data.replace(b"\n", b"\r\n"))
    inp, got = read_all(path)
    assert inp.diagnostics == [] and len(got) == len(lines)
    assert got[1].text.startswith(lines[1].text)


def test_a_log_whose_first_line_starts_like_an_export_field_is_text(tmp_path):
    """Hostile (program output on a serial console, synthetic): ``_BOOT_ID=<id> `` glued
    before corpus/023's trigger made the whole file a journal export, its second line a
    damaged binary field, and the report was lost. The next line is no field: it is text."""
    data = corpus_bytes("023")
    path = tmp_path / "console.log"
    path.write_bytes(b"_BOOT_ID=0123456789abcdef0123456789abcdef " + data)
    inp, got = read_all(path)
    assert inp.encoding == "plain" and inp.diagnostics == []
    assert [x.text for x in got[1:]] == [x.text for x in read_all(CORPUS / "023.log")[1][1:]]
    assert got[0].text.endswith(
        "test_maps invoked oom-killer: gfp_mask=0x140cc0(GFP_USER|__GFP_COMP), order=0, oom_score_adj=0"
    )
    # a real export's first field is followed by another field, or by the record's end
    for second in (b"__REALTIME_TIMESTAMP=1\n", b"MESSAGE\n", b"\n"):
        path.write_bytes(b"_BOOT_ID=0123456789abcdef0123456789abcdef\n" + second)
        assert read_all(path)[0].encoding == "journal-export"


class FailingPipe(Dribble):
    """A pipe whose device fails after the data it holds."""

    def readinto(self, b) -> int:
        n = super().readinto(b)
        if n == 0:
            raise OSError(5, "Input/output error")
        return n


def test_read_error_ends_stream_with_diagnostic(monkeypatch):
    src = corpus_bytes("004")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(FailingPipe(src), 16)))
    inp, lines = read_all("-")
    assert [x.text for x in lines] == [x.text for x in read_all(CORPUS / "004.log")[1]]
    assert [(d.line, d.message) for d in inp.diagnostics] == [
        (
            src.count(b"\n") + 1,
            f"read error after {len(src)} bytes: Input/output error; the rest is lost",
        )
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_raises_one_line(tmp_path):
    path = tmp_path / "secret.log"
    path.write_bytes(corpus_bytes("004"))
    path.chmod(0)
    with pytest.raises(InputError, match="Permission denied"):
        open_input(path)


def test_journal_json_null_message(tmp_path):
    """Synthesised: journalctl writes null for a field over 4096 bytes without --all."""
    lines, records = journal_records("038")
    records[1]["MESSAGE"] = None
    path = tmp_path / "j.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records[:3]))
    inp, got = read_all(path)
    assert [(x.lineno, x.text) for x in got] == [(1, lines[0].text), (2, ""), (3, lines[2].text)]
    assert [(d.line, d.message) for d in inp.diagnostics] == [
        (2, "journal record has null (over 4096 bytes; journalctl --all keeps it) MESSAGE")
    ]


# journalctl's other short output modes; no corpus file was saved in them, so these
# are hand-made around a real message (the Mem-Info line every report prints).
@pytest.mark.parametrize(
    ("line", "timestamp", "host"),
    [
        ("[ 1234.567890] myhost kernel: Mem-Info:", 1234.56789, "myhost"),  # short-monotonic
        ("Nov 26 01:02:03.123456 myhost kernel: Mem-Info:", None, "myhost"),  # short-precise
        ("Thu 2026-11-26 01:02:03 UTC myhost kernel: Mem-Info:", None, "myhost"),  # short-full
        ("1700000000.123456 myhost kernel: Mem-Info:", None, "myhost"),  # short-unix
    ],
)
def test_journalctl_short_modes(line, timestamp, host):
    text, prefix = strip_prefix(line)
    assert (text, prefix.timestamp, prefix.host) == ("Mem-Info:", timestamp, host)
