"""Built-in weightings Equal and Fixed: values, normalisation within the parent, checks and invalid values."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.default_plugins.weightings import Equal, Fixed

#: property tests: no deadline (timings vary on a busy machine), few enough examples to stay quick
PROPERTY = settings(max_examples=60, deadline=None)


def empty_frame(columns) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([("u", 2020)], names=["unit", "year"])
    return pd.DataFrame([[1.0] * len(columns)], index=index, columns=list(columns), dtype="float64")


# ------------------------------------------------------------------------------------------------ Equal


@pytest.mark.parametrize(("columns", "each"), [(["a"], 1.0), (["a", "b"], 0.5), (["a", "b", "c", "d"], 0.25)])
def test_equal_by_hand(columns, each):
    w = Equal().weights(empty_frame(columns))
    assert w.to_dict() == {c: each for c in columns}
    assert w.dtype == "float64"


def test_equal_keeps_column_order():
    assert list(Equal().weights(empty_frame(["z", "a", "m"])).index) == ["z", "a", "m"]


def test_equal_with_no_children_is_empty_not_a_crash():
    w = Equal().weights(empty_frame([]))
    assert len(w) == 0 and w.dtype == "float64"


@PROPERTY
@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=12, unique=True))
def test_equal_sums_to_one(columns):
    w = Equal().weights(empty_frame(columns))
    assert w.sum() == pytest.approx(1.0, rel=1e-12)
    assert list(w.index) == columns
    assert w.nunique() == 1


# ------------------------------------------------------------------------------------------------ Fixed


def test_fixed_normalises_within_the_parent():
    w = Fixed(values={"a": 2, "b": 1}).weights(empty_frame(["a", "b"]))
    assert w["a"] == pytest.approx(2 / 3, rel=1e-15) and w["b"] == pytest.approx(1 / 3, rel=1e-15)
    assert w.dtype == "float64"


def test_fixed_already_normalised_and_zero_weight():
    w = Fixed(values={"a": 0.25, "b": 0.75, "c": 0.0}).weights(empty_frame(["c", "b", "a"]))
    assert w.to_dict() == {"c": 0.0, "b": 0.75, "a": 0.25}
    assert list(w.index) == ["c", "b", "a"]  # the order of X's columns


def test_fixed_percentages():
    w = Fixed(values={"算力": 40, "存力": 35, "运力": 25}).weights(empty_frame(["算力", "存力", "运力"]))
    assert w.to_dict() == pytest.approx({"算力": 0.40, "存力": 0.35, "运力": 0.25}, rel=1e-15)


def test_fixed_check_ok():
    assert Fixed(values={"a": 1, "b": 2}).check(("a", "b")) == []
    assert Fixed(values={"a": 1, "b": 2}).check(("b", "a")) == []


def test_fixed_check_missing_child():
    assert Fixed(values={"a": 1}).check(("a", "b")) == ["no weight for child 'b'; give every child a weight"]
    assert Fixed(values={"a": 1}).check(("a", "b", "c")) == [
        "no weight for children 'b', 'c'; give every child a weight"
    ]


def test_fixed_check_extra_child():
    assert Fixed(values={"a": 1, "b": 1, "x": 1}).check(("a", "b")) == [
        "weight for 'x', which is not a child; children: a, b"
    ]


def test_fixed_check_missing_and_extra():
    assert Fixed(values={"a": 1, "x": 2}).check(("a", "b")) == [
        "no weight for child 'b'; give every child a weight",
        "weight for 'x', which is not a child; children: a, b",
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"a": -1.0, "b": 1.0}, "weights must be finite and non-negative, got {'a': -1.0}"),
        ({"a": math.inf}, "weights must be finite and non-negative, got {'a': inf}"),
        ({"a": 1.0, "b": -math.inf}, "weights must be finite and non-negative, got {'b': -inf}"),
        ({"a": math.nan}, "weights must be finite and non-negative, got {'a': nan}"),
        ({"a": 0.0, "b": 0}, "weights must not all be zero"),
    ],
)
def test_fixed_invalid_values(values, message):
    with pytest.raises(ValueError) as info:
        Fixed(values=values)
    assert str(info.value) == message


def test_fixed_requires_values():
    with pytest.raises(TypeError):
        Fixed()  # type: ignore[call-arg]


weight_maps = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3), st.floats(0.01, 1e6), min_size=1, max_size=8
)


@PROPERTY
@given(weight_maps, st.data())
def test_fixed_sums_to_one_and_is_proportional(values, data):
    columns = data.draw(st.permutations(list(values)))
    w = Fixed(values=values).weights(empty_frame(columns))
    assert list(w.index) == list(columns)
    assert w.sum() == pytest.approx(1.0, rel=1e-12)
    total = sum(values.values())
    for c in columns:
        assert w[c] == pytest.approx(values[c] / total, rel=1e-12)


@PROPERTY
@given(weight_maps, st.floats(1e-3, 1e3))
def test_fixed_is_scale_invariant(values, c):
    columns = list(values)
    w = Fixed(values=values).weights(empty_frame(columns))
    scaled = Fixed(values={k: c * v for k, v in values.items()}).weights(empty_frame(columns))
    pd.testing.assert_series_equal(scaled, w, rtol=1e-12)


@PROPERTY
@given(weight_maps, weight_maps)
def test_fixed_check_lists_exactly_the_differences(values, other):
    children = tuple(other)
    problems = Fixed(values=values).check(children)
    missing = [c for c in children if c not in values]
    extra = [k for k in values if k not in children]
    assert len(problems) == bool(missing) + bool(extra)
    if missing:
        assert all(repr(c) in problems[0] for c in missing)
    if extra:
        assert all(repr(c) in problems[-1] for c in extra)
