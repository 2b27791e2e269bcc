"""Byte chunks between a file and the line reader: the chunk streams, the newline
counter and the capped diagnostics every reader of an input shares."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from oomlens.read.diagnostic import Diagnostic

CHUNK = 1 << 16
MAX_DIAGNOSTICS = 100  # per input; one more line says that the rest were left out


def one_line(text: str) -> str:
    """``text`` on one line: its CR and LF written as ``\\r`` and ``\\n``."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def diagnose(diags: list[Diagnostic], line: int, message: str) -> None:
    """Note a problem; past MAX_DIAGNOSTICS one last line says the rest were left out."""
    if len(diags) < MAX_DIAGNOSTICS:
        diags.append(Diagnostic(line, one_line(message)))
    elif len(diags) == MAX_DIAGNOSTICS:
        diags.append(Diagnostic(line, "more problems from here on are not listed"))


def size_text(n: int) -> str:
    """Bytes as the --max-expanded flag takes them: ``4 GiB``, ``512 MiB``, ``1000 bytes``."""
    for shift, unit in ((40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


class LineCounter:
    """Newlines seen so far, so a diagnostic can name the line where damage starts."""

    __slots__ = ("lines", "raw")

    def __init__(self) -> None:
        self.lines = 0
        self.raw = True  # count the file's own newlines (False once decompressing)


class ChunkStream(io.RawIOBase):
    """A readable raw stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buf:
            chunk = next(self._it, None)
            if chunk is None:
                return 0
            self._buf = memoryview(chunk)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def prepend(head: bytes, reader: Buffered) -> Iterator[bytes]:
    """``head``, then the rest of ``reader``, chunk by chunk."""
    if head:
        yield head
    while chunk := reader.read1(CHUNK):
        yield chunk


def dropped(chunks: Iterator[bytes], n: int) -> Iterator[bytes]:
    """The stream less its first ``n`` bytes."""
    for chunk in chunks:
        if n:
            chunk, n = chunk[n:], max(0, n - len(chunk))
        if chunk:
            yield chunk


def peek(chunks: Iterator[bytes], n: int) -> tuple[bytes, Iterator[bytes]]:
    """The first ``n`` bytes (fewer at EOF) and an iterator that still yields them."""
    got: list[bytes] = []
    size = 0
    for chunk in chunks:
        got.append(chunk)
        size += len(chunk)
        if size >= n:
            break
    head = b"".join(got)

    def again() -> Iterator[bytes]:
        if head:
            yield head
        yield from chunks

    return head[:n], again()


def read_chunks(f: BinaryIO, diags: list[Diagnostic], counter: LineCounter) -> Iterator[bytes]:
    """The file's bytes; a read error ends them with a diagnostic, never an exception."""
    read = getattr(f, "read1", f.read)
    total = 0
    while True:
        try:
            chunk = read(CHUNK)
        except OSError as e:
            msg = f"read error after {total} bytes: {e.strerror or e}; the rest is lost"
            diagnose(diags, counter.lines + 1, msg)
            return
        if not chunk:
            return
        total += len(chunk)
        if counter.raw:
            counter.lines += chunk.count(b"\n")
        yield chunk


class Buffered(Protocol):
    """The buffered reader over decoded chunks, as the record readers use it."""

    def read(self, size: int = -1, /) -> bytes: ...

    def read1(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int | None = -1, /) -> bytes: ...
