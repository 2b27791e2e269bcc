"""The segmenter: spans found with the byte prefilter equal spans found line by line,
and real reports keep their identity when spliced into noise or placed back to back."""

from __future__ import annotations

import io

import pytest

from oomlens.read.logline import decode_line
from oomlens.read.segment import segment_lines, segment_stream
from tests.corpus import ALL_FILES, sample

# Ordinary dmesg chatter, some of it holding the prefilter's marker words
# (hand-made: noise is what no report sample contains by definition).
NOISE = b"".join(
    b"[%6d.%06d] %s\n" % (i, i * 7 % 1000000, text)
    for i, text in enumerate(
        [
            b"usb 1-1: new high-speed USB device number 3 using xhci_hcd",
            b"sshd[812]: pam_unix(sshd:auth): authentication failure; logname= uid=0",
            b"EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.",
            b"systemd[1]: Killing process 4242 (sleep) with signal SIGKILL.",
            b"md/raid1:md0: Disk failure on sdb1, disabling device.",
            b'audit: type=1400 audit(1700000000.123:45): apparmor="STATUS" operation="profile_load"',
        ]
        * 20
    )
)


def _spans(data: bytes, name: str = "x") -> list[tuple[int, int, str]]:
    return [
        (r.first_line, r.last_line, r.lines[0].text[:40])
        for r in segment_stream(io.BytesIO(data), name)
    ]


def _spans_line_by_line(data: bytes) -> list[tuple[int, int, str]]:
    lines = []
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        lines.extend(decode_line(raw, lineno, "x"))
    return [(r.first_line, r.last_line, r.lines[0].text[:40]) for r in segment_lines(lines, "x")]


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_prefilter_finds_what_a_line_by_line_read_finds(path):
    data = path.read_bytes()
    assert _spans(data) == _spans_line_by_line(data)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_report_spliced_into_noise_keeps_its_span(path):
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    alone = _spans(data)
    shift = NOISE.count(b"\n")
    spliced = _spans(NOISE + data + NOISE)
    assert [(a + shift, b + shift, t) for a, b, t in alone] == spliced


def test_back_to_back_excerpts_are_two_reports():
    # corpus 031 is an excerpt (zone line, lowmem_reserve, buddy) with no trigger line
    data = sample("031").read_bytes()
    spans = _spans(data + data)
    assert len(spans) == 2 and spans[1][0] == data.count(b"\n") + 1


def test_kill_line_of_an_earlier_oom_is_its_own_fragment_043():
    spans = _spans(sample("043").read_bytes())
    assert spans[0][:2] == (1, 1) and spans[1][0] == 2
