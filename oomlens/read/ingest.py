"""Ingest: input bytes (plain, gzip, xz, zstd, journal JSON/export) → :class:`LogLine`.

Compression and journal formats are recognised by content, never by name. Damage
inside a compressed stream ends the stream with a diagnostic instead of an
exception, so a half-copied ``.gz`` still yields every line before the damage.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import BinaryIO

from oomlens.read.diagnostic import Diagnostic
from oomlens.read.prefixes import Prefix, strip_prefix

__all__ = [
    "MAX_LINE",
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
_CHUNK = 1 << 16
_OUT_CHUNK = 1 << 20  # most decompressed bytes taken from one gzip/xz step
_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
_UNIT = {"gzip": "gzip member", "xz": "xz stream", "zstd": "zstd frame"}


@dataclass(frozen=True, slots=True)
class LogLine:
    """One kernel message with every prefix removed, and what the prefix said."""

    source: str  # display path ("<stdin>" for stdin)
    lineno: int  # 1-based physical line in the decompressed input; journal: record number
    text: str  # the message, prefixes removed, stripped
    timestamp: float | None = None  # seconds, from "[ 12.345]" or /dev/kmsg usec
    caller: str | None = None  # printk caller id "T123"/"C1"; Android context → "T<pid>"
    host: str | None = None  # syslog/journal host, verbatim
    prefix: str = ""  # exactly what was stripped, verbatim
    cut: bool = False  # the raw line was longer than MAX_LINE and was cut
    trailing_space: bool = False  # the raw line ended in a blank: a soft wrap if continued


class InputError(Exception):
    """The input cannot be read at all (missing, a directory, no permission); one line."""


@dataclass
class Input:
    """An opened input: plain text bytes, whatever the file held."""

    path: str  # display path
    stream: BinaryIO  # plain text: decompressed, journal records one per line
    encoding: str  # "plain" | "gzip" | "xz" | "zstd" | "journal-json" | "journal-export"
    size: int | None  # bytes on disk, None for stdin
    diagnostics: list[Diagnostic] = field(default_factory=list)  # appended while reading
    _closer: Callable[[], None] | None = field(default=None, repr=False)

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
# rsyslog's "#012" and the kernel's "\x0a" stand for a newline inside one record.
_SPLIT = re.compile(r"#012|\\x0a|\n")


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
    if "\x1b" in text:
        text = _ANSI.sub("", text).replace("\x1b", "")
    if "#012" not in text and "\\x0a" not in text and "\n" not in text:
        body, p = strip_prefix(text)
        soft = text[-1:] in (" ", "\t")
        return [LogLine(source, lineno, body, p.timestamp, p.caller, p.host, p.prefix, cut, soft)]
    out = []
    first: Prefix | None = None
    for piece in _SPLIT.split(text):
        body, p = strip_prefix(piece)
        if first is None:
            first = p
        # a continuation piece belongs to the same record: same time, caller and host
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


def open_input(path: str | os.PathLike[str] | None) -> Input:
    """Open a file, or stdin for ``None``/``"-"``, as plain text bytes; raise InputError."""
    if path is None or path == "-":
        display, size, closer = "<stdin>", None, None
        raw: BinaryIO | None = getattr(sys.stdin, "buffer", None)
        if raw is None:
            raise InputError("cannot read <stdin>: there is no standard input")
    else:
        display = os.fspath(path)
        try:
            raw = open(display, "rb")  # closed by Input.close
        except OSError as e:
            reason = e.strerror or type(e).__name__
            raise InputError(_one_line(f"cannot read {display}: {reason}")) from None
        st = os.fstat(raw.fileno())
        size = st.st_size if stat.S_ISREG(st.st_mode) else None
        closer = raw.close
    diags: list[Diagnostic] = []
    counter = _LineCounter()
    chunks = _read_chunks(raw, diags, counter)
    head, chunks = _peek(chunks, 6)
    encoding = "plain"
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            encoding = kind
            counter.raw, counter.lines = False, 0
            chunks = _decompress(chunks, kind, diags, counter)
            break
    reader = io.BufferedReader(_ChunkStream(chunks), _CHUNK)
    first = reader.readline(MAX_LINE)
    journal = _journal_kind(first)
    stream: io.BufferedReader
    if journal is None:
        stream = io.BufferedReader(_ChunkStream(_prepend(first, reader)), _CHUNK)
    else:
        encoding = journal
        body = io.BufferedReader(_ChunkStream(_prepend(first, reader)), _CHUNK)
        records = (
            _json_records(body, diags)
            if journal == "journal-json"
            else _export_records(body, diags)
        )
        stream = io.BufferedReader(_ChunkStream(records), _CHUNK)
    return Input(display, stream, encoding, size, diags, closer)


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


def _prepend(head: bytes, reader: io.BufferedReader) -> Iterator[bytes]:
    if head:
        yield head
    while chunk := reader.read1(_CHUNK):
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
            diags.append(Diagnostic(counter.lines + 1, _one_line(msg)))
            return
        if not chunk:
            return
        total += len(chunk)
        if counter.raw:
            counter.lines += chunk.count(b"\n")
        yield chunk


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
    """One xz stream, lzma-backed, with bounded output per step."""

    def __init__(self) -> None:
        import lzma

        self._d = lzma.LZMADecompressor(lzma.FORMAT_XZ)
        self.errors = (lzma.LZMAError, EOFError)

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
    """One zstd frame; ``zstandard`` is imported only when a zstd input is seen."""

    def __init__(self) -> None:
        import zstandard

        self._d = zstandard.ZstdDecompressor().decompressobj()
        self.errors = (zstandard.ZstdError,)
        self.unused = b""

    def feed(self, data: bytes) -> Iterator[bytes]:
        # zstd cannot bound one call's output: feed small slices instead
        for i in range(0, len(data), 4096):
            out = self._d.decompress(data[i : i + 4096])
            if out:
                yield out
            if self._d.eof:
                self.unused = self._d.unused_data + data[i + 4096 :]
                return

    @property
    def eof(self) -> bool:
        return self._d.eof


_DECODERS = {"gzip": _Inflate, "xz": _Unxz, "zstd": _Unzstd}


def _decompress(
    chunks: Iterator[bytes], kind: str, diags: list[Diagnostic], counter: _LineCounter
) -> Iterator[bytes]:
    """Decompress concatenated members/streams/frames; damage ends the output quietly."""
    magic = next(m for m, k in _MAGIC.items() if k == kind)
    make = _DECODERS[kind]
    try:
        dec = make()
    except ImportError as e:
        diags.append(Diagnostic(1, f"cannot read {kind} input: {e}"))
        return
    used = 0  # compressed bytes handed to finished decoders, for messages
    fed = 0
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
                    diags.append(Diagnostic(counter.lines + 1, msg + "; ignored"))
                    return
                used += len(between) - len(rest)
                data, between, dec, fed, active = rest, b"", make(), 0, True
            try:
                for out in dec.feed(data):
                    counter.lines += out.count(b"\n")
                    yield out
            except dec.errors as e:
                msg = f"{kind} data is corrupt after {used + fed} bytes ({e}); reading stopped"
                diags.append(Diagnostic(counter.lines + 1, _one_line(msg)))
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
        diags.append(Diagnostic(counter.lines + 1, msg))
    elif between.strip(b"\0"):
        msg = f"{len(between)} bytes after the last {_UNIT[kind]} are not {kind} data; ignored"
        diags.append(Diagnostic(counter.lines + 1, msg))


# --- journal ------------------------------------------------------------------------------

_EXPORT_FIRST = re.compile(rb"(?:_{1,2}[A-Z0-9][A-Z0-9_]*|MESSAGE)[=\n]")
_JOURNAL_KEYS = (b'"MESSAGE"', b'"__CURSOR"', b'"__REALTIME_TIMESTAMP"')
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _journal_kind(first: bytes) -> str | None:
    """Tell ``journalctl -o json`` / ``-o export`` from plain text by the first line."""
    if first.lstrip()[:1] == b"{" and any(k in first for k in _JOURNAL_KEYS):
        return "journal-json"
    if _EXPORT_FIRST.match(first):
        return "journal-export"
    return None


def _record_line(fields: dict[str, list[bytes]]) -> bytes:
    """One journal record as one text line, shaped like ``journalctl -o short-iso-precise``.

    Kernel records become ``<realtime> <host> kernel: [<monotonic>] <message>`` with
    whatever of these the record holds, so the usual prefix rules read the host and the
    printk time back; other records become ``<identifier>[<pid>]: <message>``. Newlines
    inside MESSAGE are written as the kernel's ``\\x0a`` and split again on decoding.
    """
    lines = (v.replace(b"\r\n", b"\n").rstrip(b"\n") for v in fields["MESSAGE"])
    message = b"\\x0a".join(lines).replace(b"\n", b"\\x0a")

    def one(key: str) -> str | None:
        values = fields.get(key)
        return values[0].decode("utf-8", "replace") if values else None

    ident = one("SYSLOG_IDENTIFIER")
    if one("_TRANSPORT") == "kernel" or ident == "kernel":
        head = ""
        realtime, host = one("__REALTIME_TIMESTAMP"), one("_HOSTNAME")
        if realtime and realtime.isdigit():
            when = _EPOCH + timedelta(microseconds=int(realtime))
            head = when.isoformat(timespec="microseconds") + " "
            head += f"{host} kernel: " if host and " " not in host else "kernel: "
        mono = one("_SOURCE_MONOTONIC_TIMESTAMP")
        if mono and mono.isdigit():
            usec = int(mono)
            head += f"[{usec // 1000000:5d}.{usec % 1000000:06d}] "
        return head.encode() + message + b"\n"
    if ident:
        pid = one("_PID") or one("SYSLOG_PID")
        return (f"{ident}[{pid}]: " if pid else f"{ident}: ").encode() + message + b"\n"
    return message + b"\n"


def _json_value(value: object) -> list[bytes] | None:
    """A JSON journal field: a string, a list of byte values, or a list of either."""
    if isinstance(value, str):
        return [value.encode("utf-8", "surrogatepass")]
    if isinstance(value, list):
        if all(isinstance(b, int) and 0 <= b < 256 for b in value):
            return [bytes(value)]
        out: list[bytes] = []
        for item in value:
            out += _json_value(item) or []
        return out
    return None  # null: journalctl left out a field over 4096 bytes


def _json_records(body: io.BufferedReader, diags: list[Diagnostic]) -> Iterator[bytes]:
    """``journalctl -o json``: one object a line → one text line a record."""
    record = 0
    while True:
        line = body.readline()
        if not line:
            return
        if not line.strip():
            continue
        record += 1
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            diags.append(Diagnostic(record, _one_line(f"journal record is not valid JSON: {e}")))
            yield line.rstrip(b"\r\n") + b"\n"
            continue
        fields: dict[str, list[bytes]] = {}
        for key, value in obj.items():
            got = _json_value(value)
            if got:
                fields[key] = got
        if "MESSAGE" not in fields:
            why = "null (over 4096 bytes; journalctl --all keeps it)" if "MESSAGE" in obj else "no"
            diags.append(Diagnostic(record, f"journal record has {why} MESSAGE"))
            fields["MESSAGE"] = [b""]
        yield _record_line(fields)


def _export_records(body: io.BufferedReader, diags: list[Diagnostic]) -> Iterator[bytes]:
    """``journalctl -o export``: KEY=value lines, binary fields sized, blank line ends one."""
    fields: dict[str, list[bytes]] = {}
    record = 1
    while True:
        line = body.readline()
        if not line or line == b"\n":
            if fields:
                fields.setdefault("MESSAGE", [b""])
                yield _record_line(fields)
                record += 1
                fields = {}
            if not line:
                return
            continue
        if not line.endswith(b"\n"):
            diags.append(Diagnostic(record, "journal export ends inside a field"))
            line += b"\n"
        key, eq, value = line[:-1].partition(b"=")
        if not eq:  # binary field: KEY\n, 64-bit little-endian size, data, \n
            size_bytes = body.read(8)
            size = int.from_bytes(size_bytes, "little") if len(size_bytes) == 8 else -1
            value = body.read(size) if 0 <= size <= 1 << 26 else b""
            if size < 0 or len(value) != size or body.read(1) != b"\n":
                diags.append(Diagnostic(record, "journal export binary field is cut or damaged"))
                if fields:
                    fields.setdefault("MESSAGE", [b""])
                    yield _record_line(fields)
                return
        fields.setdefault(key.decode("ascii", "replace"), []).append(value)
