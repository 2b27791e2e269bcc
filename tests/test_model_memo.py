"""Work done once gives what working it out every time gives.

The replay shares a zone's reserve bounds and its unreserved copy between the
replays of one state, by the answers to the features they read; works a test out
once where the worst, best and nominal points are one point; keeps the page-count
margins when releasing the reserve deducts nothing; asks each profile rule once
per era (``model.replay.MEMO``). The request, the release's profile, its variants
and fixed kernels are worked out once per header, release and fix. Every sample's
verdict, evidence included, must be the same with each of these switched off,
under its own kernel and under kernels whose variants and fixes differ.
"""

from __future__ import annotations

import importlib

import pytest

from oomlens.kernel import profile as profiles
from oomlens.kernel import request as requests
from oomlens.kernel.fixes import CATALOGUE, with_fix
from oomlens.options import Options
from oomlens.pipeline import analyze_file
from tests.corpus import samples_where

replay_module = importlib.import_module("oomlens.model.replay")

# the report's own kernel; a vendor 3.10 (no reserve, vendor variants); 4.9 (the
# unreserve fixes missing, a stable variant); a distro 5.4 and 6.1 (stable variants,
# the negative-value and free-highatomic eras)
KERNELS = (None, "3.10.0-1160.el7.x86_64", "4.9.0", "5.4.0-100-generic", "6.1.0-56-amd64")


@pytest.mark.parametrize("sample", samples_where(), ids=lambda s: s.name)
def test_memo_is_exact(sample, monkeypatch):
    for kernel in KERNELS:
        options = Options(kernel=kernel)
        monkeypatch.setattr(replay_module, "MEMO", True)
        memo = [a.verdict for a in analyze_file(str(sample.path), options).analyses]
        monkeypatch.setattr(replay_module, "MEMO", False)
        fresh = [a.verdict for a in analyze_file(str(sample.path), options).analyses]
        assert memo == fresh, kernel


def test_requests_and_profiles_worked_out_once_are_fresh_ones():
    """decode_request, profile_for_release and variants() from their memos, on every
    sample's report and release, equal what their uncached forms work out."""
    seen = 0
    for sample in samples_where():
        for a in analyze_file(str(sample.path)).analyses:
            report, h = a.report, a.report.header
            for _ in range(2):  # the first call fills the memo, the second reads it
                got = requests.decode_request(report)
                if h is not None:
                    kswapd = bool(h.comm and requests._KSWAPD.fullmatch(h.comm))
                    assert got == requests._decode(h, kswapd, report.release, report.arch)
                for text, basis in ((report.release, "report"), *((k, "option") for k in KERNELS)):
                    if text is None:
                        continue
                    build = report.context.build if report.context else None
                    got_p = profiles.profile_for_release(text, basis, build)
                    assert got_p == profiles._profile_for_release(text, basis, build)
                    if got_p is not None:
                        assert got_p.variants() == got_p._variants()
                        seen += len(got_p.variants()) > 1
                        for spec in CATALOGUE:
                            fresh = got_p.with_features((spec.feature, *spec.needs))
                            assert with_fix(got_p, spec) == fresh
    assert seen  # some release allows more than one kernel
    for version in {c.version for c in profiles.CHANGES} | {(2, 6), (9, 9)}:
        fresh = frozenset(c.feature for c in profiles.CHANGES if version >= c.version)
        assert profiles.features_at(version) == fresh == profiles.features_at(version)
