"""The built-in ``read_table`` implementation (zhishu.default_plugins.readers)."""

from __future__ import annotations

import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import DataError, PluginError
from zhishu.default_plugins import readers
from zhishu.default_plugins.readers import read_table

GBK_TEXT = "地区,年份,数值\n北京,2020,1.5\n上海,2020,2\n"


def _read(path, **options):
    options = {**options, "detected": {}}
    frame = read_table(path, options)
    return frame, options["detected"]


def _strings(frame):
    return {c: frame[c].tolist() for c in frame.columns}


# --------------------------------------------------------------------------------------------- encodings


def test_utf8_every_cell_is_a_string(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("unit,year,x,code\nA,2020,1.5,007\nB,2021,NA,\n", encoding="utf-8")
    frame, detected = _read(path)
    assert detected == {"encoding": "utf-8"}
    assert list(frame.columns) == ["unit", "year", "x", "code"]
    assert _strings(frame) == {
        "unit": ["A", "B"],
        "year": ["2020", "2021"],
        "x": ["1.5", "NA"],
        "code": ["007", ""],
    }
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in frame.columns)
    assert frame.index.name == "line"
    assert frame.index.tolist() == [2, 3]


def test_utf8_with_bom_is_detected_and_the_header_is_clean(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffunit,值\nA,1\n".encode("utf-8"))
    frame, detected = _read(path)
    assert detected == {"encoding": "utf-8-sig"}
    assert list(frame.columns) == ["unit", "值"]
    # explicit plain UTF-8 keeps the BOM in the text, but the header is still cleaned
    frame, detected = _read(path, encoding="utf-8")
    assert detected == {"encoding": "utf-8"}
    assert list(frame.columns) == ["unit", "值"]


def test_gbk_is_detected(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(GBK_TEXT.encode("gbk"))
    frame, detected = _read(path)
    assert detected == {"encoding": "gb18030"}  # GB18030 is a superset of GBK
    assert list(frame.columns) == ["地区", "年份", "数值"]
    assert _strings(frame)["地区"] == ["北京", "上海"]


def test_gbk_by_explicit_option(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(GBK_TEXT.encode("gbk"))
    frame, detected = _read(path, encoding="gbk")
    assert detected == {"encoding": "gbk"}
    assert _strings(frame) == {"地区": ["北京", "上海"], "年份": ["2020", "2020"], "数值": ["1.5", "2"]}


def test_wrong_explicit_encoding_is_a_data_error(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(GBK_TEXT.encode("gbk"))  # "地" is b"\xb5\xd8" in GBK
    with pytest.raises(DataError) as info:
        _read(path, encoding="utf-8")
    assert str(info.value) == (
        "1 problem in the input data:\n"
        f"  {path}: cannot decode the file as 'utf-8': byte 0xb5 at offset 0; the encoding looks wrong: the file "
        'decodes as GB18030: set encoding = "gb18030" (or "auto")'
    )


def test_unknown_encoding_name(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(DataError, match="unknown encoding 'utf-9'"):
        _read(path, encoding="utf-9")


def test_undecodable_bytes_name_the_offset(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\nx,\xff\n")  # 0xff is neither UTF-8 nor GB18030; it is byte 6
    with pytest.raises(DataError) as info:
        _read(path)
    assert info.value.issues[0].file == str(path)
    assert str(info.value) == (
        "1 problem in the input data:\n"
        f"  {path}: cannot detect the text encoding: the file is neither UTF-8 (byte 0xff at offset 6 is invalid) "
        'nor GB18030 (byte 0xff at offset 6 is invalid). Set encoding = "<codec>" in the source\'s params '
        '(e.g. "big5", "latin-1"), or re-save the file as UTF-8'
    )


def test_detected_is_optional(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert read_table(path, {})["a"].tolist() == ["1"]


# --------------------------------------------------------------------------------------------- text layout


def test_tsv_uses_tabs_and_sep_overrides(tmp_path):
    tsv = tmp_path / "data.TSV"  # suffixes are compared lower-cased
    tsv.write_text("a\tb\n1,5\t2\n", encoding="utf-8")
    assert _strings(_read(tsv)[0]) == {"a": ["1,5"], "b": ["2"]}
    txt = tmp_path / "data.txt"
    txt.write_text("a;b\n1;2\n", encoding="utf-8")
    assert _strings(_read(txt, sep=";")[0]) == {"a": ["1"], "b": ["2"]}
    assert list(_read(txt)[0].columns) == ["a;b"]  # .txt defaults to commas


def test_skip_rows_and_header_count_in_line_numbers(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("Table 1. Output\nsource: NBS\nunit,x\nA,1\nB,2\n", encoding="utf-8")
    frame, _ = _read(path, skip_rows=2)
    assert _strings(frame) == {"unit": ["A", "B"], "x": ["1", "2"]}
    assert frame.index.tolist() == [4, 5]
    frame, _ = _read(path, skip_rows=1, header=1)
    assert _strings(frame) == {"unit": ["A", "B"], "x": ["1", "2"]}
    assert frame.index.tolist() == [4, 5]


def test_blank_lines_and_multiline_cells_keep_line_numbers(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text('unit,note\nA,x\n\n"B","two\nlines"\nC,y\n\n', encoding="utf-8")
    frame, _ = _read(path)
    assert _strings(frame) == {"unit": ["A", "B", "C"], "note": ["x", "two\nlines", "y"]}
    assert frame.index.tolist() == [2, 4, 6]


_CELL = st.text(alphabet=st.sampled_from(list('a1 \t"\u3000\xa0\x1c\r\n,')), max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELL, min_size=2, max_size=2), min_size=1, max_size=5),
       ending=st.sampled_from(["\n", "\r\n", "\r"]), final=st.booleans())
def test_blank_rows_found_by_the_text_test_are_those_found_cell_by_cell(tmp_path, rows, ending, final):
    """The cheap test on the text (no line that could be a blank row: skip the cell-by-cell test) never
    keeps a row that the cell-by-cell test drops: the frame is the same either way."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator=ending).writerows([["u", "v"], *rows])
    text = out.getvalue() if final else out.getvalue()[: -len(ending)]
    path = tmp_path / "cells.csv"
    path.write_bytes(text.encode("utf-8"))
    try:
        fast = readers.read_text(path, {})
    except DataError:
        return  # a row longer than the header and the like: not a question of blank rows
    original = readers._maybe_blank
    readers._maybe_blank = lambda text, sep: True
    try:
        exhaustive = readers.read_text(path, {})
    finally:
        readers._maybe_blank = original
    pd.testing.assert_frame_equal(fast, exhaustive)


def test_blank_row_of_whitespace_and_quotes_is_dropped(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes('unit,x\r\nA,1\r\n \u3000,""\r\nB,2'.encode("utf-8"))
    frame, _ = _read(path)
    assert _strings(frame) == {"unit": ["A", "B"], "x": ["1", "2"]} and frame.index.tolist() == [2, 4]
    assert not readers._maybe_blank("unit,x\r\nA,1\r\nB,2\r\n", ",")


def test_headers_are_stripped(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(" unit , x\nA,1\n", encoding="utf-8")
    assert list(_read(path)[0].columns) == ["unit", "x"]


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DataError) as info:
        _read(path)
    assert str(info.value) == f"1 problem in the input data:\n  {path}: file not found"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="the file is empty"):
        _read(path)


# --------------------------------------------------------------------------------------------- Excel


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    first.title = "2020"
    first.append(["unit", "year", "x"])
    first.append(["A", 2020, 1.5])
    first.append([])
    first.append(["B", 2020, "NA"])
    second = book.create_sheet("省份")
    second.append(["Title row"])
    second.append(["unit", "y"])
    second.append([110000, 7])
    book.save(path)
    return path


def test_excel_first_sheet_keeps_numbers(workbook):
    frame, detected = _read(workbook)
    assert detected == {"sheet": "2020"}
    assert list(frame.columns) == ["unit", "year", "x"]
    assert frame["unit"].tolist() == ["A", "B"]
    assert frame["year"].tolist() == [2020, 2020]
    assert frame["x"].tolist() == [1.5, "NA"]
    assert isinstance(frame["x"].iloc[0], float) and isinstance(frame["year"].iloc[0], int)
    assert frame.index.name == "row"
    assert frame.index.tolist() == [2, 4]  # the empty row 3 is dropped


def test_excel_sheet_by_name_and_index(workbook):
    by_name, detected = _read(workbook, sheet="省份", skip_rows=1)
    assert detected == {"sheet": "省份"}
    by_index, _ = _read(workbook, sheet=1, skip_rows=1)
    for frame in (by_name, by_index):
        assert list(frame.columns) == ["unit", "y"]
        assert frame["unit"].tolist() == [110000]
        assert frame["y"].tolist() == [7]
        assert frame.index.tolist() == [3]


def test_excel_unknown_sheet_lists_the_sheets(workbook):
    with pytest.raises(DataError) as info:
        _read(workbook, sheet="2021")
    assert str(info.value) == (
        "1 problem in the input data:\n"
        f"  {workbook}: no sheet named '2021' (did you mean '2020'?); the workbook has sheets: '2020', '省份'"
    )
    with pytest.raises(DataError) as info:
        _read(workbook, sheet=2)
    assert str(info.value) == (
        "1 problem in the input data:\n"
        f"  {workbook}: no sheet with index 2 (0-based): the workbook has 2 sheets: '2020', '省份'"
    )


def test_excel_written_by_pandas(tmp_path):
    path = tmp_path / "pd.xlsm"
    pd.DataFrame({"unit": ["A"], "v": [2.25]}).to_excel(path, index=False, sheet_name="data", engine="openpyxl")
    frame, _ = _read(path)
    assert frame["v"].tolist() == [2.25]


# --------------------------------------------------------------------------------------------- Parquet


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "data.parquet"
    pd.DataFrame({"unit": ["A", "B"], "year": [2020, 2021], "x": [1.0, np.nan]}).to_parquet(path, index=False)
    frame, _ = _read(path)
    assert frame["unit"].tolist() == ["A", "B"]
    assert frame["year"].tolist() == [2020, 2021]
    assert frame["x"].tolist()[0] == 1.0 and np.isnan(frame["x"].tolist()[1])


def test_parquet_index_becomes_columns(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "indexed.parquet"
    index = pd.MultiIndex.from_tuples([("A", 2020)], names=["unit", "year"])
    pd.DataFrame({"x": [3.0]}, index=index).to_parquet(path)
    frame, _ = _read(path)
    assert list(frame.columns) == ["unit", "year", "x"]


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes "import pyarrow" fail
    assert not readers.have_pyarrow()
    with pytest.raises(PluginError) as info:
        _read(path)
    assert "pip install 'zhishu[parquet]'" in str(info.value)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------------------------- the hook


def test_unknown_suffix_returns_none(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("{}", encoding="utf-8")
    assert read_table(path, {}) is None


def test_the_facade_reports_files_no_reader_understands(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(PluginError, match=r"no installed reader understands files ending in '\.json'"):
        zhishu.Hooks().read_table(path)


def test_the_facade_reads_through_the_plugin(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(GBK_TEXT.encode("gbk"))
    options = {"detected": {}}
    frame = zhishu.Hooks().read_table(path, options)
    assert frame["地区"].tolist() == ["北京", "上海"]


def test_header_none_reads_ragged_lines_with_their_line_numbers(tmp_path):
    """A statistical-office export: title lines, a table, blank line, a note; GBK; one quoted cell spans two
    lines. Every non-blank line is a row padded with "" to the longest; the index is the file's line number."""
    text = ('数据库：分省年度数据\n指标：流量\n地区,2022年,2021年\n北京,1,2\n"上海\n市",3,4\n\n注：示例\n')
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("gbk"))
    options = {"header": None, "detected": {}}
    frame = zhishu.Hooks().read_table(path, options)
    assert options["detected"]["encoding"] == "gb18030"
    assert list(frame.columns) == ["0", "1", "2"]
    assert frame.index.name == "line"
    assert frame.index.tolist() == [1, 2, 3, 4, 5, 8]  # line 5–6 is one row (quoted line break); 7 is blank
    assert frame.loc[1].tolist() == ["数据库：分省年度数据", "", ""]
    assert frame.loc[5].tolist() == ["上海\n市", "3", "4"]
    assert frame.loc[8].tolist() == ["注：示例", "", ""]
    skipped = zhishu.Hooks().read_table(path, {"header": None, "skip_rows": 2})
    assert skipped.index.tolist() == [3, 4, 5, 8]


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('a1 \t"\u3000\xa0\x1c\r\n,;')), max_size=12),
       sep=st.sampled_from([",", ";", "\t"]))
def test_the_blank_line_scan_finds_the_lines_a_plain_line_by_line_scan_finds(text, sep):
    """The reference: split the text into lines at "\\n", "\\r\\n" or "\\r" (the last break ends the last line),
    and look for a line made only of whitespace, quotes and separators."""
    import re

    body = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text
    lines = re.split(r"\r\n|\r|\n", body)
    allowed = re.compile(f"[{readers._BLANKISH}{re.escape(sep)}]*")
    assert readers._maybe_blank(text, sep) == any(allowed.fullmatch(line) for line in lines)


def test_the_chinese_codecs_are_named_as_codecs_names_them():
    """The reader's list of codecs under which UTF-8 decodes silently is written out (no codec imported to build
    it): each name is the canonical name codecs gives."""
    import codecs

    from zhishu.default_plugins.readers import _CJK_CODECS

    assert _CJK_CODECS == {codecs.lookup(c).name for c in ("gbk", "gb2312", "gb18030", "big5", "hz")}
