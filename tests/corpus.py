"""Helpers that read the real reports in samples/ for the tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from oomlens.parse.assemble import parse_raw
from oomlens.parse.report import Report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = sorted((SAMPLES / "corpus").glob("*.log"))
SEED = SAMPLES / "seeds" / "000_702fbe451f37f534.txt"
ALL_FILES = [*CORPUS, SEED]


def sample(name: str) -> Path:
    """A sample by stem: "035" → samples/corpus/035.log, "seed" → the seed patch."""
    if name == "seed":
        return SEED
    return SAMPLES / "corpus" / f"{name}.log"


@cache
def reports(name: str) -> tuple[Report, ...]:
    """Every report oomlens finds in one sample, parsed (cached per test session)."""
    from oomlens.read.ingest import open_input
    from oomlens.read.segment import segment_stream

    path = sample(name)
    inp = open_input(str(path))
    try:
        return tuple(parse_raw(r) for r in segment_stream(inp.stream, str(path)))
    finally:
        inp.close()
