"""Flatten one file's FileResult into rows of the six batch tables, with fixed schemas.

Rows are plain tuples so worker processes never import pandas or pyarrow; the
schemas below give every table its columns and dtypes even when it is empty.
Absent and empty text are both null, so CSV and Parquet round-trip the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from oomlens.parse.report import Report, ZoneLine
from oomlens.pipeline import Analysis, FileResult

# Column kinds: "str" (nullable text), "int" (nullable Int64), "bool" (nullable boolean).
Schema = tuple[tuple[str, str], ...]

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
        ("status", "str"),
        ("reason", "str"),
    ),
    "reports": (
        ("report_id", "str"),
        ("path", "str"),
        ("first_line", "int"),
        ("last_line", "int"),
        ("kind", "str"),
        ("complete", "bool"),
        ("release", "str"),
        ("arch", "str"),
        ("comm", "str"),
        ("pid", "int"),
        ("gfp_mask", "str"),
        ("gfp_text", "str"),
        ("order", "int"),
        ("migratetype", "str"),
        ("highest_zone", "str"),
        ("verdict", "str"),
        ("unreserve_would_avoid", "bool"),
        ("confidence", "str"),
        ("rounds_lo", "int"),
        ("rounds_hi", "int"),
        ("kernel_could_unreserve", "bool"),
        ("killed_pid", "int"),
        ("killed_comm", "str"),
    ),
    "zones": (
        ("report_id", "str"),
        ("node", "int"),
        ("zone", "str"),
        ("free_kb", "int"),
        ("min_kb", "int"),
        ("low_kb", "int"),
        ("high_kb", "int"),
        ("managed_kb", "int"),
        ("free_cma_kb", "int"),
        ("reserved_highatomic_kb", "int"),
        ("free_highatomic_kb", "int"),
        ("free_area_kb", "int"),
        ("lowmem_reserve", "str"),
    ),
    # One row per (zone, order, migratetype letter); a column with no letters is one
    # row with letter null. chunks/kb_lo..hi bound that letter's share (docs/kernel-rules.md §8.3).
    "free_area": (
        ("report_id", "str"),
        ("node", "int"),
        ("zone", "str"),
        ("order", "int"),
        ("count", "int"),
        ("size_kb", "int"),
        ("types", "str"),
        ("letter", "str"),
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
        ("extra", "str"),  # any column this schema does not name, "key=value ..."
    ),
    "diagnostics": (
        ("path", "str"),
        ("report_id", "str"),
        ("line", "int"),
        ("message", "str"),
    ),
}

TABLES = tuple(SCHEMAS)

Row = tuple[object, ...]


@dataclass(frozen=True)
class FileRows:
    """One input's rows, one tuple of rows per table, in TABLES order."""

    inputs: tuple[Row, ...]
    reports: tuple[Row, ...]
    zones: tuple[Row, ...]
    free_area: tuple[Row, ...]
    tasks: tuple[Row, ...]
    diagnostics: tuple[Row, ...]

    def table(self, name: str) -> tuple[Row, ...]:
        """The rows of table ``name``."""
        return getattr(self, name)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None


def file_rows(result: FileResult, file_id: str, size: int | None = None) -> FileRows:
    """All rows one analysed file contributes, keyed by ``file_id`` (``size`` if unknown)."""
    analyses = sorted(result.analyses, key=lambda a: (a.report.first_line, a.report.last_line))
    reports, zones, free_area, tasks, diags = [], [], [], [], []
    for d in result.diagnostics:
        diags.append((file_id, None, d.line, _text(d.message)))
    for analysis in analyses:
        report = analysis.report
        rid = f"{file_id}:{report.first_line}"
        reports.append(_report_row(analysis, rid, file_id))
        for zone in report.zones:
            zones.append(_zone_row(zone, rid))
            free_area.extend(_free_area_rows(zone, rid))
        tasks.extend(_task_row(t, rid) for t in report.tasks)
        diags.extend((file_id, rid, d.line, _text(d.message)) for d in report.diagnostics)
    inputs = (
        (
            file_id,
            size if result.size is None else result.size,
            result.lines,
            len(analyses),
            result.status,
            _text(result.reason),
        ),
    )
    return FileRows(
        inputs, tuple(reports), tuple(zones), tuple(free_area), tuple(tasks), tuple(diags)
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
        None if reserve is None else " ".join(str(v) for v in reserve),
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


def _task_row(task, rid: str) -> Row:
    known = dict.fromkeys(TASK_COLUMNS)
    extra = []
    for key, value in task.columns:
        if key in known and known[key] is None:
            known[key] = value
        elif key not in ("pid", "name"):
            extra.append(f"{key}={value}")
    return (rid, task.pid, _text(task.name), *known.values(), _text(" ".join(extra)))


def unreadable_rows(file_id: str, size: int | None, reason: str) -> FileRows:
    """The rows of an input that could not be analysed at all."""
    return FileRows(((file_id, size, 0, 0, "unreadable", reason),), (), (), (), (), ())


PANDAS_DTYPES = {"str": "string", "int": "Int64", "bool": "boolean"}


def frame(name: str, rows: list[Row] | tuple[Row, ...]):
    """A pandas DataFrame of ``rows`` with table ``name``'s columns and dtypes."""
    import pandas as pd

    schema = SCHEMAS[name]
    columns = [c for c, _ in schema]
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    return pd.DataFrame(
        {c: pd.array(data[c], dtype=PANDAS_DTYPES[k]) for c, k in schema}, columns=columns
    )


def conform(name: str, df):
    """Give a DataFrame read back from disk table ``name``'s exact columns and dtypes."""
    schema = SCHEMAS[name]
    df = df.reindex(columns=[c for c, _ in schema])
    return df.astype({c: PANDAS_DTYPES[k] for c, k in schema}).reset_index(drop=True)


def arrow_schema(name: str):
    """The pyarrow schema of table ``name``."""
    import pyarrow as pa

    kinds = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_()}
    return pa.schema([(c, kinds[k]) for c, k in SCHEMAS[name]])


def arrow_table(name: str, rows: list[Row]):
    """A pyarrow Table of ``rows`` for table ``name``."""
    import pyarrow as pa

    schema = arrow_schema(name)
    columns = [pa.array([r[i] for r in rows], type=f.type) for i, f in enumerate(schema)]
    return pa.Table.from_arrays(columns, schema=schema)
