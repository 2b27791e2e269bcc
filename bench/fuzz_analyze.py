"""Atheris fuzz target: any bytes, as a file, through the whole pipeline and every renderer.

    pip install -e ".[fuzz]"
    python bench/fuzz_analyze.py -atheris_runs=40000 -max_len=65536 bench/out/fuzz-corpus

The seed corpus (every sample, plain, gzip, xz, zstd and as journal JSON) is written to
bench/out/fuzz-corpus on the first run. The property checked is :func:`check`: no
exception, strict JSON from ``--format json``, every report accounted for in jsonl.
``check`` imports without atheris (tests/test_hostile_props.py runs it on the samples).
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "bench" / "out" / "fuzz-corpus"
_SCRATCH = Path(tempfile.gettempdir()) / f"oomlens-fuzz-{os.getpid()}.bin"


def _no_constant(name: str) -> float:
    raise ValueError(f"JSON holds {name}, which is not JSON")


def check(data: bytes, scratch: Path = _SCRATCH) -> int:
    """Analyse ``data`` as a file, render every format; raise on any broken promise.

    Returns the number of reports found.
    """
    from oomlens.options import Options
    from oomlens.pipeline import analyze_file
    from oomlens.render import FORMATS, render

    scratch.write_bytes(data)
    result = analyze_file(str(scratch), Options(max_expanded=64 << 20))
    assert result.status in ("ok", "partial"), result.reason
    assert all("\n" not in d.message for d in result.diagnostics)
    out = {fmt: render([result], fmt) for fmt in FORMATS}
    doc = json.loads(out["json"], parse_constant=_no_constant)
    assert len(doc["reports"]) == len(result.analyses)
    lines = out["jsonl"].splitlines()
    assert [json.loads(x, parse_constant=_no_constant)["id"] for x in lines] == [
        r["id"] for r in doc["reports"]
    ]
    return len(result.analyses)


def seed_corpus() -> Path:
    """Write the seed corpus once: each real sample plain, compressed and as journal JSON."""
    if CORPUS.exists():
        return CORPUS
    import zstandard

    CORPUS.mkdir(parents=True)
    samples = sorted((ROOT / "samples" / "corpus").glob("*.log"))
    samples += sorted((ROOT / "samples" / "seeds").glob("*.txt"))
    for path in samples:
        data = path.read_bytes()
        records = [
            json.dumps({"_TRANSPORT": "kernel", "__REALTIME_TIMESTAMP": "1", "MESSAGE": line})
            for line in data.decode("utf-8", "replace").splitlines()
        ]
        variants = {
            "plain": data,
            "gz": gzip.compress(data),
            "xz": lzma.compress(data),
            "zst": zstandard.compress(data),
            "json": ("\n".join(records) + "\n").encode(),
        }
        for name, blob in variants.items():
            (CORPUS / f"{path.stem}.{name}").write_bytes(blob)
    return CORPUS


def main(argv: list[str]) -> None:
    """Run atheris over :func:`check`, with oomlens instrumented for coverage."""
    try:
        import atheris
    except ImportError:
        sys.exit("atheris is not installed: pip install -e '.[fuzz]'")
    with atheris.instrument_imports(include=["oomlens"]):
        import oomlens.judge.judge  # noqa: F401
        import oomlens.parse.assemble  # noqa: F401
        import oomlens.pipeline  # noqa: F401
        import oomlens.read.ingest  # noqa: F401
        import oomlens.read.segment  # noqa: F401
        import oomlens.render.csv  # noqa: F401
        import oomlens.render.json  # noqa: F401
        import oomlens.render.markdown  # noqa: F401
        import oomlens.render.text  # noqa: F401

    def one(data: bytes) -> None:
        check(data)

    if not any(not a.startswith("-") for a in argv[1:]):
        argv = [*argv, str(seed_corpus())]
    atheris.Setup(argv, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
