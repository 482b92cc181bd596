"""The means of columns (``aggregate_columns``, the sensitivity engine's path for the built-in arithmetic and
geometric means) give the bits of ``aggregate_array``, which stacks the children on a last axis and sums it:
:func:`pairwise_sum` adds separate arrays in the order of numpy's add-reduce over a contiguous axis — checked
against ``.sum(axis=-1)`` itself for widths 1 … 300 (every branch of numpy's pairwise summation) on values with
0.0, -0.0, subnormals, huge values, infinities and NaN, and against sums worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from zhishu.default_plugins.aggregators import Arithmetic, Geometric, pairwise_sum

SPECIAL = [0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e308, -1e308, 2.0**53, 1e-300,
           3.0, 0.1]
FLOATS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=False, allow_infinity=False, width=64))
ANY = st.one_of(FLOATS, st.sampled_from([np.inf, -np.inf, np.nan]))
# every branch: < 8 terms (left to right), 8 … 128 (8 running sums, then the rest), > 128 (halves)
WIDTHS = st.one_of(st.integers(1, 20), st.integers(21, 140), st.integers(141, 300))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit, except that any NaN matches any NaN (the payload is never written anywhere)."""
    nan = np.isnan(a)
    return bool((nan == np.isnan(b)).all() and (a[~nan].view("u8") == b[~nan].view("u8")).all())


def _stacked_sum(terms: list[np.ndarray]) -> np.ndarray:
    return np.stack(terms, axis=-1).sum(axis=-1)  # contiguous last axis, as aggregate_array's products


@settings(max_examples=200, deadline=None)
@given(data=st.data(), k=WIDTHS, rows=st.integers(1, 4), reps=st.integers(1, 5), specials=st.booleans())
def test_pairwise_sum_is_numpys_sum_of_a_contiguous_last_axis(data, k, rows, reps, specials):
    elements = ANY if specials else FLOATS
    A = data.draw(hnp.arrays(np.float64, (rows, reps, k), elements=elements))
    terms = [np.ascontiguousarray(A[:, :, j]) for j in range(k)]
    kept = [t.copy() for t in terms]
    with np.errstate(all="ignore"):
        expected = _stacked_sum(terms)
        got = pairwise_sum(terms)
    assert _same_bits(got, expected), (k, A)
    assert all(t.tobytes() == c.tobytes() for t, c in zip(terms, kept))  # the terms are not changed


@pytest.mark.parametrize("k", [*range(1, 40), 63, 64, 65, 127, 128, 129, 130, 136, 255, 256, 257, 511, 1030])
def test_pairwise_sum_on_wide_random_values(k):
    rng = np.random.default_rng(k)
    A = rng.standard_normal((6, 50, k)) * 10.0 ** rng.integers(-30, 30, (6, 50, k))
    A[rng.random(A.shape) < 0.1] = -0.0
    terms = [np.ascontiguousarray(A[:, :, j]) for j in range(k)]
    assert pairwise_sum(terms).tobytes() == A.sum(axis=2).tobytes()


def test_pairwise_sum_by_hand():
    one = np.array([1.0])
    big = np.array([2.0**53])
    # -0.0 alone sums to 0.0: the reduction starts at its identity 0.0
    assert np.signbit(pairwise_sum([np.array([-0.0])]))[0] == False  # noqa: E712
    # below 8 terms, left to right: (2^53 + 1) + 1 rounds twice to 2^53 (ties to even); not 2^53 + (1 + 1)
    assert pairwise_sum([big, one, one])[0] == 2.0**53
    # 16 terms: running sums r0 = 2^53 + 1 = 2^53 (ties to even) and r1 … r7 = 1 + 1 = 2, combined in pairs:
    # 2^53 + 14, where adding left to right would give 2^53
    assert pairwise_sum([big] + [one] * 15)[0] == 2.0**53 + 14
    # 11 terms: 8 running sums (2^53, 1, …, 1) → ((2^53 + 1) + 2) + 4 = 2^53 + 6 … plus the 3 left over one by
    # one: 2^53 + 7 rounds to 2^53 + 8 (ties to even), + 1 → 2^53 + 9 rounds to 2^53 + 8, + 1 → 2^53 + 8
    assert pairwise_sum([big] + [one] * 10)[0] == 2.0**53 + 8


# --------------------------------------------------------------------------------------------- the means


def _columns(data, rows, reps, k, elements):
    """k columns, each (rows × reps) or (rows × 1) — one shared by every replication — and their stack
    (rows × reps × k, contiguous) as the engine builds it for aggregate_array."""
    shared = data.draw(st.lists(st.booleans(), min_size=k, max_size=k))
    cols = [data.draw(hnp.arrays(np.float64, (rows, 1 if s else reps), elements=elements)) for s in shared]
    V = np.empty((rows, reps, k))
    for j, c in enumerate(cols):
        V[:, :, j] = c
    if all(shared):  # the engine passes children shared by every replication as one (rows × k) block
        V = np.ascontiguousarray(V[:, 0, :])
    return cols, V


WEIGHTS = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 1e-300, 1e300]), st.floats(0.0, 1e6))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), k=st.one_of(st.integers(1, 9), st.integers(10, 140)), rows=st.integers(1, 4),
       reps=st.integers(1, 4))
def test_arithmetic_columns_are_aggregate_array_bit_for_bit(data, k, rows, reps):
    cols, V = _columns(data, rows, reps, k, FLOATS)
    W = data.draw(hnp.arrays(np.float64, (reps, k), elements=WEIGHTS))
    with np.errstate(all="ignore"):
        expected = Arithmetic().aggregate_array(V, W)
        got = Arithmetic().aggregate_columns(cols, W)
    assert got.shape == expected.shape == (rows, reps)
    assert _same_bits(got, expected)


POSITIVE = st.one_of(st.sampled_from([1e-300, 5e-324, 1.0, 100.0, 1e300, 0.0, -0.0, -1.0]),
                     st.floats(-10.0, 1e6))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), k=st.one_of(st.integers(1, 9), st.integers(10, 40)), rows=st.integers(1, 4),
       reps=st.integers(1, 4), offset=st.sampled_from([0.0, 2.5, 1e-3]))
def test_geometric_columns_are_aggregate_array_bit_for_bit(data, k, rows, reps, offset):
    """Values ≤ −offset (whose logarithms are −inf or NaN, which aggregate_array turns into finite numbers)
    included: the engine only meets them where the variant checks let them through, but the bits still agree."""
    cols, V = _columns(data, rows, reps, k, POSITIVE)
    W = data.draw(hnp.arrays(np.float64, (reps, k), elements=WEIGHTS))
    method = Geometric(offset=offset)
    with np.errstate(all="ignore"):
        expected = method.aggregate_array(V, W)
        got = method.aggregate_columns(cols, W)
    assert got.shape == expected.shape == (rows, reps)
    assert _same_bits(got, expected)


def test_geometric_columns_by_hand():
    """(4^0.25 · 64^0.75) = 2^0.5 · 2^4.5 = 32 for the shared column pair; weights (1, 3) and (1, 1)."""
    cols = [np.array([[4.0]]), np.array([[64.0]])]
    got = Geometric().aggregate_columns(cols, np.array([[1.0, 3.0], [1.0, 1.0]]))
    np.testing.assert_allclose(got, [[32.0, 16.0]], rtol=1e-15)
    got = Arithmetic().aggregate_columns(cols, np.array([[1.0, 3.0], [1.0, 1.0]]))
    assert got.tolist() == [[49.0, 34.0]]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("method", [Arithmetic(), Geometric()])
def test_columns_with_a_missing_or_infinite_value_are_left_to_aggregate_array(method, bad):
    cols = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0], [bad]])]
    assert method.aggregate_columns(cols, np.ones((2, 2))) is None
