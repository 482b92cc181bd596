"""zhishu.csvtext writes every frame byte for byte as pandas' ``to_csv(index=False, lineterminator="\\n")``
(the reference here, computed independently by pandas), for the column types it formats itself and for those
it hands to pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.csvtext import _fast, csv_text
from zhishu.outputs import output_folder

PROPERTY = settings(max_examples=150, deadline=None)


def _pandas(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
texts = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t;é指\'x0')), max_size=6)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    columns = {}
    for j in range(draw(st.integers(2, 5))):
        kind = draw(st.sampled_from(["float", "int", "bool", "str", "object", "Int64", "repeated"]))
        name = draw(texts) + str(j)  # unique, may need quoting
        if kind == "float":
            columns[name] = np.array(draw(st.lists(floats, min_size=n, max_size=n)), dtype="float64")
        elif kind == "int":
            columns[name] = np.array(draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)),
                                     dtype="int64")
        elif kind == "bool":
            columns[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind == "str":
            columns[name] = pd.array(draw(st.lists(st.none() | texts, min_size=n, max_size=n)), dtype="str")
        elif kind == "object":
            values = np.empty(n, dtype=object)
            values[:] = draw(st.lists(st.none() | st.just(np.nan) | texts, min_size=n, max_size=n))
            columns[name] = pd.Series(values, dtype=object)
        elif kind == "Int64":
            columns[name] = pd.array(draw(st.lists(st.none() | st.integers(-2**63, 2**63 - 1), min_size=n,
                                                   max_size=n)), dtype="Int64")
        else:  # few distinct values, -0.0 next to 0.0
            columns[name] = np.array([[0.0, -0.0, np.nan, 1e16, 0.1][i % 5] for i in range(n)])
    return pd.DataFrame(columns)


@PROPERTY
@given(frames())
def test_same_text_as_pandas(frame):
    assert csv_text(frame) == _pandas(frame)


def test_the_fast_path_formats_the_usual_tables_itself():
    frame = pd.DataFrame({"unit": ["AUT", "BEL"], "year": [2018, 2018], "score": [0.1, np.nan],
                          "rank": pd.array([1, None], dtype="Int64"), "label": ['a, "b"', None]})
    assert _fast(frame)
    assert csv_text(frame) == 'unit,year,score,rank,label\nAUT,2018,0.1,1,"a, ""b"""\nBEL,2018,,,\n'


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"only": ["", "a", None]}),  # csv quotes the empty field of a one-field row
    pd.DataFrame({"x": [1.5, 2.5], "when": pd.to_datetime(["2020-01-01", "2021-06-30"])}),
    pd.DataFrame({"x": np.array([0.1, 0.2], dtype="float32"), "y": [1, 2]}),
    pd.DataFrame({"x": [1, 2], "y": pd.Categorical(["a", "b"])}),
    pd.DataFrame({"x": [1, 2], "y": [1.5, "a"]}),  # an object column that is not all strings
    pd.DataFrame({1: [1, 2], 2: [3, 4]}),
])
def test_other_frames_are_written_by_pandas(frame):
    assert not _fast(frame)
    assert csv_text(frame) == _pandas(frame)


def test_write_csv_writes_the_bytes_pandas_writes(tmp_path):
    frame = pd.DataFrame({"unit": ["A\nB", "C"], "score": [1e-5, -0.0], "n": pd.array([None, 3], dtype="Int64")})
    with output_folder(tmp_path / "out", command="test") as out:
        out.write_csv("t.csv", frame)
    frame.to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8", lineterminator="\n")
    assert (tmp_path / "out" / "t.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_rows_written_in_chunks_are_one_table(monkeypatch):
    import zhishu.csvtext

    monkeypatch.setattr(zhishu.csvtext, "_CHUNK", 3)
    frame = pd.DataFrame({"r": np.arange(10), "s": pd.array(list("abcabcabca"), dtype="str")})
    assert csv_text(frame) == _pandas(frame)


def test_floats_of_every_magnitude_as_pandas_writes_them():
    """Random bit patterns (every exponent, subnormals, ±0, ±inf, NaN) and decimal-looking values near the
    fixed/scientific switch (1e-5, 1e16): the float text is pandas' own, value by value."""
    rng = np.random.default_rng(12)
    bits = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=200_000, dtype=np.int64)
    edges = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
             1e-5, 9.999999999999999e-05, 1e-4, 1e15, 9999999999999998.0, 1e16, 1e22, 123.0, 0.1, -1e-7]
    decimals = rng.normal(size=20_000) * 10.0 ** rng.integers(-8, 20, size=20_000)
    values = np.concatenate([bits.view(np.float64), edges, decimals, np.round(decimals, 3)])
    frame = pd.DataFrame({"x": values, "y": values[::-1]})
    assert csv_text(frame) == _pandas(frame)


def _repr_texts(values: np.ndarray) -> list[str]:
    return ["" if v != v else repr(v) for v in values.tolist()]


def test_float_texts_through_arrow_are_repr():
    """float_texts through Arrow's cast is ``repr`` (NaN: ""): random bit patterns of every exponent and of the
    magnitudes where Arrow's text is used (1e-4 … 1e10), decimals of 1 to 17 digits, integral values, and the
    edges of both notations."""
    import zhishu.csvtext as ct

    pytest.importorskip("pyarrow")
    assert ct._arrow() is not None  # pandas has loaded pyarrow: the Arrow path is the one tested
    rng = np.random.default_rng(7)
    anywhere = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=300_000, dtype=np.int64)
    # exponents of 2**-14 … 2**34: the doubles between ~6e-5 and ~2e10, both signs
    low, high = np.float64(2.0**-14).view(np.int64), np.float64(2.0**34).view(np.int64)
    fixed = rng.integers(low, high, size=1_000_000, dtype=np.int64)
    magnitudes = rng.normal(size=200_000) * 10.0 ** rng.integers(-6, 18, size=200_000)
    decimals = np.concatenate([np.round(magnitudes, d) for d in range(0, 17, 2)])
    integral = np.concatenate([np.arange(-1000, 1000.0), np.round(magnitudes[:50_000])])
    edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1e-4, np.nextafter(1e-4, 0), 1e10,
                      np.nextafter(1e10, 0), 1e15, 9999999999999998.0, 1e16, np.nextafter(1e16, 0), 1e-5, -1e-7])
    for values in (anywhere.view(np.float64), fixed.view(np.float64), -fixed.view(np.float64), decimals,
                   integral, edges, np.tile(edges, 10)):
        assert ct.float_texts(values) == _repr_texts(values)


@PROPERTY
@given(frames())
def test_the_arrow_floats_give_the_same_text(frame):
    import zhishu.csvtext as ct

    old = ct.ARROW_FROM
    ct.ARROW_FROM = 0  # every float column through Arrow's cast, however short
    try:
        assert csv_text(frame) == _pandas(frame)
    finally:
        ct.ARROW_FROM = old
