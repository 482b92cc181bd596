"""Built-in aggregators: weighted arithmetic and weighted geometric means.

Both re-normalise the weights over the children present in each row (a missing child drops out and the others'
weights are scaled up); a row with no child present is NaN. The node's ``min_share`` rule is applied by the
pipeline, uniformly for every aggregator.
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd

from ..errors import DataError, Issue
from ..hookspecs import hookimpl


def present_weights(X: pd.DataFrame, weights: pd.Series) -> np.ndarray:
    """Row-wise weights over the children present, each row summing to 1 (all-NaN rows: NaN)."""
    w = np.where(X.notna().to_numpy(), weights.reindex(X.columns).to_numpy(dtype="float64"), 0.0)
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return w / np.where(total > 0, total, np.nan)


@attrs.define(kw_only=True)
class Arithmetic:
    """``Σ wᵢ xᵢ / Σ wᵢ`` over the children present."""

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        w = present_weights(X, weights)
        values = np.nan_to_num(X.to_numpy(dtype="float64"), nan=0.0)
        return pd.Series((w * values).sum(axis=1), index=X.index, dtype="float64").where(X.notna().any(axis=1))


@attrs.define(kw_only=True)
class Geometric:
    """``Π xᵢ^(wᵢ / Σ wᵢ)`` over the children present. Every value must be positive: a value ≤ 0 is an error
    naming the unit, year and child (normalise to a positive range, e.g. min-max with ``low = 1``)."""

    def aggregate(self, X: pd.DataFrame, weights: pd.Series) -> pd.Series:
        values = X.to_numpy(dtype="float64")
        bad = values <= 0
        if bad.any():
            rows, cols = np.nonzero(bad)
            issues = [
                Issue(f"{X.columns[c]} = {values[r, c]:g} at {_where(X.index[r])}; the geometric mean needs values > 0")
                for r, c in zip(rows[:10], cols[:10])
            ]
            if len(rows) > 10:
                issues.append(Issue(f"… and {len(rows) - 10} more values <= 0"))
            raise DataError(issues)
        w = present_weights(X, weights)
        logs = np.nan_to_num(np.log(values), nan=0.0)
        return pd.Series(np.exp((w * logs).sum(axis=1)), index=X.index, dtype="float64").where(X.notna().any(axis=1))


def _where(label) -> str:
    if isinstance(label, tuple) and len(label) == 2:
        return f"unit {label[0]!r}, year {label[1]}"
    return f"unit {label!r}"


@hookimpl
def register_aggregators(register):
    register("arithmetic", Arithmetic)
    register("geometric", Geometric)
