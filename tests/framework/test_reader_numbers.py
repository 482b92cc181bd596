"""The text reader's float-first path (reader option ``numbers``, set by the ``table`` source): it must give
bit for bit the frame, or the very messages, that the string path gives (every cell a string, then
``pd.to_numeric`` in the source)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import DataError, SourceContext
from zhishu.default_plugins import readers
from zhishu.default_plugins.sources import TableSource, table_frame


def read(path, source: TableSource, *, numbers: bool):
    options = {**source.reader_options(), "detected": {}}
    if numbers:
        options["numbers"] = source.number_columns()
    return readers.read_table(path, options)


def outcome(path, source: TableSource, *, numbers: bool):
    """The source's frame from the reader with or without the option, or its error messages."""
    try:
        return table_frame(read(path, source, numbers=numbers), source, file=str(path), key_path="sources.s")
    except DataError as exc:
        return [issue.format() for issue in exc.issues]


def same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return a == b
    return (a.index.equals(b.index) and list(a.columns) == list(b.columns) and a.dtypes.equals(b.dtypes)
            and a.to_numpy().tobytes() == b.to_numpy().tobytes())


def test_clean_numbers_are_read_as_floats(tmp_path):
    """Values computed by hand; the fast path is taken (the columns come back as numbers, not strings)."""
    path = tmp_path / "t.csv"
    path.write_text("unit,year,a,b,note\nx,2020,1.5,NA,n1\ny,2020,-2e3, 7 ,n2\nz,2020,,0.1,n3\n", encoding="utf-8")
    source = TableSource(path=str(path), ignore_columns=["note"])
    raw = read(path, source, numbers=True)
    assert raw["a"].dtype == np.float64 and raw["b"].dtype == np.float64
    assert pd.api.types.is_string_dtype(raw["unit"].dtype) and raw["year"].dtype == np.int64
    assert list(raw.index) == [2, 3, 4] and raw.index.name == "line"
    frame = table_frame(raw, source)
    assert frame["a"].tolist()[:2] == [1.5, -2000.0] and math.isnan(frame["a"].iloc[2])
    assert math.isnan(frame["b"].iloc[0]) and frame["b"].tolist()[1:] == [7.0, 0.1]


@pytest.mark.parametrize(
    "cells, why",
    [
        (["1", "2"], None),  # whole numbers without a missing cell: read as integers, as pd.to_numeric does
        (["-0", "1.5"], "negative integer zero"),
        (["+4000000000000.0020", "1.5"], "pd.to_numeric reads a leading + with another algorithm"),
        (["9007199254740993", "1.5"], "beyond 2**53"),
        (["inf", "1.5"], "infinite"),
        (["abc", "1.5"], "not a number"),
        ([" NA", "1.5"], "NA token with a space"),
        (["1.5", "\u30001.5"], "non-ASCII whitespace"),
    ],
)
def test_cells_the_fast_path_leaves_to_strings_give_the_same_result(tmp_path, cells, why):
    path = tmp_path / "t.csv"
    path.write_text("unit,year,a,b\n" + "".join(f"u{i},2020,{c},1.25\n" for i, c in enumerate(cells)),
                    encoding="utf-8")
    source = TableSource(path=str(path))
    assert same(outcome(path, source, numbers=True), outcome(path, source, numbers=False))


def test_negative_zero_in_an_integer_column_keeps_its_sign(tmp_path):
    """pd.to_numeric of the block ("-0", "1.5", …) reads -0 as the float -0.0; an integer parse would give +0.0."""
    path = tmp_path / "t.csv"
    path.write_text("unit,year,a,b\nx,2020,-0,1.5\ny,2020,3,NA\n", encoding="utf-8")
    frame = TableSource(path=str(path)).load(SourceContext(base_dir=tmp_path, source_id="s", key_path="sources.s",
                                                           read_table_hook=zhishu.Hooks().read_table))
    assert math.copysign(1.0, frame["a"].iloc[0]) == -1.0


def test_na_values_that_are_numbers_keep_their_string_meaning(tmp_path):
    """na_values = ["-999"]: only the cell written "-999" is missing; pandas would also drop "-999.0"."""
    path = tmp_path / "t.csv"
    path.write_text("unit,year,a,b\nx,2020,-999,1.5\ny,2020,-999.0,2.5\n", encoding="utf-8")
    source = TableSource(path=str(path), na_values=["-999"])
    frame = outcome(path, source, numbers=True)
    assert math.isnan(frame["a"].iloc[0]) and frame["a"].iloc[1] == -999.0
    assert same(frame, outcome(path, source, numbers=False))


def test_unit_labels_that_look_like_numbers_stay_as_written(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("unit,year,a,b\n0110,2020,1.5,2\n0120,2020,2.5,3\n", encoding="utf-8")
    source = TableSource(path=str(path))
    frame = outcome(path, source, numbers=True)
    assert list(frame.index.get_level_values("unit")) == ["0110", "0120"]
    assert same(frame, outcome(path, source, numbers=False))


# --------------------------------------------------------------------------------------------- property

_digits = st.text("0123456789", min_size=1, max_size=22)
_number = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.17e}"),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.tuples(st.sampled_from(["", "+", "-"]), _digits, st.sampled_from(["", "."]), st.text("0123456789", max_size=20),
              st.sampled_from(["", "e", "E", "e-", "e+"]), st.text("0123456789", max_size=3)).map("".join),
)
_cell = st.one_of(
    _number,
    _number.map(lambda s: f" {s}"),
    _number.map(lambda s: f"{s}\t"),
    _number.map(lambda s: f'"{s}"'),
    st.sampled_from(["", "NA", "N/A", "NaN", "nan", "-", "--", "…", "...", "null", " NA", "-0", "-00", "+0", "0",
                     "inf", "-Infinity", "1e400", "1e-400", "4.9e-324", "1,5", "1_000", "0x10", "٣", "\u30001",
                     "1.", ".5", "e5", "1e", "TRUE", "9007199254740993", "18446744073709551616", " ", '"1,5"',
                     "1e-310", "2.2250738585072011e-308", "1.7976931348623157e308", "0.1e1", "1.e5", "00.5",
                     "1" + "0" * 30, "0." + "3" * 40, "+1.5", "1e+05", "-1E-05"]),
)


#: cells the float path reads itself (numbers and NA tokens), so that many examples take it
_clean = st.one_of(_number, _number.map(lambda s: f" {s} "), st.sampled_from(["", "NA", "-"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.one_of(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=6),
                     st.lists(st.lists(_clean, min_size=3, max_size=3), min_size=1, max_size=6)),
       na_values=st.sampled_from([None, ["NA"], ["-999"], ["", "n/a"], ["nan"]]),
       long=st.booleans())
def test_the_float_path_gives_exactly_the_string_paths_result(tmp_path, rows, na_values, long):
    path = tmp_path / "t.csv"
    params = {} if na_values is None else {"na_values": na_values}
    if long:
        lines = ["unit,year,variable,value"] + [f"u{i},2020,v{j},{c}" for i, r in enumerate(rows)
                                               for j, c in enumerate(r)]
        source = TableSource(path=str(path), layout="long", **params)
    else:
        lines = ["unit,year,a,b,c"] + [f"u{i},2020,{','.join(r)}" for i, r in enumerate(rows)]
        source = TableSource(path=str(path), **params)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert same(outcome(path, source, numbers=True), outcome(path, source, numbers=False))
