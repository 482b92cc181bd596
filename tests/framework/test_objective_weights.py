"""Objective weightings (entropy, CRITIC, std, PCA) and combination weighting: hand-computed values, a
published worked example (the OECD/JRC Handbook's TAI factor analysis), invariants, contracts and end-to-end
runs from TOML.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import ConfigError, DataError, MethodSpec
from zhishu.default_plugins.objective_weights import (
    PCA,
    Combination,
    Critic,
    Entropy,
    Std,
    combine_weights,
    factor_weights,
    pca_weights,
    retained_components,
    varimax,
)
from zhishu.default_plugins.weightings import Equal, Fixed
from zhishu.testing import check_weighting, sample_frame
from toy_index import table_config

#: property tests: no deadline (timings vary on a busy machine), few enough examples to stay quick
PROPERTY = settings(max_examples=30, deadline=None)

NAN = float("nan")
L2, L3 = math.log(2), math.log(3)


def frame(columns: dict[str, list[float]], years=None) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    years = years or [2021] * n
    index = pd.MultiIndex.from_arrays([[f"u{i}" for i in range(n)], years], names=["unit", "year"])
    return pd.DataFrame(columns, index=index, dtype="float64")


def weights(method, X) -> dict[str, float]:
    w = method.weights(X, {})
    assert w.dtype == "float64" and list(w.index) == list(X.columns)
    return w.to_dict()


def approx(d: dict, **kw) -> dict:
    return {k: pytest.approx(v, **kw) for k, v in d.items()}


# ------------------------------------------------------------------------------------------- entropy


def test_entropy_by_hand():
    # a = 1, 1, 2: Σ = 4, p = 1/4, 1/4, 1/2; Σ p ln p = ½ ln ¼ + ½ ln ½ = −1.5 ln 2; e_a = 1.5 ln 2 / ln 3 = 0.946395
    # b = 0, 1, 3: Σ = 4, p = 0, 1/4, 3/4 (0 · ln 0 = 0); Σ p ln p = ¼ ln ¼ + ¾ ln ¾ = ¾ ln 3 − 2 ln 2;
    #   e_b = (2 ln 2 − ¾ ln 3) / ln 3 = 0.511860
    # c = 5, 5, 5: p = 1/3 each, e_c = 1, d_c = 0
    # d = 0.053605, 0.488140, 0 → w = 0.098949, 0.901051, 0
    X = frame({"a": [1, 1, 2], "b": [0, 1, 3], "c": [5, 5, 5]})
    d_a, d_b = 1 - 1.5 * L2 / L3, 1 - (2 * L2 - 0.75 * L3) / L3
    w = weights(Entropy(), X)
    assert w == approx({"a": d_a / (d_a + d_b), "b": d_b / (d_a + d_b), "c": 0.0}, rel=1e-12)
    assert w["a"] == pytest.approx(0.098949, abs=1e-6) and w["b"] == pytest.approx(0.901051, abs=1e-6)
    assert w["c"] == 0.0  # exactly: a constant column carries no information


def test_entropy_report_after_the_computation():
    X = frame({"a": [1, 1, 2], "b": [0, 1, 3], "c": [5, 5, 5]})
    method = Entropy()
    assert method.report(("a", "b", "c"))["status"].startswith("not yet computed")
    method.weights(X, {})
    report = method.report(("a", "b", "c"))
    assert report["rows"] == 3 and report["rows_dropped"] == 0 and "fallback" not in report
    assert report["entropy"]["a"] == pytest.approx(1.5 * L2 / L3, rel=1e-12)
    assert report["divergence"]["c"] == 0.0
    json.dumps(report)  # written to manifest.json


def test_entropy_shift_is_added_before_the_proportions():
    # shift 1: a = 2, 2, 3 (Σ 7), b = 1, 2, 4 (Σ 7); e = −Σ p ln p / ln 3
    X = frame({"a": [1, 1, 2], "b": [0, 1, 3]})
    e_a = -(2 * (2 / 7) * math.log(2 / 7) + (3 / 7) * math.log(3 / 7)) / L3
    e_b = -((1 / 7) * math.log(1 / 7) + (2 / 7) * math.log(2 / 7) + (4 / 7) * math.log(4 / 7)) / L3
    d_a, d_b = 1 - e_a, 1 - e_b
    assert weights(Entropy(shift=1.0), X) == approx({"a": d_a / (d_a + d_b), "b": d_b / (d_a + d_b)}, rel=1e-12)


def test_entropy_all_constant_falls_back_to_equal_weights_and_says_so():
    X = frame({"a": [3, 3, 3], "b": [0, 0, 0], "c": [7, 7, 7]})
    method = Entropy()
    assert weights(method, X) == approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, rel=1e-15)
    assert method.report(("a", "b", "c"))["fallback"].startswith("equal weights")


def test_entropy_all_zero_column_has_no_weight():
    X = frame({"z": [0, 0, 0, 0], "b": [0, 1, 3, 0]})
    assert weights(Entropy(), X) == {"z": 0.0, "b": 1.0}


def test_entropy_negative_values_are_an_error_naming_the_cell():
    X = frame({"a": [1, -2, 3], "b": [1, 2, 3]})
    with pytest.raises(DataError) as info:
        Entropy().weights(X, {})
    (issue,) = info.value.issues
    assert issue.message == (
        "entropy weights need values ≥ 0 (p = x / Σx), but 'a' is -2 (unit 'u1', year 2021); normalise these "
        "children with minmax (low ≥ 0) rather than zscore, or set a shift"
    )
    # a shift large enough makes the values non-negative
    assert sum(weights(Entropy(shift=2.0), X).values()) == pytest.approx(1.0)


def test_rows_with_a_missing_child_are_dropped():
    # the NaN row is left out of every column: the same weights as the complete rows alone
    X = frame({"a": [1, 1, NAN, 2], "b": [0, 1, 9, 3]})
    complete = frame({"a": [1, 1, 2], "b": [0, 1, 3]})
    for make in (Entropy, Std, Critic, PCA):
        method = make()
        assert weights(method, X) == approx(weights(make(), complete), rel=1e-12)
        assert method.report(("a", "b"))["rows_dropped"] == 1


@pytest.mark.parametrize("make", [Entropy, Std, Critic, PCA])
def test_too_few_complete_rows_is_a_data_error(make):
    X = frame({"a": [1, NAN, 3], "b": [NAN, 2, 3]})
    with pytest.raises(DataError) as info:
        make().weights(X, {})
    (issue,) = info.value.issues
    assert "children 'a', 'b' need at least 2 rows (unit × year) in which every child has a value; found 1 " \
           "(2 row(s) have a missing child)" in issue.message
    assert "Impute the missing values" in issue.message


@pytest.mark.parametrize("make", [Entropy, Std, Critic, PCA])
def test_one_child_weighs_one_and_no_child_gives_no_weights(make):
    assert weights(make(), frame({"a": [NAN, NAN]})) == {"a": 1.0}  # no data needed
    empty = pd.DataFrame(index=frame({"a": [1.0]}).index)
    assert len(make().weights(empty, {})) == 0


def test_infinite_values_are_an_error():
    with pytest.raises(DataError, match=r"infinite value\(s\) in 'b' \(unit 'u1', year 2021\)"):
        Std().weights(frame({"a": [1, 2, 3], "b": [1, math.inf, 3]}), {})


@pytest.mark.parametrize("shift", [-1.0, math.inf, math.nan])
def test_entropy_invalid_shift(shift):
    with pytest.raises(ValueError, match="shift"):
        Entropy(shift=shift)


# ------------------------------------------------------------------------------------------- std, CRITIC


def test_std_by_hand():
    # a = 0, 1, 2: σ = 1; b = 0, 4, 2: σ = 2; c = 2, 1, 0: σ = 1 (ddof = 1) → 1/4, 1/2, 1/4
    X = frame({"a": [0, 1, 2], "b": [0, 4, 2], "c": [2, 1, 0]})
    assert weights(Std(), X) == approx({"a": 0.25, "b": 0.5, "c": 0.25}, rel=1e-12)
    assert weights(Std(ddof=0), X) == approx({"a": 0.25, "b": 0.5, "c": 0.25}, rel=1e-12)  # ddof cancels


def test_critic_by_hand():
    # a = 0, 1, 2 (σ 1), b = 0, 4, 2 (σ 2), c = 2, 1, 0 (σ 1); deviations a −1 0 1, b −2 2 0, c 1 0 −1
    # r_ab = (2 + 0 + 0) / (√2 · √8) = 0.5; r_ac = −1; r_bc = (−2 + 0 + 0) / (√8 · √2) = −0.5
    # C_a = 1 · ((1 − 0.5) + (1 + 1)) = 2.5; C_b = 2 · ((1 − 0.5) + (1 + 0.5)) = 4; C_c = 1 · (2 + 1.5) = 3.5
    # Σ C = 10 → w = 0.25, 0.40, 0.35
    X = frame({"a": [0, 1, 2], "b": [0, 4, 2], "c": [2, 1, 0]})
    method = Critic()
    assert weights(method, X) == approx({"a": 0.25, "b": 0.40, "c": 0.35}, rel=1e-12)
    report = method.report(("a", "b", "c"))
    assert report["correlation"]["a"] == approx({"a": 1.0, "b": 0.5, "c": -1.0}, rel=1e-12)
    assert report["information"] == approx({"a": 2.5, "b": 4.0, "c": 3.5}, rel=1e-12)
    # ddof = 0 scales every σ by √(2/3): the weights do not change
    assert weights(Critic(ddof=0), X) == approx({"a": 0.25, "b": 0.40, "c": 0.35}, rel=1e-12)


def test_critic_constant_child_has_zero_weight_and_no_correlation():
    # k is constant: σ_k = 0 so C_k = 0, and r_ak = r_bk = 0 by convention
    # C_a = 1 · ((1 − 0.5) + (1 − 0)) = 1.5; C_b = 2 · ((1 − 0.5) + 1) = 3 → 1/3, 2/3, 0
    X = frame({"a": [0, 1, 2], "b": [0, 4, 2], "k": [3, 3, 3]})
    assert weights(Critic(), X) == approx({"a": 1 / 3, "b": 2 / 3, "k": 0.0}, rel=1e-12)


def test_critic_and_std_fall_back_to_equal_weights():
    X = frame({"a": [1, 1, 1], "b": [2, 2, 2]})
    for make in (Std, Critic):
        method = make()
        assert weights(method, X) == {"a": 0.5, "b": 0.5}
        assert "equal weights" in method.report(("a", "b"))["fallback"]
    # two perfectly correlated children: C = σ (1 − 1) = 0 for both
    method = Critic()
    assert weights(method, frame({"a": [0, 1, 2], "b": [0, 2, 4]})) == {"a": 0.5, "b": 0.5}
    assert "fallback" in method.report(("a", "b"))


@pytest.mark.parametrize("ddof", [2, -1])
def test_invalid_ddof(ddof):
    for make in (Std, Critic):
        with pytest.raises(ValueError, match="ddof must be 0 .* or 1"):
            make(ddof=ddof)


# ------------------------------------------------------------------------------------------- PCA

#: three orthogonal zero-mean contrasts over four rows
U, V, T = np.array([1, 1, -1, -1.0]), np.array([1, -1, 1, -1.0]), np.array([1, -1, -1, 1.0])


def pca_frame() -> pd.DataFrame:
    # a = u, b = 0.8 u + 0.6 v, c = t (shifted to positive values): corr(a, b) = 0.8, every other pair 0
    return frame({"a": 10 + U, "b": 10 + 0.8 * U + 0.6 * V, "c": 10 + T})


def test_pca_by_hand():
    # R = [[1, .8, 0], [.8, 1, 0], [0, 0, 1]]: eigenvalues 1.8 (a, b), 1.0 (c), 0.2; shares 0.6, 0.333, 0.067
    # kept: 1.8 > 1, and 1.0 with a share 0.333 > 0.1; 0.2 (share 0.067) is not → 2 factors (cumulative 0.93)
    # loadings: factor 1 a = b = √0.9, c = 0; factor 2 c = 1 — already a simple structure, varimax keeps it
    # explained variance 1.8 and 1.0 (shares 1.8/2.8, 1/2.8); scaled squared loadings a = b = 0.9/1.8 = 0.5, c = 1
    # w_a = w_b = 0.5 · 1.8/2.8 = 9/28, w_c = 1 · 1/2.8 = 10/28 (already summing to 1)
    method = PCA()
    assert weights(method, pca_frame()) == approx({"a": 9 / 28, "b": 9 / 28, "c": 10 / 28}, rel=1e-9)
    report = method.report(("a", "b", "c"))
    assert report["factors"] == 2
    assert report["eigenvalues"] == pytest.approx([1.8, 1.0, 0.2], rel=1e-9)
    assert report["factor"]["a"] == report["factor"]["b"] != report["factor"]["c"]
    json.dumps(report)
    # without rotation the loadings are the same here
    assert weights(PCA(rotation="none"), pca_frame()) == approx({"a": 9 / 28, "b": 9 / 28, "c": 10 / 28}, rel=1e-9)


def test_pca_number_of_factors():
    # one factor (a and b only): scaled squared loadings 0.5, 0.5, 0 → w = 0.5, 0.5, 0
    one = {"a": 0.5, "b": 0.5, "c": 0.0}
    assert weights(PCA(components=1), pca_frame()) == approx(one, abs=1e-12)
    assert weights(PCA(min_share=1.0, variance=0.0), pca_frame()) == approx(one, abs=1e-12)  # Kaiser rule only
    # the variance rule adds the second factor: 0.6 < 0.9 ≤ 0.933
    assert weights(PCA(min_share=1.0, variance=0.9), pca_frame()) == approx(
        {"a": 9 / 28, "b": 9 / 28, "c": 10 / 28}, rel=1e-9)


def test_factor_weights_by_hand():
    # loadings          squared      EV: 1.17, 0.61 (Σ 1.78)    scaled S = L² / EV
    #   x  0.9  0.0     0.81 0.00                                0.6923 0.0000 → factor 1
    #   y  0.6  0.5     0.36 0.25                                0.3077 0.4098 → factor 2 (though |0.6| > |0.5|)
    #   z  0.0  0.6     0.00 0.36                                0.0000 0.5902 → factor 2
    # factor shares 1.17/1.78, 0.61/1.78; w ∝ S · share = 0.81/1.78, 0.25/1.78, 0.36/1.78 → 0.81, 0.25, 0.36 / 1.42
    out = factor_weights(np.array([[0.9, 0.0], [0.6, 0.5], [0.0, 0.6]]))
    assert out["factor"].tolist() == [0, 1, 1]
    assert out["explained"] == pytest.approx([1.17, 0.61], rel=1e-12)
    assert out["scaled"] == pytest.approx([0.81 / 1.17, 0.25 / 0.61, 0.36 / 0.61], rel=1e-12)
    assert out["weights"] == pytest.approx([0.81 / 1.42, 0.25 / 1.42, 0.36 / 1.42], rel=1e-12)


def test_retained_components_rules():
    eig = np.array([3.354, 1.746, 0.985, 0.894, 0.471, 0.299, 0.174, 0.076])  # share 41.9, 21.8, 12.3, 11.2, 5.9 %…
    rules = dict(min_eigenvalue=1.0, min_share=0.1, variance=0.6, components=None)
    assert retained_components(eig, **rules) == 4  # eigenvalue > 1: 2; share > 10 %: 4
    assert retained_components(eig, **{**rules, "min_share": 1.0}) == 2  # Kaiser: 2 (cumulative 63.8 % ≥ 60 %)
    assert retained_components(eig, **{**rules, "min_share": 1.0, "variance": 0.9}) == 5  # 87.2 % < 90 % ≤ 93.1 %
    assert retained_components(eig, **{**rules, "components": 3}) == 3
    assert retained_components(eig, **{**rules, "components": 20}) == 8
    assert retained_components(np.array([1.0, 1.0, 1.0]), **{**rules, "min_share": 1.0, "variance": 0.0}) == 1


#: The 23 countries of the Technology Achievement Index in the OECD/JRC Handbook on Constructing Composite
#: Indicators (2008), pp. 152-153 (telephones and electricity in logs), as tabulated in
#: https://forum.posit.co/t/varimax-rotation/109877. Columns: patents, royalties, internet, exports, telephones,
#: electricity, schooling, university.
TAI = [
    (187, 125.6, 200.2, 50.7, 3.08, 4.15, 10.0, 27.4), (289, 130.0, 179.1, 66.2, 3.00, 4.07, 12.0, 13.9),
    (271, 156.6, 125.8, 59.7, 3.10, 4.14, 11.4, 15.3), (994, 64.6, 49.0, 80.8, 3.00, 3.86, 9.5, 10.0),
    (779, 9.8, 4.8, 66.7, 2.97, 3.65, 10.8, 23.2), (189, 151.2, 136.0, 50.9, 3.02, 3.77, 9.4, 9.5),
    (82, 134.0, 57.4, 61.9, 3.02, 3.73, 9.4, 14.9), (31, 38.6, 108.0, 48.7, 2.94, 4.18, 11.6, 14.2),
    (75, 18.2, 125.9, 16.2, 2.94, 3.94, 10.9, 25.3), (8, 25.5, 72.3, 74.9, 2.95, 3.83, 7.1, 24.2),
    (235, 36.8, 41.2, 64.2, 2.94, 3.75, 10.2, 14.4), (103, 20.2, 193.6, 19.0, 3.12, 4.39, 11.9, 11.2),
    (106, 110.3, 48.6, 53.6, 2.97, 3.68, 9.4, 12.3), (72, 73.9, 58.9, 47.6, 2.91, 3.86, 9.3, 13.6),
    (103, 13.0, 146.7, 15.4, 2.86, 3.91, 11.7, 13.1), (165, 14.8, 84.2, 50.3, 2.99, 3.79, 8.4, 13.6),
    (205, 33.6, 36.4, 58.9, 2.97, 3.80, 7.9, 12.6), (74, 43.6, 43.2, 45.0, 2.96, 3.74, 9.6, 11.0),
    (42, 8.6, 21.0, 53.4, 2.86, 3.62, 7.3, 15.6), (13, 9.8, 30.4, 51.0, 3.00, 3.65, 7.2, 13.0),
    (28, 4.2, 25.0, 51.7, 2.75, 3.68, 9.5, 8.2), (26, 6.2, 21.6, 63.5, 2.73, 3.46, 9.1, 7.7),
    (105, 4.0, 20.3, 49.5, 2.84, 3.71, 7.1, 10.6),
]


def test_pca_reproduces_the_handbook_tai_example():
    # OECD/JRC (2008) Handbook, section 6.1, Table 16 (eigenvalues of the TAI data set: 3.3, 1.7, 1.0, 0.9, 0.5,
    # 0.3, 0.2, 0.1; variance 41.9, 21.8, 12.3, 11.1, 6.0, 3.7, 2.2, 0.9 %), four factors retained; Table 17 (varimax
    # rotated loadings): patents loads 0.97 on a factor of its own, squared loading scaled to unity sum 0.67.
    values = np.array(TAI, dtype="float64")
    out = pca_weights(values)
    assert out["factors"] == 4
    assert out["eigenvalues"] == pytest.approx([3.3, 1.7, 1.0, 0.9, 0.5, 0.3, 0.2, 0.1], abs=0.06)
    share = 100 * out["eigenvalues"] / 8
    assert share == pytest.approx([41.9, 21.8, 12.3, 11.1, 6.0, 3.7, 2.2, 0.9], abs=0.15)
    patents = np.abs(out["loadings"][0])
    f = int(np.argmax(patents))
    assert patents[f] == pytest.approx(0.97, abs=0.01)
    assert np.delete(patents, f) == pytest.approx([0.07, 0.06, 0.06], abs=0.015)
    assert out["factor"][0] == f and out["scaled"][0] == pytest.approx(0.67, abs=0.01)
    assert out["weights"].sum() == pytest.approx(1.0, rel=1e-12) and (out["weights"] > 0).all()


def _varimax_criterion(loadings: np.ndarray) -> float:
    """Kaiser's varimax criterion of row-normalised loadings: Σ_f [mean(λ⁴) − mean(λ²)²]."""
    x = loadings / np.sqrt((loadings**2).sum(axis=1, keepdims=True))
    return float(((x**4).mean(axis=0) - ((x**2).mean(axis=0)) ** 2).sum())


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_varimax_finds_the_best_planar_rotation(seed):
    # two factors: compare with a brute-force search over rotation angles (independent of the SVD iteration)
    loadings = np.random.default_rng(seed).uniform(-1, 1, size=(6, 2))
    rotated = varimax(loadings)
    angles = np.linspace(0, np.pi / 2, 2001)  # every rotation of the plane, up to a column swap or sign
    c, s = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
    x = loadings / np.sqrt((loadings**2).sum(axis=1, keepdims=True))
    turned = np.stack([x[:, 0] * c[:, :, 0] + x[:, 1] * s[:, :, 0], x[:, 1] * c[:, :, 0] - x[:, 0] * s[:, :, 0]], -1)
    grid = ((turned**4).mean(axis=1) - ((turned**2).mean(axis=1)) ** 2).sum(axis=1)
    assert _varimax_criterion(rotated) >= grid.max() - 1e-9
    assert _varimax_criterion(rotated) <= grid.max() + 1e-5  # the grid's step is 0.045°
    # an orthogonal rotation keeps each indicator's communality (row sum of squares)
    assert (rotated**2).sum(axis=1) == pytest.approx((loadings**2).sum(axis=1), rel=1e-9)


def test_varimax_leaves_a_symmetric_start_that_minimises_the_criterion():
    # two indicators with equal communalities, loadings (c, −s) and (c, s): the unrotated matrix is the criterion's
    # minimum (0) and a stationary point where R's SVD iteration stays; the best rotation is 45° (criterion 0.474)
    loadings = np.array([[0.78, -0.62], [0.78, 0.62]])
    assert _varimax_criterion(loadings) == pytest.approx(0.0, abs=1e-12)
    angle = np.pi / 4
    best = loadings @ np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert _varimax_criterion(varimax(loadings)) == pytest.approx(_varimax_criterion(best), rel=1e-12)
    assert _varimax_criterion(best) == pytest.approx(0.474, abs=1e-3)


def test_varimax_of_one_factor_is_the_identity():
    loadings = np.array([[0.5], [0.7], [-0.2]])
    assert np.array_equal(varimax(loadings), loadings)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_eigenvalue": -1.0}, "min_eigenvalue must be ≥ 0"),
        ({"min_share": 1.5}, "min_share must be a share between 0 and 1"),
        ({"variance": -0.1}, "variance must be a share between 0 and 1"),
        ({"components": 0}, "components must be at least 1"),
        ({"rotation": "promax"}, 'rotation must be "varimax" or "none"'),
    ],
)
def test_pca_invalid_params(params, message):
    with pytest.raises(ValueError, match=message):
        PCA(**params)


def test_pca_constant_children_weigh_nothing():
    X = pca_frame().assign(k=5.0)
    method = PCA()
    w = weights(method, X)
    assert w["k"] == 0.0
    assert {c: w[c] for c in "abc"} == approx({"a": 9 / 28, "b": 9 / 28, "c": 10 / 28}, rel=1e-9)
    assert method.report(tuple("abck"))["constant"] == ["k"]
    assert weights(PCA(), frame({"a": [1, 2, 3], "k": [2, 2, 2]})) == {"a": 1.0, "k": 0.0}
    assert weights(PCA(), frame({"a": [1, 1, 1], "k": [2, 2, 2]})) == {"a": 0.5, "k": 0.5}


# ------------------------------------------------------------------------------------------- properties


@st.composite
def data(draw, min_cols: int = 2, max_cols: int = 5):
    """Generic data: n rows × k columns of uniform values in [0, 100) from a drawn seed."""
    seed = draw(st.integers(0, 2**32 - 1))
    k = draw(st.integers(min_cols, max_cols))
    n = draw(st.integers(k + 3, 12))
    values = np.random.default_rng(seed).uniform(0, 100, size=(n, k))
    return frame({f"c{j}": values[:, j] for j in range(k)})


def _generic_for_pca(X: pd.DataFrame) -> bool:
    """PCA weights are unique only when the retained eigenvalues are distinct and the assignments clear."""
    out = pca_weights(X.to_numpy())
    if "loadings" not in out:  # fewer than two varying columns: nothing to decompose
        return True
    eig = out["eigenvalues"]
    m = out["factors"]
    gaps = np.abs(np.diff(eig[: m + 1])) if m < eig.size else np.abs(np.diff(eig))
    scaled = out["loadings"] ** 2 / out["explained"]
    top2 = np.sort(scaled, axis=1)[:, -2:] if m > 1 else np.array([[0.0, 1.0]])
    share = eig / eig.sum()
    near_threshold = np.abs(eig - 1.0).min() < 1e-3 or np.abs(share - 0.1).min() < 1e-3
    return bool(gaps.min() > 1e-3 and (top2[:, 1] - top2[:, 0]).min() > 1e-6 and not near_threshold)


METHODS = [Entropy, Std, Critic, PCA]


@PROPERTY
@given(data(), st.sampled_from(METHODS))
def test_weights_are_non_negative_and_sum_to_one(X, make):
    w = make().weights(X, {})
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0, rel=1e-12)


@PROPERTY
@given(data(), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_permuting_columns_permutes_weights(X, make, rnd):
    if make is PCA:
        assume(_generic_for_pca(X))
    cols = list(X.columns)
    rnd.shuffle(cols)
    w = make().weights(X, {})
    w_perm = make().weights(X[cols], {})
    assert list(w_perm.index) == cols
    pd.testing.assert_series_equal(w_perm.reindex(X.columns), w, rtol=1e-9, atol=1e-12)


@PROPERTY
@given(data(), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_permuting_rows_leaves_weights_unchanged(X, make, rnd):
    if make is PCA:
        assume(_generic_for_pca(X))
    rows = list(range(len(X)))
    rnd.shuffle(rows)
    pd.testing.assert_series_equal(make().weights(X.iloc[rows], {}), make().weights(X, {}), rtol=1e-9, atol=1e-12)


@PROPERTY
@given(data(min_cols=1, max_cols=4), st.sampled_from(METHODS))
def test_identical_columns_get_identical_weights(X, make):
    X = X.assign(twin=X["c0"])
    if make is PCA:
        assume(_generic_for_pca(X.drop(columns="twin")))
    w = make().weights(X, {})
    assert w["twin"] == pytest.approx(w["c0"], rel=1e-9, abs=1e-12)


@PROPERTY
@given(data(), st.floats(0.01, 100))
def test_entropy_is_invariant_to_scaling_one_column(X, c):
    # p_ij = x_ij / Σ_i x_ij does not change when a column is multiplied by c > 0
    scaled = X.assign(c0=X["c0"] * c)
    pd.testing.assert_series_equal(Entropy().weights(scaled, {}), Entropy().weights(X, {}), rtol=1e-9)


@PROPERTY
@given(data(), st.floats(0.01, 100), st.floats(-50, 50))
def test_std_follows_the_scale_and_ignores_the_location(X, c, shift):
    # σ(c·x + s) = c·σ(x): column c0's weight changes in proportion (before renormalisation), others follow
    w = Std().weights(X, {})
    moved = Std().weights(X.assign(c0=X["c0"] * c + shift), {})
    expected = w.copy()
    expected["c0"] *= c
    pd.testing.assert_series_equal(moved, expected / expected.sum(), rtol=1e-9)


@PROPERTY
@given(data(), st.floats(0.01, 100), st.floats(-50, 50))
def test_critic_scales_like_std_and_ignores_the_location(X, c, shift):
    # r is unchanged by c·x + s (c > 0) and σ is multiplied by c: C_c0 is multiplied by c, the others unchanged
    w = Critic().weights(X, {})
    moved = Critic().weights(X.assign(c0=X["c0"] * c + shift), {})
    expected = w.copy()
    expected["c0"] *= c
    pd.testing.assert_series_equal(moved, expected / expected.sum(), rtol=1e-8)


@PROPERTY
@given(data(), st.floats(0.01, 100), st.floats(-50, 50), st.sampled_from([1.0, -1.0]))
def test_pca_ignores_scale_location_and_sign(X, c, shift, sign):
    # standardisation removes scale and location; a sign flip only flips the sign of loadings, which are squared
    assume(_generic_for_pca(X))
    moved = X.assign(c0=sign * c * X["c0"] + shift)
    pd.testing.assert_series_equal(PCA().weights(moved, {}), PCA().weights(X, {}), rtol=1e-7, atol=1e-10)


@PROPERTY
@given(data(), st.floats(0.01, 100))
def test_every_method_ignores_a_common_scale(X, c):
    for make in METHODS:
        pd.testing.assert_series_equal(make().weights(X * c, {}), make().weights(X, {}), rtol=1e-8, atol=1e-12)


# ------------------------------------------------------------------------------------------- combination


def _make(kind: str, spec: MethodSpec, sub_path: str):
    """A stand-in for the config loader's ``make``: the class named by ``spec`` with its params."""
    assert kind == "weightings"
    classes = {"fixed": Fixed, "equal": Equal, "entropy": Entropy, "std": Std, "critic": Critic, "pca": PCA}
    return classes[spec.method](**spec.params)


def combination(rule="linear", alpha=None, subjective=None, objective="std") -> Combination:
    subjective = subjective or MethodSpec(method="fixed", params={"values": {"a": 0.5, "b": 0.3, "c": 0.2}})
    params = {"rule": rule} if alpha is None else {"rule": rule, "alpha": alpha}
    method = Combination(subjective=subjective, objective=MethodSpec(method=objective), **params)
    method.resolve_methods(_make)
    return method


STD_X = frame({"a": [0, 1, 2], "b": [0, 4, 2], "c": [2, 1, 0]})  # std weights 1/4, 1/2, 1/4 (test_std_by_hand)


def test_combination_linear_by_hand():
    # subjective 0.5, 0.3, 0.2; objective (std) 0.25, 0.5, 0.25
    # α = 0.5: 0.375, 0.4, 0.225; α = 0.3: 0.3·w_s + 0.7·w_o = 0.325, 0.44, 0.235
    assert weights(combination(), STD_X) == approx({"a": 0.375, "b": 0.4, "c": 0.225}, rel=1e-12)
    assert weights(combination(alpha=0.3), STD_X) == approx({"a": 0.325, "b": 0.44, "c": 0.235}, rel=1e-12)
    assert weights(combination(alpha=1.0), STD_X) == approx({"a": 0.5, "b": 0.3, "c": 0.2}, rel=1e-12)
    assert weights(combination(alpha=0.0), STD_X) == approx({"a": 0.25, "b": 0.5, "c": 0.25}, rel=1e-12)
    assert combination().alpha == 0.5  # the default, filled in (shown in the manifest)


def test_combination_multiplicative_by_hand():
    # products 0.5·0.25 = 0.125, 0.3·0.5 = 0.15, 0.2·0.25 = 0.05; Σ = 0.325 → 0.384615, 0.461538, 0.153846
    w = weights(combination(rule="multiplicative"), STD_X)
    assert w == approx({"a": 0.125 / 0.325, "b": 0.15 / 0.325, "c": 0.05 / 0.325}, rel=1e-12)
    assert combination(rule="multiplicative").alpha is None


def test_combination_multiplicative_without_common_support_is_a_data_error():
    subjective = MethodSpec(method="fixed", params={"values": {"a": 1.0, "b": 0.0}})
    method = combination(rule="multiplicative", subjective=subjective)
    with pytest.raises(DataError, match="no child has a positive weight in both .* use rule = \"linear\""):
        method.weights(frame({"a": [1, 1, 1], "b": [0, 1, 2]}), {})  # std gives a 0 (constant), fixed gives b 0


def test_combine_weights_rejects_empty_products():
    with pytest.raises(ValueError):
        combine_weights(np.array([1.0, 0.0]), np.array([0.0, 1.0]), "multiplicative")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rule": "additive"}, "rule must be one of 'linear', 'multiplicative', not 'additive'"),
        ({"alpha": 1.5}, "alpha .* must be between 0 and 1, not 1.5"),
        ({"alpha": -0.1}, "alpha .* must be between 0 and 1"),
        ({"rule": "multiplicative", "alpha": 0.5}, 'alpha is used only by rule = "linear"'),
    ],
)
def test_combination_invalid_params(params, message):
    with pytest.raises(ValueError, match=message):
        Combination(subjective=MethodSpec(method="equal"), objective=MethodSpec(method="std"), **params)


def test_combination_check_prefixes_the_nested_problems():
    method = combination(subjective=MethodSpec(method="fixed", params={"values": {"a": 1.0}}))
    assert method.check(("a", "b")) == ["subjective weighting: no weight for child 'b'; give every child a weight"]
    assert combination().check(("a", "b", "c")) == []


def test_combination_report_merges_the_parts():
    method = combination(objective="entropy")
    before = method.report(("a", "b", "c"))
    assert before["rule"] == "linear" and before["alpha"] == 0.5
    assert before["subjective"] == "fixed" and before["objective"] == "entropy"
    assert before["objective.status"].startswith("not yet computed")
    X = frame({"a": [1, 1, 2], "b": [0, 1, 3], "c": [5, 5, 5]})  # entropy 0.098949, 0.901051, 0
    method.weights(X, {})
    report = method.report(("a", "b", "c"))
    assert report["objective.rows"] == 3
    assert report["subjective.weights"] == approx({"a": 0.5, "b": 0.3, "c": 0.2})
    assert report["weights"]["c"] == pytest.approx(0.1)  # 0.5 · 0.2 + 0.5 · 0
    json.dumps(report)


def test_combination_must_be_resolved():
    method = Combination(subjective=MethodSpec(method="equal"), objective=MethodSpec(method="std"))
    with pytest.raises(RuntimeError, match="resolve_methods"):
        method.weights(STD_X, {})


# ------------------------------------------------------------------------------------------- contracts


@pytest.mark.parametrize("make", METHODS)
def test_contracts(make):
    check_weighting(make, name=make.__name__.lower())


def test_contracts_with_parameters():
    check_weighting(lambda: Entropy(shift=0.5), name="entropy")
    check_weighting(lambda: Critic(ddof=0), name="critic")
    check_weighting(lambda: PCA(components=2, rotation="none"), name="pca")
    check_weighting(lambda: combination(subjective=MethodSpec(
        method="fixed", params={"values": {"x1": 2, "x2": 1, "x3": 1}}), objective="entropy"), name="combination")
    check_weighting(lambda: combination(rule="multiplicative", subjective=MethodSpec(method="equal"),
                                        objective="critic"), name="combination")


def test_contracts_of_the_registered_combination():
    from zhishu.config.resolve import resolve_method

    registries = zhishu.Hooks().registries
    spec = MethodSpec(method="combination", params={"subjective": "equal", "objective": "pca"})
    check_weighting(lambda: resolve_method(registries, "weightings", spec, "w").obj, name="combination")


def test_pooled_years_are_one_sample():
    # the weights of a node use every unit and year together: two years of data are simply more rows
    X = sample_frame()
    stacked = frame({c: X[c].tolist() for c in X.columns})
    for make in METHODS:
        pd.testing.assert_series_equal(make().weights(X, {}), make().weights(stacked, {}))


# ------------------------------------------------------------------------------------------- end to end

# P, Q, R in 2021. a = 1, 1, 2 → min-max 0, 0, 100. b has direction −1: raw 3, 2, 1 → oriented −3, −2, −1
# → 0, 50, 100 (lower raw values are better, so R is best on b).
DATA = """
unit,year,a,b
P,2021,1,3
Q,2021,1,2
R,2021,2,1
"""

CONFIG = table_config({"a": 1, "b": -1}, """
[nodes.index]
children = ["a", "b"]
weighting = {weighting}
""", index_id="objective", template=True)


def run_with(write_config, weighting: str):
    return zhishu.run(write_config(CONFIG.format(weighting=weighting), data__csv=DATA))


def index_weights(result) -> dict[str, float]:
    table = result.weights_table()
    return dict(zip(table["node"], table["weight"]))


def test_entropy_from_a_config(write_config):
    # normalised a = 0, 0, 100: p = 0, 0, 1 → e_a = 0, d_a = 1
    # b = 0, 50, 100: p = 0, 1/3, 2/3 → e_b = (ln 3 − ⅔ ln 2) / ln 3 = 0.579380, d_b = 0.420620
    # w_a = 1 / 1.420620 = 0.703918, w_b = 0.296082; Q's index = 50 · w_b = 14.804096
    d_b = 2 * L2 / (3 * L3)
    result = run_with(write_config, '"entropy"')
    assert index_weights(result) == approx({"a": 1 / (1 + d_b), "b": d_b / (1 + d_b)}, rel=1e-12)
    assert result.scores.loc[("Q", 2021), "index"] == pytest.approx(50 * d_b / (1 + d_b), rel=1e-12)
    report = result.weight_reports["index"]
    assert report["weighting"] == "entropy" and report["rows"] == 3
    assert result.manifest["weight_reports"]["index"]["entropy"]["a"] == pytest.approx(0.0, abs=1e-15)
    result = run_with(write_config, '{ method = "entropy", params = { shift = 1 } }')
    assert result.plan.nodes["index"].weighting.resolved_params() == {"shift": 1.0}


def test_std_and_critic_from_a_config(write_config):
    # σ_a of 0, 0, 100 = 100/√3 (ddof 1), σ_b of 0, 50, 100 = 50 → std: w_a = 2 / (2 + √3) = 0.535898
    # CRITIC with two children: C_j = σ_j (1 − r_ab) for both, so the same weights as std
    expected = {"a": 2 / (2 + math.sqrt(3)), "b": math.sqrt(3) / (2 + math.sqrt(3))}
    assert index_weights(run_with(write_config, '"std"')) == approx(expected, rel=1e-12)
    assert index_weights(run_with(write_config, '"critic"')) == approx(expected, rel=1e-12)
    assert index_weights(run_with(write_config, '{ method = "critic", params = { ddof = 0 } }')) == approx(
        expected, rel=1e-12)


def test_pca_from_a_config(write_config):
    # r_ab = 3/√12 = 0.866: eigenvalues 1.866, 0.134 (share 0.067 < 0.1) → one factor, equal loadings → ½, ½
    result = run_with(write_config, '"pca"')
    assert index_weights(result) == approx({"a": 0.5, "b": 0.5}, rel=1e-9)
    assert result.weight_reports["index"]["factors"] == 1
    result = run_with(write_config, '{ method = "pca", params = { components = 2, rotation = "none" } }')
    assert result.weight_reports["index"]["factors"] == 2


def test_combination_from_a_config(write_config):
    # fixed 3:1 → 0.75, 0.25; entropy 0.703918, 0.296082 (above); α = 0.5 → 0.726959, 0.273041
    d_b = 2 * L2 / (3 * L3)
    weighting = ('{ method = "combination", params = { subjective = { method = "fixed", params = { values = '
                 '{ a = 3, b = 1 } } }, objective = "entropy" } }')
    result = run_with(write_config, weighting)
    expected = {"a": 0.5 * 0.75 + 0.5 / (1 + d_b), "b": 0.5 * 0.25 + 0.5 * d_b / (1 + d_b)}
    assert index_weights(result) == approx(expected, rel=1e-12)
    report = result.weight_reports["index"]
    assert report["weighting"] == "combination" and report["rule"] == "linear" and report["objective.rows"] == 3
    json.dumps(result.manifest["weight_reports"])


@pytest.mark.parametrize(
    ("weighting", "message"),
    [
        ('{ method = "entropy", params = { shfit = 1 } }',
         "nodes.index.weighting.params.shfit: unknown key: did you mean 'shift'?"),
        ('{ method = "std", params = { ddof = 1.5 } }',
         "nodes.index.weighting.params.ddof: expected an integer, got a float (1.5)"),
        ('{ method = "critic", params = { ddof = 2 } }', "nodes.index.weighting.params: ddof must be 0"),
        ('{ method = "pca", params = { rotaton = "none" } }',
         "nodes.index.weighting.params.rotaton: unknown key: did you mean 'rotation'?"),
        ('{ method = "pca", params = { components = "two" } }',
         "nodes.index.weighting.params.components: expected an integer"),
        ('{ method = "combination", params = { subjective = "equal", objective = "entropi" } }',
         "nodes.index.weighting.params.objective: unknown weighting 'entropi': did you mean 'entropy'?"),
        ('{ method = "combination", params = { subjective = "equal", objective = { method = "entropy", '
         'params = { shfit = 1 } } } }',
         "nodes.index.weighting.params.objective.params.shfit: unknown key: did you mean 'shift'?"),
        ('{ method = "combination", params = { subjective = { method = "fixed", params = { values = { a = 1 } } }, '
         'objective = "std" } }',
         "nodes.index.weighting: subjective weighting: no weight for child 'b'; give every child a weight "
         "(node 'index')"),
        ('{ method = "combination", params = { subjective = "equal" } }',
         "nodes.index.weighting.params.objective: required key is missing"),
        ('{ method = "combination", params = { subjective = "equal", objective = "std", alpha = 2 } }',
         "nodes.index.weighting.params: alpha (the weight of the subjective part) must be between 0 and 1"),
    ],
)
def test_params_are_structured_strictly(write_config, weighting, message):
    with pytest.raises(ConfigError) as info:
        zhishu.load_config(write_config(CONFIG.format(weighting=weighting), data__csv=DATA))
    assert any(message in issue.format() for issue in info.value.issues), info.value.issues


def test_entropy_on_zscores_is_a_data_error_from_a_config(write_config):
    text = CONFIG.format(weighting='"entropy"') + '\n[normalisation]\ndefault = "zscore"\n'
    with pytest.raises(DataError, match=r"entropy weights need values ≥ 0 .*'a' is -0\.57735"):
        zhishu.run(write_config(text, data__csv=DATA))


def test_combination_with_ahp_if_available(write_config):
    registries = zhishu.Hooks().registries
    if "ahp" not in registries["weightings"]:
        pytest.skip("the ahp weighting is not registered yet")
    # a pairwise matrix for two children, a twice as important as b: AHP weights 2/3, 1/3 (exact for n = 2)
    weighting = ('{ method = "combination", params = { subjective = { method = "ahp", params = { matrix = '
                 '[[1, 2], [0.5, 1]] } }, objective = "std" } }')
    result = run_with(write_config, weighting)
    assert result.weight_reports["index"]["subjective.cr"] == pytest.approx(0.0, abs=1e-12)
    w_std = {"a": 2 / (2 + math.sqrt(3)), "b": math.sqrt(3) / (2 + math.sqrt(3))}
    assert index_weights(result) == approx({"a": 0.5 * 2 / 3 + 0.5 * w_std["a"], "b": 0.5 / 3 + 0.5 * w_std["b"]},
                                           rel=1e-9)
