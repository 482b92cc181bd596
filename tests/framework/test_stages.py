"""The stage table: one declared sequence load → match → derive → select → impute → treat → normalise, run as far
as asked, resumable with another plan, and the one thing run_config, validate and the sensitivity engine run."""

from __future__ import annotations

import warnings

import attrs
import numpy as np
import pandas as pd
import pytest

import zhishu
import zhishu.pipeline  # the test compares the two modules' tables (zhishu's submodules load lazily)
import zhishu.stages
from zhishu import STAGE_NAMES, Stages, run_stages
from zhishu.config import load_config
from zhishu.config.resolve import resolve_method

DATA = "unit,year,a,b\nP,2021,1,40\nQ,2021,,20\nR,2021,3,30\nP,2022,2,10\nQ,2022,4,20\nR,2022,6,\n"
CONFIG = """
[index]
id = "t"
years = [2022]

[sources.main]
plugin = "table"
params = { path = "data.csv" }

[imputation]
default = { method = "mean", params = { by = "all" } }

[indicators.a]
direction = 1

[indicators.b]
direction = -1

[nodes.index]
children = ["a", "b"]
"""


@pytest.fixture
def plan(write_config):
    return load_config(write_config(CONFIG, data__csv=DATA))


def test_the_table_in_order():
    assert STAGE_NAMES == ("load", "match", "derive", "select", "screen", "impute", "treat", "normalise")
    assert zhishu.pipeline.STAGES is zhishu.stages.STAGES


def test_run_to_derive_stops_there(plan):
    s = run_stages(plan, until="derive")
    assert isinstance(s, Stages) and s.done == ("load", "match", "derive") and s.until == "derive"
    assert s.unit_ids == ("P", "Q", "R")
    assert sorted(set(s.derived.index.get_level_values("year"))) == [2021, 2022]  # every year, before select
    assert s.raw is None and s.imputed is None and s.normalised is None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        s.raw = s.derived


def test_run_to_normalise_by_hand(plan):
    s = run_stages(plan)
    assert s.done == STAGE_NAMES
    assert list(s.raw.index.get_level_values("year").unique()) == [2022]
    # the imputer sees every year (derive comes before select): R's b in 2022 is the mean of b over all the
    # rows it is given, (40 + 20 + 30 + 10 + 20) / 5 = 24
    assert np.isnan(s.raw.loc[("R", 2022), "b"])
    assert s.imputed.loc[("R", 2022), "b"] == 24.0
    assert s.flags.loc[("R", 2022), "b"] == "imputed"
    # min-max per year: a = 2, 4, 6 → 0, 50, 100; b oriented (× -1): -10, -20, -24 → 100, 4/14 · 100, 0
    assert s.normalised["a"].tolist() == [0.0, 50.0, 100.0]
    assert s.normalised["b"].tolist() == pytest.approx([100.0, 400 / 14, 0.0])
    assert s.units.loc["P", "name"] == "P"


def test_run_config_is_built_on_the_stage_table(plan):
    s = run_stages(plan)
    result = zhishu.run_config(plan)
    pd.testing.assert_frame_equal(result.normalised, s.normalised)
    pd.testing.assert_frame_equal(result.raw, s.raw)
    pd.testing.assert_frame_equal(result.flags, s.flags)


def test_resume_with_another_plan_reuses_the_data(plan):
    base = run_stages(plan, "select")
    zscore = resolve_method(plan.hooks.registries, "normalisers", "zscore", "test")
    other = attrs.evolve(plan, indicators={i: attrs.evolve(ind, normaliser=zscore)
                                           for i, ind in plan.indicators.items()})
    resumed = run_stages(other, resume=base)
    assert resumed.done == STAGE_NAMES and resumed.plan is other
    assert resumed.sources is base.sources  # not loaded again
    direct = run_stages(other)
    pd.testing.assert_frame_equal(resumed.normalised, direct.normalised)
    assert resumed.normalised["a"].mean() == pytest.approx(0.0)


def test_callbacks_see_each_step(plan):
    started, reported = [], []
    run_stages(plan, on_start=started.append, after_step=lambda step, frame: reported.append(step))
    assert started == ["load", "load", "derive", "derive", "derive", "impute", "treat", "normalise"]
    assert reported == ["load", "derive", "impute", "treat", "normalise"]


def test_unknown_stage(plan):
    with pytest.raises(ValueError, match="unknown stage 'aggregate'; stages: load, match"):
        run_stages(plan, until="aggregate")


def test_reference_year_without_data_is_checked_once_in_the_table(write_config):
    text = CONFIG.replace("years = [2022]", "years = [2021, 2022]").replace(
        "[imputation]", "[normalisation]\nreference_year = 2021\n\n[imputation]")
    plan = load_config(write_config(text, data__csv=DATA))
    run_stages(plan)  # 2021 has data
    import importlib
    import inspect

    modules = [importlib.import_module(f"zhishu.{m}") for m in ("pipeline", "sensitivity.engine", "stages",
                                                                 "cli.validate")]
    sources = [inspect.getsource(m) for m in modules]
    assert sum(src.count("has no data") for src in sources) == 1


def test_a_screening_stage_slots_in_as_a_table_entry(plan):
    """A unit-coverage screen after select: drop units with any missing raw value (here Q in 2021 — but only
    2022 is selected, where R lacks b), then impute, treat and normalise run on the units kept."""

    def screen(plan, s):
        keep = s.raw.notna().all(axis=1).groupby(level="unit").all()
        units = tuple(u for u in s.unit_ids if keep.get(u, False))
        rows = lambda frame: frame[frame.index.get_level_values("unit").isin(units)]  # noqa: E731
        return {"unit_ids": units, "units": s.units.loc[list(units)], "derived": rows(s.derived), "raw": rows(s.raw)}

    table = zhishu.with_stage(zhishu.STAGES, zhishu.Stage("complete", "derive", screen), after="select")
    assert [st.name for st in table] == ["load", "match", "derive", "select", "complete", "screen", "impute",
                                         "treat", "normalise"]
    s = run_stages(plan, stages=table)
    assert s.unit_ids == ("P", "Q") and s.done[4] == "complete"
    # min-max of a over P and Q in 2022 (2, 4) → 0, 100
    assert s.normalised["a"].tolist() == [0.0, 100.0]
    with pytest.raises(ValueError, match="already has a stage 'complete'"):
        zhishu.with_stage(table, zhishu.Stage("complete", "derive", screen), after="load")
    with pytest.raises(ValueError, match="no stage 'aggregate' to insert"):
        zhishu.with_stage(zhishu.STAGES, zhishu.Stage("x", "x", screen), after="aggregate")


def test_cell_flags_by_hand():
    """imputed: missing raw, then filled; treated: changed by treatment (wins over imputed); else ""."""
    from zhishu.stages import cell_flags

    index = pd.MultiIndex.from_tuples([("P", 2021), ("Q", 2021), ("R", 2021)], names=["unit", "year"])
    nan = np.nan
    raw = pd.DataFrame({"a": [nan, 1.0, nan], "b": [2.0, nan, 5.0]}, index=index)
    imputed = pd.DataFrame({"a": [3.0, 1.0, nan], "b": [2.0, 4.0, 5.0]}, index=index)
    treated = pd.DataFrame({"a": [3.0, 0.5, nan], "b": [2.0, 9.0, 5.0]}, index=index)
    expected = pd.DataFrame({"a": ["imputed", "treated", ""], "b": ["", "treated", ""]}, index=index)
    flags = cell_flags(raw, imputed, treated)
    pd.testing.assert_frame_equal(flags, expected)
    assert str(flags.dtypes.iloc[0]) == str(pd.DataFrame({"x": [""]}).dtypes.iloc[0])  # pandas' default text
    # frames in another row order are aligned by label, as pandas does
    shuffled = cell_flags(raw, imputed.iloc[::-1], treated.iloc[::-1])
    pd.testing.assert_frame_equal(shuffled, expected)


def test_cell_flags_equal_pandas_masks_and_share_nothing_mutable():
    """The flags built from codes and shared Arrow arrays equal pandas' own masks (computed here on frames of
    text); a run that imputes and treats nothing (the stages hand on their input) flags nothing, and a change
    to one column of the flags leaves the others as they were."""
    from zhishu.stages import cell_flags

    rng = np.random.default_rng(5)
    index = pd.MultiIndex.from_arrays([[f"u{i}" for i in range(30)], [2021] * 30], names=["unit", "year"])
    raw = pd.DataFrame(rng.integers(0, 4, (30, 6)).astype(float), index=index, columns=list("abcdef"))
    raw = raw.mask(rng.random(raw.shape) < 0.3)
    imputed = raw.fillna(9.0).assign(f=raw["f"])  # f: nothing imputed
    treated = imputed.clip(upper=2.0).assign(e=imputed["e"], f=imputed["f"])  # e, f: not treated
    expected = pd.DataFrame("", index=index, columns=raw.columns)
    expected = expected.mask(raw.isna() & imputed.notna(), "imputed").mask(imputed.notna() & (treated != imputed),
                                                                            "treated")
    pd.testing.assert_frame_equal(cell_flags(raw, imputed, treated), expected)
    none = cell_flags(raw, raw, raw)
    pd.testing.assert_frame_equal(none, pd.DataFrame("", index=index, columns=raw.columns))
    none.loc[("u0", 2021), "a"] = "imputed"
    assert none["a"].tolist()[:2] == ["imputed", ""] and set(none["b"]) == {""}


def test_plain_variables_of_one_source_are_its_columns_shared_not_copied(tmp_path):
    """When every indicator is a plain variable of one float source already on the (unit, year) grid, the
    derived frame is the source's own columns (renamed to the indicators, on the grid index), shared
    copy-on-write: the values read independently by pandas, and a change to ``raw`` leaves the source as it was."""
    from toy_index import TOY_DATA, table_config

    lines = TOY_DATA.strip().splitlines()
    rows = sorted(lines[1:], key=lambda line: line.split(",")[0])  # unit by unit: the rows are the grid
    (tmp_path / "data.csv").write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    config = table_config({"a": 1, "b": -1, "c": 1}, """
    [nodes.index]
    children = ["a", "b", "c"]
    """)
    (tmp_path / "c.toml").write_text(config, encoding="utf-8")
    stages = zhishu.run_stages(zhishu.load_config(tmp_path / "c.toml"), "derive")
    source = stages.sources["main"]
    expected = pd.read_csv(tmp_path / "data.csv").set_index(["unit", "year"])[["a", "b", "c"]].astype("float64")
    pd.testing.assert_frame_equal(stages.derived, expected, check_index_type=False)
    assert np.shares_memory(stages.derived["a"].to_numpy(), source["a"].to_numpy())
    assert stages.derived.index.levels[0].dtype == object  # the grid's index, not the source's
    before = source.copy()
    stages.derived.iloc[0, 0] = -99.0
    pd.testing.assert_frame_equal(source, before)


def test_denominators_divide_cell_by_cell_and_a_zero_or_missing_denominator_is_missing(tmp_path):
    """``denominator`` (per capita, per GDP …) by hand: 6/3·100 = 200, 1/4·100 = 25; a denominator of 0 or a
    missing one leaves the cell missing (no inf, no warning)."""
    (tmp_path / "d.csv").write_text("unit,year,x,pop\nP,2021,6,3\nQ,2021,5,0\nR,2021,7,\nS,2021,1,4\n")
    (tmp_path / "c.toml").write_text(
        '[index]\nid = "t"\n[sources.main]\nplugin = "table"\nparams = { path = "d.csv" }\n'
        '[indicators.x]\ndirection = 1\ndenominator = "pop"\ndenominator_scale = 100\n'
        '[indicators.pop]\ndirection = 1\n[nodes.index]\nchildren = ["x", "pop"]\n')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        derived = zhishu.run_stages(zhishu.load_config(tmp_path / "c.toml"), "derive").derived
    x = derived["x"].to_numpy()
    assert x[0] == 200.0 and x[3] == 25.0 and np.isnan(x[1]) and np.isnan(x[2])
    assert derived["pop"].tolist()[:2] == [3.0, 0.0]


def test_units_table_without_units_is_the_frame_of_one_row_per_label():
    """Without [[units]] each label is its unit's id and name: the same frame (values, dtypes, index name) as
    the one built from a row per unit."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    plan = load_config({"index": {"id": "x", "root": "r"}, "nodes": {"r": {"children": ["a"]}},
                        "indicators": {"a": {"direction": 1}},
                        "sources": {"s": {"plugin": "frame"}}},
                       data={"s": pd.DataFrame({"unit": ["p"], "year": [2020], "a": [1.0]})})
    assert not plan.units

    @settings(max_examples=50, deadline=None)
    @given(st.one_of(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=6, unique=True),
                     st.lists(st.integers(), min_size=1, max_size=6, unique=True)))
    def check(units):
        expected = pd.DataFrame([{"unit": u, "name": u} for u in units]).set_index("unit")
        table = zhishu.stages.units_table(plan, units)
        pd.testing.assert_frame_equal(table, expected)
        assert table.index.dtype == expected.index.dtype and table.columns.equals(expected.columns)

    check()
