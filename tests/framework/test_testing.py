"""zhishu.testing: the conformance checks pass for the built-ins and fail, naming the contract, on broken
components (one broken contract each)."""

from __future__ import annotations

import re
import textwrap

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu.default_plugins import aggregators, normalisers, weightings
from zhishu.default_plugins.aggregators import Arithmetic, Geometric
from zhishu.default_plugins.normalisers import MinMax, ZScore
from zhishu.default_plugins.weightings import Equal, Fixed
from zhishu.testing import (
    SAMPLE_COLUMNS,
    check_aggregator,
    check_normaliser,
    check_plugin,
    check_registered,
    check_registries,
    check_weighting,
    sample_frame,
    sample_weights,
)

pytest_plugins = ["pytester"]


MUTATES = "does not mutate its input"
LABELS = "index and columns preserved"
DETERMINISTIC = "deterministic"
NAN = "NaN in → NaN out"
FLOAT = "float64 out"


def expect_failure(check, factory, contract: str, detail: str = "") -> None:
    """``check(factory)`` fails naming the component's class and ``contract``, then matching ``detail``."""
    cls = factory if isinstance(factory, type) else type(factory())
    pattern = re.escape(f"{cls.__name__} breaks the contract '{contract}'")
    if detail:
        pattern += detail if detail.startswith(".*") else ": " + detail
    with pytest.raises(AssertionError, match=pattern):
        check(factory)


def fixed_for_sample() -> Fixed:
    return Fixed(values={"x1": 2.0, "x2": 1.0, "x3": 1.0})


def _resolved(kind: str, spec: dict):
    """A built-in method configured the way the config loader would (for methods with nested methods)."""
    from zhishu.config.resolve import resolve_method

    return resolve_method(zhishu.Hooks().registries, kind, zhishu.MethodSpec(**spec), "test").obj


#: factories for every built-in method whose parameters have no defaults (on the sample columns x1, x2, x3)
FACTORIES = {
    "normalisers": {
        "goalposts": lambda: normalisers.Goalposts(lower=0, upper=300),
        "distance_to_reference": lambda: normalisers.DistanceToReference(unit="Beijing"),
        "distance_to_target": lambda: normalisers.DistanceToTarget(target=300),
        "categorical": lambda: normalisers.Categorical(thresholds=(5, 20), scores=(0, 50, 100)),
    },
    "weightings": {
        "fixed": fixed_for_sample,
        "ahp": lambda: _resolved("weightings", {"method": "ahp", "params": {
            "judgments": {"x1/x2": 2, "x1/x3": 4, "x2/x3": 2}}}),
        "combination": lambda: _resolved("weightings", {"method": "combination", "params": {
            "subjective": {"method": "fixed", "params": {"values": {"x1": 2, "x2": 1, "x3": 1}}},
            "objective": "entropy"}}),
    },
}


# --------------------------------------------------------------------------------------------- sample data


def test_sample_frame_is_small_deterministic_and_has_one_missing_cell():
    X = sample_frame()
    assert X.index.names == ["unit", "year"]
    assert X.shape == (12, 3)
    assert tuple(X.columns) == SAMPLE_COLUMNS
    assert (X.dtypes == "float64").all()
    assert X.isna().sum().sum() == 1 and np.isnan(X.loc[("Chongqing", 2022), "x2"])
    assert (X.stack().dropna() > 0).all()
    pd.testing.assert_frame_equal(X, sample_frame())
    assert X is not sample_frame()


def test_sample_weights_are_unequal_and_sum_to_one():
    w = sample_weights()
    assert list(w.index) == list(SAMPLE_COLUMNS)
    assert w.tolist() == pytest.approx([1 / 2, 1 / 3, 1 / 6])
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------------------------- built-ins pass


@pytest.mark.parametrize(
    "factory",
    [MinMax, ZScore, lambda: MinMax(low=1.0, high=10.0), lambda: ZScore(ddof=0)],
    ids=["minmax", "zscore", "minmax-1-10", "zscore-ddof0"],
)
def test_builtin_normalisers_pass(factory):
    check_normaliser(factory)


@pytest.mark.parametrize("factory", [Equal, fixed_for_sample], ids=["equal", "fixed"])
def test_builtin_weightings_pass(factory):
    check_weighting(factory)


@pytest.mark.parametrize("factory", [Arithmetic, Geometric], ids=["arithmetic", "geometric"])
def test_builtin_aggregators_pass(factory):
    check_aggregator(factory)


def test_builtins_pass_on_a_frame_without_a_year_level_and_without_missing_values():
    X = pd.DataFrame({"a": [1.0, 2.0, 4.0, 8.0], "b": [3.0, 1.0, 2.0, 5.0]}, index=pd.Index(list("pqrs"), name="unit"))
    w = pd.Series({"a": 0.25, "b": 0.75})
    check_normaliser(MinMax, X)
    check_weighting(Equal, X)
    check_weighting(lambda: Fixed(values={"a": 1, "b": 3}), X)
    check_aggregator(Geometric, X, w)


positive_frames = st.integers(min_value=3, max_value=8).flatmap(
    lambda n_rows: st.lists(
        st.lists(
            st.one_of(st.floats(min_value=0.01, max_value=1e6), st.just(float("nan"))),
            min_size=n_rows,
            max_size=n_rows,
        ),
        min_size=1,
        max_size=4,
    )
)


@settings(max_examples=15, deadline=None)
@given(positive_frames)
def test_builtins_pass_on_any_positive_frame(columns):
    index = pd.MultiIndex.from_product([[f"u{i}" for i in range(len(columns[0]))], [2020]], names=["unit", "year"])
    X = pd.DataFrame({f"c{j}": col for j, col in enumerate(columns)}, index=index, dtype="float64")
    for factory in (MinMax, ZScore):
        check_normaliser(factory, X)
    check_weighting(Equal, X)
    for factory in (Arithmetic, Geometric):
        check_aggregator(factory, X)


def test_check_registries_covers_every_installed_method():
    """The methods library's promise: every registered normaliser, weighting, aggregator and outlier treatment
    meets the contract (with the capabilities each declares)."""
    registries = zhishu.Hooks().registries
    checked = check_registries(registries, factories=FACTORIES)
    expected = {(kind, name) for kind in ("normalisers", "weightings", "aggregators", "treatments")
                for name in registries[kind]}
    assert set(checked) == expected
    assert len(expected) >= 9 + 8 + 7 + 3


def test_check_plugin_checks_what_a_plugin_module_registers():
    assert check_plugin(normalisers, factories=FACTORIES) == [
        ("normalisers", n) for n in ("minmax", "zscore", "rank", "percentile", "goalposts", "distance_to_reference",
                                     "distance_to_target", "fraction_of_max", "categorical")]
    assert check_plugin(aggregators) == [
        ("aggregators", n) for n in ("arithmetic", "geometric", "harmonic", "generalised", "minimum", "copeland",
                                     "topsis")]
    assert check_plugin(weightings, factories={"weightings": {"fixed": fixed_for_sample}}) == [
        ("weightings", "equal"),
        ("weightings", "fixed"),
    ]


def test_a_component_that_needs_parameters_asks_for_a_factory():
    with pytest.raises(AssertionError, match=r"weighting 'fixed'.*cannot build an instance.*needs a factory"):
        check_registered("weightings", "fixed", Fixed)


def test_check_registered_dispatches_on_kind():
    check_registered("normalisers", "minmax", MinMax)
    check_registered("weightings", "equal", Equal)
    check_registered("aggregators", "arithmetic", Arithmetic)
    with pytest.raises(AssertionError, match=r"normaliser 'equal'.*no method fit\(\), transform\(\)"):
        check_registered("normalisers", "equal", Equal)
    with pytest.raises(ValueError, match=r"no conformance check for kind 'imputers'.*weightings, aggregators"):
        check_registered("imputers", "none", object)


# --------------------------------------------------------------------------------------------- broken normalisers


@attrs.define(kw_only=True, slots=False)
class MutatesInFit(MinMax):
    def fit(self, X, specs=None):
        X.iloc[0, 0] = 0.0
        return super().fit(X, specs)


@attrs.define(kw_only=True, slots=False)
class MutatesInTransform(MinMax):
    def transform(self, X):
        X["x1"] = X["x1"] * 2
        return super().transform(X)


@attrs.define(kw_only=True, slots=False)
class RenamesColumnsInPlace(MinMax):
    def fit(self, X, specs=None):
        X.columns = [str(c).upper() for c in X.columns]
        return super().fit(X, specs)


@attrs.define(kw_only=True, slots=False)
class DowncastsInPlace(MinMax):
    def transform(self, X):
        X["x3"] = X["x3"].astype("float32")
        return super().transform(X).astype("float64")


@attrs.define(kw_only=True, slots=False)
class DropsAColumn(MinMax):
    def transform(self, X):
        return super().transform(X).iloc[:, :-1]


@attrs.define(kw_only=True, slots=False)
class ReordersColumns(MinMax):
    def transform(self, X):
        out = super().transform(X)
        return out[out.columns[::-1]]


@attrs.define(kw_only=True, slots=False)
class LosesIndexNames(MinMax):
    def transform(self, X):
        out = super().transform(X)
        return out.rename_axis([None, None])


@attrs.define(kw_only=True, slots=False)
class Noisy(MinMax):
    def transform(self, X):
        return super().transform(X) + np.random.default_rng().normal(scale=1e-6, size=X.shape)


@attrs.define(kw_only=True, slots=False)
class ReturnsInts(MinMax):
    def transform(self, X):
        return super().transform(X).round().astype("Int64")


@attrs.define(kw_only=True, slots=False)
class FillsNaN(MinMax):
    def transform(self, X):
        return super().transform(X).fillna(0.0)


@attrs.define(kw_only=True, slots=False)
class NaNSpreads(MinMax):
    """A missing value in a column makes the whole column missing."""

    def transform(self, X):
        out = super().transform(X)
        out.loc[:, X.isna().any(axis=0)] = np.nan
        return out


@attrs.define(kw_only=True, slots=False)
class Positional(MinMax):
    """Rescales by a fitted array applied by row position."""

    def fit(self, X, specs=None):
        self.first_ = X.iloc[:, 0].to_numpy()
        return super().fit(X, specs)

    def transform(self, X):
        out = super().transform(X)
        n = min(len(out), len(self.first_))
        out.iloc[:n, 0] = self.first_[:n]
        return out


@attrs.define(kw_only=True, slots=False)
class FitReturnsNone(MinMax):
    def fit(self, X, specs=None):
        super().fit(X, specs)


def test_fit_that_returns_nothing_fails():
    with pytest.raises(AssertionError, match=r"normaliser .*FitReturnsNone breaks the contract 'fit returns self'"):
        check_normaliser(FitReturnsNone)


SHARED = MinMax()


@pytest.mark.parametrize(
    ("factory", "contract", "detail"),
    [
        (MutatesInFit, MUTATES, r"fit\(X, specs\) changed X"),
        (MutatesInTransform, MUTATES, r"transform\(X\) changed X"),
        (RenamesColumnsInPlace, MUTATES, r"fit\(X, specs\) changed X"),
        (DowncastsInPlace, MUTATES, r"transform\(X\) changed X.*dtype"),
        (DropsAColumn, LABELS, r"transform\(X\)\.columns must be \['x1', 'x2', 'x3'\]"),
        (ReordersColumns, LABELS, r"transform\(X\)\.columns"),
        (LosesIndexNames, LABELS, r"transform\(X\)\.index .* named \('unit', 'year'\)"),
        (Positional, LABELS, r".*align by label"),
        (Noisy, DETERMINISTIC, ""),
        (ReturnsInts, FLOAT, r".*Int64"),
        (FillsNaN, NAN, r"missing input cells got values: \(\('Chongqing', 2022\), 'x2'\)"),
        (NaNSpreads, NAN, r"one missing cell .* changed whether other cells are finite"),
        (lambda: SHARED, "fresh instances", ""),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_broken_normalisers_fail(factory, contract, detail):
    expect_failure(check_normaliser, factory, contract, detail)


def test_a_failure_names_the_registered_component():
    message = r"^normaliser 'noisy' \(test_testing\.Noisy\) breaks the contract 'deterministic'"
    with pytest.raises(AssertionError, match=message):
        check_registered("normalisers", "noisy", Noisy)


# --------------------------------------------------------------------------------------------- broken weightings


@attrs.define(kw_only=True)
class Unnormalised:
    def weights(self, X, specs=None):
        return pd.Series(1.0, index=X.columns)


@attrs.define(kw_only=True)
class WrongIndex:
    def weights(self, X, specs=None):
        return pd.Series(np.full(X.shape[1], 1 / X.shape[1]))


@attrs.define(kw_only=True)
class Negative:
    def weights(self, X, specs=None):
        raw = np.array([2.0, -1.0] + [0.0] * (X.shape[1] - 2))
        return pd.Series(raw, index=X.columns)


@attrs.define(kw_only=True)
class NaNWeights:
    """Weights from column means without skipping missing values."""

    def weights(self, X, specs=None):
        m = pd.Series(X.to_numpy().mean(axis=0), index=X.columns)
        return m / m.sum()


@attrs.define(kw_only=True)
class RandomWeights:
    def weights(self, X, specs=None):
        raw = np.random.default_rng().random(X.shape[1])
        return pd.Series(raw / raw.sum(), index=X.columns)


@attrs.define(kw_only=True)
class PositionalWeights:
    def weights(self, X, specs=None):
        raw = np.arange(1, X.shape[1] + 1, dtype="float64")
        return pd.Series(raw / raw.sum(), index=X.columns)


@attrs.define(kw_only=True)
class MutatesX:
    def weights(self, X, specs=None):
        X.fillna(0.0, inplace=True)
        return pd.Series(1 / X.shape[1], index=X.columns)


@attrs.define(kw_only=True)
class MutatesSpecs:
    def weights(self, X, specs=None):
        specs["extra"] = None
        return pd.Series(1 / X.shape[1], index=X.columns)


@attrs.define(kw_only=True)
class Float32Weights:
    def weights(self, X, specs=None):
        return pd.Series(1 / X.shape[1], index=X.columns, dtype="float32")


@pytest.mark.parametrize(
    ("factory", "contract", "detail"),
    [
        (Unnormalised, "weights sum to 1", r"the weights sum to 3\.0"),
        (WrongIndex, LABELS, r"weights\(X, specs\)\.index must be \['x1', 'x2', 'x3'\]"),
        (Negative, "non-negative weights", ""),
        (NaNWeights, "finite weights", ""),
        (RandomWeights, DETERMINISTIC, ""),
        (PositionalWeights, LABELS, r"reversing X's columns"),
        (MutatesX, MUTATES, r"weights\(X, specs\) changed X"),
        (MutatesSpecs, MUTATES, r"weights\(X, specs\) changed specs"),
        (Float32Weights, FLOAT, r".*float32"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_broken_weightings_fail(factory, contract, detail):
    expect_failure(check_weighting, factory, contract, detail)


def test_fixed_weights_for_other_columns_fail():
    with pytest.raises(KeyError):  # not an AssertionError: the factory is wrong for this data, not the class
        check_weighting(lambda: Fixed(values={"a": 1.0}))


# --------------------------------------------------------------------------------------------- broken aggregators


@attrs.define(kw_only=True)
class ResetsIndex(Arithmetic):
    def aggregate(self, X, weights):
        return super().aggregate(X, weights).reset_index(drop=True)


@attrs.define(kw_only=True)
class FillsMissingRows(Arithmetic):
    def aggregate(self, X, weights):
        return super().aggregate(X, weights).fillna(0.0)


@attrs.define(kw_only=True)
class PositionalAggregator:
    """Ignores the weights' labels."""

    def aggregate(self, X, weights):
        values = np.nan_to_num(X.to_numpy(dtype="float64"))
        return pd.Series(values @ weights.to_numpy(), index=X.index).where(X.notna().any(axis=1))


@attrs.define(kw_only=True)
class NormalisesWeightsInPlace(Arithmetic):
    def aggregate(self, X, weights):
        weights.iloc[0] = 0.0
        return super().aggregate(X, weights)


@attrs.define(kw_only=True)
class IntScores(Arithmetic):
    def aggregate(self, X, weights):
        return super().aggregate(X, weights).round().astype("Int64")


@attrs.define(kw_only=True)
class NoisyAggregator(Arithmetic):
    def aggregate(self, X, weights):
        return super().aggregate(X, weights) + np.random.default_rng().random()


@attrs.define(kw_only=True)
class RowSpread(Arithmetic):
    """Any all-missing row makes every score missing."""

    def aggregate(self, X, weights):
        out = super().aggregate(X, weights)
        return out * np.nan if out.isna().any() else out


@pytest.mark.parametrize(
    ("factory", "contract", "detail"),
    [
        (ResetsIndex, LABELS, r"aggregate\(X, weights\)\.index must be \[\('Anhui', 2021\)"),
        (FillsMissingRows, NAN, r"the row \('Anhui', 2021\) has no values but aggregates to 0\.0"),
        (RowSpread, NAN, r"an all-NaN row changed whether other rows are finite"),
        (PositionalAggregator, LABELS, r"passing weights in reverse order"),
        (NormalisesWeightsInPlace, MUTATES, r"aggregate\(X, weights\) changed weights"),
        (IntScores, FLOAT, ""),
        (NoisyAggregator, DETERMINISTIC, ""),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_broken_aggregators_fail(factory, contract, detail):
    expect_failure(check_aggregator, factory, contract, detail)


def test_an_aggregator_check_rejects_weights_for_other_columns():
    with pytest.raises(ValueError, match="indexed by the columns of X"):
        check_aggregator(Arithmetic, weights=pd.Series({"a": 1.0}))


# --------------------------------------------------------------------------------------------- pytest plugin


def test_fixtures_are_enabled_by_pytest_plugins_in_a_conftest(pytester):
    pytester.makeconftest('pytest_plugins = ["zhishu.testing"]')
    pytester.makepyfile(
        textwrap.dedent(
            """
            from zhishu.testing import check_aggregator

            def test_fixtures(zhishu_sample_frame, zhishu_sample_weights):
                assert zhishu_sample_frame.index.names == ["unit", "year"]
                assert list(zhishu_sample_weights.index) == list(zhishu_sample_frame.columns)
                zhishu_sample_frame.iloc[0, 0] = -1.0  # each test gets a fresh copy

            def test_fresh(zhishu_sample_frame):
                assert zhishu_sample_frame.iloc[0, 0] == 12.0
            """
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_every_public_check_is_documented():
    import zhishu.testing as t

    for name in t.__all__:
        obj = getattr(t, name)
        if callable(obj) and not isinstance(obj, dict):
            assert obj.__doc__ and re.search(r"\w", obj.__doc__), name


# --------------------------------------------------------------------------------------------- capabilities


class _Mean:
    """A correct weighted mean with a vectorised form (a third party's, no built-in base class)."""

    def aggregate(self, X, weights):
        return Arithmetic().aggregate(X, weights)

    def aggregate_array(self, values, weights):
        return Arithmetic().aggregate_array(values, weights)


class _WrongArray(_Mean):
    """aggregate_array forgets to re-normalise the weights over the children present."""

    def aggregate_array(self, values, weights):
        V = values if values.ndim == 3 else values[:, None, :]
        W = weights if weights.ndim == 2 else weights[None, :]
        out = (np.nan_to_num(V) * W[None, :, :]).sum(axis=2)
        return out if values.ndim == 3 or weights.ndim == 2 else out[:, 0]


def test_a_correct_aggregate_array_passes():
    check_aggregator(_Mean)


def test_an_aggregate_array_that_disagrees_with_aggregate_fails():
    with pytest.raises(AssertionError, match="breaks the contract 'AggregatesArrays'.*differs from aggregate"):
        check_aggregator(_WrongArray)


def test_by_year_must_be_a_bool():
    class Vague(_Mean):
        by_year = "yes"

    with pytest.raises(AssertionError, match="'ByYear': by_year must be True or False, got 'yes'"):
        check_aggregator(Vague)


def test_a_report_that_is_not_a_dict_fails():
    class Reporting(Equal):
        def report(self, children):
            return ["not", "a", "dict"]

    with pytest.raises(AssertionError, match="'Reports': report\\(children\\) must return a dict"):
        check_weighting(Reporting)


def test_details_must_be_a_frame():
    from zhishu.testing import check_treatment

    class Noting:
        def treat(self, X, context):
            self.details_ = "winsorised two values"
            return X.copy()

    with pytest.raises(AssertionError, match="'HasDetails': details_ must be a DataFrame after treat, got str"):
        check_treatment(Noting)


def test_a_treatment_that_imputes_fails():
    from zhishu.testing import check_treatment

    class Fills:
        def treat(self, X, context):
            return X.fillna(0.0)

    with pytest.raises(AssertionError, match="NaN in → NaN out"):
        check_treatment(Fills)
