"""Build what goes into a guest: the oomlab module, the static workload, the initramfs.

Modules are built against the kernel's own Debian headers, unpacked (never
installed): the headers' Makefile carries absolute /usr/src paths, which are
pointed at the unpacked tree; trixie's kbuild tools need glibc 2.38, so on an
older host they run through trixie's ld.so with trixie's libc6, libelf1t64,
zlib1g and libzstd1 (unpacked, see lab/README.md). The host's gcc builds the
module; Debian's 6.12/7.x kernels were built with gcc 14, which only matters
for two config probes that are switched off on the make command line.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import lzma
import os
import shutil
import subprocess
from pathlib import Path

from . import kernels as K
from .apt import Apt

LAB = Path(__file__).resolve().parent.parent
SRC = LAB / "src"
GUEST = LAB / "guest"
SCENARIOS = LAB / "scenarios"
CROSS = {"arm64": "aarch64-linux-gnu-"}


def _is_elf(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _fix_headers(apt: Apt, k: K.Kernel) -> None:
    """Point the headers at their unpacked location; wrap tools that need a newer glibc."""
    mk = k.headers / "Makefile"
    text = mk.read_text()
    base = str(k.root / "headers") + "/usr/src/"
    if base not in text:
        mk.write_text(text.replace("/usr/src/", base))
    kbuild = next((k.root / "headers/usr/lib").glob("linux-kbuild-*"))
    for p in sorted(kbuild.rglob("*")):
        if not p.is_file() or p.suffix == ".glibc" or not os.access(p, os.X_OK) or not _is_elf(p):
            continue
        r = subprocess.run([str(p)], capture_output=True, stdin=subprocess.DEVNULL)
        if b"GLIBC_" in r.stderr:
            p.rename(p.with_name(p.name + ".glibc"))
    wrapped = sorted(kbuild.rglob("*.glibc"))
    if not wrapped:
        return
    libc = K.glibc_tools(apt)  # merged /usr: everything under usr/
    ld = libc / "usr/lib64/ld-linux-x86-64.so.2"
    libdirs = f"{libc}/usr/lib/x86_64-linux-gnu"
    for real in wrapped:
        p = real.with_name(real.name.removesuffix(".glibc"))
        p.write_text(f'#!/bin/sh\nexec {ld} --library-path {libdirs} {real} "$@"\n')
        p.chmod(0o755)


def module(apt: Apt, k: K.Kernel) -> Path:
    """oomlab.ko for kernel k (rebuilt when the source changes); one build at a time."""
    (K.CACHE / "build").mkdir(parents=True, exist_ok=True)
    with open(K.CACHE / "build" / f"{k.abi}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _module(apt, k)


def _module(apt: Apt, k: K.Kernel) -> Path:
    src = (SRC / "oomlab.c").read_bytes()
    tag = hashlib.sha256(src).hexdigest()[:12]
    out = K.CACHE / "build" / k.abi / f"module-{tag}"
    ko = out / "oomlab.ko"
    if ko.exists():
        return ko
    _fix_headers(apt, k)
    final, out = out, out.with_name(f"{out.name}.tmp{os.getpid()}")  # parallel runs
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "oomlab.c").write_bytes(src)
    (out / "Kbuild").write_text("obj-m := oomlab.o\n")
    cross = CROSS.get(k.arch, "")
    argv = [
        "make",
        "-C",
        str(k.headers),
        f"M={out}",
        f"CC={cross}gcc",
        "CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT=",
        "CONFIG_DEBUG_INFO_BTF_MODULES=",
        "modules",
    ]
    if cross:
        argv += ["ARCH=arm64", f"CROSS_COMPILE={cross}"]
    p = subprocess.run(argv, capture_output=True, text=True)
    ko = out / "oomlab.ko"
    (out / "build.log").write_text(p.stdout + p.stderr)
    if p.returncode or not ko.exists():
        raise RuntimeError(
            f"module build failed for {k.abi}; see {out / 'build.log'}\n"
            + (p.stdout + p.stderr)[-3000:]
        )
    if final.exists():
        shutil.rmtree(out)
    else:
        out.rename(final)
    return final / "oomlab.ko"


def busybox(apt: Apt, arch: str) -> Path:
    """bookworm's busybox-static for the guest architecture, unpacked."""
    dest = K.CACHE / "busybox" / arch
    bb = dest / "bin/busybox"
    if not bb.exists():
        pkg = "busybox-static" if arch == "amd64" else f"busybox-static:{arch}"
        rows = [v for v, s in apt.versions(pkg) if "bookworm" in s]
        K.extract(apt.download(pkg, rows[0]), dest)
    return bb


def workload(arch: str) -> Path:
    """labw, linked statically for the guest architecture."""
    src = (SRC / "labw.c").read_bytes()
    tag = hashlib.sha256(src).hexdigest()[:12]
    out = K.CACHE / "build" / f"labw-{arch}-{tag}"
    if not out.exists():
        cc = f"{CROSS[arch]}gcc" if arch in CROSS else "gcc"
        tmp = out.with_suffix(".tmp")
        subprocess.run(
            [cc, "-static", "-O2", "-Wall", "-o", str(tmp), str(SRC / "labw.c")], check=True
        )
        tmp.rename(out)
    return out


def _newc(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A cpio 'newc' archive: (name, mode, data, rdev_major, rdev_minor) entries."""
    out = bytearray()
    for ino, (name, mode, data, rmaj, rmin) in enumerate(
        entries + [("TRAILER!!!", 0, b"", 0, 0)], start=1
    ):
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join(
            f"{v:08x}" for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmaj, rmin, len(nm), 0)
        )
        out += hdr.encode() + nm
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def initramfs(apt: Apt, k: K.Kernel, ko: Path, dest: Path) -> Path:
    """The guest's initramfs: busybox, /init, labw, oomlab.ko and every scenario script."""
    d, f, lnk, chr_ = 0o040755, 0o100755, 0o120777, 0o020600
    entries: list[tuple[str, int, bytes, int, int]] = []
    for name in ("bin", "sbin", "dev", "proc", "sys", "tmp", "lib", "scenarios"):
        entries.append((name, d, b"", 0, 0))
    entries.append(("dev/console", chr_, b"", 5, 1))
    entries.append(("dev/null", 0o020666, b"", 1, 3))
    entries.append(("bin/busybox", f, busybox(apt, k.arch).read_bytes(), 0, 0))
    entries.append(("bin/sh", lnk, b"busybox", 0, 0))
    entries.append(("init", f, (GUEST / "init").read_bytes(), 0, 0))
    entries.append(("bin/labw", f, workload(k.arch).read_bytes(), 0, 0))
    entries.append(("lib/oomlab.ko", 0o100644, ko.read_bytes(), 0, 0))
    if k.arch != "amd64":
        # the virtio consoles that carry the dmesg and snapshot ports sit on
        # virtio-mmio, a module in Debian's arm64 kernels (no dependencies)
        entries.append(("lib/extra", d, b"", 0, 0))
        ko_mmio = next(k.root.glob("image/**/kernel/drivers/virtio/virtio_mmio.ko*"))
        data = ko_mmio.read_bytes()
        if ko_mmio.suffix == ".xz":
            data = lzma.decompress(data)
        entries.append(("lib/extra/virtio_mmio.ko", 0o100644, data, 0, 0))
    for s in sorted(SCENARIOS.glob("*.sh")):
        entries.append((f"scenarios/{s.name}", 0o100644, s.read_bytes(), 0, 0))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(gzip.compress(_newc(entries), compresslevel=6, mtime=0))
    return dest
