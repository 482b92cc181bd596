"""The shortcuts the small-build path takes past pandas' general machinery give what the general calls give:
each is checked against the pandas call it replaces (an independent computation), on frames shaped as the
reader, the source and the stages make them, and on random labels and years."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.default_plugins.readers import float_rows
from zhishu.default_plugins.sources import _unit_years
from zhishu.pipeline import _year_codes, nullable_rank
from zhishu.results import column_dtypes, frame_of_arrays
from zhishu.stages import _grid, _one_year

CSV = "u,t,a,b,c\nx,2020,1,2.5,\ny,2021,3,,4e-3\nz,2020,-7,1e300,5\n"


def parsed() -> pd.DataFrame:
    """A frame as pandas' parser gives it: one block per column, int, float and text columns."""
    return pd.read_csv(io.StringIO(CSV))


def test_float_rows_are_the_columns_as_floats_item_major():
    frame = parsed()
    got = float_rows(frame, [2, 3, 4])
    assert got.flags.c_contiguous and got.dtype == np.float64
    np.testing.assert_array_equal(got, frame.iloc[:, [2, 3, 4]].to_numpy(dtype="float64").T)
    np.testing.assert_array_equal(float_rows(frame, [4, 2]), frame.iloc[:, [4, 2]].to_numpy(dtype="float64").T)


def test_column_dtypes_are_frame_dtypes():
    frame = parsed()
    frame["d"] = pd.array([1, None, 3], dtype="Int64")
    assert column_dtypes(frame) == frame.dtypes.tolist()
    assert column_dtypes(pd.DataFrame(index=[1, 2])) == []


def test_frame_of_arrays_is_the_frame_of_a_dict_of_its_columns():
    index = pd.MultiIndex.from_product([["b", "a"], [2021]], names=["unit", "year"])
    arrays = [pd.array([1, None], dtype="Int64"), pd.array(["", "imputed"], dtype="str")]
    columns = pd.Index(["p", "q"])
    got = frame_of_arrays(arrays, index, columns)
    expected = pd.DataFrame({"p": arrays[0], "q": arrays[1]}, index=index)
    pd.testing.assert_frame_equal(got, expected)
    assert got.columns is columns and got["p"].array is arrays[0]  # used as they are, not copied


labels = st.lists(st.text(alphabet="ab北京 é𝔘Z9", min_size=1, max_size=3), min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(labels, st.lists(st.sampled_from([2019, 2018, 2021]), min_size=30, max_size=30))
def test_unit_years_index_is_from_arrays_of_the_pairs(units, years):
    years = np.array(years[:len(units)], dtype="int64")
    codes, index = _unit_years(pd.Series(units, dtype="str").to_numpy(dtype=object), years)
    pairs = list(dict.fromkeys(zip(units, years.tolist())))  # distinct pairs, in file order
    expected = pd.MultiIndex.from_arrays([pd.Index([u for u, _ in pairs], dtype="str"),
                                          pd.Index([y for _, y in pairs], dtype="int64")], names=["unit", "year"])
    assert index.equals(expected) and index.names == expected.names
    for got, want in zip(index.levels, expected.levels):
        assert got.dtype == want.dtype and got.tolist() == want.tolist()
    assert [pairs[c] for c in codes] == list(zip(units, years.tolist()))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="xyz北", min_size=1, max_size=2), min_size=1, max_size=8, unique=True),
       st.lists(st.integers(1990, 2030), min_size=1, max_size=4, unique=True))
def test_grid_is_from_product(units, years):
    expected = pd.MultiIndex.from_product([pd.Index(units, dtype=object), pd.Index(years, dtype="int64")],
                                          names=["unit", "year"])
    got = _grid(units, years)
    assert got.equals(expected) and got.names == expected.names
    for a, b in zip(got.levels, expected.levels):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()
    for a, b in zip(got.codes, expected.codes):
        np.testing.assert_array_equal(a, b)


def test_one_year_is_nunique_of_the_years():
    one = _grid(["a", "b"], [2020])
    two = _grid(["a", "b"], [2020, 2021])
    assert _one_year(one) and not _one_year(two)
    kept = two[two.get_level_values("year") == 2021]  # levels keep the unused 2020
    assert _one_year(kept) == (kept.get_level_values("year").nunique() == 1)
    assert _one_year(pd.Index([2020, 2020], name="year"))


def test_ranks_by_year_codes_match_pandas_rank_per_year():
    index = pd.MultiIndex.from_arrays([["a", "b", "c", "a", "b", "c"], [2021, 2021, 2021, 2020, 2020, 2020]],
                                      names=["unit", "year"])
    scores = pd.DataFrame({"s": [1.0, 3.0, 3.0, np.nan, 2.0, 5.0], "t": [0.0, 0.0, 1.0, 2.0, 1.0, 0.0]},
                          index=index)
    codes = _year_codes(index)
    assert len(set(zip(codes.tolist(), index.get_level_values("year")))) == 2  # one code per year
    expected = scores.groupby(level="year").rank(method="min", ascending=False).astype("Int64")
    pd.testing.assert_frame_equal(nullable_rank(scores), expected)


def test_the_public_fallbacks_give_the_same(monkeypatch):
    """Without pandas' private accessors (another pandas version), each shortcut takes the public way."""
    frame = parsed()
    index = pd.RangeIndex(3)
    arrays = [pd.array([1, None, 3], dtype="Int64"), pd.array(["a", "", "b"], dtype="str")]
    fast = (float_rows(frame, [2, 3, 4]), frame_of_arrays(arrays, index, pd.Index(["p", "q"])))
    monkeypatch.setattr(pd.DataFrame, "_get_column_array", None)
    monkeypatch.setattr(pd.DataFrame, "_from_arrays", None)
    np.testing.assert_array_equal(float_rows(frame, [2, 3, 4]), fast[0])
    pd.testing.assert_frame_equal(frame_of_arrays(arrays, index, pd.Index(["p", "q"])), fast[1])
