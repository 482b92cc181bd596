"""Built-in aggregators Arithmetic and Geometric: hand-computed means, missing children, errors, invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.default_plugins.aggregators import Arithmetic, Geometric, present_weights
from zhishu.errors import DataError

#: property tests: no deadline (timings vary on a busy machine), few enough examples to stay quick
PROPERTY = settings(max_examples=40, deadline=None)

NAN = float("nan")


def frame(rows: list[list[float]], columns=("x", "y"), units=None, years=None) -> pd.DataFrame:
    n = len(rows)
    units = units or [f"u{i}" for i in range(n)]
    years = years or [2020] * n
    index = pd.MultiIndex.from_arrays([units, years], names=["unit", "year"])
    return pd.DataFrame(rows, index=index, columns=list(columns), dtype="float64")


def weights(**w: float) -> pd.Series:
    return pd.Series(w, dtype="float64")


W = weights(x=0.25, y=0.75)


# ------------------------------------------------------------------------------------------- hand values


def test_arithmetic_by_hand():
    out = Arithmetic().aggregate(frame([[40.0, 90.0]]), W)
    assert out.iloc[0] == 77.5  # 0.25 * 40 + 0.75 * 90 = 10 + 67.5


def test_geometric_by_hand():
    out = Geometric().aggregate(frame([[40.0, 90.0]]), W)
    assert out.iloc[0] == pytest.approx(40**0.25 * 90**0.75, rel=1e-13)
    assert out.iloc[0] == pytest.approx(73.48469228349535, rel=1e-13)  # = sqrt(40 * 90) * (90 / 40) ** 0.25


def test_geometric_equal_weights_is_the_nth_root_of_the_product():
    X = frame([[2.0, 8.0, 4.0]], columns=("a", "b", "c"))
    out = Geometric().aggregate(X, weights(a=1, b=1, c=1))
    assert out.iloc[0] == pytest.approx(4.0, rel=1e-14)  # (2 * 8 * 4) ** (1/3) = 64 ** (1/3)


def test_unnormalised_weights_are_normalised():
    X = frame([[40.0, 90.0]])
    assert Arithmetic().aggregate(X, weights(x=1, y=3)).iloc[0] == 77.5
    assert Geometric().aggregate(X, weights(x=1, y=3)).iloc[0] == pytest.approx(40**0.25 * 90**0.75, rel=1e-13)


def test_weights_are_matched_by_name_not_position():
    X = frame([[90.0, 40.0]], columns=("y", "x"))
    assert Arithmetic().aggregate(X, W).iloc[0] == 77.5
    assert Geometric().aggregate(X, W).iloc[0] == pytest.approx(40**0.25 * 90**0.75, rel=1e-13)


def test_several_rows():
    X = frame([[40.0, 90.0], [100.0, 0.0], [0.0, 100.0]])
    assert Arithmetic().aggregate(X, W).tolist() == [77.5, 25.0, 75.0]


# --------------------------------------------------------------------------------------- missing values


@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_missing_child_is_renormalised(make):
    X = frame([[NAN, 90.0], [40.0, NAN]])
    assert make().aggregate(X, W).tolist() == [90.0, 40.0]


def test_missing_child_among_three_by_hand():
    X = frame([[10.0, NAN, 40.0]], columns=("a", "b", "c"))
    w = weights(a=0.2, b=0.5, c=0.3)
    assert Arithmetic().aggregate(X, w).iloc[0] == pytest.approx((0.2 * 10 + 0.3 * 40) / 0.5, rel=1e-15)  # 28
    assert Geometric().aggregate(X, w).iloc[0] == pytest.approx(10**0.4 * 40**0.6, rel=1e-13)


@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_all_missing_row_is_missing(make):
    X = frame([[NAN, NAN], [40.0, 90.0]])
    out = make().aggregate(X, W)
    assert math.isnan(out.iloc[0]) and not math.isnan(out.iloc[1])


@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_only_present_child_has_zero_weight(make):
    X = frame([[NAN, 90.0]])
    assert math.isnan(make().aggregate(X, weights(x=1.0, y=0.0)).iloc[0])  # no weight present: undefined


def test_present_weights_by_hand():
    X = frame([[1.0, 1.0], [NAN, 1.0], [NAN, NAN]])
    w = present_weights(X, W)
    np.testing.assert_array_equal(w[0], [0.25, 0.75])
    np.testing.assert_array_equal(w[1], [0.0, 1.0])
    assert np.isnan(w[2]).all()


# -------------------------------------------------------------------------------------- geometric errors


def test_geometric_rejects_zero_and_negative_values_naming_unit_year_and_child():
    X = frame([[40.0, 90.0], [50.0, 0.0], [-1.5, NAN]], units=["北京", "b", "c"], years=[2020, 2021, 2020])
    with pytest.raises(DataError) as info:
        Geometric().aggregate(X, W)
    assert str(info.value) == (
        "2 problems in the input data:\n"
        "  y = 0 at unit 'b', year 2021; the geometric mean needs values > 0\n"
        "  x = -1.5 at unit 'c', year 2020; the geometric mean needs values > 0"
    )


def test_geometric_error_lists_ten_and_counts_the_rest():
    X = frame([[0.0, -1.0]] * 6, units=[f"u{i}" for i in range(6)])
    with pytest.raises(DataError) as info:
        Geometric().aggregate(X, W)
    issues = info.value.issues
    assert len(issues) == 11
    assert issues[0].message == "x = 0 at unit 'u0', year 2020; the geometric mean needs values > 0"
    assert issues[9].message == "y = -1 at unit 'u4', year 2020; the geometric mean needs values > 0"
    assert issues[10].message == "… and 2 more values <= 0"


def test_geometric_error_on_a_unit_index():
    X = pd.DataFrame({"x": [-2.0]}, index=pd.Index(["北京"], name="unit"))
    with pytest.raises(DataError) as info:
        Geometric().aggregate(X, weights(x=1.0))
    assert info.value.issues[0].message == "x = -2 at unit '北京'; the geometric mean needs values > 0"


# ------------------------------------------------------------------------------------------- contracts


@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_no_mutation_and_index_preserved(make):
    X = frame([[40.0, NAN], [1.0, 2.0]], units=["北京", "上海"])
    before = X.copy()
    out = make().aggregate(X, W)
    pd.testing.assert_frame_equal(X, before)
    assert out.index.equals(X.index) and out.dtype == "float64"


# ------------------------------------------------------------------------------------------- properties


@st.composite
def problems(draw, positive: bool = False, nan: bool = True):
    """(X, w): 1-5 children, 1-6 rows of values (positive when asked), positive weights."""
    k = draw(st.integers(1, 5))
    n = draw(st.integers(1, 6))
    elem = st.floats(0.01, 1000) if positive else st.floats(-1000, 1000)
    if nan:
        elem = st.one_of(elem, st.just(NAN))
    rows = draw(st.lists(st.lists(elem, min_size=k, max_size=k), min_size=n, max_size=n))
    columns = [f"c{j}" for j in range(k)]
    w = pd.Series(draw(st.lists(st.floats(0.01, 100), min_size=k, max_size=k)), index=columns)
    return frame(rows, columns=columns), w


def expected_arithmetic(X: pd.DataFrame, w: pd.Series) -> list[float]:
    """Σ wᵢ xᵢ / Σ wᵢ over the present children, row by row in plain Python."""
    out = []
    for _, row in X.iterrows():
        present = [(w[c], row[c]) for c in X.columns if not math.isnan(row[c])]
        out.append(sum(wi * xi for wi, xi in present) / sum(wi for wi, _ in present) if present else NAN)
    return out


def expected_geometric(X: pd.DataFrame, w: pd.Series) -> list[float]:
    out = []
    for _, row in X.iterrows():
        present = [(w[c], row[c]) for c in X.columns if not math.isnan(row[c])]
        total = sum(wi for wi, _ in present)
        out.append(math.prod(xi ** (wi / total) for wi, xi in present) if present else NAN)
    return out


@PROPERTY
@given(problems())
def test_arithmetic_matches_the_formula(p):
    X, w = p
    got = Arithmetic().aggregate(X, w).tolist()
    np.testing.assert_allclose(got, expected_arithmetic(X, w), rtol=1e-9, atol=1e-9)


@PROPERTY
@given(problems(positive=True))
def test_geometric_matches_the_formula(p):
    X, w = p
    got = Geometric().aggregate(X, w).tolist()
    np.testing.assert_allclose(got, expected_geometric(X, w), rtol=1e-9)


@PROPERTY
@given(problems(positive=True))
@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_result_between_row_min_and_max(make, p):
    X, w = p
    out = make().aggregate(X, w)
    lo, hi = X.min(axis=1), X.max(axis=1)
    assert out.isna().equals(X.isna().all(axis=1))
    ok = out.isna() | ((out >= lo - 1e-9 * lo.abs()) & (out <= hi + 1e-9 * hi.abs()))
    assert ok.all()


@PROPERTY
@given(problems(positive=True, nan=False), st.data())
@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_monotone_in_each_child(make, p, data):
    X, w = p
    j = data.draw(st.integers(0, X.shape[1] - 1))
    bump = data.draw(st.floats(0.0, 1000))
    Y = X.copy()
    Y.iloc[:, j] = Y.iloc[:, j] + bump
    before, after = make().aggregate(X, w), make().aggregate(Y, w)
    assert (after >= before * (1 - 1e-12)).all()


@PROPERTY
@given(problems(positive=True), st.data())
@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_permuting_columns_with_weights_changes_nothing(make, p, data):
    X, w = p
    order = data.draw(st.permutations(list(X.columns)))
    out = make().aggregate(X, w)
    # weights in the permuted order, and also in a different order than the columns (matched by name)
    permuted = make().aggregate(X[order], w[order])
    reversed_weights = make().aggregate(X[order], w[::-1])
    pd.testing.assert_series_equal(permuted, out, rtol=1e-12)
    pd.testing.assert_series_equal(reversed_weights, out, rtol=1e-12)


@PROPERTY
@given(problems(positive=True))
def test_arithmetic_mean_at_least_geometric_mean(p):
    X, w = p
    am, gm = Arithmetic().aggregate(X, w), Geometric().aggregate(X, w)
    assert ((am >= gm * (1 - 1e-12)) | am.isna()).all()
    assert am.isna().equals(gm.isna())


@PROPERTY
@given(problems(positive=True), st.floats(1e-3, 1e3))
@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_homogeneous_of_degree_one(make, p, c):
    X, w = p
    pd.testing.assert_series_equal(make().aggregate(c * X, w), c * make().aggregate(X, w), rtol=1e-9)


@PROPERTY
@given(problems(positive=True), st.floats(1e-3, 1e3))
@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_invariant_to_scaling_the_weights(make, p, c):
    X, w = p
    pd.testing.assert_series_equal(make().aggregate(X, c * w), make().aggregate(X, w), rtol=1e-9)


@PROPERTY
@given(st.floats(0.01, 1000), st.integers(1, 5), st.lists(st.floats(0.01, 100), min_size=5, max_size=5))
@pytest.mark.parametrize("make", [Arithmetic, Geometric])
def test_equal_values_give_that_value(make, v, k, ws):
    columns = [f"c{j}" for j in range(k)]
    X = frame([[v] * k], columns=columns)
    assert make().aggregate(X, pd.Series(ws[:k], index=columns)).iloc[0] == pytest.approx(v, rel=1e-12)
