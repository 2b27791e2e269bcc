"""Shortcuts taken for speed give exactly what the general path gives.

Each shortcut is checked against the path it stands in for: on every line of every
real sample, and on lines hypothesis builds from the pieces the shortcut's guard
is about (synthetic: no real report holds every mix of prefix parts).
"""

from __future__ import annotations

import copy
import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oomlens.parse.assemble import parse_lines
from oomlens.parse.grammar import as_lexer_text, line_start
from oomlens.parse.numbers import _LONG_RUN, _SUSPECT, number_problem
from oomlens.read.prefixes import Prefix, strip_any_prefix, strip_prefix
from tests.corpus import ALL_FILES


@cache
def _sample_lines() -> tuple[str, ...]:
    out: list[str] = []
    for path in ALL_FILES:
        for raw in path.read_bytes().split(b"\n"):
            out.append(raw.decode("utf-8", "replace").rstrip("\r"))
    return tuple(out)


def test_sample_lines_are_many() -> None:
    assert len(_sample_lines()) > 10_000


# --- strip_prefix: the dmesg stamp alone, and brackets no prefix opens -----------------


def test_strip_prefix_matches_the_whole_regex_on_every_sample_line() -> None:
    differ = [t for t in _sample_lines() if strip_prefix(t) != strip_any_prefix(t)]
    assert differ == []


def test_strip_prefix_reads_an_indented_sample_line_as_the_whole_regex() -> None:
    """Synthetic indentation (a report pasted indented) before every sample line."""
    for line in _sample_lines():
        for lead in ("    ", "\t", " \u00a0 "):
            assert strip_prefix(lead + line) == strip_any_prefix(lead + line)


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet=" \t\x0b\x0c\x1c\x1d\x1e\x1f\u00a0\u2003\u3000>", min_size=1, max_size=6),
    st.sampled_from(_sample_lines()),
)
def test_strip_prefix_reads_any_blank_lead_as_the_whole_regex(lead: str, line: str) -> None:
    """Synthetic: any run of blanks and mail quotes before a sample line."""
    assert strip_prefix(lead + line) == strip_any_prefix(lead + line)


def test_the_dmesg_t_shortcut_reads_the_date_as_the_clock() -> None:
    line = "[Di Aug 12 03:54:03 2025] php-fpm invoked oom-killer: gfp_mask=0x1100cca"  # proxmox
    assert strip_prefix(line) == (
        "php-fpm invoked oom-killer: gfp_mask=0x1100cca",
        Prefix(None, None, None, "[Di Aug 12 03:54:03 2025] ", None, "Di Aug 12 03:54:03 2025"),
    )


def test_journalctl_short_delta_reads_stamp_and_host() -> None:
    line = "[    6.489634 <    0.000317>] lab kernel: Mem-Info:"  # journalctl -o short-delta
    body, p = strip_prefix(line)
    assert (body, p.timestamp, p.host) == ("Mem-Info:", 6.489634, "lab")


def test_the_dmesg_shortcut_reads_stamp_and_prefix() -> None:
    line = "[ 4226.393212] Node 0 DMA32 free:9852kB"  # corpus-style dmesg line
    assert strip_prefix(line) == (
        "Node 0 DMA32 free:9852kB",
        Prefix(4226.393212, None, None, "[ 4226.393212] ", None, None, None),
    )


@pytest.mark.parametrize(
    "line",
    [
        "[   12.345678] host kernel: oom-kill:constraint=CONSTRAINT_NONE",  # short-monotonic
        "[   12.345678] [T123] sed invoked oom-killer:",  # a caller id after the stamp
        "[   12.345678] c0 0      lowmem_reserve[]: 0 0",  # msm's column
        "[   12.345678] <4>Mem-Info:",  # a console level after the stamp
        "[12345678901234.5] Mem-Info:",  # 14 digits: past what the shortcut reads
        "[   12.3456789] Mem-Info:",  # 7 decimals
        "[Tue Aug 12 03:54:03 2025] [T42] Mem-Info:",  # dmesg -T, then a caller id
        "[Tue Aug 12 03:54:03 2025] <4>Mem-Info:",  # dmesg -T, then a console level
        "[Tue Aug 12 03:54:03 2025] c1 77    Mem-Info:",  # dmesg -T, then msm's column
        "[Tue Aug 12 03:54:03 2025] [ 1234]  1000  1234 12 3 0 0 0 sshd",  # a task row
        "[    6.489951 <    0.000317>] Mem-Info:",  # dmesg -d
        "[    6.489951 <    0.000317>] [<ffffffff8114ad2b>] foo+0x1/0x2",
        "[Tue Aug 12 03:54:03 2025 <    0.000317>] Mem-Info:",  # dmesg -T -d
        "[<    0.000317>] Mem-Info:",  # --time-format=delta
        "[<    0.000317>] [<ffffffff8114ad2b>] foo+0x1/0x2",
        "[    6.489634 <    0.000317>] host kernel: Mem-Info:",  # journalctl -o short-delta
        "Po led  6 14:25:01 2025] Mem-Info:",  # dmesg -T, "[" lost, a weekday not English
        "Vi ian 10 03:54:03 2025] Mem-Info:",
    ],
)
def test_what_the_dmesg_shortcut_leaves_to_the_regex(line: str) -> None:
    assert strip_prefix(line) == strip_any_prefix(line)


_PIECES = st.sampled_from(
    [
        "[",
        "]",
        " ",
        "\t",
        "\x1c",
        "\xa0",
        "\u2028",
        "1",
        "12.",
        ".",
        "345678",
        "1234567",
        "12345678901234",
        "٣",
        "kernel",
        "kernel:",
        "[kernel]",
        ":",
        "c0",
        "<4>",
        "T12",
        "[T1]",
        "[C2]",
        "host",
        "x",
        "[03-19 10:05:52.189]",
        "[0: comm:12]",
        ">",
        "-",
        "[<ffff>]",
        "[ 12]",
        "Mem-Info:",
        "Jun",
        "June",
        " 17",
        " 20:58:44",
        " host",
        " kernel: ",
        "kern",
        ".warn ",
        "_BOOT_ID=",
        "Thu",
        "  ",
        "Di Aug 12 03:54:03 2025]",  # dmesg -T (a German weekday), its "[" a piece of its own
        "Tue",
        " Aug",
        " 12 03:54:03",
        " 2025",
        "]c0 0   ",
        "<TASK>",
        "<",
        " <    0.000317>]",  # dmesg -d's delta
        "[<    0.000317>]",  # dmesg --time-format=delta
        "[<ffff>]",
        "Po led  6 14:25:01 2025]",  # dmesg -T whose "[" was lost, a Czech Monday
        "Vi",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=10), st.booleans())
def test_strip_prefix_matches_the_whole_regex_on_built_lines(
    pieces: list[str], bracket: bool
) -> None:
    line = ("[" if bracket else "") + "".join(pieces)
    assert strip_prefix(line) == strip_any_prefix(line)


# --- LineStart: terminals left out by the line's first character ------------------------


@cache
def _readers() -> tuple[object, object]:
    """The line reader as built, and a copy that tries every terminal in one scanner: none
    left out by first character, none tried alone."""
    reader = line_start()
    assert reader is not None
    reader.tuned()
    plain = copy.copy(reader)
    plain._by_first = {}
    plain._other = (0, [])
    plain._scanners = {0: reader._scanner}
    return reader, plain


def _read(reader: object, texts: list[str]) -> dict[int, tuple[str, object]]:
    """Each line's record with its kind: records are named tuples, equal by value alone."""
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    got = reader.read(as_lexer_text("\n".join(texts) + "\n"), starts, texts)  # type: ignore[attr-defined]
    return {i: (type(r).__name__, r) for i, r in got.items()}


def test_first_character_filter_leaves_every_sample_line_read_alike() -> None:
    fast, plain = _readers()
    lines = [t for t in _sample_lines() if "\x00" not in t]
    for i in range(0, len(lines), 2000):
        chunk = lines[i : i + 2000]
        assert _read(fast, chunk) == _read(plain, chunk)


def test_a_short_input_is_read_with_larks_one_scanner_a_long_one_tunes_it() -> None:
    """The per-character scanners cost ~15 ms to compile: a log of a report or two is read
    with Lark's own scanner; past TUNE_AFTER lines the reader builds them, reading alike."""
    from oomlens.parse.grammar import TUNE_AFTER, _line_start, report_parser

    reader = _line_start(report_parser(), install=False)
    assert reader is not None
    lines = [t for t in _sample_lines() if "\x00" not in t]
    first = _read(reader, lines[:500])
    assert not reader._tuned and reader._scanners == {0: reader._scanner}
    rest = _read(reader, lines[500 : TUNE_AFTER + 1000])
    assert reader._tuned and reader._by_first
    _, plain = _readers()
    assert first == _read(plain, lines[:500])
    assert rest == _read(plain, lines[500 : TUNE_AFTER + 1000])


def test_the_filter_knows_a_task_row_starts_with_a_bracket() -> None:
    fast, _ = _readers()
    left_out, _alone = fast._by_first["["]  # type: ignore[attr-defined]
    names = [t.name for i, t in enumerate(fast._scanner.terminals) if left_out >> i & 1]  # type: ignore[attr-defined]
    assert "TASK_ROW" not in names and "TASK_HEADER" not in names
    assert "KVS" in names and "ZONE_NAME" in names  # these start with a letter
    assert "UNKNOWN" not in names  # any line may be unknown


@settings(max_examples=1500, deadline=None)
@given(
    st.characters(max_codepoint=0x7F, blacklist_characters="\n\r\x00"),
    st.sampled_from(_sample_lines()[:4000]),
)
def test_first_character_filter_on_any_ascii_head(head: str, line: str) -> None:
    fast, plain = _readers()
    texts = [head + line, head + line.lstrip()]
    assert _read(fast, texts) == _read(plain, texts)


def test_parse_lines_unchanged_by_the_filter_on_a_report() -> None:
    """The whole parse of a real report (corpus 035) keeps its records."""
    fast, plain = _readers()
    texts = [
        strip_prefix(t)[0]
        for t in (ALL_FILES[0].parent / "035.log").read_text(encoding="utf-8").splitlines()
    ]
    records, broken = parse_lines(texts)
    assert broken == []
    assert _read(fast, texts) == _read(plain, texts)
    assert len(records) == len([t for t in texts if t])


# --- the LALR loop's lexers at a line's start use LineStart.match -------------------------


@cache
def _parsers() -> tuple[object, object]:
    """The report parser as built (its line-start lexers' ``match`` is LineStart's, tuned),
    and one built from the same grammar without it."""
    from oomlens.parse.grammar import new_report_parser, report_parser

    reader = line_start()
    assert reader is not None
    reader.tuned()
    hooked = report_parser()
    plain = new_report_parser()
    return hooked, plain


def _parsed(parser: object, text: str) -> object:
    """The records with their kinds, or the error the parse stopped at."""
    try:
        records = parser.parse(text)  # type: ignore[attr-defined]
    except Exception as err:  # noqa: BLE001 - both must stop alike
        return (type(err).__name__, getattr(err, "line", None), getattr(err, "column", None))
    return [(type(r).__name__, r) for r in records]


def test_the_line_start_lexers_match_with_line_start() -> None:
    hooked, _ = _parsers()
    lexers = hooked.parser.lexer.lexers.values()  # type: ignore[attr-defined]
    reader = line_start()
    assert sum(1 for lx in {id(x): x for x in lexers}.values() if "match" in vars(lx)) >= 2
    assert all(vars(lx)["match"] == reader.match for lx in lexers if "match" in vars(lx))  # type: ignore[union-attr]


def test_the_lalr_loop_reads_every_sample_alike_with_line_start_match() -> None:
    """Every sample line through the LALR loop, 500 at a time: the same records (or the
    same stop) with the tuned line-start match as with Lark's one scanner."""
    hooked, plain = _parsers()
    lines = [strip_prefix(t)[0] for t in _sample_lines() if "\x00" not in t]
    read = 0
    for i in range(0, len(lines), 500):
        chunk = lines[i : i + 500]
        want = _parsed(plain, "\n".join(chunk) + "\n")
        if isinstance(want, tuple):  # a line the grammar stops at: then line by line
            for line in chunk:
                assert _parsed(hooked, line + "\n") == _parsed(plain, line + "\n")
            continue
        assert _parsed(hooked, "\n".join(chunk) + "\n") == want
        read += len(want)
    assert read > 10_000


@settings(max_examples=1000, deadline=None)
@given(
    st.characters(max_codepoint=0x7F, blacklist_characters="\n\r\x00"),
    st.sampled_from(_sample_lines()[:4000]),
)
def test_the_lalr_loop_reads_any_ascii_head_alike(head: str, line: str) -> None:
    """Synthetic: a sample line behind any ASCII character, one by one."""
    hooked, plain = _parsers()
    text = head + line + "\n"
    assert _parsed(hooked, text) == _parsed(plain, text)


# --- number_problem: a cheaper first test ------------------------------------------------


def _shortcut_passes(text: str) -> bool:
    """The first test of number_problem lets ``text`` through as having no problem."""
    return text.isascii() and _LONG_RUN.search(text) is None


def test_number_first_test_passes_no_sample_line_the_full_test_stops() -> None:
    stopped = [t for t in _sample_lines() if _SUSPECT.search(t) is not None]
    assert stopped  # real lines with a 20-digit run or non-ASCII text exist
    assert [t for t in stopped if _shortcut_passes(t)] == []


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789abcdefABCDEFxX:= ٣\xe9", max_size=60))
def test_number_first_test_passes_nothing_the_full_test_stops(text: str) -> None:
    if _SUSPECT.search(text) is not None:
        assert not _shortcut_passes(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("free:123456789012345678901", "a number of 21 digits is beyond 64 bits"),
        ("gfp_mask=0x1234567890abcdef01", "a mask of 18 hex digits is beyond 64 bits"),
        ("free:١٢٣", "'١٢٣' is not a number the kernel prints"),
        ("free:18446744073709551615", None),  # 2**64 - 1: the largest unsigned long
        ("free:18446744073709551616", "a number of 20 digits is beyond 64 bits"),
        ("gfp_mask=0xffffffffffffffff", None),
    ],
)
def test_number_problem(text: str, problem: str | None) -> None:
    assert number_problem(text) == problem


# --- the segmenter's section test, tried only on lines that can open a section ---------


def test_section_heads_cover_every_first_character_of_a_section_line() -> None:
    from types import SimpleNamespace

    from oomlens.parse.grammar import _first_ascii
    from oomlens.read.segment import _SECTION, _SECTION_HEADS

    pattern = SimpleNamespace(flags=(), to_regexp=lambda: _SECTION.pattern)
    first = _first_ascii(pattern)
    assert first is not None and first <= _SECTION_HEADS


# --- task rows: all-digit columns read with int() at once ------------------------------


def _columns_one_by_one(row: str, numeric: tuple[str, ...]) -> tuple[tuple[str, int], ...] | None:
    """The row's numeric columns read one bounded_int at a time (None: one is no number)."""
    from oomlens.parse.numbers import bounded_int

    parts = row[row.index("]") + 1 :].split(None, len(numeric))
    out = []
    for col, part in zip(numeric, parts, strict=False):
        value = bounded_int(part)
        if value is None:
            return None
        out.append((col, value))
    return tuple(out)


def test_task_rows_read_alike_on_every_sample() -> None:
    from oomlens.parse.assemble import _TASK_ROW, parse_text

    rows = 0
    for path in ALL_FILES:
        for rep in parse_text(path.read_text(encoding="utf-8", errors="replace"), str(path)):
            if not rep.tasks:
                continue
            numeric = tuple(c for c, _ in rep.tasks[0].columns)  # the table's own layout
            by_pid: dict[int, list[str]] = {}
            for t in rep.lines:
                if (m := _TASK_ROW.match(t)) is not None:
                    by_pid.setdefault(int(m.group(1)), []).append(t)
            for task in rep.tasks:
                if len(by_pid.get(task.pid, ())) != 1:
                    continue  # a pid printed twice (two tables): not this test's question
                (text,) = by_pid[task.pid]
                assert task.columns == _columns_one_by_one(text, numeric), text
                rows += 1
    assert rows > 500


@pytest.mark.parametrize(
    ("row", "columns"),
    [
        # corpus-style rows; the second's oom_score_adj is negative: read one by one
        (
            "[  567]     0   567    11392      313      24        0         -1000 systemd-udevd",
            -1000,
        ),
        ("[  568]     0   568    11392      313      24        0             0 sshd", 0),
    ],
)
def test_task_row_columns(row: str, columns: int) -> None:
    from oomlens.parse.assemble import parse_text

    (rep,) = parse_text(
        "[ pid ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n"
        + row
        + "\n",
    )
    (task,) = rep.tasks
    assert dict(task.columns)["oom_score_adj"] == columns
    assert dict(task.columns)["total_vm"] == 11392


_TAILS = st.sampled_from(
    [
        "Mem-Info:",
        "[ 12.345678] x",
        "[ 12.345678][ T12] x",
        "[ 12.345678]x",
        "[ 12.3456789] x",
        "<4>x",
        "12,34,56,-;x",
        "_BOOT_ID=0123456789abcdef0123456789abcdef x",
        "kern  :warn  : x",
        "Thu Jun 17 20:58:44 2021] x",
        "c0 0      x",
        "[kernel] x",
        "kernel: x",
        "x kernel: y",
        "12.345678] x",
        "",
        " ",
        "user :info : x",
        "[T12] x",
        "[ 1192]     0  1192     1207      758 x",
        "[-1] x",
        "[<c0139841>] oom_kill_process+0x54/0xf8",
        "<ffffffff8015edc6>{kmem_getpages+38}",
        "<٣>x",
        "<²>x",
        "[ 12:  x:12] y",
        "[kmem_getpages+30/201] x",  # a 2.6 trace frame: no prefix part opens it
        "Killed process 5928 (apache2)",  # reads like a dmesg -T date that lost its "["
        "[  pid  ]   uid  tgid",
        "0000000000000000 ffff88001c9f7978",
        "12.345678] x",
    ]
)


@settings(max_examples=4000, deadline=None)
@given(
    st.sampled_from(["", "  ", "> ", "\t>  > "]),
    st.sampled_from(["Jun", "June", "févr.", "jun", "4月", "Thu", "Jun."]),
    st.sampled_from([" ", "  ", "\t"]),
    st.sampled_from(["17", "7", "123"]),
    st.sampled_from(["20:58:44", "20:58:44.123456", "2:58:44"]),
    st.sampled_from(["", " host", " [host", " h-1.x", " kern.warn", " host kern.warn"]),
    st.sampled_from([" kernel:", " kernel[0]:", " [kernel]", " kernel", " kernel: "]),
    st.sampled_from(["", " ", "  ", "\t"]),
    _TAILS,
)
def test_strip_prefix_matches_the_whole_regex_on_built_syslog_lines(
    lead, month, sep, day, clock, host, tag, gap, tail
) -> None:
    """Synthetic: every mix of a BSD syslog header's parts and what may follow it."""
    line = f"{lead}{month}{sep}{day} {clock}{host}{tag}{gap}{tail}"
    assert strip_prefix(line) == strip_any_prefix(line)


# --- strip_prefix: a console level before the stamp, a caller id or context after it ----


def test_strip_prefix_reads_every_sample_line_after_a_stamp_form_as_the_whole_regex() -> None:
    """Synthetic: each sample line after each form the dmesg shortcut reads in one pass."""
    leads = (
        "<4>",
        "<6>[  12.345678] ",
        "[  12.345678][ T123] ",
        "[  12.345678] [C1] ",
        "[  12.345678] [3:  kswapd0:  77] ",
        "<4>[ 6207.637280]  [3:  Binder:9343_3:22875] ",
    )
    differ = [
        lead + t
        for t in _sample_lines()
        for lead in leads
        if strip_prefix(lead + t) != strip_any_prefix(lead + t)
    ]
    assert differ == []


_AROUND_THE_STAMP = st.sampled_from(
    [
        "<4>",
        "<12>",
        "<",
        "4>",
        "[   12.345678]",
        "[12.345678]",
        " <    0.000317>]",
        "[ T1]",
        "[C12]",
        "[T12345678]",
        "[3: kernel:12]",  # a context whose comm reads as short-monotonic's host and tag
        "[3:  Binder:9343_3:22875]",
        "[0:",
        " comm:12]",
        "[ 1234]",
        "[<ffff>]",
        "[03-19 10:05:52.189]",
        " ",
        "  ",
        "\t",
        "kernel:",
        " kernel: ",
        "kernel[1]:",
        "[kernel]",
        "host",
        "c0 0   ",
        "c1",
        "]",
        ":",
        "[",
        "12",
        ".",
        "x",
        "<TASK>",
        "Mem-Info:",
        "12,34,56,-;",  # a /dev/kmsg record, which a digit after the stamp may open
        "1 Time(s): ",
        "7 ",
        "2024-01-02T03:04:05",
        "12.345678]",
        "4月",
        "Jun 17 20:58:44 h kernel: ",
        "[kmem_getpages+30/201]",
        "Killed process 5928 (x)",
        "[  pid  ]",
    ]
)


@settings(max_examples=4000, deadline=None)
@given(
    st.sampled_from(["", "<4>", "[   12.345678]", "<4>[ 12.345678]", "[ 1.000000] "]),
    st.lists(_AROUND_THE_STAMP, min_size=0, max_size=8),
)
def test_strip_prefix_matches_the_whole_regex_around_a_stamp(lead: str, pieces: list[str]) -> None:
    """Synthetic: console levels, stamps, caller ids, contexts and tags in any order."""
    line = lead + "".join(pieces)
    assert strip_prefix(line) == strip_any_prefix(line)


# --- Segmenter: content lines, the whole-line patterns tried only with their literal ----


def _one_content_regex() -> re.Pattern[str]:
    """``_CONTENT`` with the whole-line patterns back among its alternatives, searched."""
    from oomlens.read.segment import _CONTENT, _CPUSET_LINE, _FRAME_LINE

    assert _CONTENT.pattern.startswith("^(?:") and _CONTENT.pattern.endswith(")")
    return re.compile(f"{_CONTENT.pattern[:-1]}|{_CPUSET_LINE.pattern}|{_FRAME_LINE.pattern})")


def test_content_reads_every_sample_line_as_one_regex() -> None:
    from oomlens.read.segment import _content

    whole = _one_content_regex()
    texts = [t for line in _sample_lines() for t in (line, strip_prefix(line)[0])]
    assert [t for t in texts if _content(t) != bool(whole.search(t))] == []


@settings(max_examples=4000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["cpuset=", "+0x", "1f", "/0x", "a", ".", "_", " ", "\n", "kB", ":", "9", "Node 0 "]
        ),
        max_size=10,
    )
)
def test_content_reads_built_lines_as_one_regex(pieces: list[str]) -> None:
    """Synthetic: the literals the whole-line patterns need, before or after a newline."""
    from oomlens.read.segment import _content

    text = "".join(pieces)
    assert _content(text) == bool(_one_content_regex().search(text))


# --- strip_prefix: a word no prefix part starts with ------------------------------------


def _no_part_read(text: str) -> bool:
    from oomlens.read.prefixes import _PREFIX, _SYSLOG

    m = _PREFIX.match(text)
    return m is not None and m.end() == 0 and _SYSLOG.match(text) is None


def test_a_word_no_prefix_part_starts_with_opens_no_sample_line() -> None:
    from oomlens.read.prefixes import _opens_no_part

    texts = [t for line in _sample_lines() for t in (line, line.lstrip(), strip_prefix(line)[0])]
    assert [t for t in texts if _opens_no_part(t) and not _no_part_read(t)] == []


@settings(max_examples=5000, deadline=None)
@given(
    st.sampled_from(
        [
            "Jun",
            "June",
            "jun",
            "févr",
            "Di",
            "Po",
            "Thu",
            "kernel",
            "kern",
            "local",
            "authpriv",
            "user",
            "Mem",
            "active",
            "x",
            "ÄÖ",
            "ª",
            "Ⅻ",
            "²",
            "lowmem",
            "DMA",
            "Node",
            "slab",
        ]
    ),
    st.sampled_from(
        [
            "",
            ":",
            "_",
            "-",
            ".",
            "[",
            "]",
            " ",
            "\t",
            "\xa0",
            "\u2028",
            "0",
            "7",
            "9",
            "٣",
            "²",
            "(",
            "=",
            "/",
            "…",
            "<",
            ">",
            ",",
            "'",
            "+",
        ]
    ),
    st.sampled_from(["", ":warn: ", " : info : ", ":err:", " 17 20:58:44 "]),
    st.lists(_PIECES, max_size=6),
)
def test_a_word_no_prefix_part_starts_with_opens_no_built_line(
    word: str, after: str, level: str, pieces: list[str]
) -> None:
    """Synthetic: a word, any character after it, a facility's level or a date's rest, and
    prefix pieces after that."""
    from oomlens.read.prefixes import _opens_no_part

    text = word + after + level + "".join(pieces)
    assert not _opens_no_part(text) or _no_part_read(text)
    assert strip_prefix(text) == strip_any_prefix(text)


# --- records: a stamp looked for from its "[", the character before it looked back at ----


@pytest.mark.parametrize("blank", [r"\S", r"\s"])
def test_a_stamp_found_from_its_bracket_is_the_one_the_look_behind_finds(blank: str) -> None:
    from oomlens.read.records import _AFTER_BRACKET, _stamp_after

    fast, plain = _stamp_after(blank), re.compile(rf"(?<={blank})\[{_AFTER_BRACKET}")
    lines = _sample_lines()
    texts = [*lines, *(a + b for a, b in zip(lines, lines[1:], strict=False))]  # and glued pairs

    def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
        return [m.span() for m in pattern.finditer(text)]

    assert [t for t in texts if spans(fast, t) != spans(plain, t)] == []


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["[", "]", " ", "\t", "x", "1", "12.345678", "[ T1]", "\xa0"])))
def test_a_stamp_found_from_its_bracket_on_built_lines(pieces: list[str]) -> None:
    from oomlens.read.records import _AFTER_BRACKET, _GLUED, _LATE

    text = "".join(pieces)
    for fast, blank in ((_GLUED, r"\S"), (_LATE, r"\s")):
        plain = re.compile(rf"(?<={blank})\[{_AFTER_BRACKET}")
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


# --- Segmenter: patterns tried only on lines whose first character may open them ----------


def test_splat_and_wrapped_piece_heads_cover_every_first_ascii_character() -> None:
    from types import SimpleNamespace

    from oomlens.parse.grammar import _first_ascii
    from oomlens.read.rejoin import CONT_HEAD, CONT_HEADS
    from oomlens.read.segment import _SPLAT, _SPLAT_HEADS

    for pattern, heads in ((_SPLAT, _SPLAT_HEADS), (CONT_HEAD, CONT_HEADS)):
        first = _first_ascii(SimpleNamespace(flags=(), to_regexp=lambda p=pattern: p.pattern))
        assert first is not None and first <= heads


def test_a_wrapped_piece_is_told_alike_on_every_sample_line() -> None:
    """``_fragment`` with and without its first-character test, on sample lines and pairs."""
    from oomlens.read import rejoin
    from oomlens.read.segment import Segmenter

    lines = [strip_prefix(t)[0] for t in _sample_lines()]
    pairs = list(zip(lines[1:], lines, strict=False))
    fast = [Segmenter._fragment(t, p) for t, p in pairs]
    heads, rejoin.CONT_HEADS = rejoin.CONT_HEADS, frozenset(map(chr, range(128)))
    try:
        assert [Segmenter._fragment(t, p) for t, p in pairs] == fast
    finally:
        rejoin.CONT_HEADS = heads
