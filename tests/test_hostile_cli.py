"""The CLI accepts no nonsense (issue 10): exit 2 with one line naming the valid choices,
and nothing, no --out directory, is created before the arguments are valid."""

from __future__ import annotations

import pytest

from oomlens.cli import main
from oomlens.kernel.profile import Feature
from tests.corpus import sample

BALLOON = str(sample("035"))


def one_line_exit_2(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("oomlens: ")
    return err


@pytest.mark.parametrize("command", ["analyze", "batch"])
def test_unknown_kernel_release(capsys, tmp_path, command):
    out = tmp_path / "out"
    extra = ["--out", str(out)] if command == "batch" else []
    err = one_line_exit_2(capsys, [command, BALLOON, *extra, "--kernel", "garbage"])
    assert "--kernel: 'garbage' is not a release oomlens has rules for" in err
    assert "5.15.0-105-generic" in err and not out.exists()


def test_kernel_release_forms_that_are_accepted(capsys):
    for release in ("6.1", "5.15.0-105-generic", "4.19.0-91.el7.x86_64", "2.6.32"):
        assert main(["analyze", BALLOON, "--kernel", release, "--format", "jsonl"]) == 0
    capsys.readouterr()
    one_line_exit_2(capsys, ["analyze", BALLOON, "--kernel", "2.4.20"])
    one_line_exit_2(capsys, ["analyze", BALLOON, "--kernel", "٥.١٥"])


@pytest.mark.parametrize("command", ["analyze", "batch"])
def test_unknown_assume_feature_names_every_feature(capsys, tmp_path, command):
    out = tmp_path / "out"
    extra = ["--out", str(out)] if command == "batch" else []
    err = one_line_exit_2(capsys, [command, BALLOON, *extra, "--assume", "no-such-feature"])
    assert "--assume: unknown feature 'no-such-feature'" in err
    assert all(f.value in err for f in Feature) and not out.exists()


def test_assume_accepts_features_and_their_negation(capsys):
    argv = ["analyze", BALLOON, "--format", "jsonl", "--assume", "highatomic"]
    assert main([*argv, "--assume", "no-unreserve-before-oom"]) == 0


def test_unknown_engine_creates_no_out_dir(capsys, tmp_path):
    out = tmp_path / "out"
    err = one_line_exit_2(capsys, ["batch", BALLOON, "--out", str(out), "--engine", "bogus"])
    assert "--engine: unknown engine 'bogus' (choose local, dask)" in err
    assert not out.exists()


def test_unknown_batch_format_and_stray_scheduler_create_nothing(capsys, tmp_path):
    out = tmp_path / "out"
    one_line_exit_2(capsys, ["batch", BALLOON, "--out", str(out), "--format", "xml"])
    one_line_exit_2(capsys, ["batch", BALLOON, "--out", str(out), "--scheduler", "tcp://h:8786"])
    assert not out.exists()


def test_batch_of_stdin_is_a_usage_error(capsys, tmp_path):
    out = tmp_path / "out"
    err = one_line_exit_2(capsys, ["batch", "-", "--out", str(out)])
    assert "not stdin" in err and not out.exists()


def test_batch_out_that_is_a_file(capsys, tmp_path):
    out = tmp_path / "file"
    out.write_text("x")
    assert "exists and is not a directory" in one_line_exit_2(
        capsys, ["batch", BALLOON, "--out", str(out)]
    )


@pytest.mark.parametrize(
    "mask",
    ["0x" + "f" * 17, "1" + "0" * 16, "٣", "0x٣", "12z", "-1", "0x", "", "1_000", " 0x1 0x2"],
    ids=[
        "17-hex",
        "17-bare",
        "arabic",
        "0x-arabic",
        "junk",
        "negative",
        "bare-0x",
        "empty",
        "underscore",
        "two",
    ],
)
def test_gfp_refuses_what_no_kernel_prints(capsys, mask):
    err = one_line_exit_2(capsys, ["gfp", "--", mask])
    assert f"{mask!r} is not a gfp mask" in err


def test_gfp_mask_without_0x_is_hex_as_the_kernel_prints_it(capsys):
    # 036's header: "mode:0x2280020(GFP_ATOMIC|__GFP_NOTRACK)", copied without its 0x
    assert main(["gfp", "2280020", "--kernel", "4.8"]) == 0
    bare = capsys.readouterr().out
    assert main(["gfp", "0x2280020", "--kernel", "4.8"]) == 0
    assert capsys.readouterr().out == bare
    assert bare.splitlines()[0] == "GFP_ATOMIC|__GFP_NOTRACK"


def test_gfp_takes_the_largest_64_bit_mask(capsys):
    assert main(["gfp", "0x" + "f" * 16]) == 0


def test_gfp_unknown_kernel_release(capsys):
    err = one_line_exit_2(capsys, ["gfp", "0xcc0", "--kernel", "garbage"])
    assert "next-20250618" in err


@pytest.mark.parametrize("size", ["lots", "0", "-1", "1X", "4 GiB extra", "9" * 30])
def test_max_expanded_must_be_a_size(capsys, size):
    err = one_line_exit_2(capsys, ["analyze", BALLOON, "--max-expanded", size])
    assert "--max-expanded" in err


@pytest.mark.parametrize("size", ["4G", "4GiB", "512M", "100000", "1t", "64 KiB"])
def test_max_expanded_sizes(capsys, size):
    assert main(["analyze", BALLOON, "--max-expanded", size, "--format", "jsonl"]) == 0


@pytest.mark.parametrize("page", ["3", "0", "2048", "12"])
def test_page_size_must_be_a_page_size(capsys, page):
    assert "--page-size" in one_line_exit_2(capsys, ["analyze", BALLOON, "--page-size", page])


def test_an_incident_window_that_is_not_a_number(capsys):
    """Hostile (round 8): NaN passed typer's min=0 and the tracker raised: exit 1."""
    err = one_line_exit_2(capsys, ["analyze", BALLOON, "--incident-window", "nan"])
    assert "--incident-window: nan is not a number of seconds" in err
