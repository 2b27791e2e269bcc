"""Which free lists a request may take from, and what the buddy line proves about them.

Mirrors ``rmqueue``/``rmqueue_buddy``, ``__rmqueue`` and ``__rmqueue_fallback``
per era, and the per-migratetype bounds of docs/kernel-rules.md §8.3: a letter
printed at an order means at least one chunk of that type; the count less one
for each other letter is the most it can hold.
"""

from __future__ import annotations

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.model.flags import AllocFlags
from oomlens.model.slowpath import COSTLY_ORDER
from oomlens.model.state import FreeArea, Interval, ZoneState

LETTER = {"Unmovable": "U", "Movable": "M", "Reclaimable": "E"}
# fallbacks[] in mm/page_alloc.c, unchanged 4.4 → today; H, C, I are never fallback sources.
FALLBACKS = {"U": "EM", "M": "EU", "E": "UM"}


def reaches_buddy(
    order: int, migratetype: str, flags: AllocFlags, profile: KernelProfile, thp_order: int | None
) -> bool:
    """Whether a request that missed its pcp list gets to ``rmqueue_buddy``.

    ``thp_order``: pageblock_order where the kernel has CONFIG_TRANSPARENT_HUGEPAGE, else
    None (AllocatorState.thp_order). docs/kernel-rules.md §4.2.
    """
    pcp = order == 0
    if profile.has(Feature.PCP_HIGH_ORDER):
        # pcp_allowed_order(), 44042b449872 (5.13): orders <= PAGE_ALLOC_COSTLY_ORDER, and
        # pageblock_order under #ifdef CONFIG_TRANSPARENT_HUGEPAGE only
        pcp = order <= COSTLY_ORDER or order == thp_order
    if not pcp:
        return True
    if profile.has(Feature.MOVABLE_SKIPS_PCP) and migratetype == "Movable" and not flags.cma:
        return True  # 1d91df85f399 (5.9): MOVABLE without ALLOC_CMA bypasses the pcp
    return profile.has(Feature.PCP_MISS_TO_BUDDY)  # 6.0: a pcp miss falls through to rmqueue_buddy


def may_take_highatomic(
    order: int, migratetype: str, flags: AllocFlags, profile: KernelProfile, thp_order: int | None
) -> bool:
    """Whether ``rmqueue`` may take from MIGRATE_HIGHATOMIC lists for this request.

    docs/kernel-rules.md §4.3.
    """
    if not profile.has(Feature.HIGHATOMIC):
        return False
    # Every path to H is in the buddy half of rmqueue: a request its pcp list takes
    # (5.13-5.19 and 5.15.y: orders up to 3 too) never gets there (docs/kernel-rules.md §4.2).
    if not reaches_buddy(order, migratetype, flags, profile, thp_order):
        return False
    if profile.has(Feature.ALLOC_RESERVES):
        if order > 0 and flags.highatomic:  # rmqueue_buddy: ALLOC_HIGHATOMIC tries H first
            return True
        if profile.has(Feature.ORDER0_ATOMIC_HIGHATOMIC):
            # 281dd25c1a01 (6.12-rc6, 5.15.171, 6.1.116, 6.6.60)
            return flags.oom or flags.non_block
        return flags.oom  # 6.3: ALLOC_OOM takes H after __rmqueue fails
    # 0aaa29a56e4f (4.4) .. 6.2: buffered_rmqueue/rmqueue try H only for order > 0 && HARDER
    return order > 0 and flags.harder


def usable_letters(
    order: int, migratetype: str, flags: AllocFlags, profile: KernelProfile, thp_order: int | None
) -> str:
    """Letters of the lists ``__rmqueue`` (plus the era's H and CMA paths) may take from."""
    mt = LETTER[migratetype]
    out = mt + FALLBACKS[mt]
    if flags.cma:
        out += "C"
    if not profile.has(Feature.HIGHATOMIC):
        out += "R"  # before 0aaa29a56e4f (4.4): MIGRATE_RESERVE is every type's last fallback
    elif may_take_highatomic(order, migratetype, flags, profile, thp_order):
        out += "H"
    return out


def freelist_result(zone: ZoneState, order: int, letters: str) -> str:
    """Can the buddy lists serve ``order`` from ``letters``: 'pass', 'fail' or 'depends'."""
    if zone.areas is None:
        return "depends"
    nonempty = [a for a in zone.areas if a.order >= order and a.count > 0]
    if not nonempty:
        return "fail"
    if not zone.has_letters:
        # Before 3.8 no letters are printed; before 4.4 every type falls back to every
        # other and to MIGRATE_RESERVE, so only CMA pages can be out of reach.
        return "pass" if "R" in letters and not zone.cma else "depends"
    want = set(letters)
    if any(not want.isdisjoint(a.letters) for a in nonempty):
        return "pass"
    if all(a.letters for a in nonempty):
        return "fail"
    return "depends"


def _split(count: int, shown: set[str], want: set[str]) -> tuple[int, int, int]:
    """(fewest, nominal, most) of ``count`` chunks on ``want`` lists, ``shown`` letters printed."""
    ours = shown & want
    if not count or not ours:
        return 0, 0, 0
    if shown <= want:
        return count, count, count
    if count < len(shown):
        # a racy print (counts and letters read at different times): only 0..count is sound
        return 0, min(count, len(ours)), count
    lo, hi = len(ours), count - len(shown - ours)
    return lo, min(hi, max(lo, round(count * len(ours) / len(shown)))), hi


def chunk_split(area: FreeArea, letters: str, h_pinned: int | None = None) -> tuple[int, int, int]:
    """(fewest, nominal, most) chunks at this order on any of ``letters`` (docs/kernel-rules.md §8.3).

    A letter printed at an order means at least one chunk of that type; the count
    less one for each other letter is the most it can hold. ``h_pinned`` fixes the
    MIGRATE_HIGHATOMIC share (a drawn or counterfactual state).
    """
    shown, want = set(area.letters), set(letters)
    if h_pinned is None or "H" not in shown:
        return _split(area.count, shown, want)
    h = min(h_pinned, area.count)
    rest = _split(area.count - h, shown - {"H"}, want)
    if "H" in want:
        return rest[0] + h, rest[1] + h, rest[2] + h
    return rest


def chunk_bounds(area: FreeArea, letters: str, h_pinned: int | None = None) -> Interval:
    """(fewest, most) chunks at this order on any of ``letters``."""
    lo, _, hi = chunk_split(area, letters, h_pinned)
    return lo, hi


def _pinned(zone: ZoneState, order: int) -> int | None:
    if zone.h_chunks is None or order >= len(zone.h_chunks):
        return None
    return zone.h_chunks[order]


def type_pages(
    zone: ZoneState, letters: str, min_order: int = 0, max_order: int | None = None
) -> Interval:
    """Free pages on ``letters`` lists at orders in [min_order, max_order]."""
    lo, _, hi = type_pages_split(zone, letters, min_order, max_order)
    return lo, hi


def type_pages_split(
    zone: ZoneState, letters: str, min_order: int = 0, max_order: int | None = None
) -> tuple[int, int, int]:
    """(fewest, nominal, most) free pages on ``letters`` lists at orders in the range."""
    if zone.areas is None:
        return 0, 0, zone.free_bounds[1]
    lo = nom = hi = 0
    want = set(letters)
    for a in zone.areas:
        if a.order < min_order or (max_order is not None and a.order > max_order):
            continue
        if not a.count or want.isdisjoint(a.letters):
            continue  # no chunk, or none of its letters wanted: (0, 0, 0), pinned or not
        c_lo, c_nom, c_hi = chunk_split(a, letters, _pinned(zone, a.order))
        lo += c_lo << a.order
        nom += c_nom << a.order
        hi += c_hi << a.order
    return lo, nom, hi


def highatomic_chunks(zone: ZoneState) -> tuple[tuple[int, int, int], ...]:
    """(order, fewest, most) H chunks per order, lowest order first."""
    if zone.areas is None:
        return ()
    out = []
    for a in zone.areas:
        if not a.count or "H" not in a.letters:
            continue  # no H chunk, pinned or not
        lo, hi = chunk_bounds(a, "H", _pinned(zone, a.order))
        if hi:
            out.append((a.order, lo, hi))
    return tuple(out)
