"""The allocator state a report printed, in pages, with unknowns kept as intervals.

Mirrors ``struct zone`` as ``show_free_areas()`` prints it: watermarks,
``lowmem_reserve[]``, ``free_area[order]`` counts with their migratetype letters,
the highatomic counters where printed. Zone type indexes follow the arch zone
order (``enum zone_type``), never the order of the lines (docs/kernel-rules.md §1.2).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field, replace

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.parse.report import ZONE_ORDER, Report, ZoneLine
from oomlens.parse.transform import MAX_BUDDY_COLUMNS

Interval = tuple[int, int]

_ADD_64 = ("Normal", "DMA32", "DMA", "Device")
_ADD_NO_DMA = ("Normal", "DMA32", "Device")  # riscv64, loongarch64: ZONE_DMA32 alone
_ADD_NO_DMA32 = ("Normal", "DMA", "Device")  # s390x, ppc64: ZONE_DMA alone
_ADD_NEITHER = ("Normal", "Device")  # ppc64 book3s since 5.0: neither DMA zone
_ADD_BY_ARCH = {
    "riscv64": _ADD_NO_DMA,
    "loongarch64": _ADD_NO_DMA,
    "s390x": _ADD_NO_DMA32,
    "ppc64": _ADD_NO_DMA32,
    "ppc64le": _ADD_NO_DMA32,
}
_ADD_32 = ("Normal", "HighMem", "DMA", "Device")
_64BIT = frozenset({"x86_64", "arm64", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64"})
_32BIT = ("i386", "i686", "x86", "arm", "mips", "ppc", "powerpc")
# pageblock_order = HUGETLB_PAGE_ORDER by base page size (docs/kernel-rules.md §1.3).
_PAGEBLOCK_ORDER = {4: 9, 16: 11, 64: 13}
_X86_32 = ("i386", "i686", "x86")


@dataclass(frozen=True)
class FreeArea:
    """``free_area[order]``: chunk count and the set of migratetype letters printed."""

    order: int
    count: int
    letters: str


@dataclass(frozen=True)
class ZoneState:
    """One zone, in pages."""

    name: str
    node: int | None
    index: int | None  # enum zone_type index, None when the mapping is unknown
    free: int  # NR_FREE_PAGES (the zone line's free:)
    buddy_pages: int | None  # Σ count·2^order from the buddy line
    min: int
    low: int
    high: int
    boost: int | None
    managed: int | None
    cma: int | None
    lowmem_reserve: tuple[int, ...] | None
    areas: tuple[FreeArea, ...] | None  # None without a buddy line, or with one cut short
    has_letters: bool  # the buddy line prints migratetype letters (3.8+)
    reserved_highatomic: int | None  # printed (5.5+), pages
    free_highatomic: int | None  # printed (~6.16+), pages
    free_pcp: int | None
    local_pcp: int | None
    reclaimable: int | None  # file LRU (+ anon when swap is free), for should_reclaim_retry
    present: int | None = None
    buddy_cut: bool = False  # a buddy line was printed but cut short: its areas are unknown
    # Pinned per-order MIGRATE_HIGHATOMIC chunk counts: None when only the letters are
    # known (a real report); set for a drawn or counterfactual state.
    h_chunks: tuple[int, ...] | None = None

    @property
    def free_bounds(self) -> Interval:
        """(min, max) of free: and the buddy total (docs/kernel-rules.md §8.5)."""
        if self.buddy_pages is None:
            return self.free, self.free
        return min(self.free, self.buddy_pages), max(self.free, self.buddy_pages)

    def reserve_for(self, classzone: int | None) -> int | None:
        """``lowmem_reserve[classzone]``, None when unknown."""
        if classzone is not None and self.index is not None and classzone <= self.index:
            # setup_per_zone_lowmem_reserve() fills only the entries of higher zone
            # types: a zone keeps nothing back from requests whose classzone is itself
            # or a lower zone, printed or not.
            return 0
        if self.lowmem_reserve is None or classzone is None:
            return None
        if classzone >= len(self.lowmem_reserve):
            return None
        return self.lowmem_reserve[classzone]


@dataclass(frozen=True)
class AllocatorState:
    """Every zone of the report plus the geometry needed to replay."""

    zones: tuple[ZoneState, ...]
    zone_types: tuple[str, ...] | None  # index → zone name
    page_kb: int
    pageblock_order: int
    nr_orders: int
    assumptions: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    # Other pageblock orders the report allows: HUGETLB_PAGE_ORDER with hugetlb,
    # else the largest order (MAX_ORDER - 1); only x86 and 4K arm64 settle it.
    pageblock_alternatives: tuple[int, ...] = ()
    # CONFIG_TRANSPARENT_HUGEPAGE, read off the Node line (thp_built); None: not printed
    thp: bool | None = None
    pageblock_given: bool = False  # --pageblock-order said it: no other order is judged
    # Other zone sets lowmem_reserve's length and lines allow (an arch the report does not
    # say): each puts the zones at other enum zone_type indexes (with_types)
    type_alternatives: tuple[tuple[str, ...], ...] = ()
    # answers worked out from this state alone, shared by its replays (never copied by replace())
    memo: dict[Hashable, object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def pageblock_pages(self) -> int:
        return 1 << self.pageblock_order

    @property
    def thp_order(self) -> int | None:
        """The order pcp_allowed_order() admits past PAGE_ALLOC_COSTLY_ORDER (5.13-5.19):
        pageblock_order with CONFIG_TRANSPARENT_HUGEPAGE, none without (unknown: with)."""
        return None if self.thp is False else self.pageblock_order

    def with_types(self, types: tuple[str, ...]) -> AllocatorState:
        """This state under another zone set: each zone at its index there."""
        zones = tuple(
            replace(z, index=types.index(z.name) if z.name in types else None) for z in self.zones
        )
        return replace(self, zones=zones, zone_types=types, type_alternatives=())

    def zone_index(self, name: str) -> int | None:
        """The enum zone_type index of ``name`` in this kernel."""
        if self.zone_types and name in self.zone_types:
            return self.zone_types.index(name)
        return None


def zone_types(
    printed: set[str],
    entries: int | None,
    arch: str | None,
    reserves: dict[str, tuple[int, ...]] | None = None,
) -> tuple[str, ...] | None:
    """Which zone types the kernel was built with, from lowmem_reserve's length.

    docs/kernel-rules.md §1.2. ``reserves``: a printed lowmem_reserve line per zone name;
    setup_per_zone_lowmem_reserve() leaves a zone's own entry and those below it 0, so a
    zone set that puts a zone where its line holds a reserve is not the kernel's.
    """
    sets = zone_type_sets(printed, entries, arch, reserves)
    return sets[0] if sets else None


def zone_type_sets(
    printed: set[str],
    entries: int | None,
    arch: str | None,
    reserves: dict[str, tuple[int, ...]] | None = None,
    grows: dict[str, frozenset[str]] | None = None,
) -> list[tuple[str, ...]]:
    """Every zone set lowmem_reserve's length and lines allow, the likeliest first (the
    arch's usual set); a first that the lines contradict when none agrees. ``grows``:
    the zones that must raise each line at their index (``_must_grow``)."""
    if not entries:
        return []
    if not set(printed) <= set(ZONE_ORDER):
        return []
    bits32 = arch is not None and arch.startswith(_32BIT) and arch not in _64BIT
    lists: list[tuple[str, ...]] = [_ADD_32] if bits32 else [_ADD_BY_ARCH.get(arch or "", _ADD_64)]
    if not bits32:
        # the arch's usual set first; a build without one of the DMA zones (ppc64 since
        # 5.0 without ZONE_DMA, arm64 without ZONE_DMA32) if the printed line says so
        others = (_ADD_64, _ADD_NO_DMA, _ADD_NO_DMA32, _ADD_NEITHER)
        lists += [a for a in others if a not in lists]
    if arch is None:
        lists.append(_ADD_32)  # an unknown arch may be a 32-bit one, with HighMem
    # ZONE_MOVABLE exists only from 2.6.23 (2a1e274acf0b): a set without it is one only
    # when no set with it fills lowmem_reserve's length (the printed zones already do).
    for bases in ((_WITH_MOVABLE,), (_NORMAL_ONLY,)):
        found = [
            t
            for t in _fills(printed, entries, lists, bases)
            if not reserves or _agrees(t, reserves, grows)
        ]
        if found:
            return found
    # no set agrees with every line (a line cut or edited, a kernel's own variation): each
    # that fills the length is kept, so none of them alone makes a verdict certain
    return _fills(printed, entries, lists, (_WITH_MOVABLE, _NORMAL_ONLY))


_WITH_MOVABLE = frozenset({"Normal", "Movable"})
_NORMAL_ONLY = frozenset({"Normal"})


def _fills(
    printed: set[str],
    entries: int,
    lists: list[tuple[str, ...]],
    bases: tuple[frozenset[str], ...],
) -> list[tuple[str, ...]]:
    """Every zone set that fills lowmem_reserve's length: the printed zones and a base,
    then the zones of one of ``lists`` in turn; none with both DMA32 (64-bit only) and
    HighMem (32-bit only)."""
    out: list[tuple[str, ...]] = []
    for base, adds in [(b, a) for b in bases for a in lists]:
        have = set(printed) | base
        for name in adds:
            if len(have) >= entries:
                break
            have.add(name)
        types = tuple(z for z in ZONE_ORDER if z in have)
        if len(have) == entries and types not in out and not {"DMA32", "HighMem"} <= have:
            out.append(types)
    return out


def _agrees(
    types: tuple[str, ...],
    reserves: dict[str, tuple[int, ...]],
    grows: dict[str, frozenset[str]] | None = None,
) -> bool:
    """No printed zone holds a reserve at its own index or below it under ``types``, and
    no zone of ``grows[name]`` leaves ``name``'s line flat at its own index."""
    for name, line in reserves.items():
        if name not in types or len(line) != len(types):
            continue
        own = types.index(name)
        if any(line[: own + 1]):
            return False
        for upper in (grows or {}).get(name, ()):
            j = types.index(upper) if upper in types else None
            if j is not None and j > own and line[j] == line[j - 1]:
                return False
    return True


def _must_grow(
    report: Report, reserves: dict[str, tuple[int, ...]], page_kb: int
) -> dict[str, frozenset[str]]:
    """Per printed lowmem_reserve line, the printed zones that must raise it at their index.

    setup_per_zone_lowmem_reserve(): a zone's lowmem_reserve[j] is the managed pages of
    its own node's zones above it up to j, over its ratio r. An entry equal to the one
    below it puts fewer than r pages in zone j; the line's last entry E is at most RAM / r,
    so a zone of that node with M managed pages where E * M >= RAM (show_mem's pages
    RAM) raises its entry. ``reserves`` holds each zone name's first line, as read.
    """
    ram = dict(report.totals.fields).get("pages RAM") if report.totals else None
    if not ram:
        return {}
    out = {}
    for name, line in reserves.items():
        top = line[-1] if line else 0
        own = next((z for z in report.zones if z.name == name and z.lowmem_reserve), None)
        if top and own is not None:
            out[name] = frozenset(
                z.name
                for z in report.zones
                if z.name != name
                and z.node == own.node
                and (kb := z.managed_kb) is not None
                and top * (kb // page_kb) >= ram
            )
    return out


# A distribution's large-page flavour names its page size: Ubuntu's "6.2.0-39-generic-64k",
# Fedora's "6.5.6-300.fc39.aarch64+16k", RHEL's "5.14.0-362.el9.aarch64+64k".
_PAGE_FLAVOUR = re.compile(r"[-+](16|64)k\b")


def _release_page_kb(release: str | None) -> int | None:
    """The page size a release's flavour names (16 or 64 kB), else None."""
    m = _PAGE_FLAVOUR.search(release or "")
    return int(m.group(1)) if m else None


def _past_4g(z: ZoneLine) -> bool:
    """The zone line's present or managed size passes 4 GiB."""
    return any(kb is not None and kb > 4 << 20 for kb in (z.present_kb, z.managed_kb))


def _pages(kb: int | None, page_kb: int) -> int | None:
    return None if kb is None else kb // page_kb


def _reclaimable(z: ZoneLine, swap_free: bool) -> int | None:
    files = [z.get("active_file"), z.get("inactive_file")]
    if None in files:
        return None
    total = sum(files)  # type: ignore[arg-type]
    if swap_free:
        anon = [z.get("active_anon"), z.get("inactive_anon")]
        total += sum(a for a in anon if a is not None)
    return total


def zone_state(
    z: ZoneLine, index: int | None, page_kb: int, swap_free: bool, nr_orders: int
) -> ZoneState | None:
    """One ZoneState from a zone line; None when free/min/low/high are not all printed.

    The free areas are the buddy line's when it prints every order (``nr_orders``) or
    is whole: a line cut short says nothing of the orders it lost, which are unknown,
    never empty. With every order printed, their sum is the total the kernel prints
    after "=", whether or not that survived.
    """
    free_kb, min_kb, low_kb, high_kb = z.free_kb, z.min_kb, z.low_kb, z.high_kb
    if free_kb is None or min_kb is None or low_kb is None or high_kb is None:
        return None
    areas = None
    buddy_pages = None
    letters = False
    b = z.buddy
    cut = b is not None and not b.whole and not b.empty and len(b.entries) < nr_orders
    if b is not None and b.entries and not cut:
        areas = tuple(FreeArea(e.order, e.count, e.types) for e in b.entries)
        letters = any(e.types for e in b.entries)
        buddy_pages = sum(e.count << e.order for e in b.entries)
    recl = _reclaimable(z, swap_free)
    return ZoneState(
        name=z.name,
        node=z.node,
        index=index,
        free=free_kb // page_kb,
        buddy_pages=buddy_pages,
        min=min_kb // page_kb,
        low=low_kb // page_kb,
        high=high_kb // page_kb,
        boost=_pages(z.boost_kb, page_kb),
        managed=_pages(z.managed_kb, page_kb),
        cma=_pages(z.free_cma_kb, page_kb),
        lowmem_reserve=z.lowmem_reserve,
        areas=areas,
        has_letters=letters,
        reserved_highatomic=_pages(z.reserved_highatomic_kb, page_kb),
        free_highatomic=_pages(z.free_highatomic_kb, page_kb),
        free_pcp=_pages(z.get("free_pcp"), page_kb),
        local_pcp=_pages(z.get("local_pcp"), page_kb),
        reclaimable=None if recl is None else recl // page_kb,
        present=_pages(z.present_kb, page_kb),
        buddy_cut=cut,
    )


def _cma_of_cut_lines(
    report: Report, zones: list[ZoneState], assumptions: list[str], missing: list[str]
) -> list[ZoneState]:
    """Zones whose line was cut before ``free_cma:`` take the Mem-Info summary's, if they can.

    The summary's free_cma (pages) is the sum over zones: with one zone it is that
    zone's; 0 is every zone's 0; otherwise a zone's CMA stays unknown, which no
    certain verdict may rest on.
    """
    total = next((v for k, v in report.meminfo if k == "free_cma"), None)
    cut = [i for i, z in enumerate(zones) if z.cma is None]
    if not cut:
        return zones
    if total is None:
        # no summary to take it from: where this kernel has CMA (another zone prints
        # free_cma, or a buddy line shows (C) chunks) the cut zone's is unknown
        letters = "".join(a.letters for z in zones for a in z.areas or ())
        if len(cut) < len(zones) or "C" in letters:
            missing.append("zone free_cma")
        return zones
    if total == 0 or len(zones) == 1:
        for i in cut:
            zones[i] = replace(zones[i], cma=total)
        if total:
            assumptions.append("cma-from-meminfo")
    elif sum(z.cma or 0 for z in zones) < total:
        missing.append("zone free_cma")
    return zones


def configurable_pageblock(profile: KernelProfile) -> bool:
    """Since e13e7922d034 (v6.16) pageblock_order is min(HUGETLB_PAGE_ORDER,
    CONFIG_PAGE_BLOCK_MAX_ORDER), the option set anywhere from 1 up and never printed;
    before, HUGETLB_PAGE_ORDER (or the largest order) alone."""
    return profile.has(Feature.PAGEBLOCK_ORDER_CONFIG)


def smaller_pageblock_orders(orders: set[int]) -> tuple[int, ...]:
    """The pageblock orders below the largest of ``orders`` that such a kernel may have."""
    return tuple(o for o in range(max(orders) - 1, 0, -1) if o not in orders)


def build_state(
    report: Report, page_kb: int | None = None, pageblock_order: int | None = None
) -> AllocatorState:
    """The allocator state of ``report``; overrides from Options win over the report."""
    assumptions: list[str] = []
    missing: list[str] = []
    buddies = [z.buddy for z in report.zones if z.buddy is not None and z.buddy.entries]
    printed_kb = next((b.page_kb for b in buddies if b.page_kb), None)
    if page_kb is None:
        page_kb = printed_kb
    if page_kb is None:
        page_kb = _release_page_kb(report.release)
        if page_kb is not None:
            assumptions.append("page-size-from-release")
    if page_kb is None:
        page_kb = 4
        assumptions.append("page-size-4kB")
    whole = [b for b in buddies if b.whole]
    nr_orders = max((len(b.entries) for b in whole), default=0) or 11
    if not whole:
        assumptions.append("nr-orders-11")
    alternatives: tuple[int, ...] = ()
    given = pageblock_order is not None
    if pageblock_order is None:
        pageblock_order = min(_PAGEBLOCK_ORDER.get(page_kb, nr_orders - 1), nr_orders - 1)
        # x86_64 and arm64 4K: 2 MiB huge pages (order 9) with CONFIG_HUGETLB_PAGE, else
        # MAX_ORDER-1 (since 6.10, HPAGE_PMD_ORDER with THP alone); show_mem() prints the
        # hugepages lines only with it (Android kernels, many minimal builds lack it)
        settled = (report.arch == "x86_64" and bool(report.hugepage_kb)) or (
            report.arch == "arm64" and page_kb == 4 and 2048 in report.hugepage_kb
        )
        if report.arch in _X86_32 and page_kb == 4:
            # HUGETLB_PAGE_ORDER is PMD_SHIFT - PAGE_SHIFT: 2 MiB pages with PAE, 4 MiB
            # (order 10) with two-level paging; the hugepages lines print which
            if 4096 in report.hugepage_kb:
                pageblock_order, settled = min(10, nr_orders - 1), True
            elif 2048 in report.hugepage_kb:
                settled = True
        if report.arch == "s390x" and page_kb == 4:
            # HPAGE_SHIFT 20: HUGETLB_PAGE_ORDER 8 (1 MiB) with CONFIG_HUGETLB_PAGE (the
            # hugepages lines print 1024kB), else MAX_ORDER - 1
            pageblock_order = min(8, nr_orders - 1)
            settled = 1024 in report.hugepage_kb
        if not (settled and report.arch in _X86_32):  # else read off the hugepages lines
            assumptions.append(f"pageblock-order-{pageblock_order}")
        if not settled and pageblock_order != nr_orders - 1:
            alternatives = (nr_orders - 1,)
    entries = next((len(z.lowmem_reserve) for z in report.zones if z.lowmem_reserve), None)
    reserves = {z.name: z.lowmem_reserve for z in reversed(report.zones) if z.lowmem_reserve}
    grows = _must_grow(report, reserves, page_kb)
    sets = zone_type_sets({z.name for z in report.zones}, entries, report.arch, reserves, grows)
    if any(_past_4g(z) for z in report.zones if z.name not in ("HighMem", "Movable")):
        # a 32-bit kernel maps its lowmem zones whole within its 4 GiB address space
        sets = [t for t in sets if "HighMem" not in t] or sets
    types = sets[0] if sets else None
    # other sets that agree with the lines and hold other zones below Movable (an unknown
    # arch's lowmem zone and HighMem, or DMA32 and Normal) give zones other indexes
    lows: dict[tuple[str, ...], tuple[str, ...]] = {}
    for t in sets:
        lows.setdefault(tuple(z for z in t if z not in ("Movable", "Device")), t)
    other_types = tuple(lows.values())[1:]
    if types is None and report.zones and entries is None:
        # No lowmem_reserve line: the arch zone order still says which zones a
        # request may use; the reserves themselves stay unknown intervals.
        names = {z.name for z in report.zones} | {"Normal", "Movable"}
        if names <= set(ZONE_ORDER):
            types = tuple(n for n in ZONE_ORDER if n in names)
            assumptions.append("zone-order-from-names")
    if types is None and report.zones:
        missing.append("lowmem_reserve")
    swap_free = bool(report.swap and report.swap.free_kb)
    zones = []
    # How many orders the kernel prints is known from a whole buddy line only; with none
    # (11 is then an assumption) every line that is not whole is cut short.
    printed_orders = nr_orders if whole else MAX_BUDDY_COLUMNS
    for z in report.zones:
        index = types.index(z.name) if types and z.name in types else None
        st = zone_state(z, index, page_kb, swap_free, printed_orders)
        if st is not None:
            zones.append(st)
    if zones and len(zones) < len(report.zones):
        # a zone printed without its free/min/low/high (a line cut short, an excerpt
        # that kept only its buddy line): what it held is unknown, not absent
        missing.append("zone state")
    if any(z.buddy_cut for z in zones):
        # the orders a cut buddy line lost are unknown, and so is its total (which may
        # not be free:'s): the free pages the model takes as exact may not be
        missing.append("whole buddy lines")
    if not zones:
        missing.append("zone lines")
    elif all(z.areas is None for z in zones):
        missing.append("buddy lines")
    zones = _cma_of_cut_lines(report, zones, assumptions, missing)
    return AllocatorState(
        tuple(zones),
        types,
        page_kb,
        pageblock_order,
        nr_orders,
        tuple(assumptions),
        tuple(missing),
        alternatives,
        thp_built(report),
        pageblock_given=given,
        type_alternatives=other_types,
    )


# show_free_areas() prints these between shmem: and writeback_tmp: on the Node line
# under #ifdef CONFIG_TRANSPARENT_HUGEPAGE (since the Node line, 4.8).
_THP_FIELDS = frozenset({"shmem_thp", "shmem_pmdmapped", "anon_thp", "file_thp"})


def thp_built(report: Report) -> bool | None:
    """Whether the kernel has CONFIG_TRANSPARENT_HUGEPAGE: a Node line prints its fields,
    or prints the field after them (writeback_tmp:) without them; None when no line says."""
    said: bool | None = None
    for node in report.nodes:
        keys = {k for k, _ in node.fields}
        if keys & _THP_FIELDS:
            return True
        if "writeback_tmp" in keys:
            said = False
    return said
