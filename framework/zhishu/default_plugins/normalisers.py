"""Built-in normalisers: min-max and z-score.

Both receive data already multiplied by each indicator's direction (higher is better before and after), fit
their parameters on the rows they are given (one year, or the reference year) and transform any rows.
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd

from ..hookspecs import hookimpl


def _check_finite(instance, attribute, value) -> None:
    if not np.isfinite(value):
        raise ValueError(f"{attribute.name} must be a finite number, not {value!r}")


@attrs.define(kw_only=True, slots=False)  # not slotted: fit() sets learned attributes ending in _
class MinMax:
    """``low + (x - min) / (max - min) * (high - low)``, with min and max fitted per indicator.

    Values outside the fitted range (another year than the reference year) map outside [low, high]. An
    indicator with max = min carries no information and maps to the midpoint ``(low + high) / 2``.
    """

    low: float = attrs.field(default=0.0, validator=_check_finite)
    high: float = attrs.field(default=100.0, validator=_check_finite)

    def __attrs_post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"low must be less than high, got low={self.low} and high={self.high}")

    def fit(self, X: pd.DataFrame, specs=None) -> MinMax:
        self.min_ = X.min(axis=0)
        self.max_ = X.max(axis=0)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return minmax(X, self.min_, self.max_, self.low, self.high)


def minmax(X: pd.DataFrame, lo: pd.Series, hi: pd.Series, low: float, high: float) -> pd.DataFrame:
    """Min-max rescaling of every column of ``X`` from [lo, hi] to [low, high] (midpoint where hi = lo).

    The result has ``X``'s index and columns in ``X``'s order; a column of ``X`` without ``lo``/``hi`` is NaN.
    """
    lo, hi = lo.reindex(X.columns), hi.reindex(X.columns)
    span = (hi - lo).where(hi > lo)
    out = low + (X - lo) / span * (high - low)
    flat = span.isna() & hi.notna()
    if flat.any():
        out.loc[:, flat] = X.loc[:, flat].notna().mul((low + high) / 2).where(X.loc[:, flat].notna())
    return out.astype("float64")


@attrs.define(kw_only=True, slots=False)  # not slotted: fit() sets learned attributes ending in _
class ZScore:
    """``mean + sd * (x - x̄) / s`` with x̄ and s fitted per indicator (sample s by default, ``ddof = 0``
    for the population standard deviation). An indicator with s = 0 maps to ``mean``."""

    mean: float = attrs.field(default=0.0, validator=_check_finite)
    sd: float = attrs.field(default=1.0, validator=_check_finite)
    ddof: int = attrs.field(default=1, validator=attrs.validators.in_((0, 1)))

    def __attrs_post_init__(self) -> None:
        if self.sd <= 0:
            raise ValueError(f"sd must be positive, got {self.sd}")

    def fit(self, X: pd.DataFrame, specs=None) -> ZScore:
        self.mean_ = X.mean(axis=0)
        # a constant column has s = 0 exactly; the floating-point std of e.g. [1.6, 1.6, 1.6] is 2.7e-16, which
        # would blow rounding noise up to z-scores of ±0.8 instead of mapping the column to ``mean``
        self.std_ = X.std(axis=0, ddof=self.ddof).mask(X.max(axis=0) == X.min(axis=0), 0.0)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return zscore(X, self.mean_, self.std_, self.mean, self.sd)


def zscore(X: pd.DataFrame, mu: pd.Series, s: pd.Series, mean: float, sd: float) -> pd.DataFrame:
    """Standardise every column of ``X`` with location ``mu`` and scale ``s`` to mean ``mean``, sd ``sd``.

    The result has ``X``'s index and columns in ``X``'s order; a column of ``X`` without ``mu``/``s`` is NaN.
    """
    mu, s = mu.reindex(X.columns), s.reindex(X.columns)
    scale = s.where(s > 0)
    out = mean + sd * (X - mu) / scale
    flat = scale.isna() & mu.notna()
    if flat.any():
        out.loc[:, flat] = X.loc[:, flat].notna().mul(mean).where(X.loc[:, flat].notna())
    return out.astype("float64")


@hookimpl
def register_normalisers(register):
    register("minmax", MinMax)
    register("zscore", ZScore)
