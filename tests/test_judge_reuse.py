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
