"""Optional capabilities (zhishu.ByYear, AggregatesArrays, Reports, ChecksChildren, HasDetails, ResolvesMethods,
ChecksConfig) are found by protocol, never by class: a third-party component that declares one gets exactly
what a built-in gets — above all the sensitivity engine's vectorised path for an aggregator with
``aggregate_array``."""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd
import pytest

import zhishu
import zhishu.testing
from zhishu import AggregatesArrays, ByYear, ChecksChildren, ChecksConfig, HasDetails, Reports, ResolvesMethods
from zhishu import Hooks, MethodSpec, get_plugin_manager, hookimpl
from zhishu.config import load_config
from zhishu.default_plugins.aggregators import Arithmetic, Copeland, Geometric, Topsis
from zhishu.default_plugins.objective_weights import Combination
from zhishu.default_plugins.outliers import JRCTreatment
from zhishu.default_plugins.weightings import Equal, Fixed
from zhishu.sensitivity import resolve_spec, run_sensitivity
from zhishu.sensitivity.engine import _node_aggregator
from toy_index import table_config

DATA = """
unit,year,a,b,c
A,2021,10,5,3
B,2021,20,15,8
C,2021,30,10,4
D,2021,12,7,9
E,2021,25,3,2
A,2022,20,5,9
B,2022,40,10,10
C,2022,30,20,5
D,2022,15,8,
E,2022,22,4,3
"""

CONFIG = table_config({"a": 1, "b": -1, "c": 1}, """
[nodes.index]
children = ["a", "b", "c"]
weights = {{ a = 3, b = 2, c = 1 }}
aggregator = "{aggregator}"
""", index_id="caps", template=True)


@attrs.define(kw_only=True)
class PluginMean:
    """A third party's weighted arithmetic mean, with the vectorised form; it counts its calls."""

    calls: dict = attrs.field(factory=lambda: {"aggregate": 0, "aggregate_array": 0}, eq=False)

    def aggregate(self, X, weights):
        self.calls["aggregate"] += 1
        w = weights.reindex(X.columns).to_numpy()
        values = X.to_numpy()
        wp = np.where(np.isnan(values), 0.0, w)
        out = (np.nan_to_num(values) * wp).sum(axis=1) / wp.sum(axis=1)
        return pd.Series(out, index=X.index).where(X.notna().any(axis=1))

    def aggregate_array(self, values, weights):
        self.calls["aggregate_array"] += 1
        V = values if values.ndim == 3 else values[:, None, :]
        W = weights if weights.ndim == 2 else weights[None, :]
        wp = np.where(np.isnan(V), 0.0, W[None, :, :])
        with np.errstate(invalid="ignore"):
            out = (np.nan_to_num(V) * wp).sum(axis=2) / wp.sum(axis=2)
        return out if values.ndim == 3 or weights.ndim == 2 else out[:, 0]


SHARED_CALLS = {"aggregate": 0, "aggregate_array": 0}


@attrs.define(kw_only=True)
class CountedMean(PluginMean):
    calls: dict = attrs.field(factory=lambda: SHARED_CALLS, eq=False)


class MeanPlugin:
    @hookimpl
    def register_aggregators(self, register):
        register("plugin_mean", CountedMean)


def _plan(write_config, aggregator):
    path = write_config(CONFIG.format(aggregator=aggregator), data__csv=DATA)
    pm = get_plugin_manager(entry_points=False)
    pm.register(MeanPlugin(), name="test_mean")
    return load_config(path, hooks=Hooks(pm))


def test_builtin_and_plugin_aggregators_declare_their_capabilities():
    assert isinstance(Arithmetic(), AggregatesArrays) and isinstance(Geometric(), AggregatesArrays)
    assert isinstance(PluginMean(), AggregatesArrays)  # by protocol: no subclassing needed
    assert isinstance(Copeland(), ByYear) and isinstance(Topsis(), ByYear)
    assert not isinstance(Arithmetic(), ByYear)
    assert isinstance(Fixed(values={"a": 1}), ChecksChildren) and not isinstance(Equal(), ChecksChildren)
    combination = Combination(subjective=MethodSpec(method="equal"), objective=MethodSpec(method="entropy"))
    assert isinstance(combination, ResolvesMethods) and isinstance(combination, Reports)
    jrc = JRCTreatment()
    assert not isinstance(jrc, HasDetails)  # details_ exists only after treat
    jrc.treat(zhishu.testing.sample_frame(), {})
    assert isinstance(jrc, HasDetails)
    assert set(zhishu.CAPABILITIES) == {"ByYear", "AggregatesArrays", "Reports", "ChecksChildren", "HasDetails",
                                        "ResolvesMethods", "ChecksConfig"}


def test_a_plugin_aggregator_with_aggregate_array_takes_the_fast_path(write_config):
    plan = _plan(write_config, "plugin_mean")
    assert _node_aggregator(plan.nodes["index"].aggregator).path == "array"
    rs = resolve_spec({"replications": 40, "seed": 3, "weights": {"noise": 0.3}}, plan)
    SHARED_CALLS.update(aggregate=0, aggregate_array=0)
    plugin = run_sensitivity(plan, rs)
    assert SHARED_CALLS["aggregate_array"] >= 1
    assert SHARED_CALLS["aggregate"] == 1  # once, by the nominal run; never once per replication

    # the same replications with the built-in arithmetic mean (whose vectorised form is its own code) agree
    builtin = run_sensitivity(_plan(write_config, "arithmetic"), rs)
    np.testing.assert_allclose(plugin.scores["index"], builtin.scores["index"], rtol=1e-12)
    np.testing.assert_array_equal(plugin.ranks["index"], builtin.ranks["index"])


def test_an_aggregator_without_aggregate_array_is_called_per_replication(write_config):
    plan = _plan(write_config, "minimum")
    assert _node_aggregator(plan.nodes["index"].aggregator).path == "other"
    assert _node_aggregator(_plan(write_config, "copeland").nodes["index"].aggregator).path == "other"


def test_aggregate_array_by_hand():
    values = np.array([[1.0, 4.0], [2.0, np.nan], [np.nan, np.nan]])
    # weights 1 and 3: row 0 = (1 + 12) / 4; row 1 = 2 (b missing, a alone); row 2 missing
    out = Arithmetic().aggregate_array(values, np.array([1.0, 3.0]))
    np.testing.assert_allclose(out, [13 / 4, 2.0, np.nan])
    # two replications at once: (rows, reps)
    out = Arithmetic().aggregate_array(values, np.array([[1.0, 3.0], [1.0, 1.0]]))
    np.testing.assert_allclose(out, [[13 / 4, 2.5], [2.0, 2.0], [np.nan, np.nan]])
    # geometric: 1^(1/4) · 4^(3/4) = 4^0.75
    out = Geometric().aggregate_array(values, np.array([1.0, 3.0]))
    np.testing.assert_allclose(out, [4 ** 0.75, 2.0, np.nan])


def test_aggregate_array_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="aggregate_array needs values"):
        Arithmetic().aggregate_array(np.ones((3, 2)), np.ones(3))


@attrs.define(kw_only=True)
class PerYearRank:
    """A third party's aggregator that compares units (declares ByYear by attribute, no built-in base)."""

    by_year = True

    def aggregate(self, X, weights):
        years = X.index.get_level_values("year")
        assert years.nunique() == 1, "a ByYear aggregator must see one year at a time"
        return X.mean(axis=1).rank()


def test_a_plugin_by_year_aggregator_sees_one_year_at_a_time(write_config):
    class Plugin:
        @hookimpl
        def register_aggregators(self, register):
            register("per_year_rank", PerYearRank)

    path = write_config(CONFIG.format(aggregator="per_year_rank"), data__csv=DATA)
    pm = get_plugin_manager(entry_points=False)
    pm.register(Plugin(), name="test_rank")
    result = zhishu.run_config(load_config(path, hooks=Hooks(pm)))
    assert set(result.scores["index"].dropna().xs(2021, level="year")) == {1.0, 2.0, 3.0, 4.0, 5.0}


@attrs.define(kw_only=True)
class NamesAnIndicator:
    """A normaliser with a config check: ``indicator`` must be one of the plan's indicators."""

    indicator: str = "a"

    def config_issues(self, plan, where):
        if self.indicator not in plan.indicators:
            return [(f"{where}.params.indicator", f"no indicator {self.indicator!r}")]
        return []

    def fit(self, X, specs):
        return self

    def transform(self, X):
        return X.astype("float64")


def test_checks_config_is_called_for_a_plugin_method_at_its_key_path(write_config):
    class Plugin:
        @hookimpl
        def register_normalisers(self, register):
            register("checked", NamesAnIndicator)

    assert isinstance(NamesAnIndicator(), ChecksConfig)
    text = CONFIG.format(aggregator="arithmetic").replace(
        "[indicators.b]\ndirection = -1",
        '[indicators.b]\ndirection = -1\nnormaliser = { method = "checked", params = { indicator = "zz" } }')
    path = write_config(text, data__csv=DATA)
    pm = get_plugin_manager(entry_points=False)
    pm.register(Plugin(), name="test_checked")
    with pytest.raises(zhishu.ConfigError) as info:
        load_config(path, hooks=Hooks(pm))
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("indicators.b.normaliser.params.indicator", "no indicator 'zz'")]


def test_provides_accepts_what_isinstance_accepts():
    """components.provides: the quick protocol check gives isinstance's answer for objects with the method, without
    it, and with the name bound to None (which typing does not count as the method either)."""
    from zhishu.components import ChecksChildren, Reports, provides
    from zhishu.default_plugins.weightings import Equal, Fixed

    class WithReport:
        def report(self, children):
            return {}

    class NoneReport:
        report = None

    class Other:
        pass

    for obj in (WithReport(), NoneReport(), Other(), Equal(), Fixed(values={"a": 1.0})):
        for protocol in (Reports, ChecksChildren):
            assert provides(obj, protocol) == isinstance(obj, protocol), (obj, protocol)
    assert provides(WithReport(), Reports) and not provides(Other(), Reports)
    assert provides(Fixed(values={"a": 1.0}), ChecksChildren) and not provides(Equal(), ChecksChildren)
