"""The template's components: attrs classes of parameters over pure, vectorised functions."""

from __future__ import annotations

import math

import attrs
import pandas as pd
import zhishu


def _positive_finite(instance, attribute, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a positive, finite number, not {value!r}")


@attrs.define(kw_only=True, slots=False)  # not slotted: fit() sets learned attributes ending in _
class RatioToMax:
    """``x / max * scale``: each value as a share of the best value (the column maximum in the fitted rows).

    The best unit scores ``scale`` (100 by default) and a unit with half its value scores ``scale / 2``; unlike
    min-max, zero stays zero, so ratios between units are kept. Rules at the edges:

    - missing values stay missing, and a column with no values in the fitted rows is all missing;
    - the maximum must be positive. A maximum of 0 or less makes the ratio undefined (0 / 0) or reverses the
      order (dividing by a negative number), so ``fit`` raises :class:`zhishu.DataError` naming the columns.
      Lower-is-better indicators (direction = -1) reach normalisers negated, so their maximum is never
      positive: normalise those with ``minmax`` instead;
    - values in other rows than the fitted ones (another year than the reference year) may exceed ``scale``;
      negative values, when the maximum is positive, give negative scores (the order is kept).
    """

    scale: float = attrs.field(default=100.0, validator=_positive_finite)

    def fit(self, X: pd.DataFrame, specs=None) -> RatioToMax:
        max_ = X.max(axis=0).astype("float64")
        bad = max_[max_ <= 0]
        if len(bad):
            raise zhishu.DataError(
                zhishu.Issue(
                    f"ratio_to_max needs a positive maximum, but {col!r} has maximum {value:g}{_years(X)}; "
                    "use minmax for indicators that can be zero or negative everywhere, or lower-is-better ones"
                )
                for col, value in bad.items()
            )
        self.max_ = max_
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return ratio_to_max(X, self.max_, self.scale)


def ratio_to_max(X: pd.DataFrame, max_: pd.Series, scale: float) -> pd.DataFrame:
    """Every column of ``X`` divided by its entry in ``max_`` and multiplied by ``scale`` (aligned by label)."""
    return (X / max_ * scale).astype("float64")


def _years(X: pd.DataFrame) -> str:
    if isinstance(X.index, pd.MultiIndex) and "year" in X.index.names:
        years = sorted(set(X.index.get_level_values("year")))
        if len(years) == 1:
            return f" in year {years[0]}"
        return " in years " + (", ".join(map(str, years)) if len(years) <= 3 else f"{years[0]}–{years[-1]}")
    return ""
