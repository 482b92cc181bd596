"""The built-in "table" source (zhishu.default_plugins.sources)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import zhishu
from zhishu import DataError, SourceContext
from zhishu.config.converter import make_converter
from zhishu.config.messages import issues_from_cattrs
from zhishu.default_plugins import sources as sources_plugin
from zhishu.default_plugins.sources import DEFAULT_NA_VALUES, TableSource, table_frame

NAN = np.nan


def context(tmp_path, key_path="sources.main"):
    return SourceContext(
        base_dir=tmp_path, source_id="main", key_path=key_path, read_table_hook=zhishu.Hooks().read_table
    )


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def expected(rows, columns):
    """A frame indexed by (unit, year) from ``[(unit, year, v1, v2, …), …]``."""
    index = pd.MultiIndex.from_arrays(
        [[r[0] for r in rows], np.array([r[1] for r in rows], dtype="int64")], names=["unit", "year"]
    )
    return pd.DataFrame([list(r[2:]) for r in rows], index=index, columns=columns, dtype="float64")


def load(tmp_path, **params):
    return TableSource(**params).load(context(tmp_path))


def messages(info):
    return [issue.format() for issue in info.value.issues]


# --------------------------------------------------------------------------------------------- layouts


def test_register_sources_registers_table():
    from zhishu.default_plugins.frames import FrameSource

    registered = {}
    sources_plugin.register_sources(register=registered.__setitem__)
    assert registered == {"table": TableSource, "frame": FrameSource}


def test_registered_as_table():
    hooks = zhishu.Hooks()
    entry = hooks.registries.sources.entry("table")
    assert entry.obj is TableSource
    assert entry.plugin == "sources"


def test_wide(tmp_path):
    write(tmp_path, "wide.csv", "unit,year,gdp,pop\n 北京 ,2020,3.5,2189\n上海,2020,,2487\n北京,2021, 4.25 ,NA\n")
    frame = load(tmp_path, path="wide.csv")
    want = expected([("北京", 2020, 3.5, 2189.0), ("上海", 2020, NAN, 2487.0), ("北京", 2021, 4.25, NAN)],
                    ["gdp", "pop"])
    assert_frame_equal(frame, want)
    assert frame.index.get_level_values("year").dtype == np.dtype("int64")
    assert all(isinstance(u, str) for u in frame.index.get_level_values("unit"))


def test_long(tmp_path):
    write(
        tmp_path,
        "long.csv",
        "region,yr,indicator,amount\nB,2020,gdp,1\nA,2020,gdp,2\nB,2020,pop,3\nA,2021,pop,-\nA,2021,gdp,5e2\n",
    )
    frame = load(
        tmp_path,
        path="long.csv",
        layout="long",
        unit_column="region",
        year_column="yr",
        variable_column="indicator",
        value_column="amount",
    )
    # rows and columns in order of first appearance; missing combinations and "-" are NaN
    want = expected([("B", 2020, 1.0, 3.0), ("A", 2020, 2.0, NAN), ("A", 2021, 500.0, NAN)], ["gdp", "pop"])
    assert_frame_equal(frame, want)


def test_long_rename_and_variables(tmp_path):
    write(tmp_path, "long.csv", "unit,year,variable,value\nA,2020,GDP,1\nA,2020,pop,2\nA,2020,area,x\n")
    frame = load(tmp_path, path="long.csv", layout="long", rename={"GDP": "gdp"}, variables=("pop", "gdp"))
    # "area" is not requested, so its non-numeric value is not an error
    assert_frame_equal(frame, expected([("A", 2020, 2.0, 1.0)], ["pop", "gdp"]))


def test_constant_year(tmp_path):
    write(tmp_path, "y.csv", "unit,x\nA,1\nB,2\n")
    frame = load(tmp_path, path="y.csv", year=2022)
    assert_frame_equal(frame, expected([("A", 2022, 1.0), ("B", 2022, 2.0)], ["x"]))


def test_constant_year_long(tmp_path):
    write(tmp_path, "y.csv", "unit,variable,value\nA,x,1\nA,y,2\n")
    frame = load(tmp_path, path="y.csv", year=2022, layout="long")
    assert_frame_equal(frame, expected([("A", 2022, 1.0, 2.0)], ["x", "y"]))


def test_rename_variables_and_ignore_columns(tmp_path):
    write(tmp_path, "w.csv", "地区,代码,年份,地区生产总值,人口,面积\n北京,110000,2020,36102.6,2189.3,1.64\n")
    frame = load(
        tmp_path,
        path="w.csv",
        unit_column="地区",
        year_column="年份",
        ignore_columns=("代码",),
        rename={"地区生产总值": "gdp", "人口": "pop"},
        variables=("pop", "gdp"),
    )
    assert_frame_equal(frame, expected([("北京", 2020, 2189.3, 36102.6)], ["pop", "gdp"]))


def test_thousands_separator(tmp_path):
    write(tmp_path, "t.csv", 'unit,year,x\nA,2020,"1,234.5"\nB,2020,"-12,345,678"\nC,2020,12\n')
    frame = load(tmp_path, path="t.csv", thousands=",")
    assert_frame_equal(frame, expected([("A", 2020, 1234.5), ("B", 2020, -12345678.0), ("C", 2020, 12.0)], ["x"]))


def test_badly_grouped_thousands_are_errors(tmp_path):
    write(tmp_path, "t.csv", 'unit,year,x\nA,2020,"1,23"\n')
    with pytest.raises(DataError) as info:
        load(tmp_path, path="t.csv", thousands=",")
    assert messages(info) == [
        f"{tmp_path / 't.csv'}: sources.main: line 2, column 'x' (unit 'A', year 2020): '1,23' is not a number"
    ]


def test_na_values(tmp_path):
    write(tmp_path, "na.csv", "unit,year,a,b,c,d\nA,2020,…,--,null, \nB,2020,n.a.,1,2,3\n")
    with pytest.raises(DataError, match="'n.a.' is not a number"):
        load(tmp_path, path="na.csv")
    frame = load(tmp_path, path="na.csv", na_values=(*DEFAULT_NA_VALUES, "n.a."))
    assert_frame_equal(
        frame, expected([("A", 2020, NAN, NAN, NAN, NAN), ("B", 2020, NAN, 1.0, 2.0, 3.0)], ["a", "b", "c", "d"])
    )


def test_years_written_as_decimals_are_whole(tmp_path):
    write(tmp_path, "y.csv", "unit,year,x\nA,2020.0,1\n")
    assert_frame_equal(load(tmp_path, path="y.csv"), expected([("A", 2020, 1.0)], ["x"]))


def test_gbk_tsv_with_options_and_details(tmp_path):
    write(tmp_path, "g.tsv", "标题\n地区\t年份\t值\n北京\t2020\t1\n", encoding="gbk")
    ctx = context(tmp_path)
    frame = TableSource(path="g.tsv", unit_column="地区", year_column="年份", skip_rows=1, encoding="gbk").load(ctx)
    assert_frame_equal(frame, expected([("北京", 2020, 1.0)], ["值"]))
    assert ctx.inputs == [tmp_path / "g.tsv"]
    assert ctx.details == {str(tmp_path / "g.tsv"): {"encoding": "gbk"}}


def test_semicolon_separator(tmp_path):
    write(tmp_path, "s.csv", "unit;year;x\nA;2020;1\n")
    assert_frame_equal(load(tmp_path, path="s.csv", sep=";"), expected([("A", 2020, 1.0)], ["x"]))


def test_excel(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    sheet = book.create_sheet("data")
    sheet.append(["code", "year", "x", "y"])
    sheet.append([110000, 2020, 1.5, "2"])
    sheet.append([310000, 2020.0, None, "NA"])
    book.save(tmp_path / "b.xlsx")
    frame = load(tmp_path, path="b.xlsx", sheet="data", unit_column="code")
    assert_frame_equal(frame, expected([("110000", 2020, 1.5, 2.0), ("310000", 2020, NAN, NAN)], ["x", "y"]))
    frame = load(tmp_path, path="b.xlsx", sheet=1, unit_column="code")
    assert frame.shape == (2, 2)


def test_excel_errors_name_sheet_rows(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["unit", "year", "x"])
    book.active.append(["A", 2020, "n/a"])
    book.save(tmp_path / "b.xlsx")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="b.xlsx")
    assert messages(info) == [
        f"{tmp_path / 'b.xlsx'}: sources.main: row 2, column 'x' (unit 'A', year 2020): 'n/a' is not a number"
        " (if it means missing, add 'n/a' to na_values; otherwise fix the cell)"
    ]


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    pd.DataFrame({"unit": ["A"], "year": [2020], "x": [1.0], "y": [None]}).to_parquet(tmp_path / "p.parquet")
    assert_frame_equal(load(tmp_path, path="p.parquet"), expected([("A", 2020, 1.0, NAN)], ["x", "y"]))


def test_table_frame_does_not_modify_its_input():
    raw = pd.DataFrame({"unit": [" A "], "year": ["2020"], "x": ["1,5"]})
    before = raw.copy()
    frame = table_frame(raw, TableSource(path="unused.csv", na_values=("1,5",)))
    assert_frame_equal(raw, before)
    assert_frame_equal(frame, expected([("A", 2020, NAN)], ["x"]))


# --------------------------------------------------------------------------------------------- data errors


def test_missing_key_columns(tmp_path):
    path = write(tmp_path, "w.csv", "Unit,Year ,gdp\nA,2020,1\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="w.csv", unit_column="units", year_column="period")
    assert str(info.value) == (
        "2 problems in the input data:\n"
        f"  {path}: sources.main.params.unit_column: no column 'units' in the file (did you mean 'Unit'?); "
        "the file has columns: 'Unit', 'Year', 'gdp'\n"
        f"  {path}: sources.main.params.year_column: no column 'period' in the file; "
        "the file has columns: 'Unit', 'Year', 'gdp'"
    )


def test_missing_long_columns(tmp_path):
    path = write(tmp_path, "l.csv", "unit,year,variable,values\nA,2020,x,1\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="l.csv", layout="long")
    assert messages(info) == [
        f"{path}: sources.main.params.value_column: no column 'value' in the file "
        "(did you mean 'values' or 'variable'?); the file has columns: 'unit', 'year', 'variable', 'values'"
    ]


def test_missing_columns_below_a_title_suggest_skip_rows(tmp_path):
    path = write(tmp_path, "t.csv", "Table 1,\nunit,x\nA,1\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="t.csv", year=2020)
    assert messages(info) == [
        f"{path}: sources.main.params.unit_column: no column 'unit' in the file; the file has columns: 'Table 1', "
        "'Unnamed: 1'; if the header is further down (below a title), set skip_rows"
    ]
    frame = load(tmp_path, path="t.csv", year=2020, skip_rows=1)
    assert_frame_equal(frame, expected([("A", 2020, 1.0)], ["x"]))


def test_key_path_given_as_the_params_table(tmp_path):
    # the pipeline may hand the source its params table's path; issues are placed the same way
    write(tmp_path, "w.csv", "unit,gdp\nA,1\n")
    with pytest.raises(DataError) as info:
        TableSource(path="w.csv").load(context(tmp_path, key_path="sources.main.params"))
    assert info.value.issues[0].path == "sources.main.params.year_column"


def test_requested_variable_not_present(tmp_path):
    path = write(tmp_path, "w.csv", "unit,year,GDP,人口\nA,2020,1,2\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="w.csv", rename={"人口": "pop"}, variables=("gdp", "人口", "area"))
    assert messages(info) == [
        f"{path}: sources.main.params.variables: variable 'gdp' is not in the file (did you mean 'GDP'?); "
        "variables in the file: 'GDP', 'pop'",
        f"{path}: sources.main.params.variables: variable '人口' is not in the file (rename calls it 'pop'); "
        "variables in the file: 'GDP', 'pop'",
        f"{path}: sources.main.params.variables: variable 'area' is not in the file; "
        "variables in the file: 'GDP', 'pop'",
    ]


def test_requested_variable_not_present_long(tmp_path):
    path = write(tmp_path, "l.csv", "unit,year,variable,value\nA,2020,gdp,1\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="l.csv", layout="long", variables=("gpd",))
    assert messages(info) == [
        f"{path}: sources.main.params.variables: variable 'gpd' is not in the file (did you mean 'gdp'?); "
        "variables in the file: 'gdp'"
    ]


def test_rename_and_ignore_of_absent_columns(tmp_path):
    path = write(tmp_path, "w.csv", "unit,year,gdp,code\nA,2020,1,9\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="w.csv", rename={"GDP ": "x", "year": "y", "地区 代码": "z"}, ignore_columns=("cod",))
    assert messages(info) == [
        f"{path}: sources.main.params.ignore_columns: no column 'cod' to ignore (did you mean 'code'?); "
        "the file has columns: 'unit', 'year', 'gdp', 'code'",
        f"{path}: sources.main.params.rename.\"GDP \": rename: no variable column 'GDP ' (did you mean 'gdp'?); "
        "variable columns: 'gdp', 'code'",
        f"{path}: sources.main.params.rename.year: rename: no variable column 'year' (it is a key column); "
        "variable columns: 'gdp', 'code'",
        f"{path}: sources.main.params.rename.\"地区 代码\": rename: no variable column '地区 代码'; "
        "variable columns: 'gdp', 'code'",
    ]


def test_rename_clash(tmp_path):
    path = write(tmp_path, "w.csv", "unit,year,a,b\nA,2020,1,2\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="w.csv", rename={"a": "b"})
    assert messages(info) == [f"{path}: sources.main.params.rename: rename: columns 'a' and 'b' would both be "
                              "variable 'b'"]


def test_years_that_are_not_whole_numbers(tmp_path):
    path = write(tmp_path, "y.csv", "unit,year,x\nA,2020,1\nB,2020.5,2\nC,二〇二〇,3\nD,,4\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="y.csv")
    assert str(info.value) == (
        "3 problems in the input data:\n"
        f"  {path}: sources.main.params.year_column: line 3: year '2020.5' is not a whole number\n"
        f"  {path}: sources.main.params.year_column: line 4: year '二〇二〇' is not a whole number\n"
        f"  {path}: sources.main.params.year_column: line 5: the year cell is empty"
    )


def test_empty_unit(tmp_path):
    path = write(tmp_path, "u.csv", "unit,year,x\n ,2020,1\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="u.csv")
    assert messages(info) == [
        f"{path}: sources.main.params.unit_column: line 2: the unit cell (column 'unit') is empty"
    ]


def test_non_numeric_cells(tmp_path):
    path = write(tmp_path, "n.csv", 'unit,year,a,b\nA,2020,1,x\n\nB,2020,"1,5",2\nC,2020,?,y\n')
    with pytest.raises(DataError) as info:
        load(tmp_path, path="n.csv")
    # sorted by line, then column; the blank line 3 still counts
    assert str(info.value) == (
        "4 problems in the input data:\n"
        f"  {path}: sources.main: line 2, column 'b' (unit 'A', year 2020): 'x' is not a number"
        " (if it means missing, add 'x' to na_values; otherwise fix the cell)\n"
        f"  {path}: sources.main: line 4, column 'a' (unit 'B', year 2020): '1,5' is not a number\n"
        f"  {path}: sources.main: line 5, column 'a' (unit 'C', year 2020): '?' is not a number"
        " (if it means missing, add '?' to na_values; otherwise fix the cell)\n"
        f"  {path}: sources.main: line 5, column 'b' (unit 'C', year 2020): 'y' is not a number"
        " (if it means missing, add 'y' to na_values; otherwise fix the cell)"
    )


def test_non_numeric_hint_for_thousands(tmp_path):
    write(tmp_path, "n.csv", 'unit,year,a\nA,2020,"12,345"\n')
    with pytest.raises(DataError) as info:
        load(tmp_path, path="n.csv")
    assert info.value.issues[0].message == (
        "line 2, column 'a' (unit 'A', year 2020): '12,345' is not a number "
        '(set thousands = "," to read numbers with thousands separators)'
    )


def test_non_numeric_cells_are_listed_up_to_ten(tmp_path):
    rows = "".join(f"U{i},2020,bad{i}\n" for i in range(13))
    path = write(tmp_path, "n.csv", "unit,year,x\n" + rows)
    with pytest.raises(DataError) as info:
        load(tmp_path, path="n.csv")
    got = messages(info)
    assert len(got) == 11
    assert got[0] == f"{path}: sources.main: line 2, column 'x' (unit 'U0', year 2020): 'bad0' is not a number"
    assert got[9] == f"{path}: sources.main: line 11, column 'x' (unit 'U9', year 2020): 'bad9' is not a number"
    assert got[10] == f"{path}: sources.main: … and 3 more cells that are not numbers"


def test_non_numeric_long(tmp_path):
    path = write(tmp_path, "l.csv", "unit,year,variable,value\nA,2020,gdp,1\nA,2020,pop,many\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="l.csv", layout="long")
    assert messages(info) == [
        f"{path}: sources.main: line 3, column 'value' (unit 'A', year 2020, variable 'pop'): 'many' is not a number"
        " (if it means missing, add 'many' to na_values; otherwise fix the cell)"
    ]


def test_duplicate_rows_wide(tmp_path):
    path = write(tmp_path, "d.csv", "unit,year,x\nA,2020,1\nB,2020,2\n A,2020,3\nB,2021,4\nB,2020,5\nA,2020,6\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="d.csv")
    assert messages(info) == [
        f"{path}: sources.main: unit 'A', year 2020 appears more than once: lines 2, 4 and 7",
        f"{path}: sources.main: unit 'B', year 2020 appears more than once: lines 3 and 6",
    ]


def test_duplicate_rows_with_constant_year_suggest_year_column(tmp_path):
    path = write(tmp_path, "d.csv", "unit,x\nA,1\nA,2\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="d.csv", year=2020)
    assert messages(info) == [
        f"{path}: sources.main: unit 'A', year 2020 appears more than once: lines 2 and 3 "
        "(does the file have a year column? set year_column instead of year)"
    ]


def test_duplicate_rows_long(tmp_path):
    path = write(tmp_path, "l.csv", "unit,year,variable,value\nA,2020,gdp,1\nA,2020,GDP,2\nA,2020,pop,3\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="l.csv", layout="long", rename={"GDP": "gdp"})
    assert messages(info) == [f"{path}: sources.main: unit 'A', year 2020, variable 'gdp' appears more than once: "
                              "lines 2 and 3"]


def test_no_data_rows(tmp_path):
    path = write(tmp_path, "e.csv", "unit,year,x\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="e.csv")
    assert messages(info) == [f"{path}: sources.main: the file has no data rows"]


def test_reader_errors_pass_through(tmp_path):
    with pytest.raises(DataError) as info:
        load(tmp_path, path="missing.csv")
    assert messages(info) == [f"{tmp_path / 'missing.csv'}: file not found"]


# --------------------------------------------------------------------------------------------- parameters


def structure(params):
    return make_converter().structure(params, TableSource)


def problems(params):
    with pytest.raises(Exception) as info:
        structure(params)
    return [issue.format() for issue in issues_from_cattrs(info.value, "sources.main.params")]


def test_structures_strictly_from_toml():
    source = structure(
        {
            "path": "a.xlsx",
            "sheet": 0,
            "variables": ["x"],
            "rename": {"X": "x"},
            "na_values": ["-"],
            "thousands": ",",
            "year": 2020,
        }
    )
    assert source == TableSource(
        path="a.xlsx", sheet=0, variables=("x",), rename={"X": "x"}, na_values=("-",), thousands=",", year=2020
    )
    assert structure({"path": "a.xlsx", "sheet": "省份"}).sheet == "省份"
    assert problems({"path": "a.csv", "year": "2020"}) == [
        "sources.main.params.year: expected an integer, got a string ('2020')"
    ]
    assert problems({"path": "a.csv", "variables": "gdp"}) == [
        "sources.main.params.variables: expected an array, got a string ('gdp')"
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"layout": "tall"}, "layout must be \"wide\" or \"long\", not 'tall'"),
        (
            {"year": 2020, "year_column": "Y"},
            "give year_column or year, not both: year = 2020 is a constant year for a file without a year column, "
            "but year_column = 'Y' names a column",
        ),
        ({"year_column": None}, "set year_column (the column holding years) or year (one year for the whole file)"),
        ({"sheet": 1.5}, "sheet must be a sheet name or a 0-based sheet index, not 1.5"),
        ({"sheet": -1}, "sheet must be a sheet name or a 0-based sheet index, not -1"),
        (
            {"encoding": "gbx"},
            "unknown encoding 'gbx': use \"auto\" or a Python codec name such as \"utf-8\", \"gbk\" or \"gb18030\"",
        ),
        ({"thousands": "."}, "thousands must be one separator character such as \",\" or \" \", not '.'"),
        ({"unit_column": "year"}, "unit_column and year_column both name column 'year'; each key needs its own column"),
        ({"variables": []}, "variables must not be empty (leave it out to keep every variable)"),
        ({"variables": ["a", "b", "a"]}, "variables lists 'a' more than once"),
        ({"skip_rows": -1}, "skip_rows must be 0 or more, not -1"),
        ({"unit_column": " "}, "unit_column must not be empty"),
        ({"rename": {"a": ""}}, "rename gives 'a' an empty name"),
        (
            {"layout": "long", "ignore_columns": ["code"]},
            'ignore_columns applies to layout = "wide" only (long tables ignore other columns)',
        ),
    ],
)
def test_parameter_checks(params, message):
    with pytest.raises(ValueError) as info:
        TableSource(path="a.csv", **params)
    assert str(info.value) == message


def test_defaults():
    source = TableSource(path="a.csv")
    assert source.layout == "wide"
    assert source.key_columns() == ["unit", "year"]
    assert source.reader_options() == {"encoding": "auto", "skip_rows": 0}
    assert source.na_values == ("", "NA", "N/A", "NaN", "nan", "-", "--", "…", "...", "null")
    assert TableSource(path="a.csv", year=2020, layout="long").key_columns() == ["unit", "variable", "value"]


def test_long_rename_swaps_names(tmp_path):
    write(tmp_path, "l.csv", "unit,year,variable,value\nA,2020,a,1\nA,2020,b,2\n")
    frame = load(tmp_path, path="l.csv", layout="long", rename={"a": "b", "b": "a"})
    assert_frame_equal(frame, expected([("A", 2020, 1.0, 2.0)], ["b", "a"]))


def test_repeated_column_names(tmp_path):
    raw = pd.DataFrame([["A", "2020", "1", "2"]], columns=["unit", "year", "x", "x"])
    with pytest.raises(DataError) as info:
        table_frame(raw, TableSource(path="p.parquet"), file="p.parquet", key_path="sources.main")
    assert messages(info) == [
        "p.parquet: sources.main: the file has more than one column named 'x'; column names must be unique"
    ]


def test_frames_without_line_numbers_count_data_rows():
    # a reader plugin that does not number its rows: problems are placed by data row
    raw = pd.DataFrame({"unit": ["A", "B"], "year": [2020, 2020], "x": ["1", "?"]})
    with pytest.raises(DataError) as info:
        table_frame(raw, TableSource(path="t.json"), file="t.json", key_path="sources.main")
    assert messages(info) == [
        "t.json: sources.main: data row 2, column 'x' (unit 'B', year 2020): '?' is not a number"
        " (if it means missing, add '?' to na_values; otherwise fix the cell)"
    ]


def test_invalid_years_and_repeated_keys_are_listed_up_to_ten(tmp_path):
    rows = "".join(f"U{i},y{i},1\n" for i in range(12))
    path = write(tmp_path, "y.csv", "unit,year,x\n" + rows)
    with pytest.raises(DataError) as info:
        load(tmp_path, path="y.csv")
    got = messages(info)
    assert len(got) == 11
    assert got[-1] == f"{path}: sources.main.params.year_column: … and 2 more rows with an invalid year"
    rows = "".join(f"U{i},2020,1\nU{i},2020,2\n" for i in range(11))
    path = write(tmp_path, "d.csv", "unit,year,x\n" + rows)
    with pytest.raises(DataError) as info:
        load(tmp_path, path="d.csv")
    got = messages(info)
    assert len(got) == 11
    assert got[0] == f"{path}: sources.main: unit 'U0', year 2020 appears more than once: lines 2 and 3"
    assert got[-1] == f"{path}: sources.main: … and 1 more repeated keys"


def test_every_kind_of_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "w.csv", "unit,year,x\nA,20x0,1\n,2020,2\nB,2020,?\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, path="w.csv")
    assert messages(info) == [
        f"{path}: sources.main.params.unit_column: line 3: the unit cell (column 'unit') is empty",
        f"{path}: sources.main.params.year_column: line 2: year '20x0' is not a whole number",
        f"{path}: sources.main: line 4, column 'x' (unit 'B', year 2020): '?' is not a number"
        " (if it means missing, add '?' to na_values; otherwise fix the cell)",
    ]


def test_unit_labels_of_arrow_text_are_those_of_pandas_strip():
    """The unit labels read off an Arrow text column (the Arrow kernel, skipped when no string can start or
    end with whitespace) are what pandas' ``astype(str).fillna("").str.strip()`` gives, for any text: Unicode
    spaces, control characters, empty and missing cells, and a column that is a slice of a longer one."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from zhishu.default_plugins.sources import _label_array

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(st.text(), st.text(alphabet=" \t\n\u3000\xa0\x1c\x85ab,é\u2028"), st.none()),
                    max_size=8), st.integers(0, 3))
    def check(labels, cut):
        cells = pd.Series(labels, dtype="str").iloc[cut:]
        expected = cells.astype("str").fillna("").str.strip().to_numpy(dtype=object)
        assert _label_array(cells).tolist() == expected.tolist()

    check()
