"""zhishu_report in a real headless Chromium (Debian's ``chromium``) with the network disabled: the page makes
no request to any host, the charts are drawn, the screenshot is not blank, and ``--figures`` writes images.

Skipped, with the reason, where Chromium is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import zhishu

pytest.importorskip("plotly", reason="the report extra is not installed: pip install -e '.[report]'")
pytest.importorskip("websocket", reason="the report extra is not installed: pip install -e '.[report]'")
Image = pytest.importorskip("PIL.Image", reason="pillow (report extra) is needed to read screenshots")

from zhishu_report import report  # noqa: E402
from zhishu_report.browser import INSTALL_HINT, Browser, find_chromium  # noqa: E402

pytestmark = pytest.mark.skipif(find_chromium() is None, reason=f"no headless Chromium: {INSTALL_HINT}")

ROOT = Path(__file__).resolve().parents[2]
CAICT = ROOT / "configs" / "caict-2023.toml"
ASEM = ROOT / "configs" / "examples" / "asem.toml"
SHARED = ROOT.parent / "shared" / "data"


def non_white_share(png: bytes) -> float:
    """Share of pixels that are not (near) white: 0 for a blank page."""
    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return 1.0 - sum(histogram[245:]) / (image.width * image.height)


@pytest.fixture(scope="module")
def browser():
    with Browser(width=1280, height=900) as b:
        yield b


@pytest.fixture(scope="module")
def caict():
    return zhishu.run_config(zhishu.load_config(CAICT))


@pytest.fixture(scope="module")
def caict_page(tmp_path_factory, browser, caict):
    path = report(caict, tmp_path_factory.mktemp("caict"))
    browser.load(path)
    return browser, path


def test_the_request_recorder_sees_a_request_to_a_host(browser, tmp_path):
    # the check below is only worth something if a request to a host would be caught
    page = tmp_path / "leak.html"
    page.write_text('<!DOCTYPE html><img src="http://example.invalid/x.png"><script>window.zhishuReady = true'
                    "</script>", encoding="utf-8")
    browser.load(page)
    assert browser.non_local_requests() == ["http://example.invalid/x.png"]


def test_no_request_left_the_report(caict_page):
    browser, path = caict_page
    assert browser.requests and browser.requests[0] == path.resolve().as_uri()
    assert browser.non_local_requests() == []
    assert not [line for line in browser.console if "rror" in line]


def test_the_ranking_table_map_and_sunburst_are_drawn(caict_page):
    browser, _ = caict_page
    assert browser.evaluate("document.querySelectorAll('#ranking-table tbody tr').length") == 31
    n_charts = browser.evaluate("document.querySelectorAll('[data-chart]').length")
    assert n_charts >= 10
    assert browser.evaluate("document.querySelectorAll('.js-plotly-plot').length") == n_charts
    # the index map: 31 provinces with a score and 台湾, 香港, 澳门 as context, each a drawn path
    drawn = browser.evaluate(
        "Array.from(document.querySelectorAll('[data-chart=\"map-index\"] path.choroplethlocation'))"
        ".filter(p => (p.getAttribute('d') || '').length > 10).length")
    assert drawn == 34
    # the sunburst: one slice per node and indicator
    slices = browser.evaluate("document.querySelectorAll('[data-chart=\"sunburst-weights\"] g.slice').length")
    assert slices == 34
    bars = browser.evaluate("document.querySelectorAll('[data-chart=\"bar-index\"] g.point').length")
    assert bars == 31


def test_the_ranking_table_sorts(caict_page, caict):
    browser, _ = caict_page
    column = """(i) => { const t = document.getElementById('ranking-table'); t.querySelectorAll('th')[i].click();
        return Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[i].getAttribute('data-v'))); }"""
    scores = sorted(caict.scores.xs(2022, level="year")["index"])
    assert browser.evaluate(f"({column})(3)") == scores  # score: ascending on the first click
    assert browser.evaluate(f"({column})(3)") == scores[::-1]  # descending on the second
    assert browser.evaluate(f"({column})(0)") == sorted(caict.ranks.xs(2022, level="year")["index"])


def test_screenshots_are_not_blank(caict_page, tmp_path):
    browser, _ = caict_page
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title><script>window.zhishuReady = true</script>",
                     encoding="utf-8")
    for selector in ("#ranking", "[data-chart='map-index']", "[data-chart='sunburst-weights']"):
        png = browser.element_screenshot(selector)
        (tmp_path / f"{selector.strip('#[]').split('=')[-1].strip(chr(39))}.png").write_bytes(png)
        assert non_white_share(png) > 0.05, f"{selector} looks blank (screenshots in {tmp_path})"
    browser.load(blank)  # the control: a blank page fails the same check
    assert non_white_share(browser.screenshot()) < 0.001


@pytest.mark.skipif(not (SHARED / "asem").is_dir(), reason=f"the ASEM data is not under {SHARED}")
def test_asem_world_map_is_drawn_offline(browser, tmp_path):
    result = zhishu.run_config(zhishu.load_config(ASEM))
    browser.load(report(result, tmp_path, lang="en"))
    assert browser.non_local_requests() == []
    chart = f"map-{result.root}"  # the root of the ASEM tree is "Index"
    drawn = browser.evaluate(
        f"Array.from(document.querySelectorAll('[data-chart=\"{chart}\"] path.choroplethlocation'))"
        ".filter(p => (p.getAttribute('d') || '').length > 10).length")
    assert drawn > 150
    assert non_white_share(browser.element_screenshot(f"[data-chart='{chart}']")) > 0.05


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_figures_are_written(caict, tmp_path, fmt):
    report(caict, tmp_path, figures=fmt)
    files = sorted((tmp_path / "figures").iterdir())
    names = {f.stem for f in files}
    assert {"bar-index", "map-index", "sunburst-weights", "heatmap-subindices"} <= names
    bar = tmp_path / "figures" / f"bar-index.{fmt}"
    if fmt == "png":
        image = Image.open(bar)
        assert image.size == (2200, 960)  # 1100 × 480 at scale 2
        assert non_white_share(bar.read_bytes()) > 0.05
    else:
        text = bar.read_text(encoding="utf-8")
        assert text.startswith("<svg") and "算力发展指数" in text
