"""Kernel logs as collected after a crash or from a device (hostile round 55): each test
writes corpus 051 (a 5.10 Rockchip OOM, dmesg "[   98.066887] " stamps) the way one tool
prints a kernel log, and the report must come out as from the plain file: found whole,
its task, its verdict, and its time where the format gives one. The formats' sources: crash's
log command (ctime_tz(): "%a %b %e %T %Z %Y" under -T; the raw level byte under -m), logcat
-b kernel's threadtime lines, MediaTek's kmsg "(cpu)[pid:comm]" context (linux-mm,
2018-11-01), kubectl logs --timestamps (RFC 3339 before each line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from oomlens.pipeline import analyze_file
from tests.corpus import sample

_STAMP = re.compile(r"^\[\s*(\d+)\.(\d{6})\] ?(.*)$")


def _rewrap(tmp_path: Path, name: str, line: Callable[[int, str, str, str], str]) -> Path:
    """corpus 051 with each "[ sec.usec] text" line as ``line(index, sec, usec, text)``."""
    out = []
    for i, raw in enumerate(sample("051").read_text().splitlines()):
        m = _STAMP.match(raw)
        out.append(line(i, m.group(1), m.group(2), m.group(3).rstrip()) if m else raw)
    path = tmp_path / f"051-{name}.log"
    path.write_text("\n".join(out) + "\n")
    return path


def _sat(sec: str) -> str:
    """2024-06-29 (a Saturday) 15:56:<sec mod 60>."""
    return f"15:56:{int(sec) % 60:02d}"


FORMATS = {
    "crash-log-T": lambda i, s, u, t: f"[Sat Jun 29 {_sat(s)} UTC 2024] {t}",
    "crash-log-m-raw": lambda i, s, u, t: f"[{int(s):5d}.{u}] <c6>{t}",
    "logcat-kernel": lambda i, s, u, t: f"06-29 {_sat(s)}.{u[:3]}     0     0 W         : {t}",
    "mediatek": lambda i, s, u, t: f"<4>[{int(s):5d}.{u}]{'-' if i else ' '}(0)[726:kprobelabs]{t}",
    "kubectl": lambda i, s, u, t: f"2024-06-29T{_sat(s)}.{u}123Z [{int(s):5d}.{u}] {t}",
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_device_format_gives_the_plain_file_s_report(tmp_path, fmt):
    plain = analyze_file(str(sample("051"))).analyses[0]
    (a,) = analyze_file(str(_rewrap(tmp_path, fmt, FORMATS[fmt]))).analyses
    assert a.report.header is not None and a.report.header.comm == "kprobelabs"
    assert (a.verdict.code, a.verdict.confidence) == (plain.verdict.code, plain.verdict.confidence)
    assert len(a.report.tasks) == len(plain.report.tasks) and a.report.killed is not None
    if fmt in ("crash-log-T", "logcat-kernel", "kubectl"):
        assert a.report.time is not None and a.report.time.month == 6
    if fmt in ("crash-log-m-raw", "mediatek", "kubectl"):
        assert a.report.uptime_s == pytest.approx(98.066887)


def test_a_crash_prompt_ends_the_report(tmp_path):
    """extra/128 as a crash session prints it: "crash> log", the log, then the next command
    ("crash> kmem -i") after the log's last line, "Tasks state (memory values in pages):",
    which was read as that line's wrapped piece; a prompt is another program's line."""
    text = sample("128").read_text()
    cut = text.index("Tasks state (memory values in pages):")
    end = text.index("\n", cut) + 1
    path = tmp_path / "128-crash.log"
    path.write_text("crash> log\n" + text[:end] + "crash> kmem -i\n  PAGES  TOTAL\n")
    (a,) = analyze_file(str(path)).analyses
    assert not any("crash>" in d.message for d in a.report.diagnostics)


def test_a_cut_line_is_said_though_no_report_opens_in_its_head(tmp_path):
    """corpus 051's report joined onto the tail of a 70,000-byte line (a console capture
    with no newlines): only the first 64 KiB of a line is read, so the trigger is lost, and
    the input said nothing of it (round 55 F8)."""
    text = sample("051").read_text()
    path = tmp_path / "051-long.log"
    path.write_text("x" * 70000 + " " + text.replace("\n", " ", 3))
    result = analyze_file(str(path))
    assert any("over 65536 bytes" in d.message for d in result.diagnostics)


def test_escaped_utf8_bytes_spell_their_character(tmp_path):
    """/dev/kmsg, extended netconsole and vmcore-dmesg write every byte past 126 as \\xNN:
    corpus 051's task named "réseau" (UTF-8 c3 a9) as such a record prints it (round 55
    F10: the name read "r\\xc3\\xa9seau")."""
    text = sample("051").read_text().replace("kprobelabs", "r\\xc3\\xa9seau")
    path = tmp_path / "051-kmsg.log"
    path.write_text(text)
    (a,) = analyze_file(str(path)).analyses
    assert a.report.header.comm == "réseau" and a.report.killed.comm == "réseau"


def test_an_encoded_input_is_named(tmp_path):
    """corpus 051 as an API returns a console log (base64), and as a pstore record left
    compressed (raw deflate, dmesg-ramoops-0.enc.z): no report can be read, and the input
    says why instead of only that none was found (round 55 F12)."""
    import base64
    import zlib

    raw = sample("051").read_bytes()
    b64 = tmp_path / "console.b64"
    b64.write_bytes(base64.encodebytes(raw))
    deflated = tmp_path / "dmesg-ramoops-0.enc.z"
    c = zlib.compressobj(wbits=-15)
    deflated.write_bytes(c.compress(raw) + c.flush())
    for path, said in ((b64, "base64-encoded"), (deflated, "binary, not a text log")):
        result = analyze_file(str(path))
        assert not result.analyses and said in (result.reason or ""), path.name
