"""Strip the prefixes that loggers, terminals and mailers put before a kernel message.

One precompiled regex lists every prefix element in its usual nesting order
(quotes/indent, a pasted listing's line number, syslog or journal header,
/dev/kmsg record, console level, ``dmesg -x`` columns, dmesg time, printk caller
id, Android task context, a vendor tree's padded "c<cpu> <n>" column); it is
applied again from where it stopped until it takes nothing more, so unusual
orders nest too. Only a bracket that holds a timestamp, a caller id, a date or
an Android ``[cpu: comm:pid]`` context is a prefix: trace frames ``[<addr>]``,
``[func+0x1/0x2]`` and task-table rows ``[ 1234]`` stay in the text.
"""

from __future__ import annotations

import re
from functools import partial
from typing import NamedTuple


class Prefix(NamedTuple):
    """What :func:`strip_prefix` took off one line, and what it read there.

    A named tuple rather than a dataclass: one is built for every line read.
    """

    timestamp: float | None = None  # seconds since boot: "[ 12.345]" or kmsg usec
    caller: str | None = None  # "T123" / "C1"; Android "[cpu: comm:pid]" gives "T<pid>"
    host: str | None = None  # syslog/journal host, verbatim ("**", "..." included)
    prefix: str = ""  # exactly the characters removed before the message
    note: str | None = None  # a time the prefix held that no kernel can print
    clock: str | None = None  # the wall-clock date as printed (syslog, ISO, dmesg -T, epoch)
    boot_id: str | None = None  # journal _BOOT_ID (32 hex digits)


NO_PREFIX = Prefix()
_prefix = partial(tuple.__new__, Prefix)  # Prefix from a tuple of all its fields, at C speed

# A month as locales print it: "Feb", "June", "jun", "févr.", zh_CN "4月".
_MON = r"(?:[^\W\d_]{3,9}\.?|\d{1,2}月)"
# crash's "log -T" prints ctime with its zone before the year ("%a %b %e %T %Z %Y")
_TZ = r"(?:\s+(?:[A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?))?"
_BSD_DATE = _MON + r"[ \t]+\d{1,2}[ \t]+\d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})?"  # short(-precise)
_ISO_DATE = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?"
# The kernel's syslog tag: "kernel:", or metalog's "[kernel]".
_TAG = r"(?:kernel(?:\[\d+\])?:|\[kernel\])"
_FACILITY = r"(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])"
_LEVEL = r"(?:emerg|alert|crit|err|warn|notice|info|debug)"

# A pasted listing's own line number: before a column bar or a tab always, before a
# space or "N: " only when a log prefix follows (a bare "12 pages RAM" is kernel text).
_LINENO = (
    r"\d{1,6}(?:\t|[ \t]*[|│][ \t]?"
    rf"|(?::|\.)?[ \t]+(?=\[\s*\d+\.\d+\]|<\d{{1,3}}>|{_MON}[ \t]+\d{{1,2}}[ \t]+\d|\d{{4}}-\d\d-\d\d))"
)

# dmesg -d's delta after the time: "[   12.345678 <    0.000317>] " (util-linux --show-delta).
_DELTA = r"(?:\s+<\s*\d{1,13}\.\d{1,6}>)?"
# Parts that follow the time, shared by _PREFIX and its shortcut (_DMESG).
# "<4>"; crash's "log -m" may print the record's raw level-and-flags byte in hex ("<c6>")
_CONSOLE_LEVEL = r"(?:<(?:\d{1,3}|[0-9a-f]{2})>(?=\S))?"
_CALLER_ID = r"(?:\[\s*(?P<caller>T\d{1,7}|C\d{1,4})\]\s*)?"  # printk caller id "[ T123]"
_ANDROID = r"(?:\[\s*\d{1,4}:.{0,24}?:\s*(?P<pid>\d{1,7})\]\s*)?"  # "[cpu: comm:pid]", any comm

_PREFIX = re.compile(
    rf"""
    \s*(?:>\s*)*                                            # mail quotes, indentation
    (?:\d{{1,9}}\ Time\(s\):\s+)?                             # logwatch's count "1 Time(s): "
    (?:{_LINENO}\s*)?                                       # a listing's line number
    (?:(?:(?P<bsd>{_BSD_DATE})\s+(?:(?P<host>[^\s\[]\S*)\s+)?(?:{_FACILITY}\.{_LEVEL}\s+)?{_TAG}
                                                            # syslog, journalctl short, busybox
        |(?P<owrt>[^\W\d_]{{3}}\s+{_MON}\s+\d{{1,2}}\s+\d{{1,2}}:\d{{2}}:\d{{2}}\s+\d{{4}})
           \s+{_FACILITY}\.{_LEVEL}\s+{_TAG}                   # OpenWrt logread
        |(?P<iso>{_ISO_DATE})\s+(?:(?P<ihost>\S+)\s+)?{_TAG}  # rsyslog, journalctl short-iso
        |(?P<full>[^\W\d_]{{3}}\s+\d{{4}}-\d{{2}}-\d{{2}}\s+\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{1,9}})?
           \s+(?:[A-Z]{{2,5}}|[+-]\d{{2}}(?:\d{{2}})?))\s+(?:(?P<fhost>\S+)\s+)?{_TAG}
                                          # journalctl -o short-full: "CET", or glibc's "+03", "+0545"
        |\[\s*(?P<mts>\d+\.\d+){_DELTA}\]\s+(?:(?P<mhost>\S+)\s+)?{_TAG}  # short-monotonic, short-delta
        |(?P<unix>\d{{9,11}}\.\d{{1,9}})\s+(?:(?P<uhost>\S+)\s+)?{_TAG}  # journalctl short-unix
        |(?P<diso>\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:\d{{2}},\d+[+-]\d{{2}}:?\d{{2}})  # dmesg iso
        |<\d{{1,3}}>1\s+(?:(?P<rts>{_ISO_DATE})|-)\s+(?P<rhost>\S+)\s+kernel\s+\S+\s+\S+
           \s+(?:-|(?:\[(?:[^\]\\]|\\.)*\])+)\ufeff?        # RFC 5424: PRI VERSION TS HOST APP ...
        |(?P<lcat>\d\d-\d\d\s+\d\d:\d\d:\d\d\.\d{{3}})\s+\d+\s+\d+\s+[VDIWEFS]\s+[^:\n]{{0,40}}?:\s
                                                            # logcat -b kernel (threadtime)
        |(?P<kiso>{_ISO_DATE})\s+(?=\[\s*\d)               # kubectl logs --timestamps
        |(?P<redacted>\.\.\.|…)\s+{_TAG}                    # date and host redacted
        |{_TAG}(?=\s)                                         # the tag alone (date and host cut)
      )\s*)?
    (?:_BOOT_ID=(?P<boot>[0-9a-f]{{32}})\s+)?               # journal record (ingest writes it)
    (?:\d{{1,3}},\d+,(?P<usec>\d+),[^;,\s]*                 # /dev/kmsg: level,seq,usec,flags
       (?:,caller=(?P<kcaller>[TC]\d+))?(?:,[^;\s]*)?;)?
    {_CONSOLE_LEVEL}                                        # console level "<4>"
    (?:{_FACILITY}\s*:\s*{_LEVEL}\s*:\s*)?                  # dmesg -x "kern  :warn  : "
    (?:(?:\[\s*|(?=\d+\.\d{{6}}\]))(?P<ts>\d+\.\d+){_DELTA}\](?=\s|\[|-\(|$)\s*  # dmesg "[   12.345678] " ("[" lost)
      |\[?(?P<dmt>[^\W\d_]{{1,9}}\.?\s+{_MON}\s+\d{{1,2}}\s+\d{{1,2}}:\d{{2}}:\d{{2}}{_TZ}\s+\d{{4}}){_DELTA}\]\s*  # -T
      |\[{_MON}\s?\d{{1,2}}\s\d{{1,2}}:\d{{2}}\]\s*         # dmesg -H first line
      |\[\s*\+\d+\.\d+\]\s*                                 # dmesg -H delta
      |\[<\s*\d+\.\d+>\]\s*                                  # dmesg --time-format=delta
    )?
    (?:\[\d\d-\d\d\s\d\d:\d\d:\d\d\.\d{{3,6}}\]\s*)?      # vendor wall clock "[03-19 10:05:52.172]"
    {_CALLER_ID}                                            # printk caller id
    {_ANDROID}                                              # Android context
    (?:-?\(\d{{1,2}}\)\[(?P<mpid>\d{{1,7}}):[^\]\n]{{0,24}}\])?      # MediaTek "(0)[2880:comm]"
    (?:(?<=\]\s)c\d{{1,3}}[ \t]+\d{{1,7}}[ \t]{{2,}})?          # msm "[ts] c0 0      "
    """,
    re.VERBOSE,
)

# Where each named group sits in ``match.groups()`` (one tuple per line, no dict).
_G = {name: i - 1 for name, i in _PREFIX.groupindex.items()}
_TS, _MTS, _USEC, _CALLER, _KCALLER, _PID, _RHOST, _REDACTED, _BOOT, _MPID = (
    _G[n]
    for n in ("ts", "mts", "usec", "caller", "kcaller", "pid", "rhost", "redacted", "boot", "mpid")
)
_HOSTS = tuple(_G[n] for n in ("host", "ihost", "fhost", "mhost", "uhost"))
_CLOCKS = tuple(
    _G[n] for n in ("bsd", "iso", "full", "unix", "diso", "rts", "dmt", "owrt", "lcat", "kiso")
)

# First characters that can open a prefix; any other ASCII start is message text.
_MAYBE = frozenset(
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # whitespace that str.strip() removes
    ">[<.0123456789_"
    "JFMASONDTW"  # months and weekdays ("Thu May  9 ..." whose "[" was lost)
    "abcdefghijklmnopqrstuvwxyz"  # localised months ("jun", "ene", "gru"), dmesg -x facilities
)

# After a prefix, only these open another one out of the usual order ("[ts] <4>", "... [T1]").
_AGAIN = frozenset("[<0123456789")

# The kernel keeps time since boot in a u64 of nanoseconds (local_clock()), which dmesg
# prints as seconds and /dev/kmsg as microseconds: never more than 2**64 ns, 18446744073.7
# seconds. A longer time is read as no time at all.
_MAX_SECONDS = 2**64 / 1e9


def _seconds(text: str, per_second: float) -> float | None:
    """``text`` (digits, maybe with a fraction) ÷ ``per_second`` as seconds, if in range."""
    if len(text) > 27:  # 20 digits, a point and 6 decimals; more is never a kernel time
        return None
    value = float(text) / per_second
    return value if value <= _MAX_SECONDS else None


# The commonest prefix, dmesg's "[   12.345678] ", maybe with a console level before it and
# a caller id or an Android context after: the reading _PREFIX gives it (those parts of one
# pass, nothing else) when what follows opens no other prefix part: no "[", digit or "<"
# before a digit (a vendor clock, another pass), no msm "c0 0  " column, and no syslog tag
# that would make the stamp journalctl's short-monotonic (its host may be a context's "[3:").
_DMESG = re.compile(
    rf"{_CONSOLE_LEVEL}\[\s*(?P<ts>\d{{1,13}}\.\d{{1,6}}){_DELTA}\](?=\s|\[|$)\s*{_CALLER_ID}{_ANDROID}"
)  # past _MAX_SECONDS (11 digits) the full reading takes it
# "<" opens a prefix part only before a digit (a console level): "<TASK>" is message text.
_NOT_DMESG_ONLY = re.compile(r"[\[0-9]|<\d|<[0-9a-f]{2}>|c\d|\(\d{1,2}\)\[")
# dmesg -T's "[Tue Aug 12 03:54:03 2025] " alone: the reading _PREFIX gives it (its ``dmt``
# part) under the same guard as the stamp's, less the syslog tag (no syslog form opens "[").
_DMESG_T = re.compile(
    rf"\[(?P<dmt>[^\W\d_]{{1,9}}\.?\s+{_MON}\s+\d{{1,2}}\s+\d{{1,2}}:\d{{2}}:\d{{2}}{_TZ}\s+\d{{4}}){_DELTA}\]\s*"
)
# Syslog's "Jun 17 20:58:44 host kernel: ", maybe with dmesg's "[ 12.345678] " after it: the
# reading _PREFIX gives it (its BSD alternative, then its ``ts`` part) when what follows
# opens no other part: no "[", "<" or digit, no msm column, no journal boot id, no
# ``dmesg -x`` facility, no ``dmesg -T`` date without its "[".
_SYSLOG = re.compile(
    rf"\s*(?:>\s*)*(?P<bsd>{_BSD_DATE})\s+(?:(?P<host>[^\s\[]\S*)\s+)?"
    rf"(?:{_FACILITY}\.{_LEVEL}\s+)?{_TAG}\s*"
    r"(?:\[\s*(?P<ts>\d{1,13}\.\d{1,6})\](?=\s|\[|$)\s*)?"
)
_NOT_SYSLOG_ONLY = re.compile(  # "<" before no digit: "<ffffffff8015edc6>{...}", "<TASK>"
    rf"[\[0-9]|<\d|c\d|_BOOT_ID=|{_FACILITY}\s*:|[^\W\d_]{{1,9}}\.?\s+{_MON}\s+\d"
)
# A trace frame "[<ffffffff8114ad2b>]" or a task row "[ 1234]": a bracket no prefix part opens,
# at a line's start or after the prefix the shortcuts above read.
_NO_PREFIX_BRACKET = re.compile(r"\[(?:<(?!\s*\d+\.\d+>\])|\s*-?\d+\])")  # not "[<  0.000317>]"


_SYSLOG_TAG = re.compile(_TAG)
_WORD = re.compile(r"[^\W\d_]*")  # the letters a month, a weekday, a tag or a facility is made of
_FACILITY_NAME = re.compile(_FACILITY)


def _opens_no_part(text: str) -> bool:
    """Does ``text`` open with a word no prefix part starts with? Those that start with letters
    need after them a blank or a "." (a month, a weekday), "kernel:"'s ":" or "kernel[1]"'s
    "[", a facility's ":" (dmesg -x), "local0"'s digit; a "_", "-", "(" or "=" opens none."""
    word = _WORD.match(text)
    end = word.end() if word else 0
    if end == 0:
        return False
    after = text[end : end + 1]
    if after == ":":
        return text[:end] != "kernel" and _FACILITY_NAME.fullmatch(text, 0, end) is None
    return not after or (after not in ".[" and not after.isspace() and not after.isdigit())


def _passes_over(text: str, end: int) -> bool:
    """Does a pass of ``_PREFIX`` read nothing at ``end``, where a shortcut's reading of the
    first pass ends? Then no part of it reads on there, and no next pass (``_AGAIN``) does:
    the shortcut's reading is whole, whatever its guard (a cheap test that turns away more:
    a message of numbers, "[kmem_getpages+30/201]", "Killed process 1 (x)") said."""
    m = _PREFIX.match(text, end)
    return m is not None and m.end() == end


def _tagged(text: str) -> bool:
    """Does ``text`` hold a syslog tag ("kernel:", "kernel[1]:", "[kernel]")?"""
    return "kernel" in text and _SYSLOG_TAG.search(text) is not None


def _alone(text: str, end: int, more: re.Pattern[str]) -> tuple[str, str] | None:
    """(message, prefix) when a shortcut's prefix ends at ``end`` and what follows opens no
    other prefix part: ``more`` finds none there, or it is a bracket no prefix opens."""
    rest = text[end:]
    if more.match(rest) is not None and _NO_PREFIX_BRACKET.match(rest) is None:
        return None
    body = rest.lstrip()
    return body.rstrip(), text[: end + len(rest) - len(body)]


def strip_prefix(text: str) -> tuple[str, Prefix]:
    """Split ``text`` into the kernel message (stripped) and the :class:`Prefix` before it."""
    first = text[:1]
    if first.isspace():
        # an indented line ("    [  739.193652]  <TASK>", a pasted report): _PREFIX takes the
        # blanks with its first \s* and reads what follows as from a line's start (every
        # other part opens with no blank), so the shortcuts read it too
        rest = text.lstrip()
        if rest and rest[0] != ">":
            body, (stamp, caller, host, prefix, note, clock, boot) = strip_prefix(rest)
            lead = text[: len(text) - len(rest)]
            return body, _prefix((stamp, caller, host, lead + prefix, note, clock, boot))
        return strip_any_prefix(text)
    if first == "[" or first == "<":
        m = _DMESG.match(text)
        if m is not None:
            end = m.end()
            got = _alone(text, end, _NOT_DMESG_ONLY)
            if got is None and _passes_over(text, end):
                got = text[end:].rstrip(), text[:end]
            seconds, caller, pid = m.groups()
            if float(seconds) > _MAX_SECONDS:
                return strip_any_prefix(text)  # past 2^64 ns: the full reading says so
            if got is not None and not _tagged(got[0]) and (pid is None or not _tagged(got[1])):
                caller = caller or (pid and "T" + pid)
                return got[0], _prefix((float(seconds), caller, None, got[1], None, None, None))
        elif first == "<":
            return strip_any_prefix(text)  # no syslog form opens "<" but RFC 5424's
        elif _NO_PREFIX_BRACKET.match(text) is not None:
            return text.rstrip(), NO_PREFIX
        elif (m := _DMESG_T.match(text)) is not None:
            end = m.end()
            got = _alone(text, end, _NOT_DMESG_ONLY)
            if got is None and _passes_over(text, end):
                got = text[end:].rstrip(), text[:end]
            if got is not None:
                return got[0], _prefix((None, None, None, got[1], None, m.group("dmt"), None))
    elif not first or (
        first < "\x80" and first not in _MAYBE and not (first.isupper() and "]" in text[:64])
    ):
        # (a capital outside the months may open a dmesg -T date that lost its "[":
        # "Po led  6 14:25:01 2025] ", a Czech Monday)
        return text.rstrip(), NO_PREFIX
    elif _opens_no_part(text):
        return text.rstrip(), NO_PREFIX
    else:
        m = _SYSLOG.match(text)
        if m is not None:
            end = m.end()
            got = _alone(text, end, _NOT_SYSLOG_ONLY)
            if got is None and _passes_over(text, end):
                got = text[end:].rstrip(), text[:end]
            if got is not None:
                ts = m.group("ts")
                stamp = float(ts) if ts else None
                if stamp is not None and stamp > _MAX_SECONDS:
                    return strip_any_prefix(text)
                return got[0], _prefix(
                    (stamp, None, m.group("host"), got[1], None, m.group("bsd"), None)
                )
    return strip_any_prefix(text)


def strip_any_prefix(text: str) -> tuple[str, Prefix]:
    """:func:`strip_prefix` by the whole ``_PREFIX`` alone, with no shortcut taken."""
    ts = caller = host = note = clock = boot = None
    pos = 0
    for _ in range(4):
        m = _PREFIX.match(text, pos)  # every part is optional: it always matches
        if m is None or m.end() == pos:
            break
        pos = m.end()
        g = m.groups()
        if ts is None:
            field, scale = g[_TS] or g[_MTS], 1.0
            if field is None and g[_USEC] is not None:
                field, scale = g[_USEC], 1e6
            if field is not None:
                ts = _seconds(field, scale)
                if ts is None and note is None:
                    note = "time field past 2^64 ns since boot (no printk stamp); time left out"
        if caller is None:
            caller = (
                g[_CALLER]
                or g[_KCALLER]
                or (g[_PID] and "T" + g[_PID])
                or (g[_MPID] and "T" + g[_MPID])
            )
        if host is None:
            h1, h2, h3, h4, h5 = _HOSTS
            host = (
                g[h1]
                or g[h2]
                or g[h3]
                or g[h4]
                or g[h5]
                or (g[_RHOST] if g[_RHOST] != "-" else None)
                or g[_REDACTED]
            )
        if clock is None:
            clock = next((g[c] for c in _CLOCKS if g[c]), None)
        if boot is None:
            boot = g[_BOOT]
        if text[pos : pos + 1] not in _AGAIN:
            break
    rest = text[pos:]
    body = rest.lstrip()
    pos += len(rest) - len(body)
    if pos == 0:
        return body.rstrip(), NO_PREFIX
    return body.rstrip(), _prefix((ts, caller, host, text[:pos], note, clock, boot))
