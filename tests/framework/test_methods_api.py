"""zhishu.methods: every registered method by name, configured and checked as in TOML; the none, vector and
sum normalisers against values computed by hand; the public namespace."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import ConfigError
from zhishu import methods


def test_get_configures_like_toml():
    n = methods.get("normaliser", "minmax", low=1, high=100)
    assert (n.low, n.high) == (1.0, 100.0)
    assert type(methods.get("normalisers", "minmax")) is type(n)  # plural accepted


def test_unknown_names_and_bad_params_have_the_config_messages():
    with pytest.raises(ConfigError, match=r"unknown normaliser 'minmx': did you mean 'minmax'\?"):
        methods.get("normaliser", "minmx")
    with pytest.raises(ConfigError, match=r"params\.lo: unknown key: did you mean 'low'\?"):
        methods.get("normaliser", "minmax", lo=1)
    with pytest.raises(ConfigError, match=r"params\.low: expected a number, got a string"):
        methods.get("normaliser", "minmax", low="x")
    with pytest.raises(ValueError, match=r"unknown method kind 'normalizer' \(did you mean 'normaliser'"):
        methods.get("normalizer", "minmax")


def test_names_lists_every_kind():
    assert {"minmax", "none", "vector", "sum"} <= set(methods.names("normaliser"))
    assert "entropy" in methods.names("weightings")
    for kind in methods.METHOD_KINDS:
        assert methods.names(kind), kind


def test_entropy_weights_on_any_matrix_equal_a_hand_computation():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 2.0, 2.0, 3.0], "c": [0.5, 4.0, 1.0, 8.0]})
    got = methods.get("weighting", "entropy").weights(X)
    # entropy weight method by hand: p = x / Σx per column, e = −Σ p ln p / ln n, w = (1 − e) / Σ(1 − e)
    n = len(X)
    d = {}
    for col in X:
        p = [v / sum(X[col]) for v in X[col]]
        e = -sum(q * np.log(q) for q in p) / np.log(n)
        d[col] = 1 - e
    expected = {k: v / sum(d.values()) for k, v in d.items()}
    assert got.to_dict() == pytest.approx(expected, rel=1e-12)


def test_a_component_from_get_runs_in_a_config_equally():
    agg = methods.get("aggregator", "arithmetic")
    X = pd.DataFrame({"a": [10.0, 20.0], "b": [30.0, 50.0]})
    w = pd.Series({"a": 0.25, "b": 0.75})
    assert agg.aggregate(X, w).tolist() == pytest.approx([25.0, 42.5])


# --------------------------------------------------------------------------------------------- none, vector, sum


X = pd.DataFrame({"up": [3.0, 4.0, np.nan, 0.0], "down": [-1.0, -2.0, -2.0, -4.0]})


def test_none_is_the_identity():
    out = methods.get("normaliser", "none").fit(X).transform(X)
    pd.testing.assert_frame_equal(out, X)


def test_vector_by_hand():
    out = methods.get("normaliser", "vector").fit(X).transform(X)
    # up: √(9 + 16 + 0) = 5; down: √(1 + 4 + 4 + 16) = 5
    assert out["up"].tolist()[:2] == [0.6, 0.8] and np.isnan(out.at[2, "up"]) and out.at[3, "up"] == 0.0
    assert out["down"].tolist() == [-0.2, -0.4, -0.4, -0.8]
    # pymcdm's cost form 1 − raw/‖raw‖ is this plus 1
    raw = np.array([1.0, 2.0, 2.0, 4.0])
    np.testing.assert_allclose(out["down"] + 1, 1 - raw / np.sqrt((raw**2).sum()))


def test_sum_by_hand_and_scale():
    out = methods.get("normaliser", "sum", scale=100).fit(X).transform(X)
    assert out["up"].tolist()[:2] == pytest.approx([300 / 7, 400 / 7])
    assert out["down"].tolist() == pytest.approx([-100 / 9, -200 / 9, -200 / 9, -400 / 9])
    zeros = pd.DataFrame({"z": [0.0, 0.0]})
    assert methods.get("normaliser", "sum").fit(zeros).transform(zeros)["z"].tolist() == [0.0, 0.0]
    with pytest.raises(ConfigError, match=r"params: scale must be a positive finite number, not 0"):
        methods.get("normaliser", "sum", scale=0)


def test_vector_and_sum_fit_per_year_in_a_pipeline():
    frame = pd.DataFrame({"unit": ["a", "b", "a", "b"], "year": [2020, 2020, 2021, 2021],
                          "x": [3.0, 4.0, 1.0, 1.0]})
    config = {"index": {"id": "t", "root": "index"},
              "indicators": {"x": {"variable": "x", "direction": 1, "normaliser": "vector"}},
              "nodes": {"index": {"children": ["x"]}}}
    scores = zhishu.run(config, data={"main": frame}).scores["x"]
    assert scores.to_dict() == pytest.approx({("a", 2020): 0.6, ("b", 2020): 0.8,
                                              ("a", 2021): 2**-0.5, ("b", 2021): 2**-0.5})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=20))
def test_vector_and_sum_keep_the_order(values):
    frame = pd.DataFrame({"x": values})
    for name in ("vector", "sum"):
        out = methods.get("normaliser", name).fit(frame).transform(frame)["x"].to_numpy()
        order = np.argsort(values, kind="stable")
        assert (np.diff(out[order]) >= 0).all(), name


# --------------------------------------------------------------------------------------------- namespace


def test_public_names_are_all_plus_dunders_and_submodules():
    public = {n for n in dir(zhishu) if not n.startswith("_")}
    extra = {n for n in public - set(zhishu.__all__) if not isinstance(getattr(zhishu, n), types.ModuleType)}
    assert extra == set()
    assert "annotations" not in dir(zhishu) and "version" not in dir(zhishu)
    assert "PackageNotFoundError" not in dir(zhishu)
    assert "methods" in dir(zhishu) and isinstance(zhishu.methods, types.ModuleType)
    assert set(zhishu.__all__) <= set(dir(zhishu))
