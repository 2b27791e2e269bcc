"""Incidents: a storm of identical reports is one incident, grouped by host, boot, time and request."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from typer.testing import CliRunner

from oomlens.cli import app
from oomlens.incidents import Tracker, assign, groups, sighting
from oomlens.pipeline import FileResult, analyze_file
from oomlens.render import render
from tests.corpus import sample

STORM = str(sample("020"))  # 2.6.9: 24 GFP_ATOMIC order-3 failures, 06:02:04 to 06:04:08
runner = CliRunner()


def _storm() -> FileResult:
    return analyze_file(STORM)


def _untimed(result: FileResult) -> FileResult:
    """The storm as a log without time or host would give it (its own syslog stamps read
    away): grouping then goes by order alone."""
    out = [replace(a, report=replace(a.report, time=None, host=None)) for a in result.analyses]
    return replace(result, analyses=tuple(out))


def _with_syslog_times(result: FileResult) -> FileResult:
    """Attach to each report the wall clock its own syslog line prints ("Nov 26 06:02:04").

    The read stage does not fill Report.time yet; the test reads the stamps itself and
    assumes the year 2004 (the post's date) and UTC.
    """
    lines = open(result.path, encoding="utf-8").read().splitlines()
    out = []
    for a in result.analyses:
        stamp = re.match(r"(\w{3} +\d+ [\d:]{8})", lines[a.report.first_line - 1]).group(1)
        when = datetime.strptime(f"2004 {stamp}", "%Y %b %d %H:%M:%S").replace(tzinfo=timezone.utc)
        out.append(replace(a, report=replace(a.report, time=when)))
    return replace(result, analyses=tuple(out))


def test_storm_file_is_one_incident_of_24():
    # its syslog stamps have a 76 s gap (06:02:17 → 06:03:33), but line 27 says
    # "printk: 11 messages suppressed." just before the next failure: the storm went on
    # while the ratelimit dropped its lines, so the gap may be up to twice the window
    (result,) = assign([_storm()])
    assert len(result.analyses) == 24
    assert {a.incident for a in result.analyses} == {f"{STORM}:2"}
    (group,) = groups(result.analyses)
    assert len(group.analyses) == 24
    assert (group.first.report.first_line, group.last.report.first_line) == (2, 88)
    # lines 22 and 27: "printk: 32 messages suppressed." and "printk: 11 messages suppressed."
    assert [
        (a.report.first_line, a.report.suppressed_before)
        for a in result.analyses
        if a.report.suppressed_before
    ] == [(23, 32), (28, 11)]
    assert group.suppressed == 43


def test_ratelimit_bridge_is_bounded_by_twice_the_window():
    """At 37 s the bridge reaches 74 s: the 76 s gap splits the storm in two of 12 (the
    35 s gap 06:03:33 → 06:04:08 has no notice and fits the window)."""
    (at37,) = assign([_storm()], window=37)
    assert [g.analyses[0].report.first_line for g in groups(at37.analyses)] == [2, 28]
    assert [len(g.analyses) for g in groups(at37.analyses)] == [12, 12]
    (at38,) = assign([_storm()], window=38)
    assert len(list(groups(at38.analyses))) == 1


def test_storm_text_and_markdown_show_one_block_with_its_count():
    results = assign([_untimed(_storm())])
    text = render(results, "text")
    assert text.startswith("24 reports in 1 incident: 24 undetermined\n")
    assert text.count("[undetermined]") == 1
    assert (
        f"incident: ×24, {STORM}:2..{STORM}:88; 43 messages between them dropped by the"
        " kernel's ratelimit\n" in text
    )
    every = render(results, "text", each=True)
    assert every.count("[undetermined]") == 24
    assert "incident: ×" not in every
    md = render(results, "markdown")
    assert md.count("### `undetermined`") == 1
    assert "**24 reports in 1 incident:**" in md
    assert "**Incident:** ×24," in md
    assert render(results, "markdown", each=True).count("### `undetermined`") == 24
    assert render(results, "html").count("<section") == 1
    assert render(results, "html", each=True).count("<section") == 24


def test_json_keeps_every_report_with_its_incident_id():
    result = runner.invoke(
        app, ["analyze", STORM, str(sample("035")), "--format", "json", "--incident-window", "90"]
    )
    assert result.exit_code == 0
    reports = json.loads(result.stdout)["reports"]
    assert len(reports) == 25
    assert [r["incident"] for r in reports] == [f"{STORM}:2"] * 24 + [reports[24]["id"]]


def test_storm_with_its_syslog_times_in_2004_spans_124_seconds():
    """The stamps read with the post's year: 06:02:04..06:04:08, one incident at 60 s (the
    76 s gap bridged by the ratelimit notice), two of 12 at 30 s."""
    timed = _with_syslog_times(_storm())
    (at60,) = assign([timed])
    assert {a.incident for a in at60.analyses} == {f"{STORM}:2"}
    assert [g.span_s for g in groups(at60.analyses)] == [124.0]
    text = render([at60], "text")
    assert "incident: ×24, 2004-11-26T06:02:04+00:00..2004-11-26T06:04:08+00:00 (124 s;" in text
    (at30,) = assign([timed], window=30)
    assert [g.span_s for g in groups(at30.analyses)] == [13.0, 0.0, 0.0]  # :33 → 04:08 is 35 s


def test_window_zero_groups_nothing_without_times():
    (result,) = assign([_untimed(_storm())], window=0)
    assert len({a.incident for a in result.analyses}) == 24
    # with its stamps, reports of the same second are 0 s apart: 06:02:04, :08, :17,
    # 06:03:33 and 06:04:08
    (timed,) = assign([_storm()], window=0)
    assert len({a.incident for a in timed.analyses}) == 5


def test_host_boot_and_uptime_keep_incidents_apart():
    """The storm's reports given hosts, boots and uptimes by the test (no real log of ours
    has them yet): a different host, a boot, or an uptime that goes back splits them."""
    storm = _untimed(_storm())
    first, second, third = storm.analyses[:3]

    def with_(a, **kw):
        return replace(a, report=replace(a.report, **kw))

    def ids(*analyses, window=60.0, paths=None):
        t = Tracker(window)
        out = []
        for n, a in enumerate(analyses):
            out.append(t.add(sighting(a, f"r{n}", (paths or ["f"] * 9)[n], n))[0])
        return out

    on = {"host": "backup-in", "boot_id": "b1"}
    assert ids(with_(first, **on, uptime_s=10.0), with_(second, **on, uptime_s=20.0)) == ["r0"] * 2
    # an uptime going backwards is a reboot
    assert ids(with_(first, **on, uptime_s=10.0), with_(second, **on, uptime_s=5.0)) == ["r0", "r1"]
    # beyond the window
    assert ids(with_(first, uptime_s=10.0), with_(second, uptime_s=71.0)) == ["r0", "r1"]
    # another host
    other = {"host": "backup-out", "boot_id": "b1"}
    assert ids(with_(first, **on), with_(second, **other), with_(third, **on)) == ["r0", "r1", "r2"]
    # known host and boot join across files (by time); unknown boot does not
    t0 = datetime(2024, 12, 4, 9, 40, tzinfo=timezone.utc)
    a = with_(first, **on, time=t0)
    b = with_(second, **on, time=t0 + timedelta(seconds=30))
    assert ids(a, b, paths=["f1", "f2"]) == ["r0", "r0"]
    a, b = with_(a, boot_id=None), with_(b, boot_id=None)
    assert ids(a, b, paths=["f1", "f2"]) == ["r0", "r1"]


def test_reports_without_a_request_are_incidents_of_their_own():
    """028.log: two excerpts in a row that print neither mask nor order."""
    (result,) = assign([analyze_file(str(sample("028")))])
    blind = [a for a in result.analyses if a.gfp_mask is None and a.order is None]
    assert len(blind) >= 2
    assert len({a.incident for a in blind}) == len(blind)
    assert all(a.incident == a.report.id for a in blind)


def test_cli_incident_window_and_each():
    out = runner.invoke(app, ["analyze", STORM, "--incident-window", "0"])
    assert out.exit_code == 0
    # streamed: the count line comes last; same-second reports are 0 s apart
    assert out.stdout.endswith("\n24 reports in 5 incidents: 24 undetermined\n")
    out = runner.invoke(app, ["analyze", STORM, "--each"])
    assert out.stdout.count("[undetermined]") == 24
    bad = runner.invoke(app, ["analyze", STORM, "--incident-window", "-1"])
    assert bad.exit_code == 2
