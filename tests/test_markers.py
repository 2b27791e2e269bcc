"""The prefilter's two marker finders: hyperscan's one pass gives what bytes.find gives.

Hyperscan is the optional extra ``[scan]`` (in the test extras); without it these
tests skip and the find path, the reference, is the only one.
"""

from __future__ import annotations

import io

import pytest

from oomlens.read import markers
from oomlens.read.markers import FindMarkers, ScanMarkers, markers_in, scan_engine
from oomlens.read.segment import segment_stream
from tests.corpus import ALL_FILES
from tests.test_segment import NOISE, _spans_line_by_line

hyperscan = pytest.importorskip("hyperscan")


def _every_sample() -> bytes:
    """Every real sample file back to back, with dmesg chatter between (several MB)."""
    parts = []
    for path in ALL_FILES:
        data = path.read_bytes()
        parts.append(data if data.endswith(b"\n") else data + b"\n")
        parts.append(NOISE)
    return b"".join(parts)


def _walk(finder: markers.Markers, end: int) -> list[int]:
    """Every marker start, as first() hands them out one after another."""
    out, pos = [], 0
    while (at := finder.first(pos)) >= 0:
        assert at < end
        out.append(at)
        pos = at + 1
    return out


def test_both_finders_give_every_marker_of_every_sample_alike() -> None:
    data = _every_sample()
    assert len(data) > markers.HYPERSCAN_FROM
    db = markers._database()
    assert db is not None and scan_engine() == "hyperscan"
    for end in (len(data), len(data) // 3):  # the whole chunk, and a chunk cut mid-way
        found = _walk(FindMarkers(data, end), end)
        assert _walk(ScanMarkers(data, end, db), end) == found
        assert len(found) > 1000


def test_a_marker_that_straddles_the_chunk_end_is_not_found_by_either() -> None:
    # synthetic: a chunk that ends inside "oom-kill" (the next chunk finds it whole)
    data = b"x" * markers.HYPERSCAN_FROM + b"zz oom-kill:constraint"
    end = len(data) - len(b"-kill:constraint")
    db = markers._database()
    assert FindMarkers(data, end).first(0) == -1
    assert ScanMarkers(data, end, db).first(0) == -1
    assert ScanMarkers(data, len(data), db).first(0) == markers.HYPERSCAN_FROM + 3


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_hyperscan_prefilter_finds_what_a_line_by_line_read_finds(path, monkeypatch) -> None:
    monkeypatch.setattr(markers, "HYPERSCAN_FROM", 0)  # every chunk through hyperscan
    data = path.read_bytes()
    spans = [
        (r.first_line, r.last_line, r.lines[0].text[:40])
        for r in segment_stream(io.BytesIO(data), "x")
    ]
    assert spans == _spans_line_by_line(data)


def test_segmenting_every_sample_at_once_is_alike_on_either_path(monkeypatch) -> None:
    data = _every_sample()

    def spans() -> list[tuple[int, int, int]]:
        return [
            (r.first_line, r.last_line, len(r.lines)) for r in segment_stream(io.BytesIO(data), "x")
        ]

    with_hyperscan = spans()
    monkeypatch.setattr(markers, "markers_in", lambda d, e: FindMarkers(d, e))
    monkeypatch.setattr("oomlens.read.segment.markers_in", lambda d, e: FindMarkers(d, e))
    assert spans() == with_hyperscan
    assert len(with_hyperscan) > 250  # 261 reports and fragments in 198 files today


def test_a_small_chunk_keeps_find_and_oomlens_scan_find_keeps_it_for_all(monkeypatch) -> None:
    assert isinstance(markers_in(b"oom-kill", 8), FindMarkers)
    assert isinstance(
        markers_in(b"x" * markers.HYPERSCAN_FROM, markers.HYPERSCAN_FROM), ScanMarkers
    )
    monkeypatch.setenv("OOMLENS_SCAN", "find")
    markers._database.cache_clear()
    try:
        assert scan_engine() == "find"
        big = markers.HYPERSCAN_FROM
        assert isinstance(markers_in(b"x" * big, big), FindMarkers)
    finally:
        monkeypatch.delenv("OOMLENS_SCAN")
        markers._database.cache_clear()
