"""zhishu_environment (算力环境): registration, bandwidth and IT-spending sums and the 5G ratio by hand,
constant overrides, the tree in a config and an end-to-end run of the sub-index."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu.formula import parse
import zhishu_environment
from subindex_support import assert_higher_is_better, children_config, column, sub_index

PLUGIN = "environment"
SPECS = {s.id: s for s in zhishu_environment.SPECS.indicators}

# the paper's table, this sub-index's rows: (second-level node, indicator, unit)
PAPER_ROWS = [
    ("environment_network", "egress_bandwidth", "Tbps"),
    ("environment_network", "coverage_5g", "%"),
    ("environment_investment", "it_spending", "亿元"),
    ("environment_open_data", "open_data_index", "score"),
]


def test_it_registers_the_papers_rows(registries):
    assert [n for n in registries.indicators.names() if registries.indicators.entry(n).plugin == PLUGIN] == [
        r[1] for r in PAPER_ROWS]
    assert [n for n in registries.subindices.names() if registries.subindices.entry(n).plugin == PLUGIN] == [
        "environment", "environment_network", "environment_investment", "environment_open_data"]
    assert registries.subindices.get("environment").children == (
        "environment_network", "environment_investment", "environment_open_data")
    assert registries.subindices.get("environment_network").children == ("egress_bandwidth", "coverage_5g")
    for node, indicator, unit in PAPER_ROWS:
        spec = registries.indicators.get(indicator)
        assert spec.unit.startswith(unit)


# Three provinces, two years: egress bandwidth per operator (Tbps), base stations (count), IT spending (亿元),
# open-data score.
DATA = """\
unit,year,chinatelecom_egress_tbps,chinamobile_egress_tbps,chinaunicom_egress_tbps,base_stations_5g,base_stations_4g,it_hardware_spending,it_software_spending,it_services_spending,open_data_index
A,2021,20,25,15,50000,120000,1000,800,700,70
A,2022,25,30,18,80000,125000,1100,900,800,75
B,2021,5,6,4,10000,50000,100,50,50,30
B,2022,6,8,5,15000,50000,120,60,70,40
C,2021,10,10,10,20000,80000,300,200,100,50
C,2022,12,11,10,30000,75000,320,220,160,35
"""

CONFIG, run, default_run = sub_index("environment", DATA)


def test_more_of_every_indicator_scores_higher(default_run):
    assert_higher_is_better(default_run, ['egress_bandwidth', 'coverage_5g', 'it_spending', 'open_data_index'])


def test_egress_bandwidth_adds_the_three_operators(default_run):
    assert column(default_run.raw, "egress_bandwidth") == pytest.approx({
        ("A", 2021): 20 + 25 + 15, ("A", 2022): 25 + 30 + 18,
        ("B", 2021): 5 + 6 + 4, ("B", 2022): 6 + 8 + 5,
        ("C", 2021): 10 + 10 + 10, ("C", 2022): 12 + 11 + 10,
    })


def test_5g_coverage_is_5g_over_4g_base_stations_in_percent(default_run):
    assert column(default_run.raw, "coverage_5g") == pytest.approx({
        ("A", 2021): 50000 / 120000 * 100,  # 41.67 %
        ("A", 2022): 80000 / 125000 * 100,  # 64 %
        ("B", 2021): 10000 / 50000 * 100,  # 20 %
        ("B", 2022): 15000 / 50000 * 100,  # 30 %
        ("C", 2021): 20000 / 80000 * 100,  # 25 %
        ("C", 2022): 30000 / 75000 * 100,  # 40 %
    })


def test_it_spending_adds_hardware_software_and_services(default_run):
    assert column(default_run.raw, "it_spending") == pytest.approx({
        ("A", 2021): 1000 + 800 + 700, ("A", 2022): 1100 + 900 + 800,
        ("B", 2021): 100 + 50 + 50, ("B", 2022): 120 + 60 + 70,
        ("C", 2021): 300 + 200 + 100, ("C", 2022): 320 + 220 + 160,
    })


def test_open_data_index_is_the_score_as_published(default_run):
    assert column(default_run.raw, "open_data_index") == {
        ("A", 2021): 70.0, ("A", 2022): 75.0, ("B", 2021): 30.0, ("B", 2022): 40.0,
        ("C", 2021): 50.0, ("C", 2022): 35.0}


def test_no_4g_base_station_gives_a_missing_coverage_not_an_infinity(write_config):
    data = DATA.replace("B,2022,6,8,5,15000,50000", "B,2022,6,8,5,15000,0").replace(
        "C,2022,12,11,10,30000,75000", "C,2022,12,11,10,0,0")
    raw = run(write_config, data=data).raw
    assert math.isnan(raw.loc[("B", 2022), "coverage_5g"])  # 15000 / 0
    assert math.isnan(raw.loc[("C", 2022), "coverage_5g"])  # 0 / 0
    assert raw.loc[("A", 2022), "coverage_5g"] == pytest.approx(64)


def test_the_percent_factor_is_a_parameter(write_config):
    raw = run(write_config, "[indicators.coverage_5g]\nparams = { percent = 1 }").raw  # a plain ratio
    assert raw.loc[("A", 2022), "coverage_5g"] == pytest.approx(80000 / 125000)


def test_the_tree_resolves(write_config):
    plan = zhishu.load_config(write_config(CONFIG.format(extra=""), data__csv=DATA))
    assert list(plan.nodes) == ["environment", "environment_network", "environment_investment",
                                "environment_open_data"]
    assert list(plan.indicators) == [r[1] for r in PAPER_ROWS]
    assert [plan.level_of(i) for i in plan.tree_order()] == [0, 1, 2, 2, 1, 2, 1, 2]
    for node, indicator, _ in PAPER_ROWS:
        assert plan.parent_of(indicator) == node and plan.parent_of(node) == "environment"


def test_end_to_end_scores_of_the_sub_index(write_config):
    """Per year min-max to [0, 100], equal weights. 2022: egress A 73 B 19 C 33, 5G A 64 B 30 C 40, IT A 2800
    B 250 C 700, open data A 75 B 40 C 35. A has every maximum; B every minimum but open data."""
    result = run(write_config)
    network_c = 100 * ((33 - 19) / (73 - 19) + (40 - 30) / (64 - 30)) / 2
    it_c = 100 * (700 - 250) / (2800 - 250)
    open_b = 100 * (40 - 35) / (75 - 35)  # 12.5
    scores = column(result.scores, "environment")
    assert scores[("A", 2022)] == pytest.approx(100)
    assert scores[("B", 2022)] == pytest.approx((0 + 0 + open_b) / 3)
    assert scores[("C", 2022)] == pytest.approx((network_c + it_c + 0) / 3)
    assert column(result.scores, "environment_network")[("C", 2022)] == pytest.approx(network_c)
    assert column(result.ranks, "environment")[("C", 2022)] == 2


def test_blocked_plugin_makes_its_names_unknown(write_config):
    path = write_config(children_config("environment_network", "open_data_index"), data__csv=DATA)
    assert list(zhishu.load_config(path, block=("scale",)).indicators) == [
        "egress_bandwidth", "coverage_5g", "open_data_index"]
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_config(path, block=(PLUGIN,))
    text = str(info.value)
    assert "nodes.index.children[0]: unknown child (node or indicator) 'environment_network'" in text
    assert "nodes.index.children[1]: unknown child (node or indicator) 'open_data_index'" in text


count = st.integers(min_value=1, max_value=10**6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=10**6), count), min_size=1, max_size=8),
       st.integers(min_value=1, max_value=1000))
def test_coverage_is_the_percentage_ratio_whatever_unit_the_counts_share(pairs, c):
    """Counting base stations in 万个 (or any common unit) leaves the coverage unchanged."""
    index = pd.MultiIndex.from_product([[f"u{i}" for i in range(len(pairs))], [2022]], names=["unit", "year"])
    frame = pd.DataFrame(pairs, index=index, columns=["base_stations_5g", "base_stations_4g"], dtype="float64")
    spec = SPECS["coverage_5g"]
    f = parse(spec.formula)
    out = f.evaluate(frame, spec.params)
    rescaled = f.evaluate(frame / c, spec.params)
    for i, (g5, g4) in enumerate(pairs):
        assert out.iloc[i] == pytest.approx(100 * g5 / g4, rel=1e-12)
        assert rescaled.iloc[i] == pytest.approx(out.iloc[i], rel=1e-12)
