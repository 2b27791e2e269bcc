"""Benchmark oomlens batch: files/s, reports/s and peak memory at jobs=1 and jobs=2.

Builds a fleet of copies of samples/corpus (plain, gz, xz, zst in turn) under a
temporary directory and runs each configuration in a fresh process, so each peak
RSS (self + children, from getrusage) belongs to that run alone.

    .venv/bin/python bench/bench_batch.py [--files 2000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_fleet(root: Path, files: int) -> None:
    """Write ``files`` logs from samples/corpus into ``root``, 100 per host directory."""
    import zstandard

    corpus = sorted((ROOT / "samples" / "corpus").glob("*.log"))
    plain = [p.read_bytes() for p in corpus]
    zstd = zstandard.ZstdCompressor()
    for i in range(files):
        data = plain[i % len(plain)]
        host = root / f"host{i // 100:04d}"
        host.mkdir(exist_ok=True)
        name = f"{i:06d}-{corpus[i % len(corpus)].name}"
        kind = i % 4
        if kind == 0:
            (host / name).write_bytes(data)
        elif kind == 1:
            (host / (name + ".gz")).write_bytes(gzip.compress(data, mtime=0))
        elif kind == 2:
            (host / (name + ".xz")).write_bytes(lzma.compress(data))
        else:
            (host / (name + ".zst")).write_bytes(zstd.compress(data))


def one_run(fleet: str, out: str, jobs: int) -> dict:
    """Run one batch in this process and return its figures."""
    sys.path.insert(0, str(ROOT))
    from oomlens.fleet.batch import run_batch

    start = time.perf_counter()
    result = run_batch([fleet], out, fmt="parquet", jobs=jobs)
    seconds = time.perf_counter() - start
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "files": result.files,
        "reports": result.reports,
        "seconds": seconds,
        "self_mb": self_kb / 1024,
        "child_mb": child_kb / 1024,
    }


def measure(fleet: Path, out: Path, jobs: int) -> dict:
    """Run one configuration in a fresh interpreter."""
    cmd = [sys.executable, __file__, "--one", str(fleet), str(out), str(jobs)]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build the fleets, run every configuration and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--one", nargs=3, metavar=("FLEET", "OUT", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        fleet, out, jobs = args.one
        print(json.dumps(one_run(fleet, out, int(jobs))))
        return
    with tempfile.TemporaryDirectory(prefix="oomlens-bench-") as tmp:
        sizes = (args.files // 4, args.files)
        rows = []
        for n in sizes:
            fleet = Path(tmp) / f"fleet{n}"
            fleet.mkdir()
            build_fleet(fleet, n)
            for jobs in (1, 2):
                figures = measure(fleet, Path(tmp) / f"out{n}-{jobs}", jobs)
                rows.append((n, jobs, figures))
    print(f"cpus: {os.cpu_count()}")
    header = ("files", "jobs", "reports", "seconds", "files/s", "reports/s", "self MB", "worker MB")
    print("  ".join(f"{h:>9}" for h in header))
    base: dict[int, float] = {}
    for n, jobs, f in rows:
        rate = f["files"] / f["seconds"]
        base.setdefault(n, rate)
        cells = (
            f["files"],
            jobs,
            f["reports"],
            f"{f['seconds']:.2f}",
            f"{rate:.0f}",
            f"{f['reports'] / f['seconds']:.0f}",
            f"{f['self_mb']:.0f}",
            f"{f['child_mb']:.0f}",
        )
        print("  ".join(f"{c:>9}" for c in cells) + f"   speed-up {rate / base[n]:.2f}x")


if __name__ == "__main__":
    main()
