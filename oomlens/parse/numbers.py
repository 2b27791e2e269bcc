"""Bounds on the numbers a report prints: 64-bit integers, node ids below MAX_NUMNODES.

The kernel prints its counters as ``unsigned long`` or ``long`` (at most 20 digits),
its masks as at most 16 hex digits, and a node list (``nodemask=%*pbl``,
``mems_allowed=``) as ranges of node ids below ``MAX_NUMNODES``. A number beyond
these came from somewhere else: the line holding it is set aside with a diagnostic
(:class:`NumberOutOfRange` from the lexer). A node list stays text here and ranges in
the judge (oomlens.judge.nodes), never a set.
"""

from __future__ import annotations

import re

from lark import Token

U64 = 1 << 64
# include/linux/numa.h: MAX_NUMNODES = 1 << NODES_SHIFT, and NODES_SHIFT is at most 10.
MAX_NUMNODES = 1 << 10


# A digit run or 0x-mask that may pass 64 bits, or a digit that is not ASCII.
_SUSPECT = re.compile(r"\d{20}|0[xX][0-9a-fA-F]{17}|[^\x00-\x7f]")
_DECIMAL = re.compile(r"\d+")
_HEX = re.compile(r"0[xX]([0-9a-fA-F]+)")


class NumberOutOfRange(ValueError):
    """A number on a report line that no kernel prints (over 64 bits, or not ASCII digits)."""


def _too_big(digits: str, base: int) -> bool:
    digits = digits.lstrip("0")
    if base == 16:
        return len(digits) > 16
    return len(digits) > 20 or (len(digits) == 20 and int(digits) >= U64)


# Every run ``_SUSPECT`` finds in ASCII text holds 17 hex digits in a row: a cheaper first test.
_LONG_RUN = re.compile(r"[0-9a-fA-F]{17}")


def number_problem(text: str) -> str | None:
    """What is wrong with the numbers in ``text`` (past 64 bits, not ASCII), else None."""
    if text.isascii() and _LONG_RUN.search(text) is None:
        return None
    if _SUSPECT.search(text) is None:
        return None
    for run in _DECIMAL.findall(text):
        if not run.isascii():
            return f"{run[:24]!r} is not a number the kernel prints"
        if _too_big(run, 10):
            return f"a number of {len(run)} digits is beyond 64 bits"
    for run in _HEX.findall(text):
        if _too_big(run, 16):
            return f"a mask of {len(run)} hex digits is beyond 64 bits"
    return None


def check_token(token: Token) -> Token:
    """Lexer callback: pass a token whose numbers fit 64 bits; raise NumberOutOfRange else."""
    problem = number_problem(token)
    if problem is not None:
        raise NumberOutOfRange(problem)
    return token


def bounded_int(text: str) -> int | None:
    """``text`` as an int when it is an ASCII decimal within 64 bits (sign allowed), else None."""
    digits = text[1:] if text[:1] in "+-" else text
    if digits.isascii() and digits.isdigit() and (len(digits) < 20 or not _too_big(digits, 10)):
        return int(text)
    return None


def nodes_beyond(text: str | None) -> str | None:
    """What is wrong with a node list that names nodes no kernel has, else None."""
    top = 0
    for run in _DECIMAL.findall(text or ""):
        if len(run.lstrip("0")) > 20:
            return f"names a node number of {len(run)} digits"
        top = max(top, int(run.lstrip("0") or "0"))
    return f"names node {top}" if top >= MAX_NUMNODES else None
