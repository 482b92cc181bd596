"""zhishu_nbs: the "nbs" source for exports of the NBS portal's 分省年度数据 (provinces × years) tables."""

from __future__ import annotations

import tempfile

import csv
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import zhishu
from zhishu_nbs.export import Row, parse_rows, text_rows
from zhishu_nbs.source import NbsSource

NAN = np.nan
SHARED_PANEL = Path(__file__).resolve().parents[3] / "shared" / "data" / "nbs" / "nbs_provincial_digital_2015_2024.csv"

#: A typical export: description lines, the 地区 header (years descending), a 全国 row, provinces, notes.
EXPORT = """\
数据库：分省年度数据
指标：移动互联网接入流量(万GB)
时间：最近3年
地区,2024年,2023年,2022年
全国,"3000",2700,2600
北京市,120.5,110.25,100
内蒙古自治区,…,40,35.5
西藏自治区,,7,6
注：2022年起统计口径调整。
数据来源：国家统计局
"""

TRAFFIC = "移动互联网接入流量(万GB)"


def expected(rows, columns):
    """A frame indexed by (unit, year) from ``[(unit, year, v1, …), …]``."""
    index = pd.MultiIndex.from_arrays(
        [[r[0] for r in rows], np.array([r[1] for r in rows], dtype="int64")], names=["unit", "year"]
    )
    return pd.DataFrame([list(r[2:]) for r in rows], index=index, columns=columns, dtype="float64")


#: EXPORT by hand: 全国 dropped, years ascending, "…" and the empty cell missing.
EXPECTED = expected(
    [
        ("北京市", 2022, 100.0), ("北京市", 2023, 110.25), ("北京市", 2024, 120.5),
        ("内蒙古自治区", 2022, 35.5), ("内蒙古自治区", 2023, 40.0), ("内蒙古自治区", 2024, NAN),
        ("西藏自治区", 2022, 6.0), ("西藏自治区", 2023, 7.0), ("西藏自治区", 2024, NAN),
    ],
    [TRAFFIC],
)


def context(tmp_path):
    return zhishu.SourceContext(base_dir=tmp_path, source_id="n", key_path="sources.n",
                                read_table_hook=zhishu.Hooks().read_table)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(tmp_path, name, rows, sheet="Sheet1", other_sheet=False):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    if other_sheet:
        book.create_sheet("other").append(["nothing here"])
        book.move_sheet("other", offset=-1)  # the export is not the first sheet
    path = tmp_path / name
    book.save(path)
    return path


def load(tmp_path, **params):
    return NbsSource(**params).load(context(tmp_path))


def messages(info):
    return [issue.format() for issue in info.value.issues]


# --------------------------------------------------------------------------------------------- registration


def test_registered_through_the_entry_point():
    entry = zhishu.Hooks().registries.sources.entry("nbs")
    assert entry.plugin == "nbs" and entry.obj is NbsSource


# --------------------------------------------------------------------------------------------- layouts


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-8-sig"])
def test_csv_in_utf8_gbk_and_utf8_with_bom(tmp_path, encoding):
    write(tmp_path, "traffic.csv", EXPORT, encoding)
    ctx = context(tmp_path)
    frame = NbsSource(path="traffic.csv").load(ctx)
    assert_frame_equal(frame, EXPECTED)
    detected = {"utf-8": "utf-8", "gbk": "gb18030", "utf-8-sig": "utf-8-sig"}[encoding]
    assert ctx.details[str(tmp_path / "traffic.csv")] == {"encoding": detected}
    assert ctx.inputs == [tmp_path / "traffic.csv"]


def test_explicit_encoding(tmp_path):
    write(tmp_path, "traffic.csv", EXPORT, "gbk")
    assert_frame_equal(load(tmp_path, path="traffic.csv", encoding="gbk"), EXPECTED)
    with pytest.raises(zhishu.DataError, match="cannot decode the file as 'utf-8'"):
        load(tmp_path, path="traffic.csv", encoding="utf-8")


def test_crlf_line_endings_and_half_width_colons(tmp_path):
    text = EXPORT.replace("指标：", "指标:").replace("\n", "\r\n")
    write(tmp_path, "traffic.csv", text)
    assert_frame_equal(load(tmp_path, path="traffic.csv"), EXPECTED)


def test_variable_overrides_the_indicator_line(tmp_path):
    write(tmp_path, "traffic.csv", EXPORT)
    frame = load(tmp_path, path="traffic.csv", variable="traffic")
    assert_frame_equal(frame, EXPECTED.set_axis(["traffic"], axis=1))


def test_keep_national(tmp_path):
    write(tmp_path, "traffic.csv", EXPORT)
    frame = load(tmp_path, path="traffic.csv", keep_national=True)
    # the quoted "3000" is read like any other cell
    national = expected([("全国", 2022, 2600.0), ("全国", 2023, 2700.0), ("全国", 2024, 3000.0)], [TRAFFIC])
    assert_frame_equal(frame, pd.concat([national, EXPECTED]))


def test_without_description_and_note_lines(tmp_path):
    write(tmp_path, "bare.csv", "地区,2021年,2020年\n北京,1.5,2\n上海,3,\n")
    frame = load(tmp_path, path="bare.csv", variable="v")
    assert_frame_equal(frame, expected([("北京", 2020, 2.0), ("北京", 2021, 1.5), ("上海", 2020, NAN),
                                        ("上海", 2021, 3.0)], ["v"]))


def test_note_lines_end_the_table_even_with_more_lines_after_them(tmp_path):
    text = EXPORT.replace("注：2022年起统计口径调整。", "注：1. 口径调整\n2. 另见年鉴, 第3章\n\n")
    write(tmp_path, "traffic.csv", text)
    assert_frame_equal(load(tmp_path, path="traffic.csv"), EXPECTED)


def test_excel_with_description_and_note_rows(tmp_path):
    rows = [
        ["数据库：分省年度数据"],
        ["指标：移动互联网接入流量(万GB)"],
        ["时间：最近3年"],
        ["地区", "2024年", "2023年", "2022年"],
        ["全国", 3000, 2700, 2600],
        ["北京市", 120.5, 110.25, 100],
        ["内蒙古自治区", "…", 40, 35.5],
        [],
        ["西藏自治区", None, 7, "6"],
        ["注：2022年起统计口径调整。"],
        ["数据来源：国家统计局"],
    ]
    write_xlsx(tmp_path, "traffic.xlsx", rows)
    assert_frame_equal(load(tmp_path, path="traffic.xlsx"), EXPECTED)
    write_xlsx(tmp_path, "two.xlsx", rows, sheet="data", other_sheet=True)
    assert_frame_equal(load(tmp_path, path="two.xlsx", sheet="data"), EXPECTED)
    assert_frame_equal(load(tmp_path, path="two.xlsx", sheet=1), EXPECTED)


def test_excel_with_the_header_on_the_first_row_and_numeric_years(tmp_path):
    write_xlsx(tmp_path, "bare.xlsx", [["地区", 2021, 2020], ["北京", 1.5, 2], ["上海", 3, None]])
    frame = load(tmp_path, path="bare.xlsx", variable="v")
    assert_frame_equal(frame, expected([("北京", 2020, 2.0), ("北京", 2021, 1.5), ("上海", 2020, NAN),
                                        ("上海", 2021, 3.0)], ["v"]))


def test_several_files_one_variable_each(tmp_path):
    write(tmp_path, "traffic.csv", EXPORT, "gbk")
    write(tmp_path, "users.csv", "指标：移动互联网用户(万户)\n地区,2023年\n北京市,3000\n上海市,2500\n")
    frame = load(tmp_path, files={"traffic": "traffic.csv", "users": "users.csv"})
    users = expected([("北京市", 2023, 3000.0), ("上海市", 2023, 2500.0)], ["users"])
    # outer join on (unit, year): 上海市 has users only, the other rows traffic only (or both for 北京 2023)
    want = pd.concat([EXPECTED.set_axis(["traffic"], axis=1), users], axis=1)
    assert_frame_equal(frame, want)
    assert frame.loc[("北京市", 2023)].tolist() == [110.25, 3000.0]
    assert frame.loc[("上海市", 2023)].tolist()[1] == 2500.0 and math.isnan(frame.loc[("上海市", 2023)].iloc[0])


# --------------------------------------------------------------------------------------------- errors


def test_no_header_row_names_the_first_lines(tmp_path):
    write(tmp_path, "wrong.csv", "province,year,value\n北京,2022,1\n")
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, path="wrong.csv")
    (message,) = messages(info)
    assert message.startswith(f"{tmp_path / 'wrong.csv'}: sources.n: no header row starting with '地区'")
    assert "line 1: ['province', 'year', 'value']; line 2: ['北京', '2022', '1']" in message
    assert 'use the "table" source' in message


def test_indicators_in_rows_get_a_hint(tmp_path):
    write(tmp_path, "rows.csv", "数据库：分省年度数据\n地区：北京市\n指标,2023年\n地区生产总值(亿元),43760.7\n")
    with pytest.raises(zhishu.DataError, match="exported with indicators in rows"):
        load(tmp_path, path="rows.csv")


def test_year_header_not_like_2022(tmp_path):
    write(tmp_path, "bad.csv", "指标：x\n地区,2023年,2022年第一季度,合计\n北京,1,2,3\n")
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, path="bad.csv")
    assert messages(info) == [
        f"{tmp_path / 'bad.csv'}: sources.n: line 2, column 3: the header has '2022年第一季度' where a year such as "
        "'2022年' belongs; the 分省年度数据 layout has provinces in rows and years in columns (export it with 时间 as "
        "the columns)",
        f"{tmp_path / 'bad.csv'}: sources.n: line 2, column 4: the header has '合计' where a year such as '2022年' "
        "belongs; the 分省年度数据 layout has provinces in rows and years in columns (export it with 时间 as the "
        "columns)",
    ]


def test_repeated_year(tmp_path):
    write(tmp_path, "bad.csv", "地区,2023年,2023年\n北京,1,2\n")
    with pytest.raises(zhishu.DataError, match="line 1: the header has year 2023 more than once"):
        load(tmp_path, path="bad.csv", variable="v")


def test_non_numeric_cells_name_line_column_province_and_year(tmp_path):
    text = EXPORT.replace("110.25", "110.25万").replace("西藏自治区,,7", "西藏自治区,,abc")
    write(tmp_path, "bad.csv", text)
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, path="bad.csv")
    file = tmp_path / "bad.csv"
    assert messages(info) == [
        f"{file}: sources.n: line 6, column 3 ('2023年'; unit '北京市', year 2023): '110.25万' is not a number; "
        "write a number, or leave the cell empty if the value is missing",
        f"{file}: sources.n: line 8, column 3 ('2023年'; unit '西藏自治区', year 2023): 'abc' is not a number; "
        "write a number, or leave the cell empty if the value is missing",
    ]


def test_many_non_numeric_cells_are_listed_up_to_the_shared_limit(tmp_path):
    # 13 provinces with "x" for 2023: the first zhishu.MAX_LISTED (10) are named, then "… and 3 more"
    provinces = [f"省{i:02d}" for i in range(13)]
    write(tmp_path, "bad.csv", "地区,2023年\n" + "".join(f"{p},x\n" for p in provinces))
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, path="bad.csv", variable="v")
    got = messages(info)
    assert zhishu.MAX_LISTED == 10 and len(got) == 11
    assert [f"unit '{p}'" in m for m, p in zip(got[:10], provinces)] == [True] * 10
    assert got[-1] == f"{tmp_path / 'bad.csv'}: sources.n: … and 3 more cells that are not numbers"


def test_excel_non_numeric_cell_names_the_sheet_row(tmp_path):
    write_xlsx(tmp_path, "bad.xlsx", [["指标：x"], ["地区", "2023年"], ["北京", "n/a?"]])
    with pytest.raises(zhishu.DataError, match=r"row 3, column 2 \('2023年'; unit '北京', year 2023\): 'n/a\?'"):
        load(tmp_path, path="bad.xlsx")


def test_repeated_province_and_extra_cells(tmp_path):
    write(tmp_path, "bad.csv", "地区,2023年\n北京,1\n上海,2,9\n北京,3\n")
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, path="bad.csv", variable="v")
    assert [m.split("sources.n: ")[1] for m in messages(info)] == [
        "line 3 (上海): the row has 2 values but the header has 1 years; remove the extra cells ['9']",
    ]
    write(tmp_path, "bad.csv", "地区,2023年\n北京,1\n上海,2\n北京,3\n")
    with pytest.raises(zhishu.DataError, match=r"lines 2, 4: unit '北京' appears more than once"):
        load(tmp_path, path="bad.csv", variable="v")


def test_values_without_a_province(tmp_path):
    write(tmp_path, "bad.csv", "地区,2023年\n北京,1\n,2\n")
    with pytest.raises(zhishu.DataError, match=r"line 3: values \['2'\] without a 地区 label"):
        load(tmp_path, path="bad.csv", variable="v")


def test_no_indicator_line_and_no_variable(tmp_path):
    write(tmp_path, "bare.csv", "地区,2023年\n北京,1\n")
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, path="bare.csv")
    assert messages(info) == [f"{tmp_path / 'bare.csv'}: sources.n.params.variable: the file has no \"指标：…\" line "
                              'above the table to name its variable; set variable = "…"']


def test_header_without_rows(tmp_path):
    write(tmp_path, "empty.csv", "指标：x\n地区,2023年\n注：无数据\n")
    with pytest.raises(zhishu.DataError, match="line 2: the header row is not followed by any province rows"):
        load(tmp_path, path="empty.csv")


def test_xls_and_other_files(tmp_path):
    write(tmp_path, "old.xls", "not really")
    with pytest.raises(zhishu.DataError, match="old Excel .xls files cannot be read: .* save it as .xlsx"):
        load(tmp_path, path="old.xls")
    write(tmp_path, "data.json", "{}")
    with pytest.raises(zhishu.DataError, match=r"cannot read \.json: an NBS export must be"):
        load(tmp_path, path="data.json")
    with pytest.raises(zhishu.DataError, match="file not found"):
        load(tmp_path, path="missing.csv")


def test_every_file_is_checked_before_failing(tmp_path):
    write(tmp_path, "a.csv", "地区,2023\n北京,x\n")
    write(tmp_path, "b.csv", "nothing\n")
    with pytest.raises(zhishu.DataError) as info:
        load(tmp_path, files={"a": "a.csv", "b": "b.csv"})
    found = messages(info)
    assert len(found) == 2 and "a.csv" in found[0] and "'x' is not a number" in found[0]
    assert "b.csv" in found[1] and "no header row starting with '地区'" in found[1]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "give path"),
        ({"path": "a.csv", "files": {"a": "a.csv"}}, "not both"),
        ({"files": {"a": "a.csv"}, "variable": "v"}, "variable names the single file"),
        ({"path": "a.csv", "encoding": "klingon"}, "unknown encoding 'klingon'"),
        ({"path": "a.csv", "sheet": -1}, "sheet must be"),
        ({"path": " "}, "path must not be empty"),
    ],
)
def test_invalid_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        NbsSource(**params)


def test_parameter_errors_are_reported_at_their_key_path(write_config):
    text = """\
    [index]
    id = "t"
    [sources.n]
    plugin = "nbs"
    params = { path = "a.csv", keep_national = "yes", sheets = 1 }
    [indicators.x]
    direction = 1
    [nodes.index]
    children = ["x"]
    """
    with pytest.raises(zhishu.ConfigError) as info:
        zhishu.load_config(write_config(text))
    text = str(info.value)
    assert "sources.n.params.keep_national" in text
    assert "sources.n.params.sheets: unknown key: did you mean 'sheet'" in text


# --------------------------------------------------------------------------------------------- property


@st.composite
def tables(draw):
    names = ["北京", "天津", "河北", "上海", "江苏", "广东", "西藏"]
    units = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    years = draw(st.lists(st.integers(1990, 2030), min_size=1, max_size=6, unique=True))
    value = st.one_of(st.none(), st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False))
    cells = draw(st.lists(st.lists(value, min_size=len(years), max_size=len(years)),
                          min_size=len(units), max_size=len(units)))
    return units, years, cells


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables())
def test_any_table_round_trips(table):
    """Writing values in the export layout (years in any order, missing as empty) and parsing them gives them
    back, indexed by (unit, year) with the years ascending."""
    units, years, cells = table
    lines = ["数据库：分省年度数据", "指标：v", "地区," + ",".join(f"{y}年" for y in years)]
    lines += [u + "," + ",".join("" if c is None else repr(c) for c in row) for u, row in zip(units, cells)]
    lines.append("数据来源：国家统计局")
    rows = read_text_rows("\n".join(lines) + "\n")
    frame = parse_rows(rows, file="f", key_path="k").frame
    order = sorted(range(len(years)), key=years.__getitem__)
    want = expected([(u, years[j], NAN if row[j] is None else row[j]) for u, row in zip(units, cells) for j in order],
                    ["value"])
    assert_frame_equal(frame, want)


def test_row_positions_follow_quoted_line_breaks():
    rows = read_text_rows('指标：x\n"地区",2023年\n"北\n京",1\n\n上海,2\n')
    assert [(r.position, r.cells) for r in rows] == [
        (1, ("指标：x",)), (2, ("地区", "2023年")), (3, ("北\n京", "1")), (6, ("上海", "2")),
    ]
    assert parse_rows([Row(1, ("地区", "2023")), Row(2, ("北京", "5"))], file="", key_path="").frame.iloc[0, 0] == 5


def read_text_rows(text: str) -> list[Row]:
    """``text`` through the framework's reader with ``header = None``, as the source reads it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_text(text, encoding="utf-8")
        return text_rows(zhishu.Hooks().read_table(path, {"header": None}))


# --------------------------------------------------------------------------------------------- end to end

CONFIG = """\
[index]
id = "traffic"
unit_set = "cn_provinces"

[sources.nbs]
plugin = "nbs"
params = {{ {params} }}

[indicators.monthly_traffic]
direction = 1
formula = "`{variable}` / 12"

[nodes.index]
children = ["monthly_traffic"]
"""


def test_end_to_end_with_short_names(write_config):
    # NBS short names (北京, 内蒙古, 西藏) matched to the province unit set; 全国 dropped
    export = EXPORT.replace("北京市", "北京").replace("内蒙古自治区", "内蒙古").replace("西藏自治区", "西藏")
    path = write_config(CONFIG.format(params='path = "traffic.csv"', variable=TRAFFIC), traffic__csv=export)
    result = zhishu.run(path)
    raw = result.raw["monthly_traffic"]
    assert raw[("110000", 2024)] == pytest.approx(120.5 / 12)
    assert raw[("110000", 2022)] == pytest.approx(100 / 12)
    assert raw[("150000", 2023)] == pytest.approx(40 / 12)
    assert math.isnan(raw[("150000", 2024)]) and math.isnan(raw[("540000", 2024)])
    assert raw[("540000", 2022)] == pytest.approx(6 / 12)
    assert raw.drop(index=["110000", "150000", "540000"], level="unit").isna().all()  # the other 28 provinces
    # per year: min-max over the three provinces with data; 2022: 北京 100 → 100, 内蒙古 35.5 → (35.5-6)/(100-6)·100
    scores = result.scores["index"]
    assert scores[("110000", 2022)] == pytest.approx(100.0)
    assert scores[("150000", 2022)] == pytest.approx((35.5 - 6) / (100 - 6) * 100)
    assert scores[("540000", 2022)] == pytest.approx(0.0)


def test_end_to_end_unknown_label(write_config):
    export = EXPORT.replace("西藏自治区", "香港特别行政区")
    path = write_config(CONFIG.format(params='path = "traffic.csv"', variable=TRAFFIC), traffic__csv=export)
    with pytest.raises(zhishu.DataError, match=r"match no unit: '香港特别行政区'"):
        zhishu.run(path)


@pytest.mark.skipif(not SHARED_PANEL.is_file(), reason=f"the shared NBS panel is not present at {SHARED_PANEL}")
def test_shared_panel_rewritten_as_an_nbs_export(write_config, tmp_path):
    """The shared NBS panel's traffic column rewritten in the export layout (GBK, years descending, the NBS
    portal's short names) reads back every value and matches all 31 provinces."""
    column = "移动互联网接入流量 (万GB)"
    with SHARED_PANEL.open(encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    years = sorted({int(r["year"]) for r in records}, reverse=True)
    provinces = list(dict.fromkeys(r["province"] for r in records))
    cell = {(r["province"], int(r["year"])): r[column] for r in records}
    lines = ["数据库：分省年度数据", f"指标：{column}", "时间：最近10年", "地区," + ",".join(f"{y}年" for y in years)]
    lines += [p + "," + ",".join(cell[(p, y)] for y in years) for p in provinces]
    lines += ["注：", "数据来源：国家统计局"]
    (tmp_path / "traffic.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    path = write_config(CONFIG.format(params='path = "traffic.csv"', variable=column))
    result = zhishu.run(path)
    raw = result.raw["monthly_traffic"]
    assert raw.notna().all() and len(raw) == 31 * 10
    beijing_2015 = float(cell[("北京", 2015)])
    assert raw[("110000", 2015)] == pytest.approx(beijing_2015 / 12)
    assert raw[("650000", 2024)] == pytest.approx(float(cell[("新疆", 2024)]) / 12)


def test_end_to_end_several_files(write_config, tmp_path):
    write(tmp_path, "users.csv", "指标：移动互联网用户(万户)\n地区,2023年,2022年\n北京,3000,2900\n上海,2500,2400\n", "gbk")
    write(tmp_path, "traffic.csv", "地区,2023年,2022年\n北京,120,100\n上海,60,50\n")
    text = CONFIG.replace("`{variable}` / 12", "traffic / users").format(
        params='files = { traffic = "traffic.csv", users = "users.csv" }', variable="")
    result = zhishu.run(write_config(text))
    raw = result.raw["monthly_traffic"].dropna()
    assert raw.to_dict() == pytest.approx({("110000", 2022): 100 / 2900, ("110000", 2023): 120 / 3000,
                                           ("310000", 2022): 50 / 2400, ("310000", 2023): 60 / 2500})
