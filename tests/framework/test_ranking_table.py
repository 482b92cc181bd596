"""Publication tables (issue 10 item 4): ranking.csv, --round after ranking, integer ranks, imputed raw values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zhishu
from zhishu.cli import main
from zhishu.outputs import write_result

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
CONFIGS = sorted(p for p in (ROOT / "configs").rglob("*.toml"))


def config_param(path: Path):
    needs_shared = "shared/data" in path.read_text(encoding="utf-8")
    return pytest.param(path, id=path.stem, marks=pytest.mark.skipif(
        needs_shared and not SHARED.is_dir(), reason=f"{path.name} reads data from {SHARED}, which is not here"))


def rank_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c == "rank" or str(c).endswith("_rank")]


@pytest.fixture(scope="module", params=[config_param(p) for p in CONFIGS])
def config_result(request):
    return request.param, zhishu.run(request.param)


def test_round_2_gives_the_same_ranks_and_rounds_every_other_number(config_result):
    _, result = config_result
    full, rounded = result.tables(), result.tables(round=2)
    assert list(full) == list(rounded)
    for name, table in full.items():
        other = rounded[name]
        assert list(other.columns) == list(table.columns)
        for col in table.columns:
            if pd.api.types.is_float_dtype(table[col].dtype):
                expected = np.round(table[col].to_numpy(dtype="float64"), 2)
                np.testing.assert_array_equal(other[col].to_numpy(dtype="float64"), expected, err_msg=f"{name}.{col}")
            else:
                pd.testing.assert_series_equal(other[col], table[col], obj=f"{name}.{col}")  # ranks identical


def test_ranks_are_integers_in_every_csv(config_result, tmp_path):
    _, result = config_result
    write_result(result, tmp_path / "out")
    for path in sorted((tmp_path / "out").glob("*.csv")):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in rank_columns(table):
            cells = set(table[col]) - {""}
            assert all(c.lstrip("-").isdigit() for c in cells), (path.name, col, sorted(cells)[:5])


def test_ranking_table_matches_the_tidy_scores(config_result):
    """Every cell of ranking.csv is the same number as the corresponding row of scores.csv."""
    _, result = config_result
    ranking = result.ranking_table()
    scores = result.scores_table().set_index(["unit", "year", "node"])
    plan = result.plan
    subs = [n for n in plan.nodes if n != plan.root]
    assert list(ranking.columns[:5]) == ["year", "rank", "unit", "name", "score"]
    assert [c for c in ranking.columns if c.endswith("_score")] == [f"{n}_score" for n in subs]
    assert len(ranking) == len(result.scores)
    for column, node in [("score", plan.root), *((f"{n}_score", n) for n in subs)]:
        expected = scores.xs(node, level="node").loc[list(zip(ranking["unit"], ranking["year"]))]
        np.testing.assert_array_equal(ranking[column].to_numpy(dtype="float64"),
                                      expected["score"].to_numpy(dtype="float64"))
        rank_col = "rank" if node == plan.root else f"{node}_rank"
        assert ranking[rank_col].tolist() == expected["rank"].tolist()
    for year, rows in ranking.groupby("year", sort=False):  # best first within each year
        ranks = rows["rank"].dropna().tolist()
        assert ranks == sorted(ranks)
    assert ranking["year"].is_monotonic_increasing


def test_ranking_has_the_tier_of_the_tiers_analysis():
    result = zhishu.run(ROOT / "configs" / "caict-2023.toml")
    ranking = result.ranking_table()
    tiers = result.analyses["tiers"].set_index(["unit", "year"])["tier"]
    assert "tier" in ranking.columns
    assert ranking.set_index(["unit", "year"])["tier"].to_dict() == tiers.to_dict()
    names = {u.id: u.name for u in result.plan.units}
    assert ranking["name"].tolist() == [names[u] for u in ranking["unit"]]  # display names (广东 …)
    assert "广东" in set(ranking["name"])


# --------------------------------------------------------------------------------------------- a constructed tie

TIE_CONFIG = """
[index]
id = "tie"
root = "index"

[sources.s]
plugin = "table"
params = {{ path = "{data}" }}

[indicators.x]
direction = 1
variable = "x"

[indicators.y]
direction = 1
variable = "y"

[nodes.index]
children = ["x", "y"]
weights = {{ x = 1.0, y = 0.0 }}
{extra}
"""

TIE_DATA = "unit,year,x,y\nA,2022,0,1\nB,2022,50.001,1\nC,2022,50.004,1\nD,2022,100,1\nE,2022,,1\n"


@pytest.fixture
def tie(tmp_path):
    def make(extra: str = "") -> Path:
        (tmp_path / "tie.csv").write_text(TIE_DATA, encoding="utf-8")
        path = tmp_path / "tie.toml"
        path.write_text(TIE_CONFIG.format(data="tie.csv", extra=extra), encoding="utf-8")
        return path
    return make


def test_rounding_after_ranking_keeps_a_near_tie_apart(tie, tmp_path, capsys):
    """min-max on [0, 100] keeps x as it is: B = 50.001 and C = 50.004, which round to 50.00 both. Ranked before
    rounding (as COINr once did) they would tie at rank 2; zhishu ranks first: C 2, B 3."""
    config = tie()
    assert main(["run", str(config), "-o", str(tmp_path / "r"), "--round", "2", "--top", "0"]) == 0
    ranking = pd.read_csv(tmp_path / "r" / "ranking.csv", dtype=str, keep_default_na=False)
    assert ranking[["unit", "rank", "score"]].values.tolist() == [
        ["D", "1", "100.0"], ["C", "2", "50.0"], ["B", "3", "50.0"], ["A", "4", "0.0"], ["E", "", ""]]
    scores = pd.read_csv(tmp_path / "r" / "scores.csv", dtype=str, keep_default_na=False)
    root = scores[scores["node"] == "index"].set_index("unit")
    assert root.loc[["B", "C"], "score"].tolist() == ["50.0", "50.0"]
    assert root.loc[["B", "C"], "rank"].tolist() == ["3", "2"]
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["round"] == 2

    assert main(["run", str(config), "-o", str(tmp_path / "full"), "--top", "0"]) == 0
    full = pd.read_csv(tmp_path / "full" / "scores.csv", dtype=str, keep_default_na=False)
    assert full["rank"].tolist() == scores["rank"].tolist()  # --round 2 gives the same ranks
    assert "round" not in json.loads((tmp_path / "full" / "manifest.json").read_text(encoding="utf-8"))["outputs"]


def test_output_round_in_the_config(tie, tmp_path):
    config = tie(extra="\n[output]\nround = 1\n")
    assert main(["run", str(config), "-o", str(tmp_path / "o"), "--top", "0"]) == 0
    ranking = pd.read_csv(tmp_path / "o" / "ranking.csv", dtype=str, keep_default_na=False)
    assert ranking["score"].tolist() == ["100.0", "50.0", "50.0", "0.0", ""]
    assert ranking["rank"].tolist() == ["1", "2", "3", "4", ""]
    assert main(["run", str(config), "-o", str(tmp_path / "o3"), "--round", "3", "--top", "0"]) == 0  # CLI wins
    ranking = pd.read_csv(tmp_path / "o3" / "ranking.csv", dtype=str, keep_default_na=False)
    assert ranking["score"].tolist()[1:3] == ["50.004", "50.001"]


@pytest.mark.parametrize("bad", ["-1", "16", "2.5", "two"])
def test_round_must_be_a_number_of_decimals(tie, tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as info:
        main(["run", str(tie()), "-o", str(tmp_path / "o"), "--round", bad])
    assert info.value.code == 2
    assert "expected a whole number of decimals from 0 to 15" in capsys.readouterr().err


def test_round_in_the_config_is_checked(tie):
    with pytest.raises(zhishu.ConfigError, match=r"output.*round.*must be >= 0"):
        zhishu.load_config(tie(extra="\n[output]\nround = -2\n"))


# --------------------------------------------------------------------------------------------- imputed raw values


def test_an_imputed_cell_shows_its_imputed_value(tie, tmp_path):
    """E's x is missing; mean imputation fills (0 + 50.001 + 50.004 + 100) / 4 = 50.00125, shown in ``raw`` with
    the flag "imputed"; the cells that were observed keep their raw values and empty flags."""
    config = tie(extra='\n[imputation]\ndefault = "mean"\n')
    result = zhishu.run(config)
    table = result.indicators_table().set_index(["unit", "indicator"])
    assert table.loc[("E", "x"), "raw"] == pytest.approx((0 + 50.001 + 50.004 + 100) / 4)
    assert table.loc[("E", "x"), "flag"] == "imputed"
    assert np.isnan(result.raw.loc[("E", 2022), "x"])  # the frame of raw values still says it was missing
    observed = table.drop(("E", "x"))
    assert set(observed["flag"]) == {""}
    assert observed.loc[("B", "x"), "raw"] == 50.001
