"""configs/examples/asem.toml: COINr's ASEM Sustainable Connectivity example, rebuilt in zhishu.

The index is recomputed here directly from the two CSV files with pandas, step by step as COINr's
``build_example_coin()`` does (denominate, impute by EurAsia group mean, JRC skew/kurtosis treatment, min-max
[0, 100] after orientation, equal-weight arithmetic means level by level), without any zhishu code, and compared
with zhishu's output at every level. The top of the ranking is also compared with the table COINr itself
publishes for this example.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhishu

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "examples" / "asem.toml"
DATA = ROOT.parent / "shared" / "data" / "asem"
DATA_CSV = DATA / "input_iData_raw.csv"
META_CSV = DATA / "input_iMeta.csv"

pytestmark = pytest.mark.skipif(
    not (DATA_CSV.is_file() and META_CSV.is_file()),
    reason=f"the ASEM data (COINr's example) is not at {DATA}: asem.toml reads ../../../shared/data/asem/",
)

GROUPS = ["GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"]
DENOMINATORS = ["Area", "Energy", "GDP", "Population"]

# COINr's own results for this example: the first six rows of `get_results(coin, dset = "Aggregated",
# tab_type = "Aggs")` after `coin <- build_example_coin()`, as printed in COINr's vignette "Presenting Results"
# (https://stat.ethz.ch/CRAN/web/packages/COINr/vignettes/results.html, also vignette("results") in R).
# Rounded to 2 decimals there. Columns: Index, Conn, Sust, Physical, ConEcFin, Political, Instit, P2P, Environ.
COINR_PUBLISHED = {
    "CHE": (68.38, 62.79, 73.98, 63.41, 32.87, 74.78, 85.94, 56.93, 77.21),
    "NLD": (64.82, 61.94, 67.70, 64.87, 46.62, 84.55, 71.74, 41.92, 58.73),
    "DNK": (64.80, 57.10, 72.51, 50.52, 30.43, 78.13, 75.35, 51.04, 69.83),
    "NOR": (64.47, 57.44, 71.50, 58.18, 25.70, 80.03, 89.46, 33.80, 70.90),
    "BEL": (63.54, 63.99, 63.09, 71.97, 48.22, 80.84, 75.60, 43.32, 53.01),
    "SWE": (63.00, 53.87, 72.12, 51.51, 23.87, 80.98, 74.51, 38.50, 66.37),
}
COINR_COLUMNS = ["Index", "Conn", "Sust", "Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ"]
# and the Social and SusEcFin columns of the four rows fully printed there
COINR_SOCIAL_SUSECFIN = {"CHE": (87.85, 56.88), "NLD": (86.58, 57.78), "DNK": (86.40, 61.29), "NOR": (87.00, 56.59)}


# ------------------------------------------------------------------------------- the independent reference


def read_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.read_csv(DATA_CSV).set_index("uCode")
    meta = pd.read_csv(META_CSV)
    return data, meta


def skew_kurt(v: np.ndarray) -> tuple[float, float]:
    """Sample skewness and excess kurtosis as COINr's skew()/kurt() (e1071 type 2), written out."""
    n = len(v)
    d = v - v.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    g1 = m3 / m2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2**2 - 3) + 6)
    return g1, g2


def coinr_treat(x: pd.Series, winmax: int = 5) -> tuple[pd.Series, str]:
    """COINr's Treat() defaults for one indicator (COINr 1.x, R/treat.R: winsorise(), check_SkewKurt(),
    log_CT()): while |skew| > 2 and kurtosis > 3.5 and fewer than winmax points are winsorised, set the extreme
    value (with its ties) to the next one in; COINr counts the points as `nwin <- length(imax) + length(imin)`,
    the positions at the extremes of the latest step (earlier winsorised points are tied there). If still
    outlying, log_CT of the original values: log(x - min + 0.01 (max - min)). On Services, 4 steps move the
    4 largest values (LUX, MLT, IRL, SGP) onto the fifth (CYP)."""

    def outlying(v):
        g1, g2 = skew_kurt(v)
        return abs(g1) > 2 and g2 > 3.5, g1

    v = x.to_numpy(dtype=float).copy()
    bad, g1 = outlying(v)
    if not bad:
        return x, "none"
    nwin = 0
    imax = imin = np.zeros(len(v), dtype=bool)
    while bad and nwin < winmax:
        if g1 >= 0:
            imax = v == v.max()
            v[imax] = v[~imax].max()
        else:
            imin = v == v.min()
            v[imin] = v[~imin].min()
        nwin = int(imax.sum() + imin.sum())
        bad, g1 = outlying(v)
    if not bad:
        return pd.Series(v, index=x.index), "winsorised"
    lo, hi = x.min(), x.max()
    return np.log(x - lo + 0.01 * (hi - lo)), "log"


def reference_index(winmax: int = 5) -> dict:
    """Every stage of COINr's ASEM build, in pandas."""
    data, meta = read_inputs()
    ind = meta[meta.Type == "Indicator"].set_index("iCode")
    raw = data[ind.index].astype(float)
    # Denominate: indicator / its denominator (NaN / x and x / NaN stay NaN)
    den = raw.copy()
    for code, by in ind.Denominator.dropna().items():
        den[code] = raw[code] / data[by]
    # Impute: mean of the observed values in the unit's EurAsia group
    group_mean = den.groupby(data["EurAsia_group"]).transform("mean")
    imputed = den.fillna(group_mean)
    # Treat
    treated = imputed.copy()
    how = {}
    for code in imputed.columns:
        treated[code], how[code] = coinr_treat(imputed[code], winmax)
    # Normalise: orient, then min-max onto [0, 100]
    oriented = treated * ind.Direction
    norm = (oriented - oriented.min()) / (oriented.max() - oriented.min()) * 100
    # Aggregate: every weight is 1, so each level is the plain mean of its children
    scores = norm.copy()
    aggs = meta[meta.Type == "Aggregate"].sort_values("Level")
    for row in aggs.itertuples():
        children = meta.loc[meta.Parent == row.iCode, "iCode"].tolist()
        scores[row.iCode] = scores[children].mean(axis=1)
    return {"raw": raw, "denominated": den, "imputed": imputed, "treated": treated, "how": how,
            "normalised": norm, "scores": scores}


@pytest.fixture(scope="module")
def result():
    return zhishu.run(CONFIG)


@pytest.fixture(scope="module")
def ref():
    return reference_index()


# ------------------------------------------------------------------------------------------------- structure


def test_structure_matches_imeta():
    plan = zhishu.load_config(CONFIG)
    _, meta = read_inputs()
    assert plan.root == "Index"
    assert len(plan.indicators) == 49
    assert sum(1 for i in plan.indicators.values() if i.spec.direction == -1) == 14
    by_depth = {}
    for node in plan.nodes.values():
        by_depth.setdefault(node.depth, []).append(node.id)
    assert by_depth == {
        0: ["Index"],
        1: ["Conn", "Sust"],
        2: ["Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ", "Social", "SusEcFin"],
    }
    # every parent, direction, name, unit and denominator exactly as in iMeta
    ind = meta[meta.Type == "Indicator"].set_index("iCode")
    for code, row in ind.iterrows():
        spec = plan.indicators[code]
        assert plan.parent_of(code) == row.Parent
        assert spec.spec.direction == row.Direction
        assert spec.spec.name_en == row.iName
        assert spec.spec.unit == row.Unit
        assert spec.denominator == (row.Denominator if isinstance(row.Denominator, str) else None), code
    assert sum(1 for i in plan.indicators.values() if i.denominator) == 17
    for node in plan.nodes.values():
        assert node.weighting.name == "equal" and node.aggregator.name == "arithmetic"
        assert node.min_share == 0
    # units: uCode ids, uName names, the four group columns
    data, _ = read_inputs()
    assert [u.id for u in plan.units] == list(data.index)
    assert {u.id: u.name for u in plan.units} == data["uName"].to_dict()
    assert {u.id: dict(u.groups) for u in plan.units} == data[GROUPS].to_dict(orient="index")


def test_missing_values_are_imputed_by_group_mean(result, ref):
    raw = result.raw.xs(2018, level="year")
    # 63 empty cells in the file, plus Elec and Gas of LAO (Energy missing): 65 missing after denomination
    assert int(ref["raw"].isna().sum().sum()) == 63
    assert int(raw.isna().sum().sum()) == 65
    assert raw.loc["LAO", ["Elec", "Gas"]].isna().all()
    flags = result.flags.xs(2018, level="year")
    # every missing cell got a value: flagged "imputed", or "treated" when the treatment then changed it
    assert (flags[raw.isna()].isin(["imputed", "treated"]) | raw.notna()).all().all()
    assert (flags == "imputed").sum().sum() + (flags[raw.isna()] == "treated").sum().sum() == 65
    assert result.scores.notna().all().all()
    # a hand example: ConSpeed of Brunei (Asia) is missing -> the mean of the Asian countries that have it
    data, _ = read_inputs()
    assert math.isnan(data.loc["BRN", "ConSpeed"])
    asia = data.loc[data.EurAsia_group == "Asia", "ConSpeed"].dropna()
    expected = asia.sum() / len(asia)
    assert ref["imputed"].loc["BRN", "ConSpeed"] == pytest.approx(expected)
    got = result.data.xs(2018, level="year")
    assert flags.loc["BRN", "ConSpeed"] == "imputed"  # ConSpeed is not outlying: the imputed value stays
    assert got.loc["BRN", "ConSpeed"] == pytest.approx(expected)


def test_denominators_applied(result):
    data, _ = read_inputs()
    raw = result.raw.xs(2018, level="year")
    # Austria: 29.01725 thousand seats / 8735.453 thousand people; 35 crossings / 83871 (Area)
    assert raw.loc["AUT", "Flights"] == pytest.approx(29.01725 / 8735.453)
    assert raw.loc["AUT", "Bord"] == pytest.approx(35 / 83871)
    assert raw.loc["AUT", "Goods"] == pytest.approx(278.4264 / 390.799991147468)
    # not denominated: taken as they are
    assert raw.loc["AUT", "LPI"] == pytest.approx(4.097985)
    assert raw["CPI"].to_dict() == pytest.approx(data["CPI"].to_dict())


def test_treatment_matches_coinr_rule(result, ref):
    got = result.data.xs(2018, level="year")
    pd.testing.assert_frame_equal(got[ref["treated"].columns], ref["treated"].loc[got.index],
                                  check_names=False, check_index_type=False, rtol=1e-9, atol=1e-12)
    flags = result.flags.xs(2018, level="year")
    treated_cols = {c for c in flags.columns if (flags[c] == "treated").any()}
    assert treated_cols == {c for c, how in ref["how"].items() if how != "none"}
    # on this data set, with winmax = 5, winsorisation always suffices: 15 indicators winsorised, none logged
    assert sorted(c for c, how in ref["how"].items() if how == "winsorised") == sorted(treated_cols)
    assert len(treated_cols) == 15 and "log" not in ref["how"].values()


@pytest.mark.parametrize("winmax", [1, 2])
def test_fewer_winsorisation_steps_fall_back_to_log(write_config, winmax):
    """COINr's sensitivity analysis of this example varies winmax over 1..5: with 1 or 2 steps some indicators
    are not cured by winsorisation and get log_CT instead; zhishu agrees with the reference at every level."""
    text = _config_on(str(DATA_CSV)).replace("max_winsorised = 5", f"max_winsorised = {winmax}")
    got = zhishu.run(write_config(text, name="asem.toml"))
    ref = reference_index(winmax)
    assert "log" in ref["how"].values()
    data = got.data.xs(2018, level="year")
    pd.testing.assert_frame_equal(data, ref["treated"].loc[data.index, list(data.columns)], check_names=False,
                                  check_index_type=False, rtol=1e-9, atol=1e-12)
    scores = got.scores.xs(2018, level="year")
    pd.testing.assert_frame_equal(scores, ref["scores"].loc[scores.index, list(scores.columns)], check_names=False,
                                  check_index_type=False, rtol=1e-9, atol=1e-9)


def test_scores_match_independent_computation(result, ref):
    got = result.scores.xs(2018, level="year")
    expected = ref["scores"].loc[got.index, list(got.columns)]
    pd.testing.assert_frame_equal(got, expected, check_names=False, check_index_type=False, rtol=1e-9, atol=1e-9)
    # level by level, written out for one country: CHE's Index is the mean of its two sub-indices, and
    # Conn the mean of its five pillars
    che = got.loc["CHE"]
    assert che["Index"] == pytest.approx((che["Conn"] + che["Sust"]) / 2)
    assert che["Conn"] == pytest.approx(
        (che["Physical"] + che["ConEcFin"] + che["Political"] + che["Instit"] + che["P2P"]) / 5)
    # min-max: each indicator spans exactly [0, 100]; lower-is-better indicators are reversed
    norm = result.normalised.xs(2018, level="year")
    assert np.allclose(norm.min(), 0, atol=1e-9) and np.allclose(norm.max(), 100, atol=1e-9)
    treated = ref["treated"]
    assert norm.loc[treated["CO2"].idxmin(), "CO2"] == pytest.approx(100)  # direction -1: lowest is best
    assert norm.loc[treated["CO2"].idxmax(), "CO2"] == pytest.approx(0)
    assert norm.loc[treated["CPI"].idxmax(), "CPI"] == pytest.approx(100)


def test_matches_coinr_published_results(result):
    got = result.scores.xs(2018, level="year")
    ranks = result.ranks.xs(2018, level="year")["Index"]
    top = ranks.sort_values().index[:6].tolist()
    assert top == list(COINR_PUBLISHED)
    assert ranks.loc[top].tolist() == [1, 2, 3, 4, 5, 6]
    for unit, values in COINR_PUBLISHED.items():
        for column, value in zip(COINR_COLUMNS, values):
            assert round(got.loc[unit, column], 2) == pytest.approx(value, abs=1e-9), (unit, column)
    for unit, (social, susecfin) in COINR_SOCIAL_SUSECFIN.items():
        assert round(got.loc[unit, "Social"], 2) == pytest.approx(social, abs=1e-9)
        assert round(got.loc[unit, "SusEcFin"], 2) == pytest.approx(susecfin, abs=1e-9)


# ------------------------------------------------------------------------------------------------ properties


def _config_on(path_text: str) -> str:
    return CONFIG.read_text(encoding="utf-8").replace("../../../shared/data/asem/input_iData_raw.csv", path_text)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    denominator=st.sampled_from(DENOMINATORS),
    factor=st.sampled_from([1e-3, 0.5, 7.0, 1000.0]),
    seed=st.integers(0, 2**16),
)
def test_units_of_a_denominator_and_row_order_do_not_matter(write_config, denominator, factor, seed):
    """Invariant: expressing a denominator in other units (x factor) rescales its ratios, which group means,
    the skew/kurtosis rule, the log_CT shift and min-max all absorb; shuffling the rows changes nothing."""
    base = zhishu.run(CONFIG).scores
    data = pd.read_csv(DATA_CSV)
    data[denominator] = data[denominator] * factor
    data = data.sample(frac=1, random_state=seed)
    path = write_config(_config_on("data.csv"), name="asem.toml", data__csv=data.to_csv(index=False))
    got = zhishu.run(path).scores
    pd.testing.assert_frame_equal(got.loc[base.index], base, rtol=1e-7, atol=1e-7)


def test_config_fails_to_load_without_the_group_for_imputation(write_config):
    """The [[units]] groups are needed: group-mean imputation by a group no unit has is an error."""
    text = _config_on(str(DATA_CSV)).replace('group = "EurAsia_group"', 'group = "continent"')
    path = write_config(text, name="asem.toml")
    with pytest.raises(zhishu.ZhishuError, match="continent"):
        zhishu.run(path)


def test_the_jrc_treatment_report_is_an_output(tmp_path):
    """What the outlier rule did per indicator is written as outliers.csv: one row per indicator, and the rows
    marked as winsorised are exactly the indicators whose values the treatment changed."""
    from zhishu.outputs import write_result

    result = zhishu.run(CONFIG)
    report = result.treatment_details
    assert len(report) == 49 and set(report["treatment"]) == {"jrc"}
    changed = {i for i in result.flags.columns if (result.flags[i] == "treated").any()}
    assert set(report.loc[report["action"] != "unchanged", "indicator"]) == changed
    write_result(result, tmp_path)
    assert (tmp_path / "outliers.csv").is_file()
