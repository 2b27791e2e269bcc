"""oomlens: why did this kernel allocation fail, and would unreserving highatomic blocks have saved it?

The library API mirrors the command line::

    from oomlens import analyze_file, parse_text, Options
    result = analyze_file("crash.log.gz")
    for a in result.analyses:
        print(a.report.id, a.verdict.code if a.verdict else None)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Options", "analyze_file", "iter_analyses", "parse_text", "__version__"]


def __getattr__(name: str) -> Any:
    """The public API, loaded on first use so that `import oomlens` stays cheap."""
    if name in ("Options", "analyze_file", "iter_analyses"):
        from oomlens import pipeline

        return getattr(pipeline, name)
    if name == "parse_text":
        from oomlens.parse.assemble import parse_text

        return parse_text
    raise AttributeError(name)
