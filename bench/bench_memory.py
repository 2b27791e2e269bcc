"""Benchmark memory against the number of reports: peak RSS of ``oomlens analyze`` on dense logs.

    .venv/bin/python bench/bench_memory.py [--reports 10000,100000] [--formats jsonl,text,csv]

Builds gzipped dense logs (real corpus report spans back to back, see noise.py) of each
size in bench/out/ (reused by later runs), then runs ``oomlens analyze LOG --format F >
/dev/null`` once per log and format and reads the child's peak RSS from ``wait4``. The
target: the largest log's peak within 1.2x of the smallest's, for every format.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import noise  # noqa: E402

TARGET = 1.2


def write_dense_gz(path: Path, reports: int) -> int:
    """``noise.write_dense`` into a gzip file: spans re-timestamped, ``reports`` or a few more."""
    sources = noise.dense_order(noise.report_sources())
    total = 0
    clock = 10.0
    with gzip.open(path, "wb", compresslevel=6) as f:
        while total < reports:
            for src in sources:
                f.write(b"\n".join(noise.retime(src.lines, clock)) + b"\n")
                clock += 3.0
                total += src.reports
                if total >= reports:
                    break
    return total


def peak_rss(args: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, lines written) of one ``python -m oomlens`` run."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oomlens", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: proc.stdout.read(1 << 20), b""))
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"oomlens {' '.join(args)} failed: status {status}")
    return usage.ru_maxrss / 1024, seconds, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", default="10000,100000", help="log sizes, in reports")
    ap.add_argument("--formats", default="jsonl,text,csv")
    args = ap.parse_args()
    sizes = [int(x) for x in args.reports.split(",")]
    formats = args.formats.split(",")
    logs = {}
    for n in sizes:
        path, written = noise.cached(f"dense-{n}.log.gz", lambda p, n=n: write_dense_gz(p, n))
        logs[n] = (path, written)
        print(f"{path.name}: {written} report spans, {path.stat().st_size / 2**20:.1f} MiB gzip")
    print()
    print(f"{'format':8} {'reports':>8} {'found':>8} {'peak RSS':>10} {'time':>8}")
    rows: dict[str, list[float]] = {}
    for fmt in formats:
        for n in sizes:
            path, _ = logs[n]
            mib, secs, lines = peak_rss(["analyze", str(path), "--format", fmt])
            found = lines - 1 if fmt == "csv" else lines if fmt == "jsonl" else None
            rows.setdefault(fmt, []).append(mib)
            shown = "" if found is None else str(found)
            print(f"{fmt:8} {n:8d} {shown:>8} {mib:8.1f} MiB {secs:7.1f}s", flush=True)
    print()
    for fmt, peaks in rows.items():
        ratio = max(peaks) / min(peaks)
        verdict = "pass" if ratio <= TARGET else "MISS"
        print(f"{fmt}: largest/smallest peak RSS {ratio:.2f}x (target <= {TARGET}x): {verdict}")


if __name__ == "__main__":
    main()
