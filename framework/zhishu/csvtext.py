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
"""

from __future__ import annotations

import csv
import io
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
    fh.write(",".join(_quoted([str(c) for c in frame.columns])) + "\n")
    columns = [col for _, col in frame.items()]
    for start in range(0, len(frame), _CHUNK):
        cells = [_cells(col.array[start:start + _CHUNK]) for col in columns]
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


def _cells(array) -> list[str]:
    """The field text of each value of one column (a slice of its pandas array)."""
    if isinstance(array, pd.arrays.NumpyExtensionArray):
        values = array.to_numpy()
        if values.dtype == np.float64:
            # by bit pattern: 0.0 and -0.0 are different texts (a hash table on floats would merge them)
            codes, uniques = pd.factorize(values.view(np.int64))
            floats = uniques.view(np.float64)
            # Python's float repr is numpy's astype(str) text (both the shortest round-trip digits, the same
            # exponent rule; checked on millions of bit patterns in the tests), about a third cheaper
            texts = np.array(list(map(float.__repr__, floats.tolist())), dtype=object)
            texts[np.isnan(floats)] = ""
        elif values.dtype.kind in "iub":
            codes, uniques = pd.factorize(values)
            texts = uniques.astype(str).astype(object)
        else:  # object column of strings and missing values
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            texts = np.array(_quoted(list(uniques)) + [""], dtype=object)
            return texts[codes].tolist()  # code -1 (missing) takes the last: ""
        return texts[codes].tolist()
    codes, uniques = pd.factorize(array, use_na_sentinel=True)
    if isinstance(array.dtype, pd.StringDtype):
        texts = _quoted([str(v) for v in uniques])
    else:  # nullable integers: pandas writes str() of the Python ints of astype(object)
        texts = [str(v) for v in np.asarray(uniques.astype(object))]
    return np.array(texts + [""], dtype=object)[codes].tolist()


def _quoted(texts: list[str]) -> list[str]:
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
