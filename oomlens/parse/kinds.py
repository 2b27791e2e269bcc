"""Which kind of OOM a report is: the kernel's own marks of a memory-cgroup OOM and of a
global one (docs/verdicts.md §4)."""

from __future__ import annotations

from oomlens.parse.report import Constraint

# The page allocator's slow path, by era: the frames between the allocating call and
# __alloc_pages_may_oom() -> out_of_memory().
PAGE_ALLOCATOR = frozenset(
    {
        "__alloc_pages_may_oom",
        "__alloc_pages_slowpath",
        "__alloc_pages_nodemask",
        "__alloc_pages_internal",
        "__alloc_pages",
        "__alloc_pages_noprof",
        "__alloc_frozen_pages_noprof",
    }
)


def oom_marks(
    constraint: Constraint | None,
    kill_reason: str | None,
    limit_of: str | None,
    functions: frozenset[str],
) -> tuple[bool, bool]:
    """(the marks of a memory-cgroup OOM, the marks of a global OOM) a report holds.

    A memcg OOM's: ``oom-kill:constraint=CONSTRAINT_MEMCG`` (or ``oom_memcg=`` other
    than the root beside ``CONSTRAINT_NONE``), ``Memory cgroup out of memory`` on the
    kill line, the older ``Task in … killed as a result of limit of`` a cgroup other than
    the root (``limit_of``), mem_cgroup_out_of_memory in the trace. A global OOM's:
    ``CONSTRAINT_CPUSET`` or ``_MEMORY_POLICY`` (constrained_alloc() prints its answer
    first, so no cgroup or cpuset name after it, which may hold commas and "=", can feign
    it), ``global_oom`` beside ``CONSTRAINT_NONE``, an ``Out of memory`` kill line, and
    the page allocator's own call of out_of_memory() in the trace. Never a line that merely
    mentions a memory cgroup: 7.x prints ``Memory cgroup min protection`` in every OOM.
    ``functions``: the trace's callers, its "? " frames left out.
    """
    memcg = glob = False
    c = constraint
    if c is not None:
        if c.constraint == "CONSTRAINT_MEMCG":
            memcg = True
        elif c.constraint in ("CONSTRAINT_CPUSET", "CONSTRAINT_MEMORY_POLICY"):
            glob = True
        else:
            # 5.0-5.1.18 print CONSTRAINT_NONE for every OOM (432b1de0de02 "fix
            # uninitialized oc->constraint", 5.2, stable 5.1.19): the token after
            # mems_allowed says which, "global_oom" or "oom_memcg=" (a name holding
            # the other, after a comma, leaves it to the other marks)
            named = c.get("oom_memcg") not in (None, "", "/")
            bare = c.get("global_oom") is not None
            if named != bare:
                memcg, glob = named, bare
    reason = kill_reason or ""
    if reason.startswith("Memory cgroup out of memory"):
        memcg = True
    elif reason.startswith("Out of memory"):
        glob = True
    if limit_of not in (None, "/"):
        memcg = True
    if "mem_cgroup_out_of_memory" in functions:
        memcg = True
    elif "out_of_memory" in functions and not functions.isdisjoint(PAGE_ALLOCATOR):
        # __alloc_pages_may_oom() calls out_of_memory(); a memcg OOM is entered through
        # mem_cgroup_out_of_memory() only (the charge, the page-fault end's
        # mem_cgroup_oom_synchronize()), never from the page allocator
        glob = True
    return memcg, glob


def is_memcg_kind(memcg: bool, glob: bool, functions: frozenset[str]) -> bool:
    """A memory-cgroup OOM: its marks and none of a global OOM beside them (an interleaved
    report's lines), unless its own trace runs through mem_cgroup_out_of_memory()."""
    return memcg and (not glob or "mem_cgroup_out_of_memory" in functions)
