"""util-linux ``dmesg --json`` is read as ``dmesg`` is: each record's message with its time
and caller, at the line of the file its ``"msg"`` stands on.

The JSON inputs are real stamped samples written as dmesg 2.40 writes them (a synthetic
form of real reports, made here: the corpus holds no report saved as JSON).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from oomlens.pipeline import analyze_file
from oomlens.read.ingest import open_input
from oomlens.read.segment import segment_stream
from tests.corpus import SAMPLES, sample

ROOT = Path(__file__).resolve().parent.parent
_STAMP = re.compile(r"\[\s*(\d+\.\d{6})\](?:\[\s*([TC]\d+)\])? ?(.*)$")


def _as_dmesg_json(text: str) -> tuple[str, dict[int, int]]:
    """``text``'s records as ``dmesg --json``, and each message's line: log -> JSON."""
    out, where = ["{", '   "dmesg": ['], {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _STAMP.match(line)
        assert m is not None, "every line of the sample is stamped"
        out.append("      {" if len(out) == 2 else "      },{")
        out += ['         "pri": 4,', f'         "time": {m.group(1):>12},']
        if m.group(2):
            out.append(f'         "caller": "{m.group(2)}",')
        out.append(f'         "msg": {json.dumps(m.group(3))}')
        where[lineno] = len(out)
    out += ["      }", "   ]", "}"]
    return "\n".join(out) + "\n", where


CASES = [
    SAMPLES / "lab" / "stranded-6.12.log",
    SAMPLES / "lab" / "memcg-6.12.log",
    SAMPLES / "lab" / "mempolicy-7.3.log",
    sample("025"),  # caller ids "[   36.903981][   T60]"
    SAMPLES / "extra" / "101.log",
]


def _seen(a) -> tuple:
    r = a.report
    return (
        r.kind,
        a.verdict.code,
        a.verdict.confidence,
        r.uptime_s,
        r.killed.pid if r.killed else None,
        [(z.name, z.free_kb, z.managed_kb) for z in r.zones],
        len(r.tasks),
        [d.message for d in r.diagnostics],
    )


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_dmesg_json_reads_as_the_log(path: Path, tmp_path: Path) -> None:
    text, where = _as_dmesg_json(path.read_text(encoding="utf-8"))
    js = tmp_path / f"{path.stem}.json"
    js.write_text(text)
    got, want = analyze_file(str(js)).analyses, analyze_file(str(path)).analyses
    assert [_seen(a) for a in got] == [_seen(w) for w in want] != []
    assert [(a.report.first_line, a.report.last_line) for a in got] == [
        (where[w.report.first_line], where[w.report.last_line]) for w in want
    ]


def test_a_caller_id_is_read_from_its_own_key(tmp_path: Path) -> None:
    """corpus 025 prints "[   36.903981][   T60]": the JSON record's "caller": "T60" is
    read back as that report's caller."""
    text, _ = _as_dmesg_json(sample("025").read_text(encoding="utf-8"))
    assert '"caller": "T60"' in text
    js = tmp_path / "025.json"
    js.write_text(text)
    with open_input(str(js)) as inp:
        lines = inp.stream.read().decode().splitlines()
    assert (
        "[   36.903981] [   T60] vmalloc_test/0: vmalloc error: size 4096, vm_struct"
        in "\n".join(lines)
    )
    with open_input(str(js)) as inp:
        (raw,) = list(segment_stream(inp.stream, inp.path, journal=inp.records))
    assert raw.caller == "T60"


def test_what_json_cannot_hold_is_said_and_read_as_it_stands(tmp_path: Path) -> None:
    """Synthetic: a time that is no number of seconds, a msg that is no JSON string, and a
    message with a newline (split as the kernel's multi-line records are)."""
    js = tmp_path / "odd.json"
    js.write_text(
        "{\n"
        '   "dmesg": [\n'
        "      {\n"
        '         "time": "soon",\n'
        '         "msg": "first\\nsecond"\n'
        "      },{\n"
        '         "time":    12.000001,\n'
        '         "msg": not json\n'
        "      }\n"
        "   ]\n"
        "}\n"
    )
    with open_input(str(js)) as inp:
        assert inp.encoding == "dmesg-json" and inp.records
        lines = inp.stream.read().decode().split("\n")
        notes = [(d.line, d.message) for d in inp.diagnostics]
    assert lines[:8] == ["", "", "", "", "first\\x0asecond", "", "", "[   12.000001] not json"]
    assert notes == [
        (4, "dmesg JSON time b'\"soon\"' is not seconds; left out"),
        (8, "dmesg JSON msg is not a JSON string; read as it stands"),
    ]


def test_a_text_log_that_opens_with_a_brace_is_text(tmp_path: Path) -> None:
    path = tmp_path / "brace.log"
    path.write_text("{\n" + sample("035").read_text(encoding="utf-8"))
    with open_input(str(path)) as inp:
        assert inp.encoding == "plain"
    (a,) = analyze_file(str(path)).analyses
    assert a.verdict.code == "highatomic-stranded"


def test_dmesg_json_through_a_real_pipe(tmp_path: Path) -> None:
    text, _ = _as_dmesg_json((SAMPLES / "lab" / "stranded-6.12.log").read_text(encoding="utf-8"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    done = subprocess.Popen(
        [sys.executable, "-m", "oomlens", "--format", "jsonl"],
        stdin=cat.stdout,
        stdout=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert cat.stdin is not None
    cat.stdin.write(text.encode())
    cat.stdin.close()
    out, _ = done.communicate(timeout=60)
    cat.wait()
    (row,) = [json.loads(x) for x in out.splitlines()]
    assert (row["verdict"]["code"], row["verdict"]["confidence"]) == (
        "highatomic-stranded",
        "certain",
    )
    assert row["uptime_s"] == 12.909418


def test_a_msg_of_blanks_is_read_in_linear_time(tmp_path: Path) -> None:
    """Round 13: a field regex with two blank runs around an optional comma backtracked
    cubically, 3,000 blanks in one msg took 25 s (a 64 KiB line, days). Synthetic: one
    record whose msg is 60,000 blanks, then corpus 035's trigger line."""
    js = tmp_path / "blanks.json"
    js.write_text(
        '{\n   "dmesg": [\n      {\n         "time":     1.000000,\n'
        f'         "msg": "{" " * 60_000}"\n      }},{{\n'
        '         "time":     2.000000,\n'
        '         "msg": "balloon invoked oom-killer: gfp_mask=0x24280ca(GFP_HIGHUSER_MOVABLE|'
        '__GFP_ZERO), order=0, oom_score_adj=0"\n      }\n   ]\n}\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "oomlens", "analyze", str(js), "--format", "jsonl"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    (row,) = [json.loads(x) for x in done.stdout.splitlines()]
    assert (row["source"]["first_line"], row["uptime_s"]) == (8, 2.0)


def test_text_after_the_document_or_instead_of_it_is_read_as_text(tmp_path: Path) -> None:
    """Round 13: once a file opened as `dmesg --json`, every later line that was no field
    became an empty line, so a plain log after the document, or a text log that merely
    opens with `{` and `"dmesg": [`, lost its reports. Synthetic wrappers around corpus
    025 as printed."""
    plain = sample("025").read_text(encoding="utf-8")
    (want,) = analyze_file(str(sample("025"))).analyses
    doc, _ = _as_dmesg_json("[    1.000000] hello\n")
    for name, text, shift in (
        ("after.log", doc + plain, doc.count("\n")),
        ("opens-like.log", '{\n"dmesg": [ pasted from a ticket\n' + plain, 2),
    ):
        path = tmp_path / name
        path.write_text(text)
        (a,) = analyze_file(str(path)).analyses
        assert (a.verdict.code, a.verdict.confidence) == (want.verdict.code, "certain")
        assert a.report.first_line == want.report.first_line + shift
