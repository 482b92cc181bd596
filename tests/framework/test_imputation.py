"""Built-in imputers (register_imputers): none, mean, median, locf, nocb, interpolate.

Values are computed by hand in the comments; properties (observed values never change, row order does not
matter) are checked with hypothesis; the last tests run each imputer by name from a TOML config.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import ConfigError, DataError
from zhishu.default_plugins.imputers import (
    LastObservationCarriedForward,
    LinearInterpolation,
    MeanImputation,
    MedianImputation,
    NextObservationCarriedBackward,
    NoImputation,
)

PROPERTY = settings(max_examples=40, deadline=None)
NAN = float("nan")


def panel(rows: dict[tuple[str, int], dict[str, float]]) -> pd.DataFrame:
    """A (unit, year) frame from {(unit, year): {indicator: value}} in the order given."""
    index = pd.MultiIndex.from_tuples(list(rows), names=["unit", "year"])
    return pd.DataFrame(list(rows.values()), index=index, dtype="float64")


def cell(out: pd.DataFrame, unit: str, year: int, col: str = "x") -> float:
    return float(out.loc[(unit, year), col])


def units_context(groups: dict[str, str | None]) -> dict:
    rows = [{"unit": u, "name": u, **({"region": g} if g is not None else {})} for u, g in groups.items()]
    return {"units": pd.DataFrame(rows).set_index("unit")}


# The statistic example: six units, two years, one missing value per year.
#   unit region  2020  2021
#   A    east       1     2
#   B    east     NaN     4
#   C    west       5   NaN
#   D    west       7    10
#   E    east      20     3
#   F    east       2     6
STAT = panel({
    ("A", 2020): {"x": 1}, ("A", 2021): {"x": 2},
    ("B", 2020): {"x": NAN}, ("B", 2021): {"x": 4},
    ("C", 2020): {"x": 5}, ("C", 2021): {"x": NAN},
    ("D", 2020): {"x": 7}, ("D", 2021): {"x": 10},
    ("E", 2020): {"x": 20}, ("E", 2021): {"x": 3},
    ("F", 2020): {"x": 2}, ("F", 2021): {"x": 6},
})
REGIONS = units_context({"A": "east", "B": "east", "C": "west", "D": "west", "E": "east", "F": "east"})


# ------------------------------------------------------------------------------------------ mean / median


def test_mean_over_all_units_and_years():
    # observed: 1 5 7 20 2 (2020) and 2 4 10 3 6 (2021): sum 35 + 25 = 60 over 10 values → 6
    out = MeanImputation().impute(STAT, REGIONS)
    assert cell(out, "B", 2020) == pytest.approx(6.0) and cell(out, "C", 2021) == pytest.approx(6.0)


def test_median_over_all_units_and_years():
    # sorted observed: 1 2 2 3 4 | 5 6 7 10 20 → (4 + 5) / 2 = 4.5
    out = MedianImputation().impute(STAT, REGIONS)
    assert cell(out, "B", 2020) == 4.5 and cell(out, "C", 2021) == 4.5


def test_mean_and_median_within_each_year():
    # 2020 observed 1 5 7 20 2: mean 35 / 5 = 7, median of 1 2 5 7 20 = 5
    # 2021 observed 2 4 10 3 6: mean 25 / 5 = 5, median of 2 3 4 6 10 = 4
    mean = MeanImputation(by="year").impute(STAT, REGIONS)
    median = MedianImputation(by="year").impute(STAT, REGIONS)
    assert (cell(mean, "B", 2020), cell(mean, "C", 2021)) == pytest.approx((7.0, 5.0))
    assert (cell(median, "B", 2020), cell(median, "C", 2021)) == (5.0, 4.0)


def test_mean_and_median_within_each_year_and_group():
    # B 2020 (east): A 1, E 20, F 2 → mean 23 / 3, median 2; C 2021 (west): only D 10 → 10
    mean = MeanImputation(by="group", group="region").impute(STAT, REGIONS)
    median = MedianImputation(by="group", group="region").impute(STAT, REGIONS)
    assert cell(mean, "B", 2020) == pytest.approx(23 / 3) and cell(mean, "C", 2021) == 10.0
    assert cell(median, "B", 2020) == 2.0 and cell(median, "C", 2021) == 10.0


def test_statistic_leaves_observed_values_and_unfillable_cells_alone():
    X = panel({
        ("A", 2020): {"x": 1, "y": 3}, ("B", 2020): {"x": NAN, "y": 5},
        ("A", 2021): {"x": 4, "y": NAN}, ("B", 2021): {"x": NAN, "y": NAN},
    })
    by_year = MeanImputation(by="year").impute(X)
    # x 2020: only A → B gets 1; x 2021: A 4 → B gets 4; y 2021 has no observation → stays missing
    assert by_year["x"].tolist() == [1.0, 1.0, 4.0, 4.0]
    assert by_year["y"].tolist()[:2] == [3.0, 5.0] and np.isnan(by_year["y"].tolist()[2:]).all()
    pooled = MeanImputation().impute(X)  # y pooled over all years: (3 + 5) / 2 = 4
    assert pooled["y"].tolist() == [3.0, 5.0, 4.0, 4.0]
    assert pooled["x"].tolist() == [1.0, 2.5, 4.0, 2.5]
    assert X["x"].isna().sum() == 2  # the input is not mutated


def test_group_errors_are_clear():
    with pytest.raises(DataError, match=r"no unit has a 'tier' group \(groups defined: 'region'\)"):
        MeanImputation(by="group", group="tier").impute(STAT, REGIONS)
    lacking = units_context({"A": "east", "B": "east", "C": None, "D": "west", "E": "east", "F": "east"})
    with pytest.raises(DataError, match=r"unit\(s\) 'C' have no 'region' group"):
        MedianImputation(by="group", group="region").impute(STAT, lacking)
    no_groups = {"units": pd.DataFrame({"name": list("ABCDEF")}, index=pd.Index(list("ABCDEF"), name="unit"))}
    with pytest.raises(DataError, match="no \\[\\[units\\]\\] entry has groups"):
        MeanImputation(by="group", group="region").impute(STAT, no_groups)
    with pytest.raises(ValueError, match="context"):
        MeanImputation(by="group", group="region").impute(STAT, None)


@pytest.mark.parametrize(("params", "message"), [
    ({"by": "group"}, 'by = "group" needs group = "…"'),
    ({"group": "region"}, 'group is used only with by = "group"'),
    ({"by": "region"}, 'by must be "all", "year" or "group", not \'region\''),
])
def test_statistic_params_are_validated(params, message):
    for cls in (MeanImputation, MedianImputation):
        with pytest.raises(ValueError, match=message):
            cls(**params)


# ------------------------------------------------------------------------------------------ locf / nocb


# Unit A: 2018 NaN, 2019 1, 2020 NaN, 2021 NaN, 2022 4; unit B: 2018 3, then missing. Rows deliberately out of
# year order: the methods follow the years, not the rows.
CARRY = panel({
    ("A", 2022): {"x": 4}, ("B", 2019): {"x": NAN}, ("A", 2018): {"x": NAN}, ("A", 2020): {"x": NAN},
    ("B", 2018): {"x": 3}, ("A", 2019): {"x": 1}, ("B", 2022): {"x": NAN}, ("A", 2021): {"x": NAN},
})


def series(out: pd.DataFrame, unit: str) -> list[float | None]:
    s = out["x"].xs(unit, level="unit").sort_index()
    return [None if math.isnan(v) else v for v in s.tolist()]


def test_locf_by_hand():
    out = LastObservationCarriedForward().impute(CARRY)
    assert series(out, "A") == [None, 1.0, 1.0, 1.0, 4.0]  # nothing before 2019 to carry
    assert series(out, "B") == [3.0, 3.0, 3.0]
    assert out.index.equals(CARRY.index)


def test_nocb_by_hand():
    out = NextObservationCarriedBackward().impute(CARRY)
    assert series(out, "A") == [1.0, 1.0, 4.0, 4.0, 4.0]
    assert series(out, "B") == [3.0, None, None]  # nothing after 2018 to carry back
    assert out.index.equals(CARRY.index)


# ------------------------------------------------------------------------------------------ interpolate


def test_interpolate_by_hand():
    out = LinearInterpolation().impute(CARRY)
    # A: (2019, 1) to (2022, 4): slope 1 per year → 2020 = 2, 2021 = 3; 2018 is before the first observation
    a = series(out, "A")
    assert a[0] is None and a[1:] == pytest.approx([1.0, 2.0, 3.0, 4.0])
    assert series(out, "B") == [3.0, None, None]  # a single observation: nothing to interpolate


def test_interpolation_is_weighted_by_the_year_gap():
    # C observed in 2010 (2) and 2013 (8), missing in 2012; 2011 is not a row. By year: 2 + 6 · (2 / 3) = 6
    # (by row position it would be the midpoint, 5).
    X = panel({("C", 2010): {"x": 2}, ("C", 2012): {"x": NAN}, ("C", 2013): {"x": 8}})
    assert cell(LinearInterpolation().impute(X), "C", 2012) == pytest.approx(6.0)


def test_extrapolation_extends_the_first_two_and_last_two_observations():
    X = panel({
        ("A", 2018): {"x": NAN}, ("A", 2019): {"x": 1}, ("A", 2020): {"x": NAN}, ("A", 2022): {"x": 4},
        ("B", 2018): {"x": 3}, ("B", 2019): {"x": 5}, ("B", 2020): {"x": NAN}, ("B", 2022): {"x": NAN},
        ("C", 2018): {"x": NAN}, ("C", 2019): {"x": 7}, ("C", 2020): {"x": NAN},
    })
    out = LinearInterpolation(extrapolate=True).impute(X)
    # A: line through (2019, 1) and (2022, 4), slope 1 → 2018: 0; inside, 2020: 1 + 3 · 1/3 = 2
    assert cell(out, "A", 2018) == pytest.approx(0.0) and cell(out, "A", 2020) == pytest.approx(2.0)
    # B: line through (2018, 3) and (2019, 5), slope 2 → 2020: 7, 2022: 11
    assert cell(out, "B", 2020) == pytest.approx(7.0) and cell(out, "B", 2022) == pytest.approx(11.0)
    # C: one observation, no line: stays missing
    assert math.isnan(cell(out, "C", 2018)) and math.isnan(cell(out, "C", 2020))
    # without extrapolate the outside cells stay missing
    plain = LinearInterpolation().impute(X)
    assert math.isnan(cell(plain, "A", 2018)) and math.isnan(cell(plain, "B", 2022))


def test_none_leaves_missing_values():
    out = NoImputation().impute(CARRY, None)
    assert out["x"].isna().sum() == CARRY["x"].isna().sum()


# ------------------------------------------------------------------------------------------ properties


@st.composite
def panels(draw):
    n_units = draw(st.integers(1, 4))
    years = sorted(draw(st.sets(st.integers(2000, 2012), min_size=1, max_size=5)))
    k = draw(st.integers(1, 2))
    value = st.one_of(st.integers(-50, 50).map(float), st.just(NAN))
    rows = {(f"u{i}", y): {f"c{j}": draw(value) for j in range(k)} for i in range(n_units) for y in years}
    X = panel(rows)
    perm = draw(st.permutations(range(len(X))))
    return X, X.iloc[list(perm)]


IMPUTERS = [
    NoImputation(), MeanImputation(), MeanImputation(by="year"), MedianImputation(), MedianImputation(by="year"),
    MeanImputation(by="group", group="region"), MedianImputation(by="group", group="region"),
    LastObservationCarriedForward(), NextObservationCarriedBackward(), LinearInterpolation(),
    LinearInterpolation(extrapolate=True),
]
GROUPS = units_context({"u0": "a", "u1": "b", "u2": "a", "u3": "b"})


@PROPERTY
@given(panels())
def test_imputers_never_change_observed_values(data):
    X, _ = data
    before = X.copy()
    for imputer in IMPUTERS:
        out = imputer.impute(X, GROUPS)
        observed = X.notna().to_numpy()
        assert out.index.equals(X.index) and list(out.columns) == list(X.columns)
        assert (out.to_numpy()[observed] == X.to_numpy()[observed]).all(), imputer
        assert out.dtypes.eq("float64").all()
    pd.testing.assert_frame_equal(X, before)  # no mutation


@PROPERTY
@given(panels())
def test_time_imputers_do_not_depend_on_row_order(data):
    X, shuffled = data
    for imputer in (LastObservationCarriedForward(), NextObservationCarriedBackward(), LinearInterpolation(),
                    LinearInterpolation(extrapolate=True)):
        a = imputer.impute(X, None)
        b = imputer.impute(shuffled, None).reindex(X.index)
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@PROPERTY
@given(panels())
def test_interpolated_values_lie_between_the_bracketing_observations(data):
    X, _ = data
    out = LinearInterpolation().impute(X)
    lo = X.groupby(level="unit").transform("min")
    hi = X.groupby(level="unit").transform("max")
    filled = X.isna() & out.notna()
    assert ((out[filled] >= lo[filled] - 1e-9) | ~filled).all().all()
    assert ((out[filled] <= hi[filled] + 1e-9) | ~filled).all().all()
    # locf fills exactly the cells at or after a unit's first observation (in year order)
    locf = LastObservationCarriedForward().impute(X)
    seen = X.sort_index().notna().astype(int).groupby(level="unit").cummax().astype(bool).reindex(X.index)
    assert locf.notna().equals(seen)


@PROPERTY
@given(panels())
def test_statistic_fills_every_column_that_has_an_observation(data):
    X, _ = data
    out = MeanImputation().impute(X)
    has_data = X.notna().any()
    assert out.loc[:, has_data].notna().all().all()
    assert out.loc[:, ~has_data].isna().all().all()


# ------------------------------------------------------------------------------------------ from a config


DATA = """\
unit,year,x,y
A,2020,1,10
A,2021,,
A,2022,5,30
B,2020,3,
B,2021,4,
B,2022,,8
C,2020,7,2
C,2021,,4
C,2022,9,6
"""

CONFIG = """\
[index]
id = "imputation"

[[units]]
id = "A"
groups = {{ region = "east" }}
[[units]]
id = "B"
groups = {{ region = "east" }}
[[units]]
id = "C"
groups = {{ region = "west" }}

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.x]
direction = 1
{x_extra}

[indicators.y]
direction = 1
{y_extra}

[nodes.index]
children = ["x", "y"]

[imputation]
default = {default}
"""


def run_config(write_config, default: str, x_extra: str = "", y_extra: str = ""):
    path = write_config(CONFIG.format(default=default, x_extra=x_extra, y_extra=y_extra), data__csv=DATA)
    return zhishu.run(path)


def raw_after_imputation(result, col: str) -> dict:
    return {k: (None if math.isnan(v) else v) for k, v in result.data[col].items()}


@pytest.mark.parametrize(("default", "expected_x"), [
    # x: A 1 · 5 (2021 missing), B 3 4 · (2022 missing), C 7 · 9 (2021 missing)
    ('"none"', {("A", 2021): None, ("B", 2022): None, ("C", 2021): None}),
    ('"locf"', {("A", 2021): 1.0, ("B", 2022): 4.0, ("C", 2021): 7.0}),
    ('"nocb"', {("A", 2021): 5.0, ("B", 2022): None, ("C", 2021): 9.0}),
    ('"interpolate"', {("A", 2021): 3.0, ("B", 2022): None, ("C", 2021): 8.0}),
    ('{ method = "interpolate", params = { extrapolate = true } }',
     {("A", 2021): 3.0, ("B", 2022): 5.0, ("C", 2021): 8.0}),  # B: 3, 4 → 5
    ('"mean"', {("A", 2021): 29 / 6, ("B", 2022): 29 / 6, ("C", 2021): 29 / 6}),  # (1+5+3+4+7+9) / 6
    ('{ method = "median", params = { by = "year" } }',  # 2021: only B 4; 2022: 5 and 9 → 7
     {("A", 2021): 4.0, ("B", 2022): 7.0, ("C", 2021): 4.0}),
    ('{ method = "mean", params = { by = "group", group = "region" } }',  # 2021 east: B 4; west 2021: none
     {("A", 2021): 4.0, ("B", 2022): 5.0, ("C", 2021): None}),
])
def test_each_imputer_is_selectable_by_name(write_config, default, expected_x):
    result = run_config(write_config, default)
    got = raw_after_imputation(result, "x")
    for key, value in expected_x.items():
        if value is None:
            assert got[key] is None
        else:
            assert got[key] == pytest.approx(value)
    assert got[("A", 2020)] == 1.0  # observed values untouched


def test_per_indicator_imputer_and_flags(write_config):
    result = run_config(write_config, '"locf"', y_extra='imputer = "nocb"')
    table = result.indicators_table().set_index(["unit", "year", "indicator"])
    assert table.loc[("A", 2021, "x"), "flag"] == "imputed"  # locf: 1
    assert table.loc[("B", 2020, "y"), "flag"] == "imputed"  # nocb: B 2022 y = 8
    assert result.data.loc[("B", 2020), "y"] == 8.0 and result.data.loc[("B", 2021), "y"] == 8.0
    assert table.loc[("A", 2020, "x"), "flag"] == ""
    assert table.loc[("A", 2021, "x"), "raw"] == 1.0  # indicators.csv shows the imputed value, flagged
    assert math.isnan(result.raw.loc[("A", 2021), "x"])  # result.raw keeps the missing value
    assert table.loc[("B", 2022, "x"), "flag"] == "imputed"  # B x: 3, 4, missing → locf fills 2022 with 4
    assert result.data.loc[("B", 2022), "x"] == 4.0
    assert (table["flag"] == "treated").sum() == 0  # no outlier treatment configured


def test_misspelt_imputer_param_names_its_toml_path(write_config):
    with pytest.raises(ConfigError) as info:
        run_config(write_config, '{ method = "mean", params = { bye = "year" } }',
                   x_extra='imputer = { method = "interpolate", params = { extrapolate = "yes" } }')
    text = str(info.value)
    assert "imputation.default.params.bye: unknown key: did you mean 'by'?" in text
    assert "indicators.x.imputer.params.extrapolate" in text


def test_group_imputer_errors_at_run_time_name_the_group(write_config):
    with pytest.raises(DataError, match="no unit has a 'province' group"):
        run_config(write_config, '{ method = "mean", params = { by = "group", group = "province" } }')
