"""GFP bit values and %pGg name tables, one set per bit-layout era and its name-table variants."""

from __future__ import annotations

from dataclasses import dataclass

Version = tuple[int, ...]


@dataclass(frozen=True)
class Variant:
    """One release range inside a layout: the bits it defines and the names %pGg prints."""

    first: Version  # first release the variant applies to
    bits: tuple[tuple[str, int], ...]  # ("__GFP_X", value), in bit order
    printed: tuple[tuple[str, int], ...]  # %pGg table, in print order (composites first)
    composites: tuple[tuple[str, int], ...]  # every GFP_* composite the variant defines


@dataclass(frozen=True)
class Layout:
    """A GFP bit-layout era: bit positions shared by all its variants."""

    id: str
    first: Version
    variants: tuple[Variant, ...]  # oldest first
    default: int  # index of the variant used when no release is known
    wait_era: bool  # pre-4.4: __GFP_WAIT instead of DIRECT/KSWAPD_RECLAIM
    movable_bit: int  # 0 when the era has no __GFP_MOVABLE
    grouping: str  # "none" | "old" (2.6.23–4.3 enum) | "new" (4.4+ enum)
    zone_table: bool  # gfp_zone() by GFP_ZONE_TABLE (2.6.31+) instead of an if-chain


# Composites: name -> (names OR-ed together, names masked out).  A name is a bit
# ("IO") or an earlier composite ("GFP_USER").
_Composite = tuple[str, tuple[str, ...], tuple[str, ...]]

_OLD_COMPOSITE_ORDER = (
    "GFP_TRANSHUGE",
    "GFP_TRANSHUGE_LIGHT",
    "GFP_HIGHUSER_MOVABLE",
    "GFP_HIGHUSER",
    "GFP_USER",
    "GFP_TEMPORARY",
    "GFP_KERNEL_ACCOUNT",
    "GFP_KERNEL",
    "GFP_NOFS",
    "GFP_ATOMIC",
    "GFP_NOIO",
    "GFP_NOWAIT",
    "GFP_DMA",
    "__GFP_HIGHMEM",
    "GFP_DMA32",
)
# Singles in the order of the 4.5–6.14 table (mmflags.h __def_gfpflag_names).  Pre-4.4
# kernels printed no names: their bits take the place of the 4.4 bit they became.
_OLD_SINGLE_ORDER = (
    "HIGH",
    "ATOMIC",
    "IO",
    "FS",
    "COLD",
    "NOWARN",
    "REPEAT",
    "RETRY_MAYFAIL",
    "NOFAIL",
    "NORETRY",
    "NO_GROW",
    "COMP",
    "ZERO",
    "NOMEMALLOC",
    "MEMALLOC",
    "HARDWALL",
    "THISNODE",
    "RECLAIMABLE",
    "MOVABLE",
    "ACCOUNT",
    "KMEMCG",
    "NOACCOUNT",
    "NOTRACK",
    "WRITE",
    "GFP:__GFP_RECLAIM",
    "DIRECT_RECLAIM",
    "WAIT",
    "KSWAPD_RECLAIM",
    "NO_KSWAPD",
    "OTHER_NODE",
    "ZEROTAGS",
    "SKIP_ZERO",
    "SKIP_KASAN_POISON",
    "SKIP_KASAN_UNPOISON",
)
# 6.15+ (ca29a0bf1221 "tracing: gfp: Remove duplication of recording GFP flags"): the
# singles follow the bit enum, after GFP_DMA32 and __GFP_RECLAIM.
_NEW_COMPOSITE_ORDER = (
    "GFP_TRANSHUGE",
    "GFP_TRANSHUGE_LIGHT",
    "GFP_HIGHUSER_MOVABLE",
    "GFP_HIGHUSER",
    "GFP_USER",
    "GFP_KERNEL_ACCOUNT",
    "GFP_KERNEL",
    "GFP_NOFS",
    "GFP_ATOMIC",
    "GFP_NOIO",
    "GFP_NOWAIT",
    "GFP_DMA",
    "GFP_DMA32",
    "__GFP_RECLAIM",
)
_NEW_SINGLE_ORDER = (
    "DMA",
    "HIGHMEM",
    "DMA32",
    "MOVABLE",
    "RECLAIMABLE",
    "HIGH",
    "IO",
    "FS",
    "ZERO",
    "DIRECT_RECLAIM",
    "KSWAPD_RECLAIM",
    "WRITE",
    "NOWARN",
    "RETRY_MAYFAIL",
    "NOFAIL",
    "NORETRY",
    "MEMALLOC",
    "COMP",
    "NOMEMALLOC",
    "HARDWALL",
    "THISNODE",
    "ACCOUNT",
    "ZEROTAGS",
)

# Names that exist only with some configs and whose bit moves with them (6.10+ enum,
# and the KASAN/lockdep bits generally): recognised in printed names, never placed.
CONFIG_NAMES = frozenset(
    {
        "__GFP_NOLOCKDEP",
        "__GFP_SKIP_ZERO",
        "__GFP_SKIP_KASAN",
        "__GFP_SKIP_KASAN_POISON",
        "__GFP_SKIP_KASAN_UNPOISON",
        "__GFP_NO_OBJ_EXT",
        "__GFP_ZEROTAGS",
        "__GFP_CMA",
    }
)


def _value(name: str, bits: dict[str, int], comps: dict[str, int]) -> int:
    if name.startswith("GFP_") or name == "__GFP_RECLAIM":
        return comps[name]
    return bits[name]


def _variant(
    first: Version,
    bits: dict[str, int],
    comp_defs: tuple[_Composite, ...],
    *,
    new_order: bool = False,
    unprinted: tuple[str, ...] = (),
) -> Variant:
    comps: dict[str, int] = {}
    for name, plus, minus in comp_defs:
        value = 0
        for part in plus:
            value |= _value(part, bits, comps)
        for part in minus:
            value &= ~_value(part, bits, comps)
        comps[name] = value
    printed: list[tuple[str, int]] = []
    comp_order = _NEW_COMPOSITE_ORDER if new_order else _OLD_COMPOSITE_ORDER
    single_order = _NEW_SINGLE_ORDER if new_order else _OLD_SINGLE_ORDER
    for name in comp_order:
        if name == "__GFP_HIGHMEM":
            printed.append((name, bits["HIGHMEM"]))
        elif name in comps and comps[name]:
            printed.append((name, comps[name]))
    for name in single_order:
        if name.startswith("GFP:"):
            if name[4:] in comps:
                printed.append((name[4:], comps[name[4:]]))
        elif name in bits and name not in unprinted:
            printed.append((f"__GFP_{name}", bits[name]))
    ordered = sorted(bits.items(), key=lambda kv: kv[1])
    return Variant(
        first=first,
        bits=tuple((f"__GFP_{k}", v) for k, v in ordered),
        printed=tuple(printed),
        composites=tuple((k, v) for k, v in comps.items() if k.startswith("GFP_")),
    )


# ---- pre-4.4: kernels printed the hex mask only; names below are for the reader ----

_P26_BITS = {
    "DMA": 0x1,
    "HIGHMEM": 0x2,
    "WAIT": 0x10,
    "HIGH": 0x20,
    "IO": 0x40,
    "FS": 0x80,
    "COLD": 0x100,
    "NOWARN": 0x200,
    "REPEAT": 0x400,
    "NOFAIL": 0x800,
    "NORETRY": 0x1000,
    "NO_GROW": 0x2000,
    "COMP": 0x4000,
    "ZERO": 0x8000,
    "NOMEMALLOC": 0x10000,
}
_P26_COMPS: tuple[_Composite, ...] = (
    ("GFP_KERNEL", ("WAIT", "IO", "FS"), ()),
    # 2.6.0–2.6.13: GFP_USER is GFP_KERNEL itself, so only GFP_KERNEL is named.
    ("GFP_HIGHUSER", ("GFP_KERNEL", "HIGHMEM"), ()),
    ("GFP_NOFS", ("WAIT", "IO"), ()),
    ("GFP_ATOMIC", ("HIGH",), ()),
    ("GFP_NOIO", ("WAIT",), ()),
    ("GFP_DMA", ("DMA",), ()),
)
# 2.6.14: __GFP_HARDWALL (cpusets) joins GFP_USER; DMA32 (2.6.15), THISNODE (2.6.18) follow.
_P2614_BITS = {**_P26_BITS, "DMA32": 0x4, "HARDWALL": 0x20000, "THISNODE": 0x40000}
_P2614_COMPS: tuple[_Composite, ...] = (
    ("GFP_KERNEL", ("WAIT", "IO", "FS"), ()),
    ("GFP_USER", ("GFP_KERNEL", "HARDWALL"), ()),
    ("GFP_HIGHUSER", ("GFP_USER", "HIGHMEM"), ()),
    ("GFP_NOFS", ("WAIT", "IO"), ()),
    ("GFP_ATOMIC", ("HIGH",), ()),
    ("GFP_NOIO", ("WAIT",), ()),
    ("GFP_DMA", ("DMA",), ()),
    ("GFP_DMA32", ("DMA32",), ()),
)
# 2.6.23: mobility grouping, __GFP_RECLAIMABLE 0x80000 and __GFP_MOVABLE 0x100000.
_P2623_BITS = {k: v for k, v in _P2614_BITS.items() if k != "NO_GROW"}
_P2623_BITS.update({"RECLAIMABLE": 0x80000, "MOVABLE": 0x100000})
_P2623_COMPS = _P2614_COMPS + (
    ("GFP_HIGHUSER_MOVABLE", ("GFP_HIGHUSER", "MOVABLE"), ()),
    ("GFP_TEMPORARY", ("GFP_KERNEL", "RECLAIMABLE"), ()),
)
# 2.6.31: __GFP_MOVABLE moves to 0x08 for GFP_ZONE_TABLE (Christoph Lameter, 2009);
# kmemcheck's __GFP_NOTRACK 0x200000.  Later bits: NO_KSWAPD, OTHER_NODE (2.6.38/39),
# WRITE (3.2), MEMALLOC (3.6); 0x100000 was KMEMCG in 3.8–3.14 and NOACCOUNT in 4.1–4.3.
_P2631_BITS = {k: v for k, v in _P2623_BITS.items() if k != "MOVABLE"}
_P2631_BITS.update({"MOVABLE": 0x8, "NOTRACK": 0x200000})
_P2638_BITS = {
    **_P2631_BITS,
    "NO_KSWAPD": 0x400000,
    "OTHER_NODE": 0x800000,
    "WRITE": 0x1000000,
    "MEMALLOC": 0x2000,
}
_P2638_COMPS = _P2623_COMPS + (
    (
        "GFP_TRANSHUGE",
        ("GFP_HIGHUSER_MOVABLE", "COMP", "NOMEMALLOC", "NORETRY", "NOWARN", "NO_KSWAPD"),
        (),
    ),
)

# ---- 4.4 → : __GFP_WAIT split into ATOMIC / DIRECT_RECLAIM / KSWAPD_RECLAIM (d0164adc89f6) ----

_L44_BITS = {
    "DMA": 0x1,
    "HIGHMEM": 0x2,
    "DMA32": 0x4,
    "MOVABLE": 0x8,
    "RECLAIMABLE": 0x10,
    "HIGH": 0x20,
    "IO": 0x40,
    "FS": 0x80,
    "COLD": 0x100,
    "NOWARN": 0x200,
    "REPEAT": 0x400,
    "NOFAIL": 0x800,
    "NORETRY": 0x1000,
    "MEMALLOC": 0x2000,
    "COMP": 0x4000,
    "ZERO": 0x8000,
    "NOMEMALLOC": 0x10000,
    "HARDWALL": 0x20000,
    "THISNODE": 0x40000,
    "ATOMIC": 0x80000,
    "ACCOUNT": 0x100000,
    "NOTRACK": 0x200000,
    "DIRECT_RECLAIM": 0x400000,
    "OTHER_NODE": 0x800000,
    "WRITE": 0x1000000,
    "KSWAPD_RECLAIM": 0x2000000,
}
_BASE_COMPS: tuple[_Composite, ...] = (
    ("__GFP_RECLAIM", ("DIRECT_RECLAIM", "KSWAPD_RECLAIM"), ()),
    ("GFP_ATOMIC", ("HIGH", "ATOMIC", "KSWAPD_RECLAIM"), ()),
    ("GFP_KERNEL", ("__GFP_RECLAIM", "IO", "FS"), ()),
    ("GFP_KERNEL_ACCOUNT", ("GFP_KERNEL", "ACCOUNT"), ()),
    ("GFP_NOWAIT", ("KSWAPD_RECLAIM",), ()),
    ("GFP_NOIO", ("__GFP_RECLAIM",), ()),
    ("GFP_NOFS", ("__GFP_RECLAIM", "IO"), ()),
    ("GFP_USER", ("__GFP_RECLAIM", "IO", "FS", "HARDWALL"), ()),
    ("GFP_DMA", ("DMA",), ()),
    ("GFP_DMA32", ("DMA32",), ()),
    ("GFP_HIGHUSER", ("GFP_USER", "HIGHMEM"), ()),
    ("GFP_HIGHUSER_MOVABLE", ("GFP_HIGHUSER", "MOVABLE"), ()),
)
_TEMPORARY: _Composite = ("GFP_TEMPORARY", ("__GFP_RECLAIM", "IO", "FS", "RECLAIMABLE"), ())
# 4.4–4.5: THP masks drop only kswapd; 4.6 (Mel Gorman's THP defrag rework) drops both.
_TH_44: _Composite = (
    "GFP_TRANSHUGE",
    ("GFP_HIGHUSER_MOVABLE", "COMP", "NOMEMALLOC", "NORETRY", "NOWARN"),
    ("KSWAPD_RECLAIM",),
)
_TH_46: _Composite = (
    "GFP_TRANSHUGE",
    ("GFP_HIGHUSER_MOVABLE", "COMP", "NOMEMALLOC", "NORETRY", "NOWARN"),
    ("__GFP_RECLAIM",),
)
# 4.8: GFP_TRANSHUGE_LIGHT, and GFP_TRANSHUGE = LIGHT | DIRECT_RECLAIM.
_TH_48: tuple[_Composite, ...] = (
    (
        "GFP_TRANSHUGE_LIGHT",
        ("GFP_HIGHUSER_MOVABLE", "COMP", "NOMEMALLOC", "NOWARN"),
        ("__GFP_RECLAIM",),
    ),
    ("GFP_TRANSHUGE", ("GFP_TRANSHUGE_LIGHT", "DIRECT_RECLAIM"), ()),
)


def _no(bits: dict[str, int], *names: str) -> dict[str, int]:
    return {k: v for k, v in bits.items() if k not in names}


_L44_NOACCT = {**_no(_L44_BITS, "ACCOUNT"), "NOACCOUNT": 0x100000}
_BASE_NOACCT = tuple(c for c in _BASE_COMPS if c[0] != "GFP_KERNEL_ACCOUNT")

# 4.10: "mm: remove __GFP_OTHER_NODE" moves WRITE and KSWAPD_RECLAIM down one bit.
_L410_BITS = {**_no(_L44_BITS, "OTHER_NODE"), "WRITE": 0x800000, "KSWAPD_RECLAIM": 0x1000000}
# 4.12 adds __GFP_NOLOCKDEP 0x2000000 (LOCKDEP only; not in the %pGg table).
_L412_BITS = {**_L410_BITS, "NOLOCKDEP": 0x2000000}
# 4.13: __GFP_REPEAT becomes __GFP_RETRY_MAYFAIL (same bit).
_L413_BITS = {**_no(_L412_BITS, "REPEAT"), "RETRY_MAYFAIL": 0x400}
# 4.15: __GFP_COLD and __GFP_NOTRACK gone; their bits stay unused until 4.18.
_L415_BITS = _no(_L413_BITS, "COLD", "NOTRACK")

# 4.18: Shakeel Butt's compaction of the freed bits.
_L418_BITS = {
    "DMA": 0x1,
    "HIGHMEM": 0x2,
    "DMA32": 0x4,
    "MOVABLE": 0x8,
    "RECLAIMABLE": 0x10,
    "HIGH": 0x20,
    "IO": 0x40,
    "FS": 0x80,
    "WRITE": 0x100,
    "NOWARN": 0x200,
    "RETRY_MAYFAIL": 0x400,
    "NOFAIL": 0x800,
    "NORETRY": 0x1000,
    "MEMALLOC": 0x2000,
    "COMP": 0x4000,
    "ZERO": 0x8000,
    "NOMEMALLOC": 0x10000,
    "HARDWALL": 0x20000,
    "THISNODE": 0x40000,
    "ATOMIC": 0x80000,
    "ACCOUNT": 0x100000,
    "DIRECT_RECLAIM": 0x200000,
    "KSWAPD_RECLAIM": 0x400000,
    "NOLOCKDEP": 0x800000,
}

# 5.1: Alexey Dobriyan's "mm: shuffle GFP_* flags".
_L51_BITS = {
    "DMA": 0x1,
    "HIGHMEM": 0x2,
    "DMA32": 0x4,
    "MOVABLE": 0x8,
    "RECLAIMABLE": 0x10,
    "HIGH": 0x20,
    "IO": 0x40,
    "FS": 0x80,
    "ZERO": 0x100,
    "ATOMIC": 0x200,
    "DIRECT_RECLAIM": 0x400,
    "KSWAPD_RECLAIM": 0x800,
    "WRITE": 0x1000,
    "NOWARN": 0x2000,
    "RETRY_MAYFAIL": 0x4000,
    "NOFAIL": 0x8000,
    "NORETRY": 0x10000,
    "MEMALLOC": 0x20000,
    "COMP": 0x40000,
    "NOMEMALLOC": 0x80000,
    "HARDWALL": 0x100000,
    "THISNODE": 0x200000,
    "ACCOUNT": 0x400000,
    "NOLOCKDEP": 0x800000,
}
# 5.14: __GFP_ZEROTAGS 0x800000 (printed), SKIP_KASAN_POISON, NOLOCKDEP pushed up.
_L514_BITS = {
    **_L51_BITS,
    "ZEROTAGS": 0x800000,
    "SKIP_KASAN_POISON": 0x1000000,
    "NOLOCKDEP": 0x2000000,
}
# 5.18: SKIP_ZERO / SKIP_KASAN_UNPOISON / SKIP_KASAN_POISON (only with KASAN_HW_TAGS).
_L518_BITS = {
    **_L51_BITS,
    "ZEROTAGS": 0x800000,
    "SKIP_ZERO": 0x1000000,
    "SKIP_KASAN_UNPOISON": 0x2000000,
    "SKIP_KASAN_POISON": 0x4000000,
    "NOLOCKDEP": 0x8000000,
}
# 6.3: "mm: discard __GFP_ATOMIC" (2973d8229b78) frees 0x200.
_L63_BITS = _no(_L518_BITS, "ATOMIC")
_L63_COMPS = tuple(
    c if c[0] != "GFP_ATOMIC" else ("GFP_ATOMIC", ("HIGH", "KSWAPD_RECLAIM"), ())
    for c in _BASE_COMPS
)
# 6.10: "mm: enumerate all gfp flags" (772dd0342727): bits above ZEROTAGS depend on config.
_L610_BITS = {k: v for k, v in _L63_BITS.items() if v <= 0x800000}

_CFG = ("NOLOCKDEP",)  # never in the %pGg table before 6.15
_KASAN_514 = ("SKIP_KASAN_POISON",)  # 5.14–5.17 table: UNVERIFIED, printed as hex here

LAYOUTS_DATA: tuple[Layout, ...] = (
    Layout(
        "2.6.0", (2, 6, 0), (_variant((2, 6, 0), _P26_BITS, _P26_COMPS),), 0, True, 0, "none", False
    ),
    Layout(
        "2.6.14",
        (2, 6, 14),
        (_variant((2, 6, 14), _P2614_BITS, _P2614_COMPS),),
        0,
        True,
        0,
        "none",
        False,
    ),
    Layout(
        "2.6.23",
        (2, 6, 23),
        (_variant((2, 6, 23), _P2623_BITS, _P2623_COMPS),),
        0,
        True,
        0x100000,
        "old",
        False,
    ),
    Layout(
        "2.6.31",
        (2, 6, 31),
        (
            _variant((2, 6, 31), _P2631_BITS, _P2623_COMPS),
            _variant((2, 6, 38), _P2638_BITS, _P2638_COMPS),
            _variant((3, 8), {**_P2638_BITS, "KMEMCG": 0x100000}, _P2638_COMPS),
            _variant((3, 15), _P2638_BITS, _P2638_COMPS),
            _variant((4, 1), {**_P2638_BITS, "NOACCOUNT": 0x100000}, _P2638_COMPS),
        ),
        1,
        True,
        0x8,
        "old",
        True,
    ),
    Layout(
        "4.4",
        (4, 4),
        (
            _variant((4, 4), _L44_NOACCT, _BASE_NOACCT + (_TEMPORARY, _TH_44)),
            _variant((4, 5), _L44_BITS, _BASE_COMPS + (_TEMPORARY, _TH_44)),
            _variant((4, 6), _L44_BITS, _BASE_COMPS + (_TEMPORARY, _TH_46)),
            _variant((4, 8), _L44_BITS, _BASE_COMPS + (_TEMPORARY,) + _TH_48),
        ),
        3,
        False,
        0x8,
        "new",
        True,
    ),
    Layout(
        "4.10",
        (4, 10),
        (
            _variant((4, 10), _L410_BITS, _BASE_COMPS + (_TEMPORARY,) + _TH_48),
            _variant((4, 12), _L412_BITS, _BASE_COMPS + (_TEMPORARY,) + _TH_48, unprinted=_CFG),
            _variant((4, 13), _L413_BITS, _BASE_COMPS + (_TEMPORARY,) + _TH_48, unprinted=_CFG),
            _variant((4, 14), _L413_BITS, _BASE_COMPS + _TH_48, unprinted=_CFG),
            _variant((4, 15), _L415_BITS, _BASE_COMPS + _TH_48, unprinted=_CFG),
        ),
        0,
        False,
        0x8,
        "new",
        True,
    ),
    Layout(
        "4.18",
        (4, 18),
        (_variant((4, 18), _L418_BITS, _BASE_COMPS + _TH_48, unprinted=_CFG),),
        0,
        False,
        0x8,
        "new",
        True,
    ),
    Layout(
        "5.1",
        (5, 1),
        (
            _variant((5, 1), _L51_BITS, _BASE_COMPS + _TH_48, unprinted=_CFG),
            _variant((5, 14), _L514_BITS, _BASE_COMPS + _TH_48, unprinted=_CFG + _KASAN_514),
            _variant((5, 18), _L518_BITS, _BASE_COMPS + _TH_48, unprinted=_CFG),
        ),
        2,
        False,
        0x8,
        "new",
        True,
    ),
    Layout(
        "6.3",
        (6, 3),
        (
            _variant((6, 3), _L63_BITS, _L63_COMPS + _TH_48, unprinted=_CFG),
            _variant((6, 10), _L610_BITS, _L63_COMPS + _TH_48),
            _variant((6, 15), _L610_BITS, _L63_COMPS + _TH_48, new_order=True),
        ),
        1,
        False,
        0x8,
        "new",
        True,
    ),
)

# linux-next snapshots carry the next merge window's code: a snapshot dated on or after
# the -rc1 of the release before a layout's first release already has that layout.
NEXT_DATES: tuple[tuple[str, str], ...] = (
    ("20090407", "2.6.31"),  # 2.6.30-rc1
    ("20150912", "4.4"),  # 4.3-rc1
    ("20161015", "4.10"),  # 4.9-rc1
    ("20180415", "4.18"),  # 4.17-rc1
    ("20190106", "5.1"),  # 5.0-rc1
    ("20221225", "6.3"),  # 6.2-rc1
)
