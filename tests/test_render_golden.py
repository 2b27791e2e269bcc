"""Golden outputs of real reports in text, Markdown and HTML.

Each golden is the whole output for one sample, read as a person would and
checked by hand when it was written. A change to the output shows here as a
diff; after reading it, rewrite them with ``OOMLENS_GOLDEN=update pytest
tests/test_render_golden.py``.

- seed: the patch's two reports (4.8): highatomic-stranded, an OOM and an atomic
  failure; the order-0 shortcut passes and rmqueue finds only H lists.
- 042: 6.3 order-9 failure: the page count passes, and the only free order-9 block
  is the highatomic pageblock (highatomic-stranded).
- 041: 5.10 order-5 failure, fragmented: the page count passes, no free block.
- 006: order-1 OOM on an arm 4.10-4.17 kernel, exhausted, a HighMem zone all CMA.
- 002: 2.6.24 i386, lowmem-protected, no highatomic reserve in that kernel.
- 011: 4.10 i386 excerpt without its order: the highatomic counter has no top.
- 030: eight nodes, a nodemask: constrained, zones matched by node.
- 044: a memory cgroup OOM whose CPU banner says "Kdump: loaded".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oomlens.pipeline import Options, analyze_file
from oomlens.render import render

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = {
    "seed": "samples/seeds/000_702fbe451f37f534.txt",
    "042": "samples/corpus/042.log",
    "041": "samples/corpus/041.log",
    "006": "samples/corpus/006.log",
    "002": "samples/corpus/002.log",
    "011": "samples/corpus/011.log",
    "030": "samples/corpus/030.log",
    "044": "samples/corpus/044.log",
}
CASES = [(name, fmt) for name in SAMPLES for fmt in ("text", "markdown")] + [
    ("seed", "html"),
    ("042", "html"),
]
SUFFIX = {"text": "txt", "markdown": "md", "html": "html"}


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{SUFFIX[f]}" for n, f in CASES])
def test_golden(name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the report ids hold the path as given: keep it relative
    # syslog dates print no year: one is given, so the goldens do not follow the files' mtime
    out = render([analyze_file(SAMPLES[name], Options(year=2026))], fmt)
    path = GOLDEN / f"{name}.{SUFFIX[fmt]}"
    if os.environ.get("OOMLENS_GOLDEN") == "update":
        path.parent.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")
