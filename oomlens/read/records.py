"""Where one physical line holds more than one kernel record, and where it does not.

A logger escapes the newlines of a record of several lines (rsyslog's ``#012``, the
kernel's own ``\\x0a`` on /dev/kmsg); a copy can lose the newline between two records,
gluing a printk stamp to the text before it; a serial console shows a program's output
with the kernel's record after it. A name a task chose (a comm, a cgroup or cpuset
path, see oomlens.read.named) may hold any of these: the lines that print one are
never cut.
"""

from __future__ import annotations

import re

from oomlens.read.named import NAMED
from oomlens.read.prefixes import strip_prefix

# rsyslog's "#012" and the kernel's "\x0a" stand for a newline inside one record.
_ESCAPED_NL = re.compile(r"#012|\\x0a")
# The records the kernel prints as several lines in one printk: show_free_areas()'
# counters ("active_anon:1 inactive_anon:2 isolated_anon:0\n active_file:..."), a
# register dump ("IRQMASK: 0 \nGPR00: ..."). Each line starts with a counter.
_COUNTER_HEAD = re.compile(r"[A-Za-z_]+:\s?-?\d")
# What sits before a name a line prints, on the line itself or on a wrapped piece of it:
# a kill or reaper line's comm, the banner's comm, a cpuset, oom-kill's cgroup paths and
# comm. A stamp after one of these is part of the name, never another record.
_NAME_WORDS_BEFORE = (
    "Kill process",
    "illed process",
    "Killing process",
    "reaped process",
    "cpuset=",
    "Comm: ",
    ", comm: ",
    "task_memcg=",
    "oom_memcg=",
    ",task=",
    "mems_allowed=",
)
# Those, and the words a comm comes before (a trigger's, a stall's): a line holding any of
# them prints a name a task chose, which may hold "#012".
_NAME_WORDS = (
    *_NAME_WORDS_BEFORE,
    "invoked oom-killer",
    "allocation failure",
    "allocation stalls",
    "vmalloc",
)
# How far a glued record's stamp may go back from its line's own (CPUs interleave;
# segment.BOOT_STEP: further back, the segmenter would take the machine for rebooted).
STAMP_STEP = 1.0


# A printk stamp ("[ 659.105948]", maybe with its caller id) glued to the end of another
# record: two records fused on one line where a copy lost the newline between them.
_AFTER_BRACKET = r"\s*\d{1,10}\.\d{6}\](?:\[\s*[TC]\d{1,7}\])?"  # the stamp past its "["
_STAMP = re.compile(r"\[" + _AFTER_BRACKET)


def _stamp_after(blank: str) -> re.Pattern[str]:
    """``_STAMP`` where the character before it is of the class ``blank``: its "[" is matched
    first and looked back from, so that a search skips from "[" to "[" at C speed."""
    return re.compile(rf"\[(?<={blank}\[){_AFTER_BRACKET}")


# A stamp glued to the character before it: what every fused record has (a cheap test first).
_GLUED = _stamp_after(r"\S")


def _glued_cuts(text: str) -> list[int]:
    """Where a second printk stamp, glued to the text before it, starts another record.

    The stamp is printk's: a blank follows it, and in a line with no time of its own it
    is printk's full width (``[%5lu.%06lu]``, wider than a comm can hold with a byte
    before it). Never in a line that prints a name a task chose (a comm, a cgroup or
    cpuset path may hold ``x[1.000000] y``), never where a comm is printed, never a
    stamp that goes back from the line's own by more than STAMP_STEP.
    """
    if text.count("[") < 2 or not _GLUED.search(text):
        return []
    stamps = list(_STAMP.finditer(text))
    glued = [
        m
        for m in stamps[1:]
        if m.start() > 0
        and not text[m.start() - 1].isspace()
        and text[m.end() : m.end() + 1] in ("", " ", "\t")
    ]
    if not glued:
        return []
    body, p = strip_prefix(text[: glued[0].start()])
    if _names(body, _NAME_WORDS_BEFORE):
        return []
    if p.timestamp is not None:
        glued = [m for m in glued if _stamp_seconds(m) >= p.timestamp - STAMP_STEP]
    else:
        glued = [m for m in glued if _PADDED.match(m.group(0))]
    return [m.start() for m in glued if not _in_a_comm(text, m.start(), stamps)]


# printk's own stamp: its seconds right-aligned in at least five places, "[   12.345678]".
_PADDED = re.compile(r"\[[ \d]{5,}\.")
# What the kernel prints right after a task's comm ("<comm> invoked oom-killer:",
# "<comm>: page allocation failure", "<comm>: vmalloc error", "<comm>: vmalloc: allocation
# failure", "<comm> cpuset=...", an Android context's "[cpu: <comm>:<pid>]"), also where a
# wrap cut the words short ("<comm>: page" at a line's end).
_AFTER_COMM = re.compile(
    r" invoked(?: oom-killer|\s*$)|: page(?: allocation |\s*$)|: vmalloc(?:[ :]|\s*$)"
    r"| cpuset=|:\d{1,7}\]"
)
# Where a comm starts, besides a message's start and a record's stamp: an Android
# context's "[cpu:" and its blanks; "Comm: " and ", comm: " (the comm follows them).
_ANDROID_OPEN = re.compile(r"\[\s*\d{1,4}:\s*")
_BEFORE_COMM = re.compile(r"Comm: |, comm: ")
COMM_BYTES = 15  # TASK_COMM_LEN - 1


def _in_a_comm(text: str, at: int, stamps: list[re.Match[str]]) -> bool:
    """Could the stamp at ``at`` be part of a task's comm (at most 15 bytes) printed on
    this line? Then it starts no record: a task may call itself ``x[99999.000000]``.

    A comm starts where a message starts (after the line's prefix, or after a record's
    stamp and its blanks), in an Android context, or after "Comm: "; it ends before
    what the kernel prints after it (``_AFTER_COMM``).
    """
    if any(m.end() <= at < m.end() + COMM_BYTES for m in _BEFORE_COMM.finditer(text)):
        return True
    ends = [m.start() for m in _AFTER_COMM.finditer(text) if m.start() > at]
    if not ends:
        return False
    starts = [len(strip_prefix(text)[1].prefix)]
    starts += [m.end() + len(text[m.end() :]) - len(text[m.end() :].lstrip()) for m in stamps]
    starts += [m.end() for m in _ANDROID_OPEN.finditer(text)]
    return any(c <= at and e - c <= COMM_BYTES for c in starts for e in ends)


_SECONDS = re.compile(r"\d{1,10}\.\d{6}")


def _stamp_seconds(m: re.Match[str]) -> float:
    """The seconds of a ``_STAMP`` match (its padding may be any blank ``\\s`` takes)."""
    seconds = _SECONDS.search(m.group(0))
    return float(seconds.group(0)) if seconds else 0.0


def _names(body: str, words: tuple[str, ...]) -> bool:
    """A line that prints a name a task chose: a head of oomlens.read.named, or ``words``."""
    return NAMED.match(body) is not None or any(w in body for w in words)


def fused(text: str) -> bool:
    """Does a second printk stamp follow a first, glued to the text before it?"""
    return bool(_glued_cuts(text))


def _escaped_lines(text: str) -> bool:
    """A record of several lines whose newlines a logger escaped (``#012``, ``\\x0a``):
    a line of counters, never one that prints a name (a comm may hold ``#012``)."""
    head = _ESCAPED_NL.split(text, 1)[0]
    body = strip_prefix(head)[0]
    return _COUNTER_HEAD.match(body) is not None and not _names(text, _NAME_WORDS)


# A stamp after a blank: where a kernel record starts in a line of another program's
# console output ("Creating journal (262144 blocks): [   34.739137] mkfs.ext4 invoked").
_LATE = _stamp_after(r"\s")


def late_start(text: str) -> int:
    """Where a printk record begins after a program's own output on one line, else 0.

    Only in a line with no time of its own (a serial console shows a program's output
    and the kernel's records interleaved), at printk's full-width stamp; never inside a
    log prefix (syslog's ``host kernel: [ 12.345678]``), never at the start of the
    message, never after a name a line prints (a wrapped line's second half may be the
    rest of oom-kill's cgroup paths: ``,task=x [    1.000000] y``).
    """
    if "[" not in text or "." not in text:
        return 0
    m = _LATE.search(text)
    if m is None or not _PADDED.match(m.group(0)):
        return 0
    body, p = strip_prefix(text[: m.start()])
    if p.timestamp is not None or p.clock is not None or not body:
        return 0
    if _names(body, _NAME_WORDS_BEFORE) or _in_a_comm(text, m.start(), [m]):
        return 0
    return m.start()


def pieces(text: str) -> list[str]:
    """The records of one physical line: split at newlines, at escaped newlines of a
    record of several lines, and where a glued stamp starts another record."""
    out = []
    pieces: list[str] = []
    for part in text.split("\n"):
        pieces.extend(_ESCAPED_NL.split(part) if _escaped_lines(part) else (part,))
    for piece in pieces:
        cuts = _glued_cuts(piece)
        for a, b in zip([0, *cuts], [*cuts, len(piece)], strict=True):
            out.append(piece[a:b])
    return out
