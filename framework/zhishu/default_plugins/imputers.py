"""Built-in imputers: fill missing raw indicator values before outlier treatment and normalisation.

- ``none``: missing values stay missing (the default);
- ``mean`` / ``median``: the indicator's mean or median within each year (``by = "year"``, the default), over
  every unit and year (``by = "all"``) or within each year and unit group (``by = "group"``, ``group = "region"``);
- ``locf`` / ``nocb``: a unit's last observation carried forward / next observation carried backward, in year
  order;
- ``interpolate``: linear in the year between a unit's observed years (``extrapolate = true`` also extends the
  line through the first two / last two observations beyond them).

Every imputer sees the raw values of all the indicators that chose it, over all units and years, and returns a
frame with the same index and columns in which only missing cells may have changed. A cell that cannot be filled
(no observation to take a statistic from, or to carry or interpolate) stays missing. The work is whole-frame
pandas/numpy (groupby/transform); nothing loops over units or indicators.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..errors import DataError, Issue
from ..hookspecs import hookimpl

BY_CHOICES = ("all", "year", "group")


# --------------------------------------------------------------------------------------------- pure functions


def fill_with_statistic(X: pd.DataFrame, statistic: str, keys: list | None = None) -> pd.DataFrame:
    """Fill every missing cell of ``X`` with its column's ``statistic`` ("mean" or "median") over the rows that
    share its ``keys`` (arrays aligned with ``X``'s rows), or over all rows when ``keys`` is None.

    Observed cells are returned unchanged; a cell whose group has no observation stays missing.
    """
    X = X.astype("float64")
    if keys is None:
        fill = X.agg(statistic)  # one value per column, NaN for an all-missing column
        return X.fillna(fill)
    fill = X.groupby(keys, sort=False, dropna=False).transform(statistic)
    return X.where(X.notna(), fill)


def _unit_order(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions sorting ``X`` by (unit, year), the unit codes and the years, both in that sorted order."""
    codes, _ = pd.factorize(X.index.get_level_values("unit"))
    years = X.index.get_level_values("year").to_numpy(dtype="float64")
    order = np.lexsort((years, codes))
    return order, codes[order], years[order]


def _restore(values: np.ndarray, order: np.ndarray, X: pd.DataFrame) -> pd.DataFrame:
    out = np.empty_like(values)
    out[order] = values
    return pd.DataFrame(out, index=X.index, columns=X.columns, dtype="float64")


def _fill(values: np.ndarray, groups: np.ndarray, how: str) -> np.ndarray:
    """``ffill`` / ``bfill`` of the columns of ``values`` within consecutive runs of ``groups``."""
    grouped = pd.DataFrame(values, copy=False).groupby(groups, sort=False)
    return getattr(grouped, how)().to_numpy(dtype="float64")


def _shift(values: np.ndarray, groups: np.ndarray, periods: int) -> np.ndarray:
    return pd.DataFrame(values, copy=False).groupby(groups, sort=False).shift(periods).to_numpy(dtype="float64")


def carry(X: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Last observation carried forward (``direction="forward"``) or next observation carried backward
    (``"backward"``) within each unit, in year order, whatever the order of ``X``'s rows."""
    order, groups, _ = _unit_order(X)
    values = X.to_numpy(dtype="float64")[order]
    filled = _fill(values, groups, "ffill" if direction == "forward" else "bfill")
    return _restore(filled, order, X)


def interpolate_years(X: pd.DataFrame, extrapolate: bool = False) -> pd.DataFrame:
    """Linear interpolation in the year between each unit's observed years.

    A missing value in year ``t`` between observations ``(t0, v0)`` and ``(t1, v1)`` of the same unit and
    indicator becomes ``v0 + (v1 - v0) * (t - t0) / (t1 - t0)``. Before the first or after the last observation
    the value stays missing, unless ``extrapolate``: then the straight line through the first two (or last two)
    observations is extended; a unit with a single observation is not extrapolated.
    """
    order, groups, years = _unit_order(X)
    values = X.to_numpy(dtype="float64")[order]
    missing = np.isnan(values)
    seen = np.where(missing, np.nan, years[:, None])  # the year of each observation, NaN elsewhere
    prev_v, prev_t = _fill(values, groups, "ffill"), _fill(seen, groups, "ffill")  # last observation at or before
    next_v, next_t = _fill(values, groups, "bfill"), _fill(seen, groups, "bfill")  # first observation at or after
    t = years[:, None]
    out = values.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        inner = prev_v + (next_v - prev_v) * (t - prev_t) / (next_t - prev_t)
        fill = missing & ~np.isnan(prev_t) & ~np.isnan(next_t)
        out[fill] = inner[fill]
        if extrapolate:
            # the observation before the last one: at each observed row, the last observation strictly before it
            before_v = _fill(np.where(missing, np.nan, _shift(prev_v, groups, 1)), groups, "ffill")
            before_t = _fill(np.where(missing, np.nan, _shift(prev_t, groups, 1)), groups, "ffill")
            # the observation after the first one: at each observed row, the first observation strictly after it
            after_v = _fill(np.where(missing, np.nan, _shift(next_v, groups, -1)), groups, "bfill")
            after_t = _fill(np.where(missing, np.nan, _shift(next_t, groups, -1)), groups, "bfill")
            tail = prev_v + (prev_v - before_v) * (t - prev_t) / (prev_t - before_t)
            head = next_v + (after_v - next_v) * (t - next_t) / (after_t - next_t)
            late = missing & np.isnan(next_t) & ~np.isnan(before_t)
            early = missing & np.isnan(prev_t) & ~np.isnan(after_t)
            out[late] = tail[late]
            out[early] = head[early]
    return _restore(out, order, X)


def unit_groups(X: pd.DataFrame, context: Mapping[str, Any] | None, group: str) -> np.ndarray:
    """The ``group`` label (a key of the config's ``[[units]]`` groups) of every row of ``X``.

    Every unit must belong to a group: an unknown group name or a unit without that group is a
    :class:`~zhishu.DataError` saying how to fix it.
    """
    units = None if context is None else context.get("units")
    if not isinstance(units, pd.DataFrame):
        raise ValueError("by = \"group\" needs the run's units table as context[\"units\"] (a DataFrame indexed by "
                         "unit id with one column per group)")
    known = [str(c) for c in units.columns if c != "name"]
    if group not in known:
        have = ", ".join(repr(g) for g in known) if known else "none: no [[units]] entry has groups"
        raise DataError([Issue(
            f"the imputer groups units by {group!r}, but no unit has a {group!r} group (groups defined: {have}); "
            f"add groups = {{ {group} = \"…\" }} to every [[units]] entry, or choose another group"
        )])
    row_units = X.index.get_level_values("unit")
    labels = units[group].reindex(pd.unique(row_units))
    lacking = [str(u) for u in labels.index[labels.isna() | (labels.astype("string") == "")]]
    if lacking:
        more = f" … and {len(lacking) - 20} more" if len(lacking) > 20 else ""
        shown = ", ".join(repr(u) for u in lacking[:20]) + more
        raise DataError([Issue(
            f"unit(s) {shown} have no {group!r} group, so the imputer cannot tell which units' values to use for "
            f"them; add groups = {{ {group} = \"…\" }} to their [[units]] entries"
        )])
    return labels.reindex(row_units).to_numpy(dtype=object)


# --------------------------------------------------------------------------------------------- methods


def _check_by(instance, attribute, value) -> None:
    if value not in BY_CHOICES:
        raise ValueError(f"by must be \"all\", \"year\" or \"group\", not {value!r}")


@define(kw_only=True)
class NoImputation:
    """Leave missing values missing."""

    def impute(self, X: pd.DataFrame, context=None) -> pd.DataFrame:
        return X


@define(kw_only=True)
class _StatisticImputation:
    """Fill missing values with a statistic of the observed values of each year (the default), all rows, or each
    year and unit group.

    The default is ``by = "year"`` like the normalisers, which are fitted per year: a year's scores do not depend
    on the other years' data, so adding a year of data does not change the published years.
    """

    statistic = "mean"

    by: str = attrs.field(default="year", validator=_check_by)
    group: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.by == "group" and not self.group:
            raise ValueError("by = \"group\" needs group = \"…\", a key of the [[units]] groups (e.g. \"region\")")
        if self.by != "group" and self.group is not None:
            raise ValueError(f"group is used only with by = \"group\" (by is {self.by!r}); remove group or set "
                             "by = \"group\"")

    def impute(self, X: pd.DataFrame, context: Mapping[str, Any] | None = None) -> pd.DataFrame:
        if self.by == "all":
            keys = None
        else:
            keys = [X.index.get_level_values("year").to_numpy()]
            if self.by == "group":
                keys.append(unit_groups(X, context, self.group))
        return fill_with_statistic(X, self.statistic, keys)


@define(kw_only=True)
class MeanImputation(_StatisticImputation):
    """Fill missing values with the mean of the observed values (each year, all rows, or each year and group)."""

    statistic = "mean"


@define(kw_only=True)
class MedianImputation(_StatisticImputation):
    """Fill missing values with the median of the observed values (each year, all rows, or each year and group)."""

    statistic = "median"


@define(kw_only=True)
class LastObservationCarriedForward:
    """Fill a missing value with the same unit's most recent earlier observation."""

    def impute(self, X: pd.DataFrame, context=None) -> pd.DataFrame:
        return carry(X, "forward")


@define(kw_only=True)
class NextObservationCarriedBackward:
    """Fill a missing value with the same unit's nearest later observation."""

    def impute(self, X: pd.DataFrame, context=None) -> pd.DataFrame:
        return carry(X, "backward")


@define(kw_only=True)
class LinearInterpolation:
    """Linear interpolation in the year between a unit's observations; no extrapolation unless asked for."""

    extrapolate: bool = False

    def impute(self, X: pd.DataFrame, context=None) -> pd.DataFrame:
        return interpolate_years(X, self.extrapolate)


@hookimpl
def register_imputers(register):
    register("none", NoImputation)
    register("mean", MeanImputation)
    register("median", MedianImputation)
    register("locf", LastObservationCarriedForward)
    register("nocb", NextObservationCarriedBackward)
    register("interpolate", LinearInterpolation)
