"""Judge one report: decode the request, decide under every kernel the report allows, combine.

``certain`` means the code and ``unreserve_would_avoid`` hold for every value
inside the report's bounds (each decision is sure) and under every kernel
profile the release allows (``KernelProfile.variants``); anything less is
``likely`` with what would settle it named in ``missing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from oomlens.judge import caller
from oomlens.judge import verdict as V
from oomlens.judge.decide import Decision, decide, no_highatomic, threshold_of
from oomlens.judge.nodes import (
    NodeSet,
    allowed_nodes,
    bound_nodes,
    every_node_printed,
    one_node_kernel,
    policy_nodes,
    unprinted_free,
)
from oomlens.kernel.fixes import CATALOGUE, Fix, FixSpec, missing_fixes, with_fix
from oomlens.kernel.gfp import parse_release
from oomlens.kernel.profile import (
    Feature,
    KernelProfile,
    change,
    content_before,
    resolve_profile,
    traced,
)
from oomlens.kernel.request import (
    NO_HIGHMEM,
    Request,
    decode_request,
    is_kswapd,
    manual_oom,
    page_fault_oom,
)
from oomlens.model.evidence import replay_evidence
from oomlens.model.replay import Replay, Scenario, configured_zone, highest_index, replay
from oomlens.model.slowpath import (
    COSTLY_ORDER,
    keeps_nodemask,
    reaches_retry,
    reclaims_directly,
)
from oomlens.model.state import (
    ZONE_ORDER,
    AllocatorState,
    build_state,
    configurable_pageblock,
    smaller_pageblock_orders,
)
from oomlens.model.tri import Tri
from oomlens.options import Options
from oomlens.parse.kinds import is_memcg_kind, oom_marks
from oomlens.parse.report import Report

# Requests a report may have made when its header is missing or cut (excerpts).
_GFP_KERNEL = ("__GFP_IO", "__GFP_FS", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM")
_HIGHUSER_MOVABLE = _GFP_KERNEL + ("__GFP_HIGHMEM", "__GFP_MOVABLE", "__GFP_HARDWALL")
_GFP_ATOMIC = ("__GFP_HIGH", "__GFP_ATOMIC", "__GFP_KSWAPD_RECLAIM")
_CANDIDATE_GFP = (
    (_GFP_KERNEL, "GFP_KERNEL", "Unmovable", "Normal"),
    (_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE", "Movable", "Movable"),
)
# Reuse a replay for a profile that answers alike for every feature it read (exact; the
# equivalence test switches it off and compares every sample's verdict).
REUSE = True


def is_memcg_oom(report: Report) -> bool:
    """A memory-cgroup OOM, by the kernel's own markers only, none of a global OOM beside
    them (an interleaved report's lines); a page allocation failure never is one."""
    if report.kind == "alloc-failure":
        return False
    return is_memcg_kind(*memcg_marks(report), report.functions)


def memcg_marks(report: Report) -> tuple[bool, bool]:
    """(the marks of a memory-cgroup OOM, the marks of a global OOM) the report holds
    (``parse.kinds.oom_marks``)."""
    reason = report.killed.reason if report.killed is not None else None
    limit_of = report.memcg.limit_of if report.memcg is not None else None
    return oom_marks(report.constraint, reason, limit_of, report.functions)


def _memcg_sure(report: Report) -> bool:
    """The cgroup's own counters show it at its limit (or do not say otherwise).

    An OOM a BPF program declared (``CONSTRAINT_BPF_PSI_MEM``: corpus 029) kills in a
    memcg below its limit: with its counters cut or lost, nothing shows the limit hit.
    """
    c = report.constraint
    if c is not None and c.constraint not in (None, "CONSTRAINT_MEMCG", "CONSTRAINT_NONE"):
        return False
    m = report.memcg
    if m is None:
        return True
    for name, usage, limit, _ in m.counters:
        if name == "memory" and limit and usage < limit * 9 // 10:
            return False
    return True


def not_a_shortage(report: Report, state: AllocatorState) -> bool:
    """A failure that no free page would have prevented.

    A manual OOM (kernel.request.manual_oom: sysrq-f); an order above the allocator's largest;
    vmalloc's vm_struct or address-space failures, including ``vmalloc:
    allocation failure: N bytes`` from __vmalloc_node_range's fail label
    (v3.2-5.17), printed before any page was requested. ``vmalloc: allocation
    failure, allocated X of Y bytes`` (__vmalloc_area_node) and the 6.x ``vmalloc
    error: size N, page order K, failed to allocate pages`` are page shortages.
    """
    h = report.header
    if h is None:
        return False
    if manual_oom(report):
        return True
    if h.order is not None and state.zones and h.order >= state.nr_orders:
        # past the allocator's largest order, if a whole buddy line says which: with none
        # read, 11 is assumed, and a kernel with more (arm64 16K/64K pages) prints the
        # failure of an order it has (one past its largest it refuses with a WARN instead)
        return "nr-orders-11" not in state.assumptions
    if h.kind == "vmalloc":
        detail = (h.detail or "").lower()
        if "failed to allocate pages" in detail or "allocated" in detail:
            return False
        if "failed to map pages" in detail:
            return True  # 7.x: the pages were had; vmap_pages_range() failed (judged likely)
        # "size 0" says nothing alone: since 5.14 it is what had been allocated when the
        # pages ran out (0 at the first page), and a reason cut off may be that one
        return (
            "vm_struct" in detail
            or "address space" in detail
            or "allocation failure" in detail
            or "exceeds total pages" in detail  # __vmalloc_node_range: more than all RAM
        )
    return False


def _nodes_unsaid(report: Report, state: AllocatorState) -> bool:
    """A multi-node OOM report that does not say which nodes the task may use: the
    ``oom-kill:constraint=`` line (5.0+; the header prints no nodemask for an OOM) or the
    cpuset line (before) lost or never printed: a mempolicy or cpuset may have kept it off
    the nodes that pass, which no certain verdict may pass over."""
    if report.kind != "oom" or report.constraint is not None or allowed_nodes(report) is not None:
        return False
    # Before 5.0 the header's cpuset line names them (mems_allowed); a kernel that prints
    # neither it nor a constraint line (2.6's before cpuset_print_task_mems_allowed())
    # leaves them unsaid alike.
    if len({z.node for z in state.zones}) > 1:
        return True
    # show_free_areas() leaves out the nodes a constrained caller may not use: free
    # pages in the summary that no printed zone holds are on such a node
    gap = unprinted_free(report, state)
    return gap is not None and gap > (gap + sum(z.free for z in state.zones)) // 100 + 256


def eligible_zones(report: Report, state: AllocatorState, req: Request) -> bool:
    """Whether the report printed a zone this request may use, or may have left one out.

    show_free_areas() skips zones above the request's highest zone (max_zone_idx) and,
    for a cpuset-bound caller, the nodes it may not use; a whole Mem-Info block (its
    ``pages RAM`` totals printed) with no eligible zone means there was none.
    """
    if state.zones:
        whole = all(z.areas is not None for z in state.zones)
    else:
        whole = report.totals is not None and bool(report.meminfo)
    if not whole:
        return True  # cut before or inside the zone lines: the zones are just missing
    top = highest_index(state, req.highest_zone) if state.zone_types else None
    if state.zones and top is None:
        return True
    return any(z.index is not None and top is not None and z.index <= top for z in state.zones)


def _no_eligible_zone(report: Report, state: AllocatorState, profile: KernelProfile) -> V.Verdict:
    """A whole report that printed no zone the request may use."""
    gap = unprinted_free(report, state)
    narrowed = bool(state.zones) and (
        allowed_nodes(report) is not None
        or (report.constraint is not None and report.constraint.constraint != "CONSTRAINT_NONE")
    )
    if narrowed and gap is not None and gap > 0:
        # the cpuset's nodes hold no zone it may use, while other nodes hold free memory
        return _simple(V.CONSTRAINED, profile, False, "likely", ("zone lines of other nodes",))
    return _simple(V.EXHAUSTED, profile, False, "likely", ("zone lines",))


def _slab_may_have_failed(
    report: Report, state: AllocatorState, req: Request | None, profile: KernelProfile
) -> bool:
    """A vmalloc failure at its vm_struct may have been a page shortage after all.

    __get_vm_area_node() fails when its vm_struct's kzalloc_node() fails and when
    alloc_vmap_area() finds no address space or no vmap_area from its slab (ERR_PTR
    -ENOMEM), each with the caller's mask & GFP_RECLAIM_MASK: the same "vm_struct
    allocation failed" (5.14+; "allocation failure: N bytes" before). Ruled out where
    alloc_vmap_area() printed "vmap allocation for size N failed" just before, the
    printed zones serve an order-0 Unmovable page with that mask, or the size is 0 or
    exceeds all RAM (no allocation was tried).
    """
    detail = ((report.header.detail or "") if report.header else "").lower()
    if "vm_struct" not in detail and "allocation failure:" not in detail:
        return False
    if report.vmap_failed_before:
        return False  # alloc_vmap_area() said the address space ran out
    if "exceeds total pages" in detail or re.search(r"\b0 bytes|size 0\b", detail):
        return False
    if req is None or not state.zones:
        return True
    slab = replace(req, order=0, migratetype="Unmovable", highest_zone="Normal")
    return not replay(state, slab, profile, evidence=False).outcome.surely


def _simple(
    code: str,
    profile: KernelProfile,
    would: bool | None,
    conf: str = "certain",
    missing: tuple[str, ...] = (),
) -> V.Verdict:
    return V.Verdict(
        code=code,
        unreserve_would_avoid=would,
        confidence=conf,
        missing=missing,
        profile=profile.label,
    )


def _no_reserve_anywhere(profile: KernelProfile) -> bool:
    """No kernel this profile allows has MIGRATE_HIGHATOMIC (before v4.4)."""
    return all(not p.has(Feature.HIGHATOMIC) for p in profile.variants())


def _undetermined(profile: KernelProfile, missing: tuple[str, ...]) -> V.Verdict:
    would = False if _no_reserve_anywhere(profile) else None
    return _simple(V.UNDETERMINED, profile, would, "unknown", tuple(dict.fromkeys(missing)))


def _no_watermarks(req: Request | None) -> bool:
    """__gfp_pfmemalloc_flags(): __GFP_MEMALLOC allocates with ALLOC_NO_WATERMARKS.

    A PF_MEMALLOC task (kswapd, a reclaimer) does too: caller.memalloc_unsettled() says
    where that moves a page-count verdict.
    """
    return req is not None and req.has("MEMALLOC") and not req.has("NOMEMALLOC")


def _no_block_of_the_order(report: Report, req: Request | None) -> bool:
    """Order > 0, no zone lines: every printed eligible zone's whole buddy line holds no
    chunk of the order or above, on any list. Unreserving moves a pageblock's free chunks
    to another list and never merges them (move_freepages_block()), so the reserve
    cannot supply the block. The verdict stays undetermined: the page count is unknown."""
    if req is None or not req.order or not req.highest_zone or req.highest_zone not in ZONE_ORDER:
        return False
    top = ZONE_ORDER.index(req.highest_zone)
    eligible = [z for z in report.zones if z.name in ZONE_ORDER[: top + 1]]
    lines = [z.buddy for z in eligible]
    if not lines or any(b is None or not b.whole for b in lines):
        return False
    return all(e.count == 0 for b in lines if b for e in b.entries if e.order >= req.order)


def _candidates(report: Report, req: Request | None) -> tuple[Request, ...]:
    """Requests the report may have made when its header does not say (an excerpt)."""
    kind = report.kind or (report.header.kind if report.header else None)
    if req is not None and req.order is None and kind != "oom":
        return ()
    orders = (req.order,) if req is not None and req.order is not None else range(COSTLY_ORDER + 1)
    if req is not None and req.migratetype is not None:
        return tuple(replace(req, order=o) for o in orders)
    if kind not in (None, "oom"):
        return ()
    kswapd = is_kswapd(report.context.comm if report.context else None)
    return tuple(
        Request(None, flags, text, o, mt, zone, pf_memalloc=kswapd)
        for flags, text, mt, zone in _CANDIDATE_GFP
        for o in orders
    )


@dataclass(frozen=True)
class _Judged:
    decision: Decision
    profile: KernelProfile
    constrained: Tri | None = None
    unsaid: tuple[str, ...] = ()  # what the node reading leaves open, for ``missing``
    every_node: bool = False  # judged on every printed node, no node reading applied


def _constrained(
    report: Report,
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    d: Decision,
    narrow: NodeSet | None,
) -> Tri | None:
    """A cpuset, mempolicy or nodemask kept the request from memory free elsewhere.

    Zones of nodes outside the allowed set, when printed, are replayed; a
    multi-node report whose other nodes would serve it by more than can move
    (a mempolicy the report does not print), and a CONSTRAINT_CPUSET or
    CONSTRAINT_MEMORY_POLICY line with free memory outside the printed zones,
    are likely.
    """
    if not d.replay.zones:
        return None
    t = threshold_of(d.replay)
    if narrow is not None:
        wide = replay(state, req, profile, evidence=False)
        inside = {id(c.zone) for c in d.replay.zones}
        opened = [c for c in wide.zones if id(c.zone) not in inside]
        # the room the other nodes hold, at both ends of their free bounds
        lo, hi, room = (
            sum(max(0, pick(c.zone) - c.zone.min) for c in opened)
            for pick in (lambda z: z.free_bounds[0], lambda z: z.free_bounds[1], lambda z: z.free)
        )
        enough = Tri.of(lo >= t, hi >= t, room >= t)
        return (
            ~d.replay.outcome & wide.outcome & Tri(enough.value, enough.sure and wide.outcome.sure)
        )
    line = report.constraint.constraint if report.constraint else None
    if line in ("CONSTRAINT_CPUSET", "CONSTRAINT_MEMORY_POLICY"):
        elsewhere = unprinted_free(report, state)
        return Tri.unknown(elsewhere is None or elsewhere >= t)
    return None


def _judge_nodes(
    report: Report, state: AllocatorState, req: Request, profile: KernelProfile, arch: str | None
) -> _Judged:
    """The decision under one profile, with the node constraint worked in."""
    nodes = {z.node for z in state.zones if z.node is not None}
    allowed, loose = bound_nodes(report, req, profile)
    narrow = allowed if allowed is not None and not allowed.covers(nodes) else None
    d = decide(state, req, profile, narrow, arch)
    c = _constrained(report, state, req, profile, d, narrow)
    if loose is not None and not loose.covers(nodes):
        # the cpuset's own nodes, or its hardwall ancestor's: certain only if both agree
        dl = decide(state, req, profile, loose, arch)
        if (dl.code, dl.would.value) != (d.code, d.would.value) or not dl.sure:
            c = Tri(False, False) if c is None else Tri(c.value, False)
    unsaid: tuple[str, ...] = ()
    if c is None and narrow is None and allowed is not None:
        c = _filtered_nodes(report, state, req, d, arch)
        if c is not None:
            unsaid = ("zones of nodes the report filtered out",)
    keeps = keeps_nodemask(req, req.order or 0, profile)
    if c is None and narrow is None and len(nodes) > 1 and d.code == V.UNDETERMINED and keeps:
        # every printed node allowed, yet some fail while others serve it by more than can
        # move: something the report does not print (a mempolicy) kept it on the failing
        # ones; never a request without ALLOC_CPUSET, for which the slow path drops both
        failing = frozenset(
            n
            for n in nodes
            if not replay(state, req, profile, nodes=frozenset({n}), evidence=False).outcome.value
        )
        if failing:
            d = decide(state, req, profile, failing, arch)
            if d.code != V.UNDETERMINED:
                c = Tri.unknown(True)
    return _Judged(d, profile, c, unsaid, narrow is None and c is None)


def _filtered_nodes(
    report: Report, state: AllocatorState, req: Request, d: Decision, arch: str | None
) -> Tri | None:
    """A request held to its nodes, whose print shows only those: free memory the global
    counter holds past the printed zones is on nodes it could not use.

    show_mem() skips the nodes outside the cpuset or nodemask (SHOW_MEM_FILTER_NODES):
    dump_header() always, warn_alloc_show_mem() for a reclaim-capable request of a task
    that is no OOM victim and not PF_MEMALLOC; Mem-Info's ``free:`` is global. Since
    show_free_areas() took max_zone_idx it also skips zones above the request's, so only
    a request that may use every zone type reads the gap as other nodes (constrained,
    likely); for another the gap leaves the verdict likely.
    """
    if not d.replay.zones:
        return None
    line = report.constraint
    if line is not None and line.constraint == "CONSTRAINT_NONE":
        # constrained_alloc() found nothing held it: every node was printed; but 5.0-5.1.18
        # print CONSTRAINT_NONE for every OOM (fixed by 432b1de0de02, 5.2, stable 5.1.19),
        # and a report without its release may be one of them
        if report.release and parse_release(report.release) not in ((5, 0), (5, 1)):
            return None
    h = report.header
    cpuset = (line.get("cpuset") if line else None) or (h.cpuset if h else None)
    if policy_nodes(report) is None and cpuset == "/":
        return None  # the top cpuset holds every memory node: nothing was filtered out
    if one_node_kernel(state) or every_node_printed(report, state):
        return None  # the free: past the zones is drift, or zones above the request's
    if report.kind != "oom" and (
        not reclaims_directly(req) or caller.pf_memalloc_shown(report, req) or req.oom_victim
    ):
        return None  # warn_alloc printed every node: none was left out
    elsewhere = unprinted_free(report, state)
    if elsewhere is None or elsewhere < threshold_of(d.replay):
        return None
    top = req.highest_zone in ("HighMem", "Movable") or (
        req.highest_zone == "Normal"
        and arch in NO_HIGHMEM  # every zone type bar Movable (kernelcore=/movablecore=)
        and not any(z.name == "HighMem" for z in state.zones)
    )
    return Tri.unknown(top)


def _mempolicy_unsaid(
    report: Report, state: AllocatorState, req: Request, profile: KernelProfile, d: Decision
) -> Decision | None:
    """A multi-node report that prints no nodemask, judged on every printed node, where a
    mempolicy bound to one of them gives another verdict.

    The header has printed the request's nodemask since "oom: print nodemask in the oom
    report" (v4.9) and warn_alloc() since v4.10; before, and on a header cut short, an
    MPOL_BIND task's nodes are unsaid (the cpuset line is the cpuset's, not the policy's).
    Returns the first one-node decision that differs.
    """
    h = report.header
    if h is None or h.nodemask is not None or report.constraint is not None:
        return None
    if "kthread" in report.functions or req.has("THISNODE"):
        return None  # a kernel thread runs with the default policy; THISNODE: caller.py
    nodes = sorted({z.node for z in state.zones if z.node is not None})
    if len(nodes) < 2:
        return None
    if not keeps_nodemask(req, req.order or 0, profile):
        return None  # since 4.19 the slow path ignores the policy of such a caller
    for n in nodes:
        one = decide(state, req, profile, frozenset({n}), None)
        if (one.code, one.would.value) != (d.code, d.would.value):
            return one
    return None


def _code(j: _Judged) -> tuple[str, bool]:
    """(code, sure) with the node constraint ranked first (precedence)."""
    d = j.decision
    if j.constrained is not None and j.constrained.value:
        # the constraint line or the other nodes say so even where the print passes
        return V.CONSTRAINED, d.sure and j.constrained.sure and d.code != V.UNDETERMINED
    if j.constrained is not None:
        return d.code, d.sure and j.constrained.sure
    return d.code, d.sure


def _deciders(rp: Replay) -> tuple[str, ...]:
    """What the report would need to print to settle what the bounds leave open."""
    out = []
    for c in rp.zones:
        z = c.zone
        if c.reserve is None:
            out.append("lowmem_reserve")
        if z.free_bounds[0] != z.free_bounds[1]:
            out.append("exact free pages")
        if c.bounds.basis != "printed" and c.bounds.nr[0] != c.bounds.nr[1]:
            out.append("reserved_highatomic")
        if not c.freelist.sure:
            out.append("buddy lines" if z.areas is None else "migratetype letters")
        if z.managed is None:
            out.append("managed")
    return tuple(dict.fromkeys(out))


def _may_have_unreserved(j: _Judged, req: Request) -> bool:
    """A costly request that loops on should_compact_retry() may have reached the forced
    unreserve_highatomic_pageblock() in should_reclaim_retry(), which leaves no (H) block it
    can move, whatever the zones' retry test said (kernel_could_unreserve open); the (H)
    chunks the report prints may have been reserved again since (docs/kernel-rules.md §9.3)."""
    rp = j.decision.replay
    return (
        rp.kernel_could_unreserve is None
        and rp.order > COSTLY_ORDER
        and j.profile.has(Feature.UNRESERVE_BEFORE_OOM)
        and reaches_retry(req, rp.order, j.profile)
        and any(c.bounds.h_pages[1] for c in rp.zones)
    )


def _factors(j: _Judged, code: str, report: Report) -> tuple[V.Factor, ...]:
    d = j.decision
    rp = d.replay
    t = threshold_of(rp)
    out = [
        V.Factor(c.code, c.headroom, c.material.value)
        for c in d.causes
        if c.code != code and c.holds.value
    ]
    pcp = sum(c.zone.free_pcp or 0 for c in rp.zones)
    if pcp:
        out.append(V.Factor(V.PCP_HELD, (0, pcp), pcp >= t))
    h = (sum(c.bounds.h_pages[0] for c in rp.zones), sum(c.bounds.h_pages[1] for c in rp.zones))
    if h[1] and rp.kernel_could_unreserve and j.profile.has(Feature.UNRESERVE_BEFORE_OOM):
        # a kernel that unreserves (force) before it gives up (an OOM, or a failure that
        # went through should_reclaim_retry()) cannot fail with a free H chunk left
        out.append(V.Factor(V.RESERVE_REMADE, h, h[1] >= t))
    return tuple(out)


def _kernel_serves(
    state: AllocatorState, req: Request, profile: KernelProfile, rp: Replay | None = None
) -> bool:
    """Whether a kernel with ``profile`` would certainly have served the request.

    ``rp``: this very replay when the caller already has it.
    """
    if rp is None:
        rp = replay(state, req, profile, evidence=False)
    if rp.outcome.surely:
        return True
    if not rp.kernel_could_unreserve or no_highatomic(rp):
        return False
    return replay(state, req, profile, Scenario(unreserve=True)).outcome.surely


def _fixes(
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    rp: Replay,
    read: set[Feature],
) -> tuple:
    """The catalogued fixes this kernel lacks, each with whether it would have avoided this.

    ``read``: the features the verdict's own replays read; ``rp`` is reused when it is
    the plain replay of ``state``.
    """
    if not any(c.bounds.h_pages[1] or c.bounds.nr[1] for c in rp.zones):
        return ()
    own = {id(z) for z in state.zones}
    plain = rp.scenario == Scenario() and all(id(c.zone) in own for c in rp.zones)
    # A fix "would have avoided it" only if it changes the outcome: the kernel as it
    # was did not certainly serve the request, the kernel with the fix does.
    with traced() as reads:
        served = _kernel_serves(state, req, profile, rp if plain else None)
    reads |= read
    if served:
        return tuple(spec.record(False) for spec in missing_fixes(profile))
    # a fix that changes no feature an earlier kernel's replays read cannot change their
    # outcome: the kernel as it was (it did not serve), or another fixed kernel
    runs: list[tuple[KernelProfile, set[Feature], bool]] = [(profile, reads, False)]
    out = []
    credited: list[Feature] = []
    newest: bool | None = None
    for spec in missing_fixes(profile):
        fixed = with_fix(profile, spec)
        changed = next((s for q, r, s in runs if REUSE and fixed.agrees(q, r)), None)
        if changed is None:
            with traced() as fixed_reads:
                changed = _kernel_serves(state, req, fixed)
            runs.append((fixed, fixed_reads, changed))
        lacking = tuple(n for n in spec.needs if not profile.has(n))
        if changed and lacking and _kernel_serves(state, req, profile.with_features(lacking)):
            # what the fix needs serves the request alone (6.0's pcp miss to rmqueue_buddy
            # for 5.13-5.19's high-order pcp lists): that change avoided it, not the fix
            changed = False
            if newest is None:
                # a change is credited only where today's kernels still serve it: a later
                # change may take the access away again (6a204d4b14c9 from GFP_NOWAIT)
                newest = _kernel_serves(state, req, profile.with_features(tuple(Feature)))
            if newest:
                alone = [
                    n for n in lacking if _kernel_serves(state, req, profile.with_features((n,)))
                ]
                credited += [n for n in alone or lacking if n not in credited]
        out.append(spec.record(changed))
    catalogued = {spec.feature for spec in CATALOGUE}  # those have their own entry
    out += [FixSpec(n).record(True) for n in credited if n not in catalogued]
    return tuple(out)


def _verdict(
    report: Report,
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    arch: str | None,
    fixes: bool = True,
    sweep: bool = True,
) -> V.Verdict:
    """Decide under every variant of ``profile``; certain only when all agree and are sure.

    ``sweep=False`` decides under the nominal variant only (a verdict that is at best
    likely anyway, such as one of an excerpt's candidate requests).
    """
    v, rp, p = _verdict_unshown(report, state, req, profile, arch, fixes, sweep)
    return replace(v, evidence=replay_evidence(rp, p))


def _pageblock_configurable(
    report: Report, variants: tuple[KernelProfile, ...]
) -> tuple[KernelProfile, ...]:
    """The kernels among ``variants`` whose pageblock order its configuration may have
    lowered (``configurable_pageblock``), or every one on an Android build from 6.1, whose
    trees may carry e13e7922d034 earlier (Google's, for 16 kB pages; unchecked)."""
    version = parse_release(report.release)
    if caller.android_build(report) and version is not None and version >= (6, 1):
        return variants
    return tuple(p for p in variants if configurable_pageblock(p))


def _what_splits(
    nominal: _Judged,
    state: AllocatorState,
    judged: list[_Judged],
    judged_on: list[AllocatorState],
) -> tuple[str, ...]:
    """What the report leaves open that gives another answer than the nominal reading's:
    the kernel (its stable level, vendor changes), its pageblock order, its zone set."""
    own = (_code(nominal)[0], nominal.decision.would.value)
    out: list[str] = []
    for j, s in zip(judged, judged_on, strict=True):
        if (_code(j)[0], j.decision.would.value) == own:
            continue
        if s.zone_types != state.zone_types:
            out.append("zone set")
        elif s.pageblock_order != state.pageblock_order:
            out.append("pageblock order")
        elif s.thp != state.thp:
            out.append("thp")
        else:
            out.append("kernel stable level")
    return tuple(dict.fromkeys(out))


def _zone_sets(state: AllocatorState) -> tuple[tuple[str, ...], ...]:
    """Every zone set the report allows, the state's own first."""
    return tuple(t for t in (state.zone_types, *state.type_alternatives) if t is not None)


def _types_that_matter(state: AllocatorState, req: Request) -> tuple[tuple[str, ...], ...]:
    """The other zone sets the report allows that move a printed zone, or the request's
    highest zone, to another index (whose lowmem_reserve entry the watermarks read)."""
    names = {z.name for z in state.zones} | ({req.highest_zone} if req.highest_zone else set())

    def indexes(types: tuple[str, ...] | None) -> tuple[int | None, ...]:
        return tuple(types.index(n) if types and n in types else None for n in sorted(names))

    own = indexes(state.zone_types)
    return tuple(t for t in state.type_alternatives if indexes(t) != own)


def _verdict_unshown(
    report: Report,
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    arch: str | None,
    fixes: bool = True,
    sweep: bool = True,
) -> tuple[V.Verdict, Replay, KernelProfile]:
    """``_verdict`` without its evidence, with the replay and profile the evidence is of."""
    states = [state] + [
        replace(state, pageblock_order=o, pageblock_alternatives=())
        for o in (state.pageblock_alternatives if sweep else ())
    ]
    variants = profile.variants() if sweep else profile.variants()[:1]
    carried = (
        () if not sweep or state.pageblock_given else _pageblock_configurable(report, variants)
    )
    configured = smaller_pageblock_orders({s.pageblock_order for s in states}) if carried else ()
    states += [replace(state, pageblock_order=o, pageblock_alternatives=()) for o in configured]
    if sweep:
        states += [s.with_types(t) for t in _types_that_matter(state, req) for s in list(states)]
    if sweep and state.thp is None and (req.order or 0) > COSTLY_ORDER:
        # no Node line says whether pcp_allowed_order() admits pageblock_order (5.13-5.19)
        states += [replace(s, thp=False) for s in states if s.pageblock_order == req.order]
    judged: list[_Judged] = []
    judged_on: list[AllocatorState] = []  # the state each of ``judged`` was judged on
    runs_of_first: list[tuple[KernelProfile, set[Feature], _Judged]] = []
    for s in states:
        runs: list[tuple[KernelProfile, set[Feature], _Judged]] = []
        if s is state:
            runs = runs_of_first
        for p in variants:
            if s.pageblock_order in configured and p not in carried:
                continue  # an order only CONFIG_PAGE_BLOCK_MAX_ORDER sets, on a kernel without
            # a profile that answers alike for every feature an earlier run read
            # gives that run's verdict: the replay is a function of those answers
            same = next((j for q, reads, j in runs if REUSE and p.agrees(q, reads)), None)
            if same is None:
                with traced() as reads:
                    same = _judge_nodes(report, s, req, p, arch)
                runs.append((p, reads, same))
            judged.append(same)
            judged_on.append(s)
    nominal = judged[0]
    nominal_reads = next(reads for q, reads, j in runs_of_first if j is nominal)
    code, sure = _code(nominal)
    d = nominal.decision
    would: bool | None = d.would.value
    policy = None
    if nominal.every_node and code != V.UNDETERMINED:
        # asked of the nominal kernel once: the variants' node reading is alike
        policy = _mempolicy_unsaid(report, state, req, nominal.profile, d)
    if policy is not None:
        sure = False
        if policy.would.value != would:
            would = None
    answers = {(_code(j)[0], j.decision.would.value) for j in judged}
    sure = sure and all(_code(j)[1] for j in judged) and len(answers) == 1
    # whether this kernel would have released it holds only where every kernel and
    # reading the report allows says the same (a stable level may carry ac3f3b0a5551)
    kcu = d.replay.kernel_could_unreserve
    if any(j.decision.replay.kernel_could_unreserve != kcu for j in judged):
        kcu = None
    missing = tuple(d.missing)
    if code == V.UNDETERMINED:
        undecided = _undetermined(profile, missing or ("decision-time state",))
        if would is False and d.would.sure:
            undecided = replace(undecided, unreserve_would_avoid=False)
        v = replace(undecided, kernel_could_unreserve=kcu)
        return v, d.replay, nominal.profile
    if policy is not None:
        missing += ("the task's mempolicy (no nodemask printed)",)
    if not sure:
        missing += tuple(m for j in judged for m in j.unsaid) + _deciders(d.replay)
        if len(answers) > 1:
            missing += _what_splits(nominal, state, judged, judged_on)
    factors = _factors(nominal, code, report)
    conf = "certain" if sure else "likely"
    if code == V.HIGHATOMIC_STRANDED and any(
        any(f.code == V.RESERVE_REMADE for f in _factors(j, code, report)) for j in judged
    ):
        # This kernel, or one its release allows (a vendor's backport), unreserves before it
        # OOMs: the (H) blocks it printed were most likely reserved again after the decision.
        conf = "likely"
        if not any(f.code == V.RESERVE_REMADE for f in factors):
            missing += ("kernel stable level",)
    elif code == V.HIGHATOMIC_STRANDED and any(_may_have_unreserved(j, req) for j in judged):
        conf = "likely"
        missing += ("whether the kernel unreserved before it gave up",)
    span = d.rounds if would and d.rounds and None not in d.rounds else None
    found = _fixes(state, req, nominal.profile, d.replay, nominal_reads) if fixes else ()
    if would is None:
        found = tuple(replace(f, would_avoid=False) for f in found)  # a reading says otherwise
    v = V.Verdict(
        code=code,
        unreserve_would_avoid=would,
        confidence=conf,
        unreserve_rounds=span,  # type: ignore[arg-type]
        kernel_could_unreserve=kcu,
        factors=factors,
        fixes=_carried_dropped(found, variants),
        missing=tuple(dict.fromkeys(missing)),
        profile=profile.label,
    )
    return v, d.replay, nominal.profile


def _carried_dropped(
    fixes: tuple[Fix, ...], variants: tuple[KernelProfile, ...]
) -> tuple[Fix, ...]:
    """No fix is said to have avoided it that a kernel the release allows may carry (a
    vendor's backport, an unknown stable level): the claim would be of that kernel too.
    ``variants``: the kernels themselves (a reused judgement holds another's profile)."""
    carried = {
        change(s.feature).commit for s in CATALOGUE if any(p.has(s.feature) for p in variants[1:])
    }
    return tuple(
        replace(f, would_avoid=False) if f.would_avoid and f.commit in carried else f for f in fixes
    )


def _judge_candidates(
    report: Report,
    state: AllocatorState,
    reqs: tuple[Request, ...],
    profile: KernelProfile,
    need: tuple[str, ...],
) -> V.Verdict:
    """One verdict when every request the report may have made gets the same one."""
    if any((z.areas is None and not z.buddy_cut) or z.lowmem_reserve is None for z in state.zones):
        # a zone printed with no buddy line; one cut short leaves the page counts to decide
        return _undetermined(profile, need + state.missing)
    # a candidate whose printed state passes says nothing against the others; the
    # evidence shown is that of the first decided one
    decided: list[tuple[V.Verdict, Replay, KernelProfile]] = []
    answers: set[tuple[str, bool | None]] = set()
    for r in reqs:
        v, rp, p = _verdict_unshown(report, state, r, profile, report.arch, False, False)
        if v.code != V.UNDETERMINED:
            decided.append((v, rp, p))
            answers.add((v.code, v.unreserve_would_avoid))
        if len(answers) > 1:
            break
    if len(answers) == 1:
        v, rp, p = decided[0]
        return replace(
            v,
            evidence=replay_evidence(rp, p),
            confidence="likely",
            missing=tuple(dict.fromkeys(v.missing + need)),
            unreserve_rounds=None,
            fixes=(),
        )
    return _undetermined(profile, need + state.missing)


@dataclass(frozen=True)
class Judgement:
    """One report judged, with the state and profile the verdict was worked out from."""

    request: Request | None
    verdict: V.Verdict
    state: AllocatorState
    profile: KernelProfile


def analyze(report: Report, options: Options) -> tuple[Request | None, V.Verdict]:
    """Decode, replay and judge one report: always a verdict, `undetermined` naming what is missing."""
    j = judge_report(report, options)
    return j.request, j.verdict


def judge_report(report: Report, options: Options, victim: bool = False) -> Judgement:
    """The verdict of one report, with the allocator state and kernel profile behind it.

    ``victim``: an earlier OOM of the same log killed this report's task (caller.Victims).
    """
    dec = decode_request(report)
    profile, unknown = resolve_profile(report, options.kernel, options.assume, dec.layout)
    notes = dec.notes + tuple(f"unknown-feature-{u}" for u in unknown)
    state = build_state(report, options.page_kb, options.pageblock_order)
    req = dec.request
    if req is not None and req.highest_zone and state.zone_types:
        # an arch the report does not name: gfp_zone() of __GFP_HIGHMEM is Normal in every
        # zone set the report allows without HighMem (a 64-bit kernel's)
        named = {configured_zone(t, req.highest_zone) for t in _zone_sets(state)}
        if len(named) == 1 and req.highest_zone not in named:
            req = replace(req, highest_zone=named.pop())
    if req is not None and not req.pf_memalloc and caller.under_pf_memalloc(report):
        # a trace through reclaim or compaction: PF_MEMALLOC, which sends the slow path
        # to nopage before it reclaims, retries, unreserves or calls the OOM killer
        req = replace(req, pf_memalloc=True)
    memcg, glob = memcg_marks(report)
    if is_memcg_oom(report):
        sure = _memcg_sure(report) and not glob
        verdict = _simple(V.MEMCG_LIMIT, profile, False, "certain" if sure else "likely")
    elif not_a_shortage(report, state):
        # mapping can fail for want of a page-table page: not certain it was no shortage
        mapping = "failed to map pages" in ((report.header.detail or "") if report.header else "")
        slab = not mapping and _slab_may_have_failed(report, state, req, profile)
        verdict = _simple(
            V.NOT_A_SHORTAGE,
            profile,
            False,
            "likely" if mapping or slab else "certain",
            ("whether the vm_struct or vmap_area slab allocation failed",) if slab else (),
        )
    elif "order" in report.implausible or "gfp_mask" in report.implausible:
        # __alloc_pages() refuses an order past its free lists (a WARN, no report): no
        # request of this order reached the slow path, so nothing to replay; nor is a
        # mask past gfp_t's 32 bits any request's
        unread = tuple(x for x in ("gfp_mask", "order") if x in report.implausible)
        verdict = _undetermined(profile, unread + state.missing)
    elif req is not None and req.highest_zone and not eligible_zones(report, state, req):
        verdict = _no_eligible_zone(report, state, profile)
    elif not state.zones:
        verdict = _undetermined(profile, dec.missing + state.missing)
        if verdict.unreserve_would_avoid is None and _no_block_of_the_order(report, req):
            verdict = replace(verdict, unreserve_would_avoid=False)
    elif req is not None and page_fault_oom(report, req):
        # what failed in the fault path is not printed: judged as its likely requests, a
        # page-table page (GFP_KERNEL) and a user page (GFP_HIGHUSER_MOVABLE), order 0
        reqs = _candidates(report, replace(req, migratetype=None))
        verdict = _judge_candidates(report, state, reqs, profile, (V.PAGE_FAULT_REQUEST,))
    elif req is None or req.order is None or req.migratetype is None:
        reqs = _candidates(report, req)
        need = dec.missing or ("gfp_mask", "order")
        if reqs:
            verdict = _judge_candidates(report, state, reqs, profile, need)
        else:
            verdict = _undetermined(profile, need + state.missing)
    else:
        verdict = _verdict(report, state, req, profile, report.arch)
        if dec.missing:
            verdict = V.at_best_likely(verdict, *dec.missing)
    if report.interleaved and verdict.code != V.UNDETERMINED:
        verdict = V.at_best_likely(verdict, "its own buddy line (another report's interleaved)")
    if memcg and (glob or report.kind == "alloc-failure") and verdict.code != V.UNDETERMINED:
        # a memcg OOM's lines in a global OOM or an allocation failure (neither prints
        # them; warn_alloc() takes no oom_lock, and before 4.2 nothing kept the two kinds
        # of OOM apart): two reports' lines, which one is this one's is open
        verdict = V.at_best_likely(verdict, "lines of an interleaved memory cgroup OOM")
    if (
        report.header is not None
        and report.header.kind == "vmalloc"
        and req is not None
        and req.has("ACCOUNT")
        and verdict.code not in (V.UNDETERMINED, V.NOT_A_SHORTAGE)
    ):
        # __alloc_pages() frees a page whose memcg charge failed and returns NULL without a
        # word; vmalloc then warns of the short allocation all the same (5.14+ "vmalloc
        # error", before "allocation failure, allocated X of Y"): the limit may be what failed
        verdict = V.at_best_likely(verdict, "whether the memory cgroup charge failed")
    if report.implausible and verdict.code != V.UNDETERMINED:
        # a number no kernel prints (parse.plausible): the line is not what a kernel wrote
        verdict = V.at_best_likely(verdict, "numbers a kernel prints")
    if _nodes_unsaid(report, state) and verdict.code != V.UNDETERMINED:
        version = parse_release(report.release)
        newer = version is not None and version >= (5, 0)
        verdict = V.at_best_likely(verdict, "oom-kill line" if newer else "cpuset or oom-kill line")
    for part in ("zone free_cma", "zone state", "whole buddy lines"):
        # free CMA pages the model counts as 0 may be some zone's; a zone whose state
        # the report lost may be the one that decides; a cut buddy line hides chunks and
        # its total: not certain
        if part in state.missing and verdict.code != V.UNDETERMINED:
            verdict = V.at_best_likely(verdict, part)
    if (
        dec.layout_guessed
        and verdict.confidence == "certain"
        and not options.kernel
        and not content_before(report, (4, 4))
    ):
        # no release and a mask without any 4.4+ reclaim bit: read in the 2.6.31-4.3
        # layout, though a 4.4+ mask with neither reclaim bit fits it too (another request)
        verdict = V.at_best_likely(verdict, "gfp layout")
    if "cma-from-meminfo" in state.assumptions:
        verdict = V.at_best_likely(verdict)  # a zone's CMA read off another line
    if _no_watermarks(req):
        # __gfp_pfmemalloc_flags(): ALLOC_NO_WATERMARKS, no watermark at all; the model
        # checks the watermarks of an ordinary request, so the answer is at best likely
        notes += ("memalloc-no-watermarks",)
        verdict = V.at_best_likely(verdict)
    elif (
        req is not None
        and req.order is not None
        and req.order >= 0
        and verdict.code not in (V.UNDETERMINED, V.NOT_A_SHORTAGE, V.MEMCG_LIMIT)
    ):
        # a verdict about the zones: what the report shows of the caller may move it
        victim = victim or caller.oom_killer_failure(report, req, state)

        def judge_as(other: Request) -> V.Verdict:
            return _verdict(report, state, other, profile, report.arch, fixes=False)

        verdict = caller.caller_context(report, state, req, profile, verdict, victim, judge_as)
    task = "ordinary-task"
    if req is not None and req.pf_memalloc:
        comm = report.header.comm if report.header else None
        task = "kswapd-pf-memalloc" if is_kswapd(comm) else "pf-memalloc"
    assumptions = verdict.assumptions + notes + state.assumptions + (task,)
    verdict = replace(verdict, assumptions=tuple(dict.fromkeys(assumptions)))
    return Judgement(req, verdict, state, profile)
