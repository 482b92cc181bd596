"""The plugin template (examples/plugin-template), installed like any third-party plugin, is listed by
``zhishu plugins``, can be blocked, and its components work from a config through the command line.

The template's own tests (examples/plugin-template/tests) check it from the plugin author's side.
"""

from __future__ import annotations

import csv
import importlib.metadata as md
import json
import os
import subprocess
import sys

import pytest

try:
    md.distribution("zhishu-plugin-template")
except md.PackageNotFoundError:
    pytest.skip(
        "zhishu-plugin-template is not installed; run `pip install -e examples/plugin-template` "
        "(`make test` does this)",
        allow_module_level=True,
    )

import zhishu  # noqa: E402
from zhishu.testing import check_registered  # noqa: E402

DATA = """\
unit,year,gdp,population,area
A,2020,50,100,10
B,2020,100,300,10
C,2020,25,200,10
A,2021,80,400,10
B,2021,40,100,5
C,2021,20,300,10
"""

CONFIG = """\
[index]
id = "template-demo"
root = "index"

[sources.main]
plugin = "table"
params = { path = "data.csv" }

[indicators.gdp]
direction = 1
variable = "gdp"
normaliser = "ratio_to_max"

[nodes.index]
children = ["gdp", "template_density"]
weighting = "equal"
aggregator = "arithmetic"

[normalisation]
default = "minmax"
"""


def zhishu_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "ZHISHU_BLOCK_PLUGINS"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "zhishu", *args], capture_output=True, text=True, env=environ, timeout=120
    )


def test_zhishu_plugins_lists_the_template_with_its_distribution_and_components():
    proc = zhishu_cli("plugins")
    assert proc.returncode == 0, proc.stderr
    version = md.version("zhishu-plugin-template")
    for text in ("template", "zhishu-plugin-template", version, "ratio_to_max", "template_density"):
        assert text in proc.stdout, f"{text!r} not in `zhishu plugins` output:\n{proc.stdout}"


def test_a_blocked_template_is_not_listed():
    proc = zhishu_cli("plugins", env={"ZHISHU_BLOCK_PLUGINS": "template"})
    assert proc.returncode == 0, proc.stderr
    assert "zhishu-plugin-template" not in proc.stdout
    assert "ratio_to_max" not in proc.stdout


def test_the_template_normaliser_keeps_the_contracts_as_registered():
    registries = zhishu.Hooks().registries
    check_registered("normalisers", "ratio_to_max", registries.normalisers.get("ratio_to_max"))


def test_zhishu_run_uses_the_template_from_a_config(tmp_path):
    (tmp_path / "data.csv").write_text(DATA, encoding="utf-8")
    (tmp_path / "index.toml").write_text(CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    proc = zhishu_cli("run", str(tmp_path / "index.toml"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr

    with open(out / "scores.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["unit", "year", "node", "level", "score", "rank"]
    got = {(r["node"], r["unit"], int(r["year"])): (float(r["score"]), int(float(r["rank"]))) for r in rows}
    # gdp by ratio_to_max, template_density = population / area by min-max, index = their mean (per year)
    expected = {
        ("gdp", "A", 2020): (50.0, 2), ("gdp", "B", 2020): (100.0, 1), ("gdp", "C", 2020): (25.0, 3),
        ("template_density", "A", 2020): (0.0, 3), ("template_density", "B", 2020): (100.0, 1),
        ("template_density", "C", 2020): (50.0, 2),
        ("index", "A", 2020): (25.0, 3), ("index", "B", 2020): (100.0, 1), ("index", "C", 2020): (37.5, 2),
        ("index", "A", 2021): (100.0, 1), ("index", "B", 2021): (25.0, 3), ("index", "C", 2021): (37.5, 2),
    }
    for key, (score, rank) in expected.items():
        assert key in got, f"no row for {key} in scores.csv"
        assert got[key][0] == pytest.approx(score), key
        assert got[key][1] == rank, key

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    template = [p for p in manifest["plugins"] if p["name"] == "template"]
    assert template and template[0]["distribution"] == "zhishu-plugin-template", manifest["plugins"]
    assert template[0]["version"] == md.version("zhishu-plugin-template")
