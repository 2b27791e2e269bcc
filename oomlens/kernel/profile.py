"""Kernel behaviour profiles: one default (newest mainline) plus per-release overrides.

Each allocator behaviour is one ``Feature``; its ``Change`` names the commit that made it,
its first mainline release and the stable releases that carry it. A release
string (mainline, -rc, next-, distro, Android, vendor) maps to the set of
features present; ``Options.assume`` switches single features on or off; with
no release the report's own content bounds the era.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from functools import cached_property
from typing import TypeVar

from oomlens.parse.report import Report

Version = tuple[int, int]
T = TypeVar("T")


class Feature(str, Enum):
    """A page-allocator behaviour that changed upstream; the value is its --assume name."""

    WALK_COUNTS_CMA = "walk-counts-cma"
    HIGHATOMIC = "highatomic"
    RESERVES_IGNORE_POLICY = "reserves-ignore-policy"
    ORDER0_WATERMARK = "order0-watermark"
    WATERMARK_FAST = "watermark-fast"
    SHOULD_RECLAIM_RETRY = "should-reclaim-retry"
    NO_DOUBLE_DECREASE = "no-double-decrease"
    UNRESERVE_BEFORE_OOM = "unreserve-before-oom"
    UNRESERVE_RELIABLE = "unreserve-reliable"
    HARDER_HIGHATOMIC_ONLY = "harder-highatomic-only"
    ALLOC_OOM = "alloc-oom"
    WATERMARK_BOOST = "watermark-boost"
    HIGHEST_ZONEIDX = "highest-zoneidx"
    FAST_HIGHATOMIC = "fast-highatomic"
    UNBOOSTED_ATOMIC = "unboosted-atomic"
    MOVABLE_SKIPS_PCP = "movable-skips-pcp"
    VICTIM_KEEPS_CMA = "victim-keeps-cma"
    PCP_HIGH_ORDER = "pcp-high-order"
    FAST_NEGATIVE_FIX = "fast-negative-fix"
    PCP_MISS_TO_BUDDY = "pcp-miss-to-buddy"
    ALLOC_RESERVES = "alloc-reserves"
    UNRESERVE_AT_GIVEUP = "unreserve-at-giveup"
    CAP_ALIGNED = "cap-aligned"
    CAP_MIN_ZONE = "cap-min-zone"
    ORDER0_ATOMIC_HIGHATOMIC = "order0-atomic-highatomic"
    FREE_HIGHATOMIC = "free-highatomic"
    HIGHATOMIC_NEEDS_HIGH = "highatomic-needs-high"
    RETRY_NO_BACKOFF = "retry-no-backoff"
    COSTLY_NEEDS_IO = "costly-needs-io"
    PAGEBLOCK_ORDER_CONFIG = "pageblock-order-config"


@dataclass(frozen=True)
class Change:
    """One behaviour change of the page allocator, as merged upstream."""

    feature: Feature
    commit: str  # 12 hex digits; "" when the id could not be checked
    title: str
    release: str  # first mainline release, "4.10"
    function: str  # the kernel function whose behaviour changed
    rc: int = 1  # first -rc of ``release`` carrying it (1 = merge window)
    stable: tuple[str, ...] = ()  # "6.6.15"; "4.9.y" when the patch level is unknown
    vendor: bool = False  # commonly carried by vendor (Android/msm) trees ahead of mainline
    verified: bool = True  # commit id and release checked against period sources

    @cached_property
    def version(self) -> Version:
        """``release`` as a (major, minor) tuple, parsed once."""
        major, minor = self.release.split(".")
        return int(major), int(minor)


CHANGES: tuple[Change, ...] = (
    # 3.7-3.10 took NR_FREE_CMA_PAGES off free_pages before the order walk too, so
    # each order's free areas (which hold CMA pages) were taken off twice.
    Change(
        Feature.WALK_COUNTS_CMA,
        "026b08147923",
        "mm/page_alloc.c: fix watermark check in __zone_watermark_ok()",
        "3.11",
        "__zone_watermark_ok",
    ),
    Change(
        Feature.HIGHATOMIC,
        "0aaa29a56e4f",
        "mm, page_alloc: reserve pageblocks for high-order atomic allocations on demand",
        "4.4",
        "reserve_highatomic_pageblock",
    ),
    Change(
        Feature.ORDER0_WATERMARK,
        "97a16fc82a7c",
        "mm, page_alloc: only enforce watermarks for order-0 allocations",
        "4.4",
        "__zone_watermark_ok",
    ),
    Change(
        Feature.WATERMARK_FAST,
        "48ee5f3696f6",
        "mm, page_alloc: shortcut watermark checks for order-0 pages",
        "4.7",
        "zone_watermark_fast",
    ),
    Change(
        Feature.SHOULD_RECLAIM_RETRY,
        "0a0337e0d1d1",
        "mm, oom: rework oom detection",
        "4.7",
        "should_reclaim_retry",
    ),
    Change(
        Feature.NO_DOUBLE_DECREASE,
        "4855e4a7f29d",
        "mm: prevent double decrease of nr_reserved_highatomic",
        "4.10",
        "unreserve_highatomic_pageblock",
        stable=("4.9.y",),
        vendor=True,
    ),
    Change(
        Feature.UNRESERVE_BEFORE_OOM,
        "04c8716f7b00",
        "mm: try to exhaust highatomic reserve before the OOM",
        "4.10",
        "should_reclaim_retry",
        vendor=True,
    ),
    Change(
        Feature.UNRESERVE_RELIABLE,
        "29fac03bef72",
        "mm: make unreserve highatomic functions reliable",
        "4.10",
        "unreserve_highatomic_pageblock",
        vendor=True,
    ),
    # Posted 2017-11-02, in the mmotm since-4.14 branch; commit id not checked.
    Change(
        Feature.HARDER_HIGHATOMIC_ONLY,
        "",
        "mm, page_alloc: fix potential false positive in __zone_watermark_ok",
        "4.15",
        "__zone_watermark_ok",
        verified=False,
    ),
    Change(
        Feature.ALLOC_OOM,
        "cd04ae1e2dc8",
        "mm, oom: do not rely on TIF_MEMDIE for memory reserves access",
        "4.15",
        "__zone_watermark_ok",
    ),
    # Until it, the slow path's "ignore mempolicies" branch reset only the zonelist
    # iterator: ac->nodemask (the policy's) still held GFP_ATOMIC and reserve callers.
    # Asked for 4.14.y in 2018-11 (the answer not found): that series may carry it.
    Change(
        Feature.RESERVES_IGNORE_POLICY,
        "d6a24df00638",
        "mm, page_alloc: actually ignore mempolicies for high priority allocations",
        "4.19",
        "__alloc_pages_slowpath",
        stable=("4.14.y",),
    ),
    # Until it, should_reclaim_retry() took (no_progress_loops / MAX_RECLAIM_RETRIES) of
    # the reclaimable pages off "available": at the 16th loop only free pages count.
    Change(
        Feature.RETRY_NO_BACKOFF,
        "",  # Johannes Weiner's 2017-02 series, merged for 4.12; its id not found
        "mm: remove unnecessary back-off function when retrying page reclaim",
        "4.12",
        "should_reclaim_retry",
        verified=False,
    ),
    Change(
        Feature.WATERMARK_BOOST,
        "1c30844d2dfe",
        "mm: reclaim small amounts of memory when an external fragmentation event occurs",
        "5.0",
        "wmark_pages",
    ),
    Change(
        Feature.HIGHEST_ZONEIDX,
        "3334a45eb9e2",
        "mm/page_alloc: use ac->high_zoneidx for classzone_idx",
        "5.8",
        "get_page_from_freelist",
    ),
    Change(
        Feature.FAST_HIGHATOMIC,
        "f27ce0e14088",
        "page_alloc: consider highatomic reserve in watermark fast",
        "5.9",
        "zone_watermark_fast",
        vendor=True,
    ),
    Change(
        Feature.UNBOOSTED_ATOMIC,
        "f80b08fc4453",
        "mm, page_alloc: skip ->waternark_boost for atomic order-0 allocations",
        "5.9",
        "zone_watermark_fast",
        stable=("5.4.y",),
    ),
    Change(
        Feature.MOVABLE_SKIPS_PCP,
        "1d91df85f399",
        "mm/page_alloc: handle a missing case for memalloc_nocma_{save/restore} APIs",
        "5.9",
        "rmqueue",
        verified=False,
    ),
    # An OOM victim's (and a PF_MEMALLOC task's) reserve flags replaced alloc_flags whole
    # from 4.15, ALLOC_CMA with them; current_alloc_flags() adds it back.
    Change(
        Feature.VICTIM_KEEPS_CMA,
        "8510e69c8efe",
        "mm/page_alloc: fix memalloc_nocma_{save/restore} APIs",
        "5.9",
        "__alloc_pages_slowpath",
    ),
    Change(
        Feature.PCP_HIGH_ORDER,
        "44042b449872",
        "mm/page_alloc: allow high-order pages to be stored on the per-cpu lists",
        "5.13",
        "rmqueue_pcplist",
        verified=False,
    ),
    Change(
        Feature.FAST_NEGATIVE_FIX,
        "9282012fc0aa",
        "page_alloc: fix invalid watermark check on a negative value",
        "5.19",
        "zone_watermark_fast",
        rc=8,
        stable=("5.15.59",),
    ),
    # The pcp miss falling through to rmqueue_buddy is verified in 6.0 source; that this
    # commit is the one that introduced it is not checked.
    Change(
        Feature.PCP_MISS_TO_BUDDY,
        "4b23a68f9536",
        "mm/page_alloc: protect PCP lists with a spinlock",
        "6.0",
        "rmqueue",
        verified=False,
    ),
    Change(
        Feature.ALLOC_RESERVES,
        "1ebbb21811b7",
        "mm/page_alloc: explicitly define how __GFP_HIGH "
        "non-blocking allocations accesses reserves",
        "6.3",
        "gfp_to_alloc_flags",
        stable=("5.15.171", "6.1.116"),
    ),
    # A costly request without __GFP_IO (or without CONFIG_COMPACTION) goes to nopage
    # before should_reclaim_retry(). Stable 6.6.24; the April 2024 backports to 6.1,
    # 5.15, 5.10 and 5.4 are at levels not checked.
    Change(
        Feature.COSTLY_NEEDS_IO,
        "803de9000f33",
        "mm, vmscan: prevent infinite loop for costly GFP_NOIO | __GFP_RETRY_MAYFAIL allocations",
        "6.9",
        "__alloc_pages_slowpath",
        stable=("6.6.24", "6.1.y", "5.15.y", "5.10.y", "5.4.y"),
        verified=False,
    ),
    Change(
        Feature.UNRESERVE_AT_GIVEUP,
        "ac3f3b0a5551",
        "mm: page_alloc: unreserve highatomic page blocks before oom",
        "6.8",
        "should_reclaim_retry",
        stable=("6.6.15", "6.1.76"),
    ),
    Change(
        Feature.CAP_ALIGNED,
        "d68e39fc45f7",
        "mm: page_alloc: correct high atomic reserve calculations",
        "6.8",
        "reserve_highatomic_pageblock",
    ),
    Change(
        Feature.CAP_MIN_ZONE,
        "9cd20f3fe045",
        "mm: page_alloc: enforce minimum zone size to do high atomic reserves",
        "6.8",
        "reserve_highatomic_pageblock",
    ),
    Change(
        Feature.ORDER0_ATOMIC_HIGHATOMIC,
        "281dd25c1a01",
        "mm/page_alloc: let GFP_ATOMIC order-0 allocs access highatomic reserves",
        "6.12",
        "rmqueue_buddy",
        rc=6,
        stable=("6.11.7", "6.6.60", "6.1.116", "5.15.171"),
    ),
    Change(
        Feature.FREE_HIGHATOMIC,
        "c928807f6f6b",
        "mm/page_alloc: keep track of free highatomic",
        "6.12",
        "__zone_watermark_unusable_free",
        rc=7,
    ),
    # Thadeu Lima de Souza Cascardo, posted 2025-08, merged for 6.18-rc1; the stable
    # announcements of 2025-10-19 list it in 6.17.4, 6.12.54, 6.6.113 and 5.15.195 (and
    # 6.1.157); 5.10.246 does not carry it (5.10 has no ALLOC_HIGHATOMIC to gate).
    Change(
        Feature.HIGHATOMIC_NEEDS_HIGH,
        "6a204d4b14c9",
        "mm/page_alloc: only set ALLOC_HIGHATOMIC for __GPF_HIGH allocations",
        "6.18",
        "gfp_to_alloc_flags",
        stable=("6.17.4", "6.12.54", "6.6.113", "6.1.157", "5.15.195"),
    ),
    # Juan Yescas (Google), for Android's 16 kB-page kernels; merged for 6.16, its option
    # renamed CONFIG_PAGE_BLOCK_MAX_ORDER before 6.16 ("mm: rename CONFIG_PAGE_BLOCK_ORDER
    # to CONFIG_PAGE_BLOCK_MAX_ORDER", Fixes: e13e7922d034). Android's own trees may carry
    # it earlier (unchecked): judge/judge._configured_orders asks of those too.
    Change(
        Feature.PAGEBLOCK_ORDER_CONFIG,
        "e13e7922d034",
        "mm: add CONFIG_PAGE_BLOCK_ORDER to select page block order",
        "6.16",
        "pageblock_order",
    ),
)

BY_FEATURE: dict[Feature, Change] = {c.feature: c for c in CHANGES}
NEWEST: Version = max(c.version for c in CHANGES)
assert set(BY_FEATURE) == set(Feature), "every Feature has exactly one Change"
VALUES = frozenset(f.value for f in Feature)


def change(feat: Feature | str) -> Change:
    """The upstream change behind ``feat`` (ValueError for a name that is no Feature)."""
    return BY_FEATURE[Feature(feat)]


@dataclass(frozen=True)
class Release:
    """A kernel release string taken apart."""

    text: str
    version: tuple[int, int, int]
    rc: int | None = None
    next: bool = False  # a linux-next build, or one past its tag: the next merge window may be in
    vendor: bool = False  # distro/vendor build: backports possible
    patch_known: bool = True  # the stable patch level is in the string

    @property
    def series(self) -> Version:
        return self.version[0], self.version[1]


_RELEASE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(.*)")
_MM_TREE = re.compile(r"-mm\d")
# CONFIG_LOCALVERSION_AUTO's `git describe`: commits past the last tag, as
# scripts/setlocalversion prints them ("-rc6-00215-g3e4a1c2b", %05d); an Android KMI
# generation ("-android14-11-g<sha>") is no count
_DESCRIBE = re.compile(r"-(\d{5,})-g[0-9a-f]{7,40}\b")
# without it, setlocalversion's "+": the tree is past its tag ("-dirty" alone is a tree at
# its tag with local edits)
_UNTAGGED = re.compile(r"\+$")
_RC = re.compile(r"^-?(?:0\.)?rc(\d+)", re.I)
_DISTRO = re.compile(
    r"^-\d+[.-]|\.el\d|-generic|-amd64|-arm64|-default|-azure|-aws|-gcp"
    r"|-android|-qubes|\.fc\d|-\d+$",
    re.I,
)


def parse_release(text: str) -> Release | None:
    """Take a ``uname -r`` style string apart; None when it is not one."""
    m = _RELEASE.match(text.strip())
    if not m:
        return None
    major, minor = int(m.group(1)), int(m.group(2))
    patch = int(m.group(3)) if m.group(3) else 0
    rest = m.group(4)
    rc_m = _RC.match(rest)
    rc = int(rc_m.group(1)) if rc_m else None
    nxt = "next-" in rest or _MM_TREE.search(rest) is not None  # -mm: next's mm patches
    # a build past its tag is a tree the next tag's changes may already be in: mainline
    # between two -rc tags, or a maintainer's branch (a test robot's build of mm-unstable)
    # that carries the next merge window's, as a linux-next build does
    past = _DESCRIBE.search(rest)
    nxt = nxt or (past is not None and int(past.group(1)) > 0)
    # an -rc or .0 tree past its tag (a stable X.Y.Z with local patches is no such tree)
    nxt = nxt or (bool(_UNTAGGED.search(rest.strip())) and (rc is not None or patch == 0))
    vendor = bool(_DISTRO.search(rest)) and rc is None
    # Ubuntu/Debian/RHEL/SUSE-style "X.Y.0-NNN" hide the stable level they carry.
    patch_known = not (vendor and patch == 0)
    return Release(text, (major, minor, patch), rc, nxt, vendor, patch_known)


def _stable_state(feat: Change, rel: Release) -> str:
    """'yes' | 'no' | 'maybe' for a release older than the feature's mainline one."""
    for entry in feat.stable:
        parts = entry.split(".")
        if (int(parts[0]), int(parts[1])) != rel.series:
            continue
        if parts[2] == "y" or not rel.patch_known:
            return "maybe"
        return "yes" if rel.version[2] >= int(parts[2]) else "no"
    if rel.vendor and (feat.vendor or feat.stable):
        return "maybe"
    return "no"


def feature_state(feat: Change, rel: Release) -> str:
    """Whether ``rel`` carries ``feat``: 'yes', 'no' or 'maybe'."""
    series = rel.series
    if series > feat.version:
        return "yes"
    if series == feat.version:
        if rel.rc is None or rel.rc >= feat.rc:
            return "yes"
        return "maybe" if rel.next else "no"
    if rel.next and (series[0], series[1] + 1) == feat.version:
        return "maybe"
    if rel.next and series[0] + 1 == feat.version[0] and feat.version[1] == 0:
        return "maybe"
    return _stable_state(feat, rel)


_AT: dict[Version, frozenset[Feature]] = {}


def features_at(version: Version) -> frozenset[Feature]:
    """Features of the mainline release ``version`` (final, not -rc)."""
    out = _AT.get(version)
    if out is None:
        if len(_AT) >= 4096:
            _AT.clear()
        out = _AT[version] = frozenset(c.feature for c in CHANGES if version >= c.version)
    return out


class _Traces(threading.local):
    """The open traces of this thread, innermost last (threads judging at once each
    trace their own replays: a shared stack mixed their reads)."""

    def __init__(self) -> None:
        self.stack: list[set[Feature]] = []


_TRACES = _Traces()


@contextmanager
def traced() -> Iterator[set[Feature]]:
    """Collect every feature ``KernelProfile.has`` is asked about inside the block.

    A replay is a function of the answers it got: another profile that answers alike
    for every feature read gives the same replay, so it need not be replayed.
    """
    reads: set[Feature] = set()
    stack = _TRACES.stack
    stack.append(reads)
    try:
        yield reads
    finally:
        stack.pop()
        if stack:
            stack[-1].update(reads)


def resolve(compute: Callable[[], T]) -> tuple[T, frozenset[Feature]]:
    """``compute()`` and the features it read, which are kept out of the open trace.

    For an answer worked out once and used many times: each use passes the
    features to ``record``, so a trace sees them exactly where the look-ups
    themselves would have been made.
    """
    reads: set[Feature] = set()
    stack = _TRACES.stack
    stack.append(reads)
    try:
        value = compute()
    finally:
        stack.pop()
    return value, frozenset(reads)


def record(reads: frozenset[Feature]) -> None:
    """Count ``reads`` (the features behind an answer from ``resolve``) as read here."""
    stack = _TRACES.stack
    if stack:
        stack[-1].update(reads)


def _stable_level(change: Change, series: Version | None) -> int | None:
    """The patch level at which ``change`` reached ``series`` stable (``.y`` counts as 0)."""
    for entry in change.stable:
        parts = entry.split(".")
        if series is not None and (int(parts[0]), int(parts[1])) == series:
            return 0 if parts[2] == "y" else int(parts[2])
    return None


# Profiles and their variants worked out once per release string and profile (reports of
# one kernel share them); a fleet of kernels stays bounded.
_MEMO_LIMIT = 4096
_RELEASES: dict[tuple[str, str, str | None], KernelProfile | None] = {}
_VARIANTS: dict[KernelProfile, tuple[KernelProfile, ...]] = {}


@dataclass(frozen=True)
class KernelProfile:
    """Which allocator rules to replay with, and how sure we are of them."""

    features: frozenset[Feature]
    uncertain: frozenset[Feature] = frozenset()  # may or may not be present
    release: str | None = None
    basis: str = "default"  # "report" | "option" | "content" | "default"
    clues: tuple[str, ...] = ()  # content clues used when there was no release
    label: str = "newest mainline (default)"
    assumed: tuple[str, ...] = ()  # --assume switches applied
    series: Version | None = None  # the release's mainline series, when one was named
    vendor: bool = False  # a distro or vendor build: backports without a stable level

    def has(self, feat: Feature) -> bool:
        """True when the profile carries ``feat`` (a name that is no Feature raises ValueError)."""
        if not isinstance(feat, Feature):
            feat = Feature(feat)
        stack = _TRACES.stack
        if stack:
            stack[-1].add(feat)
        return feat in self.features

    def agrees(self, other: KernelProfile, on: frozenset[Feature] | set[Feature]) -> bool:
        """Whether both profiles answer alike for every feature in ``on``."""
        return all((f in self.features) == (f in other.features) for f in on)

    def with_features(
        self, on: tuple[Feature, ...] = (), off: tuple[Feature, ...] = ()
    ) -> KernelProfile:
        """A copy with features switched on/off (a counterfactual kernel)."""
        on_set = frozenset(Feature(f) for f in on)
        off_set = frozenset(Feature(f) for f in off)
        feats = (self.features | on_set) - off_set
        return replace(self, features=feats, uncertain=self.uncertain - on_set - off_set)

    def variants(self) -> tuple[KernelProfile, ...]:
        """Every concrete kernel this profile allows, the nominal one (itself) first.

        Stable backports arrive in order of the stable patch level, so they form a
        chain; vendor-only and next-tree features switch on together; a profile
        inferred from content spans the mainline releases its clues allow.
        """
        if not self.uncertain:
            return (self,)
        out = _VARIANTS.get(self)
        if out is None:
            if len(_VARIANTS) >= _MEMO_LIMIT:
                _VARIANTS.clear()
            out = _VARIANTS[self] = self._variants()
        return out

    def _variants(self) -> tuple[KernelProfile, ...]:
        sets: list[frozenset[Feature]] = []
        if self.basis == "content":
            versions = sorted({BY_FEATURE[f].version for f in self.uncertain})
            sets = [
                frozenset(f for f in self.uncertain if BY_FEATURE[f].version <= v) for v in versions
            ]
        else:
            levels: dict[int, set[Feature]] = {}
            rest: set[Feature] = set()
            for f in self.uncertain:
                level = _stable_level(BY_FEATURE[f], self.series)
                if level is None:
                    rest.add(f)
                else:
                    levels.setdefault(level, set()).add(f)
            chain: list[frozenset[Feature]] = [frozenset()]
            acc: set[Feature] = set()
            for level in sorted(levels):
                acc |= levels[level]
                chain.append(frozenset(acc))
            sets = chain + [c | rest for c in chain] if rest else chain
        out = [self]
        seen: set[frozenset[Feature]] = {frozenset()}
        for extra in sets:
            if extra in seen:
                continue
            seen.add(extra)
            names = ", ".join(sorted(f.value for f in extra))
            out.append(
                replace(
                    self,
                    features=self.features | extra,
                    uncertain=frozenset(),
                    label=f"{self.label} with {names}",
                )
            )
        return tuple(out)


_DEBIAN_LEVEL = re.compile(r"\bDebian (\d+)\.(\d+)\.(\d+)")


def distro_level(rel: Release, build: str | None) -> int | None:
    """The stable patch level a distro banner names (``#1 Debian 6.1.192-2`` → 192).

    Debian's ``uname -r`` (``6.1.0-56-amd64``) hides the stable level it carries;
    the banner's package version after ``#`` gives it. Ubuntu's ABI number and RHEL's
    z-stream do not map to an upstream level without the distro's changelog.
    """
    m = _DEBIAN_LEVEL.search(build or "")
    if m and (int(m.group(1)), int(m.group(2))) == rel.series:
        return int(m.group(3))
    return None


def profile_for_release(
    text: str, basis: str = "report", build: str | None = None
) -> KernelProfile | None:
    """The profile of a named release; None when the string is not a release."""
    key = (text, basis, build)
    if key in _RELEASES:
        return _RELEASES[key]
    if len(_RELEASES) >= _MEMO_LIMIT:
        _RELEASES.clear()
    out = _RELEASES[key] = _profile_for_release(text, basis, build)
    return out


def _profile_for_release(text: str, basis: str, build: str | None) -> KernelProfile | None:
    rel = parse_release(text)
    if rel is None:
        return None
    level = distro_level(rel, build) if rel.vendor and not rel.patch_known else None
    if level is not None:
        rel = replace(rel, version=(rel.version[0], rel.version[1], level), patch_known=True)
    states = {c.feature: feature_state(c, rel) for c in CHANGES}
    feats = frozenset(n for n, s in states.items() if s == "yes")
    maybe = frozenset(n for n, s in states.items() if s == "maybe")
    source = "from report" if basis == "report" else "from --kernel"
    label = f"{rel.series[0]}.{rel.series[1]}"
    if rel.version[2]:
        label += f".{rel.version[2]}"
    if rel.rc is not None:
        label += f"-rc{rel.rc}"
    if level is not None:
        source += ", stable level from the banner"
    profile = KernelProfile(feats, maybe, text, basis, (), f"{label} ({source})")
    return replace(profile, series=rel.series, vendor=rel.vendor)


@dataclass(frozen=True)
class ContentClue:
    """One thing in the report that bounds the kernel era."""

    name: str
    low: Version | None = None  # the report is from this release or later
    high: Version | None = None  # ... or from this release or earlier


def profile_from_clues(clues: tuple[ContentClue, ...]) -> KernelProfile:
    """The profile bounded by content clues: features known present, the rest uncertain."""
    lows = [c.low for c in clues if c.low]
    highs = [c.high for c in clues if c.high]
    low = max(lows) if lows else None
    high = min(highs) if highs else None
    if low and high and low > high:
        # the clues disagree (a vendor's backport, a mask of another era): the GFP layout,
        # read without a release, gives way first; else every era any clue allows
        kept = tuple(c for c in clues if not c.name.startswith("GFP layout"))
        if len(kept) < len(clues):
            return profile_from_clues(kept)
        low, high = min(lows), max(highs)
    if low is None and high is None:
        return KernelProfile(features_at(NEWEST), frozenset(Feature))
    sure = features_at(low) if low else frozenset()
    possible = features_at(high) if high else features_at(NEWEST)
    # a kernel without its release may be a distro or vendor build of the span, with
    # what a named vendor release may carry (_stable_state): any change a stable series
    # received, or vendor trees carry ahead of mainline
    possible |= frozenset(c.feature for c in CHANGES if c.vendor or c.stable)
    names = ", ".join(c.name for c in clues)
    if low and high:
        span = f"{low[0]}.{low[1]}..{high[0]}.{high[1]}"
    elif low:
        span = f">={low[0]}.{low[1]}"
    elif high:
        span = f"<={high[0]}.{high[1]}"
    else:
        span = "any"
    # Replay with the oldest era the clues allow; the judge also tries the newest.
    return KernelProfile(
        sure,
        possible - sure,
        None,
        "content",
        tuple(c.name for c in clues),
        f"{span} (inferred from content: {names})",
    )


def apply_assume(
    profile: KernelProfile, assume: tuple[str, ...]
) -> tuple[KernelProfile, tuple[str, ...]]:
    """Switch features on ("NAME") or off ("no-NAME"); returns the unknown names too."""
    on: list[Feature] = []
    off: list[Feature] = []
    unknown: list[str] = []
    for item in assume:
        if item in VALUES:  # a name that itself starts "no-" (no-double-decrease) is one
            on.append(Feature(item))
        elif item.startswith("no-") and item[3:] in VALUES:
            off.append(Feature(item[3:]))
        else:
            unknown.append(item)
    if not on and not off:
        return profile, tuple(unknown)
    out = profile.with_features(tuple(on), tuple(off))
    return replace(out, assumed=tuple(assume), label=f"{out.label} +assume"), tuple(unknown)


_LAYOUT_ERA: dict[str, tuple[Version | None, Version | None]] = {
    "4.4": ((4, 4), (4, 9)),
    "4.10": ((4, 10), (4, 17)),
    "4.18": ((4, 18), (5, 0)),
    "5.1": ((5, 1), (6, 2)),
    "6.3": ((6, 3), None),
}


def _atomic_named(report: Report) -> bool:
    """The trigger line names GFP_ATOMIC (0x820 from 6.3, 0xa20 before)."""
    names = report.header.gfp_names if report.header is not None else None
    return bool(names) and "GFP_ATOMIC" in re.split(r"[|\s]+", names or "")


def clues_from_report(report: Report, layout: str | None) -> tuple[ContentClue, ...]:
    """Era bounds read from what the report printed (docs/kernel-rules.md §1.4)."""
    clues: list[ContentClue] = []
    if layout in _LAYOUT_ERA:
        low, high = _LAYOUT_ERA[layout]
        if layout == "6.3" and not _atomic_named(report):
            # 2973d8229b78 (v6.3) freed __GFP_ATOMIC's 0x200 alone: every other mask
            # prints alike on 5.1-6.2, so only GFP_ATOMIC's 0x820 tells 6.3 apart
            low = _LAYOUT_ERA["5.1"][0]
        clues.append(ContentClue(f"GFP layout {layout}", low, high))
    elif layout:
        clues.append(ContentClue(f"GFP layout {layout}", None, (4, 3)))
    if report.header is not None and report.header.oom_adj is not None:
        # dump_header() printed "oomkilladj=" (2.6) and "oom_adj=" beside oom_score_adj
        # (2.6.36-3.x); 4.x prints oom_score_adj alone
        clues.append(ContentClue("oom_adj in the trigger line", None, (4, 3)))
    keys = {k for z in report.zones for k, _ in z.fields}
    letters = {ch for z in report.zones if z.buddy for e in z.buddy.entries for ch in e.types}
    if "R" in letters:
        clues.append(ContentClue("R letters in buddy lines", None, (4, 3)))
    counted = [e for z in report.zones if z.buddy for e in z.buddy.entries if e.count]
    if counted and not letters:
        # since 3.8 show_free_areas() prints the migratetype letters of every counted order
        clues.append(ContentClue("buddy lines without letters", None, (3, 7)))
    if "H" in letters:
        clues.append(ContentClue("H letters in buddy lines", (4, 4)))
    if report.nodes:
        clues.append(ContentClue("Node line", (4, 8)))
    if "free_highatomic" in keys:
        clues.append(ContentClue("free_highatomic field", (6, 12)))
    if "boost" in keys:
        clues.append(ContentClue("boost field", (5, 16)))
    if "reserved_highatomic" in keys:
        clues.append(ContentClue("reserved_highatomic field", (5, 5)))
    # 9cd20f3fe045 (v6.8) keeps the reserve out of a zone under 100 pageblocks, but a
    # reserve in a small zone dates nothing: since e13e7922d034 (v6.16) the pageblock may
    # be as small as CONFIG_PAGE_BLOCK_MAX_ORDER sets it, which no report prints
    if "kernel_stack" in keys:
        clues.append(ContentClue("kernel_stack on zone line", None, (5, 8)))
    if "pagetables" in keys:
        clues.append(ContentClue("pagetables on zone line", None, (5, 10)))
    if report.constraint is not None:
        clues.append(ContentClue("oom-kill constraint line", (5, 0)))
    if any(k == "rss_anon" for t in report.tasks[:1] for k, _ in t.columns):
        clues.append(ContentClue("rss_anon task column", (6, 8)))
    return tuple(clues)


def content_before(report: Report, version: Version) -> bool:
    """The report's own content (its GFP mask aside) proves a kernel older than ``version``."""
    highs = [c.high for c in clues_from_report(report, None) if c.high]
    return bool(highs) and min(highs) < version


def _content_era(profile: KernelProfile, clues: tuple[ContentClue, ...]) -> KernelProfile:
    """A release its report's content disagrees with: a vendor tree's backports, or a
    release string edited or pasted onto another report. The catalogued changes between
    the release and what the content bounds may or may not be in the kernel.

    Content a later mainline prints (corpus 018's Android 4.14 prints 5.5's
    ``reserved_highatomic``) leaves the changes up to that release uncertain; content
    an earlier mainline prints leaves the release's changes since then uncertain, and the
    nominal kernel without them. The GFP layout is no witness: it is read with the
    release's help.
    """
    if profile.series is None:
        return profile
    series = profile.series
    witnesses = [c for c in clues if not c.name.startswith("GFP layout")]
    newer = [c for c in witnesses if c.low is not None and c.low > series]
    older = [c for c in witnesses if c.high is not None and c.high < series]
    if newer:
        clue = max(newer, key=lambda c: c.low or series)
        low = clue.low or series
        maybe = frozenset(
            c.feature
            for c in CHANGES
            if series < c.version <= low and c.feature not in profile.features
        )
        if maybe:
            profile = replace(
                profile,
                uncertain=profile.uncertain | maybe,
                clues=(*profile.clues, clue.name),
                label=f"{profile.label}, with {clue.name} ({low[0]}.{low[1]}+)",
            )
    if older:
        clue = min(older, key=lambda c: c.high or series)
        high = clue.high or series
        gone = frozenset(
            c.feature for c in CHANGES if high < c.version and c.feature in profile.features
        )
        if gone:
            profile = replace(
                profile,
                features=profile.features - gone,
                uncertain=profile.uncertain | gone,
                clues=(*profile.clues, clue.name),
                label=f"{profile.label}, with {clue.name} (up to {high[0]}.{high[1]})",
            )
    return profile


def resolve_profile(
    report: Report, kernel: str | None, assume: tuple[str, ...], layout: str | None
) -> tuple[KernelProfile, tuple[str, ...]]:
    """The profile for a report: --kernel, else its release, else its content; then --assume."""
    profile = None
    if kernel:
        profile = profile_for_release(kernel, basis="option")
    if profile is None and report.release:
        build = report.context.build if report.context else None
        profile = profile_for_release(report.release, basis="report", build=build)
        if profile is not None:
            profile = _content_era(profile, clues_from_report(report, layout))
    if profile is None:
        profile = profile_from_clues(clues_from_report(report, layout))
    return apply_assume(profile, assume)
