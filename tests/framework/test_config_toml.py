"""zhishu.config.toml: configs parse to what ``tomllib`` gives, value for value and type for type, and fail with
tomllib's own exception, whichever parser did the work."""

from __future__ import annotations

import datetime
import importlib.util
import math
import sys
from pathlib import Path

import pytest

from zhishu.config import toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
TOML_FILES = sorted(p for d in ("configs", "examples", "plugins", "benchmarks", "tests") for p in (ROOT / d).rglob("*.toml"))


def typed(value):
    """``value`` with the type of every scalar beside it, so that 1 == 1.0 == True do not hide a difference."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return ("nan", math.copysign(1.0, value))
    return (type(value).__name__, value)


def outcome(parse, text):
    try:
        return "value", typed(parse(text))
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return type(exc), str(exc)


def test_the_repository_has_configs_to_compare():
    assert len(TOML_FILES) >= 10


def test_a_config_of_10000_indicators_parses_as_tomllib_parses_it():
    lines = ['[index]\nid = "big"\n[sources.s]\nplugin = "table"\nparams = { path = "x.csv" }']
    lines += [f"[indicators.i{i}]\ndirection = {1 if i % 7 else -1}\nname_zh = \"指标{i}\"" for i in range(10_000)]
    for j in range(500):
        children = ", ".join(f'"i{i}"' for i in range(j * 20, j * 20 + 20))
        lines.append(f"[nodes.g{j}]\nchildren = [{children}]")
    text = "\n".join(lines)
    assert outcome(toml.loads, text) == outcome(tomllib.loads, text)


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_toml_file_of_the_repository_parses_as_tomllib_parses_it(path):
    text = path.read_text(encoding="utf-8")
    assert outcome(toml.loads, text) == outcome(tomllib.loads, text)


VALUES = """\
s = "a\\tb\\u00e9\\U0001F600"
lit = 'C:\\path'
ml = \"\"\"
line one \\
  continued\"\"\"
i = [0, -17, 0x1F, 0o17, 0b101, 1_000, 9223372036854775807, 99999999999999999999]
f = [1.0, -0.0, 6.02e23, 1e-400, inf, -inf, 1_0.5]
n = nan
b = [true, false]
dt = 1979-05-27T07:32:00.999999-07:00
ldt = 1979-05-27T07:32:00
d = 1979-05-27
t = 07:32:00.5
mixed = [1, "a", [2.0], { x = 1 }]
"a.b" = 1
x.y.z = 2
[[arr]]
k = 1
[[arr]]
k = 2
[tab.sub]
"é" = 3
"""

BROKEN = [
    "a = 1\na = 2",
    "[t]\n[t]",
    "a = \"\\e\"",  # TOML 1.1 only
    "a = {b = 1,}",  # TOML 1.1 only
    "a = {\nb = 1}",  # TOML 1.1 only
    "t = 10:30",  # TOML 1.1 only
    "a = [1, 2",
    "a = ",
    "= 1",
    "a = 1 b = 2",
    "a = 'x\ny'",
    "a = 1979-13-27",
    "a = +nan1",
    "[a]\nb = 1\n[a.b]",
    "a = [1]\n[[a]]",
    "a = \"\x01\"",
    "a.b = 1\n[a]\nb = 2",
    "a = 1\r",
    "\ufeffa = 1",
    "a = 0777",
    "[[t]]\n[t]",
    "a = [" * 500 + "]" * 500,
    "a = " + "{ b = " * 400 + "1" + " }" * 400,
]


def test_values_and_their_types_are_tomllibs():
    first = outcome(toml.loads, VALUES)
    assert first[0] == "value"
    assert first == outcome(tomllib.loads, VALUES)
    parsed = toml.loads(VALUES)
    assert isinstance(parsed["dt"], datetime.datetime) and parsed["dt"].utcoffset() == datetime.timedelta(hours=-7)
    assert parsed["i"][-1] == 99999999999999999999 and parsed["f"][3] == 0.0


@pytest.mark.parametrize("text", BROKEN, ids=range(len(BROKEN)))
def test_a_broken_document_fails_with_tomllibs_exception_and_message(text):
    expected = outcome(tomllib.loads, text)
    assert expected[0] != "value"
    assert outcome(toml.loads, text) == expected


@pytest.mark.parametrize("levels", [50, 150, 300, 450])
def test_nested_arrays_and_tables_parse_or_fail_as_with_tomllib(levels):
    """Deeper than NESTING_CHECKED, tomllib parses again: the same value, or its RecursionError."""
    arrays = "a = " + "[" * levels + "1" + "]" * levels
    tables = "a = " + "{ b = " * levels + "1" + " }" * levels
    for text in (arrays, tables):
        assert outcome(toml.loads, text) == outcome(tomllib.loads, text)


def test_nesting_depth():
    assert not toml._nests_deeper({"a": 1}, 1)
    assert toml._nests_deeper({"a": {"b": 1}}, 1)
    assert not toml._nests_deeper({"a": [[1], {"b": [2]}]}, 4)
    assert toml._nests_deeper({"a": [[1], {"b": [2]}]}, 3)
    deep: dict = {}
    cur = deep
    for _ in range(toml.NESTING_CHECKED):
        cur["k"] = {}
        cur = cur["k"]
    assert toml._nests_deeper(deep, toml.NESTING_CHECKED)
    assert not toml._nests_deeper(deep, toml.NESTING_CHECKED + 1)


def _compiled_tomli() -> bool:
    spec = importlib.util.find_spec("tomli._parser") if importlib.util.find_spec("tomli") else None
    return spec is not None and not str(spec.origin).endswith(".py")


@pytest.mark.skipif(not _compiled_tomli(), reason="no compiled tomli installed: tomllib parses")
def test_the_compiled_tomli_of_toml_1_0_is_used_when_installed():
    import tomli

    assert toml.compiled_parser() is tomli.loads


def test_without_a_suitable_tomli_tomllib_parses(monkeypatch):
    """A tomli that reads TOML 1.1 (accepts the escape \\e) is not used."""
    import types

    fake = types.ModuleType("tomli")
    fake.TOMLDecodeError = ValueError
    fake.loads = lambda text: {"a": "\x1b"}
    fake_parser = types.ModuleType("tomli._parser")
    fake_parser.__file__ = "/somewhere/_parser.cpython-311-x86_64-linux-gnu.so"
    monkeypatch.setitem(sys.modules, "tomli", fake)
    monkeypatch.setitem(sys.modules, "tomli._parser", fake_parser)
    toml.compiled_parser.cache_clear()
    try:
        assert toml.compiled_parser() is None
        assert toml.loads('a = "x"') == {"a": "x"}
    finally:
        monkeypatch.undo()
        toml.compiled_parser.cache_clear()
