"""Bad input never raises, never hangs, never loses a report (hand-made inputs: no real
report is random bytes or a truncated archive, so these are synthetic by necessity)."""

from __future__ import annotations

import gzip
import os
import random

from oomlens.pipeline import analyze_file
from tests.corpus import sample


def test_random_bytes(tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(random.Random(7).randbytes(300_000))
    result = analyze_file(str(path))
    assert result.status in ("ok", "partial") and result.analyses == ()


def test_empty_file(tmp_path):
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    result = analyze_file(str(path))
    assert (result.status, result.lines, result.analyses) == ("ok", 0, ())


def test_ten_megabyte_line_before_a_real_report(tmp_path):
    path = tmp_path / "long.log"
    path.write_bytes(b"x" * (10 << 20) + b"\n" + sample("035").read_bytes())
    result = analyze_file(str(path))
    assert len(result.analyses) == 1
    assert result.analyses[0].report.header.comm == "balloon"
    assert result.analyses[0].report.first_line == 2


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    data = gzip.compress(sample("seed").read_bytes() + os.urandom(200_000))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) - 5000])
    result = analyze_file(str(path))
    assert result.status == "partial" and result.diagnostics
    assert [a.report.header.comm for a in result.analyses] == ["balloon", "in:imklog"]


def test_missing_file_is_unreadable_not_an_exception(tmp_path):
    result = analyze_file(str(tmp_path / "nope.log"))
    assert result.status == "unreadable" and "\n" not in result.reason


def test_nul_bytes_inside_a_report(tmp_path):
    text = sample("035").read_bytes().replace(b"Mem-Info:", b"Mem-Info:\x00\x00")
    path = tmp_path / "nul.log"
    path.write_bytes(text)
    (analysis,) = analyze_file(str(path)).analyses
    assert {z.name for z in analysis.report.zones} == {"DMA", "DMA32"}
