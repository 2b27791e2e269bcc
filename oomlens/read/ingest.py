"""Ingest: input bytes (plain, gzip, xz, zstd, journal JSON/export) → :class:`LogLine`.

Compression and journal formats are recognised by content, never by name. Damage
inside a compressed stream ends the stream with a diagnostic instead of an
exception, so a half-copied ``.gz`` still yields every line before the damage.
Every size is bounded (README "Limits"): a line, a journal record and field, the
expanded size of compressed input, the decoder's memory; one bad record costs
that record, with a diagnostic, never the file.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import BinaryIO, NamedTuple, Protocol

from oomlens.read.diagnostic import Diagnostic
from oomlens.read.dmesgjson import dmesg_json_lines, is_dmesg_json
from oomlens.read.live import stopping
from oomlens.read.mailbody import SoftBreaks, from_quoted_printable, looks_quoted_printable
from oomlens.read.prefixes import Prefix, strip_prefix
from oomlens.read.records import fused, late_start, pieces

__all__ = [
    "MAX_EXPANDED",
    "MAX_LINE",
    "MAX_RECORD",
    "Input",
    "InputError",
    "LogLine",
    "Prefix",
    "decode_line",
    "iter_lines",
    "open_input",
    "strip_prefix",
]

MAX_LINE = 65536  # bytes; a longer physical line is cut here and marked
# A kernel record is at most 1 KiB, so a journal record (JSON line or export entry)
# over 1 MiB is not a kernel message: it is skipped, never held.
MAX_RECORD = 1 << 20
# journalctl -o json writes a field as a string, a list of byte values, or a list of
# those (a field with several values): two levels of lists at most.
MAX_JSON_DEPTH = 2
# Expanded size of one compressed input (gzip/xz/zstd), raised with --max-expanded.
# journald keeps at most 4 GiB of journal by default (SystemMaxUse=), and the kernel
# ring buffer is far smaller, so no single real log expands past it; a bomb stops
# here after ~15 s instead of running for hours.
MAX_EXPANDED = 4 << 30
# Decoder memory: a zstd frame may ask for a window of up to 128 MiB (the limit
# `zstd -d` applies by default); an xz stream's dictionary the same (`xz -9` needs 64).
ZSTD_MAX_WINDOW = 1 << 27
XZ_MEMLIMIT = (1 << 27) + (1 << 23)
MAX_DIAGNOSTICS = 100  # per input; one more line says that the rest were left out
_MAX_REALTIME = 253402300800 * 10**6  # µs from 1970 to year 10000: datetime's range
_U64 = 1 << 64
_CHUNK = 1 << 16
_OUT_CHUNK = 1 << 20  # most decompressed bytes taken from one gzip/xz step
_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
_UNIT = {"gzip": "gzip member", "xz": "xz stream", "zstd": "zstd frame"}


class LogLine(NamedTuple):
    """One kernel message with every prefix removed, and what the prefix said.

    A named tuple rather than a frozen dataclass: one is built for every line read,
    and a tuple is built in a quarter of the time.
    """

    source: str  # display path ("<stdin>" for stdin)
    lineno: int  # 1-based physical line in the decompressed input; journal: record number
    text: str  # the message, prefixes removed, stripped
    timestamp: float | None = None  # seconds, from "[ 12.345]" or /dev/kmsg usec
    caller: str | None = None  # printk caller id "T123"/"C1"; Android context → "T<pid>"
    host: str | None = None  # syslog/journal host, verbatim
    prefix: str = ""  # exactly what was stripped, verbatim
    cut: bool = False  # the raw line was longer than MAX_LINE and was cut
    trailing_space: bool = False  # the raw line ended in a blank: a soft wrap if continued
    note: str | None = None  # what the reader could not use here ("time out of range")
    clock: str | None = None  # wall-clock date as printed (read/clock.py makes it a datetime)
    boot_id: str | None = None  # journal _BOOT_ID
    end: int | None = None  # the physical line its last wrapped piece was on (None: lineno)


class InputError(Exception):
    """The input cannot be read at all (missing, a directory, no permission); one line."""


@dataclass
class Input:
    """An opened input: plain text bytes, whatever the file held."""

    path: str  # display path
    stream: BinaryIO  # plain text: decompressed, journal records one per line
    # "plain" | "gzip" | "xz" | "zstd" (plus "+cr", "+quoted-printable"), "journal-json",
    # "journal-json-pretty", "journal-export", "dmesg-json"
    encoding: str
    size: int | None  # bytes on disk, None for stdin
    diagnostics: list[Diagnostic] = field(default_factory=list)  # appended while reading
    _closer: Callable[[], None] | None = field(default=None, repr=False)
    mtime: float | None = None  # a regular file's modification time (the year of syslog dates)
    live: bool = False  # a pipe, terminal, device or followed file: read as data arrives
    # A decoded line's number in the file as stored, where decoding joined lines
    # (quoted-printable soft breaks); None when every line is the file's own.
    physical_line: Callable[[int], int] | None = None

    @property
    def records(self) -> bool:
        """One kernel record a line, where an empty line stands for no kernel text (another
        program's journal record, a ``dmesg --json`` line other than ``msg``)."""
        return self.encoding.startswith("journal") or self.encoding == "dmesg-json"

    def close(self) -> None:
        """Close the underlying file (stdin is left open)."""
        if self._closer is not None:
            self._closer()
            self._closer = None

    def __enter__(self) -> Input:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- decoding one line --------------------------------------------------------------------

# CSI ("ESC [ ... final"), OSC ("ESC ] ... BEL|ST") and two-character escapes; a lone ESC
# left over is dropped after this.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])?")
# tmux's copy-mode position "[7/972]", copied at the right edge of the pane's top line.
_TMUX_POSITION = re.compile(r"\s{3,}\[\d+/\d+\]$")

# The entities a web page escapes in a pasted log; no kernel message prints them.
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#39|#x27);")
_HTML_CHAR = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "#39": "'", "#x27": "'"}


def _unescaped(m: re.Match[str]) -> str:
    return _HTML_CHAR[m.group(1)]


def decode_line(raw: bytes, lineno: int, source: str) -> list[LogLine]:
    """Decode one physical line into the kernel messages it holds (usually one)."""
    if raw[-1:] == b"\n":
        raw = raw[:-1]
    if raw[-1:] == b"\r":
        raw = raw[:-1]
    cut = len(raw) > MAX_LINE
    if cut:
        end = MAX_LINE
        # do not leave half a UTF-8 character at the cut
        while end > MAX_LINE - 3 and 0x80 <= raw[end] < 0xC0:
            end -= 1
        raw = raw[:end]
    text = raw.decode("utf-8", "replace")
    if text[:1] in ("\ufeff", "\x00"):  # a byte-order mark or NUL padding (an unclean stop)
        text = text.lstrip("\ufeff\x00")
    if "&" in text:  # a log copied out of a web page's source: "[&lt;ffffffff81686b13&gt;]"
        text = _HTML_ENTITY.sub(_unescaped, text)
    if "\x1b" in text:
        text = _ANSI.sub("", text).replace("\x1b", "")
    if "]" in text[-16:]:  # tmux's position, maybe with the pane's blanks after it
        tail = text.rstrip()
        if tail[-1:] == "]" and "/" in tail[-12:]:
            bare = _TMUX_POSITION.sub("", tail)
            text = bare if bare != tail else text
    if "#012" not in text and "\\x0a" not in text and "\n" not in text and not fused(text):
        body, p = _record_prefix(text)
        soft = text[-1:] in (" ", "\t")
        return [
            LogLine(
                source,
                lineno,
                body,
                p.timestamp,
                p.caller,
                p.host,
                p.prefix,
                cut,
                soft,
                p.note,
                p.clock,
                p.boot_id,
            )
        ]
    return _decode_pieces(text, lineno, source, cut)


def _record_prefix(text: str) -> tuple[str, Prefix]:
    """``strip_prefix``, where a program's output before a kernel record on a serial
    console (``records.late_start``) is that record's prefix, kept verbatim: never a line
    of its own a reader could glue onto the kernel line before it."""
    body, p = strip_prefix(text)
    late = late_start(text) if p.timestamp is None and p.clock is None else 0
    if late:
        body, p = strip_prefix(text[late:])
        p = p._replace(prefix=text[:late] + p.prefix)
    return body, p


def _decode_pieces(text: str, lineno: int, source: str, cut: bool) -> list[LogLine]:
    """The records of a line that holds more than one, each with its own prefix."""
    out = []
    first: Prefix | None = None
    for piece in pieces(text):
        body, p = _record_prefix(piece)
        if first is None:
            first = p
        # a continuation piece belongs to the same record: same time, caller, host and boot
        out.append(
            LogLine(
                source,
                lineno,
                body,
                p.timestamp if p.timestamp is not None else first.timestamp,
                p.caller or first.caller,
                p.host or first.host,
                p.prefix,
                cut,
                piece[-1:] in (" ", "\t"),
                p.note,
                p.clock or first.clock,
                p.boot_id or first.boot_id,
            )
        )
    return out


def iter_lines(inp: Input) -> Iterator[LogLine]:
    """Every message of ``inp``'s stream, via :func:`decode_line`; long lines are cut."""
    readline = inp.stream.readline
    lineno = 0
    while True:
        raw = readline(MAX_LINE + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > MAX_LINE and raw[-1:] != b"\n":
            while True:  # skip the rest of an over-long line without holding it
                more = readline(_CHUNK)
                if not more or more[-1:] == b"\n":
                    break
        yield from decode_line(raw, lineno, inp.path)


# --- opening ------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _diag(diags: list[Diagnostic], line: int, message: str) -> None:
    """Note a problem; past MAX_DIAGNOSTICS one last line says the rest were left out."""
    if len(diags) < MAX_DIAGNOSTICS:
        diags.append(Diagnostic(line, _one_line(message)))
    elif len(diags) == MAX_DIAGNOSTICS:
        diags.append(Diagnostic(line, "more problems from here on are not listed"))


def size_text(n: int) -> str:
    """Bytes as the --max-expanded flag takes them: ``4 GiB``, ``512 MiB``, ``1000 bytes``."""
    for shift, unit in ((40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


def open_input(
    path: str | os.PathLike[str] | None, max_expanded: int | None = None, follow: bool = False
) -> Input:
    """Open a file, or stdin for ``None``/``"-"``, as plain text bytes; raise InputError.

    ``max_expanded`` bounds the bytes a compressed input may expand to (default
    MAX_EXPANDED); past it reading stops with a diagnostic. ``follow`` reads a file
    like ``tail -F``: to its end, then what is appended, across truncation and
    rotation, without end. A pipe, terminal or device is ``live`` too: read as its
    data arrives, never waiting for its end.
    """
    mtime: float | None = None
    live = follow
    regular = False  # a regular file: the only kind --follow reopens and seeks
    if path is None or path == "-":
        display, size, closer = "<stdin>", None, None
        raw: BinaryIO | None = getattr(sys.stdin, "buffer", None)
        if raw is None:
            raise InputError("cannot read <stdin>: there is no standard input")
        try:
            st = os.fstat(raw.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass  # not a file descriptor (an in-memory stream)
        else:
            if stat.S_ISREG(st.st_mode):
                mtime = st.st_mtime
            else:
                live = True
    else:
        display = os.fspath(path)
        try:
            raw = open(display, "rb")  # closed by Input.close
        except OSError as e:
            reason = e.strerror or type(e).__name__
            raise InputError(_one_line(f"cannot read {display}: {reason}")) from None
        st = os.fstat(raw.fileno())
        regular = stat.S_ISREG(st.st_mode)
        size = st.st_size if regular and not follow else None
        mtime = st.st_mtime if regular and not follow else None
        live = live or not regular
        closer = raw.close
    diags: list[Diagnostic] = []
    counter = _LineCounter()
    if follow and regular:
        # a named pipe or a device is read as it comes, like stdin: there is no file to
        # reopen or seek, and its end is the writer's
        followed = _Followed(display, raw)
        closer = followed.close
        chunks = followed.chunks(diags, counter)
    else:
        chunks = _read_chunks(raw, diags, counter)
    head, chunks = _peek(chunks, 6)
    encoding = "plain"
    qp_lines: SoftBreaks | None = None
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            encoding = kind
            counter.raw, counter.lines = False, 0
            limit = MAX_EXPANDED if max_expanded is None else max_expanded
            chunks = _decompress(chunks, kind, diags, counter, limit)
            break
    head, chunks = _peek(chunks, 64)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        if head[2:].count(b"\x00") * 3 >= len(head) - 2:  # a UTF-16 text (saved on Windows)
            encoding = "utf-16" if encoding == "plain" else f"{encoding}+utf-16"
            counter.raw, counter.lines = False, 0
            chunks = _from_utf16(chunks, counter)
        else:  # a UTF-16 mark before 8-bit text: the mark is not the log's
            chunks = _dropped(chunks, 2)
    elif head.startswith(b"\xef\xbb\xbf"):  # UTF-8's byte-order mark (Windows editors)
        chunks = _dropped(chunks, 3)
    if not live and not follow:  # a whole input: peeking at its first 64 KiB never waits
        head, chunks = _peek(chunks, _CHUNK)
        if b"\n" not in head and head.count(b"\r") > 1:  # CR alone ends lines (old Mac, serial)
            encoding = "cr" if encoding == "plain" else f"{encoding}+cr"
            chunks = (chunk.replace(b"\r", b"\n") for chunk in chunks)
        elif looks_quoted_printable(head):  # a mail body as stored: "=3D", "=" line breaks
            encoding = "quoted-printable" if encoding == "plain" else f"{encoding}+quoted-printable"
            counter.raw, counter.lines = False, 0
            qp_lines = SoftBreaks(lambda line, note: _diag(diags, line, note))
            chunks = from_quoted_printable(chunks, counter, qp_lines, MAX_LINE)
    reader = io.BufferedReader(_ChunkStream(chunks), _CHUNK)
    first = reader.readline(MAX_LINE)
    journal = _journal_kind(first, lambda: reader.peek(1))
    dmesg_json = journal is None and is_dmesg_json(first, lambda: reader.peek(1))
    body = io.BufferedReader(_ChunkStream(_prepend(first, reader)), _CHUNK)
    stream = body
    if dmesg_json:
        encoding = "dmesg-json"
        lines = dmesg_json_lines(body, lambda n, why: _diag(diags, n, why), MAX_LINE)
        stream = io.BufferedReader(_ChunkStream(lines), _CHUNK)
    elif journal is not None:
        encoding = journal
        if journal == "journal-json":
            records = _json_records(body, diags)
        elif journal == "journal-json-pretty":
            records = _json_records(_PrettyObjects(body), diags)
        else:
            records = _export_records(body, diags)
        stream = io.BufferedReader(_ChunkStream(records), _CHUNK)
    physical = qp_lines.physical if qp_lines is not None else None
    return Input(
        display,
        stream,
        encoding,
        size,
        diags,
        closer,
        mtime=mtime,
        live=live,
        physical_line=physical,
    )


FOLLOW_POLL = 0.25  # seconds between looks at a followed file that has no new data
FOLLOW_HEAD = 64  # bytes of a followed file's start kept to tell a rewrite from an append


class _Followed:
    """A file read like ``tail -F``: its bytes, then whatever is appended, without end."""

    def __init__(self, path: str, f: BinaryIO) -> None:
        self.path = path
        self.f = f

    def close(self) -> None:
        self.f.close()

    def chunks(self, diags: list[Diagnostic], counter: _LineCounter) -> Iterator[bytes]:
        """New bytes as they are written; a truncated or replaced file is read from its start."""
        pos = 0
        last = b"\n"
        head = b""  # the file's first bytes as read: another head means it was rewritten
        while True:
            try:
                chunk = self.f.read(_CHUNK)
            except OSError as e:
                msg = f"read error after {pos} bytes: {e.strerror or e}; following stopped"
                _diag(diags, counter.lines + 1, msg)
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
                _diag(
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


def _from_utf16(chunks: Iterator[bytes], counter: _LineCounter) -> Iterator[bytes]:
    """UTF-16 (its byte-order mark says which end first) re-encoded as UTF-8, chunk by chunk."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    for chunk in chunks:
        out = decoder.decode(chunk).encode("utf-8", "surrogateescape")
        counter.lines += out.count(b"\n")
        if out:
            yield out
    tail = decoder.decode(b"", final=True).encode("utf-8", "surrogateescape")
    if tail:
        yield tail


class _LineCounter:
    """Newlines seen so far, so a diagnostic can name the line where damage starts."""

    __slots__ = ("lines", "raw")

    def __init__(self) -> None:
        self.lines = 0
        self.raw = True  # count the file's own newlines (False once decompressing)


class _ChunkStream(io.RawIOBase):
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


def _prepend(head: bytes, reader: _Buffered) -> Iterator[bytes]:
    if head:
        yield head
    while chunk := reader.read1(_CHUNK):
        yield chunk


def _dropped(chunks: Iterator[bytes], n: int) -> Iterator[bytes]:
    """The stream less its first ``n`` bytes."""
    for chunk in chunks:
        if n:
            chunk, n = chunk[n:], max(0, n - len(chunk))
        if chunk:
            yield chunk


def _peek(chunks: Iterator[bytes], n: int) -> tuple[bytes, Iterator[bytes]]:
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


def _read_chunks(f: BinaryIO, diags: list[Diagnostic], counter: _LineCounter) -> Iterator[bytes]:
    """The file's bytes; a read error ends them with a diagnostic, never an exception."""
    read = getattr(f, "read1", f.read)
    total = 0
    while True:
        try:
            chunk = read(_CHUNK)
        except OSError as e:
            msg = f"read error after {total} bytes: {e.strerror or e}; the rest is lost"
            _diag(diags, counter.lines + 1, msg)
            return
        if not chunk:
            return
        total += len(chunk)
        if counter.raw:
            counter.lines += chunk.count(b"\n")
        yield chunk


class _Buffered(Protocol):
    """The buffered reader over decoded chunks, as the record readers use it."""

    def read(self, size: int = -1, /) -> bytes: ...

    def read1(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int | None = -1, /) -> bytes: ...


class _Decoder(Protocol):
    """What ``_decompress`` asks of one member's decoder."""

    errors: tuple[type[Exception], ...]

    def feed(self, data: bytes) -> Iterator[bytes]: ...

    @property
    def eof(self) -> bool: ...

    @property
    def unused(self) -> bytes: ...


class _Inflate:
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

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused(self) -> bytes:
        return self._d.unused_data


class _Unxz:
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

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused(self) -> bytes:
        return self._d.unused_data


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


def _decompress(
    chunks: Iterator[bytes],
    kind: str,
    diags: list[Diagnostic],
    counter: _LineCounter,
    limit: int = MAX_EXPANDED,
) -> Iterator[bytes]:
    """Decompress concatenated members/streams/frames; damage ends the output quietly.

    At most ``limit`` bytes come out in all; past that reading stops with a diagnostic.
    """
    magic = next(m for m, k in _MAGIC.items() if k == kind)
    make = _DECODERS[kind]
    try:
        dec = make()
    except ImportError as e:
        _diag(diags, 1, f"cannot read {kind} input: {e}")
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
                    _diag(diags, counter.lines + 1, msg + "; ignored")
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
                        _diag(diags, counter.lines + 1, msg)
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
                _diag(diags, counter.lines + 1, msg)
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
        _diag(diags, counter.lines + 1, msg)
    elif between.strip(b"\0"):
        msg = f"{len(between)} bytes after the last {_UNIT[kind]} are not {kind} data; ignored"
        _diag(diags, counter.lines + 1, msg)


# --- journal ------------------------------------------------------------------------------

_EXPORT_FIRST = re.compile(rb"(?:_{1,2}[A-Z0-9][A-Z0-9_]*|MESSAGE)[=\n]")
_EXPORT_NEXT = re.compile(rb"\n|[A-Z_][A-Z0-9_]*[=\n]")  # a field, or the record's end
_JOURNAL_KEYS = (b'"MESSAGE"', b'"__CURSOR"', b'"__REALTIME_TIMESTAMP"')
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_BOOT_ID = re.compile(r"[0-9a-f]{32}")


def _journal_kind(first: bytes, ahead: Callable[[], bytes] = bytes) -> str | None:
    """Tell ``journalctl -o json`` / ``-o export`` from plain text by the first line.

    ``ahead``: what follows it, as far as it is buffered. A text field first (``KEY=value``)
    is an export only if the next line is another field or the blank that ends the record:
    a log whose first line merely starts ``_BOOT_ID=`` is text.
    """
    if first.lstrip(b" \t\x1e")[:1] == b"{" and any(k in first for k in _JOURNAL_KEYS):
        return "journal-json"  # -o json, or -o json-seq (each object after an RS)
    if first.strip() == b"{":
        nxt = ahead()
        if nxt.lstrip()[:1] == b'"' and any(k in nxt[:4096] for k in _JOURNAL_KEYS):
            return "journal-json-pretty"
    m = _EXPORT_FIRST.match(first)
    if m is None:
        return None
    if m.group(0).endswith(b"=") and first.endswith(b"\n"):
        nxt = ahead()
        if b"\n" in nxt and not _EXPORT_NEXT.match(nxt):
            return None
    return "journal-export"


def _number(text: str | None, below: int) -> int | None:
    """An ASCII decimal under ``below``; None for anything else ("²", 30 digits, "-1")."""
    if not text or len(text) > 20 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value < below else None


def _record_line(fields: dict[str, list[bytes]], diags: list[Diagnostic], record: int) -> bytes:
    """One journal record as one text line, shaped like ``journalctl -o short-iso-precise``.

    Kernel records become ``<realtime> <host> kernel: _BOOT_ID=<id> [<monotonic>] <message>``
    with whatever of these the record holds, so the usual prefix rules read the time, host,
    boot and printk time back; another program's record becomes an empty line. Newlines
    inside MESSAGE are written as the kernel's ``\\x0a`` and split again on decoding.
    A time stamp no journal can hold is left out, with a diagnostic.
    """
    lines = (v.replace(b"\r\n", b"\n").rstrip(b"\n") for v in fields["MESSAGE"])
    message = b"\\x0a".join(lines).replace(b"\n", b"\\x0a")

    def one(key: str) -> str | None:
        values = fields.get(key)
        return values[0][:MAX_LINE].decode("utf-8", "replace") if values else None

    def stamp(key: str, below: int) -> int | None:
        text = one(key)
        value = _number(text, below)
        if text is not None and value is None:
            shown = text if len(text) <= 24 else f"{text[:20]}… ({len(text)} characters)"
            _diag(diags, record, f"journal record has {key}={shown}, not a time; left out")
        return value

    ident = one("SYSLOG_IDENTIFIER")
    # klogd through /dev/log (_TRANSPORT=syslog) and a collector's omjournal (=journal)
    # keep the kernel's identifier: it says kernel record, whatever the transport
    if one("_TRANSPORT") == "kernel" or ident == "kernel":
        head = ""
        realtime, host = stamp("__REALTIME_TIMESTAMP", _MAX_REALTIME), one("_HOSTNAME")
        if realtime is not None:
            when = _EPOCH + timedelta(microseconds=realtime)
            head = when.isoformat(timespec="microseconds") + " "
            head += f"{host} kernel: " if _plain_host(host) else "kernel: "
        boot = one("_BOOT_ID")
        if boot and _BOOT_ID.fullmatch(boot):
            head += f"_BOOT_ID={boot} "
        # the kernel's own printk time; journald's receipt time when the record lacks it
        usec = stamp("_SOURCE_MONOTONIC_TIMESTAMP", _U64)
        if usec is None:
            usec = stamp("__MONOTONIC_TIMESTAMP", _U64)
        if usec is not None:
            head += f"[{usec // 1000000:5d}.{usec % 1000000:06d}] "
        return head.encode() + message + b"\n"
    if ident or one("_TRANSPORT") is not None:
        # another program's record, which journald interleaves with the kernel's: an
        # empty line (its number kept). No report holds another program's text, and
        # written out it could be glued onto the kernel line before it, or read as a
        # trigger ("foo invoked oom-killer: ..." logged by any program)
        return b"\n"
    return message + b"\n"  # no transport, no identifier: read as the kernel's


def _plain_host(host: str | None) -> bool:
    """A host name a prefix can carry: printable, no blank (sethostname(2) takes any bytes)."""
    return bool(host) and host.isprintable() and not any(c.isspace() for c in host)  # type: ignore[union-attr]


def _json_value(value: object, depth: int = 0) -> list[bytes] | None:
    """A JSON journal field: a string, a list of byte values, or a list of either.

    Each value keeps at most MAX_LINE + 1 bytes (its line is cut and marked later);
    lists nested deeper than a journal writes them are not a field (None).
    """
    if isinstance(value, str):
        return [value[: MAX_LINE + 1].encode("utf-8", "surrogatepass")]
    if isinstance(value, list) and depth < MAX_JSON_DEPTH:
        if all(isinstance(b, int) and 0 <= b < 256 for b in value):
            return [bytes(value[: MAX_LINE + 1])]
        out: list[bytes] = []
        for item in value:
            got = _json_value(item, depth + 1)
            if got is None:
                return None
            out += got
        return out
    return None  # null (journalctl left out a field over 4096 bytes), or not a field


def _skip_line(body: _Buffered | _PrettyObjects) -> None:
    """Read past the rest of an over-long line without holding it."""
    while True:
        more = body.readline(_CHUNK)
        if not more or more.endswith(b"\n"):
            return


class _PrettyObjects:
    """``journalctl -o json-pretty`` read as ``-o json``: each record's lines, from its "{"
    to the "}" that closes it at a line's start, joined into one line.

    A record over ``size`` bytes comes back cut, without its newline (as an over-long
    ``-o json`` line does), and the next read gives the newline that ends it.
    """

    def __init__(self, body: _Buffered) -> None:
        self._body = body
        self._owed_end = False

    def readline(self, size: int = -1) -> bytes:
        """The next record as one line (``size``: the most kept of it)."""
        if self._owed_end:
            self._owed_end = False
            return b"\n"
        parts: list[bytes] = []
        kept = 0
        while True:
            line = self._body.readline(MAX_RECORD + 1)
            if not line:
                break  # the input ends inside a record: what there is, as it stands
            text = line.rstrip(b"\r\n")
            if 0 <= size < kept:
                pass  # over the bound: read on to the record's end without holding it
            else:
                parts.append(text)
                kept += len(text) + 1
            if text == b"}" and line.endswith(b"\n"):
                break
        joined = b" ".join(parts)
        if 0 <= size < len(joined):
            self._owed_end = True
            return joined[: size + 1]
        return joined + b"\n" if joined else b""


def _json_records(body: _Buffered | _PrettyObjects, diags: list[Diagnostic]) -> Iterator[bytes]:
    """``journalctl -o json``: one object a line → one text line a record.

    A record over MAX_RECORD bytes, or nested deeper than a journal writes, is
    skipped with a diagnostic; the records around it are read as usual.
    """
    record = 0
    while True:
        line = body.readline(MAX_RECORD + 1)
        if not line:
            return
        if not line.strip():
            continue
        record += 1
        if len(line) > MAX_RECORD and not line.endswith(b"\n"):
            _skip_line(body)
            _diag(diags, record, f"journal record is over {size_text(MAX_RECORD)}; skipped")
            yield b"\n"  # an empty line in its place: later records keep their numbers
            continue
        try:
            obj = json.loads(line.lstrip(b"\x1e"))  # -o json-seq puts an RS before each
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except RecursionError:
            _diag(diags, record, "journal record nests lists deeper than a journal does; skipped")
            yield b"\n"
            continue
        except ValueError as e:
            _diag(diags, record, f"journal record is not valid JSON: {e}")
            yield line.rstrip(b"\r\n") + b"\n"
            continue
        fields: dict[str, list[bytes]] = {}
        for key, value in obj.items():
            got = _json_value(value)
            if got:
                fields[key] = got
            elif value is not None and got is None:
                _diag(diags, record, f"journal field {key[:40]} is not a string or bytes; left out")
        if "MESSAGE" not in fields:
            if "MESSAGE" not in obj:
                _diag(diags, record, "journal record has no MESSAGE")
            elif obj["MESSAGE"] is None:
                why = "null (over 4096 bytes; journalctl --all keeps it)"
                _diag(diags, record, f"journal record has {why} MESSAGE")
            fields["MESSAGE"] = [b""]
        yield _record_line(fields, diags, record)


def _export_records(body: _Buffered, diags: list[Diagnostic]) -> Iterator[bytes]:
    """``journalctl -o export``: KEY=value lines, binary fields sized, blank line ends one.

    A field keeps at most MAX_LINE + 1 bytes (its line is cut and marked later); the
    rest of a longer one is read past without being held.
    """
    fields: dict[str, list[bytes]] = {}
    record = 1
    while True:
        line = body.readline(MAX_RECORD + 1)
        if line.endswith(b"\r\n"):  # an export that went through a CRLF converter
            line = line[:-2] + b"\n"
        if not line or line == b"\n":
            if fields:
                fields.setdefault("MESSAGE", [b""])
                yield _record_line(fields, diags, record)
                record += 1
                fields = {}
            if not line:
                return
            continue
        if len(line) > MAX_RECORD and not line.endswith(b"\n"):
            _skip_line(body)
            line = line[: MAX_LINE + 1] + b"\n"
        if not line.endswith(b"\n"):
            _diag(diags, record, "journal export ends inside a field")
            line += b"\n"
        key, eq, value = line[:-1].partition(b"=")
        if not eq:  # binary field: KEY\n, 64-bit little-endian size, data, \n
            size_bytes = body.read(8)
            size = int.from_bytes(size_bytes, "little") if len(size_bytes) == 8 else -1
            value = body.read(min(max(size, 0), MAX_LINE + 1))
            left = size - len(value)
            while left > 0 and (skipped := len(body.read(min(left, _CHUNK)))):
                left -= skipped
            end = body.read(1)
            if end == b"\r":  # an export through a CRLF converter
                end = body.read(1)
            if size < 0 or left or end != b"\n":
                _diag(diags, record, "journal export binary field is cut or damaged")
                if fields:
                    fields.setdefault("MESSAGE", [b""])
                    yield _record_line(fields, diags, record)
                return
        fields.setdefault(key[:200].decode("ascii", "replace"), []).append(value[: MAX_LINE + 1])
