"""Boot one guest under QEMU (TCG) with a time limit; three serial ports as files."""

from __future__ import annotations

import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import kernels as K
from .scenario import Scenario

INT3_RACE = ("Oops: int3", "int3: 0000")


@dataclass
class Boot:
    argv: list[str]
    console: Path
    dmesg: Path
    snaps: Path
    seconds: float
    returncode: int

    @property
    def cmdline(self) -> str:
        return shlex.join(self.argv)


def command(k: K.Kernel, sc: Scenario, initrd: Path, work: Path, host_timeout: int) -> list[str]:
    mem = sc.get("memory", k.name, "256M")
    guest_timeout = sc.get("timeout", k.name, "240")
    # ports: the console, a clean copy of the ring buffer, the snapshots. x86: three
    # 16550s; arm64 (virt has one PL011): the console there, the others virtio consoles.
    ports = "" if k.arch == "amd64" else "lab.dmesg_tty=/dev/hvc0 lab.snap_tty=/dev/hvc1"
    append = " ".join(
        w
        for w in (
            "console=ttyS0" if k.arch == "amd64" else "console=ttyAMA0",
            "loglevel=7 panic=-1 log_buf_len=4M printk.time=1 rootfstype=ramfs",
            f"lab.scenario={sc.name} lab.timeout={guest_timeout}",
            ports,
            sc.get("append", k.name),
        )
        if w
    )
    if k.arch == "amd64":
        argv = [
            "timeout",
            str(host_timeout),
            "qemu-system-x86_64",
            "-accel",
            "tcg",
            "-cpu",
            "max",
            "-smp",
            "2",
        ]
    else:
        argv = [
            "timeout",
            str(host_timeout),
            "qemu-system-aarch64",
            "-M",
            "virt",
            "-cpu",
            "max,pauth-impdef=on",
            "-accel",
            "tcg",
            "-smp",
            "2",
        ]
    argv += [
        "-m",
        mem,
        "-nodefaults",
        "-display",
        "none",
        "-monitor",
        "none",
        "-no-reboot",
        "-kernel",
        str(k.vmlinuz),
        "-initrd",
        str(initrd),
        "-append",
        append,
    ]
    argv += shlex.split(sc.get("qemu", k.name))
    if k.arch == "amd64":
        for name in ("console", "dmesg", "snaps"):
            argv += ["-serial", f"file:{work / (name + '.txt')}"]
    else:
        argv += ["-serial", f"file:{work / 'console.txt'}", "-device", "virtio-serial-device"]
        for name in ("dmesg", "snaps"):
            argv += [
                "-chardev",
                f"file,id={name},path={work / (name + '.txt')}",
                "-device",
                f"virtconsole,chardev={name}",
            ]
    return argv


def boot(k: K.Kernel, sc: Scenario, initrd: Path, work: Path, retries: int = 3, log=print) -> Boot:
    host_timeout = int(sc.get("timeout", k.name, "240")) + 120
    argv = command(k, sc, initrd, work, host_timeout)
    for attempt in range(1, retries + 1):
        for name in ("console", "dmesg", "snaps"):
            (work / f"{name}.txt").unlink(missing_ok=True)
        t0 = time.monotonic()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        dt = time.monotonic() - t0
        console = (
            (work / "console.txt").read_text(errors="replace")
            if (work / "console.txt").exists()
            else ""
        )
        b = Boot(
            argv, work / "console.txt", work / "dmesg.txt", work / "snaps.txt", dt, p.returncode
        )
        if p.returncode and p.stderr:
            log(f"qemu exited {p.returncode}: {p.stderr.strip()[-500:]}")
        if any(s in console for s in INT3_RACE) and "@@done" not in _read(b.snaps):
            log(f"attempt {attempt}: early 'Oops: int3' (TCG text-patching race), rebooting")
            continue
        return b
    return b


def _read(p: Path) -> str:
    return p.read_text(errors="replace") if p.exists() else ""
