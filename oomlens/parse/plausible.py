"""Numbers no kernel prints: each says which line holds it and why a kernel cannot.

The reader bounds every number to 64 bits; some fields are narrower, or tied to
others by how the kernel computes them. A report holding such a number is read
as printed, with a diagnostic, and no certain verdict rests on it.
"""

from __future__ import annotations

from oomlens.parse.report import ZONE_ORDER, Header, ZoneLine

INT_MAX = 2**31 - 1  # the header prints the order with %d
ORDER_LIMIT = 64  # 2**64 pages a block: no kernel has this many orders
# How far above managed a zone's min, reserved_highatomic and free_cma can be printed. min
# is the zone's share of min_free_kbytes, but HighMem's is clamped to at least 32 pages
# however small the zone; the reserve counts whole pageblocks (512 MiB with 64 KiB pages)
# even in a zone smaller than one; free_cma drifts from the truth by the per-CPU vmstat
# deltas. Past twice managed plus this, no kernel printed it.
SLACK_KB = 512 << 10
# No architecture addresses more than 2**52 bytes of physical memory (x86_64 and arm64
# MAX_PHYSMEM_BITS 52; ppc64 and riscv64 less; s390x 2**53 of address space), so no zone
# holds, and no free list counts, more kB than this.
PHYS_LIMIT_KB = 1 << 43


def header_problem(header: Header | None, nr_orders: int | None) -> str | None:
    """Why the trigger line's order is no kernel's, else None.

    The allocator refuses an order past its free lists before any report
    (``__alloc_pages``: ``order > MAX_PAGE_ORDER`` warns and returns NULL).
    """
    order = header.order if header is not None else None
    if order is None:
        return None
    if order < -1 or order > INT_MAX:
        return f"order={order} is past what the kernel prints (an int; -1 is SysRq)"
    if order >= ORDER_LIMIT or (nr_orders and order >= nr_orders):
        top = nr_orders - 1 if nr_orders else ORDER_LIMIT - 1
        return f"order={order} is past this kernel's free lists (order {top} at most)"
    return None


def zone_problem(z: ZoneLine) -> str | None:
    """Why a zone line's numbers are no kernel's, else None."""
    mn, lo, hi, managed = z.min_kb, z.low_kb, z.high_kb, z.managed_kb
    total = z.buddy.total_kb if z.buddy is not None else None
    for name, value in (
        ("free", z.free_kb),
        ("managed", managed),
        ("present", z.present_kb),
        ("min", mn),
        ("free lists", total),
    ):
        if value is not None and value > PHYS_LIMIT_KB:
            return f"{name} {value}kB, more memory than any machine addresses (2^53 bytes)"
    if mn is not None and lo is not None and hi is not None and not mn <= lo <= hi:
        # __setup_per_zone_wmarks(): low = min + tmp, high = min + 2 * tmp, tmp >= 0
        return f"min {mn}kB, low {lo}kB, high {hi}kB, where the kernel has min <= low <= high"
    if managed is None:
        return None
    buddy = z.buddy
    if buddy is not None and buddy.whole and buddy.total_kb is not None:
        # show_free_areas() counts the free lists under the zone lock: every page on them
        # is one of the zone's managed pages (no vmstat drift, unlike the free: field)
        if buddy.total_kb > managed:
            return f"free lists of {buddy.total_kb}kB, where managed is {managed}kB"
    for name, value in (
        ("min", mn),
        ("reserved_highatomic", z.reserved_highatomic_kb),  # at most 1% of managed + a block
        ("free_cma", z.free_cma_kb),
    ):
        if value is not None and value > 2 * managed + SLACK_KB:
            return f"{name} {value}kB, where managed is {managed}kB"
    return None


def order_problem(zones: list[ZoneLine]) -> tuple[ZoneLine, str] | None:
    """The first zone line printed out of its node's index order (show_free_areas() walks
    each node's zones by index), and why; else None."""
    last: dict[int | None, tuple[int, str]] = {}
    for z in zones:
        if z.name not in ZONE_ORDER or not z.fields:
            continue
        index = ZONE_ORDER.index(z.name)
        before = last.get(z.node)
        if before is not None and index <= before[0]:
            return z, f"printed after {before[1]}, where the kernel prints zones in index order"
        last[z.node] = (index, z.name)
    return None
