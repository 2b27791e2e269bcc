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
        assert _walk(ScanMarkers(data, end, db, markers._scratch(db)), end) == found
        assert len(found) > 1000


def test_a_marker_that_straddles_the_chunk_end_is_not_found_by_either() -> None:
    # synthetic: a chunk that ends inside "oom-kill" (the next chunk finds it whole)
    data = b"x" * markers.HYPERSCAN_FROM + b"zz oom-kill:constraint"
    end = len(data) - len(b"-kill:constraint")
    db = markers._database()
    assert FindMarkers(data, end).first(0) == -1
    assert ScanMarkers(data, end, db, markers._scratch(db)).first(0) == -1
    assert (
        ScanMarkers(data, len(data), db, markers._scratch(db)).first(0)
        == markers.HYPERSCAN_FROM + 3
    )


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
    monkeypatch.setattr("oomlens.read.prefilter.markers_in", lambda d, e: FindMarkers(d, e))
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


def test_threads_scanning_at_once_each_have_their_scratch_space() -> None:
    """hs_scan takes one scratch space per thread: threads that shared the database's one
    raised ScratchInUseError (analyze_file from a thread pool, dask's threaded scheduler)."""
    from concurrent.futures import ThreadPoolExecutor

    data = _every_sample() * 2
    want = _walk(FindMarkers(data, len(data)), len(data))

    def walk(_: int) -> list[int]:
        return _walk(markers_in(data, len(data)), len(data))

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(walk, range(8)))
    assert got == [want] * 8


def test_a_chunk_packed_with_markers_is_read_alike() -> None:
    # synthetic: a log others can write into, a marker word every few bytes; each answer
    # comes from a pass that stops at the first marker, not from listing every one
    data = (b"[]: oom-kill failure x" * 50_000 + b"\n") * 2
    end = len(data)
    db = markers._database()
    scan, find = ScanMarkers(data, end, db, markers._scratch(db)), FindMarkers(data, end)
    starts = sorted({0, 1, 3, 4, 5, 700_001, end - 30, end - 2, end})
    assert [scan.first(s) for s in starts] == [find.first(s) for s in starts]
