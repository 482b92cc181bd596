"""The analyses plugin (zhishu_analyses): tiers, growth, regression, typology, agreement.

Every expected number is worked out by hand in the test. Most tests run an analysis on a small stand-in for
:class:`zhishu.Result` whose scores are typed in (so the arithmetic is short); the end-to-end tests at the
bottom run a TOML config through the whole pipeline and read the written ``analysis-<name>.csv`` files.
"""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import zhishu
from hypothesis import given, settings
from hypothesis import strategies as st
from zhishu_analyses import common
from zhishu_analyses.agreement import Agreement, kendall_tau_b, spearman_rho
from zhishu_analyses.growth import Growth, group_growth
from zhishu_analyses.regression import Regression, ols
from zhishu_analyses.tiers import Tiers, assign_tiers
from zhishu_analyses.typology import Typology, classify

NAN = float("nan")
T1, T2, T3 = "第一梯队", "第二梯队", "第三梯队"


def fake_result(scores: dict, *, units=None, sources=None, plan_units=(), root="index"):
    """A stand-in for zhishu.Result: ``scores`` is {column: {(unit, year): value}}; ranks as the pipeline makes
    them (within each year, 1 = best, ties share the best rank, missing stays missing)."""
    frame = pd.DataFrame(scores, dtype="float64")
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["unit", "year"])
    ranks = frame.groupby(level="year", sort=False).rank(ascending=False, method="min", na_option="keep")
    ids = list(dict.fromkeys(frame.index.get_level_values("unit")))
    table = pd.DataFrame(units if units is not None else {"name": {u: u for u in ids}})
    table.index.name = "unit"
    plan = SimpleNamespace(root=root, units=tuple(plan_units), analyses={}, path=None, years=None,
                           sources={}, tree_order=lambda: list(frame.columns))
    return SimpleNamespace(plan=plan, scores=frame, ranks=ranks, units=table, sources=sources or {})


def records(table: pd.DataFrame, *columns: str) -> list[tuple]:
    """Rows as tuples with NaN / NA / None all written as None (so that they compare equal)."""
    out = []
    for row in table[list(columns)].itertuples(index=False):
        out.append(tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in row))
    return out


def approx_rows(rows):
    return [tuple(pytest.approx(v, abs=1e-9) if isinstance(v, float) else v for v in row) for row in rows]


# ============================================================================================== common


@pytest.mark.parametrize("x, text", [
    (128.46, "128.5"),          # 4 significant digits
    (12845.7, "12,846"),        # no decimals from 1,000 up, thousands separated
    (1.9, "1.9"),               # trailing zeros dropped (1.900)
    (0.012344, "0.01234"),
    (100.0, "100"),
    (0.0, "0"),
    (-57.04, "-57.04"),
    (2.5e20, "2.5e+20"),        # beyond 1e15: exponent
])
def test_fmt_number(x, text):
    assert common.fmt_number(x) == text


def test_plugin_registers_the_five_analyses():
    names = zhishu.Hooks().registries.analyses
    assert [e.name for e in names.entries() if e.plugin == "analyses"] == [
        "tiers", "growth", "regression", "typology", "agreement"]


# ============================================================================================== tiers


def test_assign_tiers_by_score_cut_offs_are_inclusive():
    # thresholds 40, 20: ≥ 40 first tier, ≥ 20 second, below 20 third; missing stays missing
    values = [45, 40, 39.99, 20, 19.99, NAN, -3]
    assert list(assign_tiers(values, [40, 20], [T1, T2, T3], "score")) == [T1, T1, T2, T2, T3, None, T3]


def test_assign_tiers_by_rank():
    # top 6, then 7th–15th, then the rest (the CAICT overall tiers written as ranks)
    ranks = [1, 6, 7, 15, 16, 31, NAN]
    assert list(assign_tiers(ranks, [6, 15], ["top", "mid", "rest"], "rank")) == [
        "top", "top", "mid", "mid", "rest", "rest", None]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30),
       st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=5, unique=True))
def test_assign_tiers_counts_the_cut_offs_above(values, cuts):
    cuts = sorted(cuts, reverse=True)
    labels = [f"t{i}" for i in range(len(cuts) + 1)]
    got = assign_tiers(values, cuts, labels, "score")
    for value, tier in zip(values, got):
        assert tier == f"t{sum(c > value for c in cuts)}"  # the definition, one value at a time
    order = np.argsort(values, kind="stable")  # a higher score never lands in a worse tier
    positions = [int(got[i][1:]) for i in order]
    assert positions == sorted(positions, reverse=True)


def test_tiers_table():
    result = fake_result({"index": {
        ("A", 2022): 45.0, ("B", 2022): 40.0, ("C", 2022): 19.0, ("D", 2022): NAN, ("E", 2022): 25.0,
        ("A", 2021): 30.0, ("B", 2021): 41.0, ("C", 2021): 10.0, ("D", 2021): 5.0, ("E", 2021): NAN,
    }}, units={"name": {"A": "甲", "B": "乙", "C": "丙", "D": "丁", "E": "戊"}})
    table = Tiers().run(result)  # defaults: the root, [40, 20], the CAICT labels
    assert list(table.columns) == ["unit", "year", "name", "node", "score", "rank", "tier"]
    assert records(table, "unit", "year", "name", "score", "rank", "tier") == [
        ("B", 2021, "乙", 41.0, 1, T1),
        ("A", 2021, "甲", 30.0, 2, T2),
        ("C", 2021, "丙", 10.0, 3, T3),
        ("D", 2021, "丁", 5.0, 4, T3),
        ("E", 2021, "戊", None, None, None),   # no score: no rank, no tier
        ("A", 2022, "甲", 45.0, 1, T1),
        ("B", 2022, "乙", 40.0, 2, T1),        # 40 is "≥ 40"
        ("E", 2022, "戊", 25.0, 3, T2),
        ("C", 2022, "丙", 19.0, 4, T3),
        ("D", 2022, "丁", None, None, None),
    ]
    assert set(table["node"]) == {"index"}


def test_tiers_by_rank_of_another_node():
    result = fake_result({"index": {("A", 1): 1.0, ("B", 1): 2.0, ("C", 1): 3.0},
                          "scale": {("A", 1): 9.0, ("B", 1): 8.0, ("C", 1): 7.0}})
    table = Tiers(node="scale", by="rank", thresholds=(1, 2), labels=("gold", "silver", "bronze")).run(result)
    assert records(table, "unit", "rank", "tier", "node") == [
        ("A", 1, "gold", "scale"), ("B", 2, "silver", "scale"), ("C", 3, "bronze", "scale")]


@pytest.mark.parametrize("params, message", [
    ({"thresholds": (40, 20, 10)}, "labels must have one entry more than thresholds (4 for 3 thresholds), got 3"),
    ({"thresholds": (20, 40), "labels": ("a", "b", "c")}, "thresholds must descend"),
    ({"by": "rank", "thresholds": (15, 6), "labels": ("a", "b", "c")}, "thresholds must ascend"),
    ({"by": "rank", "thresholds": (6.5, 15), "labels": ("a", "b", "c")}, "whole numbers"),
    ({"by": "rnk"}, "by must be one of 'score', 'rank', not 'rnk' (did you mean 'rank'?)"),
    ({"labels": ("a", "a", "b")}, "labels must differ"),
    ({"thresholds": (math.inf, 1)}, "finite"),
])
def test_tiers_parameter_errors(params, message):
    with pytest.raises(ValueError) as info:
        Tiers(**params)
    assert message in str(info.value)


def test_unknown_node_is_a_config_error_with_did_you_mean():
    result = fake_result({"index": {("A", 1): 1.0}, "scale": {("A", 1): 1.0}})
    with pytest.raises(zhishu.ConfigError) as info:
        Tiers(node="scal").run(result)
    assert str(info.value).endswith(
        "node: unknown node or indicator 'scal': did you mean 'scale'?; available: index, scale")


# ============================================================================================== growth

GROWTH_SCORES = {"index": {
    ("A", 2020): 50.0, ("A", 2021): 60.0, ("A", 2022): 66.0,
    ("B", 2020): 20.0, ("B", 2021): 25.0, ("B", 2022): 20.0,
    ("C", 2020): 10.0, ("C", 2021): NAN, ("C", 2022): 12.0,
    ("D", 2020): 0.0, ("D", 2021): 5.0, ("D", 2022): 10.0,
}}
GROWTH_UNITS = {"name": {"A": "A", "B": "B", "C": "C", "D": "D"},
                "belt": {"A": "east", "B": "east", "C": "west", "D": "west"}}


def test_growth_year_on_year_per_unit():
    table = Growth().run(fake_result(GROWTH_SCORES, units=GROWTH_UNITS))
    assert list(table.columns) == ["kind", "unit", "name", "group", "node", "year", "from_year", "score",
                                   "from_score", "change", "growth", "n"]
    assert set(table["kind"]) == {"unit"}  # no group asked for
    assert records(table, "unit", "year", "from_year", "score", "from_score", "change", "growth") == approx_rows([
        ("A", 2021, 2020, 60.0, 50.0, 10.0, 20.0),      # 60/50 − 1 = 20 %
        ("A", 2022, 2021, 66.0, 60.0, 6.0, 10.0),       # 66/60 − 1 = 10 %
        ("B", 2021, 2020, 25.0, 20.0, 5.0, 25.0),       # 25/20 − 1 = 25 %
        ("B", 2022, 2021, 20.0, 25.0, -5.0, -20.0),     # 20/25 − 1 = −20 %
        ("C", 2021, 2020, None, 10.0, None, None),      # 2021 missing
        ("C", 2022, 2021, 12.0, None, None, None),
        ("D", 2021, 2020, 5.0, 0.0, 5.0, None),         # from 0: change 5, growth undefined
        ("D", 2022, 2021, 10.0, 5.0, 5.0, 100.0),       # 10/5 − 1 = 100 %
    ])


def test_growth_against_a_base_year_as_a_fraction():
    table = Growth(base_year=2020, percent=False).run(fake_result(GROWTH_SCORES, units=GROWTH_UNITS))
    assert records(table, "unit", "year", "from_year", "growth") == approx_rows([
        ("A", 2021, 2020, 0.2), ("A", 2022, 2020, 0.32),   # 60/50 − 1; 66/50 − 1
        ("B", 2021, 2020, 0.25), ("B", 2022, 2020, 0.0),   # 25/20 − 1; 20/20 − 1
        ("C", 2021, 2020, None), ("C", 2022, 2020, 0.2),   # 12/10 − 1
        ("D", 2021, 2020, None), ("D", 2022, 2020, None),  # base 0
    ])


def test_group_growth_of_the_mean_score():
    table = Growth(group="belt").run(fake_result(GROWTH_SCORES, units=GROWTH_UNITS))
    assert records(table[table["kind"] == "unit"], "unit", "group") == [
        ("A", "east")] * 2 + [("B", "east")] * 2 + [("C", "west")] * 2 + [("D", "west")] * 2
    groups = table[table["kind"] == "group"]
    assert records(groups, "unit", "name", "year", "from_year", "score", "from_score", "change", "growth", "n") \
        == approx_rows([
            # east 2021: mean(60, 25) = 42.5 over mean(50, 20) = 35: 42.5/35 − 1 = 21.428571… %
            ("east", "east", 2021, 2020, 42.5, 35.0, 7.5, (42.5 / 35 - 1) * 100, 2),
            # east 2022: mean(66, 20) = 43 over mean(60, 25) = 42.5
            ("east", "east", 2022, 2021, 43.0, 42.5, 0.5, (43 / 42.5 - 1) * 100, 2),
            # west 2021: C has no 2021 score, so only D (5 over 0): growth undefined, change 5
            ("west", "west", 2021, 2020, 5.0, 0.0, 5.0, None, 1),
            # west 2022: C has no 2021 score, so only D: 10/5 − 1
            ("west", "west", 2022, 2021, 10.0, 5.0, 5.0, 100.0, 1),
        ])


def test_group_growth_as_the_mean_of_unit_growths():
    table = Growth(group="belt", group_method="mean_growth").run(fake_result(GROWTH_SCORES, units=GROWTH_UNITS))
    groups = table[table["kind"] == "group"]
    assert records(groups, "unit", "year", "score", "from_score", "growth", "n") == approx_rows([
        ("east", 2021, 42.5, 35.0, 22.5, 2),   # mean(20 %, 25 %)
        ("east", 2022, 43.0, 42.5, -5.0, 2),   # mean(10 %, −20 %)
        ("west", 2021, None, None, None, 0),   # no unit has a defined growth
        ("west", 2022, 10.0, 5.0, 100.0, 1),   # D only
    ])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0.5, 100), st.floats(0.5, 100)), min_size=1, max_size=8))
def test_mean_score_growth_is_the_base_weighted_mean_of_unit_growths(pairs):
    # mean(s)/mean(s0) − 1 = Σ s0ᵢ·gᵢ / Σ s0ᵢ with gᵢ = sᵢ/s0ᵢ − 1
    rows = pd.DataFrame({"group": "g", "year": 2, "score": [s for s, _ in pairs],
                         "from_score": [s0 for _, s0 in pairs]})
    rows["growth"] = rows["score"] / rows["from_score"] - 1
    got = group_growth(rows, "mean_score", 1.0)["growth"].iloc[0]
    weighted = (rows["from_score"] * rows["growth"]).sum() / rows["from_score"].sum()
    assert got == pytest.approx(weighted, rel=1e-9, abs=1e-12)
    assert group_growth(rows, "mean_growth", 1.0)["growth"].iloc[0] == pytest.approx(rows["growth"].mean())


def test_growth_errors():
    one_year = fake_result({"index": {("A", 2022): 1.0, ("B", 2022): 2.0}})
    with pytest.raises(zhishu.DataError, match=r"growth needs at least two years, but this run covers only \[2022\]"):
        Growth().run(one_year)
    result = fake_result(GROWTH_SCORES, units=GROWTH_UNITS)
    with pytest.raises(zhishu.DataError, match=r"base_year: year 2019 is not in this run, which covers "
                                                r"\[2020, 2021, 2022\]"):
        Growth(base_year=2019).run(result)
    with pytest.raises(zhishu.ConfigError, match="group: unknown group 'belts': did you mean 'belt'"):
        Growth(group="belts").run(result)
    with pytest.raises(zhishu.ConfigError, match="the units have no groups; give them groups in"):
        Growth(group="region").run(fake_result(GROWTH_SCORES))
    with pytest.raises(ValueError, match="group_method must be one of 'mean_score', 'mean_growth'"):
        Growth(group_method="median")


# ============================================================================================== regression


def test_ols_by_hand():
    # x = 1..4, y = 2, 4, 5, 8: x̄ = 2.5, ȳ = 4.75, Sxx = 2.25+0.25+0.25+2.25 = 5,
    # Sxy = (−1.5)(−2.75) + (−0.5)(−0.75) + (0.5)(0.25) + (1.5)(3.25) = 4.125+0.375+0.125+4.875 = 9.5
    # slope = 9.5/5 = 1.9; intercept = 4.75 − 1.9·2.5 = 0; residuals 0.1, 0.2, −0.7, 0.4: SSE = 0.7
    # SST = 7.5625+0.5625+0.0625+10.5625 = 18.75: R² = 1 − 0.7/18.75; se = √(0.7/2/5) = √0.07
    fit = ols([1, 2, 3, 4], [2, 4, 5, 8])
    assert fit == {"n": 4, "slope": pytest.approx(1.9), "intercept": pytest.approx(0.0, abs=1e-12),
                   "r_squared": pytest.approx(1 - 0.7 / 18.75), "slope_se": pytest.approx(math.sqrt(0.07))}


def test_ols_two_points_and_impossible_fits():
    fit = ols([0, 2], [1, 5])  # a line through two points: slope 2, intercept 1, R² 1, no standard error
    assert (fit["slope"], fit["intercept"], fit["r_squared"]) == (2.0, 1.0, 1.0) and math.isnan(fit["slope_se"])
    assert math.isnan(ols([1, 2, 3], [4, 4, 4])["r_squared"])  # y constant: slope 0, R² undefined
    with pytest.raises(ValueError, match="at least 2 points, got 1"):
        ols([1], [2])
    with pytest.raises(ValueError, match="every x is equal"):
        ols([3, 3, 3], [1, 2, 3])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-1000, 1000)), min_size=3, max_size=20))
def test_ols_agrees_with_numpy_polyfit(points):
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    if np.ptp(x) == 0:
        return
    fit = ols(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    assert fit["slope"] == pytest.approx(slope, rel=1e-7, abs=1e-7)
    assert fit["intercept"] == pytest.approx(intercept, rel=1e-7, abs=1e-6)
    if np.ptp(y) > 0:
        assert fit["r_squared"] == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, abs=1e-9)
    # the standard error from the covariance polyfit estimates (scaled by SSE / (n − 2))
    if len(x) > 3:
        _, cov = np.polyfit(x, y, 1, cov=True)
        assert fit["slope_se"] == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-6, abs=1e-9)


def gdp_result(gdp_rows: dict):
    source = pd.DataFrame({"gdp": gdp_rows, "population": {k: 1.0 for k in gdp_rows}})
    source.index = pd.MultiIndex.from_tuples(source.index, names=["unit", "year"])
    scores = {"index": {("A", 2022): 1.0, ("B", 2022): 2.0, ("C", 2022): 3.0, ("D", 2022): 4.0,
                        ("E", 2022): NAN, ("F", 2022): 5.0}}
    return fake_result(scores, sources={"econ": source})


def test_regression_table():
    # A–D as in test_ols_by_hand; E has no score and F no GDP, so both are dropped and n = 4
    result = gdp_result({("A", 2022): 2.0, ("B", 2022): 4.0, ("C", 2022): 5.0, ("D", 2022): 8.0,
                         ("E", 2022): 9.0, ("F", 2022): NAN, ("A", 2021): 1.0})
    table = Regression(source="econ", variable="gdp", unit_label="亿元").run(result)
    assert list(table.columns) == ["node", "year", "source", "variable", "n", "slope", "intercept", "r_squared",
                                   "slope_se", "dropped", "summary"]
    row = table.iloc[0]
    assert (row["node"], row["year"], row["n"], row["dropped"]) == ("index", 2022, 4, "E, F")
    assert row["slope"] == pytest.approx(1.9) and row["slope_se"] == pytest.approx(math.sqrt(0.07))
    assert row["summary"] == "+1 index point ≈ +1.9 亿元 of gdp (OLS over 4 units, 2022; R² = 0.96)"


def test_regression_errors():
    result = gdp_result({("A", 2021): 1.0, ("B", 2021): 2.0})
    with pytest.raises(zhishu.ConfigError, match="source: unknown source 'eco': did you mean 'econ'"):
        Regression(source="eco", variable="gdp").run(result)
    with pytest.raises(zhishu.ConfigError, match=r"variable: unknown variable 'GDP' in source 'econ': did you mean "
                                                  r"'gdp'\?; available: gdp, population"):
        Regression(source="econ", variable="GDP").run(result)
    with pytest.raises(zhishu.DataError, match=r"year: source 'econ' has no value of 'gdp' in 2022; it has values "
                                                r"in \[2021\]"):
        Regression(source="econ", variable="gdp").run(result)
    with pytest.raises(zhishu.DataError, match=r"year: year 2030 is not in this run, which covers \[2022\]"):
        Regression(source="econ", variable="gdp", year=2030).run(result)
    one = gdp_result({("A", 2022): 1.0})
    with pytest.raises(zhishu.DataError, match=r"cannot fit 'gdp' on 'index' in 2022: a line needs at least 2 "
                                                r"points, got 1 \(1 unit\(s\) have both values\)"):
        Regression(source="econ", variable="gdp").run(one)


# ============================================================================================== typology

TYPO = {
    # supply nodes p, q and demand node r; means p 20, q 15, r 20
    "index": {("A", 1): 50.0, ("B", 1): 40.0, ("C", 1): 30.0, ("D", 1): 10.0},
    "p": {("A", 1): 40.0, ("B", 1): 10.0, ("C", 1): 20.0, ("D", 1): 10.0},
    "q": {("A", 1): 30.0, ("B", 1): 10.0, ("C", 1): 10.0, ("D", 1): 10.0},
    "r": {("A", 1): 20.0, ("B", 1): 40.0, ("C", 1): 16.0, ("D", 1): 4.0},
}


def test_typology_relative_scores():
    table = Typology(supply=("p", "q"), demand=("r",)).run(fake_result(TYPO))
    assert list(table.columns) == ["unit", "year", "name", "node", "score", "supply", "demand", "ratio", "type",
                                   "type_en"]
    # relative p = p/20: 2, .5, 1, .5; relative q = q/15: 2, 2/3, 2/3, 2/3; s = their means
    # relative r = r/20: 1, 2, .8, .2
    s = [2.0, (0.5 + 2 / 3) / 2, (1 + 2 / 3) / 2, (0.5 + 2 / 3) / 2]
    d = [1.0, 2.0, 0.8, 0.2]
    assert records(table, "unit", "supply", "demand", "ratio", "type", "type_en") == approx_rows([
        ("A", s[0], d[0], 2.0, "供给驱动型", "supply-driven"),          # 2 > 1.1
        ("B", s[1], d[1], 7 / 24, "需求拉动型", "demand-pulled"),       # (7/12)/2 < 0.9
        ("C", s[2], d[2], 25 / 24, "协同发展型", "coordinated"),        # (5/6)/0.8 = 1.0417 in [0.9, 1.1]
        ("D", s[3], d[3], 35 / 12, "供给驱动型", "supply-driven"),      # (7/12)/0.2
    ])


def test_typology_raw_scores_min_score_and_threshold():
    table = Typology(supply=("p", "q"), demand=("r",), relative=False, min_score=15, threshold=0.05).run(
        fake_result(TYPO))
    # s = mean(p, q) = 35, 10, 15, 10; d = r = 20, 40, 16, 4; ratio 1.75, .25, .9375, 2.5
    # threshold 0.05: 0.9375 < 0.95 → demand-pulled; D's index 10 < min_score 15 → not classified
    assert records(table, "unit", "score", "supply", "demand", "ratio", "type_en") == approx_rows([
        ("A", 50.0, 35.0, 20.0, 1.75, "supply-driven"),
        ("B", 40.0, 10.0, 40.0, 0.25, "demand-pulled"),
        ("C", 30.0, 15.0, 16.0, 0.9375, "demand-pulled"),
        ("D", 10.0, 10.0, 4.0, 2.5, "not classified"),
    ])
    assert table["type"].iloc[3] == "未分类"


def test_classify_edges():
    ratios = [1.1, 1.1000001, 0.9, 0.8999999, NAN, math.inf, 0.0]
    assert list(classify(ratios, 0.1)) == ["coordinated", "supply", "coordinated", "demand", None, "supply",
                                           "demand"]


def test_typology_missing_zero_and_year():
    scores = {
        "index": {("A", 1): 1.0, ("B", 1): 1.0, ("C", 1): 1.0, ("A", 2): 1.0, ("B", 2): 1.0, ("C", 2): 1.0},
        "p": {("A", 1): 2.0, ("B", 1): 0.0, ("C", 1): NAN, ("A", 2): 1.0, ("B", 2): 1.0, ("C", 2): 1.0},
        "r": {("A", 1): 0.0, ("B", 1): 0.0, ("C", 1): 3.0, ("A", 2): 1.0, ("B", 2): 1.0, ("C", 2): 1.0},
    }
    table = Typology(supply=("p",), demand=("r",), year=1).run(fake_result(scores))
    # year 1 only. relative p = p/1: 2, 0, –; relative r = r/1: 0, 0, 3
    # A: 2/0 → ∞ → supply; B: 0/0 → undefined; C: no p → undefined
    assert records(table, "unit", "year", "ratio", "type_en") == [
        ("A", 1, math.inf, "supply-driven"), ("B", 1, None, None), ("C", 1, None, None)]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0.1, 100), st.floats(0.1, 100), st.floats(0.1, 100)), min_size=2, max_size=8),
       st.floats(0.01, 1000), st.floats(0.01, 1000), st.floats(0.01, 1000))
def test_typology_is_scale_free(rows, cp, cq, cr):
    # multiplying any node's scores by a positive constant (another normalisation range) changes nothing
    def result(kp, kq, kr):
        return fake_result({
            "index": {(f"u{i}", 1): 1.0 for i in range(len(rows))},
            "p": {(f"u{i}", 1): p * kp for i, (p, _, _) in enumerate(rows)},
            "q": {(f"u{i}", 1): q * kq for i, (_, q, _) in enumerate(rows)},
            "r": {(f"u{i}", 1): r * kr for i, (_, _, r) in enumerate(rows)},
        })
    analysis = Typology(supply=("p", "q"), demand=("r",))
    a, b = analysis.run(result(1, 1, 1)), analysis.run(result(cp, cq, cr))
    assert np.allclose(a["ratio"], b["ratio"], rtol=1e-9)
    near = np.isclose(a["ratio"], 1.1, rtol=1e-6) | np.isclose(a["ratio"], 0.9, rtol=1e-6)  # at a boundary
    assert (a["type"][~near] == b["type"][~near]).all()


def test_typology_errors():
    with pytest.raises(ValueError, match="'r' cannot be both a supply and a demand node"):
        Typology(supply=("p", "r"), demand=("r",))
    with pytest.raises(ValueError, match="threshold must be in"):
        Typology(threshold=1.5)
    with pytest.raises(ValueError, match="supply must name at least one node"):
        Typology(supply=())
    with pytest.raises(zhishu.ConfigError) as info:
        Typology(supply=("p", "qq"), demand=("rr",)).run(fake_result(TYPO))
    assert [i.path for i in info.value.issues] == ["supply[1]", "demand[0]"]
    assert "unknown node or indicator 'qq': did you mean 'q'" in info.value.issues[0].message
    negative = {k: dict(v) for k, v in TYPO.items()}
    negative["p"][("B", 1)] = -0.5
    with pytest.raises(zhishu.DataError, match="must not be negative: p of B in 1 = -0.5"):
        Typology(supply=("p", "q"), demand=("r",)).run(fake_result(negative))


# ============================================================================================== agreement


def test_tau_and_rho_by_hand():
    ref = [1, 2, 3, 4]
    assert kendall_tau_b(ref, [1, 2, 3, 4]) == 1.0 and spearman_rho(ref, [1, 2, 3, 4]) == 1.0
    assert kendall_tau_b(ref, [4, 3, 2, 1]) == -1.0 and spearman_rho(ref, [4, 3, 2, 1]) == -1.0
    # one adjacent swap: 5 concordant and 1 discordant pair of 6: τ = 4/6; Σd² = 2: ρ = 1 − 6·2/(4·15) = 0.8
    assert kendall_tau_b(ref, [1, 3, 2, 4]) == pytest.approx(2 / 3)
    assert spearman_rho(ref, [1, 3, 2, 4]) == pytest.approx(0.8)


def test_tau_b_and_rho_with_ties():
    # y = 1, 2, 2, 3: of 6 pairs 5 concordant, 0 discordant, 1 tied in y: τ-b = 5 / √(6·5)
    assert kendall_tau_b([1, 2, 3, 4], [1, 2, 2, 3]) == pytest.approx(5 / math.sqrt(30))
    # ranks of y: 1, 2.5, 2.5, 4; centred x: −1.5, −.5, .5, 1.5; centred y: −1.5, 0, 0, 1.5
    # ρ = 4.5 / √(5 · 4.5)
    assert spearman_rho([1, 2, 3, 4], [1, 2, 2, 3]) == pytest.approx(4.5 / math.sqrt(22.5))
    assert math.isnan(kendall_tau_b([1, 2, 3], [5, 5, 5])) and math.isnan(spearman_rho([1, 2, 3], [5, 5, 5]))


@settings(max_examples=80, deadline=None)
@given(st.permutations(list(range(8))).flatmap(lambda p: st.tuples(st.just(p), st.integers(2, 8))))
def test_tau_and_rho_against_their_definitions(case):
    perm, n = case
    x, y = list(range(n)), [v for v in perm if v < n]  # a permutation of 0..n−1
    pairs = list(itertools.combinations(range(n), 2))
    concordant = sum((x[i] - x[j]) * (y[i] - y[j]) > 0 for i, j in pairs)
    tau = (2 * concordant - len(pairs)) / len(pairs)
    rho = 1 - 6 * sum((a - b) ** 2 for a, b in zip(x, y)) / (n * (n * n - 1))
    assert kendall_tau_b(x, y) == pytest.approx(tau) and spearman_rho(x, y) == pytest.approx(rho)
    assert kendall_tau_b(x, [-v for v in y]) == pytest.approx(-tau)          # reversing one flips the sign
    assert kendall_tau_b(y, x) == pytest.approx(tau)                         # symmetric
    assert spearman_rho(x, [math.exp(v) for v in y]) == pytest.approx(rho)   # only the order matters


AGREE_UNITS = [zhishu.UnitSpec(id="A", name="Ay", aliases=("A-alias",)), zhishu.UnitSpec(id="B", name="Bee"),
               zhishu.UnitSpec(id="C", name="Cee"), zhishu.UnitSpec(id="D", name="Dee"),
               zhishu.UnitSpec(id="E", name="Eee")]


def agree_result():
    scores = {"index": {("A", 2022): 90.0, ("B", 2022): 80.0, ("C", 2022): 70.0, ("D", 2022): 60.0,
                        ("E", 2022): NAN, ("F", 2022): 95.0}}
    names = {"name": {"A": "Ay", "B": "Bee", "C": "Cee", "D": "Dee", "E": "Eee", "F": "Eff"}}
    return fake_result(scores, units=names, plan_units=AGREE_UNITS)


def test_agreement_table():
    # reference D, B, A, C, E by id, name, alias and full-width id; E has no score, so 4 units are compared:
    # reference positions D 1, B 2, A 3, C 4; our ranks among them A 1, B 2, C 3, D 4 (F is not in the
    # reference, so it does not count). Pairs (D,B) (D,A) (D,C) (B,A) discordant, (B,C) (A,C) concordant:
    # τ = (2 − 4)/6 = −1/3; d = 1−4, 2−2, 3−1, 4−3 = −3, 0, 2, 1: Σd² = 14, ρ = 1 − 6·14/(4·15) = −0.4
    table = Agreement(reference=("D", "Bee", "A-alias", "Ｃ", "E"), show=2).run(agree_result())
    assert list(table.columns) == ["row", "node", "year", "n", "kendall_tau", "spearman_rho", "missing", "unit",
                                   "name", "reference_position", "rank", "overall_rank", "shift"]
    summary = table.iloc[0]
    assert (summary["row"], summary["node"], summary["year"], summary["n"], summary["missing"]) == (
        "summary", "index", 2022, 4, "E")
    assert summary["kendall_tau"] == pytest.approx(-1 / 3) and summary["spearman_rho"] == pytest.approx(-0.4)
    # shifts (reference position − our rank): D −3, B 0, A +2, C +1; the 2 largest |shift|, B never (0)
    # overall ranks over every unit with a score: F 1, A 2, B 3, C 4, D 5
    assert records(table.iloc[1:], "row", "unit", "name", "reference_position", "rank", "overall_rank", "shift") == [
        ("unit", "D", "Dee", 1, 4, 5, -3), ("unit", "A", "Ay", 3, 1, 2, 2)]
    everything = Agreement(reference=("D", "Bee", "A-alias", "Ｃ", "E"), show=10).run(agree_result())
    assert list(everything["unit"].iloc[1:]) == ["D", "A", "C"]
    identical = Agreement(reference=("F", "A", "B", "C", "D")).run(agree_result())
    assert len(identical) == 1 and identical["kendall_tau"].iloc[0] == 1.0  # nothing moves: only the summary


def test_agreement_without_a_unit_list_matches_the_labels_of_the_data():
    # no [[units]] and no unit set: the units are the labels found in the data (ids = names)
    result = fake_result({"index": {("x", 1): 3.0, ("y", 1): 2.0, ("z", 1): 1.0}})
    table = Agreement(reference=("z", "y", "x")).run(result)  # exactly reversed
    assert table["kendall_tau"].iloc[0] == -1.0 and table["spearman_rho"].iloc[0] == -1.0
    # shifts: z 1 − 3 = −2, y 0, x 3 − 1 = +2; ties in |shift| keep the reference order
    assert records(table.iloc[1:], "unit", "shift") == [("z", -2), ("x", 2)]
    with pytest.raises(zhishu.ConfigError, match=r"reference\[1\]: unknown unit 'w'"):
        Agreement(reference=("x", "w")).run(result)


def test_agreement_errors():
    with pytest.raises(zhishu.ConfigError) as info:
        Agreement(reference=("A", "Zed", "Bea", "Ay")).run(agree_result())
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("reference[1]", "unknown unit 'Zed'; use a unit id, name or alias of this index"),
        ("reference[2]", "unknown unit 'Bea': did you mean 'Bee'?; use a unit id, name or alias of this index"),
        ("reference[3]", "'Ay' names unit 'A', which is already at position 1 of the reference; list every unit "
                         "once"),
    ]
    with pytest.raises(zhishu.DataError, match="at least 2 reference units with a 'index' score in 2022; 1 of 2"):
        Agreement(reference=("A", "E")).run(agree_result())
    with pytest.raises(ValueError, match="reference must list at least 2 units"):
        Agreement(reference=("A",))
    with pytest.raises(ValueError, match="show must be 0 or more"):
        Agreement(reference=("A", "B"), show=-1)


# ============================================================================================== end to end
#
# Three provinces-like units with groups, two years, normalised by min-max fitted on 2021 (reference_year), so
# each indicator's normalised value is a fixed multiple of the raw one: a → 10·a (2021 range 0–10),
# b → 10·b (0–10), c → 5·c (0–20). S has no indicator data (all its scores are missing) but has GDP.
#   2021  supply = (a + b)/2: P (0+100)/2 = 50, Q (50+0)/2 = 25, R (100+50)/2 = 75
#         application = c: P 0, Q 100, R 40        index = (supply + application)/2: P 25, Q 62.5, R 57.5
#   2022  supply: P (20+100)/2 = 60, Q (60+20)/2 = 40, R (120+50)/2 = 85
#         application: P 20, Q 100, R 60           index: P 40, Q 70, R 72.5
# GDP 2022 = 3 · index + 10: P 130, Q 220, R 227.5 (S 500, dropped: no score)

DATA = """\
unit,year,a,b,c
Pe,2021,0,10,0
Qu,2021,5,0,20
Ar,2021,10,5,8
Pe,2022,2,10,4
Qu,2022,6,2,20
Ar,2022,12,5,12
"""

GDP = """\
province,year,gdp
P,2022,130
Q,2022,220
R,2022,227.5
S,2022,500
"""

CONFIG = """\
[index]
id = "e2e"

[[units]]
id = "P"
name = "Pe"
groups = {{ belt = "east" }}

[[units]]
id = "Q"
name = "Qu"
groups = {{ belt = "east" }}

[[units]]
id = "R"
name = "Ar"
groups = {{ belt = "west" }}

[[units]]
id = "S"
name = "Es"
groups = {{ belt = "west" }}

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[sources.econ]
plugin = "table"
params = {{ path = "gdp.csv", unit_column = "province" }}

[indicators.a]
direction = 1
[indicators.b]
direction = 1
[indicators.c]
direction = 1

[nodes.index]
children = ["supply", "application"]
[nodes.supply]
children = ["a", "b"]
[nodes.application]
children = ["c"]

[normalisation]
reference_year = 2021

[analyses.tiers]
params = {{ thresholds = [60, 30] }}

[analyses.growth]
params = {{ group = "belt" }}

[analyses.gdp_fit]
plugin = "regression"
params = {{ source = "econ", variable = "gdp", year = 2022, unit_label = "亿元" }}

[analyses.typology]
params = {{ supply = ["supply"], demand = ["application"]{typology} }}

[analyses.agreement]
params = {{ reference = ["Qu", "Ar", "P"] }}
"""


def e2e_config(write_config, typology=""):
    return write_config(CONFIG.format(typology=typology), data__csv=DATA, gdp__csv=GDP)


def test_end_to_end_tables_are_written(write_config, tmp_path):
    from zhishu.outputs import write_result

    result = zhishu.run(e2e_config(write_config))
    assert result.scores["index"].xs(2022, level="year").to_dict() == pytest.approx(
        {"P": 40.0, "Q": 70.0, "R": 72.5, "S": NAN}, nan_ok=True)
    written = {p.name for p in write_result(result, tmp_path / "out")}
    names = ["tiers", "growth", "gdp_fit", "typology", "agreement"]
    assert {f"analysis-{n}.csv" for n in names} <= written
    read = {n: pd.read_csv(tmp_path / "out" / f"analysis-{n}.csv", keep_default_na=False, na_values=[""])
            for n in names}

    assert records(read["tiers"], "unit", "year", "name", "score", "tier") == approx_rows([
        ("Q", 2021, "Qu", 62.5, T1), ("R", 2021, "Ar", 57.5, T2), ("P", 2021, "Pe", 25.0, T3),
        ("S", 2021, "Es", None, None),
        ("R", 2022, "Ar", 72.5, T1), ("Q", 2022, "Qu", 70.0, T1), ("P", 2022, "Pe", 40.0, T2),
        ("S", 2022, "Es", None, None),
    ])

    growth = read["growth"]
    # P 40/25 − 1 = 60 %, Q 70/62.5 − 1 = 12 %, R 72.5/57.5 − 1; east: mean(40, 70) / mean(25, 62.5) − 1
    assert records(growth, "kind", "unit", "group", "growth", "n") == approx_rows([
        ("unit", "P", "east", 60.0, None), ("unit", "Q", "east", 12.0, None),
        ("unit", "R", "west", (72.5 / 57.5 - 1) * 100, None), ("unit", "S", "west", None, None),
        ("group", "east", "east", (55 / 43.75 - 1) * 100, 2), ("group", "west", "west", (72.5 / 57.5 - 1) * 100, 1),
    ])

    fit = read["gdp_fit"].iloc[0]  # an exact line: slope 3, intercept 10, R² 1; S dropped
    assert (fit["n"], fit["dropped"]) == (3, "S")
    assert fit["slope"] == pytest.approx(3.0) and fit["intercept"] == pytest.approx(10.0)
    assert fit["summary"] == "+1 index point ≈ +3 亿元 of gdp (OLS over 3 units, 2022; R² = 1.00)"

    typology = read["typology"]
    # 2022: supply mean (60+40+85)/3 = 185/3, application mean 60:
    # P (60·3/185)/(20/60) = 2.9189 supply; Q (40·3/185)/(100/60) = 0.3892 demand; R (85·3/185)/1 = 1.3784 supply
    row22 = typology[typology["year"] == 2022].set_index("unit")
    assert row22.loc[["P", "Q", "R"], "ratio"].tolist() == pytest.approx(
        [(60 * 3 / 185) / (20 / 60), (40 * 3 / 185) / (100 / 60), 85 * 3 / 185])
    assert row22["type_en"].tolist()[:3] == ["supply-driven", "demand-pulled", "supply-driven"]
    assert pd.isna(row22.loc["S", "type"])

    agreement = read["agreement"]
    # reference Q, R, P vs our 2022 order R, Q, P: one adjacent swap of 3: τ = (2 − 1)/3, ρ = 1 − 6·2/(3·8)
    assert agreement["kendall_tau"].iloc[0] == pytest.approx(1 / 3)
    assert agreement["spearman_rho"].iloc[0] == pytest.approx(0.5)
    assert records(agreement.iloc[1:], "unit", "reference_position", "rank", "shift") == [
        ("Q", 1, 2, -1), ("R", 2, 1, 1)]


def test_end_to_end_through_the_cli(write_config, tmp_path, capsys):
    from zhishu.cli import main

    out = tmp_path / "cli-out"
    assert main(["run", str(e2e_config(write_config, typology=", min_score = 50")), "-o", str(out)]) == 0
    typology = pd.read_csv(out / "analysis-typology.csv")
    # min_score 50 on the index: 2022 P (40) and S (missing) are not classified, Q (70) and R (72.5) are
    assert typology[typology["year"] == 2022]["type_en"].tolist() == [
        "not classified", "demand-pulled", "supply-driven", "not classified"]
    assert "tier" in capsys.readouterr().out  # the CLI's top table picks up the tiers of the root


def test_validate_reports_every_bad_parameter_at_its_key(write_config):
    text = (CONFIG.format(typology="")
            .replace('params = { thresholds = [60, 30] }', 'params = { node = "indx", thresholds = [60, 30] }')
            .replace('group = "belt"', 'group = "belts"')
            .replace('source = "econ"', 'source = "econo"')
            .replace('supply = ["supply"]', 'supply = ["suply"]')
            .replace('reference = ["Qu", "Ar", "P"]', 'reference = ["Qu", "Arr", "P"]'))
    text = text.replace('[index]\nid = "e2e"', '[index]\nid = "e2e"\nyears = [2021, 2022]')
    text = text.replace("year = 2022,", "year = 2023,")
    path = write_config(text, data__csv=DATA, gdp__csv=GDP)
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_config(path)
    assert [(i.path, i.message.split(";")[0]) for i in info.value.issues] == [
        ("analyses.tiers.params.node", "unknown node or indicator 'indx': did you mean 'index'?"),
        ("analyses.growth.params.group", "unknown group 'belts': did you mean 'belt'?"),
        ("analyses.gdp_fit.params.source", "unknown source 'econo': did you mean 'econ'?"),
        ("analyses.gdp_fit.params.year", "year 2023 is not in this run, which covers [2021, 2022]"),
        ("analyses.typology.params.supply[0]", "unknown node or indicator 'suply': did you mean 'supply'?"),
        ("analyses.agreement.params.reference[1]", "unknown unit 'Arr': did you mean 'Ar'?"),
    ]
    assert all(i.file == str(path) for i in info.value.issues)


def test_run_time_errors_name_the_analysis_and_file(write_config):
    path = write_config(CONFIG.format(typology="").replace('variable = "gdp"', 'variable = "gpd"'),
                        data__csv=DATA, gdp__csv=GDP)
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.run(path)
    issue = info.value.issues[0]
    assert (issue.file, issue.path) == (str(path), "analyses.gdp_fit.params.variable")
    assert issue.message.startswith("unknown variable 'gpd' in source 'econ': did you mean 'gdp'?")


def test_parameter_errors_from_toml_are_reported_at_the_analysis(write_config):
    path = write_config(CONFIG.format(typology="").replace("thresholds = [60, 30]", "thresholds = [30, 60]"),
                        data__csv=DATA, gdp__csv=GDP)
    with pytest.raises(zhishu.ConfigError, match=r"analyses.tiers.params: thresholds must descend"):
        zhishu.load_config(path)
