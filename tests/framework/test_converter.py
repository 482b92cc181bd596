"""zhishu.config.converter + messages: strict structuring into IndexConfig, one `dotted.path: message` per problem.

These are golden tests: each wrong document must give exactly the lines listed, no more, no fewer.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.components import MethodSpec
from zhishu.config.converter import make_converter, toml_type
from zhishu.config.messages import issues_from_cattrs, join, key
from zhishu.config.model import IndexConfig, IndexMeta, NodeConfig, UnitConfig
from zhishu.default_plugins.normalisers import MinMax
from zhishu.default_plugins.weightings import Fixed

#: property tests: no deadline (timings vary on a busy machine), few enough examples to stay quick
PROPERTY = settings(max_examples=100, deadline=None)

TOP_KEYS = "analyses, imputation, index, indicators, nodes, normalisation, outliers, output, plugins, sensitivity, sources, units"
NODE_KEYS = "aggregator, children, description, min_share, name_en, name_zh, weighting, weights"


def problems(doc, cls=IndexConfig) -> list[str]:
    """Every problem in ``doc`` as ``path: message`` lines ([] when it structures)."""
    try:
        make_converter().structure(doc, cls)
    except Exception as exc:  # noqa: BLE001 - the point is to see every error as issues
        lines = [issue.format() for issue in issues_from_cattrs(exc)]
        assert lines, f"no issues from {exc!r}"
        return lines
    return []


def doc(**sections):
    return {"index": {"id": "cp"}, **sections}


@attrs.frozen(kw_only=True)
class Flags:
    """Every scalar kind, for the fields the index schema does not have (it has no boolean)."""

    strict: bool = False
    ratio: float = 1.0
    count: int = 0
    label: str = ""


# ---------------------------------------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    ("document", "line"),
    [
        ({"index": {"id": 3}}, "index.id: expected a string, got an integer (3)"),
        ({"index": {"id": "cp", "name_en": False}}, "index.name_en: expected a string, got a boolean (false)"),
        ({"index": {"id": ["cp"]}}, "index.id: expected a string, got an array (['cp'])"),
        ({"index": {"id": "cp", "seed": 1.7}}, "index.seed: expected an integer, got a float (1.7)"),
        ({"index": {"id": "cp", "seed": True}}, "index.seed: expected an integer, got a boolean (true)"),
        ({"index": {"id": "cp", "seed": "7"}}, "index.seed: expected an integer, got a string ('7')"),
        ({"index": {"id": "cp", "years": [2019, 2020.0]}}, "index.years[1]: expected an integer, got a float (2020.0)"),
        (doc(nodes={"a": {"min_share": "1"}}), "nodes.a.min_share: expected a number, got a string ('1')"),
        (doc(nodes={"a": {"min_share": True}}), "nodes.a.min_share: expected a number, got a boolean (true)"),
        (doc(indicators={"i": {"direction": 1.0}}), "indicators.i.direction: expected an integer, got a float (1.0)"),
        (doc(indicators={"i": {"params": {"k": False}}}), "indicators.i.params.k: expected a number, got a boolean (false)"),
        (doc(indicators={"i": {"formula": 3}}), "indicators.i.formula: expected a string, got an integer (3)"),
    ],
)
def test_one_line_per_wrong_scalar(document, line):
    assert problems(document) == [line]


def test_long_values_are_shortened():
    assert problems({"index": {"id": list(range(30))}}) == [
        "index.id: expected a string, got an array ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11...)"  # 37 chars + ...
    ]


@pytest.mark.parametrize(
    ("document", "line"),
    [
        ({"strict": "false"}, "strict: expected true or false, got a string ('false')"),
        ({"strict": 0}, "strict: expected true or false, got an integer (0)"),
        ({"ratio": "1"}, "ratio: expected a number, got a string ('1')"),
        ({"ratio": True}, "ratio: expected a number, got a boolean (true)"),
        ({"count": 1.7}, "count: expected an integer, got a float (1.7)"),
        ({"count": True}, "count: expected an integer, got a boolean (true)"),
        ({"label": 1}, "label: expected a string, got an integer (1)"),
        ({"label": {"a": 1}}, "label: expected a string, got a table ({'a': 1})"),
    ],
)
def test_scalar_kinds(document, line):
    assert problems(document, Flags) == [line]


def test_no_silent_coercion_when_valid():
    conv = make_converter()
    flags = conv.structure({"strict": False, "ratio": 2, "count": 3, "label": "x"}, Flags)
    assert flags == Flags(strict=False, ratio=2.0, count=3, label="x")
    assert type(flags.ratio) is float  # an integer is a valid float, and becomes one
    assert type(flags.count) is int


@PROPERTY
@given(st.one_of(st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False), st.text(max_size=5)))
def test_strictness_property(value):
    """Each field accepts exactly its TOML type (float also accepts integers), nothing else."""
    conv = make_converter()
    for field, ok in [
        ("strict", isinstance(value, bool)),
        ("count", isinstance(value, int) and not isinstance(value, bool)),
        ("ratio", isinstance(value, (int, float)) and not isinstance(value, bool)),
        ("label", isinstance(value, str)),
    ]:
        if ok:
            assert getattr(conv.structure({field: value}, Flags), field) == value
        else:
            assert len(problems({field: value}, Flags)) == 1


# ------------------------------------------------------------------------------------- arrays and tables


@pytest.mark.parametrize(
    ("document", "line"),
    [
        (doc(plugins={"block": "zhishu_x"}), "plugins.block: expected an array, got a string ('zhishu_x')"),
        ({"index": {"id": "cp", "years": "2019"}}, "index.years: expected an array, got a string ('2019')"),
        (doc(nodes={"a": {"children": "b"}}), "nodes.a.children: expected an array, got a string ('b')"),
        (doc(units={"id": "bj"}), "units: expected an array, got a table ({'id': 'bj'})"),
        (doc(plugins=["zhishu_x"]), "plugins: expected a table, got an array (['zhishu_x'])"),
        ({"index": "cp"}, "index: expected a table, got a string ('cp')"),
        (doc(units=[3]), "units[0]: expected a table, got an integer (3)"),
        (doc(nodes={"a": "b"}), "nodes.a: expected a table, got a string ('b')"),
        (doc(nodes=["a"]), "nodes: expected a table, got an array (['a'])"),
        (doc(sources={"s": {"plugin": "csv", "params": []}}), "sources.s.params: expected a table, got an array ([])"),
        (doc(units=[{"id": "bj", "groups": []}]), "units[0].groups: expected a table, got an array ([])"),
    ],
)
def test_arrays_and_tables(document, line):
    assert problems(document) == [line]


def test_whole_document_not_a_table():
    assert problems(["index"]) == ["expected a table, got an array (['index'])"]


# ------------------------------------------------------------------------------------ unknown / missing


def test_unknown_key_with_did_you_mean():
    assert problems(doc(nodes={"a": {"childrn": ["b"]}})) == [
        f"nodes.a.childrn: unknown key: did you mean 'children'?; allowed keys here: {NODE_KEYS}"
    ]


def test_unknown_key_without_suggestion():
    assert problems(doc(bogus=1)) == [f"bogus: unknown key; allowed keys here: {TOP_KEYS}"]


def test_unknown_key_is_case_insensitive_hint():
    assert problems(doc(NORMALISATION={})) == [
        f"NORMALISATION: unknown key: did you mean 'normalisation'?; allowed keys here: {TOP_KEYS}"
    ]
    assert problems(doc(Nodes={})) == [
        f"Nodes: unknown key: did you mean 'nodes' or 'index'?; allowed keys here: {TOP_KEYS}"
    ]


def test_several_unknown_keys_in_one_table():
    assert problems(doc(units=[{"id": "bj", "nme": "北京", "zzz": 1}])) == [
        "units[0].nme: unknown key: did you mean 'name'?; allowed keys here: aliases, groups, id, name",
        "units[0].zzz: unknown key; allowed keys here: aliases, groups, id, name",
    ]


def test_missing_required_key():
    assert problems({"index": {}}) == ["index.id: required key is missing"]
    assert problems({}) == ["index: required key is missing"]
    assert problems(doc(sources={"nbs": {}})) == ["sources.nbs.plugin: required key is missing"]


# ---------------------------------------------------------------------------------------------- methods


def test_method_as_a_string_or_a_table():
    conv = make_converter()
    as_string = conv.structure(doc(nodes={"a": {"aggregator": "geometric"}}), IndexConfig)
    as_table = conv.structure(
        doc(nodes={"a": {"aggregator": {"method": "geometric"}, "weighting": {"method": "fixed", "params": {"values": {"x": 1}}}}}),
        IndexConfig,
    )
    assert as_string.nodes["a"].aggregator == MethodSpec(method="geometric")
    assert as_table.nodes["a"].aggregator == MethodSpec(method="geometric")
    assert as_table.nodes["a"].weighting == MethodSpec(method="fixed", params={"values": {"x": 1}})
    cfg = conv.structure(doc(normalisation={"default": "zscore"}), IndexConfig)
    assert cfg.normalisation.default == MethodSpec(method="zscore")
    assert conv.structure(doc(), IndexConfig).normalisation.default == MethodSpec(method="minmax")


@pytest.mark.parametrize(
    ("method", "lines"),
    [
        (
            3,
            ['normalisation.default: expected a method name ("minmax") or a table { method = "…", params = { … } }, '
             "got an integer (3)"],
        ),
        (
            ["minmax"],
            ['normalisation.default: expected a method name ("minmax") or a table { method = "…", params = { … } }, '
             "got an array (['minmax'])"],
        ),
        ({"method": 1}, ["normalisation.default.method: expected a string, got an integer (1)"]),
        ({"method": "zscore", "params": "sd=2"}, ["normalisation.default.params: expected a table, got a string ('sd=2')"]),
        (
            {"methd": "zscore"},
            [
                "normalisation.default.method: required key is missing",
                "normalisation.default.methd: unknown key: did you mean 'method'?; allowed keys here: method, params",
            ],
        ),
    ],
)
def test_method_errors(method, lines):
    assert problems(doc(normalisation={"default": method})) == lines


# ------------------------------------------------------------------------------------------------ paths


def test_error_inside_an_array():
    assert problems(doc(units=[{"id": "bj"}, {"id": 2}])) == ["units[1].id: expected a string, got an integer (2)"]
    assert problems(doc(units=[{"id": "bj"}, {"name": "上海"}])) == ["units[1].id: required key is missing"]


def test_error_inside_tables_with_non_bare_keys():
    assert problems(doc(nodes={"算力": {"children": [1, "b"]}})) == [
        'nodes."算力".children[0]: expected a string, got an integer (1)'
    ]
    assert problems(doc(nodes={"a.b": {"children": ["x", 2]}})) == [
        'nodes."a.b".children[1]: expected a string, got an integer (2)'
    ]
    assert problems(doc(nodes={'say "hi"': {"min_share": "x"}})) == [
        'nodes."say \\"hi\\"".min_share: expected a number, got a string (\'x\')'
    ]
    assert problems(doc(nodes={"x-y_1": {"weights": {"a b": "1"}}})) == [
        'nodes.x-y_1.weights."a b": expected a number, got a string (\'1\')'
    ]


def test_every_problem_in_one_document_is_reported():
    document = {
        "index": {"id": 1, "seed": "s"},
        "units": [{"id": "bj", "name": 3}, {"id": "sh"}, {"idd": "gz"}],
        "nodes": {"算力": {"weights": {"a": "x"}, "children": "a"}},
        "bogus": 1,
    }
    assert problems(document) == [
        "index.id: expected a string, got an integer (1)",
        "index.seed: expected an integer, got a string ('s')",
        "units[0].name: expected a string, got an integer (3)",
        "units[2].id: required key is missing",
        "units[2].idd: unknown key: did you mean 'id'?; allowed keys here: aliases, groups, id, name",
        'nodes."算力".children: expected an array, got a string (\'a\')',
        'nodes."算力".weights.a: expected a number, got a string (\'x\')',
        f"bogus: unknown key; allowed keys here: {TOP_KEYS}",
    ]


def test_valid_document_structures():
    cfg = make_converter().structure(
        {
            "index": {"id": "cp", "years": [2019, 2020], "seed": 3},
            "units": [{"id": "bj", "name": "北京", "aliases": ["北京市"], "groups": {"region": "east"}}],
            "nodes": {"算力": {"children": ["a", "b"], "weights": {"a": 2, "b": 1.5}, "min_share": 1}},
        },
        IndexConfig,
    )
    assert cfg.index == IndexMeta(id="cp", years=(2019, 2020), seed=3)
    assert cfg.units == (UnitConfig(id="bj", name="北京", aliases=("北京市",), groups={"region": "east"}),)
    assert cfg.nodes["算力"] == NodeConfig(children=("a", "b"), weights={"a": 2.0, "b": 1.5}, min_share=1.0)
    assert isinstance(cfg.index.years, tuple) and isinstance(cfg.nodes["算力"].min_share, float)


def test_component_params_structure_strictly():
    conv = make_converter()
    assert conv.structure({"low": 1, "high": 10}, MinMax) == MinMax(low=1.0, high=10.0)
    assert problems({"low": "1"}, MinMax) == ["low: expected a number, got a string ('1')"]
    assert problems({"lo": 1}, MinMax) == ["lo: unknown key: did you mean 'low'?; allowed keys here: high, low"]
    assert problems({"values": {"a": "2"}}, Fixed) == ["values.a: expected a number, got a string ('2')"]
    assert conv.structure({"values": {"a": 2, "b": 1}}, Fixed).values == {"a": 2.0, "b": 1.0}


# -------------------------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("name", "written"),
    [("abc", "abc"), ("a-b_1", "a-b_1"), ("42", "42"), ("算力", '"算力"'), ("a b", '"a b"'), ("a.b", '"a.b"'),
     ('q"', '"q\\""'), ("", '""')],
)
def test_key(name, written):
    assert key(name) == written


def test_join():
    assert join("", "nodes") == "nodes"
    assert join("nodes", "算力") == 'nodes."算力"'
    assert join('nodes."算力".children', 0, index=True) == 'nodes."算力".children[0]'


@pytest.mark.parametrize(
    ("value", "name"),
    [(True, "a boolean"), (1, "an integer"), (1.5, "a float"), ("s", "a string"), ([1], "an array"),
     ((1,), "an array"), ({}, "a table"), (None, "a NoneType")],
)
def test_toml_type(value, name):
    assert toml_type(value) == name
