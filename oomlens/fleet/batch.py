"""Fleet batch analysis: every report under a tree of logs into six joinable tables.

Tables are streamed to a temporary directory inside ``out`` in input order, then
committed together: tables are moved in with ``os.replace`` and ``manifest.json``
is written last, so a manifest always names a complete, matching set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from oomlens.fleet.engines import BatchError, Input, discover, plan, run_dask, run_local
from oomlens.fleet.tables import TABLES, FileRows, Row, arrow_table, conform, frame
from oomlens.options import Options

__all__ = ["BatchError", "BatchResult", "analyze_paths", "read_tables", "run_batch"]

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "oomlens-batch/1"
TMP_PREFIX = ".oomlens-batch-"
FLUSH_ROWS = 16384  # rows per parquet row group / csv write; fixed so reruns match byte for byte
EXTENSIONS = {"parquet": ".parquet", "csv": ".csv"}


@dataclass(frozen=True)
class BatchResult:
    """What a batch read and wrote."""

    out: str
    format: str
    files: int
    reports: int
    seconds: float
    ok: int
    partial: int
    unreadable: int
    tables: tuple[str, ...]  # the table files written, in TABLES order
    manifest: str
    notices: tuple[str, ...] = ()


def run_batch(
    paths: list[str],
    out: str,
    fmt: str | None = None,
    jobs: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
    options: Options = Options(),  # noqa: B008 - frozen, safe as a default
) -> BatchResult:
    """Analyse every file under ``paths`` and write the tables to directory ``out``.

    ``fmt`` None means Parquet, or CSV with a notice when pyarrow is missing; an
    explicit "parquet" without pyarrow raises BatchError.
    """
    start = time.perf_counter()
    fmt, notices = _choose_format(fmt)  # notices are returned for the caller to show
    jobs = _jobs(jobs)
    os.makedirs(out, exist_ok=True)
    inputs = discover(paths, exclude=(out,))  # never read our own tables back as logs
    _clean_stale(out)
    tmp = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=out)
    try:
        sinks = {
            name: _Sink(os.path.join(tmp, name + EXTENSIONS[fmt]), name, fmt) for name in TABLES
        }
        statuses: Counter[str] = Counter()
        reports = 0
        for rows in _progress(_rows(inputs, jobs, engine, scheduler, options), inputs, progress):
            statuses[rows.inputs[0][4]] += 1
            reports += len(rows.reports)
            for name in TABLES:
                sinks[name].add(rows.table(name))
        for sink in sinks.values():
            sink.close()
        manifest = _commit(out, tmp, fmt, sinks, len(inputs), reports, statuses)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BatchResult(
        out=out,
        format=fmt,
        files=len(inputs),
        reports=reports,
        seconds=time.perf_counter() - start,
        ok=statuses["ok"],
        partial=statuses["partial"],
        unreadable=statuses["unreadable"],
        tables=tuple(os.path.join(out, name + EXTENSIONS[fmt]) for name in TABLES),
        manifest=manifest,
        notices=tuple(notices),
    )


def analyze_paths(
    paths: list[str],
    jobs: int | None = None,
    engine: str = "local",
    options: Options = Options(),  # noqa: B008 - frozen, safe as a default
    scheduler: str | None = None,
) -> dict:
    """The six tables for every file under ``paths``, as pandas DataFrames."""
    inputs = discover(paths)
    collected: dict[str, list[Row]] = {name: [] for name in TABLES}
    for rows in _rows(inputs, _jobs(jobs), engine, scheduler, options):
        for name in TABLES:
            collected[name].extend(rows.table(name))
    return {name: frame(name, collected[name]) for name in TABLES}


def read_tables(out: str, names: tuple[str, ...] = TABLES) -> dict:
    """The tables a committed batch wrote to ``out``, checked against its manifest."""
    import pandas as pd

    manifest = read_manifest(out)
    tables = {}
    for name in names:
        entry = manifest["tables"][name]
        path = os.path.join(out, entry["file"])
        if not os.path.exists(path) or _sha256(path) != entry["sha256"]:
            raise BatchError(f"{path} does not match {MANIFEST}; rerun the batch")
        if manifest["format"] == "parquet":
            df = pd.read_parquet(path)
        else:
            df = _read_csv(path, name)
        tables[name] = conform(name, df)
    return tables


def read_manifest(out: str) -> dict:
    """The manifest of a committed batch in ``out``; BatchError when there is none."""
    path = os.path.join(out, MANIFEST)
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        raise BatchError(f"no complete batch in {out} ({MANIFEST} unreadable: {exc})") from exc
    if manifest.get("schema") != MANIFEST_SCHEMA:
        raise BatchError(f"{path}: not an {MANIFEST_SCHEMA} manifest")
    return manifest


def _choose_format(fmt: str | None) -> tuple[str, list[str]]:
    if fmt not in (None, "parquet", "csv"):
        raise BatchError(f"unknown format {fmt!r}: use 'parquet' or 'csv'")
    if fmt == "csv":
        return "csv", []
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        if fmt == "parquet":
            raise BatchError(
                "format 'parquet' needs pyarrow: pip install 'oomlens[parquet]', or use csv"
            ) from exc
        return "csv", ["pyarrow is not installed: writing CSV instead of Parquet"]
    return "parquet", []


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if jobs < 1:
        raise BatchError(f"jobs must be at least 1, not {jobs}")
    return jobs


def _rows(
    inputs: list[Input], jobs: int, engine: str, scheduler: str | None, options: Options
) -> Iterator[FileRows]:
    batches = plan(inputs, jobs)
    if engine == "local":
        results = run_local(batches, options, jobs)
    elif engine == "dask":
        results = run_dask(batches, options, jobs, scheduler)
    else:
        raise BatchError(f"unknown engine {engine!r}: use 'local' or 'dask'")
    for batch_rows in results:
        yield from batch_rows


def _progress(rows: Iterator[FileRows], inputs: list[Input], show: bool) -> Iterator[FileRows]:
    if not show:
        yield from rows
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield from rows
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]oomlens batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files · {task.fields[reports]} reports · {task.fields[rate]} files/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    start = time.perf_counter()
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("files", total=len(inputs), reports=0, rate="-")
        done = reports = 0
        for item in rows:
            done += 1
            reports += len(item.reports)
            rate = done / max(time.perf_counter() - start, 1e-9)
            bar.update(task, advance=1, reports=reports, rate=f"{rate:.0f}")
            yield item


class _Sink:
    """One table streamed to one file in fixed-size chunks."""

    def __init__(self, path: str, name: str, fmt: str) -> None:
        self.path, self.name, self.fmt = path, name, fmt
        self.buffer: list[Row] = []
        self.rows = 0
        self._writer = None
        self._started = False

    def add(self, rows: tuple[Row, ...]) -> None:
        self.buffer.extend(rows)
        while len(self.buffer) >= FLUSH_ROWS:
            self._write(self.buffer[:FLUSH_ROWS])
            del self.buffer[:FLUSH_ROWS]

    def _write(self, rows: list[Row]) -> None:
        self.rows += len(rows)
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            table = arrow_table(self.name, rows)
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema)
            self._writer.write_table(table)
        else:
            with open(self.path, "a", encoding="utf-8", newline="") as fh:
                frame(self.name, rows).to_csv(fh, header=not self._started, index=False)
        self._started = True

    def close(self) -> None:
        if self.buffer or not self._started:
            self._write(self.buffer)
            self.buffer = []
        if self._writer is not None:
            self._writer.close()
        _fsync(self.path)


def _commit(
    out: str,
    tmp: str,
    fmt: str,
    sinks: dict[str, _Sink],
    files: int,
    reports: int,
    statuses: Counter,
) -> str:
    manifest_path = os.path.join(out, MANIFEST)
    entries = {}
    for name, sink in sinks.items():
        entries[name] = {
            "file": os.path.basename(sink.path),
            "rows": sink.rows,
            "sha256": _sha256(sink.path),
        }
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "format": fmt,
        "files": files,
        "reports": reports,
        "status": {s: statuses[s] for s in ("ok", "partial", "unreadable")},
        "tables": entries,
    }
    # Retract the old manifest first: from here until the new one lands, no set is valid.
    if os.path.exists(manifest_path):
        os.unlink(manifest_path)
        _fsync_dir(out)
    for name, sink in sinks.items():
        os.replace(sink.path, os.path.join(out, entries[name]["file"]))
        for ext in EXTENSIONS.values():  # a previous run in the other format
            stale = os.path.join(out, name + ext)
            if ext != EXTENSIONS[fmt] and os.path.exists(stale):
                os.unlink(stale)
    _fsync_dir(out)
    staged = os.path.join(tmp, MANIFEST)
    with open(staged, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(staged, manifest_path)
    _fsync_dir(out)
    return manifest_path


def _clean_stale(out: str) -> None:
    """Remove temporary directories left in ``out`` by batches that no longer run."""
    for name in os.listdir(out):
        if not name.startswith(TMP_PREFIX):
            continue
        pid = name[len(TMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: str) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_csv(path: str, name: str):
    import pandas as pd

    from oomlens.fleet.tables import SCHEMAS

    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for column, kind in SCHEMAS[name]:
        if kind == "int":
            df[column] = pd.to_numeric(df[column]).astype("Int64")
        elif kind == "bool":
            df[column] = df[column].map({"True": True, "False": False}).astype("boolean")
    return df
