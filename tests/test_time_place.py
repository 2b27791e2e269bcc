"""When and where: each report's time, uptime, host and boot, read from the log's prefixes,
and reports of two hosts or two boots never mixed.

The re-prefixed logs below are written by the tests from real corpus reports: every
message keeps its bytes exactly (only the prefix before it is replaced by the one that
syslog, RFC 5424, rsyslog, journald or ``dmesg -T`` would have written), so the report's
text stays unedited and its analysis must equal that of the original file.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from oomlens.options import Options
from oomlens.pipeline import Analysis, analyze_file
from oomlens.read.clock import Clock, parse_boot_time, parse_utc_offset
from oomlens.read.logline import decode_line
from oomlens.read.prefixes import strip_prefix
from oomlens.render.json import report_dict
from tests.corpus import sample

# 018.log: "[ 4738.329298] kswapd0: page allocation failure", 28 lines, every one stamped;
# 051.log: a 5.10 ARM board, "[   98.066887] kprobelabs invoked oom-killer" (ends with its
# oom_reaper line); 023.log: "[  244.333067] test_maps invoked oom-killer".
BOOT = datetime(2024, 12, 4, 8, 40, 0, tzinfo=timezone.utc)  # when the test machine booted
BOOT_ID = "6a9e47a2f0b34f6e8a1d5c3b2e1f0a9d"
BOOT_ID_2 = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
MACHINE_ID = "3c1b1e4f5a6d7e8f9a0b1c2d3e4f5a6b"


def messages(name: str) -> list[tuple[bytes, float | None]]:
    """Each physical line of a corpus file with its prefix cut off (message bytes kept
    exactly), and the printk stamp that prefix held."""
    out = []
    for i, raw in enumerate(sample(name).read_bytes().split(b"\n")[:-1], 1):
        line = decode_line(raw, i, name)[0]  # 018 holds records of several "\x0a" lines
        out.append((raw[len(line.prefix.encode()) :], line.timestamp))
    return out


def numbers(analysis: Analysis) -> dict:
    """What the report says and what was made of it: everything but where it sits and when."""
    d = report_dict(analysis)
    for key in ("id", "source", "time", "uptime_s", "host", "boot_id", "diagnostics"):
        d.pop(key)
    d["lines"] = analysis.report.lines
    return d


def alone(name: str) -> Analysis:
    (analysis,) = analyze_file(str(sample(name))).analyses
    return analysis


def only(path: Path, options: Options | None = None) -> tuple[Analysis, tuple[str, ...]]:
    result = analyze_file(str(path), options)
    (analysis,) = result.analyses
    return analysis, result.assumptions


def stamp(ts: float) -> str:
    return f"[{ts:12.6f}]"


def when(ts: float) -> datetime:
    return BOOT + timedelta(seconds=ts)


# --- printk, /dev/kmsg, --boot-time -----------------------------------------------------------


def test_printk_stamp_is_uptime_and_nothing_else():
    a = alone("051")
    assert (a.report.time, a.report.uptime_s, a.report.host, a.report.boot_id) == (
        None,
        98.066887,
        None,
        None,
    )


def test_kmsg_record_usec_is_uptime():
    # 037.log: raw /dev/kmsg records "6,30574068,3816544225428,-;"
    (a,) = analyze_file(str(sample("037"))).analyses
    assert a.report.uptime_s == 3816544.225424
    assert a.report.time is None


def test_boot_time_turns_uptime_into_wall_clock():
    a, notes = only(sample("051"), Options(boot_time="2024-12-04T09:40:00+01:00"))
    assert report_dict(a)["time"] == "2024-12-04T09:41:38.066887+01:00"
    assert notes == ()
    # "$(uptime -s)" prints local time without an offset
    a, notes = only(sample("051"), Options(boot_time="2024-12-04 09:40:00"))
    assert report_dict(a)["time"] == "2024-12-04T09:41:38.066887+00:00"
    assert notes == ("--boot-time has no UTC offset: UTC assumed (--utc-offset sets it)",)


# --- syslog (RFC 3164), RFC 5424, rsyslog ISO ---------------------------------------------------


def write_syslog(tmp_path: Path, name: str, host: str) -> Path:
    """``Dec  4 09:58:58 web-7 kernel: [ 4738.329298] ...`` as rsyslog's imklog writes it."""
    lines = []
    for msg, ts in messages(name):
        t = when(ts)
        lines.append(f"{t:%b} {t.day:2d} {t:%H:%M:%S} {host} kernel: {stamp(ts)} ".encode() + msg)
    path = tmp_path / f"{name}-syslog.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_syslog_with_year_given(tmp_path):
    a, notes = only(write_syslog(tmp_path, "018", "web-7"), Options(year=2024))
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"], d["boot_id"]) == (
        "2024-12-04T09:58:58+00:00",
        4738.329298,
        "web-7",
        None,
    )
    assert notes == ("syslog times carry no UTC offset: UTC assumed (--utc-offset sets it)",)
    assert numbers(a) == numbers(alone("018"))


def test_syslog_year_from_mtime_rolls_back_over_new_year(tmp_path):
    path = write_syslog(tmp_path, "018", "web-7")
    jan3 = datetime(2025, 1, 3, 12, 0, tzinfo=timezone.utc).timestamp()
    os.utime(path, (jan3, jan3))
    a, notes = only(path, Options(utc_offset="+01:00"))
    assert report_dict(a)["time"] == "2024-12-04T09:58:58+01:00"
    assert notes == (
        "syslog dates carry no year: 2024 assumed (from the file's modification time, "
        "2025-01-03); --year sets it",
    )


def test_syslog_year_and_offset_both_assumed(tmp_path):
    path = write_syslog(tmp_path, "018", "web-7")
    dec9 = datetime(2024, 12, 9, tzinfo=timezone.utc).timestamp()
    os.utime(path, (dec9, dec9))
    a, notes = only(path)
    assert report_dict(a)["time"] == "2024-12-04T09:58:58+00:00"
    assert notes == (
        "syslog dates carry no year and no UTC offset: 2024 (from the file's modification "
        "time, 2024-12-09) and UTC assumed; --year and --utc-offset set them",
    )


@pytest.mark.parametrize(
    "prefix, options, host",
    [
        # BusyBox syslogd (routers, OpenWrt's /var/log/messages): "kern.warn" after the host
        ("{:%b %e %H:%M:%S} ap-3 kern.warn kernel: ", Options(year=2024), "ap-3"),
        # OpenWrt's logread: a full date with its year, no host
        ("{:%a %b %e %H:%M:%S %Y} kern.warn kernel: ", None, None),
    ],
    ids=["busybox-syslogd", "openwrt-logread"],
)
def test_facility_level_before_the_tag(tmp_path, prefix, options, host):
    lines = [
        (prefix.format(when(ts)) + f"{stamp(ts)} ").encode() + msg for msg, ts in messages("018")
    ]
    path = tmp_path / "facility.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    a, _ = only(path, options)
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"]) == ("2024-12-04T09:58:58+00:00", 4738.329298, host)
    assert numbers(a) == numbers(alone("018"))


def test_rfc5424(tmp_path):
    lines = [
        f"<4>1 {when(ts).isoformat()} web-7 kernel - - - ".encode() + msg
        for msg, ts in messages("018")
    ]
    path = tmp_path / "rfc5424.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    a, notes = only(path)
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"], d["boot_id"]) == (
        "2024-12-04T09:58:58.329298+00:00",
        None,
        "web-7",
        None,
    )
    assert notes == ()
    assert numbers(a) == numbers(alone("018"))


def test_rsyslog_iso_with_offset(tmp_path):
    cet = timezone(timedelta(hours=1))
    lines = [
        f"{when(ts).astimezone(cet).isoformat()} web-7 kernel: {stamp(ts)} ".encode() + msg
        for msg, ts in messages("018")
    ]
    path = tmp_path / "iso.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    a, notes = only(path)
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"]) == (
        "2024-12-04T10:58:58.329298+01:00",
        4738.329298,
        "web-7",
    )
    assert notes == ()
    assert numbers(a) == numbers(alone("018"))


# --- dmesg -T -----------------------------------------------------------------------------------


def write_dmesg_t(tmp_path: Path, name: str) -> Path:
    """``[Wed Dec  4 09:58:58 2024] ...``: boot time + printk stamp, to the second, as dmesg -T."""
    lines = []
    for msg, ts in messages(name):
        t = when(ts)
        lines.append(f"[{t:%a %b} {t.day:2d} {t:%H:%M:%S %Y}] ".encode() + msg)
    path = tmp_path / f"{name}-dmesg-T.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_dmesg_T_is_local_time_taken_as_utc_and_said(tmp_path):
    a, notes = only(write_dmesg_t(tmp_path, "018"))
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"], d["boot_id"]) == (
        "2024-12-04T09:58:58+00:00",
        None,
        None,
        None,
    )
    assert notes == ("dmesg -T times carry no UTC offset: UTC assumed (--utc-offset sets it)",)
    assert numbers(a) == numbers(alone("018"))


def test_dmesg_T_with_utc_offset(tmp_path):
    a, notes = only(write_dmesg_t(tmp_path, "018"), Options(utc_offset="-05:00"))
    assert report_dict(a)["time"] == "2024-12-04T09:58:58-05:00"
    assert notes == ()


def test_dmesg_T_real_corpus_files():
    # 005.log as printed: "[Thu May  9 14:52:38 2024] CPU 11/KVM invoked oom-killer"
    (a,) = analyze_file(str(sample("005"))).analyses
    assert report_dict(a)["time"] == "2024-05-09T14:52:38+00:00"
    # 044.log under zh_CN: "[四 4月 17 22:43:41 2025]" (its first line lost the "[")
    first = analyze_file(str(sample("044")), Options(utc_offset="+08:00")).analyses[0]
    assert report_dict(first)["time"] == "2025-04-17T22:43:41+08:00"


# --- journald -----------------------------------------------------------------------------------


def journal_records(name: str, source_monotonic: bool, boot_id: str = BOOT_ID) -> list[dict]:
    """The report's lines as journald stores kernel messages: the fields it writes for
    ``_TRANSPORT=kernel`` (journald-kmsg.c), receipt times 150 µs after the printk time."""
    records = []
    for i, (msg, ts) in enumerate(messages(name)):
        if ts is None:
            continue
        usec = round(ts * 1e6)
        rec = {
            "__CURSOR": f"s=7e3c;i={0x1000 + i:x};b={boot_id};m={usec + 150:x};x=0",
            "__REALTIME_TIMESTAMP": str(int(BOOT.timestamp()) * 1000000 + usec + 150),
            "__MONOTONIC_TIMESTAMP": str(usec + 150),
            "_BOOT_ID": boot_id,
            "_MACHINE_ID": MACHINE_ID,
            "_HOSTNAME": "web-7",
            "PRIORITY": "4",
            "SYSLOG_FACILITY": "0",
            "SYSLOG_IDENTIFIER": "kernel",
            "_TRANSPORT": "kernel",
            "MESSAGE": msg.decode("utf-8").rstrip(),
        }
        if source_monotonic:
            rec["_SOURCE_MONOTONIC_TIMESTAMP"] = str(usec)
        records.append(rec)
    return records


def export_bytes(records: list[dict]) -> bytes:
    """``journalctl -o export``: KEY=value lines, a blank line after each record."""
    out = bytearray()
    for rec in records:
        for key, value in rec.items():
            out += f"{key}={value}\n".encode()
        out += b"\n"
    return bytes(out)


@pytest.mark.parametrize("form", ["json", "export", "json.gz"])
def test_journal_with_source_monotonic(tmp_path, form):
    records = journal_records("018", source_monotonic=True)
    if form == "export":
        data = export_bytes(records)
    else:
        data = "".join(json.dumps(r) + "\n" for r in records).encode()
    if form.endswith(".gz"):
        data = gzip.compress(data)
    path = tmp_path / f"kernel.{form}"
    path.write_bytes(data)
    a, notes = only(path)
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"], d["boot_id"]) == (
        "2024-12-04T09:58:58.329448+00:00",  # __REALTIME_TIMESTAMP of the trigger record
        4738.329298,  # _SOURCE_MONOTONIC_TIMESTAMP: the kernel's printk time
        "web-7",
        BOOT_ID,
    )
    assert notes == ()
    assert numbers(a) == numbers(alone("018"))


@pytest.mark.parametrize("form", ["json", "export"])
def test_journal_uptime_from_monotonic_receipt_time(tmp_path, form):
    records = journal_records("018", source_monotonic=False)
    data = (
        export_bytes(records)
        if form == "export"
        else "".join(json.dumps(r) + "\n" for r in records).encode()
    )
    path = tmp_path / f"kernel.{form}"
    path.write_bytes(data)
    a, _ = only(path)
    d = report_dict(a)
    assert (d["time"], d["uptime_s"], d["host"], d["boot_id"]) == (
        "2024-12-04T09:58:58.329448+00:00",
        4738.329448,  # __MONOTONIC_TIMESTAMP: when journald read it
        "web-7",
        BOOT_ID,
    )
    assert numbers(a) == numbers(alone("018"))


# --- prefixes and clock, one line each ---------------------------------------------------------

# (line, clock text, host, boot id, timestamp) — lines from 051 re-prefixed as each tool prints
# fmt: off
PREFIXES = [
    ("Dec  4 08:41:38 web-7 kernel: [   98.066887] kprobelabs invoked oom-killer:",
     "Dec  4 08:41:38", "web-7", None, 98.066887),
    ("Dec  4 08:41:38.066887 web-7 kernel: kprobelabs invoked oom-killer:",  # short-precise
     "Dec  4 08:41:38.066887", "web-7", None, None),
    ("Wed 2024-12-04 09:41:38 CET web-7 kernel: kprobelabs invoked oom-killer:",  # short-full
     "Wed 2024-12-04 09:41:38 CET", "web-7", None, None),
    ("1733301698.066887 web-7 kernel: kprobelabs invoked oom-killer:",  # short-unix
     "1733301698.066887", "web-7", None, None),
    ("2024-12-04T09:41:38,066887+01:00 kprobelabs invoked oom-killer:",  # dmesg --time-format iso
     "2024-12-04T09:41:38,066887+01:00", None, None, None),
    ("<4>1 2024-12-04T08:41:38.066887Z web-7 kernel - - [meta sequenceId=\"7\"] kprobelabs invoked oom-killer:",
     "2024-12-04T08:41:38.066887Z", "web-7", None, None),
    (f"2024-12-04T08:41:38.067037+00:00 web-7 kernel: _BOOT_ID={BOOT_ID} [   98.066887] kprobelabs invoked oom-killer:",
     "2024-12-04T08:41:38.067037+00:00", "web-7", BOOT_ID, 98.066887),
]
# fmt: on


@pytest.mark.parametrize("line,clock,host,boot,ts", PREFIXES)
def test_prefix_keeps_clock_host_and_boot(line, clock, host, boot, ts):
    text, p = strip_prefix(line)
    assert text == "kprobelabs invoked oom-killer:"
    assert (p.clock, p.host, p.boot_id, p.timestamp) == (clock, host, boot, ts)


def test_clock_reads_every_form_as_the_same_instant():
    c = Clock(year=2024)
    want = datetime(2024, 12, 4, 8, 41, 38, tzinfo=timezone.utc)
    for _, clock, *_ in PREFIXES:
        got = c.time(clock, None, True)
        assert got is not None and got.replace(microsecond=0) == want, clock
    assert c.assumptions == ["syslog times carry no UTC offset: UTC assumed (--utc-offset sets it)"]


def test_clock_options_are_checked():
    assert parse_utc_offset("+05:30") == timezone(timedelta(hours=5, minutes=30))
    assert parse_utc_offset("UTC") == timezone.utc
    assert parse_utc_offset("local") == "local"
    assert str(parse_utc_offset("Europe/Berlin")) == "Europe/Berlin"
    for bad in ("+25:00", "CEST", "Mars/Olympus"):
        with pytest.raises(ValueError):
            parse_utc_offset(bad)
    assert parse_boot_time("2024-12-04T09:40:00Z").isoformat() == "2024-12-04T09:40:00+00:00"
    with pytest.raises(ValueError):
        parse_boot_time("yesterday")


def test_summer_time_from_a_zone_name():
    c = Clock(year=2024, utc_offset="Europe/Berlin")
    assert c.time("Jul  1 12:00:00", None, True).isoformat() == "2024-07-01T12:00:00+02:00"
    assert c.time("Dec  1 12:00:00", None, True).isoformat() == "2024-12-01T12:00:00+01:00"


# --- nothing mixed: hosts ----------------------------------------------------------------------


def syslog_records(name: str) -> list[list[bytes]]:
    """A syslog file's records: a prefixed line and the unprefixed lines journalctl printed
    under it for the same multi-line message (038's Mem-Info summary)."""
    records: list[list[bytes]] = []
    for raw in sample(name).read_bytes().split(b"\n")[:-1]:
        if records and not strip_prefix(raw.decode())[1].host:
            records[-1].append(raw)
        else:
            records.append([raw])
    return records


def test_two_hosts_interleaved_record_by_record_stay_apart(tmp_path):
    # 007.log (host "localhost", a memcg OOM) and 038.log (host "source-server"), both real
    # syslog files, interleaved one record of each in turn as a log server receiving from
    # both would write them.
    a, b = syslog_records("007"), syslog_records("038")
    lines: list[bytes] = []
    for i in range(max(len(a), len(b))):
        for recs in (a, b):
            if i < len(recs):
                lines += recs[i]
    path = tmp_path / "two-hosts.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    got = analyze_file(str(path), Options(year=2024)).analyses
    assert sorted(x.report.host for x in got) == ["localhost", "source-server"]
    by_host = {x.report.host: x for x in got}
    assert numbers(by_host["localhost"]) == numbers(alone("007"))
    assert numbers(by_host["source-server"]) == numbers(alone("038"))
    assert by_host["localhost"].report.lines == alone("007").report.lines
    assert by_host["source-server"].report.lines == alone("038").report.lines


# --- nothing mixed: boots ----------------------------------------------------------------------


def cut_before(name: str, needle: bytes) -> list[bytes]:
    lines = sample(name).read_bytes().split(b"\n")[:-1]
    at = next(i for i, x in enumerate(lines) if needle in x)
    return lines[:at]


def from_line(name: str, needle: bytes) -> list[bytes]:
    lines = sample(name).read_bytes().split(b"\n")[:-1]
    at = next(i for i, x in enumerate(lines) if needle in x)
    return lines[at:]


def test_printk_clock_going_back_is_a_new_boot(tmp_path):
    # Synthetic splice of real lines: 023.log's report cut in its call trace (the machine
    # died), then 051.log's report from its Mem-Info on (printk clock 98 s < 244 s: the
    # next boot). Read as one boot the Mem-Info would complete the cut report.
    first = cut_before("023", b"Mem-Info:")
    second = from_line("051", b"Mem-Info:")
    path = tmp_path / "two-boots.log"
    path.write_bytes(b"\n".join(first + second) + b"\n")
    got = analyze_file(str(path)).analyses
    assert [(x.report.first_line, x.report.last_line) for x in got] == [
        (1, len(first)),
        (len(first) + 1, len(first) + len(second) - 1),  # 051's last line is a shell prompt
    ]
    assert [x.report.uptime_s for x in got] == [244.333067, 98.067452]
    assert got[0].report.zones == ()


def test_boot_banner_is_a_new_boot(tmp_path):
    # 008.log and 035.log carry no prefix at all: only a boot banner tells the boots apart.
    # The banner line is hand-made (no sample holds one); the rest are 008's report cut in
    # its call trace and 035's from its Mem-Info on.
    first = cut_before("008", b"Mem-Info:")
    banner = b"Linux version 4.4.0-210-generic (buildd@lcy01-amd64-009) (gcc version 5.4.0) #242"
    second = from_line("035", b"Mem-Info:")
    path = tmp_path / "banner.log"
    path.write_bytes(b"\n".join(first + [banner] + second) + b"\n")
    got = analyze_file(str(path)).analyses
    assert [(x.report.first_line, x.report.zones == ()) for x in got] == [
        (1, True),
        (len(first) + 2, False),
    ]
    assert got[0].report.last_line == len(first)


def test_journal_boot_id_is_a_new_boot(tmp_path):
    # 051's report cut before its Mem-Info in one boot, then 023's from its Mem-Info on in
    # the next: the printk clock goes forward (98 s → 244 s), only _BOOT_ID tells them apart.
    cut = next(i for i, (m, _) in enumerate(messages("051")) if b"Mem-Info:" in m)
    first = journal_records("051", True)[:cut]
    rest = journal_records("023", True, BOOT_ID_2)
    at = next(i for i, r in enumerate(rest) if r["MESSAGE"].startswith("Mem-Info:"))
    path = tmp_path / "boots.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in first + rest[at:]))
    got = analyze_file(str(path)).analyses
    assert [(x.report.boot_id, x.report.first_line) for x in got][:2] == [
        (BOOT_ID, 1),
        (BOOT_ID_2, cut + 1),
    ]
    assert got[0].report.last_line <= cut  # its trailing "Exception stack" lines are no content
    assert got[0].report.zones == ()
    assert got[1].report.zones


def test_json_output_carries_time_and_place(tmp_path):
    from typer.testing import CliRunner

    from oomlens.cli import app

    path = tmp_path / "kernel.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in journal_records("018", True)))
    out = CliRunner().invoke(app, ["analyze", str(path), "--format", "json"]).stdout
    doc = json.loads(out)
    (rep,) = doc["reports"]
    assert (rep["time"], rep["uptime_s"], rep["host"], rep["boot_id"]) == (
        "2024-12-04T09:58:58.329448+00:00",
        4738.329298,
        "web-7",
        BOOT_ID,
    )
    assert doc["files"][0]["assumptions"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", rep["time"])


def test_bad_time_options_are_one_line_usage_errors():
    import subprocess
    import sys

    for args, want in (
        (["--utc-offset", "+25:00"], "--utc-offset: '+25:00' is not a UTC offset"),
        (["--boot-time", "yesterday"], "--boot-time: 'yesterday' is not an ISO 8601 time"),
        (["--year", "99"], "--year"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "oomlens", str(sample("051")), *args],
            capture_output=True,
            text=True,
            cwd=sample("051").parent.parent.parent,
        )
        assert done.returncode == 2, args
        assert done.stderr.count("\n") == 1 and want in done.stderr, done.stderr
        assert done.stdout == ""


def test_a_log_naming_many_hosts_is_remembered_within_bounds():
    # Synthetic: one line from each of 10,000 hosts (no sample names that many).
    from oomlens.read.logline import LogLine
    from oomlens.read.segment import HOSTS, Segmenter

    seg = Segmenter("many")
    for i in range(10000):
        line = LogLine(
            "many", i + 1, "eth0: link up", None, None, f"host-{i}", "x: ", False, "Dec  4 08:41:38"
        )
        assert list(seg.feed(line)) == []
    assert len(seg._hosts) <= HOSTS


def test_times_no_calendar_holds_are_said_once(tmp_path):
    """Hostile (round 8): corpus 005's dmesg -T dates made "Feb 30" (synthetic), and corpus
    023 with a --boot-time one second before year 10000. Both had no time, silently; each
    is said once per input now, as an unknown month already was."""
    text = sample("005").read_text().replace("Thu May  9 ", "Thu Feb 30 ")
    path = tmp_path / "feb30.log"
    path.write_text(text)
    analysis, notes = only(path, Options(utc_offset="UTC"))
    assert analysis.report.time is None
    assert notes == ("dates no calendar holds (first: 'Thu Feb 30 14:52:38 2024') have no time",)
    analysis, notes = only(sample("023"), Options(boot_time="9999-12-31T23:59:59+00:00"))
    assert analysis.report.time is None
    assert "--boot-time plus the uptime is past year 9999: no time" in notes
