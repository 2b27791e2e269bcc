"""The judged outcome of one report: codes, bounds and evidence, with no prose.

Words for humans are rendered from these records by ``oomlens.render.describe``; the
model never builds sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from oomlens.kernel.fixes import Fix
from oomlens.model.evidence import Evidence

# Verdict vocabulary (docs/verdicts.md §1): stable, extend, never rename.
HIGHATOMIC_STRANDED = "highatomic-stranded"
EXHAUSTED = "exhausted"
FRAGMENTED = "fragmented"
LOWMEM_PROTECTED = "lowmem-protected"
CMA_ONLY = "cma-only"
MEMCG_LIMIT = "memcg-limit"
CONSTRAINED = "constrained"
NOT_A_SHORTAGE = "not-a-shortage"
UNDETERMINED = "undetermined"

CODES = (
    HIGHATOMIC_STRANDED,
    EXHAUSTED,
    FRAGMENTED,
    LOWMEM_PROTECTED,
    CMA_ONLY,
    MEMCG_LIMIT,
    CONSTRAINED,
    NOT_A_SHORTAGE,
    UNDETERMINED,
)

# Precedence when several causes are material (docs/verdicts.md §4).
PRECEDENCE = (
    MEMCG_LIMIT,
    CONSTRAINED,
    HIGHATOMIC_STRANDED,
    CMA_ONLY,
    LOWMEM_PROTECTED,
    FRAGMENTED,
    EXHAUSTED,
)

# Factors that are never a primary code.
# What a page fault's OOM (pagefault_out_of_memory(), gfp_mask 0) never prints.
PAGE_FAULT_REQUEST = "the request that failed (a page fault's OOM)"

PCP_HELD = "pcp-held"
RESERVE_REMADE = "reserve-remade"

Bounds = tuple[int, int]


@dataclass(frozen=True)
class Factor:
    """A candidate cause (or explanatory factor) with the pages it would free up."""

    code: str
    headroom_pages: Bounds
    material: bool = True


@dataclass(frozen=True)
class Verdict:
    """Why the request failed and whether unreserving highatomic blocks would have helped."""

    code: str
    unreserve_would_avoid: bool | None
    confidence: str  # "certain" | "likely" | "unknown"
    unreserve_rounds: Bounds | None = None
    kernel_could_unreserve: bool | None = None
    factors: tuple[Factor, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    fixes: tuple[Fix, ...] = ()
    missing: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = field(default=())
    profile: str | None = None  # which kernel rules were applied, e.g. "4.8 (from report)"


def at_best_likely(v: Verdict, *missing: str) -> Verdict:
    """``v`` naming ``missing`` too, a certain verdict lowered to likely."""
    if missing:
        v = replace(v, missing=tuple(dict.fromkeys((*v.missing, *missing))))
    return replace(v, confidence="likely") if v.confidence == "certain" else v
