"""Numbers no kernel prints (hostile round 52): each is named in a diagnostic, no certain
verdict rests on it, and none loses a report or a fleet's tables.

Each test edits one number of a real sample (extra/111: a 6.8 AWS OOM; corpus 001: a 6.7
page allocation failure; extra/119: a 6.6 TI board OOM), the edit written out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oomlens.pipeline import analyze_file
from oomlens.render import render
from tests.corpus import sample


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = sample(name).read_text()
    assert old in text, old
    path = tmp_path / f"{name}-edited.log"
    path.write_text(text.replace(old, new, 1))
    return path


def _first(path: Path):
    result = analyze_file(str(path))
    return result, result.analyses[0]


@pytest.mark.parametrize(
    ("name", "old", "new", "said"),
    [
        # a column of 2^64 - 1 blocks of 1 MiB: 2^84 kB
        ("111", "1*1024kB (U)", "18446744073709551615*1024kB (U)", "free lists' columns"),
        (
            "111",
            "lowmem_reserve[]: 0 0 28547 28547 28547",
            "lowmem_reserve[]: 0 0 18446744073709551615 28547 28547",
            "lowmem_reserve 18446744073709551615 pages",
        ),
        # show_free_areas() prints every zone field with %lu
        ("111", "min:190196kB low:219428kB", "min:-190196kB low:-100kB", "min -190196kB"),
        # managed is present less what memblock kept
        ("111", "present:15996kB managed:15360kB", "present:15996kB managed:99999999kB", "past present"),
        ("111", "8248331 pages RAM", "18446744073709551615 pages RAM", "pages RAM, which no machine"),
        ("111", "free:51438 free_pcp:1007", "free:-51438 free_pcp:1007", "-51438 free"),
    ],
)  # fmt: skip
def test_a_number_no_kernel_prints_is_said_and_weakens_the_verdict(tmp_path, name, old, new, said):
    result, a = _first(_edited(tmp_path, name, old, new))
    assert any(said in d.message for d in a.report.diagnostics), said
    assert a.verdict.confidence != "certain"
    render([result], "text")  # no internal error in any renderer
    render([result], "json")


@pytest.mark.parametrize(
    ("name", "old", "new", "said"),
    [
        ("111", "Killed process 60540", "Killed process -60540", "killed pid -60540"),
        ("119", "UID:0 pgtables", "UID:18446744073709551615 pgtables", "uid_t (32 bits)"),
        ("119", "0             0 test_samba_blfl", "0          5000 test_samba_blfl", "outside -1000..1000"),
    ],
)  # fmt: skip
def test_a_kill_line_or_task_number_no_kernel_prints_is_said(tmp_path, name, old, new, said):
    """Said, but no verdict reads the kill line's or the task table's numbers: the verdict
    stands as keyed (round 53 F1)."""
    path = _edited(tmp_path, name, old, new)
    _, a = _first(path)
    _, plain = _first(sample(name))
    assert any(said in d.message for d in a.report.diagnostics), said
    assert (a.verdict.code, a.verdict.confidence) == (plain.verdict.code, plain.verdict.confidence)


def test_a_task_row_s_negative_uid_is_a_kernel_s(tmp_path):
    """dump_task() prints the uid with %5d: 4294967294 (an idmap range past 2^31) is -2
    (corpus 051's ntpd row so; round 53 F1)."""
    text = sample("051").read_text()
    row = "[    226]     0   226     1616      112    12288        0             0 ntpd"
    assert row in text
    path = tmp_path / "051-uid.log"
    path.write_text(text.replace(row, row.replace("]     0 ", "]    -2 "), 1))
    _, a = _first(path)
    assert not any("uid" in d.message for d in a.report.diagnostics)
    assert (a.verdict.code, a.verdict.confidence) == ("exhausted", "certain")


def test_managed_past_present_by_a_memory_block_is_onlining(tmp_path):
    """online_pages() frees a hot-added block into the buddy (managed grows) before
    adjust_present_page_count(): corpus 038's Normal managed raised by 1 GiB past present
    is a kernel's print (round 53 F2); by 3 GiB it is none."""
    old = "managed:13263832kB"
    _, a = _first(_edited(tmp_path, "038", old, "managed:14312408kB"))
    assert a.verdict.confidence == "certain"
    _, b = _first(_edited(tmp_path, "038", old, "managed:16409560kB"))
    assert any("past present" in d.message for d in b.report.diagnostics)


def test_an_order_no_allocation_failure_prints_is_not_replayed(tmp_path):
    """warn_alloc() prints the order with %u: -1 is only the OOM killer's (SysRq). corpus
    001's order:1 made -1 was replayed and lost its verdict to a negative shift."""
    _, a = _first(_edited(tmp_path, "001", "order:1,", "order:-1,"))
    assert (a.verdict.code, a.verdict.missing[0]) == ("undetermined", "order")


def test_only_order_minus_one_is_sysrq(tmp_path):
    """moom_callback() passes -1; -2 is no kernel's order, and no manual OOM."""
    _, a = _first(_edited(tmp_path, "111", "order=0,", "order=-2,"))
    assert a.verdict.code == "undetermined" and "order" in a.verdict.missing


def test_an_order_past_any_machine_s_memory_is_said(tmp_path):
    """2^63 pages of 4 kB: past 2^53 bytes, which no architecture addresses. Past the
    free lists a whole buddy line shows, as before: no shortage, at best likely."""
    _, a = _first(_edited(tmp_path, "111", "order=0,", "order=63,"))
    assert any("2^63 pages, more than any machine holds" in d.message for d in a.report.diagnostics)
    assert (a.verdict.code, a.verdict.confidence) == ("not-a-shortage", "likely")


def test_a_mask_past_gfp_t_is_no_request_s(tmp_path):
    """gfp_t is an unsigned int: a 64-bit mask is no request's (it read HighAtomic and
    blamed missing zone lines)."""
    _, a = _first(_edited(tmp_path, "111", "gfp_mask=0x140cca", "gfp_mask=0xffffffffffffffff"))
    assert a.verdict.code == "undetermined" and a.verdict.missing[0] == "gfp_mask"


def test_a_fleet_keeps_its_tables_beside_an_order_past_int64(tmp_path):
    """An order of 2^64 - 1 reached the incidents table unchecked and the whole batch
    died on an internal error with no table written."""
    from oomlens.fleet.batch import run_batch

    fleet = tmp_path / "fleet"
    fleet.mkdir()
    text = sample("111").read_text()
    (fleet / "bad.log").write_text(text.replace("order=0,", "order=18446744073709551615,", 1))
    (fleet / "good.log").write_text(sample("040").read_text())
    out = tmp_path / "out"
    run_batch([str(fleet)], str(out), fmt="parquet", jobs=1)
    import pyarrow.parquet as pq

    incidents = pq.read_table(out / "incidents.parquet").to_pydict()
    assert None in incidents["order"] and len(incidents["order"]) == 2


def test_an_uptime_past_2_64_ns_is_no_time(tmp_path):
    """printk's stamp is local_clock()'s u64 of nanoseconds: at most 18446744073.709551
    seconds. extra/119's "[1527133.x]" stamps set to 99999999999.x are no time, said once
    for every line that holds one (it read 99999999999.672 s after boot)."""
    text = sample("119").read_text().replace("[1527133.", "[99999999999.")
    path = tmp_path / "119-uptime.log"
    path.write_text(text)
    _, a = _first(path)
    assert a.report.uptime_s is None
    said = [
        d.message
        for d in a.report.diagnostics
        if "past 2^64 ns since boot (no printk stamp)" in d.message
    ]
    assert len(said) == 1 and "more lines" in said[0]


def test_a_dmesg_t_date_with_another_day_s_weekday_is_no_time(tmp_path):
    """dmesg -T prints ctime()'s weekday of the date it computed: corpus 040's dates
    moved to 9999 with their weekday kept name a day the date is not (9999-06-03 is a
    Thursday), so the line was made, not printed: no time (it said 9999-06-03)."""
    text = sample("040").read_text()
    first = next(x for x in text.splitlines() if x.startswith("["))
    stamp = first[1 : first.index("]")]
    assert stamp.endswith("2024")
    path = tmp_path / "040-9999.log"
    path.write_text(text.replace(" 2024]", " 9999]"))
    result, a = _first(path)
    assert a.report.time is None


def test_a_memcg_counter_line_with_no_kernel_s_numbers_is_said(tmp_path):
    """corpus 004's "memory: usage 17024340kB, limit 17024340kB" made negative: the counter
    line is no kernel's (%llu); it vanished without a word, and memcg-limit stayed certain
    though its counters are what could show the cgroup below its limit."""
    path = _edited(
        tmp_path,
        "004",
        "memory: usage 17024340kB, limit 17024340kB",
        "memory: usage -17024340kB, limit -5kB",
    )
    _, a = _first(path)
    assert any("counter line" in d.message for d in a.report.diagnostics)
    assert (a.verdict.code, a.verdict.confidence) == ("memcg-limit", "likely")
