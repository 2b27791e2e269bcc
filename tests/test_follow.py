"""Live input: ``dmesg -w | oomlens``, ``journalctl -kf -o json | oomlens`` and
``oomlens --follow FILE`` print each verdict as soon as its report ends, before the input
does. Real corpus reports are written into a pipe or a file line by line; the verdict is
read back while the writer still holds the input open (generous timeouts, no timing
assertions)."""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from oomlens.pipeline import analyze_file
from oomlens.read.logline import decode_line
from oomlens.read.segment import Segmenter, segment_stream
from tests.corpus import ALL_FILES, ROOT, sample
from tests.test_time_place import BOOT_ID, journal_records

WAIT = 120.0  # seconds: generous, only to fail instead of hanging when nothing comes


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class Lines:
    """A child's stdout read line by line in a thread, so a read can time out."""

    def __init__(self, stream: io.BufferedReader) -> None:
        self.q: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: io.BufferedReader) -> None:
        for line in iter(stream.readline, b""):
            self.q.put(line)
        self.q.put(b"")

    def next(self) -> dict:
        line = self.q.get(timeout=WAIT)
        assert line, "oomlens ended its output"
        return json.loads(line)


def oomlens(*args: str, stdin: int | None = subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "oomlens", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )


def verdict_of(name: str) -> str:
    (analysis,) = analyze_file(str(sample(name))).analyses
    assert analysis.verdict is not None
    return analysis.verdict.code


def test_dmesg_w_pipe_prints_each_verdict_before_the_pipe_closes():
    proc = oomlens("--format", "jsonl")
    out = Lines(proc.stdout)
    first = sample("051").read_bytes().splitlines(keepends=True)
    for line in first:  # ends with its oom_reaper line: the report's end is known by content
        proc.stdin.write(line)
        proc.stdin.flush()
    got = out.next()
    assert proc.poll() is None  # still reading: the verdict came before the input ended
    assert (got["id"], got["uptime_s"], got["verdict"]["code"]) == (
        "<stdin>:1",
        98.066887,
        verdict_of("051"),
    )
    # 018 has no closing line: its report ends when no new line comes for a while
    for line in sample("018").read_bytes().splitlines(keepends=True):
        proc.stdin.write(line)
        proc.stdin.flush()
    got = out.next()
    assert proc.poll() is None
    assert (got["id"], got["uptime_s"], got["verdict"]["code"]) == (
        f"<stdin>:{len(first) + 1}",
        4738.329298,
        verdict_of("018"),
    )
    proc.stdin.close()
    assert proc.wait(timeout=WAIT) == 0
    assert proc.stdout.read() == b""


def test_journalctl_kf_json_pipe():
    proc = oomlens("--format", "jsonl")
    out = Lines(proc.stdout)
    for record in journal_records("018", source_monotonic=True):
        proc.stdin.write(json.dumps(record).encode() + b"\n")
        proc.stdin.flush()
    got = out.next()
    assert proc.poll() is None
    assert (got["time"], got["uptime_s"], got["host"], got["boot_id"]) == (
        "2024-12-04T09:58:58.329448+00:00",
        4738.329298,
        "web-7",
        BOOT_ID,
    )
    assert got["verdict"]["code"] == verdict_of("018")
    proc.stdin.close()
    assert proc.wait(timeout=WAIT) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
def test_follow_file_reads_appended_reports_until_interrupted(tmp_path):
    path = tmp_path / "kern.log"
    lines = sample("051").read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:10]))  # the report has begun when oomlens starts
    proc = oomlens("--follow", str(path), "--format", "jsonl", stdin=subprocess.DEVNULL)
    out = Lines(proc.stdout)
    with open(path, "ab") as f:
        for line in lines[10:]:
            f.write(line)
            f.flush()
    got = out.next()
    assert proc.poll() is None
    assert (got["id"], got["verdict"]["code"]) == (f"{path}:1", verdict_of("051"))
    # a report still open at Ctrl-C is judged and written before oomlens exits
    with open(path, "ab") as f:
        f.write(b"".join(sample("018").read_bytes().splitlines(keepends=True)[:20]))
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=WAIT) == 0
    rest = [json.loads(x) for x in proc.stdout.read().splitlines() if x.strip()]
    if not rest:  # the quiet interval may have closed it first: it was read by Lines
        rest = [out.next()]
    assert [r["uptime_s"] for r in rest] == [4738.329298]
    assert proc.stderr.read() == b""


@pytest.mark.parametrize("size", ["longer", "same"])
def test_a_followed_file_rewritten_up_to_or_past_its_old_end_is_read_from_its_start(tmp_path, size):
    """corpus 004 followed to its end, then the file rewritten in place with corpus 001,
    longer, or cut to 004's size (synthetic: copytruncate and a burst of writes between two
    polls). The size alone says "appended" or "unchanged": the changed first bytes say
    rewritten, so the new file is read whole."""
    from oomlens.read.chunks import LineCounter
    from oomlens.read.diagnostic import Diagnostic
    from oomlens.read.follow import FOLLOW_POLL, Followed

    path = tmp_path / "kern.log"
    old, new = sample("004").read_bytes(), sample("001").read_bytes()
    assert len(new) > len(old)
    if size == "same":
        new = new[: len(old)]
    path.write_bytes(old)
    diags: list[Diagnostic] = []
    with open(path, "rb") as f:
        chunks = Followed(str(path), f).chunks(diags, LineCounter())
        assert next(chunks) == old
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(next(chunks)), daemon=True)
        reader.start()  # reads nothing more, then polls
        time.sleep(FOLLOW_POLL / 2)  # the rewrite lands between two polls
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, new, 0)
        finally:
            os.close(fd)
        reader.join(timeout=WAIT)
    assert got and got[0] == new
    assert [d.message for d in diags] == ["file rewritten while followed; read from its start"]


def test_follow_needs_one_file():
    done = subprocess.run(
        [sys.executable, "-m", "oomlens", "--follow"],
        capture_output=True,
        env=_env(),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=WAIT,
    )
    assert done.returncode == 2
    assert done.stderr.count(b"\n") == 1 and b"--follow takes exactly one FILE" in done.stderr


# --- the pieces: closing by content, reading in small pieces ------------------------------------


def test_report_closes_at_its_oom_reaper_line():
    seg = Segmenter("051")
    raw = sample("051").read_bytes().split(b"\n")
    closed_at = []
    for i, data in enumerate(raw, 1):
        for line in decode_line(data, i, "051"):
            for rep in seg.feed(line):
                closed_at.append((i, rep.first_line, rep.last_line))
    # line 56 is "[   98.079338] oom_reaper: reaped process 726 (kprobelabs), ..."
    assert closed_at == [(56, 1, 56)]
    assert seg.idle


def test_after_a_quiet_close_no_line_is_glued_onto_one_already_reported():
    """Corpus 004 read live, gone quiet (its report closed), then a bare code-listing line
    and a "Mem-Info:" appended. The bare line once joined the report's last line
    (``oom-kill:constraint=...``), which opened a second, phantom memcg-limit report."""
    seg = Segmenter("004")
    raw = sample("004").read_bytes().rstrip(b"\n").split(b"\n")
    reports = []
    for i, data in enumerate(raw, 1):
        for line in decode_line(data, i, "004"):
            reports.extend(seg.feed(line))
    reports.extend(seg.finish())  # the input went quiet
    assert [(r.first_line, r.last_line) for r in reports] == [(1, 18)]
    later = [
        b"  13:\t00 00                \tadd    %al,(%rax)",
        b"[  183.324046][ T2438] Mem-Info:",
    ]
    for i, data in enumerate(later, len(raw) + 1):
        for line in decode_line(data, i, "004"):
            reports.extend(seg.feed(line))
    reports.extend(seg.finish())
    assert [(r.first_line, r.last_line) for r in reports] == [(1, 18)]


def test_reaper_lines_of_other_victims_stay_in_the_report():
    # extra/114.log: "Killed process 4100 (containerd)", then five oom_reaper lines of
    # earlier victims (8248, 2054, ...): none is this report's last line
    path = ROOT / "samples" / "extra" / "114.log"
    (analysis,) = analyze_file(str(path)).analyses
    assert (analysis.report.first_line, analysis.report.last_line) == (1, 37)


def _spans(chunks) -> list[tuple[int, int, tuple[str, ...]]]:
    return [
        (r.first_line, r.last_line, tuple(x.text for x in r.lines))
        for r in segment_stream(io.BytesIO(b""), "x", chunks=chunks)
    ]


@pytest.mark.parametrize("path", ALL_FILES, ids=[p.name for p in ALL_FILES])
def test_small_reads_find_the_same_reports(path: Path):
    """A live input arrives a line or a few bytes at a time: the prefilter must find what
    it finds in one read, including excerpts whose first lines precede their marker."""
    data = path.read_bytes()
    whole = _spans([data])
    by_line = _spans(data.splitlines(keepends=True))
    by_7_bytes = _spans(data[i : i + 7] for i in range(0, len(data), 7))
    assert by_line == whole
    assert by_7_bytes == whole
    ticked = _spans(x for line in data.splitlines(keepends=True) for x in (line, None))
    assert len(ticked) >= len(whole)  # a quiet tick after every line may only end reports


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_follow_on_a_named_pipe_reads_it_as_it_comes(tmp_path):
    """`--follow FIFO` (hostile round 9): the follower seeks and reopens a file, which a
    pipe cannot do ("not seekable"), and the report was lost. A named pipe is read like
    stdin: as its data arrives, to its writer's end."""
    fifo = tmp_path / "kmsg.fifo"
    os.mkfifo(fifo)
    proc = oomlens("--follow", str(fifo), "--format", "jsonl", stdin=subprocess.DEVNULL)
    with open(fifo, "wb") as writer:  # blocks until oomlens opens the pipe
        writer.write(sample("051").read_bytes())
    assert proc.wait(timeout=WAIT) == 0
    (got,) = [json.loads(x) for x in proc.stdout.read().splitlines() if x.strip()]
    assert (got["id"], got["verdict"]["code"]) == (f"{fifo}:1", verdict_of("051"))
    assert proc.stderr.read() == b""
