"""Batch tables over a fleet built from samples/corpus: nothing lost, joins, engines, atomicity."""

from __future__ import annotations

import gzip
import lzma
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oomlens.fleet.batch import BatchError, analyze_paths, read_manifest, read_tables, run_batch
from oomlens.fleet.summary import render_summary, summarize
from oomlens.fleet.tables import FILE_TABLES, SCHEMAS, TABLES, conform, file_rows, frame
from oomlens.judge.verdict import CODES
from oomlens.pipeline import FileResult, Options, analyze_file
from tests.fleet_helpers import DTYPES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "samples" / "corpus").glob("*.log"))
COPIES = 5


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    """samples/corpus five times over: a third plain, a third gzip, a third xz, plus bad files."""
    root = tmp_path_factory.mktemp("fleet")
    n = 0
    for copy in range(COPIES):
        host = root / f"host{copy}"
        host.mkdir()
        for log in CORPUS:
            data = log.read_bytes()
            kind = n % 3
            n += 1
            if kind == 0:
                (host / log.name).write_bytes(data)
            elif kind == 1:
                (host / (log.name + ".gz")).write_bytes(gzip.compress(data, mtime=0))
            else:
                (host / (log.name + ".xz")).write_bytes(lzma.compress(data))
    # Hand-made bad inputs (no real report shows these): junk, empty, a cut-off gzip.
    (root / "junk.bin").write_bytes(random.Random(7).randbytes(4096))
    (root / "empty.log").write_bytes(b"")
    whole = gzip.compress(CORPUS[0].read_bytes(), mtime=0)
    (root / "broken.log.gz").write_bytes(whole[: len(whole) // 2])
    (root / "host0" / "loop").symlink_to("..")  # a directory loop must not recurse forever
    return root


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _analyze(path: Path) -> FileResult:
    """analyze_file, or the row batch keeps when the library breaks its never-raise promise."""
    try:
        return analyze_file(str(path), Options())
    except Exception as exc:
        return FileResult(str(path), None, 0, "unreadable", type(exc).__name__)


@pytest.fixture(scope="module")
def expected(fleet) -> dict[str, FileResult]:
    """What analyze_file finds, file by file, keyed by the path relative to the fleet root."""
    return {p.relative_to(fleet).as_posix(): _analyze(p) for p in _files(fleet)}


@pytest.fixture(scope="module")
def baseline(fleet, tmp_path_factory) -> Path:
    """One committed parquet batch over the whole fleet, on two worker processes."""
    out = tmp_path_factory.mktemp("out") / "tables"
    result = run_batch([str(fleet)], str(out), fmt="parquet", jobs=2)
    assert result.files == len(CORPUS) * COPIES + 3
    return out


def _equal(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for name in a:
        if not a[name].equals(b[name]):
            diff = a[name].compare(b[name]) if a[name].shape == b[name].shape else a[name].shape
            raise AssertionError(f"{name} differs:\n{diff}")


def _subset(tables: dict, prefixes: tuple[str, ...]) -> dict:
    """The rows of ``tables`` that belong to files whose path starts with one of ``prefixes``."""
    paths = tables["inputs"]["path"]
    keep_paths = set(paths[paths.str.startswith(prefixes)])
    reports = tables["reports"]
    keep_ids = set(reports.loc[reports["path"].isin(keep_paths), "report_id"])
    out = {}
    for name, df in tables.items():
        if name == "incidents":
            mask = df["first_report"].isin(keep_ids)
        else:
            mask = df["path"].isin(keep_paths) if "path" in df else df["report_id"].isin(keep_ids)
        out[name] = conform(name, df[mask])
    return out


def test_every_file_is_one_inputs_row_with_its_status(baseline, expected):
    inputs = read_tables(str(baseline))["inputs"]
    assert list(inputs["path"]) == sorted(expected)
    assert inputs["path"].is_unique
    for row in inputs.itertuples():
        got = expected[row.path]
        assert (row.status, row.lines, row.reports) == (got.status, got.lines, len(got.analyses))
    by_path = inputs.set_index("path")
    assert by_path.loc["empty.log", "size"] == 0
    assert by_path.loc["empty.log", "reports"] == 0
    assert by_path.loc["broken.log.gz", "status"] in ("partial", "unreadable")
    assert by_path.loc["junk.bin", "reports"] == 0
    assert by_path.loc["host0/002.log.gz", "status"] == "ok"
    assert by_path.loc["host0/003.log.xz", "status"] == "ok"


def test_reports_count_equals_analyze_file(baseline, expected):
    tables = read_tables(str(baseline))
    reports = tables["reports"]
    assert len(reports) == sum(len(r.analyses) for r in expected.values())
    assert len(reports) > len(CORPUS)
    assert reports["report_id"].is_unique
    want = sorted(
        f"{path}:{a.report.first_line}" for path, r in expected.items() for a in r.analyses
    )
    assert sorted(reports["report_id"]) == want
    manifest = read_manifest(str(baseline))
    assert manifest["reports"] == len(reports)
    assert manifest["files"] == len(tables["inputs"])


def test_columns_and_dtypes_match_the_schemas(baseline):
    tables = read_tables(str(baseline))
    for name in TABLES:
        df = tables[name]
        assert list(df.columns) == [c for c, _ in SCHEMAS[name]], name
        assert [str(t) for t in df.dtypes] == [DTYPES[k] for _, k in SCHEMAS[name]], name


def test_plain_read_parquet_gives_the_intended_dtypes(baseline):
    """No oomlens on the reading side: pandas' own metadata in the files does it."""
    import pandas as pd

    for name in TABLES:
        df = pd.read_parquet(baseline / f"{name}.parquet")
        assert [str(t) for t in df.dtypes] == [DTYPES[k] for _, k in SCHEMAS[name]], name
    reports = pd.read_parquet(baseline / "reports.parquet")
    assert list(reports["verdict"].cat.categories[:3]) == list(CODES[:3])
    assert reports["pid"].dtype == "Int64" and reports["pid"].isna().any()
    zones = pd.read_parquet(baseline / "zones.parquet")
    rid = reports.loc[reports["path"] == "host0/001.log", "report_id"].item()
    dma = zones[(zones["report_id"] == rid) & (zones["zone"] == "DMA")]
    assert list(dma["lowmem_reserve"].item()) == [0, 2813, 13774, 13774]
    # 001.log: "mode:0x10cc0(GFP_KERNEL|__GFP_NORETRY)"
    flags = reports.loc[reports["path"] == "host0/001.log", "gfp_flags"].item()
    assert list(flags) == [
        "__GFP_IO",
        "__GFP_FS",
        "__GFP_DIRECT_RECLAIM",
        "__GFP_KSWAPD_RECLAIM",
        "__GFP_NORETRY",
    ]


def test_tables_join_on_report_id_and_path(baseline):
    t = read_tables(str(baseline))
    rids = set(t["reports"]["report_id"])
    assert set(t["zones"]["report_id"]) <= rids
    assert set(t["tasks"]["report_id"]) <= rids
    assert set(t["diagnostics"]["report_id"].dropna()) <= rids
    keys = ["report_id", "node", "zone"]
    fa_keys = t["free_area"][keys].drop_duplicates()
    joined = fa_keys.merge(t["zones"][keys], on=keys, how="left", indicator=True)
    assert (joined["_merge"] == "both").all()
    per_path = t["reports"].groupby("path").size()
    inputs = t["inputs"].set_index("path")
    assert set(per_path.index) <= set(inputs.index)
    assert (inputs["reports"].reindex(per_path.index) == per_path).all()
    assert inputs["reports"].sum() == len(t["reports"])


def test_exact_numbers_of_001_normal_zone(baseline):
    """samples/corpus/001.log (6.7-rc4 alloc failure): the Normal zone as the kernel printed it."""
    t = read_tables(str(baseline))
    rid = t["reports"].loc[t["reports"]["path"] == "host0/001.log", "report_id"].item()
    zones = t["zones"][t["zones"]["report_id"] == rid].set_index("zone")
    normal = zones.loc["Normal"]
    assert (normal["free_kb"], normal["min_kb"], normal["low_kb"], normal["high_kb"]) == (
        42560,
        16040,
        27264,
        38488,
    )
    assert normal["reserved_highatomic_kb"] == 4096
    assert normal["free_area_kb"] == 42104
    assert normal["lowmem_reserve"] == [0, 0, 0, 0]
    assert zones.loc["DMA", "lowmem_reserve"] == [0, 2813, 13774, 13774]
    fa = t["free_area"][t["free_area"]["report_id"] == rid]
    # "H pages per zone" is a groupby: 524*4kB (UMEH) gives H 1..521 chunks, 382*32kB
    # (UMEH) gives 1..379; no other column of 001 shows H.
    h = fa[fa["letter"] == "H"].groupby("zone")[["kb_lo", "kb_hi"]].sum()
    assert list(h.index) == ["Normal"]
    assert (h.loc["Normal", "kb_lo"], h.loc["Normal", "kb_hi"]) == (4 + 32, 521 * 4 + 379 * 32)
    columns = fa[fa["zone"] == "Normal"].drop_duplicates("order")
    assert (columns["count"] * columns["size_kb"]).sum() == 42104


def test_in_process_rows_match_the_pool(baseline, expected):
    """Rows built here from analyze_file (jobs=1 path) equal the pool's, after a parquet trip."""
    rows = [file_rows(expected[path], path) for path in sorted(expected)]
    built = {name: frame(name, [r for f in rows for r in f.table(name)]) for name in FILE_TABLES}
    tables = read_tables(str(baseline))
    # every file of the fleet holds its own reports, so incidents are the worker's own ids
    # except where reports of one file group: the in-process rows keep their own ids
    assert (tables["reports"]["incident"] == tables["reports"]["report_id"]).sum() == len(
        tables["incidents"]
    )
    built["reports"]["incident"] = tables["reports"]["incident"]
    _equal({n: tables[n] for n in FILE_TABLES}, built)


def test_analyze_paths_in_process_matches(baseline, fleet):
    subset = [str(fleet / "host2"), str(fleet / "empty.log")]
    _equal(analyze_paths(subset, jobs=1), _subset(read_tables(str(baseline)), ("host2/", "empty")))


def _table_bytes(out: Path) -> dict[str, bytes]:
    """The committed table files and manifest, read through out/<name> links."""
    return {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if p.name.split(".")[0] in (*TABLES, "manifest")
    }


def test_rerun_gives_identical_tables(baseline, fleet, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(baseline, out, symlinks=True)
    before = _table_bytes(out)
    assert len(before) == len(TABLES) + 1
    run_batch([str(fleet)], str(out), fmt="parquet", jobs=2)
    assert _table_bytes(out) == before
    staged = [p.name for p in out.iterdir() if p.name.startswith(".oomlens-batch-")]
    assert len(staged) == 1  # the committed one; the previous was removed
    assert os.readlink(out / "current") == staged[0]


def test_csv_round_trips_the_same_tables(baseline, fleet, tmp_path):
    out = tmp_path / "csv"
    subset = [str(fleet / "host3"), str(fleet / "junk.bin"), str(fleet / "broken.log.gz")]
    result = run_batch(subset, str(out), fmt="csv", jobs=2)
    assert all(path.endswith(".csv") for path in result.tables)
    want = _subset(read_tables(str(baseline)), ("host3/", "junk.bin", "broken.log.gz"))
    _equal(read_tables(str(out)), want)


def test_empty_input_still_writes_every_column(tmp_path):
    (tmp_path / "in").mkdir()
    for fmt in ("parquet", "csv"):
        out = tmp_path / fmt
        result = run_batch([str(tmp_path / "in")], str(out), fmt=fmt, jobs=1)
        assert (result.files, result.reports) == (0, 0)
        for name, df in read_tables(str(out)).items():
            assert list(df.columns) == [c for c, _ in SCHEMAS[name]]
            assert len(df) == 0


KILLER = """
import os, signal, sys
import oomlens.fleet.batch as batch
real = os.replace
def replace(src, dst):
    if dst.endswith("/current") and sys.argv[1] == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
    if dst.endswith("/current") and sys.argv[1] == "after":
        os.kill(os.getpid(), signal.SIGKILL)
batch.os.replace = replace
batch.run_batch(sys.argv[2:-1], sys.argv[-1], fmt="parquet", jobs=1)
"""


@pytest.mark.parametrize("at", ["before", "after"])
def test_kill_midway_keeps_a_whole_batch_then_rerun_commits(baseline, fleet, tmp_path, at):
    """Killed just before the switch of out/current: the previous batch, whole. Killed just
    after it: the new batch, whole. Then a rerun cleans up."""
    out = tmp_path / "killed"
    shutil.copytree(baseline, out, symlinks=True)
    subset = [str(fleet / "host4"), str(fleet / "empty.log")]
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, at, *subset, str(out)],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
    )
    assert proc.returncode == -9, proc.stderr.decode()
    want = _subset(read_tables(str(baseline)), ("host4/", "empty"))
    if at == "before":
        _equal(read_tables(str(out)), read_tables(str(baseline)))
    else:
        _equal(read_tables(str(out)), want)
    assert len([p for p in out.iterdir() if p.name.startswith(".oomlens-batch-")]) == 2
    run_batch(subset, str(out), fmt="parquet", jobs=2)
    _equal(read_tables(str(out)), want)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        p.name for p in baseline.iterdir() if not p.name.startswith(".")
    )
    assert len([p for p in out.iterdir() if p.name.startswith(".oomlens-batch-")]) == 1


def test_writer_failure_keeps_the_previous_batch(baseline, fleet, tmp_path, monkeypatch):
    import oomlens.fleet.batch as batch

    out = tmp_path / "failed"
    shutil.copytree(baseline, out, symlinks=True)
    calls = []

    def failing(rows):
        calls.append(len(rows))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(batch, "FLUSH_ROWS", 50)
    monkeypatch.setattr(batch._Sink, "_write", lambda self, rows: failing(rows))
    with pytest.raises(BatchError, match="cannot write the tables to .*: No space left"):
        run_batch([str(fleet)], str(out), fmt="parquet", jobs=1)
    assert calls
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in baseline.iterdir())
    _equal(read_tables(str(out)), read_tables(str(baseline)))


def test_bad_arguments_raise_batch_error(fleet, tmp_path, monkeypatch):
    with pytest.raises(BatchError, match="format"):
        run_batch([str(fleet)], str(tmp_path / "x"), fmt="xlsx")
    with pytest.raises(BatchError, match="engine"):
        run_batch([str(fleet / "empty.log")], str(tmp_path / "y"), engine="spark", jobs=1)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(BatchError, match="pyarrow"):
        run_batch([str(fleet / "empty.log")], str(tmp_path / "z"), fmt="parquet", jobs=1)
    result = run_batch([str(fleet / "empty.log")], str(tmp_path / "w"), jobs=1)
    assert result.format == "csv" and result.notices


def test_single_file_keeps_its_name_and_missing_path_is_a_row(fleet, tmp_path):
    missing = str(fleet / "no-such.log")
    t = analyze_paths([str(fleet / "host0" / "001.log"), missing], jobs=1)
    assert list(t["inputs"]["path"]) == ["host0/001.log", "no-such.log"]
    assert list(t["inputs"]["status"]) == ["ok", "unreadable"]
    alone = analyze_paths([str(fleet / "host0" / "001.log")], jobs=1)
    assert list(alone["reports"]["report_id"]) == [
        "001.log:" + str(alone["reports"]["first_line"].iloc[0])
    ]


def test_output_inside_the_input_tree_is_not_read_back(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(CORPUS[1], logs / "a.log")
    os.mkfifo(logs / "pipe")  # hand-made: a FIFO in a crash dir is listed, never opened
    out = logs / "tables"
    first = run_batch([str(logs)], str(out), fmt="csv", jobs=1)
    again = run_batch([str(logs)], str(out), fmt="csv", jobs=1)
    assert first.files == again.files == 2
    inputs = read_tables(str(out))["inputs"]
    assert list(inputs["path"]) == ["a.log", "pipe"]
    assert list(inputs["status"]) == ["ok", "unreadable"]
    assert inputs["reason"].iloc[1] == "not a regular file"


def test_summary_counts(baseline):
    t = read_tables(str(baseline))
    summary = summarize(str(baseline))
    assert summary.files == len(t["inputs"])
    assert summary.reports == len(t["reports"])
    assert sum(n for _, n in summary.by_verdict) == len(t["reports"])
    overall = summary.shares[-1]
    assert overall.kind == "all"
    assert overall.avoided == int((t["reports"]["unreserve_would_avoid"] == True).sum())  # noqa: E712
    assert overall.avoided + overall.not_avoided + overall.unknown == len(t["reports"])
    text = render_summary(summary)
    assert f"{summary.files} files, {summary.reports} reports" in text
    markdown = render_summary(summary, "markdown")
    assert markdown.startswith("# oomlens fleet summary")
    assert "| verdict | reports |" in markdown


dask_missing = False
try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
except ImportError:
    dask_missing = True


@pytest.mark.skipif(dask_missing, reason="dask/distributed not installed")
def test_dask_engine_matches_local(baseline, fleet, tmp_path):
    from distributed import LocalCluster

    subset = [str(fleet / "host1"), str(fleet / "junk.bin"), str(fleet / "broken.log.gz")]
    local = _subset(read_tables(str(baseline)), ("host1/", "junk", "broken"))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        out = tmp_path / "dask"
        result = run_batch(
            subset, str(out), fmt="parquet", engine="dask", scheduler=cluster.scheduler_address
        )
    assert result.files == len(CORPUS) + 2
    _equal(read_tables(str(out)), local)


def test_a_copy_without_symlinks_is_still_read_and_replaced(baseline, fleet, tmp_path):
    """`cp -rL` of a batch (and batches written before out/current) hold real files."""
    out = tmp_path / "flat"
    shutil.copytree(baseline, out, symlinks=False)
    assert not (out / "reports.parquet").is_symlink() and (out / "current").is_dir()
    _equal(read_tables(str(out)), read_tables(str(baseline)))
    subset = [str(fleet / "host2"), str(fleet / "empty.log")]
    run_batch(subset, str(out), fmt="parquet", jobs=1)
    assert (out / "reports.parquet").is_symlink() and (out / "current").is_symlink()
    _equal(read_tables(str(out)), _subset(read_tables(str(baseline)), ("host2/", "empty")))
    assert len([p for p in out.iterdir() if p.name.startswith(".oomlens-batch-")]) == 1
