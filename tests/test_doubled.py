"""A logger that writes every kernel line twice (rsyslog reading both the kernel and the
journal) leaves each report whole: the second copy of each pair is read past.

The doubled logs are real samples with every line written twice in a row (a mutation of
the sample, said here: no sample in the corpus was saved from such a logger).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oomlens.pipeline import analyze_file
from oomlens.read.prefixes import strip_prefix
from oomlens.read.segment import _is_trigger
from tests.corpus import ALL_FILES, sample


def _one_stamped_record_a_line(path: Path) -> bool:
    """Every line of the sample is one stamped record, as a logger writes them (no wrapped
    pieces, no records fused onto one line): the form a doubling logger leaves."""
    lines = [r for r in path.read_text(encoding="utf-8", errors="replace").splitlines() if r]
    for raw in lines:
        _body, p = strip_prefix(raw)
        if p.timestamp is None and p.clock is None:
            return False
        if raw.count("] ") > 1 and ("][" in raw or raw.count("[") > 3):
            return False  # perhaps a second record fused onto this one (a serial console)
    return any(_is_trigger(strip_prefix(r)[0]) for r in lines)


STAMPED = [p for p in ALL_FILES if _one_stamped_record_a_line(p)]


def _doubled(path: Path, tmp_path: Path) -> str:
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = tmp_path / f"doubled-{path.name}"
    out.write_bytes(b"".join(line + b"\n" + line + b"\n" for line in lines))
    return str(out)


def _reading(path: str) -> list[tuple]:
    return [
        (
            a.report.kind,
            a.verdict.code,
            a.verdict.confidence,
            a.verdict.missing,
            [(z.name, z.free_kb, z.managed_kb) for z in a.report.zones],
            a.report.killed.pid if a.report.killed else None,
            len(a.report.tasks),
            a.report.trace,
        )
        for a in analyze_file(path).analyses
    ]


def test_many_samples_are_one_stamped_record_a_line() -> None:
    assert len(STAMPED) > 60  # 68 today: corpus 14, extra 14, lab 40


@pytest.mark.parametrize("path", STAMPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_doubled_log_reads_as_the_log(path: Path, tmp_path: Path) -> None:
    doubled = _doubled(path, tmp_path)
    assert _reading(doubled) == _reading(str(path))
    notes = [
        d.message
        for a in analyze_file(doubled).analyses
        for d in a.report.diagnostics
        if "printed twice" in d.message
    ]
    assert notes, "the doubling is said"


def test_the_pairs_are_counted_and_a_repeated_frame_stays_twice_040(tmp_path: Path) -> None:
    """corpus 040 (dmesg -T) prints "? do_syscall_64+0x63/0xb0" twice in the same second,
    a frame of the trace: doubled it is four lines, read as the two the kernel printed."""
    (orig,) = analyze_file(str(sample("040"))).analyses
    pairs = list(zip(orig.report.trace, orig.report.trace[1:], strict=False))
    assert ("do_syscall_64", "do_syscall_64") in pairs  # lines 41 and 42, the same second
    (a,) = analyze_file(_doubled(sample("040"), tmp_path)).analyses
    assert a.report.trace == orig.report.trace
    assert (a.report.first_line, a.report.last_line) == (1, 2 * orig.report.last_line - 1)
    (note,) = [d for d in a.report.diagnostics if "printed twice" in d.message]
    assert note.line == 1
    assert note.message.endswith(f": {orig.report.last_line} second copies read past")  # 85


def test_an_undoubled_log_keeps_its_repeated_lines_022() -> None:
    """corpus 022 has no stamps and repeats a trace frame 38 times in a row: read as printed."""
    (first, *_rest) = analyze_file(str(sample("022"))).analyses
    assert not [d for d in first.report.diagnostics if "printed twice" in d.message]
