"""Fleet tables as pandas and DuckDB users read them: dtypes, partitions, CSV safety, README."""

from __future__ import annotations

import csv
import os
import re
import shutil
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from oomlens.fleet.batch import read_tables, run_batch
from oomlens.fleet.summary import render_summary, summarize
from oomlens.fleet.tables import SCHEMAS, TABLES, file_rows
from oomlens.pipeline import analyze_file
from tests.corpus import sample
from tests.fleet_helpers import DTYPES, ROOT, write_batch

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _timed_fleet() -> list:
    """Real reports of the corpus, each file given a host and its reports a time by the test
    (the read stage does not fill them yet): host h0..h3 by file, times spread over 20 days."""
    rows = []
    for n, log in enumerate(sorted((ROOT / "samples" / "corpus").glob("*.log"))):
        result = analyze_file(str(log))
        when = NOW - timedelta(days=n % 20, hours=1)
        analyses = tuple(
            replace(
                a,
                report=replace(a.report, host=f"h{n % 4}", time=when + timedelta(seconds=600 * k)),
            )
            for k, a in enumerate(result.analyses)
        )
        rows.append(file_rows(replace(result, analyses=analyses), log.name))
    return rows


@pytest.fixture(scope="module")
def timed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("timed") / "fleet"
    write_batch(_timed_fleet(), str(out))
    return out


def _stranded_last_week(reports: pd.DataFrame) -> pd.Series:
    """The fleet question, answered here the long way for the README snippets to match."""
    cut = pd.Timestamp(NOW) - pd.Timedelta(days=7)
    hit = reports[
        (reports["kind"].astype(object) == "oom")
        & (reports["verdict"].astype(object) == "highatomic-stranded")
        & (reports["time"] >= cut)
    ]
    return hit.groupby(hit["release"].astype(object).fillna("(unknown)")).size().sort_index()


def _readme_block(name: str) -> str:
    """The README code block that follows the marker ``<!-- name -->``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name} -->\s*```python\n(.*?)```", text, re.S)
    assert match, f"README has no block marked {name}"
    return match.group(1)


def test_readme_pandas_answer(timed, capsys, monkeypatch):
    monkeypatch.chdir(timed.parent)
    want = _stranded_last_week(read_tables(str(timed))["reports"])
    assert want.sum() >= 1  # the corpus has highatomic-stranded OOMs within the week ...
    reports = read_tables(str(timed))["reports"]
    stranded = (reports["kind"] == "oom") & (reports["verdict"] == "highatomic-stranded")
    assert stranded.sum() > want.sum()  # ... and before it, which the snippet leaves out
    scope: dict = {}
    exec(_readme_block("fleet-pandas"), scope)
    got = scope["per_release"]
    assert dict(got.items()) == dict(want.items())


def test_readme_duckdb_answer(timed, monkeypatch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is an optional test extra")
    del duckdb
    monkeypatch.chdir(timed.parent)
    want = _stranded_last_week(read_tables(str(timed))["reports"])
    scope: dict = {}
    exec(_readme_block("fleet-duckdb"), scope)
    assert dict(scope["rows"]) == dict(want.items())


def test_partitioned_dataset_reads_back(timed, tmp_path):
    rows = _timed_fleet()
    out = tmp_path / "parts"
    write_batch(rows, str(out), partition_by=("host", "date"))
    hosts = sorted(p.name for p in (out / "reports").iterdir())
    assert hosts == ["host=h0", "host=h1", "host=h2", "host=h3"]
    day = (NOW - timedelta(hours=1)).date().isoformat()
    assert (out / "reports" / "host=h0" / f"date={day}").is_dir()
    plain = pd.read_parquet(out / "reports")  # pandas alone: the partition columns come back
    assert set(plain["host"].astype(str)) == {"h0", "h1", "h2", "h3"}
    assert str(plain["pid"].dtype) == "Int64"
    assert str(plain["time"].dtype) == "datetime64[ns, UTC]"
    assert str(plain["verdict"].dtype) == "category"
    whole = read_tables(str(timed))
    split = read_tables(str(out))
    for name in TABLES:
        a = whole[name].sort_values(list(whole[name].columns[:2])).reset_index(drop=True)
        b = split[name].sort_values(list(split[name].columns[:2])).reset_index(drop=True)
        if name == "inputs":
            pd.testing.assert_frame_equal(a, b)
        else:
            key = [c for c in ("report_id", "incident", "path") if c in a][0]
            assert sorted(a[key].dropna()) == sorted(b[key].dropna()), name


def test_partition_values_from_the_log_cannot_escape_the_table(tmp_path):
    """A host name is log text: "../../x" is percent-encoded in the path, read back as is.
    The host is given by the test (no real log of ours names a hostile host)."""
    result = analyze_file(str(sample("035")))
    hostile = "../../etc/x"
    a = result.analyses[0]
    rows = [
        file_rows(
            replace(
                result, analyses=(replace(a, report=replace(a.report, host=hostile, time=NOW)),)
            ),
            "035.log",
        )
    ]
    out = tmp_path / "out"
    write_batch(rows, str(out), partition_by=("host",))
    assert [p.name for p in (out / "reports").iterdir()] == ["host=..%2F..%2Fetc%2Fx"]
    assert not (tmp_path / "etc").exists()
    assert read_tables(str(out))["reports"]["host"].tolist() == [hostile]


def test_cli_partition_by_writes_unknown_for_reports_without_host(tmp_path):
    from oomlens.cli import main

    out = tmp_path / "out"
    code = main(
        ["batch", str(sample("035")), "--out", str(out), "-j", "1", "--partition-by", "host,date"]
    )
    assert code == 0
    assert (out / "reports" / "host=unknown" / "date=unknown").is_dir()
    t = read_tables(str(out))
    assert t["reports"]["host"].isna().all()
    assert len(t["reports"]) == 1
    assert (
        main(
            ["batch", str(sample("035")), "--out", str(tmp_path / "o2"), "--partition-by", "kernel"]
        )
        == 2
    )
    assert not (tmp_path / "o2").exists()  # nothing created before the arguments are valid


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "'quoted", "a\rb", 'q"uote,comma\n']


@pytest.mark.parametrize("comm", FORMULAS)
def test_csv_tables_neutralise_formulas_and_round_trip(tmp_path, comm):
    """The balloon report (035) with its task's comm replaced by the test: no real report
    has a comm like these, but a process may name itself anything."""
    result = analyze_file(str(sample("035")))
    a = result.analyses[0]
    ctx = replace(a.report.context, comm=comm)
    hostile = replace(result, analyses=(replace(a, report=replace(a.report, context=ctx)),))
    out = tmp_path / "csv"
    write_batch([file_rows(hostile, "035.log")], str(out), fmt="csv")
    raw = (out / "reports.csv").read_bytes().decode("utf-8")
    with open(out / "reports.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert len(table) == 2 and len(table[1]) == len(SCHEMAS["reports"])
    cell = table[1][[c for c, _ in SCHEMAS["reports"]].index("comm")]
    if comm[0] in "=+-@'":
        assert cell == "'" + comm  # a spreadsheet shows it as text
    else:
        assert cell == comm
    assert raw.count("\r\n") >= 2  # RFC 4180 records
    back = read_tables(str(out))["reports"]
    assert back["comm"].tolist() == [comm]
    assert summarize(str(out)).reports == 1
    assert "oomlens fleet summary" in render_summary(summarize(str(out)))


def test_batch_csv_of_the_fleet_equals_parquet(tmp_path):
    corpus = [str(p) for p in sorted((ROOT / "samples" / "corpus").glob("0[0-2]*.log"))]
    run_batch(corpus, str(tmp_path / "p"), fmt="parquet", jobs=1)
    run_batch(corpus, str(tmp_path / "c"), fmt="csv", jobs=1)
    p, c = read_tables(str(tmp_path / "p")), read_tables(str(tmp_path / "c"))
    for name in TABLES:
        pd.testing.assert_frame_equal(p[name], c[name], check_categorical=True)


def test_summary_with_time_hosts_and_window(timed):
    whole = summarize(str(timed))
    reports = read_tables(str(timed))["reports"]
    assert whole.reports == len(reports)
    assert sum(n for _, n in whole.by_day) == len(reports)
    assert dict(whole.by_host) == reports["host"].value_counts().to_dict()
    assert whole.top_hosts == whole.by_host[:10]
    since = NOW - timedelta(days=7)
    week = summarize(str(timed), since=since)
    want = int((reports["time"] >= pd.Timestamp(since)).sum())
    assert week.reports == want < len(reports)
    assert all(day >= since.date().isoformat() for day, _ in week.by_day)
    until = summarize(str(timed), until=since)
    assert until.reports == len(reports) - want
    assert render_summary(week, "json").startswith('{\n  "schema": "oomlens-summary/1"')


def test_summary_all_row_is_the_sum_of_its_parts(timed):
    """Issue 13: the "all" share (9.7 %) sat below both rows shown, because memcg-oom and
    reports of unknown kind were in "all" but in no row. Now every kind is a row."""
    s = summarize(str(timed))
    parts, total = s.shares[:-1], s.shares[-1]
    assert total.kind == "all"
    assert total.reports == sum(p.reports for p in parts)
    assert total.avoided == sum(p.avoided for p in parts)
    assert total.not_avoided == sum(p.not_avoided for p in parts)
    fractions = [p.fraction for p in parts]
    assert min(fractions) <= total.fraction <= max(fractions)
    assert {p.kind for p in parts} >= {"oom", "alloc-failure", "memcg-oom"}


def test_empty_batch_summarises(tmp_path):
    from oomlens.cli import main

    (tmp_path / "in").mkdir()
    assert main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-j", "1"]) == 0
    for fmt in ("text", "markdown", "json"):
        assert main(["summary", str(tmp_path / "out"), "--format", fmt]) == 0
    assert main(["summary", str(tmp_path / "out"), "--since", "yesterday"]) == 2


def test_plain_read_of_every_table_after_a_real_batch(tmp_path):
    run_batch([str(sample("001")), str(sample("020"))], str(tmp_path / "o"), jobs=1)
    for name in TABLES:
        df = pd.read_parquet(tmp_path / "o" / f"{name}.parquet")
        assert [str(t) for t in df.dtypes] == [DTYPES[k] for _, k in SCHEMAS[name]], name
    incidents = pd.read_parquet(tmp_path / "o" / "incidents.parquet")
    # 020's storm is one incident of 24 at the default 60 s window: its 76 s gap
    # (06:02:17 → 06:03:33) follows a ratelimit notice, which bridges up to 120 s
    storm = incidents[incidents["first_report"].isin(["020.log:2", "020.log:28"])]
    assert storm["reports"].tolist() == [24]
    assert storm["last_report"].tolist() == ["020.log:88"]
    reports = pd.read_parquet(tmp_path / "o" / "reports.parquet")
    assert (reports["incident"] == "020.log:2").sum() == 24
    assert os.path.islink(tmp_path / "o" / "reports.parquet")
    shutil.rmtree(tmp_path / "o")


def test_batch_says_what_it_assumed_about_time_and_takes_year_and_offset(tmp_path):
    """corpus 015's syslog dates ("Jun 11 20:16:32") print no year and no offset (round 38
    F8): the inputs table lists what was assumed, and batch takes --year and --utc-offset
    as analyze does, after which nothing is assumed."""
    from typer.testing import CliRunner

    from oomlens.cli import app

    log = ROOT / "samples" / "corpus" / "015.log"
    run_batch([str(log)], str(tmp_path / "plain"), fmt="csv", jobs=1)
    inputs = read_tables(str(tmp_path / "plain"))["inputs"]
    (said,) = inputs["assumptions"]
    assert len(said) == 1 and said[0].startswith("syslog dates carry no year and no UTC offset")
    out = tmp_path / "given"
    args = ["batch", str(log), "--out", str(out), "--format", "csv", "--no-progress"]
    done = CliRunner().invoke(app, [*args, "--year", "2021", "--utc-offset", "+02:00"])
    assert done.exit_code == 0, done.output
    tables = read_tables(str(out))
    assert list(tables["inputs"]["assumptions"]) == [[]]
    assert str(tables["reports"]["time"][0]) == "2021-06-11 18:16:32+00:00"
