"""Wrapped lines: how a continuation is told from a record of its own, and glued back.

A mail client, a pager or a terminal breaks a long kernel record into several
physical lines. In a log whose records carry a prefix (dmesg time, syslog or
journal header, printk caller id), the pieces after the first carry none: a
line with no prefix after a prefixed one continues it, whatever the prefix
style. Where the log has no prefixes, only a piece that cannot start a record
of its own (``= 1234kB``, ``order=1``) is taken as a continuation.
"""

from __future__ import annotations

import re

from oomlens.read.logline import LogLine

# A line at least this wide before a break was cut by a terminal or pager at its
# width (mail clients wrap near 72-78 columns, at a blank).
WIDE = 100
# printk records are at most 1 KiB (LOG_LINE_MAX) before 5.10 and 2 KiB
# (PRINTK_MESSAGE_MAX) since; a joined line longer than this is no one record.
MAX_RECORD = 2048

# What a prefix may hold that stamps no record: indentation, mail quotes and a
# pasted listing's line number.
_DECORATION = re.compile(r"[\s>]*(?:(\d{1,6})(?:\t|[ \t]*[|│][ \t]?|[:.]?[ \t]+)[\s>]*)?")
# A poster's own mark where they cut lines out: "< snip >", "[snip]", "...".
_SNIP = re.compile(
    r"[<\[(]?\s*(?:\.{2,}|…|(?:\.\.\.\s*)?snip(?:ped)?(?:\s*\.\.\.)?)\s*[>\])]?", re.I
)
# Another program's syslog line interleaved with the kernel's ("... logger[123]: ...").
_FOREIGN_SYSLOG = re.compile(r"[A-Z][a-z]{2,8}\.? +\d{1,2} +\d{1,2}:\d\d:\d\d ")
# A kernel release broken at one of its dashes ("... Tainted: P O 3.12.10-005-").
_RELEASE_CUT = re.compile(r"\d+\.\d+(?:\.\d+)?[-\w.+]*-$")
# A fragment that cannot start a kernel line of its own, and the ASCII characters it starts with.
CONT_HEADS = frozenset("()0123456789=BK_abcdefghijklmnopqrstuvwxyz")
CONT_HEAD = re.compile(
    r"^(?:\d+\*\d+kB|= ?\d+kB|\d+[kK]B(?:\s|$)|[kK]?B(?:[\s,=]|$)|\([A-Z]+\)|[a-z_()]+:\s?-?\d+[kK]B|order=|gfp_mask="
    r"|oom_score_adj=|nodemask=|\((?:__)?GFP_[A-Z_|]*[|)]|mode:0x[0-9a-f]+\(|all_unreclaimable\? "
    r"|\d+\.\d+\.\d+\S*\s+#\d+)"
)


def stamped(line: LogLine) -> bool:
    """The line carries a record prefix: time, caller id, host, kmsg or console level."""
    if line.timestamp is not None or line.caller is not None or line.host is not None:
        return True
    if line.clock is not None:  # a wall-clock date (dmesg -T), or a piece of a dated record
        return True
    return bool(line.prefix) and _DECORATION.fullmatch(line.prefix) is None


def bare(line: LogLine) -> bool:
    """No record prefix (indentation, quotes or a listing number at most): a wrapped piece.

    Not another program's syslog line, nor grep's ``--`` between context groups, nor a
    poster's "< snip >".
    """
    return (
        not stamped(line)
        and line.text != "--"
        and not _SNIP.fullmatch(line.text)
        and not _FOREIGN_SYSLOG.match(line.text)
        and not _PROMPT.match(line.text)
    )


# a debugger's prompt (crash, gdb, kdb, drgn): another program's command, never a kernel line's piece
_PROMPT = re.compile(r"(?:crash|gdb|\(gdb\)|kdb|drgn)> ")


def listing_number(line: LogLine) -> int | None:
    """The pasted listing's own line number in the prefix, if there is one."""
    m = _DECORATION.match(line.prefix)
    return int(m.group(1)) if m and m.group(1) else None


# A break between two fields ("low:948kB" / "high:1136kB", "0*64kB" / "1*128kB",
# "(comm)" / "total-vm:…"): the kernel prints a blank there, whatever the wrap did with it.
_FIELD_END = re.compile(r"(?:[:=]\s?-?\d+(?:[kK]B)?|\d\*\d+kB|\([A-Z]+\)|\))$")
_FIELD_HEAD = re.compile(r"[a-z][a-z_-]*[:=]\s?-?\d|\d+\*\d+kB|\([A-Z]+\)|= ?\d+kB")


# A number cut inside its digits ("managed:159" / "08kB mlocked:0kB"): a field's value is
# never followed by a blank and more digits with its unit.
_NUMBER_CUT = re.compile(r"[:=]\s?-?\d+$")
_UNIT_TAIL = re.compile(r"\d+[kK]?B(?:\s|$|,)")
# A key cut inside its letters ("unevictabl" / "e:4104kB"): no field's value ends in a
# lower-case word, so a break after one fell inside the next key (a zone's name, which
# a key may follow, starts upper-case: "Node 0 Normal" / "free:64284kB").
_KEY_HEAD = re.compile(r"(?:^|\s)[a-z_][a-z_()-]*$")
_KEY_TAIL = re.compile(r"[a-z_-]*:\s?-?\d")


def _inside_a_token(a: str, b: str) -> bool:
    """The tokens on either side of a break say it fell inside one of them."""
    return (
        a.endswith((":", "=", "*"))  # "writepending:" / "32kB"
        or b.startswith((":", "_"))  # "pgtables" / ":42684kB"
        or (b.startswith(("kB", "KB", "B ", "B=")) and a[-1:].isdigit())
        or ((b == "B" or b.startswith(("B ", "B,"))) and a[-2:-1].isdigit() and a[-1:] in "kK")
        or (_NUMBER_CUT.search(a) is not None and _UNIT_TAIL.match(b) is not None)
        or (_KEY_HEAD.search(a) is not None and _KEY_TAIL.match(b) is not None)
        or (b.startswith(("(GFP", "(__GFP")) and a[-1:].isalnum())  # "%#x(%pGg)": no blank
        or (a[-1:] == "-" and _RELEASE_CUT.search(a) is not None)  # "3.12.10-005-" / "ts-armv7l"
    )


def _indent(prefix: str) -> int:
    """How many blanks lead a prefix (a markdown list or mail indent on every line)."""
    return len(prefix) - len(prefix.lstrip(" \t"))


def indented(cont: LogLine, prev: LogLine) -> bool:
    """``cont`` starts further in than ``prev``: the blank was the record's own."""
    return _indent(cont.prefix) > _indent(prev.prefix)


def join(prev: LogLine, cont: LogLine, soft_source: bool, wide: bool = False) -> LogLine:
    """``prev`` with the wrapped piece ``cont`` glued back on, as one record.

    A blank at the break (``prev`` ended in one, or ``cont`` is indented beyond
    ``prev``'s own indent) was a space in the record. Without one, the break cut a
    token when this log soft-wraps with trailing blanks (``soft_source``: a
    format=flowed mail's hard breaks) or when the line before it was ``wide`` (a
    terminal or pager cuts at its width, wider than any mail wrap), unless it fell
    between two fields (``low:948kB`` / ``high:1136kB``), and where the
    tokens on either side say so (``writepending:`` / ``32kB``, ``pgtables`` /
    ``:42684kB``); else a mail client dropped the space it broke at.
    """
    a, b = prev.text, cont.text
    n = listing_number(prev)
    if n is not None and listing_number(cont) is None:
        # a listing numbers every physical line: "12 [ts] ... vmalloc" / "13 error: ..."
        head, _, rest = b.partition(" ")
        if head == str(n + cont.lineno - prev.lineno):
            b = rest.lstrip()
    if not a:
        text = b
    elif prev.trailing_space or indented(cont, prev):
        text = f"{a} {b}"
    elif (
        (soft_source or wide) and not (_FIELD_END.search(a) and _FIELD_HEAD.match(b))
    ) or _inside_a_token(a, b):
        text = a + b
    else:
        text = f"{a} {b}"
    end = cont.end or cont.lineno
    return prev._replace(text=text, trailing_space=cont.trailing_space, end=end)
