"""What every renderer shows, worked out once per report: page size, request, task, zone figures.

Built by ``oomlens.pipeline.analyze_report`` from the report, the decoded request,
the model's allocator state and the verdict's evidence; renderers and batch
tables only format these records. Quantities stay in pages (``page_kb`` says
how big one is) and unknowns stay intervals; an interval whose top is
``UNBOUNDED`` (no upper bound known) has ``None`` as its top here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from oomlens.judge.verdict import Verdict
from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.kernel.request import Request, manual_oom, page_fault_oom
from oomlens.model.evidence import Evidence
from oomlens.model.freelist import chunk_bounds, type_pages
from oomlens.model.reserve import UNBOUNDED
from oomlens.model.slowpath import reclaims_directly
from oomlens.model.state import AllocatorState, ZoneState
from oomlens.parse.report import Report, ZoneLine

# (fewest, most); most None when nothing bounds it from above.
Range = tuple[int, int | None]

# The kernel's "no limit" for a memory cgroup: PAGE_COUNTER_MAX pages (LONG_MAX / PAGE_SIZE),
# printed as 9007199254740988 kB with 4 kB pages; anything this large is that sentinel.
UNLIMITED_KB = 1 << 50


@dataclass(frozen=True)
class Task:
    """The task that made the request."""

    comm: str | None
    pid: int | None


@dataclass(frozen=True)
class Letters:
    """One order of a buddy line: chunks, and per migratetype letter the chunks it may hold."""

    order: int
    count: int
    letters: str  # as printed
    chunks: tuple[tuple[str, int, int], ...]  # (letter, fewest, most) chunks on that list


@dataclass(frozen=True)
class ZoneFacts:
    """One zone's figures in pages: as printed, and as the replay saw them for this request."""

    label: str  # "DMA32", "Node 1 Normal"
    node: int | None
    name: str
    free: Range  # free: and the buddy total
    min: int | None
    low: int | None
    high: int | None
    managed: int | None
    cma: int | None
    orders: tuple[Letters, ...]  # () without a buddy line
    replayed: bool  # the request may use this zone and the replay checked it
    min_effective: int | None = None  # min after this caller's cuts (ALLOC_HIGH/HARDER/OOM)
    lowmem_reserve: Range | None = None  # lowmem_reserve[] entry this request meets
    usable: Range | None = None  # free less what __zone_watermark_ok does not count
    highatomic_free: Range | None = None  # free pages on MIGRATE_HIGHATOMIC lists
    highatomic_reserved: Range | None = None  # nr_reserved_highatomic
    lists: str = ""  # letters of the free lists rmqueue may take from for this request
    evidence: tuple[Evidence, ...] = ()  # this zone's checks, matched by node and name


@dataclass(frozen=True)
class Killed:
    """The task the OOM killer chose."""

    comm: str
    pid: int
    score: int | None
    rss_kb: int | None  # anon + file + shmem RSS, as the kill line prints them
    total_vm_kb: int | None


@dataclass(frozen=True)
class MemoryUser:
    """One row of the OOM task table."""

    pid: int
    comm: str
    rss_kb: int | None
    swap_kb: int | None
    oom_score_adj: int | None


ORDER_BITS = 64  # an order this high is no page count any machine holds: a corrupt line


@dataclass(frozen=True)
class Facts:
    """Everything a renderer shows that takes working out, worked out once."""

    page_kb: int
    page_kb_basis: str  # "printed" (buddy line), "option" (--page-size) or "assumed"
    request_text: str  # gfp names as decoded, else as printed, else the hex mask, else "?"
    gfp_mask: int | None
    order: int | None
    task: Task
    zones: tuple[ZoneFacts, ...]
    pageblock_order: int
    profile: KernelProfile
    highatomic: bool | None  # every kernel the profile allows has the reserve; None: some
    manual: bool  # sysrq-f or /proc/sysrq-trigger (order=-1, or moom_callback before 4.3)
    direct_reclaim: bool | None  # the request may reclaim (and compact) for itself
    highest_zone: str | None  # gfp_zone() of the mask
    ram_kb: int | None = None
    free_kb: int | None = None  # Mem-Info free:
    swap_total_kb: int | None = None
    swap_free_kb: int | None = None
    killed: Killed | None = None
    top_users: tuple[MemoryUser, ...] = ()  # the task table by RSS, largest first
    page_fault: bool = False  # pagefault_out_of_memory(): no request of its own (gfp 0)

    @property
    def request_pages(self) -> int | None:
        """Pages the request asked for, 2^order; None for no order, a negative or an absurd one."""
        if self.order is None or not 0 <= self.order < ORDER_BITS:
            return None
        return 1 << self.order

    def zone(self, label: str) -> ZoneFacts | None:
        """The zone with this label, None when the report has no such zone."""
        return next((z for z in self.zones if z.label == label), None)


def zone_label(node: int | None, name: str) -> str:
    """``DMA32`` or ``Node 1 Normal``, the way evidence names a zone."""
    return name if node is None else f"Node {node} {name}"


def clip(value: tuple[int, int]) -> Range:
    """A count's interval: never below zero, ``None`` for an unknown top."""
    lo, hi = value
    return max(0, lo), None if hi >= UNBOUNDED else max(0, hi)


def request_text(request: Request | None, report: Report) -> str:
    """``GFP_KERNEL|__GFP_ZERO``: the decoded names, else the printed ones, else hex, else ``?``."""
    if request is not None and request.gfp_text:
        return request.gfp_text
    header = report.header
    if header is not None and header.gfp_names:
        return header.gfp_names
    mask = request.gfp_mask if request is not None else None
    if mask is None and header is not None:
        mask = header.gfp_mask
    return f"{mask:#x}" if mask is not None else "?"


_KDUMP = " Kdump: loaded"  # dump_stack_print_info() prints it after the comm


def task(report: Report) -> Task:
    """(comm, pid) of the requester: the trigger line's comm, else the CPU banner's."""
    ctx, header = report.context, report.header
    comm = header.comm if header is not None and header.comm else None
    if comm is None and ctx is not None and ctx.comm:
        comm = ctx.comm.removesuffix(_KDUMP)
    return Task(comm, ctx.pid if ctx is not None else None)


def _number(evidence: tuple[Evidence, ...], check: str, name: str) -> object:
    for e in evidence:
        if e.check == check:
            for key, value in e.numbers:
                if key == name:
                    return value
    return None


def _range(value: object) -> Range | None:
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return clip(value)
    if isinstance(value, int):
        return clip((value, value))
    return None


def _letters(zone: ZoneState) -> tuple[Letters, ...]:
    out = []
    for area in zone.areas or ():
        shown = area.letters or ""
        chunks = tuple((ch, *chunk_bounds(area, ch)) for ch in dict.fromkeys(shown))
        out.append(Letters(area.order, area.count, shown, chunks))
    return tuple(out)


def _printed(line: ZoneLine, page_kb: int) -> ZoneFacts:
    """A zone the model could not use (a zone line without its watermarks): as printed."""

    def pages(kb: int | None) -> int | None:
        return None if kb is None else kb // page_kb

    free = pages(line.free_kb)
    return ZoneFacts(
        label=zone_label(line.node, line.name),
        node=line.node,
        name=line.name,
        free=(0, None) if free is None else (free, free),
        min=pages(line.min_kb),
        low=pages(line.low_kb),
        high=pages(line.high_kb),
        managed=pages(line.managed_kb),
        cma=pages(line.free_cma_kb),
        orders=(),
        replayed=False,
    )


def _zone(zone: ZoneState, mine: tuple[Evidence, ...], highatomic: bool | None) -> ZoneFacts:
    label = zone_label(zone.node, zone.name)
    decision = next((e for e in mine if e.steps), None)
    held_by_letters = None
    if zone.has_letters and highatomic is not False:
        held_by_letters = clip(type_pages(zone, "H"))
    base = ZoneFacts(
        label=label,
        node=zone.node,
        name=zone.name,
        free=clip(zone.free_bounds),
        min=zone.min,
        low=zone.low,
        high=zone.high,
        managed=zone.managed,
        cma=zone.cma,
        orders=_letters(zone),
        replayed=decision is not None,
        highatomic_free=held_by_letters,
        highatomic_reserved=None
        if zone.reserved_highatomic is None
        else (zone.reserved_highatomic, zone.reserved_highatomic),
        evidence=mine,
    )
    if decision is None:
        return base
    found = dict(decision.numbers)
    lists = _number(mine, "freelist", "usable_letters")
    reserved = _number(mine, "reserve_highatomic_pageblock", "nr_reserved_highatomic")
    held = _number(mine, "reserve_highatomic_pageblock", "h_pages")
    effective = found.get("effective_min")
    return replace(
        base,
        min_effective=effective if isinstance(effective, int) else None,
        lowmem_reserve=_range(found.get("lowmem_reserve")),
        usable=_range(_number(mine, "__zone_watermark_ok", "usable")),
        highatomic_free=_range(held) if held is not None else held_by_letters,
        highatomic_reserved=_range(reserved),
        lists=lists if isinstance(lists, str) else "",
    )


def _zones(
    report: Report,
    state: AllocatorState,
    evidence: tuple[Evidence, ...],
    highatomic: bool | None,
) -> tuple[ZoneFacts, ...]:
    """Every printed zone, in the report's order; the model's view where it has one."""
    modelled = {(z.node, z.name): z for z in state.zones}
    by_zone: dict[str, list[Evidence]] = {}
    for e in evidence:
        by_zone.setdefault(e.zone, []).append(e)
    out = []
    for line in report.zones:
        zone = modelled.get((line.node, line.name))
        if zone is None:
            out.append(_printed(line, state.page_kb))
        else:
            mine = tuple(by_zone.get(zone_label(zone.node, zone.name), ()))
            out.append(_zone(zone, mine, highatomic))
    return tuple(out)


def _killed(report: Report) -> Killed | None:
    k = report.killed
    if k is None:
        return None
    fields = dict(k.fields)
    parts = [fields.get(n) for n in ("anon-rss", "file-rss", "shmem-rss")]
    known = [p for p in parts if p is not None]
    return Killed(k.comm, k.pid, k.score, sum(known) if known else None, fields.get("total-vm"))


def _users(report: Report, page_kb: int, top: int = 10) -> tuple[MemoryUser, ...]:
    rows = []
    for t in report.tasks:
        cols = dict(t.columns)
        rss, swap = cols.get("rss"), cols.get("swapents")
        rows.append(
            MemoryUser(
                t.pid,
                t.name,
                None if rss is None else rss * page_kb,
                None if swap is None else swap * page_kb,
                cols.get("oom_score_adj"),
            )
        )
    rows.sort(key=lambda u: -(u.rss_kb or 0))
    return tuple(rows[:top])


def _highatomic(profile: KernelProfile) -> bool | None:
    has = {p.has(Feature.HIGHATOMIC) for p in profile.variants()}
    return has.pop() if len(has) == 1 else None


def build_facts(
    report: Report,
    request: Request | None,
    state: AllocatorState,
    profile: KernelProfile,
    verdict: Verdict | None,
    page_kb_option: int | None = None,
) -> Facts:
    """The facts of one analysed report (``state`` and ``profile`` as the judge built them)."""
    page_kb = state.page_kb
    if page_kb_option is not None:
        basis = "option"
    elif "page-size-4kB" in state.assumptions or "page-size-from-release" in state.assumptions:
        basis = "assumed"
    else:
        basis = "printed"
    evidence = verdict.evidence if verdict is not None else ()
    highatomic = _highatomic(profile)
    header = report.header
    order = request.order if request is not None and request.order is not None else None
    if order is None and header is not None:
        order = header.order
    mask = request.gfp_mask if request is not None and request.gfp_mask is not None else None
    if mask is None and header is not None:
        mask = header.gfp_mask
    totals = dict(report.totals.fields) if report.totals is not None else {}
    ram = totals.get("pages RAM")
    meminfo_free = dict(report.meminfo).get("free")
    swap = report.swap
    return Facts(
        page_kb=page_kb,
        page_kb_basis=basis,
        request_text=request_text(request, report),
        gfp_mask=mask,
        order=order,
        task=task(report),
        zones=_zones(report, state, evidence, highatomic),
        pageblock_order=state.pageblock_order,
        profile=profile,
        highatomic=highatomic,
        manual=manual_oom(report),
        direct_reclaim=None
        if request is None or request.migratetype is None
        else reclaims_directly(request),
        highest_zone=request.highest_zone if request is not None else None,
        ram_kb=None if ram is None else ram * page_kb,
        free_kb=None if meminfo_free is None else meminfo_free * page_kb,
        swap_total_kb=swap.total_kb if swap is not None else None,
        swap_free_kb=swap.free_kb if swap is not None else None,
        killed=_killed(report),
        top_users=_users(report, page_kb),
        page_fault=page_fault_oom(report, request),
    )
