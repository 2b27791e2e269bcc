"""Words for humans, rendered from Verdict, Request and Report records.

Pure functions from values to display text (pyelftools ``descriptions.py``
style). The strings returned here are NOT escaped: a renderer escapes each for
its medium, once. Nothing here decides anything; the model already has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from oomlens.judge.verdict import Evidence, Factor, Fix, Verdict
from oomlens.parse.report import Report, ZoneLine

# What each code says happened (docs/verdicts.md §1), as a clause.
CODE_CLAUSES = {
    "highatomic-stranded": "free pages sat in the highatomic reserve, where this request could not "
    "take them",
    "exhausted": "there was not enough free memory in the zones this request may use, even with "
    "every reserve released",
    "fragmented": "there were enough free pages for the watermark, but no free block of the "
    "requested order it may take",
    "lowmem-protected": "the free memory was in lower zones that lowmem_reserve keeps from this "
    "request",
    "cma-only": "the free memory was CMA, which this request may not use",
    "memcg-limit": "a memory cgroup hit its limit; zone state was not the cause",
    "constrained": "a cpuset, mempolicy or nodemask kept the request from memory free elsewhere",
    "not-a-shortage": "it failed for a reason other than free pages",
    "undetermined": "the report lacks what the decision needs",
    "pcp-held": "pages on per-CPU lists, outside the buddy counts and every watermark",
    "reserve-remade": "highatomic blocks were reserved again after the decision",
}

CODE_TITLES = {
    "highatomic-stranded": "stranded in the highatomic reserve",
    "exhausted": "memory exhausted",
    "fragmented": "fragmented",
    "lowmem-protected": "held back by lowmem_reserve",
    "cma-only": "only CMA memory free",
    "memcg-limit": "memory cgroup limit",
    "constrained": "cpuset/mempolicy constraint",
    "not-a-shortage": "not a shortage of free pages",
    "undetermined": "undetermined",
}

# Names the judge may give evidence numbers, most specific first. Display only:
# the first present wins, and unknown names are still shown verbatim.
NUMBER_ALIASES = {
    "free": ("free_pages", "free", "F"),
    "unusable": ("unusable", "unusable_pages", "U"),
    "min": (
        "min_effective",
        "effective_min",
        "min_adjusted",
        "mark_adjusted",
        "mark",
        "min",
        "m",
        "M",
    ),
    "reserve": ("lowmem_reserve", "reserve", "R"),
    "usable": ("usable", "usable_pages"),
    "highatomic_free": (
        "nr_free_highatomic",
        "free_highatomic",
        "highatomic_free",
        "nr_free_ha",
        "h_free",
        "h_pages",
        "H",
    ),
    "reserved": (
        "nr_reserved_highatomic",
        "reserved_highatomic",
        "nr_reserved",
        "reserve_bounds",
        "nr",
    ),
    "needed": ("needed", "watermark_needed", "need"),
}

ANSWERS = {True: "yes", False: "no", None: "unknown"}


def bounds(value: object) -> str:
    """``5120`` for a point, ``5120..5632`` for a closed interval, ``?`` for None."""
    if value is None:
        return "?"
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and all(isinstance(v, int) for v in value):
            lo, hi = value
            return str(lo) if lo == hi else f"{lo}..{hi}"
        return "|".join(str(v) for v in value) or "-"
    return str(value)


def named(numbers: Iterable[tuple[str, object]], role: str) -> tuple[str, object] | None:
    """(name, value) of the evidence number playing ``role``, else None."""
    table = dict(numbers)
    for name in NUMBER_ALIASES[role]:
        if name in table:
            return name, table[name]
    return None


def number(numbers: Iterable[tuple[str, object]], role: str) -> object | None:
    """The evidence number playing ``role`` (a key of NUMBER_ALIASES), else None."""
    found = named(numbers, role)
    return found[1] if found else None


def gfp_text(mask: int | None, names: str | None) -> str:
    """``GFP_KERNEL`` when names are known, else the hex mask, else ``?``."""
    if names:
        return names
    return f"{mask:#x}" if mask is not None else "?"


def request_phrase(order: int | None, gfp: str | None) -> str:
    """``order-0 GFP_KERNEL request`` from what is known."""
    parts = [f"order-{order}" if order is not None else "", gfp or "", "request"]
    return " ".join(p for p in parts if p)


def unreserve_clause(verdict: Verdict) -> str:
    """Whether releasing the highatomic reserve would have avoided the failure, as a clause."""
    if verdict.unreserve_would_avoid is True:
        rounds = ""
        if verdict.unreserve_rounds is not None:
            hi = verdict.unreserve_rounds[1]
            rounds = (
                " with one pageblock"
                if hi == 1
                else f" with {bounds(verdict.unreserve_rounds)} pageblocks"
            )
        return f"unreserving the highatomic reserve would have avoided it{rounds}"
    if verdict.unreserve_would_avoid is False:
        return "unreserving the highatomic reserve would not have avoided it"
    return "whether unreserving the highatomic reserve would have avoided it is unknown"


def summary(verdict: Verdict, order: int | None = None, gfp: str | None = None) -> str:
    """The one-line verdict sentence (JSON ``verdict.summary``)."""
    subject = request_phrase(order, gfp)
    subject = subject[0].upper() + subject[1:]
    clause = CODE_CLAUSES.get(verdict.code, verdict.code)
    sentence = f"{subject} failed: {clause}; {unreserve_clause(verdict)}"
    if verdict.missing:
        sentence += f"; missing: {', '.join(verdict.missing)}"
    return f"{sentence} ({verdict.confidence})."


def factor(item: Factor) -> str:
    """``pcp-held: 225 pages of headroom``."""
    note = "" if item.material else ", not material"
    return f"{item.code}: {bounds(item.headroom_pages)} pages of headroom{note}"


def evidence(item: Evidence, brief: bool = False) -> str:
    """One replayed check: ``zone_watermark_fast: free 4851 > min 1407 + reserve 0 → pass``."""
    return f"{item.check}: {evidence_body(item, brief)}"


# Shown in full output only: they restate the zone line or the request.
SECONDARY = ("buddy_pages", "free_bounds", "alloc_flags")


def _label(name: str) -> str:
    return name.replace("_", " ")


def evidence_body(item: Evidence, brief: bool = False) -> str:
    """A check's arithmetic and result: ``free 4851 > min 1407 + reserve 0 → pass``.

    ``brief`` leaves out the numbers that restate the report (SECONDARY).
    """
    nums = item.numbers
    free, mark = named(nums, "free"), named(nums, "min")
    skip = set(SECONDARY) if brief else set()
    if free is not None and mark is not None:
        usable = number(nums, "usable")
        unusable = number(nums, "unusable")
        left = f"{_label(free[0])} {bounds(free[1])}"
        if unusable not in (None, 0, (0, 0)):
            left += f" − unusable {bounds(unusable)}"
            if usable is not None:
                left += f" = {bounds(usable)}"
        right = f"{_label(mark[0])} {bounds(mark[1])}"
        reserve = named(nums, "reserve")
        if reserve is not None:
            right += f" + {_label(reserve[0])} {bounds(reserve[1])}"
        skip |= {
            *NUMBER_ALIASES["free"],
            *NUMBER_ALIASES["min"],
            *NUMBER_ALIASES["usable"],
            *NUMBER_ALIASES["unusable"],
            *NUMBER_ALIASES["reserve"],
        }
        rest = ", ".join(f"{_label(k)} {bounds(v)}" for k, v in nums if k not in skip)
        body = f"{left} > {right}" + (f" ({rest})" if rest else "")
    else:
        body = ", ".join(f"{_label(k)} {bounds(v)}" for k, v in nums if k not in skip)
    return f"{body} → {item.result}" if body else item.result


SHORT_CHECKS = {
    "zone_watermark_fast": "fast",
    "__zone_watermark_ok": "full",
    "freelist": "freelist",
    "reserve_highatomic_pageblock": "reserve",
    "should_reclaim_retry": "retry",
}
RESULT_MARKS = {"pass": "✓", "fail": "✗", "depends": "?"}


def check_mark(item: Evidence) -> str:
    """``low✓``, ``full?``, ``freelist✗``: a check and its result in a few characters."""
    name = SHORT_CHECKS.get(item.check, item.check)
    flags = dict(item.numbers).get("alloc_flags")
    if item.check == "zone_watermark_fast" and isinstance(flags, tuple):
        for mark in ("LOW", "MIN", "HIGH"):
            if f"ALLOC_WMARK_{mark}" in flags:
                name = mark.lower()
    return name + RESULT_MARKS.get(item.result, f":{item.result}")


def fix(item: Fix) -> str:
    """``v4.10 04c8716f7b00 "mm: try ..." (stable 4.9.y) — would have avoided this``."""
    release = item.release if item.release.startswith("v") else f"v{item.release}"
    text = f'{release} {item.commit[:12]} "{item.title}"'
    if item.stable:
        text += f" (stable {', '.join(item.stable)})"
    return text + (" — would have avoided this" if item.would_avoid else "")


def count_by_code(verdicts: Sequence[Verdict | None]) -> list[tuple[str, int]]:
    """(code, count) pairs, most frequent first; ``no verdict`` for None."""
    counts: dict[str, int] = {}
    for v in verdicts:
        key = v.code if v is not None else "no verdict"
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def zone_label(zone: ZoneLine) -> str:
    """``DMA32`` or ``Node 1 Normal``."""
    return zone.name if zone.node is None else f"Node {zone.node} {zone.name}"


def page_kb(report: Report) -> int:
    """Page size in kB as the buddy lines show it; 4 when no buddy line says."""
    for zone in report.zones:
        if zone.buddy is not None and zone.buddy.page_kb:
            return zone.buddy.page_kb
    return 4


def highatomic_pages(zone: ZoneLine) -> tuple[int, int] | None:
    """Bounds on free pages in H lists from the buddy letters (docs/kernel-rules.md §8.3)."""
    if zone.buddy is None or not zone.buddy.entries:
        return None
    lo = hi = 0
    for entry in zone.buddy.entries:
        if "H" not in entry.types or entry.count == 0:
            continue
        pages = 1 << entry.order
        others = len(entry.types) - 1
        lo += (entry.count if others == 0 else 1) * pages
        hi += (entry.count - others) * pages
    return lo, hi


def zone_evidence(zone: ZoneLine, items: Sequence[Evidence]) -> list[Evidence]:
    """The evidence items about ``zone`` (matched on its name, with or without node)."""
    label = zone_label(zone)
    loose = zone.node is None or zone.node == 0
    return [
        e
        for e in items
        if e.zone == label or (loose and (e.zone == zone.name or e.zone.endswith(" " + zone.name)))
    ]
