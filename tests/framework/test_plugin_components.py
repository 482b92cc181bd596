"""Components contributed by plugins through each registration hook, used from configs.

A plugin here is a class instance registered on a fresh plugin manager — the same hooks an installed plugin
implements — so nothing leaks between tests.
"""

from __future__ import annotations

import math

import attrs
import pandas as pd
import pytest

import zhishu
from zhishu import ConfigError, Hooks, IndicatorSpec, Issue, MethodSpec, SubIndexSpec, get_plugin_manager, hookimpl
from zhishu.config import load_config

DATA = "unit,year,pop,area,a,b\nP,2021,10,2,1,4\nQ,2021,30,3,2,2\nR,2021,20,5,,3\n"


class Domain:
    """A domain plugin: an indicator with a formula constant and a sub-index with default methods."""

    @hookimpl
    def register_indicators(self, register):
        register("density", IndicatorSpec(id="density", name_en="Density", unit="per km²", direction=1,
                                          formula="pop / area * k", params={"k": 1.0}))

    @hookimpl
    def register_subindices(self, register):
        register("people", SubIndexSpec(id="people", name_zh="人口", children=("density", "a"),
                                        weights={"density": 3, "a": 1}))


@attrs.define(kw_only=True)
class FillWith:
    value: float = 0.0

    def impute(self, X, context):
        return X.fillna(self.value)


@attrs.define(kw_only=True)
class CapAt:
    cap: float

    def treat(self, X, context):
        return X.clip(upper=self.cap)


class Methods:
    @hookimpl
    def register_imputers(self, register):
        register("fill", FillWith)

    @hookimpl
    def register_treatments(self, register):
        register("cap", CapAt)


@attrs.define(kw_only=True)
class Constant:
    """A source plugin that needs no file: every unit gets the same values."""

    units: tuple[str, ...]
    year: int
    values: dict[str, float]

    def load(self, context):
        index = pd.MultiIndex.from_product([list(self.units), [self.year]], names=["unit", "year"])
        return pd.DataFrame({k: [v] * len(index) for k, v in self.values.items()}, index=index, dtype="float64")


class Constants:
    @hookimpl
    def register_sources(self, register):
        register("constant", Constant)


class Checker:
    """A validate_config plugin: every index must have a Chinese name."""

    @hookimpl
    def validate_config(self, config, registries):
        if not config.config.index.name_zh:
            return [Issue("this organisation requires a Chinese name (name_zh)", "index.name_zh")]
        return None


def hooks_with(*plugins):
    pm = get_plugin_manager(entry_points=False)
    for plugin in plugins:
        pm.register(plugin, name="test_" + type(plugin).__name__.lower())
    return Hooks(pm)


BASE = """
[index]
id = "t"
{index}

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.a]
direction = 1

{extra}

[nodes.index]
children = {children}
{root}
"""


def config(write_config, children='["people"]', extra="", root="", index=""):
    return write_config(BASE.format(children=children, extra=extra, root=root, index=index), data__csv=DATA)


def test_registered_indicator_and_subindex_are_used_by_name(write_config):
    plan = load_config(config(write_config), hooks=hooks_with(Domain()))
    assert plan.indicators["density"].origin == "test_domain"
    assert plan.nodes["people"].origin == "test_domain"
    assert plan.nodes["people"].name_zh == "人口"
    result = zhishu.run_config(plan)
    # density = pop / area: P 5, Q 10, R 4 → min-max 1/6·100, 100, 0; a: P 1, Q 2, R missing → 0, 100, missing
    # people = (3·density + 1·a) / 4, R re-normalised to density alone
    people = result.scores.xs(2021, level="year")["people"]
    assert people["P"] == pytest.approx((3 * 100 / 6 + 0) / 4)
    assert people["Q"] == pytest.approx(100.0)
    assert people["R"] == pytest.approx(0.0)
    assert result.weights_table().set_index("node").loc["density", "weight"] == pytest.approx(0.75)


def test_plugin_indicator_constants_and_normaliser_can_be_overridden(write_config):
    extra = '[indicators.density]\nparams = { k = 1000 }\nnormaliser = "zscore"'
    plan = load_config(config(write_config, extra=extra), hooks=hooks_with(Domain()))
    assert plan.indicators["density"].spec.params == {"k": 1000.0}
    result = zhishu.run_config(plan)
    assert result.raw.loc[("P", 2021), "density"] == 5000.0
    # z-score of 5, 10, 4 (×1000 cancels): mean 19/3, sample sd sqrt(((5-19/3)²+(10-19/3)²+(4-19/3)²)/2)
    mean = 19 / 3
    sd = math.sqrt(((5 - mean) ** 2 + (10 - mean) ** 2 + (4 - mean) ** 2) / 2)
    assert result.normalised.loc[("Q", 2021), "density"] == pytest.approx((10 - mean) / sd)


def test_plugin_indicator_cannot_be_redefined_in_the_config(write_config):
    extra = '[indicators.density]\ndirection = -1\nparams = { kk = 2 }'
    with pytest.raises(ConfigError) as info:
        load_config(config(write_config, extra=extra), hooks=hooks_with(Domain()))
    assert [i.format().split(": ", 1)[1] for i in info.value.issues] == [
        "indicators.density: indicator 'density' is registered by plugin 'test_domain', so only params, source, "
        "denominator, denominator_scale, normaliser, transform, imputer, outliers can be set here, not direction; "
        "to define your own indicator, give it another id",
    ]
    extra = '[indicators.density]\nparams = { kk = 2 }'
    with pytest.raises(ConfigError) as info:
        load_config(config(write_config, extra=extra), hooks=hooks_with(Domain()))
    assert info.value.issues[0].format().split(": ", 1)[1] == (
        "indicators.density.params.kk: unknown constant of indicator 'density' 'kk': did you mean 'k'?; "
        "available: k"
    )


def test_config_node_overrides_a_subindex(write_config):
    extra = '[nodes.people]\nweighting = "equal"\naggregator = "geometric"'
    plan = load_config(config(write_config, extra=extra), hooks=hooks_with(Domain()))
    assert plan.nodes["people"].children == ("density", "a")  # from the plugin
    assert plan.nodes["people"].weighting.name == "equal"
    assert plan.nodes["people"].aggregator.name == "geometric"


def test_subindex_without_plugin_is_unknown(write_config):
    with pytest.raises(ConfigError, match=r"unknown child \(node or indicator\) 'people'"):
        load_config(config(write_config), hooks=hooks_with())


def test_imputer_and_treatment_plugins_are_applied_and_flagged(write_config):
    extra = ('[imputation]\ndefault = { method = "fill", params = { value = 7 } }\n\n'
             '[outliers]\ndefault = { method = "cap", params = { cap = 3.5 } }')
    path = config(write_config, children='["a", "b"]', extra=extra + '\n[indicators.b]\ndirection = 1')
    result = zhishu.run_config(load_config(path, hooks=hooks_with(Methods())))
    assert math.isnan(result.raw.loc[("R", 2021), "a"])  # raw keeps what the source said
    assert result.data.loc[("R", 2021), "a"] == 3.5  # imputed 7, then capped at 3.5
    assert result.data.loc[("P", 2021), "b"] == 3.5  # 4 capped
    assert result.flags.loc[("R", 2021), "a"] == "treated"
    assert result.flags.loc[("P", 2021), "b"] == "treated"
    assert result.flags.loc[("Q", 2021), "a"] == ""
    assert result.manifest["resolved_config"]["imputation"] == {"method": "fill", "plugin": "test_methods",
                                                               "params": {"value": 7.0}}


def test_imputed_cells_are_flagged(write_config):
    path = config(write_config, children='["a"]', extra='[imputation]\ndefault = "fill"')
    result = zhishu.run_config(load_config(path, hooks=hooks_with(Methods())))
    assert result.flags["a"].tolist() == ["", "", "imputed"]
    assert result.data["a"].tolist() == [1.0, 2.0, 0.0]


def test_source_plugin(write_config):
    text = """
    [index]
    id = "t"

    [sources.k]
    plugin = "constant"
    params = { units = ["X", "Y"], year = 2020, values = { v = 2.5 } }

    [indicators.v]
    direction = 1

    [nodes.index]
    children = ["v"]
    """
    result = zhishu.run_config(load_config(write_config(text), hooks=hooks_with(Constants())))
    assert result.raw["v"].tolist() == [2.5, 2.5]
    assert result.normalised["v"].tolist() == [50.0, 50.0]  # max = min: the midpoint of [0, 100]


def test_validate_config_issues_are_reported_with_their_path(write_config):
    hooks = hooks_with(Domain(), Checker())
    with pytest.raises(ConfigError) as info:
        load_config(config(write_config), hooks=hooks)
    (issue,) = info.value.issues
    assert issue.path == "index.name_zh"
    assert issue.message == "this organisation requires a Chinese name (name_zh)"
    load_config(config(write_config, index='name_zh = "测试"'), hooks=hooks)  # passes


def test_method_spec_shorthand_is_equivalent():
    assert MethodSpec(method="minmax") == MethodSpec(method="minmax", params={})


@attrs.define(kw_only=True, slots=False)
class Square:
    """A pre-transform that squares the values (fitted state recorded to prove fit is called)."""

    def fit(self, X, specs):
        self.fitted_rows_ = len(X)
        return self

    def transform(self, X):
        return X**2


class Transforms:
    @hookimpl
    def register_transforms(self, register):
        register("square", Square)


def test_pre_transform_then_normalise(write_config):
    # b = 4, 2, 3 squared → 16, 4, 9; min-max → P 100, Q 0, R 5/12·100. a is not transformed: 1, 2, missing
    extra = '[indicators.b]\ndirection = 1\ntransform = "square"'
    path = config(write_config, children='["a", "b"]', extra=extra)
    result = zhishu.run_config(load_config(path, hooks=hooks_with(Transforms())))
    assert result.normalised["b"].tolist() == pytest.approx([100.0, 0.0, 500 / 12])
    assert result.normalised["a"].tolist()[:2] == [0.0, 100.0]
    assert result.raw["b"].tolist() == [4.0, 2.0, 3.0]  # raw values stay raw
    assert result.flags["b"].tolist() == ["", "", ""]  # a pre-transform is part of normalisation, not a treatment


def test_default_pre_transform_applies_before_orientation(write_config):
    # direction −1 on the squared values: 16, 4, 9 → oriented −16, −4, −9 → P 0, Q 100, R 7/12·100
    extra = '[indicators.b]\ndirection = -1\n\n[normalisation]\ntransform = "square"'
    path = config(write_config, children='["a", "b"]', extra=extra)
    result = zhishu.run_config(load_config(path, hooks=hooks_with(Transforms())))
    assert result.normalised["b"].tolist() == pytest.approx([0.0, 100.0, 700 / 12])


def test_denominator(write_config):
    # b per area, × 10: 4/2·10, 2/3·10, 3/5·10
    extra = '[indicators.b]\ndirection = 1\ndenominator = "area"\ndenominator_scale = 10'
    path = config(write_config, children='["a", "b"]', extra=extra)
    result = zhishu.run_config(load_config(path, hooks=hooks_with()))
    assert result.raw["b"].tolist() == pytest.approx([4 / 2 * 10, 2 / 3 * 10, 3 / 5 * 10])
    assert result.manifest["resolved_config"]["indicators"]["b"]["denominator"] == "area"


class Places:
    @hookimpl
    def register_unit_sets(self, register):
        register("places", zhishu.UnitSet(id="places", units=[
            zhishu.UnitSpec(id="P", name="Pe", aliases=["P-town", "ＰＰ"], groups={"zone": "north"}),
            zhishu.UnitSpec(id="Q", name="Qu", groups={"zone": "south"}),
            zhishu.UnitSpec(id="R", name="Ar", groups={"zone": "south"}),
        ]))


@attrs.define(kw_only=True)
class TopOne:
    """An analysis: the best unit of each year for one node."""

    node: str = "index"

    def run(self, result):
        best = result.scores[self.node].groupby(level="year").idxmax()
        return pd.DataFrame({"year": best.index, "unit": [u for u, _ in best]})


class Analyses:
    @hookimpl
    def register_analyses(self, register):
        register("top_one", TopOne)


def test_unit_set_matches_names_aliases_and_full_width_labels(write_config):
    text = BASE.format(children='["a"]', extra="", root="", index='unit_set = "places"')
    text = text.replace('[sources.main]', '[[units]]\nid = "R"\naliases = ["Are"]\ngroups = { coast = "yes" }\n\n'
                                          '[sources.main]')
    # "ＰＰ " (full-width, trailing space) matches the alias "ＰＰ" after NFKC and stripping; "Qu" is Q's name;
    # "Are" is an alias added by [[units]]
    path = write_config(text, data__csv="unit,year,a\nＰＰ ,2021,1\nQu,2021,2\nAre,2021,3\n")
    result = zhishu.run_config(load_config(path, hooks=hooks_with(Places())))
    assert list(result.units.index) == ["P", "Q", "R"]
    assert result.units.loc["R", "zone"] == "south" and result.units.loc["R", "coast"] == "yes"  # merged
    assert result.raw["a"].tolist() == [1.0, 2.0, 3.0]


def test_unknown_unit_set(write_config):
    text = BASE.format(children='["a"]', extra="", root="", index='unit_set = "placez"')
    with pytest.raises(ConfigError, match="index.unit_set: unknown unit set 'placez': did you mean 'places'"):
        load_config(write_config(text, data__csv=DATA), hooks=hooks_with(Places()))


def test_analysis_plugin_output_is_written(write_config, tmp_path):
    from zhishu.outputs import write_result

    extra = '[analyses.best]\nplugin = "top_one"\nparams = { node = "a" }'
    path = config(write_config, children='["a"]', extra=extra)
    result = zhishu.run_config(load_config(path, hooks=hooks_with(Analyses())))
    assert result.analyses["best"].to_dict("records") == [{"year": 2021, "unit": "Q"}]
    written = write_result(result, tmp_path / "out")
    assert (tmp_path / "out" / "analysis-best.csv").read_text() == "year,unit\n2021,Q\n"
    assert [p.name for p in written][-1] == "manifest.json"
    with pytest.raises(ConfigError, match=r"analyses.best.params.nod: unknown key: did you mean 'node'"):
        load_config(config(write_config, children='["a"]', extra=extra.replace("node =", "nod =")),
                    hooks=hooks_with(Analyses()))
