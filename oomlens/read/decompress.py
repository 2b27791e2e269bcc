"""gzip, xz and zstd inputs, recognised by their magic bytes and decoded chunk by chunk,
every output step and the whole expansion bounded (README "Limits")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from oomlens.read.chunks import LineCounter, diagnose, size_text
from oomlens.read.diagnostic import Diagnostic

# Expanded size of one compressed input (gzip/xz/zstd), raised with --max-expanded.
# journald keeps at most 4 GiB of journal by default (SystemMaxUse=), and the kernel
# ring buffer is far smaller, so no single real log expands past it; a bomb stops
# here after ~15 s instead of running for hours.
MAX_EXPANDED = 4 << 30
# Decoder memory: a zstd frame may ask for a window of up to 128 MiB (the limit
# `zstd -d` applies by default); an xz stream's dictionary the same (`xz -9` needs 64).
ZSTD_MAX_WINDOW = 1 << 27
XZ_MEMLIMIT = (1 << 27) + (1 << 23)
_OUT_CHUNK = 1 << 20  # most decompressed bytes taken from one gzip/xz step
MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
_UNIT = {"gzip": "gzip member", "xz": "xz stream", "zstd": "zstd frame"}


class _Decoder(Protocol):
    """What ``decompress`` asks of one member's decoder."""

    errors: tuple[type[Exception], ...]

    def feed(self, data: bytes) -> Iterator[bytes]: ...

    @property
    def eof(self) -> bool: ...

    @property
    def unused(self) -> bytes: ...


class _Stdlib:
    """What zlib's and lzma's decompressor objects say alike: the end, and what follows it."""

    _d: Any

    @property
    def eof(self) -> bool:
        return bool(self._d.eof)

    @property
    def unused(self) -> bytes:
        return bytes(self._d.unused_data)


class _Inflate(_Stdlib):
    """One gzip member, zlib-backed, with bounded output per step."""

    def __init__(self) -> None:
        import zlib

        self._d = zlib.decompressobj(31)
        self.errors: tuple[type[Exception], ...] = (zlib.error,)

    def feed(self, data: bytes) -> Iterator[bytes]:
        d = self._d
        while True:
            out = d.decompress(data, _OUT_CHUNK)
            if out:
                yield out
            data = d.unconsumed_tail
            if d.eof or (not data and not out):
                return


class _Unxz(_Stdlib):
    """One xz stream, lzma-backed, with bounded output per step and bounded memory."""

    def __init__(self) -> None:
        import lzma

        self._d = lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=XZ_MEMLIMIT)
        self.errors: tuple[type[Exception], ...] = (lzma.LZMAError, EOFError)

    def feed(self, data: bytes) -> Iterator[bytes]:
        d = self._d
        out = d.decompress(data, _OUT_CHUNK)
        if out:
            yield out
        while not d.eof and not d.needs_input:
            out = d.decompress(b"", _OUT_CHUNK)
            if out:
                yield out


class _Unzstd:
    """One zstd frame, fed one block at a time so no step expands past a block (128 KiB).

    ``zstandard`` cannot bound one call's output, and 4 KiB of a zstd bomb holds
    ~1,000 RLE blocks of 128 KiB each; so the frame header and each block header
    (RFC 8878, section 3.1.1) are read here and the decoder gets at most one block per call.
    ``zstandard`` is imported only when a zstd input is seen.
    """

    def __init__(self) -> None:
        import zstandard

        self._d = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW).decompressobj()
        self._error = zstandard.ZstdError
        self.errors: tuple[type[Exception], ...] = (zstandard.ZstdError,)
        self.unused = b""
        self._head = b""  # header bytes not yet complete
        self._left = 0  # bytes of the current unit still to hand the decoder
        self._state = "frame"  # what the next unit is: "frame" | "block" | "end"
        self._checksum = 0  # bytes of content checksum after the last block
        self._done = False

    def _unit(self, head: bytes) -> int | None:
        """The size of the unit starting with ``head``; None until enough bytes are there."""
        if self._state == "frame":
            if len(head) < 5:
                return None
            fhd = head[4]
            single = fhd & 0x20
            self._checksum = 4 if fhd & 0x04 else 0
            fcs = (1 if single else 0, 2, 4, 8)[fhd >> 6]
            return 5 + (0 if single else 1) + (0, 1, 2, 4)[fhd & 3] + fcs
        if len(head) < 3:
            return None
        word = int.from_bytes(head[:3], "little")
        kind, size = (word >> 1) & 3, word >> 3
        if word & 1:  # last block: the checksum, if any, follows it
            self._state = "end"
        return 3 + (1 if kind == 1 else size)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._head:  # a header split across chunks: its first bytes were held back
            data, self._head = self._head + data, b""
        pos, end = 0, len(data)
        while pos < end and not self._done:
            if self._left == 0:
                if self._state == "end":
                    if not self._checksum:
                        self._done = True
                        break
                    self._left, self._checksum = self._checksum, 0
                else:
                    size = self._unit(data[pos : pos + 8])
                    if size is None:
                        self._head, pos = data[pos:], end
                        break
                    self._left = size
                    if self._state == "frame":
                        self._state = "block"
            piece = data[pos : pos + self._left]
            pos += len(piece)
            self._left -= len(piece)
            out = self._d.decompress(piece)
            if out:
                yield out
        if self._left == 0 and self._state == "end" and not self._checksum:
            self._done = True
        if self._done:
            if not self._d.eof:
                raise self._error("a frame's blocks end where the decoder does not")
            self.unused = data[pos:]

    @property
    def eof(self) -> bool:
        return self._done


_DECODERS: dict[str, Callable[[], _Decoder]] = {"gzip": _Inflate, "xz": _Unxz, "zstd": _Unzstd}


def decompress(
    chunks: Iterator[bytes],
    kind: str,
    diags: list[Diagnostic],
    counter: LineCounter,
    limit: int = MAX_EXPANDED,
) -> Iterator[bytes]:
    """Decompress concatenated members/streams/frames; damage ends the output quietly.

    At most ``limit`` bytes come out in all; past that reading stops with a diagnostic.
    """
    magic = next(m for m, k in MAGIC.items() if k == kind)
    make = _DECODERS[kind]
    try:
        dec = make()
    except ImportError as e:
        diagnose(diags, 1, f"cannot read {kind} input: {e}")
        return
    used = 0  # compressed bytes handed to finished decoders, for messages
    fed = 0
    expanded = 0
    between = b""  # bytes after a finished member, before the next magic
    active = True
    for chunk in chunks:
        data = chunk
        while data:
            if not active:
                between += data
                data = b""
                rest = between.lstrip(b"\0")  # xz/zstd pad with zero bytes
                if len(rest) < len(magic):
                    break
                if not rest.startswith(magic):
                    msg = f"{len(between)} bytes after the last {_UNIT[kind]} are not {kind} data"
                    diagnose(diags, counter.lines + 1, msg + "; ignored")
                    return
                used += len(between) - len(rest)
                data, between, dec, fed, active = rest, b"", make(), 0, True
            try:
                for out in dec.feed(data):
                    if expanded + len(out) > limit:
                        out = out[: limit - expanded]
                        counter.lines += out.count(b"\n")
                        yield out
                        msg = (
                            f"{kind} input expands past {size_text(limit)}; the rest is not "
                            "read (--max-expanded SIZE raises the limit)"
                        )
                        diagnose(diags, counter.lines + 1, msg)
                        return
                    expanded += len(out)
                    counter.lines += out.count(b"\n")
                    yield out
            except dec.errors as e:
                if "memory" in str(e).lower():
                    need = size_text(ZSTD_MAX_WINDOW if kind == "zstd" else XZ_MEMLIMIT)
                    msg = (
                        f"{kind} data needs more than {need} of memory to decode "
                        f"(at {used + fed} bytes); reading stopped"
                    )
                else:
                    msg = f"{kind} data is corrupt after {used + fed} bytes ({e}); reading stopped"
                diagnose(diags, counter.lines + 1, msg)
                return
            if dec.eof:
                tail = dec.unused
                fed_here = len(data) - len(tail)
                used += fed + fed_here
                fed, data, active = 0, tail, False
            else:
                fed += len(data)
                data = b""
    if active:
        msg = f"input ends inside a {_UNIT[kind]} after {used + fed} bytes"
        diagnose(diags, counter.lines + 1, msg)
    elif between.strip(b"\0"):
        msg = f"{len(between)} bytes after the last {_UNIT[kind]} are not {kind} data; ignored"
        diagnose(diags, counter.lines + 1, msg)
