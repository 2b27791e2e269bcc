"""One report as a document: the headline a person reads first, what to do, then the evidence.

Built from the analysis's Facts and Verdict only; text, Markdown and HTML lay
the same blocks out (``oomlens.render.doc``), so every format says the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from oomlens.facts import Facts, ZoneFacts
from oomlens.incidents import Group, groups
from oomlens.judge import verdict as V
from oomlens.judge.verdict import Verdict
from oomlens.model.evidence import Evidence
from oomlens.pipeline import Analysis
from oomlens.render import describe as d
from oomlens.render.doc import (
    Block,
    Charts,
    Code,
    Field,
    Grid,
    Items,
    Link,
    Para,
    Raw,
    Section,
    Span,
)

ZONE_HEADERS = (
    "zone",
    "free",
    "min",
    "lowmem reserve",
    "usable",
    "highatomic free",
    "highatomic reserved",
    "result",
)
USER_HEADERS = ("pid", "comm", "rss", "swap", "oom_score_adj")
CHECKS_NOTE = (
    "✓ pass, ✗ fail, ? depends on what the report does not print; pages, sizes beside them"
)
# Missing items no report prints: keeping the whole report would not settle them.
UNPRINTABLE = ("decision-time state", "kernel stable level", V.PAGE_FAULT_REQUEST)
NEAREST_NOTE = (
    "the printed state passes by less than can move between the decision and the print, so "
    "these are the checks of the nearest state that fails; "
)


def _who(facts: Facts | None) -> Span:
    if facts is None or facts.task.comm is None:
        if facts is not None and facts.task.pid is not None:
            return (f"a task (pid {facts.task.pid})",)
        return ("a task",)
    pid = f" (pid {facts.task.pid})" if facts.task.pid is not None else ""
    return (Code(facts.task.comm), pid)


def title(analysis: Analysis) -> Span:
    """``balloon (pid 8473): OOM killer — path:19`` (the code goes before it)."""
    report = analysis.report
    kind = d.KIND_WORDS.get(report.kind or "", report.kind or "report")
    return (
        *_who(analysis.facts),
        f": {kind} — ",
        Code(f"{report.source}:{report.first_line}"),
    )


def replayed(facts: Facts, verdict: Verdict | None) -> list[ZoneFacts]:
    """The zones the request may use, in zonelist order (the order the replay checked them)."""
    order = {e.zone: i for i, e in reversed(list(enumerate(verdict.evidence)))} if verdict else {}
    used = [z for z in facts.zones if z.replayed]
    return sorted(used, key=lambda z: order.get(z.label, len(order)))


_ZONES_NAMED = 8  # zones the failed: line names before it counts the rest


def _zones_used(facts: Facts, verdict: Verdict | None) -> str:
    used = [z.label for z in replayed(facts, verdict)]
    if len(used) > _ZONES_NAMED:  # a machine of many nodes: the first few, and how many more
        more = len(used) - _ZONES_NAMED + 1
        return ", ".join(used[: _ZONES_NAMED - 1]) + f" or {more} other zones"
    if used:
        return " or ".join(used) if len(used) <= 2 else ", ".join(used[:-1]) + " or " + used[-1]
    if facts.highest_zone and facts.highest_zone != "invalid":
        return f"{facts.highest_zone} or a lower zone"
    return "any zone"


OUTCOME = {
    "oom": "none served it, and the OOM killer ran",
    "memcg-oom": "its memory cgroup was at its limit, and the cgroup's OOM killer ran",
    "alloc-failure": "the allocation failed",
    "vmalloc": "vmalloc failed",
}


def failed(analysis: Analysis) -> Span:
    """What failed: who asked for how much of what, from where, and what happened."""
    facts = analysis.facts
    report = analysis.report
    if facts is None:
        return ("the report could not be read far enough to say",)
    if facts.manual:
        return ("nothing: ", *_who(facts), " was running when ", d.MANUAL_CLAUSE, ".")
    outcome = OUTCOME.get(report.kind or "", "it failed")
    if facts.page_fault:
        return (
            *_who(facts),
            " took a page fault the kernel could not serve (VM_FAULT_OOM): ",
            "pagefault_out_of_memory() ran the OOM killer with no request of its own (",
            Code("gfp_mask=0x0"),
            "); what failed in the fault path is not in the report.",
        )
    if facts.order is None and facts.request_text == "?":
        if facts.task.comm is None and facts.task.pid is None:
            return (
                "the report does not print who asked for memory or for how much; ",
                outcome,
                ".",
            )
        return (*_who(facts), " made a request the report does not print; ", outcome, ".")
    n = facts.request_pages
    if n is None and facts.order is not None and facts.order >= 0:
        what: Span = (
            f"order {facts.order}, more pages than any machine holds (",
            Code(facts.request_text),
            ")",
        )
    elif n is None:
        what = ("an unknown number of pages (", Code(facts.request_text), ")")
    else:
        amount = f"{n} page{'s' * (n != 1)} ({d.size(n * facts.page_kb)}, order {facts.order}, "
        what = (amount, Code(facts.request_text), ")")
    where = _zones_used(facts, analysis.verdict)
    return (*_who(facts), " asked for ", *what, f" from {where}; {outcome}.")


def _decision(z: ZoneFacts) -> Evidence | None:
    return next((e for e in z.evidence if e.steps), None)


def why(analysis: Analysis) -> Span:
    """The cause in one sentence, with the zone figures that show it."""
    verdict, facts = analysis.verdict, analysis.facts
    assert verdict is not None
    if facts is not None and facts.manual:
        return ("a manual OOM kill, not a shortage of memory: a person or a tool asked for it.",)
    detail = _detail(verdict, facts) if facts is not None else ""
    if verdict.code == "undetermined" and detail:
        return (detail + ".",)
    clause = d.CODE_CLAUSES.get(verdict.code, verdict.code)
    return (clause + (f" ({detail})" if detail else "") + ".",)


def _detail(verdict: Verdict, facts: Facts) -> str:
    used = replayed(facts, verdict)
    kb = facts.page_kb
    code = verdict.code
    if code == "highatomic-stranded":
        parts = [
            f"{z.label}: {d.pages(z.highatomic_free, kb)} of {d.span(z.free)} free pages on "
            "highatomic lists"
            for z in used
            if z.highatomic_free is not None and z.highatomic_free[0] > 0
        ]
        return "; ".join(parts)
    if code == "fragmented" and facts.order:
        lists = sorted({"/".join(z.lists) for z in used if z.lists})
        on = f" on {' or '.join(lists)} lists" if len(lists) == 1 else ""
        return f"none of order {facts.order} or more{on} in " + ", ".join(z.label for z in used)
    if code in ("exhausted", "lowmem-protected"):
        parts = []
        for z in used:
            e = _decision(z)
            step = next((s for s in (e.steps if e else ()) if s.test == "page count"), None)
            if step is None or not step.left:
                continue
            have = d.side_total(step.left[0], step.left[1:], ())
            need = d.side_total(None, (), step.right)
            parts.append(
                f"{z.label}: {d.span_size(have, kb)} usable against {d.span_size(need, kb)} needed"
            )
        return "; ".join(parts[:3])
    passing = [z.label for z in used if (e := _decision(z)) is not None and e.outcome == "pass"]
    if code == "undetermined" and passing:
        return (
            f"the state printed after the failure would have served it ({', '.join(passing)} "
            "passes every check); what changed between the decision and the print is not in "
            "the report"
        )
    return ""


def avoided(analysis: Analysis) -> Span | None:
    """The kernel fixes that would have avoided it, only where the verdict says so."""
    verdict = analysis.verdict
    if verdict is None:
        return None
    fixes = [f for f in verdict.fixes if f.would_avoid]
    if not fixes:
        return None
    out: list = ["a kernel with "]
    for i, f in enumerate(fixes):
        first = f.release if f.release.startswith("v") else f"v{f.release}"
        stable = f"; stable {', '.join(f.stable)}" if f.stable else ""
        sep = "" if i == 0 else (" or " if i == len(fixes) - 1 else ", ")
        out += [sep, Code(f.commit[:12]) if f.commit else f.title, f" ({first}{stable})"]
    return (*out, ".")


def unreserve(verdict: Verdict, facts: Facts) -> str:
    """The tool's question answered: would releasing the highatomic reserve have avoided it."""
    if verdict.unreserve_would_avoid is True:
        rounds = verdict.unreserve_rounds
        amount = ""
        if rounds is not None:
            per = (1 << facts.pageblock_order) * facts.page_kb
            lo, hi = rounds
            amount = f" ({'up to ' if lo == 0 else ''}{d.size_range(max(lo, 1) * per, hi * per)})"
        text = f"yes: releasing {d.rounds_words(rounds)}{amount} would have avoided it"
    elif verdict.unreserve_would_avoid is False:
        text = "no: releasing the highatomic reserve would not have avoided it"
    else:
        text = "unknown: the report does not settle whether releasing it would have avoided it"
    could = {
        True: "this kernel would release it for this caller before failing",
        False: "this kernel would not release it for this caller",
        None: "whether this kernel would release it for this caller is not settled",
    }[verdict.kernel_could_unreserve]
    return f"{text}; {could}."


def advice(analysis: Analysis) -> list[Span]:
    """What a kernel engineer would try next, each only where the verdict's fields support it."""
    verdict, facts, report = analysis.verdict, analysis.facts, analysis.report
    if verdict is None or facts is None:
        return []
    out: list[Span] = []
    code = verdict.code
    series = facts.profile.series
    helping = [f for f in verdict.fixes if f.would_avoid]
    if helping:
        item: list = ["Consider a kernel carrying "]
        for i, f in enumerate(helping):
            first = f.release if f.release.startswith("v") else f"v{f.release}"
            stable = f", stable {', '.join(f.stable)}" if f.stable else ""
            item += [
                "; or " if i else "",
                Code(f.commit[:12]) if f.commit else "",
                f' "{f.title}" (mainline {first}{stable})',
            ]
        item.append(": the replay with it serves this request.")
        out.append(tuple(item))
    if facts.manual:
        out.append(
            (
                "Nothing ran short of memory: find who triggered the kill (a sysrq-f key, a write "
                "to /proc/sysrq-trigger by a watchdog or a test).",
            )
        )
        return out
    used = replayed(facts, verdict)
    min_kb = sum((z.min or 0) * facts.page_kb for z in facts.zones if z.min is not None)
    atomic = facts.direct_reclaim is False
    if code == "memcg-limit" and report.memcg is not None:
        m = report.memcg
        where: Span = (" of ", Code(m.limit_of)) if m.limit_of else ()
        usage = next(((u, lim) for n, u, lim, _ in m.counters if n == "memory"), None)
        used_text = (
            f": it used {d.size(usage[0])} of {d.kb_or_unlimited(usage[1])}" if usage else ""
        )
        out.append(
            (
                "Consider raising the memory cgroup's limit",
                *where,
                " (memory.max on cgroup v2, memory.limit_in_bytes on v1) or lowering its use",
                used_text + ".",
            )
        )
    elif code == "memcg-limit":
        out.append(
            (
                "Consider raising the memory cgroup's limit (memory.max on cgroup v2, "
                "memory.limit_in_bytes on v1) or lowering its use.",
            )
        )
    if code == "exhausted":
        top = facts.top_users[:3]
        users: Span = ()
        if top:
            users = (" The largest users in the task table: ",)
            for i, u in enumerate(top):
                users += (
                    ", " if i else "",
                    Code(u.comm),
                    f" ({d.size(u.rss_kb)})" if u.rss_kb is not None else "",
                )
            users += (".",)
        designed = (
            "; the kernel acted as designed" if verdict.unreserve_would_avoid is False else ""
        )
        out.append(
            (
                f"Memory was used up: consider less load, more memory or swap{designed}.",
                *users,
            )
        )
    if code in ("exhausted", "fragmented", "highatomic-stranded") and atomic and min_kb:
        text = (
            "This caller cannot reclaim for itself (an atomic request): consider a larger "
            f"vm.min_free_kbytes (the zones' min watermarks add up to {d.size(min_kb)}), which "
            "keeps more pages free for it"
        )
        if series is None or series >= (4, 6):
            text += "; vm.watermark_scale_factor (4.6+) wakes kswapd earlier"
        out.append((text + ".",))
    if code == "fragmented":
        text = (
            f"Free memory was there, in blocks smaller than order {facts.order}: "
            "echo 1 > /proc/sys/vm/compact_memory compacts now"
        )
        if series is None or series >= (5, 9):
            text += "; vm.compaction_proactiveness (5.9+) compacts in the background"
        if facts.direct_reclaim is False:
            text += "; this caller could not compact for itself"
        out.append((text + ".",))
    if code == "lowmem-protected":
        held = [
            f"{z.label} ({d.pages(z.lowmem_reserve, facts.page_kb)})"
            for z in used
            if z.lowmem_reserve is not None and z.lowmem_reserve[0] > 0
        ]
        out.append(
            (
                "lowmem_reserve kept "
                + (", ".join(held) if held else "lower zones")
                + " from this request: /proc/sys/vm/lowmem_reserve_ratio sets it (a larger "
                "ratio reserves less), a trade against the lower zones' own users.",
            )
        )
    if code == "cma-only":
        out.append(
            (
                "The free memory was CMA, which only movable allocations may use: consider a "
                "smaller CMA area (cma= on the kernel command line).",
            )
        )
    if code == "constrained":
        out.append(
            (
                "The request's cpuset, mempolicy or nodemask kept it to some nodes: consider "
                "widening cpuset.mems or the memory policy if the task may use other nodes.",
            )
        )
    if code == "not-a-shortage":
        out.append(
            (
                "No free pages would have helped: the request was larger than the allocator "
                "serves, or vmalloc address space ran out — look at the caller.",
            )
        )
    if facts.page_fault:
        out.append(
            (
                "Look for what returned VM_FAULT_OOM to the fault: the lines before this report "
                "(a driver's own allocation failure, a memory cgroup's charge). Since 5.16 a "
                "page fault no longer runs the OOM killer (60e2793d440a).",
            )
        )
    printable = [m for m in verdict.missing if m not in UNPRINTABLE]
    if code == "undetermined" and printable:
        out.append(
            (
                "Keep the whole report next time: "
                + "; ".join(d.missing_words(printable))
                + " (show_mem prints Mem-Info, the zone lines and the buddy lines at loglevel 4).",
            )
        )
    if "kernel stable level" in verdict.missing:
        out.append(
            (
                "Give the kernel's exact release with --kernel RELEASE: which stable "
                "backports it carries decides this verdict.",
            )
        )
    if any(f.code == "reserve-remade" and f.material for f in verdict.factors):
        remade: Span = (
            "This kernel releases highatomic blocks before it gives up: the ones printed were most "
            "likely reserved again after the decision, so look at what used the memory",
        )
        if facts.top_users:
            biggest = facts.top_users[0]
            rss = f" ({d.size(biggest.rss_kb)})" if biggest.rss_kb is not None else ""
            remade += ("; the largest user in the task table was ", Code(biggest.comm), rss)
        out.append((*remade, "."))
    if (
        code == "highatomic-stranded"
        and verdict.kernel_could_unreserve is False
        and not any(f.would_avoid for f in verdict.fixes)
    ):
        out.append(
            (
                "This kernel does not release the highatomic reserve for this caller before "
                "it fails; no catalogued fix changes that here.",
            )
        )
    return out


def headline(analysis: Analysis) -> list[Block]:
    """What failed, why, what would have avoided it, how sure."""
    blocks: list[Block] = [Field("failed", failed(analysis))]
    verdict = analysis.verdict
    if verdict is None:
        blocks.append(Field("why", ("no verdict: the report could not be judged.",), "dim"))
        return blocks
    blocks.append(Field("why", why(analysis), "bad" if verdict.unreserve_would_avoid else ""))
    facts = analysis.facts
    if facts is not None and facts.highatomic is False:
        blocks.append(Field("unreserve", (d.unreserve_clause(verdict, False) + ".",), "dim"))
    elif facts is not None and not facts.manual and verdict.code != "memcg-limit":
        blocks.append(Field("unreserve", (unreserve(verdict, facts),)))
    av = avoided(analysis)
    if av is not None:
        blocks.append(Field("avoided by", av, "good"))
    sure = d.sureness(verdict)
    decided = [e for e in verdict.evidence if e.steps]
    if verdict.confidence == "certain" and any(d.depends(e) for e in decided):
        sure += " (some checks below depend on values the report does not print; the verdict is the same for all of them)"
    blocks.append(Field("how sure", (sure + ".",)))
    return blocks


def _when(analysis: Analysis) -> Field:
    """When and where the log says the report happened: wall clock, uptime, host."""
    report = analysis.report
    parts: list = []
    if report.time is not None:
        parts.append(report.time.isoformat())
    if report.uptime_s is not None:
        after = f"{report.uptime_s:.3f} s after boot"
        parts.append(f" ({after})" if parts else after)
    if not parts:
        parts.append("unknown: the log gives no time")
    if report.host is not None:
        parts += [" on host ", Code(report.host)]
    return Field("when", tuple(parts), "dim")


def _kernel(analysis: Analysis) -> Field:
    report, verdict = analysis.report, analysis.verdict
    parts: list = [Code(report.release) if report.release else "unknown release"]
    if report.arch:
        parts += [" ", Code(report.arch)]
    if verdict is not None and verdict.profile:
        parts.append(f"; rules of {verdict.profile}")
    if not report.complete:
        parts.append("; report truncated")
    return Field("kernel", tuple(parts), "dim")


def _request(analysis: Analysis) -> list[Block]:
    facts, req = analysis.facts, analysis.request
    if facts is None or (facts.gfp_mask is None and facts.request_text == "?"):
        if facts is not None and facts.order is not None:
            return [Field("request", (f"order {facts.order}; gfp_mask not printed",))]
        return [Field("request", ("not printed in this report",), "dim")]
    hexmask = f"{facts.gfp_mask:#x}" if facts.gfp_mask is not None else "?"
    parts: list = [Code(facts.request_text)]
    if facts.request_text != hexmask:
        parts += [" (", Code(hexmask), ")"]
    order = "?" if facts.order is None else str(facts.order)
    parts.append(f", order {order}")
    if facts.order is not None and facts.order >= 0:
        parts.append(f" ({d.request_size(facts.request_pages, facts.page_kb)})")
    if req is not None and req.highest_zone:
        parts.append(f", highest zone {req.highest_zone}")
    if req is not None and req.migratetype:
        parts.append(f", migratetype {req.migratetype}")
    out: list[Block] = [Field("request", tuple(parts))]
    if req is not None and req.gfp_flags:
        out.append(Field("flags", (Code("|".join(req.gfp_flags)),), "dim"))
    return out


def _memory(facts: Facts) -> Field | None:
    parts = []
    if facts.ram_kb is not None:
        parts.append(f"RAM {d.size(facts.ram_kb)}")
    if facts.free_kb is not None:
        parts.append(f"free {d.size(facts.free_kb)}")
    if facts.swap_total_kb is not None:
        if facts.swap_total_kb == 0:
            parts.append("no swap")
        else:
            free = facts.swap_free_kb
            parts.append(
                f"swap {d.size(facts.swap_total_kb)}"
                + (f", {d.size(free)} free" if free is not None else "")
            )
    return Field("memory", ("; ".join(parts),)) if parts else None


def _memcg(analysis: Analysis) -> Field | None:
    m = analysis.report.memcg
    if m is None:
        return None
    parts: list = []
    if m.limit_of:
        parts += ["limit of ", Code(m.limit_of), " hit"]
    if m.task_in and m.task_in != m.limit_of:
        parts += ["; " if parts else "", "task in ", Code(m.task_in)]
    for name, usage, limit, failcnt in m.counters[:2]:
        parts += [
            "; " if parts else "",
            Code(name),
            f" {d.size(usage)} of {d.kb_or_unlimited(limit)}, failcnt {failcnt}",
        ]
    return Field("memory cgroup", tuple(parts)) if parts else None


def _result_cell(z: ZoneFacts) -> str:
    e = _decision(z)
    if e is None:
        return "not used" if z.replayed is False else "-"
    outcome = e.outcome or e.result
    decided = d.shown_steps(e)
    last = next((s for s in reversed(decided) if s.result != "pass"), None)
    where = f" ({last.test})" if last is not None and outcome != "pass" else ""
    return f"{d.MARKS.get(outcome, '?')} {outcome}{where}"


def zone_rows(facts: Facts) -> tuple[tuple[Span, ...], ...]:
    """One row per printed zone: its figures in pages with sizes, and the slow path's result."""
    kb = facts.page_kb
    rows = []
    for z in facts.zones:
        mark = "?" if z.min is None else d.pages(d.point(z.min), kb)
        if z.min_effective is not None and z.min is not None and z.min_effective != z.min:
            mark += f"; {z.min_effective} for this caller"
        rows.append(
            (
                (z.label,),
                (d.pages(z.free, kb),),
                (mark,),
                (d.pages(z.lowmem_reserve, kb) if z.replayed else "-",),
                (d.pages(z.usable, kb) if z.usable is not None else "-",),
                (d.pages(z.highatomic_free, kb) if z.highatomic_free is not None else "-",),
                (d.pages(z.highatomic_reserved, kb) if z.highatomic_reserved is not None else "-",),
                (_result_cell(z),),
            )
        )
    return tuple(rows)


def checks(facts: Facts, verdict: Verdict | None) -> list[Span]:
    """The slow path's check of each zone the request may use, in zonelist order."""
    out: list[Span] = []
    for z in replayed(facts, verdict):
        e = _decision(z)
        if e is None:
            continue
        out.append((f"{z.label}: ", d.check_line(e, facts.page_kb, facts.order, z)))
    for z in facts.zones:
        for e in z.evidence:
            note = d.other_check(e, facts.page_kb)
            if note is not None:
                out.append((f"{z.label}: ", note))
    return out


def _killed(facts: Facts) -> Field | None:
    k = facts.killed
    if k is None:
        return None
    parts: list = [Code(k.comm), f" (pid {k.pid})"]
    if k.score is not None:
        parts.append(f", oom score {k.score}")
    if k.rss_kb is not None:
        parts.append(f", RSS {d.size(k.rss_kb)}")
    if k.total_vm_kb is not None:
        parts.append(f", virtual {d.size(k.total_vm_kb)}")
    return Field("killed", tuple(parts))


def user_rows(facts: Facts) -> tuple[tuple[Span, ...], ...]:
    """The task table's largest memory users."""
    return tuple(
        (
            (str(u.pid),),
            (Code(u.comm),),
            (d.size(u.rss_kb) if u.rss_kb is not None else "?",),
            (d.size(u.swap_kb) if u.swap_kb is not None else "-",),
            (str(u.oom_score_adj) if u.oom_score_adj is not None else "-",),
        )
        for u in facts.top_users
    )


def _fixes(verdict: Verdict) -> Items | None:
    if not verdict.fixes:
        return None
    items = []
    for f in verdict.fixes:
        url = d.fix_url(f)
        text = d.fix(f)
        items.append((Link(text, url),) if url else (text,))
    return Items("upstream fixes that bear on this", tuple(items))


def report_section(analysis: Analysis, index: int = 1) -> Section:
    """Every block shown for one report, headline first."""
    report, verdict, facts = analysis.report, analysis.verdict, analysis.facts
    blocks: list[Block] = headline(analysis)
    todo = advice(analysis)
    if todo:
        blocks.append(Items("what to do", tuple(todo)))
    blocks.append(_when(analysis))
    blocks.append(_kernel(analysis))
    blocks.extend(_request(analysis))
    if facts is not None:
        memory = _memory(facts)
        if memory is not None:
            blocks.append(memory)
    memcg = _memcg(analysis)
    if memcg is not None:
        blocks.append(memcg)
    if facts is not None and facts.zones:
        blocks.append(
            Grid(
                f"zones (pages of {facts.page_kb} kB)",
                ZONE_HEADERS,
                zone_rows(facts),
                key="zones",
            )
        )
        lines = checks(facts, verdict)
        if lines:
            nearest = (
                verdict is not None
                and verdict.code != "undetermined"
                and "decision-time state" in verdict.missing
            )
            note = (NEAREST_NOTE if nearest else "") + CHECKS_NOTE
            blocks.append(Items("checks, as the slow path ran them", tuple(lines), note=note))
    if verdict is not None and facts is not None and verdict.factors:
        blocks.append(
            Items("factors", tuple((d.factor(f, facts.page_kb),) for f in verdict.factors), "dim")
        )
    if verdict is not None and verdict.assumptions:
        words = "; ".join(d.assumption_words(a) for a in verdict.assumptions)
        blocks.append(Field("assumed", (words,), "dim"))
    if facts is not None:
        killed = _killed(facts)
        if killed is not None:
            blocks.append(killed)
        if facts.top_users:
            blocks.append(
                Grid(
                    "largest memory users (task table)",
                    USER_HEADERS,
                    user_rows(facts),
                    numeric=(True, False, True, True, True),
                    sortable=True,
                    key="users",
                )
            )
    if verdict is not None:
        fixes = _fixes(verdict)
        if fixes is not None:
            blocks.append(fixes)
    if facts is not None:
        drawn = tuple(z.label for z in facts.zones if z.orders)
        blocks.append(
            Charts(drawn, "" if drawn else "no buddy lines in this report, so no free-list chart")
        )
    if report.diagnostics:
        first = report.diagnostics[0]
        blocks.append(
            Para(
                (
                    f"{len(report.diagnostics)} line(s) not understood; first: line {first.line}: ",
                    Code(first.message),
                ),
                "dim",
            )
        )
    raw = report_lines(analysis)
    if raw:
        blocks.append(
            Raw(f"the report as logged (lines {report.first_line}–{report.last_line})", raw)
        )
    code = verdict.code if verdict is not None else "no verdict"
    return Section(f"report-{index}", title(analysis), tuple(blocks), code)


def report_lines(analysis: Analysis) -> tuple[str, ...]:
    """The report's lines with the prefixes they were logged with."""
    report = analysis.report
    prefixes = report.prefixes
    if len(prefixes) != len(report.lines):
        return report.lines
    return tuple(p + line for p, line in zip(prefixes, report.lines, strict=True))


def overview(analyses: Sequence[Analysis], incidents: int | None = None) -> Section:
    """``3 reports: 2 highatomic-stranded, 1 exhausted`` (``in 2 incidents`` when grouped)."""
    counts = d.count_by_code([a.verdict for a in analyses])
    many = f" in {incidents} incident{'s' * (incidents != 1)}" if incidents else ""
    parts: list = [f"{len(analyses)} reports{many}:", " "]
    for i, (code, n) in enumerate(counts):
        parts += [", " if i else "", f"{n} ", Code(code)]
    return Section("overview", tuple(parts))


def incident_span(group: Group) -> str:
    """``×24, 020.log:2..020.log:88`` with the wall-clock or uptime span when known."""
    first, last = group.first.report, group.last.report
    ids = f"{first.id}..{last.id}"
    dropped = group.suppressed
    if dropped:
        ids += f"; {dropped} message{'s' * (dropped != 1)} between them dropped by the kernel's ratelimit"
    span = group.span_s
    if first.time is not None and last.time is not None:
        when = f"{first.time.isoformat()}..{last.time.isoformat()}"
    elif first.uptime_s is not None and last.uptime_s is not None:
        when = f"uptime {first.uptime_s:.3f}..{last.uptime_s:.3f} s"
    else:
        return f"×{len(group.analyses)}, {ids}"
    return f"×{len(group.analyses)}, {when} ({span:g} s; {ids})"


def sections(analyses: Sequence[Analysis], each: bool = False) -> list[Section]:
    """The overview (when several reports) and one section per incident: its first report,
    with an ``incident`` line giving the count and span (one per report with ``each``)."""
    shown = list(groups(analyses, each))
    out = []
    for i, group in enumerate(shown, start=1):
        section = report_section(group.first, i)
        if len(group.analyses) > 1:
            line = Field("incident", (incident_span(group),), "head")
            blocks = (*section.blocks[:1], line, *section.blocks[1:])
            section = replace(section, blocks=blocks)
        out.append(section)
    if len(analyses) > 1:
        out.insert(0, overview(analyses, len(shown) if len(shown) < len(analyses) else None))
    return out
