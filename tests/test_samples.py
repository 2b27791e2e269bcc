"""The samples and their .meta: every sample has its provenance, the selection helpers
choose by it, and the manifest agrees with what the parser reads."""

from __future__ import annotations

import pytest

from tests.corpus import CORPUS, SEED, all_samples, samples_where

REQUIRED = ("source", "kind", "kernel", "arch", "complete", "highatomic")


def test_every_sample_has_its_provenance():
    found = all_samples()
    assert len(found) >= len(CORPUS) + 1 and found[len(CORPUS)].path == SEED
    for s in found:
        missing = [key for key in REQUIRED if not s.get(key)]
        assert not missing, (s.name, missing)
        # "none": show_mem() with nothing failed (an xmon "mi" dump), where no report is right
        assert s.kind in ("oom", "alloc-failure", "memcg-oom", "mixed", "none"), s.name
        assert s.get("highatomic") in ("yes", "no"), s.name


def test_selection_by_kind_and_highatomic():
    chosen = samples_where(kind="oom", highatomic=True)
    assert {"035", "006"} <= {s.name for s in chosen}
    assert all(s.kind == "oom" and s.highatomic for s in chosen)
    others = {s.name for s in all_samples()} - {s.name for s in chosen}
    assert "036" in others  # the seed's GFP_ATOMIC failure, as mailed: an alloc-failure


def test_selection_by_release():
    # "6.1" is 6.1.x, never 6.12 or 6.15 (049 is 6.1.43-android14-11-abS921BXXU1AWLB)
    assert "049" in {s.name for s in samples_where(kernel="6.1")}
    assert all(s.version[:2] == (6, 1) for s in samples_where(kernel="6.1"))
    assert "046" in {s.name for s in samples_where(version=lambda v: v >= (7, 0))}
    old = samples_where(version=lambda v: v < (2, 6, 25))
    assert all(s.version < (2, 6, 25) for s in old) and "014" not in {s.name for s in old}


def test_an_empty_selection_raises():
    with pytest.raises(ValueError, match="no sample"):
        samples_where(kind="oom", complete="no-such-value")


@pytest.mark.parametrize("s", samples_where(highatomic=True, kind=lambda k: k != "none"), ids=str)
def test_highatomic_samples_show_the_reserve(s):
    """.meta highatomic: yes means a buddy line shows (H) or a zone prints the counter."""
    zones = [z for rep in s.reports() for z in rep.zones]
    assert any(
        z.reserved_highatomic_kb is not None
        or (z.buddy is not None and any("H" in e.types for e in z.buddy.entries))
        for z in zones
    )


@pytest.mark.parametrize("s", samples_where(highatomic=False), ids=str)
def test_samples_without_highatomic_show_no_reserve(s):
    for rep in s.reports():
        for z in rep.zones:
            assert not z.reserved_highatomic_kb, (rep.id, z.name)
            assert z.buddy is None or not any("H" in e.types for e in z.buddy.entries)


@pytest.mark.parametrize("s", samples_where(kind=lambda k: k != "mixed"), ids=str)
def test_meta_kind_is_what_the_parser_reads(s):
    kinds = {rep.kind for rep in s.reports()}
    if s.kind == "none":
        assert kinds == set(), s.name  # extra/170: an xmon session's Mem-info is no report
        return
    # an excerpt without its trigger or kill line (010, 024, 031, 033) has no kind
    assert s.kind in kinds or kinds == {None}, (s.name, kinds)


@pytest.mark.parametrize("s", samples_where(version=lambda v: True), ids=str)
def test_meta_kernel_is_the_banners_release(s):
    releases = {rep.release for rep in s.reports() if rep.release}
    assert not releases or s.kernel.split()[0] in releases, (s.name, releases)
