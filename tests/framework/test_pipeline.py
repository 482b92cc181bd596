"""End-to-end runs on a small data set whose expected scores are worked out by hand below.

Data (3 units × 2 years; z = u / v is derived; y is lower-is-better)::

    unit year   x   y   u  v  |  z
    P    2021  10   5   6  2  |  3
    Q    2021  20  15   8  4  |  2
    R    2021  30  10   4  4  |  1
    P    2022  20   5   9  3  |  3
    Q    2022  40  10  10  2  |  5
    R    2022  30  20   .  4  |  missing

Tree: index = 3/4 · s1 + 1/4 · z (fixed weights {s1 = 3, z = 1}); s1 = mean(x, y) (equal weights).
Min-max to [0, 100] per year; for y the oriented values −y are rescaled.

2021  x → P 0, Q 50, R 100;  y: −5, −15, −10 → P 100, Q 0, R 50;  z: 3, 2, 1 → P 100, Q 50, R 0
      s1 → P 50, Q 25, R 75;  index → P 62.5, Q 31.25, R 56.25  (ranks P 1, R 2, Q 3)
2022  x → P 0, Q 100, R 50;  y: −5, −10, −20 → P 100, Q 66.67, R 0;  z: 3, 5, − → P 0, Q 100, R missing
      s1 → P 50, Q 83.33, R 25;  index → P 37.5, Q 87.5, R 25 (z missing: s1's weight re-normalised to 1)
"""

from __future__ import annotations

import math

import attrs
import numpy as np

import pandas as pd
import pytest

import zhishu
from zhishu.pipeline import rank

from toy_index import table_config

DATA = """
unit,year,x,y,u,v
P,2021,10,5,6,2
Q,2021,20,15,8,4
R,2021,30,10,4,4
P,2022,20,5,9,3
Q,2022,40,10,10,2
R,2022,30,20,,4
"""

CONFIG = """
[index]
id = "hand"
{index_extra}

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.x]
direction = 1

[indicators.y]
direction = -1

[indicators.z]
direction = 1
formula = "u / v"

[nodes.index]
children = ["s1", "z"]
weights = {{ s1 = 3, z = 1 }}
{root_extra}

[nodes.s1]
children = ["x", "y"]

[normalisation]
{norm_extra}
"""


def run(write_config, index_extra="", root_extra="", norm_extra=""):
    path = write_config(CONFIG.format(index_extra=index_extra, root_extra=root_extra, norm_extra=norm_extra),
                        data__csv=DATA)
    return zhishu.run(path)


def col(result, item, year):
    return result.scores.xs(year, level="year")[item].to_dict()


def approx_dict(d):
    return {k: (pytest.approx(v) if not (isinstance(v, float) and math.isnan(v)) else v) for k, v in d.items()}


def test_scores_per_year_match_hand_computation(write_config):
    r = run(write_config)
    assert col(r, "x", 2021) == approx_dict({"P": 0.0, "Q": 50.0, "R": 100.0})
    assert col(r, "y", 2021) == approx_dict({"P": 100.0, "Q": 0.0, "R": 50.0})
    assert col(r, "z", 2021) == approx_dict({"P": 100.0, "Q": 50.0, "R": 0.0})
    assert col(r, "s1", 2021) == approx_dict({"P": 50.0, "Q": 25.0, "R": 75.0})
    assert col(r, "index", 2021) == approx_dict({"P": 62.5, "Q": 31.25, "R": 56.25})
    assert col(r, "y", 2022) == approx_dict({"P": 100.0, "Q": 200 / 3, "R": 0.0})
    assert col(r, "s1", 2022) == approx_dict({"P": 50.0, "Q": 250 / 3, "R": 25.0})
    assert col(r, "index", 2022) == approx_dict({"P": 37.5, "Q": 87.5, "R": 25.0})
    assert math.isnan(r.scores.loc[("R", 2022), "z"])


@pytest.mark.parametrize("shared", [False, True])
def test_scores_by_hand_whether_or_not_they_share_the_normalised_block(write_config, monkeypatch, shared):
    """Large frames (``SHARE_CELLS``, patched here to 0) hold the indicators' columns of ``scores`` as the
    normalised frame's own block: the same hand-computed scores, every tables() output equal to the small path's,
    and copy-on-write — a change to one frame leaves the other as it was."""
    import zhishu.pipeline as pipeline

    small = run(write_config)
    monkeypatch.setattr(pipeline, "SHARE_CELLS", 0 if shared else 2**62)
    r = run(write_config)
    assert col(r, "index", 2022) == approx_dict({"P": 37.5, "Q": 87.5, "R": 25.0})
    assert col(r, "y", 2022) == approx_dict({"P": 100.0, "Q": 200 / 3, "R": 0.0})
    assert list(r.scores.columns) == ["index", "s1", "x", "y", "z"]
    assert np.shares_memory(r.scores["x"].to_numpy(), r.normalised.to_numpy()) is shared
    pd.testing.assert_frame_equal(r.scores, small.scores)
    for name, table in small.tables().items():
        pd.testing.assert_frame_equal(r.tables()[name], table)
    before = r.normalised.copy()
    r.scores.loc[("P", 2021), "x"] = -1.0
    pd.testing.assert_frame_equal(r.normalised, before)
    r.normalised.loc[("Q", 2021), "y"] = -2.0
    assert r.scores.loc[("Q", 2021), "y"] == 0.0


def test_ranks_and_raw_values(write_config):
    r = run(write_config)
    assert r.ranks.xs(2021, level="year")["index"].to_dict() == {"P": 1, "Q": 3, "R": 2}
    assert r.ranks.xs(2022, level="year")["index"].to_dict() == {"P": 2, "Q": 1, "R": 3}
    assert r.ranks.loc[("R", 2022), "z"] is pd.NA  # missing stays missing (a nullable integer)
    assert r.raw.loc[("Q", 2022), "z"] == 5.0
    assert r.raw.loc[("P", 2021), "y"] == 5.0  # raw keeps the original orientation


def test_weights_table(write_config):
    w = run(write_config).weights_table()
    got = {(p, n): (round(a, 12), round(e, 12)) for p, n, a, e in w.itertuples(index=False)}
    assert got == {
        ("index", "s1"): (0.75, 0.75),
        ("s1", "x"): (0.5, 0.375),
        ("s1", "y"): (0.5, 0.375),
        ("index", "z"): (0.25, 0.25),
    }
    assert list(w["node"]) == ["s1", "x", "y", "z"]  # tree order


def test_min_share_makes_a_node_missing(write_config):
    # R 2022 has only s1 (weight 0.75) present: below min_share 0.8 the index is missing; others unaffected
    r = run(write_config, root_extra="min_share = 0.8")
    assert math.isnan(r.scores.loc[("R", 2022), "index"])
    assert r.scores.loc[("Q", 2022), "index"] == pytest.approx(87.5)
    assert r.ranks.loc[("R", 2022), "index"] is pd.NA
    r = run(write_config, root_extra="min_share = 0.75")  # exactly the share present: kept
    assert r.scores.loc[("R", 2022), "index"] == pytest.approx(25.0)


def test_reference_year_anchors_the_scale(write_config):
    # fitted on 2021 (x 10..30, −y −15..−5, z 1..3), applied to 2022:
    # x → P 50, Q 150, R 100; y → P 100, Q 50, R −50; z → P 100, Q 200; s1 → P 75, Q 100, R 25
    # index → P 0.75·75 + 0.25·100 = 81.25; Q 75 + 50 = 125; R 25
    r = run(write_config, norm_extra="reference_year = 2021")
    assert col(r, "x", 2022) == approx_dict({"P": 50.0, "Q": 150.0, "R": 100.0})
    assert col(r, "y", 2022) == approx_dict({"P": 100.0, "Q": 50.0, "R": -50.0})
    assert col(r, "index", 2022) == approx_dict({"P": 81.25, "Q": 125.0, "R": 25.0})
    assert col(r, "index", 2021) == approx_dict({"P": 62.5, "Q": 31.25, "R": 56.25})  # unchanged


def test_years_selection(write_config):
    r = run(write_config, index_extra="years = [2022]")
    assert sorted(set(r.scores.index.get_level_values("year"))) == [2022]
    with pytest.raises(zhishu.DataError, match=r"no source has data for year\(s\) \[2030\]"):
        run(write_config, index_extra="years = [2022, 2030]")


def test_per_indicator_normaliser_and_geometric_node(write_config):
    # x by z-score (sample sd): 2021 x = 10, 20, 30 → mean 20, sd 10 → −1, 0, 1 (mean 0, sd 1)
    path = write_config(
        CONFIG.format(index_extra="", root_extra="", norm_extra="")
        .replace("[indicators.x]\ndirection = 1", '[indicators.x]\ndirection = 1\nnormaliser = "zscore"'),
        data__csv=DATA,
    )
    r = zhishu.run(path)
    assert col(r, "x", 2021) == approx_dict({"P": -1.0, "Q": 0.0, "R": 1.0})
    assert r.plan.indicators["x"].normaliser.name == "zscore"
    assert r.plan.indicators["y"].normaliser.name == "minmax"


def test_geometric_aggregator_error_names_unit_year_and_child(write_config):
    # min-max gives 0 for the worst unit, which the geometric mean cannot take; the root's aggregator is
    # inherited by s1, so the first node to fail is s1 (children x, y)
    with pytest.raises(zhishu.DataError) as info:
        run(write_config, root_extra='aggregator = "geometric"')
    message = str(info.value)
    assert message.startswith("4 problems in the input data:")  # x: P 2021 and P 2022; y: Q 2021, R 2022
    assert "x = 0 at unit 'P', year 2021; the geometric mean needs values > 0" in message
    assert "y = 0 at unit 'Q', year 2021" in message and "y = 0 at unit 'R', year 2022" in message


def test_geometric_aggregator_values_by_hand(write_config):
    # min-max to [1, 100]; 2021: x' = P 1, Q 50.5, R 100; y' = P 100, Q 1, R 50.5; z' = P 100, Q 50.5, R 1.
    # The root's geometric aggregator is inherited by s1: s1 = sqrt(x' · y'); index = s1^0.75 · z'^0.25
    r = run(write_config, root_extra='aggregator = "geometric"',
            norm_extra='default = { method = "minmax", params = { low = 1, high = 100 } }')
    s1 = {"P": math.sqrt(1 * 100), "Q": math.sqrt(50.5 * 1), "R": math.sqrt(100 * 50.5)}
    assert col(r, "s1", 2021) == approx_dict(s1)
    expected = {"P": s1["P"] ** 0.75 * 100 ** 0.25, "Q": s1["Q"] ** 0.75 * 50.5 ** 0.25, "R": s1["R"] ** 0.75}
    assert col(r, "index", 2021) == approx_dict(expected)


def test_inputs_are_not_mutated_and_frames_are_float(write_config):
    r = run(write_config)
    for frame in (r.raw, r.data, r.normalised, r.scores):
        assert all(str(t) == "float64" for t in frame.dtypes)
    assert list(r.scores.columns) == ["index", "s1", "x", "y", "z"]
    assert list(r.scores.index.names) == ["unit", "year"]


def test_rank_ties_share_the_best_rank_and_missing_stays_missing():
    idx = pd.MultiIndex.from_tuples(
        [("a", 2020), ("b", 2020), ("c", 2020), ("d", 2020), ("a", 2021), ("b", 2021)], names=["unit", "year"]
    )
    scores = pd.DataFrame({"s": [5.0, 9.0, 5.0, float("nan"), 1.0, 2.0]}, index=idx)
    ranks = rank(scores)["s"]
    assert ranks.loc[("b", 2020)] == 1 and ranks.loc[("a", 2020)] == 2 and ranks.loc[("c", 2020)] == 2
    assert math.isnan(ranks.loc[("d", 2020)])
    assert ranks.loc[("b", 2021)] == 1 and ranks.loc[("a", 2021)] == 2  # ranked within each year


def test_lifecycle_hooks_are_called_in_order(write_config):
    from zhishu import Hooks, get_plugin_manager, hookimpl
    from zhishu.config import load_config

    calls = []

    class Recorder:
        @hookimpl
        def before_run(self, config):
            calls.append(("before_run", config.root))

        @hookimpl
        def after_step(self, step, frame, config):
            calls.append(("after_step", step))

        @hookimpl
        def after_run(self, result):
            calls.append(("after_run", result.root))

        @hookimpl
        def on_error(self, error, step, config):
            calls.append(("on_error", step, type(error).__name__))

    pm = get_plugin_manager()
    pm.register(Recorder(), name="recorder")
    path = write_config(CONFIG.format(index_extra="", root_extra="", norm_extra=""), data__csv=DATA)
    zhishu.run_config(load_config(path, hooks=Hooks(pm)))
    assert calls == [
        ("before_run", "index"),
        *[("after_step", s) for s in ("load", "derive", "impute", "treat", "normalise", "aggregate", "rank")],
        ("after_run", "index"),
    ]
    calls.clear()
    (path.parent / "data.csv").write_text(DATA.replace("R,2021,30,10,4,4", "R,2021,thirty,10,4,4"))
    with pytest.raises(zhishu.DataError):
        zhishu.run_config(load_config(path, hooks=Hooks(pm)))
    assert calls[-1] == ("on_error", "load", "DataError")  # reported, then re-raised: never swallowed


def test_imputation_sees_years_outside_the_selection(write_config):
    # R's z is missing in 2022 (u is missing); last observation carried forward takes R's 2021 value,
    # z = 4 / 4 = 1, although only 2022 is computed
    r = run(write_config, index_extra='years = [2022]\n\n[imputation]\ndefault = "locf"')
    assert r.data.loc[("R", 2022), "z"] == 1.0
    assert math.isnan(r.raw.loc[("R", 2022), "z"])
    assert r.flags.loc[("R", 2022), "z"] == "imputed"
    assert sorted(set(r.scores.index.get_level_values("year"))) == [2022]


def test_units_below_min_share_take_no_part_in_copeland(write_config):
    # 2022: R has only s1 (share 0.75 < 0.8), so it is missing and must not be compared with P and Q.
    # P vs Q: s1 50 vs 83.3 (weight 0.75) and z 0 vs 100 (0.25): Q beats P → Q +1, P −1, whatever R's values.
    text = CONFIG.format(index_extra="", root_extra='min_share = 0.8\naggregator = "copeland"', norm_extra="")
    text = text.replace('[nodes.s1]\nchildren = ["x", "y"]', '[nodes.s1]\nchildren = ["x", "y"]\naggregator = "arithmetic"')
    r = zhishu.run(write_config(text, data__csv=DATA))
    got = r.scores.xs(2022, level="year")["index"]
    assert got["Q"] == 1.0 and got["P"] == -1.0 and math.isnan(got["R"])


class _GivenWeights:
    """A weighting plugin that returns whatever Series the test puts in ``RETURNED``."""

    RETURNED: dict = {}

    @zhishu.hookimpl
    def register_weightings(self, register):
        outer = self

        @attrs.define(kw_only=True)
        class Given:
            def weights(self, X, specs=None):
                return outer.RETURNED["w"]

        register("given", Given)


WEIGHTS_CONFIG = table_config({"a": 1, "b": 1}, """
[nodes.index]
children = ["a", "b"]
weighting = "given"
""", index_id="w")


def _run_with_weights(write_config, w):
    pm = zhishu.get_plugin_manager(entry_points=False)
    plugin = _GivenWeights()
    plugin.RETURNED = {"w": w}
    pm.register(plugin, name="test_given")
    path = write_config(WEIGHTS_CONFIG, data__csv="unit,year,a,b\nP,2021,0,4\nQ,2021,10,0\n")
    return zhishu.run_config(zhishu.load_config(path, hooks=zhishu.Hooks(pm)))


@pytest.mark.parametrize("w", [pd.Series({"a": 0.25, "b": 0.75}), pd.Series({"b": 0.75, "a": 0.25}),
                               pd.Series({"b": 3, "a": 1}) / 4, pd.Series({"a": 0.25, "b": 0.75}, dtype="Float64")])
def test_weights_in_any_order_and_float_type_are_matched_by_label(write_config, w):
    # min-max: P has a = 0, b = 100; Q has a = 100, b = 0 → P 0.25·0 + 0.75·100 = 75, Q 25
    result = _run_with_weights(write_config, w)
    assert result.scores["index"].tolist() == [75.0, 25.0]
    assert result.weights.set_index("node")["weight"].to_dict() == {"a": 0.25, "b": 0.75}


@pytest.mark.parametrize("w, message", [
    (pd.Series({"a": 0.5, "c": 0.5}), "must return a Series indexed by the node's children ['a', 'b']"),
    (pd.Series({"a": 0.5, "b": 0.25, "c": 0.25}), "must return a Series indexed by the node's children"),
    (pd.Series({"a": 0.5, "a2": 0.5}).set_axis(["a", "a"]), "must return a Series indexed by the node's children"),
    ([0.5, 0.5], "must return a Series indexed by the node's children"),
    (pd.Series({"a": 0.5, "b": 0.6}), "not finite, non-negative and summing to 1: {'a': 0.5, 'b': 0.6}"),
    (pd.Series({"a": 1.5, "b": -0.5}), "not finite, non-negative and summing to 1"),
    (pd.Series({"a": np.nan, "b": 1.0}), "not finite, non-negative and summing to 1"),
])
def test_bad_weights_are_a_plugin_error_naming_the_node(write_config, w, message):
    with pytest.raises(zhishu.PluginError) as info:
        _run_with_weights(write_config, w)
    assert "weighting 'given'" in str(info.value) and "at node 'index'" in str(info.value)
    assert message in str(info.value)


def test_scores_table_levels_by_hand(write_config):
    """scores.csv's level column, row by row: index 0, s1 1, x and y 2 (under s1), z 1 (under the root)."""
    table = run(write_config).scores_table()
    by_hand = {"index": 0, "s1": 1, "x": 2, "y": 2, "z": 1}
    assert table["level"].tolist() == [by_hand[node] for node in table["node"]]
    assert table["level"].dtype == np.int64 and list(table["node"].drop_duplicates()) == list(by_hand)


@pytest.mark.parametrize("min_share", [0.0, 0.5, 1.0])
def test_equal_arithmetic_fast_path_is_the_methods_bit_for_bit(min_share):
    """aggregate's array path for the built-in equal weighting + arithmetic mean gives exactly what the methods'
    own hooks give (frame in, Series out), then the missing-children rule: same bits, NaN in the same cells."""
    from zhishu.default_plugins.aggregators import Arithmetic
    from zhishu.default_plugins.weightings import Equal
    from zhishu.pipeline import TOLERANCE, _equal_arithmetic_scores, _equal_weights, _share_kept

    rng = np.random.default_rng(7)
    values = rng.uniform(0, 100, (40, 5))
    values[rng.uniform(size=values.shape) < 0.3] = np.nan
    values[3] = np.nan  # a row with no child present
    X = pd.DataFrame(values, columns=list("abcde"))
    w = Equal().weights(X)
    expected = Arithmetic().aggregate(X, w).to_numpy()
    share = (~np.isnan(values)) @ w.to_numpy()
    expected = np.where((share > 0) & (share >= min_share - TOLERANCE), expected, np.nan)
    assert np.array_equal(_equal_weights(5), w.to_numpy())
    keep = _share_kept(values, _equal_weights(5), min_share)
    got = np.where(keep, _equal_arithmetic_scores(values, _equal_weights(5)), np.nan)
    assert np.isnan(got[3]) and np.array_equal(np.isnan(got), np.isnan(expected))
    assert got.tobytes() == expected.tobytes()
