"""Meta-tests (after datasette's): every hook is documented, tested and listed in the README.

Adding a hook spec without a docstring, a test that exercises it, or a row in README.md's hook table fails here.
"Exercises" is read from the syntax tree of the test modules, not their text: a test module either implements
the hook (a function of that name decorated with ``hookimpl``, which a test then registers — also inside the
source of a plugin module a test writes out as a string) or calls it through pluggy (``….hook.NAME``) or
through zhishu's facade (``hooks.NAME``, ``Hooks(…).NAME``). A mention in prose or a comment does not count.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest

from zhishu import hookspecs

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def _specs() -> dict[str, object]:
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return {
        name: fn
        for name, fn in vars(hookspecs).items()
        if inspect.isfunction(fn) and getattr(fn, marker, None) is not None
    }


SPECS = _specs()


def _opts(name: str) -> dict:
    return getattr(SPECS[name], f"{hookspecs.PROJECT_NAME}_spec")


def test_hookspecs_found():
    # a sanity check on the discovery above, so the parametrised tests below cannot pass vacuously
    assert {"register_normalisers", "read_table", "validate_config", "before_run", "after_run"} <= set(SPECS)
    assert len(SPECS) >= 15


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_documented(name):
    doc = inspect.getdoc(SPECS[name])
    assert doc, f"hook spec {name} has no docstring"
    assert re.search(r"^\.\. versionadded:: \d+\.\d+", doc, re.M), f"hook spec {name} has no versionadded line"
    assert doc.splitlines()[0].strip(), f"hook spec {name}: the docstring should open with a summary line"


def _test_modules() -> dict[Path, ast.Module]:
    this = Path(__file__).resolve()
    return {
        p: ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
        for p in sorted(TESTS.rglob("*.py"))
        if p.resolve() != this and "__pycache__" not in p.parts
    }


def _is_hookimpl(decorator: ast.expr) -> bool:
    """``@hookimpl``, ``@zhishu.hookimpl`` or either called with options, e.g. ``@hookimpl(tryfirst=True)``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "hookimpl") or (
        isinstance(target, ast.Attribute) and target.attr == "hookimpl")


def _is_hook_caller(node: ast.expr) -> bool:
    """``pm.hook``, ``hooks`` / ``plan.hooks`` (zhishu.Hooks) or ``Hooks(…)`` / ``zhishu.Hooks(…)``."""
    if isinstance(node, ast.Attribute):
        return node.attr in ("hook", "hooks")
    if isinstance(node, ast.Name):
        return node.id == "hooks"
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Name) and func.id == "Hooks") or (
            isinstance(func, ast.Attribute) and func.attr == "Hooks")
    return False


def exercised_hooks(tree: ast.Module) -> set[str]:
    """Hooks a module implements (a hookimpl-decorated function of the hook's name, also in the source of a
    plugin module written as a string) or calls (``pm.hook.NAME``, ``hooks.NAME``, ``Hooks(…).NAME``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(map(_is_hookimpl, node.decorator_list)):
            found.add(node.name)
        elif isinstance(node, ast.Attribute) and _is_hook_caller(node.value):
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "hookimpl" in node.value:
            try:
                found |= exercised_hooks(ast.parse(textwrap.dedent(node.value)))
            except SyntaxError:  # prose that mentions hookimpl, not a module
                pass
    return found


@pytest.fixture(scope="module")
def exercised() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for path, tree in _test_modules().items():
        for name in exercised_hooks(tree):
            out.setdefault(name, []).append(path.relative_to(TESTS))
    return out


def test_a_mention_is_not_a_test():
    """The criterion itself: text, comments and a plain attribute of another name do not count."""
    tree = ast.parse('''
# register_sources is great
text = "register_sources before_run, see hookimpl"
config.registries.after_step
plugin_source = """
import zhishu
@zhishu.hookimpl
def register_weightings(register): ...
"""
hooks.validate_config(plan, registries)
@hookimpl
def register_normalisers(register): ...
@zhishu.hookimpl(tryfirst=True)
def after_run(result): ...
pm.hook.read_table(path=p, options={})
pm.hook.validate_config.get_hookimpls()
''')
    assert exercised_hooks(tree) == {"register_normalisers", "after_run", "read_table", "validate_config",
                                     "register_weightings"}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_tested(name, exercised):
    assert exercised.get(name), (
        f"hook {name} is neither implemented (@hookimpl def {name}) nor called (.hook.{name}(…)) in any test module "
        "under tests/ (besides this one): add a test that exercises it")


def test_read_table_is_the_only_firstresult_hook():
    firstresult = sorted(name for name in SPECS if _opts(name).get("firstresult"))
    assert firstresult == ["read_table"]


def test_no_historic_hooks():
    # registration hooks are called per run through Hooks, never replayed
    assert sorted(name for name in SPECS if _opts(name).get("historic")) == []


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_listed_in_readme(name):
    readme = ROOT / "README.md"
    assert readme.is_file(), "README.md (with its hook table) is missing"
    text = readme.read_text(encoding="utf-8")
    assert re.search(rf"\b{re.escape(name)}\b", text), f"hook {name} is not listed in README.md"
