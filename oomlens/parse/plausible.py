"""Numbers no kernel prints: each says which line holds it and why a kernel cannot.

The reader bounds every number to 64 bits; some fields are narrower, or tied to
others by how the kernel computes them. A report holding such a number is read
as printed, with a diagnostic, and no certain verdict rests on it.
"""

from __future__ import annotations

from oomlens.parse.report import ZONE_ORDER, Header, ZoneLine

INT_MAX = 2**31 - 1  # the header prints the order with %d
GFP_LIMIT = (1 << 32) - 1  # gfp_t is an unsigned int
ORDER_LIMIT = 64  # 2**64 pages a block: no kernel has this many orders
# How far above managed a zone's min, reserved_highatomic and free_cma can be printed. min
# is the zone's share of min_free_kbytes, but HighMem's is clamped to at least 32 pages
# however small the zone; the reserve counts whole pageblocks (512 MiB with 64 KiB pages)
# even in a zone smaller than one; free_cma drifts from the truth by the per-CPU vmstat
# deltas. Past twice managed plus this, no kernel printed it.
SLACK_KB = 512 << 10
# The largest memory block online_pages() adds at once (2 GiB on big x86_64; 1 GiB arm64)
ONLINE_SLACK_KB = 2 << 20
# No architecture addresses more than 2**52 bytes of physical memory (x86_64 and arm64
# MAX_PHYSMEM_BITS 52; ppc64 and riscv64 less; s390x 2**53 of address space), so no zone
# holds, and no free list counts, more kB than this.
PHYS_LIMIT_KB = 1 << 43
# pages of at least 4 kB: an order past this asks for more than PHYS_LIMIT_KB
_ORDER_PAST_MEMORY = 43 - 2


def mask_problem(header: Header | None) -> str | None:
    """Why the trigger line's gfp_mask is no kernel's (gfp_t is 32 bits), else None."""
    mask = header.gfp_mask if header is not None else None
    if mask is not None and mask > GFP_LIMIT:
        return f"gfp_mask {mask:#x} past gfp_t's 32 bits"
    return None


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
    if order < 0 and header is not None and header.kind != "oom":
        # warn_alloc() prints the order with %u: only the OOM killer's header says -1
        return f"order={order} is no order a page allocation failure prints (%u)"
    if order > _ORDER_PAST_MEMORY:
        return f"order={order}: 2^{order} pages, more than any machine holds"
    if order >= ORDER_LIMIT or (nr_orders and order >= nr_orders):
        top = nr_orders - 1 if nr_orders else ORDER_LIMIT - 1
        return f"order={order} is past this kernel's free lists (order {top} at most)"
    return None


def zone_problem(z: ZoneLine) -> str | None:
    """Why a zone line's numbers are no kernel's, else None."""
    mn, lo, hi, managed = z.min_kb, z.low_kb, z.high_kb, z.managed_kb
    total = z.buddy.total_kb if z.buddy is not None else None
    for key, kb in z.fields:
        if kb < 0:
            return f"{key} {kb}kB: show_free_areas() prints it unsigned (%lu)"
    for entry in z.lowmem_reserve or ():
        if entry < 0 or entry > PHYS_LIMIT_KB:
            return f"lowmem_reserve {entry} pages, which no zone holds"
    columns = sum(e.count * e.size_kb for e in z.buddy.entries) if z.buddy is not None else None
    for name, value in (
        ("free", z.free_kb),
        ("managed", managed),
        ("present", z.present_kb),
        ("min", mn),
        ("low", lo),
        ("high", hi),
        ("free lists", total),
        ("free lists' columns", columns),
    ):
        if value is not None and value > PHYS_LIMIT_KB:
            return f"{name} {value}kB, more memory than any machine addresses (2^53 bytes)"
    present = z.present_kb
    if managed is not None and present is not None and managed > present + ONLINE_SLACK_KB:
        # managed_pages is present_pages less the pages memblock kept; online_pages() frees a
        # block into the buddy (managed grows) before adjust_present_page_count()
        return f"managed {managed}kB past present {present}kB"
    if present is not None and z.free_kb is not None and z.free_kb > 2 * present + SLACK_KB:
        return f"free {z.free_kb}kB, where present is {present}kB"
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


# PID_MAX_LIMIT (4 * 1024 * 1024 on 64-bit), uid_t's 32 bits, oom_score_adj's -1000..1000
PID_LIMIT = 4 << 20
UID_LIMIT = (1 << 32) - 1
ADJ_LIMIT = 1000


def task_problem(
    what: str, pid: int | None, uid: int | None, adj: int | None, sizes_kb: list[int]
) -> str | None:
    """Why a kill line's or a task row's numbers are no kernel's, else None."""
    if pid is not None and not 0 <= pid <= PID_LIMIT:
        return f"{what} pid {pid}, outside 0..PID_MAX_LIMIT ({PID_LIMIT})"
    if uid is not None and not -(1 << 31) <= uid <= UID_LIMIT:
        # the kill line prints UID:%u, dump_task() the uid with %5d (4294967294 is -2)
        return f"{what} uid {uid}, which uid_t (32 bits) cannot hold"
    if adj is not None and not -ADJ_LIMIT <= adj <= ADJ_LIMIT:
        return f"{what} oom_score_adj {adj}, outside -1000..1000"
    for kb in sizes_kb:
        if not 0 <= kb <= PHYS_LIMIT_KB:
            return f"{what} size {kb}kB, no task's"
    return None


def memory_problem(
    totals: dict[str, int], swap_total_kb: int | None, swap_free_kb: int | None
) -> str | None:
    """Why show_mem()'s totals (Mem-Info's counters, pages RAM ...) or swap figures are no
    kernel's, else None."""
    for name, value in totals.items():
        if not 0 <= value <= PHYS_LIMIT_KB:
            return f"{value} {name}, which no machine holds"
    # get_nr_swap_pages() may run below 0 for a moment (a 4.16 report prints "Free swap =
    # -245804kB"): only its size is checked
    if swap_total_kb is not None and not 0 <= swap_total_kb <= PHYS_LIMIT_KB:
        return f"Total swap = {swap_total_kb}kB, which no machine holds"
    if swap_free_kb is not None and abs(swap_free_kb) > PHYS_LIMIT_KB:
        return f"Free swap = {swap_free_kb}kB, which no machine holds"
    if swap_total_kb is not None and swap_free_kb is not None and swap_free_kb > swap_total_kb:
        return f"Free swap {swap_free_kb}kB past Total swap {swap_total_kb}kB"
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
