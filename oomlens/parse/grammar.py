"""The cached LALR parser factory for the report grammar in ``grammars/``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from lark import Lark, Token

if TYPE_CHECKING:
    from oomlens.parse.lines import Record


def grammar_path(name: str = "report.lark") -> Path:
    """Locate a shipped grammar: inside the wheel, or ``grammars/`` in a source tree."""
    try:
        packaged = resources.files("oomlens.grammars").joinpath(name)
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return Path(__file__).resolve().parents[2] / "grammars" / name


# Terminals whose numbers the transformer reads: each is checked to fit 64 bits as lexed.
NUMERIC_TERMINALS = (
    "GFP",
    "HORDER",
    "ADJ",
    "KVS",
    "INT",
    "BUDDY_ENTRIES",
    "BUDDY_TOTAL",
    "ZONE_NAME",
    "BUDDY_HEAD",
    "NODE_HEAD",
    "SWAP",
    "PAGES",
    "MEMCG_USAGE",
    "BANNER",
    "KILL",
    "VMALLOC_ERROR",
    "VMALLOC_FAILURE",
    "TASK_ROW",
)


@cache
def report_parser() -> Lark:
    """The process's one report parser (its line-start lexers take ``LineStart.match``)."""
    return new_report_parser(_cache_file())


def new_report_parser(cache: str | bool = False) -> Lark:
    """A report parser over grammars/report.lark, transformer applied inline."""
    from oomlens.parse.numbers import check_token
    from oomlens.parse.transform import LineTransformer

    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        transformer=LineTransformer(),
        maybe_placeholders=False,
        lexer_callbacks=dict.fromkeys(NUMERIC_TERMINALS, check_token),
        cache=cache,
    )


def parse_records(text: str) -> list[Record]:
    """Parse report text (lines joined by "\\n", ending in one) into its line records.

    The transformer runs inline, so Lark returns the records themselves; Lark's
    own annotation says a tree, hence the cast.
    """
    return cast("list[Record]", report_parser().parse(text))


# Lines read with Lark's one scanner before the per-character scanners are built: those
# take ~15 ms of regex compiling (16-30 of them) and save ~50 µs a report's lines.
TUNE_AFTER = 2000


class LineStart:
    """The grammar's own reading of a line that is one terminal, outside the LALR loop.

    Every line starts in the same lexer state (checked when built). Lark's own
    contextual lexer for that state picks the line's first terminal, by the
    grammar's priorities, with the lexer callbacks; when the terminal ends the
    line and the parse table reduces it alone to a rule on the newline, the
    rule's own callback (the transformer) makes the record. That is what the LALR
    loop would do with the line, less the parser's bookkeeping per token. Any
    other line is left to the LALR loop.
    """

    def __init__(self, lexer: Any, rules: dict[str, Callable[[list[Token]], Any]]) -> None:
        self._lexer = lexer
        self._scanner = full = lexer.scanner  # built now: lexer.callback exists from here on
        self._ignore = lexer.ignore_types
        self._rules = rules
        self._index = {t.name: i for i, t in enumerate(full.terminals)}
        # Until TUNE_AFTER lines are read, Lark's own scanner reads every line: a log of
        # a report or two is done before per-character scanners would repay compiling.
        self._by_first: dict[str, tuple[int, list[tuple[int, str, Any]]]] = {}
        self._other: tuple[int, list[tuple[int, str, Any]]] = (0, [])
        self._scanners: dict[int, Any] = {0: full}
        self._alone_scanners: dict[int, Any] = {}
        self._lines_read = 0
        self._tuned = False

    def tuned(self) -> LineStart:
        """This reader with its per-character scanners worked out (done after TUNE_AFTER
        lines; at once here). Either way a line is read alike (tests/test_fast_paths.py)."""
        if self._tuned:
            return self
        self._tuned = True
        full = self._scanner
        terminals = full.terminals
        # A terminal that scans the line for a literal (``[^\n]*?invoked oom-killer:``)
        # cannot match a line without it, and is dear to try on one: it is left out of
        # the shared scanners and tried alone, on a line that holds its literal, when no
        # terminal before it in Lark's order matched (the same first match).
        alone = [
            (i, lit, t) for i, t in enumerate(terminals) if (lit := _scan_literal(t)) is not None
        ]
        apart = sum(1 << i for i, _, _ in alone)
        # Likewise a terminal cannot match a line whose first character it cannot start
        # with: per ASCII character, the terminals left out and those tried alone left to
        # try. A character an ignored terminal may start with keeps every terminal (the
        # match after the ignored one starts elsewhere), as does any character past ASCII.
        # Scanners are keyed by first character, so a process compiles at most one per
        # character however its lines mix literals.
        by_first: dict[str, tuple[int, list[tuple[int, str, Any]]]] = {}
        firsts = [_first_ascii(t.pattern) for t in terminals]
        if not full.g_regex_flags:
            ignored = set().union(
                *(
                    f or _ASCII
                    for t, f in zip(terminals, firsts, strict=True)
                    if t.name in self._ignore
                )
            )
            for ch in _ASCII - ignored:
                out = 0
                for i, f in enumerate(firsts):
                    if f is not None and ch not in f:
                        out |= 1 << i
                by_first[ch] = (out | apart, [a for a in alone if not out >> a[0] & 1])
        self._scanners = {}
        self._other, self._by_first = (apart, alone), by_first
        return self

    def _shared(self, absent: int) -> Any:
        """The line-start scanner less the terminals in the ``absent`` bit mask."""
        scanner = self._scanners.get(absent)
        if scanner is None:
            full = self._scanner
            kept = [t for i, t in enumerate(full.terminals) if not absent >> i & 1]
            scanner = type(full)(kept, full.g_regex_flags, full.re_, full.use_bytes)
            self._scanners[absent] = scanner
        return scanner

    def _lone(self, index: int, terminal: Any) -> Any:
        """The scanner of one terminal tried alone."""
        scanner = self._alone_scanners.get(index)
        if scanner is None:
            full = self._scanner
            scanner = type(full)([terminal], full.g_regex_flags, full.re_, full.use_bytes)
            self._alone_scanners[index] = scanner
        return scanner

    def _earlier(self, res: Any, alone: list[tuple[int, str, Any]], text: Any, pos: int) -> Any:
        """Lark's first terminal at ``pos``: a terminal tried alone that comes before the
        shared scanner's match ``res`` in Lark's order and matches, else ``res``."""
        limit = self._index[res[1]] if res is not None else len(self._index)
        for i, _, terminal in alone:
            if i > limit:
                break
            lone = self._lone(i, terminal).match(text, pos)
            if lone is not None:
                return lone
        return res

    def match(self, text: Any, pos: int) -> Any:
        """Lark's first terminal at ``pos`` in the line-start lexer state, as its one scanner
        finds it: by the scanner of the terminals that can start with the character there,
        and the literal-scanning ones whose literal the rest of the line holds.

        Installed as that state's ``match`` (``_line_start``), so the LALR loop reads a
        line's first token as :meth:`read` does: the one scanner tries every terminal that
        scans ahead, ~100 µs on a 500-character zone line, the tuned ones ~1-5 µs.
        """
        if not self._tuned:
            return self._scanner.match(text, pos)
        whole = text.text if hasattr(text, "text") else text  # a TextSlice since lark 1.2
        absent, alone = self._by_first.get(whole[pos : pos + 1], self._other)
        res = (self._scanners.get(absent) or self._shared(absent)).match(text, pos)
        if alone:
            stop = getattr(text, "end", len(whole))
            eol = whole.find("\n", pos, stop)
            eol = stop if eol < 0 else eol
            alone = [a for a in alone if whole.find(a[1], pos, eol) >= 0]
            if alone:
                res = self._earlier(res, alone, text, pos)
        return res

    def read(self, text: Any, starts: Sequence[int], lines: list[str]) -> dict[int, Record]:
        """Records of the lines that are one terminal each, by 0-based line index.

        ``text``: the lines joined by "\n" with one after the last, as Lark's lexer
        takes it (a ``TextSlice`` on Lark versions that have one); ``starts``: the
        offset of each line in it.
        """
        if not self._tuned:
            self._lines_read += len(lines)
            if self._lines_read > TUNE_AFTER:
                self.tuned()
        ignore, rules, callbacks = self._ignore, self._rules, self._lexer.callback
        by_first, other, scanners = self._by_first, self._other, self._scanners
        out: dict[int, Record] = {}
        for i, (pos, line) in enumerate(zip(starts, lines, strict=True)):
            if not line:
                continue
            absent, alone = by_first.get(line[:1], other)
            shared = scanners.get(absent) or self._shared(absent)
            if alone:
                alone = [a for a in alone if a[1] in line]
            end = pos + len(line)
            res = shared.match(text, pos)
            if alone:
                res = self._earlier(res, alone, text, pos)
            while res is not None and res[1] in ignore:
                pos += len(res[0])
                res = shared.match(text, pos) if pos < end else None
                if alone and pos < end:
                    res = self._earlier(res, alone, text, pos)
            if res is None or pos + len(res[0]) != end:
                continue  # a blank line, or more than one terminal: the LALR loop's
            value, kind = res
            tok = Token(kind, value, pos, i + 1, 1)
            try:
                if kind in callbacks:
                    tok = callbacks[kind](tok)
                rule = rules.get(tok.type)
                if rule is not None:
                    out[i] = rule([tok])
            except Exception:  # noqa: BLE001 - the LALR loop meets it and says what it is
                continue
        return out


@cache
def _parsed(regexp: str) -> tuple[Any, ...]:
    """A terminal's regular expression as ``re``'s own parser reads it (once per terminal:
    both the scan literal and the first characters are read from it)."""
    import importlib

    try:
        sre_parse = importlib.import_module("re._parser")
    except ImportError:  # Python < 3.11
        sre_parse = importlib.import_module("sre_parse")
    return tuple(sre_parse.parse(regexp))


def _scan_literal(terminal: Any) -> str | None:
    """The longest literal a terminal that starts by scanning ahead must contain, if any.

    Read from the terminal's own regular expression: a run of plain characters in
    its top-level sequence (never inside a group, an option or a repeat).
    """
    if terminal.pattern.flags:
        return None
    tree = list(_parsed(terminal.pattern.to_regexp()))
    while tree and str(tree[0][0]) == "ASSERT_NOT":
        tree.pop(0)  # a head it must not start with ("(?!oom-kill:)"): the scan follows
    if not tree or str(tree[0][0]) != "MIN_REPEAT":
        return None  # it does not scan ahead (``[^\n]*?``): cheap to try already
    runs, run = [], ""
    for op, arg in tree:
        if str(op) == "LITERAL":
            run += chr(arg)
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    best = max(runs, key=len)
    return best if len(best) >= 2 else None


_ASCII = frozenset(map(chr, range(128)))


def _first_ascii(pattern: Any) -> frozenset[str] | None:
    """The ASCII characters a match of a terminal's pattern can start with; None for any.

    Read from the pattern's own regular expression. Zero-width parts (lookarounds,
    anchors) are passed over, which can only add characters; a pattern that may match
    nothing, or uses a construct not read here, may start with anything.
    """
    if pattern.flags:
        return None
    try:
        first, nullable = _first_of(list(_parsed(pattern.to_regexp())))
    except _Unread:
        return None
    return None if nullable else frozenset(first)


class _Unread(Exception):
    """A regular-expression construct :func:`_first_of` does not read."""


_CLASS_OF = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s"}
_CLASS_OF |= {"CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


def _in_set(items: list[tuple[Any, Any]]) -> set[str]:
    """The ASCII characters a character class (``IN``) takes."""
    import re

    out: set[str] = set()
    negate = False
    for op, arg in items:
        kind = str(op)
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            out.add(chr(arg))
        elif kind == "RANGE":
            out.update(chr(c) for c in range(arg[0], min(arg[1], 127) + 1))
        elif kind == "CATEGORY" and str(arg) in _CLASS_OF:
            rx = re.compile(_CLASS_OF[str(arg)])
            out.update(c for c in _ASCII if rx.match(c))
        else:
            raise _Unread(kind)
    return set(_ASCII - out) if negate else {c for c in out if c in _ASCII}


def _first_of(seq: list[tuple[Any, Any]]) -> tuple[set[str], bool]:
    """(first ASCII characters, may match nothing) of a parsed sequence."""
    first: set[str] = set()
    for op, arg in seq:
        kind = str(op)
        if kind == "LITERAL":
            f, nullable = {chr(arg)} & _ASCII, False
        elif kind == "NOT_LITERAL":
            f, nullable = set(_ASCII - {chr(arg)}), False
        elif kind == "ANY":
            f, nullable = set(_ASCII - {"\n"}), False
        elif kind == "IN":
            f, nullable = _in_set(arg), False
        elif kind in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero width: what follows starts the match
        elif kind == "SUBPATTERN":
            if arg[1] or arg[2]:
                raise _Unread("flags")  # a group that sets flags (ignore case)
            f, nullable = _first_of(list(arg[3]))
        elif kind == "ATOMIC_GROUP":
            f, nullable = _first_of(list(arg))
        elif kind == "BRANCH":
            f, nullable = set(), False
            for alt in arg[1]:
                af, an = _first_of(list(alt))
                f |= af
                nullable = nullable or an
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            f, nullable = _first_of(list(arg[2]))
            nullable = nullable or arg[0] == 0
        else:
            raise _Unread(kind)
        first |= f
        if not nullable:
            return first, False
    return first, True


def as_lexer_text(text: str) -> Any:
    """``text`` as Lark's lexer takes it (a ``TextSlice`` since lark 1.2)."""
    try:
        from lark.utils import TextSlice
    except ImportError:  # lark < 1.2 lexes plain strings
        return text
    return TextSlice(text, 0, len(text))


@cache
def line_start() -> LineStart | None:
    """The reader of one-terminal lines for the report grammar; None if Lark hides its tables."""
    try:
        return _line_start(report_parser())
    except (AttributeError, KeyError, ImportError, TypeError, ValueError, IndexError):
        return None


def _line_start(lark: Lark, install: bool = True) -> LineStart | None:
    """Work out from Lark's parse table which terminals make a line, and their rules.

    ``install``: the line-start lexers of ``lark`` take the reader's ``match``.

    The parser's stacks at the start of a line are found by running the table
    over every line kind to a fixed point; a terminal counts when, from every
    such stack, shifting it and then the newline reduces it alone to one rule.
    """
    from lark.parsers.lalr_analysis import Shift

    frontend = lark.parser
    parser = frontend.parser.parser
    states, callbacks = parser.parse_table.states, parser.callbacks
    lexers = frontend.lexer.lexers

    def feed(stack: tuple[int, ...], terminal: str) -> tuple[tuple[int, ...], Any]:
        """The stack after the parser takes ``terminal``, and the rule reduced first."""
        work, first = list(stack), None
        while True:
            action, arg = states[work[-1]][terminal]
            if action is Shift:
                return (*work, arg), first
            first = first or arg
            if arg.expansion:
                del work[-len(arg.expansion) :]
            work.append(states[work[-1]][arg.origin.name][1])

    first_stack: tuple[int, ...] = (parser.parse_table.start_states["start"],)
    terminals = frozenset(t.name for t in lexers[first_stack[0]].terminals)
    ignore = lexers[first_stack[0]].ignore_types
    kinds = sorted(t for t in terminals - ignore if t != "_NL")
    seen, todo = {first_stack}, [first_stack]
    while todo:
        stack = todo.pop()
        if frozenset(t.name for t in lexers[stack[-1]].terminals) != terminals or len(seen) > 64:
            return None
        for kind in [None, *kinds]:
            try:
                after = feed(stack, kind)[0] if kind else stack
                nxt = feed(after, "_NL")[0]
            except KeyError:
                continue  # a terminal that cannot end a line by itself here
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    rules: dict[str, Callable[[list[Token]], Any]] = {}
    for kind in kinds:
        reduced = set()
        for stack in seen:
            try:
                rule = feed(feed(stack, kind)[0], "_NL")[1]
            except KeyError:
                rule = None
            reduced.add(rule)
        rule = reduced.pop() if len(reduced) == 1 else None
        if rule is not None and len(rule.expansion) == 1:
            rules[kind] = callbacks[rule]
    start = LineStart(lexers[first_stack[0]], rules)
    # The LALR loop's lexers at a line's start now pick their scanner as read() does:
    # one per set of parser states Lark gave its own lexer, each with the same terminals
    # in the same order (a lexer may serve other parser states with those terminals too:
    # match() is Lark's first terminal at any position, so it reads them alike)
    order = [t.name for t in start._scanner.terminals]
    for lexer in {id(lexers[s[-1]]): lexers[s[-1]] for s in seen}.values():
        if install and [t.name for t in lexer.scanner.terminals] == order:
            lexer.match = start.match
    return start


def _cache_file() -> str | bool:
    """Where Lark keeps the analysed grammar between runs (start-up 120 ms → ~10 ms)."""
    import os
    import tempfile

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (os.path.join(base, "oomlens"), tempfile.gettempdir()):
        try:
            os.makedirs(folder, exist_ok=True)
            if os.access(folder, os.W_OK):
                return (
                    True
                    if folder == tempfile.gettempdir()
                    else os.path.join(
                        folder, f"report-lark-{os.getuid() if hasattr(os, 'getuid') else 0}.cache"
                    )
                )
        except OSError:
            continue
    return False
