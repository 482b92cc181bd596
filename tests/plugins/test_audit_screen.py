"""Unit screening (``[index] screen = { min_coverage = …, by = "unit" }``, COINr's ``Screen(unit_screen = "byNA")``):
a unit is dropped in a year when its share of indicators with data that year is below ``min_coverage``; the
dropped units are listed by ``zhishu run``, ``zhishu explain`` and in the manifest, never silently.

The expected units are counted by hand from the data below."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import zhishu

# 4 indicators. Shares of indicators with data, by hand:
#   A 2020: 4/4 = 1.00   A 2021: 4/4 = 1.00
#   B 2020: 3/4 = 0.75   B 2021: 2/4 = 0.50  ← below 0.65
#   C 2020: 2/4 = 0.50 ← below 0.65           C 2021: 3/4 = 0.75
#   D 2020: 1/4 = 0.25 ← below                D 2021: 0/4 = 0.00 ← below
#   E 2020: 4/4                               E 2021: 4/4
DATA = """\
unit,year,a,b,c,d
A,2020,1,2,3,4
A,2021,2,3,4,5
B,2020,2,,5,1
B,2021,3,,,2
C,2020,,4,,3
C,2021,4,5,,4
D,2020,5,,,
D,2021,,,,
E,2020,3,1,2,2
E,2021,1,1,1,1
"""

CONFIG = """\
[index]
id = "screened"
screen = {{ min_coverage = {threshold}, by = "unit" }}

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.a]
direction = 1
[indicators.b]
direction = 1
[indicators.c]
direction = 1
[indicators.d]
direction = 1

[nodes.index]
children = ["a", "b", "c", "d"]

[imputation]
default = "none"
"""

DROPPED_065 = {("B", 2021), ("C", 2020), ("D", 2020), ("D", 2021)}


def config(write_config, threshold=0.65):
    return write_config(CONFIG.format(threshold=threshold), data__csv=DATA)


def test_screen_drops_exactly_the_units_counted_by_hand(write_config):
    result = zhishu.run(config(write_config))
    kept = set(result.scores.index)
    every = {(u, y) for u in "ABCDE" for y in (2020, 2021)}
    assert kept == every - DROPPED_065
    assert set(result.raw.index) == kept and set(result.normalised.index) == kept
    screening = result.manifest["screening"]
    assert screening["min_coverage"] == 0.65 and screening["by"] == "unit"
    dropped = {(d["unit"], d["year"]): d["coverage"] for d in screening["dropped"]}
    assert dropped == {("B", 2021): 0.5, ("C", 2020): 0.5, ("D", 2020): 0.25, ("D", 2021): 0.0}


@pytest.mark.parametrize("threshold, expected", [
    (0.0, set()),                                                  # nothing is below 0
    (0.5, {("D", 2020), ("D", 2021)}),                             # 0.5 itself is kept (below, not at)
    (0.75, DROPPED_065),
    (0.76, DROPPED_065 | {("B", 2020), ("C", 2021)}),
    (1.0, DROPPED_065 | {("B", 2020), ("C", 2021)}),
])
def test_screen_threshold_is_strictly_below(write_config, threshold, expected):
    result = zhishu.run(config(write_config, threshold))
    dropped = {(d["unit"], d["year"]) for d in result.manifest["screening"]["dropped"]}
    assert dropped == expected
    assert set(result.scores.index).isdisjoint(expected)


def test_screen_is_reported_by_run_explain_and_the_manifest(write_config, tmp_path, capsys):
    from zhishu import cli

    path = config(write_config)
    assert cli.main(["run", str(path), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "screened out 4 unit-years below 65 % of indicators: B 2021 (50 %), C 2020 (50 %), D 2020 (25 %), " \
           "D 2021 (0 %)" in out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["screening"]["dropped"]) == 4
    assert cli.main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "screen: a unit is dropped in a year when fewer than 65 % of its indicators have data" in out
    assert "D 2021 (0 %)" in out


def test_screen_config_errors(write_config):
    path = write_config(CONFIG.format(threshold=1.5), data__csv=DATA)
    with pytest.raises(zhishu.ConfigError, match="index.screen"):
        zhishu.load_config(path)
    path = write_config(CONFIG.format(threshold=0.5).replace('by = "unit"', 'by = "indicator"'), data__csv=DATA)
    with pytest.raises(zhishu.ConfigError, match="index.screen"):
        zhishu.load_config(path)


def test_without_screen_nothing_changes(write_config):
    path = write_config(CONFIG.format(threshold=0).replace('screen = { min_coverage = 0, by = "unit" }\n', ""),
                        data__csv=DATA)
    result = zhishu.run(path)
    assert len(result.scores) == 10 and "screening" not in result.manifest


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=3, max_size=8),
       st.sampled_from([0.25, 0.5, 0.65, 0.75, 1.0]))
def test_screen_drops_every_row_below_the_share_and_no_other(write_config, present, threshold):
    rows = ["unit,year,a,b,c,d"]
    for i, mask in enumerate(present):
        cells = [str(i + j + 1) if ok else "" for j, ok in enumerate(mask)]
        rows.append(f"U{i},2020," + ",".join(cells))
    path = write_config(CONFIG.format(threshold=threshold), data__csv="\n".join(rows) + "\n")
    if all(sum(m) / 4 < threshold for m in present):
        return  # every unit dropped: nothing left to compute (an error, checked elsewhere)
    result = zhishu.run(path)
    expected = {f"U{i}" for i, m in enumerate(present) if sum(m) / 4 < threshold}
    assert {d["unit"] for d in result.manifest["screening"]["dropped"]} == expected
    assert set(result.scores.index.get_level_values("unit")) == {f"U{i}" for i in range(len(present))} - expected


def test_a_screen_that_drops_every_unit_is_a_clear_error(write_config):
    path = write_config(CONFIG.format(threshold=1.0), data__csv=DATA.replace("A,2020,1,2,3,4", "A,2020,1,2,3,")
                        .replace("A,2021,2,3,4,5", "A,2021,2,3,4,").replace("E,2020,3,1,2,2", "E,2020,3,1,2,")
                        .replace("E,2021,1,1,1,1", "E,2021,1,1,1,"))
    with pytest.raises(zhishu.DataError, match=r"index.screen: the screen drops every unit: the best-covered unit has "
                                               r"75% of the indicators with data, below min_coverage = 1"):
        zhishu.run(path)


def test_the_audit_lists_the_units_screened_out(write_config):
    from zhishu_audit import audit

    found = audit(zhishu.run(config(write_config)))["findings"]
    messages = list(found.loc[found["topic"] == "coverage", "message"])
    assert "unit D (D) was screened out in 2021: data for 0 % of indicators (< 65 %, [index] screen)" in messages
    assert sum("screened out" in m for m in messages) == 4
