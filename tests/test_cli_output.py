"""The CLI's output surface: argument help under the pinned click, explain, hex masks,
--format html, narrow terminals, and start-up without rich or matplotlib."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oomlens.cli import app, main
from oomlens.pipeline import Options, analyze_file
from oomlens.render import glossary
from oomlens.render.document import USER_HEADERS, ZONE_HEADERS
from oomlens.render.text import print_rich

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "samples/seeds/000_702fbe451f37f534.txt")
BALLOON = str(ROOT / "samples/corpus/035.log")
runner = CliRunner()

# Each command's positional argument and a phrase of its help text.
ARGUMENT_HELP = {
    "analyze": "Log files, globs, compressed files",
    "gfp": "The gfp_mask in hex as the kernel prints it",
    "batch": "Files and directories (recursed)",
    "summary": "A directory written by 'oomlens batch'",
    "explain": "A verdict code, a migratetype letter",
}


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def test_click_is_in_the_pinned_range():
    major, minor = (int(x) for x in version("click").split(".")[:2])
    assert (8, 2) <= (major, minor) < (8, 5)


@pytest.mark.parametrize("command", sorted(ARGUMENT_HELP))
def test_each_commands_help_shows_its_arguments_help(command):
    result = run(command, "--help", env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    assert ARGUMENT_HELP[command] in result.stdout


def test_masks_are_read_as_hex_with_or_without_0x():
    with_prefix = run("gfp", "0x2280020")
    without = run("gfp", "2280020")
    assert with_prefix.exit_code == without.exit_code == 0
    assert without.stdout == with_prefix.stdout
    assert without.stdout.splitlines()[0] == "GFP_ATOMIC|__GFP_NOTRACK"
    assert run("gfp", "24280ca", "--kernel", "4.8").stdout.splitlines()[0] == (
        "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    )


@pytest.mark.parametrize("mask", ["0x", "12g", "０x1", "1" * 17, "0x-1"])
def test_a_mask_that_is_not_hex_or_over_64_bits_is_one_line_and_exit_2(mask, capsys):
    assert main(["gfp", mask]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a gfp mask" in err


def test_format_html_writes_one_self_contained_page():
    result = run("analyze", BALLOON, "--format", "html")
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<link" not in page and " src=" not in page and "@import" not in page
    assert '<span class="verdict v-highatomic-stranded">highatomic-stranded</span>' in page


def test_explain_a_code_names_its_kernel_functions_and_commits():
    result = run("explain", "highatomic-stranded")
    assert result.exit_code == 0
    assert "unreserve_highatomic_pageblock()" in result.stdout
    assert "0aaa29a56e4f (v4.4)" in result.stdout


def test_explain_is_forgiving_and_unknown_words_are_one_line():
    assert run("explain", "H").stdout.startswith("H (letter): HighAtomic")
    assert run("explain", "lowmem_reserve").stdout.startswith("lowmem_reserve (term)")
    assert run("explain", "Lowmem Reserve").stdout.startswith("lowmem reserve (term)")
    bad = run("explain", "fragmnted")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert "did you mean fragmented" in bad.stderr


def test_explain_covers_every_word_the_output_uses():
    from oomlens.judge.verdict import CODES, PCP_HELD, RESERVE_REMADE
    from oomlens.render import describe

    words = [
        *CODES,
        PCP_HELD,
        RESERVE_REMADE,
        *ZONE_HEADERS,
        *USER_HEADERS[2:],
        *describe.LETTER_NAMES,
        *describe.MARKS.values(),
        "→",
        "shortcut",
        "page count",
        "free block",
        "per-order walk",
        "rmqueue",
        "unboosted",
        *describe.TERM_WORDS.values(),
        "order",
        "failed",
        "why",
        "unreserve",
        "avoided by",
        "how sure",
        "what to do",
        "checks",
        "factors",
        "assumed",
        "killed",
        "rules of",
        "split not printed",
        "counter had drifted",
        "memory cgroup",
    ]
    missing = [w for w in words if glossary.lookup(w) is None]
    assert missing == []
    listing = run("explain").stdout
    for code in CODES:
        assert f"  {code} (verdict): " in listing


def test_a_narrow_terminal_wraps_tables_instead_of_dropping_columns():
    result = analyze_file(SEED, Options())
    out = io.StringIO()
    print_rich([result], file=out, width=60)
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 60
    # every column's header is there (wrapped), and so is every zone's free count
    flat = " ".join(text.split())
    for header in ("zone", "free", "min", "usable", "result"):
        assert header in flat
    for free in ("4851..4871", "2047..2048", "7532", "1937"):
        assert free in flat


def test_narrow_terminal_through_the_cli(tmp_path):
    """COLUMNS=60 reaches rich when stdout is a terminal: here, a pseudo-terminal."""
    pty = pytest.importorskip("pty")
    import os

    script = f"import sys; from oomlens.cli import main; sys.exit(main(['analyze', {SEED!r}]))"
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "60", "TERM": "xterm", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=slave, stderr=slave, env=env, cwd=ROOT
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    text = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode("utf-8", "replace"))
    assert proc.returncode == 0
    lines = [line for line in text.replace("\r", "").splitlines() if line.strip()]
    assert max(len(line) for line in lines) <= 60
    assert "4851..4871" in " ".join(text.split())


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv", "json"])
def test_rendering_to_a_pipe_imports_neither_rich_nor_matplotlib(fmt):
    done = subprocess.run(
        [sys.executable, "-m", "oomlens", "analyze", BALLOON, "--format", fmt],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PYTHONVERBOSE": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {
        line.split()[1].split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import ") and len(line.split()) > 1
    }
    assert not imported & {"rich", "matplotlib", "pandas", "numpy"}, imported & {
        "rich",
        "matplotlib",
        "pandas",
        "numpy",
    }


def test_a_file_name_that_is_not_utf8_is_escaped_in_every_format(tmp_path):
    """Hostile (round 8): corpus 023 saved under a name with the bytes 0x9d and 0x9c (8-bit
    OSC and ST: "\\x9d52;c;...\\x9c" asks a terminal honouring C1 to write its clipboard).
    They reached stdout raw in every format, and JSON was no longer UTF-8. Text shows
    them as stderr does ("\\x9d"); JSON as the lone surrogates os.fsencode() turns back."""
    import json
    import os

    name = b"a\x9d52;c;cHduZWQ=\x9cb.log"
    path = os.path.join(os.fsencode(tmp_path), name)
    with open(path, "wb") as f:
        f.write((ROOT / "samples/corpus/023.log").read_bytes())
    for fmt in ("text", "json", "jsonl", "csv", "markdown", "html"):
        done = subprocess.run(
            [sys.executable, "-m", "oomlens", "analyze", path, "--format", fmt],
            capture_output=True,
            check=True,
        )
        out = done.stdout.decode("utf-8")  # strict: raises on a raw byte
        assert "\x9d" not in out and "\x9c" not in out, fmt
        if fmt == "jsonl":
            assert os.fsencode(json.loads(out)["source"]["path"]) == path
        elif fmt in ("text", "markdown"):
            assert "a\\x9d52;c;cHduZWQ=\\x9cb.log" in out.replace("\\\\", "\\"), fmt
