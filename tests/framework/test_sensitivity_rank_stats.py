"""The rank table's percentiles: all rows at once when no rank is missing, the same floats as numpy's
``nanpercentile`` row by row (the reference, computed independently of the vectorised path)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.sensitivity.outputs import _rank_stats


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 40), st.integers(0, 2**32 - 1), st.booleans())
def test_percentiles_as_nanpercentile_row_by_row(n, reps, seed, missing):
    rng = np.random.default_rng(seed)
    R = rng.integers(1, n + 1, size=(n, reps)).astype("float64")
    if missing:
        R[rng.random(R.shape) < 0.2] = np.nan
    stats = _rank_stats(R, np.ones(n), n)
    for i in range(n):
        row = R[i]
        if np.isnan(row).all():
            assert np.isnan([stats["median"][i], stats["p05"][i], stats["p95"][i]]).all()
            continue
        expected = [np.nanpercentile(row, q) for q in (50, 5, 95)]
        assert [stats["median"][i], stats["p05"][i], stats["p95"][i]] == expected
