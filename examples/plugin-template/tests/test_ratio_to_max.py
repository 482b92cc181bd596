"""ratio_to_max: hand-computed values, its edge rules and zhishu's conformance checks."""

import math

import numpy as np
import pandas as pd
import pytest
import zhishu
from zhishu.testing import check_normaliser, check_plugin

import zhishu_template.plugin
from zhishu_template.methods import RatioToMax


def frame(**columns):
    index = pd.MultiIndex.from_product([["A", "B", "C"], [2020]], names=["unit", "year"])
    return pd.DataFrame(columns, index=index, dtype="float64")


def test_hand_computed_values():
    X = frame(a=[2.0, 4.0, 8.0], b=[1.0, np.nan, 5.0])
    out = RatioToMax().fit(X).transform(X)
    expected = frame(a=[25.0, 50.0, 100.0], b=[20.0, np.nan, 100.0])
    pd.testing.assert_frame_equal(out, expected)


def test_scale():
    X = frame(a=[2.0, 4.0, 8.0])
    assert RatioToMax(scale=1.0).fit(X).transform(X)["a"].tolist() == [0.25, 0.5, 1.0]


def test_rows_outside_the_fitted_ones_may_exceed_scale():
    fitted_on = frame(a=[2.0, 4.0, 8.0])
    later = frame(a=[10.0, 0.0, -2.0])
    assert RatioToMax().fit(fitted_on).transform(later)["a"].tolist() == [125.0, 0.0, -25.0]


def test_learned_state_ends_in_an_underscore_and_init_only_stores_parameters():
    n = RatioToMax(scale=10.0)
    assert not hasattr(n, "max_")
    n.fit(frame(a=[1.0, 3.0, 2.0], b=[5.0, 4.0, 1.0]))
    assert n.max_.to_dict() == {"a": 3.0, "b": 5.0}


def test_a_column_without_values_stays_missing():
    X = frame(a=[1.0, 2.0, 4.0], b=[np.nan, np.nan, np.nan])
    out = RatioToMax().fit(X).transform(X)
    assert out["a"].tolist() == [25.0, 50.0, 100.0]
    assert out["b"].isna().all()


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0], [-3.0, -1.0, -2.0]], ids=["all-zero", "negated"])
def test_a_maximum_that_is_not_positive_is_an_error_naming_the_column_and_year(values):
    X = frame(a=[1.0, 2.0, 4.0], b=values)
    with pytest.raises(zhishu.DataError, match=r"'b' has maximum -?\d+ in year 2020; use minmax"):
        RatioToMax().fit(X)


@pytest.mark.parametrize("scale", [0.0, -1.0, math.inf, math.nan, True, "100"])
def test_scale_must_be_a_positive_finite_number(scale):
    with pytest.raises(ValueError, match="scale must be a positive, finite number"):
        RatioToMax(scale=scale)


def test_uses_zhishus_sample_fixtures(zhishu_sample_frame):
    out = RatioToMax().fit(zhishu_sample_frame).transform(zhishu_sample_frame)
    assert out.max().tolist() == [100.0, 100.0, 100.0]
    assert out.loc[("Gansu", 2021), "x1"] == 100.0  # the largest x1 in the sample
    assert np.isnan(out.loc[("Chongqing", 2022), "x2"])


@pytest.mark.parametrize("factory", [RatioToMax, lambda: RatioToMax(scale=1.0)], ids=["default", "scale-1"])
def test_keeps_zhishus_contracts(factory):
    check_normaliser(factory, name="ratio_to_max")


def test_everything_the_plugin_registers_keeps_zhishus_contracts():
    assert check_plugin(zhishu_template.plugin) == [("normalisers", "ratio_to_max")]


def test_the_contracts_catch_a_normaliser_that_reverses_lower_is_better_indicators():
    """What check_normaliser guards against: the same method, wrongly using |x| (it receives a lower-is-better
    indicator multiplied by -1, so |x| would make the worst raw value score best)."""

    class AbsoluteRatio(RatioToMax):
        def fit(self, X, specs=None):
            return super().fit(X.abs(), specs)

        def transform(self, X):
            return super().transform(X.abs())

    with pytest.raises(AssertionError, match="breaks the contract 'order preserved'"):
        check_normaliser(AbsoluteRatio, name="absolute_ratio")
