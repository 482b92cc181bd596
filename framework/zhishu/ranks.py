"""Ranks within each year, vectorised: 1 = highest, ties share the best rank, NaN stays NaN — exactly pandas'
``rank(method="min", ascending=False, na_option="keep")`` per year group, at the cost of one argsort per
column instead of pandas' group-wise lexsort (5–10× faster on 10⁵–10⁶ rows).

The work is done item-major (one contiguous row of values per ranked column), in blocks of a few columns:
sorting, gathering and scattering along a contiguous axis is 2–3× faster than along the strided axis of a
(rows × columns) array, and the temporaries stay bounded (:data:`BLOCK_ELEMENTS`). :func:`rank_items` writes
integer ranks and a missing mask straight into the arrays of the nullable result, so no float copy of every
rank exists next to it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: columns are ranked in blocks of about this many cells, so temporaries stay near 6 × 8 × this many bytes
BLOCK_ELEMENTS = 2**22
#: from this many values per column on, the sorted gather and the scatter run one column at a time (a few
#: numpy calls per column, each over all its values): below it, per-call overhead outweighs the faster 1-D steps
ROW_GATHER_MIN = 2**14


def _ranks_of_rows(K: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Ranks of every row of ``K`` (items × values, C-contiguous float) into ``out`` (int64, same shape): 1 + the
    number of values above, 0 for NaN. Returns the NaN mask.

    Sorting keys ``-x`` (NaN → +inf) put equal values next to each other; each run of equal keys takes the
    position of its first member. A ``-inf`` value shares the key of NaN but keeps its rank (the number of
    values above it + 1); the NaN cells are then set to 0 (masked by the caller)."""
    missing = np.isnan(K)
    key = np.negative(K)
    key[missing] = np.inf
    order = np.argsort(key, axis=1)
    long = K.shape[1] >= ROW_GATHER_MIN
    if long:  # a 1-D take per row: 2-3x faster than take_along_axis's fancy indexing on long rows
        sk = np.empty_like(key)
        for i in range(len(key)):
            np.take(key[i], order[i], out=sk[i])
    else:  # flat positions: np.take and a flat assignment are 2-4x faster than take/put_along_axis here
        flat = order + (np.arange(len(K), dtype=order.dtype) * K.shape[1])[:, None]
        sk = np.take(key, flat)
    del key
    new = np.empty(sk.shape, dtype=bool)
    new[:, :1] = True
    np.not_equal(sk[:, 1:], sk[:, :-1], out=new[:, 1:])
    del sk
    start = np.where(new, np.arange(1, K.shape[1] + 1, dtype="int64"), 0)
    del new
    np.maximum.accumulate(start, axis=1, out=start)
    if long:
        for i in range(len(start)):
            out[i][order[i]] = start[i]
    elif out.flags.c_contiguous:
        out.reshape(-1)[flat.reshape(-1)] = start.reshape(-1)
    else:
        np.put_along_axis(out, order, start, axis=1)
    out[missing] = 0
    return missing


def rank_items(block: Callable[[int, int], np.ndarray], m: int, n: int, year_codes: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Ranks within each year of ``m`` columns of ``n`` values, item-major: ``block(a, b)`` returns the values
    of columns ``a`` to ``b`` as an (b - a) × n float array. Returns (ranks, missing): ``m × n`` int64 ranks
    (0 where missing) and the ``m × n`` NaN mask — the data and mask of nullable integer columns."""
    ranks = np.empty((m, n), dtype="int64")
    missing = np.empty((m, n), dtype=bool)
    codes = np.unique(year_codes)
    groups = None if len(codes) <= 1 else [np.flatnonzero(year_codes == g) for g in codes]
    step = max(1, BLOCK_ELEMENTS // max(n, 1))
    for a in range(0, m, step):  # blocks of columns: bounded memory, not one loop per column
        b = min(a + step, m)
        values = np.ascontiguousarray(block(a, b), dtype="float64")
        if groups is None:
            missing[a:b] = _ranks_of_rows(values, ranks[a:b])
            continue
        for rows in groups:
            part = np.empty((b - a, len(rows)), dtype="int64")
            missing[a:b, rows] = _ranks_of_rows(np.ascontiguousarray(values[:, rows]), part)
            ranks[a:b, rows] = part
    return ranks, missing


def rank_desc_min(B: np.ndarray) -> np.ndarray:
    """Ranks of every column of ``B`` (rows × columns): 1 + the number of values above, NaN for NaN."""
    return rank_by_year(B, np.zeros(len(B), dtype="int64"))


def rank_by_year(values: np.ndarray, year_codes: np.ndarray) -> np.ndarray:
    """Ranks (float, NaN for NaN) of every column of ``values`` (rows × columns) within the rows of each year
    (``year_codes``: one integer code per row)."""
    n, m = values.shape
    by_item = values.T
    ranks, missing = rank_items(lambda a, b: by_item[a:b], m, n, year_codes)
    out = ranks.astype("float64")
    out[missing] = np.nan
    return out.T
