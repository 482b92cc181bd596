"""One list of component kinds drives the registries, ``zhishu plugins`` and messages; it matches the hook
specs one for one."""

from __future__ import annotations

import inspect

import pytest

import zhishu
from zhishu import Hooks, get_plugin_manager, hookimpl, hookspecs
from zhishu.calls import describe
from zhishu.config.plan import Method
from zhishu.kinds import KINDS, kind, singular
from zhishu.registry import Registries


def _registration_specs() -> set[str]:
    return {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if name.startswith("register_") and hasattr(fn, "zhishu_spec")}


def test_the_kinds_map_matches_the_hook_specs():
    assert {k.hook for k in KINDS.values()} == _registration_specs()
    for name, k in KINDS.items():
        assert k.name == name and k.hook == f"register_{name}"
        assert k.singular and not k.singular.endswith("s") or name == "analyses"


def test_registries_have_one_registry_per_kind_in_the_maps_order():
    regs = Registries()
    assert [name for name, _ in regs.items()] == list(KINDS)
    assert zhishu.registry.KINDS == tuple(KINDS)


@pytest.mark.parametrize(("name", "word"), [("analyses", "analysis"), ("subindices", "sub-index"),
                                            ("treatments", "outlier treatment"), ("commands", "command"),
                                            ("unit_sets", "unit set")])
def test_singular_names_are_words(name, word):
    assert singular(name) == word == kind(name).singular
    method = Method(kind=name, name="x", plugin="p", params={}, obj=None, key_path="k")
    assert describe(method) == f"{word} 'x' of plugin 'p' at k"


def test_an_unknown_kind_lists_the_kinds():
    with pytest.raises(KeyError, match="unknown component kind 'widgets'; kinds: unit_sets, sources"):
        kind("widgets")


def test_a_plugin_can_register_a_command():
    class Commands:
        @hookimpl
        def register_commands(self, register):
            register("hello", object())

    pm = get_plugin_manager(entry_points=False)
    pm.register(Commands(), name="test_commands")
    registries = Hooks(pm).registries
    assert registries.commands.entry("hello").plugin == "test_commands"
    with pytest.raises(zhishu.UnknownNameError, match="unknown command 'helo': did you mean 'hello'"):
        registries.commands.entry("helo")


def test_spec_and_protocol_of_each_kind():
    assert KINDS["indicators"].protocol is zhishu.IndicatorSpec
    assert KINDS["unit_sets"].protocol is zhishu.UnitSet
    from zhishu.default_plugins.normalisers import MinMax

    assert isinstance(MinMax(), KINDS["normalisers"].protocol)
    assert not isinstance(MinMax(), KINDS["aggregators"].protocol)


def test_the_commands_registry_alone_is_built_through_pluggy_too():
    calls = []

    class Commands:
        @hookimpl
        def register_commands(self, register):
            register("hello", object())

    class Tracer:
        @hookimpl(wrapper=True)
        def register_commands(self, register):
            calls.append("wrapped")
            return (yield)

    pm = get_plugin_manager(entry_points=False)
    pm.register(Commands(), name="test_commands")
    pm.register(Tracer(), name="test_tracer")
    hooks = Hooks(pm)
    registry = hooks.commands()
    assert registry.entry("hello").plugin == "test_commands"
    assert calls == ["wrapped", "wrapped"]  # around each plain implementation: the built-in commands and ours
    assert hooks.registries.commands is hooks.commands()  # once the registries exist, the same registry
