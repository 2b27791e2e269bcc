"""The judged outcome of one report: codes, bounds and evidence, with no prose.

Words for humans are rendered from these records by ``oomlens.describe``; the
model never builds sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Verdict vocabulary (DESIGN.md): stable, extend, never rename.
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

# Precedence when several causes are material (DESIGN.md).
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
class Evidence:
    """One check the replay made, in the kernel's terms, and its numbers."""

    zone: str
    check: str  # e.g. "zone_watermark_fast", "__zone_watermark_ok", "freelist"
    result: str  # "pass" | "fail" | "depends"
    numbers: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Fix:
    """An upstream change that bears on this failure."""

    title: str
    commit: str
    release: str
    stable: tuple[str, ...] = ()
    would_avoid: bool = False


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
