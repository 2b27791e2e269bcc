"""Benchmark start-up: ``python -c pass`` vs one ``oomlens analyze``, and what start-up imports.

.venv/bin/python bench/bench_startup.py [--runs 10] [--log samples/corpus/035.log]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 15.0
HEAVY = (
    "pandas",
    "numpy",
    "matplotlib",
    "dask",
    "distributed",
    "pyarrow",
    "zstandard",
    "rich",
    "typer",
    "click",
    "lark",
    "json",
    "importlib.metadata",
)


def timed(cmd: list[str], runs: int) -> tuple[float, int]:
    """Median wall time of ``runs`` runs, and the last exit code (one untimed warm-up run)."""
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
    times, rc = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        rc = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False).returncode
        times.append(time.perf_counter() - t)
    return statistics.median(times), rc


def import_times(cmd: list[str]) -> list[tuple[int, int, str]]:
    """``-X importtime`` rows of one run: (self us, cumulative us, indented module name)."""
    out = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:") :].split("|", 2)
        rows.append((int(self_us), int(cum_us), name.rstrip()))
    return rows


def main() -> int:
    """Time each command, print the ratio and the heaviest imports."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--log", default="samples/corpus/035.log")
    args = ap.parse_args()
    py = sys.executable

    base, _ = timed([py, "-c", "pass"], args.runs)
    cli = [py, "-m", "oomlens", "analyze", args.log, "--format", "json"]
    rows = [("python -c pass", base, 0)]
    t_cli, rc = timed(cli, args.runs)
    measured = cli
    if rc != 0:  # the CLI is not usable yet: time the library path instead
        measured = [
            py,
            "-c",
            "import oomlens.pipeline, oomlens.parse.assemble; "
            f"oomlens.parse.assemble.parse_text(open({args.log!r}).read())",
        ]
        t_cli, rc = timed(measured, args.runs)
        rows.append(("CLI unusable; import + parse_text instead", t_cli, rc))
    else:
        rows.append((f"python -m oomlens analyze {Path(args.log).name} --format json", t_cli, rc))
    script = shutil.which("oomlens", path=str(Path(py).parent))
    if script:
        t_script, rc_s = timed([script, "analyze", args.log, "--format", "json"], args.runs)
        rows.append((f"oomlens analyze {Path(args.log).name} --format json", t_script, rc_s))

    print(
        f"start-up, median of {args.runs} runs (python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores)"
    )
    width = max(len(r[0]) for r in rows) + 2
    for name, t, code in rows:
        ratio = t / base
        flag = (
            ""
            if name == "python -c pass"
            else (
                f"  {ratio:5.1f}x  {'PASS' if ratio <= TARGET else 'MISS'} (target <= {TARGET:.0f}x)"
            )
        )
        print(f"{name:<{width}}{1000 * t:7.1f} ms  rc={code}{flag}")
    if not script:
        print("(no `oomlens` console script in the venv: `pip install -e .` would add one)")

    imports = import_times(measured)
    total = sum(s for s, _, _ in imports)
    print(f"\nimports at start-up: {len(imports)} modules, {total / 1000:.0f} ms self time in all")
    print("top 10 by cumulative time (indent = nesting):")
    for self_us, cum_us, name in sorted(imports, key=lambda r: -r[1])[:10]:
        print(f"  {cum_us / 1000:7.1f} ms cum  {self_us / 1000:6.1f} ms self  {name}")
    loaded = {name.strip() for _, _, name in imports}
    heavy = [h for h in HEAVY if h in loaded]
    print(f"heavy or notable packages loaded: {', '.join(heavy) if heavy else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
