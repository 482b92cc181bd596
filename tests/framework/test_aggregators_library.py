"""The aggregator library: geometric with an offset, harmonic, generalised (power) mean, minimum, Copeland and
TOPSIS — hand-computed and published worked examples, missing children, golden error messages, invariants,
the zhishu.testing contracts, and end-to-end runs through a TOML config."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import ConfigError, DataError
from zhishu.config import load_config
from zhishu.default_plugins import aggregators
from zhishu.default_plugins.aggregators import (
    Arithmetic,
    Copeland,
    Generalised,
    Geometric,
    Harmonic,
    Minimum,
    Topsis,
    copeland_scores,
    power_mean,
    topsis_closeness,
)
from zhishu.testing import check_aggregator, sample_frame
from toy_index import table_config

PROPERTY = settings(max_examples=30, deadline=None)
NAN = float("nan")


def frame(rows, columns=("x", "y"), units=None, years=None) -> pd.DataFrame:
    n = len(rows)
    units = units or [f"u{i}" for i in range(n)]
    years = years or [2020] * n
    index = pd.MultiIndex.from_arrays([units, years], names=["unit", "year"])
    return pd.DataFrame(rows, index=index, columns=list(columns), dtype="float64")


def weights(**w: float) -> pd.Series:
    return pd.Series(w, dtype="float64")


W = weights(x=0.25, y=0.75)


def values_of(out: pd.Series) -> list[float]:
    return out.tolist()


# ============================================================================================ geometric + offset


def test_geometric_offset_by_hand():
    X = frame([[0.0, 80.0]])
    # equal weights: sqrt((0 + 1) * (80 + 1)) - 1 = sqrt(81) - 1 = 9 - 1 = 8
    assert Geometric(offset=1.0).aggregate(X, weights(x=1, y=1)).iloc[0] == pytest.approx(8.0, rel=1e-14)
    # weights 1/4, 3/4: 1 ** 0.25 * 81 ** 0.75 - 1 = 27 - 1 = 26
    assert Geometric(offset=1.0).aggregate(X, W).iloc[0] == pytest.approx(26.0, rel=1e-14)


def test_geometric_offset_fixes_non_positive_values():
    X = frame([[-0.5, 2.0]])
    # (-0.5 + 1) ** 0.5 * (2 + 1) ** 0.5 - 1 = sqrt(0.5 * 3) - 1 = sqrt(1.5) - 1
    out = Geometric(offset=1.0).aggregate(X, weights(x=1, y=1)).iloc[0]
    assert out == pytest.approx(math.sqrt(1.5) - 1, rel=1e-14)


def test_geometric_offset_zero_is_the_plain_geometric_mean():
    X = frame([[40.0, 90.0]])
    assert Geometric().offset == 0.0
    assert Geometric(offset=0.0).aggregate(X, W).iloc[0] == pytest.approx(40**0.25 * 90**0.75, rel=1e-13)


def test_geometric_offset_missing_child_renormalised():
    X = frame([[NAN, 8.0], [3.0, NAN]])
    # a single child present: (8 + 1) ** 1 - 1 = 8 and (3 + 1) - 1 = 3, whatever the weights
    assert values_of(Geometric(offset=1.0).aggregate(X, W)) == pytest.approx([8.0, 3.0], rel=1e-14)


def test_geometric_offset_error_names_unit_year_child_and_offset():
    X = frame([[1.0, 2.0], [-1.5, NAN], [0.0, -1.0]], units=["北京", "c", "d"], years=[2020, 2020, 2021])
    with pytest.raises(DataError) as info:
        Geometric(offset=1.0).aggregate(X, W)
    assert str(info.value) == (
        "2 problems in the input data:\n"
        "  x = -1.5 at unit 'c', year 2020; the geometric mean with offset = 1 needs values > -1 "
        "(raise the offset or normalise to a positive range)\n"
        "  y = -1 at unit 'd', year 2021; the geometric mean with offset = 1 needs values > -1 "
        "(raise the offset or normalise to a positive range)"
    )


# ============================================================================================ harmonic


def test_harmonic_by_hand():
    # 1 / (0.25 / 2 + 0.75 / 6) = 1 / (0.125 + 0.125) = 4
    assert Harmonic().aggregate(frame([[2.0, 6.0]]), W).iloc[0] == pytest.approx(4.0, rel=1e-15)
    # equal weights on 1, 3: 2 / (1 + 1/3) = 1.5
    assert Harmonic().aggregate(frame([[1.0, 3.0]]), weights(x=1, y=1)).iloc[0] == pytest.approx(1.5, rel=1e-15)


def test_harmonic_missing_child_renormalised():
    X = frame([[2.0, NAN, 4.0]], columns=("a", "b", "c"))
    # weights 0.2, 0.5, 0.3 -> 0.4, 0.6 over a and c: 1 / (0.4 / 2 + 0.6 / 4) = 1 / 0.35
    out = Harmonic().aggregate(X, weights(a=0.2, b=0.5, c=0.3)).iloc[0]
    assert out == pytest.approx(1 / 0.35, rel=1e-14)
    assert math.isnan(Harmonic().aggregate(frame([[NAN, NAN]]), W).iloc[0])


def test_harmonic_rejects_non_positive_values():
    X = frame([[0.0, 1.0], [2.0, -3.0]], years=[2020, 2022])
    with pytest.raises(DataError) as info:
        Harmonic().aggregate(X, W)
    assert [i.message for i in info.value.issues] == [
        "x = 0 at unit 'u0', year 2020; the harmonic mean needs values > 0 "
        "(normalise to a positive range, e.g. minmax with low = 1)",
        "y = -3 at unit 'u1', year 2022; the harmonic mean needs values > 0 "
        "(normalise to a positive range, e.g. minmax with low = 1)",
    ]


def test_non_positive_errors_list_ten_and_count_the_rest():
    X = frame([[0.0, -1.0]] * 7)
    with pytest.raises(DataError) as info:
        Harmonic().aggregate(X, W)
    assert len(info.value.issues) == 11
    assert info.value.issues[-1].message == "… and 4 more values <= 0"


# ============================================================================================ generalised


@pytest.mark.parametrize(
    ("p", "row", "w", "expected"),
    [
        (2.0, [1.0, 7.0], (1, 1), 5.0),  # sqrt((1 + 49) / 2) = sqrt(25)
        (0.5, [1.0, 9.0], (1, 1), 4.0),  # ((sqrt(1) + sqrt(9)) / 2) ** 2 = 2 ** 2
        (3.0, [0.0, 2.0], (1, 3), 6 ** (1 / 3)),  # (0.25 * 0 + 0.75 * 8) ** (1/3); zeros allowed for p > 0
        (-1.0, [2.0, 6.0], (1, 3), 4.0),  # harmonic: 1 / (0.25 / 2 + 0.75 / 6)
        (-2.0, [1.0, 1 / 7], (1, 1), 1 / 5),  # ((1 + 49) / 2) ** (-1/2) = 1 / 5
        (1.0, [40.0, 90.0], (1, 3), 77.5),  # arithmetic: 10 + 67.5
        (0.0, [2.0, 8.0], (1, 1), 4.0),  # geometric: sqrt(16)
    ],
)
def test_generalised_by_hand(p, row, w, expected):
    out = Generalised(p=p).aggregate(frame([row]), weights(x=w[0], y=w[1])).iloc[0]
    assert out == pytest.approx(expected, rel=1e-12)


def test_generalised_tiny_and_huge_orders_are_accurate():
    X = frame([[1.0, 4.0, 9.0]], columns=("a", "b", "c"))
    w = weights(a=1, b=1, c=2)
    geometric = (1 * 4 * 9 * 9) ** 0.25  # 324 ** 0.25 = sqrt(18)
    for p in (1e-12, -1e-12):  # no loss of precision near p = 0
        assert Generalised(p=p).aggregate(X, w).iloc[0] == pytest.approx(geometric, rel=1e-10)
    # no overflow for large |p|: the mean tends to the maximum / minimum
    # p = 1000: 9 * (0.5 + 0.25 * (4/9) ** 1000 + 0.25 * (1/9) ** 1000) ** (1/1000) = 9 * 0.5 ** 0.001
    assert Generalised(p=1000.0).aggregate(X, w).iloc[0] == pytest.approx(9 * 0.5**0.001, rel=1e-12)
    # p = -1000: 1 * (0.25 + …) ** (-1/1000) = 0.25 ** -0.001 (the other terms underflow)
    assert Generalised(p=-1000.0).aggregate(X, w).iloc[0] == pytest.approx(0.25**-0.001, rel=1e-12)


def test_generalised_default_order_is_arithmetic():
    assert Generalised().p == 1.0
    assert Generalised().aggregate(frame([[40.0, 90.0]]), W).iloc[0] == pytest.approx(77.5, rel=1e-14)


def test_generalised_missing_child_renormalised():
    X = frame([[1.0, NAN, 7.0], [NAN, NAN, NAN], [NAN, 3.0, NAN]], columns=("a", "b", "c"))
    out = Generalised(p=2.0).aggregate(X, weights(a=1, b=5, c=1))
    # row 0: weights 1/2, 1/2 over a and c: sqrt((1 + 49) / 2) = 5; row 1: nothing present; row 2: only b
    assert out.iloc[0] == pytest.approx(5.0, rel=1e-14)
    assert math.isnan(out.iloc[1])
    assert out.iloc[2] == pytest.approx(3.0, rel=1e-14)


def test_generalised_rejects_values_by_order():
    with pytest.raises(DataError) as info:
        Generalised(p=-1.0).aggregate(frame([[0.0, 1.0]]), W)
    assert info.value.issues[0].message == (
        "x = 0 at unit 'u0', year 2020; the generalised mean of order p = -1 needs values > 0 "
        "(normalise to a positive range, e.g. minmax with low = 1)"
    )
    with pytest.raises(DataError) as info:
        Generalised(p=0.0).aggregate(frame([[1.0, 0.0]]), W)
    assert info.value.issues[0].message.startswith("y = 0 at unit 'u0', year 2020; the generalised mean of order p = 0")
    with pytest.raises(DataError) as info:
        Generalised(p=2.0).aggregate(frame([[1.0, -0.5]]), W)
    assert info.value.issues[0].message == (
        "y = -0.5 at unit 'u0', year 2020; the generalised mean of order p = 2 needs values >= 0 "
        "(normalise to a positive range, e.g. minmax with low = 1, or use the arithmetic mean)"
    )


@pytest.mark.parametrize("p", [math.inf, -math.inf, math.nan])
def test_generalised_order_must_be_finite(p):
    with pytest.raises(ValueError, match="p must be a finite number"):
        Generalised(p=p)


# ============================================================================================ minimum


def test_minimum_by_hand():
    X = frame([[3.0, 1.0, 2.0], [3.0, NAN, 2.0], [NAN, NAN, NAN], [NAN, 5.0, NAN]], columns=("a", "b", "c"))
    out = Minimum().aggregate(X, weights(a=0.2, b=0.5, c=0.3))
    assert out.iloc[:2].tolist() == [1.0, 2.0]  # min(3, 1, 2); min(3, 2) with b missing
    assert math.isnan(out.iloc[2])
    assert out.iloc[3] == 5.0


def test_minimum_ignores_zero_weight_children():
    X = frame([[3.0, 1.0, 2.0], [NAN, 1.0, NAN]], columns=("a", "b", "c"))
    out = Minimum().aggregate(X, weights(a=1, b=0, c=1))
    assert out.iloc[0] == 2.0  # b weighs nothing: min(3, 2)
    assert math.isnan(out.iloc[1])  # only a zero-weight child present


def test_minimum_accepts_any_real_values():
    out = Minimum().aggregate(frame([[-3.5, 0.0]]), W)
    assert out.iloc[0] == -3.5


# ============================================================================================ Copeland


def test_copeland_tennessee_capital_example():
    """Wikipedia, "Copeland's method" (the Tennessee capital example; also used for "Condorcet method"):
    42 % of voters rank Memphis > Nashville > Chattanooga > Knoxville, 26 % Nashville > Chattanooga > Knoxville >
    Memphis, 15 % Chattanooga > Knoxville > Nashville > Memphis, 17 % Knoxville > Chattanooga > Nashville > Memphis.
    Each voter bloc is a child weighted by its share; a city's value is 4 − its position. Published result:
    Nashville wins all 3 contests (+3), Chattanooga 2 wins 1 loss (+1), Knoxville 1 win 2 losses (−1),
    Memphis 3 losses (−3)."""
    X = frame(
        [
            [4.0, 1.0, 1.0, 1.0],  # Memphis
            [3.0, 4.0, 2.0, 2.0],  # Nashville
            [2.0, 3.0, 4.0, 3.0],  # Chattanooga
            [1.0, 2.0, 3.0, 4.0],  # Knoxville
        ],
        columns=("memphis_voters", "nashville_voters", "chattanooga_voters", "knoxville_voters"),
        units=["Memphis", "Nashville", "Chattanooga", "Knoxville"],
    )
    w = weights(memphis_voters=42, nashville_voters=26, chattanooga_voters=15, knoxville_voters=17)
    # Nashville vs Memphis: 26 + 15 + 17 = 58 > 42; vs Chattanooga 42 + 26 = 68 > 32; vs Knoxville 68 > 32
    # Chattanooga vs Memphis 58 > 42, vs Knoxville 42 + 26 + 15 = 83 > 17; Knoxville vs Memphis 58 > 42
    assert Copeland().aggregate(X, w).tolist() == [-3.0, 3.0, 1.0, -1.0]


def test_copeland_ties_count_for_neither():
    # A = (1, 2), B = (2, 1), equal weights: A > B on y (1/2), B > A on x (1/2): no one outranks
    # C = (1, 1): A > C on y, C = A on x (a tie in a child counts for neither): A outranks C
    #             B > C on x, tie on y: B outranks C
    X = frame([[1.0, 2.0], [2.0, 1.0], [1.0, 1.0]], units=["A", "B", "C"])
    assert Copeland().aggregate(X, weights(x=1, y=1)).tolist() == [1.0, 1.0, -2.0]


def test_copeland_compares_only_children_present_for_both():
    # weights a 0.5, b 0.3, c 0.2
    # A = (5, NaN, 1), B = (3, 9, 2), C = (1, 2, 3)
    # A vs B on a, c only: A > B on a (0.5), B > A on c (0.2) -> A outranks B (b is not compared)
    # A vs C on a, c: A > C on a (0.5), C > A on c (0.2) -> A outranks C
    # B vs C on a, b, c: B > C on a and b (0.8), C > B on c (0.2) -> B outranks C
    X = frame([[5.0, NAN, 1.0], [3.0, 9.0, 2.0], [1.0, 2.0, 3.0]], columns=("a", "b", "c"), units=["A", "B", "C"])
    w = weights(a=0.5, b=0.3, c=0.2)
    assert Copeland().aggregate(X, w).tolist() == [2.0, 0.0, -2.0]
    # had A's b been present and low (A = (5, 0, 1)), A would tie with B (a: 0.5 vs b + c: 0.3 + 0.2) and with
    # C (0.5 vs 0.3 + 0.2): A 0, B 1 (outranks C), C -1
    X.loc[("A", 2020), "b"] = 0.0
    assert Copeland().aggregate(X, w).tolist() == [0.0, 1.0, -1.0]


def test_copeland_missing_unit_and_zero_weights():
    X = frame([[1.0, 5.0], [NAN, NAN], [2.0, 0.0], [NAN, 9.0]], units=["A", "B", "C", "D"])
    out = Copeland().aggregate(X, weights(x=1, y=0))
    # y weighs nothing: only x counts. B has no value; D has only y, which weighs nothing (NaN, outranks nobody)
    # A vs C: C > A on x -> C outranks A
    assert math.isnan(out.iloc[1]) and math.isnan(out.iloc[3])
    assert out.iloc[[0, 2]].tolist() == [-1.0, 1.0]


def test_copeland_compares_units_within_a_year_only():
    X = frame([[1.0, 1.0], [2.0, 2.0], [9.0, 9.0], [0.0, 0.0]], units=["A", "B", "A", "B"],
              years=[2020, 2020, 2021, 2021])
    # 2020: B outranks A; 2021: A outranks B (across years, A 2021 would outrank everyone)
    assert Copeland().aggregate(X, weights(x=1, y=1)).tolist() == [-1.0, 1.0, 1.0, -1.0]


def test_copeland_blocks_give_the_same_scores():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 4, size=(23, 5)).astype("float64")
    values[rng.random(values.shape) < 0.2] = np.nan
    w = rng.random(5)
    whole = copeland_scores(values, w, block=10**9)
    for block in (1, 7, 5 * 23, 5 * 23 * 4):
        np.testing.assert_array_equal(copeland_scores(values, w, block=block), whole)


# ============================================================================================ TOPSIS


def test_topsis_jmcdm_example():
    """JMcDM (Julia MCDM package) test suite, TOPSIS: decision matrix with criteria columns [9, 8, 7],
    [7, 7, 8], [6, 9, 6], [7, 6, 6], weights [4, 2, 6, 8], all maximised; published scores
    [0.3876870, 0.6503238, 0.0834767] (tolerance 1e-5)."""
    X = frame([[9.0, 7.0, 6.0, 7.0], [8.0, 7.0, 9.0, 6.0], [7.0, 8.0, 6.0, 6.0]], columns=("c1", "c2", "c3", "c4"))
    out = Topsis().aggregate(X, weights(c1=4, c2=2, c3=6, c4=8))
    np.testing.assert_allclose(out.tolist(), [0.3876870, 0.6503238, 0.0834767], atol=1e-7)


def test_topsis_vector_normalisation_does_not_overflow():
    X = frame([[9.0, 7.0], [8.0, 7.5], [7.0, 8.0]])
    out = Topsis().aggregate(X, W)
    pd.testing.assert_series_equal(Topsis().aggregate(X * 1e200, W), out, rtol=1e-12)  # Σ x² would be inf
    pd.testing.assert_series_equal(Topsis().aggregate(X * 1e-200, W), out, rtol=1e-12)  # Σ x² would be 0


def test_topsis_hodgett_car_example():
    """R. Hodgett, "TOPSIS in Excel" (hodgett.co.uk), also the example of the R package MCDA's TOPSIS(): Corsa,
    Clio, Fiesta on purchase price (minimised), economy, aesthetics, boot capacity; weights 0.35, 0.25, 0.25,
    0.15. Published ideal (0.179573776, 0.171636015, 0.159499658, 0.087302767) and anti-ideal (0.212610118,
    0.124958799, 0.131352659, 0.085797547) weighted normalised values. zhishu gives aggregators values already
    multiplied by the direction, so the price arrives negated (its ideal is then −0.1796, the same distances)."""
    raw = [[5490.0, 51.4, 8.5, 285.0], [6500.0, 70.6, 7.0, 288.0], [6489.0, 54.3, 7.5, 290.0]]
    X = frame([[-r[0], *r[1:]] for r in raw], columns=("price", "economy", "aesthetics", "boot"),
              units=["Corsa", "Clio", "Fiesta"])
    w = weights(price=0.35, economy=0.25, aesthetics=0.25, boot=0.15)
    ideal = [0.179573776, 0.171636015, 0.159499658, 0.087302767]
    anti = [0.212610118, 0.124958799, 0.131352659, 0.085797547]
    # by hand: v = w * x / sqrt(Σ x²) per column; distances to the published ideal and anti-ideal
    norms = [math.sqrt(sum(r[j] ** 2 for r in raw)) for j in range(4)]
    wv = [0.35, 0.25, 0.25, 0.15]
    expected = []
    for r in raw:
        v = [wv[j] * r[j] / norms[j] for j in range(4)]
        d_plus = math.sqrt(sum((v[j] - ideal[j]) ** 2 for j in range(4)))
        d_minus = math.sqrt(sum((v[j] - anti[j]) ** 2 for j in range(4)))
        expected.append(d_minus / (d_plus + d_minus))
    out = Topsis().aggregate(X, w)
    np.testing.assert_allclose(out.tolist(), expected, rtol=1e-7)  # the published values have 9 decimals
    assert out.idxmax() == ("Clio", 2020)


def test_topsis_by_hand_without_vector_normalisation_and_a_missing_child():
    # v = 0.5 x. column x: 0.5, 1, 1.5; column y: 1.5, -, 1. ideal (1.5, 1.5), anti-ideal (0.5, 1)
    # A: d+ = sqrt(1² + 0) = 1, d- = sqrt(0 + 0.5²) = 0.5 -> 0.5 / 1.5 = 1/3
    # B: only x: d+ = |1 - 1.5| = 0.5, d- = |1 - 0.5| = 0.5 -> 1/2
    # C: d+ = sqrt(0 + 0.5²) = 0.5, d- = sqrt(1² + 0) = 1 -> 1 / 1.5 = 2/3
    X = frame([[1.0, 3.0], [2.0, NAN], [3.0, 2.0]])
    out = Topsis(vector_normalise=False).aggregate(X, weights(x=1, y=1))
    np.testing.assert_allclose(out.tolist(), [1 / 3, 1 / 2, 2 / 3], rtol=1e-14)


def test_topsis_by_hand_with_vector_normalisation_and_scale():
    # each column is a permutation of 1, 2, 3: norm sqrt(14), equal weights: a common factor that cancels
    # A (1, 3): d+ = sqrt(4 + 0) = 2, d- = sqrt(0 + 4) = 2 -> 0.5
    # B (2, 1): d+ = sqrt(1 + 4) = sqrt(5), d- = sqrt(1 + 0) = 1 -> 1 / (1 + sqrt(5))
    # C (3, 2): d+ = sqrt(0 + 1) = 1, d- = sqrt(4 + 1) = sqrt(5) -> sqrt(5) / (1 + sqrt(5))
    X = frame([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    out = Topsis(scale=100.0).aggregate(X, weights(x=1, y=1))
    s5 = math.sqrt(5)
    np.testing.assert_allclose(out.tolist(), [50.0, 100 / (1 + s5), 100 * s5 / (1 + s5)], rtol=1e-14)


def test_topsis_no_spread_scores_one_half_and_empty_rows_are_missing():
    X = frame([[2.0, 5.0], [2.0, 5.0], [NAN, NAN]])  # every unit equals the ideal and the anti-ideal
    out = Topsis(scale=10.0).aggregate(X, W)
    assert out.iloc[:2].tolist() == [5.0, 5.0] and math.isnan(out.iloc[2])
    single = Topsis().aggregate(frame([[1.0, 2.0]]), W)  # one unit in a year
    assert single.iloc[0] == 0.5


def test_topsis_zero_column_and_zero_weight():
    # x is 0 everywhere (norm 0: stays 0, no distance); y decides: A 1 -> anti-ideal, B 3 -> ideal
    X = frame([[0.0, 1.0], [0.0, 3.0]])
    assert Topsis().aggregate(X, W).tolist() == [0.0, 1.0]
    # a child with weight 0 is ignored; a row with only zero-weight children present is missing
    X = frame([[9.0, 1.0], [0.0, 3.0], [5.0, NAN]])
    out = Topsis().aggregate(X, weights(x=0, y=1))
    assert out.iloc[:2].tolist() == [0.0, 1.0] and math.isnan(out.iloc[2])


def test_topsis_compares_units_within_a_year_only():
    X = frame([[1.0, 1.0], [2.0, 2.0], [9.0, 9.0], [0.5, 0.5]], years=[2020, 2020, 2021, 2021])
    assert Topsis().aggregate(X, W).tolist() == [0.0, 1.0, 1.0, 0.0]


def test_topsis_params_are_validated():
    with pytest.raises(ValueError, match=r"scale must be positive \(e.g. 1 or 100\), got 0"):
        Topsis(scale=0.0)
    with pytest.raises(ValueError, match="scale must be a finite number"):
        Topsis(scale=math.inf)


def test_by_year_flags():
    assert Copeland.by_year is True and Topsis.by_year is True
    for cls in (Arithmetic, Geometric, Harmonic, Generalised, Minimum):
        assert not getattr(cls, "by_year", False)


# ============================================================================================ contracts


FACTORIES = {
    "arithmetic": Arithmetic,
    "geometric": Geometric,
    "geometric offset 1": lambda: Geometric(offset=1.0),
    "harmonic": Harmonic,
    "generalised p -2": lambda: Generalised(p=-2.0),
    "generalised p 0": lambda: Generalised(p=0.0),
    "generalised p 3": lambda: Generalised(p=3.0),
    "minimum": Minimum,
    "copeland": Copeland,
    "topsis": Topsis,
    "topsis raw x 100": lambda: Topsis(vector_normalise=False, scale=100.0),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_contracts(name):
    X = sample_frame()
    check_aggregator(FACTORIES[name], name=name)  # every year at once (by-year methods group by year)
    one_year = X[X.index.get_level_values("year") == X.index.get_level_values("year")[0]]
    check_aggregator(FACTORIES[name], one_year, name=name)  # one year, as the pipeline calls by-year methods


def test_every_method_is_registered():
    found = {}
    aggregators.register_aggregators(register=lambda name, cls: found.setdefault(name, cls))
    assert found == {
        "arithmetic": Arithmetic,
        "geometric": Geometric,
        "harmonic": Harmonic,
        "generalised": Generalised,
        "minimum": Minimum,
        "copeland": Copeland,
        "topsis": Topsis,
    }


# ============================================================================================ properties


@st.composite
def problems(draw, low: float = 0.01, nan: bool = True, max_rows: int = 8, integers: bool = False):
    """(X, w): 1-5 children, 1-8 rows in one year, positive weights."""
    k = draw(st.integers(1, 5))
    n = draw(st.integers(1, max_rows))
    elem = st.integers(-20, 20).map(float) if integers else st.floats(low, 1000)
    if nan:
        elem = st.one_of(elem, st.just(NAN))
    rows = draw(st.lists(st.lists(elem, min_size=k, max_size=k), min_size=n, max_size=n))
    columns = [f"c{j}" for j in range(k)]
    w = pd.Series(draw(st.lists(st.floats(0.01, 100), min_size=k, max_size=k)), index=columns)
    return frame(rows, columns=columns), w


MEANS = {
    "arithmetic": Arithmetic,
    "geometric": Geometric,
    "geometric offset": lambda: Geometric(offset=5.0),
    "harmonic": Harmonic,
    "generalised p -3.5": lambda: Generalised(p=-3.5),
    "generalised p 0.3": lambda: Generalised(p=0.3),
    "generalised p 7": lambda: Generalised(p=7.0),
}
ALL = {**MEANS, "minimum": Minimum, "copeland": Copeland, "topsis": Topsis}


@PROPERTY
@given(problems())
def test_means_lie_between_row_min_and_max(p):
    X, w = p
    lo, hi = X.min(axis=1), X.max(axis=1)
    for name, make in MEANS.items():
        out = make().aggregate(X, w)
        assert out.isna().equals(X.isna().all(axis=1)), name
        assert ((out >= lo * (1 - 1e-12)) & (out <= hi * (1 + 1e-12)) | out.isna()).all(), name


@PROPERTY
@given(problems(), st.floats(-30, 30), st.floats(-30, 30))
def test_power_mean_is_monotone_in_p(problem, p, q):
    X, w = problem
    p, q = min(p, q), max(p, q)
    low, high = Generalised(p=p).aggregate(X, w), Generalised(p=q).aggregate(X, w)
    assert ((low <= high * (1 + 1e-10)) | low.isna()).all()


def test_power_mean_with_a_subnormal_order_is_the_geometric_mean():
    """p = 5e-324 (found by hypothesis): p · ln(x/m) underflows, which once gave the maximum instead of the
    limit p → 0. Hand values: x = (1, 4), equal weights → geometric mean 2; p = 1e-3 lies just above it."""
    X = pd.DataFrame({"a": [1.0], "b": [4.0]})
    w = pd.Series({"a": 0.5, "b": 0.5})
    assert Generalised(p=5e-324).aggregate(X, w).iloc[0] == pytest.approx(2.0, rel=1e-15)
    near = Generalised(p=1e-3).aggregate(X, w).iloc[0]
    assert 2.0 < near < 2.0 * (1 + 1e-3)  # (0.5 + 0.5 · 4^0.001)^1000 ≈ 2 · exp(0.001 · ln²4 / 8)


@PROPERTY
@given(problems())
def test_power_mean_matches_the_formula(problem):
    X, w = problem
    for p in (-2.0, 0.5, 3.0):
        expected = []
        for _, row in X.iterrows():
            present = [(w[c], row[c]) for c in X.columns if not math.isnan(row[c])]
            total = sum(wi for wi, _ in present)
            expected.append(sum(wi * xi**p for wi, xi in present) / total if present else NAN)
        expected = [e ** (1 / p) for e in expected]
        np.testing.assert_allclose(power_mean(X.to_numpy(), w.to_numpy(), p), expected, rtol=1e-9)


@PROPERTY
@given(problems())
def test_minimum_is_at_most_every_mean(p):
    X, w = p
    low = Minimum().aggregate(X, w)
    for name, make in MEANS.items():
        mean = make().aggregate(X, w)
        assert low.isna().equals(mean.isna()), name
        assert ((low <= mean * (1 + 1e-12)) | low.isna()).all(), name


@PROPERTY
@given(problems(), st.data())
def test_permuting_columns_with_weights_changes_nothing(p, data):
    X, w = p
    order = data.draw(st.permutations(list(X.columns)))
    permuted = X[order]
    for name, make in ALL.items():
        out = make().aggregate(X, w).to_numpy()
        # weights permuted with the columns, and in another order than the columns (matched by label); the sums
        # run in another order, hence a tolerance
        np.testing.assert_allclose(make().aggregate(permuted, w[order]).to_numpy(), out, rtol=1e-9, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(make().aggregate(permuted, w[::-1]).to_numpy(), out, rtol=1e-9, atol=1e-9, err_msg=name)


@PROPERTY
@given(problems(integers=True, max_rows=12), st.data())
def test_copeland_scores_sum_to_zero_and_are_ordinal(p, data):
    X, w = p
    out = Copeland().aggregate(X, w)
    assert out.sum() == 0  # NaN rows skipped: every win is somebody's loss
    assert ((out.abs() <= out.notna().sum() - 1) | out.isna()).all()
    # any strictly increasing transform of one child's values leaves every score unchanged
    j = data.draw(st.integers(0, X.shape[1] - 1))
    Y = X.copy()
    Y.iloc[:, j] = np.exp(Y.iloc[:, j] / 7.0) * 3 + Y.iloc[:, j] ** 3
    pd.testing.assert_series_equal(Copeland().aggregate(Y, w), out)


@PROPERTY
@given(problems(nan=True, low=-1000))
def test_topsis_closeness_is_in_the_unit_interval(p):
    X, w = p
    for method in (Topsis(), Topsis(vector_normalise=False), Topsis(scale=100.0)):
        out = method.aggregate(X, w) / method.scale
        assert out.isna().equals(X.isna().all(axis=1))
        assert ((out >= 0) & (out <= 1 + 1e-12) | out.isna()).all()


@PROPERTY
@given(problems(), st.data())
def test_topsis_vector_normalisation_ignores_each_childs_unit(p, data):
    X, w = p
    factors = data.draw(st.lists(st.floats(1e-3, 1e3), min_size=X.shape[1], max_size=X.shape[1]))
    rescaled = X * np.array(factors)
    pd.testing.assert_series_equal(Topsis().aggregate(rescaled, w), Topsis().aggregate(X, w), rtol=1e-9)


@PROPERTY
@given(problems(nan=False))
def test_topsis_best_on_every_child_scores_one(p):
    X, w = p
    best = X.max(axis=0)
    Y = pd.concat([X, frame([best.tolist()], columns=X.columns, units=["best"])])
    out = Topsis().aggregate(Y, w)
    spread = (X.max() > X.min()).any()
    assert out.iloc[-1] == pytest.approx(1.0 if spread else 0.5, rel=1e-12)


@PROPERTY
@given(problems(integers=True), st.floats(-50, 50), st.floats(0.01, 100))
def test_topsis_without_vector_normalisation_ignores_shifts_and_scale(p, shift, factor):
    X, w = p
    method = Topsis(vector_normalise=False)
    pd.testing.assert_series_equal(method.aggregate(X * factor + shift, w), method.aggregate(X, w), atol=1e-9)


def test_topsis_direct_function_matches_the_class():
    X = frame([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    np.testing.assert_array_equal(topsis_closeness(X.to_numpy(), np.array([0.5, 0.5])),
                                  Topsis().aggregate(X, weights(x=1, y=1)).to_numpy())


# ============================================================================================ end to end

DATA = """\
unit,year,a,b,c,d
A,2021,0,100,50,100
B,2021,50,0,100,0
C,2021,100,50,0,50
A,2022,100,100,0,100
B,2022,0,50,50,50
C,2022,50,0,100,0
"""
# minmax onto [1, 3] per year: 0 -> 1, 50 -> 2, 100 -> 3
#         2021: a b c d     2022: a b c d
#            A  1 3 2 3        A  3 3 1 3
#            B  2 1 3 1        B  1 2 2 2
#            C  3 2 1 2        C  2 1 3 1

CONFIG = table_config({"a": 1, "b": 1, "c": 1, "d": 1}, """
[nodes.index]
children = ["p", "q"]

[nodes.p]
children = ["a", "b"]
aggregator = {p}

[nodes.q]
children = ["c", "d"]
aggregator = {q}

[normalisation]
default = {{ method = "minmax", params = {{ low = 1, high = 3 }} }}
""", template=True)


def run(write_config, p: str, q: str) -> pd.DataFrame:
    return zhishu.run(write_config(CONFIG.format(p=p, q=q), data__csv=DATA)).scores


def scores(table: pd.DataFrame, node: str, year: int) -> list[float]:
    return [table.loc[(u, year), node] for u in ("A", "B", "C")]


def test_config_two_aggregators_on_one_level(write_config):
    table = run(write_config, '{ method = "geometric", params = { offset = 1 } }', '"harmonic"')
    # p, geometric with offset 1 over (a, b): sqrt((a + 1)(b + 1)) - 1
    p = [math.sqrt(2 * 4) - 1, math.sqrt(3 * 2) - 1, math.sqrt(4 * 3) - 1]
    # q, harmonic over (c, d): 2 / (1/c + 1/d): A (2, 3) -> 2.4, B (3, 1) -> 1.5, C (1, 2) -> 4/3
    q = [2 / (1 / 2 + 1 / 3), 2 / (1 / 3 + 1), 2 / (1 + 1 / 2)]
    np.testing.assert_allclose(scores(table, "p", 2021), p, rtol=1e-12)
    np.testing.assert_allclose(scores(table, "q", 2021), q, rtol=1e-12)
    np.testing.assert_allclose(scores(table, "index", 2021), [(a + b) / 2 for a, b in zip(p, q)], rtol=1e-12)


def test_config_generalised(write_config):
    table = run(write_config, '{ method = "generalised", params = { p = 2 } }',
                '{ method = "generalised", params = { p = -1 } }')
    # p = 2 over (a, b): sqrt((a² + b²) / 2): A (1, 3) sqrt(5), B (2, 1) sqrt(2.5), C (3, 2) sqrt(6.5)
    np.testing.assert_allclose(scores(table, "p", 2021), [math.sqrt(5), math.sqrt(2.5), math.sqrt(6.5)], rtol=1e-12)
    # p = -1 is the harmonic mean
    np.testing.assert_allclose(scores(table, "q", 2021), [2.4, 1.5, 4 / 3], rtol=1e-12)


def test_config_minimum(write_config):
    table = run(write_config, '"minimum"', '"arithmetic"')
    assert scores(table, "p", 2021) == [1.0, 1.0, 2.0]  # min(1, 3), min(2, 1), min(3, 2)
    assert scores(table, "p", 2022) == [3.0, 1.0, 1.0]  # min(3, 3), min(1, 2), min(2, 1)


def test_config_copeland_and_topsis_per_year(write_config):
    table = run(write_config, '"copeland"', '{ method = "topsis", params = { scale = 100 } }')
    # Copeland over (a, b), equal weights
    # 2021: A (1, 3) vs B (2, 1): one child each -> tie; A vs C (3, 2): tie; C > B on both -> C outranks B
    assert scores(table, "p", 2021) == [0.0, -1.0, 1.0]
    # 2022: A (3, 3) outranks B (1, 2) and C (2, 1); B vs C: one child each -> tie
    assert scores(table, "p", 2022) == [2.0, -1.0, -1.0]
    # TOPSIS over (c, d), vector-normalised (each column's norm is sqrt(14): a common factor), equal weights
    # 2021: A (2, 3), B (3, 1), C (1, 2); ideal (3, 3), anti-ideal (1, 1)
    #   A: d+ = 1, d- = sqrt(1 + 4) -> sqrt(5) / (1 + sqrt(5)); B: d+ = 2, d- = 2 -> 1/2; C: 1 / (1 + sqrt(5))
    s5 = math.sqrt(5)
    np.testing.assert_allclose(scores(table, "q", 2021), [100 * s5 / (1 + s5), 50.0, 100 / (1 + s5)], rtol=1e-12)
    # 2022: A (1, 3), B (2, 2), C (3, 1): each at distance d+ = d- from the ideal (3, 3) and anti-ideal (1, 1)
    np.testing.assert_allclose(scores(table, "q", 2022), [50.0, 50.0, 50.0], rtol=1e-12)


def test_config_topsis_without_vector_normalisation(write_config):
    table = run(write_config, '"arithmetic"', '{ method = "topsis", params = { vector_normalise = false } }')
    s5 = math.sqrt(5)  # the same ratios as with vector normalisation (equal norms), on the unit scale
    np.testing.assert_allclose(scores(table, "q", 2021), [s5 / (1 + s5), 0.5, 1 / (1 + s5)], rtol=1e-12)


def test_config_copeland_with_a_missing_child(write_config):
    data = DATA.replace("A,2021,0,100,50,100", "A,2021,,100,50,100").replace("C,2021,100,50,0,50",
                                                                            "C,2021,100,50,0,50")
    path = write_config(CONFIG.format(p='"copeland"', q='"arithmetic"'), data__csv=data)
    table = zhishu.run(path).scores
    # 2021 a normalised over B (50) and C (100): B 1, C 3; A has only b = 3 (B has 1, C has 2)
    # A vs B on b: A > B -> A outranks B; A vs C on b: A > C -> A outranks C; B (1, 1) vs C (3, 2): C outranks B
    assert scores(table, "p", 2021) == [2.0, -2.0, 0.0]


@pytest.mark.parametrize(
    ("aggregator", "message"),
    [
        ('{ method = "geometric", params = { ofset = 1 } }',
         "nodes.p.aggregator.params.ofset: unknown key: did you mean 'offset'?; allowed keys here: offset"),
        ('{ method = "geometric", params = { offset = "1" } }',
         "nodes.p.aggregator.params.offset: expected a number, got a string ('1')"),
        ('{ method = "harmonic", params = { p = -1 } }',
         "nodes.p.aggregator.params.p: unknown key; nothing can be set here"),
        ('{ method = "generalised", params = { order = 2 } }',
         "nodes.p.aggregator.params.order: unknown key; allowed keys here: p"),
        ('{ method = "generalised", params = { p = true } }',
         "nodes.p.aggregator.params.p: expected a number, got a boolean (true)"),
        ('{ method = "generalised", params = { p = inf } }',
         "nodes.p.aggregator.params: p must be a finite number, not inf"),
        ('{ method = "minimum", params = { weighted = true } }',
         "nodes.p.aggregator.params.weighted: unknown key; nothing can be set here"),
        ('{ method = "copeland", params = { ties = "half" } }',
         "nodes.p.aggregator.params.ties: unknown key; nothing can be set here"),
        ('{ method = "topsis", params = { vector_normalize = false } }',
         "nodes.p.aggregator.params.vector_normalize: unknown key: did you mean 'vector_normalise'?; "
         "allowed keys here: scale, vector_normalise"),
        ('{ method = "topsis", params = { vector_normalise = 1 } }',
         "nodes.p.aggregator.params.vector_normalise: expected true or false, got an integer (1)"),
        ('{ method = "topsis", params = { scale = -100 } }',
         "nodes.p.aggregator.params: scale must be positive (e.g. 1 or 100), got -100"),
        ('"topsys"', "nodes.p.aggregator: unknown aggregator 'topsys': did you mean 'topsis'?"),
    ],
)
def test_config_params_are_structured_strictly(write_config, aggregator, message):
    path = write_config(CONFIG.format(p=aggregator, q='"arithmetic"'), data__csv=DATA)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = [i.format().removeprefix(f"{path}: ") for i in info.value.issues]
    assert len(found) == 1 and found[0].startswith(message), found


def test_config_non_positive_values_name_unit_year_and_child(write_config):
    # minmax onto [0, 100] puts each year's lowest value at 0, which the harmonic mean cannot take
    text = CONFIG.format(p='"harmonic"', q='"arithmetic"').replace("low = 1, high = 3", "low = 0, high = 100")
    with pytest.raises(DataError) as info:
        zhishu.run(write_config(text, data__csv=DATA))
    assert info.value.issues[0].message == (
        "a = 0 at unit 'A', year 2021; the harmonic mean needs values > 0 "
        "(normalise to a positive range, e.g. minmax with low = 1)"
    )
