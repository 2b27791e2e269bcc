"""The oomlens command: CliRunner for the commands, one real pipe through ``python -m``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oomlens import cli
from oomlens.cli import app, main

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "samples/seeds/000_702fbe451f37f534.txt")
BALLOON = str(ROOT / "samples/corpus/035.log")

runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_help_lists_the_four_commands():
    result = run("--help")
    assert result.exit_code == 0
    for name in ("analyze", "gfp", "batch", "summary"):
        assert name in result.stdout


def test_analyze_help_names_every_option():
    result = run("analyze", "--help")
    assert result.exit_code == 0
    for option in (
        "--format",
        "--kernel",
        "--assume",
        "--page-size",
        "--pageblock-order",
        "--fail-on",
        "--chart",
    ):
        assert option in result.stdout


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("oomlens ")


def test_analyze_json_has_the_contract_keys():
    result = run("analyze", BALLOON, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "oomlens/1"
    (report,) = doc["reports"]
    assert {
        "id",
        "source",
        "kind",
        "complete",
        "kernel",
        "task",
        "request",
        "zones",
        "killed",
        "verdict",
        "diagnostics",
    } <= set(report)
    assert report["task"] == {"comm": "balloon", "pid": 8473}
    assert [z["free_kb"] for z in report["zones"]] == [8188, 19404]


def test_analyze_jsonl_globs_and_stdin_dash():
    pattern = str(ROOT / "samples/seeds/*.txt")
    result = run("analyze", pattern, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["task"]["pid"] for line in result.stdout.splitlines()] == [8473, 476]
    piped = run("analyze", "-", "--format", "jsonl", stdin=Path(SEED).read_text())
    assert piped.exit_code == 0
    assert len(piped.stdout.splitlines()) == 2


def test_markdown_has_zone_table_and_codes():
    result = run("analyze", SEED, "--format", "markdown")
    assert result.exit_code == 0
    assert (
        "| zone | free | min | lowmem reserve | usable | highatomic free | highatomic reserved "
        "| result |" in result.stdout
    )
    assert "| DMA32 | 4851..4871 (18.9..19 MiB) | 1407 (5.5 MiB) |" in result.stdout
    assert result.stdout.count("### `") == 2
    assert "**2 reports:**" in result.stdout


def test_csv_rows():
    result = run("analyze", SEED, "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,path,lines,kind,release,comm,pid,gfp,order,code,")
    assert len(lines) == 3


def test_text_is_plain_when_not_a_terminal():
    result = run("analyze", SEED)
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    # each report is written as it is judged: the count line comes last
    assert result.stdout.startswith("[") and result.stdout.endswith(
        "\n\n2 reports: 2 highatomic-stranded\n"
    )
    assert "[highatomic-stranded] balloon (pid 8473): OOM killer — " in result.stdout
    assert "asked for 1 page (4 kB, order 0, GFP_HIGHUSER_MOVABLE|__GFP_ZERO)" in result.stdout


def test_fail_on_exits_3_when_a_verdict_matches():
    doc = json.loads(run("analyze", BALLOON, "--format", "json").stdout)
    verdict = doc["reports"][0]["verdict"]
    assert verdict is not None
    code = verdict["code"]
    other = "cma-only" if code != "cma-only" else "exhausted"
    assert run("analyze", BALLOON, "--fail-on", f"{other},{code}").exit_code == 3
    assert run("analyze", BALLOON, "--fail-on", other).exit_code == 0


def test_fail_on_unknown_code_is_a_usage_error():
    result = run("analyze", BALLOON, "--fail-on", "bogus")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "unknown code bogus" in result.stderr


def test_missing_file_exits_2_with_one_line(tmp_path):
    missing = str(tmp_path / "nope.log")
    result = run("analyze", missing)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"oomlens: {missing}: ")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_glob_without_match_exits_2(tmp_path):
    result = run("analyze", str(tmp_path / "*.log"))
    assert result.exit_code == 2
    assert "no file matches" in result.stderr


def test_no_report_found_exits_0_and_says_so(tmp_path):
    log = tmp_path / "quiet.log"
    log.write_text("[    0.000000] Linux version 6.1.0 (gcc)\n[    1.0] nothing to see\n")
    result = run("analyze", str(log))
    assert result.exit_code == 0
    assert "no OOM or page-allocation-failure report found" in result.stderr


def test_chart_writes_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    result = run("analyze", SEED, "--chart", str(tmp_path / "charts"))
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [
        "000_702fbe451f37f534_19.png",
        "000_702fbe451f37f534_64.png",
    ]


def test_gfp_names_for_4_8():
    result = run("gfp", "0x24280ca", "--kernel", "4.8")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    assert "highest zone: Movable" in lines
    assert "migratetype: Movable" in lines


def test_gfp_names_for_6_1():
    result = run("gfp", "0xcc0", "--kernel", "6.1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "GFP_KERNEL"
    assert "migratetype: Unmovable" in result.stdout


def test_gfp_without_kernel_says_the_layout_is_a_guess():
    result = run("gfp", "0xcc0")
    assert result.exit_code == 0, result.stderr
    assert "guessed" in result.stdout.splitlines()[-1]


def test_gfp_rejects_a_non_mask():
    result = run("gfp", "zebra")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1


# main(): the console-script wrapper (default subcommand, one-line errors)


def test_no_subcommand_means_analyze(capsys):
    assert main([BALLOON, "--format", "jsonl"]) == 0
    assert json.loads(capsys.readouterr().out)["task"]["comm"] == "balloon"


def test_usage_error_is_one_line(capsys):
    assert main(["analyze", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--bogus" in err


def test_internal_error_is_one_line_and_debug_reraises(monkeypatch, capsys):
    def boom(path, options, follow=False):
        raise RuntimeError("kaput")

    monkeypatch.setattr("oomlens.pipeline.stream_file", boom)
    monkeypatch.delenv("OOMLENS_DEBUG", raising=False)
    assert main([BALLOON]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: kaput" in err
    monkeypatch.setenv("OOMLENS_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main([BALLOON])


def test_argv_default_keeps_root_options_and_subcommands():
    assert cli._argv_with_default([]) == ["analyze"]
    assert cli._argv_with_default(["-"]) == ["analyze", "-"]
    assert cli._argv_with_default(["--format", "json"]) == ["analyze", "--format", "json"]
    assert cli._argv_with_default(["gfp", "0xcc0"]) == ["gfp", "0xcc0"]
    assert cli._argv_with_default(["--version"]) == ["--version"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def test_real_pipe_cat_seed_into_python_m_oomlens():
    cat = subprocess.Popen(["cat", SEED], stdout=subprocess.PIPE)
    done = subprocess.run(
        [sys.executable, "-m", "oomlens"],
        stdin=cat.stdout,
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        check=False,
    )
    cat.wait()
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("\n2 reports: 2 highatomic-stranded\n")
    assert "in:imklog (pid 476): page allocation failure — <stdin>:64" in done.stdout
    assert "asked for 1 page (4 kB, order 0, GFP_ATOMIC|__GFP_NOTRACK)" in done.stdout
    assert "\x1b[" not in done.stdout


def test_analyze_does_not_import_heavy_libraries():
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "oomlens", "analyze", BALLOON],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert not imported & {"pandas", "matplotlib", "dask", "pyarrow", "numpy"}


def test_analyze_options_reach_the_pipeline(monkeypatch):
    seen = []

    def fake(path, options, follow=False):
        from oomlens.pipeline import FileStream

        seen.append((path, options))
        return FileStream(path, options)

    monkeypatch.setattr("oomlens.pipeline.stream_file", fake)
    result = run(
        "analyze",
        BALLOON,
        "--kernel",
        "5.15.0",
        "--assume",
        "unreserve-before-oom",
        "--assume",
        "no-free-highatomic",
        "--page-size",
        "16",
        "--pageblock-order",
        "11",
    )
    assert result.exit_code == 0
    ((path, options),) = seen
    assert path == BALLOON
    assert (options.kernel, options.assume, options.page_kb, options.pageblock_order) == (
        "5.15.0",
        ("unreserve-before-oom", "no-free-highatomic"),
        16,
        11,
    )


def test_batch_then_summary(tmp_path):
    out = tmp_path / "fleet"
    done = run(
        "batch", SEED, BALLOON, "--out", str(out), "--format", "csv", "--jobs", "1", "--no-progress"
    )
    assert done.exit_code == 0, done.stderr
    assert "2 files (2 ok, 0 partial, 0 unreadable), 3 reports" in done.stderr
    summary = run("summary", str(out))
    assert summary.exit_code == 0, summary.stderr
    assert summary.stdout.startswith("oomlens fleet summary: 2 files, 3 reports")
    assert run("summary", str(tmp_path / "absent")).exit_code == 2


def test_summary_of_a_directory_without_batch_output_exits_2_with_one_line(tmp_path):
    from oomlens.cli import main

    rc = main(["summary", str(tmp_path)])
    assert rc == 2


def test_a_reader_that_stops_early_is_no_error():
    """``oomlens LOG | head -1``: the reader closes the pipe; exit 0, no traceback (click
    would make it exit 1)."""
    from tests.corpus import sample

    cmd = f"{sys.executable} -m oomlens {sample('020')} --each | head -1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[undetermined] rsync: page allocation failure")
    assert "Traceback" not in done.stderr
