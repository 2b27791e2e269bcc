"""Find the inputs of a batch, cut them into batches, and run them locally or on Dask.

``process_batch`` is the one function that does per-file work, for both engines.
Both engines yield results in input order, so the tables come out sorted.
"""

from __future__ import annotations

import logging
import os
import stat
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from oomlens.fleet.tables import FileRows, file_rows, unreadable_rows
from oomlens.options import Options

COMPRESSED = (".gz", ".xz", ".zst", ".bz2", ".lz4")
COMPRESSED_WEIGHT = 8  # a compressed byte costs about this many plain ones to analyse
BATCH_MAX_FILES = 500

log = logging.getLogger(__name__)


class BatchError(Exception):
    """The batch cannot run as asked (missing optional extra, bad format or engine)."""


@dataclass(frozen=True)
class Input:
    """One file to analyse: where to open it, its key in the tables, and why not, if so."""

    path: str  # absolute, so remote workers can open it
    file_id: str
    size: int | None
    problem: str | None = None  # set when the entry cannot be opened as a file

    @property
    def weight(self) -> int:
        """Estimated work, in plain-text bytes."""
        size = self.size or 0
        return size * COMPRESSED_WEIGHT if self.path.endswith(COMPRESSED) else size


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> list[Input]:
    """Every file under ``paths``, recursing into directories, sorted by file id.

    Directory symlinks are followed, each directory once (loops are safe); file
    symlinks and hard links are inputs of their own; nothing is skipped but the
    ``exclude`` directories (a batch's own output directory).
    """
    given = [os.path.abspath(p) for p in dict.fromkeys(paths)]
    if not given:
        return []
    bases = [p if os.path.isdir(p) else os.path.dirname(p) for p in given]
    root = os.path.commonpath(bases)
    found: dict[str, Input] = {}
    seen_dirs: set[tuple[int, int]] = set()
    for path in exclude:
        try:
            st = os.stat(path)
        except OSError:
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
    for path in given:
        _visit(path, root, found, seen_dirs)
    return sorted(found.values(), key=lambda i: i.file_id)


def _file_id(path: str, root: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def _visit(path: str, root: str, found: dict[str, Input], seen: set[tuple[int, int]]) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        found.setdefault(path, Input(path, _file_id(path, root), None, _reason(exc)))
        return
    if stat.S_ISDIR(st.st_mode):
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        try:
            names = sorted(os.listdir(path))
        except OSError as exc:
            found.setdefault(path, Input(path, _file_id(path, root), None, _reason(exc)))
            return
        for name in names:
            _visit(os.path.join(path, name), root, found, seen)
    elif stat.S_ISREG(st.st_mode):
        found.setdefault(path, Input(path, _file_id(path, root), st.st_size))
    else:  # a FIFO or device would block or never end: listed, not opened
        found.setdefault(path, Input(path, _file_id(path, root), None, "not a regular file"))


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def plan(inputs: list[Input], jobs: int) -> list[tuple[Input, ...]]:
    """Cut ``inputs`` into contiguous batches of similar work, several per worker."""
    total = sum(i.weight for i in inputs)
    target = max(32 << 10, min(8 << 20, total // max(1, jobs * 8)))
    batches: list[tuple[Input, ...]] = []
    current: list[Input] = []
    weight = 0
    for item in inputs:
        current.append(item)
        weight += item.weight
        if weight >= target or len(current) >= BATCH_MAX_FILES:
            batches.append(tuple(current))
            current, weight = [], 0
    if current:
        batches.append(tuple(current))
    return batches


def analyze_input(item: Input, options: Options) -> FileRows:
    """The rows of one input; a crash inside the library still yields its ``inputs`` row."""
    if item.problem is not None:
        return unreadable_rows(item.file_id, item.size, item.problem)
    from oomlens.pipeline import analyze_file

    try:
        result = analyze_file(item.path, options)
    except Exception as exc:  # analyze_file must not raise; if it does, the file is kept
        return unreadable_rows(item.file_id, item.size, f"oomlens error: {type(exc).__name__}")
    return file_rows(result, item.file_id, item.size)


def process_batch(batch: tuple[Input, ...], options: Options) -> tuple[FileRows, ...]:
    """Analyse one batch of inputs: the per-file work of every engine."""
    return tuple(analyze_input(item, options) for item in batch)


def _init_worker() -> None:
    """Import the pipeline once per worker process, so its parser is built there once."""
    import importlib

    import oomlens.pipeline  # noqa: F401

    for name in ("oomlens.parse.grammar",):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        factory = getattr(module, "report_parser", None)
        if callable(factory):
            factory()


def run_local(
    batches: list[tuple[Input, ...]], options: Options, jobs: int
) -> Iterator[tuple[FileRows, ...]]:
    """Yield each batch's rows in order, from a spawn process pool (in-process when jobs=1)."""
    if jobs <= 1 or len(batches) <= 1:
        for batch in batches:
            yield process_batch(batch, options)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, len(batches))
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker)
    try:
        todo = iter(batches)
        window: deque = deque()
        for batch in islice(todo, workers * 3):
            window.append((batch, pool.submit(process_batch, batch, options)))
        while window:
            batch, future = window.popleft()
            try:
                result = future.result()
            except Exception as exc:  # the worker died (killed, out of memory): redo it here
                log.warning("batch worker failed (%s); analysing its files in-process", exc)
                result = process_batch(batch, options)
            following = next(todo, None)
            if following is not None:
                window.append((following, _submit(pool, following, options)))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool, batch: tuple[Input, ...], options: Options):
    from concurrent.futures import Future

    try:
        return pool.submit(process_batch, batch, options)
    except Exception:  # broken pool: finish in this process
        done: Future = Future()
        done.set_result(process_batch(batch, options))
        return done


def run_dask(
    batches: list[tuple[Input, ...]], options: Options, jobs: int, scheduler: str | None
) -> Iterator[tuple[FileRows, ...]]:
    """Yield each batch's rows in order, mapping process_batch with dask.bag on a cluster."""
    try:
        import dask.bag as db
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise BatchError(
            f"engine 'dask' needs dask and distributed ({exc.name} is not installed): "
            "pip install 'oomlens[dask]'"
        ) from exc
    if not batches:
        return
    if scheduler:
        cluster = None
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        client.run(_init_worker)
        bag = db.from_sequence(batches, partition_size=1).map(process_batch, options)
        parts = iter(bag.to_delayed())
        ahead = max(2, len(client.scheduler_info().get("workers", {})) * 3)
        window = deque(client.compute(p) for p in islice(parts, ahead))
        while window:
            future = window.popleft()
            results = future.result()
            future.release()
            following = next(parts, None)
            if following is not None:
                window.append(client.compute(following))
            yield from results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
