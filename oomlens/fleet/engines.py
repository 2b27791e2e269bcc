"""Find the inputs of a batch, cut them into batches, and run them locally.

``process_batch`` is the one function that does per-file work, for every engine.
The local engine yields results in input order, so the tables come out sorted.
Inputs may be local paths or fsspec URLs (``file://``, ``s3://`` with s3fs, ...);
a worker opens a URL where it lies.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from oomlens.fleet.tables import FileRows, file_rows, unreadable_rows, valid_text
from oomlens.options import Options

COMPRESSED = (".gz", ".xz", ".zst", ".bz2", ".lz4")
COMPRESSED_WEIGHT = 8  # a compressed byte costs about this many plain ones to analyse
BATCH_MAX_FILES = 500
BATCHES_PER_JOB = 32


class BatchError(Exception):
    """The batch cannot run as asked (missing optional extra, bad format or engine)."""


@dataclass(frozen=True)
class Input:
    """One file to analyse: where to open it, its key in the tables, and why not, if so."""

    path: str  # absolute path or URL, so remote workers can open it
    file_id: str
    size: int | None
    problem: str | None = None  # set when the entry cannot be opened as a file

    @property
    def weight(self) -> int:
        """Estimated work, in plain-text bytes."""
        size = self.size or 0
        return size * COMPRESSED_WEIGHT if self.path.endswith(COMPRESSED) else size


def is_url(path: str) -> bool:
    """``s3://bucket/key`` and friends; ``file://`` URLs are read as local paths."""
    return "://" in path and not path.startswith("file://")


def local_path(path: str) -> str:
    """A ``file://`` URL as a local path; anything else unchanged."""
    if path.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(path).path)
    return path


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> list[Input]:
    """Every file under ``paths``, recursing into directories, sorted by file id.

    Directory symlinks are followed, each directory once (loops are safe); file
    symlinks and hard links are inputs of their own; nothing is skipped but the
    ``exclude`` directories (a batch's own output directory). URLs are listed
    with fsspec.
    """
    given_all = [local_path(p) for p in dict.fromkeys(paths)]
    urls = [p for p in given_all if is_url(p)]
    if urls:
        if len(urls) != len(given_all):
            raise BatchError("give either local paths or URLs of one file system, not both")
        return _discover_urls(urls)
    given = [os.path.abspath(p) for p in given_all]
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
    """The input's path under the fleet root, as the tables store it (see valid_text)."""
    return valid_text(os.path.relpath(path, root).replace(os.sep, "/"))


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


def _discover_urls(urls: list[str]) -> list[Input]:
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec comes with dask
        raise BatchError("URL inputs need fsspec: pip install fsspec") from exc
    try:
        fs, _ = fsspec.core.url_to_fs(urls[0])
    except (ImportError, ValueError) as exc:
        raise BatchError(f"{urls[0]}: {exc}") from exc
    found: dict[str, tuple[str, int | None, str | None]] = {}
    stripped = [fs._strip_protocol(u) for u in urls]
    for url, path in zip(urls, stripped, strict=True):
        try:
            if fs.isdir(path):
                for name, info in sorted(fs.find(path, detail=True).items()):
                    found.setdefault(name, (fs.unstrip_protocol(name), info.get("size"), None))
            else:
                found.setdefault(path, (url, fs.size(path), None))
        except OSError as exc:
            found.setdefault(path, (url, None, _reason(exc)))
    bases = [p if fs.isdir(p) else p.rsplit("/", 1)[0] for p in stripped]
    root = os.path.commonpath(bases) if bases else ""
    inputs = [
        Input(url, _file_id(name, root), size, problem)
        for name, (url, size, problem) in found.items()
    ]
    return sorted(inputs, key=lambda i: i.file_id)


def plan(inputs: list[Input], jobs: int) -> list[tuple[Input, ...]]:
    """Cut ``inputs`` into contiguous batches of similar size, many per worker: the cost of a
    report varies a hundredfold, so small batches keep the workers busy to the end."""
    total = sum(i.weight for i in inputs)
    target = max(8 << 10, min(8 << 20, total // max(1, jobs * BATCHES_PER_JOB)))
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

    if is_url(item.path):
        return _analyze_url(item, options)
    try:
        result = analyze_file(item.path, options)
    except Exception as exc:  # analyze_file must not raise; if it does, the file is kept
        return unreadable_rows(item.file_id, item.size, f"oomlens error: {type(exc).__name__}")
    return file_rows(result, item.file_id, item.size)


def _analyze_url(item: Input, options: Options) -> FileRows:
    """Fetch a URL's bytes here, on the worker, into a private temporary file."""
    from dataclasses import replace

    import fsspec

    from oomlens.pipeline import analyze_file

    with tempfile.TemporaryDirectory(prefix="oomlens-url-") as tmp:
        local = os.path.join(tmp, "input")
        try:
            with fsspec.open(item.path, "rb") as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            _keep_mtime(item.path, local)
        except Exception as exc:  # noqa: BLE001 - any fsspec back end's error: the file's row
            reason = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
            return unreadable_rows(item.file_id, item.size, f"cannot read {item.path}: {reason}")
        try:
            result = analyze_file(local, options)
        except Exception as exc:  # noqa: BLE001
            return unreadable_rows(item.file_id, item.size, f"oomlens error: {type(exc).__name__}")
    reason = result.reason.replace(local, item.path) if result.reason else None
    return file_rows(replace(result, path=item.path, reason=reason), item.file_id, item.size)


def _keep_mtime(url: str, local: str) -> None:
    """Give the copy the source's modification time where its file system says it: the
    year of syslog dates that print none is read from it (else the copy's, now)."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url)
        when = fs.modified(path).timestamp()
    except Exception:  # noqa: BLE001 - a back end without modification times
        return
    os.utime(local, (when, when))


def process_batch(batch: tuple[Input, ...], options: Options) -> tuple[FileRows, ...]:
    """Analyse one batch of inputs: the per-file work of every engine."""
    return tuple(analyze_input(item, options) for item in batch)


def init_worker() -> None:
    """Import the pipeline once per worker process, so its parser is built there once."""
    import oomlens.pipeline  # noqa: F401
    from oomlens.parse.grammar import report_parser

    report_parser()


def run_local(
    batches: list[tuple[Input, ...]],
    options: Options,
    jobs: int,
    pool: Any = None,
) -> Iterator[tuple[FileRows, ...]]:
    """Yield each batch's rows in order: in this process for one job, else from jobs - 1
    worker processes and this one (oomlens.fleet.pool, or ``pool`` if already started,
    which is closed here); a failed worker raises BatchError with its reason."""
    from oomlens.fleet.pool import Pool, WorkerError

    if jobs <= 1 or len(batches) <= 1:
        if pool is not None:
            pool.close()
        for batch in batches:
            yield process_batch(batch, options)
        return
    if pool is None:
        pool = Pool(min(jobs, len(batches)) - 1, options)
    try:
        # This process is the last of the ``jobs``: it analyses while it waits.
        yield from pool.imap(batches, ahead=jobs * 3, local=lambda b: process_batch(b, options))
    except WorkerError as exc:
        pool.close(terminate=True)
        raise BatchError(f"batch worker failed: {exc}") from None
    except BaseException:  # Ctrl-C, SIGTERM, a consumer that stopped: stop the workers now
        pool.close(terminate=True)
        raise
    pool.close()
