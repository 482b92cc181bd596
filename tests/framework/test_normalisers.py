"""Built-in normalisers MinMax and ZScore: hand-computed values, edge cases, parameters and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.default_plugins.normalisers import MinMax, ZScore, column_range, minmax, zscore

#: property tests: no deadline (timings vary on a busy machine), few enough examples to stay quick
PROPERTY = settings(max_examples=40, deadline=None)

NAN = float("nan")


def frame(columns: dict[str, list[float]], units=None, year: int = 2020) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    units = units or [f"u{i}" for i in range(n)]
    index = pd.MultiIndex.from_arrays([units, [year] * n], names=["unit", "year"])
    return pd.DataFrame(columns, index=index, dtype="float64")


def col(out: pd.DataFrame, name: str) -> list[float | None]:
    return [None if math.isnan(v) else v for v in out[name].tolist()]


@st.composite
def frames(draw, min_rows: int = 1, max_rows: int = 8, nan: bool = True) -> pd.DataFrame:
    """Frames of well-conditioned values (whole numbers in [-1000, 1000], possibly missing)."""
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(1, 3))
    elem = st.integers(-1000, 1000).map(float)
    if nan:
        elem = st.one_of(elem, st.just(NAN))
    return frame({f"c{j}": draw(st.lists(elem, min_size=n, max_size=n)) for j in range(k)})


# ----------------------------------------------------------------------------------------------- MinMax


def test_minmax_hand_values():
    X = frame({"x": [2.0, 4.0, 10.0]})
    out = MinMax().fit(X).transform(X)
    assert col(out, "x") == [0.0, 25.0, 100.0]  # (4 - 2) / (10 - 2) * 100 = 25


def test_minmax_target_range():
    X = frame({"x": [2.0, 4.0, 10.0]})
    out = MinMax(low=1, high=5).fit(X).transform(X)
    assert col(out, "x") == [1.0, 2.0, 5.0]  # 1 + (4 - 2) / 8 * 4 = 2
    out = MinMax(low=-1, high=1).fit(X).transform(X)
    assert col(out, "x") == [-1.0, -0.5, 1.0]


def test_minmax_per_column_and_nan_passes_through():
    X = frame({"a": [2.0, NAN, 10.0, 4.0], "b": [NAN, 1.0, 3.0, 2.0]})
    out = MinMax().fit(X).transform(X)
    assert col(out, "a") == [0.0, None, 100.0, 25.0]
    assert col(out, "b") == [None, 0.0, 100.0, 50.0]


def test_minmax_constant_column_maps_to_midpoint():
    X = frame({"c": [3.0, 3.0, NAN], "x": [1.0, 2.0, 3.0]})
    assert col(MinMax().fit(X).transform(X), "c") == [50.0, 50.0, None]
    assert col(MinMax(low=10, high=20).fit(X).transform(X), "c") == [15.0, 15.0, None]
    # a flat fitted column carries no information: other values also map to the midpoint
    Y = frame({"c": [7.0, NAN, -1.0], "x": [0.0, 4.0, 2.0]})
    m = MinMax().fit(X)
    assert col(m.transform(Y), "c") == [50.0, None, 50.0]
    assert col(m.transform(Y), "x") == [-50.0, 150.0, 50.0]


def test_minmax_all_missing_column_stays_missing():
    X = frame({"m": [NAN, NAN], "x": [1.0, 2.0]})
    assert col(MinMax().fit(X).transform(X), "m") == [None, None]


def test_minmax_fit_one_frame_transform_another():
    fit = frame({"x": [2.0, 4.0, 10.0]})
    other = frame({"x": [0.0, 6.0, 18.0]}, year=2021)
    out = MinMax().fit(fit).transform(other)
    assert col(out, "x") == [-25.0, 50.0, 200.0]  # outside [0, 100], by design
    assert out.index.equals(other.index)


def test_minmax_pure_function_matches_class():
    X = frame({"x": [2.0, 4.0, 10.0]})
    out = minmax(X, pd.Series({"x": 0.0}), pd.Series({"x": 20.0}), 0.0, 1.0)
    assert col(out, "x") == [0.1, 0.2, 0.5]


def test_minmax_int_input_gives_float_output():
    X = pd.DataFrame({"x": [2, 4, 10]}, index=frame({"x": [0.0, 0.0, 0.0]}).index)
    out = MinMax().fit(X).transform(X)
    assert out.dtypes.tolist() == [np.dtype("float64")]
    assert col(out, "x") == [0.0, 25.0, 100.0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"low": 1.0, "high": 1.0}, "low must be less than high, got low=1.0 and high=1.0"),
        ({"low": 5.0, "high": 1.0}, "low must be less than high, got low=5.0 and high=1.0"),
        ({"low": NAN}, "low must be a finite number, not nan"),
        ({"high": math.inf}, "high must be a finite number, not inf"),
    ],
)
def test_minmax_invalid_params(params, message):
    with pytest.raises(ValueError) as info:
        MinMax(**params)
    assert str(info.value) == message


def test_minmax_defaults_and_params_only_in_init():
    m = MinMax()
    assert (m.low, m.high) == (0.0, 100.0)
    assert not hasattr(m, "min_")  # learned state appears only after fit
    with pytest.raises(TypeError):
        MinMax(0.0, 1.0)  # keyword-only


# ----------------------------------------------------------------------------------------------- ZScore


def test_zscore_sample_sd_by_hand():
    # mean 4, sample variance ((2-4)² + 0 + (6-4)²) / (3 - 1) = 4, sd 2
    X = frame({"x": [2.0, 4.0, 6.0]})
    assert col(ZScore().fit(X).transform(X), "x") == [-1.0, 0.0, 1.0]


def test_zscore_population_sd_by_hand():
    # population variance 8 / 3, sd = sqrt(8/3); (6 - 4) / sqrt(8/3) = sqrt(3/2)
    X = frame({"x": [2.0, 4.0, 6.0]})
    out = col(ZScore(ddof=0).fit(X).transform(X), "x")
    assert out == pytest.approx([-math.sqrt(1.5), 0.0, math.sqrt(1.5)], rel=1e-15)


def test_zscore_target_mean_and_sd():
    X = frame({"x": [2.0, 4.0, 6.0]})
    assert col(ZScore(mean=50, sd=10).fit(X).transform(X), "x") == [40.0, 50.0, 60.0]


def test_zscore_uneven_values_by_hand():
    # x = [2, 4, 10]: mean 16/3, squared deviations (100 + 16 + 196) / 9 = 312/9, sample variance 156/9
    X = frame({"x": [2.0, 4.0, 10.0]})
    s = math.sqrt(156 / 9)
    expected = [(2 - 16 / 3) / s, (4 - 16 / 3) / s, (10 - 16 / 3) / s]
    assert col(ZScore().fit(X).transform(X), "x") == pytest.approx(expected, rel=1e-12)


def test_zscore_nan_passes_through_and_is_ignored_in_the_fit():
    X = frame({"x": [2.0, NAN, 4.0, 6.0]})
    assert col(ZScore().fit(X).transform(X), "x") == [-1.0, None, 0.0, 1.0]


def test_zscore_constant_column_maps_to_mean():
    X = frame({"c": [3.0, 3.0, NAN], "x": [1.0, 2.0, 3.0]})
    assert col(ZScore().fit(X).transform(X), "c") == [0.0, 0.0, None]
    assert col(ZScore(mean=100, sd=15).fit(X).transform(X), "c") == [100.0, 100.0, None]


@pytest.mark.parametrize("v", [1.6, 5.6, 0.1, -999.4, 1e9 + 0.3])
def test_zscore_constant_column_is_flat_despite_rounding(v):
    # pandas gives std([1.6, 1.6, 1.6]) = 2.7e-16, not 0: rounding noise must not become z-scores of ±0.8
    X = frame({"c": [v, v, v]})
    assert col(ZScore(mean=5.0).fit(X).transform(X), "c") == [5.0, 5.0, 5.0]
    assert col(ZScore(ddof=0).fit(X).transform(X), "c") == [0.0, 0.0, 0.0]


def test_zscore_single_value_maps_to_mean():
    X = frame({"x": [NAN, 3.0, NAN]})
    assert col(ZScore(mean=1.0).fit(X).transform(X), "x") == [None, 1.0, None]  # sample sd undefined
    assert col(ZScore(mean=1.0, ddof=0).fit(X).transform(X), "x") == [None, 1.0, None]


def test_zscore_fit_one_frame_transform_another():
    fit = frame({"x": [2.0, 4.0, 6.0]})
    other = frame({"x": [0.0, 10.0, NAN]}, year=2021)
    assert col(ZScore().fit(fit).transform(other), "x") == [-2.0, 3.0, None]


def test_zscore_pure_function():
    X = frame({"x": [1.0, 3.0]})
    assert col(zscore(X, pd.Series({"x": 2.0}), pd.Series({"x": 0.5}), 10.0, 2.0), "x") == [6.0, 14.0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sd": 0.0}, "sd must be positive, got 0.0"),
        ({"sd": -1.0}, "sd must be positive, got -1.0"),
        ({"sd": math.inf}, "sd must be a finite number, not inf"),
        ({"mean": NAN}, "mean must be a finite number, not nan"),
    ],
)
def test_zscore_invalid_params(params, message):
    with pytest.raises(ValueError) as info:
        ZScore(**params)
    assert str(info.value) == message


def test_zscore_ddof_is_0_or_1():
    assert ZScore().ddof == 1
    with pytest.raises(ValueError):
        ZScore(ddof=2)


# ------------------------------------------------------------------------------------------- contracts


@pytest.mark.parametrize("make", [MinMax, ZScore])
def test_no_mutation_index_and_columns_preserved(make):
    X = frame({"b": [2.0, NAN, 6.0], "a": [1.0, 5.0, 3.0]}, units=["北京", "上海", "广东"])
    before = X.copy()
    out = make().fit(X).transform(X)
    pd.testing.assert_frame_equal(X, before)
    assert out.index.equals(X.index) and list(out.columns) == ["b", "a"]
    assert (out.dtypes == "float64").all()
    assert out.isna().equals(X.isna())


@pytest.mark.parametrize("make", [MinMax, ZScore])
def test_transform_keeps_column_order_of_its_input(make):
    X = frame({"a": [1.0, 2.0, 4.0], "b": [10.0, 0.0, 5.0]})
    m = make().fit(X)
    swapped = m.transform(X[["b", "a"]])
    assert list(swapped.columns) == ["b", "a"]
    pd.testing.assert_frame_equal(swapped[["a", "b"]], m.transform(X))
    # a subset keeps only its columns; a column that was not fitted has no parameters and is missing
    assert list(m.transform(X[["b"]]).columns) == ["b"]
    extra = m.transform(X.assign(z=1.0))
    assert list(extra.columns) == ["a", "b", "z"] and extra["z"].isna().all()


# ---------------------------------------------------------------------------------------------- properties


@PROPERTY
@given(frames(), st.floats(-100, 100), st.floats(0.01, 100))
def test_minmax_output_within_low_high_on_fit_data(X, low, width):
    high = low + width
    out = MinMax(low=low, high=high).fit(X).transform(X)
    values = out.to_numpy()[~np.isnan(out.to_numpy())]
    tol = 1e-9 * (abs(low) + abs(high))
    assert ((values >= low - tol) & (values <= high + tol)).all()
    assert out.isna().equals(X.isna())
    for c in X.columns:  # the fitted minimum maps to low and the maximum to high (unless flat)
        x = X[c].dropna()
        if len(x) and x.max() > x.min():
            assert out.loc[x.idxmin(), c] == pytest.approx(low, abs=tol)
            assert out.loc[x.idxmax(), c] == pytest.approx(high, abs=tol)


@PROPERTY
@given(frames(), frames())
def test_minmax_monotone_non_decreasing(X, Y):
    """Within one fit, a larger x never gets a smaller score (also for rows transformed later)."""
    m = MinMax().fit(X)
    both = pd.concat([X, Y.set_axis(Y.index.set_levels([2021], level="year"))]).reindex(columns=X.columns)
    out = m.transform(both)
    for c in X.columns:
        pairs = pd.DataFrame({"x": both[c], "y": out[c]}).dropna().sort_values("x", kind="stable")
        assert (np.diff(pairs["y"].to_numpy()) >= 0).all()


@PROPERTY
@given(frames(), st.data())
@pytest.mark.parametrize("make", [MinMax, ZScore])
def test_permuting_rows_permutes_output(make, X, data):
    order = data.draw(st.permutations(range(len(X))))
    out = make().fit(X).transform(X)
    shuffled = X.iloc[list(order)]
    out_shuffled = make().fit(shuffled).transform(shuffled)
    assert out_shuffled.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(out_shuffled.reindex(X.index), out, rtol=1e-9, atol=1e-9)


@PROPERTY
@given(frames(min_rows=2), st.floats(0.25, 4), st.floats(-1000, 1000))
@pytest.mark.parametrize("make", [MinMax, ZScore])
def test_invariant_to_positive_affine_transforms(make, X, a, b):
    out = make().fit(X).transform(X)
    Y = a * X + b
    pd.testing.assert_frame_equal(make().fit(Y).transform(Y), out, rtol=1e-7, atol=1e-7)


@PROPERTY
@given(frames(min_rows=2), st.floats(-1000, -0.25))
def test_minmax_negative_scale_reverses(X, a):
    """A negative multiplier (direction = -1) reverses the scale: y = low + high - y(x)."""
    out = MinMax().fit(X).transform(X)
    flipped = MinMax().fit(a * X).transform(a * X)
    span = (X.max() - X.min()) > 0
    pd.testing.assert_frame_equal(flipped.loc[:, span], (100.0 - out).loc[:, span], rtol=1e-7, atol=1e-7)


@PROPERTY
@given(frames(min_rows=2), st.sampled_from([0, 1]), st.floats(-10, 10), st.floats(0.1, 10))
def test_zscore_has_target_mean_and_sd_on_fit_data(X, ddof, mean, sd):
    out = ZScore(mean=mean, sd=sd, ddof=ddof).fit(X).transform(X)
    assert out.isna().equals(X.isna())
    for c in X.columns:
        x, z = X[c].dropna(), out[c].dropna()
        if x.nunique() >= 2:
            assert z.mean() == pytest.approx(mean, abs=1e-9)
            assert z.std(ddof=ddof) == pytest.approx(sd, rel=1e-9)
        elif len(x):
            assert (z == mean).all()  # constant (or, with ddof=1, a single value) maps to the mean


@PROPERTY
@given(frames())
def test_zscore_monotone_non_decreasing(X):
    out = ZScore().fit(X).transform(X)
    for c in X.columns:
        pairs = pd.DataFrame({"x": X[c], "y": out[c]}).dropna().sort_values("x", kind="stable")
        assert (np.diff(pairs["y"].to_numpy()) >= -1e-12).all()


_cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), st.just(0.0), st.just(-0.0))


@given(st.integers(0, 6), st.integers(1, 4), st.data())
@settings(max_examples=200, deadline=None)
def test_column_range_is_pandas_min_and_max(rows, cols, data):
    """The numpy reductions give exactly pandas' skipna min and max (NaN for a column without values), and the
    input is not changed."""
    values = np.array(data.draw(st.lists(_cells, min_size=rows * cols, max_size=rows * cols)),
                      dtype="float64").reshape(rows, cols)
    X = pd.DataFrame(values, columns=[f"c{j}" for j in range(cols)])
    before = X.copy()
    lo, hi = column_range(X)
    pd.testing.assert_series_equal(lo, X.min(axis=0))
    pd.testing.assert_series_equal(hi, X.max(axis=0))
    pd.testing.assert_frame_equal(X, before)


def test_column_range_known_values():
    X = pd.DataFrame({"a": [3.0, np.nan, -1.0], "b": [np.nan, np.nan, np.nan], "c": [-np.inf, 2.0, 5.0]})
    lo, hi = column_range(X)
    assert lo["a"] == -1.0 and hi["a"] == 3.0
    assert np.isnan(lo["b"]) and np.isnan(hi["b"])
    assert lo["c"] == -np.inf and hi["c"] == 5.0


def test_minmax_in_place_steps_leave_the_input_alone_and_round_like_the_expression():
    rng = np.random.default_rng(1)
    values = rng.lognormal(size=(50, 3)) * np.array([1.0, -1.0, 1e-300])
    X = pd.DataFrame(values, columns=["a", "b", "c"])
    before = values.copy()
    lo, hi = X.min(axis=0), X.max(axis=0)
    out = minmax(X, lo, hi, 1.0, 100.0)
    scale = (100.0 - 1.0) / (hi - lo).to_numpy()
    expected = (before - lo.to_numpy()) * scale + 1.0  # the expression, evaluated independently
    assert np.array_equal(out.to_numpy(), expected)
    assert np.array_equal(X.to_numpy(), before)
