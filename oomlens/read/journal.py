"""systemd journal inputs (``journalctl -o json``, ``json-pretty``, ``json-seq``, ``export``)
read record by record into one text line each, shaped so the prefix rules read them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

from oomlens.read.chunks import CHUNK, Buffered, diagnose, size_text
from oomlens.read.diagnostic import Diagnostic
from oomlens.read.logline import MAX_LINE

# A kernel record is at most 1 KiB, so a journal record (JSON line or export entry)
# over 1 MiB is not a kernel message: it is skipped, never held.
MAX_RECORD = 1 << 20
# journalctl -o json writes a field as a string, a list of byte values, or a list of
# those (a field with several values): two levels of lists at most.
MAX_JSON_DEPTH = 2
_MAX_REALTIME = 253402300800 * 10**6  # µs from 1970 to year 10000: datetime's range
_U64 = 1 << 64

_EXPORT_FIRST = re.compile(rb"(?:_{1,2}[A-Z0-9][A-Z0-9_]*|MESSAGE)[=\n]")
_EXPORT_NEXT = re.compile(rb"\n|[A-Z_][A-Z0-9_]*[=\n]")  # a field, or the record's end
_JOURNAL_KEYS = (b'"MESSAGE"', b'"__CURSOR"', b'"__REALTIME_TIMESTAMP"')
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_BOOT_ID = re.compile(r"[0-9a-f]{32}")


def journal_kind(first: bytes, ahead: Callable[[], bytes] = bytes) -> str | None:
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
            diagnose(diags, record, f"journal record has {key}={shown}, not a time; left out")
        return value

    ident = one("SYSLOG_IDENTIFIER")
    # klogd through /dev/log (_TRANSPORT=syslog) and a collector's omjournal (=journal)
    # keep the kernel's identifier: it says kernel record, whatever the transport
    if one("_TRANSPORT") == "kernel" or ident == "kernel":
        head = ""
        realtime, host = stamp("__REALTIME_TIMESTAMP", _MAX_REALTIME), one("_HOSTNAME")
        plain = _plain_host(host)
        if host and not plain and not any(d.message.startswith(_ODD_HOST) for d in diags):
            diagnose(
                diags,
                record,
                f"{_ODD_HOST} {host[:40]!r} holds a blank or control character; left out",
            )
        if realtime is not None:
            when = _EPOCH + timedelta(microseconds=realtime)
            head = when.isoformat(timespec="microseconds") + " "
            head += f"{host} kernel: " if plain else "kernel: "
        elif plain:  # no time to print: RFC 5424's NILVALUE time carries the host alone
            head = f"<6>1 - {host} kernel - - - "
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


_ODD_HOST = "journal _HOSTNAME"  # said once per input


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


def _skip_line(body: Buffered | PrettyObjects) -> None:
    """Read past the rest of an over-long line without holding it."""
    while True:
        more = body.readline(CHUNK)
        if not more or more.endswith(b"\n"):
            return


class PrettyObjects:
    """``journalctl -o json-pretty`` read as ``-o json``: each record's lines, from its "{"
    to the "}" that closes it at a line's start, joined into one line.

    A record over ``size`` bytes comes back cut, without its newline (as an over-long
    ``-o json`` line does), and the next read gives the newline that ends it.
    """

    def __init__(self, body: Buffered) -> None:
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


def json_records(body: Buffered | PrettyObjects, diags: list[Diagnostic]) -> Iterator[bytes]:
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
            diagnose(diags, record, f"journal record is over {size_text(MAX_RECORD)}; skipped")
            yield b"\n"  # an empty line in its place: later records keep their numbers
            continue
        try:
            obj = json.loads(line.lstrip(b"\x1e"))  # -o json-seq puts an RS before each
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except RecursionError:
            diagnose(
                diags, record, "journal record nests lists deeper than a journal does; skipped"
            )
            yield b"\n"
            continue
        except ValueError as e:
            diagnose(diags, record, f"journal record is not valid JSON: {e}")
            yield line.rstrip(b"\r\n") + b"\n"
            continue
        fields: dict[str, list[bytes]] = {}
        for key, value in obj.items():
            got = _json_value(value)
            if got:
                fields[key] = got
            elif value is not None and got is None:
                diagnose(
                    diags, record, f"journal field {key[:40]} is not a string or bytes; left out"
                )
        if "MESSAGE" not in fields:
            if "MESSAGE" not in obj:
                diagnose(diags, record, "journal record has no MESSAGE")
            elif obj["MESSAGE"] is None:
                why = "null (over 4096 bytes; journalctl --all keeps it)"
                diagnose(diags, record, f"journal record has {why} MESSAGE")
            fields["MESSAGE"] = [b""]
        yield _record_line(fields, diags, record)


def export_records(body: Buffered, diags: list[Diagnostic]) -> Iterator[bytes]:
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
            diagnose(diags, record, "journal export ends inside a field")
            line += b"\n"
        key, eq, value = line[:-1].partition(b"=")
        if not eq:  # binary field: KEY\n, 64-bit little-endian size, data, \n
            size_bytes = body.read(8)
            size = int.from_bytes(size_bytes, "little") if len(size_bytes) == 8 else -1
            value = body.read(min(max(size, 0), MAX_LINE + 1))
            left = size - len(value)
            while left > 0 and (skipped := len(body.read(min(left, CHUNK)))):
                left -= skipped
            end = body.read(1)
            if end == b"\r":  # an export through a CRLF converter
                end = body.read(1)
            if size < 0 or left or end != b"\n":
                diagnose(diags, record, "journal export binary field is cut or damaged")
                if fields:
                    fields.setdefault("MESSAGE", [b""])
                    yield _record_line(fields, diags, record)
                return
        fields.setdefault(key[:200].decode("ascii", "replace"), []).append(value[: MAX_LINE + 1])
