"""Writing a frame as CSV text byte for byte as ``frame.to_csv(path, index=False, lineterminator="\\n")`` does,
several times faster for the tables zhishu writes.

pandas formats every cell of a column (``float64`` through numpy's ``astype(str)``) and hands each row to
:mod:`csv`. Here each column's *distinct* values are formatted once, in the same way (numpy's ``astype(str)``
for numbers — for floats the same text as Python's ``repr`` —, ``str`` of the objects pandas' ``astype(object)`` gives for nullable integers, the strings as
they are, quoted by :mod:`csv` itself when they hold a delimiter, quote or line break, missing values as
empty fields), and the rows are joined as text. Long tables repeat their labels, choices and per-replication
values many times, so most of the work goes. A column of any other type (dates, categories, ``float32``,
objects that are not strings, …), non-string column names and frames of fewer than two columns go to pandas
unchanged, so every frame is written exactly as pandas writes it.

Floats are most of the work (a long table's scores are all distinct): where pyarrow is already loaded (pandas
loads it for its ``str`` dtype), Arrow's cast to text formats them, several times faster than ``repr``; it
writes the same shortest round-trip digits, and where both write fixed notation the texts are the same but
for the ``.0`` that ``repr`` gives integral values (added); every other value takes ``repr`` itself
(:func:`float_texts`, tested against ``repr`` on millions of values).
"""

from __future__ import annotations

import csv
import io
import sys
from typing import TextIO

import numpy as np
import pandas as pd

_CHUNK = 100_000  # rows formatted at a time: bounds the memory of the text of a large table
_SPECIAL = (",", '"', "\n", "\r")  # the only characters that make csv's QUOTE_MINIMAL quote a field here


def write_csv(frame: pd.DataFrame, fh: TextIO) -> None:
    """Write ``frame`` to ``fh`` (a text file opened with ``newline=""``) as pandas'
    ``to_csv(index=False, lineterminator="\\n")`` does."""
    if not _fast(frame):
        frame.to_csv(fh, index=False, lineterminator="\n")
        return
    fh.write(",".join(quoted([str(c) for c in frame.columns])) + "\n")
    columns = [col for _, col in frame.items()]
    for start in range(0, len(frame), _CHUNK):
        cells = _chunk_cells([col.array[start:start + _CHUNK] for col in columns])
        fh.write("\n".join(map(",".join, zip(*cells))))
        fh.write("\n")


def csv_text(frame: pd.DataFrame) -> str:
    """The text of :func:`write_csv` as a string."""
    buf = io.StringIO(newline="")
    write_csv(frame, buf)
    return buf.getvalue()


def _fast(frame: pd.DataFrame) -> bool:
    if frame.shape[1] < 2 or not all(type(c) is str for c in frame.columns):
        return False  # one column: csv quotes an empty row; other labels: pandas' own rules
    return all(_kind(col) is not None for _, col in frame.items())


def _kind(col: pd.Series) -> str | None:
    dtype = col.dtype
    if isinstance(dtype, np.dtype):
        if dtype == np.float64:
            return "float"
        if dtype.kind in "iub":
            return "number"
        if dtype == object:
            values = col.to_numpy()
            ok = pd.isna(values) | np.fromiter((type(v) is str for v in values), bool, len(values))
            return "object" if ok.all() else None
        return None
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if isinstance(dtype, (pd.Int8Dtype, pd.Int16Dtype, pd.Int32Dtype, pd.Int64Dtype, pd.UInt8Dtype,
                          pd.UInt16Dtype, pd.UInt32Dtype, pd.UInt64Dtype)):
        return "nullable-int"
    return None


def _chunk_cells(arrays: list) -> list[list[str]]:
    """:func:`_cells` of each column; the distinct values of all float columns formatted together (one call of
    :func:`float_texts`: Arrow's per-call cost once, not once per column)."""
    floats = [j for j, a in enumerate(arrays) if _is_float(a)]
    if len(floats) < 2:
        return [_cells(a) for a in arrays]
    factorized = [pd.factorize(arrays[j].to_numpy().view(np.int64)) for j in floats]  # by bit pattern
    texts = float_texts(np.concatenate([uniques for _, uniques in factorized]).view(np.float64))
    out = [None if _is_float(a) else _cells(a) for a in arrays]
    at = 0
    for j, (codes, uniques) in zip(floats, factorized):
        out[j] = np.array(texts[at:at + len(uniques)], dtype=object)[codes].tolist()
        at += len(uniques)
    return out


def _is_float(array) -> bool:
    return isinstance(array, pd.arrays.NumpyExtensionArray) and array.dtype.numpy_dtype == np.float64


def _cells(array) -> list[str]:
    """The field text of each value of one column (a slice of its pandas array)."""
    if isinstance(array, pd.arrays.NumpyExtensionArray):
        values = array.to_numpy()
        if values.dtype == np.float64:
            # by bit pattern: 0.0 and -0.0 are different texts (a hash table on floats would merge them)
            codes, uniques = pd.factorize(values.view(np.int64))
            floats = uniques.view(np.float64)
            # pandas writes Python's float repr (numpy's astype(str) text: the shortest round-trip digits, the
            # same exponent rule); float_texts gives that text, through Arrow where it may (tested)
            texts = np.array(float_texts(floats), dtype=object)
        elif values.dtype.kind in "iub":
            codes, uniques = pd.factorize(values)
            texts = uniques.astype(str).astype(object)
        else:  # object column of strings and missing values
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            texts = np.array(quoted(list(uniques)) + [""], dtype=object)
            return texts[codes].tolist()  # code -1 (missing) takes the last: ""
        return texts[codes].tolist()
    codes, uniques = pd.factorize(array, use_na_sentinel=True)
    if isinstance(array.dtype, pd.StringDtype):
        texts = quoted([str(v) for v in uniques])
    else:  # nullable integers: pandas writes str() of the Python ints of astype(object)
        texts = [str(v) for v in np.asarray(uniques.astype(object))]
    return np.array(texts + [""], dtype=object)[codes].tolist()


def quoted(texts: list[str]) -> list[str]:
    """Each text as csv's QUOTE_MINIMAL writes it inside a row of several fields."""
    out = texts
    for i, t in enumerate(texts):
        if any(ch in t for ch in _SPECIAL):
            if out is texts:
                out = list(texts)
            buf = io.StringIO(newline="")
            csv.writer(buf, lineterminator="\n").writerow([t, ""])
            out[i] = buf.getvalue()[:-2]  # drop the "," of the second, empty field and the line end
    return out


#: whether :func:`float_texts` may use Arrow's cast (the tests switch it off to compare both ways), and from
#: how many values on (below that, ``repr`` is as quick as the few Arrow calls)
USE_ARROW, ARROW_FROM = True, 64
#: Python's ``repr`` of a float is in fixed notation exactly for these magnitudes (and for zero)
_FIXED_LOW, _FIXED_HIGH = 1e-4, 1e16


def float_texts(floats: np.ndarray) -> list[str]:
    """``repr`` of each float of ``floats`` (float64), "" for NaN."""
    arrow = _arrow() if len(floats) >= ARROW_FROM else None
    if arrow is None:
        texts = list(map(float.__repr__, floats.tolist()))
        for i in np.flatnonzero(np.isnan(floats)).tolist():
            texts[i] = ""
        return texts
    pa, pc = arrow
    cast = pc.cast(pa.array(floats), pa.string())  # NaN stays NaN (not null): "nan", replaced below
    magnitude = np.abs(floats)
    with np.errstate(invalid="ignore"):
        fixed = ((magnitude >= _FIXED_LOW) & (magnitude < _FIXED_HIGH)) | (magnitude == 0)
    fixed &= ~np.asarray(pc.match_substring(cast, "e"))  # Arrow's own switch to exponents is at 1e10
    integral = fixed & ~np.asarray(pc.match_substring(cast, "."))
    if integral.any():  # "100" → "100.0", "-0" → "-0.0"
        cast = pc.if_else(pa.array(integral), pc.binary_join_element_wise(cast, ".0", ""), cast)
    texts = cast.to_pylist()
    for i in np.flatnonzero(~fixed).tolist():  # exponents, ±inf, NaN
        value = float(floats[i])
        texts[i] = "" if value != value else repr(value)
    return texts


def _arrow():
    """``(pyarrow, pyarrow.compute)`` when pyarrow is already imported (by pandas, for its ``str`` dtype) and
    allowed, else None: formatting floats is no reason to import it."""
    if not USE_ARROW or "pyarrow" not in sys.modules:
        return None
    try:
        import pyarrow
        import pyarrow.compute
    except ImportError:  # a broken installation: repr gives the same texts
        return None
    return pyarrow, pyarrow.compute
