"""zhishu_regions: the unit set "cn_provinces" (31 mainland provinces, GB/T 2260 codes, NBS regions)."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

import zhishu
from zhishu_regions import provinces

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "nbs"
PANEL = SHARED / "nbs_provincial_digital_2015_2024.csv"
GDP = SHARED / "gdp_2022_nbs.csv"
needs_shared = pytest.mark.skipif(not PANEL.is_file() or not GDP.is_file(),
                                  reason=f"the shared NBS data files are not present under {SHARED}")


@pytest.fixture(scope="module")
def units():
    return {u.id: u for u in zhishu.Hooks().registries.unit_sets.get("cn_provinces").units}


def by_name(units):
    return {u.name: u for u in units.values()}


# --------------------------------------------------------------------------------------------- registration


def test_registered_through_the_entry_point():
    entry = zhishu.Hooks().registries.unit_sets.entry("cn_provinces")
    assert entry.plugin == "regions"
    assert entry.obj.id == "cn_provinces"


def test_31_provinces_no_hong_kong_macao_taiwan(units):
    assert len(units) == 31
    assert not {"810000", "820000", "710000"} & set(units)
    names = {u.name for u in units.values()}
    assert not {"香港", "澳门", "台湾"} & names


# --------------------------------------------------------------------------------------------- codes and names


@pytest.mark.parametrize(
    ("code", "name", "full", "english"),
    [
        # hand-checked against GB/T 2260 (provincial level)
        ("110000", "北京", "北京市", "Beijing"),
        ("140000", "山西", "山西省", "Shanxi"),
        ("150000", "内蒙古", "内蒙古自治区", "Inner Mongolia"),
        ("230000", "黑龙江", "黑龙江省", "Heilongjiang"),
        ("340000", "安徽", "安徽省", "Anhui"),
        ("450000", "广西", "广西壮族自治区", "Guangxi"),
        ("460000", "海南", "海南省", "Hainan"),
        ("500000", "重庆", "重庆市", "Chongqing"),
        ("540000", "西藏", "西藏自治区", "Tibet"),
        ("610000", "陕西", "陕西省", "Shaanxi"),
        ("640000", "宁夏", "宁夏回族自治区", "Ningxia"),
        ("650000", "新疆", "新疆维吾尔自治区", "Xinjiang"),
    ],
)
def test_hand_checked_codes_and_spellings(units, code, name, full, english):
    unit = units[code]
    assert unit.name == name
    assert full in unit.aliases and english in unit.aliases
    assert code[:2] in unit.aliases  # "11"
    assert code + "000000" in unit.aliases  # "110000000000"


def test_codes_are_the_gbt2260_provincial_codes(units):
    # the 31 mainland codes of GB/T 2260, written out by hand
    expected = {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
        "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    }
    assert {code[:2] for code in units} == expected
    assert all(len(code) == 6 and code.endswith("0000") for code in units)
    assert list(units) == sorted(units)  # code order


def test_tibet_and_inner_mongolia_other_english_names(units):
    assert "Xizang" in units["540000"].aliases
    assert "Nei Mongol" in units["150000"].aliases


def test_ids_names_and_aliases_are_unique_across_units(units):
    labels = [unicodedata.normalize("NFKC", label).strip()
              for u in units.values() for label in dict.fromkeys((u.id, u.name, *u.aliases))]
    repeated = [label for label, n in Counter(labels).items() if n > 1]
    assert repeated == []
    assert all(labels)


def test_full_names_are_short_names_plus_a_suffix(units):
    suffixes = ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区")
    for unit in units.values():
        full = unit.aliases[0]
        assert full.startswith(unit.name) and full[len(unit.name):] in suffixes, (unit.id, full)


# --------------------------------------------------------------------------------------------- groups


def test_nbs_four_regions(units):
    regions = {}
    for unit in units.values():
        regions.setdefault(unit.groups["region"], set()).add(unit.name)
    assert regions == {
        "东部": {"北京", "天津", "河北", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南"},
        "中部": {"山西", "安徽", "江西", "河南", "湖北", "湖南"},
        "西部": {"内蒙古", "广西", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆"},
        "东北": {"辽宁", "吉林", "黑龙江"},
    }


def test_three_belts(units):
    belts = Counter(u.groups["belt"] for u in units.values())
    assert belts == {"东部": 11, "中部": 8, "西部": 12}
    names = by_name(units)
    assert names["辽宁"].groups["belt"] == "东部"
    assert names["吉林"].groups["belt"] == names["黑龙江"].groups["belt"] == "中部"
    # every province outside the north-east keeps its four-region group as its belt
    assert all(u.groups["belt"] == u.groups["region"] for u in units.values() if u.groups["region"] != "东北")


def test_clusters(units):
    clusters = {}
    for unit in units.values():
        if "cluster" in unit.groups:
            clusters.setdefault(unit.groups["cluster"], set()).add(unit.name)
    assert clusters == {
        "京津冀": {"北京", "天津", "河北"},
        "长三角": {"上海", "江苏", "浙江", "安徽"},
        "粤港澳大湾区": {"广东"},
        "成渝": {"四川", "重庆"},
    }
    assert "cluster" not in by_name(units)["山西"].groups  # omitted, not ""


def test_plain_table_matches_the_unit_set(units):
    assert len(provinces.PROVINCES) == 31
    assert all(len(row) == len(provinces.COLUMNS) for row in provinces.PROVINCES)
    assert [row[0] for row in provinces.PROVINCES] == list(units)


# --------------------------------------------------------------------------------------------- through configs

CONFIG = """\
[index]
id = "provinces"
unit_set = "cn_provinces"

[sources.main]
plugin = "table"
params = {{ path = '{path}', unit_column = "{unit_column}"{extra} }}

[indicators.{indicator}]
direction = 1
variable = "{variable}"

[nodes.index]
children = ["{indicator}"]
"""


def run(write_config, path, unit_column, variable, extra=""):
    text = CONFIG.format(path=str(path), unit_column=unit_column, variable=variable, indicator="x", extra=extra)
    return zhishu.run(write_config(text))


@needs_shared
def test_shared_panel_short_names_match_all_31(write_config):
    result = run(write_config, PANEL, "province", "移动互联网接入流量 (万GB)", ', ignore_columns = ["region_code"]')
    # every province has data in every year (the framework lists unknown labels as an error otherwise)
    assert result.raw["x"].notna().all()
    assert len(result.units) == 31
    with PANEL.open(encoding="utf-8") as f:
        first = next(row for row in csv.DictReader(f) if row["province"] == "北京" and row["year"] == "2015")
    assert result.raw.loc[("110000", 2015), "x"] == float(first["移动互联网接入流量 (万GB)"])


@needs_shared
def test_shared_panel_region_codes_match_all_31(write_config):
    # the 12-digit codes of the region_code column are aliases too
    result = run(write_config, PANEL, "region_code", "移动互联网用户 (万户)", ', ignore_columns = ["province"]')
    assert result.raw["x"].notna().all()
    with PANEL.open(encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["year"] == "2020"]
    assert {row["region_code"][:6] for row in rows} == set(result.units.index)
    xinjiang = next(row for row in rows if row["province"] == "新疆")
    assert result.raw.loc[("650000", 2020), "x"] == float(xinjiang["移动互联网用户 (万户)"])


@needs_shared
def test_shared_gdp_full_names_match_all_31(write_config):
    result = run(write_config, GDP, "province", "value", ', ignore_columns = ["unit"]')
    assert result.raw["x"].notna().all() and len(result.raw) == 31
    # hand-read from the file: 广东省 129118.6, 西藏自治区 2132.6, 内蒙古自治区 23158.6 (亿元, 2022)
    assert result.raw.loc[("440000", 2022), "x"] == 129118.6
    assert result.raw.loc[("540000", 2022), "x"] == 2132.6
    assert result.raw.loc[("150000", 2022), "x"] == 23158.6
    assert result.units.loc["440000", "cluster"] == "粤港澳大湾区"
    assert result.units.loc["150000", "region"] == "西部"


def test_english_names_and_two_digit_codes_match(write_config, tmp_path):
    data = tmp_path / "en.csv"
    data.write_text("unit,year,v\nBeijing,2022,1\nInner Mongolia,2022,2\nTibet,2022,3\n44,2022,4\nＳｈａａｎｘｉ ,2022,5\n",
                    encoding="utf-8")
    result = run(write_config, data, "unit", "v")
    values = result.raw["x"].dropna()
    assert values.to_dict() == {("110000", 2022): 1.0, ("150000", 2022): 2.0, ("440000", 2022): 4.0,
                                ("540000", 2022): 3.0, ("610000", 2022): 5.0}


def test_unknown_label_is_the_frameworks_match_no_unit_error(write_config, tmp_path):
    data = tmp_path / "hk.csv"
    data.write_text("unit,year,v\n北京,2022,1\n香港,2022,2\n", encoding="utf-8")
    with pytest.raises(zhishu.DataError, match=r"sources\.main: 1 unit label\(s\) match no unit: '香港'"):
        run(write_config, data, "unit", "v")


def test_two_spellings_of_one_province_are_reported(write_config, tmp_path):
    data = tmp_path / "twice.csv"
    data.write_text("unit,year,v\n北京,2022,1\n北京市,2022,2\n", encoding="utf-8")
    with pytest.raises(zhishu.DataError, match="several rows map to the same unit and year"):
        run(write_config, data, "unit", "v")
