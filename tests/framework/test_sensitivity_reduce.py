"""The exact reductions behind ``replications = False`` (``zhishu.sensitivity.reduce``): rank counts give
numpy's percentiles, min, max and mean shift bit for bit, and the vectorised Sobol estimator over all units
equals SALib's ``sobol.analyze`` (run independently on each unit's outputs) to 1e-12."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.sensitivity.engine import ChunkResult
from zhishu.sensitivity.reduce import (
    Reduction,
    add_counts,
    finish,
    fold,
    merge,
    new_partial,
    percentiles_from_counts,
    sobol_from_sums,
    sobol_setup,
    summary_from_counts,
)


def _counts(R: np.ndarray, largest: int) -> np.ndarray:
    counts = np.zeros((R.shape[0], largest + 1), dtype="int64")
    add_counts(counts, R)
    return counts


@settings(max_examples=200, deadline=None)
@given(units=st.integers(1, 6), reps=st.integers(1, 40), largest=st.integers(1, 12), nan_share=st.floats(0, 0.6),
       seed=st.integers(0, 2**31))
def test_counts_give_numpys_percentiles_min_max_and_mean_shift_bit_for_bit(units, reps, largest, nan_share, seed):
    rng = np.random.default_rng(seed)
    R = rng.integers(1, largest + 1, size=(units, reps)).astype("float64")
    R[rng.random(R.shape) < nan_share] = np.nan
    nominal = rng.integers(1, largest + 1, size=units).astype("float64")
    if units > 1:
        nominal[0] = np.nan  # a unit without a nominal rank
    stats = summary_from_counts(_counts(R, largest), nominal)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(R, [50, 5, 95], axis=1)
        low, high = np.nanmin(R, axis=1), np.nanmax(R, axis=1)
        shift = np.nanmean(np.abs(R - nominal[:, None]), axis=1)
    for k, name in enumerate(("median", "p05", "p95")):
        np.testing.assert_array_equal(stats[name], expected[k], err_msg=name)  # NaN where no rank at all
    np.testing.assert_array_equal(stats["min"], low)
    np.testing.assert_array_equal(stats["max"], high)
    np.testing.assert_array_equal(stats["mean_abs_shift"], shift)


def test_percentiles_at_other_levels_and_a_single_value():
    R = np.array([[3.0, 1, 4, 1, 5, 9, 2, 6], [7.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]])
    got = percentiles_from_counts(_counts(R, 9), (0, 12.5, 33, 50, 66.6, 99, 100))
    np.testing.assert_array_equal(got, np.nanpercentile(R, [0, 12.5, 33, 50, 66.6, 99, 100], axis=1))


def _saltelli_outputs(rng, units, N, D, levels):
    """Integer outputs (ranks) of N base samples laid out as SALib's Saltelli rows: A, AB_1 … AB_D, B."""
    Y = rng.integers(1, levels + 1, size=(units, N * (D + 2))).astype("float64")
    Y[0] = 3.0  # a unit whose output never moves
    Y[1, 5] = np.nan  # a unit with a missing output
    Y[2, :: D + 2] = 4.0  # A and B constant, AB varying: SALib gives 0
    Y[2, D + 1:: D + 2] = 4.0
    return Y


@pytest.mark.parametrize("D,N,seed", [(2, 16, 7), (3, 64, 1), (4, 8, 123)])
def test_sobol_sums_equal_salib_analyze_for_every_unit(D, N, seed):
    from SALib.analyze import sobol as sobol_analyze

    rng = np.random.default_rng(seed)
    units, levels = 9, 6
    Y = _saltelli_outputs(rng, units, N, D, levels)
    setup = sobol_setup(D, N, seed, 100)
    red = Reduction(counts=("root",), max_rank=levels, sobol=setup)

    class M:
        root = "root"
        year_codes = np.zeros(units, dtype="int64")

    M.units = units
    step = D + 2
    # two blocks, of uneven chunks of whole base samples, merged: the sums are exact, the order does not matter
    parts = []
    for lo, hi in ((0, 3), (3, N)):
        part = new_partial(lo * step, hi * step)
        for s in range(lo, hi, 2):
            e = min(s + 2, hi)
            ranks = Y[:, s * step:e * step]
            fold(part, ChunkResult(start=s * step, scores={}, ranks={"root": ranks}, weights=np.empty((0, 0)),
                                   choices=np.empty((0, 4))), red, M)
        parts.append(finish(part, red, units))
    total = merge(parts[1], parts[0])
    got = sobol_from_sums(total, setup, total.counts["root"], 0.95)
    problem = {"num_vars": D, "names": [f"x{i}" for i in range(D)], "bounds": [[0, 1]] * D,
               "groups": [f"g{i}" for i in range(D)]}
    for u in range(units):
        y = Y[u]
        if np.isnan(y).any():
            assert np.isnan(got["S1"][u]).all() and np.isnan(got["ST_conf"][u]).all()
            continue
        if np.ptp(y) == 0:
            assert (got["S1"][u] == 0).all() and (got["ST_conf"][u] == 0).all()
            continue
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            expected = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100,
                                             conf_level=0.95, seed=seed, print_to_console=False)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            np.testing.assert_allclose(got[key][u], expected[key], rtol=0, atol=1e-12, err_msg=f"unit {u} {key}")
