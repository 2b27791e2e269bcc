"""The real reports in samples/ for the tests, chosen by what their ``.meta`` says.

Every sample is a log (``samples/corpus/NNN.log``, the seed patch,
``samples/extra/NNN.log`` and the lab's ``samples/lab/*.log`` once they land) with a
``.meta`` beside it: ``kind``,
``kernel``, ``arch``, ``complete``, ``highatomic`` and notes. Select by those::

    @pytest.mark.parametrize("s", samples_where(kind="oom", highatomic=True), ids=str)
    def test_something(s):
        for rep in s.reports(): ...

A criterion is a value to equal or a predicate to hold (``version=lambda v: v >= (4, 10)``);
``kernel="6.1"`` matches the release 6.1 and its point releases, never 6.12. A
selection that comes out empty raises, so no parametrized test can pass by running
nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from oomlens.parse.assemble import parse_raw
from oomlens.parse.report import Report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = sorted((SAMPLES / "corpus").glob("*.log"))
SEED = SAMPLES / "seeds" / "000_702fbe451f37f534.txt"
EXTRA = sorted((SAMPLES / "extra").glob("*.log"))
LAB = sorted((SAMPLES / "lab").glob("*.log"))
ALL_FILES = [*CORPUS, SEED, *EXTRA, *LAB]  # every real report file, for the oracle tests

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def sample(name: str) -> Path:
    """A sample by stem: "035" → samples/corpus/035.log, "seed" → the seed patch,
    "121" → samples/extra/121.log, "stranded-7.3" → samples/lab/stranded-7.3.log."""
    if name == "seed":
        return SEED
    for folder in ("corpus", "extra", "lab"):
        path = SAMPLES / folder / f"{name}.log"
        if path.exists():
            return path
    return SAMPLES / "corpus" / f"{name}.log"


@cache
def reports(name: str) -> tuple[Report, ...]:
    """Every report oomlens finds in one sample, parsed (cached per test session)."""
    from oomlens.read.ingest import open_input
    from oomlens.read.segment import segment_stream

    path = sample(name)
    inp = open_input(str(path))
    try:
        return tuple(
            parse_raw(r) for r in segment_stream(inp.stream, str(path), physical=inp.physical_line)
        )
    finally:
        inp.close()


def read_meta(path: Path) -> dict[str, str]:
    """The ``key: value`` lines of a sample's ``.meta`` (keys lowercased)."""
    meta: dict[str, str] = {}
    for line in path.with_suffix(".meta").read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            meta[key.strip().lower()] = value.strip()
    return meta


@dataclass(frozen=True)
class Sample:
    """One real sample and its provenance record."""

    path: Path
    meta: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        """The stem :func:`reports` and :func:`sample` take ("seed" for the seed patch)."""
        return "seed" if self.path == SEED else self.path.stem

    def get(self, key: str) -> str | None:
        """A ``.meta`` field as written, None when absent."""
        return dict(self.meta).get(key)

    @property
    def kind(self) -> str | None:
        """oom | alloc-failure | memcg-oom | mixed."""
        return self.get("kind")

    @property
    def kernel(self) -> str | None:
        """The release as the meta gives it ("unknown" when the log does not say)."""
        return self.get("kernel")

    @property
    def version(self) -> tuple[int, ...] | None:
        """The release as numbers: "4.10.0-rc6-686-pae" → (4, 10, 0); None when unknown."""
        m = _VERSION.match(self.kernel or "")
        return tuple(int(g) for g in m.groups() if g is not None) if m else None

    @property
    def arch(self) -> str | None:
        return self.get("arch")

    @property
    def complete(self) -> str | None:
        """yes | truncated | interleaved | wrapped."""
        return self.get("complete")

    @property
    def highatomic(self) -> bool:
        """A buddy line shows (H) or a zone line prints reserved_highatomic."""
        return self.get("highatomic") == "yes"

    @property
    def lab(self) -> bool:
        """Made by the project's lab (samples/lab/), not published by someone else."""
        return self.path.parent.name == "lab"

    def reports(self) -> tuple[Report, ...]:
        """Every report oomlens finds in this sample."""
        return reports(self.name)

    def __str__(self) -> str:
        return self.name


@cache
def all_samples() -> tuple[Sample, ...]:
    """Every sample with a ``.meta``: corpus, seed, extra, then lab."""
    paths = [*CORPUS, SEED, *EXTRA, *LAB]
    return tuple(Sample(p, tuple(read_meta(p).items())) for p in paths if p.exists())


def _holds(actual: Any, wanted: Any) -> bool:
    if callable(wanted):
        return bool(actual is not None and wanted(actual))
    return bool(actual == wanted)


def _kernel_is(release: str | None, wanted: str) -> bool:
    """``wanted`` "6.1" matches "6.1", "6.1.0-57-amd64", "6.1.43-android14"; not "6.12"."""
    if release is None:
        return False
    return release == wanted or re.match(re.escape(wanted) + r"(?![\d])", release) is not None


def samples_where(**criteria: Any) -> list[Sample]:
    """The samples whose meta satisfies every criterion; raises when none does.

    Keys: ``kind``, ``kernel`` (a release prefix, see :func:`_kernel_is`), ``version``
    (a tuple, usually given as a predicate), ``arch``, ``complete``, ``highatomic``
    (bool), ``lab`` (bool), or any other ``.meta`` key.
    """
    chosen = []
    for s in all_samples():
        ok = True
        for key, wanted in criteria.items():
            if key == "kernel" and isinstance(wanted, str):
                ok = _kernel_is(s.kernel, wanted)
            else:
                actual = getattr(s, key) if key in _PROPERTIES else s.get(key)
                ok = _holds(actual, wanted)
            if not ok:
                break
        if ok:
            chosen.append(s)
    if not chosen:
        raise ValueError(f"no sample in samples/ has {criteria}")
    return chosen


_PROPERTIES = {"kind", "kernel", "version", "arch", "complete", "highatomic", "lab", "name"}
