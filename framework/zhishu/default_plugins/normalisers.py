"""Built-in normalisers: min-max, z-score, rank, percentile, goalposts, distance to a reference unit or a
target, fraction of the maximum, categorical scales, identity (``none``), vector and sum (formulas and citations: docs/methods/normalisers.md).

Every normaliser receives data already multiplied by each indicator's direction (higher is better before and
after), fits its parameters on the rows it is given (one year, or the reference year) and transforms any rows.
Parameters given in an indicator's raw units (goalposts, targets, thresholds) are converted to that oriented
scale with ``specs[column].direction``; ratio scales (distance to a reference, fraction of the maximum) invert
the ratio for lower-is-better indicators so that the best value always scores ``scale``.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..config.messages import join
from ..errors import ConfigError, DataError, Issue
from ..hookspecs import hookimpl
from ..listing import MAX_LISTED, cell_location
from ..validators import finite
from ..registry import did_you_mean
from ..results import column_dtypes




@define(kw_only=True, slots=False)  # not slotted: fit() sets learned attributes ending in _
class MinMax:
    """``low + (x - min) / (max - min) * (high - low)``, with min and max fitted per indicator.

    Values outside the fitted range (another year than the reference year) map outside [low, high]. An
    indicator with max = min carries no information and maps to the midpoint ``(low + high) / 2``.
    """

    low: float = attrs.field(default=0.0, validator=finite)
    high: float = attrs.field(default=100.0, validator=finite)

    def __attrs_post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"low must be less than high, got low={self.low} and high={self.high}")
        if not np.isfinite(self.high - self.low):
            raise ValueError(f"high - low overflows (low={self.low:g}, high={self.high:g}); use a smaller range")

    def fit(self, X: pd.DataFrame, specs=None) -> MinMax:
        self.min_, self.max_ = column_range(X)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return minmax(X, self.min_, self.max_, self.low, self.high)


def column_range(X: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The minimum and maximum of every column of ``X``, missing values skipped (NaN for a column without
    values) — ``X.min(axis=0), X.max(axis=0)`` computed by numpy's ``fmin``/``fmax`` reductions over the float
    block, without pandas' NaN masks (about 3× faster at 2·10⁵ × 100)."""
    if not len(X) or not all(dt == np.float64 for dt in column_dtypes(X)):
        return X.min(axis=0), X.max(axis=0)
    values = X.to_numpy()
    with np.errstate(invalid="ignore"):
        lo, hi = np.fmin.reduce(values, axis=0), np.fmax.reduce(values, axis=0)
    return pd.Series(lo, index=X.columns, dtype="float64"), pd.Series(hi, index=X.columns, dtype="float64")


def minmax(X: pd.DataFrame, lo: pd.Series, hi: pd.Series, low: float, high: float) -> pd.DataFrame:
    """Min-max rescaling of every column of ``X`` from [lo, hi] to [low, high] (midpoint where hi = lo).

    The result has ``X``'s index and columns in ``X``'s order; a column of ``X`` without ``lo``/``hi`` is NaN.
    ``(x - lo) * scale + low`` is computed in place on the one new array (the same three roundings as the
    expression, without its two temporaries of the whole frame); ``X`` is not changed.
    """
    lo, hi = _aligned(lo, X.columns), _aligned(hi, X.columns)
    values = X.to_numpy("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(hi > lo, (high - low) / (hi - lo), np.nan)
    # a new array, item-major (as pandas holds a float block, so later stages take views of it): the in-place
    # steps below touch only it
    out = np.subtract(values, lo, out=np.empty(values.shape[::-1]).T)
    out *= scale
    out += low
    flat = ~(hi > lo) & ~np.isnan(hi)  # max = min: the midpoint, where a value exists
    if flat.any():
        out[:, flat] = np.where(np.isnan(values[:, flat]), np.nan, (low + high) / 2)
    return pd.DataFrame(out, index=X.index, columns=X.columns, copy=False)


@define(kw_only=True, slots=False)  # not slotted: fit() sets learned attributes ending in _
class ZScore:
    """``mean + sd * (x - x̄) / s`` with x̄ and s fitted per indicator (sample s by default, ``ddof = 0``
    for the population standard deviation). An indicator with s = 0 maps to ``mean``."""

    mean: float = attrs.field(default=0.0, validator=finite)
    sd: float = attrs.field(default=1.0, validator=finite)
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


def _aligned(params: pd.Series, columns: pd.Index) -> np.ndarray:
    """``params.reindex(columns).to_numpy("float64")``, without the reindex when ``params`` is labelled by
    ``columns`` itself, unique (fitted on the frame it transforms: :func:`column_range` labels by
    ``X.columns``)."""
    if params.index is columns and columns.is_unique:
        return params.to_numpy("float64")
    return params.reindex(columns).to_numpy("float64")


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




# --------------------------------------------------------------------------------------------- helpers


def _finite_or_none(instance, attribute, value) -> None:
    if value is not None and not np.isfinite(value):
        raise ValueError(f"{attribute.name} must be a finite number, not {value!r}")


def _positive(instance, attribute, value) -> None:
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a positive finite number, not {value!r}")


def _finite_values(instance, attribute, value: Mapping[str, float]) -> None:
    bad = {k: v for k, v in value.items() if not np.isfinite(v)}
    if bad:
        raise ValueError(f"{attribute.name} must be finite numbers, got {bad}")


def directions(columns, specs) -> pd.Series:
    """+1 or -1 per column from ``specs[column].direction`` (+1 when ``specs`` is None or lacks the column)."""
    specs = specs or {}
    return pd.Series([float(getattr(specs.get(c), "direction", 1)) for c in columns], index=columns,
                     dtype="float64")



def _years(X: pd.DataFrame) -> str:
    """The years of the rows a normaliser is fitted on, for messages."""
    if "year" in (X.index.names or []):
        years = sorted({int(y) for y in X.index.get_level_values("year")})
        return f"year{'s' if len(years) != 1 else ''} {', '.join(map(str, years))}"
    return "the fitted rows"


def _cell_issues(X: pd.DataFrame, bad: np.ndarray, values: np.ndarray, problem: str) -> list[Issue]:
    """One issue per offending cell (the first :data:`MAX_LISTED`), naming indicator, unit, year and value."""
    rows, cols = np.nonzero(bad)
    issues = [
        Issue(f"indicator {X.columns[c]!r} = {values[r, c]:g} at {cell_location(X.index[r])}: {problem}")
        for r, c in zip(rows[:MAX_LISTED], cols[:MAX_LISTED])
    ]
    if len(rows) > MAX_LISTED:
        issues.append(Issue(f"… and {len(rows) - MAX_LISTED} more such values"))
    return issues


def _values(X: pd.DataFrame) -> np.ndarray:
    return X.to_numpy(dtype="float64", na_value=np.nan)


def count_below(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For every cell of ``values`` (n × k): how many non-missing cells in the same column of ``reference``
    (m × k) are strictly smaller. NaN where the value is missing.

    One sort over every column at once: reference and queried values are sorted by (column, value), a queried
    value before a reference value equal to it, and the reference values before each queried value are counted.
    """
    k = reference.shape[1]
    ref_ok, val_ok = ~np.isnan(reference), ~np.isnan(values)
    ref_cols = np.broadcast_to(np.arange(k), reference.shape)[ref_ok]
    val_cols = np.broadcast_to(np.arange(k), values.shape)[val_ok]
    cols = np.concatenate([ref_cols, val_cols])
    keys = np.concatenate([reference[ref_ok], values[val_ok]])
    is_ref = np.concatenate([np.ones(len(ref_cols), dtype=bool), np.zeros(len(val_cols), dtype=bool)])
    order = np.lexsort((is_ref, keys, cols))  # primary: column, then value, then queried (False) first
    ref_sorted = is_ref[order].astype("int64")
    before = np.cumsum(ref_sorted) - ref_sorted  # reference values before each position, over all columns
    col_start = np.concatenate([[0], np.cumsum(np.bincount(ref_cols, minlength=k))[:-1]])
    counts = np.empty(len(keys), dtype="float64")
    counts[order] = before - col_start[cols[order]]
    out = np.full(values.shape, np.nan)
    out[val_ok] = counts[len(ref_cols):]
    return out


def percentile_ranks(below: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``100 · min(1, below / (n − 1))`` per cell (n per column); n = 1: 0 if nothing is below, else 100;
    n = 0 or ``below`` missing: NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 1, below / np.maximum(n - 1, 1), np.where(below > 0, 1.0, 0.0))
    return np.where(np.isnan(below) | (n == 0), np.nan, 100.0 * np.minimum(share, 1.0))


class _RankBased:
    """Stores the fitted rows' values and counts, for any rows, the fitted values strictly below each cell."""

    def fit(self, X: pd.DataFrame, specs=None):
        self.reference_ = pd.DataFrame(_values(X).copy(), index=X.index, columns=X.columns)
        return self

    def _below(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(fitted values strictly below each cell, fitted values present per column), on X's columns."""
        ref = _values(self.reference_.reindex(columns=X.columns))
        return count_below(ref, _values(X)), (~np.isnan(ref)).sum(axis=0)


# --------------------------------------------------------------------------------------------- rank, percentile


@define(kw_only=True, slots=False)  # not slotted: fit() sets learned attributes ending in _
class Rank(_RankBased):
    """``1 + (number of fitted values strictly below x)``: the ascending rank among the fitted rows.

    On the fitted rows this is the rank with ties at the lowest rank (pandas ``method="min"``): the lowest
    value gets 1, the highest n (the number of fitted values present). A value from other rows gets the rank
    it would have among the fitted values (1 to n + 1). Missing stays missing; so does a column with no
    fitted value.
    """

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        below, n = self._below(X)
        return pd.DataFrame(np.where(n > 0, 1.0 + below, np.nan), index=X.index, columns=X.columns,
                            dtype="float64")


@define(kw_only=True, slots=False)
class Percentile(_RankBased):
    """``100 · min(1, b / (n − 1))`` with b the number of fitted values strictly below x: percentile ranks.

    On the fitted rows this is ``100 · (rank − 1) / (n − 1)``, ties at the lowest rank (COINr's ``n_prank``
    times 100): the lowest value gets 0, the highest 100, a constant column 0. A value from other rows above
    every fitted value gets 100. With a single fitted value, values ≤ it get 0 and values above it 100.
    Missing stays missing.
    """

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        below, n = self._below(X)
        return pd.DataFrame(percentile_ranks(below, n), index=X.index, columns=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- goalposts


def _bounds_pairs(instance, attribute, value: Mapping[str, tuple[float, ...]]) -> None:
    for key, pair in value.items():
        if len(pair) != 2:
            raise ValueError(f"bounds.{key} must be [lower, upper] (two numbers), got {len(pair)} numbers")
        lower, upper = pair
        if not (np.isfinite(lower) and np.isfinite(upper)):
            raise ValueError(f"bounds.{key} must be finite numbers, got [{lower}, {upper}]")
        if not lower < upper:
            raise ValueError(f"bounds.{key}: lower must be less than upper, got [{lower}, {upper}]; for an "
                             "indicator where lower is better, still write [lower, upper]: the direction decides "
                             "which end is best")


def oriented_bounds(lower: pd.Series, upper: pd.Series, direction: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Raw-unit bounds [lower, upper] on the oriented scale (× direction): for direction -1, [-upper, -lower]."""
    a, b = lower * direction, upper * direction
    return a.where(direction > 0, b), b.where(direction > 0, a)


def goalposts(X: pd.DataFrame, lo: pd.Series, hi: pd.Series, low: float, high: float, cap: bool) -> pd.DataFrame:
    """``low + (clip(x, lo, hi) − lo) / (hi − lo) · (high − low)`` per column (oriented lo < hi); no clipping
    when ``cap`` is false. A column of ``X`` without bounds is NaN."""
    lo, hi = lo.reindex(X.columns), hi.reindex(X.columns)
    v = X.clip(lower=lo, upper=hi, axis=1) if cap else X
    return (low + (v - lo) / (hi - lo) * (high - low)).astype("float64")


@define(kw_only=True, slots=False)
class Goalposts:
    """Fixed goalposts in the indicator's raw units: ``low + (min(max(x, L), U) − L) / (U − L) · (high − low)``.

    ``lower``/``upper`` apply to every indicator, ``bounds = { id = [lower, upper] }`` to one. For a
    lower-is-better indicator the lower goalpost is the best value and maps to ``high`` (the UNDP HDI and
    OECD/JRC Handbook convention). Values beyond the goalposts are capped at them (``cap = false`` to keep
    them), so scores do not depend on the other units or on the year.
    """

    lower: float | None = attrs.field(default=None, validator=_finite_or_none)
    upper: float | None = attrs.field(default=None, validator=_finite_or_none)
    bounds: Mapping[str, tuple[float, ...]] = attrs.field(factory=dict, validator=_bounds_pairs)
    low: float = attrs.field(default=0.0, validator=finite)
    high: float = attrs.field(default=100.0, validator=finite)
    cap: bool = True

    def __attrs_post_init__(self) -> None:
        if (self.lower is None) != (self.upper is None):
            raise ValueError("give both lower and upper (the goalposts of every indicator), or neither and "
                             "bounds = { indicator = [lower, upper] } for each indicator")
        if self.lower is None and not self.bounds:
            raise ValueError("no goalposts: give lower and upper (e.g. lower = 0, upper = 100, in the indicator's "
                             "raw units) or bounds = { indicator = [lower, upper], … }")
        if self.lower is not None and not self.lower < self.upper:
            raise ValueError(f"lower must be less than upper, got lower={self.lower} and upper={self.upper}; for an "
                             "indicator where lower is better keep lower < upper: the direction decides which end "
                             "is best")
        if not self.low < self.high:
            raise ValueError(f"low must be less than high, got low={self.low} and high={self.high}")

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        """(key path, problem) pairs for this normaliser chosen at ``where`` (:class:`zhishu.ChecksConfig`):
        ``bounds`` names only indicators that use it and, without lower and upper, covers all of them."""
        return _per_indicator_issues("bounds", self.bounds, self.lower is not None, _users(plan, where), where,
                                     "goalposts",
                                     "give lower and upper for every indicator, or bounds.<id> = [lower, upper]")

    def fit(self, X: pd.DataFrame, specs=None) -> Goalposts:
        cols = list(X.columns)
        missing = [c for c in cols if c not in self.bounds and self.lower is None]
        if missing:
            raise ConfigError([Issue(f"no goalposts for indicator {c!r}: add bounds.{c} = [lower, upper] or give "
                                     "lower and upper for every indicator") for c in missing])
        lower = pd.Series([self.bounds[c][0] if c in self.bounds else self.lower for c in cols], index=cols,
                          dtype="float64")
        upper = pd.Series([self.bounds[c][1] if c in self.bounds else self.upper for c in cols], index=cols,
                          dtype="float64")
        self.lower_, self.upper_ = oriented_bounds(lower, upper, directions(cols, specs))
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return goalposts(X, self.lower_, self.upper_, self.low, self.high, self.cap)


def _users(plan, where: str) -> tuple[str, ...]:
    """The indicators whose normaliser was chosen at ``where`` (e.g. every default one at
    ``normalisation.default``)."""
    return tuple(i for i, ind in plan.indicators.items() if ind.normaliser.key_path == where)


def _per_indicator_issues(name: str, table: Mapping, has_default: bool, indicators: tuple[str, ...], where: str,
                          what: str, fix: str) -> list[tuple[str, str]]:
    """Keys of ``table`` (e.g. ``bounds``) that name no indicator using this normaliser, and, without a default
    for every indicator, the indicators ``table`` leaves out; as (key path, problem) pairs."""
    problems = []
    at = join(join(where, "params"), name)
    for key in table:
        if key not in indicators:
            hints = did_you_mean(key, list(indicators))
            hint = f"did you mean {' or '.join(map(repr, hints))}? " if hints else ""
            problems.append((join(at, key), f"{key!r} is not an indicator that uses this normaliser; "
                             f"{hint}indicators using it: {', '.join(indicators)}"))
    if not has_default:
        lacking = [i for i in indicators if i not in table]
        if lacking:
            problems.append((at, f"no {what} for {', '.join(map(repr, lacking))}; {fix}"))
    return problems


# --------------------------------------------------------------------------------------------- ratios


def ratio_scores(X: pd.DataFrame, best: pd.Series, direction: pd.Series, scale: float, method: str) -> pd.DataFrame:
    """``x / best · scale`` for direction +1 and ``best / x · scale`` for direction -1, on raw values.

    ``X`` is oriented (raw × direction); ``best`` is the positive raw value that scores ``scale``. For a
    lower-is-better indicator a raw value ≤ 0 has no ratio and is an error naming unit, year and indicator.
    """
    best, d = best.reindex(X.columns), direction.reindex(X.columns)
    raw = _values(X) * d.to_numpy()
    inverse = (d < 0).to_numpy()
    bad = inverse & (raw <= 0)
    if bad.any():
        raise DataError(_cell_issues(X, bad, raw, (
            f"{method} divides the best (lowest) value of a lower-is-better indicator by each value, so values "
            "must be > 0; use goalposts or minmax for this indicator")))
    b = best.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(inverse, b / raw, raw / b) * scale
    return pd.DataFrame(out, index=X.index, columns=X.columns, dtype="float64")


@define(kw_only=True, slots=False)
class DistanceToReference:
    """``x / x_ref · scale``: the ratio to a reference unit's value in the fitted rows (OECD/JRC Handbook,
    "distance to a reference"). For a lower-is-better indicator the ratio is inverted, ``x_ref / x · scale``,
    so that a unit better than the reference scores above ``scale`` either way.

    The reference value is the reference unit's value in the fitted rows (the mean of its values if the
    rows span several years). It must be present and > 0; for a lower-is-better indicator every value must
    be > 0.
    """

    unit: str = attrs.field()
    scale: float = attrs.field(default=100.0, validator=_positive)

    @unit.validator
    def _unit(self, attribute, value: str) -> None:
        if not value.strip():
            raise ValueError('unit must name the reference unit (its id), e.g. unit = "北京"')

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        """The reference unit is one of ``[[units]]`` (when the config lists units)."""
        units = [u.id for u in plan.units]
        if units and self.unit not in units:
            hints = did_you_mean(self.unit, units)
            hint = f"did you mean {' or '.join(map(repr, hints))}? " if hints else ""
            return [(join(join(where, "params"), "unit"), f"unknown reference unit {self.unit!r}; {hint}give the id "
                     "of a unit in [[units]]")]
        return []

    def fit(self, X: pd.DataFrame, specs=None) -> DistanceToReference:
        d = directions(X.columns, specs)
        rows = X[X.index.get_level_values("unit") == self.unit]
        if rows.empty:
            raise DataError([Issue(f"the reference unit {self.unit!r} of distance_to_reference has no row in "
                                   f"{_years(X)} (the rows the normaliser is fitted on); choose a unit present "
                                   "in the data (an id from [[units]])")])
        ref = rows.mean(axis=0) * d  # raw units
        issues = [Issue(f"the reference unit {self.unit!r} has no value of indicator {c!r} in {_years(X)}; choose "
                        "another reference unit or impute the value") for c in X.columns[ref.isna().to_numpy()]]
        issues += [Issue(f"the reference unit {self.unit!r} has indicator {c!r} = {ref[c]:g} in {_years(X)}; "
                         "distance_to_reference needs a reference value > 0")
                   for c in X.columns[(ref <= 0).to_numpy()]]
        if issues:
            raise DataError(issues)
        self.reference_, self.direction_ = ref, d
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return ratio_scores(X, self.reference_, self.direction_, self.scale, "distance_to_reference")


@define(kw_only=True, slots=False)
class FractionOfMax:
    """``x / max · scale`` with max the largest value in the fitted rows (OECD/JRC Handbook, COINr
    ``n_fracmax``). For a lower-is-better indicator the ratio is inverted, ``min / x · scale`` with min the
    smallest raw value, so the best unit scores ``scale`` either way.

    The best value must be > 0 (else there is no ratio scale: an error naming the indicator); for a
    lower-is-better indicator every value must be > 0. With direction +1, a negative x gives a negative score.
    """

    scale: float = attrs.field(default=100.0, validator=_positive)

    def fit(self, X: pd.DataFrame, specs=None) -> FractionOfMax:
        d = directions(X.columns, specs)
        best = X.max(axis=0) * d  # the best raw value: the maximum, or the minimum for direction -1
        bad = (best <= 0).to_numpy()
        if bad.any():
            issues = []
            for c in X.columns[bad]:
                at = cell_location(X[c].idxmax())
                which = "largest" if d[c] > 0 else "smallest"
                issues.append(Issue(f"indicator {c!r}: the {which} (best) value in {_years(X)} is {best[c]:g} at "
                                    f"{at}; fraction_of_max needs a best value > 0 (use minmax or goalposts for "
                                    "indicators that can be zero or negative)"))
            raise DataError(issues)
        self.best_, self.direction_ = best, d
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return ratio_scores(X, self.best_, self.direction_, self.scale, "fraction_of_max")


# --------------------------------------------------------------------------------------------- distance to target


def distance_to_target(X: pd.DataFrame, lo: pd.Series, target: pd.Series, scale: float, cap: bool) -> pd.DataFrame:
    """``(x − lo) / (target − lo) · scale`` per column (oriented, target > lo), capped at ``scale`` if ``cap``."""
    lo, target = lo.reindex(X.columns), target.reindex(X.columns)
    out = (X - lo) / (target - lo) * scale
    return (out.clip(upper=scale) if cap else out).astype("float64")


@define(kw_only=True, slots=False)
class DistanceToTarget:
    """``(x − x_min) / (target − x_min) · scale`` with x_min the worst value in the fitted rows (COINr
    ``n_dist2targ``). Targets are in raw units; for a lower-is-better indicator this is
    ``(x_max − x) / (x_max − target) · scale``. ``cap = true`` caps scores at ``scale`` (units past the target).

    The target must be better than the worst fitted value (else the scale is undefined: an error).
    """

    target: float | None = attrs.field(default=None, validator=_finite_or_none)
    targets: Mapping[str, float] = attrs.field(factory=dict, validator=_finite_values)
    scale: float = attrs.field(default=100.0, validator=_positive)
    cap: bool = False

    def __attrs_post_init__(self) -> None:
        if self.target is None and not self.targets:
            raise ValueError("no target: give target = … (the same raw value for every indicator) or "
                             "targets = { indicator = value, … }")

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        """``targets`` names only indicators that use this normaliser and, without ``target``, covers them."""
        return _per_indicator_issues("targets", self.targets, self.target is not None, _users(plan, where), where,
                                     "target",
                                     "give target for every indicator, or targets.<id> = value")

    def fit(self, X: pd.DataFrame, specs=None) -> DistanceToTarget:
        cols = list(X.columns)
        missing = [c for c in cols if c not in self.targets and self.target is None]
        if missing:
            raise ConfigError([Issue(f"no target for indicator {c!r}: add targets.{c} = value or give target")
                               for c in missing])
        d = directions(cols, specs)
        raw = pd.Series([self.targets.get(c, self.target) for c in cols], index=cols, dtype="float64")
        target, worst = raw * d, X.min(axis=0)
        bad = (target <= worst).to_numpy()
        if bad.any():
            raise DataError([
                Issue(f"indicator {c!r}: the target {raw[c]:g} is not better than the worst value in {_years(X)} "
                      f"({worst[c] * d[c]:g} at {cell_location(X[c].idxmin())}), so every unit already meets it and the "
                      "distance is undefined; choose a more demanding target, or use goalposts")
                for c in X.columns[bad]
            ])
        self.min_, self.target_ = worst, target
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return distance_to_target(X, self.min_, self.target_, self.scale, self.cap)


# --------------------------------------------------------------------------------------------- categorical


def categorical(raw: np.ndarray, thresholds: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``scores[i]`` where ``thresholds[i-1] ≤ raw < thresholds[i]`` (i = number of thresholds ≤ raw); NaN stays."""
    idx = np.searchsorted(thresholds, np.nan_to_num(raw, nan=0.0), side="right")
    return np.where(np.isnan(raw), np.nan, scores[idx])


@define(kw_only=True, slots=False)
class Categorical:
    """Thresholds in raw units to scores: ``x < t₁ → s₀``, ``t₁ ≤ x < t₂ → s₁``, …, ``x ≥ tₖ → sₖ``.

    The thresholds apply to the raw value (``oriented × direction``) and the scores are used as written, so
    for a lower-is-better indicator give decreasing scores. Missing stays missing.
    """

    thresholds: tuple[float, ...] = attrs.field()
    scores: tuple[float, ...] = attrs.field()
    #: the scores as written say which way is better, not the input (a lower-is-better indicator needs decreasing
    #: scores): zhishu.testing.check_normaliser does not check its order
    oriented_by_params = True

    def __attrs_post_init__(self) -> None:
        t, s = np.asarray(self.thresholds, dtype="float64"), np.asarray(self.scores, dtype="float64")
        if len(t) == 0:
            raise ValueError("thresholds must list at least one value, e.g. thresholds = [10, 20] with "
                             "scores = [0, 50, 100]")
        if not (np.isfinite(t).all() and np.isfinite(s).all()):
            raise ValueError("thresholds and scores must be finite numbers")
        if not (np.diff(t) > 0).all():
            raise ValueError(f"thresholds must be strictly increasing, got {list(self.thresholds)}")
        if len(s) != len(t) + 1:
            raise ValueError(f"scores needs one more value than thresholds ({len(t) + 1} for {len(t)} thresholds: "
                             f"below the first, between each pair, and from the last up), got {len(s)}")

    def fit(self, X: pd.DataFrame, specs=None) -> Categorical:
        self.direction_ = directions(X.columns, specs)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        d = self.direction_.reindex(X.columns).to_numpy()  # unfitted columns: NaN direction → missing
        out = categorical(_values(X) * d, np.asarray(self.thresholds, dtype="float64"),
                          np.asarray(self.scores, dtype="float64"))
        return pd.DataFrame(out, index=X.index, columns=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- hooks

# --------------------------------------------------------------------------------------------- identity, vector, sum


@define(kw_only=True, slots=False)
class Identity:
    """``none``: the values as they are (already multiplied by the direction, so a lower-is-better indicator
    is negative): for data that is already on a common scale, or for a matrix handed to another tool."""

    def fit(self, X: pd.DataFrame, specs=None) -> Identity:
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return X.astype("float64")


def _divided(X: pd.DataFrame, by: pd.Series, scale: float) -> pd.DataFrame:
    """``scale · x / by`` column by column; a column whose divisor is 0 (every value 0) stays 0."""
    by = by.reindex(X.columns).to_numpy("float64")
    values = X.to_numpy("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(by > 0, values / by, values * 0.0)  # x / by first: 3 / 5 is 0.6 exactly, 3 · (1/5) is not
    return pd.DataFrame(out * scale if scale != 1 else out, index=X.index, columns=X.columns, copy=False)


@define(kw_only=True, slots=False)
class Vector:
    """``scale · x / ‖x‖₂`` with ‖x‖₂ = √Σx² over the fitted rows (TOPSIS' vector normalisation; pymcdm
    ``vector_normalization``, scikit-criteria ``VectorScaler``). Missing values are left out of the sum.

    The divisor is positive, so the order is kept. A lower-is-better indicator arrives negated and scores
    ``−raw/‖raw‖`` in [−scale, 0]: pymcdm's cost form ``1 − raw/‖raw‖`` less 1 (same order and spacing).
    """

    scale: float = attrs.field(default=1.0, validator=_positive)

    def fit(self, X: pd.DataFrame, specs=None) -> Vector:
        self.norm_ = np.sqrt((X.astype("float64") ** 2).sum(axis=0, min_count=1))
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return _divided(X, self.norm_, self.scale)


@define(kw_only=True, slots=False)
class Sum:
    """``scale · x / Σ|x|`` over the fitted rows: shares of the total for non-negative data (``x / Σx``;
    pymcdm ``sum_normalization``, scikit-criteria ``SumScaler``). Missing values are left out of the sum.

    Dividing by Σ|x| (not Σx) keeps the order when values are negative: a lower-is-better indicator arrives
    negated and scores ``−raw/Σraw``. pymcdm's cost form ``(1/raw)/Σ(1/raw)`` is a non-linear inversion that
    zhishu does not apply; use ``fraction_of_max`` for that kind of ratio.
    """

    scale: float = attrs.field(default=1.0, validator=_positive)

    def fit(self, X: pd.DataFrame, specs=None) -> Sum:
        self.total_ = X.astype("float64").abs().sum(axis=0, min_count=1)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return _divided(X, self.total_, self.scale)


@hookimpl
def register_normalisers(register):
    register("none", Identity)
    register("vector", Vector)
    register("sum", Sum)
    register("minmax", MinMax)
    register("zscore", ZScore)
    register("rank", Rank)
    register("percentile", Percentile)
    register("goalposts", Goalposts)
    register("distance_to_reference", DistanceToReference)
    register("distance_to_target", DistanceToTarget)
    register("fraction_of_max", FractionOfMax)
    register("categorical", Categorical)
