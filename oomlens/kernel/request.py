"""The failed request, decoded from the report header: gfp mask, order, zone and migratetype."""

from __future__ import annotations

import re
from dataclasses import dataclass

from oomlens.kernel import gfp
from oomlens.parse.report import Header, Report


@dataclass(frozen=True)
class Request:
    """What the report says was asked for, in the kernel's own terms."""

    gfp_mask: int | None
    gfp_flags: tuple[str, ...]  # individual __GFP_* names set in the mask
    gfp_text: str | None  # kernel-style composite rendering, e.g. "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    order: int | None
    migratetype: str | None  # "Unmovable" | "Movable" | "Reclaimable"
    highest_zone: str | None  # gfp_zone(): "DMA" | "DMA32" | "Normal" | "HighMem" | "Movable"
    layout: str | None = None  # GFP bit-layout era used to decode the mask
    # The caller runs with PF_MEMALLOC: kswapd ("kswapd<node>"), set for its whole life
    # by kswapd(). The slow path sends such a task to nopage before direct reclaim.
    pf_memalloc: bool = False
    # ALLOC_CMA for a Movable request; withheld by current_alloc_flags() under
    # memalloc_nocma_save() on 5.9-5.11 while the printed mask keeps __GFP_MOVABLE
    cma_allowed: bool = True
    # The caller is an OOM victim: __gfp_pfmemalloc_flags() replaces its flags with ALLOC_OOM
    oom_victim: bool = False

    def has(self, flag: str) -> bool:
        """True when ``__GFP_<flag>`` (or the full name) is set."""
        name = flag if flag.startswith("__GFP_") else f"__GFP_{flag}"
        return name in self.gfp_flags


# kswapd's task name (kswapd_run: "kswapd%d", the node id); an interrupt that lands on
# kswapd's CPU prints it too, but an interrupt never reclaims directly either.
_KSWAPD = re.compile(r"kswapd\d+")

_NO_DMA32 = frozenset({"i386", "arm"})  # 32-bit x86 and arm have no ZONE_DMA32
# Architectures without ZONE_HIGHMEM
NO_HIGHMEM = frozenset({"x86_64", "arm64", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64"})


def is_kswapd(comm: str | None) -> bool:
    """Whether a task name is kswapd's (PF_MEMALLOC for its whole life)."""
    return bool(comm and _KSWAPD.fullmatch(comm))


@dataclass(frozen=True)
class Decoded:
    """The request plus what decoding it noticed."""

    request: Request | None
    layout: str | None
    notes: tuple[str, ...] = ()  # assumption codes, e.g. "gfp-names-mismatch"
    missing: tuple[str, ...] = ()
    # no release, no names, no 4.4+ reclaim bit: the 2.6.31-4.3 layout is a default
    layout_guessed: bool = False


# Requests decoded once per header, release and arch (reports of one kernel repeat them);
# bounded for a fleet.
_DECODED: dict[tuple, Decoded] = {}


def decode_request(report: Report) -> Decoded:
    """Request from the header; printed names pick the layout, the release only when absent."""
    h = report.header
    if h is None:
        return Decoded(None, None, (), ("gfp_mask", "order"))
    kswapd = is_kswapd(h.comm)
    key = (h.gfp_mask, h.gfp_names, h.order, kswapd, report.release, report.arch)
    out = _DECODED.get(key)
    if out is None:
        if len(_DECODED) >= 4096:
            _DECODED.clear()
        out = _DECODED[key] = _decode(h, kswapd, report.release, report.arch)
    return out


def _decode(h: Header, kswapd: bool, release: str | None, arch: str | None) -> Decoded:
    """decode_request() of a header, its caller's kswapd-ness, the release and the arch."""
    missing = []
    notes = []
    by_release = gfp.layout_for_release(release)
    layout = None
    guessed = False
    if h.gfp_mask is not None and h.gfp_names:
        fits = by_release and gfp.check_names(h.gfp_mask, h.gfp_names, by_release, release=release)
        if by_release and fits is None:
            layout = by_release  # the release's own layout, which the printed names fit
        else:
            layout = gfp.layout_from_mask(h.gfp_mask, h.gfp_names)
    if layout is None:
        layout = by_release
    if layout is None and h.gfp_mask is not None:
        layout = gfp.layout_from_mask(h.gfp_mask)
        guessed = layout == gfp.GUESSED_LAYOUT
    if by_release and layout and by_release != layout:
        notes.append(f"gfp-layout-{layout}-not-{by_release}")
    if h.order is None:
        missing.append("order")
    if h.gfp_mask and h.gfp_names is None and _names_printed(release):
        # since 4.5 the header prints the mask's %pGg names after it: a mask without
        # them was cut, maybe inside its digits ("mode:0x1" of "mode:0x10cc0")
        missing.append("gfp_mask")
        notes.append("gfp-mask-cut")
    if h.gfp_mask is None and not h.gfp_names:
        missing.append("gfp_mask")
        return Decoded(
            Request(None, (), None, h.order, None, None, None), layout, tuple(notes), tuple(missing)
        )
    if layout is None:
        missing.append("gfp layout")
        return Decoded(
            Request(h.gfp_mask, (), h.gfp_names, h.order, None, None, None),
            None,
            tuple(notes),
            tuple(missing),
        )
    rel = release if by_release == layout else None
    if h.gfp_mask is None:
        names = gfp.flags_from_names(h.gfp_names or "", layout, release=rel)
        dec = gfp.decode(names.mask, layout, release=rel)
    else:
        dec = gfp.decode(h.gfp_mask, layout, release=rel)
        if h.gfp_names:
            why = gfp.check_names(h.gfp_mask, h.gfp_names, layout, release=rel)
            if why:
                notes.append("gfp-names-mismatch")
    if dec.unknown_bits:
        notes.append(f"gfp-unknown-bits-{dec.unknown_bits:#x}")
    if dec.highest_zone == "invalid":
        missing.append("gfp zone bits")
    flags = dec.flags
    if "__GFP_WAIT" in flags and "__GFP_DIRECT_RECLAIM" not in flags:
        flags = flags + ("__GFP_DIRECT_RECLAIM",)  # pre-4.4 __GFP_WAIT means direct reclaim
    zone = dec.highest_zone
    if zone == "HighMem" and arch in NO_HIGHMEM:
        zone = "Normal"  # 64-bit kernels have no ZONE_HIGHMEM: GFP_ZONE_TABLE gives Normal
    if zone == "DMA32" and arch in _NO_DMA32:
        zone = "Normal"  # no CONFIG_ZONE_DMA32: OPT_ZONE_DMA32 is ZONE_NORMAL
    req = Request(
        dec.mask, flags, h.gfp_names or dec.text, h.order, dec.migratetype, zone, layout, kswapd
    )
    return Decoded(req, layout, tuple(notes), tuple(missing), guessed)


def page_fault_oom(report: Report, request: Request | None) -> bool:
    """pagefault_out_of_memory()'s global OOM: gfp_mask 0 and order 0, no request of its own.

    A fault handler returned VM_FAULT_OOM; whatever failed in the fault path is not in
    the report. 60e2793d440a ("mm, oom: do not trigger out_of_memory from the #PF") (in
    v5.16) stopped the #PF path from invoking the OOM killer.
    """
    kind = report.kind or (report.header.kind if report.header else None)
    return kind == "oom" and request is not None and request.gfp_mask == 0 and request.order == 0


# SysRq-f's work function: sysrq_handle_moom() only schedules it; out_of_memory() runs
# from moom_callback() in a kworker, in every release.
MANUAL_OOM_FRAMES = frozenset({"moom_callback"})
_GFP_KERNEL_PRE_4_4 = 0xD0  # __GFP_WAIT | __GFP_IO | __GFP_FS, the mask moom_callback passed


def manual_oom(report: Report) -> bool:
    """An OOM a person asked for (SysRq-f, ``echo f > /proc/sysrq-trigger``): no allocation failed.

    Since "mm, oom: pass an oom order of -1 when triggered by sysrq" (in v4.3) the
    header says ``order=-1``; before that moom_callback() passed GFP_KERNEL, order 0,
    and only its frames in the trace tell it from a real order-0 OOM.
    """
    h = report.header
    if h is None or (report.kind or h.kind) != "oom":
        return False
    if h.order == -1:
        return True
    # a reliable moom_callback frame, and the GFP_KERNEL order-0 call it made
    asked = h.order in (0, None) and h.gfp_mask in (_GFP_KERNEL_PRE_4_4, None)
    return asked and not MANUAL_OOM_FRAMES.isdisjoint(report.functions)


def _names_printed(release: str | None) -> bool:
    """The release prints %pGg names after every mask: 60e2793d440a ("mm, oom: print
    symbolic gfp_flags in oom warning") and its warn_alloc twin (both v4.5)."""
    version = gfp.parse_release(release)
    return version is not None and version >= (4, 5)
