"""Which Debian kernel a lab name means, and getting its image and headers.

A kernel name is a release prefix and an optional architecture: ``6.1``
(bookworm), ``6.12`` (trixie), ``7.3`` (trixie-backports), ``6.12-arm64``.
The newest Debian version of the ``linux-image-<arch>`` meta package whose
version starts with the prefix is used; its image package (7.x: the
``linux-binary-*`` package it depends on) holds ``vmlinuz``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from .apt import Apt, extract

CACHE = Path(os.environ.get("OOMLAB_CACHE", Path.home() / ".cache" / "oomlens-lab"))
ARCHES = ("amd64", "arm64")


@dataclass
class Kernel:
    name: str  # lab name, "6.12" / "6.12-arm64"
    arch: str  # Debian arch
    meta_version: str  # version of linux-image-<arch>
    image_package: str  # linux-image-6.12.118+deb13-amd64
    binary_package: str  # the package holding vmlinuz (== image_package before 7.x)
    version: str  # Debian version of the image package
    abi: str  # 6.12.118+deb13-amd64 (uname -r)
    suite: str
    dir: str  # extracted tree

    @property
    def root(self) -> Path:
        return Path(self.dir)

    @property
    def vmlinuz(self) -> Path:
        # boot/vmlinuz-ABI up to 6.x; usr/lib/modules/ABI/vmlinuz in 7.x's linux-binary-*
        hits = sorted((self.root / "image").glob("boot/vmlinuz-*")) + sorted(
            (self.root / "image").glob("usr/lib/modules/*/vmlinuz")
        )
        if not hits:
            raise FileNotFoundError(f"no vmlinuz under {self.root / 'image'}")
        return hits[0]

    @property
    def headers(self) -> Path:
        return self.root / "headers/usr/src" / f"linux-headers-{self.abi}"

    @property
    def package_label(self) -> str:
        if self.binary_package != self.image_package:
            return f"{self.image_package} {self.version} (vmlinuz from {self.binary_package})"
        return f"{self.image_package} {self.version}"


def parse_name(name: str) -> tuple[str, str]:
    m = re.fullmatch(r"(\d+\.\d+)(?:-(amd64|arm64))?", name)
    if not m:
        raise SystemExit(
            f"kernel {name!r}: expected RELEASE[-ARCH], e.g. 6.1, 6.12, 7.3, 6.12-arm64"
        )
    return m.group(1), m.group(2) or "amd64"


def resolve(apt: Apt, name: str) -> Kernel:
    """The Debian kernel a lab name means (cached until the package lists are refreshed)."""
    memo = CACHE / "kernels" / f"resolved-{name}.json"
    stamp = apt.root / "lists/.updated"
    if memo.exists() and stamp.exists() and memo.stat().st_mtime >= stamp.stat().st_mtime:
        return Kernel(**json.loads(memo.read_text()))
    k = _resolve(apt, name)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(json.dumps(asdict(k), indent=1))
    return k


def _resolve(apt: Apt, name: str) -> Kernel:
    release, arch = parse_name(name)
    meta = f"linux-image-{arch}:{arch}" if arch != "amd64" else "linux-image-amd64"
    rows = [(v, s) for v, s in apt.versions(meta) if v.startswith(release + ".")]
    if not rows:
        raise SystemExit(f"no {meta} {release}.* in bookworm/trixie/trixie-backports")
    version, suite = rows[0]
    image = next(
        d
        for d in apt.depends(meta, version)
        if d.startswith("linux-image-") and not d.endswith("-dbg")
    )
    binary = next((d for d in apt.depends(image, version) if d.startswith("linux-binary-")), image)
    abi = image.removeprefix("linux-image-")
    dest = CACHE / "kernels" / f"{abi}_{version}"
    return Kernel(name, arch, version, image, binary, version, abi, suite, str(dest))


def q(pkg: str, arch: str) -> str:
    return pkg if arch == "amd64" else f"{pkg}:{arch}"


def fetch(apt: Apt, k: Kernel) -> None:
    """Download and unpack vmlinuz and the headers (with kbuild) once."""
    done = k.root / ".fetched"
    if done.exists():
        return
    if k.root.exists():
        shutil.rmtree(k.root)
    extract(apt.download(q(k.binary_package, k.arch), k.version), k.root / "image")
    hdr = f"linux-headers-{k.abi}"
    pkgs = [hdr] + [
        d
        for d in apt.depends(q(hdr, k.arch), k.version)
        if d.startswith(("linux-headers-", "linux-kbuild-"))
    ]
    for p in pkgs:
        # linux-kbuild-* is an amd64 (build-host) package even for arm64 kernels;
        # linux-headers-*-common is Architecture: all
        arch = "amd64" if p.startswith("linux-kbuild-") else k.arch
        name = q(p, arch)
        rows = apt.versions(name)
        if not rows:
            name, rows = p, apt.versions(p)
        ver = k.version if any(v == k.version for v, _ in rows) else rows[0][0]
        extract(apt.download(name, ver), k.root / "headers")
    (k.root / "kernel.json").write_text(json.dumps(asdict(k), indent=1))
    done.write_text("ok\n")


def config(k: Kernel) -> dict[str, str]:
    """The kernel's .config from its headers."""
    out = {}
    for line in (k.headers / ".config").read_text().splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            key, val = line.split("=", 1)
            out[key] = val
    return out


def glibc_tools(apt: Apt) -> Path:
    """trixie's libc6, libelf1t64, zlib1g and libzstd1, unpacked, for running the
    headers' host tools (modpost, objtool...) built against glibc 2.38+."""
    dest = CACHE / "trixie-libc"
    if not (dest / ".ok").exists():
        for p in ("libc6", "libelf1t64", "zlib1g", "libzstd1"):
            rows = [v for v, s in apt.versions(p) if "trixie" in s]
            extract(apt.download(p, rows[0]), dest)
        (dest / ".ok").write_text("ok\n")
    return dest
