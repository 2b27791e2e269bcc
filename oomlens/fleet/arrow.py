"""Arrow columns built from their buffers, so writing Parquet never imports pandas.

``pyarrow.array`` on a Python list first asks whether the list is a pandas object,
and the asking imports pandas (0.2-0.3 s, more than a small batch spends judging).
The batch tables hold only nine kinds of value, each simple to lay out as Arrow
does: a validity bitmap, fixed-width values or offsets into a data buffer.
"""

from __future__ import annotations

from array import array
from datetime import datetime, timezone
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_INT32_MAX = (1 << 31) - 1


def column(pa: Any, kind: str, arrow_type: Any, values: list[Any]) -> Any:
    """The Arrow array of one column of ``kind`` (tables.py's kinds) holding ``values``."""
    if kind == "cat":
        raise ValueError("categorical columns are built by dictionary()")
    if kind in ("ints", "strs"):
        return _lists(pa, kind, arrow_type, values)
    n = len(values)
    valid, nulls = _validity(pa, values)
    if kind == "str":
        return _strings(pa, arrow_type, values, valid, nulls)
    if kind == "bool":
        bits = _bitmap(pa, [v is True for v in values])
        return pa.Array.from_buffers(arrow_type, n, [valid, bits], nulls)
    data: array[Any]
    if kind == "int":
        data = array("q", [0 if v is None else v for v in values])
    elif kind == "float":
        data = array("d", [0.0 if v is None else v for v in values])
    elif kind == "time":
        data = array("q", [0 if v is None else _nanoseconds(v) for v in values])
    else:
        raise ValueError(f"unknown column kind {kind!r}")
    return pa.Array.from_buffers(arrow_type, n, [valid, pa.py_buffer(data)], nulls)


def dictionary(pa: Any, indices: list[int | None], categories: list[str]) -> Any:
    """A dictionary-encoded text column: int32 ``indices`` into ``categories``."""
    valid, nulls = _validity(pa, indices)
    codes = pa.Array.from_buffers(
        pa.int32(),
        len(indices),
        [valid, pa.py_buffer(array("i", [0 if i is None else i for i in indices]))],
        nulls,
    )
    words = column(pa, "str", pa.string(), list(categories))
    return pa.DictionaryArray.from_arrays(codes, words)


def _validity(pa: Any, values: list[Any]) -> tuple[Any, int]:
    """The validity bitmap (None when nothing is null) and the null count."""
    present = [v is not None for v in values]
    nulls = len(values) - sum(present)
    return (_bitmap(pa, present) if nulls else None), nulls


def _bitmap(pa: Any, bits: list[bool]) -> Any:
    """Arrow's bit-packed booleans: bit i of byte i // 8, least significant first."""
    packed = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        if bit:
            packed[i >> 3] |= 1 << (i & 7)
    return pa.py_buffer(bytes(packed))


def _strings(pa: Any, arrow_type: Any, values: list[Any], valid: Any, nulls: int) -> Any:
    """UTF-8 text with int32 offsets; past 2 GiB pyarrow's own chunking takes over."""
    encoded = [b"" if v is None else str(v).encode("utf-8", "replace") for v in values]
    offsets = array("i", [0])
    end = 0
    for item in encoded:
        end += len(item)
        if end > _INT32_MAX:
            return pa.array(values, type=arrow_type)  # rare enough to pay pandas' import
        offsets.append(end)
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(
        arrow_type, len(values), [valid, pa.py_buffer(offsets), data], nulls
    )


def _lists(pa: Any, kind: str, arrow_type: Any, values: list[Any]) -> Any:
    """A list column: int32 offsets into one child column of every item."""
    valid, nulls = _validity(pa, values)
    offsets = array("i", [0])
    items: list[Any] = []
    for v in values:
        if v is not None:
            items.extend(v)
        offsets.append(len(items))
    child_kind = "int" if kind == "ints" else "str"
    child = column(pa, child_kind, arrow_type.value_type, items)
    return pa.Array.from_buffers(
        arrow_type, len(values), [valid, pa.py_buffer(offsets)], nulls, children=[child]
    )


def _nanoseconds(when: datetime) -> int:
    """Nanoseconds since the epoch, UTC; a naive time is taken as UTC, as pyarrow does."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    delta = when - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
