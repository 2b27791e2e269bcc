"""Fleet batch analysis: every report under a tree of logs into seven joinable tables.

A batch holds a lock on ``out`` (a second batch into it exits with a message),
stages its tables and manifest in a fresh directory inside ``out``, and commits
by switching the ``out/current`` symlink to it in one rename; ``out/<table>``
and ``out/manifest.json`` are fixed symlinks through ``current``. A killed or
failed batch therefore leaves the previous one whole, and a manifest always
names a complete, matching set. Staging directories of dead batches are removed
by the next batch.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from oomlens.fleet.engines import BatchError, Input, discover, plan, run_local
from oomlens.fleet.tables import (
    FILE_TABLES,
    PARTITION_NULL,
    SCHEMAS,
    TABLES,
    FileRows,
    Row,
    arrow_table,
    conform,
    frame,
    incident_row,
    partition_place,
    partition_places,
)
from oomlens.incidents import DEFAULT_WINDOW, Incident, Tracker
from oomlens.options import Options

__all__ = ["BatchError", "BatchResult", "analyze_paths", "read_tables", "run_batch"]

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "oomlens-batch/1"
TMP_PREFIX = ".oomlens-batch-"
CURRENT = "current"  # symlink to the committed batch's directory
LOCK = ".oomlens-batch.lock"
FLUSH_ROWS = 16384  # rows per parquet row group / csv write; fixed so reruns match byte for byte
EXTENSIONS = {"parquet": ".parquet", "csv": ".csv"}
ENGINES = ("local", "dask")
PARTITION_COLUMNS = ("host", "date")
PARTITIONED = ("reports", "zones", "free_area", "tasks", "diagnostics", "incidents")


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
    incident_window: float = DEFAULT_WINDOW,
    partition_by: tuple[str, ...] = (),
) -> BatchResult:
    """Analyse every file under ``paths`` and write the tables to directory ``out``.

    ``fmt`` None means Parquet, or CSV with a notice when pyarrow is missing; an
    explicit "parquet" without pyarrow raises BatchError, as does every argument
    that cannot work, before anything is created. ``partition_by`` (``host``,
    ``date``) writes Hive-partitioned Parquet datasets.
    """
    start = time.perf_counter()
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]  # one path, not the characters of one
    if fmt not in (None, "parquet", "csv"):
        raise BatchError(f"unknown format {fmt!r}: use 'parquet' or 'csv'")
    jobs = _jobs(jobs)
    _check(engine, fmt or "parquet", partition_by, incident_window)
    # Workers start first: they import while this process imports pyarrow and lists inputs.
    pool = _early_pool(engine, jobs, options)
    try:
        fmt, notices = _choose_format(fmt)  # notices are returned for the caller to show
        _check(engine, fmt, partition_by, incident_window)
        if engine == "dask":
            from oomlens.fleet.cluster import run_dask_batch

            return run_dask_batch(
                paths, out, jobs, scheduler, options, incident_window, partition_by, notices, start
            )
        return _run_local_batch(
            paths,
            out,
            fmt,
            jobs,
            progress,
            options,
            incident_window,
            partition_by,
            notices,
            start,
            pool,
        )
    finally:
        if pool is not None:
            pool.close(terminate=True)  # a no-op when the batch closed it


def _run_local_batch(
    paths: list[str],
    out: str,
    fmt: str,
    jobs: int,
    progress: bool,
    options: Options,
    incident_window: float,
    partition_by: tuple[str, ...],
    notices: list[str],
    start: float,
    pool: Any,
) -> BatchResult:
    with _Lock(out):
        inputs = discover(paths, exclude=(out,))
        stage = _Stage(out, fmt, partition_by)
        try:
            statuses: Counter[str] = Counter()
            reports = 0
            rows = _incidents(_rows(inputs, jobs, options, pool), incident_window, stage)
            for item in _progress(rows, inputs, progress):
                statuses[str(item.inputs[0][4])] += 1
                reports += len(item.reports)
                stage.add(item)
            manifest = stage.commit(len(inputs), reports, statuses)
        except OSError as exc:
            raise BatchError(f"cannot write the tables to {out}: {_reason(exc)}") from None
        finally:
            stage.discard()
    return BatchResult(
        out=out,
        format=fmt,
        files=len(inputs),
        reports=reports,
        seconds=time.perf_counter() - start,
        ok=statuses["ok"],
        partial=statuses["partial"],
        unreadable=statuses["unreadable"],
        tables=tuple(os.path.join(out, stage.names[name]) for name in TABLES),
        manifest=manifest,
        notices=tuple(notices),
    )


def analyze_paths(
    paths: list[str],
    jobs: int | None = None,
    engine: str = "local",
    options: Options = Options(),  # noqa: B008 - frozen, safe as a default
    scheduler: str | None = None,
    incident_window: float = DEFAULT_WINDOW,
    frames: str = "pandas",
) -> dict:
    """The seven tables for every file under ``paths`` (local paths or fsspec URLs).

    ``frames="pandas"`` computes them into pandas DataFrames; ``frames="dask"`` (with
    ``engine="dask"``) returns lazy Dask DataFrames, computed on the scheduler at
    ``scheduler`` or the current default Dask client.
    """
    if frames not in ("pandas", "dask"):
        raise BatchError(f"unknown frames {frames!r}: use 'pandas' or 'dask'")
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]  # one path, not the characters of one
    _check(engine, "parquet", (), incident_window)
    if engine == "dask":
        from oomlens.fleet.cluster import dask_frames

        tables = dask_frames(paths, _jobs(jobs), scheduler, options, incident_window)
        if frames == "dask":
            return tables
        import dask

        computed = dask.compute(*tables.values())
        return {name: conform(name, df) for name, df in zip(tables, computed, strict=True)}
    if frames == "dask":
        raise BatchError("frames='dask' needs engine='dask'")
    inputs = discover(paths)
    collected: dict[str, list[Row]] = {name: [] for name in TABLES}
    sink = _Collect(collected["incidents"])
    jobs = _jobs(jobs)
    for rows in _incidents(_rows(inputs, jobs, options, None), incident_window, sink):
        for name in FILE_TABLES:
            collected[name].extend(rows.table(name))
    return {name: frame(name, collected[name]) for name in TABLES}


def read_tables(out: str, names: tuple[str, ...] = TABLES) -> dict:
    """The tables a committed batch wrote to ``out``, checked against its manifest."""
    import pandas as pd

    manifest, base = read_manifest(out, with_base=True)
    tables = {}
    for name in names:
        entry = manifest["tables"].get(name)
        if entry is None:  # a batch from before this table existed
            tables[name] = frame(name, [])
            continue
        files = entry["files"] if "files" in entry else {entry["file"]: entry["sha256"]}
        for rel, digest in files.items():
            path = os.path.join(base, entry.get("dir", ""), rel)
            if not os.path.exists(path) or _sha256(path) != digest:
                raise BatchError(f"{path} does not match {MANIFEST}; rerun the batch")
        if "dir" in entry:
            root = os.path.join(base, entry["dir"])
            df = pd.read_parquet(root) if files else frame(name, [])
            for column in entry.get("partition_by", ()):
                if column in df:  # the partition's stand-in for null (see PARTITION_NULL)
                    values = df[column].astype(object)
                    df[column] = values.where(values != PARTITION_NULL, None)
        elif manifest["format"] == "parquet":
            df = pd.read_parquet(os.path.join(base, entry["file"]))
        else:
            df = read_csv_table(os.path.join(base, entry["file"]), name)
        tables[name] = conform(name, df)
    return tables


def read_manifest(out: str, with_base: bool = False) -> Any:
    """The manifest of a committed batch in ``out``; BatchError when there is none.

    With ``with_base``, also the directory its table files are relative to (the one
    generation ``out/manifest.json`` resolved to when read, whatever commits later).
    """
    path = os.path.realpath(os.path.join(out, MANIFEST))
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        raise BatchError(f"no complete batch in {out} ({MANIFEST} unreadable: {exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise BatchError(f"{path}: not an {MANIFEST_SCHEMA} manifest")
    return (manifest, os.path.dirname(path)) if with_base else manifest


def _choose_format(fmt: str | None) -> tuple[str, list[str]]:
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


def _check(engine: str, fmt: str, partition_by: tuple[str, ...], window: float) -> None:
    """Reject what cannot work before anything is created."""
    if engine not in ENGINES:
        raise BatchError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}")
    unknown = [c for c in partition_by if c not in PARTITION_COLUMNS]
    if unknown or len(set(partition_by)) != len(partition_by):
        raise BatchError(
            f"--partition-by {','.join(partition_by)}: use one or both of "
            f"{', '.join(PARTITION_COLUMNS)}, each once"
        )
    if partition_by and fmt != "parquet":
        raise BatchError("--partition-by writes Parquet datasets: use --format parquet")
    if not window >= 0:
        raise BatchError(f"incident window must be 0 or more seconds, not {window}")


def _reason(exc: OSError) -> str:
    """``No space left on device``: the errno's words, also from pyarrow's "[errno 28]"."""
    import re

    found = re.findall(r"\[errno (\d+)\]", str(exc))  # pyarrow's form
    if found:
        return os.strerror(int(found[-1]))
    return exc.strerror or str(exc) or type(exc).__name__


def _early_pool(engine: str, jobs: int, options: Options) -> Any:
    """Start the local workers now, so they import while pyarrow loads and inputs are listed."""
    if engine != "local" or jobs <= 1:
        return None
    from oomlens.fleet.pool import Pool

    return Pool(jobs - 1, options)  # this process is the last of the jobs


def _rows(inputs: list[Input], jobs: int, options: Options, pool: Any) -> Iterator[FileRows]:
    batches = plan(inputs, jobs)
    for batch_rows in run_local(batches, options, jobs, pool):
        yield from batch_rows


class _Collect:
    """An incidents sink that keeps rows in a list (analyze_paths)."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows

    def incidents(self, done: list[Incident]) -> None:
        self.rows.extend(incident_row(i) for i in done)


def _incidents(rows: Iterable[FileRows], window: float, sink: Any) -> Iterator[FileRows]:
    """Set each report's incident id in input order; closed incidents go to ``sink``."""
    tracker = Tracker(window)
    for item in rows:
        ids = []
        for s in item.sightings:
            incident, done = tracker.add(s)
            ids.append(incident)
            if done:
                sink.incidents(done)
        sink.incidents(tracker.end_file(str(item.inputs[0][0])))
        yield item.with_incidents(ids) if ids else item
    sink.incidents(tracker.finish())


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


class _Lock:
    """An exclusive lock on ``out`` for one batch; the staging leftovers of dead batches go."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.fd: int | None = None

    def __enter__(self) -> _Lock:
        import fcntl

        try:
            os.makedirs(self.out, exist_ok=True)
            fd = os.open(os.path.join(self.out, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BatchError(f"cannot write the tables to {self.out}: {_reason(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise BatchError(
                f"another oomlens batch{who} is writing to {self.out}; wait for it or use "
                "another --out"
            ) from None
        self.fd = fd
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the pid is only for the message
        _clean_stale(self.out)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the flock
            self.fd = None


def _clean_stale(out: str) -> None:
    """Under the lock: every staging directory but the committed one is a dead batch's."""
    current = os.path.basename(os.path.realpath(os.path.join(out, CURRENT)))
    for name in os.listdir(out):
        if name.startswith(TMP_PREFIX) and name != current:
            shutil.rmtree(os.path.join(out, name), ignore_errors=True)
        elif name.startswith(".current-"):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(out, name))


class _Stage:
    """The tables of one batch, written into a fresh directory inside ``out``."""

    def __init__(self, out: str, fmt: str, partition_by: tuple[str, ...]) -> None:
        self.out, self.fmt, self.partition_by = out, fmt, partition_by
        self.dir = new_stage_dir(out)
        self.committed = False
        self.names: dict[str, str] = {}
        self.sinks: dict[str, _Sink] = {}
        for name in TABLES:
            split = partition_by if name in PARTITIONED else ()
            self.names[name] = name if split else name + EXTENSIONS[fmt]
            self.sinks[name] = _Sink(os.path.join(self.dir, self.names[name]), name, fmt, split)

    def add(self, rows: FileRows) -> None:
        """One file's rows."""
        where = partition_places(rows) if self.partition_by else {}
        for name in FILE_TABLES:
            self.sinks[name].add(rows.table(name), where)

    def incidents(self, done: list[Incident]) -> None:
        """Incidents that can grow no more."""
        if done:
            rows = tuple(incident_row(i) for i in done)
            where = {r[0]: partition_place(r[1], r[10]) for r in rows} if self.partition_by else {}
            self.sinks["incidents"].add(rows, where, key=0)

    def commit(self, files: int, reports: int, statuses: Counter) -> str:
        """Write the manifest beside the tables, then switch ``out/current`` to them."""
        entries = {name: sink.close() for name, sink in self.sinks.items()}
        path = _commit(self.out, self.dir, self.fmt, entries, files, reports, statuses)
        self.committed = True
        return path

    def discard(self) -> None:
        """Remove the staged tables unless they were committed."""
        if not self.committed:
            shutil.rmtree(self.dir, ignore_errors=True)


def new_stage_dir(out: str) -> str:
    """A fresh staging directory inside ``out`` (hold the lock)."""
    return tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=out)


def commit_dirs(
    out: str,
    stage: str,
    partition_by: tuple[str, ...],
    files: int,
    reports: int,
    statuses: Counter,
) -> str:
    """Commit tables another writer (Dask) left as Parquet directories in ``stage``."""
    entries: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        root = os.path.join(stage, name)
        os.makedirs(root, exist_ok=True)
        listed = _dir_files(root)
        entries[name] = {"dir": name, "rows": None, "files": listed}
        if partition_by and name in PARTITIONED:
            entries[name]["partition_by"] = list(partition_by)
    return _commit(out, stage, "parquet", entries, files, reports, statuses)


def _dir_files(root: str) -> dict[str, str]:
    files = {}
    for here, _, names in os.walk(root):
        for n in sorted(names):
            full = os.path.join(here, n)
            _fsync(full)
            files[os.path.relpath(full, root)] = _sha256(full)
    return dict(sorted(files.items()))


def _commit(
    out: str,
    stage: str,
    fmt: str,
    entries: dict,
    files: int,
    reports: int,
    statuses: Counter,
) -> str:
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "format": fmt,
        "files": files,
        "reports": reports,
        "status": {s: statuses[s] for s in ("ok", "partial", "unreadable")},
        "tables": entries,
    }
    with open(os.path.join(stage, MANIFEST), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(stage)
    names = [e.get("dir") or e["file"] for e in entries.values()]
    switch(out, os.path.basename(stage), [*names, MANIFEST])
    return os.path.join(out, MANIFEST)


def switch(out: str, staged: str, names: list[str]) -> None:
    """Point ``out/current`` at ``staged`` in one rename; ``out/<name>`` link through it.

    Until the rename the previous batch is whole; after it, the new one. Then the
    previous staging directory and any table name the new batch lacks go.
    """
    previous = os.path.realpath(os.path.join(out, CURRENT))
    link = os.path.join(out, f".current-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(link)
    os.symlink(staged, link)
    here = os.path.join(out, CURRENT)
    if os.path.isdir(here) and not os.path.islink(here):  # a copy made without symlinks
        previous = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}old-", dir=out)
        os.rename(here, previous)
    os.replace(link, here)
    _fsync_dir(out)
    for name in names:
        path = os.path.join(out, name)
        target = os.path.join(CURRENT, name)
        if os.path.islink(path) and os.readlink(path) == target:
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        tmp = os.path.join(out, f".current-{os.getpid()}")
        os.symlink(target, tmp)
        os.replace(tmp, path)
    for name in os.listdir(out):  # tables of another format or layout, old-style files
        path = os.path.join(out, name)
        stem = name.split(".", 1)[0]
        if name not in names and stem in TABLES and (os.path.islink(path) or os.path.isfile(path)):
            os.unlink(path)
    _fsync_dir(out)
    if previous != os.path.realpath(os.path.join(out, staged)) and os.path.basename(
        previous
    ).startswith(TMP_PREFIX):
        shutil.rmtree(previous, ignore_errors=True)


_UNPLACED = (PARTITION_NULL, PARTITION_NULL)


class _Sink:
    """One table streamed to one file (or one partitioned directory) in fixed-size chunks."""

    def __init__(self, path: str, name: str, fmt: str, partition_by: tuple[str, ...]) -> None:
        self.path, self.name, self.fmt, self.partition_by = path, name, fmt, partition_by
        self.buffer: list[Row] = []
        self.rows = 0
        self.chunks = 0
        self._writer: Any = None
        self._started = False
        self._key = 1 if name == "diagnostics" else 0  # the column naming the report

    def add(self, rows: tuple[Row, ...], where: dict[Any, Any], key: int | None = None) -> None:
        if self.partition_by:
            k = self._key if key is None else key
            order = {"host": 0, "date": 1}
            rows = tuple(
                (*r, *(where.get(r[k], _UNPLACED)[order[c]] for c in self.partition_by))
                for r in rows
            )
        self.buffer.extend(rows)
        while len(self.buffer) >= FLUSH_ROWS:
            self._write(self.buffer[:FLUSH_ROWS])
            del self.buffer[:FLUSH_ROWS]

    def _write(self, rows: list[Row]) -> None:
        self.rows += len(rows)
        if self.partition_by:
            self._write_partitioned(rows)
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            table = arrow_table(self.name, rows)
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema)
            self._writer.write_table(table)
        else:
            with open(self.path, "a", encoding="utf-8", newline="") as fh:
                write_csv_rows(fh, self.name, rows, header=not self._started)
        self._started = True

    def _write_partitioned(self, rows: list[Row]) -> None:
        import pyarrow.parquet as pq

        # reports and incidents carry host as a column: the partition value takes it over
        columns = [c for c, _ in SCHEMAS[self.name]]
        n = len(columns)
        extra = tuple((c, "str") for c in self.partition_by if c not in columns)
        fixed = []
        for r in rows:
            base, part = list(r[:n]), r[n:]
            for k, c in enumerate(self.partition_by):
                if c in columns:
                    base[columns.index(c)] = part[k]
            fixed.append(
                (
                    *base,
                    *(p for p, c in zip(part, self.partition_by, strict=True) if c not in columns),
                )
            )
        rows = fixed
        table = arrow_table(self.name, rows, extra)
        os.makedirs(self.path, exist_ok=True)
        pq.write_to_dataset(
            table,
            self.path,
            partition_cols=list(self.partition_by),
            basename_template=f"part-{self.chunks:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
        )
        self.chunks += 1

    def close(self) -> dict:
        """Flush, close and fsync; the manifest entry of this table."""
        if self.buffer or not self._started:
            if self.buffer or not self.partition_by:
                self._write(self.buffer)
            self.buffer = []
        if self._writer is not None:
            self._writer.close()
        if self.partition_by:
            os.makedirs(self.path, exist_ok=True)
            return {
                "dir": os.path.basename(self.path),
                "rows": self.rows,
                "partition_by": list(self.partition_by),
                "files": _dir_files(self.path),
            }
        _fsync(self.path)
        return {
            "file": os.path.basename(self.path),
            "rows": self.rows,
            "sha256": _sha256(self.path),
        }


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


# -- CSV: RFC 4180 quoting, formula prefixes neutralised, read back exactly ------------

FORMULA = ("=", "+", "-", "@", "\t", "\r", "'")  # "'" too, so the prefix is reversible


def _csv_text(value: str) -> str:
    """A text cell a spreadsheet shows as text: a leading formula character gets a "'"."""
    return "'" + value if value.startswith(FORMULA) else value


def _csv_untext(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def write_csv_rows(fh: Any, name: str, rows: Iterable[Row], header: bool) -> None:
    """Rows of table ``name`` as CSV: CRLF records, every field quoted when RFC 4180 needs."""
    writer = csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    kinds = [k for _, k in SCHEMAS[name]]
    if header:
        writer.writerow([c for c, _ in SCHEMAS[name]])
    for row in rows:
        writer.writerow([_csv_cell(v, k) for v, k in zip(row, kinds, strict=True)])


def _csv_cell(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("str", "cat"):
        return _csv_text(str(value))
    if kind in ("ints", "strs"):
        return json.dumps(list(value), ensure_ascii=False)  # type: ignore[call-overload]
    if kind == "time":
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


def read_csv_table(path: str, name: str) -> Any:
    """A CSV table written by a batch, with its values and dtypes as written."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for column, kind in SCHEMAS[name]:
        values = df[column].astype(object)
        if kind in ("str", "cat"):
            df[column] = [None if _missing(v) else _csv_untext(v) for v in values]
        elif kind == "int":  # through Python ints, never float64: 2^63 - 1 stays exact
            df[column] = pd.array([None if _missing(v) else int(v) for v in values], "Int64")
        elif kind == "float":
            df[column] = pd.to_numeric(values).astype("Float64")
        elif kind == "bool":
            df[column] = values.map({"True": True, "False": False}).astype("boolean")
        elif kind == "time":
            df[column] = pd.to_datetime(values, utc=True)
        else:
            df[column] = pd.Series(
                [None if _missing(v) else json.loads(v) for v in values], dtype=object
            )
    return df


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
