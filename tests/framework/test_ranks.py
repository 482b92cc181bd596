"""Ranks: 1 = the highest score within each year, tied scores share the best rank and the next rank skips
(standard competition ranking, "1224": scores 3, 2, 2, 1 → ranks 1, 2, 2, 4 — not dense ranking, which would
give 1, 2, 2, 3), missing scores stay unranked. Checked end to end through a config and in the sensitivity
engine's vectorised ranks, against expectations written by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import zhishu
from zhishu.sensitivity import rank_columns
from toy_index import table_config

# x = 3, 2, 2, 1 in 2021 (min-max: 100, 50, 50, 0); in 2022 a three-way tie at the top and one missing value
DATA = """
unit,year,x
A,2021,3
B,2021,2
C,2021,2
D,2021,1
E,2021,0.5
A,2022,5
B,2022,5
C,2022,5
D,2022,1
E,2022,
"""
CONFIG = table_config({"x": 1}, """
[nodes.index]
children = ["x"]
""", index_id="ties")

EXPECTED = {
    ("A", 2021): 1, ("B", 2021): 2, ("C", 2021): 2, ("D", 2021): 4, ("E", 2021): 5,
    ("A", 2022): 1, ("B", 2022): 1, ("C", 2022): 1, ("D", 2022): 4,
}


def test_ties_share_the_best_rank_and_the_next_rank_skips(write_config):
    result = zhishu.run(write_config(CONFIG, data__csv=DATA))
    ranks = result.ranks["index"]
    assert {k: int(v) for k, v in ranks.dropna().items()} == EXPECTED
    assert ranks.loc[("E", 2022)] is pd.NA  # missing score: no rank (ranks are nullable integers)
    assert result.scores.loc[("B", 2021), "index"] == result.scores.loc[("C", 2021), "index"]  # a real tie


def test_the_sensitivity_engine_ranks_the_same_way():
    S = np.array([[3.0, 5.0], [2.0, 5.0], [2.0, 5.0], [1.0, 1.0], [0.5, np.nan]])  # units × 2 replications
    out = rank_columns(S, np.zeros(5, dtype=int))
    np.testing.assert_array_equal(out[:, 0], [1, 2, 2, 4, 5])
    np.testing.assert_array_equal(out[:, 1], [1, 1, 1, 4, np.nan])
    # two years side by side: each ranked on its own
    both = rank_columns(np.array([[3.0], [2.0], [2.0], [1.0], [9.0], [9.0]]), np.array([0, 0, 0, 0, 1, 1]))
    np.testing.assert_array_equal(both[:, 0], [1, 2, 2, 4, 1, 1])


@pytest.mark.parametrize("scores, expected", [
    ([3, 2, 2, 1], [1, 2, 2, 4]),
    ([1, 1, 1, 1], [1, 1, 1, 1]),
    ([4, 4, 2, 2, 1], [1, 1, 3, 3, 5]),
])
def test_competition_ranking_examples(scores, expected):
    np.testing.assert_array_equal(rank_columns(np.array(scores, dtype=float)[:, None], np.zeros(len(scores)))[:, 0],
                                  expected)


def test_nullable_ranks_by_hand():
    from zhishu.results import nullable_ranks

    index = pd.MultiIndex.from_tuples([("P", 2021), ("Q", 2021)], names=["unit", "year"])
    ranks = pd.DataFrame({"root": [1.0, 2.0], "x": [np.nan, 1.0]}, index=index)
    out = nullable_ranks(ranks)
    assert list(out.dtypes) == [pd.Int64Dtype()] * 2 and out.index is ranks.index
    assert out["root"].tolist() == [1, 2] and out["x"].isna().tolist() == [True, False] and out.loc[("Q", 2021), "x"] == 1
    fractional = ranks.assign(x=[0.5, -1.7])  # not a rank: truncated as pandas casts it
    pd.testing.assert_frame_equal(nullable_ranks(fractional), fractional.astype("Float64").astype("Int64"))


def test_nullable_rank_is_pandas_rank_per_year_as_integers():
    """Result.ranks (ranked a few columns at a time straight into Int64 data and masks) equals pandas' own
    ``groupby(year).rank(method="min", ascending=False)`` cast to Int64, with ties, NaN, ±inf and several
    years — and blocks smaller than a column (``BLOCK_ELEMENTS`` patched) and the one-column-at-a-time gather of
    long columns (``ROW_GATHER_MIN`` patched) give the same."""
    from zhishu import ranks as ranks_module
    from zhishu.pipeline import nullable_rank, rank

    rng = np.random.default_rng(3)
    n = 40
    index = pd.MultiIndex.from_arrays([[f"u{i}" for i in range(n)], rng.integers(2020, 2023, n)],
                                      names=["unit", "year"])
    values = rng.integers(0, 5, size=(n, 7)).astype(float)
    values[rng.random(values.shape) < 0.2] = np.nan
    values[0, 1], values[1, 1], values[2, 2] = -np.inf, np.inf, -np.inf
    scores = pd.DataFrame(values, index=index, columns=[f"c{j}" for j in range(7)])
    expected = (scores.groupby(level="year").rank(method="min", ascending=False)
                .astype("Float64").astype("Int64"))
    pd.testing.assert_frame_equal(nullable_rank(scores), expected)
    pd.testing.assert_frame_equal(rank(scores), expected.astype("float64"))
    old = ranks_module.BLOCK_ELEMENTS, ranks_module.ROW_GATHER_MIN
    try:
        ranks_module.BLOCK_ELEMENTS = 3  # one column per block
        pd.testing.assert_frame_equal(nullable_rank(scores), expected)
        ranks_module.BLOCK_ELEMENTS, ranks_module.ROW_GATHER_MIN = old[0], 0
        pd.testing.assert_frame_equal(nullable_rank(scores), expected)
        pd.testing.assert_frame_equal(rank(scores), expected.astype("float64"))
    finally:
        ranks_module.BLOCK_ELEMENTS, ranks_module.ROW_GATHER_MIN = old
