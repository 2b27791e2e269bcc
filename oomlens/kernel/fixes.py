"""Upstream fixes that bear on highatomic failures, each as features to switch on for a replay."""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.kernel.profile import KernelProfile, feature


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

    feature: str
    needs: tuple[str, ...] = ()

    def record(self, would_avoid: bool) -> Fix:
        """The Verdict's Fix for this entry."""
        f = feature(self.feature)
        return Fix(f.title, f.commit, f.release, f.stable, would_avoid)


CATALOGUE: tuple[FixSpec, ...] = (
    FixSpec("no-steal-highatomic"),
    FixSpec("no-double-decrease"),
    FixSpec("unreserve-before-oom", ("unreserve-reliable", "no-double-decrease")),
    FixSpec("unreserve-reliable", ("unreserve-before-oom",)),
    FixSpec("fast-highatomic"),
    FixSpec("fast-negative-fix", ("fast-highatomic",)),
    FixSpec(
        "unreserve-at-giveup", ("unreserve-before-oom", "unreserve-reliable", "no-double-decrease")
    ),
    FixSpec("cap-aligned", ("cap-min-zone",)),
    FixSpec("order0-atomic-highatomic", ("alloc-reserves", "pcp-miss-to-buddy")),
    FixSpec("free-highatomic", ("fast-highatomic", "fast-negative-fix")),
)


def missing_fixes(profile: KernelProfile) -> tuple[FixSpec, ...]:
    """Catalogue entries the profile's kernel lacks (only for kernels with the reserve)."""
    if not profile.has("highatomic"):
        return ()
    return tuple(s for s in CATALOGUE if not profile.has(s.feature))


def with_fix(profile: KernelProfile, spec: FixSpec) -> KernelProfile:
    """The profile with the fix (and what it needs) applied."""
    return profile.with_features((spec.feature, *spec.needs))
