"""Incidents: reports of one host and boot, close in time, with the same request and verdict.

Reports join an incident when they share host, boot, kind, gfp mask, order and
verdict code, and each follows the incident's latest report within the window
(default 60 s): a storm that keeps going stays one incident. "Close" is read
from what the log gives, in this order:

- both carry ``uptime_s`` (same boot): the seconds between them, by the kernel's own
  clock; an uptime that goes backwards is a reboot, never the same incident;
- both reports carry wall-clock ``time``: the seconds between them. Where both clocks
  are known uptime decides (a logger stamps a backlog it read late "now": journald
  after a restart, rsyslog stalled by the OOM), unless the wall clock puts them further
  apart than uptime by more than a logger's lag (10 minutes): a reboot whose lines
  the log lost, or a suspend;
- neither: the gap cannot be measured, so only reports that follow each other
  directly in one file (no other report between them) are grouped, and none
  when the window is 0.

A ratelimit notice just before a report ("printk: 11 messages suppressed",
"warn_alloc: 5 callbacks suppressed") says the kernel dropped messages since
the last one it printed: the storm went on where the log is silent, so that
report may follow its incident's latest by up to twice the window. The notice
does not say when the dropped messages were printed (ratelimit drops those of
the interval after a burst), so the bridge is bounded, never open-ended.

An unknown host or boot is only known to equal itself within one file, so such
reports group only with reports of the same file and the same boot there: the
segmenter counts a host's boots in a file by its ``Linux version`` banner, its
printk clock going back, and journalctl's ``-- Boot <id> --`` line. A report that printed neither
mask nor order has no request to compare and is an incident of its own. An incident's id is the id of
its first report, so it is known as soon as that report is read.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from oomlens.pipeline import Analysis, FileResult

DEFAULT_WINDOW = 60.0
# How late a logger may stamp kernel lines it read late (rsyslog's imklog or journald
# stalled by the OOM it logs), in seconds past what the kernel's own clock says.
LOGGER_LAG = 600.0


@dataclass(frozen=True)
class Sighting:
    """What grouping needs to know of one report."""

    report_id: str
    path: str  # the input it came from
    index: int  # its position among that input's reports
    host: str | None
    boot_id: str | None
    kind: str | None
    gfp_mask: int | None
    order: int | None
    verdict: str | None
    time: datetime | None
    uptime_s: float | None
    suppressed_before: int = 0  # messages the kernel's ratelimit dropped just before it
    boot: int = 0  # which boot of its host in its input (Report.boot), when no boot id says

    @property
    def key(self) -> tuple[Hashable, ...]:
        """Reports with equal keys may be one incident."""
        host = self.host if self.host is not None else ("file", self.path)
        boot = self.boot_id if self.boot_id is not None else ("file", self.path, self.boot)
        return (host, boot, self.kind, self.gfp_mask, self.order, self.verdict)

    @property
    def file_scoped(self) -> bool:
        """True when the key includes the file: no report of another file can join."""
        return self.host is None or self.boot_id is None


def sighting(analysis: Analysis, report_id: str, path: str, index: int) -> Sighting:
    """The grouping facts of one analysed report."""
    report = analysis.report
    return Sighting(
        report_id=report_id,
        path=path,
        index=index,
        host=report.host,
        boot_id=report.boot_id,
        kind=report.kind,
        gfp_mask=analysis.gfp_mask,
        order=analysis.order,
        verdict=analysis.verdict.code if analysis.verdict else None,
        time=report.time,
        uptime_s=report.uptime_s,
        suppressed_before=report.suppressed_before,
        boot=report.boot,
    )


@dataclass
class Incident:
    """One incident as it grows: its first and latest report and how many it holds."""

    first: Sighting
    last: Sighting
    reports: int = 1

    @property
    def id(self) -> str:
        """The id of its first report."""
        return self.first.report_id

    @property
    def span_s(self) -> float | None:
        """Seconds from the first report to the last, by uptime or wall clock, else None."""
        return gap(self.first, self.last)


class _Stamped(Protocol):
    @property
    def time(self) -> datetime | None: ...

    @property
    def uptime_s(self) -> float | None: ...


def gap(a: _Stamped, b: _Stamped) -> float | None:
    """Seconds from ``a`` to ``b`` (same host and boot): by uptime, else by wall clock
    (never negative), else None."""
    if a.uptime_s is not None and b.uptime_s is not None:
        return b.uptime_s - a.uptime_s
    if a.time is not None and b.time is not None:
        return abs((b.time - a.time).total_seconds())
    return None


def close(last: Sighting, new: Sighting, window: float) -> bool:
    """Does ``new`` follow ``last`` closely enough to be the same incident? Where both
    clocks are known both must say so: uptime close but the wall clock hours apart is a
    reboot no line showed; the wall clock close but uptime far is a journal's late stamp."""
    reach = 2 * window if new.suppressed_before else window  # a ratelimited storm
    wall = None
    if last.time is not None and new.time is not None:
        wall = abs((new.time - last.time).total_seconds())
    if last.uptime_s is not None and new.uptime_s is not None:
        up = new.uptime_s - last.uptime_s
        # the kernel's clock decides; a wall clock further apart than a stalled logger's
        # lag explains is a reboot or a suspend the log does not show
        return 0 <= up <= reach and (wall is None or wall <= up + LOGGER_LAG)
    if wall is not None:
        return wall <= reach
    return window > 0 and new.path == last.path and new.index == last.index + 1


class Tracker:
    """Groups sightings given in input order; memory is one open incident per key."""

    def __init__(self, window: float = DEFAULT_WINDOW) -> None:
        if not window >= 0:
            raise ValueError(f"incident window must be 0 or more seconds, not {window}")
        self.window = window
        self._open: dict[tuple[Hashable, ...], Incident] = {}

    def add(self, s: Sighting) -> tuple[str, list[Incident]]:
        """The incident id of ``s``, and the incidents this closed (the key's previous one)."""
        if s.gfp_mask is None and s.order is None:
            return s.report_id, [Incident(s, s)]  # no request to compare: alone, closed
        key = s.key
        current = self._open.get(key)
        if current is not None and close(current.last, s, self.window):
            current.last = s
            current.reports += 1
            return current.id, []
        self._open[key] = Incident(s, s)
        return s.report_id, [current] if current is not None else []

    def end_file(self, path: str) -> list[Incident]:
        """Close the incidents no later file can join (unknown host or boot in ``path``)."""
        done = [i for i in self._open.values() if i.first.file_scoped and i.first.path == path]
        for incident in done:
            del self._open[incident.first.key]
        return done

    def finish(self) -> list[Incident]:
        """Close every incident still open."""
        done = list(self._open.values())
        self._open.clear()
        return done


def assign(results: Sequence[FileResult], window: float = DEFAULT_WINDOW) -> list[FileResult]:
    """``results`` with every analysis given its incident id (``Analysis.incident``)."""
    tracker = Tracker(window)
    out = []
    for result in results:
        analyses = []
        for index, analysis in enumerate(result.analyses):
            s = sighting(analysis, analysis.report.id, result.path, index)
            incident, _ = tracker.add(s)
            analyses.append(replace(analysis, incident=incident))
        tracker.end_file(result.path)
        out.append(replace(result, analyses=tuple(analyses)))
    return out


@dataclass(frozen=True)
class Group:
    """The reports of one incident, in input order, for a renderer."""

    analyses: tuple[Analysis, ...]
    dropped: int | None = None  # given when ``analyses`` stands for more reports than it holds

    @property
    def first(self) -> Analysis:
        return self.analyses[0]

    @property
    def last(self) -> Analysis:
        return self.analyses[-1]

    @property
    def suppressed(self) -> int:
        """Messages the kernel's ratelimit dropped between this incident's reports."""
        if self.dropped is not None:
            return self.dropped
        return sum(a.report.suppressed_before for a in self.analyses[1:])

    @property
    def span_s(self) -> float | None:
        """Seconds from the first report to the last, by uptime or wall clock, else None."""
        return gap(self.first.report, self.last.report)


def groups(analyses: Sequence[Analysis], each: bool = False) -> Iterator[Group]:
    """One group per incident in order of its first report (one per report if ``each``
    or when incidents were not assigned)."""
    if each:
        yield from (Group((a,)) for a in analyses)
        return
    members: dict[object, list[Analysis]] = {}
    for n, a in enumerate(analyses):
        members.setdefault(a.incident if a.incident is not None else n, []).append(a)
    yield from (Group(tuple(m)) for m in members.values())
