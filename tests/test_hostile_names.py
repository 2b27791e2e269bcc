"""A hostile-input round's findings, one regression test each: real samples with one part
made hostile (a name, a byte-order mark, an escaped quote). The reports are real; the
part said in each test is what an attacker or a tool put there."""

from __future__ import annotations

import html

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
