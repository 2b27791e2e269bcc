"""The batch's Arrow columns, built from buffers, equal pyarrow's own ``pa.array`` build."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from oomlens.fleet.arrow import column, dictionary
from oomlens.fleet.tables import (
    SCHEMAS,
    TABLES,
    _arrow_type,
    arrow_schema,
    arrow_table,
    categories,
    file_rows,
)
from oomlens.pipeline import analyze_file
from tests.fleet_helpers import CORPUS, ROOT


def _reference(name: str, rows: list, extra: tuple = ()) -> pa.Table:
    """The table as pyarrow builds it from Python lists (what arrow_table did before)."""
    schema = arrow_schema(name, extra)
    columns = []
    for i, ((c, kind), f) in enumerate(zip(SCHEMAS[name] + extra, schema, strict=True)):
        values = [r[i] for r in rows]
        if kind == "cat":
            cats = categories(c, values)
            index = {w: n for n, w in enumerate(cats)}
            codes = pa.array([None if v is None else index[v] for v in values], pa.int32())
            columns.append(pa.DictionaryArray.from_arrays(codes, pa.array(cats, pa.string())))
        else:
            columns.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(columns, schema=schema)


@pytest.fixture(scope="module")
def corpus_rows() -> dict[str, list]:
    """Every table's rows for the real corpus and the lab's samples."""
    tables: dict[str, list] = {name: [] for name in TABLES}
    logs = [*CORPUS, *sorted((ROOT / "samples" / "lab").glob("*.log"))]
    for log in logs:
        rows = file_rows(analyze_file(str(log)), log.name)
        for name in TABLES:
            if hasattr(rows, name):
                tables[name].extend(rows.table(name))
    return tables


@pytest.mark.parametrize(
    "name", ["inputs", "reports", "zones", "free_area", "tasks", "diagnostics"]
)
def test_real_rows_equal_pyarrow_build(corpus_rows, name):
    rows = corpus_rows[name]
    assert rows, f"the samples give no {name} rows"
    built = arrow_table(name, rows)
    assert built.equals(_reference(name, rows)), name
    assert built.validate(full=True) is None
    assert built.num_rows == len(rows)


def test_edge_values_equal_pyarrow_build():
    """Synthetic values no sample shows: every null, empty text and lists, text past ASCII,
    a naive time (taken as UTC, as pyarrow does), NaN, int64's ends, 9 rows (a bitmap's
    second byte)."""
    when = datetime(2026, 12, 5, 21, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))
    cases = {
        "str": [None, "", "ä–漢😀", "x" * 300, None, "a", "b", "c", None],
        "int": [None, 0, -(2**63), 2**63 - 1, 7, None, 1, 2, 3],
        "bool": [None, True, False, True, None, False, True, True, False],
        "float": [None, 0.0, -1.5, math.inf, 1e300, None, 2.0, 3.0, 4.0],
        "time": [None, when, datetime(1969, 7, 20, 20, 17), None, when, when, when, when, when],
        "ints": [None, [], [1, 2, 3], [2**62], None, [0], [], [5], [6]],
        "strs": [None, [], ["a", "ü"], [""], None, ["x"], [], ["y"], ["z"]],
    }
    for kind, values in cases.items():
        t = _arrow_type(kind)
        assert column(pa, kind, t, values).equals(pa.array(values, type=t)), kind
        assert column(pa, kind, t, []).equals(pa.array([], type=t)), kind
    nan = column(pa, "float", pa.float64(), [math.nan, None])
    assert nan.null_count == 1 and math.isnan(nan[0].as_py())  # NaN is a value, as pa.array
    cats = dictionary(pa, [None, 1, 0, 1], ["ok", "partial"])
    assert cats.to_pylist() == [None, "partial", "ok", "partial"]


def test_int_past_int64_raises_as_pyarrow_does():
    with pytest.raises(OverflowError):
        column(pa, "int", pa.int64(), [2**63])


def test_writing_parquet_does_not_import_pandas(tmp_path):
    """pyarrow's pa.array on a list imports pandas; the batch writer must not pay that."""
    code = (
        "import sys; from oomlens.fleet.batch import run_batch; "
        f"run_batch([{str(CORPUS[0])!r}], {str(tmp_path / 'out')!r}, fmt='parquet', jobs=1); "
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
