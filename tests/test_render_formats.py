"""Renderers on real reports: the JSON contract, text, Markdown, CSV, and verdict None."""

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest

from oomlens.pipeline import FileResult, Options, analyze_file
from oomlens.render import describe, render

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "samples/seeds/000_702fbe451f37f534.txt")
BALLOON = str(ROOT / "samples/corpus/035.log")

REPORT_KEYS = {
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
}
ZONE_KEYS = {
    "node",
    "name",
    "free_kb",
    "min_kb",
    "low_kb",
    "high_kb",
    "managed_kb",
    "free_cma_kb",
    "reserved_highatomic_kb",
    "lowmem_reserve",
    "free_area",
    "free_area_kb",
}
VERDICT_KEYS = {
    "code",
    "unreserve_would_avoid",
    "confidence",
    "unreserve_rounds",
    "kernel_could_unreserve",
    "factors",
    "evidence",
    "fixes",
    "missing",
    "summary",
}


@pytest.fixture(scope="module")
def seed() -> FileResult:
    return analyze_file(SEED, Options())


@pytest.fixture(scope="module")
def balloon() -> FileResult:
    return analyze_file(BALLOON, Options())


def without_verdicts(result: FileResult) -> FileResult:
    """The same real reports with verdict None, as when the model cannot judge."""
    analyses = tuple(dataclasses.replace(a, verdict=None) for a in result.analyses)
    return dataclasses.replace(result, analyses=analyses)


def test_json_document_has_exactly_the_contract_keys(balloon):
    doc = json.loads(render([balloon], "json"))
    assert doc["schema"] == "oomlens/1"
    (report,) = doc["reports"]
    assert REPORT_KEYS <= set(report)
    assert set(report["source"]) == {"path", "first_line", "last_line"}
    assert set(report["kernel"]) == {"release", "arch"}
    assert set(report["task"]) == {"comm", "pid"}
    assert set(report["request"]) == {
        "gfp_mask",
        "gfp_flags",
        "order",
        "migratetype",
        "highest_zone",
    }
    for zone in report["zones"]:
        assert set(zone) == ZONE_KEYS
        for area in zone["free_area"]:
            assert set(area) == {"order", "count", "kb", "types"}
    assert VERDICT_KEYS <= set(report["verdict"])


def test_json_numbers_are_the_reports_own(balloon):
    report = json.loads(render([balloon], "json"))["reports"][0]
    assert report["id"] == f"{BALLOON}:1"
    assert report["source"]["first_line"] == 1
    assert report["kind"] == "oom"
    assert report["kernel"] == {"release": "4.8.0-rc7-00219-g3f74c9559583-dirty", "arch": "x86_64"}
    assert report["task"] == {"comm": "balloon", "pid": 8473}
    assert report["request"]["gfp_mask"] == "0x24280ca"
    assert report["request"]["order"] == 0
    dma, dma32 = report["zones"]
    assert (dma["name"], dma["free_kb"], dma["min_kb"], dma["lowmem_reserve"]) == (
        "DMA",
        8188,
        44,
        [0, 1952, 1952, 1952],
    )
    assert (dma32["free_kb"], dma32["min_kb"], dma32["low_kb"], dma32["high_kb"]) == (
        19404,
        5628,
        7624,
        9620,
    )
    assert dma32["managed_kb"] == 2030092
    # the kernel's own checksum: sum(count * kb) equals the total after "="
    assert dma32["free_area_kb"] == 19484
    assert sum(a["count"] * a["kb"] for a in dma32["free_area"]) == 19484
    assert dma32["free_area"][0] == {"order": 0, "count": 7, "kb": 4, "types": "H"}


def test_json_verdict_summary_is_the_describe_sentence(balloon):
    (analysis,) = balloon.analyses
    verdict = json.loads(render([balloon], "json"))["reports"][0]["verdict"]
    assert verdict["code"] == "highatomic-stranded"
    assert verdict["summary"] == describe.summary(
        analysis.verdict, 0, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    )
    assert verdict["summary"] == (
        "Order-0 GFP_HIGHUSER_MOVABLE|__GFP_ZERO request failed: free pages sat in the "
        "highatomic reserve, where this request could not take them; unreserving the highatomic "
        "reserve would have avoided it with one pageblock (certain)."
    )
    for item in verdict["evidence"]:
        assert {"zone", "check", "result"} <= set(item)


def test_jsonl_is_one_report_a_line(seed):
    lines = render([seed], "jsonl").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["task"]["comm"] == "balloon"
    assert second["task"] == {"comm": "in:imklog", "pid": 476}
    assert second["request"]["gfp_mask"] == "0x2280020"


def test_renderers_accept_verdict_none(seed):
    bare = without_verdicts(seed)
    doc = json.loads(render([bare], "json"))
    assert [r["verdict"] for r in doc["reports"]] == [None, None]
    text = render([bare], "text")
    assert "2 reports: 2 no verdict" in text
    assert "[no verdict] balloon (pid 8473): OOM killer — " in text
    assert "why: no verdict: the report could not be judged." in text
    md = render([bare], "markdown")
    assert "### `no verdict`: `balloon` (pid 8473)" in md
    rows = list(csv.reader(io.StringIO(render([bare], "csv"))))
    assert rows[1][9:12] == ["", "", ""]
    assert "no verdict" in render([bare], "html")


def test_text_shows_headline_request_and_zone_pages(seed):
    text = render([seed], "text")
    assert (
        "failed: balloon (pid 8473) asked for 1 page (4 kB, order 0, "
        "GFP_HIGHUSER_MOVABLE|__GFP_ZERO) from DMA32 or DMA; none served it, and the OOM "
        "killer ran." in text
    )
    assert "request: GFP_ATOMIC|__GFP_NOTRACK (0x2280020), order 0 (1 page, 4 kB)" in text
    rows = [line.split() for line in text.splitlines()]
    # DMA32 free:19404kB (4851 pages) and a buddy total of 4871 pages; min:5628kB = 1407
    assert ["DMA32", "4851..4871", "(18.9..19", "MiB)", "1407", "(5.5", "MiB)"] in [
        r[:7] for r in rows
    ]
    # seed 2 DMA: 3*8kB (UH) holds 1..2 H chunks, plus 1*4096kB (H): 1026..1028 H pages
    assert "1026..1028 (4 MiB)" in text


def test_text_with_verdict_names_the_code_and_confidence(seed):
    text = render([seed], "text")
    assert text.count("[highatomic-stranded] ") == 2
    assert text.count("how sure: certain: ") == 2
    assert (
        "unreserve: yes: releasing one highatomic pageblock (2 MiB) would have avoided it; "
        "this kernel would not release it for this caller." in text
    )


def test_markdown_has_zone_table_codes_and_fenced_raw_report(seed):
    md = render([seed], "markdown")
    assert (
        "| zone | free | min | lowmem reserve | usable | highatomic free | highatomic reserved "
        "| result |" in md
    )
    assert "| DMA32 | 7532 (29.4 MiB) | 1407 (5.5 MiB); 528 for this caller | 0 |" in md
    assert md.count("### `highatomic-stranded`: ") == 2
    assert md.count("**The report as logged (lines ") == 2
    assert "```text\n" in md
    assert "[<ffffffff8138eb13>] dump_stack+0x63/0x90" in md  # verbatim inside the fence
    assert "&lt;" not in md and "<details>" not in md


def test_markdown_raw_report_keeps_the_log_prefixes():
    result = analyze_file(str(ROOT / "samples/corpus/001.log"), Options())
    md = render([result], "markdown")
    raw = md.split("```text\n", 1)[1]
    assert raw.startswith("[  183.284967][ T2438] trinity-c2: page allocation failure: order:1")


def test_csv_one_row_per_report(seed):
    rows = list(csv.reader(io.StringIO(render([seed], "csv"))))
    assert rows[0] == [
        "id",
        "path",
        "lines",
        "kind",
        "release",
        "comm",
        "pid",
        "gfp",
        "order",
        "code",
        "unreserve_would_avoid",
        "confidence",
        "summary",
        "time",
        "uptime_s",
        "host",
    ]
    assert len(rows) == 3
    assert rows[1][-3:] == ["", "", ""]  # the seed's reports are pasted without prefixes
    assert rows[1][2:9] == [
        "19-60",
        "oom",
        "4.8.0-rc7-00219-g3f74c9559583-dirty",
        "balloon",
        "8473",
        "0x24280ca",
        "0",
    ]
    assert rows[2][5:9] == ["in:imklog", "476", "0x2280020", "0"]


def hostile_copy(tmp_path: Path) -> str:
    """035 with the comm replaced in its header lines — made in this test, no real report has it."""
    evil = "\x1b]0;x\x07|<img src=x>"
    lines = Path(BALLOON).read_text().splitlines(keepends=True)
    lines[:3] = [line.replace("balloon", evil) for line in lines[:3]]
    path = tmp_path / "hostile.log"
    path.write_text("".join(lines))
    return str(path)


def with_comm(result: FileResult, comm: str) -> FileResult:
    """The real report with its parsed comm replaced (ingest may strip ESC before the parser)."""
    analyses = []
    for a in result.analyses:
        report = a.report
        context = dataclasses.replace(report.context, comm=comm)
        header = dataclasses.replace(report.header, comm=comm)
        lines = tuple(line.replace("balloon", comm) for line in report.lines)
        report = dataclasses.replace(report, context=context, header=header, lines=lines)
        task = dataclasses.replace(a.facts.task, comm=comm)
        facts = dataclasses.replace(a.facts, task=task)
        analyses.append(dataclasses.replace(a, report=report, facts=facts))
    return dataclasses.replace(result, analyses=tuple(analyses))


def assert_inert(result: FileResult) -> None:
    """No control character reaches any output; no markup or HTML survives into Markdown/HTML.

    ``<img src=x>`` is inert on a terminal, so the text output shows it as written.
    """
    text = render([result], "text")
    md = render([result], "markdown")
    page = render([result], "html")
    for out in (text, md, page):
        assert "\x1b" not in out and "\x07" not in out
    assert "<img" not in page
    assert "&lt;img src=x&gt;" in page
    # Markdown: the name only inside code spans or the fenced raw report, never as markup
    prose = md.split("```text", 1)[0]
    for line in prose.splitlines():
        if "<img" in line:
            spans = line.split("`")
            assert all("<img" not in s for s in spans[::2]), line
    doc = render([result], "json")
    assert "\x1b" not in doc and "\x07" not in doc
    assert "\x1b" not in render([result], "csv")


def test_hostile_process_name_from_file_is_escaped(tmp_path):
    result = analyze_file(hostile_copy(tmp_path), Options())
    assert "<img src=x>" in result.analyses[0].report.context.comm
    assert_inert(result)


def test_hostile_process_name_in_records_is_escaped(balloon):
    evil = "\x1b]0;x\x07|<img src=x>"
    result = with_comm(balloon, evil)
    assert_inert(result)
    text = render([result], "text")
    assert "[highatomic-stranded] \\x1b]0;x\\x07|<img src=x> (pid 8473)" in text
    md = render([result], "markdown")
    assert "### `highatomic-stranded`: `\\x1b]0;x\\x07|<img src=x>` (pid 8473)" in md
    assert "\\x1b]0;x\\x07|<img src=x> invoked oom-killer" in md  # in the fence, verbatim
    doc = json.loads(render([result], "json"))
    assert doc["reports"][0]["task"]["comm"] == evil


def test_hostile_cgroup_path_is_escaped():
    """A real memcg report (004) with its cgroup path replaced in the records (made here)."""
    result = analyze_file(str(ROOT / "samples/corpus/004.log"), Options())
    (analysis,) = result.analyses
    memcg = dataclasses.replace(analysis.report.memcg, limit_of="/\x1b[2J|<img src=x>")
    report = dataclasses.replace(analysis.report, memcg=memcg)
    hostile = dataclasses.replace(result, analyses=(dataclasses.replace(analysis, report=report),))
    text = render([hostile], "text")
    assert "memory cgroup: limit of /\\x1b[2J|<img src=x> hit" in text and "\x1b" not in text
    md = render([hostile], "markdown")
    assert "- **Memory cgroup:** limit of `/\\x1b[2J|<img src=x>` hit" in md
    page = render([hostile], "html")
    assert "<code>/\\x1b[2J|&lt;img src=x&gt;</code>" in page
    assert (
        json.loads(render([hostile], "json"))["reports"][0]["memcg"]["limit_of"] == memcg.limit_of
    )


def test_every_format_says_when_and_where():
    """corpus 015 (syslog: "Jun 11 20:16:32 hyperv kernel:", no year: 2021 given) and 023
    (dmesg stamps: [  244.333067]): the text, Markdown and CSV say the time, uptime and
    host the log gives, and that the time is unknown where it gives none."""
    opts = Options(year=2021, utc_offset="+00:00")
    syslog = analyze_file(str(ROOT / "samples/corpus/015.log"), opts)
    stamps = analyze_file(str(ROOT / "samples/corpus/023.log"), opts)
    text = render([syslog, stamps], "text")
    assert "when: 2021-06-11T20:16:32+00:00 on host hyperv" in text
    assert "when: 244.333 s after boot" in text
    md = render([syslog], "markdown")
    assert "2021-06-11T20:16:32+00:00 on host `hyperv`" in md
    rows = list(csv.reader(io.StringIO(render([syslog, stamps], "csv"))))
    assert rows[1][-3:] == ["2021-06-11T20:16:32+00:00", "", "hyperv"]
    assert rows[2][-3:] == ["", "244.333067", ""]
    seed = render([analyze_file(BALLOON, opts)], "text")
    assert "when: unknown: the log gives no time" in seed
