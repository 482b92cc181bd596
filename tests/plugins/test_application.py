"""zhishu_application (算力应用): registration, both traffic conversions (users × DOU → EB; annual 万GB / 12 →
EB) by hand, constant overrides, the tree in a config (with either traffic route) and an end-to-end run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
import zhishu_application
from zhishu.formula import parse
from subindex_support import assert_higher_is_better, children_config, column, sub_index

PLUGIN = "application"
SPECS = {s.id: s for s in zhishu_application.SPECS.indicators}
README = Path(zhishu_application.__file__).with_name("README.md")
NBS_PANEL = Path(__file__).resolve().parents[3] / "shared" / "data" / "nbs" / "nbs_provincial_digital_2015_2024.csv"

# the paper's table, this sub-index's rows: (second-level node, indicator, unit)
PAPER_ROWS = [
    ("application_consumer", "mobile_traffic", "EB"),
    ("application_industry", "industrial_digitalisation", "亿元"),
]


def test_it_registers_the_papers_rows_and_the_alternative_traffic_route(registries):
    assert [n for n in registries.indicators.names() if registries.indicators.entry(n).plugin == PLUGIN] == [
        "mobile_traffic", "mobile_traffic_from_annual", "industrial_digitalisation"]
    assert [n for n in registries.subindices.names() if registries.subindices.entry(n).plugin == PLUGIN] == [
        "application", "application_consumer", "application_industry"]
    assert registries.subindices.get("application").children == ("application_consumer", "application_industry")
    for node, indicator, unit in PAPER_ROWS:
        assert registries.subindices.get(node).children == (indicator,)
        spec = registries.indicators.get(indicator)
        assert spec.unit.startswith(unit)
    alternative = registries.indicators.get("mobile_traffic_from_annual")
    assert alternative.unit == registries.indicators.get("mobile_traffic").unit  # either route, one unit


def test_the_unit_conversions_written_out():
    # 1 EB = 1e18 bytes = 1e9 GB = 1e5 万GB
    assert SPECS["mobile_traffic"].params["to_eb"] == pytest.approx(1e4 / 1e9)  # 万户 × GB → EB
    assert SPECS["mobile_traffic_from_annual"].params["to_eb"] == pytest.approx(1e4 / 1e9)  # 万GB → EB


# Three provinces, two years: users in 万户, DOU in GB per user per month, annual traffic in 万GB,
# digitalisation value added in 亿元.
DATA = """\
unit,year,mobile_users,mobile_dou_gb,mobile_traffic_annual,digitalisation_value_added
A,2021,10000,14,1700000,30000
A,2022,10500,16,2000000,40000
B,2021,3000,12,420000,5000
B,2022,3100,13,480000,6000
C,2021,5000,10,600000,12000
C,2022,5200,11,700000,11000
"""

CONFIG, run, default_run = sub_index("application", DATA)


def test_more_of_every_indicator_scores_higher(default_run):
    assert_higher_is_better(default_run, ['mobile_traffic', 'industrial_digitalisation'])
ANNUAL_ROUTE = '[nodes.application_consumer]\nchildren = ["mobile_traffic_from_annual"]'


def test_monthly_traffic_is_users_times_dou_in_eb(default_run):
    # 万户 × 1e4 users × GB / (1e9 GB per EB)
    assert column(default_run.raw, "mobile_traffic") == pytest.approx({
        ("A", 2021): 10000 * 1e4 * 14 / 1e9,  # 1.4 EB per month
        ("A", 2022): 10500 * 1e4 * 16 / 1e9,  # 1.68
        ("B", 2021): 3000 * 1e4 * 12 / 1e9,  # 0.36
        ("B", 2022): 3100 * 1e4 * 13 / 1e9,  # 0.403
        ("C", 2021): 5000 * 1e4 * 10 / 1e9,  # 0.5
        ("C", 2022): 5200 * 1e4 * 11 / 1e9,  # 0.572
    }, rel=1e-12)


def test_monthly_traffic_from_annual_10k_gb(write_config):
    raw = run(write_config, ANNUAL_ROUTE).raw
    assert "mobile_traffic" not in raw.columns
    # 万GB × 1e4 GB / 12 months / (1e9 GB per EB)
    assert column(raw, "mobile_traffic_from_annual") == pytest.approx({
        ("A", 2021): 1700000 * 1e4 / 12 / 1e9,  # 1.4167 EB per month
        ("A", 2022): 2000000 * 1e4 / 12 / 1e9,  # 1.6667
        ("B", 2021): 420000 * 1e4 / 12 / 1e9,  # 0.35
        ("B", 2022): 480000 * 1e4 / 12 / 1e9,  # 0.4
        ("C", 2021): 600000 * 1e4 / 12 / 1e9,  # 0.5
        ("C", 2022): 700000 * 1e4 / 12 / 1e9,  # 0.5833
    }, rel=1e-12)


def test_the_annual_route_needs_no_user_or_dou_data(write_config):
    data = "\n".join(",".join(r.split(",")[i] for i in (0, 1, 4, 5)) for r in DATA.splitlines())
    raw = run(write_config, ANNUAL_ROUTE, data=data).raw
    assert raw.loc[("B", 2022), "mobile_traffic_from_annual"] == pytest.approx(0.4)
    with pytest.raises(zhishu.DataError, match="'mobile_traffic' needs variable 'mobile_users'"):
        run(write_config, data=data)


def test_industrial_digitalisation_is_the_variable_as_is(default_run):
    assert column(default_run.raw, "industrial_digitalisation") == {
        ("A", 2021): 30000.0, ("A", 2022): 40000.0, ("B", 2021): 5000.0, ("B", 2022): 6000.0,
        ("C", 2021): 12000.0, ("C", 2022): 11000.0}


def test_the_conversion_constant_is_a_parameter(write_config):
    raw = run(write_config, "[indicators.mobile_traffic]\nparams = { to_eb = 1e-2 }").raw  # → PB per month
    assert raw.loc[("A", 2022), "mobile_traffic"] == pytest.approx(10500 * 16 * 1e-2)


def test_the_tree_resolves_with_either_traffic_route(write_config):
    plan = zhishu.load_config(write_config(CONFIG.format(extra=""), data__csv=DATA))
    assert list(plan.nodes) == ["application", "application_consumer", "application_industry"]
    assert list(plan.indicators) == ["mobile_traffic", "industrial_digitalisation"]
    assert [plan.level_of(i) for i in plan.tree_order()] == [0, 1, 2, 1, 2]
    plan = zhishu.load_config(write_config(CONFIG.format(extra=ANNUAL_ROUTE), data__csv=DATA))
    assert list(plan.indicators) == ["mobile_traffic_from_annual", "industrial_digitalisation"]
    assert plan.parent_of("mobile_traffic_from_annual") == "application_consumer"
    assert plan.nodes["application_consumer"].origin == PLUGIN


def test_end_to_end_scores_of_the_sub_index(write_config):
    """Per year min-max to [0, 100], equal weights. 2022: traffic A 1.68 B 0.403 C 0.572, digitalisation
    A 40000 B 6000 C 11000; by the annual route traffic is proportional to 2000000, 480000, 700000 万GB."""
    result = run(write_config)
    c22 = 100 * ((0.572 - 0.403) / (1.68 - 0.403) + (11000 - 6000) / (40000 - 6000)) / 2
    assert column(result.scores, "application")[("C", 2022)] == pytest.approx(c22)
    assert column(result.scores, "application")[("A", 2022)] == pytest.approx(100)
    assert column(result.scores, "application")[("B", 2022)] == pytest.approx(0)
    # 2021: traffic A 1.4 B 0.36 C 0.5, digitalisation A 30000 B 5000 C 12000
    c21 = 100 * ((0.5 - 0.36) / (1.4 - 0.36) + (12000 - 5000) / (30000 - 5000)) / 2
    assert column(result.scores, "application")[("C", 2021)] == pytest.approx(c21)
    annual = run(write_config, ANNUAL_ROUTE)
    c22_annual = 100 * ((700000 - 480000) / (2000000 - 480000) + 5000 / 34000) / 2
    assert column(annual.scores, "application")[("C", 2022)] == pytest.approx(c22_annual)


def test_blocked_plugin_makes_its_names_unknown(write_config):
    path = write_config(children_config("application_industry", "mobile_traffic"), data__csv=DATA)
    assert list(zhishu.load_config(path, block=("environment",)).indicators) == [
        "industrial_digitalisation", "mobile_traffic"]
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_config(path, block=(PLUGIN,))
    text = str(info.value)
    assert "nodes.index.children[0]: unknown child (node or indicator) 'application_industry'" in text
    assert "nodes.index.children[1]: unknown child (node or indicator) 'mobile_traffic'" in text


@pytest.mark.skipif(not NBS_PANEL.exists(), reason=f"shared NBS data not found at {NBS_PANEL}")
def test_the_annual_route_on_real_nbs_data(write_config):
    """NBS 分省年度数据 (a public scrape, see the file's README): 广东 2022 移动互联网接入流量 2956007.26 万GB, i.e.
    2956007.26 / 12 / 1e5 = 2.463 EB per month — above the paper's 1.5 EB for its top five."""
    path = write_config(f"""
        [index]
        id = "nbs-traffic"
        root = "application_consumer"
        years = [2022]
        [nodes.application_consumer]
        children = ["mobile_traffic_from_annual"]
        [sources.nbs]
        plugin = "table"
        [sources.nbs.params]
        path = "{NBS_PANEL.as_posix()}"
        unit_column = "province"
        ignore_columns = ["region_code"]
        rename = {{ "移动互联网接入流量 (万GB)" = "mobile_traffic_annual" }}
        variables = ["mobile_traffic_annual"]
    """)
    raw = zhishu.run(path).raw
    assert raw.loc[("广东", 2022), "mobile_traffic_from_annual"] == pytest.approx(2956007.26 / 12 / 1e5)
    assert raw.loc[("北京", 2022), "mobile_traffic_from_annual"] == pytest.approx(584496.08 / 12 / 1e5)
    assert len(raw) == 31


volume = st.floats(min_value=0.0, max_value=1e9, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(volume, st.floats(min_value=0.0, max_value=100.0)), min_size=1, max_size=8))
def test_both_routes_agree_when_annual_traffic_is_twelve_months_of_users_times_dou(rows):
    index = pd.MultiIndex.from_product([[f"u{i}" for i in range(len(rows))], [2022]], names=["unit", "year"])
    users = [u for u, _ in rows]
    dou = [d for _, d in rows]
    frame = pd.DataFrame({"mobile_users": users, "mobile_dou_gb": dou,
                          "mobile_traffic_annual": [u * d * 12 for u, d in rows]},  # 万户 × GB = 万GB
                         index=index, dtype="float64")
    a, b = (SPECS[i] for i in ("mobile_traffic", "mobile_traffic_from_annual"))
    monthly = parse(a.formula).evaluate(frame, a.params)
    from_annual = parse(b.formula).evaluate(frame, b.params)
    for i, (u, d) in enumerate(rows):
        assert monthly.iloc[i] == pytest.approx(u * d / 1e5, rel=1e-12, abs=1e-15)
        assert from_annual.iloc[i] == pytest.approx(monthly.iloc[i], rel=1e-9, abs=1e-12)
