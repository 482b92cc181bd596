"""The notebook views of a Result and a Plan: a short repr, HTML, the publication table, the tree as a frame,
and ranks as nullable integers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zhishu

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"
NBS = ROOT / "configs" / "nbs-digital-2015-2024.toml"


@pytest.fixture(scope="module")
def demo():
    return zhishu.run(DEMO)


def test_ranks_are_nullable_integers_equal_to_the_float_ranks(demo):
    assert all(str(t) == "Int64" for t in demo.ranks.dtypes)
    by_hand = demo.scores.groupby(level="year").rank(ascending=False, method="min")
    assert (demo.ranks.astype("float64") == by_hand).all().all()


def test_missing_scores_have_missing_ranks():
    text = DEMO.read_text(encoding="utf-8").replace("../examples", (ROOT / "examples").as_posix())
    frame = pd.read_csv(ROOT / "examples" / "data" / "demo" / "regions.csv")
    frame.loc[0, "gdp"] = np.nan
    plan = zhishu.load_config(text.replace('plugin = "table"', 'plugin = "frame"')
                              .replace('params = { path = "' + (ROOT / "examples").as_posix()
                                       + '/data/demo/regions.csv" }', ""), data={"demo": frame})
    result = zhishu.run_config(plan)
    missing = result.scores.isna()
    assert missing.to_numpy().sum() == 1
    assert (result.ranks.isna() == missing).all().all()


def test_repr_is_short_and_names_the_top_three(demo):
    text = repr(demo)
    assert len(text.splitlines()) <= 4 and len(text) < 400
    # 2022 ranks by hand from the scores: best three root scores
    best = demo.scores.xs(2022, level="year")["index"].sort_values(ascending=False).index[:3]
    names = [demo.units.loc[u, "name"] for u in best]
    assert "2021–2022 (2 years), 6 units, 3 nodes, 4 indicators" in text
    assert f"1 {names[0]} " in text and f"2 {names[1]} " in text and f"3 {names[2]} " in text


def test_html_is_the_ranking_with_names_and_escapes(demo):
    html = demo._repr_html_()
    assert "<table" in html and "Region A" in html and "经济与接入得分" in html
    evil = zhishu.run(DEMO.read_text(encoding="utf-8").replace('name_zh = "数字能力示例指数"', 'name_zh = "<script>x</script>"')
                      .replace("../examples", (ROOT / "examples").as_posix()))
    out = evil._repr_html_()
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_table_names_year_and_rounding_after_ranking(demo):
    full = demo.ranking_table()
    table = demo.table(year=2022, names="en", round=1)
    assert set(table["year"]) == {2022} and len(table) == 6
    assert "Economy and access score" in table.columns and "Computing infrastructure rank" in table.columns
    assert table["rank"].dtype == "Int64"
    exact = full[full["year"] == 2022].reset_index(drop=True)
    assert list(table["rank"]) == list(exact["rank"])  # ranks of the unrounded scores
    np.testing.assert_array_equal(table["score"], exact["score"].round(1))
    assert list(demo.table(names="id").columns) == list(full.columns)
    long = demo.table(wide=False, names="zh")
    assert list(long["node_name"].unique()[:2]) == ["数字能力指数", "经济与接入"]
    with pytest.raises(ValueError, match="no year 1999"):
        demo.table(year=1999)
    with pytest.raises(ValueError, match='names must be "zh", "en" or "id"'):
        demo.table(names="fr")


def test_explain_is_the_tree_in_pre_order(demo):
    tree = demo.explain()
    assert list(tree["id"]) == demo.plan.tree_order()
    assert tree.loc[tree["id"] == "economy", "tree"].item().startswith("  w=0.4000 economy")
    assert tree.loc[tree["id"] == "economy", "weight"].item() == pytest.approx(0.4)  # fixed in demo.toml


def test_plan_repr_is_one_line(demo):
    text = repr(demo.plan)
    assert "\n" not in text and "'demo'" in text and "4 indicators" in text
