"""zhishu_audit: indicator statistics, coverage, correlations, Cronbach's alpha, PCA and importance.

Every expected value is computed independently in the test: by hand, with scipy.stats, or with numpy's
eigen-decomposition, on COINr's ASEM example (configs/examples/asem.toml) and on analytic test functions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import zhishu
from hypothesis import given, settings
from hypothesis import strategies as st
from zhishu_audit import (audit, consistency_summary, corr_matrix, correlation_flags, correlation_ratio, correlations,
                          coverage, cronbach, cronbach_alpha, importance, indicator_stats, pca_tables)

ROOT = Path(__file__).resolve().parents[2]
ASEM = ROOT / "configs" / "examples" / "asem.toml"
ASEM_DATA = ROOT.parent / "shared" / "data" / "asem" / "input_iData_raw.csv"
needs_asem = pytest.mark.skipif(not ASEM_DATA.exists(), reason=f"the ASEM data is not at {ASEM_DATA}")


@pytest.fixture(scope="module")
def asem():
    if not ASEM_DATA.exists():
        pytest.skip(f"the ASEM data is not at {ASEM_DATA}")
    return zhishu.run(ASEM)


def oriented_raw(result) -> pd.DataFrame:
    d = np.array([result.plan.indicators[c].spec.direction for c in result.raw.columns], dtype=float)
    return result.raw * d


# ============================================================================================ statistics


def test_skewness_and_kurtosis_follow_the_shared_convention():
    # the audit uses zhishu.skew_kurtosis (tested in tests/framework/test_moments.py): by hand, x = 0, 0, 0, 1
    # has G1 = 2 and G2 = 4; three values (1, 2, 9) have G1 = 135 / (19 √19) and no kurtosis; seven 0.7s are
    # constant although numpy's mean of them is not exactly 0.7
    from zhishu_audit.stats import column_stats

    frame = pd.DataFrame({"four": [0.0, 0.0, 0.0, 1.0, np.nan, np.nan, np.nan],
                          "three": [1.0, 2.0, 9.0] + [np.nan] * 4, "flat": [0.7] * 7})
    t = column_stats(frame).set_index("indicator")
    assert t.loc["four", "skewness"] == pytest.approx(2.0, abs=1e-12)
    assert t.loc["four", "kurtosis"] == pytest.approx(4.0, abs=1e-12)
    assert t.loc["three", "skewness"] == pytest.approx(135 / (19 * math.sqrt(19)), rel=1e-12)
    assert np.isnan(t.loc["three", "kurtosis"])
    assert np.isnan(t.loc["flat", "skewness"]) and np.isnan(t.loc["flat", "kurtosis"])
    assert t.loc["flat", "zero_variance"]


def test_stats_of_asem_raw_equal_independent_values(asem):
    table = indicator_stats(asem)
    assert list(table.columns[:4]) == ["dataset", "year", "indicator", "parent"]
    raw = table[table["dataset"] == "raw"].set_index("indicator")
    data = oriented_raw(asem)
    for ind in ("LPI", "Flights", "ConSpeed", "Tariff", "CO2"):
        x = data[ind].dropna().to_numpy()
        row = raw.loc[ind]
        assert row["n"] == len(x) and row["missing"] == 51 - len(x)
        assert row["mean"] == pytest.approx(x.mean()) and row["sd"] == pytest.approx(x.std(ddof=1))
        assert row["median"] == pytest.approx(np.median(x))
        assert (row["min"], row["max"]) == (pytest.approx(x.min()), pytest.approx(x.max()))
        assert row["skewness"] == pytest.approx(scipy.stats.skew(x, bias=False))
        assert row["kurtosis"] == pytest.approx(scipy.stats.kurtosis(x, bias=False))
        q1, q3 = np.percentile(x, [25, 75])
        assert row["n_outliers_iqr"] == int(((x < q1 - 1.5 * (q3 - q1)) | (x > q3 + 1.5 * (q3 - q1))).sum())
        skew, kurt = scipy.stats.skew(x, bias=False), scipy.stats.kurtosis(x, bias=False)
        assert row["outlier_skew_kurtosis"] == bool(abs(skew) > 2 and kurt > 3.5)
        values, counts = np.unique(x, return_counts=True)
        assert row["n_unique"] == len(values) and row["share_same"] == pytest.approx(counts.max() / len(x))
    # the JRC rule flags exactly the indicators the pipeline's own JRC treatment reports as outlying before it
    flagged = set(raw.index[raw["outlier_skew_kurtosis"]])
    assert "Flights" in flagged and "LPI" not in flagged


def test_zero_variance_and_near_constant_flags():
    frame = pd.DataFrame({"flat": [3.0, 3.0, 3.0, 3.0, 3.0], "mostly": [1.0, 1.0, 1.0, 2.0, 5.0],
                          "spread": [1.0, 2.0, 3.0, 4.0, np.nan]})
    from zhishu_audit.stats import column_stats

    t = column_stats(frame).set_index("indicator")
    assert t.loc["flat", "zero_variance"] and np.isnan(t.loc["flat", "skewness"])
    assert t.loc["mostly", "near_constant"] and not t.loc["mostly", "zero_variance"]  # 3 of 5 share one value
    assert t.loc["mostly", "share_same"] == pytest.approx(0.6)
    assert not t.loc["spread", "near_constant"] and t.loc["spread", "n"] == 4 and t.loc["spread", "missing"] == 1


def test_coverage_counts_of_asem(asem):
    # asem.toml: 65 missing cells after denomination (63 in the file + Elec and Gas of LAO), all imputed
    ind = coverage(asem, "indicator")
    assert ind["imputed"].sum() == 65 and ind["present"].sum() == 51 * 49 - 65
    assert ind["missing_after"].sum() == 0
    assert ind["treated"].sum() == int((asem.flags == "treated").to_numpy().sum())
    con = ind.set_index("indicator").loc["ConSpeed"]
    assert con["present"] == asem.raw["ConSpeed"].notna().sum() and con["share_present"] == pytest.approx(
        asem.raw["ConSpeed"].notna().mean())
    units = coverage(asem, "unit").set_index("unit")
    lao = units.loc["LAO"]
    assert lao["present"] == int(asem.raw.xs("LAO", level="unit").notna().to_numpy().sum())
    assert lao["imputed"] == 49 - lao["present"] and lao["indicators"] == 49
    assert units["imputed"].sum() == 65


# ============================================================================================ correlations


def _pairwise(a: pd.Series, b: pd.Series, method: str) -> tuple[float, int]:
    ok = a.notna() & b.notna()
    f = scipy.stats.pearsonr if method == "pearson" else scipy.stats.spearmanr
    return float(f(a[ok], b[ok])[0]), int(ok.sum())


def test_corr_matrix_with_missing_values_equals_pairwise_scipy():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(30, 4)), columns=list("abcd"))
    X.iloc[rng.choice(30, 6, replace=False), 0] = np.nan
    X.iloc[rng.choice(30, 4, replace=False), 2] = np.nan
    X["d"] = X["d"].round(0)  # ties
    for method in ("pearson", "spearman"):
        r, n = corr_matrix(X, method=method)
        for i in X.columns:
            for j in X.columns:
                expected, count = _pairwise(X[i], X[j], method)
                assert r.loc[i, j] == pytest.approx(expected, abs=1e-12) and n.loc[i, j] == count


@needs_asem
@pytest.mark.parametrize("dataset", ["raw", "normalised"])
@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_asem_correlation_tables_equal_independent_pairwise(asem, dataset, method):
    table = correlations(asem, datasets=(dataset,), methods=(method,))
    values = pd.concat([oriented_raw(asem), asem.scores[list(asem.plan.nodes)]], axis=1) if dataset == "raw" \
        else asem.scores
    values = values.droplevel("year")
    kinds = table.groupby("kind").size().to_dict()
    # within: every pair of children of every node; parent and root: every item below
    if dataset == "normalised":
        assert kinds["within"] == sum(len(n.children) * (len(n.children) - 1) // 2 for n in asem.plan.nodes.values())
        assert kinds["parent"] == kinds["root"] == len(asem.scores.columns) - 1
    else:
        assert kinds["parent"] == kinds["root"] == 49
    sample = table[table["kind"] != "level"]
    for row in sample.itertuples():
        expected, n = _pairwise(values[row.x], values[row.y], method)
        assert row.r == pytest.approx(expected, abs=1e-10), (row.kind, row.x, row.y)
        assert row.n == n
    level = table[table["kind"] == "level"].sample(40, random_state=1)
    for row in level.itertuples():
        assert row.r == pytest.approx(_pairwise(values[row.x], values[row.y], method)[0], abs=1e-10)


@needs_asem
def test_correlation_flags_follow_their_rules(asem):
    table = correlations(asem, datasets=("normalised",), methods=("pearson",))
    flags = correlation_flags(asem, table)
    within = table[table["kind"] == "within"]
    neg = flags[flags["flag"] == "negative_within"]
    assert len(neg) == int((within["r"] < 0).sum()) > 0
    red = flags[flags["flag"] == "redundant"]
    assert len(red) == int((within["r"].abs() >= 0.9).sum())
    # other_node: recompute by hand for every indicator of a pillar (level-2 nodes of ASEM)
    scores = asem.scores.droplevel("year")
    pillars = [n for n in asem.plan.nodes if asem.plan.level_of(n) == 2]
    expected = set()
    for p in pillars:
        for child in asem.plan.nodes[p].children:
            own = np.corrcoef(scores[child], scores[p])[0, 1]
            other = max(np.corrcoef(scores[child], scores[q])[0, 1] for q in pillars if q != p)
            if other > own:
                expected.add(child)
    got = set(flags.loc[(flags["flag"] == "other_node") & flags["node"].isin(pillars), "x"])
    assert got == expected and expected


# ============================================================================================ Cronbach, PCA


@needs_asem
def test_cronbach_per_pillar_equals_the_textbook_formula(asem):
    table = cronbach(asem).set_index("node")
    scores = asem.scores.droplevel("year")
    for nid, node in asem.plan.nodes.items():
        X = scores[list(node.children)]
        k = X.shape[1]
        textbook = k / (k - 1) * (1 - X.var(ddof=1).sum() / X.sum(axis=1).var(ddof=1))
        assert table.loc[nid, "alpha"] == pytest.approx(textbook, abs=1e-12), nid
        assert table.loc[nid, "k"] == k


def test_cronbach_with_missing_values_uses_pairwise_covariances():
    # COINr: k² · mean(off-diagonal of cov(use = "pairwise")) / sum(cov(use = "pairwise"))
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan], "b": [2.0, 1.0, 4.0, 3.0, 6.0, 5.0],
                      "c": [1.0, np.nan, 2.0, 5.0, 4.0, 6.0]})
    C = X.cov()  # pandas: pairwise complete, n − 1
    k = 3
    expected = k**2 * ((C.to_numpy().sum() - np.trace(C)) / (k * (k - 1))) / C.to_numpy().sum()
    assert cronbach_alpha(X.to_numpy()) == pytest.approx(expected, abs=1e-12)


@needs_asem
def test_pca_first_share_equals_numpy_eigen_decomposition(asem):
    eig, loads = pca_tables(asem)
    scores = asem.scores.droplevel("year")
    for nid, node in asem.plan.nodes.items():
        R = np.corrcoef(scores[list(node.children)].to_numpy(), rowvar=False)
        values = np.sort(np.linalg.eigvals(R).real)[::-1]
        mine = eig[eig["node"] == nid].sort_values("component")
        assert mine["eigenvalue"].to_numpy() == pytest.approx(values, abs=1e-10)
        assert mine["share"].iloc[0] == pytest.approx(values[0] / len(node.children), abs=1e-12)
        # loadings: the correlation of each child with the first component's scores
        first = loads[(loads["node"] == nid) & (loads["component"] == 1)].set_index("child")
        Z = (scores[list(node.children)] - scores[list(node.children)].mean()) / scores[list(node.children)].std()
        pc = Z.to_numpy() @ first["eigenvector"].reindex(list(node.children)).to_numpy()
        for child in node.children:
            assert first.loc[child, "loading"] == pytest.approx(np.corrcoef(scores[child], pc)[0, 1], abs=1e-10)
    summary = consistency_summary(asem).set_index("node")
    assert summary.loc["Physical", "eigen_above_1"] == int((eig[(eig["node"] == "Physical")]["eigenvalue"] > 1).sum())


# ============================================================================================ importance


def test_correlation_ratio_recovers_a_linear_model():
    # y = x1 + 2 x2 + 0.5 x3, xi ~ U(−1, 1) independent: Si = ci² / Σ c² = 1/5.25, 4/5.25, 0.25/5.25
    rng = np.random.default_rng(11)
    X = rng.uniform(-1, 1, size=(4000, 3))
    y = X @ np.array([1.0, 2.0, 0.5])
    for j, share in enumerate(np.array([1.0, 4.0, 0.25]) / 5.25):
        s, _ = correlation_ratio(X[:, j], y)
        assert s == pytest.approx(share, abs=0.02)


def test_correlation_ratio_recovers_a_nonlinear_model():
    # y = x1 + x2², x ~ U(−1, 1): V(x1) = 1/3, V(x2²) = 1/5 − 1/9 = 4/45 → S1 = 15/19, S2 = 4/19, while the
    # squared correlation of x2 with y is 0 (E(y | x2) is even in x2): r² misses what S catches
    rng = np.random.default_rng(5)
    x1, x2 = rng.uniform(-1, 1, size=(2, 4000))
    y = x1 + x2**2
    assert correlation_ratio(x1, y)[0] == pytest.approx(15 / 19, abs=0.02)
    assert correlation_ratio(x2, y)[0] == pytest.approx(4 / 19, abs=0.02)
    assert np.corrcoef(x2, y)[0, 1] ** 2 < 0.01


def test_correlation_ratio_recovers_ishigami_first_order_indices():
    # Ishigami (a = 7, b = 0.1), x ~ U(−π, π): S1 = 0.3139, S2 = 0.4424, S3 = 0 (Ishigami & Homma 1990)
    rng = np.random.default_rng(7)
    x = rng.uniform(-np.pi, np.pi, size=(3, 6000))
    y = np.sin(x[0]) + 7 * np.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * np.sin(x[0])
    b = 0.1
    V = 49 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    expected = [0.5 * (1 + b * np.pi**4 / 5) ** 2 / V, 49 / 8 / V, 0.0]
    for j in range(3):
        assert correlation_ratio(x[j], y)[0] == pytest.approx(expected[j], abs=0.03)


@needs_asem
def test_importance_table_of_asem(asem):
    table = importance(asem)
    scores = asem.scores.droplevel("year")
    social = table[table["node"] == "Social"].set_index("child")
    assert social["weight"].to_numpy() == pytest.approx(np.full(9, 1 / 9))
    assert social["r2_share"].sum() == pytest.approx(1.0) and social["s_share"].sum() == pytest.approx(1.0)
    for child in ("TolMin", "CPI"):
        r = scipy.stats.pearsonr(scores[child], scores["Social"])[0]
        assert social.loc[child, "r2"] == pytest.approx(r * r, abs=1e-12)
        assert social.loc[child, "gap_r2"] == pytest.approx(social.loc[child, "r2_share"] - 1 / 9)
    # where GCV chose no interior knot the fit is a cubic polynomial (the group means for a child with d ≤ 4
    # distinct values, i.e. a polynomial of degree d − 1): S is its adjusted R², by numpy.polyfit
    cubic = table[table["knots"] == 0]
    assert len(cubic) > 10
    for row in cubic.itertuples():
        x, y = scores[row.child].to_numpy(), scores[row.node].to_numpy()
        degree = min(3, len(np.unique(x)) - 1)  # d ≤ 4 distinct values: the group means
        rss = ((y - np.polyval(np.polyfit(x, y, degree), x)) ** 2).sum()
        adjusted = 1 - (rss / (len(y) - degree - 1)) / (((y - y.mean()) ** 2).sum() / (len(y) - 1))
        assert row.correlation_ratio == pytest.approx(min(max(adjusted, 0.0), 1.0), abs=1e-9), row.child


@needs_asem
def test_audit_returns_every_table_and_findings_in_words(asem):
    tables = audit(asem)
    assert list(tables) == ["indicator_stats", "coverage_indicators", "coverage_units", "correlations",
                            "correlation_flags", "cronbach", "pca", "pca_loadings", "consistency", "importance",
                            "leave_one_out", "findings"]
    messages = list(tables["findings"]["message"])
    alpha = tables["cronbach"].set_index("node").loc["Instit", "alpha"]
    assert f"node Instit: Cronbach α = {alpha:.2f} < 0.7 in 2018 (6 children)" in messages
    assert any(m.startswith("TBTs correlates negatively with its parent Instit") or "TBTs" in m for m in messages)


# ============================================================================================ properties

matrices = st.integers(5, 25).flatmap(lambda n: st.lists(
    st.lists(st.floats(-100, 100, allow_nan=False), min_size=3, max_size=3), min_size=n, max_size=n))


@settings(max_examples=60, deadline=None)
@given(matrices, st.floats(0.1, 10), st.lists(st.floats(-50, 50), min_size=3, max_size=3))
def test_cronbach_is_invariant_to_shifts_and_a_common_scale(rows, scale, shifts):
    X = np.array(rows)
    if (X.std(axis=0) < 1e-3).any() or abs(X.sum(axis=1).var()) < 1e-3:
        return
    alpha = cronbach_alpha(X)
    assert cronbach_alpha(X * scale + np.array(shifts)) == pytest.approx(alpha, rel=1e-6, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(matrices, st.floats(0.1, 10), st.floats(-50, 50))
def test_correlations_are_symmetric_bounded_and_invariant(rows, scale, shift):
    X = pd.DataFrame(rows, columns=list("abc"))
    if (X.std() < 1e-3).any():
        return
    for method in ("pearson", "spearman"):
        r, n = corr_matrix(X, method=method)
        R = r.to_numpy()
        assert np.allclose(R, R.T, atol=1e-12) and (np.abs(R) <= 1).all()
        assert np.allclose(np.diag(R), 1.0)
    moved = X.assign(a=X["a"] * scale + shift)
    assert corr_matrix(moved)[0].to_numpy() == pytest.approx(corr_matrix(X)[0].to_numpy(), abs=1e-7)
    # Spearman only sees the order: a strictly increasing transform of a column changes nothing
    # (the cube of the ranks: strictly increasing in b, ties kept, exact in floating point)
    monotone = X.assign(b=X["b"].rank() ** 3)
    assert corr_matrix(monotone, method="spearman")[0].to_numpy() == pytest.approx(
        corr_matrix(X, method="spearman")[0].to_numpy(), abs=1e-9)


# ============================================================================================ leave one out

from zhishu_audit.leave_one_out import leave_one_out, reaggregate  # noqa: E402


@pytest.mark.parametrize("name", ["asem.toml", "caict-2023.toml", "nbs-digital-2015-2024.toml"])
def test_reaggregation_reproduces_the_run(name):
    path = next((ROOT / "configs").rglob(name))
    if not ASEM_DATA.parent.parent.exists():
        pytest.skip("the shared data is not there")
    result = zhishu.run(path)
    again = reaggregate(result, every_node=True)
    assert np.allclose(again.to_numpy(), result.scores.to_numpy(), rtol=0, atol=1e-12, equal_nan=True)


def test_leave_one_out_equals_a_full_rerun_with_a_zero_weight(asem):
    import attrs

    plan = asem.plan
    children = plan.nodes["Social"].children
    fixed = plan.hooks.registries["weightings"].get("fixed")
    values = {c: (0.0 if c == "TolMin" else 1.0) for c in children}
    node = attrs.evolve(plan.nodes["Social"], weighting=attrs.evolve(
        plan.nodes["Social"].weighting, name="fixed", params={"values": values}, obj=fixed(values=values)))
    rerun = zhishu.run_config(attrs.evolve(plan, nodes={**plan.nodes, "Social": node}))
    shift = (rerun.ranks["Index"] - asem.ranks["Index"]).abs()
    row = leave_one_out(asem).set_index("indicator").loc["TolMin"]
    assert row["mean_abs_shift"] == pytest.approx(shift.mean(), abs=1e-12)
    assert row["max_abs_shift"] == shift.max() and row["units"] == 51
    worst = row["unit_max_shift"]
    assert shift.xs(worst, level="unit").iloc[0] == shift.max()
    assert row["rank_after"] == rerun.ranks["Index"].xs(worst, level="unit").iloc[0]
