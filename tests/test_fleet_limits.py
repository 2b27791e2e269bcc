"""Values the fleet tables cannot hold (hostile round 38: F1, F2, F10): the cell is null with a
diagnostics row, a long host's partition is cut and hashed, and the batch always goes on.

Inputs are samples/corpus/023.log (a 5.8 OOM with dmesg ``[sec.usec]`` stamps) with each
prefix rewritten as RFC 5424 syslog writes it (``<4>1 TIME HOST kernel - - - [stamp] ``),
message bytes kept. Times past 2262 or at year 1, and host names of 300 characters, appear
in no real report: those prefixes are hostile, and so is the one number edited in
``huge_count`` (synthetic: no real kernel printed a count past 2^63).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from oomlens.cli import main
from oomlens.fleet.batch import read_tables, run_batch
from oomlens.fleet.tables import PARTITION_NAME_MAX, partition_value
from tests.corpus import sample

GOOD = "2024-12-04T09:40:00+00:00"
HUGE = 18446744073709551615  # 2^64 - 1: 20 digits, a number the reader accepts


def rfc5424(time: str, host: str = "web-7", edit: tuple[bytes, bytes] | None = None) -> bytes:
    """023.log with every line behind an RFC 5424 prefix (``time``, ``host``)."""
    out = []
    for line in sample("023").read_bytes().split(b"\n")[:-1]:
        if edit is not None:
            line = line.replace(*edit)
        out.append(f"<4>1 {time} {host} kernel - - - ".encode() + line)
    return b"\n".join(out) + b"\n"


@pytest.fixture
def fleet(tmp_path) -> Path:
    """One good file beside each bad one."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a_good.log").write_bytes(rfc5424(GOOD))
    # huge_count: DMA32's first buddy column "1607*4kB" made 2^64-1 (line 48)
    edit = (b"DMA32: 1607*4kB", f"DMA32: {HUGE}*4kB".encode())
    (logs / "huge_count.log").write_bytes(rfc5424(GOOD, edit=edit))
    (logs / "year2300.log").write_bytes(rfc5424("2300-01-01T00:00:00+00:00"))
    (logs / "year1.log").write_bytes(rfc5424("0001-01-01T00:00:00+05:00"))
    return logs


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_unstorable_values_are_null_with_a_diagnostic_and_the_batch_goes_on(fleet, tmp_path, fmt):
    out = tmp_path / "out"
    assert main(["batch", str(fleet), "--out", str(out), "--format", fmt, "--no-progress"]) == 0
    t = read_tables(str(out))
    reports = t["reports"].set_index("report_id")
    assert list(reports.index) == [
        "a_good.log:1",
        "huge_count.log:1",
        "year1.log:1",
        "year2300.log:1",
    ]
    assert [None if pd.isna(x) else x.isoformat() for x in reports["time"]] == [
        GOOD,
        GOOD,
        None,
        None,
    ]
    assert reports["host"].tolist() == ["web-7"] * 4
    assert reports["verdict"].tolist() == ["exhausted"] * 4
    d = t["diagnostics"]
    mine = d[d["message"].str.contains("outside what the tables hold")]
    got = list(zip(mine["report_id"], mine["line"], mine["message"], strict=True))
    int64 = "(64-bit signed integers): null"
    assert got == [
        ("huge_count.log:1", 48, f"free_area.count {HUGE} is outside what the tables hold {int64}"),
        # 3 letters (MEH): each holds 1..count-2 chunks of 4 kB
        (
            "huge_count.log:1",
            48,
            f"free_area.chunks_hi {HUGE - 2} is outside what the tables hold {int64}",
        ),
        (
            "huge_count.log:1",
            48,
            f"free_area.kb_hi {(HUGE - 2) * 4} is outside what the tables hold {int64}",
        ),
        (
            "year1.log:1",
            1,
            "reports.time 0001-01-01T00:00:00+05:00 is outside what the tables hold "
            "(1677-09-21..2262-04-11 UTC, datetime64[ns]): null",
        ),
        (
            "year2300.log:1",
            1,
            "reports.time 2300-01-01T00:00:00+00:00 is outside what the tables hold "
            "(1677-09-21..2262-04-11 UTC, datetime64[ns]): null",
        ),
    ]
    fa = t["free_area"]
    dma32 = fa[
        (fa["report_id"] == "huge_count.log:1") & (fa["zone"] == "DMA32") & (fa["order"] == 0)
    ]
    assert dma32["count"].isna().all() and dma32["chunks_lo"].tolist() == [1, 1, 1]
    # zones.free_area_kb is the kernel's own "= 94948kB", not the sum: it fits
    zones = t["zones"].set_index(["report_id", "zone"])
    assert zones.loc[("huge_count.log:1", "DMA32"), "free_area_kb"] == 94948
    incidents = t["incidents"].set_index("incident")
    assert pd.isna(incidents.loc["year1.log:1", "first_time"])
    assert main(["summary", str(out)]) == 0


def test_the_time_limits_are_pandas_own():
    from oomlens.fleet.tables import TIME_MAX, TIME_MIN

    assert pd.Timestamp(TIME_MIN) == pd.Timestamp.min.ceil("us").tz_localize("UTC")
    assert pd.Timestamp(TIME_MAX) == pd.Timestamp.max.floor("us").tz_localize("UTC")


def test_a_host_name_too_long_for_a_directory_is_cut_and_hashed(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    long_ascii, long_utf8 = "h" * 300, "é" * 100  # "é" is %C3%A9: 600 bytes encoded
    (logs / "a.log").write_bytes(rfc5424(GOOD, host=long_ascii))
    (logs / "b.log").write_bytes(rfc5424(GOOD, host=long_utf8))
    (logs / "c.log").write_bytes(rfc5424(GOOD, host="h" * 299 + "x"))  # same cut, other hash
    shutil.copy(sample("023"), logs / "d.log")  # no host
    out = tmp_path / "out"
    run_batch([str(logs)], str(out), partition_by=("host", "date"), jobs=1)
    dirs = sorted(p.name for p in (out / "reports").iterdir())
    # "host=" + 36 × "%C3%A9" + "~" + 16 hex digits: a 37th "é" would pass 240
    assert [len(d.encode()) for d in dirs] == [5 + 36 * 6 + 17, 240, 240, len("host=unknown")]
    assert PARTITION_NAME_MAX == 240
    reports = read_tables(str(out))["reports"].set_index("report_id")
    host = reports["host"].to_dict()
    assert host["a.log:1"] == "h" * 218 + "~" + sha(long_ascii)
    assert host["c.log:1"] == "h" * 218 + "~" + sha("h" * 299 + "x")
    assert host["b.log:1"] == "é" * 36 + "~" + sha(long_utf8)
    assert pd.isna(host["d.log:1"])
    assert partition_value("web-7") == "web-7"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_an_int64_past_2_53_reads_back_exact_beside_a_nulled_cell(tmp_path, fmt):
    """Round 41 F4: one file's DMA32 count nulled (2^64-1) and another's DMA count kept at
    2^63-1 in the same free_area.count column (hostile edits of 023): the CSV's empty cell
    had made pandas read the column through float64, which cannot hold 2^63-1."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_bytes(
        rfc5424(GOOD, edit=(b"DMA32: 1607*4kB", f"DMA32: {HUGE}*4kB".encode()))
    )
    kept = 2**63 - 1
    (logs / "b.log").write_bytes(rfc5424(GOOD, edit=(b"DMA: 6*4kB", f"DMA: {kept}*4kB".encode())))
    out = tmp_path / "out"
    assert main(["batch", str(logs), "--out", str(out), "--format", fmt, "--no-progress"]) == 0
    counts = read_tables(str(out))["free_area"]["count"]
    assert kept in set(counts.dropna()) and HUGE not in set(counts.dropna())
    assert main(["summary", str(out)]) == 0
