"""Built-in outlier treatments: ``none``, ``winsorise`` (percentile) and ``jrc`` (the JRC/COINr rule).

A treatment sees the raw (imputed) values of all the indicators that chose it, over every unit and year, and
returns a frame with the same index and columns. Both treatments work on each indicator separately, within each
year (``by = "year"``, the default) or over all years pooled (``by = "all"``): the frame is laid out as a 2-D
array with one column per indicator-year (or indicator) and one row per unit (or unit-year), and every step is a
numpy operation over all those columns at once. ``jrc`` loops over winsorisation *steps* (at most
``max_winsorised``), never over units or indicators.

The ``jrc`` rule follows COINr 1.x (Becker et al. 2022): ``Treat()`` with its defaults ``f1 = "winsorise"``,
``f_pass = "check_SkewKurt"``, ``f2 = "log_CT"``; skewness and kurtosis are ``skew()`` and ``kurt()``, i.e.
e1071's type 2 (Excel's SKEW and KURT, pandas' ``skew()`` and ``kurt()``): the adjusted Fisher–Pearson
skewness G1 and the sample excess kurtosis G2 (Joanes & Gill 1998). See docs/methods/imputation-and-outliers.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..errors import DataError, Issue
from ..hookspecs import hookimpl
from ..moments import col_max as _col_max
from ..moments import col_min as _col_min
from ..moments import skew_kurtosis
from ..validators import finite

BY_CHOICES = ("year", "all")
FALLBACKS = ("log_ct", "log_ct_orig", "log", "none")


# --------------------------------------------------------------------------------------------- layout


def blocks(X: pd.DataFrame, by: str) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray], list[tuple]]:
    """``X`` as a 2-D array with one column per block that is treated on its own, a function mapping such an
    array back to ``X``'s rows and columns, and each block's label ``(indicator, year)`` (year ``None`` when
    ``by = "all"``).

    ``by = "year"``: rows are units, columns are (year, indicator) pairs, a unit without a row in some year is
    NaN there. ``by = "all"``: the rows and columns of ``X`` as they are.
    """
    values = X.to_numpy(dtype="float64", copy=True)
    if by == "all" or len(X) == 0:
        return values, lambda B: B, [(c, None) for c in X.columns]
    units, _ = pd.factorize(X.index.get_level_values("unit"))
    years_code, years = pd.factorize(X.index.get_level_values("year"))
    n_units, n_years, k = int(units.max()) + 1, len(years), values.shape[1]
    cube = np.full((n_units, n_years, k), np.nan)
    cube[units, years_code] = values
    labels = [(c, years[y].item() if hasattr(years[y], "item") else years[y])
              for y in range(n_years) for c in X.columns]
    return cube.reshape(n_units, n_years * k), lambda B: B.reshape(n_units, n_years, k)[units, years_code], labels


def _frame(values: np.ndarray, X: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(values, index=X.index, columns=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- statistics


def outlying(A: np.ndarray, skew_threshold: float, kurtosis_threshold: float) -> np.ndarray:
    """Per column: |G1| ≥ ``skew_threshold`` and G2 ≥ ``kurtosis_threshold`` (False where undefined): COINr's
    ``check_SkewKurt`` passes a column only when ``abs(skew) < skew_thresh | kurt < kurt_thresh``."""
    g1, g2 = skew_kurtosis(A)
    with np.errstate(invalid="ignore"):
        return (np.abs(g1) >= skew_threshold) & (g2 >= kurtosis_threshold)


def _distinct(A: np.ndarray) -> np.ndarray:
    """Number of distinct observed values per column."""
    if A.shape[0] == 0:
        return np.zeros(A.shape[1], dtype=int)
    s = np.sort(A, axis=0)  # NaN last
    with np.errstate(invalid="ignore"):
        steps = (np.diff(s, axis=0) > 0).sum(axis=0)
    return np.where(np.isnan(A).all(axis=0), 0, steps + 1)


# --------------------------------------------------------------------------------------------- treatments


def winsorise_quantiles(A: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """Clip every column of ``A`` to its [``lower``, ``upper``] quantiles (numpy/pandas "linear" definition,
    Hyndman–Fan type 7), ignoring NaN; NaN stays NaN."""
    with warnings.catch_warnings():  # an all-missing column has no quantiles: it stays all missing
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(A, lower, axis=0) if A.shape[0] else np.full(A.shape[1], np.nan)
        hi = np.nanquantile(A, upper, axis=0) if A.shape[0] else np.full(A.shape[1], np.nan)
    return np.where(np.isnan(A), np.nan, np.minimum(np.maximum(A, lo), hi))


def log_fallback(A: np.ndarray, kind: str, mirror: np.ndarray | None = None) -> np.ndarray:
    """The log transforms COINr applies when winsorisation fails, column by column (NaN stays NaN):

    - ``"log_ct"`` (COINr ``log_CT``): ln(x − min + 0.01 (max − min));
    - ``"log_ct_orig"`` (COINr ``log_CT_orig``): ln(x − min + 1);
    - ``"log"``: ln(x) (NaN where x ≤ 0; the caller reports those).

    Columns flagged in ``mirror`` get the reflected, still increasing, −ln(max − x + a) with the same a.
    """
    lo, hi = _col_min(A), _col_max(A)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "log":
            return np.log(np.where(A > 0, A, np.nan))
        a = 0.01 * (hi - lo) if kind == "log_ct" else 1.0
        out = np.log(A - lo + a)
        if mirror is not None and mirror.any():
            out = np.where(mirror, -np.log(hi - A + a), out)
    return out


ACTIONS = ("unchanged", "winsorised", "transformed", "not evaluated")


def jrc_treat(
    A: np.ndarray,
    skew_threshold: float = 2.0,
    kurtosis_threshold: float = 3.5,
    max_winsorised: int = 5,
    fallback: str = "log_ct",
    mirror_negative: bool = False,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The JRC/COINr skewness–kurtosis rule on every column of ``A`` (NaN = missing).

    A column is outlying when |G1| ≥ ``skew_threshold`` and G2 ≥ ``kurtosis_threshold`` (as in COINr). An
    outlying column is winsorised step by step: if G1 ≥ 0 every value equal to the maximum is set to the next lower distinct value,
    otherwise every value equal to the minimum to the next higher one; the rule is re-checked after each step and
    winsorisation stops when the column passes, when ``max_winsorised`` values have been changed, or when one
    more step would leave fewer than two distinct values. A column still outlying then gets ``fallback`` applied
    to its *original* values instead (``"none"`` keeps the winsorised values).

    Returns the treated array and per column: ``n``, ``skewness``, ``kurtosis`` (before), ``action`` (index in
    :data:`ACTIONS`), ``winsorised`` (values changed by winsorisation) and ``skewness_after``,
    ``kurtosis_after``.
    """
    A = np.asarray(A, dtype="float64")
    g1, g2 = skew_kurtosis(A)
    with np.errstate(invalid="ignore"):
        fails = (np.abs(g1) >= skew_threshold) & (g2 >= kurtosis_threshold)
    observed = ~np.isnan(A)
    B = A.copy()
    changed = np.zeros(A.shape[1], dtype=int)
    active = fails & (changed < max_winsorised)
    for _ in range(A.shape[0] + 1):  # every step changes at least one more value, so this bound is never reached
        if not active.any():
            break
        skew_now, _ = skew_kurtosis(B)
        stuck = active & (_distinct(B) < 3)  # one more step would make the column constant
        step = active & ~stuck
        high, low = step & (skew_now >= 0), step & (skew_now < 0)
        top, bottom = _col_max(B), _col_min(B)
        with np.errstate(invalid="ignore"):
            below = _col_max(np.where(B < top, B, np.nan))  # the next value down from the maximum
            above = _col_min(np.where(B > bottom, B, np.nan))  # the next value up from the minimum
            B = np.where(high & (B == top), below, B)
            B = np.where(low & (B == bottom), above, B)
        changed = (observed & (B != A)).sum(axis=0)
        still = outlying(B, skew_threshold, kurtosis_threshold)
        active = step & still & (changed < max_winsorised)
    remaining = fails & outlying(B, skew_threshold, kurtosis_threshold)
    action = np.where(fails, 1, 0)
    action = np.where(np.isnan(g1) | np.isnan(g2), 3, action)
    if fallback != "none" and remaining.any():
        mirror = (g1 < 0) if mirror_negative else None
        transformed = log_fallback(A, fallback, mirror)
        B = np.where(remaining, np.where(observed, transformed, np.nan), B)
        action = np.where(remaining, 2, action)
        changed = np.where(remaining, 0, changed)
    after_g1, after_g2 = skew_kurtosis(B)
    details = {
        "n": observed.sum(axis=0),
        "skewness": g1,
        "kurtosis": g2,
        "action": action,
        "winsorised": changed,
        "skewness_after": after_g1,
        "kurtosis_after": after_g2,
    }
    return B, details


# --------------------------------------------------------------------------------------------- methods


def _one_of(choices: tuple[str, ...]):
    def check(instance, attribute, value) -> None:
        if value not in choices:
            options = ", ".join(f'"{c}"' for c in choices)
            raise ValueError(f"{attribute.name} must be one of {options}, not {value!r}")

    return check



def _probability(instance, attribute, value) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be a quantile between 0 and 1, not {value!r}")


@define(kw_only=True)
class NoTreatment:
    """Leave every value as it is."""

    def treat(self, X: pd.DataFrame, context=None) -> pd.DataFrame:
        return X


@define(kw_only=True)
class Winsorise:
    """Clip each indicator to its [lower, upper] quantiles, within each year or over all years."""

    lower: float = attrs.field(default=0.05, validator=_probability)
    upper: float = attrs.field(default=0.95, validator=_probability)
    by: str = attrs.field(default="year", validator=_one_of(BY_CHOICES))

    def __attrs_post_init__(self) -> None:
        if not self.lower < self.upper:
            raise ValueError(f"lower must be less than upper, got lower={self.lower} and upper={self.upper}")

    def treat(self, X: pd.DataFrame, context: Mapping[str, Any] | None = None) -> pd.DataFrame:
        A, back, _ = blocks(X, self.by)
        return _frame(back(winsorise_quantiles(A, self.lower, self.upper)), X)


@define(kw_only=True, slots=False)  # not slotted: treat() records what it did in details_
class JRCTreatment:
    """The JRC/COINr rule: winsorise up to ``max_winsorised`` values while |skewness| > ``skew_threshold`` and
    kurtosis > ``kurtosis_threshold``; if that is not enough, log-transform the original values instead.

    After :meth:`treat`, ``details_`` holds one row per indicator (and year): n, skewness, kurtosis, action,
    winsorised, skewness_after, kurtosis_after.
    """

    skew_threshold: float = attrs.field(default=2.0, validator=finite)
    kurtosis_threshold: float = attrs.field(default=3.5, validator=finite)
    max_winsorised: int = 5
    by: str = attrs.field(default="year", validator=_one_of(BY_CHOICES))
    fallback: str = attrs.field(default="log_ct", validator=_one_of(FALLBACKS))
    mirror_negative: bool = False

    def __attrs_post_init__(self) -> None:
        if self.skew_threshold < 0:
            raise ValueError(f"skew_threshold bounds the absolute skewness, so it cannot be negative: "
                             f"{self.skew_threshold}")
        if self.max_winsorised < 0:
            raise ValueError(f"max_winsorised must be 0 or more, not {self.max_winsorised}")
        if self.mirror_negative and self.fallback not in ("log_ct", "log_ct_orig"):
            raise ValueError(f"mirror_negative applies to fallback = \"log_ct\" or \"log_ct_orig\", not "
                             f"{self.fallback!r}; remove it or change the fallback")

    def treat(self, X: pd.DataFrame, context: Mapping[str, Any] | None = None) -> pd.DataFrame:
        A, back, labels = blocks(X, self.by)
        B, details = jrc_treat(A, self.skew_threshold, self.kurtosis_threshold, self.max_winsorised,
                               self.fallback, self.mirror_negative)
        table = pd.DataFrame({
            "indicator": [c for c, _ in labels],
            "year": pd.array([y for _, y in labels], dtype="Int64"),
            **{k: v for k, v in details.items() if k != "action"},
        })
        table.insert(5, "action", [ACTIONS[a] for a in details["action"]])
        self.details_ = table
        if self.fallback == "log":
            _check_positive(X, A, table, self.by)
        return _frame(back(B), X)


def _check_positive(X: pd.DataFrame, A: np.ndarray, table: pd.DataFrame, by: str) -> None:
    """With ``fallback = "log"``, every value of a block that falls back must be positive."""
    issues = []
    logged = (table["action"] == "transformed").to_numpy()
    with np.errstate(invalid="ignore"):
        bad = logged & (np.where(np.isnan(A), 1.0, A) <= 0).any(axis=0)
    for j in np.flatnonzero(bad):
        indicator, year = table.loc[j, "indicator"], table.loc[j, "year"]
        column = X[indicator]
        if by == "year":
            column = column[X.index.get_level_values("year") == year]
        where = [f"{u} {y}" for (u, y) in column.index[column <= 0]]
        scope = f"in {year}" if by == "year" else "over all years"
        issues.append(Issue(
            f"indicator {indicator!r} {scope} is outlying after winsorisation and falls back to ln(x), but has "
            f"values ≤ 0 ({', '.join(where[:10])}{' …' if len(where) > 10 else ''}); use fallback = \"log_ct\" "
            "(ln(x − min + 0.01 (max − min))) or \"log_ct_orig\" (ln(x − min + 1))"
        ))
    if issues:
        raise DataError(issues)


@hookimpl
def register_treatments(register):
    register("none", NoTreatment)
    register("winsorise", Winsorise)
    register("jrc", JRCTreatment)
