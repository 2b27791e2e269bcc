"""A live input (a pipe, a terminal, a followed file): chunks as they arrive, and a quiet tick.

A reader thread does the blocking reads and hands chunks over a small queue, so
the segmenter can be told when the input has gone quiet (``None``) and close a
report whose end no line will announce, and so the CLI can stop reading on
Ctrl-C (:func:`request_stop`) and still print what was read.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator

QUIET_S = 2.0  # seconds without a new byte after which the open reports are closed
_POLL = 0.2  # how often a waiting reader looks at the stop flag
_QUEUE = 8  # chunks read ahead of the segmenter at most
_STOP_QUIET = 0.5  # after Ctrl-C, what was already written is read until this quiet ...
_STOP_MAX = 5.0  # ... or for this long at most

_stop = threading.Event()


def request_stop() -> None:
    """End every live input as if its writer had closed it (the CLI's Ctrl-C)."""
    _stop.set()


def reset_stop() -> None:
    """Forget an earlier :func:`request_stop` (a new run in the same process)."""
    _stop.clear()


def stopping() -> bool:
    """Whether :func:`request_stop` was called."""
    return _stop.is_set()


def live_chunks(
    read: Callable[[int], bytes], size: int, quiet: float = QUIET_S
) -> Iterator[bytes | None]:
    """The chunks ``read(size)`` returns, read in a thread; ``None`` once per quiet spell."""
    q: queue.Queue[bytes | BaseException] = queue.Queue(_QUEUE)

    def pump() -> None:
        try:
            while chunk := read(size):
                q.put(chunk)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
            q.put(e)
            return
        q.put(b"")

    threading.Thread(target=pump, name="oomlens-reader", daemon=True).start()
    last = time.monotonic()
    ticked = False
    stop_by: float | None = None  # after a stop request: read on until then, while data flows
    while True:
        if stop_by is None and _stop.is_set():
            last = max(last, time.monotonic())
            stop_by = last + _STOP_MAX
        try:
            item = q.get(timeout=_POLL)
        except queue.Empty:
            now = time.monotonic()
            if stop_by is not None and (now >= stop_by or now - last >= _STOP_QUIET):
                return
            if not ticked and now - last >= quiet:
                ticked = True
                yield None
            continue
        if isinstance(item, BaseException):
            raise item
        if not item:
            return
        last, ticked = time.monotonic(), False
        yield item
