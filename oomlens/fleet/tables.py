"""Flatten one file's FileResult into rows of the batch tables, with fixed schemas.

Rows are plain tuples so worker processes never import pandas or pyarrow; the
schemas below give every table its columns and dtypes even when it is empty, and
the pandas metadata written with them, so a plain ``pd.read_parquet`` gives
nullable ``Int64``/``boolean``/``Float64``, categoricals, ``datetime64[ns, UTC]``
and list columns. Absent and empty text are both null.

A value a column cannot hold (an integer outside int64, a time outside
``datetime64[ns]``'s 1677-09-21..2262-04-11, or one whose UTC form is before year 1)
is stored as null, and the report gets a diagnostics row naming the column and the
value as the log gave it: one such number costs that cell, never the batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from oomlens.incidents import Incident, Sighting, sighting
from oomlens.judge.verdict import CODES
from oomlens.parse.report import Report, TaskRow, ZoneLine
from oomlens.pipeline import Analysis, FileResult

# Column kinds: "str" (nullable text), "int" (Int64), "bool" (boolean), "float" (Float64),
# "time" (datetime64[ns, UTC]), "cat" (categorical text), "ints"/"strs" (lists).
Schema = tuple[tuple[str, str], ...]

# Closed vocabularies: categoricals with these categories first, in this order.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "status": ("ok", "partial", "unreadable"),
    "kind": ("oom", "alloc-failure", "memcg-oom", "vmalloc"),
    "verdict": CODES,
    "confidence": ("certain", "likely", "unknown"),
}

TASK_COLUMNS = (
    "uid",
    "tgid",
    "total_vm",
    "rss",
    "rss_anon",
    "rss_file",
    "rss_shmem",
    "pgtables_bytes",
    "nr_ptes",
    "nr_pmds",
    "swapents",
    "cpu",
    "oom_adj",
    "oom_score_adj",
)

SCHEMAS: dict[str, Schema] = {
    "inputs": (
        ("path", "str"),
        ("size", "int"),
        ("lines", "int"),
        ("reports", "int"),
        ("status", "cat"),
        ("reason", "str"),
        ("assumptions", "strs"),  # what the log did not say about time (a year, UTC), taken
    ),
    "reports": (
        ("report_id", "str"),
        ("path", "str"),
        ("first_line", "int"),
        ("last_line", "int"),
        ("kind", "cat"),
        ("complete", "bool"),
        ("release", "str"),
        ("arch", "str"),
        ("comm", "str"),
        ("pid", "int"),
        ("gfp_mask", "str"),
        ("gfp_text", "str"),
        ("order", "int"),
        ("migratetype", "cat"),
        ("highest_zone", "cat"),
        ("verdict", "cat"),
        ("unreserve_would_avoid", "bool"),
        ("confidence", "cat"),
        ("rounds_lo", "int"),
        ("rounds_hi", "int"),
        ("kernel_could_unreserve", "bool"),
        ("killed_pid", "int"),
        ("killed_comm", "str"),
        ("time", "time"),  # wall clock of the trigger line, UTC
        ("uptime_s", "float"),
        ("host", "str"),
        ("boot_id", "str"),
        ("incident", "str"),  # the report_id of the incident's first report
        ("gfp_flags", "strs"),
    ),
    "zones": (
        ("report_id", "str"),
        ("node", "int"),
        ("zone", "cat"),
        ("free_kb", "int"),
        ("min_kb", "int"),
        ("low_kb", "int"),
        ("high_kb", "int"),
        ("managed_kb", "int"),
        ("free_cma_kb", "int"),
        ("reserved_highatomic_kb", "int"),
        ("free_highatomic_kb", "int"),
        ("free_area_kb", "int"),
        ("lowmem_reserve", "ints"),  # pages, one per zone type
    ),
    # One row per (zone, order, migratetype letter); a column with no letters is one
    # row with letter null. chunks/kb_lo..hi bound that letter's share (docs/kernel-rules.md §8.3).
    "free_area": (
        ("report_id", "str"),
        ("node", "int"),
        ("zone", "cat"),
        ("order", "int"),
        ("count", "int"),
        ("size_kb", "int"),
        ("types", "str"),
        ("letter", "cat"),
        ("chunks_lo", "int"),
        ("chunks_hi", "int"),
        ("kb_lo", "int"),
        ("kb_hi", "int"),
    ),
    "tasks": (
        ("report_id", "str"),
        ("pid", "int"),
        ("name", "str"),
        *((c, "int") for c in TASK_COLUMNS),
        ("extra", "strs"),  # any column this schema does not name, as "key=value"
    ),
    "diagnostics": (
        ("path", "str"),
        ("report_id", "str"),
        ("line", "int"),
        ("message", "str"),
    ),
    # One row per incident (oomlens.incidents): reports of one host and boot, close in
    # time, with the same request and verdict; reports.incident names its row.
    "incidents": (
        ("incident", "str"),
        ("host", "str"),
        ("boot_id", "str"),
        ("kind", "cat"),
        ("gfp_mask", "str"),
        ("order", "int"),
        ("verdict", "cat"),
        ("reports", "int"),
        ("first_report", "str"),
        ("last_report", "str"),
        ("first_time", "time"),
        ("last_time", "time"),
        ("first_uptime_s", "float"),
        ("last_uptime_s", "float"),
        ("span_s", "float"),
    ),
}

TABLES = tuple(SCHEMAS)
FILE_TABLES = TABLES[:-1]  # the tables a worker fills from one file; incidents span files
_REPORT_COLUMNS = [c for c, _ in SCHEMAS["reports"]]
REPORT_INCIDENT = _REPORT_COLUMNS.index("incident")
_HOST, _TIME = _REPORT_COLUMNS.index("host"), _REPORT_COLUMNS.index("time")

Row = tuple[object, ...]


@dataclass(frozen=True)
class FileRows:
    """One input's rows, one tuple of rows per table, and what incidents need of each report."""

    inputs: tuple[Row, ...]
    reports: tuple[Row, ...]
    zones: tuple[Row, ...]
    free_area: tuple[Row, ...]
    tasks: tuple[Row, ...]
    diagnostics: tuple[Row, ...]
    sightings: tuple[Sighting, ...] = ()  # one per reports row, in order

    def table(self, name: str) -> tuple[Row, ...]:
        """The rows of table ``name``."""
        return getattr(self, name)

    def with_incidents(self, ids: list[str]) -> FileRows:
        """These rows with ``reports.incident`` set from ``ids`` (one per report)."""
        i = REPORT_INCIDENT
        reports = tuple((*r[:i], ids[n], *r[i + 1 :]) for n, r in enumerate(self.reports))
        return FileRows(
            self.inputs,
            reports,
            self.zones,
            self.free_area,
            self.tasks,
            self.diagnostics,
            self.sightings,
        )


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = valid_text(str(value))
    return text or None


def valid_text(text: str) -> str:
    """``text`` as a table can store it: a byte a file name did not decode (Python keeps it
    as a lone surrogate, ``caf\\udce9.log``) written as its escape, ``caf\\xe9.log``."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape" if _escaped_only(text) else "surrogatepass")
        return raw.decode("utf-8", "backslashreplace")
    return text


def _escaped_only(text: str) -> bool:
    """Every lone surrogate is one os.fsdecode() made of an undecodable byte."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def file_rows(result: FileResult, file_id: str, size: int | None = None) -> FileRows:
    """All rows one analysed file contributes, keyed by ``file_id`` (``size`` if unknown)."""
    analyses = sorted(result.analyses, key=lambda a: (a.report.first_line, a.report.last_line))
    reports: list[Row] = []
    zones: list[Row] = []
    free_area: list[Row] = []
    tasks: list[Row] = []
    diags: list[Row] = []
    sightings = []
    for d in result.diagnostics:
        diags.append((file_id, None, d.line, _text(d.message)))
    for index, analysis in enumerate(analyses):
        report = analysis.report
        rid = f"{file_id}:{report.first_line}"
        unfit: list[
            tuple[int, str]
        ] = []  # this report's cells no column can hold, said after its own
        reports.append(
            _fit("reports", _report_row(analysis, rid, file_id), report.first_line, unfit)
        )
        sightings.append(sighting(analysis, rid, file_id, index))
        for zone in report.zones:
            zones.append(_fit("zones", _zone_row(zone, rid), zone.line, unfit))
            at = zone.buddy.line if zone.buddy else zone.line
            free_area.extend(_fit("free_area", r, at, unfit) for r in _free_area_rows(zone, rid))
        tasks.extend(_fit("tasks", _task_row(t, rid), t.line, unfit) for t in report.tasks)
        diags.extend((file_id, rid, d.line, _text(d.message)) for d in report.diagnostics)
        diags.extend((file_id, rid, line, message) for line, message in dict.fromkeys(unfit))
    inputs = (
        (
            file_id,
            size if result.size is None else result.size,
            result.lines,
            len(analyses),
            result.status,
            _text(result.reason),
            [_text(a) for a in result.assumptions],
        ),
    )
    return FileRows(
        inputs,
        tuple(reports),
        tuple(zones),
        tuple(free_area),
        tuple(tasks),
        tuple(diags),
        tuple(sightings),
    )


def _report_row(analysis: Analysis, rid: str, file_id: str) -> Row:
    report: Report = analysis.report
    header, ctx, killed = report.header, report.context, report.killed
    req, verdict = analysis.request, analysis.verdict
    mask = analysis.gfp_mask
    order = analysis.order
    rounds = verdict.unreserve_rounds if verdict and verdict.unreserve_rounds else (None, None)
    return (
        rid,
        file_id,
        report.first_line,
        report.last_line,
        _text(report.kind),
        report.complete,
        _text(report.release),
        _text(report.arch),
        _text((ctx.comm if ctx else None) or (header.comm if header else None)),
        ctx.pid if ctx else None,
        None if mask is None else f"{mask:#x}",
        _text(getattr(req, "gfp_text", None) or (header.gfp_names if header else None)),
        order,
        _text(getattr(req, "migratetype", None)),
        _text(getattr(req, "highest_zone", None)),
        _text(verdict.code if verdict else None),
        verdict.unreserve_would_avoid if verdict else None,
        _text(verdict.confidence if verdict else None),
        rounds[0],
        rounds[1],
        verdict.kernel_could_unreserve if verdict else None,
        killed.pid if killed else None,
        _text(killed.comm if killed else None),
        report.time,  # made UTC, or null when no table can hold it, by _fit
        report.uptime_s,
        _text(report.host),
        _text(report.boot_id),
        rid,  # the incident, until the batch groups reports (FileRows.with_incidents)
        list(getattr(req, "gfp_flags", None) or ()) or None,
    )


def _zone_row(zone: ZoneLine, rid: str) -> Row:
    reserve = zone.lowmem_reserve
    return (
        rid,
        zone.node,
        _text(zone.name),
        zone.free_kb,
        zone.min_kb,
        zone.low_kb,
        zone.high_kb,
        zone.managed_kb,
        zone.free_cma_kb,
        zone.reserved_highatomic_kb,
        zone.free_highatomic_kb,
        zone.buddy.total_kb if zone.buddy else None,
        None if reserve is None else list(reserve),
    )


def _free_area_rows(zone: ZoneLine, rid: str) -> list[Row]:
    rows: list[Row] = []
    if zone.buddy is None:
        return rows
    for e in zone.buddy.entries:
        head = (rid, zone.node, _text(zone.name), e.order, e.count, e.size_kb, _text(e.types))
        letters = e.types or ""
        if not letters:
            rows.append((*head, None, e.count, e.count, e.count * e.size_kb, e.count * e.size_kb))
            continue
        # Letters are a set: each shown type holds >= 1 chunk, the rest share the remainder.
        # A racy print can show more letters than chunks; then only [0, count] is sound.
        k = len(letters)
        lo, hi = (1, e.count - (k - 1)) if e.count >= k else (0, e.count)
        for letter in letters:
            rows.append((*head, letter, lo, hi, lo * e.size_kb, hi * e.size_kb))
    return rows


def _task_row(task: TaskRow, rid: str) -> Row:
    known: dict[str, int | None] = dict.fromkeys(TASK_COLUMNS)
    extra = []
    for key, value in task.columns:
        if key in known and known[key] is None:
            known[key] = value
        elif key not in ("pid", "name"):
            extra.append(f"{key}={value}")
    return (rid, task.pid, _text(task.name), *known.values(), extra or None)


def unreadable_rows(file_id: str, size: int | None, reason: str) -> FileRows:
    """The rows of an input that could not be analysed at all."""
    row: Row = (file_id, size, 0, 0, "unreadable", valid_text(reason), [])
    return FileRows((row,), (), (), (), (), ())


def incident_row(incident: Incident) -> Row:
    """The incidents-table row of one closed incident."""
    a, b = incident.first, incident.last
    return (
        incident.id,
        _text(a.host),
        _text(a.boot_id),
        _text(a.kind),
        None if a.gfp_mask is None else f"{a.gfp_mask:#x}",
        a.order if _fits(a.order) else None,  # the reports table says why (its _fit)
        _text(a.verdict),
        incident.reports,
        a.report_id,
        b.report_id,
        _utc(a.time),
        _utc(b.time),
        a.uptime_s,
        b.uptime_s,
        incident.span_s,
    )


def _utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC, or None when a time column cannot hold it (see _fit)."""
    return table_time(value) if value is not None else None


INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# datetime64[ns]: nanoseconds since the epoch in int64, whose minimum is pandas' NaT.
TIME_MIN = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=INT64_MIN // 1000 + 1)
TIME_MAX = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=INT64_MAX // 1000)


def table_time(when: datetime) -> datetime | None:
    """``when`` in UTC if a ``datetime64[ns, UTC]`` column can hold it, else None."""
    try:
        utc = when.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+05:00 is in year 0 in UTC
        return None
    return utc if TIME_MIN <= utc <= TIME_MAX else None


def _fits(value: object) -> bool:
    return not isinstance(value, int) or INT64_MIN <= value <= INT64_MAX


# Per table, the columns _fit checks: (index, name, kind) of its int, ints and time columns.
_CHECKED = {
    name: tuple((i, c, k) for i, (c, k) in enumerate(schema) if k in ("int", "ints", "time"))
    for name, schema in SCHEMAS.items()
}


def _fit(name: str, row: Row, line: int, unfit: list[tuple[int, str]]) -> Row:
    """``row`` of table ``name`` with its time made UTC and each cell its column cannot hold
    set to null, that cell said in ``unfit`` as (line, message)."""
    cells: list[object] | None = None
    for i, column, kind in _CHECKED[name]:
        value: Any = row[i]
        if value is None:
            continue
        if kind == "time":
            kept = table_time(value)
            what, limit = value.isoformat(), "1677-09-21..2262-04-11 UTC, datetime64[ns]"
        elif _fits(value) if kind == "int" else all(_fits(v) for v in value):
            continue
        else:
            kept = None
            what = str(value) if kind == "int" else " ".join(map(str, value))
            limit = "64-bit signed integers"
        if cells is None:
            cells = list(row)
        cells[i] = kept
        if kept is None:
            unfit.append(
                (line, f"{name}.{column} {what} is outside what the tables hold ({limit}): null")
            )
    return row if cells is None else tuple(cells)


PARTITION_NULL = "unknown"  # pyarrow cannot read null partition values back into pandas


# A directory name holds 255 bytes on most file systems; Hive partitioning writes the value
# percent-encoded after "host=". Longer values are cut and end in "~" + 16 hex digits of
# their SHA-256, so two long host names stay two partitions.
PARTITION_NAME_MAX = 240


def partition_value(value: str, column: str = "host") -> str:
    """``value`` as a partition directory can hold it: itself, or cut and hashed when its
    percent-encoded ``column=value`` name would pass PARTITION_NAME_MAX bytes."""
    from urllib.parse import quote

    room = PARTITION_NAME_MAX - len(column) - 1
    if len(quote(value, safe="-._~")) <= room:
        return value
    import hashlib

    tag = "~" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    cut, used = [], len(tag)
    for ch in value:
        used += len(quote(ch, safe="-._~"))
        if used > room:
            break
        cut.append(ch)
    return "".join(cut) + tag


def partition_place(host: object, when: object) -> tuple[str, str]:
    """The Hive partition values of a row: its host (see partition_value), and the UTC date
    of its time."""
    day = when.date().isoformat() if isinstance(when, datetime) else None
    return (
        partition_value(host) if isinstance(host, str) else PARTITION_NULL,
        day or PARTITION_NULL,
    )


def partition_places(rows: FileRows) -> dict[object, tuple[str, str]]:
    """report_id → partition values for one file's rows; None (file-level rows) → unknown."""
    where: dict[object, tuple[str, str]] = {
        r[0]: partition_place(r[_HOST], r[_TIME]) for r in rows.reports
    }
    where[None] = (PARTITION_NULL, PARTITION_NULL)
    return where


# -- pandas and pyarrow (imported only here, in the process that writes) --------------

PANDAS_DTYPES = {
    "str": "string",
    "int": "Int64",
    "bool": "boolean",
    "float": "Float64",
    "time": "datetime64[ns, UTC]",
    "ints": "object",
    "strs": "object",
}


def categories(column: str, values: Any) -> list[str]:
    """A categorical column's categories: its closed vocabulary, then any other value, sorted."""
    fixed = CATEGORIES.get(column, ())
    seen = {v for v in values if isinstance(v, str)}
    return [*fixed, *sorted(seen.difference(fixed))]


def _dtype(column: str, kind: str, values: Any) -> Any:
    import pandas as pd

    if kind == "cat":
        return pd.CategoricalDtype(categories(column, values))
    return PANDAS_DTYPES[kind]


def frame(name: str, rows: list[Row] | tuple[Row, ...]) -> Any:
    """A pandas DataFrame of ``rows`` with table ``name``'s columns and dtypes."""
    import pandas as pd

    schema = SCHEMAS[name]
    columns = [c for c, _ in schema]
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    out: dict[str, Any] = {}
    for c, k in schema:
        if k in ("ints", "strs"):
            out[c] = pd.Series([None if v is None else list(v) for v in data[c]], dtype=object)  # type: ignore[call-overload]
        elif k == "time":
            out[c] = pd.Series(pd.to_datetime(data[c], utc=True), dtype=PANDAS_DTYPES[k])
        else:
            out[c] = pd.array(data[c], dtype=_dtype(c, k, data[c]))
    return pd.DataFrame(out, columns=columns)


def conform(name: str, df: Any) -> Any:
    """Give a DataFrame read back from disk table ``name``'s exact columns and dtypes."""
    import pandas as pd

    schema = SCHEMAS[name]
    df = df.reindex(columns=[c for c, _ in schema]).reset_index(drop=True)
    for c, k in schema:
        if k in ("ints", "strs"):
            df[c] = pd.Series([_as_list(v, k) for v in df[c]], dtype=object)
        elif k == "cat":
            values = df[c].astype(object)
            df[c] = pd.Categorical(
                [None if _isna(v) else str(v) for v in values],
                categories=categories(c, values),
            )
        else:
            df[c] = df[c].astype(PANDAS_DTYPES[k])
    return df


def _as_list(value: Any, kind: str) -> list | None:
    """A list cell as a Python list; the space-separated text of batches before lists too."""
    if _isna(value):
        return None
    if isinstance(value, str):
        return [int(x) for x in value.split()] if kind == "ints" else value.split(" ")
    return [_plain(x) for x in value]


def _isna(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or _is_na(value)


def _is_na(value: object) -> bool:
    import pandas as pd

    return value is pd.NA or value is pd.NaT


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    return {
        "str": pa.string(),
        "int": pa.int64(),
        "bool": pa.bool_(),
        "float": pa.float64(),
        "time": pa.timestamp("ns", tz="UTC"),
        "cat": pa.dictionary(pa.int32(), pa.string()),
        "ints": pa.list_(pa.int64()),
        "strs": pa.list_(pa.string()),
    }[kind]


# How pandas describes each kind in the "pandas" schema metadata it writes and reads back.
_PANDAS_META = {
    "str": ("unicode", "string", None),
    "int": ("int64", "Int64", None),
    "bool": ("bool", "boolean", None),
    "float": ("float64", "Float64", None),
    "time": ("datetimetz", "datetime64[ns]", {"timezone": "UTC"}),
    "cat": ("categorical", "int32", {"num_categories": 0, "ordered": False}),
    "ints": ("list[int64]", "object", None),
    "strs": ("list[unicode]", "object", None),
}


def pandas_metadata(schema: Schema) -> dict:
    """The pandas metadata of a table of ``schema``, made without importing pandas."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pandas_version = version("pandas")
    except PackageNotFoundError:  # pragma: no cover - pandas is a dependency
        pandas_version = "2.0.0"
    columns = []
    for name, kind in schema:
        pandas_type, numpy_type, meta = _PANDAS_META[kind]
        columns.append(
            {
                "name": name,
                "field_name": name,
                "pandas_type": pandas_type,
                "numpy_type": numpy_type,
                "metadata": meta,
            }
        )
    return {
        "index_columns": [],
        "column_indexes": [],
        "columns": columns,
        "creator": {"library": "oomlens", "version": "1"},
        "pandas_version": pandas_version,
    }


def arrow_schema(name: str, extra: Schema = ()) -> Any:
    """The pyarrow schema of table ``name`` (plus ``extra`` columns), with pandas metadata."""
    import pyarrow as pa

    schema = SCHEMAS[name] + extra
    fields = [pa.field(c, _arrow_type(k)) for c, k in schema]
    meta = json.dumps(pandas_metadata(schema)).encode()
    return pa.schema(fields, metadata={b"pandas": meta})


def arrow_table(name: str, rows: list[Row], extra: Schema = ()) -> Any:
    """A pyarrow Table of ``rows`` for table ``name`` (rows carry ``extra`` columns last)."""
    import pyarrow as pa

    from oomlens.fleet.arrow import column, dictionary

    kinds = SCHEMAS[name] + extra
    schema = arrow_schema(name, extra)
    columns = []
    for i, ((c, kind), f) in enumerate(zip(kinds, schema, strict=True)):
        values = [r[i] for r in rows]
        if kind == "cat":  # the closed vocabulary first, in its order
            cats = categories(c, values)
            index: dict[object, int] = {w: n for n, w in enumerate(cats)}
            columns.append(dictionary(pa, [None if v is None else index[v] for v in values], cats))
        else:
            columns.append(column(pa, kind, f.type, values))
    return pa.Table.from_arrays(columns, schema=schema)
