"""The first test of any plugin: the installed entry point is found and zhishu registers the plugin.

If these fail, the package is not installed (run ``pip install -e .`` in this folder) or the entry point in
pyproject.toml does not name the module that holds the hooks.
"""

import importlib.metadata as md

import zhishu

import zhishu_template.plugin

PLUGIN = "template"


def test_the_installed_entry_point_is_found():
    found = {ep.name: ep for ep in md.entry_points(group=zhishu.ENTRYPOINT_GROUP)}
    assert PLUGIN in found, f"no entry point {PLUGIN!r} in group 'zhishu': is zhishu-plugin-template installed?"
    assert found[PLUGIN].value == "zhishu_template.plugin"
    assert found[PLUGIN].dist.name == "zhishu-plugin-template"
    assert found[PLUGIN].load() is zhishu_template.plugin


def test_zhishu_registers_the_plugin():
    pm = zhishu.get_plugin_manager()
    assert pm.get_plugin(PLUGIN) is zhishu_template.plugin


def test_the_plugin_can_be_blocked():
    pm = zhishu.get_plugin_manager(block=[PLUGIN])
    assert pm.get_plugin(PLUGIN) is None


def test_the_components_are_registered_under_the_plugin_name():
    registries = zhishu.Hooks(zhishu.get_plugin_manager()).registries
    assert registries.normalisers.entry("ratio_to_max").plugin == PLUGIN
    assert registries.indicators.entry("template_density").plugin == PLUGIN
    spec = registries.indicators.get("template_density")
    assert (spec.id, spec.name_zh, spec.direction) == ("template_density", "示例密度", 1)
    assert spec.formula == "population / area"


def test_the_normaliser_is_imported_when_a_run_first_asks_for_it():
    import subprocess
    import sys

    code = ("import sys, zhishu, zhishu_template.plugin as p; "
            "assert 'zhishu_template.methods' not in sys.modules; "
            "r = zhishu.Hooks(zhishu.get_plugin_manager()).registries.normalisers; "
            "assert 'ratio_to_max' in r and 'zhishu_template.methods' not in sys.modules; "
            "from zhishu_template.methods import RatioToMax; "
            "assert r.get('ratio_to_max') is RatioToMax; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr
