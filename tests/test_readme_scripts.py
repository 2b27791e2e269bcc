"""Every Python snippet in the README runs as a script, exactly as written."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oomlens.fleet.batch import run_batch
from tests.fleet_helpers import CORPUS, ROOT

BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """What the snippets name: crash.log.gz, crashlogs/ and a batch in fleet/."""
    here = tmp_path_factory.mktemp("readme")
    (here / "crash.log.gz").write_bytes(gzip.compress(CORPUS[34].read_bytes(), mtime=0))
    (here / "crashlogs").mkdir()
    for log in CORPUS:  # enough work for several batches, so jobs=2 starts workers
        shutil.copy(log, here / "crashlogs" / log.name)
    run_batch([str(here / "crashlogs")], str(here / "fleet"), jobs=1)
    return here


def test_the_readme_has_its_snippets():
    assert len(BLOCKS) >= 4
    assert any("analyze_paths([" in b and "jobs=2" in b for b in BLOCKS)


@pytest.mark.parametrize("n", range(len(BLOCKS)))
def test_snippet_runs_as_a_script(workdir, n):
    code = BLOCKS[n]
    if "import duckdb" in code:
        pytest.importorskip("duckdb", reason="duckdb is an optional test extra")
    if 'engine="dask"' in code:
        pytest.importorskip("distributed", reason="dask is an optional extra")
    script = workdir / f"snippet{n}.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, script.name], cwd=workdir, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "worker" not in proc.stderr, proc.stderr
    assert proc.stdout.strip()


UNGUARDED = """
from oomlens.batch import analyze_paths
with open("runs.txt", "a") as fh:
    fh.write("ran\\n")
tables = analyze_paths(["crashlogs/"], jobs=2)
print(len(tables["reports"]))
"""


def test_an_unguarded_script_runs_once_with_two_jobs(workdir):
    """The issue 12 finding: spawn workers re-ran such a script once per worker."""
    (workdir / "runs.txt").unlink(missing_ok=True)
    (workdir / "unguarded.py").write_text(UNGUARDED, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "unguarded.py"], cwd=workdir, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert (workdir / "runs.txt").read_text() == "ran\n"
    from oomlens.batch import analyze_paths
    from oomlens.fleet.engines import discover, plan

    assert len(plan(discover([str(workdir / "crashlogs")]), 2)) > 2  # the pool did run
    assert int(proc.stdout) == len(analyze_paths([str(workdir / "crashlogs")], jobs=1)["reports"])
