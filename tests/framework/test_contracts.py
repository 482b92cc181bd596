"""The stronger contracts of zhishu.testing: order preservation for normalisers (on the data and on it negated),
monotonicity and idempotence for aggregators; each failure says what the author must change."""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd
import pytest

from zhishu.testing import check_aggregator, check_normaliser


@attrs.define(slots=False)
class ReversesLowerIsBetter:
    """The bug of issue 9: it applies the direction again, so a lower-is-better indicator comes out reversed."""

    def fit(self, X, specs=None):
        self.d_ = pd.Series({c: specs[c].direction for c in X.columns})
        self.min_, self.max_ = X.min(), X.max()
        return self

    def transform(self, X):
        scaled = ((X - self.min_) / (self.max_ - self.min_)).to_numpy("float64")
        d = self.d_.reindex(X.columns).to_numpy()
        return pd.DataFrame(np.where(d > 0, scaled, 1 - scaled), index=X.index, columns=X.columns)


@attrs.define(slots=False)
class Absolute:
    """Uses |x|: fine on positive data, reversed on negated data."""

    def fit(self, X, specs=None):
        return self

    def transform(self, X):
        return X.abs().astype("float64")


@attrs.define(slots=False)
class Decreasing:
    def fit(self, X, specs=None):
        return self

    def transform(self, X):
        return (-X).astype("float64")


@pytest.mark.parametrize("cls", [ReversesLowerIsBetter, Absolute])
def test_a_normaliser_reversing_a_lower_is_better_indicator_fails(cls):
    with pytest.raises(AssertionError, match=r"breaks the contract 'order preserved': on -X \(as a lower-is-better "
                                             r"indicator arrives.*must be monotone non-decreasing in its input"):
        check_normaliser(cls)


def test_a_decreasing_normaliser_fails_on_the_data_itself():
    with pytest.raises(AssertionError, match=r"'order preserved': on X, column 'x1': input .* but the larger input"):
        check_normaliser(Decreasing)


@attrs.define
class WeightedMean:
    def aggregate(self, X, weights):
        w = weights.reindex(X.columns)
        present = X.notna()
        total = (X.fillna(0) * w).sum(axis=1)
        share = present.mul(w).sum(axis=1)
        return (total / share.where(share > 0)).astype("float64")


@attrs.define
class SubtractsTheLast(WeightedMean):
    """A sign error: the last child counts against the score."""

    def aggregate(self, X, weights):
        return (super().aggregate(X, weights) - X["x3"]).astype("float64")


@attrs.define
class SumNotMean(WeightedMean):
    def aggregate(self, X, weights):
        return X.sum(axis=1, min_count=1).astype("float64")


def test_a_proper_weighted_mean_passes():
    check_aggregator(WeightedMean)


def test_an_aggregator_not_monotone_in_a_child_fails():
    with pytest.raises(AssertionError, match=r"'monotone in each child': raising child 'x3' of row .* lowers its "
                                             r"score.*must never give a worse score"):
        check_aggregator(SubtractsTheLast)


def test_equal_children_must_give_that_value_back_unless_declared_not_a_mean():
    with pytest.raises(AssertionError, match=r"'equal children give that value back': every child of row .* is "
                                             r"(\S+) but the score is .*set the class attribute idempotent = False"):
        check_aggregator(SumNotMean)
    check_aggregator(SumNotMean, idempotent=False)

    @attrs.define
    class Declared(SumNotMean):
        idempotent = False

    check_aggregator(Declared)


def test_the_contracts_hold_for_a_frame_of_negative_values_too():
    index = pd.MultiIndex.from_product([["a", "b", "c"], [2020]], names=["unit", "year"])
    X = pd.DataFrame({"x": [-3.0, -1.0, -2.0], "y": [-10.0, np.nan, -30.0]}, index=index)
    check_normaliser(lambda: __import__("zhishu").methods.get("normaliser", "minmax"), X)
    with pytest.raises(AssertionError, match="order preserved"):
        check_normaliser(Absolute, X)
