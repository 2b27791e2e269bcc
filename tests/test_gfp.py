"""GFP decoding against every mask a corpus header printed, and the era boundaries."""

from __future__ import annotations

import pytest

from oomlens.kernel import gfp

# (corpus file, release, mask, names printed or None, expected %pGg text).
# Release is the banner's; None where the report shows none.  Hex-only headers are
# pre-4.5 kernels: the text is what %pGg would print with that era's names.
CORPUS = [
    ("001", "6.7.0-rc4-00178-g816d334afa85", 0x10CC0, "GFP_KERNEL|__GFP_NORETRY", None),
    ("002", "2.6.24.2", 0x1201D2, None, "GFP_HIGHUSER_MOVABLE|__GFP_COLD"),
    ("003", "2.6.24-19-generic", 0x2D0, None, "GFP_KERNEL|__GFP_NOWARN"),
    ("004", "5.14.21-150400.24.60-default", 0xCC0, "GFP_KERNEL", None),
    ("005", "5.3.18-150300.59.101-default", 0xCC0, "GFP_KERNEL", None),
    ("006", "4.14.65", 0x15080C0, "GFP_KERNEL_ACCOUNT|__GFP_ZERO", None),
    ("007", "2.6.32-220.7.1.el6.x86_64", 0xD0, None, "GFP_KERNEL"),
    ("008", "next-20101215", 0x840D0, None, "GFP_TEMPORARY|__GFP_COMP"),  # meta: 2.6.37-rc next
    ("009", "2.6.34.1", 0x20, None, "GFP_ATOMIC"),
    # 010: the header is quoted in the meta (it sits before the excerpt in the mail).
    ("010", "5.0.4-zb64-303ce93b05c9+", 0x404000, "GFP_NOWAIT|__GFP_COMP", None),
    ("011", "4.10.0-rc6-686-pae", 0x16040D0, "GFP_TEMPORARY|__GFP_COMP|__GFP_NOTRACK", None),
    ("012", "6.18.0+", 0x100CCA, "GFP_HIGHUSER_MOVABLE", None),
    ("013", "2.6.9", 0xD0, None, "GFP_KERNEL"),  # meta: RHEL4 2.6.9
    ("014", "2.6.12", 0xD2, None, "GFP_HIGHUSER"),  # meta: about 2.6.12.2
    ("015", "5.13.0-rc5-next-20210611-llvm", 0x4CC0, "GFP_KERNEL|__GFP_RETRY_MAYFAIL", None),
    ("016", "4.4.49-hotplug19-default", 0x2080020, "GFP_ATOMIC", None),
    ("017", "3.13.0-27-generic", 0x201DA, None, "GFP_HIGHUSER_MOVABLE|__GFP_COLD"),
    ("018", "4.14.113-18770262-userdebug", 0x140000A, "GFP_NOIO|__GFP_HIGHMEM|__GFP_MOVABLE", None),
    # 019: the meta says "v4.14-based", but 0x480020 is GFP_ATOMIC only in the 4.18 layout.
    ("019", None, 0x480020, "GFP_ATOMIC", None),
    ("020", "2.6.9-ac11", 0x20, None, "GFP_ATOMIC"),
    ("021", "5.4.26", 0xA20, "GFP_ATOMIC", None),
    ("022", "2.6.19-rc6-rt5", 0xD0, None, "GFP_KERNEL"),
    ("023", "5.8.0-rc4-kvm+", 0x140CC0, "GFP_USER|__GFP_COMP", None),
    ("025", "6.15.0-rc6-00142-g2d76e79315e4", 0xDC0, "GFP_KERNEL|__GFP_ZERO", None),
    ("026", "2.6.9", 0x20, None, "GFP_ATOMIC"),
    ("027", "6.3.1-gentoo-e350", 0xCC2, "GFP_KERNEL|__GFP_HIGHMEM", None),
    ("029", "6.16.0-00015-gf09eb0d6badc", 0x0, "", None),
    ("030", "3.0.101-80-default", 0x280DA, None, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"),
    ("032", "2.6.35", 0xD0, None, "GFP_KERNEL"),  # meta: 2.6.35/36 era
    ("034", "3.2.59", 0x84D0, None, "GFP_KERNEL|__GFP_REPEAT|__GFP_ZERO"),
    (
        "035",
        "4.8.0-rc7-00219-g3f74c9559583-dirty",
        0x24280CA,
        "GFP_HIGHUSER_MOVABLE|__GFP_ZERO",
        None,
    ),
    ("036", "4.8.0-rc7-00217-g266ef83c51e5-dirty", 0x2280020, "GFP_ATOMIC|__GFP_NOTRACK", None),
    ("038", "6.8.0-124-generic", 0x140CCA, "GFP_HIGHUSER_MOVABLE|__GFP_COMP", None),
    ("039", "6.7.0-rc2igor1+", 0x40DC0, "GFP_KERNEL|__GFP_COMP|__GFP_ZERO", None),
    ("040", None, 0x40DC0, "GFP_KERNEL|__GFP_COMP|__GFP_ZERO", None),
    ("041", "5.10.2", 0x40DC0, "GFP_KERNEL|__GFP_COMP|__GFP_ZERO", None),
    ("042", "6.3.9-gentoo-e350", 0xDC2, "GFP_KERNEL|__GFP_HIGHMEM|__GFP_ZERO", None),
    ("043", "6.7.4-arch1-1", 0x408D40, "GFP_NOFS|__GFP_NOFAIL|__GFP_ZERO|__GFP_ACCOUNT", None),
    (
        "044",
        "4.19.0-91.82.152.28.1.tmp.20240925114625.uelc20.loongarch64",
        0x6000C0,
        "GFP_KERNEL",
        None,
    ),
    ("045", "6.9.8-orbstack-00170-g7b4100b7ced4", 0xCC0, "GFP_KERNEL", None),
    ("046", "7.0.0-0.rc4.1.qubes.1001.fc41.x86_64", 0xCC4, "GFP_KERNEL|GFP_DMA32", None),
    ("047", None, 0x140CCA, "GFP_HIGHUSER_MOVABLE|__GFP_COMP", None),
    ("049", "6.1.43-android14-11-abS921BXXU1AWLB", 0xA20, "GFP_ATOMIC", None),
    (
        "052",
        "5.15.0-46-generic",
        0x104DC4,
        "GFP_USER|GFP_DMA32|__GFP_RETRY_MAYFAIL|__GFP_ZERO",
        None,
    ),
    ("053", "6.6.114.1-microsoft-standard-WSL2", 0x140CCA, "GFP_HIGHUSER_MOVABLE|__GFP_COMP", None),
    ("seed", "4.8", 0x24280CA, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO", None),
    ("seed", "4.8", 0x2280020, "GFP_ATOMIC|__GFP_NOTRACK", None),
]


def _layout(release: str | None, mask: int, names: str | None) -> str:
    layout = gfp.layout_for_release(release) or gfp.layout_from_mask(mask, names)
    assert layout is not None
    return layout


@pytest.mark.parametrize(
    ("file", "release", "mask", "names", "text"),
    CORPUS,
    ids=[f"{row[0]}-{row[2]:#x}" for row in CORPUS],
)
def test_corpus_header_renders_as_printed(file, release, mask, names, text):
    layout = _layout(release, mask, names)
    decoded = gfp.decode(mask, layout, release=release)
    assert decoded.text == (names if names is not None else text)
    assert decoded.unknown_bits == 0
    if names is not None:
        assert gfp.check_names(mask, names, layout, release=release) is None
        assert gfp.flags_from_names(names, layout, release=release).mask == mask


@pytest.mark.parametrize(
    ("file", "release", "mask", "names", "text"),
    [row for row in CORPUS if row[3] is not None],
    ids=[f"{row[0]}-{row[2]:#x}" for row in CORPUS if row[3] is not None],
)
def test_corpus_names_fingerprint_a_layout_that_renders_them(file, release, mask, names, text):
    layout = gfp.layout_from_mask(mask, names)
    assert layout is not None
    assert gfp.check_names(mask, names, layout) is None
    if release:
        expected = gfp.layout_for_release(release)
        assert gfp.decode(mask, layout).flags == gfp.decode(mask, expected).flags


def test_vendor_bit_051_is_reported_not_named():
    """051: a 5.10 Rockchip kernel printed 0x1100cca as GFP_HIGHUSER_MOVABLE (vendor bit)."""
    decoded = gfp.decode(0x1100CCA, gfp.layout_for_release("5.10.160"), release="5.10.160")
    assert decoded.text == "GFP_HIGHUSER_MOVABLE|0x1000000"
    assert decoded.unknown_bits == 0x1000000
    assert decoded.highest_zone == "Movable"
    problem = gfp.check_names(0x1100CCA, "GFP_HIGHUSER_MOVABLE", "5.1", release="5.10.160")
    assert problem is not None and "0x1000000" in problem
    assert gfp.layout_from_mask(0x1100CCA, "GFP_HIGHUSER_MOVABLE") in ("5.1", "6.3")


def test_required_renderings():
    assert gfp.decode(0x24280CA, "4.4").text == "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    assert gfp.decode(0xCC0, "5.1").text == "GFP_KERNEL"
    assert gfp.decode(0x2280020, "4.4").text == "GFP_ATOMIC|__GFP_NOTRACK"
    assert gfp.decode(0xA20, "5.1").text == "GFP_ATOMIC"
    assert gfp.decode(0x820, "6.3").text == "GFP_ATOMIC"
    assert gfp.decode(0x100CCA, "5.1").text == "GFP_HIGHUSER_MOVABLE"
    assert gfp.decode(0x100CCA, "6.3").text == "GFP_HIGHUSER_MOVABLE"


def test_seed_mask_fields():
    decoded = gfp.decode(0x24280CA, "4.4")
    assert decoded.highest_zone == "Movable"
    assert decoded.migratetype == "Movable"
    assert decoded.has("DIRECT_RECLAIM") and decoded.has("__GFP_KSWAPD_RECLAIM")
    assert decoded.flags == (
        "__GFP_HIGHMEM",
        "__GFP_MOVABLE",
        "__GFP_IO",
        "__GFP_FS",
        "__GFP_ZERO",
        "__GFP_HARDWALL",
        "__GFP_DIRECT_RECLAIM",
        "__GFP_KSWAPD_RECLAIM",
    )
    atomic = gfp.decode(0x2280020, "4.4")
    assert atomic.has("ATOMIC") and not atomic.has("DIRECT_RECLAIM")
    assert atomic.migratetype == "Unmovable" and atomic.highest_zone == "Normal"


def test_gfp_atomic_bit_is_gone_in_63():
    """0x200 is __GFP_ATOMIC in 5.1–6.2 and unused from 6.3 (hand-made mask)."""
    assert gfp.decode(0xA20, "6.3").text == "GFP_ATOMIC|0x200"
    assert gfp.decode(0xA20, "6.3").unknown_bits == 0x200
    assert not gfp.decode(0x820, "6.3").has("ATOMIC")


@pytest.mark.parametrize(
    ("release", "layout"),
    [
        ("2.6.13", "2.6.0"),
        ("2.6.14", "2.6.14"),
        ("2.6.22.1", "2.6.14"),
        ("2.6.23", "2.6.23"),
        ("2.6.30-rc3", "2.6.23"),
        ("2.6.31", "2.6.31"),
        ("4.3.6", "2.6.31"),
        ("4.4.0", "4.4"),
        ("4.9.337", "4.4"),
        ("4.10.0", "4.10"),
        ("4.17.19", "4.10"),
        ("4.18.0-rc2", "4.18"),
        ("5.0.21", "4.18"),
        ("5.1.0", "5.1"),
        ("6.2.16", "5.1"),
        ("6.3.0", "6.3"),
        ("4.8.0-rc7-00219-g3f74c9559583-dirty", "4.4"),
        ("5.15.0-105-generic", "5.1"),
        ("6.1.0-25-amd64", "5.1"),
        ("4.14.113-g1234abcd-android", "4.10"),
        ("2.6.32-431.el6.x86_64", "2.6.31"),
        ("6.7.0-rc4-00178-g816d334afa85", "6.3"),
        ("next-20250618", "6.3"),
        ("next-20221101", "5.1"),
        ("next-20180601", "4.18"),
        ("4.9.0-0.rc8.git2.1.fc26.x86_64", "4.4"),
        ("4.18.0-147.el8.x86_64", "4.18"),
        ("5.13.0-rc5-next-20210611-llvm", "5.1"),
        ("7.0.0-0.rc4.1.qubes.1001.fc41.x86_64", "6.3"),
        ("v6.12", "6.3"),
        ("3.0.101-80-default", "2.6.31"),
    ],
)
def test_layout_for_release(release, layout):
    assert gfp.layout_for_release(release) == layout


@pytest.mark.parametrize("release", [None, "", "unknown", "2.4.37", "garbage"])
def test_layout_for_release_unparseable(release):
    assert gfp.layout_for_release(release) is None


def test_name_table_follows_release_inside_a_layout():
    """Bits stay, names change: GFP_TEMPORARY until 4.13, bit-order singles from 6.15."""
    temporary = 0x14000D0  # GFP_KERNEL|__GFP_RECLAIMABLE in the 4.10 layout (hand-made)
    assert gfp.decode(temporary, "4.10", release="4.13.0").text == "GFP_TEMPORARY"
    assert gfp.decode(temporary, "4.10", release="4.15.0").text == "GFP_KERNEL|__GFP_RECLAIMABLE"
    # 043's mask, as a 6.15+ kernel would print it (no real report shows this order yet).
    assert (
        gfp.decode(0x408D40, "6.3", release="6.15.0").text
        == "GFP_NOFS|__GFP_ZERO|__GFP_NOFAIL|__GFP_ACCOUNT"
    )
    assert (
        gfp.check_names(0x408D40, "GFP_NOFS|__GFP_ZERO|__GFP_NOFAIL|__GFP_ACCOUNT", "6.3") is None
    )
    # 4.15 dropped __GFP_COLD/__GFP_NOTRACK; their bits print as hex there.
    assert (
        gfp.decode(0x16040D0, "4.10", release="4.15.3").text
        == "GFP_KERNEL|__GFP_COMP|__GFP_RECLAIMABLE|0x200000"
    )


def test_wrong_release_falls_back_to_layout_default():
    assert gfp.decode(0xCC0, "5.1", release="4.8").text == "GFP_KERNEL"
    with pytest.raises(ValueError):
        gfp.decode(0xCC0, "9.9")


def test_pre44_bits():
    """The hex-only eras: __GFP_MOVABLE at 0x100000 in 2.6.23–2.6.30, 0x08 from 2.6.31."""
    old = gfp.decode(0x1201D2, "2.6.23")  # 002
    assert old.flags == (
        "__GFP_HIGHMEM",
        "__GFP_WAIT",
        "__GFP_IO",
        "__GFP_FS",
        "__GFP_COLD",
        "__GFP_HARDWALL",
        "__GFP_MOVABLE",
    )
    assert old.highest_zone == "Movable" and old.migratetype == "Movable"
    assert old.has("DIRECT_RECLAIM") and old.has("WAIT")
    newer = gfp.decode(0x201DA, "2.6.31")  # 017
    assert newer.highest_zone == "Movable" and newer.migratetype == "Movable"
    assert gfp.decode(0x840D0, "2.6.31").migratetype == "Reclaimable"  # 008
    assert gfp.decode(0xD2, "2.6.0").highest_zone == "HighMem"  # 014
    assert gfp.decode(0xD2, "2.6.0").migratetype == "Unmovable"  # no grouping before 2.6.23
    assert gfp.decode(0x20, "2.6.31").text == "GFP_ATOMIC"
    assert not gfp.decode(0x20, "2.6.31").has("DIRECT_RECLAIM")
    assert gfp.decode(0xD2, "2.6.14").text == "GFP_KERNEL|__GFP_HIGHMEM"  # no HARDWALL


@pytest.mark.parametrize(
    ("mask", "zone"),
    [
        (0x0, "Normal"),
        (0x1, "DMA"),
        (0x2, "HighMem"),
        (0x4, "DMA32"),
        (0x8, "Normal"),
        (0x9, "DMA"),
        (0xA, "Movable"),
        (0xC, "DMA32"),
        (0x3, "invalid"),
        (0x5, "invalid"),
        (0x6, "invalid"),
        (0xB, "invalid"),
        (0xE, "invalid"),
    ],
)
def test_gfp_zone_table(mask, zone):
    assert gfp.decode(mask, "5.1").highest_zone == zone


def test_zone_index_maps_names_to_the_arch():
    x86_64 = gfp.GFP_ZONE_NAMES["x86_64"]
    i386 = gfp.GFP_ZONE_NAMES["i386"]
    assert [gfp.zone_index(z) for z in ("DMA", "DMA32", "Normal", "Movable")] == [0, 1, 2, 3]
    assert gfp.zone_index("HighMem", x86_64) == 2  # no CONFIG_HIGHMEM: Normal
    assert gfp.zone_index("HighMem", i386) == 2
    assert gfp.zone_index("DMA32", i386) == 1  # no ZONE_DMA32 on i386: Normal
    assert gfp.zone_index("Movable", i386) == 3
    assert gfp.zone_index("invalid") is None


def test_flags_from_names():
    got = gfp.flags_from_names("GFP_KERNEL|__GFP_COMP|0x100000", "5.1")
    assert got == (
        "__GFP_IO",
        "__GFP_FS",
        "__GFP_DIRECT_RECLAIM",
        "__GFP_KSWAPD_RECLAIM",
        "__GFP_COMP",
        "__GFP_HARDWALL",
    )
    assert got.mask == 0x140CC0 and got.unknown == () and got.unplaced == ()
    odd = gfp.flags_from_names("GFP_KERNEL|GFP_BOGUS|__GFP_NOLOCKDEP", "6.3")
    assert odd.unknown == ("GFP_BOGUS",) and odd.unplaced == ("__GFP_NOLOCKDEP",)
    assert odd.mask == 0xCC0
    assert gfp.flags_from_names("", "6.3") == () and gfp.flags_from_names("", "6.3").mask == 0


def test_check_names_mismatches():
    assert "unknown" in gfp.check_names(0xCC0, "GFP_BOGUS", "5.1")
    msg = gfp.check_names(0xCC0, "GFP_KERNEL", "4.4")
    assert msg is not None and "0x24000c0" in msg
    # A config name may stand for a bit the layout cannot place (hand-made: 6.12+LOCKDEP).
    assert gfp.check_names(0x8000CC0, "GFP_KERNEL|__GFP_NOLOCKDEP", "6.3") is None


@pytest.mark.parametrize(
    ("mask", "layout"),
    [
        (0x24000C0, "4.4"),
        (0x14000C0, "4.10"),
        (0x6000C0, "4.18"),
        (0xA20, "5.1"),
        (0x820, "6.3"),
        (0x2080020, "4.4"),
        (0x1080020, "4.10"),
        (0x480020, "4.18"),
        (0xD0, "2.6.31"),
        (0x20, "2.6.31"),
        (0x1201D2, "2.6.23"),
        (0x201DA, "2.6.31"),
    ],
)
def test_layout_from_mask_without_names(mask, layout):
    """Values from the docs/kernel-rules.md §2.2 composite table and corpus headers; fingerprint only."""
    assert gfp.layout_from_mask(mask) == layout


def test_decoding_is_frozen_and_public_api_complete():
    decoded = gfp.decode(0xCC0, "6.3")
    with pytest.raises(AttributeError):
        decoded.mask = 1  # type: ignore[misc]
    assert gfp.LAYOUTS == (
        "2.6.0",
        "2.6.14",
        "2.6.23",
        "2.6.31",
        "4.4",
        "4.10",
        "4.18",
        "5.1",
        "6.3",
    )
