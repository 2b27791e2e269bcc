"""The --chart PNGs, drawn from real reports and read back."""

from pathlib import Path

import pytest

from oomlens.pipeline import Options, analyze_file
from oomlens.render.chart import chart_name, stacks, write_charts

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "samples/seeds/000_702fbe451f37f534.txt")

image = pytest.importorskip("matplotlib.image")


def test_one_png_per_report_with_a_panel_per_zone(tmp_path):
    result = analyze_file(SEED, Options())
    paths = write_charts(result.analyses, str(tmp_path))
    assert [Path(p).name for p in paths] == [
        "000_702fbe451f37f534_19.png",
        "000_702fbe451f37f534_64.png",
    ]
    for path in paths:
        pixels = image.imread(path)
        # figsize (9, 3.2 * 2 zones + 0.8) inches at 100 dpi
        assert pixels.shape[:2] == (720, 900)
        assert pixels.std() > 0.05  # something was drawn


def test_multi_letter_orders_are_split_evenly_and_flagged():
    result = analyze_file(SEED, Options())
    dma = result.analyses[1].report.zones[0]  # DMA: 7*4kB (UE) 3*8kB (UH) 1*16kB (M) ...
    orders, letters, split = stacks(dma)
    assert orders[:3] == [0, 1, 2]
    assert (letters["U"][0], letters["E"][0]) == (3.5, 3.5)
    assert (letters["U"][1], letters["H"][1]) == (3.0, 3.0)
    assert letters["M"][2] == 4.0
    assert letters["H"][10] == 1024.0
    assert split[:3] == [True, True, False]


def test_chart_name_is_file_stem_and_first_line():
    result = analyze_file(SEED, Options())
    assert chart_name(result.analyses[0]) == "000_702fbe451f37f534_19.png"
