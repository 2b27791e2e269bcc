"""A hostile-input round's findings, one regression test each: real samples with one part
made hostile (a name, a byte-order mark, an escaped quote). The reports are real; the
part said in each test is what an attacker or a tool put there."""

from __future__ import annotations

import html
import re

from oomlens.pipeline import analyze_file
from tests.corpus import SAMPLES


def _verdicts(path) -> list[tuple[int, int, str]]:
    return [
        (a.report.first_line, a.report.last_line, a.verdict.code)
        for a in analyze_file(str(path)).analyses
    ]


def _write(tmp_path, data: bytes):
    path = tmp_path / "input.log"
    path.write_bytes(data)
    return path


def test_a_cpuset_named_like_sysrq_show_memory_keeps_its_report(tmp_path):
    """Hostile: corpus 001's trigger with cpuset=/sysrq: Show Memory. SysRq-m's line is
    known at a line's start only, so the report stays the one it was (lines 1-107)."""
    plain = SAMPLES / "corpus" / "001.log"
    data = plain.read_bytes().replace(b"cpuset=/,", b"cpuset=/sysrq: Show Memory,", 1)
    assert data != plain.read_bytes()
    assert _verdicts(_write(tmp_path, data)) == _verdicts(plain)


def test_a_cpuset_line_naming_a_stall_keeps_its_report(tmp_path):
    """Hostile: extra/155's separate cpuset line says "page allocation stalls for 1ms"
    inside the cpuset's name; warn_alloc's stall line is "<comm>: page allocation stalls"."""
    plain = SAMPLES / "extra" / "155.log"
    text = plain.read_bytes()
    start = text.index(b" cpuset=") + len(b" cpuset=")
    end = text.index(b" ", start)
    data = text[:start] + b"page allocation stalls for 1ms" + text[end:]
    assert _verdicts(_write(tmp_path, data)) == _verdicts(plain)


def test_a_task_named_killed_process_is_no_kill_line(tmp_path):
    """Hostile: a row of corpus 004's task table renamed "Killed process" (prctl
    PR_SET_NAME allows it). The kill line is "...: Killed process <pid>", never a row."""
    plain = SAMPLES / "corpus" / "004.log"
    lines = plain.read_bytes().split(b"\n")
    assert lines[12].endswith(b" virt-launcher-m")  # line 13: [  38917] ... virt-launcher-m
    lines[12] = lines[12].removesuffix(b"virt-launcher-m") + b"Killed process"
    assert _verdicts(_write(tmp_path, b"\n".join(lines))) == _verdicts(plain)


def test_a_utf8_byte_order_mark_or_nul_padding_is_no_text(tmp_path):
    """Hostile (or a Windows editor, or a log after an unclean stop): U+FEFF or NULs
    before corpus 001's first line. Its stamp and caller id are read; one report."""
    plain = SAMPLES / "corpus" / "001.log"
    want = _verdicts(plain)
    assert _verdicts(_write(tmp_path, b"\xef\xbb\xbf" + plain.read_bytes())) == want
    assert _verdicts(_write(tmp_path, b"\x00" * 64 + plain.read_bytes())) == want


def test_a_utf16_mark_before_8_bit_text_is_dropped(tmp_path):
    """Hostile: the bytes FF FE before corpus 001 in UTF-8. No UTF-16 text holds no NUL,
    so this is read as the 8-bit text it is, not decoded into garbage."""
    plain = SAMPLES / "corpus" / "001.log"
    assert _verdicts(_write(tmp_path, b"\xff\xfe" + plain.read_bytes())) == _verdicts(plain)


def test_a_log_escaped_by_a_web_page_keeps_its_wrapped_trigger(tmp_path):
    """extra/110 (mail-quoted, its trigger wrapped after "page") put through html.escape:
    the quote is "&gt; " on the wrapped piece, and the byte scan joins the halves still."""
    plain = SAMPLES / "extra" / "110.log"
    escaped = html.escape(plain.read_text(encoding="utf-8"), quote=False).encode()
    assert _verdicts(_write(tmp_path, escaped)) == _verdicts(plain)


def _renamed(path, old: bytes, new: bytes) -> bytes:
    data = path.read_bytes()
    assert old in data
    return data.replace(old, new)


def test_a_task_named_like_a_kernel_line_keeps_its_report(tmp_path):
    """Hostile: corpus 008's task "pidof" renamed "0:mon> mi" (xmon's command), then
    "BUG: x" (an oops's head). The trigger line and the old "<comm> cpuset=" line start
    with the name; a trigger is known before anything its name may look like."""
    plain = SAMPLES / "corpus" / "008.log"
    for name in (b"0:mon> mi", b"BUG: x", b"Mem-Info:", b"Linux version "):
        data = _renamed(plain, b"pidof", name)
        assert _verdicts(_write(tmp_path, data)) == _verdicts(plain), name


def test_a_task_named_3d_is_no_quoted_printable(tmp_path):
    """Hostile: corpus 004's task "virt-launcher" renamed "=3D" (printed 3-5 times in a
    report). Quoted-printable writes every "=" as an escape; this log's "gfp_mask=0x..."
    says it is plain, and it is read as plain."""
    plain = SAMPLES / "corpus" / "004.log"
    data = _renamed(plain, b"virt-launcher", b"=3D")
    got = analyze_file(str(_write(tmp_path, data))).analyses
    assert [(a.verdict.code, a.request.gfp_mask) for a in got] == [("memcg-limit", 0xCC0)]


def test_a_cgroup_path_holding_trigger_words_is_a_name(tmp_path):
    """Hostile: corpus 004's task_memcg path renamed ".../u/invoked oom-killer:" (a
    delegated cgroup v2 lets a user name it). The oom-kill: line is still one line of the
    memcg report, read by the grammar: memcg-limit, certain."""
    plain = SAMPLES / "corpus" / "004.log"
    data = plain.read_bytes()
    start = data.index(b"task_memcg=") + len(b"task_memcg=")
    end = data.index(b",task=", start)
    hostile = data[:start] + b"/u/invoked oom-killer: page allocation failure:" + data[end:]
    got = analyze_file(str(_write(tmp_path, hostile))).analyses
    assert [(a.report.first_line, a.report.last_line) for a in got] == [(1, 18)]
    assert (got[0].verdict.code, got[0].verdict.confidence) == ("memcg-limit", "certain")


def test_a_cpuset_name_with_blanks_keeps_the_request(tmp_path):
    """Hostile: corpus 001's cpuset renamed "/web (prod), x" - a name runs to
    ",mems_allowed=", so the trigger keeps its mode 0x10cc0 and order 1."""
    plain = SAMPLES / "corpus" / "001.log"
    data = _renamed(plain, b"cpuset=/,mems_allowed", b"cpuset=/web (prod), x,mems_allowed")
    (a,) = analyze_file(str(_write(tmp_path, data))).analyses
    assert (a.report.header.gfp_mask, a.report.header.order) == (0x10CC0, 1)
    assert a.report.header.cpuset == "/web (prod), x"


def test_quoted_printable_soft_breaks_with_blanks_after_them(tmp_path):
    """Synthetic part: corpus 019 through quopri, then a blank after every soft break's "="
    (RFC 2045 says a decoder drops them; some mailers leave them)."""
    import quopri

    plain = SAMPLES / "corpus" / "019.log"
    encoded = quopri.encodestring(plain.read_bytes()).replace(b"=\n", b"= \n")
    assert b"= \n" in encoded
    got = analyze_file(str(_write(tmp_path, encoded))).analyses
    want = analyze_file(str(plain)).analyses
    # the stored file's line numbers: more lines than the plain log's, the same first line
    assert [(a.report.first_line, a.verdict.code) for a in got] == [
        (a.report.first_line, a.verdict.code) for a in want
    ]
    assert [a.request.gfp_mask for a in got] == [a.request.gfp_mask for a in want]


def test_a_dma_zone_of_unknown_size_and_arch_is_at_best_likely_isa(tmp_path):
    """extra/203 less what shows its arch (its last frame, el0_svc_naked, and "(DT)"):
    no size, no arch, 11 MB free in DMA. The zone is read as ISA DMA by its free pages,
    so lowmem_reserve is not material, but only likely so: as arm64's 4 GB DMA it is."""
    data = (SAMPLES / "extra" / "203.log").read_bytes()
    data = data.replace(b"el0_svc_naked+0x34/0x38\n", b"").replace(b" (DT)", b"")
    (a,) = analyze_file(str(_write(tmp_path, data))).analyses
    assert a.report.arch is None
    v = a.verdict
    assert (v.code, v.confidence) == ("exhausted", "likely")
    assert [(f.code, f.material) for f in v.factors] == [("lowmem-protected", False)]


# --- round 3: escaped newlines and printk stamps inside names ------------------------------


def _tasks(path) -> list[tuple[int, int, str | None, int | None, str | None]]:
    return [
        (
            a.report.first_line,
            a.report.last_line,
            a.report.header.comm if a.report.header else None,
            a.report.killed.pid if a.report.killed else None,
            a.verdict.code,
        )
        for a in analyze_file(str(path)).analyses
    ]


def test_a_comm_holding_an_escaped_newline_splits_nothing(tmp_path):
    """Hostile: corpus 008's comm "pidof" renamed "x#012Mem-Info:" (14 bytes). rsyslog's
    #012 splits only a record of counters (show_free_areas()); before, the trigger's comm
    read "Mem-Info:" and the kill line went to a phantom second report."""
    plain = SAMPLES / "corpus" / "008.log"
    for name in (b"x#012Mem-Info:", b"x\\x0aMem-Info:"):
        data = plain.read_bytes().replace(b"pidof", name)
        got = _tasks(_write(tmp_path, data))
        assert got == [(1, 49, name.decode(), *_tasks(plain)[0][3:])]


def test_a_cgroup_path_holding_an_escaped_newline_splits_nothing(tmp_path):
    """Hostile: corpus 037's memcg paths made "/x#012Mem-Info:" (a delegated cgroup v2
    directory takes any name): still one report, lines 1-12."""
    plain = SAMPLES / "corpus" / "037.log"
    text = plain.read_text(encoding="utf-8")
    data = re.sub(r"(Memory cgroup stats for )/[^\s:]*", r"\1/x#012Mem-Info:", text)
    assert data != text
    assert _verdicts(_write(tmp_path, data.encode())) == _verdicts(plain)


def test_a_comm_holding_a_printk_stamp_splits_nothing(tmp_path):
    """Hostile: corpus 001's comm "trinity-c2" renamed "x[1.000000]y" and "x[1.000000] y".
    A glued stamp that no blank follows, or that goes back from its line's own time
    (183.284967), is no second record; before, the report was cut to its first 2 lines."""
    plain = SAMPLES / "corpus" / "001.log"
    (want,) = _tasks(plain)
    for name in (b"x[1.000000]y", b"x[1.000000] y", b"x[  1.000000][T1]"):
        data = plain.read_bytes().replace(b"trinity-c2", name)
        (got,) = _tasks(_write(tmp_path, data))
        assert got == (1, 107, name.decode(), *want[3:])


def test_escaped_newlines_of_show_free_areas_still_split(tmp_path):
    """Real: corpus 018 prints show_free_areas()' counters as one record with "\\x0a"
    between its lines; each counter is read (active_file on the second line)."""
    (a,) = analyze_file(str(SAMPLES / "corpus" / "018.log")).analyses
    meminfo = dict(a.report.meminfo)
    assert meminfo["active_anon"] == 111826 and meminfo["active_file"] == 44260


def test_a_cpuset_named_like_a_kill_line_keeps_the_memcg_verdict(tmp_path):
    """Hostile: corpus 004's oom-kill: line with cpuset=Killed process 1 (x) (also behind
    #012). That line's head prints names: never a kill line. Before, the grammar read it
    as one and the memcg-limit verdict (certain) fell to undetermined."""
    plain = SAMPLES / "corpus" / "004.log"
    text = plain.read_text(encoding="utf-8")
    for name in ("Killed process 1 (x)", "#012Killed process 1 (x)"):
        data = re.sub(r"cpuset=cri-containerd-[0-9a-f]+\.scope", "cpuset=" + name, text)
        assert data != text
        assert (
            _verdicts(_write(tmp_path, data.encode()))
            == _verdicts(plain)
            == [(1, 18, "memcg-limit")]
        )


def test_a_wrapped_trigger_after_a_line_another_marker_opened_is_joined(tmp_path):
    """Hostile: corpus 027's comm "crawl_4065_7997" renamed "x#012Mem-Info:". Line 1 ends
    "<comm>: vmalloc" and line 2 starts "error: size ...": the name's "Mem-" made the
    prefilter read line 1 for itself, and line 2 was then skipped as an ordinary message
    holding a marker word, losing the report's first 42 lines and its request."""
    plain = SAMPLES / "corpus" / "027.log"
    data = plain.read_bytes().replace(b"crawl_4065_7997", b"x#012Mem-Info:")
    got = _tasks(_write(tmp_path, data))
    assert got == [(1, 110, "x#012Mem-Info:", *_tasks(plain)[0][3:])]
    assert got[0][4] == "lowmem-protected"


# --- round 4: printk stamps ahead of the clock, inside a comm ------------------------------


def _spans(path) -> list[tuple[int, int, str, str]]:
    return [
        (a.report.first_line, a.report.last_line, a.verdict.code, a.verdict.confidence)
        for a in analyze_file(str(path)).analyses
    ]


def test_a_comm_holding_a_stamp_ahead_of_the_clock_cuts_nothing(tmp_path):
    """Hostile: corpus 023's comm "test_maps" renamed "x[99999.000000]" (15 bytes), a stamp
    far ahead of the line's own 244.333067 with nothing after it. It sits where the kernel
    prints a comm (before " invoked oom-killer", after "Comm: "): no record starts there.
    Before, the trigger line was cut into a one-line phantom and a request-less rest."""
    plain = SAMPLES / "corpus" / "023.log"
    data = plain.read_bytes().replace(b"test_maps", b"x[99999.000000]")
    path = _write(tmp_path, data)
    assert _spans(path) == _spans(plain) == [(1, 66, "exhausted", "certain")]
    (a,) = analyze_file(str(path)).analyses
    assert (a.report.header.comm, a.report.uptime_s) == ("x[99999.000000]", 244.333067)


def test_the_old_cpuset_line_of_a_comm_holding_a_stamp_cuts_nothing(tmp_path):
    """Hostile: corpus 018's line 2 "kswapd0 cpuset=/ mems_allowed=0" with the comm made
    "x[99999.000000]": the certain highatomic-stranded verdict stays (it fell to
    undetermined when the line was cut)."""
    plain = SAMPLES / "corpus" / "018.log"
    data = plain.read_bytes().replace(b"kswapd0 cpuset=/", b"x[99999.000000] cpuset=/", 1)
    assert data != plain.read_bytes()
    assert _spans(_write(tmp_path, data)) == _spans(plain)
    assert _spans(plain) == [(1, 28, "highatomic-stranded", "certain")]


def test_an_old_kill_line_naming_a_stamp_keeps_its_report(tmp_path):
    """Hostile: extra/125 line 56 "Out of memory: Kill process 3359 (a.out) score 834 ..."
    with the victim renamed "x[999.000000] y": 2.6-4.x's "Kill process" line prints a name."""
    plain = SAMPLES / "extra" / "125.log"
    data = plain.read_bytes().replace(b"(a.out) score", b"(x[999.000000] y) score")
    assert data != plain.read_bytes()
    assert _spans(_write(tmp_path, data)) == _spans(plain)


def test_a_comm_with_a_stamp_after_a_blank_cuts_nothing_in_a_log_without_prefixes(tmp_path):
    """Hostile: corpus 008 (no prefixes) with "pidof" renamed "x [1.000000] y": a stamp after
    a blank within a comm's 15 bytes of " invoked oom-killer" starts no record."""
    plain = SAMPLES / "corpus" / "008.log"
    data = plain.read_bytes().replace(b"pidof", b"x [1.000000] y")
    (a,) = analyze_file(str(_write(tmp_path, data))).analyses
    assert (a.report.first_line, a.report.last_line, a.verdict.code) == (1, 49, "exhausted")
    assert (a.report.header.comm, a.report.uptime_s, a.verdict.confidence) == (
        "x [1.000000] y",
        None,
        "certain",
    )


def test_an_android_context_naming_a_stamp_cuts_nothing(tmp_path):
    """Hostile: corpus 019 (Android, "<4>[ts]  [3:  Binder:9343_3:22875] ..." on every line)
    with the comm renamed "x[9999.000000] ", a stamp ahead of its lines' 6207 s with a blank
    after it. In the context a comm is followed by ":<pid>]": no record starts in it. The
    certain highatomic-stranded verdict stays (the report was cut to its first line)."""
    plain = SAMPLES / "corpus" / "019.log"
    data = plain.read_bytes().replace(b"Binder:9343_3", b"x[9999.000000] ")
    assert _spans(_write(tmp_path, data)) == _spans(plain)
    assert _spans(plain) == [(1, 28, "highatomic-stranded", "certain")]


def test_a_task_row_whose_name_holds_a_marker_word_stays_in_its_excerpt(tmp_path):
    """Hostile: extra/177's victim "mdsd" renamed "a:1#012Mem-Info" (a headless excerpt that
    starts at that task row, line 4). The prefilter passed over the row as an ordinary line
    holding "Mem-", and the later opener's look-back then stopped after it: the excerpt lost
    its first line. A line passed over no longer bounds the look-back."""
    plain = SAMPLES / "extra" / "177.log"
    data = re.sub(rb"\bmdsd\b", b"a:1#012Mem-Info", plain.read_bytes())
    assert data != plain.read_bytes()
    assert _spans(_write(tmp_path, data)) == _spans(plain)
    assert _spans(plain)[0][:2] == (4, 6)


def test_a_quoted_printable_body_kept_with_its_mail_header_is_decoded(tmp_path):
    """Corpus 023 through quopri, as a mail archive keeps it: with its MIME header first
    ("Content-Type: text/plain; charset=utf-8"). The header's own "=" once outvoted the
    body's escapes, so it was read raw and the soft-broken trigger lost its request."""
    import quopri

    plain = SAMPLES / "corpus" / "023.log"
    header = (
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    )
    path = _write(tmp_path, header + quopri.encodestring(plain.read_bytes()))
    (a,) = analyze_file(str(path)).analyses
    (want,) = analyze_file(str(plain)).analyses
    assert a.report.first_line == 4  # the file's own line: after the header's three
    assert (a.report.kind, a.gfp_mask, a.order) == (want.report.kind, want.gfp_mask, want.order)
    assert (a.verdict.code, a.verdict.confidence) == ("exhausted", "certain")


# --- the heads that print a name: one list in Python, the same in the grammar -------------

_HEAD_PROBES = (
    "oom-kill:constraint=CONSTRAINT_NONE,task_memcg=/x invoked oom-killer:",
    "oom-kill:x invoked oom-killer: gfp_mask=0x0, order=0",  # a comm, not the head
    "Memory cgroup stats for /x invoked oom-killer:",
    "Task in /x killed as a result of limit of /x page allocation failure:",
    "Tasks in /x are going to be killed due to memory.oom.group set",
    "[ 1234]     0  1234  x invoked oom-killer:",
    "[-1] x Killed process 1 (x)",
    "sed invoked oom-killer: gfp_mask=0x201da, order=0",
    "Out of memory: Killed process 1 (x) total-vm:1kB",
    "Mem-Info:",
)


def test_the_grammar_and_the_reader_know_the_same_named_heads():
    """read/named.NAMED (segmenter, decoder) and the grammar's trigger and kill terminals
    (their leading "(?!...)") must agree on which lines start with a head that prints a
    name; the old "<comm> cpuset=... mems_allowed=" line is the segmenter's alone (no
    trigger or kill words follow its head)."""
    from oomlens.parse.grammar import grammar_path
    from oomlens.read.named import NAMED

    text = grammar_path().read_text(encoding="utf-8")
    heads = set(re.findall(r"^(?:[A-Z_]+)\.\d+: /\(\?!(.*?)\)\[\^\\n\]\*\?", text, re.M))
    assert len(heads) == 1, heads  # every such terminal says it the same way
    (grammar,) = heads
    for probe in _HEAD_PROBES:
        assert (re.match(grammar, probe) is not None) == (NAMED.match(probe) is not None), probe


# --- round 5: heads, wrapped halves, collapsed stamps ---------------------------------------


def _rename(path, old: str, new: str) -> bytes:
    """``path`` with the name ``old`` renamed ``new`` where it stands as a whole name."""
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    out = re.sub(r"(?<![\w/.-])" + re.escape(old) + r"(?![\w/.-])", lambda m: new, text)
    assert out != text
    return out.encode("utf-8", "surrogateescape")


def test_a_comm_named_like_oom_kill_s_head_keeps_its_trigger(tmp_path):
    """Hostile: corpus 023's comm "test_maps" renamed "oom-kill:x". The kernel's line is
    "oom-kill:constraint=...": only that head prints names. Before, the trigger line was
    taken for it and the report lost its kind and request (certain fell to likely)."""
    plain = SAMPLES / "corpus" / "023.log"
    path = _write(tmp_path, _rename(plain, "test_maps", "oom-kill:x"))
    assert _spans(path) == _spans(plain) == [(1, 66, "exhausted", "certain")]


def test_a_wrapped_task_row_naming_a_stamp_cuts_nothing(tmp_path):
    """Hostile: extra/103 (a mail-wrapped log) with the task "systemd-journal" renamed
    "x [1.000000] y": the row's wrapped half holds the stamp after a blank. A stamp after a
    blank starts a record only at printk's full width ("[    1.000000]"), which no comm holds
    with a byte before it. Before, the report was split and its kill went to a phantom."""
    plain = SAMPLES / "extra" / "103.log"
    path = _write(tmp_path, _rename(plain, "systemd-journal", "x [1.000000] y"))
    assert _spans(path) == _spans(plain)


def test_a_vmalloc_failure_s_comm_naming_a_stamp_cuts_nothing(tmp_path):
    """Hostile: extra/115 (4.18, "<comm>: vmalloc: allocation failure: ...") with "bash"
    renamed "x[999.000000] y" (its uptime is 223 s): the comm ends before ": vmalloc:"."""
    plain = SAMPLES / "extra" / "115.log"
    path = _write(tmp_path, _rename(plain, "bash", "x[999.000000] y"))
    assert _spans(path) == _spans(plain)


def test_a_wrapped_trigger_s_comm_naming_a_stamp_cuts_nothing(tmp_path):
    """Hostile: extra/118 with "kworker/2:1H" renamed "x[999.000000] y": line 1 is "... ?
    page_[  659.105948][ T3124] x[999.000000] y: page" and the wrap carried "allocation
    failure" on. The real glued stamp (659.105948) still starts a record; the comm's does not."""
    plain = SAMPLES / "extra" / "118.log"
    path = _write(tmp_path, _rename(plain, "kworker/2:1H", "x[999.000000] y"))
    assert _spans(path) == _spans(plain)


def test_a_real_glued_trigger_after_a_collapsed_stamp_is_still_split(tmp_path):
    """Synthetic (a copy that collapsed the stamps' padding and lost a newline): corpus
    023's trigger, its comm renamed "sh", glued onto a counter line "...2kB[244.333067] sh
    invoked oom-killer: ...". The comm can start only after the glued stamp, so it is
    a record of its own: the report reads comm sh, stamped 244.333067."""
    plain = SAMPLES / "corpus" / "023.log"
    lines = _rename(plain, "test_maps", "sh").split(b"\n")
    first = lines[0].replace(b"[  244.333067]", b"[244.333067]")
    glued = b"[244.300020] Node 0 active_anon:1kB inactive_anon:2kB" + first
    path = _write(tmp_path, b"\n".join([b"[244.300000] Call Trace:", glued, *lines[1:]]))
    (a,) = analyze_file(str(path)).analyses
    assert (a.report.first_line, a.report.header.comm, a.report.uptime_s) == (2, "sh", 244.333067)
    assert (a.verdict.code, a.verdict.confidence) == ("exhausted", "certain")


def test_a_comm_named_mem_info_after_a_wrapped_comm_head_opens_nothing(tmp_path):
    """Hostile: corpus 027 (mail-wrapped; line 5 ends "Comm:", line 6 starts with the comm)
    with "crawl_4065_7997" renamed "Mem-Info:": after "Comm:" the next piece is the comm,
    not a section head. Before, it opened a second Mem-Info and split the report."""
    plain = SAMPLES / "corpus" / "027.log"
    path = _write(tmp_path, _rename(plain, "crawl_4065_7997", "Mem-Info:"))
    assert _spans(path) == _spans(plain)
    assert _spans(plain)[0][2:] == ("lowmem-protected", "certain")


def test_a_nul_hole_is_no_rewrite_of_a_followed_file():
    """copytruncate under a writer without O_APPEND leaves NULs up to the writer's offset:
    the file was not rewritten, what follows the hole is read from where reading was."""
    from oomlens.read.follow import _rewritten

    head = b"[    0.000000] Linux version 6.1.0 (debian-kernel@lists.debian.org)"
    assert not _rewritten(b"\x00" * len(head), head)
    assert not _rewritten(head, head)
    assert not _rewritten(None, head)  # the file could not be read again: no claim
    assert _rewritten(b"[    0.000000] Linux version 6.6.0 (" + b" " * 30, head)


# --- round 6: serial consoles, journald's interleaved records -------------------------------


def test_a_programs_output_before_a_kernel_record_is_that_records_prefix(tmp_path):
    """A serial console (synthetic: mke2fs's output, as in extra/197, put before real
    records): corpus 023's line 2 "CPU: 0 PID: 8632 Comm: test_maps ..." and corpus 001's
    trigger, which holds cpuset= and mems_allowed=. The output is the record's prefix,
    never a line of its own glued onto the kernel line before it."""
    output = b"Writing inode tables: done                            "
    for name, at in (("023", 1), ("001", 0)):
        plain = SAMPLES / "corpus" / f"{name}.log"
        lines = plain.read_bytes().split(b"\n")
        lines[at] = output + lines[at]
        path = _write(tmp_path, b"\n".join(lines))
        assert _spans(path) == _spans(plain), name
        (a,), (want,) = analyze_file(str(path)).analyses, analyze_file(str(plain)).analyses
        assert (a.report.header.comm, a.report.context) == (
            want.report.header.comm,
            want.report.context,
        )


def test_a_userspace_record_journald_interleaves_is_no_piece_of_the_kernel_line(tmp_path):
    """journalctl -o json of corpus 038 (synthetic container, real lines) with systemd's
    "Started ..." record between the trigger and the next kernel record: written as another
    program's syslog line, it is never glued onto the trigger (which lost its request)."""
    import json

    from tests.test_ingest import journal_records

    _lines, records = journal_records("038")
    user = {
        "__REALTIME_TIMESTAMP": str(int(records[0]["__REALTIME_TIMESTAMP"]) + 1),
        "_TRANSPORT": "journal",
        "SYSLOG_IDENTIFIER": "systemd",
        "_PID": "1",
        "_HOSTNAME": records[0].get("_HOSTNAME", "host"),
        "MESSAGE": "Started Session 42 of User root.",
    }
    plain, mixed = tmp_path / "plain.json", tmp_path / "mixed.json"
    plain.write_text("".join(json.dumps(r) + "\n" for r in records))
    mixed.write_text("".join(json.dumps(r) + "\n" for r in [records[0], user, *records[1:]]))
    got, want = analyze_file(str(mixed)).analyses, analyze_file(str(plain)).analyses
    assert [
        (a.report.kind, a.gfp_mask, a.order, a.verdict.code, a.verdict.confidence) for a in got
    ] == [(a.report.kind, a.gfp_mask, a.order, a.verdict.code, a.verdict.confidence) for a in want]
    assert want and want[0].gfp_mask is not None


def test_another_programs_journal_record_is_no_line_of_a_report(tmp_path):
    """journalctl -o json of corpus 038 (synthetic container, real lines) with another
    program's record after the trigger: one without a date (it was written bare and glued
    onto the trigger), one from a service's stdout with no identifier (the same), and one
    whose message reads like a trigger (it opened a report of its own). Each is an empty
    line now, its number kept."""
    import json

    from tests.test_ingest import journal_records

    _lines, records = journal_records("038")
    plain = tmp_path / "plain.json"
    plain.write_text("".join(json.dumps(r) + "\n" for r in records))
    want = [
        (a.report.first_line, a.report.last_line + 1, a.report.kind, a.gfp_mask, a.verdict.code)
        for a in analyze_file(str(plain)).analyses
    ]
    assert want and want[0][3] is not None
    host = records[0].get("_HOSTNAME", "host")
    trigger = records[0]["MESSAGE"]
    others = {
        "undated": {
            "_TRANSPORT": "journal",
            "SYSLOG_IDENTIFIER": "systemd",
            "_PID": "1",
            "_HOSTNAME": host,
            "MESSAGE": "Started Session 5 of user root.",
        },
        "stdout": {
            "__REALTIME_TIMESTAMP": records[0]["__REALTIME_TIMESTAMP"],
            "_TRANSPORT": "stdout",
            "_HOSTNAME": host,
            "MESSAGE": "worker 3 exited",
        },
        "trigger-like": {
            "__REALTIME_TIMESTAMP": records[0]["__REALTIME_TIMESTAMP"],
            "_TRANSPORT": "journal",
            "SYSLOG_IDENTIFIER": "systemd",
            "_PID": "1",
            "_HOSTNAME": host,
            "MESSAGE": "foo " + trigger[trigger.index("invoked") :],
        },
    }
    for name, other in others.items():
        path = tmp_path / f"{name}.json"
        path.write_text("".join(json.dumps(r) + "\n" for r in [records[0], other, *records[1:]]))
        got = [
            (a.report.first_line, a.report.last_line, a.report.kind, a.gfp_mask, a.verdict.code)
            for a in analyze_file(str(path)).analyses
        ]
        assert got == want, name


def test_a_glued_stamp_padded_with_a_control_byte_stops_nothing(tmp_path):
    """Hostile: corpus 023's DMA32 zone line (45) with "[\\x1f244.400000]" glued to its end.
    The stamp's padding matched "\\s" but float() refused it: an internal error lost every
    report in the file. Its seconds are read from its digits now."""
    plain = SAMPLES / "corpus" / "023.log"
    lines = plain.read_bytes().split(b"\n")
    assert b"DMA32 free:" in lines[44]
    lines[44] += b"[\x1f244.400000] x"
    path = _write(tmp_path, b"\n".join(lines))
    assert [s[:2] for s in _spans(path)] == [s[:2] for s in _spans(plain)] == [(1, 66)]


def test_journal_host_names_with_blanks_and_user_records_tagged_kernel(tmp_path):
    """journalctl -o json of corpus 038 (synthetic container, real lines): a _HOSTNAME
    holding a tab (sethostname(2) takes any bytes) is left out of the written prefix, which
    it broke; kernel records that klogd sent through /dev/log (_TRANSPORT=syslog, the
    identifier still "kernel") are kernel records."""
    import json

    from tests.test_ingest import journal_records

    _lines, records = journal_records("038")
    plain = tmp_path / "plain.json"
    plain.write_text("".join(json.dumps(r) + "\n" for r in records))
    want = [(a.report.kind, a.gfp_mask, a.verdict.code) for a in analyze_file(str(plain)).analyses]
    tabbed = [{**r, "_HOSTNAME": "web\t01"} for r in records]
    klogd = [{**r, "_TRANSPORT": "syslog"} for r in records]
    for name, recs in (("tab", tabbed), ("klogd", klogd)):
        path = tmp_path / f"{name}.json"
        path.write_text("".join(json.dumps(r) + "\n" for r in recs))
        got = [
            (a.report.kind, a.gfp_mask, a.verdict.code) for a in analyze_file(str(path)).analyses
        ]
        assert got == want, name


def test_a_line_the_decoder_fails_on_costs_that_line_not_the_file(tmp_path, monkeypatch):
    """Synthetic fault (no known input makes the decoder fail now): when it raises on one
    line of corpus 023, that line is read as it stands, with a note, and the report stays."""
    import oomlens.read.segment as segment

    real = segment.decode_line

    def failing(raw, lineno, source):
        if lineno == 45:  # the DMA32 zone line
            raise ValueError("a reader bug")
        return real(raw, lineno, source)

    monkeypatch.setattr(segment, "decode_line", failing)
    (a,) = analyze_file(str(SAMPLES / "corpus" / "023.log")).analyses
    assert (a.report.first_line, a.report.last_line) == (1, 66)
    assert any(
        d.line == 45 and "line not decoded (ValueError)" in d.message for d in a.report.diagnostics
    )


def test_program_output_holding_an_escaped_newline_is_still_the_records_prefix(tmp_path):
    """Synthetic serial console: "#012x " (a program's output holding rsyslog's escape)
    before corpus 023's trigger and before its DMA32 zone line. Lines holding an escape take
    the decoder's other path, which must read the output as the record's prefix too."""
    plain = SAMPLES / "corpus" / "023.log"
    lines = plain.read_bytes().split(b"\n")
    for at in (0, 44):
        changed = list(lines)
        changed[at] = b"#012x " + changed[at]
        path = _write(tmp_path, b"\n".join(changed))
        assert _spans(path) == _spans(plain) == [(1, 66, "exhausted", "certain")], at
        (a,) = analyze_file(str(path)).analyses
        assert (a.report.header.comm, a.report.uptime_s) == ("test_maps", 244.333067)


def test_a_comm_shaped_like_a_wrapped_fragment_starts_its_own_report(tmp_path):
    """Hostile (round 8): lab/memcg-6.1 twice, the second time (stamps one second on) with
    the task named "free:0kB", as an OOM storm prints it. The trigger line has its own
    printk stamp, yet its head looked like a zone line's wrapped piece: it was glued onto
    the first report's kill line, which that report lost (killed: None), and the second
    report's comm became the kill line. A trigger is a line of its own."""
    plain = (SAMPLES / "lab" / "memcg-6.1.log").read_text()
    lines = plain.splitlines()

    def later(line: str) -> str:
        m = re.match(r"\[\s*(\d+\.\d+)\]", line)
        if not m:
            return line
        stamp = f"[{float(m.group(1)) + 1:12.6f}]"
        return stamp + line[m.end() :]

    renamed = ("invoked", "Comm:")
    second = [
        later(x).replace("labw", "free:0kB", 1) if any(w in x for w in renamed) else later(x)
        for x in lines[2:]  # the report alone, right after the first one's kill line
    ]
    path = tmp_path / "storm.log"
    path.write_text("\n".join(lines + second) + "\n")
    got = [
        (a.report.first_line, a.report.last_line, a.report.header.comm, a.report.killed.comm)
        for a in analyze_file(str(path)).analyses
    ]
    assert got == [(3, 67, "labw", "labw"), (68, 132, "free:0kB", "labw")]


def test_many_records_of_other_programs_inside_a_report_end_nothing(tmp_path):
    """journalctl -o json of corpus 038 (synthetic container, real lines) with 300 records
    of a busy service between two kernel records of the report. Each is an empty line;
    more than 256 in a row were a run of blank lines, which ends a report: certain fell to
    undetermined and a second report opened. In a journal they are read past."""
    import json

    from tests.test_ingest import journal_records

    _lines, records = journal_records("038")
    plain = tmp_path / "plain.json"
    plain.write_text("".join(json.dumps(r) + "\n" for r in records))
    other = {"_TRANSPORT": "stdout", "SYSLOG_IDENTIFIER": "app", "MESSAGE": "tick"}
    busy = tmp_path / "busy.json"
    mixed = [*records[:20], *([other] * 300), *records[20:]]
    busy.write_text("".join(json.dumps(r) + "\n" for r in mixed))
    want = [
        (a.report.kind, a.verdict.code, a.verdict.confidence)
        for a in analyze_file(str(plain)).analyses
    ]
    got = analyze_file(str(busy)).analyses
    assert [(a.report.kind, a.verdict.code, a.verdict.confidence) for a in got] == want
    assert got[0].report.last_line == analyze_file(str(plain)).analyses[0].report.last_line + 300
