"""The Dask engine: the batch as a Dask graph, its tables as Dask DataFrames.

Each batch of files is one task (``process_batch``) and one partition of every
table; the incidents pass reads only the small grouping facts of every report.
``run_dask_batch`` writes the tables with ``dask.dataframe.to_parquet`` from the
workers (``out`` must be a directory the workers can write, as on one machine
or a shared file system) and commits them like the local engine.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from oomlens.fleet.engines import BatchError, discover, plan, process_batch
from oomlens.fleet.tables import (
    FILE_TABLES,
    REPORT_INCIDENT,
    SCHEMAS,
    TABLES,
    FileRows,
    Row,
    arrow_schema,
    frame,
    incident_row,
    partition_place,
    partition_places,
)
from oomlens.incidents import Sighting, Tracker
from oomlens.options import Options

CONNECT_TIMEOUT = "10s"


def connect(scheduler: str | None, jobs: int, default: bool = False) -> tuple[Any, Any]:
    """A distributed Client on ``scheduler``, or on a new LocalCluster of ``jobs`` workers."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise BatchError(
            f"engine 'dask' needs dask and distributed ({exc.name} is not installed): "
            "pip install 'oomlens[dask]'"
        ) from None
    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=default), None
        except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError for bad forms
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from None
    cluster = LocalCluster(
        n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
    )
    return Client(cluster, set_as_default=False), cluster


def _sightings(part: tuple[FileRows, ...]) -> list[Sighting]:
    return [s for rows in part for s in rows.sightings]


def _resolve(parts: list[list[Sighting]], window: float) -> tuple[dict[str, str], list[Row]]:
    """Incidents over every report in input order: ids that differ from the report's own, and
    the incidents table's rows."""
    tracker = Tracker(window)
    renames: dict[str, str] = {}
    rows: list[Row] = []
    path = None
    for part in parts:
        for s in part:
            if s.path != path and path is not None:
                rows.extend(incident_row(i) for i in tracker.end_file(path))
            path = s.path
            incident, done = tracker.add(s)
            rows.extend(incident_row(i) for i in done)
            if incident != s.report_id:
                renames[s.report_id] = incident
    rows.extend(incident_row(i) for i in tracker.finish())
    return renames, rows


def _part_frame(
    part: tuple[FileRows, ...],
    name: str,
    resolved: Any = None,
    split: tuple[str, ...] = (),
    lists: bool = False,
) -> Any:
    """One partition of table ``name``: the rows of one batch of files (and the partition
    columns of ``split``: host, and the UTC date, of the report each row belongs to)."""
    rows = [r for item in part for r in item.table(name)]
    if name == "reports" and resolved is not None:
        renames = resolved[0]
        i = REPORT_INCIDENT
        rows = [(*r[:i], renames.get(str(r[0]), r[i]), *r[i + 1 :]) for r in rows]
    df = frame(name, rows)
    if lists:
        df = _arrow_lists(name, df)
    if split:
        places: dict = {}
        for item in part:
            places.update(partition_places(item))
        key = "report_id"
        _add_partition_columns(df, [places.get(r, places[None]) for r in df[key]], split)
    return df


def _incidents_frame(
    resolved: tuple[dict[str, str], list[Row]], split: tuple[str, ...] = ()
) -> Any:
    df = frame("incidents", resolved[1])
    if split:
        places = [partition_place(r[1], r[10]) for r in resolved[1]]
        _add_partition_columns(df, places, split)
    return df


def _add_partition_columns(df: Any, places: list[tuple[str, str]], split: tuple[str, ...]) -> None:
    import pandas as pd

    for c in split:
        n = ("host", "date").index(c)
        df[c] = pd.array([p[n] for p in places], dtype="string")


def _status_counts(part: tuple[FileRows, ...]) -> tuple[Counter, int, int]:
    return Counter(str(r.inputs[0][4]) for r in part), len(part), sum(len(r.reports) for r in part)


def graph(
    paths: list[str],
    jobs: int,
    options: Options,
    window: float,
    split: tuple[str, ...] = (),
    lists: bool = True,
) -> tuple[dict, list]:
    """The seven tables as lazy Dask DataFrames (with ``split`` partition columns on the
    report-keyed ones), and the per-batch results they read. ``lists``: list columns as
    pyarrow-backed lists (else object, for to_parquet with Dask's string conversion off)."""
    import dask
    import dask.dataframe as dd

    inputs = discover(paths)
    batches = plan(inputs, jobs) or [()]
    parts = [
        dask.delayed(process_batch, pure=True)(b, options, dask_key_name=f"oomlens-batch-{n}")
        for n, b in enumerate(batches)
    ]
    resolved = dask.delayed(_resolve, pure=True)(
        [dask.delayed(_sightings, pure=True)(p) for p in parts], window
    )
    tables = {}
    for name in FILE_TABLES:
        extra = resolved if name == "reports" else None
        cut = split if name != "inputs" else ()
        tables[name] = dd.from_delayed(
            [dask.delayed(_part_frame, pure=True)(p, name, extra, cut, lists) for p in parts],
            meta=_meta(name, cut, lists),
            verify_meta=False,
        )
    tables["incidents"] = dd.from_delayed(
        [dask.delayed(_incidents_frame, pure=True)(resolved, split)],
        meta=_meta("incidents", split, False),
        verify_meta=False,
    )
    return tables, parts


def _arrow_lists(name: str, df: Any) -> Any:
    """List columns as pyarrow-backed lists, which Dask keeps as they are (object columns it
    would turn into strings)."""
    import pandas as pd
    import pyarrow as pa

    for column, kind in SCHEMAS[name]:
        if kind in ("ints", "strs"):
            item = pa.int64() if kind == "ints" else pa.string()
            df[column] = df[column].astype(pd.ArrowDtype(pa.list_(item)))
    return df


def _meta(name: str, split: tuple[str, ...], lists: bool) -> Any:
    df = frame(name, [])
    if lists:
        df = _arrow_lists(name, df)
    _add_partition_columns(df, [], split)
    return df


def dask_frames(
    paths: list[str], jobs: int, scheduler: str | None, options: Options, window: float
) -> dict:
    """analyze_paths(engine="dask"): lazy tables; a given scheduler becomes the default client."""
    if scheduler:
        connect(scheduler, jobs, default=True)  # the frames compute there, as Client(addr) does
    tables, _ = graph(paths, jobs, options, window)
    return tables


def run_dask_batch(
    paths: list[str],
    out: str,
    jobs: int,
    scheduler: str | None,
    options: Options,
    window: float,
    partition_by: tuple[str, ...],
    notices: list[str],
    start: float,
) -> Any:
    """run_batch(engine="dask"): the tables written by the workers with dd.to_parquet."""
    import dask

    from oomlens.fleet import batch as b

    client, cluster = connect(scheduler, jobs)
    try:
        with b._Lock(out):
            stage_dir = b.new_stage_dir(out)
            committed = False
            try:
                config = dask.config.set({"dataframe.convert-string": False})
                config.__enter__()
                tables, parts = graph(paths, jobs, options, window, partition_by, lists=False)
                writes = []
                for name in TABLES:
                    df = tables[name]
                    split = partition_by if name in b.PARTITIONED else ()
                    writes.append(
                        df.to_parquet(
                            os.path.join(stage_dir, name),
                            engine="pyarrow",
                            partition_on=list(split) or None,
                            schema=arrow_schema(name, _extra(name, split)),
                            write_index=False,
                            write_metadata_file=False,
                            name_function=part_name,
                            compute=False,
                        )
                    )
                counts = [dask.delayed(_status_counts)(p) for p in parts]
                results = dask.compute(*writes, *counts, scheduler=client)[len(writes) :]
                config.__exit__(None, None, None)
                statuses: Counter[str] = Counter()
                files = reports = 0
                for c, n, r in results:
                    statuses.update(c)
                    files += n
                    reports += r
                manifest = b.commit_dirs(out, stage_dir, partition_by, files, reports, statuses)
                committed = True
            except OSError as exc:
                raise BatchError(f"cannot write the tables to {out}: {b._reason(exc)}") from None
            finally:
                if not committed:
                    import shutil

                    shutil.rmtree(stage_dir, ignore_errors=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return b.BatchResult(
        out=out,
        format="parquet",
        files=files,
        reports=reports,
        seconds=time.perf_counter() - start,
        ok=statuses["ok"],
        partial=statuses["partial"],
        unreadable=statuses["unreadable"],
        tables=tuple(os.path.join(out, name) for name in TABLES),
        manifest=manifest,
        notices=tuple(notices),
    )


def part_name(n: int) -> str:
    """Zero-padded part file names, so a directory listing reads them in order."""
    return f"part.{n:05d}.parquet"


def _extra(name: str, split: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    own = {c for c, _ in SCHEMAS[name]}
    return tuple((c, "str") for c in split if c not in own)
