"""Benchmark hostile compressed input: peak RSS and time of ``oomlens analyze`` on bombs.

    .venv/bin/python bench/bench_bombs.py [--gib 5] [--max-expanded 4G] [--only gzip-zeros]

Each bomb expands past the default --max-expanded (4 GiB) unless --gib says less:
gzip, xz and zstd of zeros (one endless line) and of short noise lines, a zstd frame
with a 128 MiB window (``zstd --ultra -22``), and a gzipped journal whose one record
holds a 600 MiB MESSAGE between two real reports. Each run is one fresh child
process that runs ``python -m oomlens`` and reports
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, so the figure is oomlens's own
peak RSS. Bombs are built once into bench/out/ (git-ignored): a unit of 1 GiB
compressed once and repeated as concatenated members/streams/frames.
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "bombs"
GIB = 1 << 30
TARGET_MB = 200
NOISE = b"[ 1234.567890] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n"

# The child: runs oomlens, prints its exit code, wall time and the children's peak RSS.
CHILD = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
secs = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(p.returncode, secs, rss, len(p.stdout.splitlines()), repr(p.stderr.decode()[-300:]))
"""


def _unit(pattern: bytes, size: int) -> bytes:
    block = (pattern * (1 + (1 << 20) // len(pattern)))[: (1 << 20) // len(pattern) * len(pattern)]
    return block * (size // len(block))


def _compress_unit(kind: str, pattern: bytes, ultra: bool = False) -> bytes:
    """One member/stream/frame that expands to ~1 GiB of ``pattern``, compressed stepwise."""
    block = _unit(pattern, 1 << 20) or pattern
    n = GIB // len(block)
    if kind == "gzip":
        import zlib

        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts = [c.compress(block) for _ in range(n)]
        return b"".join(parts) + c.flush()
    if kind == "xz":
        c = lzma.LZMACompressor(lzma.FORMAT_XZ, preset=9)
        parts = [c.compress(block) for _ in range(n)]
        return b"".join(parts) + c.flush()
    import zstandard

    params = (
        zstandard.ZstdCompressionParameters.from_level(22, window_log=27)
        if ultra
        else zstandard.ZstdCompressionParameters.from_level(19)
    )
    c = zstandard.ZstdCompressor(compression_params=params).compressobj()
    parts = [c.compress(block) for _ in range(n)]
    return b"".join(parts) + c.flush()


def build(name: str, gib: int) -> Path:
    """Build (once) the bomb ``name``, expanding to about ``gib`` GiB."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}-{gib}g.bin"
    if path.exists():
        return path
    if name == "journal-field":
        reports = (ROOT / "samples/corpus/035.log").read_text(encoding="utf-8", errors="replace")

        def rec(msg: str) -> str:
            return json.dumps(
                {"__REALTIME_TIMESTAMP": "1700000000000000", "_TRANSPORT": "kernel", "MESSAGE": msg}
            )

        with gzip.open(path, "wt", compresslevel=9) as f:
            for line in reports.splitlines():
                f.write(rec(line) + "\n")
            f.write('{"_TRANSPORT": "kernel", "MESSAGE": "')
            chunk = "A" * (1 << 20)
            for _ in range(600):
                f.write(chunk)
            f.write('"}\n')
            for line in reports.splitlines():
                f.write(rec(line) + "\n")
        return path
    kind, content = name.split("-", 1)
    pattern = b"\0" if content == "zeros" else NOISE
    unit = _compress_unit(kind, pattern, ultra=content == "window")
    with open(path, "wb") as f:
        for _ in range(gib):
            f.write(unit)
    return path


def measure(path: Path, max_expanded: str | None) -> dict:
    """Run oomlens on ``path`` in a fresh child; its exit code, seconds, peak RSS, stderr."""
    cmd = [sys.executable, "-m", "oomlens", "analyze", str(path), "--format", "jsonl"]
    if max_expanded:
        cmd += ["--max-expanded", max_expanded]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *cmd], cwd=ROOT, capture_output=True, text=True, check=True
    )
    rc, secs, rss, reports, err = out.stdout.split(" ", 4)
    return {
        "rc": int(rc),
        "seconds": float(secs),
        "rss_mb": int(rss) / 1024,
        "reports": int(reports),
        "stderr": eval(err),  # noqa: S307 - our own child's repr()
    }


BOMBS = (
    "gzip-zeros",
    "gzip-lines",
    "xz-zeros",
    "xz-lines",
    "zstd-zeros",
    "zstd-lines",
    "zstd-window",
    "journal-field",
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gib", type=int, default=5, help="expanded size of each bomb in GiB")
    ap.add_argument("--max-expanded", default=None, help="passed to oomlens (default: its own)")
    ap.add_argument("--only", action="append", choices=BOMBS, help="run only these bombs")
    args = ap.parse_args()
    print(f"{'bomb':<14} {'file':>10} {'seconds':>8} {'peak RSS':>10} {'reports':>8}  stderr")
    worst = 0.0
    for name in args.only or BOMBS:
        path = build(name, args.gib)
        got = measure(path, args.max_expanded)
        worst = max(worst, got["rss_mb"])
        size = os.path.getsize(path)
        lines = got["stderr"].strip().splitlines()
        note = lines[0].replace(str(path), "…") if lines else ""
        print(
            f"{name:<14} {size / 1024:>8.0f}KB {got['seconds']:>8.1f} "
            f"{got['rss_mb']:>8.1f}MB {got['reports']:>8}  rc={got['rc']} {note[:100]}"
        )
    verdict = "pass" if worst < TARGET_MB else "miss"
    print(f"worst peak RSS {worst:.1f} MB (target < {TARGET_MB} MB: {verdict})")
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    t0 = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - t0:.0f} s in all)")
    sys.exit(code)
