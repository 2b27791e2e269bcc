"""Generators for benchmark logs: realistic dmesg noise with real reports spliced in.

The noise is kernel (and a little syslog) chatter of the kinds a busy host logs:
usb, storage, ext4/xfs/btrfs, audit, systemd, NetworkManager, iptables LOG lines,
suspend/resume, hung-task and WARN stack dumps. Some lines carry words such as
"failure", "process" or "OOM killer" without being reports, so the prefilter
has to look at them and the segmenter has to let them go.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
MB = 1 << 20

_TS = re.compile(rb"^\[( *)(\d+)\.(\d+)\]")

Group = list[str]

# --- noise templates -------------------------------------------------------------------------

_COMMS = (
    "firefox",
    "chrome",
    "python3",
    "java",
    "node",
    "postgres",
    "nginx",
    "dockerd",
    "containerd",
    "kubelet",
    "sshd",
    "bash",
    "gnome-shell",
    "Xorg",
    "pulseaudio",
    "rsync",
)
_IFACES = ("eth0", "eth1", "eno1", "enp3s0", "wlp2s0", "wlan0", "bond0", "br0")
_DISKS = ("sda", "sdb", "sdc", "nvme0n1", "dm-0", "dm-2", "vda")
_UNITS = (
    "apt-daily.service",
    "logrotate.service",
    "man-db.service",
    "fwupd.service",
    "snapd.service",
    "docker.service",
    "cron.service",
    "packagekit.service",
    "NetworkManager-dispatcher.service",
    "systemd-tmpfiles-clean.service",
    "phpsessionclean.service",
    "certbot.service",
    "motd-news.service",
)


def _ip(r: random.Random) -> str:
    return f"{r.choice((10, 172, 192, 203))}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def _mac(r: random.Random) -> str:
    return ":".join(f"{r.randrange(256):02x}" for _ in range(14))


def _hex(r: random.Random, n: int = 16) -> str:
    return f"{r.getrandbits(4 * n):0{n}x}"


def _usb(r: random.Random) -> Group:
    bus, port, num = r.randint(1, 4), f"{r.randint(1, 4)}.{r.randint(1, 4)}", r.randint(2, 60)
    dev = f"{bus}-{port}"
    vid, pid = _hex(r, 4), _hex(r, 4)
    if r.random() < 0.25:
        return [f"usb {dev}: USB disconnect, device number {num}"]
    if r.random() < 0.15:
        return [
            f"usb {dev}: device descriptor read/64, error -71",
            f"usb {dev}: device not accepting address {num}, error -71",
            f"usb usb{bus}-port{port[0]}: unable to enumerate USB device",
        ]
    return [
        f"usb {dev}: new high-speed USB device number {num} using xhci_hcd",
        f"usb {dev}: New USB device found, idVendor={vid}, idProduct={pid}, bcdDevice= 1.00",
        f"usb {dev}: New USB device strings: Mfr=1, Product=2, SerialNumber=3",
        f"usb {dev}: Product: USB Flash Drive",
        f"usb {dev}: Manufacturer: SanDisk",
        f"usb {dev}: SerialNumber: {_hex(r, 20).upper()}",
        f"usb-storage {dev}:1.0: USB Mass Storage device detected",
        f"scsi host{r.randint(4, 9)}: usb-storage {dev}:1.0",
    ]


def _part(d: str, n: int) -> str:
    return d if d.startswith("dm-") else f"{d}p{n}" if d[-1].isdigit() else f"{d}{n}"


def _storage(r: random.Random) -> Group:
    d = r.choice(_DISKS)
    n = r.randint(1, 4)
    p = _part(d, n)
    k = r.random()
    sector = r.randrange(1 << 30)
    if k < 0.2:
        return [
            f"EXT4-fs ({p}): mounted filesystem with ordered data mode. Opts: (null). "
            "Quota mode: none."
        ]
    if k < 0.3:
        return [f"EXT4-fs ({p}): re-mounted. Opts: errors=remount-ro"]
    if k < 0.4:
        return [
            f"blk_update_request: I/O error, dev {d}, sector {sector} op 0x0:(READ) flags 0x0 "
            "phys_seg 1 prio class 0",
            f"Buffer I/O error on dev {p}, logical block {sector // 8}, async page read",
        ]
    if k < 0.5:
        return [
            f"ata{n}: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
            f"ata{n}.00: configured for UDMA/133",
        ]
    if k < 0.58:
        return [
            f"ata{n}.00: exception Emask 0x0 SAct 0x40000 SErr 0x0 action 0x0",
            f"ata{n}.00: irq_stat 0x40000008",
            f"ata{n}.00: failed command: READ FPDMA QUEUED",
            f"ata{n}.00: cmd 60/08:90:{_hex(r, 2)}:{_hex(r, 2)}:00/00:00:00:00:00/40 tag 18 ncq "
            "dma 4096 in",
            f"         res 41/40:00:{_hex(r, 2)}:{_hex(r, 2)}:00/00:00:00:00:00/00 Emask 0x409 "
            "(media error) <F>",
            f"ata{n}.00: status: {{ DRDY ERR }}",
            f"ata{n}.00: error: {{ UNC }}",
            f"ata{n}: EH complete",
        ]
    if k < 0.7:
        return [
            f'XFS ({p}): metadata I/O error in "xfs_trans_read_buf_map" at daddr 0x{sector:x} '
            "len 8 error 5"
        ]
    if k < 0.76:
        return [
            f"BTRFS info (device {p}): scrub: started on devid 1",
            f"BTRFS info (device {p}): scrub: finished on devid 1 with status: 0",
        ]
    if k < 0.82:
        return [
            f"nvme nvme0: I/O {r.randint(0, 1023)} QID {r.randint(1, 8)} timeout, aborting",
            "nvme nvme0: Abort status: 0x0",
        ]
    if k < 0.88:
        return [
            f"sd {n}:0:0:0: [{d}] Synchronize Cache(10) failed: Result: hostbyte=DID_ERROR "
            "driverbyte=DRIVER_OK",
            f"sd {n}:0:0:0: [{d}] Stopping disk",
        ]
    if k < 0.94:
        return [
            f"EXT4-fs ({p}): delayed block allocation failed for inode {sector % 999999} at "
            f"logical offset {r.randint(0, 9999)} with max blocks 1 with error 28",
            f"EXT4-fs ({p}): This should not happen!! Data will be lost",
        ]
    return [f"loop{n}: detected capacity change from 0 to {r.randint(8, 400000)}"]


def _audit(r: random.Random) -> Group:
    t = f"{r.randint(1600000000, 1750000000)}.{r.randint(0, 999):03d}:{r.randint(1, 99999)}"
    pid, comm = r.randint(300, 99999), r.choice(_COMMS)
    if r.random() < 0.6:
        return [
            f'audit: type=1400 audit({t}): apparmor="DENIED" operation="open" '
            f'profile="snap.{comm}.{comm}" name="/proc/{pid}/cgroup" pid={pid} comm="{comm}" '
            'requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000'
        ]
    if r.random() < 0.5:
        return [
            f"audit: type=1701 audit({t}): auid=1000 uid=1000 gid=1000 ses=2 subj=unconfined "
            f'pid={pid} comm="{comm}" exe="/usr/bin/{comm}" sig=11 res=1'
        ]
    return [
        f"audit: type=1131 audit({t}): pid=1 uid=0 auid=4294967295 ses=4294967295 "
        f'subj=unconfined msg=\'unit={r.choice(_UNITS)[:-8]} comm="systemd" '
        'exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success\''
    ]


def _systemd(r: random.Random) -> Group:
    unit = r.choice(_UNITS)
    k = r.random()
    if k < 0.3:
        return [
            f"systemd[1]: Starting {unit[:-8]}...",
            f"systemd[1]: {unit}: Deactivated successfully.",
            f"systemd[1]: Finished {unit[:-8]}.",
        ]
    if k < 0.45:
        return [f"systemd[1]: Started Session {r.randint(1, 9999)} of User alice."]
    if k < 0.55:
        return [
            f"systemd[1]: {unit}: Main process exited, code=exited, status=1/FAILURE",
            f"systemd[1]: {unit}: Failed with result 'exit-code'.",
            f"systemd[1]: Failed to start {unit[:-8]}.",
        ]
    if k < 0.62:
        pid = r.randint(300, 99999)
        return [
            f"systemd[1]: session-{r.randint(1, 99)}.scope: Killing process {pid} "
            f"({r.choice(_COMMS)}) with signal SIGKILL."
        ]
    if k < 0.66:
        return [f"systemd[1]: {unit}: A process of this unit has been killed by the OOM killer."]
    if k < 0.72:
        return [f"systemd-journald[{r.randint(200, 600)}]: Under memory pressure, flushing caches."]
    if k < 0.8:
        return [
            f"systemd-coredump[{r.randint(300, 99999)}]: Process {r.randint(300, 99999)} "
            f"({r.choice(_COMMS)}) of user 1000 dumped core."
        ]
    return [
        f"systemd-logind[{r.randint(500, 900)}]: New session {r.randint(1, 999)} of user alice."
    ]


def _nm(r: random.Random) -> Group:
    ts = f"{r.randint(1600000000, 1750000000)}.{r.randint(0, 9999):04d}"
    ifc = r.choice(_IFACES)
    pid = r.randint(600, 1200)
    states = (
        "disconnected",
        "prepare",
        "config",
        "ip-config",
        "ip-check",
        "secondaries",
        "activated",
        "deactivating",
    )
    a, b = r.sample(states, 2)
    return [
        f"NetworkManager[{pid}]: <info>  [{ts}] device ({ifc}): state change: {a} -> {b} "
        "(reason 'none', sys-iface-state: 'managed')",
        f"NetworkManager[{pid}]: <info>  [{ts}] dhcp4 ({ifc}): state changed new lease, "
        f"address={_ip(r)}",
    ]


def _iptables(r: random.Random) -> Group:
    proto = r.choice(("TCP", "UDP", "TCP", "ICMP"))
    ifc = r.choice(_IFACES)
    tail = (
        (
            f"SPT={r.randint(1024, 65535)} DPT={r.choice((22, 80, 443, 3389, 5432, 8080))} "
            f"WINDOW={r.randint(1000, 65535)} RES=0x00 SYN URGP=0"
        )
        if proto == "TCP"
        else (
            f"SPT={r.randint(1024, 65535)} DPT={r.choice((53, 123, 137, 5353))} LEN={r.randint(8, 512)}"
            if proto == "UDP"
            else f"TYPE=8 CODE=0 ID={r.randint(1, 65535)} SEQ={r.randint(1, 999)}"
        )
    )
    return [
        f"[UFW BLOCK] IN={ifc} OUT= MAC={_mac(r)} SRC={_ip(r)} DST={_ip(r)} LEN={r.randint(40, 1500)} "
        f"TOS=0x00 PREC=0x00 TTL={r.randint(30, 128)} ID={r.randint(0, 65535)} DF PROTO={proto} {tail}"
    ]


def _net(r: random.Random) -> Group:
    ifc = r.choice(_IFACES)
    veth = f"veth{_hex(r, 7)}"
    k = r.random()
    if k < 0.3:
        return [
            f"e1000e 0000:00:1f.6 {ifc}: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx"
        ]
    if k < 0.4:
        return [f"e1000e 0000:00:1f.6 {ifc}: NIC Link is Down"]
    if k < 0.7:
        port = r.randint(1, 30)
        return [
            f"docker0: port {port}({veth}) entered blocking state",
            f"docker0: port {port}({veth}) entered disabled state",
            f"device {veth} entered promiscuous mode",
            f"IPv6: ADDRCONF(NETDEV_CHANGE): {veth}: link becomes ready",
            f"docker0: port {port}({veth}) entered forwarding state",
        ]
    if k < 0.8:
        return [
            f"{ifc}: authenticate with {_mac(r)[:17]}",
            f"{ifc}: send auth to {_mac(r)[:17]} (try 1/3)",
            f"{ifc}: authenticated",
            f"{ifc}: associated",
        ]
    if k < 0.87:
        return [
            "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  "
            "Check SNMP counters."
        ]
    if k < 0.93:
        return [
            f"net_ratelimit: {r.randint(2, 300)} callbacks suppressed",
            "nf_conntrack: nf_conntrack: table full, dropping packet",
        ]
    return [f"bond0: (slave {ifc}): link status definitely down, disabling slave"]


def _misc(r: random.Random) -> Group:
    comm, pid = r.choice(_COMMS), r.randint(300, 99999)
    k = r.random()
    if k < 0.15:
        return [
            f"{comm}[{pid}]: segfault at {r.randrange(1 << 16):x} ip {_hex(r)} sp {_hex(r)} "
            f"error 4 in libc.so.6[{_hex(r, 12)}+195000]"
        ]
    if k < 0.25:
        return [
            f"traps: {comm}[{pid}] general protection fault ip:{_hex(r, 12)} sp:{_hex(r, 12)} "
            f"error:0 in {comm}[{_hex(r, 12)}+8a00000]"
        ]
    if k < 0.32:
        return [
            f"perf: interrupt took too long ({r.randint(2501, 9000)} > 2500), lowering "
            f"kernel.perf_event_max_sample_rate to {r.randint(20000, 79000)}"
        ]
    if k < 0.38:
        return [
            f"mce: CPU{r.randint(0, 7)}: Core temperature above threshold, cpu clock throttled "
            f"(total events = {r.randint(1, 9999)})",
            f"mce: CPU{r.randint(0, 7)}: Core temperature/speed normal",
        ]
    if k < 0.45:
        return [
            f"iwlwifi 0000:00:14.3: Microcode SW error detected. Restarting 0x{r.randrange(1 << 8):x}.",
            "iwlwifi 0000:00:14.3: Start IWL Error Log Dump:",
            "iwlwifi 0000:00:14.3: Transport status: 0x0000004A, valid: 6",
        ]
    if k < 0.5:
        return [f"process '{comm}' launched '/dev/fd/3' with NULL argv: empty string added"]
    if k < 0.55:
        return [
            f"cgroup: fork rejected by pids controller in /user.slice/user-1000.slice/"
            f"session-{r.randint(1, 99)}.scope"
        ]
    if k < 0.6:
        return [
            f"i915 0000:00:02.0: [drm] GPU HANG: ecode 9:1:{_hex(r, 8)}, in {comm} [{pid}]",
            "i915 0000:00:02.0: [drm] Resetting rcs0 for preemption time out",
        ]
    if k < 0.65:
        return [
            "platform regulatory.0: Direct firmware load for regulatory.db failed with error -2",
            "cfg80211: failed to load regulatory.db",
        ]
    if k < 0.7:
        return [
            f"pcieport 0000:00:1c.{r.randint(0, 7)}: AER: Corrected error received: 0000:01:00.0",
            "pcieport 0000:00:1c.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, "
            "(Receiver ID)",
            "pcieport 0000:00:1c.0:   device [8086:a110] error status/mask=00000001/00002000",
            "pcieport 0000:00:1c.0:    [ 0] RxErr",
        ]
    if k < 0.75:
        return ["nfs: server fileserver not responding, still trying", "nfs: server fileserver OK"]
    if k < 0.8:
        return [
            f"kvm [{pid}]: vcpu{r.randint(0, 7)}, guest rIP: 0xffffffff8106a2b1 unhandled rdmsr: 0x140"
        ]
    if k < 0.86:
        return [f"hrtimer: interrupt took {r.randint(10000, 900000)} ns"]
    if k < 0.9:
        return [
            "clocksource: timekeeping watchdog on CPU3: Marking clocksource 'tsc' as unstable "
            "because the skew is too large:",
            "clocksource:                       'hpet' wd_now: 3c5e2c8 wd_last: 3b0ee27 mask: ffffffff",
            "tsc: Marking TSC unstable due to clocksource watchdog",
        ]
    if k < 0.95:
        return [f"printk: {comm}: {r.randint(2, 99)} output lines suppressed due to ratelimiting"]
    return [
        f"Bluetooth: hci0: command 0x{_hex(r, 4)} tx timeout",
        "Bluetooth: hci0: link tx timeout",
    ]


def _trap(r: random.Random) -> Group:
    """A line with " failure" in it that is no report: the prefilter must look and let go."""
    d = r.choice(_DISKS)
    n = r.randint(1, 4)
    k = r.random()
    if k < 0.5:
        return [
            f"sshd[{r.randint(300, 99999)}]: pam_unix(sshd:auth): authentication failure; "
            f"logname= uid=0 euid=0 tty=ssh ruser= rhost={_ip(r)}  user=root"
        ]
    if k < 0.7:
        return [
            f"md/raid1:md{n - 1}: Disk failure on {_part(d, n)}, disabling device.",
            f"md/raid1:md{n - 1}: Operation continuing on 1 devices.",
        ]
    if k < 0.85:
        return [f"sd {n}:0:0:0: [{d}] Medium access timeout failure. Offlining disk!"]
    return ["nvme nvme1: Removing after probe failure status: -19"]


def _suspend(r: random.Random) -> Group:
    e = r.random() * 0.01
    return [
        "PM: suspend entry (deep)",
        "Filesystems sync: 0.012 seconds",
        f"Freezing user space processes ... (elapsed {e:.3f} seconds) done.",
        "OOM killer disabled.",
        f"Freezing remaining freezable tasks ... (elapsed {e / 2:.3f} seconds) done.",
        "printk: Suspending console(s) (use no_console_suspend to debug)",
        "ACPI: PM: Preparing to enter system sleep state S3",
        "ACPI: PM: Waking up from system sleep state S3",
        "ACPI: PM: Low-level resume complete",
        "OOM killer enabled.",
        "Restarting tasks ... done.",
        "PM: suspend exit",
    ]


def _frames(r: random.Random, names: tuple[str, ...]) -> Group:
    return [f" {n}+0x{r.randrange(16, 800):x}/0x{r.randrange(800, 2000):x}" for n in names]


def _hung(r: random.Random) -> Group:
    """A hung-task report: a stack dump that is not an OOM report."""
    pid = r.randint(200, 9999)
    return (
        [
            f"INFO: task jbd2/sda1-8:{pid} blocked for more than 120 seconds.",
            "      Not tainted 5.15.0-91-generic #101-Ubuntu",
            '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
            f"task:jbd2/sda1-8    state:D stack:    0 pid:{pid:5d} ppid:     2 flags:0x00004000",
            "Call Trace:",
            " <TASK>",
        ]
        + _frames(
            r,
            (
                "__schedule",
                "schedule",
                "io_schedule",
                "bit_wait_io",
                "__wait_on_bit",
                "out_of_line_wait_on_bit",
                "jbd2_journal_commit_transaction",
                "kjournald2",
                "kthread",
                "ret_from_fork",
            ),
        )
        + [" </TASK>"]
    )


def _warn(r: random.Random) -> Group:
    """A WARN splat: CPU/Comm line, registers and trace, nothing about memory."""
    cpu, pid = r.randint(0, 7), r.randint(1, 9999)
    return (
        [
            "------------[ cut here ]------------",
            f"WARNING: CPU: {cpu} PID: {pid} at drivers/gpu/drm/i915/display/intel_display.c:"
            f"{r.randint(100, 9000)} intel_atomic_commit_tail+0x5c2/0x1680 [i915]",
            "Modules linked in: snd_hda_codec_hdmi i915 drm_kms_helper cec rc_core i2c_algo_bit",
            f"CPU: {cpu} PID: {pid} Comm: kworker/u16:{r.randint(0, 9)} Tainted: G        W  "
            "   6.1.0-13-amd64 #1  Debian 6.1.55-1",
            "Hardware name: LENOVO 20KHCTO1WW/20KHCTO1WW, BIOS N23ET83W (1.58 ) 10/20/2022",
            "Workqueue: events_unbound commit_work [drm_kms_helper]",
            "RIP: 0010:intel_atomic_commit_tail+0x5c2/0x1680 [i915]",
            f"RSP: 0018:ffffb5d{_hex(r, 9)} EFLAGS: 00010286",
            f"RAX: 0000000000000000 RBX: {_hex(r)} RCX: 0000000000000027",
            "Call Trace:",
            " <TASK>",
        ]
        + _frames(
            r, ("commit_work", "process_one_work", "worker_thread", "kthread", "ret_from_fork")
        )
        + [" </TASK>", "---[ end trace 0000000000000000 ]---"]
    )


# (weight, generator): iptables and audit lines dominate a busy host's kernel log; about
# one group in 400 is a " failure" trap (one every ~100 kB)
_KINDS: tuple[tuple[float, Callable[[random.Random], Group]], ...] = (
    (22, _iptables),
    (16, _audit),
    (12, _systemd),
    (8, _nm),
    (10, _net),
    (7, _usb),
    (8, _storage),
    (10, _misc),
    (0.3, _suspend),
    (0.25, _hung),
    (0.25, _warn),
    (0.25, _trap),
)


def noise_pool(seed: int = 1, size: int = 40000) -> list[list[bytes]]:
    """``size`` pre-rendered noise groups, each a ``\\n``-terminated block without timestamps."""
    r = random.Random(seed)
    weights = [w for w, _ in _KINDS]
    gens = [g for _, g in _KINDS]
    pool = []
    for gen in r.choices(gens, weights, k=size):
        pool.append([ln.encode() for ln in gen(r)])
    return pool


# --- reports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A real report span: its lines and how many reports oomlens finds in it alone."""

    name: str
    lines: list[bytes]
    reports: int


def report_sources() -> list[Source]:
    """Every corpus log and the seed, cut to the lines from the first report to the last."""
    from oomlens.read.logline import decode_line
    from oomlens.read.segment import segment_lines

    paths = sorted((ROOT / "samples" / "corpus").glob("*.log"))
    paths += sorted((ROOT / "samples" / "seeds").glob("*.txt"))
    out = []
    for p in paths:
        raw = p.read_bytes().split(b"\n")
        if raw and raw[-1] == b"":
            raw.pop()
        lines = [x for i, b in enumerate(raw, 1) for x in decode_line(b, i, p.name)]
        spans = list(segment_lines(lines, p.name))
        if not spans:
            continue
        lo = min(s.first_line for s in spans)
        hi = max(s.last_line for s in spans)
        out.append(Source(p.name, raw[lo - 1 : hi], len(spans)))
    return out


def retime(lines: list[bytes], clock: float) -> list[bytes]:
    """Shift leading ``[ sec.usec]`` stamps so the first becomes ``clock``; widths are kept."""
    base = None
    out = []
    for ln in lines:
        m = _TS.match(ln)
        if m is None:
            out.append(ln)
            continue
        frac = m.group(3)
        t = int(m.group(2)) + int(frac) / 10 ** len(frac)
        if base is None:
            base = t
        new = clock + (t - base)
        sec = int(new)
        usec = int(round((new - sec) * 10 ** len(frac)))
        if usec >= 10 ** len(frac):
            sec, usec = sec + 1, 0
        width = len(m.group(1)) + len(m.group(2))
        stamp = f"[{sec:{width}d}.{usec:0{len(frac)}d}]".encode()
        out.append(stamp + ln[m.end() :])
    return out


@dataclass(frozen=True)
class Splice:
    """Where one source was spliced: its 1-based line range and expected report count."""

    name: str
    first: int
    last: int
    reports: int


def _stamp(t: float) -> bytes:
    return b"[%5d.%06d] " % (int(t), int((t - int(t)) * 1e6))


def write_noisy(
    path: Path, size: int, seed: int = 1, every: tuple[int, int] = (1 * MB, 2 * MB)
) -> list[Splice]:
    """Write ``size`` bytes of noise with a real report span spliced in every ``every`` bytes."""
    r = random.Random(seed)
    pool = noise_pool(seed)
    sources = report_sources()
    order: list[Source] = []
    splices: list[Splice] = []
    clock = 4.0
    lineno = 0
    written = 0
    next_at = r.randint(*every)
    buf: list[bytes] = []
    with open(path, "wb") as f:
        while written < size:
            if written >= next_at:
                if not order:
                    order = sources[:]
                    r.shuffle(order)
                src = order.pop()
                lines = retime(src.lines, clock)
                block = b"\n".join(lines) + b"\n"
                splices.append(Splice(src.name, lineno + 1, lineno + len(lines), src.reports))
                lineno += len(lines)
                written += len(block)
                buf.append(block)
                clock += 5.0
                next_at = written + r.randint(*every)
                continue
            group = pool[r.randrange(len(pool))]
            clock += r.expovariate(20.0)
            for ln in group:
                clock += 0.000013
                buf.append(_stamp(clock) + ln + b"\n")
                written += 15 + len(ln)
            lineno += len(group)
            if len(buf) > 4096:
                f.write(b"".join(buf))
                buf.clear()
        f.write(b"".join(buf))
    return splices


def _count(lines: list[bytes]) -> int:
    from oomlens.read.logline import decode_line
    from oomlens.read.segment import segment_lines

    decoded = [x for i, b in enumerate(lines, 1) for x in decode_line(b, i, "-")]
    return sum(1 for _ in segment_lines(decoded, "-"))


def dense_order(sources: list[Source]) -> list[Source]:
    """Order the spans so none joins the one before it.

    An excerpt without its trigger line that follows a report with no kill line
    is read as that report's continuation, as the segmenter intends; a real log
    would have other messages in between, the dense log has none.
    """
    left = sources[:]
    order = [left.pop(0)]
    while left:
        prev = order[-1]
        pick = next(
            (s for s in left if _count(prev.lines + s.lines) == prev.reports + s.reports), left[0]
        )
        left.remove(pick)
        order.append(pick)
    return order


def write_dense(path: Path, reports: int) -> int:
    """Concatenate the report spans (re-timestamped) until ``reports`` are written; the count."""
    sources = dense_order(report_sources())
    total = 0
    clock = 10.0
    with open(path, "wb") as f:
        while total < reports:
            for src in sources:
                f.write(b"\n".join(retime(src.lines, clock)) + b"\n")
                clock += 3.0
                total += src.reports
    return total


def cached(name: str, make: Callable[[Path], object]) -> tuple[Path, object]:
    """Build ``bench/out/<name>`` once; later runs reuse it (and the JSON value ``make`` returned)."""
    import json

    OUT.mkdir(parents=True, exist_ok=True)
    path, meta = OUT / name, OUT / (name + ".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())
    value = make(path)
    meta.write_text(json.dumps(value))
    return path, value


def iter_groups(pool: list[list[bytes]]) -> Iterator[str]:
    """Every noise line of a pool as text (for eyeballing: ``python bench/noise.py``)."""
    for group in pool:
        for ln in group:
            yield ln.decode()


if __name__ == "__main__":
    for line in iter_groups(noise_pool(0, int(sys.argv[1]) if len(sys.argv) > 1 else 40)):
        print(line)
