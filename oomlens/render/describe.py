"""Words for humans, from Verdict, Facts and Evidence records.

Pure functions from values to display text (pyelftools ``descriptions.py``
style). Strings returned here are NOT escaped; a renderer escapes each piece for
its medium, once. Nothing here decides anything: the model and the judge have,
and ``oomlens.facts`` has worked out the figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from oomlens.facts import Range, ZoneFacts
from oomlens.judge.verdict import Factor, Fix, Verdict
from oomlens.model.evidence import Evidence, Step, Term
from oomlens.model.reserve import UNBOUNDED

# What each code says happened, as a clause.
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
}
MANUAL_CLAUSE = (
    "the OOM killer was invoked by hand (sysrq-f, or echo f > "
    "/proc/sysrq-trigger); no allocation failed"
)

KIND_WORDS = {
    "oom": "OOM killer",
    "alloc-failure": "page allocation failure",
    "memcg-oom": "memory cgroup OOM",
    "vmalloc": "vmalloc failure",
}

ANSWERS = {True: "yes", False: "no", None: "unknown"}
MARKS = {"pass": "✓", "fail": "✗", "depends": "?"}

# What a name in ``verdict.missing`` asks the report to print.
MISSING_WORDS = {
    "zone lines": "zone lines (free, min, low, high) for a zone this request may use",
    "buddy lines": "the buddy lines (free blocks per order)",
    "zone free_cma": "each zone's free_cma (a zone line cut short before it, and several zones)",
    "numbers a kernel prints": "numbers a kernel can print (one is out of its range, or out "
    "of the order the kernel computes them in)",
    "whole buddy lines": "every buddy line whole (one was cut short: the orders it lost "
    "and its total are unknown)",
    "zone state": "the free, min, low and high of every zone the report names (a zone line "
    "was cut short, or only its buddy line kept)",
    "order": "the request's order",
    "gfp_mask": "the request's gfp_mask",
    "gfp layout": "which GFP bit layout the kernel used (its release)",
    "gfp zone bits": "valid zone bits in the gfp_mask",
    "highest zone": "the highest zone the request may use",
    "lowmem_reserve": "the lowmem_reserve line",
    "exact free pages": "the exact free page count (free: and the buddy total differ)",
    "decision-time state": "the state when the allocator decided (the report is printed after)",
    "managed": "managed pages (they set the reserve's cap)",
    "reserved_highatomic": "reserved_highatomic (printed from 5.5)",
    "migratetype letters": "which free lists hold the chunks (letters, printed from 3.8)",
    "kernel stable level": "the kernel's stable patch level (which backports it carries)",
    "pageblock order": "the kernel's pageblock order (set by its configuration, never printed; "
    "--pageblock-order gives it)",
    "zone set": "which zones the kernel was built with (lowmem_reserve's length fits more than "
    "one architecture's; the report does not name it)",
    "thp": "whether the kernel was built with CONFIG_TRANSPARENT_HUGEPAGE (the Node line "
    "prints its fields only then)",
}

ASSUMPTION_WORDS = {
    "page-size-4kB": "4 kB pages",
    "page-size-from-release": "the page size the release's flavour names (its 16k or 64k)",
    "cma-from-meminfo": "the zone's free CMA pages from the Mem-Info summary (its zone line was cut short)",
    "nr-orders-11": "11 free-list orders",
    "ordinary-task": "an ordinary task (not an OOM victim, not PF_MEMALLOC)",
    "kswapd-pf-memalloc": "kswapd runs with PF_MEMALLOC: it never reclaims directly, never "
    "unreserves and never calls the OOM killer from the page allocator",
    "pf-memalloc": "the trace runs through reclaim or compaction, which set PF_MEMALLOC: the "
    "task never reclaims directly, never unreserves and never calls the OOM killer from there",
    "memalloc-no-watermarks": (
        "__GFP_MEMALLOC allocates with ALLOC_NO_WATERMARKS, which the model does not replay: "
        "its watermark checks are an ordinary request's"
    ),
    "zone-order-from-names": "the zone order from the zone names",
    "gfp-mask-cut": "the mask as far as it was printed: its names, which this release prints "
    "after it, are missing (the line was cut, maybe inside the mask)",
    "gfp-names-mismatch": "the mask, where it and the printed flag names disagree",
}

LETTER_NAMES = {
    "U": "Unmovable",
    "M": "Movable",
    "E": "Reclaimable",
    "H": "HighAtomic",
    "C": "CMA",
    "I": "Isolate",
    "R": "Reserve",
}

COMMIT_URL = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id={}"


# --- numbers -------------------------------------------------------------------------


def _unit(kb: float) -> tuple[float, str, int]:
    """(divisor, unit, decimals) for a size of ``kb``."""
    if kb < 1024:
        return 1, "kB", 0
    if kb < 100 * 1024:
        return 1024, "MiB", 1
    if kb < 1024 * 1024:
        return 1024, "MiB", 0
    if kb < 1024**3:
        return 1024 * 1024, "GiB", 2
    return 1024**3, "TiB", 2


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def size(kb: float) -> str:
    """``44 kB``, ``18.9 MiB``, ``4.39 GiB``, ``2 GiB``."""
    div, unit, decimals = _unit(kb)
    return f"{_number(kb / div, decimals)} {unit}"


def size_range(lo_kb: float, hi_kb: float) -> str:
    """``18.9..19 MiB``: both ends in the unit of the larger; one value when they round alike."""
    div, unit, decimals = _unit(hi_kb)
    lo, hi = _number(lo_kb / div, decimals), _number(hi_kb / div, decimals)
    if lo == "0" and lo_kb > 0:  # a small lower end keeps its own unit: 124 kB..148 MiB
        return f"{size(lo_kb)}..{hi} {unit}"
    return f"{hi} {unit}" if lo == hi else f"{lo}..{hi} {unit}"


def span(r: Range | None) -> str:
    """``4851``, ``4851..4871``, ``≥ 12`` (no top known), ``?`` (nothing known)."""
    if r is None:
        return "?"
    lo, hi = r
    if hi is None:
        return "?" if lo == 0 else f"≥ {lo}"
    return str(lo) if lo == hi else f"{lo}..{hi}"


def span_size(r: Range | None, page_kb: int) -> str:
    """The size of a page interval: ``18.9 MiB``, ``18.9..19.0 MiB``."""
    if r is None or (r[1] is None and r[0] == 0):
        return "?"
    lo, hi = r
    if hi is None:
        return f"≥ {size(lo * page_kb)}"
    return size_range(lo * page_kb, hi * page_kb)


def pages(r: Range | None, page_kb: int) -> str:
    """``4851 (18.9 MiB)``: pages with their size beside them (``0`` alone)."""
    text = span(r)
    if text in ("?", "0"):
        return text
    return f"{text} ({span_size(r, page_kb)})"


def point(n: int) -> Range:
    """A known count as a Range."""
    return (n, n)


def kb_or_unlimited(kb: int) -> str:
    """A memory cgroup limit: ``unlimited`` for the kernel's PAGE_COUNTER_MAX sentinel."""
    from oomlens.facts import UNLIMITED_KB

    return "unlimited" if kb >= UNLIMITED_KB else size(kb)


def request_size(n: int | None, page_kb: int) -> str:
    """``1 page, 4 kB``, ``512 pages, 2 MiB`` for a request of n pages."""
    if n is None:
        return "an unknown number of pages"
    return f"{n} page{'s' * (n != 1)}, {size(n * page_kb)}"


# --- the verdict in words ---------------------------------------------------------------


def rounds_words(rounds: tuple[int, int] | None) -> str:
    """``one highatomic pageblock``, ``1 to 4 highatomic pageblocks``."""
    if rounds is None:
        return "the highatomic reserve"
    lo, hi = rounds
    if hi <= 1:
        return "one highatomic pageblock" if lo == 1 else "at most one highatomic pageblock"
    if lo == hi:
        return f"{hi} highatomic pageblocks"
    if lo == 0:
        return f"up to {hi} highatomic pageblocks"
    return f"{lo} to {hi} highatomic pageblocks"


def unreserve_clause(verdict: Verdict, highatomic: bool | None = True) -> str:
    """Whether releasing the highatomic reserve would have avoided the failure, as a clause."""
    if highatomic is False:
        return "this kernel has no highatomic reserve (it came in 4.4)"
    if verdict.unreserve_would_avoid is True:
        rounds = ""
        if verdict.unreserve_rounds is not None:
            lo, hi = verdict.unreserve_rounds
            if lo == hi == 1:
                rounds = " with one pageblock"
            elif lo == 0:  # the best end of the bounds passes without unreserving
                rounds = (
                    " with at most one pageblock" if hi == 1 else f" with up to {hi} pageblocks"
                )
            else:
                rounds = f" with {span((lo, hi))} pageblocks"
        return f"unreserving the highatomic reserve would have avoided it{rounds}"
    if verdict.unreserve_would_avoid is False:
        return "unreserving the highatomic reserve would not have avoided it"
    return "whether unreserving the highatomic reserve would have avoided it is unknown"


def request_phrase(order: int | None, gfp: str | None) -> str:
    """``order-0 GFP_KERNEL request`` from what is known."""
    parts = [f"order-{order}" if order is not None else "", gfp or "", "request"]
    return " ".join(p for p in parts if p and p != "?")


def summary(
    verdict: Verdict,
    order: int | None = None,
    gfp: str | None = None,
    highatomic: bool | None = True,
    manual: bool = False,
) -> str:
    """The one-line verdict sentence (JSON ``verdict.summary``)."""
    if manual:
        sentence = MANUAL_CLAUSE[0].upper() + MANUAL_CLAUSE[1:]
    else:
        subject = request_phrase(order, gfp)
        subject = subject[0].upper() + subject[1:]
        clause = CODE_CLAUSES.get(verdict.code, verdict.code)
        sentence = f"{subject} failed: {clause}; {unreserve_clause(verdict, highatomic)}"
    if verdict.missing:
        sentence += f"; missing: {', '.join(verdict.missing)}"
    return f"{sentence} ({verdict.confidence})."


def sureness(verdict: Verdict) -> str:
    """``certain: …`` / ``likely: …`` in words."""
    missing = "; ".join(missing_words(verdict.missing))
    if verdict.confidence == "certain":
        return (
            "certain: the verdict holds for every value the report allows and every kernel "
            "its release allows"
        )
    if verdict.confidence == "likely":
        settle = f"; would be settled by {missing}" if missing else ""
        return (
            f"likely: it holds at the printed values, not at every value the report allows{settle}"
        )
    return f"unknown: the report lacks {missing or 'what the decision needs'}"


def missing_words(names: Sequence[str]) -> list[str]:
    """Each name of ``verdict.missing`` as what the report would have to print."""
    return [MISSING_WORDS.get(n, n) for n in names]


def assumption_words(name: str) -> str:
    """``pageblock-order-9`` → ``pageblock order 9``."""
    if name in ASSUMPTION_WORDS:
        return ASSUMPTION_WORDS[name]
    if name.startswith("pageblock-order-"):
        return f"pageblock order {name.rsplit('-', 1)[1]}"
    if name.startswith("unknown-feature-"):
        return f"--assume {name.removeprefix('unknown-feature-')} (unknown feature, ignored)"
    if name.startswith("gfp-layout-"):
        used, _, release = name.removeprefix("gfp-layout-").partition("-not-")
        return f"the GFP bit layout of {used}, which the printed flag names fit (not {release}'s)"
    if name.startswith("gfp-unknown-bits-"):
        return "gfp_mask bits no flag names: " + name.removeprefix("gfp-unknown-bits-")
    return name


FACTOR_WORDS = {
    "pcp-held": "sat on per-CPU lists, outside the buddy counts and every watermark",
    "reserve-remade": "sat in highatomic blocks most likely reserved again after the decision",
    "highatomic-stranded": "would have come from releasing the highatomic reserve alone",
    "lowmem-protected": "would have come from dropping lowmem_reserve alone",
    "cma-only": "would have come from letting the request use CMA alone",
    "constrained": "would have come from lifting the cpuset or nodemask alone",
}


def factor(item: Factor, page_kb: int) -> str:
    """``pcp-held: up to 225 pages (900 kB) sat on per-CPU lists …; too few to matter``."""
    lo, hi = item.headroom_pages
    amount = (
        pages((hi, hi), page_kb)
        if lo == 0 and hi > 0
        else pages((max(0, lo), None if hi >= UNBOUNDED else hi), page_kb)
    )
    amount = ("up to " if lo == 0 and hi > 0 else "") + amount.replace(" (", " pages (", 1)
    words = FACTOR_WORDS.get(item.code, "")
    matter = "enough to matter" if item.material else "too few to matter"
    return f"{item.code}: {amount} {words}; {matter}".replace("  ", " ")


def fix(item: Fix) -> str:
    """``v4.10 04c8716f7b00 "mm: try …" (stable 4.9.y) — would have avoided this``."""
    release = item.release if item.release.startswith("v") else f"v{item.release}"
    commit = item.commit[:12] if item.commit else "(commit id unchecked)"
    text = f'{release} {commit} "{item.title}"'
    if item.stable:
        text += f" (stable {', '.join(item.stable)})"
    return text + (" — would have avoided this" if item.would_avoid else "")


def fix_url(item: Fix) -> str | None:
    """The commit's page on git.kernel.org, None when its id is not known."""
    return COMMIT_URL.format(item.commit) if item.commit else None


def count_by_code(verdicts: Sequence[Verdict | None]) -> list[tuple[str, int]]:
    """(code, count) pairs, most frequent first; ``no verdict`` for None."""
    counts: dict[str, int] = {}
    for v in verdicts:
        key = v.code if v is not None else "no verdict"
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


# --- checks in the kernel's arithmetic ---------------------------------------------------

TERM_WORDS = {
    "free": "free",
    "highatomic": "highatomic",
    "cma": "CMA",
    "min": "min",
    "mark": "min",
    "lowmem_reserve": "lowmem_reserve",
}


def _term_range(t: Term) -> Range:
    lo, hi = t.pages
    return max(0, lo), None if hi >= UNBOUNDED else max(0, hi)


def side_total(first: Term | None, minus: Sequence[Term], plus: Sequence[Term]) -> Range:
    """``first − Σminus`` or ``Σplus`` as a count: never below zero, top None if unbounded."""
    if first is not None:
        lo0, hi0 = _term_range(first)
        tops = [_term_range(t)[1] for t in minus]
        lo = 0 if any(h is None for h in tops) else max(0, lo0 - sum(h or 0 for h in tops))
        hi = None if hi0 is None else max(0, hi0 - sum(_term_range(t)[0] for t in minus))
        return lo, hi
    los = [_term_range(t)[0] for t in plus]
    his = [_term_range(t)[1] for t in plus]
    return sum(los), None if any(h is None for h in his) else sum(h or 0 for h in his)


def _term(t: Term, order: int | None, zone: ZoneFacts | None) -> str:
    value = span(_term_range(t))
    if t.name == "order":  # 2^order - 1
        return f"{value} (order {(t.pages[0] + 1).bit_length() - 1})"
    text = f"{TERM_WORDS.get(t.name, t.name)} {value}"
    if t.name == "min" and zone is not None and zone.min is not None and t.pages[0] != zone.min:
        text += f" (of {zone.min}, lowered for this caller)"
    return text


def comparison(step: Step, page_kb: int, order: int | None, zone: ZoneFacts | None) -> str:
    """``free 4851 − 511 (order 9) = 4340 (17 MiB) > min 1407 + lowmem_reserve 0 = 1407 (5.5 MiB)``."""
    left = " − ".join(_term(t, order, zone) for t in step.left)
    right = " + ".join(_term(t, order, zone) for t in step.right)
    have = side_total(step.left[0], step.left[1:], ()) if step.left else None
    need = side_total(None, (), step.right)
    if len(step.left) > 1:
        left += f" = {pages(have, page_kb)}"
    elif have is not None:
        left += f" ({span_size(have, page_kb)})"
    if len(step.right) > 1:
        right += f" = {pages(need, page_kb)}"
    else:
        right += f" ({span_size(need, page_kb)})"
    return f"{left} > {right}"


def _lists(letters: str) -> str:
    return "/".join(letters) if letters else "any"


def _found(found: tuple[int, ...]) -> str:
    if not found:
        return "none"
    return "order " + ", ".join(str(o) for o in found)


def step_text(step: Step, page_kb: int, order: int | None, zone: ZoneFacts | None) -> str:
    """One half of a check with its mark: ``free block ≥ order 9 in U/M/E: none ✗``."""
    mark = MARKS.get(step.result, "?")
    if step.test == "free area":
        return (
            f"free block ≥ order {step.order} in {_lists(step.lists)}: {_found(step.found)} {mark}"
        )
    if step.test == "per-order walk":
        return f"free pages above each order below {step.order} > min/2^order {mark}"
    if step.test == "freelist":
        what = "a free page" if not step.order else f"a free block ≥ order {step.order}"
        return f"rmqueue: {what} in {_lists(step.lists)}: {_found(step.found)} {mark}"
    text = comparison(step, page_kb, order, zone)
    if step.note == "negative-passes":
        text += " (negative, which v5.9-5.18 pass: 9282012fc0aa)"
    label = {"order-0 shortcut": "shortcut: ", "unboosted min": "unboosted: "}.get(step.test, "")
    return f"{label}{text} {mark}"


WATERMARK_STEPS = ("order-0 shortcut", "page count", "unboosted min")


def shown_steps(item: Evidence) -> list[Step]:
    """The steps the kernel ran, in its order, up to the one that decided.

    A passing order-0 shortcut returns before __zone_watermark_ok counts pages; a
    failing watermark half returns before rmqueue looks at the lists.
    """
    out: list[Step] = []
    wm_passed = False
    for step in item.steps:
        if step.test in WATERMARK_STEPS:
            if wm_passed:
                continue
            out.append(step)
            if step.result == "pass":
                wm_passed = True
            continue
        if step.test in ("free area", "per-order walk", "freelist"):
            if (
                out
                and out[-1].result == "fail"
                and not wm_passed
                and out[-1].test in WATERMARK_STEPS
            ):
                break
            out.append(step)
            if step.result == "fail":
                break
    return out


def check_line(item: Evidence, page_kb: int, order: int | None, zone: ZoneFacts | None) -> str:
    """The zone's decision as the kernel ran it: its halves, then ``→ fail``."""
    steps = shown_steps(item)
    outcome = item.outcome or item.result
    body = "; ".join(step_text(s, page_kb, order, zone) for s in steps)
    return f"{body} → {outcome}" if body else outcome


def depends(item: Evidence) -> bool:
    """Some half shown for this check depends on what the report does not print."""
    return any(s.result == "depends" for s in shown_steps(item))


def other_check(item: Evidence, page_kb: int) -> str | None:
    """A plain-words note on the highatomic counter, when the reserve cap shows it drifted."""
    nums = dict(item.numbers)
    if item.check == "reserve_highatomic_pageblock" and item.result == "fail":
        held = nums.get("h_pages")
        cap = nums.get("cap_max")
        printed = nums.get("reserved_highatomic")
        limit = printed if isinstance(printed, int) else cap
        if isinstance(held, tuple) and isinstance(limit, int):
            return (
                f"{span((held[0], held[1]))} free highatomic pages, more than "
                f"nr_reserved_highatomic can count (at most {limit}): the counter had drifted "
                "below the blocks on highatomic lists (fixed by 4855e4a7f29d, v4.10)"
            )
    return None
