"""zhishu.registry: duplicate names are errors naming both plugins; unknown names get close matches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.errors import PluginError, UnknownNameError
from zhishu.registry import KINDS, Entry, Registries, Registry, did_you_mean, unknown_name_message

#: property tests: no deadline (timings vary on a busy machine), few enough examples to stay quick
PROPERTY = settings(max_examples=100, deadline=None)


def filled(kind: str = "normalisers", **objs: object) -> Registry:
    reg = Registry(kind)
    for name, obj in objs.items():
        reg.add(name, obj, plugin=f"plugin_{name}")
    return reg


def test_add_get_entry():
    reg = Registry("normalisers")
    register = reg.callback("zhishu.default_plugins.normalisers")
    register("minmax", int)
    register("zscore", float)
    assert reg.get("minmax") is int
    assert reg.entry("zscore") == Entry("zscore", float, "zhishu.default_plugins.normalisers")
    assert reg.names() == ["minmax", "zscore"]  # registration order
    assert list(reg) == ["minmax", "zscore"]
    assert len(reg) == 2
    assert "minmax" in reg and "MinMax" not in reg and 3 not in reg
    assert [e.name for e in reg.entries()] == ["minmax", "zscore"]
    assert repr(reg) == "Registry('normalisers', ['minmax', 'zscore'])"
    assert register.__doc__ == "Register a normaliser under ``name``."


def test_duplicate_names_both_plugins():
    reg = Registry("normalisers")
    reg.callback("zhishu_first")("minmax", int)
    with pytest.raises(PluginError) as info:
        reg.callback("zhishu_second")("minmax", float)
    assert str(info.value) == (
        "normaliser 'minmax' is registered twice: by plugin 'zhishu_first' and by plugin 'zhishu_second'; "
        "block one of them (config [plugins] block = [...] or ZHISHU_BLOCK_PLUGINS)"
    )
    assert reg.get("minmax") is int  # the first registration is kept, not silently replaced


def test_duplicate_within_one_plugin_is_also_an_error():
    reg = Registry("subindices")
    reg.add("算力", 1, "p")
    with pytest.raises(PluginError, match=r"^sub-index '算力' is registered twice: by plugin 'p' and by plugin 'p';"):
        reg.add("算力", 2, "p")


@pytest.mark.parametrize("name", ["", None, 3])
def test_invalid_names(name):
    with pytest.raises(PluginError) as info:
        Registry("aggregators").add(name, object(), "zhishu_x")
    assert str(info.value) == f"plugin 'zhishu_x' registered an aggregator with an invalid name {name!r}"
    with pytest.raises(PluginError) as info:
        Registry("weightings").add(name, object(), "zhishu_x")
    assert str(info.value) == f"plugin 'zhishu_x' registered a weighting with an invalid name {name!r}"


def test_unknown_name_with_suggestion():
    reg = filled(minmax=1, zscore=2, rank=3)
    with pytest.raises(UnknownNameError) as info:
        reg.get("minmx")
    assert str(info.value) == "unknown normaliser 'minmx': did you mean 'minmax'?; available: minmax, rank, zscore"
    assert info.value.name == "minmx"
    assert info.value.suggestions == ("minmax",)
    assert isinstance(info.value, KeyError)  # still a KeyError for callers that expect a mapping


def test_unknown_name_without_suggestion():
    reg = filled("aggregators", arithmetic=1, geometric=2)
    with pytest.raises(UnknownNameError) as info:
        reg.entry("median")
    assert str(info.value) == "unknown aggregator 'median'; available: arithmetic, geometric"
    assert info.value.suggestions == ()


def test_unknown_name_in_an_empty_registry():
    with pytest.raises(UnknownNameError) as info:
        Registry("exporters").get("xlsx")
    assert str(info.value) == "unknown exporter 'xlsx'; available: none (is the plugin installed?)"


def test_unknown_unhashable_name():
    with pytest.raises(UnknownNameError) as info:
        filled("weightings", equal=1).get(["equal"])  # type: ignore[arg-type]
    assert str(info.value) == "unknown weighting \"['equal']\": did you mean 'equal'?; available: equal"


def test_two_suggestions_joined_with_or():
    message, suggestions = unknown_name_message("source", "nbs_year", ["nbs_yearly", "nbs_years", "csv"])
    assert set(suggestions) == {"nbs_yearly", "nbs_years"}
    assert message == (
        f"unknown source 'nbs_year': did you mean {suggestions[0]!r} or {suggestions[1]!r}?; "
        "available: csv, nbs_yearly, nbs_years"
    )


def test_did_you_mean_is_case_insensitive_and_returns_original_spelling():
    assert did_you_mean("MINMAX", ["minmax", "zscore"]) == ("minmax",)
    assert did_you_mean("minmax", ["MinMax", "zscore"]) == ("MinMax",)
    assert did_you_mean("ZScor", ("minmax", "zscore")) == ("zscore",)
    assert did_you_mean("gdp", ["GDP", "CPI"]) == ("GDP",)  # "gdp" and "GDP" share no character as written
    assert did_you_mean("Gdp", ["gDP"]) == ("gDP",)
    assert did_you_mean("geometric", ["minmax", "zscore"]) == ()
    assert did_you_mean("x", []) == ()


def test_did_you_mean_at_most_three():
    hits = did_you_mean("node", ["node1", "node2", "node3", "node4", "nodes"])
    assert len(hits) == 3
    assert set(hits) <= {"node1", "node2", "node3", "node4", "nodes"}


@PROPERTY
@given(st.lists(st.text("abcdefghij_", min_size=3, max_size=10), min_size=1, max_size=8, unique=True), st.data())
def test_did_you_mean_finds_an_exact_name_in_any_case(choices, data):
    name = data.draw(st.sampled_from(choices))
    hits = did_you_mean(name.upper(), choices)
    assert hits and hits[0] == name  # an exact (case-insensitive) match scores 1.0 and comes first
    assert set(hits) <= set(choices)
    upper = [c.upper() for c in choices]
    hits = did_you_mean(name, upper)
    assert hits and hits[0] == name.upper()  # original spelling returned
    assert set(hits) <= set(upper)


def test_registries_has_every_kind():
    regs = Registries()
    assert [kind for kind, _ in regs.items()] == list(KINDS)
    for kind in KINDS:
        assert isinstance(getattr(regs, kind), Registry)
        assert regs[kind] is getattr(regs, kind)
        assert regs[kind].kind == kind
        assert len(regs[kind]) == 0
    assert len({id(regs[k]) for k in KINDS}) == len(KINDS)  # one registry each, not shared
    assert Registries().normalisers is not regs.normalisers  # a new set per run, never a global
    with pytest.raises(KeyError):
        regs["nonsense"]


def test_kinds():
    assert KINDS == (
        "unit_sets",
        "sources",
        "indicators",
        "subindices",
        "normalisers",
        "weightings",
        "aggregators",
        "imputers",
        "treatments",
        "transforms",
        "analyses",
        "exporters",
        "commands",
        "geometries",
    )


@pytest.mark.parametrize(
    ("kind", "singular"),
    [
        ("sources", "source"),
        ("indicators", "indicator"),
        ("subindices", "sub-index"),
        ("normalisers", "normaliser"),
        ("weightings", "weighting"),
        ("aggregators", "aggregator"),
        ("imputers", "imputer"),
        ("treatments", "outlier treatment"),
        ("transforms", "pre-transform"),
        ("unit_sets", "unit set"),
        ("analyses", "analysis"),
        ("exporters", "exporter"),
        ("commands", "command"),
        ("geometries", "geometry"),
        ("custom", "custom"),
    ],
)
def test_singular(kind, singular):
    assert Registry(kind).singular == singular


def test_a_long_list_of_available_names_is_cut_with_a_count():
    from zhishu.registry import MAX_LISTED, unknown_name_message

    names = [f"n{i:02d}" for i in range(MAX_LISTED + 5)]
    message, _ = unknown_name_message("indicator", "zz", names)
    listed = message.split("; available: ")[1]
    assert listed.startswith("n00, n01, ")
    assert listed.endswith(f"n{MAX_LISTED - 1:02d}, … ({MAX_LISTED + 5} in all; `zhishu plugins` lists what "
                           "plugins register)")
    short, _ = unknown_name_message("indicator", "zz", names[:MAX_LISTED])
    assert short.endswith(f"n{MAX_LISTED - 1:02d}")


# ------------------------------------------------------------------------------------ filled when first used


def test_registries_with_fill_ask_each_kind_once_when_first_used():
    asked = []

    def fill(kind, registry):
        asked.append(kind)
        registry.add(f"{kind}-one", kind, plugin="p")

    regs = Registries(fill=fill)
    assert asked == []  # nothing is asked until a kind is used
    assert regs.normalisers.names() == ["normalisers-one"]
    assert regs["normalisers"] is regs.normalisers and asked == ["normalisers"]  # asked once, then kept
    assert regs.analyses.get("analyses-one") == "analyses" and asked == ["normalisers", "analyses"]
    assert [kind for kind, _ in regs.items()] == list(KINDS) and sorted(asked) == sorted(KINDS)
    with pytest.raises(AttributeError, match="nonsense"):
        regs.nonsense  # noqa: B018


def test_a_kind_whose_filling_fails_is_not_kept_and_is_asked_again():
    calls = []

    def fill(kind, registry):
        calls.append(kind)
        registry.add("x", 1, plugin="p")
        if len(calls) == 1:
            raise PluginError("broken the first time")

    regs = Registries(fill=fill)
    with pytest.raises(PluginError, match="broken the first time"):
        regs.sources  # noqa: B018
    assert regs.sources.names() == ["x"] and calls == ["sources", "sources"]


def test_a_lazy_component_is_imported_when_first_asked_for_and_then_kept():
    from collections import OrderedDict

    from zhishu.registry import Lazy, lazy

    reg = Registry("normalisers")
    reg.add("ordered", lazy("collections:OrderedDict"), plugin="p")
    reg.add("plain", int, plugin="q")
    assert "ordered" in reg and reg.names() == ["ordered", "plain"]
    assert isinstance(reg._entries["ordered"].obj, Lazy)  # not imported by adding, listing or `in`
    assert reg.get("ordered") is OrderedDict
    assert reg._entries["ordered"] == Entry("ordered", OrderedDict, "p")  # replaced: imported once
    assert [e.obj for e in reg.entries()] == [OrderedDict, int]
    assert lazy("os.path:join.__name__").load() == "join"  # a dotted attribute path


def test_entries_import_every_lazy_component():
    from zhishu.registry import lazy

    reg = Registry("sources")
    reg.add("a", lazy("json:loads"), plugin="p")
    import json

    assert reg.entries() == [Entry("a", json.loads, "p")]


@pytest.mark.parametrize("target", ["json", "json:", ":loads", "json:lo ads", "1json:loads", "", 3])
def test_lazy_needs_module_colon_attribute(target):
    from zhishu.registry import lazy

    with pytest.raises(ValueError, match="needs 'package.module:Name'"):
        lazy(target)


@pytest.mark.parametrize("target, reason", [
    ("zhishu_no_such_module_anywhere:Thing", "ModuleNotFoundError: No module named 'zhishu_no_such_module_anywhere'"),
    ("json:NoSuchName", "AttributeError: module 'json' has no attribute 'NoSuchName'"),
])
def test_a_lazy_component_that_fails_to_import_names_the_plugin_and_the_way_out(target, reason):
    from zhishu.registry import lazy

    reg = Registry("sources")
    reg.add("nbs", lazy(target), plugin="nbs")
    with pytest.raises(PluginError) as info:
        reg.get("nbs")
    assert str(info.value) == (
        f"plugin 'nbs' registered source 'nbs' as {target!r}, which failed to import: {reason}; reinstall (or "
        "repair) the plugin, or leave it out: `zhishu --block nbs …` (or ZHISHU_BLOCK_PLUGINS=nbs)")
