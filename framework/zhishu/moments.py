"""Sample skewness and excess kurtosis, one convention for the whole framework.

The JRC/COINr outlier rule (``jrc`` treatment) and the audit's indicator statistics both use
:func:`skew_kurtosis`: e1071's ``type = 2`` estimators, which COINr's ``skew()`` and ``kurt()`` (R/treat.R)
copy (Excel's SKEW and KURT, pandas' ``skew()``/``kurt()``, scipy's ``skew``/``kurtosis`` with
``bias=False``; Joanes & Gill 1998, G1 and G2).
"""

from __future__ import annotations

import numpy as np


def col_max(A: np.ndarray) -> np.ndarray:
    """Column maxima ignoring NaN; NaN for a column without values (and no warning)."""
    if A.shape[0] == 0:
        return np.full(A.shape[1], np.nan)
    out = np.max(np.where(np.isnan(A), -np.inf, A), axis=0)
    return np.where(np.isneginf(out) & np.isnan(A).all(axis=0), np.nan, out)


def col_min(A: np.ndarray) -> np.ndarray:
    """Column minima ignoring NaN; NaN for a column without values."""
    return -col_max(-A)


def skew_kurtosis(values) -> tuple[np.ndarray, np.ndarray] | tuple[float, float]:
    """Per column of ``values`` (2-D; a 1-D array is one column and gives two floats; NaN = missing): the
    sample skewness G1 and the sample excess kurtosis G2 of the column's n observed values.

    With mean x̄ and central moments m_r = Σ (x − x̄)^r / n::

        G1 = m3 / m2^(3/2) · √(n (n − 1)) / (n − 2)                        NaN for n < 3
        G2 = (n − 1) / ((n − 2)(n − 3)) · ((n + 1) (m4 / m2² − 3) + 6)      NaN for n < 4

    as e1071 (its ``type = 2`` needs 3 values for the skewness and 4 for the kurtosis) and COINr (``skew()``
    returns NA below 3 values, ``kurt()`` below 4). Both are NaN for a constant column, tested exactly as
    max = min (COINr's 0/0), so that a mean that rounds (0.1 three times) cannot turn a constant into noise.
    """
    A = np.asarray(values, dtype="float64")
    if A.ndim == 1:
        g1, g2 = skew_kurtosis(A[:, None])
        return float(g1[0]), float(g2[0])
    observed = ~np.isnan(A)
    n = observed.sum(axis=0).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(observed, A, 0.0).sum(axis=0) / n
        d = np.where(observed, A - mean, 0.0)
        m2 = (d**2).sum(axis=0) / n
        m3 = (d**3).sum(axis=0) / n
        m4 = (d**4).sum(axis=0) / n
        g1 = m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2**2 - 3) + 6)
    constant = ~(col_max(A) > col_min(A)) | ~(m2 > 0)  # all equal (or spread below what squares can hold)
    return np.where((n < 3) | constant, np.nan, g1), np.where((n < 4) | constant, np.nan, g2)
