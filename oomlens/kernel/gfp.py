"""GFP mask decoding for every bit-layout era: flag names, %pGg text, gfp_zone, migratetype.

Layouts are named by the first release they apply to: "2.6.0", "2.6.14", "2.6.23", "2.6.31"
(none of these printed names; the text is what %pGg would have printed with that era's
names), then "4.4" (4.4–4.9), "4.10" (4.10–4.17), "4.18" (4.18–5.0), "5.1" (5.1–6.2) and
"6.3" (6.3+).  Inside a layout the bits stay put but the name table changes (GFP_TEMPORARY
until 4.13, GFP_TRANSHUGE_LIGHT from 4.8, bit-order singles from 6.15 ...): pass
``release=`` to pick the exact table, otherwise the layout's default table is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oomlens.kernel.gfp_tables import (
    CONFIG_NAMES,
    LAYOUTS_DATA,
    NEXT_DATES,
    Layout,
    Variant,
    Version,
)

LAYOUTS: tuple[str, ...] = tuple(lay.id for lay in LAYOUTS_DATA)
_BY_ID: dict[str, Layout] = {lay.id: lay for lay in LAYOUTS_DATA}

# Zone types the kernel is built with, lowest first (index = zone_idx).
GFP_ZONE_NAMES: dict[str, tuple[str, ...]] = {
    "x86_64": ("DMA", "DMA32", "Normal", "Movable"),
    "i386": ("DMA", "Normal", "HighMem", "Movable"),
}
ZONE_NAMES: tuple[str, ...] = ("DMA", "DMA32", "Normal", "HighMem", "Movable")

# gfp_zone() on the four zone-modifier bits (DMA 1, HIGHMEM 2, DMA32 4, MOVABLE 8):
# the GFP_ZONE_TABLE of 2.6.31+; missing keys are GFP_ZONE_BAD.
_ZONE_TABLE = {
    0x0: "Normal",
    0x1: "DMA",
    0x2: "HighMem",
    0x4: "DMA32",
    0x8: "Normal",
    0x9: "DMA",
    0xA: "Movable",
    0xC: "DMA32",
}


@dataclass(frozen=True)
class GfpDecoding:
    """A gfp_mask read under one layout."""

    mask: int
    layout: str
    flags: tuple[str, ...]  # individual "__GFP_*" names set, in bit order
    text: str  # what %pGg prints: "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"; leftovers as hex
    highest_zone: str  # "DMA" | "DMA32" | "Normal" | "HighMem" | "Movable" | "invalid"
    migratetype: str  # "Unmovable" | "Movable" | "Reclaimable" (+ "Reserve"/"HighAtomic")
    unknown_bits: int  # bits this layout (variant) has no name for

    def has(self, name: str) -> bool:
        """True when ``__GFP_<name>`` is set; pre-4.4 "DIRECT_RECLAIM" means __GFP_WAIT."""
        full = name if name.startswith("__GFP_") else f"__GFP_{name}"
        if full in self.flags:
            return True
        lay = _BY_ID.get(self.layout)
        return bool(
            lay and lay.wait_era and full == "__GFP_DIRECT_RECLAIM" and "__GFP_WAIT" in self.flags
        )


class FlagNames(tuple):
    """Flags named by a printed %pGg string; ``unknown`` holds tokens the layout lacks."""

    mask: int  # bits the tokens account for (names and hex leftovers)
    unknown: tuple[str, ...]  # tokens with no meaning in this layout
    unplaced: tuple[str, ...]  # config-dependent names whose bit cannot be told

    def __new__(
        cls, flags: tuple[str, ...], mask: int, unknown: tuple[str, ...], unplaced: tuple[str, ...]
    ) -> FlagNames:
        obj = super().__new__(cls, flags)
        obj.mask = mask
        obj.unknown = unknown
        obj.unplaced = unplaced
        return obj


# ---- releases ----

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")
_NEXT = re.compile(r"next-(\d{8})")


def parse_release(release: str | None) -> Version | None:
    """(major, minor[, patch for 2.6]) from a release string, or None."""
    if not release:
        return None
    m = _VERSION.match(release.strip())
    if not m:
        return None
    major, minor = int(m.group(1)), int(m.group(2))
    if major == 2:
        return (2, minor, int(m.group(3) or 0)) if minor == 6 else None
    return (major, minor) if 3 <= major <= 9 else None


def _layout_for_version(ver: Version) -> Layout | None:
    found = None
    for lay in LAYOUTS_DATA:
        if ver >= lay.first:
            found = lay
    return found


def layout_for_release(release: str | None) -> str | None:
    """Layout id for a kernel release ("5.15.0-105-generic", "next-20250618", ...), or None."""
    if not release:
        return None
    nxt = _NEXT.search(release)
    if nxt:
        found = "2.6.23"  # linux-next began in 2008
        for date, layout in NEXT_DATES:
            if nxt.group(1) >= date:
                found = layout
        return found
    ver = parse_release(release)
    lay = _layout_for_version(ver) if ver else None
    return lay.id if lay else None


def _variant(layout: str, release: str | None) -> Variant:
    lay = _BY_ID.get(layout)
    if lay is None:
        raise ValueError(f"unknown GFP layout {layout!r}; known: {', '.join(LAYOUTS)}")
    ver = parse_release(release) if release and not _NEXT.search(release) else None
    if ver is None or _layout_for_version(ver) is not lay:
        return lay.variants[lay.default]
    chosen = lay.variants[0]
    for var in lay.variants:
        if ver >= var.first:
            chosen = var
    return chosen


# ---- decoding ----


def render(mask: int, var: Variant) -> str:
    """The kernel's format_flags(): first matching table entries, then leftover bits in hex."""
    parts: list[str] = []
    left = mask
    for name, value in var.printed:
        if not left:
            break
        if value and left & value == value:
            parts.append(name)
            left &= ~value
    if left:
        parts.append(f"{left:#x}")
    return "|".join(parts)


def _zone(mask: int, lay: Layout) -> str:
    movable = bool(lay.movable_bit and mask & lay.movable_bit)
    if lay.zone_table:  # gfp_zone(): GFP_ZONE_TABLE / GFP_ZONE_BAD (2.6.31+)
        return _ZONE_TABLE.get((mask & 0x7) | (0x8 if movable else 0), "invalid")
    # Before 2.6.31 gfp_zone() tested DMA, DMA32, HIGHMEM|MOVABLE, HIGHMEM in turn.
    if mask & 0x1:
        return "DMA"
    if mask & 0x4 and lay.first >= (2, 6, 14):
        return "DMA32"
    if mask & 0x2:
        return "Movable" if movable else "HighMem"
    return "Normal"


def _migratetype(mask: int, lay: Layout, var: Variant) -> str:
    bits = dict(var.bits)
    movable = bool(mask & bits.get("__GFP_MOVABLE", 0))
    reclaimable = bool(mask & bits.get("__GFP_RECLAIMABLE", 0))
    if lay.grouping == "none":
        return "Unmovable"  # no mobility grouping before 2.6.23
    if movable and reclaimable:  # the kernel WARNs and uses index 3
        return "Reserve" if lay.grouping == "old" else "HighAtomic"
    return "Movable" if movable else "Reclaimable" if reclaimable else "Unmovable"


def decode(mask: int, layout: str, *, release: str | None = None) -> GfpDecoding:
    """Decode ``mask`` under ``layout`` (ValueError for an unknown layout id)."""
    lay = _BY_ID.get(layout)
    var = _variant(layout, release)
    assert lay is not None
    known = 0
    flags: list[str] = []
    for name, value in var.bits:
        known |= value
        if mask & value:
            flags.append(name)
    return GfpDecoding(
        mask=mask,
        layout=layout,
        flags=tuple(flags),
        text=render(mask, var),
        highest_zone=_zone(mask, lay),
        migratetype=_migratetype(mask, lay, var),
        unknown_bits=mask & ~known,
    )


# ---- printed names ----


def _token_value(token: str, var: Variant) -> int | None:
    for name, value in var.printed:
        if name == token:
            return value
    for name, value in var.composites + var.bits:
        if name == token:
            return value
    return None


def _expand(names: str, var: Variant) -> tuple[int, list[str], list[str]]:
    mask, unknown, unplaced = 0, [], []
    for token in (t.strip() for t in names.split("|")):
        if not token or token == "none":  # "none": 6.15-rc %pGg quirk, carries no bits
            continue
        if re.fullmatch(r"0x[0-9a-fA-F]+", token):
            mask |= int(token, 16)
            continue
        value = _token_value(token, var)
        if value is not None:
            mask |= value
        elif token in CONFIG_NAMES:
            unplaced.append(token)
        else:
            unknown.append(token)
    return mask, unknown, unplaced


def _candidates(layout: str, release: str | None) -> list[Variant]:
    first = _variant(layout, release)
    return [first] + [v for v in _BY_ID[layout].variants if v is not first]


def flags_from_names(names: str, layout: str, *, release: str | None = None) -> FlagNames:
    """Expand "GFP_KERNEL|__GFP_COMP|0x100000" into __GFP_ names (a tuple, see FlagNames)."""
    best = None
    for var in _candidates(layout, release):
        mask, unknown, unplaced = _expand(names, var)
        if best is None or len(unknown) < len(best[1]):
            best = (mask, unknown, unplaced, var)
        if not unknown:
            break
    assert best is not None
    mask, unknown, unplaced, var = best
    flags = tuple(name for name, value in var.bits if mask & value)
    return FlagNames(flags, mask, tuple(unknown), tuple(unplaced))


def _agrees(mask: int, names: str, var: Variant) -> bool:
    got, unknown, unplaced = _expand(names, var)
    if unknown:
        return False
    if got == mask:
        return True
    placed = 0
    for _, value in var.bits:
        placed |= value
    # Config-dependent names may stand for any bits this variant cannot place.
    return bool(unplaced) and got & ~mask == 0 and (mask & ~got) & placed == 0


def check_names(mask: int, names: str, layout: str, *, release: str | None = None) -> str | None:
    """None when the printed names agree with ``mask`` under ``layout``, else why not."""
    cands = _candidates(layout, release)
    if any(_agrees(mask, names, var) for var in cands):
        return None
    got, unknown, _ = _expand(names, cands[0])
    if unknown:
        return f"names {', '.join(unknown)} unknown in GFP layout {layout}"
    parts = []
    if mask & ~got:
        parts.append(f"mask bits {mask & ~got:#x} not named")
    if got & ~mask:
        parts.append(f"named bits {got & ~mask:#x} not in mask")
    return (
        f"{names or '(no names)'} is {got:#x} under layout {layout}, mask {mask:#x}: "
        + "; ".join(parts)
    )


def layout_from_mask(mask: int, names: str | None = None) -> str | None:
    """Era fingerprint when no release is known, using printed names if any.

    docs/kernel-rules.md §2.3.
    """
    if names is not None:
        # Names are printed from 4.5 on (some 4.4 distribution kernels backported them).
        named = [lay for lay in LAYOUTS_DATA if lay.first >= (4, 4)]
        exact = [
            lay.id
            for lay in named
            if any(render(mask, var) == names.strip() for var in lay.variants)
        ]
        agree = [lay.id for lay in named if any(_agrees(mask, names, var) for var in lay.variants)]
        for found in (exact, agree):
            if found:
                guess = _fingerprint(mask)
                return guess if guess in found else found[-1]
        partial = [
            lay.id
            for lay in named
            if not _expand(names, lay.variants[lay.default])[1]
            and _expand(names, lay.variants[lay.default])[0] & ~mask == 0
            and _expand(names, lay.variants[lay.default])[0]
        ]
        if partial:
            guess = _fingerprint(mask)
            return guess if guess in partial else partial[-1]
        return None
    return _fingerprint(mask)


# The layout a mask with no 4.4+ reclaim bit is read in by default: 2.6.31-4.3, though a
# 4.4+ mask without them (no kswapd, no direct reclaim) fits too.
GUESSED_LAYOUT = "2.6.31"


def _fingerprint(mask: int) -> str | None:
    """Guess the layout from the reclaim bits alone (a release string is always better)."""
    # Both reclaim bits of one era: GFP_KERNEL, GFP_NOIO, GFP_NOFS ... (docs/kernel-rules.md §2.3).
    for pair, layout in ((0x2400000, "4.4"), (0x1400000, "4.10"), (0x600000, "4.18")):
        if mask & pair == pair:
            return layout
    if mask & 0xC00 == 0xC00:
        return "5.1" if mask & 0x200 else "6.3"
    # Kswapd bit alone: GFP_ATOMIC / GFP_NOWAIT.
    if mask & 0x2000000:
        return "4.4"
    if mask & 0x1000000 and not mask & 0x10:
        return "4.10"
    if mask & 0x400000 and mask & 0x80000:
        return "4.18"
    if mask & 0x800 and mask & 0x20 and not mask & 0x10:
        return "5.1" if mask & 0x200 else "6.3"
    # No 4.4+ reclaim bit at all: __GFP_WAIT masks and GFP_ATOMIC 0x20 of older kernels.
    if mask & 0x100000 and mask & 0x2 and not mask & 0x8:
        return "2.6.23"  # __GFP_MOVABLE at 0x100000 (2.6.23–2.6.30)
    return GUESSED_LAYOUT


# ---- zones ----


def zone_index(name: str, zones: tuple[str, ...] = GFP_ZONE_NAMES["x86_64"]) -> int | None:
    """Index in ``zones`` of the highest zone a gfp_zone() result allows, or None if invalid.

    Mirrors the OPT_ZONE_* fallbacks: HighMem, DMA32 or DMA the kernel lacks mean Normal.
    """
    if name == "invalid":
        return None
    if name not in zones and name in ("HighMem", "DMA32", "DMA"):
        name = "Normal"
    return zones.index(name) if name in zones else None
