"""zhishu_supercomputers: the "supercomputers" source (one row per system → sums per region and year, EFlops).

The lists below are hand-made and illustrative (fictional systems A–E), not real TOP500 entries.
"""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import zhishu
from zhishu_supercomputers.source import TO_EFLOPS, SupercomputerSource, list_frame

NAN = np.nan

#: Five systems in three provinces (天津 written as its code), Rmax and Rpeak in TFlops.
LIST = """\
name,province,year,rmax,rpeak,site
A,江苏,2022,90000,120000,无锡
B,广东,2022,60000,100000,广州
C,广东,2022,2500,4000,深圳
D,120000,2022,4000,4700,天津
E,广东,2023,61000,100000,广州
"""

#: By hand, 1 TFlops = 10⁻⁶ EFlops:
#:   江苏 2022: Rmax 90000 → 0.09, Rpeak 120000 → 0.12, 1 system
#:   广东 2022: Rmax 60000 + 2500 = 62500 → 0.0625, Rpeak 100000 + 4000 = 104000 → 0.104, 2 systems
#:   120000 2022: Rmax 4000 → 0.004, Rpeak 4700 → 0.0047, 1 system
#:   广东 2023: Rmax 61000 → 0.061, Rpeak 100000 → 0.1, 1 system
COLUMNS = ["supercomputer_rmax", "supercomputer_rpeak", "supercomputer_count"]


def expected(rows, columns=COLUMNS):
    index = pd.MultiIndex.from_arrays(
        [[r[0] for r in rows], np.array([r[1] for r in rows], dtype="int64")], names=["unit", "year"]
    )
    return pd.DataFrame([list(r[2:]) for r in rows], index=index, columns=columns, dtype="float64")


EXPECTED = expected([
    ("江苏", 2022, 0.09, 0.12, 1.0),
    ("广东", 2022, 0.0625, 0.104, 2.0),
    ("120000", 2022, 0.004, 0.0047, 1.0),
    ("广东", 2023, 0.061, 0.1, 1.0),
])


def context(tmp_path):
    return zhishu.SourceContext(base_dir=tmp_path, source_id="s", key_path="sources.s",
                                read_table_hook=zhishu.Hooks().read_table)


def load(tmp_path, text=LIST, name="list.csv", **params):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return SupercomputerSource(path=name, **params).load(context(tmp_path))


def messages(info):
    return [issue.format() for issue in info.value.issues]


def test_registered_through_the_entry_point():
    entry = zhishu.Hooks().registries.sources.entry("supercomputers")
    assert entry.plugin == "supercomputers" and entry.obj is SupercomputerSource


# --------------------------------------------------------------------------------------------- sums


def test_sums_per_region_and_year_in_eflops(tmp_path):
    assert_frame_equal(load(tmp_path), EXPECTED, rtol=1e-12)


@pytest.mark.parametrize(("unit", "scale"), [("GFlops", 1e3), ("TFlops", 1.0), ("PFlops", 1e-3), ("EFlops", 1e-6)])
def test_units(tmp_path, unit, scale):
    # the same performances written in another unit (GFlops: ×1000 the TFlops numbers …) give the same EFlops
    rows = [line.split(",") for line in LIST.splitlines()]
    for row in rows[1:]:
        row[3], row[4] = repr(float(row[3]) * scale), repr(float(row[4]) * scale)
    text = "\n".join(",".join(r) for r in rows) + "\n"
    assert_frame_equal(load(tmp_path, text, unit=unit), EXPECTED, rtol=1e-12)


def test_conversion_factors():
    assert TO_EFLOPS == {"GFlops": 1e-9, "TFlops": 1e-6, "PFlops": 1e-3, "EFlops": 1.0}


def test_constant_year_renamed_columns_and_variables(tmp_path):
    text = "system,site province,Rmax [TFlop/s],Rpeak [TFlop/s]\nA,江苏,90000,120000\nB,江苏,10000,20000\n"
    frame = load(tmp_path, text, year=2023, region_column="site province", rmax_column="Rmax [TFlop/s]",
                 rpeak_column="Rpeak [TFlop/s]", name_column="system", rmax_variable="hpc_rmax",
                 rpeak_variable="hpc_rpeak", count_variable="hpc_n")
    # 90000 + 10000 = 100000 TFlops = 0.1 EFlops; 120000 + 20000 = 140000 → 0.14
    assert_frame_equal(frame, expected([("江苏", 2023, 0.1, 0.14, 2.0)], ["hpc_rmax", "hpc_rpeak", "hpc_n"]),
                       rtol=1e-12)


def test_list_without_rpeak(tmp_path):
    text = "province,year,rmax\n江苏,2022,90000\n江苏,2022,1000\n"
    frame = load(tmp_path, text, rpeak_column="")
    assert_frame_equal(frame, expected([("江苏", 2022, 0.091, 2.0)], ["supercomputer_rmax", "supercomputer_count"]),
                       rtol=1e-12)


def test_a_missing_value_makes_its_region_year_missing_not_understated(tmp_path):
    text = LIST.replace("C,广东,2022,2500,4000", "C,广东,2022,2500,")
    frame = load(tmp_path, text)
    assert math.isnan(frame.loc[("广东", 2022), "supercomputer_rpeak"])
    assert frame.loc[("广东", 2022), "supercomputer_rmax"] == pytest.approx(0.0625)
    assert frame.loc[("广东", 2022), "supercomputer_count"] == 2.0
    assert frame.loc[("广东", 2023), "supercomputer_rpeak"] == pytest.approx(0.1)


def test_thousands_separator(tmp_path):
    text = 'province,year,rmax,rpeak\n江苏,2022,"93,014.6","125,435.9"\n'
    frame = load(tmp_path, text, thousands=",")
    assert frame.loc[("江苏", 2022)].tolist() == pytest.approx([0.0930146, 0.1254359, 1.0])


def test_excel_list_with_numeric_codes(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["name", "province", "year", "rmax", "rpeak"])
    ws.append(["A", 440000, 2022, 1500.5, 2000])
    ws.append(["B", 440000.0, 2022, 500, 1000])
    book.save(tmp_path / "list.xlsx")
    frame = SupercomputerSource(path="list.xlsx", unit="PFlops").load(context(tmp_path))
    # (1500.5 + 500) PFlops = 2000.5 PFlops = 2.0005 EFlops; (2000 + 1000) PFlops = 3 EFlops
    assert_frame_equal(frame, expected([("440000", 2022, 2.0005, 3.0, 2.0)]), rtol=1e-12)


# --------------------------------------------------------------------------------------------- errors


def test_rows_without_a_region_list_the_systems(tmp_path):
    text = LIST.replace("B,广东", "B,").replace("D,120000", "D, ")
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, text)
    assert messages(info) == [
        f"{tmp_path / 'list.csv'}: sources.s.params.region_column: 2 system(s) without a region in column "
        "'province': line 3 (B), line 5 (D); write the province of each system's site"
    ]


def test_many_rows_without_a_region_are_listed_up_to_the_shared_limit(tmp_path):
    # 13 systems without a region: the first zhishu.MAX_LISTED (10) are named, then "and 3 more"
    text = "name,province,year,rmax\n" + "".join(f"S{i:02d},,2022,1\n" for i in range(13))
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, text, rpeak_column="")
    listed = ", ".join(f"line {i + 2} (S{i:02d})" for i in range(10))
    assert zhishu.MAX_LISTED == 10
    assert messages(info) == [
        f"{tmp_path / 'list.csv'}: sources.s.params.region_column: 13 system(s) without a region in column "
        f"'province': {listed} and 3 more; write the province of each system's site"
    ]


def test_rows_without_a_region_and_no_name_column(tmp_path):
    with pytest.raises(zhishu.DataError, match=r"1 system\(s\) without a region in column 'province': line 3;"):
        load(tmp_path, "province,year,rmax,rpeak\n江苏,2022,1,2\n,2022,3,4\n")


def test_bad_numbers_and_years(tmp_path):
    text = LIST.replace("60000,100000", "6万,100000").replace("4000,4700", "-4000,4700").replace(
        "E,广东,2023", "E,广东,2023.5")
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, text)
    assert [m.split("list.csv: ")[1] for m in messages(info)] == [
        "sources.s.params.year_column: line 6 (E): year '2023.5' is not a whole number",
        "sources.s: line 3 (B), column 'rmax': '6万' is not a number",
        "sources.s: line 5 (D), column 'rmax': '-4000' is negative; performance cannot be below 0",
    ]


def test_missing_columns(tmp_path):
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, "name,provinec,year,Rmax\nA,江苏,2022,1\n", name_column="system")
    found = [m.split("list.csv: ")[1] for m in messages(info)]
    assert found[0].startswith("sources.s.params.region_column: no column 'province' in the list (did you mean "
                               "'provinec'?)")
    assert found[1].startswith("sources.s.params.rmax_column: no column 'rmax' in the list (did you mean 'Rmax'?)")
    assert found[2].startswith("sources.s.params.rpeak_column: no column 'rpeak' in the list")
    assert 'set rpeak_column = "" if the list has no Rpeak' in found[2]
    assert found[3].startswith("sources.s.params.name_column: no column 'system'")
    assert len(found) == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"unit": "TFLOPS"}, "unit must be one of 'GFlops', 'TFlops', 'PFlops', 'EFlops', not 'TFLOPS'"),
        ({"year": 2022, "year_column": "edition"}, "give year_column or year, not both"),
        ({"rmax_variable": "x", "count_variable": "x"}, "different names"),
        ({"rmax_column": "province"}, "region_column and rmax_column both name column 'province'"),
        ({"skip_rows": -1}, "skip_rows must be 0 or more"),
        ({"sheet": True}, "sheet must be"),
    ],
)
def test_invalid_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        SupercomputerSource(path="list.csv", **params)


# --------------------------------------------------------------------------------------------- properties

systems = st.lists(
    st.tuples(st.sampled_from(["江苏", "广东", "北京"]), st.sampled_from([2021, 2022]),
              st.floats(0, 1e7, allow_nan=False), st.floats(0, 1e7, allow_nan=False)),
    min_size=1, max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(rows=systems, unit=st.sampled_from(list(TO_EFLOPS)), seed=st.integers(0, 2**16))
def test_totals_are_preserved_and_order_does_not_matter(rows, unit, seed):
    raw = pd.DataFrame(rows, columns=["province", "year", "rmax", "rpeak"])
    source = SupercomputerSource(path="x.csv", unit=unit)
    frame = list_frame(raw, source)
    factor = TO_EFLOPS[unit]
    assert frame["supercomputer_rmax"].sum() == pytest.approx(raw["rmax"].sum() * factor, rel=1e-9, abs=1e-300)
    assert frame["supercomputer_rpeak"].sum() == pytest.approx(raw["rpeak"].sum() * factor, rel=1e-9, abs=1e-300)
    assert frame["supercomputer_count"].sum() == len(rows)
    assert not frame.index.duplicated().any()
    shuffled = raw.sample(frac=1, random_state=seed)
    assert_frame_equal(list_frame(shuffled, source).sort_index(), frame.sort_index(), rtol=1e-9)


# --------------------------------------------------------------------------------------------- end to end

CONFIG = """\
[index]
id = "hpc"
unit_set = "cn_provinces"

[sources.hpc]
plugin = "supercomputers"
params = { path = "list.csv" }

[indicators.supercomputing]
direction = 1
variable = "supercomputer_rmax"

[indicators.systems]
direction = 1
variable = "supercomputer_count"

[nodes.index]
children = ["supercomputing", "systems"]
"""


def test_end_to_end_with_the_province_unit_set(write_config):
    result = zhishu.run(write_config(CONFIG, list__csv=LIST))
    raw = result.raw
    # labels 江苏, 广东 and the code 120000 (天津) are matched to the province ids
    assert raw.loc[("320000", 2022), "supercomputing"] == pytest.approx(0.09)
    assert raw.loc[("440000", 2022), "supercomputing"] == pytest.approx(0.0625)
    assert raw.loc[("120000", 2022), "supercomputing"] == pytest.approx(0.004)
    assert raw.loc[("440000", 2023), "supercomputing"] == pytest.approx(0.061)
    assert raw.loc[("440000", 2022), "systems"] == 2.0
    assert raw["systems"].notna().sum() == 4  # provinces without a listed system are missing, not 0
    # 2022, min-max over 江苏, 广东, 天津: rmax 0.09 → 100, 0.0625 → (0.0625-0.004)/(0.09-0.004)·100;
    # count 1, 2, 1 → 0, 100, 0; index = mean of the two
    index = result.scores["index"]
    assert index[("320000", 2022)] == pytest.approx((100 + 0) / 2)
    assert index[("440000", 2022)] == pytest.approx(((0.0625 - 0.004) / (0.09 - 0.004) * 100 + 100) / 2)
    assert index[("120000", 2022)] == pytest.approx(0.0)


def test_end_to_end_unknown_region(write_config):
    with pytest.raises(zhishu.DataError, match=r"match no unit: '香港'"):
        zhishu.run(write_config(CONFIG, list__csv=LIST.replace("A,江苏", "A,香港")))
