"""The data-only half of the template: specs.toml ships with the package, registers its indicator and node under
the plugin's name, is read strictly, and its indicator computes what its formula says on hand-made data."""

import shutil
from pathlib import Path

import pytest

import zhishu

import zhishu_template.plugin

SPEC_FILE = Path(zhishu_template.plugin.__file__).with_name("specs.toml")


def test_the_spec_file_is_package_data_and_registers_under_the_plugin_name():
    assert zhishu_template.plugin.SPECS == zhishu.load_specs("specs.toml", package="zhishu_template")
    registries = zhishu.Hooks(zhishu.get_plugin_manager()).registries
    assert registries.subindices.entry("template_people").plugin == "template"
    assert registries.subindices.get("template_people").children == ("template_density",)
    assert set(zhishu_template.plugin.SPECS.variables) == {"population", "area"}


def test_a_mistake_in_the_spec_file_names_the_file_and_the_key(tmp_path):
    bad = tmp_path / "specs.toml"
    shutil.copy(SPEC_FILE, bad)
    text = bad.read_text(encoding="utf-8").replace('unit = "persons per km²"', 'units = "persons per km²"')
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_specs(bad)
    (issue,) = info.value.issues
    assert issue.file == str(bad)
    assert issue.path == "indicators.template_density.units"
    assert "unknown key: did you mean 'unit'?" in issue.message


def test_the_node_scores_the_density_on_hand_made_data(tmp_path):
    (tmp_path / "data.csv").write_text("unit,year,population,area\nA,2020,100,10\nB,2020,300,10\nC,2020,90,3\n",
                                       encoding="utf-8")
    (tmp_path / "config.toml").write_text("""
[index]
id = "density"
root = "template_people"

[sources.main]
plugin = "table"
params = { path = "data.csv" }
""", encoding="utf-8")
    result = zhishu.run(tmp_path / "config.toml")
    # density A 10, B 30, C 30 per km²; min-max per year: A 0, B and C 100, tied at rank 1
    assert result.raw["template_density"].to_dict() == pytest.approx(
        {("A", 2020): 10.0, ("B", 2020): 30.0, ("C", 2020): 30.0})
    assert result.scores["template_people"].to_dict() == pytest.approx(
        {("A", 2020): 0.0, ("B", 2020): 100.0, ("C", 2020): 100.0})
