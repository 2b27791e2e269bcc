"""``oomlens explain``: every term, letter and verdict code the output uses, in a sentence or two.

Verdict codes name the kernel functions and commits behind them; terms say
what a column, a check or a mark means. ``lookup`` is forgiving about case,
spaces, dashes and underscores; a letter is looked up as written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One explained word."""

    name: str
    kind: str  # "verdict", "factor", "letter", "term", "mark"
    text: str
    kernel: str = ""  # kernel functions, files and commits, for verdicts and checks


ENTRIES: tuple[Entry, ...] = (
    # verdict codes
    Entry(
        "highatomic-stranded",
        "verdict",
        "The request failed while free pages sat in MIGRATE_HIGHATOMIC pageblocks it could "
        "not use; releasing that reserve (unreserving) would have let it succeed.",
        "reserve_highatomic_pageblock() and unreserve_highatomic_pageblock(), mm/page_alloc.c; "
        "the reserve came with 0aaa29a56e4f (v4.4); unreserving before an OOM with 04c8716f7b00 "
        "(v4.10) and ac3f3b0a5551 (v6.8).",
    ),
    Entry(
        "exhausted",
        "verdict",
        "Not enough free memory in the zones the request may use, even with every reserve "
        "released: the page count of the watermark check fails everywhere.",
        "__zone_watermark_ok() page count, mm/page_alloc.c; then __alloc_pages_may_oom() -> "
        "out_of_memory(), mm/oom_kill.c.",
    ),
    Entry(
        "fragmented",
        "verdict",
        "Enough free pages for the watermark, but no free block of the requested order on a "
        "list the request may take.",
        "__zone_watermark_ok() free-area check, mm/page_alloc.c, since 97a16fc82a7c (v4.4); "
        "before it, the per-order walk (free pages above each order must exceed min >> order).",
    ),
    Entry(
        "lowmem-protected",
        "verdict",
        "The free memory was in lower zones that lowmem_reserve keeps from requests that could "
        "have used a higher zone.",
        "z->lowmem_reserve[] in __zone_watermark_ok(); setup_per_zone_lowmem_reserve(), "
        "mm/page_alloc.c; sysctl vm.lowmem_reserve_ratio.",
    ),
    Entry(
        "cma-only",
        "verdict",
        "The free memory was CMA, which only movable allocations (ALLOC_CMA) may use.",
        "__zone_watermark_unusable_free() and gfp_to_alloc_flags_cma(), mm/page_alloc.c; "
        "NR_FREE_CMA_PAGES.",
    ),
    Entry(
        "memcg-limit",
        "verdict",
        "A memory cgroup reached its limit; the zones' free memory was not the cause.",
        "mem_cgroup_out_of_memory() and try_charge(), mm/memcontrol.c.",
    ),
    Entry(
        "constrained",
        "verdict",
        "A cpuset, memory policy or nodemask kept the request from memory free on other nodes.",
        "constrained_alloc() (CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY), mm/oom_kill.c; "
        "cpuset_zone_allowed().",
    ),
    Entry(
        "not-a-shortage",
        "verdict",
        "The failure was not for want of free pages: a manual OOM kill (order=-1, or moom_callback() in the trace before 4.3), vmalloc "
        "address space, a zero-size request or an order above the allocator's largest.",
        "moom_callback(), drivers/tty/sysrq.c (order -1); __vmalloc_node_range(), mm/vmalloc.c; "
        "the order check in __alloc_pages(), mm/page_alloc.c.",
    ),
    Entry(
        "undetermined",
        "verdict",
        "The report lacks what the decision needs; 'how sure' and 'missing' say what.",
    ),
    # factors
    Entry(
        "pcp-held",
        "factor",
        "Free pages on per-CPU lists (free_pcp): outside the buddy counts and every watermark, "
        "so the allocator's checks do not see them.",
        "struct per_cpu_pages, rmqueue_pcplist(), mm/page_alloc.c.",
    ),
    Entry(
        "reserve-remade",
        "factor",
        "A kernel that unreserves before it gives up (an OOM, or a failure after reclaim retries) "
        "still printed highatomic blocks: they were most "
        "likely reserved again after the decision, so the verdict is 'likely'.",
        "reserve_highatomic_pageblock() in get_page_from_freelist(), mm/page_alloc.c.",
    ),
    # migratetype letters
    Entry("U", "letter", "Unmovable: MIGRATE_UNMOVABLE free list (kernel allocations)."),
    Entry("M", "letter", "Movable: MIGRATE_MOVABLE free list (user pages, page cache)."),
    Entry("E", "letter", "Reclaimable: MIGRATE_RECLAIMABLE free list (reclaimable slab)."),
    Entry(
        "H",
        "letter",
        "HighAtomic: MIGRATE_HIGHATOMIC, pageblocks reserved for high-order atomic requests "
        "(4.4+). Only some callers may take from them.",
    ),
    Entry("C", "letter", "CMA: MIGRATE_CMA, the contiguous memory allocator's area."),
    Entry("I", "letter", "Isolate: MIGRATE_ISOLATE, blocks being offlined or migrated."),
    Entry("R", "letter", "Reserve: MIGRATE_RESERVE, the pre-4.4 emergency reserve."),
    # headline
    Entry(
        "failed",
        "term",
        "Who asked for how much memory (pages, size, order, gfp flags), "
        "from which zones, and what happened.",
    ),
    Entry("why", "term", "The verdict's cause in one sentence, with the zone figures behind it."),
    Entry(
        "unreserve",
        "term",
        "Whether releasing the highatomic reserve would have avoided the failure, how many "
        "pageblocks it would take, and whether this kernel would have done it for this caller.",
    ),
    Entry(
        "avoided by",
        "term",
        "Upstream kernel fixes whose replay serves the request, with the first release that "
        "carries each.",
    ),
    Entry(
        "how sure",
        "term",
        "certain: true for every value the report allows and every kernel its release allows; "
        "likely: true at the printed values; unknown: the report lacks what it needs.",
    ),
    Entry("certain", "term", "The verdict holds for every value inside the report's bounds."),
    Entry("likely", "term", "The verdict holds at the printed values, not at every value."),
    Entry(
        "what to do",
        "term",
        "Advice from the verdict's own fields: a release carrying a fix, a sysctl or cgroup "
        "setting, compaction — each only where the evidence supports it.",
    ),
    # zone table
    Entry("zone", "term", "A memory zone (DMA, DMA32, Normal, HighMem, Movable), per NUMA node."),
    Entry(
        "free",
        "term",
        "Free pages of the zone: free: on the zone line and the total of the buddy line; a "
        "range when the two differ.",
    ),
    Entry(
        "min",
        "term",
        "The zone's min watermark. 'lowered for this caller': __GFP_HIGH, atomic and OOM-victim "
        "requests may dip below it (ALLOC_HIGH/HARDER/OOM cuts).",
        "__zone_watermark_ok(), mm/page_alloc.c.",
    ),
    Entry(
        "lowmem reserve",
        "term",
        "Pages this zone keeps back from a request that could have used a higher zone "
        "(lowmem_reserve[] of the request's highest zone).",
        "setup_per_zone_lowmem_reserve(), mm/page_alloc.c.",
    ),
    Entry(
        "usable",
        "term",
        "Free pages the watermark check counts for this request: free less the highatomic "
        "reserve (unless the caller may use it), CMA (unless ALLOC_CMA) and 2^order - 1.",
        "__zone_watermark_unusable_free(), mm/page_alloc.c.",
    ),
    Entry(
        "highatomic free",
        "term",
        "Free pages on MIGRATE_HIGHATOMIC lists, from the buddy line's H letters (a range when "
        "an order shows several letters).",
    ),
    Entry(
        "highatomic reserved",
        "term",
        "nr_reserved_highatomic, the pages in highatomic pageblocks: printed from 5.5, else "
        "bounded by the reserve's cap and the H pages shown.",
        "reserve_highatomic_pageblock(), mm/page_alloc.c.",
    ),
    Entry(
        "result",
        "term",
        "Whether the zone served the request, and the check that decided when it did not.",
    ),
    # checks
    Entry(
        "checks",
        "term",
        "Each zone's slow-path check, in the kernel's order, up to the half that decided, then "
        "'→ pass' or '→ fail'.",
        "get_page_from_freelist() -> zone_watermark_fast() -> __zone_watermark_ok(), then "
        "rmqueue(), mm/page_alloc.c.",
    ),
    Entry(
        "shortcut",
        "term",
        "zone_watermark_fast()'s order-0 shortcut: free (less CMA; from 5.9 less the reserve) "
        "above min + lowmem_reserve passes at once.",
        "48ee5f3696f6 (v4.7); f27ce0e14088 (v5.9).",
    ),
    Entry(
        "page count",
        "term",
        "__zone_watermark_ok()'s first half: free less what the request may not count must "
        "exceed min + lowmem_reserve.",
    ),
    Entry(
        "free block",
        "term",
        "__zone_watermark_ok()'s second half for order > 0: some free list the request may use "
        "holds a block of the order or larger ('free area').",
        "97a16fc82a7c (v4.4).",
    ),
    Entry(
        "per-order walk",
        "term",
        "Before 4.4, __zone_watermark_ok() took away the free pages of each lower order and "
        "required min >> order to remain.",
    ),
    Entry(
        "rmqueue",
        "term",
        "After the watermark passes, the page is taken from the free lists: the request's own "
        "migratetype, its fallbacks, and H or CMA where allowed. 'none' means no block there.",
        "rmqueue(), __rmqueue(), __rmqueue_fallback(), mm/page_alloc.c.",
    ),
    Entry(
        "unboosted",
        "term",
        "From 5.9 an atomic order-0 request that fails retries against min less the watermark "
        "boost.",
        "f80b08fc4453 (v5.9).",
    ),
    Entry(
        "highatomic",
        "term",
        "In a check: the highatomic reserve taken from free (nr_reserved_highatomic; from 6.12 "
        "the free highatomic pages) for callers that may not use it.",
    ),
    Entry(
        "lowmem_reserve",
        "term",
        "In a check: the pages the zone keeps from this request, added to min.",
    ),
    Entry(
        "CMA",
        "term",
        "In a check: free CMA pages, taken from free when the request may not use CMA.",
    ),
    Entry(
        "order",
        "term",
        "A block of 2^order contiguous pages. In a check, '511 (order 9)' is 2^order - 1, which "
        "__zone_watermark_ok() takes from free.",
    ),
    Entry("✓", "mark", "The half passed."),
    Entry("✗", "mark", "The half failed."),
    Entry(
        "?",
        "mark",
        "The half depends on a value the report does not print exactly; 'how sure' says whether "
        "the verdict does.",
    ),
    Entry("→", "mark", "What the zone's check came to: pass or fail."),
    Entry(
        "split not printed",
        "term",
        "An order printed with several letters (3*8kB (UH)): each letter holds at least one "
        "block, the rest is unknown. Charts hatch that part.",
    ),
    Entry(
        "counter had drifted",
        "term",
        "More free highatomic pages than nr_reserved_highatomic can count: before 4855e4a7f29d "
        "(v4.10) unreserving could decrement it twice.",
    ),
    # other words
    Entry(
        "pageblock",
        "term",
        "2^pageblock_order pages (2 MiB with 4 kB pages): the unit the highatomic reserve grows "
        "and shrinks by.",
    ),
    Entry(
        "highatomic reserve",
        "term",
        "Pageblocks set aside for high-order atomic allocations (MIGRATE_HIGHATOMIC), at most "
        "about 1% of the zone; kernels before 4.4 have none.",
        "0aaa29a56e4f (v4.4).",
    ),
    Entry(
        "gfp_mask",
        "term",
        "The request's flags: which zones, whether it may sleep, reclaim, use reserves. "
        "'oomlens gfp MASK' decodes one (hex, as the kernel prints it).",
    ),
    Entry(
        "migratetype",
        "term",
        "The free list a request belongs to: Unmovable, Movable or "
        "Reclaimable, from its gfp flags.",
    ),
    Entry(
        "rules of",
        "term",
        "Which kernel's allocator behaviour the replay applied: the report's release, --kernel, "
        "or what the report's content allows.",
    ),
    Entry(
        "factors",
        "term",
        "Other causes with the pages each would have handed the request, and whether that is "
        "enough to matter (at least the min watermark).",
    ),
    Entry(
        "assumed",
        "term",
        "What the replay took for granted because the report does not "
        "say (page size, pageblock order, an ordinary task).",
    ),
    Entry(
        "killed",
        "term",
        "The task the OOM killer chose: oom score, RSS (anon + file + "
        "shmem) and virtual size as the kill line prints them.",
    ),
    Entry("rss", "term", "Resident memory of a task from the OOM task table (pages × page size)."),
    Entry("swap", "term", "A task's swapped-out memory from the OOM task table (swapents)."),
    Entry("oom_score_adj", "term", "The task's OOM score adjustment (-1000: never killed)."),
    Entry(
        "memory cgroup",
        "term",
        "The cgroup whose limit was hit, its usage, limit ('unlimited': no limit set) and failcnt.",
    ),
)

_INDEX = {e.name: e for e in ENTRIES}


def _norm(word: str) -> str:
    return " ".join(word.strip().lower().replace("_", " ").replace("-", " ").split())


_NORMAL: dict[str, Entry] = {}
for _e in ENTRIES:
    if len(_e.name) > 1:
        _NORMAL.setdefault(_norm(_e.name), _e)  # "lowmem reserve" (the column) before the term
_ALIASES = {
    "order 0 shortcut": "shortcut",
    "free area": "free block",
    "freelist": "rmqueue",
    "h": "H",
    "highatomic pages": "highatomic free",
    "reserve": "lowmem reserve",
    "confidence": "how sure",
    "unreserve would avoid": "unreserve",
    "kernel could unreserve": "unreserve",
}


def lookup(word: str) -> Entry | None:
    """The entry for ``word``: a letter as written (``H``), anything else forgiving."""
    if word in _INDEX:
        return _INDEX[word]
    key = _norm(word)
    if key in _ALIASES:
        return _INDEX[_ALIASES[key]]
    if len(word.strip()) == 1 and word.strip().upper() in _INDEX:
        return _INDEX[word.strip().upper()]
    return _NORMAL.get(key)


def suggestions(word: str) -> list[str]:
    """Names close to ``word``."""
    names = [e.name for e in ENTRIES if len(e.name) > 1]
    return difflib.get_close_matches(word.lower(), names, n=3, cutoff=0.6)


def describe_entry(entry: Entry) -> str:
    """``name (kind): text`` and the kernel reference on the next line."""
    out = f"{entry.name} ({entry.kind}): {entry.text}"
    if entry.kernel:
        out += f"\n    kernel: {entry.kernel}"
    return out


def everything() -> str:
    """Every entry, grouped by kind."""
    out = []
    titles = {
        "verdict": "verdict codes",
        "factor": "factors",
        "letter": "migratetype letters (buddy lines, charts)",
        "term": "terms",
        "mark": "marks in the checks",
    }
    for kind, title in titles.items():
        out.append(f"{title}:")
        out.extend(
            "  " + describe_entry(e).replace("\n", "\n  ") for e in ENTRIES if e.kind == kind
        )
        out.append("")
    return "\n".join(out)
