"""A yes/no over everything a report allows: its value at the nominal point, and whether it is sure.

A report prints some quantities exactly and bounds others (free pages between
``free:`` and the buddy total, the highatomic counters, chunks of several
migratetypes at one order). Every check is evaluated at the worst and the best
end of those bounds and at the nominal point (the printed values, the most
plausible split of the rest). The check is *sure* when both ends agree; the
judge combines checks with Kleene's three-valued logic, so a verdict built only
from sure checks holds for every value the report allows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tri:
    """A check's outcome: ``value`` at the nominal point; ``sure`` when every point agrees."""

    value: bool
    sure: bool = True

    @staticmethod
    def of(worst: bool, best: bool, nominal: bool) -> Tri:
        """From the two ends of a monotone check and its nominal value."""
        if worst == best:
            return _TRI[worst, True]
        return _TRI[nominal, False]

    @staticmethod
    def unknown(nominal: bool) -> Tri:
        """A check the report cannot settle at any point."""
        return _TRI[nominal, False]

    def __and__(self, other: Tri) -> Tri:
        value = self.value and other.value
        sure = (self.sure and other.sure) or (self.sure and not self.value)
        sure = sure or (other.sure and not other.value)
        return _TRI[value, sure]

    def __or__(self, other: Tri) -> Tri:
        value = self.value or other.value
        sure = (self.sure and other.sure) or (self.sure and self.value)
        sure = sure or (other.sure and other.value)
        return _TRI[value, sure]

    def __invert__(self) -> Tri:
        return _TRI[not self.value, self.sure]

    @property
    def result(self) -> str:
        """'pass' | 'fail' when sure, 'depends' otherwise."""
        if not self.sure:
            return "depends"
        return "pass" if self.value else "fail"

    @property
    def surely(self) -> bool:
        """True only when the check holds at every point."""
        return self.sure and self.value

    @property
    def surely_not(self) -> bool:
        """True only when the check fails at every point."""
        return self.sure and not self.value


YES = Tri(True)
NO = Tri(False)
# The four Tris, made once: the operations above hand these out rather than build new ones.
_TRI = {(v, s): Tri(v, s) for v in (False, True) for s in (False, True)}


def any_of(items: list[Tri] | tuple[Tri, ...]) -> Tri:
    """Kleene OR over ``items`` (NO when empty)."""
    out = NO
    for t in items:
        out = out | t
    return out


def all_of(items: list[Tri] | tuple[Tri, ...]) -> Tri:
    """Kleene AND over ``items`` (YES when empty)."""
    out = YES
    for t in items:
        out = out & t
    return out
