"""The normaliser library: rank, percentile, goalposts, distance_to_reference, distance_to_target, fraction_of_max
and categorical — hand-computed values (arithmetic in the comments), a published worked example, invariants
(hypothesis), zhishu's contract checks, load-time checks and one end-to-end run per method through a TOML config.

minmax and zscore are tested in test_normalisers.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import IndicatorSpec
from zhishu.default_plugins.normalisers import (
    Categorical,
    DistanceToReference,
    DistanceToTarget,
    FractionOfMax,
    Goalposts,
    Percentile,
    Rank,
    count_below,
)
from zhishu.testing import check_normaliser, sample_frame

PROPERTY = settings(max_examples=40, deadline=None)
NAN = float("nan")


def frame(columns: dict[str, list[float]], units=None, year: int = 2020) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    units = units or [f"u{i}" for i in range(n)]
    index = pd.MultiIndex.from_arrays([units, [year] * n], names=["unit", "year"])
    return pd.DataFrame(columns, index=index, dtype="float64")


def col(out: pd.DataFrame, name: str) -> list[float | None]:
    return [None if math.isnan(v) else v for v in out[name].tolist()]


def specs(**directions: int) -> dict[str, IndicatorSpec]:
    return {c: IndicatorSpec(id=c, direction=d) for c, d in directions.items()}


@st.composite
def frames(draw, min_rows: int = 1, max_rows: int = 8, low: int = -1000, nan: bool = True) -> pd.DataFrame:
    """Frames of whole numbers in [low, 1000] (few distinct values, so ties are common), possibly missing."""
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(1, 3))
    elem = st.integers(low, 1000).map(float) | st.sampled_from([float(low), 0.0 if low <= 0 else float(low), 1000.0])
    if nan:
        elem = elem | st.just(NAN)
    return frame({f"c{j}": draw(st.lists(elem, min_size=n, max_size=n)) for j in range(k)})


def stacked(X: pd.DataFrame, Y: pd.DataFrame) -> pd.DataFrame:
    """X's rows, then Y's rows as year 2021 (other rows than the fitted ones), on X's columns."""
    return pd.concat([X, Y.set_axis(Y.index.set_levels([2021], level="year"))]).reindex(columns=X.columns)


def assert_monotone(X: pd.DataFrame, out: pd.DataFrame) -> None:
    for c in X.columns:
        pairs = pd.DataFrame({"x": X[c], "y": out[c]}).dropna().sort_values("x", kind="stable")
        assert (np.diff(pairs["y"].to_numpy()) >= -1e-9).all()


# ------------------------------------------------------------------------------------------- count_below


@PROPERTY
@given(frames(), frames())
def test_count_below_matches_brute_force(X, Y):
    ref, q = X.to_numpy(), stacked(X, Y).to_numpy()
    # brute force: compare every queried cell with every reference cell of its column (NaN compares False)
    expected = (ref[None, :, :] < q[:, None, :]).sum(axis=1).astype(float)
    expected[np.isnan(q)] = np.nan
    np.testing.assert_array_equal(count_below(ref, q), expected)


# ------------------------------------------------------------------------------------------- rank


def test_rank_hand_values_ties_at_lowest_rank():
    # x = 3, 1, 3, −, 7: 1 is lowest (rank 1); the two 3s tie at rank 2 (the lowest of 2 and 3); 7 is 4th
    X = frame({"x": [3.0, 1.0, 3.0, NAN, 7.0]})
    assert col(Rank().fit(X).transform(X), "x") == [2.0, 1.0, 2.0, None, 4.0]


def test_rank_other_rows_get_the_rank_they_would_have_among_the_fitted_values():
    # fitted 3, 1, 3, 7: rank(v) = 1 + #{fitted < v}: 0 → 1; 3 → 1 + 1 = 2; 5 → 1 + 3 = 4; 8 → 1 + 4 = 5
    fit, other = frame({"x": [3.0, 1.0, 3.0, 7.0]}), frame({"x": [0.0, 3.0, 5.0, 8.0]}, year=2021)
    out = Rank().fit(fit).transform(other)
    assert col(out, "x") == [1.0, 2.0, 4.0, 5.0] and out.index.equals(other.index)


def test_rank_all_missing_column_and_unfitted_column_are_missing():
    X = frame({"m": [NAN, NAN], "x": [1.0, 2.0]})
    r = Rank().fit(X)
    assert col(r.transform(X), "m") == [None, None]
    assert r.transform(X.assign(z=1.0))["z"].isna().all()


@PROPERTY
@given(frames())
def test_rank_on_fitted_rows_equals_pandas_min_rank(X):
    expected = X.rank(method="min", ascending=True, na_option="keep")
    pd.testing.assert_frame_equal(Rank().fit(X).transform(X), expected, check_dtype=False)


@PROPERTY
@given(frames(), frames())
def test_rank_monotone_over_any_rows(X, Y):
    both = stacked(X, Y)
    out = Rank().fit(X).transform(both)
    assert_monotone(both, out)
    assert out.isna().equals(both.isna() | X.isna().all().reindex(both.columns).to_numpy())


# ------------------------------------------------------------------------------------------- percentile


def test_percentile_hand_values():
    # x = 3, 1, 3, −, 7 (n = 4): 100 · (rank − 1) / (n − 1): 1 → 0; 3 → 100 · 1/3; 7 → 100 · 3/3
    X = frame({"x": [3.0, 1.0, 3.0, NAN, 7.0]})
    assert col(Percentile().fit(X).transform(X), "x") == pytest.approx([100 / 3, 0.0, 100 / 3, None, 100.0])


def test_percentile_other_rows_capped_at_100():
    # fitted 3, 1, 3, 7: 100 · min(1, b / 3), b = #{fitted < v}: 0 → 0; 2 → 100/3; 5 → 100; 8 → min(1, 4/3) → 100
    fit, other = frame({"x": [3.0, 1.0, 3.0, 7.0]}), frame({"x": [0.0, 2.0, 5.0, 8.0]}, year=2021)
    assert col(Percentile().fit(fit).transform(other), "x") == pytest.approx([0.0, 100 / 3, 100.0, 100.0])


def test_percentile_single_fitted_value_and_constant_column():
    # one fitted value 5: values ≤ 5 → 0, above → 100; a constant column ties at rank 1 → 0
    m = Percentile().fit(frame({"x": [5.0, NAN], "c": [2.0, 2.0]}))
    assert col(m.transform(frame({"x": [4.0, 5.0], "c": [2.0, 3.0]})), "x") == [0.0, 0.0]
    assert col(m.transform(frame({"x": [6.0, NAN], "c": [2.0, 2.0]})), "x") == [100.0, None]
    assert col(m.transform(frame({"x": [6.0, NAN], "c": [2.0, 2.0]})), "c") == [0.0, 0.0]


@PROPERTY
@given(frames(min_rows=2))
def test_percentile_on_fitted_rows_is_coinr_prank_times_100(X):
    # COINr n_prank: (rank(x, ties = "min") − 1) / (n − 1), computed here with pandas
    n = X.notna().sum()
    expected = (X.rank(method="min") - 1).div((n - 1).where(n > 1)) * 100
    out = Percentile().fit(X).transform(X)
    multi = (n > 1).to_numpy()
    pd.testing.assert_frame_equal(out.loc[:, multi], expected.loc[:, multi], check_dtype=False)


@PROPERTY
@given(frames(), frames())
def test_percentile_within_0_100_and_monotone_over_any_rows(X, Y):
    both = stacked(X, Y)
    out = Percentile().fit(X).transform(both).to_numpy()
    values = out[~np.isnan(out)]
    assert ((values >= 0) & (values <= 100)).all()
    assert_monotone(both, pd.DataFrame(out, index=both.index, columns=both.columns))


# ------------------------------------------------------------------------------------------- goalposts


def test_goalposts_hdi_worked_example():
    # UNDP Human Development Report 2013, Technical note 1: life expectancy goalposts 20 and 83.57 years;
    # "the longevity component for a country where life expectancy at birth is 55 years would be 0.551"
    X = frame({"le": [55.0]})
    out = Goalposts(lower=20, upper=83.57, low=0, high=1).fit(X, specs(le=1)).transform(X)
    assert round(out.iloc[0, 0], 3) == 0.551  # (55 − 20) / (83.57 − 20) = 35 / 63.57 = 0.55057


def test_goalposts_hand_values_capping_and_direction():
    # x (higher better) goalposts [0, 50]: 10 → 20, 60 → capped at 50 → 100, −5 → capped at 0 → 0
    # y (lower better) bounds [0, 20], arriving oriented (−y): 100 · (20 − y) / 20: 5 → 75, 25 → capped → 0
    X = frame({"x": [10.0, 60.0, -5.0], "y": [-5.0, -25.0, NAN]})
    g = Goalposts(lower=0, upper=50, bounds={"y": (0.0, 20.0)}).fit(X, specs(x=1, y=-1))
    out = g.transform(X)
    assert col(out, "x") == [20.0, 100.0, 0.0]
    assert col(out, "y") == [75.0, 0.0, None]
    # cap = false keeps values past the goalposts: 60 → 120, −5 → −10; y = 25 → 100 · (20 − 25) / 20 = −25
    out = Goalposts(lower=0, upper=50, bounds={"y": (0.0, 20.0)}, cap=False).fit(X, specs(x=1, y=-1)).transform(X)
    assert col(out, "x") == [20.0, 120.0, -10.0] and col(out, "y") == [75.0, -25.0, None]


def test_goalposts_scores_do_not_depend_on_the_fitted_rows():
    g1 = Goalposts(lower=0, upper=50, low=1, high=10).fit(frame({"x": [1.0, 2.0]}))
    g2 = Goalposts(lower=0, upper=50, low=1, high=10).fit(frame({"x": [40.0, 45.0, 49.0]}))
    Y = frame({"x": [0.0, 25.0, 50.0]}, year=2021)
    assert col(g1.transform(Y), "x") == col(g2.transform(Y), "x") == [1.0, 5.5, 10.0]  # 1 + 25/50 · 9 = 5.5


@PROPERTY
@given(frames(), st.integers(-500, 400), st.integers(1, 600))
def test_goalposts_direction_minus_one_mirrors_the_scale(X, lower, width):
    """With bounds [L, U], a lower-is-better indicator scores low + high − (the higher-is-better score)."""
    upper = lower + width
    up = Goalposts(lower=lower, upper=upper).fit(X, {c: IndicatorSpec(id=c) for c in X}).transform(X)
    down = Goalposts(lower=lower, upper=upper).fit(-X, {c: IndicatorSpec(id=c, direction=-1) for c in X})
    pd.testing.assert_frame_equal(down.transform(-X), 100.0 - up, rtol=1e-12, atol=1e-9)
    values = up.to_numpy()[~np.isnan(up.to_numpy())]
    assert ((values >= 0) & (values <= 100)).all()
    assert_monotone(X, up)


@pytest.mark.parametrize(("params", "message"), [
    ({}, "no goalposts: give lower and upper"),
    ({"lower": 0.0}, "give both lower and upper"),
    ({"lower": 5.0, "upper": 5.0}, "lower must be less than upper, got lower=5.0 and upper=5.0"),
    ({"bounds": {"x": (1.0, 2.0, 3.0)}}, "bounds.x must be [lower, upper] (two numbers), got 3 numbers"),
    ({"bounds": {"x": (2.0, 1.0)}}, "bounds.x: lower must be less than upper, got [2.0, 1.0]"),
    ({"lower": 0.0, "upper": 1.0, "low": 1.0, "high": 0.0}, "low must be less than high"),
    ({"lower": NAN, "upper": 1.0}, "lower must be a finite number, not nan"),
])
def test_goalposts_invalid_params(params, message):
    with pytest.raises(ValueError) as info:
        Goalposts(**params)
    assert message in str(info.value)


def test_goalposts_indicator_without_bounds_is_a_config_error_at_fit():
    with pytest.raises(zhishu.ConfigError, match=r"no goalposts for indicator 'y': add bounds.y = \[lower, upper\]"):
        Goalposts(bounds={"x": (0.0, 1.0)}).fit(frame({"x": [1.0], "y": [2.0]}))


# ------------------------------------------------------------------------------------------- distance_to_reference


def test_distance_to_reference_hand_values_both_directions():
    # reference Q: x = 20 → x / 20 · 100: P 10 → 50, Q → 100, R 40 → 200
    # y lower is better (arrives as −y), Q's y = 15 → 15 / y · 100: P 5 → 300, R 10 → 150, S missing
    X = frame({"x": [10.0, 20.0, 40.0, 30.0], "y": [-5.0, -15.0, -10.0, NAN]}, units=["P", "Q", "R", "S"])
    out = DistanceToReference(unit="Q").fit(X, specs(x=1, y=-1)).transform(X)
    assert col(out, "x") == [50.0, 100.0, 200.0, 150.0]
    assert col(out, "y") == [300.0, 100.0, 150.0, None]
    out = DistanceToReference(unit="Q", scale=1).fit(X, specs(x=1, y=-1)).transform(X)
    assert col(out, "x") == [0.5, 1.0, 2.0, 1.5]


def test_distance_to_reference_fitted_on_one_year_applied_to_another():
    # fitted on 2021 (Q: x = 20); 2022 values 30, 10 → 150, 50
    fit = frame({"x": [10.0, 20.0]}, units=["P", "Q"], year=2021)
    other = frame({"x": [30.0, 10.0]}, units=["P", "Q"], year=2022)
    assert col(DistanceToReference(unit="Q").fit(fit).transform(other), "x") == [150.0, 50.0]


def test_distance_to_reference_errors_name_unit_year_and_indicator():
    X = frame({"x": [10.0, NAN], "y": [1.0, 0.0]}, units=["P", "Q"], year=2021)
    with pytest.raises(zhishu.DataError) as info:
        DistanceToReference(unit="Q").fit(X)
    text = str(info.value)
    assert "the reference unit 'Q' has no value of indicator 'x' in year 2021" in text
    assert "the reference unit 'Q' has indicator 'y' = 0 in year 2021; distance_to_reference needs a reference " \
           "value > 0" in text
    with pytest.raises(zhishu.DataError, match=r"reference unit 'Z' of distance_to_reference has no row in year 2021"):
        DistanceToReference(unit="Z").fit(X)
    # lower is better: y = 0 cannot be divided into the reference value
    Y = frame({"y": [-4.0, -0.0]}, units=["Q", "P"], year=2021)
    with pytest.raises(zhishu.DataError, match=r"indicator 'y' = 0 at unit 'P', year 2021: distance_to_reference "
                                               r"divides the best"):
        DistanceToReference(unit="Q").fit(Y, specs(y=-1)).transform(Y)


def test_distance_to_reference_invalid_params():
    with pytest.raises(ValueError, match="unit must name the reference unit"):
        DistanceToReference(unit=" ")
    with pytest.raises(ValueError, match="scale must be a positive finite number, not 0"):
        DistanceToReference(unit="Q", scale=0)
    with pytest.raises(TypeError):
        DistanceToReference()  # unit is required


@PROPERTY
@given(frames(min_rows=2, low=1, nan=False), st.floats(0.01, 100))
def test_distance_to_reference_is_a_ratio_scale(X, a):
    """The reference unit scores scale; multiplying the data by a > 0 changes nothing (both directions)."""
    ref = X.index.get_level_values("unit")[0]
    for d in (1, -1):
        sp = {c: IndicatorSpec(id=c, direction=d) for c in X}
        out = DistanceToReference(unit=ref).fit(d * X, sp).transform(d * X)
        assert np.allclose(out.iloc[0].to_numpy(), 100.0)
        scaled = DistanceToReference(unit=ref).fit(d * a * X, sp).transform(d * a * X)
        pd.testing.assert_frame_equal(scaled, out, rtol=1e-9)
        assert_monotone(d * X, out)


# ------------------------------------------------------------------------------------------- fraction_of_max


def test_fraction_of_max_hand_values_both_directions():
    # x: max 40 → x / 40 · 100: 10 → 25, 20 → 50, 40 → 100, −8 → −20
    # y lower is better (arrives as −y): best = min y = 5 → 5 / y · 100: 5 → 100, 15 → 33.3, 10 → 50
    X = frame({"x": [10.0, 20.0, 40.0, -8.0], "y": [-5.0, -15.0, -10.0, NAN]})
    out = FractionOfMax().fit(X, specs(x=1, y=-1)).transform(X)
    assert col(out, "x") == [25.0, 50.0, 100.0, -20.0]
    assert col(out, "y") == pytest.approx([100.0, 100 / 3, 50.0, None])
    assert col(FractionOfMax(scale=1).fit(X, specs(x=1, y=-1)).transform(X), "x") == [0.25, 0.5, 1.0, -0.2]


def test_fraction_of_max_needs_a_positive_best_value():
    X = frame({"x": [-3.0, 0.0], "y": [1.0, 2.0]}, units=["P", "Q"], year=2021)
    with pytest.raises(zhishu.DataError) as info:
        FractionOfMax().fit(X)
    assert "indicator 'x': the largest (best) value in year 2021 is 0 at unit 'Q', year 2021; fraction_of_max " \
           "needs a best value > 0" in str(info.value)
    # lower is better: the best value is the smallest raw value, 0 here (arrives as −0)
    Y = frame({"y": [-0.0, -2.0]}, units=["P", "Q"], year=2021)
    with pytest.raises(zhishu.DataError, match=r"the smallest \(best\) value in year 2021 is 0 at unit 'P'"):
        FractionOfMax().fit(Y, specs(y=-1))


@PROPERTY
@given(frames(min_rows=1, low=1), st.floats(0.01, 100))
def test_fraction_of_max_properties(X, a):
    """The best fitted value scores 100, every positive fitted value scores in (0, 100]; a ratio scale."""
    for d in (1, -1):
        sp = {c: IndicatorSpec(id=c, direction=d) for c in X}
        if X.isna().all().any():
            continue
        out = FractionOfMax().fit(d * X, sp).transform(d * X)
        values = out.to_numpy()[~np.isnan(out.to_numpy())]
        assert ((values > 0) & (values <= 100 + 1e-9)).all()
        assert np.allclose(out.max().to_numpy(), 100.0)
        pd.testing.assert_frame_equal(FractionOfMax().fit(d * a * X, sp).transform(d * a * X), out, rtol=1e-9)
        assert_monotone(d * X, out)


# ------------------------------------------------------------------------------------------- distance_to_target


def test_distance_to_target_hand_values_both_directions():
    # x target 40, worst 10: (x − 10) / (40 − 10) · 100: 10 → 0, 20 → 33.3, 40 → 100, 55 → 150
    # y lower is better, target 5, worst 15 (COINr direction −1: (x_max − x) / (x_max − target)):
    #   (15 − y) / (15 − 5) · 100: 5 → 100, 15 → 0, 10 → 50, 0 → 150
    X = frame({"x": [10.0, 20.0, 40.0, 55.0], "y": [-5.0, -15.0, -10.0, -0.0]})
    out = DistanceToTarget(targets={"x": 40.0, "y": 5.0}).fit(X, specs(x=1, y=-1)).transform(X)
    assert col(out, "x") == pytest.approx([0.0, 100 / 3, 100.0, 150.0])
    assert col(out, "y") == pytest.approx([100.0, 0.0, 50.0, 150.0])
    out = DistanceToTarget(targets={"x": 40.0, "y": 5.0}, cap=True).fit(X, specs(x=1, y=-1)).transform(X)
    assert col(out, "x") == pytest.approx([0.0, 100 / 3, 100.0, 100.0])
    assert col(out, "y") == pytest.approx([100.0, 0.0, 50.0, 100.0])


def test_distance_to_target_common_target_and_scale():
    # target 30 for both, scale 1: x worst 10 → (x − 10) / 20; z worst 0 → z / 30
    X = frame({"x": [10.0, 20.0, NAN], "z": [0.0, 15.0, 45.0]})
    out = DistanceToTarget(target=30, scale=1).fit(X).transform(X)
    assert col(out, "x") == [0.0, 0.5, None] and col(out, "z") == [0.0, 0.5, 1.5]


def test_distance_to_target_must_be_better_than_the_worst_value():
    X = frame({"x": [50.0, 60.0]}, units=["P", "Q"], year=2021)
    with pytest.raises(zhishu.DataError, match=r"indicator 'x': the target 40 is not better than the worst value in "
                                               r"year 2021 \(50 at unit 'P', year 2021\)"):
        DistanceToTarget(target=40).fit(X)
    with pytest.raises(zhishu.ConfigError, match=r"no target for indicator 'x'"):
        DistanceToTarget(targets={"y": 1.0}).fit(X)
    with pytest.raises(ValueError, match="no target: give target"):
        DistanceToTarget()
    with pytest.raises(ValueError, match=r"targets must be finite numbers, got \{'x': inf\}"):
        DistanceToTarget(targets={"x": math.inf})


@PROPERTY
@given(frames(min_rows=2), st.integers(1, 500), st.booleans())
def test_distance_to_target_properties(X, above, cap):
    """Worst fitted value → 0, the target → 100, monotone; capped scores never exceed 100."""
    target = float(X.max().max()) + above if X.notna().any().any() else 1.0
    m = DistanceToTarget(target=target, cap=cap).fit(X)
    out = m.transform(X)
    for c in X.columns:
        if X[c].notna().any():
            assert out[c].min() == pytest.approx(0.0, abs=1e-9)
    at_target = m.transform(pd.DataFrame(target, index=X.index, columns=X.columns))
    assert np.allclose(at_target.dropna(axis=1, how="all").to_numpy(), 100.0)
    assert_monotone(X, out)
    if cap:
        assert (m.transform(X * 3 + 2000).fillna(0) <= 100).all().all()


# ------------------------------------------------------------------------------------------- categorical


def test_categorical_hand_values_and_boundaries():
    # thresholds 15, 30 → scores 0 (x < 15), 50 (15 ≤ x < 30), 100 (x ≥ 30); a threshold itself goes up
    X = frame({"x": [10.0, 15.0, 29.9, 30.0, NAN, -1e9]})
    out = Categorical(thresholds=(15, 30), scores=(0, 50, 100)).fit(X).transform(X)
    assert col(out, "x") == [0.0, 50.0, 50.0, 100.0, None, 0.0]


def test_categorical_lower_is_better_applies_thresholds_to_raw_values():
    # y lower is better, arrives as −y; thresholds on raw y: 5 < 8 → 100, 8 ≤ 10 < 12 → 50, 15 ≥ 12 → 0
    X = frame({"y": [-5.0, -10.0, -15.0]})
    out = Categorical(thresholds=(8, 12), scores=(100, 50, 0)).fit(X, specs(y=-1)).transform(X)
    assert col(out, "y") == [100.0, 50.0, 0.0]


@pytest.mark.parametrize(("params", "message"), [
    ({"thresholds": (), "scores": (1,)}, "thresholds must list at least one value"),
    ({"thresholds": (2, 1), "scores": (0, 1, 2)}, "thresholds must be strictly increasing, got [2, 1]"),
    ({"thresholds": (1, 1), "scores": (0, 1, 2)}, "thresholds must be strictly increasing"),
    ({"thresholds": (1, 2), "scores": (0, 1)}, "scores needs one more value than thresholds (3 for 2 thresholds"),
    ({"thresholds": (1,), "scores": (0, NAN)}, "thresholds and scores must be finite numbers"),
])
def test_categorical_invalid_params(params, message):
    with pytest.raises(ValueError) as info:
        Categorical(**params)
    assert message in str(info.value)


@PROPERTY
@given(frames(), st.lists(st.integers(-1000, 1000), min_size=1, max_size=5, unique=True))
def test_categorical_gives_the_score_of_the_band(X, cuts):
    thresholds = sorted(float(c) for c in cuts)
    scores = [10.0 * i for i in range(len(thresholds) + 1)]
    out = Categorical(thresholds=tuple(thresholds), scores=tuple(scores)).fit(X).transform(X)
    for c in X.columns:
        for x, y in zip(X[c], out[c]):
            if math.isnan(x):
                assert math.isnan(y)
            else:  # the band is the number of thresholds at or below x
                assert y == scores[sum(t <= x for t in thresholds)]


# ------------------------------------------------------------------------------------------- contracts


SAMPLE_BOUNDS = {"x1": (0.0, 40.0), "x2": (0.0, 10.0), "x3": (50.0, 250.0)}
SAMPLE_TARGETS = {"x1": 30.0, "x2": 8.0, "x3": 250.0}
FACTORIES = {
    "rank": Rank,
    "percentile": Percentile,
    "goalposts": lambda: Goalposts(bounds=SAMPLE_BOUNDS),
    "goalposts (no cap)": lambda: Goalposts(lower=5, upper=150, cap=False),
    "distance_to_reference": lambda: DistanceToReference(unit="Beijing"),
    "distance_to_target": lambda: DistanceToTarget(targets=SAMPLE_TARGETS),
    "distance_to_target (cap)": lambda: DistanceToTarget(targets=SAMPLE_TARGETS, cap=True),
    "fraction_of_max": FractionOfMax,
    "categorical": lambda: Categorical(thresholds=(5, 20), scores=(0, 50, 100)),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_contracts(name):
    check_normaliser(FACTORIES[name], name=name.split()[0])


@pytest.mark.parametrize("name", ["goalposts", "distance_to_reference", "fraction_of_max", "categorical",
                                  "distance_to_target", "percentile"])
def test_contracts_lower_is_better(name):
    # what the pipeline passes for direction −1: the values × −1, and specs saying so
    X = -sample_frame()
    factory = FACTORIES[name]
    if name == "distance_to_target":  # lower is better: targets below every raw value
        factory = lambda: DistanceToTarget(targets={"x1": 3.0, "x2": 0.5, "x3": 50.0})  # noqa: E731
    check_normaliser(factory, X=X, specs={c: IndicatorSpec(id=c, direction=-1) for c in X}, name=name)


def test_registered_by_name():
    registry = zhishu.Hooks().registries["normalisers"]
    for name, cls in [("rank", Rank), ("percentile", Percentile), ("goalposts", Goalposts),
                      ("distance_to_reference", DistanceToReference), ("distance_to_target", DistanceToTarget),
                      ("fraction_of_max", FractionOfMax), ("categorical", Categorical)]:
        assert registry.get(name) is cls and registry.entry(name).plugin == "normalisers"


# ------------------------------------------------------------------------------------------- end to end

DATA = """
unit,year,x,y
P,2021,10,5
Q,2021,20,15
R,2021,40,10
P,2022,20,5
Q,2022,40,10
R,2022,30,20
"""

CONFIG = """
[index]
id = "lib"

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.x]
direction = 1
{x_extra}

[indicators.y]
direction = -1
{y_extra}

[nodes.index]
children = ["x", "y"]

[normalisation]
{norm}
"""


def run(write_config, norm: str, x_extra: str = "", y_extra: str = ""):
    path = write_config(CONFIG.format(norm=norm, x_extra=x_extra, y_extra=y_extra), data__csv=DATA)
    return zhishu.run(path)


def values(result, item: str, year: int) -> dict:
    return {u: pytest.approx(v) for u, v in result.normalised.xs(year, level="year")[item].items()}


def test_e2e_rank_and_reference_year(write_config):
    # per year: 2021 x 10, 20, 40 → 1, 2, 3; y (lower better) 5, 15, 10 → P 3, Q 1, R 2
    r = run(write_config, 'default = "rank"')
    assert values(r, "x", 2021) == {"P": 1.0, "Q": 2.0, "R": 3.0}
    assert values(r, "y", 2021) == {"P": 3.0, "Q": 1.0, "R": 2.0}
    # fitted on 2021 and applied to 2022: x 20 → 1 + #{10} = 2, 40 → 1 + #{10, 20} = 3, 30 → 3
    r = run(write_config, 'default = "rank"\nreference_year = 2021')
    assert values(r, "x", 2022) == {"P": 2.0, "Q": 3.0, "R": 3.0}
    assert r.plan.indicators["x"].normaliser.name == "rank"


def test_e2e_percentile(write_config):
    # 2021: x → 0, 50, 100; y (5, 15, 10, lower better) → P 100, Q 0, R 50
    # 2022 on 2021's fit: x 20 → 100 · 1/2 = 50, 40 → 100 · 2/2, 30 → 100; y 5 → 100, 10 → 50, 20 → 0
    r = run(write_config, 'default = "percentile"\nreference_year = 2021')
    assert values(r, "x", 2021) == {"P": 0.0, "Q": 50.0, "R": 100.0}
    assert values(r, "y", 2021) == {"P": 100.0, "Q": 0.0, "R": 50.0}
    assert values(r, "x", 2022) == {"P": 50.0, "Q": 100.0, "R": 100.0}
    assert values(r, "y", 2022) == {"P": 100.0, "Q": 50.0, "R": 0.0}


def test_e2e_goalposts(write_config):
    # x bounds [0, 30]: 10 → 33.3, 20 → 66.7, 40 → capped at 30 → 100
    # y bounds [0, 20], lower is better: 100 · (20 − y) / 20: 5 → 75, 15 → 25, 10 → 50; 2022 y 20 → 0
    r = run(write_config, 'default = { method = "goalposts", params = { bounds = { x = [0, 30], y = [0, 20] } } }')
    assert values(r, "x", 2021) == {"P": 100 / 3, "Q": 200 / 3, "R": 100.0}
    assert values(r, "y", 2021) == {"P": 75.0, "Q": 25.0, "R": 50.0}
    assert values(r, "y", 2022) == {"P": 75.0, "Q": 50.0, "R": 0.0}
    # index = mean of x and y: P 2021 (33.33 + 75) / 2
    assert r.scores.loc[("P", 2021), "index"] == pytest.approx((100 / 3 + 75) / 2)


def test_e2e_distance_to_reference(write_config):
    # reference Q, per year. 2021: x / 20 · 100 → P 50, Q 100, R 200; y: 15 / y · 100 → P 300, Q 100, R 150
    # 2022: x / 40 · 100 → P 50, Q 100, R 75; y: 10 / y · 100 → P 200, Q 100, R 50
    r = run(write_config, 'default = { method = "distance_to_reference", params = { unit = "Q" } }')
    assert values(r, "x", 2021) == {"P": 50.0, "Q": 100.0, "R": 200.0}
    assert values(r, "y", 2021) == {"P": 300.0, "Q": 100.0, "R": 150.0}
    assert values(r, "x", 2022) == {"P": 50.0, "Q": 100.0, "R": 75.0}
    assert values(r, "y", 2022) == {"P": 200.0, "Q": 100.0, "R": 50.0}


def test_e2e_distance_to_target(write_config):
    # targets x 30, y 5, capped. 2021: x worst 10: (x − 10) / 20 · 100 → P 0, Q 50, R 150 → 100
    # y worst 15: (15 − y) / (15 − 5) · 100 → P 100, Q 0, R 50. 2022: y worst 20: (20 − y) / 15 · 100 → 100, 66.7, 0
    r = run(write_config, 'default = { method = "distance_to_target", params = { targets = { x = 30, y = 5 }, '
                          'cap = true } }')
    assert values(r, "x", 2021) == {"P": 0.0, "Q": 50.0, "R": 100.0}
    assert values(r, "y", 2021) == {"P": 100.0, "Q": 0.0, "R": 50.0}
    assert values(r, "y", 2022) == {"P": 100.0, "Q": 200 / 3, "R": 0.0}


def test_e2e_fraction_of_max(write_config):
    # 2021: x / 40 → P 25, Q 50, R 100; y: 5 / y → P 100, Q 33.3, R 50
    # 2022: x / 40 → P 50, Q 100, R 75; y: 5 / y → P 100, Q 50, R 25
    r = run(write_config, 'default = "fraction_of_max"')
    assert values(r, "x", 2021) == {"P": 25.0, "Q": 50.0, "R": 100.0}
    assert values(r, "y", 2021) == {"P": 100.0, "Q": 100 / 3, "R": 50.0}
    assert values(r, "x", 2022) == {"P": 50.0, "Q": 100.0, "R": 75.0}
    assert values(r, "y", 2022) == {"P": 100.0, "Q": 50.0, "R": 25.0}


def test_e2e_categorical_per_indicator(write_config):
    # x: thresholds 15, 30 → 0 / 50 / 100: 10 → 0, 20 → 50, 40 → 100
    # y (lower better) its own normaliser: thresholds 8, 12 on raw y, scores 100 / 50 / 0: 5 → 100, 15 → 0, 10 → 50
    r = run(write_config, 'default = { method = "categorical", params = { thresholds = [15, 30], '
                          'scores = [0, 50, 100] } }',
            y_extra='normaliser = { method = "categorical", params = { thresholds = [8, 12], scores = [100, 50, 0] } }')
    assert values(r, "x", 2021) == {"P": 0.0, "Q": 50.0, "R": 100.0}
    assert values(r, "y", 2021) == {"P": 100.0, "Q": 0.0, "R": 50.0}
    assert r.plan.indicators["y"].normaliser.key_path == "indicators.y.normaliser"


@pytest.mark.parametrize(("norm", "path", "message"), [
    ('default = { method = "rank", params = { ties = "min" } }', "normalisation.default.params.ties",
     "unknown key"),
    ('default = { method = "percentile", params = { scale = 1 } }', "normalisation.default.params.scale",
     "unknown key"),
    ('default = { method = "goalposts", params = { lowr = 0, upper = 50 } }', "normalisation.default.params.lowr",
     "unknown key: did you mean 'lower' or 'low'?"),
    ('default = { method = "goalposts", params = { lower = "0", upper = 50 } }',
     "normalisation.default.params.lower", "expected a number, got a string ('0')"),
    ('default = { method = "distance_to_reference", params = { units = "Q" } }',
     "normalisation.default.params", "unit"),
    ('default = { method = "distance_to_target", params = { target = 30, cap = "yes" } }',
     "normalisation.default.params.cap", "expected true or false"),
    ('default = { method = "fraction_of_max", params = { scale = -1 } }', "normalisation.default.params",
     "scale must be a positive finite number, not -1"),
    ('default = { method = "categorical", params = { thresholds = [1], scores = [0, 1, 2] } }',
     "normalisation.default.params", "scores needs one more value than thresholds"),
])
def test_e2e_params_are_structured_strictly(write_config, norm, path, message):
    with pytest.raises(zhishu.ConfigError) as info:
        run(write_config, norm)
    line = next(line for line in str(info.value).splitlines() if f": {path}" in line)
    assert message in line


def test_e2e_load_time_checks_of_per_indicator_params(write_config):
    with pytest.raises(zhishu.ConfigError) as info:
        run(write_config, 'default = { method = "goalposts", params = { bounds = { x = [0, 1], yy = [0, 2] } } }')
    text = str(info.value)
    assert "normalisation.default.params.bounds.yy: 'yy' is not an indicator that uses this normaliser; did you " \
           "mean 'y'? indicators using it: x, y" in text
    assert "normalisation.default.params.bounds: no goalposts for 'y'; give lower and upper for every indicator" in text
    with pytest.raises(zhishu.ConfigError, match=r"indicators.y.normaliser.params.targets: no target for 'y'"):
        run(write_config, "",
            y_extra='normaliser = { method = "distance_to_target", params = { targets = { x = 1 } } }')


def test_e2e_reference_unit_must_be_a_declared_unit(write_config):
    units = '[[units]]\nid = "P"\n[[units]]\nid = "Q"\n[[units]]\nid = "R"\n'
    text = CONFIG.format(norm='default = { method = "distance_to_reference", params = { unit = "q" } }',
                         x_extra="", y_extra="").replace('[sources.main]', units + '\n[sources.main]')
    with pytest.raises(zhishu.ConfigError, match=r"normalisation.default.params.unit: unknown reference unit 'q'; "
                                                 r"did you mean 'Q'\? give the id of a unit in \[\[units\]\]"):
        zhishu.run(write_config(text, data__csv=DATA))


def test_e2e_data_error_names_unit_year_and_indicator(write_config):
    # the reference unit Q has no y in 2022
    bad = DATA.replace("Q,2022,40,10", "Q,2022,40,")
    path = write_config(CONFIG.format(norm='default = { method = "distance_to_reference", params = { unit = "Q" } }',
                                      x_extra="", y_extra=""), data__csv=bad)
    with pytest.raises(zhishu.DataError, match=r"the reference unit 'Q' has no value of indicator 'y' in year 2022"):
        zhishu.run(path)

