"""Judge one report: replay it, weigh each counterfactual, and return a Verdict of codes and numbers.

A cause counts only when material: the memory its counterfactual would hand
the request is at least the min watermark of the highest zone the request may
use (DESIGN.md, "Verdict vocabulary"). Several material causes are ranked by
``verdict.PRECEDENCE``; the rest become factors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from oomlens.judge import verdict as V
from oomlens.kernel.fixes import missing_fixes, with_fix
from oomlens.kernel.profile import Feature, KernelProfile, resolve_profile
from oomlens.kernel.request import Request, decode_request
from oomlens.model.evidence import replay_evidence
from oomlens.model.freelist import type_pages
from oomlens.model.replay import Replay, replay
from oomlens.model.state import AllocatorState, Interval, build_state
from oomlens.options import Options
from oomlens.parse.numbers import in_ranges, node_ranges
from oomlens.parse.report import Report


@dataclass(frozen=True)
class Cause:
    """One counterfactual: would it have served the request, and with how much memory."""

    code: str
    status: str  # "certain" | "likely" | "no"
    headroom: Interval
    material: bool


def _sum(items: list[Interval]) -> Interval:
    return sum(i[0] for i in items), sum(i[1] for i in items)


def _status(outcome: str) -> str:
    return {"pass": "certain", "depends": "likely"}.get(outcome, "no")


def _threshold(rp: Replay) -> int | None:
    """The min watermark of the highest zone the request may use."""
    return rp.zones[0].zone.min if rp.zones else None


def _material(headroom: Interval, threshold: int | None) -> bool:
    return threshold is not None and headroom[1] >= threshold


def _highatomic_cause(rp: Replay, t: int | None) -> Cause:
    best, worst = rp.rounds
    status = "certain" if worst is not None else "likely" if best is not None else "no"
    head = _sum([c.bounds.h_pages for c in rp.zones if c.bare != "fail"])
    return Cause(V.HIGHATOMIC_STRANDED, status, head, _material(head, t))


def _causes(
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    rp: Replay,
    nodes: frozenset[int] | None,
) -> list[Cause]:
    t = _threshold(rp)
    out = [_highatomic_cause(rp, t)]
    if not rp.slow_flags.cma and any(c.zone.cma for c in rp.zones):
        alt = replay(state, req, profile, allow_cma=True, nodes=nodes)
        head = (0, sum(c.zone.cma or 0 for c in rp.zones))
        out.append(Cause(V.CMA_ONLY, _status(alt.outcome), head, _material(head, t)))
    protected = [c for c in rp.zones if c.reserve and c.reserve[1] > 0]
    if protected:
        alt = replay(state, req, profile, drop_lowmem=True, nodes=nodes)
        head = _sum(
            [
                (
                    max(0, c.zone.free_bounds[0] - c.min_effective),
                    max(0, c.zone.free_bounds[1] - c.min_effective),
                )
                for c in protected
            ]
        )
        out.append(Cause(V.LOWMEM_PROTECTED, _status(alt.outcome), head, _material(head, t)))
    if rp.order > 0:
        frag = [c for c in rp.zones if c.slow != "fail" and c.freelist != "pass"]
        head = _sum([type_pages(c.zone, c.letters, 0, rp.order - 1) for c in frag])
        status = (
            "certain"
            if any(c.slow == "pass" and c.freelist == "fail" for c in frag)
            else "likely"
            if frag
            else "no"
        )
        out.append(Cause(V.FRAGMENTED, status, head, head[1] > 0))
        # For a high-order request the binding limit is one free block, not the
        # watermark: a counterfactual that certainly serves it is material however
        # few pages it moves (DESIGN's page threshold is meant for order-0 noise).
        out = [replace(c, material=c.material or c.status == "certain") for c in out]
    return out


def _factors(
    rp: Replay, causes: list[Cause], primary: str, report: Report, profile: KernelProfile
) -> tuple[V.Factor, ...]:
    t = _threshold(rp)
    out = [
        V.Factor(c.code, c.headroom, c.material)
        for c in causes
        if c.code != primary and c.status != "no"
    ]
    pcp = sum(c.zone.free_pcp or 0 for c in rp.zones)
    if pcp:
        out.append(V.Factor(V.PCP_HELD, (0, pcp), _material((0, pcp), t)))
    h = _sum([c.bounds.h_pages for c in rp.zones])
    if (
        report.kind == "oom"
        and h[1]
        and rp.kernel_could_unreserve
        and profile.has(Feature.UNRESERVE_BEFORE_OOM)
    ):
        out.append(V.Factor(V.RESERVE_REMADE, h, _material(h, t)))
    return tuple(out)


def _kernel_serves(
    state: AllocatorState, req: Request, profile: KernelProfile, nodes: frozenset[int] | None
) -> bool:
    """Whether a kernel with ``profile`` would certainly have served the request."""
    rp = replay(state, req, profile, nodes=nodes)
    if rp.outcome == "pass":
        return True
    return bool(rp.kernel_could_unreserve) and rp.rounds[1] is not None


def _fixes(state, req, profile, nodes, rp: Replay) -> tuple[V.Fix, ...]:
    if not any(c.bounds.h_pages[1] or c.bounds.nr[1] for c in rp.zones):
        return ()
    # A fix "would have avoided it" only if it changes the outcome: the kernel as
    # it was did not certainly serve the request, the kernel with the fix does.
    if _kernel_serves(state, req, profile, nodes):
        return tuple(spec.record(False) for spec in missing_fixes(profile))
    return tuple(
        spec.record(_kernel_serves(state, req, with_fix(profile, spec), nodes))
        for spec in missing_fixes(profile)
    )


def _deciders(rp: Replay, profile: KernelProfile) -> tuple[str, ...]:
    """What the report would need to print to settle a 'depends' replay."""
    out = []
    for c in rp.zones:
        if c.reserve is None:
            out.append("lowmem_reserve")
        if c.slow == "depends" and c.zone.free_bounds[0] != c.zone.free_bounds[1]:
            out.append("exact free pages")
        if (
            c.slow == "depends"
            and profile.has(Feature.HIGHATOMIC)
            and c.bounds.basis != "printed"
            and c.bounds.nr[0] != c.bounds.nr[1]
        ):
            out.append("reserved_highatomic")
        if c.freelist == "depends":
            out.append("buddy lines" if c.zone.areas is None else "migratetype letters")
        if c.zone.managed is None:
            out.append("managed")
    return tuple(dict.fromkeys(out)) or ("decision-time state",)


def _zone_verdict(
    report: Report,
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    nodes: frozenset[int] | None,
) -> V.Verdict:
    rp = replay(state, req, profile, nodes=nodes)
    evidence = replay_evidence(rp, profile)
    missing = tuple(dict.fromkeys(state.missing + rp.missing))
    if not rp.zones:
        return _simple(V.UNDETERMINED, profile, None, "unknown", missing or ("zone lines",))
    causes = _causes(state, req, profile, rp, nodes)
    ha = causes[0]
    would = {"certain": True, "likely": None, "no": False}[ha.status]
    rounds = (rp.rounds[0], rp.rounds[1]) if None not in rp.rounds else None
    if rp.outcome == "pass":
        rounds = None
    ranked = [c for c in causes if c.material and c.status != "no"]
    ranked.sort(key=lambda c: V.PRECEDENCE.index(c.code))
    if rp.outcome == "pass":
        code, conf = V.UNDETERMINED, "unknown"
        missing += ("decision-time state",)
        would = None
    elif ranked:
        code, conf = ranked[0].code, ranked[0].status
    elif rp.outcome == "fail" and all(c.status == "no" for c in causes):
        code, conf = V.EXHAUSTED, "certain"
    elif rp.outcome == "fail":
        code, conf = V.EXHAUSTED, "likely"
    else:
        code, conf = V.EXHAUSTED, "likely"  # fails at one end of the bounds, no cause helps
        missing += _deciders(rp, profile)
    if missing and code != V.UNDETERMINED and conf == "certain":
        conf = "likely"
    factors = _factors(rp, causes, code, report, profile)
    if (
        code == V.HIGHATOMIC_STRANDED
        and conf == "certain"
        and any(f.code == V.RESERVE_REMADE for f in factors)
    ):
        # This kernel unreserves before it OOMs: the (H) blocks it printed were
        # most likely reserved again after the decision (DESIGN: reserve-remade).
        conf = "likely"
    return V.Verdict(
        code=code,
        unreserve_would_avoid=would,
        confidence=conf,
        unreserve_rounds=rounds,
        kernel_could_unreserve=rp.kernel_could_unreserve,
        factors=factors,
        evidence=evidence,
        fixes=_fixes(state, req, profile, nodes, rp),
        missing=missing,
        profile=profile.label,
    )


def _is_memcg(report: Report) -> bool:
    c = report.constraint
    return (
        report.kind == "memcg-oom"
        or (report.header is not None and report.header.kind == "memcg-oom")
        or (c is not None and (c.constraint == "CONSTRAINT_MEMCG" or bool(c.get("oom_memcg"))))
        or (report.killed is not None and (report.killed.reason or "").startswith("Memory cg"))
        or (report.memcg is not None and report.memcg.limit_of is not None)
    )


def _allowed_nodes(report: Report, seen: set[int]) -> frozenset[int] | None:
    """The nodes among ``seen`` that the first node list printed allows; None when none was.

    A list is kept as ranges and only tested against the nodes the report shows, so
    ``mems_allowed=0-300000000`` costs nothing (oomlens.parse.numbers).
    """
    h, c = report.header, report.constraint
    for text in (
        (c.get("nodemask") if c else None),
        h and h.nodemask,
        (c.get("mems_allowed") if c else None),
        h and h.mems_allowed,
    ):
        ranges = node_ranges(text or None)
        if ranges is not None:
            return frozenset(n for n in seen if in_ranges(ranges, n))
    return None


def _not_a_shortage(report: Report, state: AllocatorState) -> bool:
    h = report.header
    if h is None:
        return False
    if h.order is not None and (h.order < 0 or (state.zones and h.order >= state.nr_orders)):
        return True
    if h.kind == "vmalloc":
        # "failed to allocate pages" is a buddy-allocator failure (replayed at the
        # printed page order); vm_struct/address-space failures are not a shortage.
        detail = (h.detail or "").lower()
        if "failed to allocate pages" in detail:
            return False
        return h.vmalloc_size == 0 or "vm_struct" in detail or "address space" in detail
    return False


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


def analyze(report: Report, options: Options) -> tuple[Request | None, V.Verdict | None]:
    """Decode, replay and judge one report: always a verdict, `undetermined` naming what is missing."""
    dec = decode_request(report)
    profile, unknown = resolve_profile(report, options.kernel, options.assume, dec.layout)
    notes = dec.notes + tuple(f"unknown-feature-{u}" for u in unknown)
    state = build_state(report, options.page_kb, options.pageblock_order)
    req = dec.request
    if _is_memcg(report):
        verdict = _simple(V.MEMCG_LIMIT, profile, False)
    elif _not_a_shortage(report, state):
        verdict = _simple(V.NOT_A_SHORTAGE, profile, False)
    elif req is None or not state.zones or dec.missing and req.migratetype is None:
        need = dec.missing + state.missing
        verdict = _simple(V.UNDETERMINED, profile, None, "unknown", tuple(dict.fromkeys(need)))
    else:
        verdict = _judge_zones(report, state, req, profile, dec.missing)
    assumptions = verdict.assumptions + notes + state.assumptions + ("ordinary-task",)
    return req, replace(verdict, assumptions=tuple(dict.fromkeys(assumptions)))


def _judge_zones(
    report: Report,
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    dec_missing: tuple[str, ...],
) -> V.Verdict:
    nodes_seen = {z.node for z in state.zones if z.node is not None}
    allowed = _allowed_nodes(report, nodes_seen)
    constrained_by_line = report.constraint is not None and report.constraint.constraint in (
        "CONSTRAINT_CPUSET",
        "CONSTRAINT_MEMORY_POLICY",
    )
    narrow = allowed if allowed is not None and nodes_seen - allowed else None
    verdict = _zone_verdict(report, state, req, profile, narrow)
    if narrow is not None:
        wide = replay(state, req, profile)
        if wide.outcome != "fail" or constrained_by_line:
            status = _status(wide.outcome) if wide.outcome != "fail" else "likely"
            verdict = replace(verdict, code=V.CONSTRAINED, confidence=status)
    elif constrained_by_line:
        verdict = replace(verdict, code=V.CONSTRAINED, confidence="likely")
    if dec_missing:
        verdict = replace(verdict, missing=tuple(dict.fromkeys(verdict.missing + dec_missing)))
    if profile.uncertain:
        alt = _zone_verdict(
            report, state, req, profile.with_features(tuple(profile.uncertain)), narrow
        )
        if (alt.code, alt.unreserve_would_avoid) != (verdict.code, verdict.unreserve_would_avoid):
            verdict = replace(
                verdict,
                confidence="likely" if verdict.confidence == "certain" else verdict.confidence,
                assumptions=verdict.assumptions + ("kernel-features-uncertain",),
            )
    return verdict
