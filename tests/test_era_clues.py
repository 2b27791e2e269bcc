"""The kernel era a report without its release allows, and answers every such kernel must
share (hostile round 40).

Each test edits a real lab report of a Debian 6.1.192 kernel ("6.1.0-57-amd64 #1  Debian
6.1.192-3") the way another print of it shows it: its banner without the release, as an
excerpt pasted without the CPU line's version, or another caller's mask on the same
kernel (each edit written out).
"""

from __future__ import annotations

from oomlens.pipeline import analyze_file
from tests.corpus import sample
from tests.test_caller_context import edited

_BANNER = "6.1.0-57-amd64 #1  Debian 6.1.192-3"


def _one(path):
    return analyze_file(str(path)).analyses[0].verdict


def test_a_mask_without_gfp_atomic_does_not_date_the_kernel_6_3(tmp_path):
    """Without its release, lab exhausted-6.1's 0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)
    prints alike on 5.1-6.2 and 6.3+ (2973d8229b78 freed __GFP_ATOMIC's 0x200 alone), so
    the era is bounded by the rest of the content (boost: 5.16+), not by 6.3."""
    v = _one(edited(tmp_path, "exhausted-6.1", (_BANNER, "#1")))
    assert v.profile.startswith(">=5.16 (inferred from content: GFP layout 6.3")


def test_a_contradicted_layout_gives_way(tmp_path):
    """extra/201 (5.8.0-rc4-next) without its release: its zone lines print kernel_stack
    (up to 5.8) while its GFP_KERNEL mask reads in the 6.3 layout; the layout read without
    a release gives way, never an empty range ("6.3..5.8") that leaves nothing open."""
    v = _one(edited(tmp_path, "201", ("Not tainted 5.8.0-rc4-next-20200710 #1", "Not tainted #1")))
    assert "6.3..5" not in v.profile
    assert v.code == "undetermined"  # as with its release: the printed state passes


def test_kernel_could_unreserve_holds_for_every_stable_level(tmp_path):
    """lab exhausted-6.1 with only " Debian 6.1.192-3" dropped: 6.1.0-57-amd64 may be
    any 6.1.y; from 6.1.76 (ac3f3b0a5551) it unreserves before it OOMs, before that it does
    not: whether this kernel would have released it is open, not false."""
    with_level = _one(edited(tmp_path, "exhausted-6.1"))
    without = _one(edited(tmp_path, "exhausted-6.1", ("  Debian 6.1.192-3", "")))
    assert with_level.kernel_could_unreserve is True
    assert without.kernel_could_unreserve is None
    assert (without.code, without.confidence) == (with_level.code, with_level.confidence)


def test_gfp_nowait_without_release_is_judged_as_its_kernels(tmp_path):
    """lab stranded-6.1 asked by another caller with 0x40800(GFP_NOWAIT|__GFP_COMP), release
    dropped: 6.1 gives GFP_NOWAIT no ALLOC_HARDER (stranded, as with the release), 6.3-6.17
    ALLOC_HIGHATOMIC; the 6.3 layout no longer dates it 6.3+, so the verdict is 6.1's,
    likely."""
    mask = ("0x10cc0(GFP_KERNEL|__GFP_NORETRY)", "0x40800(GFP_NOWAIT|__GFP_COMP)")
    known = _one(edited(tmp_path, "stranded-6.1", mask))
    bare = _one(edited(tmp_path, "stranded-6.1", mask, (_BANNER, "#1")))
    assert (known.code, known.unreserve_would_avoid, known.confidence) == (
        "highatomic-stranded",
        True,
        "certain",
    )
    assert (bare.code, bare.unreserve_would_avoid, bare.confidence) == (
        "highatomic-stranded",
        True,
        "likely",
    )


def test_a_report_without_its_release_is_no_surer_than_with_it(tmp_path):
    """Round 44 F5: extra/167 (5.10.168-android12, highatomic-stranded, likely for its
    unknown stable level) with its release line cut: the content bounds the era to 5.5-5.10,
    but a kernel of that span may be a distro or vendor build carrying any change a stable
    series received, as a named vendor release may: likely, not certain."""
    with_release = _one(edited(tmp_path, "167"))
    cut = _one(
        edited(tmp_path, "167", ("> 5.10.168-android12-9-00003-gc873b6b86254-ab10823632 #1\n", ""))
    )
    assert (with_release.code, with_release.confidence) == ("highatomic-stranded", "likely")
    assert (cut.code, cut.confidence) == ("highatomic-stranded", "likely")


def test_assume_takes_a_feature_whose_name_starts_with_no():
    """--assume no-double-decrease switches that feature on (it was read as "switch off
    double-decrease", an unknown name); no-no-double-decrease switches it off."""
    from oomlens.kernel.profile import Feature, apply_assume, profile_for_release

    old = profile_for_release("4.9")
    new = profile_for_release("6.1")
    assert old is not None and new is not None
    on, unknown = apply_assume(old, ("no-double-decrease",))
    assert Feature.NO_DOUBLE_DECREASE in on.features and unknown == ()
    off, unknown = apply_assume(new, ("no-no-double-decrease",))
    assert Feature.NO_DOUBLE_DECREASE not in off.features and unknown == ()


def test_a_build_past_its_rc_tag_may_carry_the_next_rc(tmp_path):
    """Hostile round 48 F2: CONFIG_LOCALVERSION_AUTO's "6.12.0-rc6-00215-g3e4a1c2b7d90" is
    215 commits past v6.12-rc6: mainline between rc6 and rc7, or a maintainer's branch (a
    test robot's build of mm-unstable) carrying the next merge window. c928807f6f6b came
    in rc7, so such a kernel may carry it; a plain -rc6 may not."""
    from oomlens.kernel.profile import BY_FEATURE, Feature, feature_state, parse_release

    free_h = BY_FEATURE[Feature.FREE_HIGHATOMIC]
    assert feature_state(free_h, parse_release("6.12.0-rc6")) == "no"
    assert feature_state(free_h, parse_release("6.12.0-rc6-00215-g3e4a1c2b7d90")) == "maybe"
    # nothing past the tag: v6.12-rc6 itself
    assert feature_state(free_h, parse_release("6.12.0-rc6-00000-g3e4a1c2b7d90")) == "no"
    # a build past v6.15 may hold 6.16's merge window
    pb = BY_FEATURE[Feature.PAGEBLOCK_ORDER_CONFIG]
    assert feature_state(pb, parse_release("6.15.0-00142-g0a1b2c3d4e5f")) == "maybe"
    # setlocalversion's "+" for the same tree without CONFIG_LOCALVERSION_AUTO (round 50 F2)
    assert feature_state(free_h, parse_release("6.12.0-rc6+")) == "maybe"
    assert feature_state(pb, parse_release("6.15.0+")) == "maybe"
    # "-dirty" alone is a tree at its tag with local edits (round 53 F3)
    assert parse_release("6.12.0-rc6-dirty").next is False
    # a stable tree with local patches ("-v8+": a Raspberry Pi's) is no tree past an rc or .0
    assert parse_release("5.10.103-v8+").next is False
    # an Android KMI generation is no commit count
    assert parse_release("6.1.57-android14-11-g0123456789ab").next is False


def test_a_fix_such_a_build_may_carry_is_not_said_to_avoid_it():
    """tests/data/synthetic/D6 (lab oom-reserved-6.12 as a 6.12-rc6+215 build's order-0
    GFP_KERNEL|__GFP_NORETRY failure; README): DMA32 free 5000 - reserved_highatomic 5120 < min
    1397 fails, where c928807f6f6b's free-highatomic count (0: no (H) chunk) would pass
    5000 > 1397. The build may already carry it: no claim that it would have avoided this."""
    from tests.test_caller_context import SYNTHETIC

    v = analyze_file(str(SYNTHETIC / "D6_describe_past_rc6_6.12.log")).analyses[0].verdict
    assert v.code == "highatomic-stranded" and v.confidence == "likely"
    assert {f.commit: f.would_avoid for f in v.fixes}["c928807f6f6b"] is False


def test_a_reserve_in_a_small_zone_dates_nothing_031():
    """corpus 031 (no release): reserved_highatomic in a zone of under 100 2 MiB blocks once
    dated it <= 6.7 (9cd20f3fe045 stops reserving there); since e13e7922d034 (6.16) the
    pageblock may be smaller, so a 6.16+ kernel may reserve there (hostile round 48)."""
    v = analyze_file(str(sample("031"))).analyses[0].verdict
    assert v.profile.startswith(">=5.16 (inferred from content")
    assert "under 100 pageblocks" not in v.profile


def test_buddy_lines_without_letters_date_a_report_before_3_8_208():
    """extra/208's first report (a 2.6.25 paste cut before its trigger): show_free_areas()
    prints the migratetype letters of every counted order since 3.8 ("mm: show migration
    types in show_mem"), so counted orders without letters date it <= 3.7, before the
    highatomic reserve (4.4): unreserving cannot help (round 54 F4: it was judged under
    the newest kernel's rules)."""
    v = analyze_file(str(sample("208"))).analyses[0].verdict
    assert v.profile.startswith("<=3.7 (inferred from content: buddy lines without letters")
    assert v.unreserve_would_avoid is False


def test_android_x86_is_no_arm64_213():
    """extra/213's "4.12.0-rc3-android-x86+" is Android-x86 (round 54 F2: read arm64)."""
    a = analyze_file(str(sample("213"))).analyses[0]
    assert a.report.arch != "arm64"
