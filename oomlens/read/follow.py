"""``--follow``: a file read like ``tail -F``, across truncation, rotation and rewrites."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import BinaryIO

from oomlens.read.chunks import CHUNK, LineCounter, diagnose
from oomlens.read.diagnostic import Diagnostic
from oomlens.read.live import stopping

FOLLOW_POLL = 0.25  # seconds between looks at a followed file that has no new data
FOLLOW_HEAD = 64  # bytes of a followed file's start kept to tell a rewrite from an append


class Followed:
    """A file read like ``tail -F``: its bytes, then whatever is appended, without end."""

    def __init__(self, path: str, f: BinaryIO) -> None:
        self.path = path
        self.f = f

    def close(self) -> None:
        self.f.close()

    def chunks(self, diags: list[Diagnostic], counter: LineCounter) -> Iterator[bytes]:
        """New bytes as they are written; a truncated or replaced file is read from its start."""
        pos = 0
        last = b"\n"
        head = b""  # the file's first bytes as read: another head means it was rewritten
        while True:
            try:
                chunk = self.f.read(CHUNK)
            except OSError as e:
                msg = f"read error after {pos} bytes: {e.strerror or e}; following stopped"
                diagnose(diags, counter.lines + 1, msg)
                return
            if chunk:
                if len(head) < FOLLOW_HEAD:
                    head += chunk[: FOLLOW_HEAD - len(head)]
                pos += len(chunk)
                counter.lines += chunk.count(b"\n")
                last = chunk[-1:]
                yield chunk
                continue
            if stopping():
                return
            time.sleep(FOLLOW_POLL)
            try:
                now = os.stat(self.path)
                here = os.fstat(self.f.fileno())
            except OSError:
                continue  # moved away and not yet recreated: keep reading the old one
            if (now.st_ino, now.st_dev) != (here.st_ino, here.st_dev):
                try:
                    new = open(self.path, "rb")
                except OSError:
                    continue
                self.f.close()
                self.f, pos = new, 0
            elif now.st_size < pos:
                self.f.seek(0)
                pos = 0
            elif now.st_size >= pos and head and _rewritten(_head_of(self.f, len(head)), head):
                # truncated and written up to or past the old end between two polls
                # (copytruncate and a burst of writes): the size alone says "appended" or
                # "unchanged", the first bytes say another file
                diagnose(
                    diags, counter.lines + 1, "file rewritten while followed; read from its start"
                )
                self.f.seek(0)
                pos = 0
            else:
                continue
            head = b""
            if last != b"\n":  # the old file's unfinished line ends here
                last = b"\n"
                yield b"\n"


def _rewritten(now: bytes | None, head: bytes) -> bool:
    """The file's first bytes ``now`` are another file's than the ``head`` read before.

    NULs are no other file's: copytruncate under a writer without O_APPEND leaves a hole
    up to the writer's offset, and what follows the hole is read from where reading was.
    """
    return now is not None and now != head and now.strip(b"\x00") != b""


def _head_of(f: BinaryIO, n: int) -> bytes | None:
    """The first ``n`` bytes of the open file ``f`` as they are now (its offset kept)."""
    try:
        return os.pread(f.fileno(), n, 0)
    except OSError:
        return None
