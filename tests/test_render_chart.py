"""Free-list charts drawn from real reports: what is drawn agrees with the numbers and the checks."""

from pathlib import Path

import pytest

from oomlens.pipeline import Options, analyze_file
from oomlens.render.chart import Count, Segment, chart_name, charts, write_charts

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "samples/seeds/000_702fbe451f37f534.txt")


@pytest.fixture(scope="module")
def seed():
    return analyze_file(SEED, Options())


def test_mixed_letter_orders_draw_bounds_not_even_splits(seed):
    """Seed 2, DMA: ``7*4kB (UE) 3*8kB (UH) 1*16kB (M) ... 1*4096kB (H)``."""
    dma = charts(seed.analyses[1])[0]
    assert dma.label == "DMA"
    order0, order1, order2 = dma.columns[:3]
    # each printed letter holds at least one chunk; the rest is open between them
    assert order0.segments == (
        Segment("U", 1, True),
        Segment("E", 1, True),
        Segment("UE", 5, True),
    )
    # GFP_ATOMIC order 0 on 4.8 may take U, E and M lists, not H
    assert order1.segments == (
        Segment("U", 2, True),
        Segment("H", 2, False),
        Segment("UH", 2, True),
    )
    assert order2.segments == (Segment("M", 4, True),)
    assert dma.columns[10].segments == (Segment("H", 1024, False),)
    assert sum(c.pages for c in dma.columns) == 1937  # the buddy line's 7748kB


def test_the_watermark_panel_agrees_with_the_check(seed):
    dma, dma32 = charts(seed.analyses[1])
    # DMA: the shortcut fails, then __zone_watermark_ok: 1937 > min 5 + lowmem_reserve 1952
    assert dma.count == Count((1937, 1937), (1937, 1937), 1957, "fail", "page count")
    # DMA32: the order-0 shortcut passes (1407 + 0 < 7532), rmqueue finds only H lists
    assert dma32.count == Count((7532, 7532), (7532, 7532), 1407, "pass", "order-0 shortcut")
    assert (dma32.outcome, dma32.order, dma32.lists) == ("fail", 0, "UEM")
    assert all(not s.usable for c in dma32.columns for s in c.segments)


def test_one_png_per_report_with_a_row_per_zone(tmp_path, seed):
    image = pytest.importorskip("matplotlib.image")
    paths, skipped = write_charts(seed.analyses, str(tmp_path))
    assert [Path(p).name for p in paths] == [
        "000_702fbe451f37f534_19.png",
        "000_702fbe451f37f534_64.png",
    ]
    assert skipped == []
    for path in paths:
        pixels = image.imread(path)
        # figsize (10, 4.2 * 2 zones + 0.6) inches at 100 dpi
        assert pixels.shape[:2] == (900, 1000)
        assert pixels.std() > 0.05  # something was drawn


def test_a_report_without_buddy_lines_gets_no_chart_and_a_reason(tmp_path):
    pytest.importorskip("matplotlib")
    result = analyze_file(str(ROOT / "samples/corpus/004.log"), Options())
    paths, skipped = write_charts(result.analyses, str(tmp_path))
    assert paths == []
    assert skipped == [f"{ROOT}/samples/corpus/004.log:1: no buddy lines in the report, no chart"]


def test_chart_name_is_file_stem_and_first_line(seed):
    assert chart_name(seed.analyses[0]) == "000_702fbe451f37f534_19.png"


def test_a_buddy_count_past_a_c_long_is_charted_with_the_other_reports(tmp_path):
    """Hostile (round 8): corpus 023 with its DMA32 "1383*8kB" made 2**64 - 1 (a 64-bit count,
    within the reader's bound), then corpus 036. matplotlib took the count as a C long:
    an internal error, exit 1, and no chart for either report."""
    pytest.importorskip("matplotlib")
    text = (ROOT / "samples/corpus/023.log").read_text()
    assert "1383*8kB" in text
    log = tmp_path / "big.log"
    log.write_text(
        text.replace("1383*8kB", f"{2**64 - 1}*8kB") + (ROOT / "samples/corpus/036.log").read_text()
    )
    result = analyze_file(str(log), Options())
    paths, skipped = write_charts(result.analyses, str(tmp_path / "charts"))
    assert len(result.analyses) == 2 and len(paths) == 2 and skipped == []
