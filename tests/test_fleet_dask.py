"""The Dask engine the way its users work: a running cluster by address, lazy frames, URLs."""

from __future__ import annotations

import pytest

from oomlens.cli import main
from oomlens.fleet.batch import analyze_paths, read_tables, run_batch
from oomlens.fleet.tables import TABLES
from tests.fleet_helpers import CORPUS

distributed = pytest.importorskip("distributed", reason="dask/distributed not installed")

SOME = [str(p) for p in CORPUS[15:30]]  # 015..029: the 020 storm among them


@pytest.fixture(scope="module")
def address():
    """A LocalCluster the tests reach only by its address, as a user's running cluster."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def local():
    return analyze_paths(SOME, jobs=1)


def _same(a, b) -> None:
    for name in TABLES:
        x = a[name].reset_index(drop=True)
        y = b[name].reset_index(drop=True)
        assert x.equals(y), f"{name}:\n{x.compare(y) if x.shape == y.shape else (x.shape, y.shape)}"


def test_lazy_dask_frames_on_a_running_cluster(address, local):
    import dask.dataframe as dd

    tables = analyze_paths(SOME, engine="dask", scheduler=address, frames="dask")
    assert all(isinstance(tables[n], dd.DataFrame) for n in TABLES)
    from distributed import default_client

    assert default_client().scheduler.address == address
    computed = {n: tables[n].compute() for n in TABLES}
    assert str(computed["zones"]["lowmem_reserve"].dtype) == "list<item: int64>[pyarrow]"
    reports = computed["reports"]
    # 020's storm is one incident at the default 60 s window: its 76 s gap follows a
    # "printk: 11 messages suppressed." notice, which bridges up to twice the window
    assert (reports["incident"] == "020.log:2").sum() == 24
    assert len(computed["incidents"]) == len(local["incidents"])
    assert reports["report_id"].tolist() == local["reports"]["report_id"].tolist()
    assert (
        reports["verdict"].astype(object).tolist()
        == local["reports"]["verdict"].astype(object).tolist()
    )
    pandas = analyze_paths(SOME, engine="dask", scheduler=address)
    _same(pandas, local)


def test_batch_on_a_running_cluster_writes_through_to_parquet(address, local, tmp_path):
    out = tmp_path / "out"
    result = run_batch([f"file://{p}" for p in SOME], str(out), engine="dask", scheduler=address)
    assert (result.files, result.reports) == (len(SOME), len(local["reports"]))
    assert sorted(p.name for p in (out / "reports").iterdir())[:1] == ["part.00000.parquet"]
    _same(read_tables(str(out)), local)


def test_dask_partitioned_dataset(address, local, tmp_path):
    out = tmp_path / "parts"
    run_batch(SOME, str(out), engine="dask", scheduler=address, partition_by=("host", "date"))
    # syslog samples name their host (read since the read stage fills Report.host)
    hosts = {f"host={h}" for h in local["reports"]["host"].fillna("unknown")}
    assert "host=unknown" in hosts and len(hosts) > 1
    assert sorted(p.name for p in (out / "reports").iterdir()) == sorted(hosts)
    t = read_tables(str(out))
    assert sorted(t["reports"]["report_id"]) == sorted(local["reports"]["report_id"])


def test_unreachable_scheduler_is_exit_2_with_one_line(tmp_path, capsys, monkeypatch):
    import oomlens.fleet.cluster as cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "2s")
    out = tmp_path / "out"
    code = main(
        [
            "batch",
            SOME[0],
            "--out",
            str(out),
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("oomlens: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert not out.exists()


def test_url_inputs_are_read_where_they_lie(local):
    """fsspec's memory file system (in this process, so jobs=1) stands in for s3://."""
    import fsspec

    fs = fsspec.filesystem("memory")
    for p in SOME:
        fs.pipe(f"/crash/{p.rsplit('/', 1)[1]}", open(p, "rb").read())
    tables = analyze_paths(["memory://crash"], jobs=1)
    # the year syslog dates lack comes from a file's modification time: the memory copies'
    # is now, the samples' their checkout's, so that one column is compared by its form
    said = tables["inputs"].pop("assumptions")
    want = local["inputs"]["assumptions"]
    assert [len(x) for x in said] == [len(x) for x in want]
    _same(tables, {**local, "inputs": local["inputs"].drop(columns="assumptions")})
    missing = analyze_paths(["memory://crash/020.log", "memory://nowhere/x.log"], jobs=1)
    assert missing["inputs"]["status"].astype(str).tolist() == ["ok", "unreadable"]
