"""Helpers for the fleet tests: a small fleet from samples/corpus, and batches of given rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from oomlens.fleet import batch
from oomlens.fleet.tables import FileRows

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "samples" / "corpus").glob("*.log"))


def write_batch(
    rows: Iterable[FileRows], out: str, fmt: str = "parquet", partition_by: tuple[str, ...] = ()
) -> None:
    """Commit ``rows`` (made by the test from real reports) as a batch, as run_batch does."""
    with batch._Lock(out):
        stage = batch._Stage(out, fmt, partition_by)
        try:
            statuses: Counter[str] = Counter()
            files = reports = 0
            for item in batch._incidents(rows, 60.0, stage):
                statuses[str(item.inputs[0][4])] += 1
                files += 1
                reports += len(item.reports)
                stage.add(item)
            stage.commit(files, reports, statuses)
        finally:
            stage.discard()


# What a plain pd.read_parquet gives for each column kind of oomlens.fleet.tables.SCHEMAS.
DTYPES = {
    "str": "string",
    "int": "Int64",
    "bool": "boolean",
    "float": "Float64",
    "time": "datetime64[ns, UTC]",
    "cat": "category",
    "ints": "object",
    "strs": "object",
}
