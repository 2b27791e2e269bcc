"""Upstream fixes that bear on highatomic failures, each as features to switch on for a replay."""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import Change, Feature, KernelProfile, change


@dataclass(frozen=True)
class Fix:
    """An upstream change that bears on this failure."""

    title: str
    commit: str
    release: str
    stable: tuple[str, ...] = ()
    would_avoid: bool = False


@dataclass(frozen=True)
class FixSpec:
    """One fix: its feature and the features it needs to act as it did upstream."""

    feature: Feature
    needs: tuple[Feature, ...] = ()

    def record(self, would_avoid: bool) -> Fix:
        """The Verdict's Fix for this entry. One that would have avoided the failure lists
        only the stable releases whose series carry what it needs too: the avoidance was
        worked out with them (281dd25c1a01 in 5.15.171 reaches no request 5.15's pcp
        lists keep from rmqueue_buddy, which 6.0 opened)."""
        f = change(self.feature)
        stable = f.stable
        if would_avoid:
            stable = tuple(r for r in stable if all(_carries(r, change(n)) for n in self.needs))
        return Fix(f.title, f.commit, f.release, stable, would_avoid)


def _carries(stable: str, need: Change) -> bool:
    """Whether a stable release (``"5.15.171"``, ``"4.9.y"``) holds ``need``: its series is
    the mainline release of it or later, or ``need`` went to that series by then."""
    series = tuple(int(x) for x in stable.split(".")[:2])
    if series >= need.version[:2]:
        return True
    for r in need.stable:
        if tuple(int(x) for x in r.split(".")[:2]) == series:
            mine, theirs = stable.split(".")[2:3], r.split(".")[2:3]
            if not mine or not theirs or not mine[0].isdigit() or not theirs[0].isdigit():
                return True  # "4.9.y": the series carries it, patch level unknown
            return int(mine[0]) >= int(theirs[0])
    return False


CATALOGUE: tuple[FixSpec, ...] = (
    FixSpec(Feature.NO_DOUBLE_DECREASE),
    FixSpec(Feature.UNRESERVE_BEFORE_OOM, (Feature.UNRESERVE_RELIABLE, Feature.NO_DOUBLE_DECREASE)),
    FixSpec(Feature.UNRESERVE_RELIABLE, (Feature.UNRESERVE_BEFORE_OOM,)),
    FixSpec(Feature.FAST_HIGHATOMIC),
    FixSpec(Feature.FAST_NEGATIVE_FIX, (Feature.FAST_HIGHATOMIC,)),
    FixSpec(
        Feature.UNRESERVE_AT_GIVEUP,
        (Feature.UNRESERVE_BEFORE_OOM, Feature.UNRESERVE_RELIABLE, Feature.NO_DOUBLE_DECREASE),
    ),
    FixSpec(Feature.CAP_ALIGNED, (Feature.CAP_MIN_ZONE,)),
    FixSpec(Feature.ORDER0_ATOMIC_HIGHATOMIC, (Feature.ALLOC_RESERVES, Feature.PCP_MISS_TO_BUDDY)),
    FixSpec(Feature.FREE_HIGHATOMIC, (Feature.FAST_HIGHATOMIC, Feature.FAST_NEGATIVE_FIX)),
)


def missing_fixes(profile: KernelProfile) -> tuple[FixSpec, ...]:
    """Catalogue entries the profile's kernel lacks (only for kernels with the reserve)."""
    if not profile.has(Feature.HIGHATOMIC):
        return ()
    return tuple(s for s in CATALOGUE if not profile.has(s.feature))


# Fixed profiles made once per profile and fix (reports of one kernel ask the same ones).
_FIXED: dict[tuple[KernelProfile, FixSpec], KernelProfile] = {}


def with_fix(profile: KernelProfile, spec: FixSpec) -> KernelProfile:
    """The profile with the fix (and what it needs) applied."""
    key = (profile, spec)
    out = _FIXED.get(key)
    if out is None:
        if len(_FIXED) >= 4096:
            _FIXED.clear()
        out = _FIXED[key] = profile.with_features((spec.feature, *spec.needs))
    return out
