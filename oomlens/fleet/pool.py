"""A pool of worker processes for the local engine, started without re-running ``__main__``.

multiprocessing's spawn and forkserver start methods re-import the parent's main
module in every worker, so a script that calls ``analyze_paths(..., jobs=2)``
without an ``if __name__ == "__main__"`` guard runs itself again in each worker.
These workers are fresh interpreters running ``oomlens.fleet.worker``: they import
only oomlens, take pickled batches on stdin and answer on a private pipe. A worker
ends when its parent does (stdin at EOF, or its parent pid changes), and a worker
that fails is an error with its reason, never a silent retry.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

_HEADER = struct.Struct("!Q")


class WorkerError(Exception):
    """A worker process failed: it died, or the work raised inside it."""


def write_frame(stream: IO[bytes], obj: object) -> None:
    """Send one pickled object, length first."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """Receive one pickled object; EOFError when the other side has gone."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class _Worker:
    """One worker process and the thread in this process that feeds it."""

    def __init__(self, number: int, setup: object) -> None:
        self.number = number
        self.stderr = tempfile.TemporaryFile()
        read_fd, write_fd = os.pipe()
        env = dict(os.environ)
        # The worker imports oomlens from where this process found it.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "oomlens.fleet.worker", str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            pass_fds=(write_fd,),
            env=env,
            start_new_session=False,
        )
        os.close(write_fd)
        self.results = os.fdopen(read_fd, "rb")
        assert self.proc.stdin is not None
        self.requests = self.proc.stdin
        write_frame(self.requests, setup)

    def reason(self) -> str:
        """Why the worker stopped, from its exit status and the last line it wrote."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.stderr.seek(0)
        tail = [ln for ln in self.stderr.read().decode("utf-8", "replace").splitlines() if ln]
        if code is not None and code < 0:
            how = f"killed by {signal.Signals(-code).name}"
            if -code == signal.SIGKILL:
                how += " (out of memory?)"
        else:
            how = f"exit status {code}"
        return how + (f": {tail[-1]}" if tail else "")

    def close(self, terminate: bool = False) -> None:
        """Ask the worker to stop (EOF) and reap it; ``terminate`` stops it mid-batch."""
        if terminate and self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.requests.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.results.close()
        self.stderr.close()


class Pool:
    """N worker processes mapping one function over jobs, results in submission order."""

    def __init__(self, workers: int, setup: object) -> None:
        """Start ``workers`` processes; ``setup`` is sent to each before any job."""
        self._jobs: queue.Queue = queue.Queue()
        self._done: dict[int, tuple[bool, Any]] = {}
        self._cond = threading.Condition()
        self._failure: str | None = None
        self._closed = False
        self._workers = [_Worker(n, setup) for n in range(workers)]
        self._threads = [
            threading.Thread(target=self._feed, args=(w,), daemon=True) for w in self._workers
        ]
        for t in self._threads:
            t.start()

    def _feed(self, worker: _Worker) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            seq, job = item
            try:
                write_frame(worker.requests, (seq, job))
                got_seq, ok, payload = read_frame(worker.results)
                assert got_seq == seq
            except (OSError, EOFError, pickle.UnpicklingError, AssertionError):
                ok, payload = False, f"worker {worker.number} died: {worker.reason()}"
            with self._cond:
                self._done[seq] = (ok, payload)
                if not ok and self._failure is None:
                    self._failure = str(payload)
                self._cond.notify_all()
            if not ok:
                return

    def imap(
        self,
        jobs: Iterable[object],
        ahead: int,
        local: Callable[[Any], Any] | None = None,
    ) -> Iterator[Any]:
        """Results of ``jobs`` in order, keeping at most ``ahead`` jobs in flight.

        With ``local``, this process takes a waiting job itself whenever the result it
        needs next is not ready: one more worker, without starting one. Raises
        WorkerError with the worker's reason as soon as any job fails.
        """
        todo = iter(jobs)
        sent = taken = 0
        for job in todo:
            self._jobs.put((sent, job))
            sent += 1
            if sent >= ahead:
                break
        while taken < sent:
            if local is not None:
                self._help(taken, local)
            with self._cond:
                while taken not in self._done and self._failure is None:
                    self._cond.wait(0.5)
                if self._failure is not None:
                    raise WorkerError(self._failure)
                ok, payload = self._done.pop(taken)
            taken += 1
            following = next(todo, None)
            if following is not None:
                self._jobs.put((sent, following))
                sent += 1
            yield payload

    def _help(self, wanted: int, local: Callable[[Any], Any]) -> None:
        """Run waiting jobs here until result ``wanted`` is ready or none is left."""
        while True:
            with self._cond:
                if wanted in self._done or self._failure is not None:
                    return
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return
            seq, job = item
            result = local(job)
            with self._cond:
                self._done[seq] = (True, result)
                self._cond.notify_all()

    def close(self, terminate: bool = False) -> None:
        """Stop every worker and wait for them (at once, mid-batch, with ``terminate``).
        Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
        for w in self._workers:
            w.close(terminate)


def serve(write_fd: int, handler: Callable[[object, object], object]) -> None:
    """The worker's loop: setup, then one answer per job until stdin ends."""
    results = os.fdopen(write_fd, "wb")
    requests = sys.stdin.buffer
    parent = os.getppid()

    def watch() -> None:  # a parent killed with SIGKILL cannot close our stdin for us
        while True:
            threading.Event().wait(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        setup = read_frame(requests)
        while True:
            try:
                seq, job = read_frame(requests)
            except EOFError:
                return
            try:
                answer = (seq, True, handler(setup, job))
            except Exception as exc:  # noqa: BLE001 - sent to the parent as the reason
                answer = (seq, False, f"{type(exc).__name__}: {exc}")
            write_frame(results, answer)
    except (BrokenPipeError, EOFError):
        return
