"""Every real report in samples/: the parser against an independent line-by-line oracle.

The oracle reads the raw file with plain regular expressions (no prefix
stripping beyond a search anywhere in the line) and checks what the Lark parser
produced: every trigger line has its own report, gfp mask and order match the
header, every zone line's name/free/min is in the report covering it, and every
whole buddy line sums to the total the kernel printed.
"""

from __future__ import annotations

import quopri
import re

import pytest

from tests.corpus import ALL_FILES, read_meta, reports

TRIGGER = re.compile(
    r"invoked oom-killer:|(?:^|\] |: |> )oom-killer: gfp_mask|page allocation failure[.:]"
    r"|vmalloc error: size|vmalloc size \d+ allocation failure|vmemmap alloc failure:"
)
# "vmalloc: allocation failure ..." is a trigger of its own unless warn_alloc_failed's
# "page allocation failure" header follows it (before 4.10: one event, two lines)
VMALLOC_FAILURE = re.compile(r"vmalloc: allocation failure")
GFP = re.compile(r"(?:gfp_mask|mode)[=:]0x([0-9a-fA-F]+)")
ORDER = re.compile(r"order[=:](-?\d+)")
ZONE = re.compile(
    r"(?:Node (\d+) )?\b(DMA32|DMA|Normal|HighMem|Movable) free:(\d+)kB(?: boost:\d+kB)? min:(\d+)kB"
)
BUDDY = re.compile(
    r"\b(DMA32|DMA|Normal|HighMem|Movable): ((?:\d+\*\d+kB (?:\([A-Z]+\) )?)+)= ?(\d+)kB"
)
CHUNK = re.compile(r"(\d+)\*(\d+)kB")


def _stem(path) -> str:
    return "seed" if path.suffix == ".txt" else path.stem


def _lines(path) -> list[str]:
    """The file's lines, by their number in the file. A mail body still in quoted-printable
    (soft breaks "=" at line ends, "=3D"; samples/extra/164, 168, 169) is read decoded: each
    record at the line it starts on, the lines its soft breaks joined on left empty."""
    data = path.read_bytes()
    if not (b"=3D" in data and b"=\n" in data):
        return data.decode("utf-8", "replace").split("\n")
    out: list[str] = []
    record: list[bytes] = []
    for physical in data.split(b"\n"):
        record.append(physical)
        if not physical.endswith(b"="):
            text = quopri.decodestring(b"\n".join(record)).decode("utf-8", "replace")
            out += [text] + [""] * (len(record) - 1)
            record = []
    return out


# show_mem() with no failure: warn_alloc's 4.9-4.14 stall warning (samples/extra/130),
# SysRq-m (samples/extra/158) and xmon's "mi" (samples/extra/170) are no report.
STALL = re.compile(r"page allocation stalls for \d+ms|[Ss]ys[Rr]q ?: Show Memory|\d+:mon>\s*mi\b")


def _no_report(path) -> bool:
    """A sample whose .meta says no report is right in it (kind: none): extra/170, an xmon
    dump, and extra/185, two CPUs' show_free_areas() shredded into each other."""
    return read_meta(path).get("kind") == "none"


def _in_stall(lines: list[str], lineno: int) -> bool:
    """The line follows a stall warning with no trigger line between them."""
    for text in reversed(lines[: lineno - 1]):
        if TRIGGER.search(text):
            return False
        if STALL.search(text):
            return True
    return False


def _covering(reps, lineno):
    return [r for r in reps if r.first_line <= lineno <= r.last_line]


def _triggers(lines: list[str]) -> list[int]:
    """Trigger lines, and trigger lines a wrap split over two lines (counted at the first)."""
    found = []
    for i, text in enumerate(lines, start=1):
        nxt = lines[i] if i < len(lines) else ""
        if TRIGGER.search(text):
            found.append(i)
        elif VMALLOC_FAILURE.search(text) and not TRIGGER.search(nxt):
            found.append(i)
        elif not TRIGGER.search(nxt) and TRIGGER.search(text.rstrip() + " " + nxt.lstrip(" \t>")):
            found.append(i)
    return found


@pytest.mark.parametrize("path", ALL_FILES, ids=_stem)
def test_every_trigger_line_has_its_own_report(path):
    reps = reports(_stem(path))
    lines = _lines(path)
    triggers = _triggers(lines)
    header_lines = {r.header.line for r in reps if r.header is not None}
    # a trigger behind a prefix no reader knows (extra/172's logwatch "1 Time(s): ") is a
    # report that says so, never lost
    header_lines |= {
        d.line for r in reps for d in r.diagnostics if "trigger line not understood" in d.message
    }
    for lineno in triggers:
        if lineno not in header_lines and lineno - 1 in header_lines:
            # a trigger by itself ("oom-killer: gfp_mask=...") whose head a wrap left on the
            # line before ("... mkfs.ext4 invoked", extra/197): read as one, at the head
            prev = lines[lineno - 2].rstrip()
            m = TRIGGER.search(prev + " " + lines[lineno - 1].lstrip(" \t>"))
            if m is not None and m.start() < len(prev):
                continue
        assert lineno in header_lines, f"trigger at line {lineno} has no report of its own"
        text = lines[lineno - 1]
        if not TRIGGER.search(text):  # split by a wrap: the mode is on the next lines
            continue
        rep = next((r for r in reps if r.header is not None and r.header.line == lineno), None)
        if rep is None:
            continue
        gfp = GFP.search(text)
        if gfp and "nodemask=" not in text[: gfp.start()]:
            assert rep.header.gfp_mask == int(gfp.group(1), 16)
        order = ORDER.search(text)
        if order:
            assert rep.header.order == int(order.group(1))
    assert len(header_lines) == len(triggers)


@pytest.mark.parametrize("path", ALL_FILES, ids=_stem)
def test_every_zone_line_is_in_its_report(path):
    reps = reports(_stem(path))
    lines = _lines(path)
    if _no_report(path):
        assert reps == ()
        return
    for lineno, text in enumerate(lines, start=1):
        for m in ZONE.finditer(text):
            node, name, free, low_min = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
            if _in_stall(lines, lineno):
                continue
            covering = _covering(reps, lineno)
            assert covering, f"zone line {lineno} is in no report"
            zones = [z for r in covering for z in r.zones if z.line == lineno]
            assert any(
                z.name == name
                and z.free_kb == free
                and z.min_kb == low_min
                and (node is None or z.node == int(node))
                for z in zones
            ), (lineno, name)


@pytest.mark.parametrize("path", ALL_FILES, ids=_stem)
def test_every_whole_buddy_line_sums_to_its_total(path):
    reps = reports(_stem(path))
    lines = _lines(path)
    if _no_report(path):
        return  # test_every_zone_line_is_in_its_report checks there is none
    for lineno, text in enumerate(lines, start=1):
        for m in BUDDY.finditer(text):
            if _in_stall(lines, lineno):
                continue
            printed = int(m.group(3))
            by_hand = sum(int(n) * int(s) for n, s in CHUNK.findall(m.group(2)))
            buddies = [
                z.buddy
                for r in _covering(reps, lineno)
                for z in r.zones
                if z.buddy is not None and z.buddy.line == lineno
            ]
            assert buddies, f"buddy line {lineno} is in no report"
            b = buddies[0]
            assert b.zone == m.group(1)
            assert b.total_kb == printed
            assert b.whole
            assert b.sum_kb == by_hand


@pytest.mark.parametrize("path", ALL_FILES, ids=_stem)
def test_whole_buddy_lines_match_the_kernel_checksum(path):
    whole = [
        z.buddy for rep in reports(_stem(path)) for z in rep.zones if z.buddy and z.buddy.whole
    ]
    for b in whole:
        assert b.sum_kb == b.total_kb, (path.name, b.line)
    # at least every whole line the oracle finds (it cannot see the wrapped ones), but those
    # of a show_mem() that reports no failure
    if _no_report(path):
        return
    lines = _lines(path)
    found = sum(
        len(BUDDY.findall(text)) for n, text in enumerate(lines, start=1) if not _in_stall(lines, n)
    )
    assert len(whole) >= found
