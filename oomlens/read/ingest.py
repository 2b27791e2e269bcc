"""Ingest: open an input (a file, stdin, a followed file) and hand on plain text lines.

Compression and journal formats are recognised by content, never by name
(:mod:`~oomlens.read.decompress`, :mod:`~oomlens.read.journal`,
:mod:`~oomlens.read.dmesgjson`, :mod:`~oomlens.read.mailbody`). Damage inside a
compressed stream ends the stream with a diagnostic instead of an exception, so a
half-copied ``.gz`` still yields every line before the damage. Every size is bounded
(README "Limits"): a line, a journal record and field, the expanded size of compressed
input, the decoder's memory; one bad record costs that record, with a diagnostic,
never the file.
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from oomlens.read.chunks import (
    CHUNK,
    ChunkStream,
    LineCounter,
    diagnose,
    dropped,
    one_line,
    peek,
    prepend,
    read_chunks,
)
from oomlens.read.decompress import MAGIC, MAX_EXPANDED, decompress
from oomlens.read.diagnostic import Diagnostic
from oomlens.read.dmesgjson import dmesg_json_lines, is_dmesg_json
from oomlens.read.follow import Followed
from oomlens.read.journal import (
    MAX_RECORD,
    PrettyObjects,
    export_records,
    journal_kind,
    json_records,
)
from oomlens.read.logline import MAX_LINE, LogLine, decode_line
from oomlens.read.mailbody import SoftBreaks, from_quoted_printable, looks_quoted_printable
from oomlens.read.prefixes import Prefix, strip_prefix

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
                more = readline(CHUNK)
                if not more or more[-1:] == b"\n":
                    break
        yield from decode_line(raw, lineno, inp.path)


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
            raise InputError(one_line(f"cannot read {display}: {reason}")) from None
        st = os.fstat(raw.fileno())
        regular = stat.S_ISREG(st.st_mode)
        size = st.st_size if regular and not follow else None
        mtime = st.st_mtime if regular and not follow else None
        live = live or not regular
        closer = raw.close
    diags: list[Diagnostic] = []
    counter = LineCounter()
    if follow and regular:
        # a named pipe or a device is read as it comes, like stdin: there is no file to
        # reopen or seek, and its end is the writer's
        followed = Followed(display, raw)
        closer = followed.close
        chunks = followed.chunks(diags, counter)
    else:
        chunks = read_chunks(raw, diags, counter)
    head, chunks = peek(chunks, 6)
    encoding = "plain"
    qp_lines: SoftBreaks | None = None
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            encoding = kind
            counter.raw, counter.lines = False, 0
            limit = MAX_EXPANDED if max_expanded is None else max_expanded
            chunks = decompress(chunks, kind, diags, counter, limit)
            break
    head, chunks = peek(chunks, 64)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        if head[2:].count(b"\x00") * 3 >= len(head) - 2:  # a UTF-16 text (saved on Windows)
            encoding = "utf-16" if encoding == "plain" else f"{encoding}+utf-16"
            counter.raw, counter.lines = False, 0
            chunks = _from_utf16(chunks, counter)
        else:  # a UTF-16 mark before 8-bit text: the mark is not the log's
            chunks = dropped(chunks, 2)
    elif head.startswith(b"\xef\xbb\xbf"):  # UTF-8's byte-order mark (Windows editors)
        chunks = dropped(chunks, 3)
    if not live and not follow:  # a whole input: peeking at its first 64 KiB never waits
        head, chunks = peek(chunks, CHUNK)
        unread = _not_a_log(head)
        if unread is not None:
            diagnose(diags, 1, unread)
        if b"\n" not in head and head.count(b"\r") > 1:  # CR alone ends lines (old Mac, serial)
            encoding = "cr" if encoding == "plain" else f"{encoding}+cr"
            chunks = (chunk.replace(b"\r", b"\n") for chunk in chunks)
        elif looks_quoted_printable(head):  # a mail body as stored: "=3D", "=" line breaks
            encoding = "quoted-printable" if encoding == "plain" else f"{encoding}+quoted-printable"
            counter.raw, counter.lines = False, 0
            qp_lines = SoftBreaks(lambda line, note: diagnose(diags, line, note))
            chunks = from_quoted_printable(chunks, counter, qp_lines, MAX_LINE)
    reader = io.BufferedReader(ChunkStream(chunks), CHUNK)
    first = reader.readline(MAX_LINE)
    journal = journal_kind(first, lambda: reader.peek(1))
    dmesg_json = journal is None and is_dmesg_json(first, lambda: reader.peek(1))
    body = io.BufferedReader(ChunkStream(prepend(first, reader)), CHUNK)
    stream = body
    if dmesg_json:
        encoding = "dmesg-json"
        lines = dmesg_json_lines(body, lambda n, why: diagnose(diags, n, why), MAX_LINE)
        stream = io.BufferedReader(ChunkStream(lines), CHUNK)
    elif journal is not None:
        encoding = journal
        if journal == "journal-json":
            records = json_records(body, diags)
        elif journal == "journal-json-pretty":
            records = json_records(PrettyObjects(body), diags)
        else:
            records = export_records(body, diags)
        stream = io.BufferedReader(ChunkStream(records), CHUNK)
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


_BASE64 = re.compile(rb"[A-Za-z0-9+/]{64,}={0,2}(?:\r?\n[A-Za-z0-9+/]+={0,2})*\s*")


def _not_a_log(head: bytes) -> str | None:
    """Why an input's first bytes are no text log a reader could find a report in, if so:
    base64 (a console log fetched through an API) or binary (a pstore record left
    compressed, ``*.enc.z``, is raw deflate). A log's own NUL padding is far less."""
    if len(head) < 256:
        return None
    if _BASE64.fullmatch(head[: 64 << 10]) is not None:
        return "the input looks base64-encoded (a console log fetched through an API?): decode it first"
    sample = head[:4096].decode("utf-8", "replace")
    # bytes no text holds: invalid UTF-8 and control characters (a log's NUL padding aside)
    bad = sum(1 for c in sample if c == "\ufffd" or (c < " " and c not in "\t\n\r\x00"))
    if bad > 0.2 * len(sample):
        return "the input is binary, not a text log (a pstore record left compressed, *.enc.z, is raw deflate): decompress it first"
    return None


def _from_utf16(chunks: Iterator[bytes], counter: LineCounter) -> Iterator[bytes]:
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
