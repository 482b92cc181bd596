"""Built-in aggregators: weighted means (arithmetic, geometric, harmonic, generalised), the minimum, and two
methods that compare units with each other (Copeland outranking, TOPSIS).

Every aggregator re-normalises the weights over the children present in each row (a missing child drops out
and the others' weights are scaled up); a row with no child present — or whose present children all weigh 0 —
is NaN. The node's ``min_share`` rule is applied afterwards by the pipeline, uniformly for every aggregator.

The maths lives in pure functions over numpy arrays (``values``: units × children, NaN = missing; ``w``: one
non-negative weight per child); the classes are thin. ``docs/methods/aggregators.md`` is the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..errors import DataError, Issue
from ..hookspecs import hookimpl
from ..listing import cell_location
from ..validators import finite

#: at most this many elements (units × units × children, float64) in one block of Copeland's pairwise
#: comparisons (2**22 elements ≈ 34 MB); larger problems are processed in blocks of units
COPELAND_BLOCK_ELEMENTS = 2**22

#: a pairwise weight difference within this fraction of the pair's weight counts as a tie (Copeland)
TIE_TOLERANCE = 1e-12

_POSITIVE_HINT = "normalise to a positive range, e.g. minmax with low = 1"


# --------------------------------------------------------------------------------------------- helpers


def present_weights(X: pd.DataFrame, weights: pd.Series) -> np.ndarray:
    """Row-wise weights over the children present, each row summing to 1 (all-NaN rows: NaN)."""
    return row_weights(X.to_numpy(dtype="float64"), _weight_vector(X, weights))


def row_weights(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``w`` re-normalised over the non-missing cells of each row of ``values`` (rows without weight: NaN)."""
    wp = np.where(np.isnan(values), 0.0, w)
    total = wp.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return wp / np.where(total > 0, total, np.nan)


def _weight_vector(X: pd.DataFrame, weights: pd.Series) -> np.ndarray:
    """The weights in the order of X's columns (matched by label; no reindex when they already are in order)."""
    if not weights.index.equals(X.columns):
        weights = weights.reindex(X.columns)
    return weights.to_numpy(dtype=np.float64)


def _active(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Cells that count: present, with a positive weight."""
    return ~np.isnan(values) & (w > 0)


def _series(X: pd.DataFrame, out: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(out, dtype=np.float64), index=X.index, copy=False)


def _scores(X: pd.DataFrame, values: np.ndarray, out: np.ndarray) -> pd.Series:
    """``out`` as a Series on ``X``'s index, NaN in the rows without any child present."""
    return _series(X, blank_where_all_missing(values, out))


def blank_where_all_missing(values: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out`` with NaN in the rows of ``values`` without any child present (``X.notna().any(axis=1)`` on the
    float values, without a frame of booleans; complete data: one pass, no mask)."""
    missing = np.isnan(values)
    if missing.any():
        out = np.where(missing.all(axis=1), np.nan, out)
    return out



def _reject(X: pd.DataFrame, values: np.ndarray, bad: np.ndarray, need: str, threshold: str) -> None:
    """Raise a DataError listing (up to 10 of) the cells in ``bad``: value, unit, year, child and the rule."""
    if not bad.any():
        return
    rows, cols = np.nonzero(bad)
    issues = [Issue(f"{X.columns[c]} = {values[r, c]:g} at {cell_location(X.index[r])}; {need}")
              for r, c in zip(rows[:10], cols[:10])]
    if len(rows) > 10:
        issues.append(Issue(f"… and {len(rows) - 10} more values {threshold}"))
    raise DataError(issues)


def _by_year(X: pd.DataFrame, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``fn`` applied to the rows of each year separately (all rows at once when X has one year or no year
    level), so that methods comparing units never compare a unit with itself in another year."""
    values = X.to_numpy(dtype="float64")
    if "year" in X.index.names:
        codes, years = pd.factorize(X.index.get_level_values("year"))
        if len(years) > 1:
            out = np.full(len(X), np.nan)
            for g in range(len(years)):
                rows = codes == g
                out[rows] = fn(values[rows])
            return out
    return fn(values)



# --------------------------------------------------------------------------------------------- pure functions


def arithmetic_mean(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Σ wᵢ xᵢ / Σ wᵢ`` over the present children of each row."""
    if w.sum() > 0 and not np.isnan(values).any():  # nothing missing: one matrix-vector product
        return values @ (w / w.sum())
    rw = row_weights(values, w)
    return (rw * np.nan_to_num(values, nan=0.0)).sum(axis=1)


def geometric_mean(values: np.ndarray, w: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """``Π (xᵢ + c)^(wᵢ / Σ wᵢ) − c`` over the present children (c = ``offset``); needs ``x + c > 0``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log(values + offset)
    if w.sum() > 0 and not np.isnan(values).any():  # nothing missing: one matrix-vector product
        return np.exp(logs @ (w / w.sum())) - offset
    rw = row_weights(values, w)
    return np.exp((rw * np.nan_to_num(logs, nan=0.0)).sum(axis=1)) - offset


def harmonic_mean(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Σ wᵢ / Σ (wᵢ / xᵢ)`` over the present children; needs ``x > 0``."""
    rw = row_weights(values, w)
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        inverse = np.where(present, rw / values, 0.0).sum(axis=1)
        return np.where(present.any(axis=1), 1.0 / inverse, np.nan)


#: below this |p| the power mean is its limit, the geometric mean (see :func:`power_mean`)
TINY_P = 1e-200


def power_mean(values: np.ndarray, w: np.ndarray, p: float) -> np.ndarray:
    """The weighted power mean ``(Σ wᵢ xᵢ^p / Σ wᵢ)^(1/p)`` over the present children; p = 0 is the geometric
    mean. Needs ``x >= 0`` (p > 0) or ``x > 0`` (p <= 0).

    Computed as ``m · exp(log1p(Σ w̃ᵢ expm1(p · ln(xᵢ/m))) / p)`` with m the largest (p > 0) or smallest
    (p < 0) value of a weighted child, so that ``p · ln(xᵢ/m) <= 0``: no overflow for large ``|p|`` and no
    loss of precision for small ``|p|``. For ``|p| < 1e-200`` (where ``p · ln(xᵢ/m)`` would fall into the
    subnormal range and lose every digit) the limit p → 0, the geometric mean, is returned: it differs from the
    power mean by a relative ``O(|p|)``.
    """
    if abs(p) < TINY_P:
        return geometric_mean(values, w)
    rw = row_weights(values, w)
    active = _active(values, w)
    fill = -np.inf if p > 0 else np.inf
    m = np.where(active, values, fill)
    m = m.max(axis=1) if p > 0 else m.min(axis=1)
    m = np.where(np.isfinite(m), m, np.nan)  # rows without a weighted child
    safe = np.where(m > 0, m, 1.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        terms = np.where(active, rw * np.expm1(p * np.log(values / safe[:, None])), 0.0)
        mean = safe * np.exp(np.log1p(terms.sum(axis=1)) / p)
    # m = 0: p > 0 and every weighted child is 0; m NaN: no weighted child present
    return np.where(m == 0, 0.0, np.where(np.isnan(m), np.nan, mean))


def minimum(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The smallest value among the present children with a positive weight."""
    active = _active(values, w)
    low = np.where(active, values, np.inf).min(axis=1)
    return np.where(active.any(axis=1), low, np.nan)


def copeland_scores(values: np.ndarray, w: np.ndarray, *, block: int = COPELAND_BLOCK_ELEMENTS) -> np.ndarray:
    """Copeland scores of the rows of ``values`` (units of one year): for each unit, the number of units it
    outranks minus the number of units that outrank it.

    a outranks b when the weight of the children on which a > b exceeds the weight of those on which b > a,
    counting only children present for both (ties count for neither, or ½ each: the same relation; a weight
    difference within ``TIE_TOLERANCE`` of the pair's weight is a tie). Units without a weighted child
    present are NaN and outrank nobody. The units × units × children comparisons are done in blocks of at
    most ``block`` elements.
    """
    n, k = values.shape
    present = ~np.isnan(values)
    weighted = np.where(present, w, 0.0)
    pair_weight = weighted @ present.T.astype("float64")  # Σ w over the children present for both
    net = np.empty((n, n))
    step = max(1, block // max(1, n * k))
    for start in range(0, n, step):
        stop = min(n, start + step)
        diff = values[start:stop, None, :] - values[None, :, :]  # NaN where either is missing
        np.sign(diff, out=diff)
        np.nan_to_num(diff, copy=False, nan=0.0)
        net[start:stop] = diff @ w  # weight where a > b minus weight where b > a
    threshold = TIE_TOLERANCE * pair_weight
    score = (net > threshold).sum(axis=1) - (net < -threshold).sum(axis=1)
    return np.where(_active(values, w).any(axis=1), score.astype("float64"), np.nan)


def topsis_closeness(values: np.ndarray, w: np.ndarray, *, vector_normalise: bool = True) -> np.ndarray:
    """TOPSIS relative closeness ``d⁻ / (d⁺ + d⁻)`` of the rows of ``values`` (units of one year), in [0, 1].

    With ``vector_normalise`` each column is first divided by its Euclidean norm over the units present
    (a column whose norm is 0 stays 0). Then vᵢⱼ = wⱼ rᵢⱼ, the ideal and anti-ideal are each column's largest
    and smallest v over the units present, and d⁺, d⁻ are Euclidean distances over the row's present children.
    The closeness does not depend on the scale of the weights, so re-normalising them over a row's present
    children changes nothing. A row with d⁺ + d⁻ = 0 (it is both ideal and anti-ideal) scores 0.5; a row
    without a weighted child present is NaN.
    """
    present = ~np.isnan(values)
    if present.all() and (w > 0).all():
        return _topsis_complete(values, w, vector_normalise)
    r = values
    if vector_normalise:  # x / sqrt(Σ x²), computed as (x / M) / sqrt(Σ (x / M)²) with M = max |x| (no overflow)
        big = np.where(present, np.abs(values), 0.0).max(axis=0, initial=0.0)
        scaled = values / np.where(big > 0, big, 1.0)
        norm = np.sqrt(np.where(present, scaled * scaled, 0.0).sum(axis=0))
        r = scaled / np.where(norm > 0, norm, 1.0)
    v = r * w
    ideal = np.where(present, v, -np.inf).max(axis=0)
    anti = np.where(present, v, np.inf).min(axis=0)
    with np.errstate(invalid="ignore"):
        d_plus = np.sqrt(np.where(present, (v - ideal) ** 2, 0.0).sum(axis=1))
        d_minus = np.sqrt(np.where(present, (v - anti) ** 2, 0.0).sum(axis=1))
        total = d_plus + d_minus
        closeness = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)
    return np.where(_active(values, w).any(axis=1), closeness, np.nan)


def _topsis_complete(values: np.ndarray, w: np.ndarray, vector_normalise: bool) -> np.ndarray:
    """:func:`topsis_closeness` when every cell is present and every weight positive: no masks needed."""
    if vector_normalise:
        with np.errstate(over="ignore"):
            squares = np.einsum("ij,ij->j", values, values)  # Σ x² per column in one pass
        if (np.isfinite(squares) & (squares > 1e-300)).all():
            norm = np.sqrt(squares)
            v = values * (w / np.where(norm > 0, norm, 1.0))
        else:  # very large or tiny values: scale by the column maximum first (no overflow or underflow)
            big = np.abs(values).max(axis=0)
            scaled = values / np.where(big > 0, big, 1.0)  # in [-1, 1]; w / big could overflow for subnormal big
            norm = np.sqrt((scaled ** 2).sum(axis=0))
            v = scaled * (w / np.where(norm > 0, norm, 1.0))
    else:
        v = values * w
    ideal, anti = v.max(axis=0), v.min(axis=0)
    gap = v - ideal
    d_plus = np.sqrt(np.einsum("ij,ij->i", gap, gap))
    np.subtract(v, anti, out=gap)
    d_minus = np.sqrt(np.einsum("ij,ij->i", gap, gap))
    total = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)


def _stacked(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """``values`` as (rows, reps, k) and ``weights`` as (reps, k) for :meth:`aggregate_array`, and whether the
    answer is one column (values (rows, k) with weights (k,))."""
    V = np.asarray(values, dtype="float64")
    W = np.asarray(weights, dtype="float64")
    single = V.ndim == 2 and W.ndim == 1
    if V.ndim == 2:
        V = V[:, None, :]
    if W.ndim == 1:
        W = W[None, :]
    if V.ndim != 3 or W.ndim != 2 or V.shape[2] != W.shape[1] or V.shape[1] not in (1, W.shape[0]):
        raise ValueError(f"aggregate_array needs values (rows, [reps,] children) and weights ([reps,] children), "
                         f"got shapes {np.shape(values)} and {np.shape(weights)}")
    return V, W, single


def stacked_row_weights(V: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights (reps × k) re-normalised over the present children of every (row, rep) of ``V`` (rows × reps ×
    k): (1, reps, k) when nothing is missing, else (rows, reps, k); and the mask of present cells."""
    present = ~np.isnan(V)
    with np.errstate(invalid="ignore", divide="ignore"):
        if present.all():  # nothing missing: one weight vector per replication
            return unit_weights(W)[None, :, :], present
        wp = np.where(present, W[None, :, :], 0.0)
        total = wp.sum(axis=2, keepdims=True)
        return wp / np.where(total > 0, total, np.nan), present


def _unstacked(score: np.ndarray, present: np.ndarray, single: bool) -> np.ndarray:
    score = np.where(present.any(axis=2), score, np.nan)
    return score[:, 0] if single else score


# ------------------------------------------------------------------------ the means of columns (sensitivity)
#
# ``aggregate_array`` stacks the children on a short last axis and reduces it with ``.sum(axis=2)``: numpy then
# runs its reduction loop once per (row, replication), and that per-call overhead is most of the time of a
# sensitivity run. The ``aggregate_columns`` methods below take the children as separate (rows × reps) columns
# and add them with whole-array operations, in exactly the order numpy's add-reduce uses, so the results are
# the same bits (tests/framework/test_pairwise_sum.py checks this against ``.sum`` itself).

#: numpy's pairwise summation works on blocks of at most this many terms (PW_BLOCKSIZE in numpy's loops_utils.h)
PAIRWISE_BLOCK = 128


def pairwise_sum(terms: list[np.ndarray]) -> np.ndarray:
    """The sum of ``terms`` (equal-shaped float64 arrays; a fresh array) with the same bits as stacking them on a
    contiguous last axis and calling ``.sum(axis=-1)``: numpy starts the reduction at its identity 0.0 and adds
    ``pairwise_sum`` of the terms — left to right below 8 terms; else 8 running sums over blocks of 8, combined
    as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the rest left to right; above 128 terms the two
    halves (the first a multiple of 8) summed so and added."""
    if len(terms) < 8:  # 0.0 + t0 + t1 + …: starting at 0.0 turns -0.0 into 0.0, as numpy's identity does
        out = np.add(terms[0], 0.0)
        for t in terms[1:]:
            out += t
        return out
    out = _pairwise(terms)
    out += 0.0  # numpy's identity: -0.0 becomes 0.0
    return out


def _pairwise(terms: list[np.ndarray]) -> np.ndarray:
    n = len(terms)
    if n > PAIRWISE_BLOCK:
        half = n // 2
        half -= half % 8
        out = _pairwise(terms[:half])
        out += _pairwise(terms[half:])
        return out
    r = [np.array(t, dtype=np.float64, copy=True) for t in terms[:8]]
    end = n - n % 8
    for i in range(8, end, 8):
        for j in range(8):
            r[j] += terms[i + j]
    r[0] += r[1]
    r[2] += r[3]
    r[4] += r[5]
    r[6] += r[7]
    r[0] += r[2]
    r[4] += r[6]
    r[0] += r[4]
    for t in terms[end:]:
        r[0] += t
    return r[0]


def _finite_columns(columns) -> list[np.ndarray] | None:
    """The columns as float64 2-D arrays, or None when one holds a missing or infinite value (such data takes the
    general ``aggregate_array`` path)."""
    out = []
    for c in columns:
        c = np.asarray(c, dtype=np.float64)
        if c.ndim != 2 or not np.isfinite(c).all():
            return None
        out.append(c)
    return out


def unit_weights(W: np.ndarray) -> np.ndarray:
    """Weights (reps × k) divided by their row sums (NaN for rows without weight), as :func:`stacked_row_weights`
    re-normalises them when nothing is missing."""
    total = W.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return W / np.where(total > 0, total, np.nan)


# --------------------------------------------------------------------------------------------- classes


@define(kw_only=True)
class Arithmetic:
    """``Σ wᵢ xᵢ / Σ wᵢ`` over the children present."""

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        values = X.to_numpy(dtype="float64")
        out = arithmetic_mean(values, _weight_vector(X, weights))
        return _scores(X, values, out)

    def aggregate_array(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The same mean for many weight vectors at once (:class:`zhishu.AggregatesArrays`)."""
        V, W, single = _stacked(values, weights)
        rw, present = stacked_row_weights(V, W)
        with np.errstate(invalid="ignore"):
            # nan_to_num is the identity on finite values: skip its passes and copy when all are finite
            score = (rw * (V if np.isfinite(V).all() else np.nan_to_num(V, nan=0.0))).sum(axis=2)
        return _unstacked(score, present, single)

    def aggregate_columns(self, columns, weights: np.ndarray) -> np.ndarray | None:
        """:meth:`aggregate_array` of the children given as k columns (each rows × reps, or rows × 1 when the
        same in every replication) with weights (reps × k): the same bits, without stacking the children.
        ``None`` when a value is missing or infinite (the caller then uses :meth:`aggregate_array`)."""
        cols = _finite_columns(columns)
        if cols is None:
            return None
        rw = unit_weights(np.asarray(weights, dtype=np.float64))
        return pairwise_sum([rw[:, j] * c for j, c in enumerate(cols)])


@define(kw_only=True)
class Geometric:
    """``Π (xᵢ + offset)^(wᵢ / Σ wᵢ) − offset`` over the children present (offset 0 by default). Every
    ``x + offset`` must be positive: otherwise an error names the unit, year and child (normalise to a positive
    range, e.g. min-max with ``low = 1``, or set ``offset``)."""

    offset: float = attrs.field(default=0.0, validator=finite)

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        values = X.to_numpy(dtype="float64")
        if self.offset == 0:
            _reject(X, values, values <= 0, "the geometric mean needs values > 0", "<= 0")
        else:
            _reject(X, values, values + self.offset <= 0,
                    f"the geometric mean with offset = {self.offset:g} needs values > {-self.offset:g} "
                    "(raise the offset or normalise to a positive range)", f"<= {-self.offset:g}")
        out = geometric_mean(values, _weight_vector(X, weights), self.offset)
        return _scores(X, values, out)

    def aggregate_array(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The same mean for many weight vectors at once (:class:`zhishu.AggregatesArrays`); the values must
        already be known to be positive (``aggregate`` checks them on the nominal run)."""
        V, W, single = _stacked(values, weights)
        rw, present = stacked_row_weights(V, W)
        with np.errstate(invalid="ignore", divide="ignore"):
            logs = np.log(V + self.offset)
            if not np.isfinite(logs).all():  # nan_to_num is the identity on finite values
                logs = np.nan_to_num(logs, nan=0.0)
            score = np.exp((rw * logs).sum(axis=2)) - self.offset
        return _unstacked(score, present, single)

    def aggregate_columns(self, columns, weights: np.ndarray) -> np.ndarray | None:
        """:meth:`aggregate_array` of the children given as k columns (each rows × reps, or rows × 1 when the
        same in every replication) with weights (reps × k): the same bits, without stacking the children (a
        column shared by every replication has its logarithm taken once). ``None`` when a value is missing or
        infinite (the caller then uses :meth:`aggregate_array`)."""
        cols = _finite_columns(columns)
        if cols is None:
            return None
        rw = unit_weights(np.asarray(weights, dtype=np.float64))
        terms = []
        with np.errstate(invalid="ignore", divide="ignore"):
            for j, c in enumerate(cols):
                logs = np.log(c + self.offset)
                if not np.isfinite(logs).all():  # as aggregate_array: nan_to_num, the identity on finite values
                    logs = np.nan_to_num(logs, nan=0.0)
                terms.append(rw[:, j] * logs)
            out = np.exp(pairwise_sum(terms))
        out -= self.offset
        return out


@define(kw_only=True)
class Harmonic:
    """``Σ wᵢ / Σ (wᵢ / xᵢ)`` over the children present; a value ≤ 0 is an error naming unit, year and child."""

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        values = X.to_numpy(dtype="float64")
        _reject(X, values, values <= 0, f"the harmonic mean needs values > 0 ({_POSITIVE_HINT})", "<= 0")
        out = harmonic_mean(values, _weight_vector(X, weights))
        return _scores(X, values, out)


@define(kw_only=True)
class Generalised:
    """The power mean of order ``p``, ``(Σ wᵢ xᵢ^p / Σ wᵢ)^(1/p)`` over the children present: p = 1 arithmetic,
    p = 0 geometric, p = −1 harmonic. The lower p, the less a high value compensates a low one (p → −∞ tends
    to the minimum, p → +∞ to the maximum). Values must be ≥ 0 (p > 0) or > 0 (p ≤ 0); p must be finite."""

    p: float = attrs.field(default=1.0, validator=finite)

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        values = X.to_numpy(dtype="float64")
        if self.p > 0:
            _reject(X, values, values < 0, f"the generalised mean of order p = {self.p:g} needs values >= 0 "
                    f"({_POSITIVE_HINT}, or use the arithmetic mean)", "< 0")
        else:
            _reject(X, values, values <= 0, f"the generalised mean of order p = {self.p:g} needs values > 0 "
                    f"({_POSITIVE_HINT})", "<= 0")
        out = power_mean(values, _weight_vector(X, weights), self.p)
        return _scores(X, values, out)


@define(kw_only=True)
class Minimum:
    """The smallest value among the children present (fully non-compensatory); weights only decide which
    children count: a child with weight 0 is ignored."""

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        return _series(X, minimum(X.to_numpy(dtype="float64"), _weight_vector(X, weights)))


@define(kw_only=True)
class Copeland:
    """Copeland score from weighted pairwise outranking between the units of each year: the number of units a
    unit outranks minus the number that outrank it (Munda & Nardo 2009)."""

    by_year: ClassVar[bool] = True
    idempotent: ClassVar[bool] = False  # a ranking, not a mean: equal children need not score that value

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        w = _weight_vector(X, weights)
        return _series(X, _by_year(X, lambda values: copeland_scores(values, w)))


@define(kw_only=True)
class Topsis:
    """TOPSIS relative closeness to the ideal unit of each year (Hwang & Yoon 1981), times ``scale``."""

    by_year: ClassVar[bool] = True
    idempotent: ClassVar[bool] = False  # a ranking, not a mean: equal children need not score that value

    vector_normalise: bool = True
    scale: float = attrs.field(default=1.0, validator=finite)

    def __attrs_post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"scale must be positive (e.g. 1 or 100), got {self.scale:g}")

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        w = _weight_vector(X, weights)
        out = _by_year(X, lambda values: topsis_closeness(values, w, vector_normalise=self.vector_normalise))
        return _series(X, self.scale * out)


@hookimpl
def register_aggregators(register):
    register("arithmetic", Arithmetic)
    register("geometric", Geometric)
    register("harmonic", Harmonic)
    register("generalised", Generalised)
    register("minimum", Minimum)
    register("copeland", Copeland)
    register("topsis", Topsis)
