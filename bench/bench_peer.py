"""Benchmark oomlens against its references in the same run: OOMAnalyser, grep, python.

    .venv/bin/python bench/bench_peer.py --peer PATH/TO/OOMAnalyser.py [REPORT ...]
                                         [-n 500] [--rounds 5] [--cpu 1] [--no-render]
    .venv/bin/python bench/bench_peer.py --jsonl [--dense 6600] [--rounds 3]
    .venv/bin/python bench/bench_peer.py --scan [--size 200] [--rounds 5]
    .venv/bin/python bench/bench_peer.py --startup [--rounds 5]

Every process is pinned to one core (``taskset -c CPU``, default 1); rounds interleave a
figure with its reference, alternating which goes first, and the best round of each is kept.

``--peer``: OOMAnalyser (github.com/CarstenGrohmann/OOMAnalyser) is taken by path and never
copied into this repository. For each REPORT (default: the seed's first report, the balloon
OOM, cut out to ``bench/out/seed-first-report.txt``) two fresh interpreters analyse the same
text ``-n`` times in one process after one untimed warm-up call:

- OOMAnalyser: ``OOMAnalyser(OOMEntity(text)).analyse()``, what its page runs before it
  draws the result into the DOM (the drawing is left out: it writes to stub elements);
- oomlens: ``analyze_file(path)`` (read, segment, parse, model, replay, judge) and
  ``render(..., "jsonl")`` (left out with ``--no-render``).

Each side's reading of the report is printed next to its rate: a peer that rejects a report
(``analyse()`` returns False) has only checked it, not analysed it, and the table says so.

``--jsonl``: ``oomlens analyze DENSE --format jsonl > /dev/null`` as a whole command (start-up
included) on the dense log of every corpus report and the seed back to back
(``noise.write_dense``); reports/s counts the JSON lines it prints. Goal: 2,000/s.

``--scan``: ``oomlens analyze NOISY --format jsonl`` against
``grep -c 'invoked oom-killer\\|page allocation failure' NOISY`` on bench_scan.py's noisy log.
Goal: within 3x (stretch 1.5x).

``--startup``: ``oomlens FILE`` (one report, text out) against ``python3 -c pass`` of the same
interpreter. Goal: within 10x (stretch 8x).
"""

from __future__ import annotations

import argparse
import builtins
import importlib.util
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import noise  # noqa: E402

if TYPE_CHECKING:
    from oomlens.pipeline import FileResult

SEED = ROOT / "samples" / "seeds" / "000_702fbe451f37f534.txt"
TARGET_RATE = 2000.0  # issue #11: end to end, one core, dense log


# --- the peer --------------------------------------------------------------------------------


class _Anything:
    """Stands in for any browser object: attributes, calls and items all give another one."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        pass

    def __getattr__(self, name: str) -> _Anything | None:
        if name in ("firstChild", "lastChild", "nextSibling"):  # ends `while el.firstChild:`
            return None
        return _Anything()

    def __call__(self, *args: object, **kwargs: object) -> _Anything:
        return _Anything()

    def __getitem__(self, key: object) -> _Anything:
        return _Anything()

    def __iter__(self) -> Iterator[_Anything]:  # querySelectorAll(...) finds nothing
        return iter(())


# Browser-only names OOMAnalyser.py may touch when run outside Transcrypt. The file carries
# its own CPython stubs for these (in a `__pragma__ ('skip')` block); the shim only fills in
# the ones a version lacks, as builtins, so the module's own definitions win.
SHIM = {
    "__pragma__": lambda *args, **kwargs: None,
    "document": _Anything(),
    "window": _Anything(),
    "console": _Anything(),
    "js_undefined": None,
    # DOM types named in its annotations
    **{
        name: _Anything
        for name in (
            "Element",
            "Node",
            "Document",
            "Window",
            "Console",
            "EventTarget",
            "DOMTokenList",
        )
    },
}


def load_peer(path: str) -> ModuleType:
    """Import OOMAnalyser.py from ``path`` in CPython, with the browser shim under it."""
    for name, value in SHIM.items():
        if not hasattr(builtins, name):
            setattr(builtins, name, value)
    spec = importlib.util.spec_from_file_location("OOMAnalyser", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--peer {path}: not a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["OOMAnalyser"] = mod
    spec.loader.exec_module(mod)
    return mod


def shim_used(mod: ModuleType) -> list[str]:
    """The shim's names the peer's code reads but does not define itself."""
    path = mod.__file__ or ""
    source = Path(path).read_text(encoding="utf-8")
    names: set[str] = set()
    todo = [compile(source, path, "exec", dont_inherit=True)]  # not our __future__
    while todo:
        code = todo.pop()
        names.update(code.co_names)
        todo.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return sorted(n for n in SHIM if n in names and n not in vars(mod))


def peer_once(mod: ModuleType, text: str) -> tuple[bool, Any]:
    """One analysis by the peer, as its page runs it before drawing: parse, then analyse."""
    analyser = mod.OOMAnalyser(mod.OOMEntity(text))
    return analyser.analyse(), analyser


def peer_summary(mod: ModuleType, ok: bool, analyser: Any) -> dict[str, Any]:
    """What the peer made of the report (for the side-by-side check)."""
    res = analyser.oom_result
    d = res.details
    out = {"ok": bool(ok), "version": getattr(mod, "VERSION", "?"), "shimmed": shim_used(mod)}
    if not ok:
        out["error"] = res.error_msg
        return out
    out.update(
        kernel=d.get("kernel_version"),
        oom_type=str(res.oom_type),
        alloc_failure=str(res.mem_alloc_failure),
        fragmented=res.mem_fragmented,
        kconfig=getattr(res.kconfig, "name", type(res.kconfig).__name__),
        trigger=d.get("trigger_proc_name"),
        killed=d.get("killed_proc_name"),
    )
    return out


# --- oomlens ---------------------------------------------------------------------------------


def oomlens_once(path: str, render_jsonl: bool = True) -> FileResult:
    """oomlens end to end on one file in this process: analyse it, then render JSON Lines.

    The only place this script calls oomlens in process; ``analyze_file`` is the public
    top-level entry, ``render`` the one the CLI uses.
    """
    from oomlens import analyze_file

    result = analyze_file(path)
    if render_jsonl:
        from oomlens.render import render

        render([result], "jsonl")
    return result


def oomlens_summary(path: str) -> dict:
    """What oomlens made of the report, read from its JSON Lines output (the stable schema)."""
    from oomlens import analyze_file
    from oomlens.render import render

    rows = [json.loads(ln) for ln in render([analyze_file(path)], "jsonl").splitlines() if ln]
    verdicts = [r.get("verdict") or {} for r in rows]
    return {
        "ok": any(v.get("code") for v in verdicts),
        "reports": len(rows),
        "kind": [r.get("kind") for r in rows],
        "kernel": [(r.get("kernel") or {}).get("release") for r in rows],
        "killed": [(r.get("killed") or {}).get("comm") for r in rows],
        "verdict": [v.get("code") for v in verdicts],
    }


# --- children --------------------------------------------------------------------------------


def child(side: str, report: str, n: int, peer: str | None, render_jsonl: bool) -> dict[str, Any]:
    """Subprocess body: one warm-up call, then ``n`` timed calls of one side."""
    t0 = time.perf_counter()
    once: Callable[[], object]
    if side == "peer":
        mod = load_peer(peer or "")
        text = Path(report).read_text(encoding="utf-8", errors="surrogateescape")

        def once() -> tuple[bool, Any]:
            return peer_once(mod, text)
    else:

        def once() -> FileResult:
            return oomlens_once(report, render_jsonl)

    value = once()
    first = time.perf_counter() - t0
    t = time.perf_counter()
    for _ in range(n):
        once()
    seconds = time.perf_counter() - t
    if side == "peer":
        ok, analyser = value  # type: ignore[misc]
        summary = peer_summary(mod, ok, analyser)
    else:
        summary = oomlens_summary(report)
    return {"side": side, "n": n, "seconds": seconds, "first": first, "result": summary}


def pinned(cpu: str | None, cmd: list[str]) -> list[str]:
    """``cmd`` pinned to ``cpu`` with taskset (unpinned if there is no taskset or no --cpu)."""
    if cpu is None or cpu == "" or shutil.which("taskset") is None:
        return cmd
    return ["taskset", "-c", cpu, *cmd]


def run_child(side: str, report: Path, args: argparse.Namespace) -> dict:
    """Run one side in a fresh pinned interpreter and read its JSON line."""
    cmd = [sys.executable, __file__, "--child", side, "--report", str(report), "-n", str(args.n)]
    if args.peer:
        cmd += ["--peer", args.peer]
    if args.no_render:
        cmd.append("--no-render")
    out = subprocess.run(
        pinned(args.cpu, cmd), capture_output=True, text=True, cwd=ROOT, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{side} child failed on {report}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- inputs ----------------------------------------------------------------------------------


def first_seed_report() -> Path:
    """The seed's first report (the balloon OOM) alone, as oomlens bounds it, in bench/out/."""
    from oomlens import analyze_file

    result = analyze_file(str(SEED))
    rep = result.analyses[0].report
    lines = SEED.read_bytes().split(b"\n")[rep.first_line - 1 : rep.last_line]
    noise.OUT.mkdir(parents=True, exist_ok=True)
    path = noise.OUT / "seed-first-report.txt"
    data = b"\n".join(lines) + b"\n"
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def machine() -> str:
    """One line on where this ran."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?"
            )
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load {load}"
    )


# --- the two modes ---------------------------------------------------------------------------


def compare(args: argparse.Namespace) -> list[tuple]:
    """Peer mode: interleaved rounds per report; one row per report."""
    reports = [Path(r) for r in args.reports] or [first_seed_report()]
    rows = []
    for report in reports:
        best: dict[str, dict] = {}
        for rnd in range(args.rounds):
            sides = ("peer", "oomlens") if rnd % 2 == 0 else ("oomlens", "peer")
            for side in sides:
                got = run_child(side, report, args)
                if side not in best or got["seconds"] < best[side]["seconds"]:
                    best[side] = got
            print(
                f"  {report.name} round {rnd + 1}/{args.rounds}: "
                + ", ".join(f"{s} {best[s]['n'] / best[s]['seconds']:.0f}/s" for s in best),
                file=sys.stderr,
            )
        rows.append((report, best["peer"], best["oomlens"]))
    return rows


def print_compare(rows: list[tuple], args: argparse.Namespace) -> None:
    """The side-by-side table and each side's reading of every report."""
    unit = "analyze_file" + ("" if args.no_render else " + render jsonl")
    print(
        f"\noomlens vs OOMAnalyser, {args.n} analyses in one process each, pinned to cpu "
        f"{args.cpu}, best of {args.rounds} interleaved rounds"
    )
    print(f"  oomlens unit: {unit};  OOMAnalyser unit: OOMAnalyser(OOMEntity(text)).analyse()")
    head = f"{'report':<28}{'lines':>6}{'OOMAnalyser/s':>15}{'oomlens/s':>11}{'oomlens/peer':>14}"
    print(head)
    for report, peer, ours in rows:
        nlines = len(report.read_bytes().splitlines())
        rp, ro = peer["n"] / peer["seconds"], ours["n"] / ours["seconds"]
        flag = "" if peer["result"]["ok"] else "  (peer rejected it)"
        print(f"{report.name[:27]:<28}{nlines:>6}{rp:>15.0f}{ro:>11.0f}{ro / rp:>13.2f}x{flag}")
    print("\nwhat each made of it (first call, warm-up included):")
    for report, peer, ours in rows:
        pr, orr = peer["result"], ours["result"]
        print(f"  {report.name}")
        if pr["ok"]:
            print(
                f"    OOMAnalyser {pr['version']}: kernel {pr['kernel']}, {pr['oom_type']}, "
                f"{pr['alloc_failure']}, fragmented={pr['fragmented']}, trigger {pr['trigger']}, "
                f"killed {pr['killed']}  [{pr['kconfig']}]  first call {1e3 * peer['first']:.0f} ms"
            )
        else:
            print(
                f"    OOMAnalyser {pr['version']}: REJECTED: {pr['error']}  "
                f"first call {1e3 * peer['first']:.0f} ms"
            )
        print(
            f"    oomlens: {orr['reports']} report(s), kind {orr['kind']}, kernel {orr['kernel']}, "
            f"killed {orr['killed']}, verdict {orr['verdict']}  first call {1e3 * ours['first']:.0f} ms"
        )
    shimmed = sorted({n for _, p, _ in rows for n in p["result"]["shimmed"]})
    print(
        f"\nbrowser names the shim had to supply: {', '.join(shimmed) or 'none'} "
        "(the peer file's own CPython stubs cover the rest)"
    )
    rejected = [r.name for r, p, _ in rows if not p["result"]["ok"]]
    if rejected:
        print(
            f"\nnote: OOMAnalyser rejected {', '.join(rejected)} (it wants a 'Killed process' line); its "
            "rate there is that of a check, not of an analysis, so that ratio is not like for like."
        )


def oomlens_command() -> list[str]:
    """The installed ``oomlens`` console script next to this interpreter, else ``-m oomlens``."""
    script = shutil.which("oomlens", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "oomlens"]


def race(
    cmds: dict[str, list[str]], rounds: int, label: str, piped: tuple[str, ...] = ()
) -> dict[str, tuple[float, float]]:
    """Whole commands interleaved over ``rounds`` (the order alternating); the best wall and cpu
    seconds of each. Output goes to /dev/null, except for the commands named in ``piped``: GNU
    grep stops at the first match when its output is /dev/null, so grep writes to a pipe."""
    best = {name: (float("inf"), float("inf")) for name in cmds}
    for rnd in range(rounds):
        names = list(cmds) if rnd % 2 == 0 else list(reversed(cmds))
        for name in names:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            with open(os.devnull, "wb") as null:
                out = subprocess.PIPE if name in piped else null
                subprocess.run(
                    cmds[name], stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT, check=False
                )
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
        print(
            f"  {label} round {rnd + 1}/{rounds}: "
            + ", ".join(f"{n} {1e3 * best[n][0]:.0f} ms" for n in cmds),
            file=sys.stderr,
        )
    return best


def shown(cmd: list[str]) -> str:
    """A command as a reader would type it (no taskset, no venv path, paths from the root)."""
    if cmd[:2] == ["taskset", "-c"]:
        cmd = cmd[3:]
    out = []
    for c in cmd:
        if c.endswith("/oomlens"):
            c = "oomlens"
        elif c == sys.executable:
            c = "python3"
        elif os.path.isabs(c) and c.startswith(str(ROOT)):
            c = os.path.relpath(c, ROOT)
        out.append(f"'{c}'" if " " in c or "|" in c else c)
    return " ".join(out)


def checked(cmd: list[str]) -> bytes:
    """Run ``cmd`` once (this also warms the page cache) and return its stdout."""
    out = subprocess.run(cmd, capture_output=True, cwd=ROOT, check=False)
    if out.returncode not in (0, 1, 3):  # grep -c says 1 for no match, oomlens 3 for --fail-on
        raise SystemExit(f"{shown(cmd)} failed ({out.returncode}):\n{out.stderr.decode()[-3000:]}")
    return out.stdout


def dense(args: argparse.Namespace) -> None:
    """--jsonl: the whole command on the dense log against the 2,000 reports/s goal."""
    dpath, written = noise.cached(
        f"dense-{args.dense}.log", lambda p: noise.write_dense(p, args.dense)
    )
    cmd = pinned(args.cpu, [*oomlens_command(), "analyze", str(dpath), "--format", "jsonl"])
    found = checked(cmd).count(b"\n")
    wall, cpu = race({"oomlens": cmd}, args.rounds, "dense")["oomlens"]
    rate = found / wall
    print(
        f"\nend to end on the dense log, pinned to cpu {args.cpu}, best of {args.rounds}: "
        f"{shown(cmd)} > /dev/null"
    )
    print(
        f"  {dpath.name}: {dpath.stat().st_size / noise.MB:.1f} MiB, {written} report spans "
        f"written, {found} reports emitted"
    )
    print(
        f"  {wall:.2f}s wall ({cpu:.2f}s cpu), {rate:.0f} reports/s "
        f"({found / cpu:.0f}/s of cpu), start-up included"
    )
    print(
        f"  {'PASS' if rate >= TARGET_RATE else 'MISS'}  >= {TARGET_RATE:.0f} reports/s on one core"
    )


def scan(args: argparse.Namespace) -> None:
    """--scan: the whole command on the noisy log against grep -c on the same file; with the
    ``[scan]`` extra installed, the pure-Python marker search (``OOMLENS_SCAN=find``) too."""
    from bench_scan import noisy  # builds bench/out/noisy-<N>MB.log once (bench_scan.py's log)

    from oomlens.read.markers import scan_engine

    path, splices = noisy(args.size)
    analyze = [*oomlens_command(), "analyze", str(path), "--format", "jsonl"]
    cmds = {
        "grep": pinned(
            args.cpu, ["grep", "-c", r"invoked oom-killer\|page allocation failure", str(path)]
        ),
        "oomlens": pinned(args.cpu, analyze),
    }
    engine = scan_engine()
    if engine != "find":
        cmds["oomlens, find"] = pinned(args.cpu, ["env", "OOMLENS_SCAN=find", *analyze])
    lines = int(checked(cmds["grep"]) or 0)
    outputs = {name: checked(cmd) for name, cmd in cmds.items() if name != "grep"}
    if len(set(outputs.values())) != 1:
        raise SystemExit("the two marker finders gave different output")
    found = outputs["oomlens"].count(b"\n")
    best = race(cmds, args.rounds, "scan", piped=("grep",))
    print(
        f"\nscan of the noisy log, whole commands, pinned to cpu {args.cpu}, best of "
        f"{args.rounds} interleaved: {path.name}, {path.stat().st_size / noise.MB:.0f} MiB, "
        f"{sum(s.reports for s in splices)} reports spliced"
    )
    print(f"  {shown(cmds['grep'])}: {best['grep'][0]:.3f}s ({lines} lines)")
    for name in cmds:
        if name == "grep":
            continue
        ratio = best[name][0] / best["grep"][0]
        how = engine if name == "oomlens" else "find"
        print(
            f"  {shown(cmds[name])} > /dev/null: {best[name][0]:.3f}s ({found} reports, "
            f"markers by {how}): {ratio:.2f}x grep  {'PASS' if ratio <= 3 else 'MISS'} <= 3x"
            f"{'  (stretch 1.5x: PASS)' if ratio <= 1.5 else ''}"
        )


def startup(args: argparse.Namespace) -> None:
    """--startup: ``oomlens FILE`` on one report against ``python3 -c pass``, same interpreter."""
    log = ROOT / args.startup_log
    py = sys.executable
    cmds = {
        "python -c pass": pinned(args.cpu, [py, "-c", "pass"]),
        "oomlens FILE": pinned(args.cpu, [*oomlens_command(), str(log)]),
    }
    for cmd in cmds.values():  # warm-up: page cache, .pyc files, the grammar cache
        checked(cmd)
    best = race(cmds, args.rounds * 4, "start-up")
    ratio = best["oomlens FILE"][0] / best["python -c pass"][0]
    print(f"\nstart-up, pinned to cpu {args.cpu}, best of {args.rounds * 4} interleaved:")
    for name, cmd in cmds.items():
        print(f"  {shown(cmd)}: {1e3 * best[name][0]:.1f} ms")
    print(
        f"  {ratio:.1f}x  {'PASS' if ratio <= 10 else 'MISS'} <= 10x"
        f"{'  (stretch 8x: PASS)' if ratio <= 8 else ''}"
    )


def main() -> int:
    """Parse the arguments and run the chosen modes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "reports",
        nargs="*",
        metavar="REPORT",
        help="report files (default: the seed's first report, the balloon OOM)",
    )
    ap.add_argument(
        "--peer", help="path to OOMAnalyser.py (a checkout of CarstenGrohmann/OOMAnalyser)"
    )
    ap.add_argument("-n", type=int, default=500, help="analyses per process (default 500)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the best is kept")
    ap.add_argument("--cpu", default="1", help="core for taskset -c ('' for unpinned)")
    ap.add_argument("--no-render", action="store_true", help="oomlens: leave out render jsonl")
    ap.add_argument("--jsonl", action="store_true", help="the dense-log end-to-end figure")
    ap.add_argument("--dense", type=int, default=6600, help="report spans in the dense log")
    ap.add_argument("--scan", action="store_true", help="the noisy log: oomlens vs grep -c")
    ap.add_argument("--size", type=int, default=200, help="noisy log size for --scan, MiB")
    ap.add_argument("--startup", action="store_true", help="oomlens FILE vs python3 -c pass")
    ap.add_argument("--startup-log", default="samples/corpus/035.log", help=argparse.SUPPRESS)
    ap.add_argument("--child", choices=("peer", "oomlens"), help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.report, args.n, args.peer, not args.no_render)))
        return 0
    if not (args.peer or args.jsonl or args.scan or args.startup):
        ap.error("give --peer PATH/TO/OOMAnalyser.py, --jsonl, --scan or --startup (any together)")
    if args.peer and not Path(args.peer).is_file():
        ap.error(f"--peer {args.peer}: no such file")

    print(f"machine: {machine()}", flush=True)
    if args.peer:
        print_compare(compare(args), args)
    for flag, mode in ((args.jsonl, dense), (args.scan, scan), (args.startup, startup)):
        if flag:
            sys.stdout.flush()
            mode(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
