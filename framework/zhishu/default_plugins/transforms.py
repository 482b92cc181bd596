"""Built-in pre-transforms: natural log, log(1 + x) and Box-Cox (formulas and citations:
docs/methods/normalisers.md, "Pre-transforms").

A pre-transform sees an indicator's raw values (before multiplication by its direction), is fitted on the same
rows as the normaliser (each year, or the reference year) and its output goes to the normaliser. A value
outside a transform's domain is an error naming the indicator, unit and year: a transform never silently
turns a value into a missing one.
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..errors import DataError, Issue
from ..hookspecs import hookimpl
from ..listing import MAX_LISTED, cell_location
from ..validators import finite

#: at most this many offending cells are listed one by one in an error
#: Box-Cox λ is searched in this interval
LAMBDA_RANGE = (-5.0, 5.0)
#: grid step of the coarse search for λ, before golden-section refinement within one step of the best point
LAMBDA_STEP = 0.1
#: golden-section steps: the bracket of width 2 · LAMBDA_STEP shrinks to 2 · 0.1 · 0.618^48 ≈ 2e-11
GOLDEN_STEPS = 48




def _values(X: pd.DataFrame) -> np.ndarray:
    return X.to_numpy(dtype="float64", na_value=np.nan)


def check_domain(X: pd.DataFrame, bad: np.ndarray, problem: str) -> None:
    """Raise a :class:`DataError` listing the cells where ``bad`` is true (indicator, unit, year, value)."""
    if not bad.any():
        return
    values = _values(X)
    rows, cols = np.nonzero(bad)
    issues = [
        Issue(f"indicator {X.columns[c]!r} = {values[r, c]:g} at {cell_location(X.index[r])}: {problem}")
        for r, c in zip(rows[:MAX_LISTED], cols[:MAX_LISTED])
    ]
    if len(rows) > MAX_LISTED:
        issues.append(Issue(f"… and {len(rows) - MAX_LISTED} more such values"))
    raise DataError(issues)


# --------------------------------------------------------------------------------------------- log, log1p


@define(kw_only=True)
class Log:
    """``ln(x + offset)``; every ``x + offset`` must be > 0 (else an error naming indicator, unit and year)."""

    offset: float = attrs.field(default=0.0, validator=finite)

    def fit(self, X: pd.DataFrame, specs=None) -> Log:
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        shifted = _values(X) + self.offset
        if self.offset:
            problem = (f"the log transform needs value + offset > 0 (offset = {self.offset:g}); raise offset "
                       "above minus the smallest value")
        else:
            problem = ("the log transform needs values > 0; set offset (e.g. offset = 1) so that every value + "
                       "offset > 0, or use log1p")
        check_domain(X, shifted <= 0, problem)
        with np.errstate(invalid="ignore"):
            return pd.DataFrame(np.log(shifted), index=X.index, columns=X.columns, dtype="float64")


@define(kw_only=True)
class Log1p:
    """``ln(1 + x)``, accurate for small x; every x must be > −1."""

    def fit(self, X: pd.DataFrame, specs=None) -> Log1p:
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        values = _values(X)
        check_domain(X, values <= -1, "the log1p transform needs values > -1")
        with np.errstate(invalid="ignore"):
            return pd.DataFrame(np.log1p(values), index=X.index, columns=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- Box-Cox


def boxcox(logx: np.ndarray, lmbda: np.ndarray) -> np.ndarray:
    """``(x^λ − 1) / λ`` (``ln x`` where λ = 0) from ``logx = ln x`` (n × k) and one λ per column (k)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        powered = np.expm1(lmbda * logx) / lmbda
    return np.where(lmbda == 0, logx, powered)


def boxcox_llf(logx: np.ndarray, lmbda: np.ndarray) -> np.ndarray:
    """The Box-Cox profile log-likelihood per column: ``(λ − 1) Σ ln x − (n / 2) ln σ²(λ)``, σ² the population
    variance of the transformed values (Box and Cox 1964), ignoring missing values.

    ``logx`` is n × k (NaN = missing), ``lmbda`` one λ per column. σ² is computed without overflow or loss of
    precision near λ = 0: with z = λ ln x and m = max z, x^λ = e^m e^(z − m), so
    ``ln σ² = ln var(expm1(z − m)) + 2m − 2 ln|λ|``.
    """
    return _Likelihood(logx)(lmbda)


class _Likelihood:
    """:func:`boxcox_llf` for one data set and many λ: the missing-value mask and sums are computed once."""

    def __init__(self, logx: np.ndarray):
        self.present = ~np.isnan(logx)
        self.u = np.where(self.present, logx, 0.0)
        self.n = self.present.sum(axis=0)
        self.sum_u = self.u.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.log_var0 = np.log(self._var(self.u))  # λ = 0: the variance of ln x

    def _var(self, v: np.ndarray) -> np.ndarray:
        mean = np.where(self.present, v, 0.0).sum(axis=0) / self.n
        return np.where(self.present, (v - mean) ** 2, 0.0).sum(axis=0) / self.n

    def __call__(self, lmbda: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = lmbda * self.u
            m = np.where(self.present, z, -np.inf).max(axis=0)
            log_var = np.log(self._var(np.expm1(z - m))) + 2 * m - 2 * np.log(np.abs(lmbda))
            log_var = np.where(lmbda == 0, self.log_var0, log_var)
            return (lmbda - 1) * self.sum_u - self.n / 2 * log_var


def estimate_lambda(logx: np.ndarray) -> np.ndarray:
    """The λ in [−5, 5] maximising :func:`boxcox_llf` for each column of ``logx`` (n × k).

    A grid search (step 0.1) finds the best grid point, then golden-section search refines λ within one
    step on either side (to ~1e-10; the likelihood's own rounding limits λ to ~1e-8). A column with fewer
    than two distinct values gets λ = 1 (no change of shape); a column with no value, NaN.
    """
    k = logx.shape[1]
    llf = _Likelihood(logx)
    lo_end, hi_end = LAMBDA_RANGE
    grid = np.linspace(lo_end, hi_end, int(round((hi_end - lo_end) / LAMBDA_STEP)) + 1)
    on_grid = np.stack([llf(np.full(k, g)) for g in grid])  # one row per grid point
    best = grid[np.argmax(np.where(np.isnan(on_grid), -np.inf, on_grid), axis=0)]
    a = np.maximum(best - LAMBDA_STEP, lo_end)
    b = np.minimum(best + LAMBDA_STEP, hi_end)
    ratio = (np.sqrt(5.0) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = llf(c), llf(d)
    for _ in range(GOLDEN_STEPS):  # golden-section search, all columns at once: one new evaluation per step
        left = fc >= fd  # the maximum lies in [a, d] (d becomes c's old place), else in [c, b]
        a, b = np.where(left, a, c), np.where(left, d, b)
        new = np.where(left, b - ratio * (b - a), a + ratio * (b - a))
        f_new = llf(new)
        c, d, fc, fd = (np.where(left, new, d), np.where(left, c, new),
                        np.where(left, f_new, fd), np.where(left, fc, f_new))
    lmbda = (a + b) / 2
    for end in LAMBDA_RANGE:  # a maximum on the boundary is the boundary itself, not a point 1e-12 inside it
        lmbda = np.where(llf(np.full(k, end)) > llf(lmbda), end, lmbda)
    present = llf.present
    distinct = np.where(present, logx, -np.inf).max(axis=0) > np.where(present, logx, np.inf).min(axis=0)
    return np.where(present.any(axis=0), np.where(distinct, lmbda, 1.0), np.nan)


@define(kw_only=True, slots=False)  # not slotted: fit() sets learned attributes ending in _
class BoxCox:
    """``(x^λ − 1) / λ``, ``ln x`` for λ = 0 (Box and Cox 1964); every x must be > 0.

    With ``lmbda`` unset, λ is estimated per indicator on the fitted rows by maximum likelihood
    (:func:`estimate_lambda`); the estimates are in ``lambda_`` after fitting.
    """

    lmbda: float | None = attrs.field(default=None, validator=attrs.validators.optional(finite))

    def fit(self, X: pd.DataFrame, specs=None) -> BoxCox:
        values = _values(X)
        if self.lmbda is None:
            check_domain(X, values <= 0, "the Box-Cox transform needs values > 0")
            with np.errstate(invalid="ignore", divide="ignore"):
                estimated = estimate_lambda(np.log(values))
            self.lambda_ = pd.Series(estimated, index=X.columns, dtype="float64")
        else:
            self.lambda_ = pd.Series(self.lmbda, index=X.columns, dtype="float64")
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        values = _values(X)
        check_domain(X, values <= 0, "the Box-Cox transform needs values > 0")
        lmbda = self.lambda_.reindex(X.columns).to_numpy()  # an unfitted column has no λ: missing
        with np.errstate(invalid="ignore", divide="ignore"):
            out = boxcox(np.log(values), lmbda)
        return pd.DataFrame(np.where(np.isnan(lmbda), np.nan, out), index=X.index, columns=X.columns,
                            dtype="float64")


@hookimpl
def register_transforms(register):
    register("log", Log)
    register("log1p", Log1p)
    register("boxcox", BoxCox)
