"""The corpus answer key: every corpus and seed report's verdict, worked by hand, asserted.

``tests/data/corpus_key.tsv`` holds one row per report: its code,
``unreserve_would_avoid``, confidence and a one-line reason in the kernel's
terms. A change that moves a verdict must change that file and say why.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from oomlens.pipeline import Analysis, analyze_file

ROOT = Path(__file__).resolve().parent.parent
KEY = Path(__file__).resolve().parent / "data" / "corpus_key.tsv"
FILES = (
    sorted((ROOT / "samples" / "corpus").glob("*.log"))
    + [ROOT / "samples" / "seeds" / "000_702fbe451f37f534.txt"]
    + sorted((ROOT / "samples" / "extra").glob("*.log"))
)
# Reports whose true verdict the reader cannot reach yet, each with the reason.
XFAIL: dict[str, str] = {}
ANSWER = {"true": True, "false": False, "null": None}


def _sample(path: Path) -> str:
    if path.parent.name == "seeds":
        return "seed"
    return f"extra/{path.stem}" if path.parent.name == "extra" else path.stem


@cache
def key() -> dict[tuple[str, int], dict[str, str]]:
    """Rows of the key by (sample, line)."""
    lines = [ln for ln in KEY.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return {(r["sample"], int(r["line"])): r for r in csv.DictReader(lines, delimiter="\t")}


def _line(a: Analysis) -> int:
    return a.report.header.line if a.report.header else a.report.first_line


@cache
def judged(path: Path) -> tuple[Analysis, ...]:
    return analyze_file(str(path)).analyses


def test_key_covers_every_sample_and_nothing_else():
    found = {(_sample(p), _line(a)) for p in FILES for a in judged(p)}
    assert len(key()) >= 116
    assert set(key()) == found


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=XFAIL[_sample(p)]))
        if _sample(p) in XFAIL
        else p
        for p in FILES
    ],
    ids=_sample,
)
def test_verdicts_match_the_key(path: Path):
    wrong = []
    for a in judged(path):
        row = key()[(_sample(path), _line(a))]
        v = a.verdict
        assert v is not None
        got = (v.code, v.unreserve_would_avoid, v.confidence)
        want = (row["code"], ANSWER[row["unreserve_would_avoid"]], row["confidence"])
        if got != want:
            wrong.append(f"line {_line(a)}: got {got}, key {want}: {row['reason']}")
    assert wrong == []


def test_every_reason_is_written_out():
    assert all(len(r["reason"]) > 40 for r in key().values())
