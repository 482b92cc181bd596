"""zhishu_technology (算力技术): registration, the five-year patent sums and R&D by hand, the tree in a config
and an end-to-end run of the sub-index."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu.formula import parse
import zhishu_technology
from subindex_support import assert_higher_is_better, children_config, column, sub_index

PLUGIN = "technology"
SPECS = {s.id: s for s in zhishu_technology.SPECS.indicators}

# the paper's table, this sub-index's rows: (second-level node, indicator, unit)
PAPER_ROWS = [
    ("technology_innovation", "patent_applications", "件"),
    ("technology_innovation", "patent_grants", "件"),
    ("technology_rd", "rd_spending", "亿元"),
]


def test_it_registers_the_papers_rows(registries):
    assert [n for n in registries.indicators.names() if registries.indicators.entry(n).plugin == PLUGIN] == [
        r[1] for r in PAPER_ROWS]
    assert [n for n in registries.subindices.names() if registries.subindices.entry(n).plugin == PLUGIN] == [
        "technology", "technology_innovation", "technology_rd"]
    assert registries.subindices.get("technology").children == ("technology_innovation", "technology_rd")
    assert registries.subindices.get("technology_innovation").children == ("patent_applications", "patent_grants")
    assert registries.subindices.get("technology_rd").children == ("rd_spending",)
    for node, indicator, unit in PAPER_ROWS:
        spec = registries.indicators.get(indicator)
        assert spec.unit.startswith(unit)


# Three provinces, six years of annual counts (件) and R&D spending (亿元, only the last two years).
DATA = """\
unit,year,computing_patent_applications,computing_patent_grants,computer_manufacturing_rd
A,2017,100,10,
A,2018,200,20,
A,2019,300,30,
A,2020,400,40,
A,2021,500,50,80
A,2022,600,60,90
B,2017,50,5,
B,2018,50,5,
B,2019,50,5,
B,2020,50,5,
B,2021,50,5,10
B,2022,50,10,12
C,2017,0,0,
C,2018,0,0,
C,2019,10,1,
C,2020,20,2,
C,2021,30,3,20
C,2022,40,4,30
"""

CONFIG, run, default_run = sub_index("technology", DATA, years=[2021, 2022])


def test_more_of_every_indicator_scores_higher(default_run):
    assert_higher_is_better(default_run, ['patent_applications', 'patent_grants', 'rd_spending'])


def test_patent_indicators_are_five_year_sums(default_run):
    raw = default_run.raw
    assert column(raw, "patent_applications") == pytest.approx({
        ("A", 2021): 100 + 200 + 300 + 400 + 500,  # 2017-2021: 1500
        ("A", 2022): 200 + 300 + 400 + 500 + 600,  # 2018-2022: 2000
        ("B", 2021): 5 * 50, ("B", 2022): 5 * 50,
        ("C", 2021): 0 + 0 + 10 + 20 + 30, ("C", 2022): 0 + 10 + 20 + 30 + 40,
    })
    assert column(raw, "patent_grants") == pytest.approx({
        ("A", 2021): 10 + 20 + 30 + 40 + 50, ("A", 2022): 20 + 30 + 40 + 50 + 60,
        ("B", 2021): 5 * 5, ("B", 2022): 4 * 5 + 10,
        ("C", 2021): 0 + 0 + 1 + 2 + 3, ("C", 2022): 0 + 1 + 2 + 3 + 4,
    })


def test_rd_spending_is_the_variable_as_is(default_run):
    assert column(default_run.raw, "rd_spending") == {
        ("A", 2021): 80.0, ("A", 2022): 90.0, ("B", 2021): 10.0, ("B", 2022): 12.0,
        ("C", 2021): 20.0, ("C", 2022): 30.0}


def test_the_first_four_years_have_no_five_year_sum_and_a_gap_propagates():
    spec = SPECS["patent_applications"]
    index = pd.MultiIndex.from_product([["P"], range(2015, 2023)], names=["unit", "year"])
    #               2015 2016 2017 2018  2019  2020 2021 2022
    counts = [1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 7.0, 8.0]
    out = parse(spec.formula).evaluate(pd.DataFrame({"computing_patent_applications": counts}, index=index))
    assert out.isna().tolist() == [True, True, True, True, False, True, True, True]
    assert out.iloc[4] == 1 + 2 + 3 + 4 + 5  # 2019


def test_the_tree_resolves(write_config):
    plan = zhishu.load_config(write_config(CONFIG.format(extra=""), data__csv=DATA))
    assert list(plan.nodes) == ["technology", "technology_innovation", "technology_rd"]
    assert list(plan.indicators) == ["patent_applications", "patent_grants", "rd_spending"]
    assert [plan.level_of(i) for i in plan.tree_order()] == [0, 1, 2, 2, 1, 2]
    for node, indicator, _ in PAPER_ROWS:
        assert plan.parent_of(indicator) == node and plan.parent_of(node) == "technology"


def test_end_to_end_scores_of_the_sub_index(write_config):
    """Per year min-max to [0, 100], equal weights. 2022: applications A 2000 B 250 C 100, grants A 200 B 30
    C 10, R&D A 90 B 12 C 30. 2021: applications A 1500 B 250 C 60, grants A 150 B 25 C 6, R&D A 80 B 10 C 20."""
    result = run(write_config)
    b22 = (100 * ((250 - 100) / 1900 + (30 - 10) / 190) / 2 + 0) / 2
    c22 = (0 + 100 * (30 - 12) / (90 - 12)) / 2
    b21 = (100 * ((250 - 60) / 1440 + (25 - 6) / 144) / 2 + 0) / 2
    c21 = (0 + 100 * (20 - 10) / (80 - 10)) / 2
    assert column(result.scores, "technology") == pytest.approx({
        ("A", 2021): 100, ("A", 2022): 100, ("B", 2021): b21, ("B", 2022): b22, ("C", 2021): c21, ("C", 2022): c22})
    assert column(result.ranks, "technology") == {("A", 2021): 1, ("A", 2022): 1, ("B", 2021): 3, ("B", 2022): 3,
                                                  ("C", 2021): 2, ("C", 2022): 2}


def test_blocked_plugin_makes_its_names_unknown(write_config):
    path = write_config(children_config("technology", "coverage_5g"), data__csv=DATA)
    assert "patent_grants" in zhishu.load_config(path, block=("industry",)).indicators
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_config(path, block=(PLUGIN,))
    assert "nodes.index.children[0]: unknown child (node or indicator) 'technology'" in str(info.value)
    assert "children[1]" not in str(info.value)  # coverage_5g (another plugin) still resolves


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=5, max_size=9))
def test_patent_sum_equals_an_explicit_window_sum(counts):
    spec = SPECS["patent_grants"]
    n = len(counts)
    index = pd.MultiIndex.from_product([["P"], range(2030 - n, 2030)], names=["unit", "year"])
    out = parse(spec.formula).evaluate(pd.DataFrame({"computing_patent_grants": counts}, index=index, dtype="float64"))
    for t in range(n):
        expected = math.nan if t < 4 else float(sum(counts[t - 4:t + 1]))
        assert (math.isnan(out.iloc[t]) and math.isnan(expected)) or out.iloc[t] == expected
