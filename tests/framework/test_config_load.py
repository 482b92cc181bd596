"""Golden tests for configuration and data errors: every message says what, where and how to fix it."""

from __future__ import annotations

import pytest

import zhishu
from zhishu import ConfigError, DataError
from zhishu.config import load_config
from toy_index import table_config


def BUILTINS_ONLY():
    """Hooks without installed entry-point plugins, so that "available: …" lists are stable."""
    return zhishu.Hooks(zhishu.get_plugin_manager(entry_points=False))

DATA = "unit,year,a,b\nP,2021,1,2\nQ,2021,3,4\n"

GOOD = table_config({"a": 1, "b": -1}, """
[nodes.index]
children = ["a", "b"]
""")


def problems(write_config, text, **files):
    files.setdefault("data__csv", DATA)
    path = write_config(text, **files)
    with pytest.raises(ConfigError) as info:
        load_config(path, hooks=BUILTINS_ONLY() if "[plugins]" not in text else None)
    prefix = f"{path}: "
    return [i.format().removeprefix(prefix) for i in info.value.issues]


def test_good_config_loads(write_config):
    plan = load_config(write_config(GOOD, data__csv=DATA))
    assert list(plan.indicators) == ["a", "b"]
    assert plan.nodes["index"].weighting.name == "equal"
    assert plan.nodes["index"].aggregator.name == "arithmetic"
    assert plan.indicators["a"].normaliser.name == "minmax"


def test_toml_syntax_error_names_file_line_and_column(write_config):
    path = write_config('[index]\nid = "t"\nyears = [2021,\nname_en = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (issue,) = info.value.issues
    assert issue.file.startswith(f"{path}:4:")
    assert issue.message.startswith("TOML syntax error")
    path = write_config('[index]\nid = "t"\nname_en = = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.issues[0].file == f"{path}:3:11"


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_misspelt_method_names_get_did_you_mean(write_config):
    text = GOOD.replace('children = ["a", "b"]', 'children = ["a", "b"]\nweighting = "equl"\naggregator = "arithmetc"')
    text += '\n[normalisation]\ndefault = "zscor"\n'
    assert problems(write_config, text) == [
        "normalisation.default: unknown normaliser 'zscor': did you mean 'zscore'?; available: "
        + ", ".join(sorted(BUILTINS_ONLY().registries.normalisers.names())),
        "nodes.index.weighting: unknown weighting 'equl': did you mean 'equal'?; available: "
        + ", ".join(sorted(BUILTINS_ONLY().registries.weightings.names())),
        "nodes.index.aggregator: unknown aggregator 'arithmetc': did you mean 'arithmetic'?; available: "
        + ", ".join(sorted(BUILTINS_ONLY().registries.aggregators.names())),
    ]


def test_strict_types_and_unknown_keys(write_config):
    text = GOOD.replace('id = "t"', 'id = "t"\nyears = ["2021"]\nseed = 1.5\nnmae_en = "x"')
    text = text.replace("[indicators.b]\ndirection = -1", '[indicators.b]\ndirection = "-1"')
    assert problems(write_config, text) == [
        "index.years[0]: expected an integer, got a string ('2021')",
        "index.seed: expected an integer, got a float (1.5)",
        "index.nmae_en: unknown key: did you mean 'name_en'?; allowed keys here: data_root, description, id, name_en, name_zh, "
        "root, screen, seed, unit_set, version, years",
        "indicators.b.direction: expected an integer, got a string ('-1')",
    ]


def test_unknown_section_and_missing_index(write_config):
    assert problems(write_config, GOOD.replace("[index]\nid = \"t\"", "[indexx]\nid = \"t\"")) == [
        "indexx: unknown section: did you mean 'index'?; sections: index, plugins, units, sources, indicators, "
        "nodes, normalisation, imputation, outliers, analyses, output, sensitivity",
        'index: required table [index] is missing (it needs at least id = "…")',
    ]


def test_method_params_are_structured_strictly_into_the_method(write_config):
    text = GOOD + '\n[normalisation]\ndefault = { method = "minmax", params = { low = "0", hihg = 1 } }\n'
    assert problems(write_config, text) == [
        "normalisation.default.params.low: expected a number, got a string ('0')",
        "normalisation.default.params.hihg: unknown key: did you mean 'high'?; allowed keys here: high, low",
    ]
    text = GOOD + '\n[normalisation]\ndefault = { method = "minmax", params = { low = 5, high = 1 } }\n'
    assert problems(write_config, text) == [
        "normalisation.default.params: low must be less than high, got low=5.0 and high=1.0"
    ]


def test_tree_errors_are_all_reported(write_config):
    text = table_config({"a": 1, "b": 1, "unused": 1}, """
    [nodes.index]
    children = ["s", "a", "a", "bb"]
    weights = { s = 1, a = 1 }
    weighting = "equal"

    [nodes.s]
    children = ["a", "b", "index"]
    min_share = 1.5

    [nodes.lonely]
    children = ["b"]
    """)
    assert problems(write_config, text) == [
        "nodes.index: give either weights (fixed weights) or weighting, not both",
        "nodes.index.weights: no weight for child 'bb'; give every child a weight (node 'index')",
        "nodes.index.children[2]: child 'a' is listed twice",
        "nodes.index.children[3]: unknown child (node or indicator) 'bb': did you mean 'b'?; available: a, b, index, "
        "lonely, s, unused",
        "nodes.s.min_share: min_share must be between 0 and 1, got 1.5",
        "nodes.s.children[0]: 'a' is already a child of 'index'; each node and indicator has exactly one parent "
        "(a tree, not a network)",
        "nodes.s.children[2]: cycle in the tree: index → s → index; remove 'index' from the children of 's'",
        "nodes.lonely: node 'lonely' is not reachable from the root 'index': add it to a parent's children or "
        "remove it",
        "indicators.unused: indicator 'unused' is defined but not used in the tree: add it to a node's children or "
        "remove it",
    ]


def test_indicator_definition_errors(write_config):
    text = GOOD.replace("[indicators.a]\ndirection = 1", '[indicators.a]\nformula = "a * (2"')
    text = text.replace("[indicators.b]\ndirection = -1", '[indicators.b]\ndirection = 1\nvariable = "b"\nformula = "b"')
    assert problems(write_config, text) == [
        "indicators.a.direction: direction is required: 1 if higher values are better, -1 if lower values are better",
        "indicators.b: give either variable or formula, not both",
    ]
    text = GOOD.replace("[indicators.a]\ndirection = 1", '[indicators.a]\ndirection = 1\nformula = "a ** 2 +"')
    assert problems(write_config, text) == [
        "indicators.a.formula: expected a number, a name or '(', found end of formula at column 9 in formula "
        "'a ** 2 +'",
    ]


def test_root_must_exist(write_config):
    assert problems(write_config, GOOD.replace('id = "t"', 'id = "t"\nroot = "indx"')) == [
        "index.root: unknown root node 'indx': did you mean 'index'?; available: index; define it as [nodes.indx] "
        "with children = [...]",
    ]  # only the root: the rest of the tree cannot be judged without it


def test_reference_year_must_be_a_computed_year(write_config):
    text = GOOD.replace('id = "t"', 'id = "t"\nyears = [2021]') + "\n[normalisation]\nreference_year = 2020\n"
    assert problems(write_config, text) == ["normalisation.reference_year: reference_year 2020 is not one of "
                                            "index.years [2021]"]


def test_no_source(write_config):
    text = GOOD.replace('[sources.main]\nplugin = "table"\nparams = { path = "data.csv" }\n', "")
    assert problems(write_config, text) == [
        'sources: no data source: add one, e.g. [sources.main] plugin = "table", params = { path = "data.csv" }'
    ]


# ------------------------------------------------------------------------------------------ plugins


def test_config_cannot_import_modules_without_permission(write_config, tmp_path, monkeypatch):
    (tmp_path / "local_plugin.py").write_text(
        "import pathlib\npathlib.Path(__file__).with_name('IMPORTED').write_text('yes')\n"
        "from zhishu import hookimpl\n"
        "@hookimpl\ndef register_weightings(register):\n    from zhishu.default_plugins.weightings import Equal\n"
        "    register('local_equal', Equal)\n"
    )
    monkeypatch.delenv("ZHISHU_ALLOW_IMPORTS", raising=False)
    text = GOOD.replace('[sources.main]', '[plugins]\nmodules = ["local_plugin"]\npaths = ["."]\n\n[sources.main]')
    text = text.replace('children = ["a", "b"]', 'children = ["a", "b"]\nweighting = "local_equal"')
    (issue,) = problems(write_config, text)
    assert issue.startswith("plugins.modules: this config asks to import modules that are not installed plugins "
                            "(local_plugin); importing runs their code, so it is off by default.")
    assert "--allow-import" in issue
    assert not (tmp_path / "IMPORTED").exists()  # nothing was executed

    monkeypatch.syspath_prepend(str(tmp_path))  # restored (with sys.modules) after the test
    monkeypatch.delitem(__import__("sys").modules, "local_plugin", raising=False)
    plan = load_config(tmp_path / "config.toml", allow_imports=True)
    assert plan.nodes["index"].weighting.plugin == "local_plugin"
    assert (tmp_path / "IMPORTED").exists()


def test_config_can_block_a_plugin(write_config):
    text = GOOD.replace('[sources.main]', '[plugins]\nblock = ["weightings", "ahp", "objective_weights"]\n\n'
                                          '[sources.main]')
    assert problems(write_config, text) == [
        "nodes.index: unknown weighting 'equal'; available: none (is the plugin installed?)"
    ]


# ------------------------------------------------------------------------------------------ data errors


def data_problems(write_config, text, data):
    path = write_config(text, data__csv=data)
    with pytest.raises(DataError) as info:
        zhishu.run(path)
    return [i.format().removeprefix(f"{path}: ") for i in info.value.issues]


UNITS = '\n[[units]]\nid = "BJ"\nname = "北京"\naliases = ["北京市"]\n\n[[units]]\nid = "SH"\nname = "上海"\n'


def test_unknown_unit_labels_are_listed_with_suggestions(write_config):
    text = GOOD.replace('[sources.main]', UNITS + '\n[sources.main]')
    data = "unit,year,a,b\n北京市,2021,1,2\n上海市,2021,3,4\n广州,2021,5,6\n"
    assert data_problems(write_config, text, data) == [
        "sources.main: 2 unit label(s) match no unit: '上海市' (did you mean '上海'?), '广州'; add them to [[units]] "
        "as an id, name or alias"
    ]


def test_two_labels_for_one_unit(write_config):
    text = GOOD.replace('[sources.main]', UNITS + '\n[sources.main]')
    data = "unit,year,a,b\n北京市,2021,1,2\n北京,2021,3,4\n"
    assert data_problems(write_config, text, data) == [
        "sources.main: several rows map to the same unit and year (BJ 2021): two labels in the file name one unit "
        "(e.g. 北京 and 北京市)"
    ]


def test_missing_and_ambiguous_variables(write_config):
    text = GOOD.replace('[sources.main]', '[sources.other]\nplugin = "table"\nparams = { path = "other.csv" }\n\n'
                                          '[sources.main]')
    text = text.replace("[indicators.a]\ndirection = 1", '[indicators.a]\ndirection = 1\nformula = "a + bb"')
    path = write_config(text, data__csv=DATA, other__csv="unit,year,b\nP,2021,9\n")
    with pytest.raises(DataError) as info:
        zhishu.run(path)
    assert [i.format() for i in info.value.issues] == [
        "indicators.a: indicator 'a' needs variable 'bb', which is not in any source; did you mean 'b'?",
        'indicators.b: variable \'b\' is in several sources (other, main); choose one with source = "…"',
    ]
    fixed = text.replace("[indicators.b]\ndirection = -1", '[indicators.b]\ndirection = -1\nsource = "other"')
    fixed = fixed.replace('formula = "a + bb"', 'formula = "a + 1"')
    result = zhishu.run(write_config(fixed, data__csv=DATA, other__csv="unit,year,b\nP,2021,9\n"))
    assert result.raw.loc[("P", 2021), "b"] == 9.0
    assert result.raw.loc[("Q", 2021), "a"] == 4.0


def test_all_units_appear_even_without_data(write_config):
    text = GOOD.replace('[sources.main]', UNITS + '\n[sources.main]')
    result = zhishu.run(write_config(text, data__csv="unit,year,a,b\n北京,2021,1,2\n"))
    assert list(result.scores.index) == [("BJ", 2021), ("SH", 2021)]
    assert result.scores["index"].isna().tolist() == [False, True]


def test_plugins_are_reused_only_while_nothing_they_depend_on_changes(tmp_path, monkeypatch):
    """Loads with the same plugin settings share one plugin manager; blocking a plugin (argument or
    ZHISHU_BLOCK_PLUGINS) or installing a distribution (a sys.path folder changes) gives a new one."""
    import os
    import sys

    config = tmp_path / "c.toml"
    config.write_text(_SHARED_CONFIG, encoding="utf-8")
    (tmp_path / "d.csv").write_text("unit,year,x\nA,2021,1\nB,2021,2\n", encoding="utf-8")
    first = load_config(config).hooks
    assert load_config(config).hooks is first
    blocked = load_config(config, block=("template",)).hooks
    assert blocked is not first and "template" not in {p.name for p in blocked.plugins()}
    monkeypatch.setenv("ZHISHU_BLOCK_PLUGINS", "template")
    from_env = load_config(config).hooks
    assert from_env is not first and "template" not in {p.name for p in from_env.plugins()}
    monkeypatch.delenv("ZHISHU_BLOCK_PLUGINS")
    assert load_config(config).hooks is first
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    before = load_config(config).hooks
    assert before is not first
    (site / "newdist-1.0.dist-info").mkdir()  # what installing a distribution into that folder does
    os.utime(site, ns=(0, os.stat(site).st_mtime_ns + 1_000_000_000))
    assert load_config(config).hooks is not before


_SHARED_CONFIG = """
[index]
id = "shared"

[sources.main]
plugin = "table"
params = { path = "d.csv" }

[nodes.index]
children = ["x"]

[indicators.x]
direction = 1
"""


def test_the_cycle_collector_is_resumed_after_a_load_whatever_happens(tmp_path):
    import gc

    config = tmp_path / "c.toml"
    config.write_text(_SHARED_CONFIG, encoding="utf-8")
    (tmp_path / "d.csv").write_text("unit,year,x\nA,2021,1\n", encoding="utf-8")
    load_config(config)
    assert gc.isenabled()
    with pytest.raises(ConfigError):
        load_config("[index]\nid = 1\n")
    assert gc.isenabled()
    gc.disable()  # a caller that paused it keeps it paused
    try:
        load_config(config)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_shared_plugins_keep_the_most_recently_used_settings():
    """Eight plugin settings are kept; a ninth pushes out the one used longest ago, not the one in use."""
    from zhishu.config import load as load_module

    load_module._HOOKS.clear()
    first = load_module.shared_hooks(("no-such-plugin-0",))
    early = load_module.shared_hooks(("no-such-plugin-1",))
    for i in range(2, 12):  # more settings than are kept, with the first one used in between
        load_module.shared_hooks((f"no-such-plugin-{i}",))
        assert load_module.shared_hooks(("no-such-plugin-0",)) is first
    assert len(load_module._HOOKS) == 8
    assert load_module.shared_hooks(("no-such-plugin-1",)) is not early  # pushed out long ago: built anew
