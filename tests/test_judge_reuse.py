"""Reusing a replay for a kernel that answers alike for every feature it read changes nothing.

The judge decides under every profile variant a release allows and asks each
catalogued fix; a variant or fix that agrees on every feature an earlier replay
read reuses that replay (``judge.REUSE``). Every sample's verdict and fixes must
be the same with the reuse switched off.
"""

from __future__ import annotations

import pytest

from oomlens.judge import judge
from oomlens.pipeline import analyze_file
from tests.corpus import samples_where


@pytest.mark.parametrize("sample", samples_where(), ids=lambda s: s.name)
def test_reuse_is_exact(sample, monkeypatch):
    reused = [a.verdict for a in analyze_file(str(sample.path)).analyses]
    monkeypatch.setattr(judge, "REUSE", False)
    fresh = [a.verdict for a in analyze_file(str(sample.path)).analyses]
    assert reused == fresh


def test_a_trace_holds_only_its_own_threads_reads():
    """Round 13: the trace stack was one list for the process, so a thread judging a report
    added its feature reads to another thread's open trace, and reuse compared the wrong
    reads (a fix's would_avoid flipped in 1 of 24 threaded runs). Each thread has its own."""
    import threading

    from oomlens.kernel.profile import Feature, profile_for_release, traced

    profile = profile_for_release("6.1.0")
    assert profile is not None
    opened, read = threading.Event(), threading.Event()

    def other_thread() -> None:
        opened.wait(10)
        profile.has(Feature.HIGHATOMIC)
        read.set()

    t = threading.Thread(target=other_thread)
    t.start()
    with traced() as reads:
        opened.set()
        assert read.wait(10)
        profile.has(Feature.FAST_HIGHATOMIC)
    t.join()
    assert reads == {Feature.FAST_HIGHATOMIC}  # not the other thread's HIGHATOMIC


def test_threads_judging_at_once_give_each_report_its_verdict():
    """Every sample judged from eight threads at once gives what it gives alone."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [str(s.path) for s in samples_where()]

    def verdicts(path: str) -> list:
        return [a.verdict for a in analyze_file(path).analyses]

    alone = [verdicts(p) for p in paths]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(verdicts, paths * 2))
    assert together == alone * 2
