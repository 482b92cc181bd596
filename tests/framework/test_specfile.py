"""zhishu.load_specs / zhishu.data_plugin: a TOML file of indicator and node specs, read strictly, with every
problem reported with the file and its dotted key path; and the hooks that register it."""

from __future__ import annotations

import textwrap

import pluggy
import pytest

import zhishu

GOOD = """
[variables.servers]
unit = "万台"
description = "servers installed"

[variables.area]
unit = "km²"

[indicators.server_density]
name_en = "Server density"
direction = 1
unit = "万台 per km²"
formula = "servers / area * k"
params = { k = 1000 }

[indicators.area]
direction = -1

[nodes.hardware]
name_zh = "硬件"
children = ["server_density", "area"]
weights = { server_density = 2, area = 1 }
aggregator = "arithmetic"
"""


def write(tmp_path, text: str, name: str = "specs.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_specs(path)
    for issue in info.value.issues:
        assert issue.file == str(path)
    return [f"{i.path}: {i.message}" for i in info.value.issues]


def test_a_spec_file_structures_into_specs_in_file_order(tmp_path):
    specs = zhishu.load_specs(write(tmp_path, GOOD))
    assert [s.id for s in specs.indicators] == ["server_density", "area"]
    density, area = specs.indicators
    assert (density.formula, density.params, density.direction) == ("servers / area * k", {"k": 1000.0}, 1)
    assert isinstance(density.params["k"], float)
    assert (area.variable, area.formula, area.direction) == (None, None, -1)  # the value is variable "area"
    (node,) = specs.nodes
    assert node.children == ("server_density", "area")
    assert node.weights == {"server_density": 2.0, "area": 1.0}
    assert node.aggregator == zhishu.MethodSpec(method="arithmetic")
    assert specs.variables == {"servers": zhishu.VariableSpec(unit="万台", description="servers installed"),
                               "area": zhishu.VariableSpec(unit="km²")}


def test_every_problem_is_reported_with_the_file_and_the_key_path(tmp_path):
    found = problems(tmp_path, """
        [indicators.a]
        unit = 3
        direction = 2
        parent = "x"
        params = { k = "one" }
        [indicators.b]
        formula = "x +"
        direction = 1
        [nodes.n]
        children = "a"
        [nodes.m]
        name_en = "no children"
        [nodess.z]
        children = []
    """)
    text = "\n".join(found)
    assert "indicators.a.unit: expected a string, got an integer (3)" in text
    assert "indicators.a.direction: direction must be 1 (higher is better) or -1 (lower is better), not 2" in text
    # IndicatorSpec.parent is gone (the tree is in [nodes]); the id is the key, so it is not offered either
    assert ("indicators.a.parent: unknown key; allowed keys here: description, direction, formula, name_en, "
            "name_zh, params, unit, variable") in text
    assert "indicators.a.params.k: expected a number, got a string ('one')" in text
    assert "indicators.b.formula: " in text
    assert "indicators.b.direction" not in text
    assert "nodes.n.children: expected an array, got a string ('a')" in text
    assert "nodes.m.children: required key is missing" in text
    assert "nodess: unknown section: did you mean 'nodes'?" in text


def test_the_id_is_the_key_and_ids_are_unique(tmp_path):
    found = problems(tmp_path, """
        [indicators.a]
        id = "b"
        direction = 1
        [indicators.x]
        [nodes.x]
        children = ["a"]
    """)
    assert found == ["indicators.a.id: the id is the table's key: remove `id`",
                     "indicators.x.direction: direction is required: 1 if higher values are better, -1 if lower "
                     "values are better",
                     "nodes.x: 'x' is both an indicator and a node; ids must be unique"]


def test_listed_variables_must_be_exactly_those_the_formulas_read(tmp_path):
    found = problems(tmp_path, """
        [variables.servers]
        [variables.unused]
        [indicators.density]
        formula = "servers / area"
        direction = 1
    """)
    assert found == [
        "variables: variable 'area' is read by an indicator but not listed: add [variables.area] with its unit and "
        "description",
        "variables.unused: variable is listed but no indicator reads it: remove it or use it",
    ]


def test_syntax_errors_missing_files_and_bad_encodings_name_the_file(tmp_path):
    assert problems(tmp_path, "[indicators.a\n")[0].startswith(": TOML syntax error: ")
    with pytest.raises(zhishu.ConfigError, match="spec file not found"):
        zhishu.load_specs(tmp_path / "nope.toml")
    with pytest.raises(zhishu.ConfigError, match="is a folder"):
        zhishu.load_specs(tmp_path)
    (tmp_path / "latin1.toml").write_bytes(b'[indicators.a]\nname_en = "caf\xe9"\n')
    with pytest.raises(zhishu.ConfigError, match="must be UTF-8; undecodable byte at line 2"):
        zhishu.load_specs(tmp_path / "latin1.toml")
    found = problems(tmp_path, "indicators = [1]\nnodes = 3\n")
    assert found == ["indicators: [indicators] must be a table of tables keyed by id",
                     "nodes: [nodes] must be a table of tables keyed by id"]


def test_a_package_resource_is_read_through_importlib_resources():
    specs = zhishu.load_specs("scale.toml", package="zhishu_scale")
    assert specs.file.endswith("scale.toml") and specs.indicators


def test_data_plugin_registers_the_specs_through_real_hooks(tmp_path):
    specs = zhishu.load_specs(write(tmp_path, GOOD))

    class Plugin:  # stands for a plugin module: two module-level names bound to the returned hooks
        register_indicators, register_subindices = zhishu.data_plugin(specs)

    pm = zhishu.get_plugin_manager(entry_points=False)
    pm.register(Plugin, name="mine")
    registries = zhishu.Hooks(pm).registries
    assert registries.indicators.get("server_density") is specs.indicators[0]
    assert registries.indicators.entry("area").plugin == "mine"
    assert registries.subindices.get("hardware") is specs.nodes[0]
    assert isinstance(zhishu.data_plugin(specs), tuple) and len(zhishu.data_plugin(specs)) == 2
    assert pluggy.HookimplMarker("zhishu")  # the hooks carry zhishu's hookimpl marker:
    assert all(hasattr(f, "zhishu_impl") for f in zhishu.data_plugin(specs))


def test_a_config_uses_a_data_plugin_like_any_other(tmp_path, write_config):
    specs = zhishu.load_specs(write(tmp_path, GOOD))

    class Plugin:
        register_indicators, register_subindices = zhishu.data_plugin(specs)

    pm = zhishu.get_plugin_manager()
    pm.register(Plugin, name="mine")
    path = write_config("""
        [index]
        id = "x"
        root = "hardware"
        [sources.main]
        plugin = "table"
        params = { path = "data.csv" }
    """, data__csv="unit,year,servers,area\nA,2022,10,2\nB,2022,30,3\nC,2022,20,10\n")
    result = zhishu.run_config(zhishu.load_config(path, hooks=zhishu.Hooks(pm)))
    # density = servers / area * 1000: A 5000, B 10000, C 2000
    assert result.raw["server_density"].to_dict() == pytest.approx(
        {("A", 2022): 5000.0, ("B", 2022): 10000.0, ("C", 2022): 2000.0})
    assert list(result.plan.nodes) == ["hardware"]
