"""Optional libraries: each in an extra, and a missing one is a user error (exit 2) naming the extra to install.

The missing library is blocked for real in a fresh interpreter (``sys.modules[name] = None`` makes every
``import name`` fail, as if it were not installed) — no zhishu internals are mocked.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from zhishu.optional import EXTRAS, MissingDependencyError, require

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"

DATA = "unit,year,a,b\nA,2021,10,5\nB,2021,20,15\nC,2021,30,10\nD,2021,12,7\n"
CONFIG = """
[index]
id = "toy"

[sources.main]
plugin = "table"
params = {{ path = "{data}" }}

[indicators.a]
direction = 1

[indicators.b]
direction = -1

[nodes.index]
children = ["a", "b"]
{extra}
"""
SOBOL = """
[sensitivity]
replications = 8
sobol = true
[sensitivity.weights]
noise = 0.2
"""


def zhishu_without(modules: list[str], *argv) -> subprocess.CompletedProcess:
    """``zhishu argv…`` in a new interpreter in which ``modules`` cannot be imported."""
    code = textwrap.dedent(f"""
        import sys
        for name in {modules!r}:
            sys.modules[name] = None  # "import name" now raises ModuleNotFoundError, as if not installed
        from zhishu.cli import main
        sys.exit(main({[str(a) for a in argv]!r}))
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)


def config(tmp_path, extra: str = "", data: str = "data.csv") -> Path:
    (tmp_path / "data.csv").write_text(DATA)
    path = tmp_path / "toy.toml"
    path.write_text(CONFIG.format(data=data, extra=extra))
    return path


def requirements_by_extra() -> dict[str, set[str]]:
    """Extra → the distributions it installs, from zhishu's installed metadata (i.e. from pyproject.toml)."""
    out: dict[str, set[str]] = {}
    for req in md.requires("zhishu") or []:
        found = re.search(r"""extra\s*==\s*["']([^"']+)["']""", req)
        if found:
            out.setdefault(found[1], set()).add(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower())
    return out


def test_every_optional_library_is_in_the_extra_the_messages_name():
    extras = requirements_by_extra()
    distribution = {"SALib": "salib", "dask": "dask", "distributed": "dask", "pyarrow": "pyarrow"}
    for module, extra in EXTRAS.items():
        assert distribution[module] in extras.get(extra, set()), (module, extra, extras)


def test_scipy_is_a_dependency_because_the_engine_imports_it():
    imported = [p for p in (ROOT / "framework").rglob("*.py") if re.search(r"^\s*(from|import) scipy\b",
                                                                           p.read_text(encoding="utf-8"), re.M)]
    assert imported, "scipy is no longer imported: drop it from the dependencies"
    core = [r for r in md.requires("zhishu") if "extra ==" not in r]
    assert any(r.lower().startswith("scipy") for r in core), core


def test_require_imports_or_names_the_extra(monkeypatch):
    assert require("json").__name__ == "json"
    monkeypatch.setitem(sys.modules, "SALib", None)
    with pytest.raises(MissingDependencyError) as info:
        require("SALib", purpose="Sobol indices")
    assert str(info.value) == ("Sobol indices needs SALib, which is not installed: install `zhishu[sensitivity]` "
                               "(pip install 'zhishu[sensitivity]')")


def test_sensitivity_without_salib_is_exit_2_naming_the_extra(tmp_path):
    path = config(tmp_path, SOBOL)
    proc = zhishu_without(["SALib"], "sensitivity", path, "-o", tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    assert "needs SALib, which is not installed: install `zhishu[sensitivity]`" in proc.stderr
    assert "Traceback" not in proc.stderr and "bug" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_validate_warns_before_a_run_that_salib_is_missing(tmp_path):
    path = config(tmp_path, SOBOL)
    proc = zhishu_without(["SALib"], "validate", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"warning: {path}: [sensitivity] sobol = true (Sobol sampling and indices) needs "
                                  "SALib, which is not installed: install `zhishu[sensitivity]`"), proc.stderr
    assert proc.stdout.startswith(f"ok: {path}")
    proc = zhishu_without([], "validate", path)  # installed: no warning
    assert proc.returncode == 0 and proc.stderr == ""


def test_dask_executor_without_distributed_is_exit_2(tmp_path):
    path = config(tmp_path, SOBOL.replace("sobol = true", "sobol = false"))
    proc = zhishu_without(["distributed"], "sensitivity", path, "-o", tmp_path / "out", "--executor", "dask")
    assert proc.returncode == 2, proc.stderr
    assert "the dask executor needs distributed, which is not installed: install `zhishu[sensitivity]`" in proc.stderr


def test_parquet_source_without_pyarrow(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pd.read_csv(__import__("io").StringIO(DATA)).to_parquet(tmp_path / "data.parquet")
    path = config(tmp_path, data="data.parquet")
    proc = zhishu_without(["pyarrow"], "validate", path, "--no-data")
    assert proc.returncode == 0, proc.stderr
    assert "warning: " in proc.stderr and "needs pyarrow, which is not installed: install `zhishu[parquet]`" in \
        proc.stderr
    proc = zhishu_without(["pyarrow"], "run", path, "-o", tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    assert "reading .parquet files needs pyarrow, which is not installed: install `zhishu[parquet]`" in proc.stderr
    assert zhishu_without([], "run", path, "-o", tmp_path / "out").returncode == 0


def test_installed_finds_without_importing_and_sees_blocked_modules(monkeypatch):
    import subprocess
    import sys

    from zhishu.optional import installed

    code = ("import sys; from zhishu.optional import installed; "
            "print(installed('distributed'), 'distributed' in sys.modules, installed('no_such_module_zhishu'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "False"]  # found, yet not imported; an absent module is not found
    monkeypatch.setitem(sys.modules, "distributed", None)  # how a test or a user blocks an import
    assert installed("distributed") is False
