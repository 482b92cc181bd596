"""zhishu.skew_kurtosis: the one skewness/kurtosis convention (e1071 type 2, COINr's skew()/kurt()) that the JRC
outlier treatment and the audit's statistics share.

Expected values come from hand calculation and from scipy.stats (``skew``/``kurtosis`` with ``bias=False``, the
same G1 and G2 by another implementation), never from the function itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu

NAN = float("nan")


def test_four_values_by_hand():
    # x = 0, 0, 0, 1: mean 1/4, m2 = 3/16, m3 = 3/32, m4 = 21/256 →
    # G1 = (m3 / m2^1.5) · √(4·3) / 2 = 2;  G2 = 3/(2·1) · (5 (m4/m2² − 3) + 6) = 1.5 · (5 (7/3 − 3) + 6) = 4
    g1, g2 = zhishu.skew_kurtosis(np.array([[0.0], [0.0], [0.0], [1.0]]))
    assert g1.shape == g2.shape == (1,)
    assert g1[0] == pytest.approx(2.0, abs=1e-12) and g2[0] == pytest.approx(4.0, abs=1e-12)


def test_three_values_give_a_skewness_but_no_kurtosis():
    # e1071 type 2 and COINr's skew() need 3 values, kurt() 4. x = 1, 2, 9: mean 4, d = −3, −2, 5,
    # Σd² = 38, Σd³ = 90: G1 = √3 · 90 / 38^1.5 · √(3·2) / 1 = 135 / (19 √19)
    g1, g2 = zhishu.skew_kurtosis([1.0, 2.0, 9.0])
    assert g1 == pytest.approx(135 / (19 * math.sqrt(19)), rel=1e-12)
    assert g1 == pytest.approx(scipy.stats.skew([1.0, 2.0, 9.0], bias=False), rel=1e-12)
    assert math.isnan(g2)


def test_fewer_than_three_values_give_neither():
    A = np.array([[1.0, NAN, NAN], [5.0, 2.0, NAN]])
    g1, g2 = zhishu.skew_kurtosis(A)
    assert np.isnan(g1).all() and np.isnan(g2).all()
    assert zhishu.skew_kurtosis(np.empty((0, 2)))[0].shape == (2,)


def test_constant_columns_are_undefined_even_when_the_mean_rounds():
    # numpy's mean of seven 0.7s is 0.7000000000000001, so every deviation is the same tiny non-zero number and
    # a test on m2 > 0 alone would report G1 = √(7·6)/5 ≈ 1.30 for a constant column; max = min is exact.
    flat = np.full(7, 0.7)
    assert flat.sum() / 7 != 0.7
    g1, g2 = zhishu.skew_kurtosis(np.column_stack([flat, np.full(7, 3.0), np.r_[np.full(6, 0.1), NAN]]))
    assert np.isnan(g1).all() and np.isnan(g2).all()


def test_missing_values_are_dropped_column_by_column():
    x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    A = np.column_stack([x, x[:5] + [NAN, NAN, NAN], [NAN] + x[1:]])
    g1, g2 = zhishu.skew_kurtosis(A)
    for j, values in enumerate([x, x[:5], x[1:]]):
        assert g1[j] == pytest.approx(scipy.stats.skew(values, bias=False), rel=1e-12)
        assert g2[j] == pytest.approx(scipy.stats.kurtosis(values, bias=False), rel=1e-12)


def test_coinr_example_vector():
    # COINr's example for winsorise() / Treat(): x <- c(1:10, 30, 100); pandas' skew()/kurt() as a second source
    x = list(range(1, 11)) + [30, 100]
    g1, g2 = zhishu.skew_kurtosis(np.array(x, dtype=float))
    assert (g1, g2) == pytest.approx((3.0632410342, 9.7413908346), rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=40))
def test_equal_scipy_unbiased(values):
    x = np.array(values)
    g1, g2 = zhishu.skew_kurtosis(x)
    if x.max() == x.min():
        assert math.isnan(g1) and math.isnan(g2)
        return
    if np.ptp(x) <= 1e-6 * max(1.0, np.abs(x).max()):
        return  # nearly constant: both sides are rounding noise
    assert g1 == pytest.approx(scipy.stats.skew(x, bias=False), rel=1e-6, abs=1e-6)
    if len(x) >= 4:
        assert g2 == pytest.approx(scipy.stats.kurtosis(x, bias=False), rel=1e-6, abs=1e-6)
    else:
        assert math.isnan(g2)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-100, 100), min_size=4, max_size=30), st.integers(1, 50), st.integers(-50, 50))
def test_affine_maps_keep_kurtosis_and_flip_skewness_with_the_sign(values, scale, shift):
    x = np.array(values, dtype=float)
    if x.max() == x.min():
        return
    g1, g2 = zhishu.skew_kurtosis(x)
    up, up2 = zhishu.skew_kurtosis(scale * x + shift)
    down, down2 = zhishu.skew_kurtosis(-scale * x + shift)
    assert up == pytest.approx(g1, rel=1e-9, abs=1e-9) and down == pytest.approx(-g1, rel=1e-9, abs=1e-9)
    assert up2 == pytest.approx(g2, rel=1e-9, abs=1e-9) and down2 == pytest.approx(g2, rel=1e-9, abs=1e-9)
