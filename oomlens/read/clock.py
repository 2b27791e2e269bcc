"""Wall-clock time of a report: the dates loggers print, made timezone-aware datetimes.

A log prints one of: an instant with its offset (ISO 8601 with ``Z``/``+hh:mm``,
RFC 5424, ``dmesg --time-format iso``, journal ``__REALTIME_TIMESTAMP``, epoch
seconds), a local time without an offset (``dmesg -T``, journalctl ``short-full``
with a zone abbreviation other than UTC, ISO without an offset), or a local time
without a year either (RFC 3164 syslog, journalctl ``short``). What the log does
not say is taken from the user (``--utc-offset``, ``--year``, ``--boot-time``) or
else assumed — UTC, and the year of the file's modification time — and every
assumption made is kept in :attr:`Clock.assumptions`, once, for the caller to say.
"""

from __future__ import annotations

import re
import time as _time
from datetime import datetime, timedelta, timezone, tzinfo

__all__ = ["Clock", "parse_boot_time", "parse_utc_offset"]

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_UNIX = re.compile(r"(\d{9,11})\.(\d{1,9})")
_MMDD = re.compile(r"(\d\d)-(\d\d)\s+(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?")
# "Wed 2024-12-04 09:40:00 CET"; glibc's %Z is "+03", "-03", "+0545" for a zone with no
# letter abbreviation (Europe/Istanbul, America/Sao_Paulo, Asia/Kathmandu): a fixed offset.
_FULL = re.compile(r"[^\W\d_]{3}\s+(.*?)\s+([A-Z]{2,5}|[+-]\d{2}(?:\d{2})?)")
_DMESG_T = re.compile(
    r"\S+\s+(\S+)\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})"
    r"(?:\s+([A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?))?\s+(\d{4})"
)  # crash's "log -T" puts the zone before the year
_BSD = re.compile(r"(\S+)\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})?")
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
# English names only, whole or as "%b" prints them ("Sept" too, and with a "." after an
# abbreviation): a head of another locale's name may be another month (Finnish "marras"
# is November, not March).
_MONTHS = {
    **{m: i for i, m in enumerate(_MONTH_NAMES, 1)},
    **{m[:3]: i for i, m in enumerate(_MONTH_NAMES, 1)},
    **{m[:3] + ".": i for i, m in enumerate(_MONTH_NAMES, 1) if len(m) > 3},
    "sept": 9,
    "sept.": 9,
}
_WEEKDAYS = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_UTC_NAMES = frozenset({"UTC", "GMT", "Z", "UT"})
# Zone abbreviations journalctl short-full may print that name one offset (hours east of
# UTC); ambiguous ones (CST, IST, BST, AST) are left to --utc-offset.
_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "UT": 0, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "HKT": 8, "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5, "AEST": 10,
    "AEDT": 11, "NZST": 12, "NZDT": 13, "HST": -10, "AKST": -9, "AKDT": -8, "PST": -8,
    "PDT": -7, "MST": -7, "MDT": -6, "EST": -5, "EDT": -4,
}  # fmt: skip
_SLACK = timedelta(days=1)  # a yearless date up to a day after the reference is this year's


def _month(name: str) -> int | None:
    """``Dec``, ``December``, ``dec``, ``Dec.``, ``Sept`` → 12/9; zh/ja ``12月`` → 12; other
    locales' names → None (``marras``, ``Dez``, ``févr.``)."""
    if name.endswith("月") and name[:-1].isdigit():
        n = int(name[:-1])
        return n if 1 <= n <= 12 else None
    return _MONTHS.get(name.lower())


def _micro(frac: str | None) -> int:
    return int((frac or "0")[:6].ljust(6, "0"))


def _naive(m: re.Match[str]) -> datetime:
    """The naive datetime of an ``_ISO`` match (fraction cut to microseconds)."""
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    return datetime(y, mo, d, h, mi, s, _micro(m.group(7)))


def parse_utc_offset(text: str) -> tzinfo | str:
    """``+01:00``/``-0500``/``+05``, ``Z``/``UTC``, ``local``, or an IANA zone name → a zone.

    ``local`` stays the string "local" (this machine's zone, DST included); raises
    ValueError with a one-line reason for anything else.
    """
    text = text.strip()
    if text.upper() in _UTC_NAMES:
        return timezone.utc
    if text == "local":
        return "local"
    m = _OFFSET.fullmatch(text)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"{text!r} is not a UTC offset (hours 0-23, minutes 0-59)")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if m.group(1) == "-" else delta)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(text)
    except (ValueError, OSError, ImportError, KeyError):
        pass
    raise ValueError(
        f"{text!r} is not a UTC offset or time zone (use +01:00, -0500, UTC, local or Europe/Berlin)"
    )


def parse_boot_time(text: str, zone: tzinfo | str | None = None) -> datetime:
    """``2024-12-04T09:40:00+01:00`` (or without an offset: taken at ``zone``, else UTC)."""
    m = _ISO.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not an ISO 8601 time (like 2024-12-04T09:40:00+01:00)")
    try:
        naive = _naive(m)
        if m.group(8) is None:
            return _localize(naive, zone if zone is not None else timezone.utc)
        return naive.replace(tzinfo=_fixed(m.group(8)))
    except (ValueError, OverflowError) as e:
        raise ValueError(f"{text!r} is not a valid time: {e}") from None


def _fixed(offset: str) -> tzinfo:
    """``Z``, ``+05:30``, ``-0800``, ``+03`` → a fixed zone; ValueError past +-23:59 (as
    --utc-offset: ``+05:99`` is no offset)."""
    if offset == "Z":
        return timezone.utc
    m = _OFFSET.fullmatch(offset)
    assert m is not None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{offset!r} is not a UTC offset")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if m.group(1) == "-" else delta)


def _localize(naive: datetime, zone: tzinfo | str) -> datetime:
    if zone == "local":
        return naive.astimezone()  # a naive time is taken as this machine's local time
    assert isinstance(zone, tzinfo)
    return naive.replace(tzinfo=zone)


_BACK_STEP = timedelta(days=183)  # the most a syslog date may step back in one year
_YEAR = timedelta(days=366)


class Clock:
    """Turns one input's printed dates and uptimes into aware datetimes; notes assumptions."""

    def __init__(
        self,
        year: int | None = None,
        utc_offset: str | None = None,
        boot_time: str | None = None,
        reference: float | None = None,
    ) -> None:
        self.year = year
        self.zone: tzinfo | str | None = parse_utc_offset(utc_offset) if utc_offset else None
        self.boot = parse_boot_time(boot_time, self.zone) if boot_time else None
        given = _ISO.fullmatch(boot_time.strip()) if boot_time else None
        self._boot_note = (
            "--boot-time has no UTC offset: UTC assumed (--utc-offset sets it)"
            if given is not None and given.group(8) is None and self.zone is None
            else None
        )
        self.reference = reference  # the file's mtime (epoch seconds); None: now
        self.assumptions: list[str] = []
        self._last_date: datetime | None = None  # the last yearless date read (--year)
        self._host_dates: dict[str | None, datetime] = {}  # ... and each host's last one

    def _note(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

    def time(
        self, clock: str | None, uptime: float | None, first_boot: bool, host: str | None = None
    ) -> datetime | None:
        """The wall-clock time of a line: its printed date, else ``--boot-time`` + uptime."""
        if clock is not None:
            try:
                when = self._parse(clock, host)
            except (ValueError, OverflowError):
                when = None
                self._once(f"dates no calendar holds (first: {clock[:40]!r}) have no time")
            if when is not None:
                return when
        if self.boot is not None and uptime is not None:
            if first_boot:
                if self._boot_note:
                    self._note(self._boot_note)
                try:
                    return self.boot + timedelta(seconds=uptime)
                except OverflowError:
                    self._once("--boot-time plus the uptime is past year 9999: no time")
                    return None
            self._note("--boot-time is the first boot's: reports of later boots get no time")
        return None

    def _once(self, note: str) -> None:
        """A note said once per input, naming the first case (a log may hold any number):
        notes that differ only from "(first:" on are one."""
        head = note.split(" (first:", 1)[0]
        if not any(n.split(" (first:", 1)[0] == head for n in self.assumptions):
            self._note(note)

    def _unknown_month(self, name: str) -> None:
        """Said once per input, naming the first such month."""
        self._once(f"dates in a month not understood (first: {name!r}) have no time")

    def _local(self, naive: datetime, what: str) -> datetime:
        """A local time the log printed without its offset."""
        if self.zone is None:
            self._note(f"{what} times carry no UTC offset: UTC assumed (--utc-offset sets it)")
            return naive.replace(tzinfo=timezone.utc)
        return _localize(naive, self.zone)

    def _parse(self, text: str, host: str | None = None) -> datetime | None:
        first = text[:1]
        if first.isdigit():
            m = _ISO.match(text)
            if m is not None:
                naive = _naive(m)
                if m.group(8) is None:
                    return self._local(naive, "ISO 8601")
                return naive.replace(tzinfo=_fixed(m.group(8)))
            m = _MMDD.fullmatch(text)
            if m is not None:  # logcat's "06-29 15:56:42.895": no year
                mo, day, h, mi, s = (int(g) for g in m.groups()[:5])
                return self._yearless(mo, day, h, mi, s, _micro(m.group(6)), host)
            m = _UNIX.fullmatch(text)
            if m is not None:
                epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
                return epoch + timedelta(seconds=int(m.group(1)), microseconds=_micro(m.group(2)))
            return None
        m = _FULL.fullmatch(text)
        if m is not None and _ISO.fullmatch(m.group(1)):
            iso = _ISO.fullmatch(m.group(1))
            assert iso is not None
            naive = _naive(iso)
            if m.group(2)[0] in "+-":
                return naive.replace(tzinfo=_fixed(m.group(2)))
            hours = _ABBREVIATIONS.get(m.group(2))
            if hours is not None:
                return naive.replace(tzinfo=timezone(timedelta(hours=hours)))
            return self._local(naive, f"journalctl short-full {m.group(2)}")
        m = _DMESG_T.fullmatch(text)
        if m is not None:
            month = _month(m.group(1))
            if month is None:
                self._unknown_month(m.group(1))
                return None
            h, mi, s = (int(g) for g in m.groups()[2:5])
            naive = datetime(int(m.group(7)), month, int(m.group(2)), h, mi, s)
            weekday = _WEEKDAYS.get(text[:3].lower())
            if weekday is not None and weekday != naive.weekday():
                # dmesg -T prints ctime()'s weekday of the date it computed: another one
                # says the line was edited or made, not printed
                self._once(
                    f"dates whose weekday is another day's (first: {text[:40]!r}) have no time"
                )
                return None
            zone = m.group(6)
            if zone is not None:
                if zone[0] in "+-":
                    return naive.replace(tzinfo=_fixed(zone))
                hours = _ABBREVIATIONS.get(zone)
                if hours is not None:
                    return naive.replace(tzinfo=timezone(timedelta(hours=hours)))
                return self._local(naive, f"crash log -T {zone}")
            return self._local(naive, "dmesg -T")
        m = _BSD.fullmatch(text)
        if m is not None:
            month = _month(m.group(1))
            if month is None:
                self._unknown_month(m.group(1))
                return None
            day, h, mi, s = (int(g) for g in m.groups()[1:5])
            return self._yearless(month, day, h, mi, s, _micro(m.group(6)), host)
        return None

    def _given_year(
        self, month: int, day: int, h: int, mi: int, s: int, us: int, host: str | None
    ) -> datetime:
        """``--year`` is the first date's year. A later date takes the year nearest its
        host's last date (the input's last for a host's first), forward up to a year or
        back half a year at most (lines out of order: hosts interleaved, rotated logs read
        newest first). December then January is the next year's; a late December line
        after January its own. Never a year before ``--year``."""
        assert self.year is not None
        last = self._host_dates.get(host, self._last_date)
        best: datetime | None = None
        if last is None:
            best = datetime(self.year, month, day, h, mi, s, us)  # Feb 29: ValueError
        else:
            for year in (last.year - 1, last.year, last.year + 1):
                if year < self.year:
                    continue
                try:
                    when = datetime(year, month, day, h, mi, s, us)
                except ValueError:  # Feb 29 of a common year
                    continue
                if not -_BACK_STEP <= when - last < _YEAR:
                    continue
                if best is None or abs(when - last) < abs(best - last):
                    best = when
        if best is None:
            raise ValueError("no date of the years --year allows")
        self._last_date = self._host_dates[host] = best
        if best.year != self.year:
            self._note(
                f"syslog dates cross New Year after --year {self.year}: each date takes the "
                "year nearest its host's last date"
            )
        return best

    def _yearless(
        self, month: int, day: int, h: int, mi: int, s: int, us: int, host: str | None = None
    ) -> datetime | None:
        """An RFC 3164 date: the year is ``--year``, else the reference's (or the one before)."""
        if self.year is not None:
            return self._local(self._given_year(month, day, h, mi, s, us, host), "syslog")
        epoch = self.reference if self.reference is not None else _time.time()
        if self.zone == "local":
            ref = datetime.fromtimestamp(epoch)
        else:
            zone = self.zone if isinstance(self.zone, tzinfo) else timezone.utc
            ref = datetime.fromtimestamp(epoch, zone).replace(tzinfo=None)
        year = ref.year
        for _ in range(8):  # Feb 29 steps back to a leap year
            try:
                naive = datetime(year, month, day, h, mi, s, us)
            except ValueError:
                if month == 2 and day == 29:
                    year -= 1
                    continue
                return None
            if naive > ref + _SLACK:  # a date after the reference is last year's
                year -= 1
                continue
            break
        else:
            return None
        source = "the file's modification time" if self.reference is not None else "today"
        if self.zone is None:
            self._note(
                f"syslog dates carry no year and no UTC offset: {year} (from {source}, "
                f"{ref:%Y-%m-%d}) and UTC assumed; --year and --utc-offset set them"
            )
            return naive.replace(tzinfo=timezone.utc)
        self._note(
            f"syslog dates carry no year: {year} assumed (from {source}, {ref:%Y-%m-%d}); "
            "--year sets it"
        )
        return _localize(naive, self.zone)
