"""The nearest failing state: what the zones held at the decision, when the print shows a pass.

A report is printed after the failed attempt. Between the two, pages flow back
from the per-CPU lists (``free_pcp``), the vmstat counter ``free:`` drifts from
the buddy total, and another task may take or free one chunk. Where a printed
pass is closer to failing than those amounts, the state that failed is the
printed one less that much; where it passes by more, the report cannot say.
"""

from __future__ import annotations

from dataclasses import replace

from oomlens.model.freelist import chunk_bounds
from oomlens.model.replay import Replay, ZoneCheck
from oomlens.model.state import AllocatorState, FreeArea, ZoneState


def drift_pages(zone: ZoneState) -> int:
    """Pages the report shows may have moved between decision and print: the per-CPU
    lists and the gap between ``free:`` and the buddy total."""
    gap = abs(zone.free - zone.buddy_pages) if zone.buddy_pages is not None else 0
    return (zone.free_pcp or 0) + gap


def movable_pages(zone: ZoneState, order: int) -> int:
    """What the report shows can move between decision and print, in pages: the drift
    and one chunk of the order."""
    return drift_pages(zone) + (1 << order)


def _without_one_chunk(zone: ZoneState, order: int, letters: str) -> ZoneState | None:
    """The zone less its only usable chunk of ``order`` or above; None when it has more."""
    usable = [
        (a, chunk_bounds(a, letters)) for a in zone.areas or () if a.order >= order and a.count
    ]
    usable = [(a, b) for a, b in usable if b[1] > 0]
    if len(usable) != 1 or usable[0][1][1] != 1:
        return None
    area = usable[0][0]
    left = area.count - 1
    kept = "".join(ch for ch in area.letters if ch not in letters) if left else ""
    areas = tuple(FreeArea(a.order, left, kept) if a is area else a for a in zone.areas or ())
    pages = 1 << area.order
    buddy = None if zone.buddy_pages is None else zone.buddy_pages - pages
    return replace(zone, areas=areas, free=zone.free - pages, buddy_pages=buddy)


def _failing(zone: ZoneState, c: ZoneCheck, order: int) -> ZoneState | None:
    """The nearest failing version of one passing zone, or None beyond what can move."""
    if c.count.value and 0 < c.margin <= movable_pages(zone, order):
        free = zone.free - c.margin
        return replace(zone, free=free, buddy_pages=None if zone.buddy_pages is None else free)
    if zone.areas is not None and zone.has_letters:
        return _without_one_chunk(zone, order, c.letters)
    return None


def nearest_failing_state(state: AllocatorState, rp: Replay) -> AllocatorState | None:
    """The printed state with each passing zone moved to failing, or None if one cannot be."""
    changed: dict[int, ZoneState] = {}
    for c in rp.zones:
        if not c.success.value:
            continue
        failing = _failing(c.zone, c, rp.order)
        if failing is None:
            return None
        changed[id(c.zone)] = failing
    zones = tuple(changed.get(id(z), z) for z in state.zones)
    return replace(state, zones=zones)
