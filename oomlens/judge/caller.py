"""What a report shows of the caller beyond its mask, which the replay of an ordinary task
(docs/kernel-rules.md §8.7) does not cover: each rule says when a certain verdict would
pass over it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from oomlens.judge import verdict as V
from oomlens.judge.decide import threshold_of
from oomlens.judge.nodes import (
    NodeSet,
    bound_nodes,
    every_node_printed,
    one_node_kernel,
    parse_nodes,
    policy_nodes,
    unprinted_free,
)
from oomlens.kernel.gfp import parse_release
from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.kernel.request import Request
from oomlens.model.flags import AllocFlags
from oomlens.model.freelist import freelist_result, usable_letters
from oomlens.model.replay import Replay, eligible, highest_index, replay
from oomlens.model.slowpath import reaches_oom
from oomlens.model.state import AllocatorState, ZoneState
from oomlens.parse.report import Report

# Frames a task runs under with PF_MEMALLOC set: kswapd() for the thread's life;
# __perform_reclaim() (direct reclaim), __alloc_pages_direct_compact(), __node_reclaim()
# and try_to_free_mem_cgroup_pages() around their work (memalloc_noreclaim_save() since
# 4.12, current->flags |= PF_MEMALLOC before). A reliable one below the failing
# allocation puts it under the flag, for the replay too (under_pf_memalloc).
PF_MEMALLOC_FRAMES = frozenset(
    {
        "kswapd",
        "balance_pgdat",
        "__perform_reclaim",
        "__alloc_pages_direct_reclaim",
        "try_to_free_pages",
        "do_try_to_free_pages",
        "__alloc_pages_direct_compact",
        "try_to_compact_pages",
        "__node_reclaim",
        "try_to_free_mem_cgroup_pages",
    }
)
# The frames reached from those, which a few callers reach without the flag (MADV_PAGEOUT,
# CMA's reclaim_clean_pages_from_list): only a rule that lowers confidence reads them.
RECLAIM_FRAMES = PF_MEMALLOC_FRAMES | frozenset(
    {
        "node_reclaim",
        "zone_reclaim",
        "__zone_reclaim",
        "shrink_node",
        "shrink_zone",
        "shrink_zones",
        "shrink_lruvec",
        "shrink_page_list",
        "shrink_folio_list",
        "shrink_inactive_list",
    }
)

# irq_thread() (kernel/irq/manage.c) runs every threaded handler, "irq/<irq>-<name>", as
# SCHED_FIFO: sched_set_fifo() since 5.9, sched_setscheduler_nocheck() before.
_IRQ_THREAD = re.compile(r"irq/\d+-")

# A long-term pin (FOLL_LONGTERM): __gup_longterm_locked() runs it under
# memalloc_nocma_save() (5.2-5.11; memalloc_pin_save() from 5.12).
_PIN_FRAMES = frozenset(
    {
        "__gup_longterm_locked",
        "__gup_longterm_unlocked",
        "check_and_migrate_cma_pages",
        "pin_user_pages",
        "pin_user_pages_fast",
        "pin_user_pages_fast_only",
        "pin_user_pages_remote",
        "pin_user_pages_unlocked",
    }
)

# The codes that name the page count (a watermark term) as the cause.
PAGE_COUNT_CODES = (V.EXHAUSTED, V.LOWMEM_PROTECTED)


def memalloc_possible(report: Report, req: Request) -> bool:
    """The caller may have run with PF_MEMALLOC and the mask lacks ``__GFP_NOMEMALLOC``.

    Then __gfp_pfmemalloc_flags() gives ALLOC_NO_WATERMARKS (in task context, and in a
    softirq on such a task), and get_page_from_freelist() skips every watermark: the
    failure was the free lists'. An OOM never comes from such a task: the slow path sends
    it to nopage before direct reclaim ("Avoid recursion of direct reclaim").
    """
    if report.kind in ("oom", "memcg-oom") or req.has("NOMEMALLOC"):
        return False
    return pf_memalloc_shown(report, req)


def under_pf_memalloc(report: Report) -> bool:
    """A non-OOM report whose reliable trace runs through a frame that sets PF_MEMALLOC
    (an OOM never comes from such a task)."""
    return report.kind != "oom" and not report.functions.isdisjoint(PF_MEMALLOC_FRAMES)


def pf_memalloc_shown(report: Report, req: Request) -> bool:
    """kswapd by name, or a trace through reclaim or direct compaction: PF_MEMALLOC."""
    frames = report.functions
    return req.pf_memalloc or not frames.isdisjoint(RECLAIM_FRAMES)


def lists_alone_serve(rp: Replay, profile: KernelProfile, state: AllocatorState) -> bool:
    """Some eligible zone surely holds a block of the order on a list rmqueue takes with
    ALLOC_NO_WATERMARKS alone (no ALLOC_HARDER, no ALLOC_HIGHATOMIC: no H lists)."""
    flags = AllocFlags(wmark="min", cma=rp.slow_flags.cma)
    letters = usable_letters(rp.order, rp.migratetype, flags, profile, state.thp_order)
    return any(freelist_result(c.zone, rp.order, letters) == "pass" for c in rp.zones)


def highatomic_serves(rp: Replay) -> bool:
    """Some eligible zone surely holds a highatomic chunk of the order or above: converted
    to the request's type by unreserve_highatomic_pageblock(), it serves the request."""
    return any(freelist_result(c.zone, rp.order, "H") == "pass" for c in rp.zones)


def memalloc_unsettled(
    v: V.Verdict, rp: Replay, profile: KernelProfile, st: AllocatorState
) -> bool:
    """A page-count verdict (exhausted, lowmem-protected) a PF_MEMALLOC caller's failure
    may never have met: no eligible zone's free lists alone could have served it, so under
    ALLOC_NO_WATERMARKS it failed all the same, on the lists. A zone whose lists could
    have served it shows no-watermark allocation did not apply (an interrupt)."""
    if v.code not in PAGE_COUNT_CODES:
        return False  # a free-list cause: the lists failed under either flags
    if lists_alone_serve(rp, profile, st):
        return False
    if v.code == V.EXHAUSTED:
        # no chunk of the order on any list of any eligible zone: without watermarks it
        # failed for the same want of pages, and no conversion could have helped
        return not all(_empty_from(c.zone, rp.order) for c in rp.zones)
    return True  # lowmem_reserve is a watermark term: without watermarks it held nothing back


def _empty_from(zone: ZoneState, order: int) -> bool:
    """The zone's whole buddy line holds no chunk of ``order`` or above, on any list."""
    return zone.areas is not None and not any(a.order >= order and a.count for a in zone.areas)


def node_unsaid(report: Report, state: AllocatorState, req: Request) -> bool:
    """``__GFP_THISNODE`` with zones of more than one node printed and no single node named.

    gfp_zonelist() gives ZONELIST_NOFALLBACK: only the asked node's zones are tried.
    warn_alloc() prints the nodemask, ``(null)`` when none was passed, never the node.
    """
    if not req.has("THISNODE"):
        return False
    if len({z.node for z in state.zones if z.node is not None}) < 2:
        return False
    named = parse_nodes(report.header.nodemask) if report.header else None
    return named is None or named.ranges[0][0] != named.ranges[-1][1]


def realtime_caller(report: Report) -> bool:
    """The caller is a threaded interrupt handler, SCHED_FIFO: gfp_to_alloc_flags() gives
    an rt_task() ALLOC_HARDER (4.4-6.2) or ALLOC_MIN_RESERVE (6.3+), which the replay of
    an ordinary task leaves out."""
    comm = report.header.comm if report.header else None
    return bool(comm and _IRQ_THREAD.match(comm))


def nocma_pin(report: Report, req: Request) -> bool:
    """A Movable request under a long-term pin, on a kernel that may be 5.9-5.11.

    8510e69c8efe (5.9) has current_alloc_flags() withhold ALLOC_CMA under
    memalloc_nocma_save() while the mask, and so the report, keeps ``__GFP_MOVABLE``;
    5.12's memalloc_pin_save() clears the flag in the mask itself.
    """
    if req.migratetype != "Movable":
        return False
    version = parse_release(report.release)
    if version is not None and not (5, 9) <= version[:2] < (5, 12):
        return False
    return not report.functions.isdisjoint(_PIN_FRAMES)


# Release strings of Android trees (GKI, Qualcomm's "-qgki", Samsung's "-userdebug") and
# of SoC vendors' builds.
_ANDROID = re.compile(r"android|gki|userdebug", re.IGNORECASE)
_SOC_BUILD = re.compile(r"-perf\b")  # Qualcomm's perf builds ("4.14.83-perf+")


def android_build(report: Report) -> bool:
    """The release names an Android build (``-android14-11``, a GKI, a userdebug build)."""
    return bool(report.release and _ANDROID.search(report.release))


def android_cma(report: Report, req: Request) -> bool:
    """A Movable request on an Android or ARM SoC vendor tree whose mask does not say
    ``__GFP_CMA``.

    Android and SoC vendor trees carry "cma: redirect page allocation to CMA", under
    which ALLOC_CMA needs the vendor's ``__GFP_CMA`` (set for anonymous faults), not
    ``__GFP_MOVABLE`` alone; a GKI build may or may not carry it.
    """
    if req.migratetype != "Movable" or req.has("CMA"):
        return False
    release = report.release or ""
    if _ANDROID.search(release):
        return True
    # an SoC vendor's build (Qualcomm's "-perf", or no release at all) on ARM; a bare "+"
    # is any untagged git tree's (a Raspberry Pi's "5.10.103-v8+"), no vendor's mark
    return report.arch in ("arm64", "arm") and (not release or bool(_SOC_BUILD.search(release)))


def classzone_unsaid(
    state: AllocatorState, req: Request, profile: KernelProfile, allowed: NodeSet | None
) -> bool:
    """Before 5.8 the lowmem_reserve index is the preferred zone's: the first eligible zone
    of the allocating CPU's node's zonelist (ac_classzone_idx(); 3334a45eb9e2 (5.8) takes
    the request's highest zone). The report prints the CPU, not its node: with nodes whose
    highest eligible zones differ, the index is unsaid."""
    if profile.has(Feature.HIGHEST_ZONEIDX):
        return False
    top = highest_index(state, req.highest_zone)
    tops: dict[int, int] = {}
    for z in eligible(state, top, allowed):
        if z.node is not None and z.index is not None:
            tops[z.node] = max(tops.get(z.node, -1), z.index)
    return len(set(tops.values())) > 1


class Victims:
    """The tasks an OOM kill chose so far in one log, by host, for the current boot: a
    later failure of one of them is an OOM victim's (tsk_is_oom_victim()), which allocates
    with ALLOC_OOM (4.15+, cd04ae1e2dc8; TIF_MEMDIE's ALLOC_NO_WATERMARKS before)."""

    def __init__(self) -> None:
        self._pids: dict[str | None, set[int]] = {}
        self._boot: dict[str | None, tuple[str | None, float | None, int]] = {}

    def _current(self, report: Report) -> set[int]:
        host = report.host
        pids = self._pids.setdefault(host, set())
        boot, up, count = self._boot.get(host, (None, None, report.boot))
        if (
            (report.boot_id and report.boot_id != boot)
            or report.boot != count  # the reader saw a banner, a clock reset or a separator
            or (report.uptime_s is not None and up is not None and report.uptime_s < up - 1.0)
        ):
            pids.clear()  # another boot: its pids are other tasks
        self._boot[host] = (
            report.boot_id or boot,
            report.uptime_s if report.uptime_s is not None else up,
            report.boot,
        )
        return pids

    def seen(self, report: Report) -> bool:
        """Whether this report's task was killed by an earlier OOM of the same boot; then
        note this report's own victim."""
        pids = self._current(report)
        pid = report.context.pid if report.context else None
        victim = pid is not None and pid in pids and report.kind not in ("oom", "memcg-oom")
        if report.killed is not None:
            pids.add(report.killed.pid)
        return victim


def oom_killer_failure(report: Report, req: Request, state: AllocatorState) -> bool:
    """An allocation failure of a request the slow path would have sent to the OOM killer.

    __alloc_pages_slowpath() gives such a request (reclaim-capable, order <= 3, a zone
    from Normal up, no NORETRY, RETRY_MAYFAIL or THISNODE; without __GFP_FS it retries
    where out_of_memory() pretends progress) up only as an OOM victim ("Avoid allocations with no watermarks from looping endlessly"), a task that
    dumps core, or with the OOM killer disabled (suspend): every one of its other
    attempts retries. The victim, the usual one, may be another thread of the killed
    process, or killed before the log began.
    """
    if report.kind != "alloc-failure" or req.order is None or pf_memalloc_shown(report, req):
        return False  # a PF_MEMALLOC task goes to nopage before reclaim, victim or not
    top = highest_index(state, req.highest_zone)
    return reaches_oom(req, req.order, top, state.zone_index("Normal")) is True


def caller_context(
    report: Report,
    state: AllocatorState,
    req: Request,
    profile: KernelProfile,
    v: V.Verdict,
    victim: bool,
    judge_as: Callable[[Request], V.Verdict],
) -> V.Verdict:
    """``v`` at best likely where the report shows a caller the ordinary-task replay does
    not cover: PF_MEMALLOC, a node-bound request, an RT thread, the lowmem_reserve index
    of an unsaid node, a pin without ALLOC_CMA, an Android tree's __GFP_CMA, an OOM
    victim. ``judge_as``: the verdict of the report for another reading of the request.

    The catalogued fixes were worked out for an ordinary task: where a rule applies, none
    is said to have avoided it.
    """
    before = v
    if v.code in PAGE_COUNT_CODES and memalloc_possible(report, req):
        rp = replay(state, req, profile, evidence=False)
        if memalloc_unsettled(v, rp, profile, state):
            # under ALLOC_NO_WATERMARKS the lists failed: a highatomic chunk of the order,
            # converted, would have served it, which the page count says it would not
            if v.unreserve_would_avoid is False and highatomic_serves(rp):
                v = replace(v, unreserve_would_avoid=None)
            v = V.at_best_likely(v, "caller context (PF_MEMALLOC: no watermarks)")
    if node_unsaid(report, state, req):
        v = V.at_best_likely(v, "the node asked for (__GFP_THISNODE)")
    if realtime_caller(report):
        v = V.at_best_likely(v, "caller scheduling class (an irq thread is SCHED_FIFO)")
    bound, loose = bound_nodes(report, req, profile)
    if loose is not None and _filtered_out(report, state, req, profile, loose):
        if v.unreserve_would_avoid is False:
            v = replace(v, unreserve_would_avoid=None)
        v = V.at_best_likely(v, "zones of nodes the report filtered out")
    if classzone_unsaid(state, req, profile, bound):
        v = V.at_best_likely(v, "the allocating CPU's node (the lowmem_reserve index before 5.8)")
    if nocma_pin(report, req):
        nocma = replace(req, cma_allowed=False)
        v = _agreed(
            v,
            judge_as(nocma),
            "ALLOC_CMA (a long-term pin under memalloc_nocma_save(), 5.9-5.11)",
        )
    if android_cma(report, req) and req.cma_allowed:
        v = _agreed(
            v, judge_as(replace(req, cma_allowed=False)), "__GFP_CMA (an Android tree's CMA rule)"
        )
    if victim and profile.has(Feature.ALLOC_OOM) and not req.has("NOMEMALLOC"):
        # no highatomic deduction and half the min: judged both ways
        alt = judge_as(replace(req, oom_victim=True))
        v = _agreed(v, alt, "the caller may be an OOM victim (ALLOC_OOM)")
    elif victim and not req.has("NOMEMALLOC"):
        # (a __GFP_NOMEMALLOC victim allocates with its own flags and gives up on them)
        # before 4.15 TIF_MEMDIE's ALLOC_NO_WATERMARKS: a page-count failure of an
        # ordinary task may be a free-list one of the victim's
        if v.unreserve_would_avoid is False and highatomic_serves(
            replay(state, req, profile, evidence=False)
        ):
            v = replace(v, unreserve_would_avoid=None)
        v = V.at_best_likely(v, "the caller may be an OOM victim (no watermarks)")
    if v != before and any(f.would_avoid for f in v.fixes):
        v = replace(v, fixes=tuple(replace(f, would_avoid=False) for f in v.fixes))
    return v


def _filtered_out(
    report: Report, state: AllocatorState, req: Request, profile: KernelProfile, mems: NodeSet
) -> bool:
    """Free memory on nodes a request not held to its cpuset could use, which show_mem()
    left out: it prints only the cpuset's nodes (SHOW_MEM_FILTER_NODES, an OOM's always).
    Known by Mem-Info's global free: past the printed zones' by what would matter."""
    if not all(z.node in mems for z in state.zones if z.node is not None):
        return False  # other nodes are printed: nothing was filtered
    if one_node_kernel(state) or every_node_printed(report, state):
        return False  # the zones left out are above the request's (6.1+ max_zone_idx)
    cpuset = (report.constraint.get("cpuset") if report.constraint else None) or (
        report.header.cpuset if report.header else None
    )
    if cpuset == "/" and policy_nodes(report) is None:
        return False  # the top cpuset holds every memory node: nothing was filtered out
    gap = unprinted_free(report, state)
    if gap is None or not state.zones:
        return False
    rp = replay(state, req, profile, evidence=False)
    return bool(rp.zones) and gap >= threshold_of(rp)


def _agreed(v: V.Verdict, other: V.Verdict, what: str) -> V.Verdict:
    """``v``, certain only if ``other`` (the verdict where ``what`` goes the other way) is
    the same and certain; an unreserve answer they give differently is left open."""
    if (other.code, other.unreserve_would_avoid) == (v.code, v.unreserve_would_avoid):
        return v if other.confidence == "certain" else V.at_best_likely(v, what)
    if other.unreserve_would_avoid != v.unreserve_would_avoid:
        v = replace(v, unreserve_would_avoid=None)
    return V.at_best_likely(v, what)


# A buddy line's head: "Node 0 DMA32: " (the zone, maybe its node).
# Lines between a report's end and a fragment that may still hold its interleaved line.
INTERLEAVE_GAP = 8
_BUDDY_HEAD = re.compile(r"(?:Node (\d+) )?(DMA32|DMA|Normal|HighMem|Movable|Device): ")


def interleaved_after(report: Report, after: Report) -> bool:
    """``after``, the fragment that follows ``report`` in the log, opens with a buddy line of
    a zone ``report`` holds one of: two reports' Mem-Info blocks interleaved line by line
    (dump_header() and warn_alloc() print under different locks), and either buddy line
    may be the other report's."""
    if after.header is not None or not after.lines:
        return False
    if after.first_line > report.last_line + INTERLEAVE_GAP:
        return False
    m = _BUDDY_HEAD.match(after.lines[0])
    if m is None:
        return False
    node = int(m.group(1)) if m.group(1) else None
    return any(
        z.name == m.group(2) and z.node == node and z.buddy is not None for z in report.zones
    )
