"""Evidence records from a replay: one per zone and check, with the numbers behind it."""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import Feature
from oomlens.model.freelist import type_pages
from oomlens.model.replay import Replay, ZoneCheck
from oomlens.model.watermark import Point, unusable_free


@dataclass(frozen=True)
class Evidence:
    """One check the replay made, in the kernel's terms, and its numbers."""

    zone: str
    check: str  # e.g. "zone_watermark_fast", "__zone_watermark_ok", "freelist"
    result: str  # "pass" | "fail" | "depends"
    numbers: tuple[tuple[str, object], ...] = ()


def _unusable(rp: Replay, c: ZoneCheck, profile) -> tuple[int, int]:
    w = Point(c.zone.free_bounds[0], c.bounds.nr[1], c.bounds.nr_free[1])
    b = Point(c.zone.free_bounds[1], c.bounds.nr[0], c.bounds.nr_free[0])
    cma = c.zone.cma or 0
    return (
        unusable_free(rp.order, rp.slow_flags, profile, b, cma),
        unusable_free(rp.order, rp.slow_flags, profile, w, cma),
    )


def zone_evidence(rp: Replay, c: ZoneCheck, profile) -> tuple[Evidence, ...]:
    """The checks of one zone as Evidence."""
    z = c.zone
    name = z.name if z.node is None else f"Node {z.node} {z.name}"
    reserve = c.reserve if c.reserve is None else c.reserve[0]
    free = (("free", z.free), ("buddy_pages", z.buddy_pages), ("free_bounds", z.free_bounds))
    renamed = profile.has(Feature.ALLOC_RESERVES)
    u = _unusable(rp, c, profile)
    b = c.bounds
    shown = "".join(sorted({ch for a in z.areas or () if a.count for ch in a.letters}))
    out = [
        Evidence(
            name,
            "zone_watermark_fast",
            c.fast,
            free
            + (
                ("mark", z.low),
                ("lowmem_reserve", reserve),
                ("alloc_flags", rp.fast_flags.names(renamed)),
            ),
        ),
        Evidence(
            name,
            "zone_watermark_fast",
            c.slow,
            free
            + (
                ("mark", z.min),
                ("effective_min", c.min_effective),
                ("lowmem_reserve", reserve),
                ("alloc_flags", rp.slow_flags.names(renamed)),
            ),
        ),
        Evidence(
            name,
            "__zone_watermark_ok",
            c.full,
            free
            + (
                ("min", z.min),
                ("effective_min", c.min_effective),
                ("lowmem_reserve", reserve),
                ("unusable", u),
                ("usable", (z.free_bounds[0] - u[1], z.free_bounds[1] - u[0])),
                ("nr_reserved_highatomic", b.nr),
                ("alloc_flags", rp.slow_flags.names(renamed)),
            ),
        ),
        Evidence(
            name,
            "freelist",
            c.freelist,
            (
                ("order", rp.order),
                ("usable_letters", c.letters),
                ("letters_shown", shown),
                ("usable_pages", type_pages(z, c.letters, rp.order)),
            ),
        ),
    ]
    if profile.has(Feature.HIGHATOMIC):
        out.append(
            Evidence(
                name,
                "reserve_highatomic_pageblock",
                "fail" if b.out_of_sync else "pass",
                (
                    ("managed", z.managed),
                    ("cap_limit", b.cap_limit),
                    ("cap_max", b.cap_max),
                    ("h_pages", b.h_pages),
                    ("consistent_low", b.consistent_low),
                    ("consistent_blocks", b.consistent_low >> rp.pageblock_order),
                    ("reserved_highatomic", b.printed),
                    ("nr_reserved_highatomic", b.nr),
                    ("basis", b.basis),
                    ("nr_free_highatomic", b.nr_free),
                ),
            )
        )
    if c.retry is not None:
        out.append(
            Evidence(
                name,
                "should_reclaim_retry",
                c.retry,
                (
                    ("reclaimable", z.reclaimable),
                    ("free", z.free),
                    ("min", z.min),
                    ("lowmem_reserve", reserve),
                ),
            )
        )
    return tuple(out)


def replay_evidence(rp: Replay, profile) -> tuple[Evidence, ...]:
    """Evidence for every eligible zone, zonelist order."""
    return tuple(e for c in rp.zones for e in zone_evidence(rp, c, profile))
