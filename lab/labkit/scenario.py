"""A scenario is one guest script, lab/scenarios/NAME.sh, with its settings in
leading comments:

    # cause: fragmented            the verdict code the scenario builds (required)
    # kind: alloc-failure          oom | alloc-failure | memcg-oom
    # memory: 512M                 guest RAM (qemu -m)
    # memory@7.3: 768M             a setting for one kernel only (name prefix)
    # qemu: -numa ...              extra qemu arguments
    # append: cma=64M              extra kernel command-line words
    # timeout: 240                 guest-side time limit in seconds
    # report: first                which report of the run is the fixture (first | last)
    # kernels: 6.1 6.12 7.3        kernels the scenario is meant for
    # describe: ...                what it builds and why that is the cause (repeatable)
    # just-before: ...             what "just before" means for its snapshots (repeatable)
    # notes: ...                   extra notes for the .meta (repeatable)
    # expect: REGEX                the report must match (repeatable): the run is
    #                              retried, then fails, when the state was not built
    # reject: REGEX                the report must not match (repeatable)
    # zone-check: ZONE EXPR        every printed zone line of ZONE must satisfy EXPR, a
    #                              Python expression over its kB fields (free, min,
    #                              free_cma, reserved_highatomic, free_pcp, ...)
    # stable: orders>=3 ...        /proc quantities the scenario holds fixed between
    #                              its snapshot and the report (tests/test_lab.py)
    # moving: ...                  a concurrent allocator runs while the report prints

The body is sourced by the guest's /init with lab_snap, lab_cmd, lab_say at hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .build import SCENARIOS

REPEAT = {"describe", "just-before", "notes"}
LISTS = {"expect", "reject", "zone-check"}


@dataclass
class Scenario:
    name: str
    path: Path
    settings: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    per_kernel: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, key: str, kernel: str, default: str = "") -> str:
        best = None
        for (k, pref), v in self.per_kernel.items():
            if k == key and (kernel == pref or kernel.startswith(pref + "-")):
                best = v
        if best is not None:
            return best
        return self.settings.get(key, default)

    def patterns(self, key: str, kernel: str) -> list[str]:
        """A list setting; KEY@KERNEL lines replace the plain ones for that kernel."""
        for k, v in self.lists.items():
            if "@" in k:
                base, pref = k.split("@", 1)
                if base == key and (kernel == pref or kernel.startswith(pref + "-")):
                    return list(v)
        return list(self.lists.get(key, []))

    def check(self, text: str, kernel: str) -> list[str]:
        """What the report lacks (expect) or has (reject) against the scenario's patterns."""
        problems = [
            f"expected /{p}/"
            for p in self.patterns("expect", kernel)
            if not re.search(p, text, re.M)
        ]
        problems += [
            f"rejected /{p}/" for p in self.patterns("reject", kernel) if re.search(p, text, re.M)
        ]
        for check in self.patterns("zone-check", kernel):
            zone, expr = check.split(None, 1)
            lines = re.findall(rf"(?:Node \d+ )?{zone} free:.*$", text, re.M)
            if not lines:
                problems.append(f"no {zone} zone line for '{expr}'")
            for line in lines:
                fields = {
                    k.replace("(", "_").replace(")", ""): int(v)
                    for k, v in re.findall(r"([\w()]+):(\d+)[kK]B", line)
                }
                if not eval(expr, {"__builtins__": {}}, fields):  # noqa: S307 - our own scenario files
                    problems.append(f"{zone}: not {expr} ({line[:100]}...)")
        return problems

    @property
    def cause(self) -> str:
        return self.settings["cause"]


def load(name: str) -> Scenario:
    path = SCENARIOS / f"{name}.sh"
    if not path.exists():
        known = " ".join(sorted(p.stem for p in SCENARIOS.glob("*.sh")))
        raise SystemExit(f"no scenario {name!r}; known: {known}")
    sc = Scenario(name, path)
    for line in path.read_text().splitlines():
        m = re.match(r"#\s*([a-z-]+)(?:@([\w.-]+))?:\s?(.*)$", line)
        if not m:
            if line.strip() and not line.startswith("#"):
                break
            continue
        key, kern, val = m.group(1), m.group(2), m.group(3).rstrip()
        if key in LISTS:
            sc.lists.setdefault(key if not kern else f"{key}@{kern}", []).append(val)
        elif kern:
            sc.per_kernel[(key, kern)] = val
        elif key in REPEAT and key in sc.settings:
            sc.settings[key] += " " + val
        else:
            sc.settings[key] = val
    if "cause" not in sc.settings:
        raise SystemExit(f"{path}: no '# cause:' line")
    return sc


def all_names() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.sh"))
