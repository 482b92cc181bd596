"""Errors name the plugin and never hide a bug: an unexpected exception in a plugin's method is re-raised with a
note naming the method, its plugin and the TOML key that chose it; only validation errors (a component
rejecting its parameters) become config issues; DataError and ConfigError are siblings under InputError."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import attrs
import pytest

import zhishu
from zhishu import ConfigError, DataError, Hooks, InputError, PluginError, ZhishuError, get_plugin_manager, hookimpl
from zhishu.config import load_config

DATA = "unit,year,a,b\nP,2021,1,4\nQ,2021,2,2\nR,2021,3,3\n"

CONFIG = """
[index]
id = "t"

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.a]
direction = 1

[indicators.b]
direction = 1
normaliser = {normaliser}

[nodes.index]
children = ["a", "b"]
"""

BROKEN_MODULE = '''
import attrs
import zhishu


@attrs.define(kw_only=True)
class Boom:
    """A normaliser with a bug in fit."""

    def fit(self, X, specs):
        raise ValueError("boom in fit")

    def transform(self, X):
        return X


@attrs.define(kw_only=True)
class BadInit:
    """A normaliser with a bug in its constructor."""

    def __attrs_post_init__(self):
        {}["missing"]

    def fit(self, X, specs):
        return self

    def transform(self, X):
        return X


@attrs.define(kw_only=True)
class Strict:
    """A normaliser that rejects its parameter (a validation error: the user's to fix)."""

    scale: float = 1.0

    def __attrs_post_init__(self):
        if self.scale <= 0:
            raise ValueError(f"scale must be positive, got {self.scale}")

    def fit(self, X, specs):
        return self

    def transform(self, X):
        return X * self.scale


@zhishu.hookimpl
def register_normalisers(register):
    register("boom", Boom)
    register("bad_init", BadInit)
    register("strict", Strict)
'''


def test_data_error_and_config_error_are_siblings():
    assert not issubclass(DataError, ConfigError) and not issubclass(ConfigError, DataError)
    assert issubclass(DataError, InputError) and issubclass(ConfigError, InputError)
    assert issubclass(InputError, ZhishuError)
    issue = zhishu.Issue("x", "a.b")
    assert DataError([issue]).issues == [issue] == ConfigError([issue]).issues
    assert str(DataError([issue])).startswith("1 problem in the input data:")
    assert str(ConfigError([issue])).startswith("1 problem in the configuration:")


@pytest.fixture
def broken(write_config, tmp_path):
    """``broken(normaliser)`` → a config whose indicator b uses ``normaliser`` from the module zhishu_broken_*
    (imported by the config from its folder)."""
    name = f"zhishu_broken_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(BROKEN_MODULE), encoding="utf-8")

    def make(normaliser: str):
        text = CONFIG.format(normaliser=normaliser) + f'\n[plugins]\nmodules = ["{name}"]\npaths = ["."]\n'
        return write_config(text, data__csv=DATA), name

    yield make
    sys.modules.pop(name, None)


def test_a_normaliser_raising_in_fit_is_reported_with_its_plugin(broken):
    path, plugin = broken('"boom"')
    with pytest.raises(ValueError, match="boom in fit") as info:
        zhishu.run(path, allow_imports=True)
    assert info.value.__notes__ == [f"in normaliser 'boom' of plugin {plugin!r} at indicators.b.normaliser"]


def test_the_cli_names_the_plugin_and_exits_1(broken, tmp_path):
    path, plugin = broken('"boom"')
    done = subprocess.run([sys.executable, "-m", "zhishu", "run", str(path), "--allow-import", "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "ValueError: boom in fit" in done.stderr
    assert f"in normaliser 'boom' of plugin {plugin!r} at indicators.b.normaliser" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_bug_in_a_constructor_is_the_plugins_not_a_config_issue(broken):
    path, plugin = broken('"bad_init"')
    with pytest.raises(KeyError) as info:
        load_config(path, allow_imports=True)
    assert not isinstance(info.value, ZhishuError)
    assert info.value.__notes__ == [f"while building normaliser 'bad_init' of plugin {plugin!r} at "
                                    "indicators.b.normaliser"]


def test_a_validation_error_in_a_constructor_is_a_config_issue(broken):
    path, _ = broken('{ method = "strict", params = { scale = -1 } }')
    with pytest.raises(ConfigError) as info:
        load_config(path, allow_imports=True)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("indicators.b.normaliser.params", "scale must be positive, got -1.0")]


@attrs.define(kw_only=True)
class ReportsBadly:
    """A weighting whose diagnostics have a bug."""

    def weights(self, X, specs):
        import pandas as pd

        return pd.Series(1.0 / X.shape[1], index=X.columns)

    def report(self, children):
        return 1 / 0


@attrs.define(kw_only=True)
class FindsAProblem:
    """A weighting that raises a zhishu error on purpose: passed on unchanged, without a note."""

    def weights(self, X, specs):
        raise DataError([zhishu.Issue("not enough rows", "nodes.index")])


class Weightings:
    @hookimpl
    def register_weightings(self, register):
        register("reports_badly", ReportsBadly)
        register("finds_a_problem", FindsAProblem)


@pytest.mark.parametrize("weighting", ["reports_badly", "finds_a_problem"])
def test_other_plugin_methods_are_attributed_too(write_config, weighting):
    text = CONFIG.format(normaliser='"minmax"') + f'weighting = "{weighting}"\n'
    pm = get_plugin_manager(entry_points=False)
    pm.register(Weightings(), name="test_weightings")
    plan = load_config(write_config(text, data__csv=DATA), hooks=Hooks(pm))
    if weighting == "reports_badly":
        with pytest.raises(ZeroDivisionError) as info:
            zhishu.run_config(plan)
        assert info.value.__notes__ == ["in weighting 'reports_badly' of plugin 'test_weightings' at "
                                        "nodes.index.weighting"]
    else:
        with pytest.raises(DataError) as info:
            zhishu.run_config(plan)
        assert getattr(info.value, "__notes__", []) == []


def test_a_plugin_returning_the_wrong_shape_is_a_plugin_error_naming_it(write_config):
    @attrs.define(kw_only=True)
    class Shrinks:
        def fit(self, X, specs):
            return self

        def transform(self, X):
            return X.iloc[:1]

    class Plugin:
        @hookimpl
        def register_normalisers(self, register):
            register("shrinks", Shrinks)

    pm = get_plugin_manager(entry_points=False)
    pm.register(Plugin(), name="test_shrinks")
    plan = load_config(write_config(CONFIG.format(normaliser='"shrinks"'), data__csv=DATA), hooks=Hooks(pm))
    with pytest.raises(PluginError, match=r"^normaliser 'shrinks' of plugin 'test_shrinks' at "
                                          r"indicators\.b\.normaliser must return a DataFrame"):
        zhishu.run_config(plan)


def test_no_swallowed_exceptions_in_the_core():
    """No ``except Exception: pass`` (or ``except: pass``) anywhere in the framework or the plugins."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"except(\s+(Base)?Exception)?(\s+as\s+\w+)?\s*:\s*(#[^\n]*)?\n\s*pass\b")
    offenders = [str(p.relative_to(root)) for folder in ("framework", "plugins") for p in (root / folder).rglob("*.py")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == [], offenders
