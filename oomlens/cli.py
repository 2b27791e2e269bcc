"""The ``oomlens`` command: thin typer wiring over the library.

``oomlens`` alone is ``oomlens analyze``, reading stdin. Exit codes: 0 analysed
(also with no report found), 1 internal error, 2 usage or unreadable input,
3 ``--fail-on`` matched. Every failure is one line on stderr, never a
traceback (``OOMLENS_DEBUG=1`` re-raises).
"""

# No ``from __future__ import annotations`` here, unlike the rest of the package: typer
# reads the commands' annotations on every run, and as strings each is an eval
# (typer.main.get_command: 8 ms as strings, 2 ms as objects).
import contextlib
import glob
import io
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from oomlens.judge.verdict import CODES
from oomlens.options import Options

if TYPE_CHECKING:
    from oomlens.pipeline import Analysis, FileResult

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_FAIL_ON = 0, 1, 2, 3
FORMATS = ("text", "json", "jsonl", "markdown", "csv", "html")
# --max-expanded, shared by analyze and batch
MaxExpanded = Annotated[
    str | None,
    typer.Option(
        "--max-expanded",
        metavar="SIZE",
        help="Stop reading a compressed input past this many bytes expanded (default 4G).",
    ),
]
SUBCOMMANDS = ("analyze", "gfp", "batch", "summary", "explain")
ENGINES = ("local", "dask")
BATCH_FORMATS = ("parquet", "csv")
RELEASE_FORMS = "as uname -r prints it: 6.1, 5.15.0-105-generic, 4.19.0-91.el7"
_SIZE = re.compile(r"(\d{1,15})\s*(?:([KMGT])(?:i?B)?|B)?", re.IGNORECASE)
ROOT_OPTIONS = ("--help", "-h", "--version", "--install-completion", "--show-completion")

app = typer.Typer(
    name="oomlens",
    help="Why did the kernel's page allocator fail? Reads OOM-killer and page-allocation-failure "
    "reports, replays the request and says whether the highatomic reserve was to blame.",
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def fail(message: str) -> NoReturn:
    """The user asked for something impossible: one line on stderr, exit 2."""
    err(message)
    raise typer.Exit(EXIT_USAGE)


def _version() -> str:
    from oomlens import __version__

    return __version__


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"oomlens {_version()}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """oomlens: OOM and allocation-failure reports, replayed and explained."""


def err_text(text: str) -> str:
    """Log text (a path, a report id) made safe for stderr."""
    from oomlens.render.escape import term

    return term(text)


def err(message: str) -> None:
    """One line on stderr, prefixed ``oomlens:``."""
    from oomlens.render.escape import term

    sys.stderr.write(f"oomlens: {term(message)}\n")


def expand(paths: list[str]) -> list[str | None]:
    """Paths with globs expanded here (shells on Windows do not); [] means stdin."""
    out: list[str | None] = []
    for path in paths:
        if path == "-":
            out.append(None)
        elif glob.has_magic(path) and not os.path.exists(path):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                fail(f"{path}: no file matches this pattern")
            out.extend(matches)
        else:
            out.append(path)
    return out or [None]


def parse_fail_on(value: str | None) -> frozenset[str]:
    """``highatomic-stranded,exhausted`` → a set of verdict codes; unknown codes are usage errors."""
    if not value:
        return frozenset()
    codes = frozenset(c.strip() for c in value.split(",") if c.strip())
    unknown = sorted(codes - set(CODES))
    if unknown:
        fail(f"--fail-on: unknown code {', '.join(unknown)} (codes: {', '.join(CODES)})")
    return codes


def check_kernel(release: str | None) -> None:
    """``--kernel`` must be a release the rules can place; exit 2 naming the form."""
    if release is None:
        return
    from oomlens.kernel.profile import parse_release

    rel = parse_release(release) if len(release) <= 100 and release.isascii() else None
    if rel is None or rel.version[:2] < (2, 6) or rel.version[0] >= 100:
        fail(
            f"--kernel: {release!r} is not a release oomlens has rules for (2.6 on, {RELEASE_FORMS})"
        )


def check_assume(assume: list[str] | None) -> tuple[str, ...]:
    """``--assume`` names: kernel features, each maybe prefixed ``no-``; exit 2 naming them."""
    if not assume:
        return ()
    from oomlens.kernel.profile import Feature

    names = [f.value for f in Feature]
    for item in assume:
        if item not in names and not (item.startswith("no-") and item[3:] in names):
            fail(
                f"--assume: unknown feature {item!r} (features: {', '.join(names)}; "
                "no-FEATURE switches one off)"
            )
    return tuple(assume)


def parse_size(text: str | None, option: str = "--max-expanded") -> int | None:
    """``4G``, ``512MiB``, ``100000`` → bytes (binary units); exit 2 for anything else."""
    if text is None:
        return None
    m = _SIZE.fullmatch(text.strip()) if text.isascii() else None
    value = int(m.group(1)) << (" KMGT".index((m.group(2) or " ").upper()) * 10) if m else 0
    if value <= 0 or value >= 1 << 60:
        fail(f"{option}: {text!r} is not a size (bytes, or a number with K, M, G or T: 8G)")
    return value


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _write_all(pieces: Iterable[str]) -> None:
    """Write pieces as they come, flushed once they are all out."""
    wrote = False
    for piece in pieces:
        if piece:
            sys.stdout.write(piece)
            wrote = True
    if wrote:
        sys.stdout.flush()


# Time options analyze and batch share.
Year = Annotated[
    int | None,
    typer.Option(
        metavar="YEAR",
        min=1970,
        max=9999,
        help="Year of the first syslog date (they print none); a date back in January after "
        "December is the next year's (default: from the file's mtime).",
    ),
]
UtcOffset = Annotated[
    str | None,
    typer.Option(
        "--utc-offset",
        metavar="ZONE",
        help="Zone of times printed without one (dmesg -T, syslog): +01:00, UTC, local, "
        "Europe/Berlin (default: UTC, said as an assumption).",
    ),
]


@app.command()
def analyze(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Log files, globs, compressed files; none or '-' reads stdin.",
            metavar="[PATH]...",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="text, json, jsonl, markdown, csv or html."
        ),
    ] = "text",
    kernel: Annotated[
        str | None,
        typer.Option(metavar="RELEASE", help="Apply this kernel release's rules (e.g. 5.15.0)."),
    ] = None,
    assume: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FEATURE", help="Backported feature present (or no-FEATURE); repeatable."
        ),
    ] = None,
    page_size: Annotated[
        int | None, typer.Option("--page-size", metavar="KB", help="Page size in kB.", min=1)
    ] = None,
    pageblock_order: Annotated[
        int | None,
        typer.Option("--pageblock-order", metavar="N", help="pageblock_order.", min=0, max=20),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="CODE[,CODE]",
            help="Exit 3 when any verdict has one of these codes.",
        ),
    ] = None,
    chart: Annotated[
        str | None,
        typer.Option("--chart", metavar="DIR", help="Write one PNG per report into DIR."),
    ] = None,
    max_expanded: MaxExpanded = None,
    incident_window: Annotated[
        float,
        typer.Option(
            "--incident-window",
            metavar="SECONDS",
            min=0,
            help="Reports of one host and boot this close, same request and verdict, are one "
            "incident.",
        ),
    ] = 60.0,
    each: Annotated[
        bool, typer.Option("--each", help="Text and Markdown: every report, not one per incident.")
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="Read FILE like tail -F: to its end, then what is appended, until Ctrl-C.",
        ),
    ] = False,
    year: Year = None,
    utc_offset: UtcOffset = None,
    boot_time: Annotated[
        str | None,
        typer.Option(
            "--boot-time",
            metavar="ISO",
            help="When the machine booted (2024-12-04T09:00:00+01:00): uptime stamps become "
            "wall-clock times.",
        ),
    ] = None,
) -> None:
    """Analyse kernel logs: one verdict per OOM or allocation-failure report.

    Each report is written as soon as it is judged; from a pipe (dmesg -w, journalctl -kf
    -o json) or with --follow, a report also ends after 2 s without a new line.
    """
    if fmt not in FORMATS:
        fail(f"--format: unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    codes = parse_fail_on(fail_on)
    check_kernel(kernel)
    if page_size is not None and (page_size & (page_size - 1) or not 4 <= page_size <= 1024):
        fail(f"--page-size: {page_size} is not a page size (a power of two from 4 to 1024 kB)")
    _check_time_options(utc_offset, boot_time)
    if not incident_window >= 0:  # NaN passes typer's min=0
        fail(f"--incident-window: {incident_window} is not a number of seconds")
    options = Options(
        kernel=kernel,
        assume=check_assume(assume),
        page_kb=page_size,
        pageblock_order=pageblock_order,
        max_expanded=parse_size(max_expanded),
        year=year,
        utc_offset=utc_offset,
        boot_time=boot_time,
    )
    inputs = expand(list(paths or ()))
    if follow and (len(inputs) != 1 or inputs == [None]):
        fail("--follow takes exactly one FILE (a pipe on stdin is followed without it)")
    if inputs == [None] and sys.stdin.isatty():
        err("reading a kernel log from stdin (end with Ctrl-D; see --help)")
    live = follow or (None in inputs and _stdin_is_live())
    with _stop_on_interrupt(live):
        outcome = _stream(
            inputs,
            options,
            fmt,
            follow,
            codes,
            keep=chart is not None,
            window=incident_window,
            each=each or (live and fmt == "text"),
        )
    if outcome.readable and not outcome.count:
        names = ", ".join(outcome.readable)
        err(f"no OOM or page-allocation-failure report found in {names}")
    if chart is not None and outcome.kept:
        from oomlens.render.chart import ChartUnavailable, write_charts

        try:
            written, skipped = write_charts(outcome.kept, chart)
        except ChartUnavailable as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"--chart {chart}: {exc.strerror or exc}")
        for path in written:
            sys.stderr.write(f"chart: {err_text(path)}\n")
        for note in skipped:
            sys.stderr.write(f"chart: {err_text(note)}\n")
    if outcome.unreadable:
        raise typer.Exit(EXIT_USAGE)
    if outcome.matched:
        raise typer.Exit(EXIT_FAIL_ON)


class _Outcome:
    """What the streaming loop leaves for the exit code and the closing messages."""

    def __init__(self) -> None:
        self.count = 0
        self.readable: list[str] = []
        self.unreadable = 0
        self.matched = False
        self.kept: list[Analysis] = []  # only for --chart


def _stream(
    inputs: list[str | None],
    options: Options,
    fmt: str,
    follow: bool,
    codes: frozenset[str],
    keep: bool,
    window: float,
    each: bool,
) -> _Outcome:
    """Write every report as it is judged, input by input, with its incident; keep nothing
    unless ``keep`` (text, Markdown and HTML hold an incident until it is complete)."""
    import gc
    from dataclasses import replace

    from oomlens import pipeline
    from oomlens.incidents import Tracker, sighting
    from oomlens.render.stream import writer

    out = _Outcome()
    w = writer(fmt, sys.stdout if fmt == "text" and sys.stdout.isatty() else None, each)
    tracker = Tracker(window)
    files: list[tuple[FileResult, int]] = []
    for path in inputs:
        stream = pipeline.stream_file(path, options, follow=follow)
        source = stream.result.path
        for index, analysis in enumerate(stream):
            source = analysis.report.source
            incident, ended = tracker.add(sighting(analysis, analysis.report.id, source, index))
            analysis = replace(analysis, incident=incident)
            _write_all(w.report(analysis))
            _write_all(w.ended(i.id for i in ended))
            out.count += 1
            if out.count == 1:
                # the grammar, tables and patterns built for the first report live to the
                # end: keep the collector from walking them again every full pass. A
                # report's records are freed by reference counts, not cycles: collect
                # the young generation ten times less often (7-8 % of a dense log's time)
                gc.freeze()
                gc.set_threshold(7000, 10, 10)
            if codes and analysis.verdict is not None and analysis.verdict.code in codes:
                out.matched = True
            if keep:
                out.kept.append(analysis)
        _write_all(w.ended(i.id for i in tracker.end_file(source)))
        result = stream.result
        if result.status == "unreadable":
            out.unreadable += 1
        else:
            files.append((result, stream.count))
            out.readable.append(result.path or "stdin")
        if result.status != "ok" and result.reason:
            err(f"{result.path}: {result.reason}")
        for note in result.assumptions:
            err(f"{result.path}: {note}")
    _write_all(w.ended(i.id for i in tracker.finish()))
    _write_all(w.end(files))
    return out


def _check_time_options(utc_offset: str | None, boot_time: str | None) -> None:
    """--utc-offset and --boot-time must parse: exit 2 with one line otherwise."""
    if utc_offset is None and boot_time is None:
        return
    from oomlens.read.clock import parse_boot_time, parse_utc_offset

    zone = None
    if utc_offset is not None:
        try:
            zone = parse_utc_offset(utc_offset)
        except ValueError as exc:
            fail(f"--utc-offset: {exc}")
    if boot_time is not None:
        try:
            parse_boot_time(boot_time, zone)
        except ValueError as exc:
            fail(f"--boot-time: {exc}")


def _stdin_is_live() -> bool:
    """stdin is a pipe, terminal or device (not a regular file)."""
    import stat

    try:
        return not stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False


@contextlib.contextmanager
def _stop_on_interrupt(live: bool) -> Iterator[None]:
    """While reading live, the first Ctrl-C ends the input (open reports are still judged
    and written); a second one interrupts."""
    if not live or threading.current_thread() is not threading.main_thread():
        yield
        return
    import signal

    from oomlens.read import live as live_mod

    live_mod.reset_stop()

    def stop(signum: int, frame: object) -> None:
        live_mod.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        live_mod.reset_stop()


HEX = frozenset("0123456789abcdefABCDEF")


def parse_mask(text: str) -> int:
    """A gfp_mask as the kernel prints it: hex, with or without ``0x``, at most 64 bits."""
    digits = text.strip()
    if digits[:2].lower() == "0x":
        digits = digits[2:]
    if not digits or not set(digits) <= HEX:
        fail(f"{text!r} is not a gfp mask: give it in hex as the kernel prints it (0x24280ca)")
    value = int(digits, 16)
    if value >> 64:
        fail(f"{text!r} is not a gfp mask: more than 64 bits")
    return value


@app.command()
def gfp(
    mask: Annotated[
        str,
        typer.Argument(
            metavar="MASK",
            help="The gfp_mask in hex as the kernel prints it: 0x24280ca or 24280ca.",
        ),
    ],
    kernel: Annotated[
        str | None,
        typer.Option(metavar="RELEASE", help="Decode with this release's bit layout (e.g. 4.8)."),
    ] = None,
) -> None:
    """Decode a gfp_mask into the kernel's flag names, zone and migratetype."""
    value = parse_mask(mask)
    from oomlens.kernel import gfp as gfp_mod

    if kernel is not None:
        known = len(kernel) <= 100 and kernel.isascii()
        layout = gfp_mod.layout_for_release(kernel) if known else None
        if layout is None:
            fail(
                f"--kernel: {kernel!r} is not a release with a known GFP layout "
                f"(2.6 on, {RELEASE_FORMS}, or next-20250618)"
            )
        how = f"chosen for release {kernel}"
    else:
        layout = gfp_mod.layout_from_mask(value, None)
        how = "guessed from the mask (pass --kernel RELEASE to be sure)"
    if layout is None:
        fail(f"no GFP layout known {how}")
    decoded = gfp_mod.decode(value, layout, release=kernel)
    name = getattr(layout, "name", None) or f"{layout}-era bits"
    lines = [
        decoded.text or f"{value:#x}",
        f"flags: {' '.join(decoded.flags) if decoded.flags else '(none)'}",
        f"highest zone: {decoded.highest_zone}",
        f"migratetype: {decoded.migratetype}",
        f"layout: {name}, {how}",
    ]
    _write("\n".join(lines) + "\n")


@app.command()
def batch(
    paths: Annotated[
        list[str], typer.Argument(help="Files and directories (recursed), or fsspec URLs.")
    ],
    out: Annotated[str, typer.Option("--out", "-o", help="Directory for the tables.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="parquet (default; csv when pyarrow is missing) or csv."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes.")
    ] = None,
    engine: Annotated[str, typer.Option(help="local or dask.")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786).")
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")
    ] = True,
    kernel: Annotated[str | None, typer.Option(help="Apply this release's rules.")] = None,
    assume: Annotated[
        list[str] | None, typer.Option(help="Backported feature; repeatable.")
    ] = None,
    max_expanded: MaxExpanded = None,
    incident_window: Annotated[
        float,
        typer.Option(
            "--incident-window", metavar="SECONDS", min=0, help="Incident grouping window."
        ),
    ] = 60.0,
    partition_by: Annotated[
        str | None,
        typer.Option(
            "--partition-by", metavar="host,date", help="Write Hive-partitioned Parquet datasets."
        ),
    ] = None,
    year: Year = None,
    utc_offset: UtcOffset = None,
) -> None:
    """Analyse a fleet of logs into tables (Parquet or CSV), on all cores or a Dask cluster.

    What a log leaves unsaid about time (a syslog year, a UTC offset) is taken as said and
    listed in the inputs table's assumptions column.
    """
    check_batch_args(paths, out, fmt, engine, scheduler)
    check_kernel(kernel)
    _check_time_options(utc_offset, None)
    options = Options(
        kernel=kernel,
        assume=check_assume(assume),
        max_expanded=parse_size(max_expanded),
        year=year,
        utc_offset=utc_offset,
    )
    from oomlens.fleet import batch as batch_mod

    split = tuple(c.strip() for c in partition_by.split(",") if c.strip()) if partition_by else ()
    inputs = [p for p in expand(paths) if p is not None]
    try:
        with _terminate_cleanly():
            result = batch_mod.run_batch(
                inputs,
                out,
                fmt,
                jobs=jobs,
                engine=engine,
                scheduler=scheduler,
                progress=progress,
                options=options,
                incident_window=incident_window,
                partition_by=split,
            )
    except batch_mod.BatchError as exc:
        fail(str(exc))
    for notice in result.notices:
        err(notice)
    sys.stderr.write(
        f"oomlens batch: {result.files} files ({result.ok} ok, {result.partial} partial, "
        f"{result.unreadable} unreadable), {result.reports} reports in {result.seconds:.1f}s "
        f"→ {result.out}\n"
    )


def check_batch_args(
    paths: list[str], out: str, fmt: str | None, engine: str, scheduler: str | None
) -> None:
    """Everything ``batch`` can check before it creates ``--out``; exit 2 with one line."""
    if "-" in paths:
        fail("batch reads files and directories, not stdin ('-'); use 'oomlens analyze -'")
    if fmt is not None and fmt not in BATCH_FORMATS:
        fail(f"--format: unknown format {fmt!r} (choose {', '.join(BATCH_FORMATS)})")
    if engine not in ENGINES:
        fail(f"--engine: unknown engine {engine!r} (choose {', '.join(ENGINES)})")
    if scheduler is not None and engine != "dask":
        fail("--scheduler is for --engine dask")
    if engine == "dask":
        from importlib.util import find_spec

        missing = [m for m in ("dask", "distributed") if find_spec(m) is None]
        if missing:
            fail(f"--engine dask needs {' and '.join(missing)}: pip install 'oomlens[dask]'")
    if os.path.exists(out) and not os.path.isdir(out):
        fail(f"--out {out}: exists and is not a directory")


class _terminate_cleanly:  # noqa: N801 - used as a context manager
    """SIGTERM ends a batch like Ctrl-C: workers stopped, its staging directory removed."""

    def __enter__(self) -> None:
        import signal

        self.previous = signal.getsignal(signal.SIGTERM)

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        try:
            signal.signal(signal.SIGTERM, stop)
        except ValueError:  # not the main thread
            self.previous = None

    def __exit__(self, *exc: object) -> None:
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


@app.command()
def summary(
    out_dir: Annotated[str, typer.Argument(help="A directory written by 'oomlens batch'.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")] = "text",
    since: Annotated[
        str | None,
        typer.Option(metavar="WHEN", help="Only reports at or after WHEN (ISO date or time, UTC)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="WHEN", help="Only reports before WHEN (ISO date or time, UTC)."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="How many hosts to list.")] = 10,
) -> None:
    """Summarise a batch output directory: verdicts, releases, days, hosts, the unreserve share."""
    if fmt not in ("text", "markdown", "json"):
        fail(f"--format: unknown format {fmt!r} (choose text, markdown or json)")
    if not os.path.isdir(out_dir):
        fail(f"{out_dir}: not a directory written by 'oomlens batch'")
    from oomlens.fleet.batch import BatchError
    from oomlens.fleet.summary import parse_when, render_summary, summarize

    try:
        start, end = parse_when(since, "--since"), parse_when(until, "--until")
    except ValueError as exc:
        fail(str(exc))
    try:
        _write(render_summary(summarize(out_dir, start, end, top), fmt))
    except BatchError as exc:
        fail(f"{out_dir}: {exc}")


@app.command()
def explain(
    word: Annotated[
        str | None,
        typer.Argument(
            metavar="[CODE|TERM]",
            help="A verdict code, a migratetype letter or a word from the output; "
            "none lists them all.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Explain a verdict code (with its kernel functions and commits) or a term of the output."""
    from oomlens.render import glossary

    if word is None:
        _write(glossary.everything())
        return
    entry = glossary.lookup(word)
    if entry is None:
        near = glossary.suggestions(word)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        fail(f"{word!r} is not a term oomlens uses{hint} ('oomlens explain' lists them all)")
    _write(glossary.describe_entry(entry) + "\n")


def _argv_with_default(argv: list[str]) -> list[str]:
    """Insert ``analyze`` unless the first word is a subcommand or a root option."""
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ROOT_OPTIONS):
        return argv
    return ["analyze", *argv]


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    args = _argv_with_default(list(sys.argv[1:] if argv is None else argv))
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="oomlens", standalone_mode=False)
        return code if isinstance(code, int) else EXIT_OK
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return 130
    except BrokenPipeError:
        _quiet_broken_pipe()
        return EXIT_OK
    except SystemExit as exc:
        # click turns EPIPE (``oomlens … | head``) into exit 1 after wrapping stdout
        if exc.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            _quiet_broken_pipe()
            return EXIT_OK
        raise
    except Exception as exc:  # the CLI boundary: one line, never a traceback
        code = getattr(exc, "exit_code", None)
        if hasattr(exc, "format_message") and isinstance(code, int):
            # typer's (vendored click) usage and parameter errors
            lines = str(exc.format_message()).splitlines() or [type(exc).__name__]
            hint = " (see --help)" if code == EXIT_USAGE else ""
            err(lines[0] + hint)
            return code
        if os.environ.get("OOMLENS_DEBUG") == "1":
            raise
        err(f"internal error: {type(exc).__name__}: {exc} (OOMLENS_DEBUG=1 shows the traceback)")
        return EXIT_INTERNAL


def _quiet_broken_pipe() -> None:
    """``oomlens … | head``: stop writing without a second error at interpreter exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
