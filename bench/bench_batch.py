"""Benchmark oomlens batch: files/s, reports/s and peak memory at jobs=1 and jobs=2.

Builds a fleet of copies of samples/corpus (plain, gz, xz, zst in turn) under a
temporary directory and runs each configuration in a fresh process, so each peak
RSS (self, and the largest worker, from getrusage) belongs to that run alone.
Configurations are interleaved over ``--rounds`` rounds and the fastest of each
is kept: on a shared machine other work slows single runs, never speeds them up.
The load average before and after says how busy the machine was.

    .venv/bin/python bench/bench_batch.py [--files 1000] [--rounds 3]
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
    from oomlens.fleet import pool
    from oomlens.fleet.batch import run_batch

    workers_cpu: list[float] = []
    close = pool.Pool.close

    def measured_close(self, terminate: bool = False) -> None:  # noqa: ANN001
        if not self._closed:  # each worker's CPU seconds, read before it exits
            tick = os.sysconf("SC_CLK_TCK")
            for w in self._workers:
                fields = Path(f"/proc/{w.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                workers_cpu.append((int(fields[11]) + int(fields[12])) / tick)
        close(self, terminate)

    pool.Pool.close = measured_close  # type: ignore[method-assign]

    start = time.perf_counter()
    result = run_batch([fleet], out, fmt="parquet", jobs=jobs)
    seconds = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_kb, child_kb = me.ru_maxrss, kids.ru_maxrss
    return {
        "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
        "self_cpu": me.ru_utime + me.ru_stime,
        "workers_cpu": workers_cpu,
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
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("FLEET", "OUT", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        fleet, out, jobs = args.one
        print(json.dumps(one_run(fleet, out, int(jobs))))
        return
    load_before = os.getloadavg()
    best: dict[tuple[int, int], dict] = {}
    with tempfile.TemporaryDirectory(prefix="oomlens-bench-") as tmp:
        sizes = (args.files // 4, args.files)
        for n in sizes:
            fleet = Path(tmp) / f"fleet{n}"
            fleet.mkdir()
            build_fleet(fleet, n)
        for r in range(args.rounds):
            for n in sizes:
                for jobs in (1, 2):
                    out = Path(tmp) / f"out{n}-{jobs}-{r}"
                    figures = measure(Path(tmp) / f"fleet{n}", out, jobs)
                    if (n, jobs) not in best or figures["cpu"] < best[n, jobs]["cpu"]:
                        best[n, jobs] = figures
    rows = [(n, jobs, best[n, jobs]) for n in sizes for jobs in (1, 2)]
    print(
        f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
        f"of {args.rounds} interleaved rounds, the one with the least CPU time"
    )
    print(f"cpus: {os.cpu_count()}")
    header = (
        "files",
        "jobs",
        "reports",
        "seconds",
        "files/s",
        "reports/s",
        "self MB",
        "worker MB",
        "CPU s",
        "workers",
    )
    print("  ".join(f"{h:>9}" for h in header))
    base: dict[int, float] = {}
    cpu1: dict[int, float] = {}
    for n, jobs, f in rows:
        rate = f["files"] / f["seconds"]
        base.setdefault(n, rate)
        cpu1.setdefault(n, f["cpu"])
        cells = (
            f["files"],
            jobs,
            f["reports"],
            f"{f['seconds']:.2f}",
            f"{rate:.0f}",
            f"{f['reports'] / f['seconds']:.0f}",
            f"{f['self_mb']:.0f}",
            f"{f['child_mb']:.0f}",
            f"{f['cpu']:.2f}",
            "/".join(f"{c:.2f}" for c in f["workers_cpu"]) or "-",
        )
        # On two idle cores: at best all CPU seconds / 2; at worst the busiest worker
        # plus every CPU second of the parent, as if none of it overlapped the workers.
        bound = cpu1[n] / (f["cpu"] / jobs)
        worst = cpu1[n] / (max(f["workers_cpu"] or [0.0]) + f["self_cpu"])
        print(
            "  ".join(f"{c:>9}" for c in cells)
            + f"   wall {rate / base[n]:.2f}x; CPU: best {bound:.2f}x, worst {worst:.2f}x"
        )


if __name__ == "__main__":
    main()
