"""The documentation: the site builds strictly (a broken link or anchor fails), and the worked examples in the
docs give the numbers the docs print."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import zhishu

ROOT = Path(__file__).resolve().parents[1]
NORMALISERS = ROOT / "docs" / "methods" / "normalisers.md"


def mkdocs(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def have_mkdocs():
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install -e '.[docs]')")


def test_the_docs_site_builds_strictly(have_mkdocs, tmp_path):
    site = tmp_path / "site"
    done = mkdocs("build", "--strict", "--site-dir", str(site), cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "What pools years" in home  # README.md is the home page
    assert 'href="methods/normalisers.html#units-of-goalposts-targets-and-thresholds"' in home  # link rewritten
    assert "Keep a Changelog" in (site / "changelog.html").read_text(encoding="utf-8")
    for page in ["architecture", "sensitivity", "methods/normalisers", "methods/ahp", "methods/aggregators",
                 "methods/objective-weights", "methods/imputation-and-outliers"]:
        assert (site / f"{page}.html").is_file(), page


def test_a_broken_link_fails_the_build(have_mkdocs, tmp_path):
    """The strict build can fail: a copy of the docs with one dead link and one dead anchor is refused."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", copy / "docs")
    for name in ["mkdocs.yml", "README.md", "CHANGELOG.md"]:
        shutil.copy(ROOT / name, copy / name)
    page = copy / "docs" / "sensitivity.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[gone](methods/gone.md) [here](#no-such-anchor)\n",
                    encoding="utf-8")
    done = mkdocs("build", "--strict", "--site-dir", str(tmp_path / "site"), cwd=copy)
    assert done.returncode != 0
    assert "methods/gone.md" in done.stderr and "no-such-anchor" in done.stderr


# --------------------------------------------------------------------------------------------- worked examples


def block_after(text: str, marker: str) -> str:
    """The fenced block or table that follows ``<!-- example: marker -->`` in a docs page."""
    fenced = re.search(rf"<!-- example: {re.escape(marker)} -->\n```\w*\n(.*?)\n```\n", text, re.S)
    table = re.search(rf"<!-- example: {re.escape(marker)} -->\n((?:\|.*\n)+)", text)
    assert fenced or table, f"no example {marker!r} in the docs"
    return fenced.group(1) if fenced else table.group(1).rstrip("\n")


def test_goalposts_with_a_log_transform_give_the_documented_scores(tmp_path):
    """docs/methods/normalisers.md, "Units of goalposts": the HDI income index, (ln x − ln 100) /
    (ln 75 000 − ln 100) · 100, computed here with math.log, equals both the run and the documented table."""
    text = NORMALISERS.read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text(block_after(text, "log-goalposts config"), encoding="utf-8")
    (tmp_path / "gni.csv").write_text(block_after(text, "log-goalposts data") + "\n", encoding="utf-8")
    result = zhishu.run(tmp_path / "config.toml")
    scores = result.scores["index"].xs(2021, level="year")

    lo, hi = math.log(100), math.log(75_000)
    data = pd.read_csv(tmp_path / "gni.csv").set_index("unit")["gni_per_capita"]
    by_hand = {u: 100 * (min(max(math.log(x), lo), hi) - lo) / (hi - lo) for u, x in data.items()}
    assert scores.to_dict() == pytest.approx(by_hand, abs=1e-12)

    table = block_after(text, "log-goalposts scores").splitlines()[2:]
    documented = {row.split("|")[1].strip(): float(row.split("|")[4].split("(")[0].strip()) for row in table}
    assert scores.to_dict() == pytest.approx(documented, abs=1e-12)
    assert documented["d"] == 69.56373505726995  # the number quoted in README.md
    assert "69.56373505726995" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_goalposts_in_raw_units_with_a_log_transform_score_zero(tmp_path):
    """The documented mistake: raw-unit goalposts [100, 75000] with transform = "log" put every log below the
    lower goalpost, so every unit scores 0; without the transform they give the linear 13.22 for d."""
    text = NORMALISERS.read_text(encoding="utf-8")
    config = block_after(text, "log-goalposts config").replace("[4.605170185988092, 11.225243392518447]",
                                                                "[100, 75000]")
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    (tmp_path / "gni.csv").write_text(block_after(text, "log-goalposts data") + "\n", encoding="utf-8")
    assert (zhishu.run(tmp_path / "config.toml").scores["index"] == 0).all()
    (tmp_path / "config.toml").write_text(config.replace('transform = "log"\n', ""), encoding="utf-8")
    linear = zhishu.run(tmp_path / "config.toml").scores["index"].xs(2021, level="year")
    assert linear["d"] == pytest.approx((10_000 - 100) / 74_900 * 100) and round(linear["d"], 2) == 13.22
