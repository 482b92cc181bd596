"""The formatted Excel workbook (issue 10 item 5), read back with openpyxl."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import zhishu
from zhishu.cli import main

ROOT = Path(__file__).resolve().parents[2]
CAICT = ROOT / "configs" / "caict-2023.toml"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "out"
    assert main(["run", str(CAICT), "-o", str(out), "--excel", "--top", "0"]) == 0
    return out, openpyxl.load_workbook(out / "results.xlsx")


def test_sheets_ranking_first_then_chart_tables_methodology_manifest(workbook):
    out, book = workbook
    assert book.sheetnames == ["ranking", "chart", "scores", "indicators", "weights", "analysis-tiers",
                               "analysis-growth_belt", "analysis-growth_cluster", "analysis-typology",
                               "analysis-agreement", "methodology", "manifest"]


def test_ranking_sheet_is_formatted(workbook):
    out, book = workbook
    ws = book["ranking"]
    headers = [c.value for c in ws[1]]
    assert headers[:6] == ["year", "rank", "unit", "name", "算力发展指数", "tier"]
    assert "算力规模 score" in headers and "算力规模 rank" in headers  # sub-indices by display name
    assert ws.freeze_panes == "E2"  # header row and the year/rank/unit/name columns stay in view
    assert all(c.font.bold for c in ws[1])
    score = headers.index("算力发展指数") + 1
    rank = headers.index("rank") + 1
    assert {ws.cell(row=r, column=score).number_format for r in range(2, ws.max_row + 1)} == {"0.00"}
    assert {ws.cell(row=r, column=rank).number_format for r in range(2, ws.max_row + 1)} == {"0"}
    assert ws.column_dimensions["D"].width >= 6  # names (two CJK characters count double)
    ranges = {str(rng.sqref): [rule.type for rule in rng.rules] for rng in ws.conditional_formatting}
    letter = openpyxl.utils.get_column_letter(score)
    assert ranges[f"{letter}2:{letter}{ws.max_row}"] == ["colorScale"]
    assert sum(types == ["colorScale"] for types in ranges.values()) == 1 + sum(h.endswith(" score") for h in headers)
    # the values are the ranking table's, full precision under the format
    ranking = pd.read_csv(out / "ranking.csv")
    assert [ws.cell(row=r, column=score).value for r in range(2, 6)] == ranking["score"].head(4).tolist()
    assert ws.cell(row=2, column=4).value == "广东"


def test_the_workbook_holds_a_native_bar_chart(workbook):
    out, book = workbook
    with zipfile.ZipFile(out / "results.xlsx") as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())
    charts = book["chart"]._charts
    assert len(charts) == 1
    chart = charts[0]
    assert chart.tagname == "barChart" and chart.type == "bar"
    series = chart.series[0]
    assert series.val.numRef.f == "'ranking'!$E$33:$E$63"  # the 31 provinces of the last year, best first
    assert (series.cat.strRef or series.cat.numRef).f == "'ranking'!$D$33:$D$63"
    ranking = pd.read_csv(out / "ranking.csv")
    assert ranking.loc[31, "year"] == 2022 and ranking.loc[31, "rank"] == 1  # sheet row 33 = table row 31


def test_one_sheet_per_table_equal_to_the_csv(workbook):
    out, _ = workbook
    for table in ("scores", "indicators", "weights", "analysis-tiers"):
        from_excel = pd.read_excel(out / "results.xlsx", sheet_name=table)
        pd.testing.assert_frame_equal(from_excel, pd.read_csv(out / f"{table}.csv"), check_dtype=False)
    ws = openpyxl.load_workbook(out / "results.xlsx")["scores"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref


def test_methodology_sheet_is_rows_and_columns(workbook):
    out, _ = workbook
    method = pd.read_excel(out / "results.xlsx", sheet_name="methodology", keep_default_na=False)
    assert list(method.columns) == ["level", "kind", "id", "name_zh", "name_en", "parent", "weight",
                                    "effective_weight", "weighting", "aggregator", "min_share", "source",
                                    "definition", "unit", "direction", "transform", "normaliser", "imputation",
                                    "outliers"]
    plan = zhishu.load_config(CAICT)
    assert method["id"].tolist() == plan.tree_order()
    root = method.iloc[0]
    assert (root["id"], root["kind"], root["level"], root["aggregator"]) == ("index", "node", 0, "arithmetic")
    assert root["weighting"].startswith("ahp (judgments: scale/industry=2")
    ind = method.set_index("id").loc["general_compute"]
    assert ind["kind"] == "indicator" and ind["direction"] == "+" and ind["unit"] == "EFlops (FP32)"
    assert ind["normaliser"] == "fraction_of_max (scale=100)"
    assert ind["definition"].startswith("rollsum(server_shipments")
    assert ind["source"].startswith("caict: table ")
    leaves = method[method["kind"] == "indicator"]
    assert leaves["effective_weight"].sum() == pytest.approx(1.0)
    assert not method.map(lambda v: isinstance(v, str) and v.lstrip().startswith(("{", "["))).any().any()


def test_manifest_sheet_has_one_scalar_per_row(workbook):
    out, _ = workbook
    manifest = pd.read_excel(out / "results.xlsx", sheet_name="manifest")
    keys = dict(zip(manifest["key"], manifest["value"]))
    assert keys["zhishu_version"] == zhishu.__version__
    assert "config.sha256" in keys and "inputs[0].sha256" in keys
    assert not any(isinstance(v, str) and v.startswith("{") for v in keys.values())


def test_round_sets_the_score_format(tmp_path):
    assert main(["run", str(ROOT / "configs" / "demo.toml"), "-o", str(tmp_path / "o"), "--excel", "--round", "1",
                 "--top", "0"]) == 0
    ws = openpyxl.load_workbook(tmp_path / "o" / "results.xlsx")["ranking"]
    assert ws.cell(row=2, column=5).number_format == "0.0"
    ranking = pd.read_csv(tmp_path / "o" / "ranking.csv")
    assert ws.cell(row=2, column=5).value == ranking.loc[0, "score"] == round(ranking.loc[0, "score"], 1)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    """A unit named ``=HYPERLINK(…)`` in a data file is written as text, never as a formula."""
    demo = ROOT / "configs" / "demo.toml"
    text = demo.read_text(encoding="utf-8").replace('name = "Region A"',
                                                      'name = "=HYPERLINK(\\"http://x\\")"\naliases = ["Region A"]')
    config = tmp_path / "demo.toml"
    config.write_text(text.replace("../examples/", f"{ROOT}/examples/"), encoding="utf-8")
    assert main(["run", str(config), "-o", str(tmp_path / "o"), "--excel", "--top", "0"]) == 0
    book = openpyxl.load_workbook(tmp_path / "o" / "results.xlsx")
    cells = [c for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and c.value.startswith("=")]
    assert cells and {c.data_type for c in cells} == {"s"}
