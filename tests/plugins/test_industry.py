"""zhishu_industry (算力产业): registration, the three sums by hand, constant overrides, the tree in a config and
an end-to-end run of the sub-index."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu.formula import parse
import zhishu_industry
from subindex_support import assert_higher_is_better, children_config, column, sub_index

PLUGIN = "industry"
SPECS = {s.id: s for s in zhishu_industry.SPECS.indicators}

# the paper's table, this sub-index's rows: (second-level node, indicator, unit)
PAPER_ROWS = [
    ("industry_devices", "device_output", "万台"),
    ("industry_chips", "ic_output", "万块"),
    ("industry_software", "software_revenue", "亿元"),
]


def test_it_registers_the_papers_rows(registries):
    assert [n for n in registries.indicators.names() if registries.indicators.entry(n).plugin == PLUGIN] == [
        r[1] for r in PAPER_ROWS]
    assert [n for n in registries.subindices.names() if registries.subindices.entry(n).plugin == PLUGIN] == [
        "industry", "industry_devices", "industry_chips", "industry_software"]
    assert registries.subindices.get("industry").children == tuple(r[0] for r in PAPER_ROWS)
    for node, indicator, unit in PAPER_ROWS:
        assert registries.subindices.get(node).children == (indicator,)
        spec = registries.indicators.get(indicator)
        assert spec.unit.startswith(unit)


# Three provinces, two years. Servers and AI servers in 万台, supercomputers in 台, chips in 万块, revenue in 亿元.
DATA = """\
unit,year,server_output,ai_server_output,supercomputer_output,microprocessor_output,memory_chip_output,other_ic_output,software_product_revenue,system_integration_revenue,it_consulting_revenue,data_processing_revenue,embedded_software_revenue,ic_design_revenue
A,2021,100,20,5,1000,2000,3000,500,300,100,200,150,50
A,2022,120,30,10,1500,2500,3500,600,350,120,260,170,100
B,2021,50,0,0,0,100,400,100,80,20,30,10,0
B,2022,60,5,2,10,150,500,120,90,25,45,15,5
C,2021,10,1,0,300,0,50,40,30,10,10,5,5
C,2022,8,2,1,400,0,60,45,35,12,18,6,4
"""

CONFIG, run, default_run = sub_index("industry", DATA)


def test_more_of_every_indicator_scores_higher(default_run):
    assert_higher_is_better(default_run, ['device_output', 'ic_output', 'software_revenue'])


def test_device_output_adds_servers_ai_servers_and_supercomputers_in_10k_units(default_run):
    assert column(default_run.raw, "device_output") == pytest.approx({
        ("A", 2021): 100 + 20 + 5 / 10_000,  # 5 supercomputers = 0.0005 万台
        ("A", 2022): 120 + 30 + 10 / 10_000,
        ("B", 2021): 50 + 0 + 0,
        ("B", 2022): 60 + 5 + 2 / 10_000,
        ("C", 2021): 10 + 1 + 0,
        ("C", 2022): 8 + 2 + 1 / 10_000,
    }, rel=1e-12)


def test_ic_output_adds_microprocessors_memory_and_other_ics(default_run):
    assert column(default_run.raw, "ic_output") == pytest.approx({
        ("A", 2021): 1000 + 2000 + 3000, ("A", 2022): 1500 + 2500 + 3500,
        ("B", 2021): 0 + 100 + 400, ("B", 2022): 10 + 150 + 500,
        ("C", 2021): 300 + 0 + 50, ("C", 2022): 400 + 0 + 60,
    })


def test_software_revenue_adds_the_six_business_lines(default_run):
    assert column(default_run.raw, "software_revenue") == pytest.approx({
        ("A", 2021): 500 + 300 + 100 + 200 + 150 + 50,  # 1300
        ("A", 2022): 600 + 350 + 120 + 260 + 170 + 100,  # 1600
        ("B", 2021): 100 + 80 + 20 + 30 + 10 + 0,  # 240
        ("B", 2022): 120 + 90 + 25 + 45 + 15 + 5,  # 300
        ("C", 2021): 40 + 30 + 10 + 10 + 5 + 5,  # 100
        ("C", 2022): 45 + 35 + 12 + 18 + 6 + 4,  # 120
    })


def test_a_missing_component_makes_the_sum_missing(write_config):
    data = DATA.replace("B,2022,60,5,2,", "B,2022,60,,2,")
    raw = run(write_config, data=data).raw
    assert math.isnan(raw.loc[("B", 2022), "device_output"])
    assert raw.loc[("B", 2022), "ic_output"] == pytest.approx(660)


def test_the_supercomputer_unit_is_a_parameter(write_config):
    raw = run(write_config, '[indicators.device_output]\nparams = { units_to_10k = 1 }').raw  # already 万台
    assert raw.loc[("A", 2022), "device_output"] == pytest.approx(120 + 30 + 10)
    assert raw.loc[("C", 2021), "device_output"] == pytest.approx(11)


def test_the_tree_resolves(write_config):
    plan = zhishu.load_config(write_config(CONFIG.format(extra=""), data__csv=DATA))
    assert list(plan.nodes) == ["industry", "industry_devices", "industry_chips", "industry_software"]
    assert list(plan.indicators) == ["device_output", "ic_output", "software_revenue"]
    assert [plan.level_of(i) for i in plan.tree_order()] == [0, 1, 2, 1, 2, 1, 2]
    for node, indicator, _ in PAPER_ROWS:
        assert plan.parent_of(indicator) == node and plan.parent_of(node) == "industry"


def test_end_to_end_scores_of_the_sub_index(write_config):
    """Per year min-max to [0, 100], equal weights. 2022: A has every maximum and C every minimum, so B gets
    device (65.0002 - 10.0001) / (150.001 - 10.0001), IC (660 - 460) / (7500 - 460), software
    (300 - 120) / (1600 - 120). 2021: device A 120.0005 B 50 C 11 → (50 - 11) / 109.0005; IC A 6000 B 500 C 350 →
    150 / 5650; software A 1300 B 240 C 100 → 140 / 1200."""
    result = run(write_config)
    b22 = 100 * ((65.0002 - 10.0001) / (150.001 - 10.0001) + 200 / 7040 + 180 / 1480) / 3
    b21 = 100 * (39 / 109.0005 + 150 / 5650 + 140 / 1200) / 3
    assert column(result.scores, "industry") == pytest.approx({
        ("A", 2021): 100, ("A", 2022): 100, ("B", 2021): b21, ("B", 2022): b22, ("C", 2021): 0, ("C", 2022): 0})
    assert column(result.scores, "industry_software")[("B", 2022)] == pytest.approx(100 * 180 / 1480)
    assert column(result.ranks, "industry") == {("A", 2021): 1, ("A", 2022): 1, ("B", 2021): 2, ("B", 2022): 2,
                                                ("C", 2021): 3, ("C", 2022): 3}


def test_blocked_plugin_makes_its_names_unknown(write_config):
    path = write_config(children_config("industry_chips", "device_output"), data__csv=DATA)
    assert list(zhishu.load_config(path, block=("scale",)).indicators) == ["ic_output", "device_output"]
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_config(path, block=(PLUGIN,))
    text = str(info.value)
    assert "nodes.index.children[0]: unknown child (node or indicator) 'industry_chips'" in text
    assert "nodes.index.children[1]: unknown child (node or indicator) 'device_output'" in text


amount = st.floats(min_value=0.0, max_value=1e7, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(amount, min_size=6, max_size=6), min_size=1, max_size=8))
def test_software_revenue_is_the_sum_of_its_parts_and_at_least_each_part(rows):
    names = ["software_product_revenue", "system_integration_revenue", "it_consulting_revenue",
             "data_processing_revenue", "embedded_software_revenue", "ic_design_revenue"]
    index = pd.MultiIndex.from_product([[f"u{i}" for i in range(len(rows))], [2022]], names=["unit", "year"])
    frame = pd.DataFrame(rows, index=index, columns=names, dtype="float64")
    spec = SPECS["software_revenue"]
    out = parse(spec.formula).evaluate(frame, spec.params)
    for i, row in enumerate(rows):
        assert out.iloc[i] == pytest.approx(math.fsum(row), rel=1e-12, abs=1e-9)
        assert out.iloc[i] >= max(row) - 1e-9
