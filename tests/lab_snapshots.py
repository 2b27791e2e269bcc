"""Read the lab fixtures (samples/lab): metas, /proc snapshots, the oomlab module's
true free lists, and what the model infers from a report.

Only ``model_view`` imports oomlens internals (state, freelist, reserve, kernel
profile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "samples" / "lab"
LOGS = sorted(LAB.glob("*.log"))

# /proc/pagetypeinfo type names → buddy-line letters (show_migration_types)
TYPE_LETTER = {
    "Unmovable": "U",
    "Movable": "M",
    "Reclaimable": "E",
    "HighAtomic": "H",
    "CMA": "C",
    "Isolate": "I",
}
ZoneKey = tuple[int, str]  # (node, zone name)
Interval = tuple[int, int]


def meta(log: Path) -> dict[str, str]:
    """The fixture's .meta as key → value."""
    out = {}
    for line in log.with_suffix(".meta").read_text().splitlines():
        m = re.match(r"([a-z_]+):\s*(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


# ---- /proc/pagetypeinfo ----------------------------------------------------------


@dataclass
class PageTypeInfo:
    pageblock_order: int
    free: dict[ZoneKey, dict[int, dict[str, int]]]  # zone → order → letter → chunks
    blocks: dict[ZoneKey, dict[str, int]]  # zone → letter → pageblocks of that type


def pagetypeinfo(text: str) -> PageTypeInfo:
    pbo = int(re.search(r"Page block order:\s*(\d+)", text).group(1))
    free: dict[ZoneKey, dict[int, dict[str, int]]] = {}
    blocks: dict[ZoneKey, dict[str, int]] = {}
    block_types: list[str] = []
    for line in text.splitlines():
        m = re.match(r"Node\s+(\d+), zone\s+(\S+), type\s+(\S+)\s+(.*)$", line)
        if m:
            key = (int(m.group(1)), m.group(2))
            counts = [int(c.lstrip(">")) for c in m.group(4).split()]
            letter = TYPE_LETTER[m.group(3)]
            for order, c in enumerate(counts):
                free.setdefault(key, {}).setdefault(order, {})[letter] = c
            continue
        m = re.match(r"Number of blocks type\s+(.*)$", line)
        if m:
            block_types = [TYPE_LETTER[t] for t in m.group(1).split()]
            continue
        m = re.match(r"Node\s+(\d+), zone\s+(\S+)\s+([\d\s]+)$", line)
        if m and block_types:
            counts = [int(c) for c in m.group(3).split()]
            blocks[(int(m.group(1)), m.group(2))] = dict(zip(block_types, counts, strict=True))
    return PageTypeInfo(pbo, free, blocks)


def zoneinfo_highatomic(text: str) -> dict[ZoneKey, dict[str, int]]:
    """reserved_highatomic / free_highatomic per zone, where /proc/zoneinfo prints them (7.x)."""
    out: dict[ZoneKey, dict[str, int]] = {}
    key = None
    for line in text.splitlines():
        m = re.match(r"Node (\d+), zone\s+(\S+)", line)
        if m:
            key = (int(m.group(1)), m.group(2))
            continue
        m = re.match(r"\s+(reserved_highatomic|free_highatomic):\s+(\d+)", line)
        if m and key is not None:
            out.setdefault(key, {})[m.group(1)] = int(m.group(2))
    return out


# ---- the oomlab module's snapshots -------------------------------------------------


@dataclass
class TrueZone:
    fields: dict[str, str]
    free: dict[int, dict[str, int]] = field(default_factory=dict)  # order → letter → chunks
    nr_free: dict[int, int] = field(default_factory=dict)  # order → free_area.nr_free

    def num(self, name: str) -> int:
        return int(self.fields[name])


@dataclass
class TrueSnapshot:
    tag: str
    header: dict[str, str]
    zones: dict[ZoneKey, TrueZone]


def oomlab(text: str) -> list[TrueSnapshot]:
    """Every snapshot block in a .oomlab file, in file order."""
    out = []
    for block in re.findall(r"@@oomlab (.*?)\n(.*?)@@end\n", text, re.S):
        header = dict(kv.split("=", 1) for kv in block[0].split() if "=" in kv)
        zones: dict[ZoneKey, TrueZone] = {}
        cur = None
        for line in block[1].splitlines():
            if line.startswith("zone "):
                f = dict(kv.split("=", 1) for kv in line.split()[1:])
                cur = TrueZone(f)
                zones[(int(f["node"]), f["name"])] = cur
            elif line.startswith("order ") and cur is not None:
                parts = line.split()
                order = int(parts[1])
                kv = dict(p.split("=", 1) for p in parts[2:])
                cur.nr_free[order] = int(kv.pop("nr_free"))
                cur.free[order] = {k: int(v) for k, v in kv.items() if k != "?"}
        out.append(TrueSnapshot(header.get("tag", "?"), header, zones))
    return out


def atprint(log: Path) -> TrueSnapshot | None:
    path = log.with_suffix(".oomlab")
    if not path.exists():
        return None
    return next((s for s in oomlab(path.read_text()) if s.tag == "atprint"), None)


# ---- what the model infers from the report -----------------------------------------


@dataclass
class ZoneView:
    """The model's bounds for one printed zone (pages unless said otherwise)."""

    printed: dict[int, tuple[int, str]]  # order → (count, letters) of the buddy line
    chunks: dict[int, dict[str, Interval]]  # order → letter → bounds on chunks of that type
    nr_reserved: Interval  # nr_reserved_highatomic
    h_pages: Interval  # free pages on MIGRATE_HIGHATOMIC lists
    nr_free_highatomic: Interval
    pageblock_pages: int


def model_view(log: Path) -> dict[ZoneKey, ZoneView]:
    """The model's per-zone bounds for the first report in ``log``.

    The one place model internals are imported (oomlens.model.state/freelist/reserve
    and the kernel profile).
    """
    from oomlens import analyze_file
    from oomlens.kernel.profile import resolve_profile
    from oomlens.kernel.request import decode_request
    from oomlens.model.freelist import chunk_bounds
    from oomlens.model.reserve import reserve_bounds
    from oomlens.model.state import build_state

    result = analyze_file(str(log))
    report = result.analyses[0].report
    profile, _ = resolve_profile(report, None, (), decode_request(report).layout)
    state = build_state(report)
    out: dict[ZoneKey, ZoneView] = {}
    for z in state.zones:
        if z.areas is None:
            continue
        rb = reserve_bounds(z, state.pageblock_pages, profile)
        out[(z.node if z.node is not None else 0, z.name)] = ZoneView(
            printed={a.order: (a.count, a.letters) for a in z.areas},
            chunks={
                a.order: {L: chunk_bounds(a, L) for L in TYPE_LETTER.values()} for a in z.areas
            },
            nr_reserved=rb.nr,
            h_pages=rb.h_pages,
            nr_free_highatomic=rb.nr_free,
            pageblock_pages=state.pageblock_pages,
        )
    return out
