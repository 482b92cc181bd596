"""Meta-tests (after datasette's): every hook is documented, tested and listed in the README.

Adding a hook spec without a docstring, a test that mentions it, or a row in README.md's hook table fails here.
"""

from __future__ import annotations

import inspect
import re
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


def _test_texts() -> dict[Path, str]:
    this = Path(__file__).resolve()
    return {
        p: p.read_text(encoding="utf-8")
        for p in sorted(TESTS.rglob("*.py"))
        if p.resolve() != this and "__pycache__" not in p.parts
    }


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_tested(name):
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    users = [p.relative_to(TESTS) for p, text in _test_texts().items() if pattern.search(text)]
    assert users, f"hook {name} is not mentioned in any test module under tests/ (besides this one): add a test"


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
