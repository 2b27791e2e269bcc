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
        ("111", "Killed process 60540", "Killed process -60540", "killed pid -60540"),
        ("119", "UID:0 pgtables", "UID:18446744073709551615 pgtables", "uid_t (32 bits)"),
        ("119", "0             0 test_samba_blfl", "0          5000 test_samba_blfl", "outside -1000..1000"),
    ],
)  # fmt: skip
def test_a_number_no_kernel_prints_is_said_and_weakens_the_verdict(tmp_path, name, old, new, said):
    result, a = _first(_edited(tmp_path, name, old, new))
    assert any(said in d.message for d in a.report.diagnostics), said
    assert a.verdict.confidence != "certain"
    render([result], "text")  # no internal error in any renderer
    render([result], "json")


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
