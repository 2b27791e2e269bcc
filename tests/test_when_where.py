"""When and where, hostile round 38: numeric zones of journalctl short-full (F3), month names
of other locales (F4), boots parted by a banner or journalctl's separator (F5, F6), --year
across New Year (F7), a journal host without its time (F17), offsets past 23:59 (F18).

Every log here is a real corpus report (018.log: "[ 4738.329298] kswapd0: page allocation
failure", 28 lines; 051.log: a 5.10 OOM ending with its oom_reaper line) with each line's
prefix rewritten as the named logger prints it; the message bytes are kept
(tests.test_time_place.messages), so the analysis must equal the original's. Lines no
sample holds (a boot banner, journalctl's separator) are hand-made and said so.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from oomlens.incidents import assign
from oomlens.options import Options
from oomlens.pipeline import analyze_file
from oomlens.read.clock import Clock
from oomlens.read.prefixes import strip_any_prefix, strip_prefix
from oomlens.render.json import report_dict
from tests.corpus import sample
from tests.test_time_place import (
    BOOT_ID,
    alone,
    journal_records,
    messages,
    numbers,
    only,
    stamp,
    when,
)


def rewrite(tmp_path: Path, name: str, prefix) -> Path:
    """018.log with ``prefix(uptime)`` before each message."""
    lines = [prefix(ts).encode() + msg for msg, ts in messages("018")]
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


# --- F3: journalctl -o short-full with glibc's numeric %Z -----------------------------------


@pytest.mark.parametrize(
    "zone, offset",
    [
        ("+03", timedelta(hours=3)),  # Europe/Istanbul
        ("-03", timedelta(hours=-3)),  # America/Sao_Paulo
        ("+0545", timedelta(hours=5, minutes=45)),  # Asia/Kathmandu
    ],
)
def test_short_full_with_a_numeric_zone_is_a_fixed_offset(tmp_path, zone, offset):
    # "Wed 2024-12-04 12:58:58 +03 web-7 kernel: " (journalctl -o short-full, TZ=Europe/Istanbul)
    def prefix(ts: float) -> str:
        t = when(ts).astimezone(timezone(offset))
        return f"{t:%a %Y-%m-%d %H:%M:%S} {zone} web-7 kernel: "

    a, notes = only(rewrite(tmp_path, "short-full.log", prefix))
    d = report_dict(a)
    local = when(4738.329298).astimezone(timezone(offset)).replace(microsecond=0)
    assert (d["time"], d["host"], d["uptime_s"]) == (local.isoformat(), "web-7", None)
    assert d["time"].endswith({"+03": "+03:00", "-03": "-03:00", "+0545": "+05:45"}[zone])
    assert notes == ()
    assert numbers(a) == numbers(alone("018"))


def test_short_full_numeric_zone_prefix_by_every_path():
    line = "Wed 2024-12-04 12:58:58 +03 web-7 kernel: kswapd0: page allocation failure"
    for strip in (strip_prefix, strip_any_prefix):
        body, p = strip(line)
        assert body == "kswapd0: page allocation failure"
        assert (p.clock, p.host) == ("Wed 2024-12-04 12:58:58 +03", "web-7")
    # a zone of letters is what it was; anything else after the time is no short-full prefix
    assert strip_prefix(line.replace("+03", "+3"))[1].host is None


# --- F4: a month is an English name or abbreviation, nothing else -----------------------------


def test_a_finnish_month_is_no_month(tmp_path):
    # dmesg -T under LC_TIME=fi_FI: "[ke marras  4 09:58:58 2024] " (glibc's abmon for
    # November is "marras", whose head "mar" is March's)
    def prefix(ts: float) -> str:
        t = when(ts)
        return f"[ke marras {t.day:2d} {t:%H:%M:%S %Y}] "

    a, notes = only(rewrite(tmp_path, "fi.log", prefix), Options(utc_offset="UTC"))
    assert a.report.time is None
    assert notes == ("dates in a month not understood (first: 'marras') have no time",)
    assert numbers(a) == numbers(alone("018"))


@pytest.mark.parametrize(
    "month, number",
    [
        ("Dec", 12),
        ("dec", 12),
        ("DEC", 12),
        ("December", 12),
        ("december", 12),
        ("Sep", 9),
        ("Sept", 9),
        ("Nov.", 11),
        ("June", 6),
        ("marras", None),  # Finnish November
        ("maalis", None),  # Finnish March
        ("Dez", None),  # German December
        ("janv.", None),  # French January
        ("Decembre", None),
        ("Ju", None),
    ],
)
def test_month_names(month, number):
    c = Clock(year=2024, utc_offset="UTC")
    got = c.time(f"{month}  4 09:40:00", None, True)
    assert (got.month if got is not None else None) == number
    if number is None:
        assert c.assumptions == [f"dates in a month not understood (first: {month!r}) have no time"]


# --- F18: an offset's minutes past 59 are no offset --------------------------------------------


def test_rfc5424_offset_minutes_past_59_give_no_time(tmp_path):
    # RFC 5424 with a printk stamp, its offset "+05:99" (hostile: no real logger prints it)
    def prefix(ts: float) -> str:
        return f"<4>1 2024-12-04T15:28:58+05:99 web-7 kernel - - - {stamp(ts)} "

    a, notes = only(rewrite(tmp_path, "bad-offset.log", prefix))
    d = report_dict(a)
    assert (d["time"], d["host"], d["uptime_s"]) == (None, "web-7", 4738.329298)
    assert notes == ("dates no calendar holds (first: '2024-12-04T15:28:58+05:99') have no time",)
    c = Clock()
    assert c.time("2024-12-04T15:28:58+05:59", None, True).isoformat() == (
        "2024-12-04T15:28:58+05:59"
    )
    assert c.time("2024-12-04T15:28:58+24:00", None, True) is None


# --- F5, F6: reports of two boots are never one incident ---------------------------------------

# No sample holds a boot banner or journalctl's boot separator: these lines are hand-made,
# as 5.8's start_kernel() and journalctl print them; so are the "random: crng init done"
# lines standing for a boot's first messages (300 of them: more than the prefilter's
# look-back, so the boot line is read while no report is open).
BANNER = "Linux version 5.10.110 (builder@buildhost) (gcc (GCC) 10.3.0, GNU ld 2.36.1) #1 SMP"
SEPARATOR = "-- Boot 0123456789abcdef0123456789abcdef --"


def dmesg_051(shift: float, form: str = "[{:12.6f}] ") -> list[bytes]:
    """051.log's report (it ends with its oom_reaper line, then a shell prompt) with its printk stamps moved by ``shift`` seconds, in ``form`` (a
    Mem-Info line printed without a stamp gets its record's, as journalctl shows it)."""
    out, last = [], 0.0
    for msg, ts in messages("051"):
        last = ts if ts is not None else last
        out.append(form.format(last + shift).encode() + msg)
    return out


def boot_lines(form: str = "[{:12.6f}] ") -> list[bytes]:
    """A boot's first 100 s of messages: 300 lines stamped 0.5 s to 99.5 s, so the line
    before the next report's trigger (all the prefilter reads back) is past the first
    report's last stamp (98.079 s), and only the boot line tells the boots apart."""
    return [
        form.format(0.5 + i * 99 / 299).encode() + b"random: crng init done" for i in range(300)
    ]


def incidents_of(path: Path, options: Options | None = None):
    (result,) = assign([analyze_file(str(path), options)])
    return [
        (a.report.first_line, a.report.boot, a.incident, a.report.time) for a in result.analyses
    ]


@pytest.mark.parametrize("far", [False, True], ids=["banner-next", "banner-far"])
def test_a_boot_banner_parts_two_reports_of_a_boot_loop(tmp_path, far):
    # A serial console of a boot loop: 051's report at 98.07 s, the banner, 051's again
    # 2.3 s of uptime later (the next boot ran longer); the stamps never go back.
    first = dmesg_051(0.0)
    middle = [f"[{0.0:12.6f}] {BANNER}".encode(), *(boot_lines() if far else [])]
    path = tmp_path / "serial.log"
    path.write_bytes(b"\n".join(first + middle + dmesg_051(2.3)) + b"\n")
    second = len(first) + len(middle) + 1
    got = incidents_of(path)
    src = str(path)
    assert got == [(1, 0, f"{src}:1", None), (second, 1, f"{src}:{second}", None)]
    # without the banner nothing tells the boots apart: one incident of two reports
    path.write_bytes(b"\n".join(first + dmesg_051(2.3)) + b"\n")
    assert [x[2] for x in incidents_of(path)] == [f"{src}:1", f"{src}:1"]


@pytest.mark.parametrize(
    "separator, far",
    [(SEPARATOR, False), (SEPARATOR, True), ("-- Reboot --", True)],
    ids=["boot-next", "boot-far", "reboot-far"],
)
def test_journalctl_boot_separator_starts_a_boot(tmp_path, separator, far):
    # journalctl -k -o short-monotonic over two boots: "[   98.066887] kernel: " prefixes
    # (051's stamps), the separator between the boots, the second boot's report 2.3 s of
    # uptime later: the stamps never go back, so only the separator tells.
    form = "[{:12.6f}] kernel: "
    first = dmesg_051(0.0, form)
    middle = [separator.encode(), *(boot_lines(form) if far else [])]
    path = tmp_path / "journal.log"
    path.write_bytes(b"\n".join(first + middle + dmesg_051(2.3, form)) + b"\n")
    second = len(first) + len(middle) + 1
    options = Options(boot_time="2025-03-01T10:00:00Z")
    got = incidents_of(path, options)
    src = str(path)
    t0 = datetime(2025, 3, 1, 10, 1, 38, 66887, tzinfo=timezone.utc)
    assert got == [(1, 0, f"{src}:1", t0), (second, 1, f"{src}:{second}", None)]
    _, notes = analyze_notes(path, options)
    assert notes == ("--boot-time is the first boot's: reports of later boots get no time",)


def test_an_unmerged_journal_switches_hosts_without_a_reboot(tmp_path):
    """Round 41 F1: journalctl -D over a journal-remote collector's directory (no --merge)
    prints "-- Boot <id> --" wherever the next record is another journal's: host web1's
    051 report, with host db2's record and two separators (db2's boot, then web1's) in its
    middle, is one report of one boot; a separator naming a new id for web1 is a reboot."""
    form = "[{:12.6f}] web1 kernel: "
    lines = dmesg_051(0.0, form)
    other = [
        b"-- Boot " + b"b" * 32 + b" --",
        b"[   99.000000] db2 kernel: random: crng init done",
        b"-- Boot " + b"a" * 32 + b" --",
    ]
    path = tmp_path / "remote.log"
    path.write_bytes(b"\n".join(lines[:20] + other + lines[20:]) + b"\n")
    result = analyze_file(str(path))
    assert [(a.report.first_line, a.report.boot) for a in result.analyses] == [(1, 0)]
    plain = tmp_path / "plain.log"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    (want,) = analyze_file(str(plain)).analyses
    (got,) = result.analyses
    assert (got.verdict.code, got.report.complete) == (want.verdict.code, want.report.complete)
    # the same with web1's own next boot after it: a new id for web1 is its reboot
    again = [b"-- Boot " + b"c" * 32 + b" --", *dmesg_051(2.3, form)]
    path.write_bytes(b"\n".join(lines[:20] + other + lines[20:] + again) + b"\n")
    got = [(a.report.first_line, a.report.boot) for a in analyze_file(str(path)).analyses]
    assert [b for _, b in got] == [0, 1]


def analyze_notes(path: Path, options: Options):
    result = analyze_file(str(path), options)
    return result.analyses, result.assumptions


# --- F7: --year is the first date's year; the log may cross New Year -------------------------


def test_year_given_rolls_over_new_year(tmp_path):
    # 018's report as rsyslog writes it ("Dec 31 23:59:50 web-7 kernel: [ 4738.329298] "),
    # then again 40 s later on Jan 1, its printk stamps 40 s on
    def syslog(date: str, shift: float) -> list[bytes]:
        return [
            f"{date} web-7 kernel: {stamp(ts + shift)} ".encode() + msg
            for msg, ts in messages("018")
        ]

    first = syslog("Dec 31 23:59:50", 0.0)
    path = tmp_path / "newyear.log"
    path.write_bytes(b"\n".join(first + syslog("Jan  1 00:00:30", 40.0)) + b"\n")
    result = analyze_file(str(path), Options(year=2024, utc_offset="UTC"))
    got = [(report_dict(a)["time"], a.report.first_line) for a in result.analyses]
    assert got == [
        ("2024-12-31T23:59:50+00:00", 1),
        ("2025-01-01T00:00:30+00:00", len(first) + 1),
    ]
    assert result.assumptions == (
        "syslog dates cross New Year after --year 2024: each date takes the year nearest "
        "its host's last date",
    )
    (with_incidents,) = assign([result])
    assert {a.incident for a in with_incidents.analyses} == {f"{path}:1"}  # 40 s apart


def _years(dates: tuple[tuple[str, str], ...]) -> list[str]:
    """The times a --year 2024 clock gives yearless ``(date, host)`` pairs."""
    c = Clock(year=2024, utc_offset="UTC")
    return [c.time(d, None, True, host).isoformat() for d, host in dates]


@pytest.mark.parametrize(
    "dates, want",
    [
        (  # a late December line after January's (a forwarder's queue) keeps its year
            (
                ("Dec 31 23:59:40", "hosta"),
                ("Jan  1 00:00:40", "hosta"),
                ("Dec 31 23:59:45", "hostb"),
            ),
            ["2024-12-31T23:59:40+00:00", "2025-01-01T00:00:40+00:00", "2024-12-31T23:59:45+00:00"],
        ),
        (  # a host without a clock logging "Jan  1" among another host's August moves none
            (("Aug 14 10:00:00", "gw-a"), ("Jan  1 00:00:20", "gw-b"), ("Aug 14 10:30:00", "gw-a")),
            ["2024-08-14T10:00:00+00:00", "2025-01-01T00:00:20+00:00", "2024-08-14T10:30:00+00:00"],
        ),
        (  # a host's next date eight months on is the same year's, never the year before
            (("Jan 10 17:01:21", "hermes"), ("Sep 20 09:30:21", "hermes")),
            ["2024-01-10T17:01:21+00:00", "2024-09-20T09:30:21+00:00"],
        ),
        (  # rotated logs read newest first (round 45 F2): a month back stays in its year
            (("Oct 20 08:00:00", "hermes"), ("Sep 15 08:00:00", "hermes")),
            ["2024-10-20T08:00:00+00:00", "2024-09-15T08:00:00+00:00"],
        ),
    ],
    ids=["late-december", "stray-january", "january-then-september", "newest-first"],
)
def test_year_given_is_not_carried_over_by_another_hosts_date(dates, want):
    """Rounds 41 F2 and 44 F4: each yearless date goes on from its host's last one."""
    assert _years(dates) == want


def test_year_given_keeps_dates_out_of_order_in_their_year():
    # two hosts' lines interleaved across a month's end: a month back by one is no New Year
    c = Clock(year=2024, utc_offset="UTC")
    got = [c.time(d, None, True).isoformat() for d in ("Mar 31 23:59:59", "Apr  1 00:00:01")]
    got.append(c.time("Mar 31 23:59:59", None, True).isoformat())
    assert got == [
        "2024-03-31T23:59:59+00:00",
        "2024-04-01T00:00:01+00:00",
        "2024-03-31T23:59:59+00:00",
    ]
    assert c.assumptions == []


# --- F17: a journal record's host without its time ---------------------------------------------


def test_journal_host_kept_without_realtime(tmp_path):
    # 018's lines as journald stores them (tests.test_time_place.journal_records), with
    # __REALTIME_TIMESTAMP taken out of every record (hostile: journald always writes it)
    records = journal_records("018", True)
    for rec in records:
        del rec["__REALTIME_TIMESTAMP"]
    path = tmp_path / "kernel.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    a, notes = only(path)
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"], d["boot_id"]) == (
        None,
        4738.329298,
        "web-7",
        BOOT_ID,
    )
    assert numbers(a) == numbers(alone("018"))


def test_journal_host_with_a_control_character_is_said(tmp_path):
    # the same records with _HOSTNAME "web\u202e7" (an RTL override; hostile)
    records = journal_records("018", True)
    for rec in records:
        rec["_HOSTNAME"] = "web\u202e7"
    path = tmp_path / "kernel.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = analyze_file(str(path))
    (a,) = result.analyses
    assert a.report.host is None
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (1, "journal _HOSTNAME 'web\\u202e7' holds a blank or control character; left out")
    ]


# --- F12: within one host and boot the kernel's clock decides ----------------------------


def test_both_clocks_must_say_two_reports_are_close(tmp_path):
    """051's report twice behind syslog prefixes 30 s apart, its printk stamps 5000 s apart
    (a clock stepped back, or journald stamping a backlog it read after a restart): the
    kernel's own clock of the same boot says they are far apart, so two incidents."""
    first = dmesg_051(0.0, "Dec  4 09:40:00 web1 kernel: [{:12.6f}] ")
    second = dmesg_051(5000.0, "Dec  4 09:40:30 web1 kernel: [{:12.6f}] ")
    path = tmp_path / "stepped.log"
    path.write_bytes(b"\n".join(first + second) + b"\n")
    got = incidents_of(path, Options(year=2024))
    assert [g[1] for g in got] == [0, 0]  # one boot: the stamps never go back
    assert got[0][2] != got[1][2]
    # stamps 20 s apart (wall clock 30 s): one incident
    near = dmesg_051(20.0, "Dec  4 09:40:30 web1 kernel: [{:12.6f}] ")
    path.write_bytes(b"\n".join(first + near) + b"\n")
    got = incidents_of(path, Options(year=2024))
    assert got[0][2] == got[1][2]
    # stamps 20 s apart but the wall clock 18 h on (round 41 F3: a reboot whose banner the
    # log lost): both clocks must agree, so two incidents
    later = dmesg_051(20.0, "Dec  5 03:40:30 web1 kernel: [{:12.6f}] ")
    path.write_bytes(b"\n".join(first + later) + b"\n")
    got = incidents_of(path, Options(year=2024))
    assert got[0][2] != got[1][2]
    # stamps 10 s apart, syslog's 131 s (round 44 F6: rsyslog stalled by the OOM stamps
    # the backlog late): within a logger's lag, the kernel's clock decides: one incident
    lagged = dmesg_051(10.0, "Dec  4 09:42:11 web1 kernel: [{:12.6f}] ")
    path.write_bytes(b"\n".join(first + lagged) + b"\n")
    got = incidents_of(path, Options(year=2024))
    assert got[0][2] == got[1][2]


# --- F15: a redacted host is no host -------------------------------------------------------


def test_redacted_hosts_name_no_machine():
    """corpus 004 ("Feb 03 19:57:08 ** kernel:") and 003 ("... kernel:") had their hosts
    redacted before they were posted: no host, not a host named "**" or "..."."""
    for name in ("003", "004"):
        (a,) = analyze_file(str(sample(name))).analyses[:1]
        assert a.report.host is None, name
