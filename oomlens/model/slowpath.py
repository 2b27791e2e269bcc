"""__alloc_pages_slowpath decisions: gfp_to_alloc_flags, reclaim, should_reclaim_retry, may_oom.

The caller is assumed to be an ordinary task (not RT, not PF_MEMALLOC, not an
OOM victim, not in interrupt): a report does not say otherwise
(docs/kernel-rules.md §8.7).
"""

from __future__ import annotations

from oomlens.kernel.profile import Feature, KernelProfile
from oomlens.kernel.request import Request
from oomlens.model.flags import AllocFlags

COSTLY_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER
MAX_RECLAIM_RETRIES = 16


def can_direct_reclaim(request: Request) -> bool:
    """``__GFP_DIRECT_RECLAIM`` (4.4+) or ``__GFP_WAIT`` (before d0164adc89f6, 4.4)."""
    return request.has("DIRECT_RECLAIM") or request.has("WAIT")


def reclaims_directly(request: Request) -> bool:
    """The caller may reclaim, and so unreserve, itself: ``__GFP_DIRECT_RECLAIM`` and no
    PF_MEMALLOC. __alloc_pages_slowpath() sends a PF_MEMALLOC task (kswapd) to nopage
    before direct reclaim ("Avoid recursion of direct reclaim"), in every era."""
    return can_direct_reclaim(request) and not request.pf_memalloc


def alloc_cma(request: Request) -> bool:
    """ALLOC_CMA: a Movable request's (current_alloc_flags() / gfp_to_alloc_cma())."""
    return request.migratetype == "Movable" and request.cma_allowed


_FAST = {cma: AllocFlags(wmark="low", cma=cma) for cma in (False, True)}


def fastpath_flags(request: Request) -> AllocFlags:
    """__alloc_pages' first get_page_from_freelist: ALLOC_WMARK_LOW, no reserve cuts."""
    return _FAST[alloc_cma(request)]


def gfp_to_alloc_flags(request: Request, order: int, profile: KernelProfile) -> AllocFlags:
    """gfp_to_alloc_flags() for an ordinary task, per era (docs/kernel-rules.md §3.2)."""
    high = request.has("HIGH")
    nomemalloc = request.has("NOMEMALLOC")
    cma = alloc_cma(request)
    if request.oom_victim and profile.has(Feature.ALLOC_OOM) and not nomemalloc:
        # an OOM victim's retry: __gfp_pfmemalloc_flags() gives ALLOC_OOM (cd04ae1e2dc8,
        # 4.15) and the slow path replaces the flags with it, ALLOC_CPUSET dropped, and
        # ALLOC_CMA until 8510e69c8efe (5.9) adds it back
        keep = cma and profile.has(Feature.VICTIM_KEEPS_CMA)
        return AllocFlags(oom=True, cma=keep, cpuset=False)
    if profile.has(Feature.ALLOC_RESERVES):
        # 1ebbb21811b7 (6.3; 5.15.171, 6.1.116): keyed on the absence of DIRECT_RECLAIM
        non_block = not can_direct_reclaim(request) and not nomemalloc
        return AllocFlags(
            high=high,
            non_block=non_block,
            # ...and ALLOC_HIGHATOMIC for every order > 0 non-blocking request, until the
            # 2025 fix asks for __GFP_HIGH too (6.12.54, 6.1.157)
            highatomic=non_block
            and order > 0
            and (high or not profile.has(Feature.HIGHATOMIC_NEEDS_HIGH)),
            cpuset=not (high and not can_direct_reclaim(request)),
            cma=cma,
        )
    if profile.has(Feature.HIGHATOMIC) or request.has("ATOMIC"):
        atomic = request.has("ATOMIC")  # d0164adc89f6 (4.4): __GFP_ATOMIC
    else:
        atomic = not request.has("WAIT") and not request.has("NO_KSWAPD")  # 3.x
    if atomic and can_direct_reclaim(request):
        atomic = False  # the slow path strips __GFP_ATOMIC combined with DIRECT_RECLAIM
    harder = atomic and not nomemalloc
    return AllocFlags(high=high, harder=harder, cpuset=not atomic, cma=cma)


def keeps_nodemask(request: Request, order: int, profile: KernelProfile) -> bool:
    """Whether __alloc_pages_slowpath() keeps ``ac->nodemask`` (a mempolicy's) for the request.

    Since d6a24df00638 ("mm, page_alloc: actually ignore mempolicies for high priority
    allocations") (in v4.19), it is dropped with ALLOC_CPUSET (GFP_ATOMIC, OOM victims);
    before that, only the zonelist iterator was reset and the nodemask held every caller.
    """
    if gfp_to_alloc_flags(request, order, profile).cpuset:
        return True
    return not profile.has(Feature.RESERVES_IGNORE_POLICY)


def reaches_retry(request: Request, order: int, profile: KernelProfile) -> bool:
    """Whether the slow path gets to should_reclaim_retry() (docs/kernel-rules.md §7.1)."""
    if not profile.has(Feature.SHOULD_RECLAIM_RETRY) or not reclaims_directly(request):
        return False
    if request.has("NORETRY"):
        return False
    if order > COSTLY_ORDER and not (request.has("RETRY_MAYFAIL") or request.has("REPEAT")):
        return False
    if order > COSTLY_ORDER and not request.has("IO") and profile.has(Feature.COSTLY_NEEDS_IO):
        # 803de9000f33 (v6.9): a costly request that may not compact (gfp_compaction_allowed:
        # __GFP_IO, and CONFIG_COMPACTION, which the model assumes) goes to nopage first
        return False
    return True


def oom_allowed(
    request: Request, order: int, highest_index: int | None, normal_index: int | None
) -> bool | None:
    """Whether __alloc_pages_may_oom() would call out_of_memory() (docs/kernel-rules.md §7.3)."""
    reaches = reaches_oom(request, order, highest_index, normal_index)
    return reaches and request.has("FS")  # out_of_memory() pretends progress for !__GFP_FS


def reaches_oom(
    request: Request, order: int, highest_index: int | None, normal_index: int | None
) -> bool | None:
    """Whether the slow path gets to __alloc_pages_may_oom()'s call for this request: one
    that does is never given up but by an OOM victim, a core dump or a disabled OOM killer
    (without __GFP_FS, out_of_memory() pretends progress and the slow path retries)."""
    if not reclaims_directly(request) or request.has("NORETRY"):
        return False
    if order > COSTLY_ORDER or request.has("THISNODE") or request.has("RETRY_MAYFAIL"):
        return False
    if highest_index is None or normal_index is None:
        return None
    return highest_index >= normal_index  # "does not needlessly kill tasks for lowmem"
