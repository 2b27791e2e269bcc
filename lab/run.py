#!/usr/bin/env python3
"""oomlens lab: one command per scenario.

    lab/run SCENARIO KERNEL        e.g. lab/run fragmented 6.12
    lab/run SCENARIO all           every kernel the scenario names
    lab/run list                   scenarios and their causes

It fetches the Debian kernel and headers through a private apt configuration
(cached under ~/.cache/oomlens-lab), builds the oomlab module and the static
workload, packs a busybox initramfs, boots QEMU (TCG) with a time limit and
writes samples/lab/SCENARIO-KERNEL.{log,meta,buddyinfo,pagetypeinfo,zoneinfo,
vmstat,oomlab}. See lab/README.md.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labkit import build as B  # noqa: E402
from labkit import extract as X  # noqa: E402
from labkit import kernels as K  # noqa: E402
from labkit import qemu as Q  # noqa: E402
from labkit import scenario as S  # noqa: E402
from labkit.apt import Apt  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "samples" / "lab"
ARCH_PRINTED = {"amd64": "x86_64", "arm64": "arm64"}


def log(msg: str) -> None:
    print(f"[lab {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def printed_release(text: str) -> str:
    m = re.search(r"Comm: .*?\s(\d+\.\d+\.\S+)\s+#\d+(.*)$", text, re.M)
    if not m:
        return "?"
    banner = re.search(r"(Debian \S+)", m.group(2))
    return f"{m.group(1)} ({banner.group(1)})" if banner else m.group(1)


def has_highatomic(text: str) -> bool:
    if re.search(r"\([UMECI]*H[UMECI]*\)", text):
        return True
    return any(int(v) for v in re.findall(r"reserved_highatomic:(\d+)[kK]B", text))


def meta(
    sc: S.Scenario,
    k: K.Kernel,
    rep: X.Report,
    log_text: str,
    boot: Q.Boot,
    snap: X.Snap | None,
    pre: str | None,
    atprint: str | None,
) -> str:
    fields = [
        ("source", f"lab: lab/run {sc.name} {k.name}"),
        ("kind", rep.kind),
        ("kernel", printed_release(log_text)),
        ("arch", ARCH_PRINTED[k.arch]),
        ("complete", "yes"),
        ("highatomic", "yes" if has_highatomic(log_text) else "no"),
        (
            "notes",
            sc.get("notes", k.name)
            or "report cut unedited from the guest's dmesg "
            "(serial port 1); module oomlab loaded (taint OE)",
        ),
        ("cause", sc.get("cause", k.name)),
        ("scenario", sc.name + " — " + sc.get("describe", k.name)),
        ("kernel_package", k.package_label),
        ("qemu", boot.cmdline),
        (
            "snapshots",
            (
                "buddyinfo/pagetypeinfo/zoneinfo/vmstat: " + sc.get("just-before", k.name)
                if snap
                else "none (no /proc snapshot before this report)"
            ),
        ),
        (
            "oomlab",
            "true free lists from the oomlab module: 'tag=now' at the /proc snapshot, "
            + ("'tag=pre' in the kernel right before the failing allocation, " if pre else "")
            + (
                "'tag=atprint' when the kernel began printing this report's Mem-Info"
                if atprint
                else "no at-print snapshot (the report prints no Mem-Info)"
            ),
        ),
        ("run_seconds", f"{boot.seconds:.0f}"),
    ]
    for key in ("stable", "moving"):
        if sc.get(key, k.name):
            fields.append((key, sc.get(key, k.name)))
    return "".join(f"{(k_ + ':').ljust(12)}{v}\n" for k_, v in fields)


def run_one(
    apt: Apt, sc: S.Scenario, kname: str, out: Path, retries: int, attempts: int = 3
) -> bool:
    t0 = time.monotonic()
    k = K.resolve(apt, kname)
    log(f"{sc.name} on {k.package_label}")
    K.fetch(apt, k)
    ko = B.module(apt, k)
    work = K.CACHE / "runs" / f"{sc.name}-{k.name}"
    work.mkdir(parents=True, exist_ok=True)
    initrd = B.initramfs(apt, k, ko, work / "initramfs.cpio.gz")
    log(
        f"ready in {time.monotonic() - t0:.0f}s; booting "
        f"{shlex.join(Q.command(k, sc, initrd, work, 0)[2:])[:120]}..."
    )
    if sc.get("kind", k.name) == "probe":  # an experiment: its console lines are the result
        boot = Q.boot(k, sc, initrd, work, retries=retries, log=log)
        for line in boot.console.read_text(errors="replace").splitlines():
            if line.startswith("lab: "):
                print(line)
        return True
    for attempt in range(1, attempts + 1):
        boot = Q.boot(k, sc, initrd, work, retries=retries, log=log)
        log(f"guest finished in {boot.seconds:.0f}s (qemu rc {boot.returncode})")
        dmesg = boot.dmesg.read_text(errors="replace") if boot.dmesg.exists() else ""
        reps = X.reports(dmesg)
        if not reps:
            log(f"attempt {attempt}: no report in the guest's dmesg; see {work}/console.txt")
            continue
        which = sc.get("report", k.name, "first")
        rep = reps[-1] if which == "last" else reps[0]
        text = X.cut(rep)
        problems = sc.check(text, k.name)
        if problems:
            log(f"attempt {attempt}: the scenario's state was not built: {'; '.join(problems)}")
            continue
        break
    else:
        log(f"{sc.name} {k.name}: no fixture after {attempts} attempts; see {work}")
        return False
    snaps_text = boot.snaps.read_text(errors="replace") if boot.snaps.exists() else ""
    snaps, atprint_all = X.snapshots(snaps_text)
    snap = X.pick_snapshot(snaps, rep.stamp_ns)
    atprint = X.pick_atprint(X.atprint_blocks(atprint_all), rep)
    pre = X.pick_pre(X.pre_blocks(atprint_all), rep)
    name = f"{sc.name}-{k.name}"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(name + ".*"):
        old.unlink()
    (out / f"{name}.log").write_text(text)
    if snap:
        for f in X.SNAP_FILES:
            if f in snap.files:
                (out / f"{name}.{f}").write_text(snap.files[f])
    truth = (snap.files.get("oomlab", "") if snap else "") + (pre or "") + (atprint or "")
    if truth:
        (out / f"{name}.oomlab").write_text(truth)
    (out / f"{name}.meta").write_text(meta(sc, k, rep, text, boot, snap, pre, atprint))
    log(
        f"wrote {out / name}.* ({len(text)} bytes of report, {len(reps)} report(s) in the run, "
        f"snapshot {'yes' if snap else 'no'}, at-print {'yes' if atprint else 'no'}) "
        f"in {time.monotonic() - t0:.0f}s"
    )
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="lab/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("scenario", help="scenario name, or 'list'")
    ap.add_argument("kernel", nargs="?", help="6.1 | 6.12 | 7.3 | 6.12-arm64 ... | all")
    ap.add_argument("--out", type=Path, default=OUT, help="fixture directory (samples/lab)")
    ap.add_argument("--retries", type=int, default=3, help="boots to try on the int3 race")
    a = ap.parse_args(argv)
    if a.scenario == "list":
        for n in S.all_names():
            sc = S.load(n)
            cause = "(probe)" if sc.settings.get("kind") == "probe" else sc.cause
            print(f"{n:24} {cause:20} {sc.settings.get('kernels', '6.1 6.12 7.3')}")
        return 0
    if not a.kernel:
        ap.error("KERNEL is required")
    sc = S.load(a.scenario)
    kernels = (
        sc.settings.get("kernels", "6.1 6.12 7.3").split() if a.kernel == "all" else [a.kernel]
    )
    apt = Apt(K.CACHE / "apt")
    apt.setup()
    ok = True
    for kn in kernels:
        ok = run_one(apt, sc, kn, a.out, a.retries) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
