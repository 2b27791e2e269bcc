"""Hand-made zone states for unit tests of single allocator rules (no real report shows these)."""

from __future__ import annotations

from oomlens.kernel.profile import profile_for_release
from oomlens.model.state import FreeArea, ZoneState


def zone(
    free=1000,
    mn=100,
    low=125,
    high=150,
    areas=((0, 1000, "M"),),
    managed=100_000,
    cma=0,
    reserve=(0, 0, 0, 0),
    boost=None,
    reserved=None,
    free_ha=None,
    reclaimable=0,
    name="Normal",
    index=2,
) -> ZoneState:
    """A zone with the given numbers (pages); areas are (order, count, letters)."""
    fa = tuple(FreeArea(o, c, t) for o, c, t in areas)
    buddy = sum(c << o for o, c, _ in areas)
    return ZoneState(
        name,
        None,
        index,
        free,
        buddy,
        mn,
        low,
        high,
        boost,
        managed,
        cma,
        reserve,
        fa,
        any(t for _, _, t in areas),
        reserved,
        free_ha,
        0,
        0,
        reclaimable,
    )


def profile(release: str):
    """The mainline profile of ``release``."""
    return profile_for_release(release)
