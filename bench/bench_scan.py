"""Benchmark the reader: prefilter scan vs grep, reports/s on a dense log, memory vs input size.

    .venv/bin/python bench/bench_scan.py [--size 200] [--small 50] [--dense 5000] [--runs 3]
                                         [--profile]

Generated logs go to bench/out/ (git-ignored) and are reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

from oomlens.parse.assemble import parse_raw  # noqa: E402
from oomlens.read.ingest import open_input  # noqa: E402
from oomlens.read.markers import MARKERS  # noqa: E402
from oomlens.read.prefilter import ScanStats  # noqa: E402
from oomlens.read.segment import segment_stream  # noqa: E402

TARGET_GREP = 3.0
TARGET_RATE = 1000.0


def best(fn, runs: int) -> tuple[float, object]:
    """Best wall time of ``runs`` calls, and the last call's value."""
    times, value = [], None
    for _ in range(runs):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return min(times), value


def warm(path: Path) -> None:
    """Read the file once so every timed run finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def grep(args: list[str], path: Path) -> int:
    """Run ``grep -c`` and return its count."""
    out = subprocess.run(["grep", "-c", *args, str(path)], capture_output=True, check=False)
    return int(out.stdout or 0)


def scan(path: Path) -> tuple[list[tuple[int, int]], ScanStats]:
    """Segment only: the first and last line of every span, and the prefilter's counts."""
    stats = ScanStats()
    inp = open_input(path)
    try:
        spans = [
            (raw.first_line, raw.last_line) for raw in segment_stream(inp.stream, inp.path, stats)
        ]
    finally:
        inp.close()
    return spans, stats


def scan_parse(path: Path) -> int:
    """Segment and parse every span (reports are dropped, as a streaming consumer would)."""
    n = 0
    inp = open_input(path)
    try:
        for raw in segment_stream(inp.stream, inp.path):
            parse_raw(raw)
            n += 1
    finally:
        inp.close()
    return n


def noisy(size_mb: int) -> tuple[Path, list[noise.Splice]]:
    """The noisy log of ``size_mb`` MiB and where its reports were spliced."""

    def make(path: Path) -> list:
        return [list(vars(s).values()) for s in noise.write_noisy(path, size_mb * noise.MB)]

    path, value = noise.cached(f"noisy-{size_mb}MB.log", make)
    return path, [noise.Splice(*v) for v in value]


def check(spans: list[tuple[int, int]], splices: list[noise.Splice]) -> list[str]:
    """Compare found spans with the splices; one line per disagreement.

    A span counts for the last splice it overlaps (a span may start in the noise
    just before, when a stack dump there opened it).
    """
    import bisect

    starts = [s.first for s in splices]
    per = [0] * len(splices)
    stray = []
    for first, last in spans:
        i = bisect.bisect_right(starts, last) - 1
        if i >= 0 and first <= splices[i].last:
            per[i] += 1
        else:
            stray.append(first)
    out = [
        f"  {s.name} at lines {s.first}-{s.last}: found {got}, spliced {s.reports}"
        for s, got in zip(splices, per, strict=True)
        if got != s.reports
    ]
    out += [f"  span at line {ln} is outside every splice (from noise)" for ln in stray[:20]]
    return out


def peak_kb() -> int:
    """Peak RSS of this process in KiB: VmHWM (reset by exec), else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_rss(path: str) -> None:
    """Subprocess body: scan+parse ``path``, print reports and peak RSS as JSON."""
    before = peak_kb()
    n = scan_parse(Path(path))
    after = peak_kb()
    print(json.dumps({"reports": n, "start_kb": before, "peak_kb": after}))


def measure_rss(path: Path) -> dict:
    """Peak RSS of a fresh process that scans and parses ``path``."""
    out = subprocess.run(
        [sys.executable, __file__, "--child-rss", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def profile(fn, label: str, top: int = 18) -> None:
    """cProfile one call; print the functions with the most own time."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    print(f"\n--- profile: {label} (sorted by own time) ---")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main() -> int:
    """Run every measurement and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=200, help="noisy log size, MiB")
    ap.add_argument("--small", type=int, default=50, help="smaller noisy log for the memory check")
    ap.add_argument("--dense", type=int, default=5000, help="reports in the dense log")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile the scan and the dense parse")
    ap.add_argument("--child-rss", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_rss:
        child_rss(args.child_rss)
        return 0

    rows: list[tuple[str, str]] = []
    ok = True

    # -- noisy log -------------------------------------------------------------------------
    t = time.perf_counter()
    path, splices = noisy(args.size)
    spliced = sum(s.reports for s in splices)
    size = path.stat().st_size
    print(
        f"noisy log: {path} {size / noise.MB:.0f} MiB, {len(splices)} splices, {spliced} reports "
        f"(ready in {time.perf_counter() - t:.1f}s)"
    )
    warm(path)
    g_lit, g_lit_n = best(lambda: grep(["invoked oom-killer"], path), args.runs)
    marker_args = [a for m in MARKERS for a in ("-e", m.decode())]
    g_set, g_set_n = best(lambda: grep(["-F", *marker_args], path), args.runs)
    t_scan, (spans, stats) = best(lambda: scan(path), args.runs)
    t_full, found = best(lambda: scan_parse(path), args.runs)
    problems = check(spans, splices)
    if found != spliced or len(spans) != spliced or problems:
        ok = False
        print(
            f"\n!!! MISMATCH: spliced {spliced} reports, scan found {len(spans)}, "
            f"scan+parse found {found}"
        )
        print("\n".join(problems[:40]))
    if stats.decoded > stats.lines // 4:
        print(
            f"\n!!! the prefilter decoded {stats.decoded} of {stats.lines} lines: a report stayed "
            "open (not idle) over most of the input"
        )
    mbs = size / noise.MB
    rows += [
        (
            f"grep -c 'invoked oom-killer' ({g_lit_n} lines)",
            f"{g_lit:.3f}s  {mbs / g_lit:.0f} MiB/s",
        ),
        (
            f"grep -c -F {len(MARKERS)} markers ({g_set_n} lines)",
            f"{g_set:.3f}s  {mbs / g_set:.0f} MiB/s",
        ),
        ("oomlens scan (segment only)", f"{t_scan:.3f}s  {mbs / t_scan:.0f} MiB/s"),
        ("oomlens scan+parse", f"{t_full:.3f}s  {mbs / t_full:.0f} MiB/s"),
        ("  scan / grep literal", f"{t_scan / g_lit:.2f}x"),
        ("  scan / grep marker set", f"{t_scan / g_set:.2f}x"),
        ("  scan+parse / grep literal", f"{t_full / g_lit:.2f}x  (target <= {TARGET_GREP:.0f}x)"),
        ("  scan+parse / grep marker set", f"{t_full / g_set:.2f}x"),
        (
            "lines in / decoded by prefilter",
            f"{stats.lines} / {stats.decoded} ({100 * stats.decoded / max(stats.lines, 1):.2f}%)",
        ),
        (
            "reports spliced / found",
            f"{spliced} / {found}" + ("" if found == spliced else "  MISMATCH"),
        ),
    ]

    # -- dense log -------------------------------------------------------------------------
    dpath, dexpect = noise.cached(
        f"dense-{args.dense}.log", lambda p: noise.write_dense(p, args.dense)
    )
    warm(dpath)
    dsize = dpath.stat().st_size
    t_dense, dfound = best(lambda: scan_parse(dpath), 1)
    inp = open_input(dpath)
    raws = list(segment_stream(inp.stream, inp.path))
    inp.close()
    t_seg, _ = best(lambda: scan(dpath), 1)
    t_parse, _ = best(lambda: [parse_raw(r) for r in raws], 1)
    nlines = sum(len(r.lines) for r in raws)
    if dfound != dexpect:  # reports/s below counts what was found
        print(
            f"\nnote: dense log: wrote {dexpect} reports, found {dfound}; back to back, an "
            "excerpt without its trigger line joins an open report (a caller-keyed one stays "
            "open across the whole file)"
        )
    rate = dfound / t_dense
    rows += [
        (f"dense log ({dsize / noise.MB:.1f} MiB, {dexpect} reports)", f"found {dfound}"),
        ("  segment+parse", f"{t_dense:.2f}s  {rate:.0f} reports/s  (target >= {TARGET_RATE:.0f})"),
        ("  segment only", f"{t_seg:.2f}s  {dfound / t_seg:.0f} reports/s"),
        (
            "  parse_raw only",
            f"{t_parse:.2f}s  {1e3 * t_parse / len(raws):.2f} ms/report, "
            f"{1e6 * t_parse / nlines:.0f} us/line ({nlines / len(raws):.0f} lines/report)",
        ),
    ]

    # -- memory ----------------------------------------------------------------------------
    spath, _ = noisy(args.small)
    small = measure_rss(spath)
    large = measure_rss(path)
    growth = large["peak_kb"] / small["peak_kb"]
    rows += [
        (
            f"peak RSS scan+parse {args.small} MiB",
            f"{small['peak_kb'] / 1024:.1f} MiB (at start {small['start_kb'] / 1024:.1f})",
        ),
        (
            f"peak RSS scan+parse {args.size} MiB",
            f"{large['peak_kb'] / 1024:.1f} MiB (at start {large['start_kb'] / 1024:.1f})",
        ),
        (
            "  growth",
            f"{growth:.2f}x for {args.size / args.small:.0f}x input "
            f"({'flat' if growth < 1.15 else 'NOT FLAT'})",
        ),
    ]

    width = max(len(k) for k, _ in rows) + 2
    print(
        f"\noomlens reader benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"one process)"
    )
    for k, v in rows:
        print(f"{k:<{width}}{v}")
    verdicts = [
        ("scan+parse within 3x of grep -c literal", t_full / g_lit <= TARGET_GREP),
        ("dense >= 1000 reports/s", rate >= TARGET_RATE),
        ("memory flat", growth < 1.15),
        ("reports found == spliced", ok),
    ]
    print()
    for name, good in verdicts:
        print(f"{'PASS' if good else 'MISS'}  {name}")

    if args.profile:
        profile(lambda: scan(path), f"scan of the {args.size} MiB noisy log")
        profile(lambda: [parse_raw(r) for r in raws[:1000]], "parse_raw over 1000 dense spans")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
