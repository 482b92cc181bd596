"""The flagship configs: the computing-power index, its city and comprehensive siblings, and the real-data NBS
index. Their data are illustrative (except NBS), so tests check structure, invariants and honest provenance;
the arithmetic of each method is tested in tests/framework/ against hand-computed values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import zhishu

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples/data/caict-2022-illustrative"
SHARED = ROOT.parent / "shared" / "data" / "nbs"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"needs the shared NBS data at {SHARED}")
FIRST_TIER = {"广东", "北京", "江苏", "浙江", "山东", "上海"}  # published: the six provinces ≥ 40


@pytest.fixture(scope="module")
def caict():
    return zhishu.run(ROOT / "configs/caict-2023.toml")


def test_caict_tree_is_the_papers(caict):
    plan = caict.plan
    assert list(plan.nodes["index"].children) == ["scale", "industry", "technology", "environment", "application"]
    assert sum(1 for n in plan.nodes.values() if n.depth == 2) == 12
    assert len(plan.indicators) == 16
    assert all(plan.level_of(i) == 3 for i in plan.indicators)
    assert len(caict.units) == 31


def test_caict_ahp_weights_are_consistent_and_sum_to_one(caict):
    reports = caict.weight_reports
    assert {"index", "scale", "industry", "technology", "environment", "application"} <= set(reports)
    assert all(r["cr"] < 0.1 for r in reports.values())
    w = caict.weights_table()
    assert w.groupby("parent")["weight"].sum().round(12).eq(1).all()
    leaves = w[w["node"].isin(caict.plan.indicators)]
    assert leaves["effective_weight"].sum() == pytest.approx(1.0)


def test_caict_scores_tiers_and_anchoring(caict):
    tiers = caict.analyses["tiers"]
    t2022 = tiers[tiers["year"] == 2022]
    first = set(t2022.loc[t2022["tier"] == "第一梯队", "name"])
    assert first == FIRST_TIER  # on the illustrative data, built from the published orderings
    # anchored to 2021: no indicator exceeds 100 in 2021, some do in 2022 (growth), as in the paper
    norm = caict.normalised
    assert norm.xs(2021, level="year").max().max() == pytest.approx(100.0)
    assert norm.xs(2022, level="year").max().max() > 100
    agreement = caict.analyses["agreement"].iloc[0]
    assert agreement["kendall_tau"] > 0.6


def test_caict_analyses_present(caict):
    assert set(caict.analyses) == {"tiers", "growth_belt", "growth_cluster", "typology", "agreement"}
    groups = caict.analyses["growth_cluster"]
    assert {"京津冀", "长三角", "粤港澳大湾区", "成渝"} <= set(groups.loc[groups["kind"] == "group", "group"])
    assert set(caict.analyses["typology"]["type"]) <= {"供给驱动型", "需求拉动型", "协同发展型", "not classified"}


def test_demo_prints_the_top_15_with_sub_indices_and_tiers(tmp_path):
    out = subprocess.run([sys.executable, "-m", "zhishu", "run", str(ROOT / "configs/caict-2023.toml"),
                          "-o", str(tmp_path), "--top", "15"], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[1].split() == ["rank", "unit", "index", "算力规模", "算力产业", "算力技术", "算力环境", "算力应用", "tier"]
    assert len(lines) == 1 + 1 + 15 + 1
    assert {line.split()[1] for line in lines[2:8]} == FIRST_TIER


def test_illustrative_data_say_so_and_only_traffic_is_real():
    provenance = pd.read_csv(DATA / "provenance.csv")
    assert set(provenance["status"]) == {"illustrative", "REAL"}
    assert provenance.loc[provenance["status"] == "REAL", "variable"].tolist() == ["mobile_traffic_annual"]
    columns = set(pd.read_csv(DATA / "provinces.csv", nrows=1, skiprows=1).columns) - {"unit", "year"}
    assert columns == set(provenance["variable"])  # every variable is accounted for
    assert "ILLUSTRATIVE" in (DATA / "README.md").read_text(encoding="utf-8")
    for name in ("provinces.csv", "cities.csv"):  # the data files say it themselves, on their first line
        assert (DATA / name).read_text(encoding="utf-8").startswith("# ILLUSTRATIVE data, NOT official")


@needs_shared
def test_real_traffic_is_copied_verbatim():
    panel = pd.read_csv(SHARED / "nbs_provincial_digital_2015_2024.csv")
    real = panel.set_index(["province", "year"])["移动互联网接入流量 (万GB)"]
    ours = pd.read_csv(DATA / "provinces.csv", skiprows=1).set_index(["unit", "year"])["mobile_traffic_annual"]
    assert (ours - real.reindex(ours.index)).abs().max() < 1e-6


@needs_shared
def test_generator_is_reproducible(tmp_path):
    subprocess.run([sys.executable, str(DATA / "make_data.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in ("provinces.csv", "cities.csv", "provenance.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_cities_top_20():
    result = zhishu.run(ROOT / "configs/caict-2023-cities.toml")
    top = result.analyses["top20"]
    assert (top["tier"] == "前20强 top 20").sum() == 20
    assert result.analyses["agreement"].iloc[0]["n"] == 20


def test_comprehensive_composes_plugins_and_inline_indicators():
    result = zhishu.run(ROOT / "configs/comprehensive-2023.toml")
    plan = result.plan
    assert list(plan.nodes["index"].children) == ["computing", "storage", "transport", "environment_comprehensive"]
    assert plan.indicators["general_compute"].origin == "scale"
    assert plan.indicators["storage_capacity"].origin == "config"
    assert plan.indicators["network_latency"].spec.direction == -1


@needs_shared
def test_nbs_real_data_index():
    result = zhishu.run(ROOT / "configs/nbs-digital-2015-2024.toml")
    assert sorted(set(result.scores.index.get_level_values("year"))) == list(range(2015, 2025))
    flags = result.flags.xs(2024, level="year")["ecommerce_share"]
    assert (flags == "imputed").all()  # the share has no 2024 value in the source: carried forward, flagged
    fit = result.analyses["gdp_fit"].iloc[0]
    assert fit["n"] == 31 and fit["slope"] > 0
    growth = result.analyses["growth"]
    belts = growth[(growth["kind"] == "group") & (growth["year"] == 2024)]
    assert len(belts) == 3 and (belts["growth"] > 0).all()
