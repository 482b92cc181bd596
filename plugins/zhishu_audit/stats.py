"""Indicator statistics and data coverage (COINr's ``get_stats`` and the JRC's data-quality checks).

Estimators (see docs/audit.md): the standard deviation with n − 1; skewness G1 and excess kurtosis G2 as
e1071's type 2 (the sample-adjusted estimators of Joanes & Gill 1998; Excel's SKEW and KURT; COINr's
``skew()`` and ``kurt()``, whose source states it copies ``e1071::skewness``/``kurtosis`` type 2), computed by
:func:`zhishu.skew_kurtosis` as in the JRC outlier treatment; quartiles by linear interpolation (R's type 7,
numpy's default).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import zhishu

from . import frames

STATS_COLUMNS = ["dataset", "year", "indicator", "parent", "n", "missing", "coverage", "min", "max", "mean",
                 "median", "sd", "skewness", "kurtosis", "q1", "q3", "iqr", "n_outliers_iqr",
                 "outlier_skew_kurtosis", "n_unique", "share_same", "zero_variance", "near_constant",
                 "low_unique"]
COVERAGE_INDICATOR_COLUMNS = ["year", "indicator", "parent", "units", "present", "imputed", "treated",
                              "missing_after", "share_present", "share_imputed", "share_treated"]
COVERAGE_UNIT_COLUMNS = ["year", "unit", "name", "indicators", "present", "imputed", "treated",
                         "missing_after", "share_present", "share_imputed", "share_treated"]

SKEW_THRESHOLD, KURTOSIS_THRESHOLD = 2.0, 3.5  # the JRC / COINr rule: |G1| > 2 and G2 > 3.5
IQR_FACTOR = 1.5  # Tukey's fences Q1 − 1.5·IQR, Q3 + 1.5·IQR
NEAR_CONSTANT = 0.5  # COINr's Frc.Same / t_unq threshold: half the units share one value
LOW_UNIQUE = 0.5  # COINr's Flag.Unique: fewer distinct values than half the available ones


def column_stats(frame: pd.DataFrame) -> pd.DataFrame:
    """One row of statistics per column of ``frame`` (rows = units of one year; NaN = missing)."""
    A = frame.to_numpy(dtype="float64")
    observed = ~np.isnan(A)
    n = observed.sum(axis=0)
    rows = A.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN statistics, no warning
        mean = np.nanmean(A, axis=0)
        sd = np.nanstd(A, axis=0, ddof=1)
        q1, median, q3 = np.nanquantile(A, [0.25, 0.5, 0.75], axis=0)
        lo, hi = np.nanmin(A, axis=0), np.nanmax(A, axis=0)
    g1, g2 = zhishu.skew_kurtosis(A)
    iqr = q3 - q1
    with np.errstate(invalid="ignore"):
        outside = observed & ((A < q1 - IQR_FACTOR * iqr) | (A > q3 + IQR_FACTOR * iqr))
        skew_kurt = (np.abs(g1) > SKEW_THRESHOLD) & (g2 > KURTOSIS_THRESHOLD)
    # distinct values and the largest share of one value, per column (sorting each column once)
    S = np.sort(A, axis=0)  # NaN sorted last
    new = np.vstack([np.ones((1, A.shape[1]), bool), S[1:] != S[:-1]]) & ~np.isnan(S)
    n_unique = new.sum(axis=0)
    run_id = np.cumsum(new, axis=0)
    same = np.zeros(A.shape[1])
    for j in np.flatnonzero(n):  # one bincount per column: the size of the largest run of equal values
        same[j] = np.bincount(run_id[: n[j], j]).max()
    with np.errstate(invalid="ignore", divide="ignore"):
        share_same = np.where(n > 0, same / np.maximum(n, 1), np.nan)
        low_unique = np.where(n > 0, n_unique / np.maximum(n, 1) < LOW_UNIQUE, False)
    return pd.DataFrame({
        "indicator": list(frame.columns),
        "n": n.astype("int64"),
        "missing": (rows - n).astype("int64"),
        "coverage": n / rows if rows else np.nan,
        "min": lo, "max": hi, "mean": mean, "median": median, "sd": sd,
        "skewness": g1, "kurtosis": g2, "q1": q1, "q3": q3, "iqr": iqr,
        "n_outliers_iqr": outside.sum(axis=0).astype("int64"),
        "outlier_skew_kurtosis": skew_kurt,
        "n_unique": n_unique.astype("int64"),
        "share_same": share_same,
        "zero_variance": (n > 0) & (n_unique <= 1),
        "near_constant": share_same >= NEAR_CONSTANT,
        "low_unique": low_unique.astype(bool),
    })


def indicator_stats(result, datasets=("raw", "normalised")) -> pd.DataFrame:
    """Statistics of every indicator per data set and year (columns: :data:`STATS_COLUMNS`).

    ``raw`` values are oriented (× direction), so a skewness of −2.5 on a lower-is-better indicator means a
    long tail of *bad* values. ``coverage`` is n over the units of the run in that year."""
    parts = []
    indicators = list(result.raw.columns)
    for dataset in datasets:
        frames.check_dataset(dataset)
        data = frames.values(result, dataset)[indicators]
        for year, rows in frames.by_year(data):
            table = column_stats(rows)
            table.insert(0, "dataset", dataset)
            table.insert(1, "year", year)
            parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out.insert(3, "parent", out["indicator"].map(result.plan.parent_of))
    return out[STATS_COLUMNS]


def _cell_states(result):
    present = result.raw.notna()
    imputed = result.raw.isna() & result.data.notna()
    treated = result.flags[list(result.raw.columns)] == "treated"
    missing_after = result.data.isna()
    return present, imputed, treated, missing_after


def coverage(result, by: str = "indicator") -> pd.DataFrame:
    """Shares of cells present in the data, imputed, treated (changed by outlier treatment) and still
    missing after imputation, per indicator and year (``by="indicator"``) or per unit and year (``"unit"``).

    Present = ``result.raw`` has a value; imputed = missing in ``raw``, filled in ``result.data``; treated =
    ``result.flags == "treated"`` (a cell imputed and then treated counts as both)."""
    if by not in ("indicator", "unit"):
        raise zhishu.ConfigError([zhishu.Issue(f"by must be 'indicator' or 'unit', not {by!r}", "by")])
    states = dict(zip(("present", "imputed", "treated", "missing_after"), _cell_states(result)))
    if by == "indicator":
        counts = pd.DataFrame({k: v.groupby(level="year").sum().stack() for k, v in states.items()})
        counts.index.names = ["year", "indicator"]
        units = result.raw.groupby(level="year").size()
        counts = counts.reset_index()
        counts["units"] = counts["year"].map(units).astype("int64")
        counts["parent"] = counts["indicator"].map(result.plan.parent_of)
        total = counts["units"]
        order = {c: i for i, c in enumerate(result.raw.columns)}
        counts = counts.sort_values(["year", "indicator"], key=lambda s: s.map(order) if s.name == "indicator"
                                    else s, kind="stable")
        columns = COVERAGE_INDICATOR_COLUMNS
    else:
        counts = pd.DataFrame({k: v.sum(axis=1) for k, v in states.items()}).reset_index()
        counts["indicators"] = result.raw.shape[1]
        counts["name"] = counts["unit"].map(frames.unit_names(result))
        total = counts["indicators"]
        counts = counts.sort_values(["year"], kind="stable")
        columns = COVERAGE_UNIT_COLUMNS
    for k in ("present", "imputed", "treated"):
        counts[f"share_{k}"] = counts[k] / total
    for k in ("present", "imputed", "treated", "missing_after"):
        counts[k] = counts[k].astype("int64")
    return counts[columns].reset_index(drop=True)
