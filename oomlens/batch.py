"""The fleet batch as a library: ``from oomlens.batch import analyze_paths`` (see oomlens.fleet)."""

from __future__ import annotations

from oomlens.fleet.batch import BatchError, BatchResult, analyze_paths, read_tables, run_batch

__all__ = ["BatchError", "BatchResult", "analyze_paths", "read_tables", "run_batch"]
