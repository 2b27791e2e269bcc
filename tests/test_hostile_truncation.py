"""A log cut at any line of any real sample, or mid-way through that line, loses no report
that began before the cut, and every value read from lines before the cut is kept.

Real reports only: each sample is cut, never edited. Reports are compared by their first
line; zone, buddy and header values by the physical lines they were read from.
"""

from __future__ import annotations

import io
import re

import pytest

from oomlens.parse.assemble import parse_raw
from oomlens.parse.report import Report
from oomlens.read.segment import RawReport, segment_stream
from tests.corpus import ALL_FILES

_FIELD = re.compile(r"[A-Za-z_][A-Za-z_()0-9]*:\s?-?\d+(?:[kK]B)?(?![\w:/])")


def _read(data: bytes, name: str) -> list[tuple[RawReport, Report]]:
    return [(raw, parse_raw(raw)) for raw in segment_stream(io.BytesIO(data), name)]


def _extents(raw: RawReport) -> dict[int, int]:
    """Physical line of each kept line → the last physical line it was read from."""
    lines = raw.lines
    return {a.lineno: b.lineno - 1 for a, b in zip(lines, lines[1:], strict=False)}


def _kept(extents: dict[int, int], line: int, cut: int) -> bool:
    end = extents.get(line)
    return end is not None and end <= cut


def _check(full: list[tuple[RawReport, Report]], got: list[Report], cut: int, why: str) -> None:
    by_first = {r.first_line: r for r in got}
    for raw, rep in full:
        ext = _extents(raw)
        # a report whose whole trigger line (all its wrapped pieces) lies before the cut
        if rep.header is None or not raw.trigger or not _kept(ext, rep.header.line, cut):
            continue
        assert rep.first_line in by_first, f"{why}: report at line {rep.first_line} lost"
        now = by_first[rep.first_line]
        h, g = rep.header, now.header
        assert g is not None, f"{why}: header of {rep.first_line} lost"
        assert (g.comm, g.gfp_mask, g.order) == (h.comm, h.gfp_mask, h.order), why
        zones = {(z.node, z.name, z.line): z for z in now.zones}
        texts = {x.lineno: x.text for x in raw.lines}
        for z in rep.zones:
            if z.line and _kept(ext, z.line, cut) and z.fields:
                mine = zones.get((z.node, z.name, z.line))
                assert mine is not None, f"{why}: zone {z.name} at line {z.line} lost"
                # a split-off rest of the zone line may lie past the cut: its fields go,
                # every field read from the zone line itself stays, with its value
                assert mine.fields == z.fields[: len(mine.fields)], f"{why}: zone line {z.line}"
                head = min(len(z.fields), len(_FIELD.findall(texts[z.line])))
                assert len(mine.fields) >= head, f"{why}: zone line {z.line} lost fields"
            b = z.buddy
            if b is not None and _kept(ext, b.line, cut):
                mine_b = next(
                    (y.buddy for y in now.zones if y.buddy and y.buddy.line == b.line), None
                )
                assert mine_b is not None, f"{why}: buddy line {b.line} lost"
                assert (mine_b.entries, mine_b.total_kb) == (b.entries, b.total_kb), why


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_cut_at_every_line_keeps_reports_and_values(path):
    data = path.read_bytes()
    full = _read(data, path.name)
    lines = data.split(b"\n")
    for cut in range(1, len(lines)):
        head = b"\n".join(lines[:cut]) + b"\n"
        _check(full, [r for _, r in _read(head, path.name)], cut, f"{path.name} cut after {cut}")
        half = lines[cut][: len(lines[cut]) // 2]
        if half:
            got = [r for _, r in _read(head + half, path.name)]
            _check(full, got, cut - 1, f"{path.name} cut inside line {cut + 1}")
