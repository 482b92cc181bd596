"""``Result.report``: the framework reaches the report plugin through the run's registries."""

from pathlib import Path

import pytest

import zhishu

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("plotly", reason="the report extra (plotly) is not installed")


def test_result_report_writes_the_offline_page(tmp_path):
    result = zhishu.run(ROOT / "configs" / "demo.toml")
    result.report(tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.lower().startswith("<!doctype html>")
    top = result.table(year=result.last_year(), names="id").iloc[0]
    assert str(top["unit"]) in page  # the leading unit is on the page
    assert '<script src="http' not in page and "<script src='http" not in page  # every script inline
