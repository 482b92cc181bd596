"""What every sub-index plugin of the computing-power index promises: it is found through its installed entry
point, and its README documents every raw variable (with its unit), indicator and formula constant."""

from __future__ import annotations

import importlib
import importlib.metadata as md
from pathlib import Path

import pytest

import zhishu
from zhishu.formula import parse

PLUGINS = ["scale", "industry", "technology", "environment", "application"]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_installed_entry_point_is_found(plugin):
    found = {ep.name: ep for ep in md.entry_points(group=zhishu.ENTRYPOINT_GROUP)}
    assert found[plugin].value == f"zhishu_{plugin}"
    assert zhishu.get_plugin_manager().get_plugin(plugin) is importlib.import_module(f"zhishu_{plugin}")


@pytest.mark.parametrize("plugin", PLUGINS)
def test_every_variable_is_listed_and_documented_with_its_unit(plugin):
    tree = importlib.import_module(f"zhishu_{plugin}.tree")
    used = set()
    for spec in tree.INDICATORS:
        used |= parse(spec.formula).variables(spec.params) if spec.formula else {spec.variable or spec.id}
    assert used == set(tree.VARIABLES)
    text = (Path(tree.__file__).with_name("README.md")).read_text(encoding="utf-8")
    for name, (unit, _) in tree.VARIABLES.items():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |")), None)
        assert line is not None, f"README.md does not list {name}"
        assert unit.split(" ")[0] in line, f"README.md does not give the unit of {name}"
    for spec in tree.INDICATORS:
        assert f"`{spec.id}`" in text
        for param in spec.params:
            assert f"`{param}`" in text
