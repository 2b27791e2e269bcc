"""The architecture a report came from, by its release string, frames, hardware and zones."""

from __future__ import annotations

import re
from collections.abc import Sequence

from oomlens.parse.report import TaskContext

_ARCH_RELEASE = (
    ("x86_64", "x86_64"),
    ("amd64", "x86_64"),
    ("aarch64", "arm64"),
    ("arm64", "arm64"),
    ("loongarch64", "loongarch64"),
    ("ppc64", "ppc64"),
    ("s390x", "s390x"),
    ("riscv64", "riscv64"),
    ("i686", "i386"),
    ("i586", "i386"),
    ("-686", "i386"),
    ("-pae", "i386"),
    ("PAE", "i386"),
    ("armv7", "arm"),
    ("android", "arm64"),
)
# Entry and fault paths that exist on one architecture only.
_ARCH_FRAMES = (
    (
        (
            "entry_SYSCALL_64",
            "entry_SYSCALL_64_after_hwframe",
            "do_syscall_64",
            "ret_from_fork_asm",
            "asm_exc_page_fault",
            "exc_page_fault",
        ),
        "x86_64",
    ),
    (("do_fast_syscall_32", "entry_SYSENTER_32", "sysenter_past_esp", "entry_INT80_32"), "i386"),
    (
        (
            "el0_svc",
            "el0t_64_sync",
            "el0t_64_sync_handler",
            "el0_svc_common",
            "do_el0_svc",
            "el0_da",
            "el1_abort",
            "el0_svc_naked",  # 4.x arm64 (entry.S)
            "el0_sync",
            "el1_irq",
            "el0_irq",
        ),
        "arm64",
    ),
    (("ret_fast_syscall", "__irq_svc", "__dabt_usr", "ret_from_fork_thumb"), "arm"),
    (("tlb_do_page_fault_1", "tlb_do_page_fault_0", "handle_syscall"), "loongarch64"),
)
# The fault and fork paths x86 has at either width (exc_page_fault since 5.8,
# ret_from_fork_asm since 6.7), the 64-bit syscall entry, and the 32-bit entries.
_X86_EITHER = frozenset({"asm_exc_page_fault", "exc_page_fault", "ret_from_fork_asm"})
_X86_64_ENTRY = frozenset({"entry_SYSCALL_64", "entry_SYSCALL_64_after_hwframe", "do_syscall_64"})
_I386_ENTRY = frozenset(
    {"do_fast_syscall_32", "entry_SYSENTER_32", "sysenter_past_esp", "entry_INT80_32"}
)
_X86_VIRT = (
    "QEMU Standard PC",
    "Bochs",
    "VMware",
    "innotek",
    "Hyper-V",
    "Microsoft Corporation Virtual",
)


_PPC64_FRAME = re.compile(r"\[[0-9a-f]{16}\] \[[0-9a-f]{16}\] ")
_PPC32_FRAME = re.compile(r"\[[0-9a-f]{8}\] \[[0-9a-f]{8}\] [A-Za-z_.$][\w.$]*\+0x")
_PPC32_HW = re.compile(r"\bPowerMac|\bPowerBook|\biBook|\bPegasos|\bAmigaOne|\bMPC\d{3}")
_ARM_FROM = re.compile(r"\s*[A-Za-z_.$][\w.$]* from [A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+")
_S390_HW = re.compile(r"IBM \d{4} ")
_S390_FRAME = re.compile(r"\s*\(\[<[0-9a-f]{16}>\] [A-Za-z_.$][\w.$]*\+0x")


# 64-bit architectures: no ZONE_HIGHMEM, whatever a release string's vendor tag says.
_WIDE = frozenset({"x86_64", "arm64", "loongarch64", "ppc64", "s390x", "riscv64"})


def _prints_highmem(lines: Sequence[str]) -> bool:
    """The report prints a HighMem zone line."""
    return any("HighMem free:" in t for t in lines)


def _four_mib_pages(lines: Sequence[str]) -> bool:
    """hugepages_size=4096kB: x86's two-level paging (HPAGE_SHIFT 22), a 32-bit kernel;
    x86_64 has 2 MiB and 1 GiB pages only."""
    return any("hugepages_size=4096kB" in t for t in lines)


def infer_arch(ctx: TaskContext, trace: Sequence[str], lines: Sequence[str]) -> str | None:
    """Guess the architecture from the release string, frames, hardware name and zones.

    ``trace`` holds the call trace's function names, ``lines`` the report's own text.
    """
    release = ctx.release or ""
    for needle, arch in _ARCH_RELEASE:
        if needle in release:
            if arch in _WIDE and _prints_highmem(lines):
                break  # a HighMem zone exists only with CONFIG_HIGHMEM: a 32-bit kernel
            if needle == "android" and "x86" in release:
                break  # Android-x86 ("-android-x86+"): x86 of either width, frames say which
            return arch
    names = set(trace)
    if names.intersection(_X86_EITHER) and not names.intersection(_X86_64_ENTRY):
        # x86 of either width: 32-bit when a 32-bit entry or a HighMem zone says so
        zones = {t.split(" free:")[0].split()[-1] for t in lines[:120] if " free:" in t}
        if names.intersection(_I386_ENTRY) or "HighMem" in zones or _four_mib_pages(lines):
            return "i386"
    for frames, arch in _ARCH_FRAMES:
        if names.intersection(frames):
            return arch
    if any(f.startswith(".") and len(f) > 1 for f in trace):
        return "ppc64"  # ppc64 ELFv1 function descriptors: ".vfs_readdir"
    texts = lines[:120]
    if any(") from [<" in t or _ARM_FROM.match(t) for t in texts):
        return "arm"  # unwind_backtrace: "(f) from [<pc>] (g+0x..)", since 6.x "f from g+0x.."
    if any(_PPC64_FRAME.match(t) for t in texts):
        return "ppc64"  # powerpc's "[sp] [pc] func+0x8c/0xc8", 64-bit addresses
    if any(_PPC32_FRAME.match(t) for t in texts) or _PPC32_HW.search(ctx.hardware or ""):
        return "ppc"  # the same with 32-bit addresses; Apple's and Freescale's 32-bit boards
    zones = {t.split(" free:")[0].split()[-1] for t in texts if " free:" in t}
    hw = ctx.hardware or ""
    wide = any("[<ffffffff" in t for t in texts) or "DMA32" in zones
    narrow = "HighMem" in zones or any(re.match(r"\[<c[0-9a-f]{7}>\]", t) for t in texts)
    if any(v in hw for v in _X86_VIRT):
        return "i386" if narrow or _four_mib_pages(lines) else "x86_64"
    if _S390_HW.match(hw) or any(_S390_FRAME.match(t) for t in texts):
        return "s390x"  # "IBM 2964 N63 400 (z/VM 6.4.0)"; show_stack's "([<addr>] f+0x..)"
    if re.search(r"\bpSeries\b|\bPowerNV\b|\bPOWER(?:[789]|10|11)\b", hw):
        return "ppc64"  # IBM Power servers (pSeries, PowerNV) run 64-bit kernels
    if any(t.startswith("[<ffffff8") or t.startswith("[<ffffffc") for t in texts):
        return "arm64"
    if wide and not narrow and any("[<ffffffff8" in t for t in texts):
        return "x86_64"
    if narrow and "DMA" in zones and not any(") from" in t for t in texts):
        return "i386"
    return None
