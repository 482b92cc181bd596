"""The hooks facade calls every hook through pluggy: hookwrappers (old and new style) wrap each call, tryfirst
implementations run first and trylast last, and every registration is still attributed to its plugin."""

from __future__ import annotations

import pytest

import zhishu
from zhishu import Hooks, PluginError, get_plugin_manager, hookimpl
from zhishu.config import load_config
from toy_index import table_config

DATA = "unit,year,a,b\nP,2021,1,4\nQ,2021,2,2\nR,2021,3,3\n"
CONFIG = table_config({"a": 1, "b": 1}, """
[nodes.index]
children = ["a", "b"]
""")


class Log:
    def __init__(self):
        self.events: list[str] = []


def make_plugins(log: Log):
    class Tracer:
        """A new-style wrapper around every after_step call and around registration."""

        @hookimpl(wrapper=True)
        def after_step(self, step, frame, config):
            log.events.append(f"enter {step}")
            result = yield
            log.events.append(f"leave {step}")
            return result

        @hookimpl(wrapper=True)
        def register_normalisers(self, register):
            log.events.append("wrap register_normalisers")
            return (yield)

    class OldStyle:
        """An old-style hookwrapper (pluggy's hookwrapper=True) on before_run."""

        @hookimpl(hookwrapper=True)
        def before_run(self, config):
            log.events.append("old-style before")
            yield
            log.events.append("old-style after")

    class Normal:
        @hookimpl
        def before_run(self, config):
            log.events.append("normal before_run")

        @hookimpl
        def after_step(self, step, frame, config):
            log.events.append(f"normal {step}")

    class First:
        @hookimpl(tryfirst=True)
        def before_run(self, config):
            log.events.append("tryfirst before_run")

    class Last:
        @hookimpl(trylast=True)
        def before_run(self, config):
            log.events.append("trylast before_run")

    return Tracer(), OldStyle(), Normal(), First(), Last()


def _hooks(*plugins):
    pm = get_plugin_manager(entry_points=False)
    for plugin in plugins:
        pm.register(plugin, name="test_" + type(plugin).__name__.lower())
    return Hooks(pm)


def test_wrappers_wrap_each_call_and_tryfirst_runs_first(write_config):
    log = Log()
    tracer, old, normal, first, last = make_plugins(log)
    # registered so that registration order is the reverse of the required call order
    hooks = _hooks(last, first, normal, old, tracer)
    plan = load_config(write_config(CONFIG, data__csv=DATA), hooks=hooks)
    assert "wrap register_normalisers" in log.events  # the wrapper saw the registration hooks too
    log.events.clear()
    zhishu.run_config(plan)
    before = [e for e in log.events if "before" in e or "after" in e and "old" in e]
    assert before[0] == "old-style before"
    plain = [e for e in log.events if e.endswith("before_run")]
    assert plain[0] == "tryfirst before_run" and plain[-1] == "trylast before_run"
    assert plain == ["tryfirst before_run", "normal before_run", "trylast before_run"]
    # the new-style wrapper wraps the plain after_step implementation, for every step
    i = log.events.index("normal derive")
    assert log.events[i - 1: i + 2] == ["enter derive", "normal derive", "leave derive"]
    steps = [e.split()[1] for e in log.events if e.startswith("normal ") and not e.endswith("before_run")]
    assert steps == ["load", "derive", "impute", "treat", "normalise", "aggregate", "rank"]


def test_registrations_stay_attributed_with_a_wrapper_present():
    log = Log()
    tracer = make_plugins(log)[0]

    class Duplicate:
        @hookimpl
        def register_normalisers(self, register):
            register("minmax", object)

    with pytest.raises(PluginError, match="by plugin 'test_duplicate' and by plugin 'normalisers'"):
        _hooks(tracer, Duplicate()).registries.normalisers  # a kind is filled when first used


def test_a_tryfirst_registration_is_asked_first():
    class Early:
        @hookimpl(tryfirst=True)
        def register_normalisers(self, register):
            register("minmax", object)

    class Late:
        @hookimpl
        def register_normalisers(self, register):
            register("minmax", object)

    with pytest.raises(PluginError, match="by plugin 'test_early' and by plugin 'test_late'"):
        _hooks(Early(), Late()).registries.normalisers


def test_an_exception_in_a_lifecycle_hook_names_its_plugin(write_config):
    class Broken:
        @hookimpl
        def after_run(self, result):
            raise RuntimeError("monitor failed")

    plan = load_config(write_config(CONFIG, data__csv=DATA), hooks=_hooks(Broken()))
    with pytest.raises(RuntimeError, match="monitor failed") as info:
        zhishu.run_config(plan)
    assert info.value.__notes__ == ["raised in hook 'after_run' of plugin 'test_broken'"]


def test_validate_config_issues_are_collected_from_each_plugin(write_config):
    class One:
        @hookimpl
        def validate_config(self, config, registries):
            return [zhishu.Issue("one", "index")]

    class Two:
        @hookimpl(tryfirst=True)
        def validate_config(self, config, registries):
            return [zhishu.Issue("two", "index")]

    with pytest.raises(zhishu.ConfigError) as info:
        load_config(write_config(CONFIG, data__csv=DATA), hooks=_hooks(One(), Two()))
    assert [i.message for i in info.value.issues] == ["two", "one"]


def test_loading_a_config_that_imports_from_a_folder_restores_sys_path(write_config, tmp_path):
    import sys

    plugin = tmp_path / "plugs"
    plugin.mkdir()
    name = f"zhishu_syspath_{tmp_path.name.replace('-', '_')}"
    (plugin / f"{name}.py").write_text("import zhishu\n", encoding="utf-8")
    before = list(sys.path)
    try:
        plan = load_config(write_config(CONFIG + f'\n[plugins]\nmodules = ["{name}"]\npaths = ["plugs"]\n',
                                        data__csv=DATA), allow_imports=True)
        assert name in [i.name for i in plan.hooks.plugins()]
        assert sys.path == before
    finally:
        sys.modules.pop(name, None)
