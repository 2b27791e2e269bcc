"""Batch faults (issue 10): lock, write errors, killed parents, failing workers."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oomlens.cli import main
from oomlens.fleet.batch import BatchError, read_tables, run_batch
from oomlens.fleet.engines import Input, process_batch
from oomlens.fleet.pool import Pool, WorkerError
from oomlens.options import Options
from tests.fleet_helpers import CORPUS, ROOT

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("logs")
    for log in CORPUS[:10]:
        shutil.copy(log, root / log.name)
    return root


@pytest.fixture(scope="module")
def committed(logs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("committed") / "out"
    run_batch([str(logs)], str(out), jobs=1)
    return out


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_second_batch_into_a_locked_out_exits_2(logs, committed, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(committed, out, symlinks=True)
    fd = os.open(out / ".oomlens-batch.lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.pwrite(fd, b"4242\n", 0)
    try:
        assert main(["batch", str(logs), "--out", str(out), "-j", "1"]) == 2
    finally:
        os.close(fd)
    line = _one_line(capsys.readouterr().err)
    assert line == (
        f"oomlens: another oomlens batch (pid 4242) is writing to {out}; wait for it or use "
        "another --out"
    )
    assert read_tables(str(out))["inputs"].equals(read_tables(str(committed))["inputs"])


def test_read_only_out_exits_2(logs, tmp_path, capsys):
    """A read-only tmpfs (needs mount rights; as a user without them, chmod does it)."""
    out = tmp_path / "ro"
    out.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(out)]
        ).returncode
        == 0
    )
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("cannot mount a read-only tmpfs here, and root ignores chmod")
        out.chmod(0o555)
    try:
        assert main(["batch", str(logs), "--out", str(out / "fleet"), "-j", "1"]) == 2
    finally:
        if mounted:
            subprocess.run(["umount", str(out)], check=True)
    line = _one_line(capsys.readouterr().err)
    assert line.startswith(f"oomlens: cannot write the tables to {out / 'fleet'}: ")
    assert "Read-only file system" in line or "Permission denied" in line


FULL = """
import resource, signal, sys
from oomlens.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))  # writes past 4 kB fail (EFBIG)
sys.exit(main(sys.argv[1:]))
"""


def test_a_full_out_exits_2_and_keeps_the_previous_batch(logs, committed, tmp_path):
    """A file size limit makes the writes fail for real, as a full disk would."""
    out = tmp_path / "out"
    shutil.copytree(committed, out, symlinks=True)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            FULL,
            "batch",
            str(logs),
            "--out",
            str(out),
            "-j",
            "1",
            "--no-progress",
        ],
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stderr
    line = _one_line(proc.stderr)
    assert line.startswith(f"oomlens: cannot write the tables to {out}: File too large")
    before, after = read_tables(str(committed)), read_tables(str(out))
    for name in before:
        assert before[name].equals(after[name]), name
    assert [p.name for p in out.iterdir() if p.name.startswith(".oomlens-batch-")] == [
        os.readlink(out / "current")
    ]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(t) for t in text)
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """Enough files that a two-worker batch runs for several seconds."""
    root = tmp_path_factory.mktemp("big")
    for n in range(1500):
        log = CORPUS[n % len(CORPUS)]
        shutil.copy(log, root / f"{n:05d}-{log.name}")
    return root


def _start(big: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oomlens",
            "batch",
            str(big),
            "--out",
            str(out),
            "-j",
            "3",
            "--no-progress",
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = _children(proc.pid)
    assert len(workers) == 2
    time.sleep(1.0)  # the workers are busy with batches now
    return proc, workers


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_with_their_parent_and_leftovers_go(big, tmp_path, sig):
    out = tmp_path / "out"
    proc, workers = _start(big, out)
    os.kill(proc.pid, sig)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 5
    while not all(_gone(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(w) for w in workers), "workers outlived their parent by 5 s"
    staged = [p for p in out.iterdir() if p.name.startswith(".oomlens-batch-")]
    if sig == signal.SIGTERM:
        assert proc.returncode != 0 and staged == []  # cleaned up on the way out
    else:
        assert len(staged) == 1  # a SIGKILLed batch cannot clean up ...
        run_batch([str(CORPUS[0])], str(out), jobs=1)  # ... the next batch does
        left = [p.name for p in out.iterdir() if p.name.startswith(".oomlens-batch-")]
        assert left == [os.readlink(out / "current")]
        assert staged[0].name not in left


def test_a_worker_that_raises_is_an_error_with_its_reason():
    pool = Pool(1, Options())
    try:
        with pytest.raises(WorkerError, match="TypeError"):
            list(pool.imap([42], ahead=1))  # not a batch of inputs: process_batch raises
    finally:
        pool.close()


def test_a_killed_worker_fails_the_batch_with_its_reason(logs):
    pool = Pool(1, Options())
    item = Input(str(logs / CORPUS[0].name), CORPUS[0].name, None)
    try:
        assert len(next(pool.imap([(item,)], ahead=1))) == 1  # it works ...
        os.kill(pool._workers[0].proc.pid, signal.SIGKILL)  # ... until it is killed
        with pytest.raises(WorkerError, match=r"worker 0 died: killed by SIGKILL"):
            list(pool.imap([(item,)], ahead=1))
    finally:
        pool.close()
    from oomlens.fleet.engines import BatchError as EngineError
    from oomlens.fleet.engines import run_local

    class Dying(Pool):
        def imap(self, jobs, ahead, local=None):  # noqa: ANN001, ANN202
            os.kill(self._workers[0].proc.pid, signal.SIGKILL)
            return super().imap(jobs, ahead)  # not helping here: the dead worker must answer

    with pytest.raises(EngineError, match="batch worker failed: worker 0 died"):
        list(run_local([(item,), (item,)], Options(), 2, Dying(1, Options())))
    assert process_batch((item,), Options())[0].inputs[0][4] == "ok"


def test_nothing_is_created_before_the_arguments_are_valid(logs, tmp_path):
    for args in (
        ["--engine", "spark"],
        ["--format", "xlsx"],
        ["--partition-by", "host", "--format", "csv"],
        ["--incident-window", "-5"],
    ):
        out = tmp_path / "never"
        assert main(["batch", str(logs), "--out", str(out), *args]) == 2, args
        assert not out.exists(), args
    assert main(["batch", "-", "--out", str(tmp_path / "never")]) == 2
    with pytest.raises(BatchError):
        run_batch([str(logs)], str(tmp_path / "never"), engine="spark")
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_file_name_that_is_not_utf8_is_written_with_its_byte_escaped(tmp_path, fmt):
    """A Latin-1 name ("café.log" as b"caf\\xe9.log") once aborted the whole batch (exit 1,
    no table): the tables hold its path as ``caf\\xe9.log`` and its report as any other."""
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(CORPUS[0], logs / "ok.log")
    shutil.copy(CORPUS[1], os.fsdecode(bytes(logs) + b"/caf\xe9.log"))
    out = tmp_path / "out"
    run_batch([str(logs)], str(out), fmt=fmt, jobs=1)
    inputs = read_tables(str(out))["inputs"]
    assert sorted(inputs["path"]) == ["caf\\xe9.log", "ok.log"]
    assert set(inputs["status"]) == {"ok"}
    reports = read_tables(str(out))["reports"]
    assert sorted(reports["path"]) == ["caf\\xe9.log", "ok.log"]
