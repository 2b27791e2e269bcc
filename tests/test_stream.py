"""Streaming output: each report is written as soon as it is judged and then dropped; the
streamed documents equal the whole-result renderers' over the real corpus."""

from __future__ import annotations

import gc
import json
import weakref

import pytest
from typer.testing import CliRunner

from oomlens.cli import app
from oomlens.incidents import assign
from oomlens.pipeline import analyze_file, stream_file
from oomlens.render import render
from tests.corpus import ALL_FILES, sample

PATHS = [str(p) for p in ALL_FILES]
runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def results():
    return assign([analyze_file(p) for p in PATHS])


@pytest.mark.parametrize("each", [False, True], ids=["incidents", "each"])
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "markdown", "html"])
def test_streamed_output_equals_the_whole_result_renderer(results, fmt, each):
    done = cli("analyze", *PATHS, "--format", fmt, *(["--each"] if each else []))
    assert done.exit_code == 0
    assert done.stdout == render(results, fmt, each=each)


@pytest.mark.parametrize("each", [False, True], ids=["incidents", "each"])
def test_streamed_text_puts_the_count_line_last(results, each):
    whole = render(results, "text", each=each)
    count, blocks = whole.split("\n\n", 1)
    assert count.startswith(f"{sum(len(r.analyses) for r in results)} reports")
    got = cli("analyze", *PATHS, *(["--each"] if each else [])).stdout
    assert got == blocks + "\n" + count + "\n"


def test_an_incident_is_written_when_it_ends():
    """Text holds an incident's section until no later report can join it, then writes it
    with its count: at a 37 s window the storm's first incident (12 reports,
    06:02:04..06:02:17) is complete when the 13th report comes 76 s later (more than the
    74 s its ratelimit notice bridges)."""
    from oomlens.render.stream import TextWriter

    (storm,) = assign([analyze_file(str(sample("020")))], window=37)
    w = TextWriter()
    written = []
    for a in storm.analyses:
        written.append("".join(w.report(a)))
        if a.report.first_line == 28:  # the second incident's first report ends the first
            written.append("".join(w.ended([storm.analyses[0].incident])))
    assert [i for i, text in enumerate(written) if text] == [13]
    assert "incident: ×12, " in written[13]


def test_json_files_say_each_input_and_its_assumptions(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    done = cli("analyze", str(sample("005")), str(empty), "--format", "json")
    doc = json.loads(done.stdout)
    assert [(f["path"], f["reports"], f["assumptions"]) for f in doc["files"]] == [
        (
            str(sample("005")),
            1,
            ["dmesg -T times carry no UTC offset: UTC assumed (--utc-offset sets it)"],
        ),
        (str(empty), 0, []),
    ]
    assert len(doc["reports"]) == 1


def test_each_report_is_written_before_the_next_is_judged(monkeypatch):
    """The CLI judges and writes in turn, and lets each analysis go once written."""
    import oomlens.pipeline as pipeline
    from oomlens.render.stream import JsonlWriter

    events: list[str] = []
    alive: list[weakref.ref] = []
    judge = pipeline.analyze_report

    def judged(report, options, victim=False):
        gc.collect()
        # of the analyses already written only the last may still be referenced (by the
        # loop that wrote it): nothing accumulates
        held = sum(r() is not None for r in alive)
        events.append(f"judge (held: {'<=1' if held <= 1 else held})")
        return judge(report, options, victim)

    write = JsonlWriter.one

    def written(self, analysis):
        events.append("write")
        alive.append(weakref.ref(analysis))
        return write(self, analysis)

    monkeypatch.setattr(pipeline, "analyze_report", judged)
    monkeypatch.setattr(JsonlWriter, "one", written)
    done = cli("analyze", str(sample("020")), str(sample("022")), "--format", "jsonl")
    assert done.exit_code == 0
    n = len(done.stdout.splitlines())
    assert n == 24 + 7
    assert events == ["judge (held: <=1)", "write"] * n


def test_fail_on_and_unreadable_with_streaming(tmp_path, results):
    stranded = cli("analyze", *PATHS, "--format", "csv", "--fail-on", "highatomic-stranded")
    assert stranded.exit_code == 3
    assert len(stranded.stdout.splitlines()) == 1 + sum(len(r.analyses) for r in results)
    missing = str(tmp_path / "missing.log")
    done = cli("analyze", str(sample("035")), missing, "--format", "jsonl")
    assert done.exit_code == 2
    assert [json.loads(x)["id"] for x in done.stdout.splitlines()] == [f"{sample('035')}:1"]
    assert f"cannot read {missing}" in done.stderr


def test_nothing_readable_writes_nothing(tmp_path):
    done = cli("analyze", str(tmp_path / "missing.log"), "--format", "json")
    assert (done.exit_code, done.stdout) == (2, "")


def test_stream_file_reports_count_and_status():
    stream = stream_file(str(sample("020")))
    assert stream.result.status == "unreadable"  # not read yet
    codes = [a.verdict.code for a in stream if a.verdict is not None]
    assert (stream.count, len(codes), stream.result.status) == (24, 24, "ok")
    assert stream.result.analyses == ()
    assert stream.result.lines == 88


def test_finished_sections_wait_on_disk_and_come_back_in_order():
    """Synthetic pieces (no report needed): put in any order, taken in order, each once."""
    import random

    from oomlens.render.stream import _Disk

    disk, taken, expected = _Disk(), [], 1
    order = list(range(1, 3000))
    random.Random(7).shuffle(order)
    for key in order:
        disk.put(key, f"section {key} ✓")
        while (text := disk.take(expected)) is not None:
            taken.append(text)
            expected += 1
    assert taken == [f"section {k} ✓" for k in range(1, 3000)]
    assert disk.take(1) is None and len(disk.offsets) == 0
    disk.close()
