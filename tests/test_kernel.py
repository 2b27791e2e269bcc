"""Kernel profiles: release parsing, feature boundaries (mainline, -rc, stable, vendor), --assume."""

from __future__ import annotations

import pytest

from oomlens.kernel.profile import (
    CHANGES,
    ContentClue,
    Feature,
    KernelProfile,
    apply_assume,
    change,
    parse_release,
    profile_for_release,
    profile_from_clues,
)


def has(release: str, name: str) -> bool:
    return profile_for_release(release).has(name)


def maybe(release: str, name: str) -> bool:
    return name in profile_for_release(release).uncertain


def test_every_feature_cites_commit_title_release_function():
    for f in CHANGES:
        assert f.title and f.release and f.function
        assert f.commit == "" and not f.verified or len(f.commit) == 12


@pytest.mark.parametrize(
    "text,version,rc,vendor,patch_known",
    [
        ("4.8.0-rc7-00219-g3f74c9559583-dirty", (4, 8, 0), 7, False, True),
        ("5.15.0-105-generic", (5, 15, 0), None, True, False),
        ("6.1.0-25-amd64", (6, 1, 0), None, True, False),
        ("4.18.0-305.el8.x86_64", (4, 18, 0), None, True, False),
        ("2.6.32-431.el6.x86_64", (2, 6, 32), None, True, True),
        ("5.10.168-android12-9-00001-gabc", (5, 10, 168), None, True, True),
        ("7.0.0-0.rc4.1.qubes.1001.fc41.x86_64", (7, 0, 0), 4, False, True),
        ("6.6.60", (6, 6, 60), None, False, True),
    ],
)
def test_parse_release(text, version, rc, vendor, patch_known):
    rel = parse_release(text)
    assert (rel.version, rel.rc, rel.vendor, rel.patch_known) == (version, rc, vendor, patch_known)


def test_next_build_leaves_next_merge_window_uncertain():
    rel = parse_release("5.13.0-rc5-next-20210611-llvm")
    assert rel.next and rel.rc == 5
    assert maybe("5.13.0-rc5-next-20210611-llvm", "fast-negative-fix") is False
    assert not has("5.13.0-rc5-next-20210611-llvm", "pcp-miss-to-buddy")


@pytest.mark.parametrize(
    "name,before,after",
    [
        ("highatomic", "4.3", "4.4"),
        ("watermark-fast", "4.6", "4.7"),
        ("unreserve-before-oom", "4.9", "4.10"),
        ("alloc-oom", "4.14", "4.15"),
        ("harder-highatomic-only", "4.14", "4.15"),
        ("highest-zoneidx", "5.7", "5.8"),
        ("fast-highatomic", "5.8", "5.9"),
        ("fast-negative-fix", "5.18", "5.19"),
        ("alloc-reserves", "6.2", "6.3"),
        ("unreserve-at-giveup", "6.7", "6.8"),
        ("cap-aligned", "6.7", "6.8"),
        ("free-highatomic", "6.11", "6.12"),
        ("order0-atomic-highatomic", "6.11", "6.12"),
    ],
)
def test_mainline_boundaries(name, before, after):
    assert not has(before, name)
    assert has(after, name)


@pytest.mark.parametrize(
    "name,before,after",
    [
        ("fast-negative-fix", "5.15.58", "5.15.59"),
        ("unreserve-at-giveup", "6.6.14", "6.6.15"),
        ("unreserve-at-giveup", "6.1.75", "6.1.76"),
        ("alloc-reserves", "6.1.115", "6.1.116"),
        ("alloc-reserves", "5.15.170", "5.15.171"),
        ("order0-atomic-highatomic", "6.11.6", "6.11.7"),
        ("order0-atomic-highatomic", "6.6.59", "6.6.60"),
        ("order0-atomic-highatomic", "5.15.170", "5.15.171"),
    ],
)
def test_stable_backports(name, before, after):
    assert not has(before, name)
    assert has(after, name)


def test_rc_before_a_hotfix_lacks_it():
    assert not has("6.12.0-rc5", "order0-atomic-highatomic")
    assert has("6.12.0-rc6", "order0-atomic-highatomic")
    assert has("4.10.0-rc1", "unreserve-before-oom")  # merge-window features are in -rc1


def test_distro_kernel_hides_its_stable_level():
    p = profile_for_release("6.1.0-25-amd64")
    assert "unreserve-at-giveup" in p.uncertain and not p.has("unreserve-at-giveup")
    assert p.has("cap-min-zone") is False and "cap-min-zone" not in p.uncertain


def test_vendor_trees_may_carry_vendor_fixes():
    p = profile_for_release("4.14.113-18770262-userdebug")
    assert "fast-highatomic" in p.uncertain  # Android 4.14/4.19 trees carry f27ce0e14088


def test_seed_release_label():
    p = profile_for_release("4.8.0-rc7-00219-g3f74c9559583-dirty")
    assert p.label == "4.8-rc7 (from report)"
    assert p.has("watermark-fast") and not p.has("unreserve-before-oom")


def test_profile_from_content_clues():
    p = profile_from_clues((ContentClue("boost field", (5, 16)),))
    assert p.basis == "content" and p.label == ">=5.16 (inferred from content: boost field)"
    assert p.has("fast-highatomic") and "unreserve-at-giveup" in p.uncertain
    old = profile_from_clues((ContentClue("R letters in buddy lines", None, (4, 3)),))
    assert not old.has("highatomic") and "highatomic" not in old.uncertain


def test_assume_switches_single_features():
    p = profile_for_release("5.15.100")
    on, unknown = apply_assume(p, ("order0-atomic-highatomic", "no-fast-highatomic", "bogus"))
    assert on.has("order0-atomic-highatomic") and not on.has("fast-highatomic")
    assert unknown == ("bogus",) and on.label.endswith("+assume")


def test_feature_lookup():
    assert change(Feature.UNRESERVE_AT_GIVEUP).commit == "ac3f3b0a5551"
    assert change(Feature.ORDER0_ATOMIC_HIGHATOMIC).stable == (
        "6.11.7",
        "6.6.60",
        "6.1.116",
        "5.15.171",
    )


def test_a_feature_name_that_is_no_feature_is_an_error_not_false():
    profile = KernelProfile(frozenset({Feature.HIGHATOMIC}))
    assert profile.has(Feature.HIGHATOMIC) and profile.has("highatomic")
    with pytest.raises(ValueError):
        profile.has("highatomc")
    with pytest.raises(ValueError):
        profile.with_features(("no-such-feature",))


def test_every_feature_is_read_by_the_model():
    """A catalogued behaviour the model never reads could never change a verdict."""
    from pathlib import Path

    pkg = Path(__file__).resolve().parent.parent / "oomlens"
    model = "".join(p.read_text() for p in (pkg / "model").rglob("*.py"))
    model += (pkg / "judge" / "decide.py").read_text()
    assert [f.name for f in Feature if f"Feature.{f.name}" not in model] == []
