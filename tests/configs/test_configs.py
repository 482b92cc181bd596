"""Every config in configs/ loads and runs; the demo's numbers are checked against a hand computation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import zhishu

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs").glob("**/*.toml"))


SHARED = ROOT.parent / "shared"


@pytest.mark.parametrize("path", CONFIGS, ids=[str(p.relative_to(ROOT / "configs")) for p in CONFIGS])
def test_config_runs(path):
    if "../shared/" in path.read_text(encoding="utf-8") and not SHARED.is_dir():
        pytest.skip(f"{path.name} needs the shared data at {SHARED}")
    result = zhishu.run(path)
    root = result.scores[result.root]
    assert root.notna().any(), f"{path.name}: the root has no score at all"
    assert set(result.ranks[result.root].dropna()) <= set(range(1, len(result.units) + 1))


def test_demo_scores_by_hand():
    """Demo 2021 (the reference year, so min-max spans exactly [0, 100]), recomputed from the CSV by hand:
    min-max each indicator, orient energy_per_rack, then index = 0.4·mean(economy) + 0.6·mean(infrastructure)."""
    data = pd.read_csv(ROOT / "examples/data/demo/regions.csv").query("year == 2021").set_index("unit")
    ind = pd.DataFrame({
        "gdp_per_capita": data.gdp / data.population,
        "broadband_rate": data.broadband / data.population * 100,
        "servers": data.servers,
        "energy_per_rack": -data.energy_per_rack,
    })
    mm = (ind - ind.min()) / (ind.max() - ind.min()) * 100
    expected = 0.4 * (mm.gdp_per_capita + mm.broadband_rate) / 2 + 0.6 * (mm.servers + mm.energy_per_rack) / 2
    result = zhishu.run(ROOT / "configs/demo.toml")
    got = result.scores.xs(2021, level="year")["index"]
    names = dict(zip(result.units.index, result.units["name"]))
    assert {names[u]: v for u, v in got.items()} == pytest.approx(expected.to_dict())
    # Region C: energy_per_rack 6.9 is the lowest, so it gets the best (100) normalised value
    assert result.scores.loc[("C", 2021), "energy_per_rack"] == pytest.approx(100.0)
    # anchored to 2021: Region C's servers grew from the 2021 maximum (9,800) to 11,200 → above 100
    assert result.scores.loc[("C", 2022), "servers"] == pytest.approx((11200 - 600) / (9800 - 600) * 100)
