"""Debian packages through a private APT configuration (the host's apt is untouched).

Everything lives under the cache directory: its own sources.list, lists, package
cache and an empty dpkg status, so ``apt-get download`` works for bookworm,
trixie and trixie-backports alike on any host with apt.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

MIRROR = os.environ.get("OOMLAB_MIRROR", "http://deb.debian.org/debian")
SECURITY = os.environ.get("OOMLAB_SECURITY_MIRROR", "http://deb.debian.org/debian-security")
SOURCES = f"""\
deb {MIRROR} bookworm main
deb {SECURITY} bookworm-security main
deb {MIRROR} trixie main
deb {SECURITY} trixie-security main
deb {MIRROR} trixie-backports main
"""
LISTS_MAX_AGE = 24 * 3600  # refresh the package lists once a day


@dataclass
class Apt:
    root: Path  # <cache>/apt

    @property
    def conf(self) -> Path:
        return self.root / "apt.conf"

    def setup(self) -> None:
        r = self.root
        for d in ("etc", "lists/partial", "cache/archives/partial", "debs"):
            (r / d).mkdir(parents=True, exist_ok=True)
        (r / "etc/sources.list").write_text(SOURCES)
        status = r / "status"
        if not status.exists():
            status.write_text("")
        self.conf.write_text(
            f'Dir::Etc::SourceList "{r}/etc/sources.list";\n'
            'Dir::Etc::SourceParts "";\n'
            'Dir::Etc::Preferences "";\n'
            'Dir::Etc::PreferencesParts "";\n'
            f'Dir::State::Lists "{r}/lists";\n'
            f'Dir::State::status "{status}";\n'
            f'Dir::Cache "{r}/cache";\n'
            f'Dir::Cache::archives "{r}/cache/archives";\n'
            'APT::Architecture "amd64";\n'
            'APT::Architectures { "amd64"; "arm64"; };\n'
            'Acquire::Languages "none";\n'
            'APT::Get::AllowUnauthenticated "false";\n'
        )
        stamp = r / "lists/.updated"
        if not stamp.exists() or time.time() - stamp.stat().st_mtime > LISTS_MAX_AGE:
            self.run(["apt-get", "update", "-q"])
            stamp.write_text(time.strftime("%F %T\n"))

    def env(self) -> dict[str, str]:
        return {**os.environ, "APT_CONFIG": str(self.conf), "LC_ALL": "C"}

    def run(self, argv: list[str], cwd: Path | None = None) -> str:
        p = subprocess.run(argv, env=self.env(), cwd=cwd, capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{p.stderr[-2000:]}")
        return p.stdout

    def versions(self, package: str) -> list[tuple[str, str]]:
        """(version, suite line) from ``apt-cache madison``, newest first."""
        out = self.run(["apt-cache", "madison", package])
        rows = []
        for line in out.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) >= 3:
                rows.append((parts[1], parts[2]))
        return rows

    def field(self, package: str, version: str, name: str) -> str:
        out = self.run(["apt-cache", "show", f"{package}={version}"])
        for line in out.splitlines():
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
        return ""

    def depends(self, package: str, version: str) -> list[str]:
        """Package names in Depends (first alternative of each)."""
        dep = self.field(package, version, "Depends")
        names = []
        for item in dep.split(","):
            first = item.split("|")[0].strip()
            if first:
                names.append(first.split()[0].split(":")[0])
        return names

    def download(self, package: str, version: str) -> Path:
        """The .deb of package=version, cached under debs/."""
        arch = package.split(":")[1] if ":" in package else None
        name = package.split(":")[0]
        debs = self.root / "debs"
        q = version.replace(":", "%3a")

        def cached() -> list[Path]:
            hits = list(debs.glob(f"{name}_{q}_*.deb"))
            if arch:
                hits = [h for h in hits if h.name.endswith((f"_{arch}.deb", "_all.deb"))]
            return hits

        if cached():
            return cached()[0]
        spec = f"{package}={version}"
        self.run(["apt-get", "download", "-q", spec], cwd=debs)
        hits = cached()
        if not hits:
            raise RuntimeError(f"apt-get download {spec}: no file")
        return hits[0]


def extract(deb: Path, dest: Path) -> None:
    """dpkg-deb -x into dest (never installs anything)."""
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
