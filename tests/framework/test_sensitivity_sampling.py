"""An independent check of the sensitivity sampling: the sampled weights and discrete choices follow the spec
(goodness-of-fit tests against distributions derived here, not the engine's formulas), and — as in COINr's
uncertainty analysis — every replication equals an ordinary ``zhishu`` run of a config written from that
replication's published parameters (``sensitivity-samples.csv``), compared with ``sensitivity-replications.csv``.

Statistical tests use fixed seeds, so they are deterministic; each threshold (p > 0.001) is one a correct
sampler passes at a given seed with probability 0.999, while a wrong range, centre or distribution (e.g. noise
± 12.5 % instead of ± 25 %) gives p < 1e-10 at these sample sizes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import zhishu
from zhishu.sensitivity import resolve_spec, run_sensitivity, samples_table, write_sensitivity
from toy_index import TOY_DATA

# 8 units × 2 years; e is missing for H in 2022 (so missing children are re-weighted in every replication)
DATA = TOY_DATA

# the index written out; {…} are filled per replication by replication_config below
TEMPLATE = """
[index]
id = "toy"

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.a]
direction = 1
[indicators.b]
direction = -1
[indicators.c]
direction = 1
[indicators.d]
direction = 1
[indicators.e]
direction = 1

[nodes.index]
children = ["p", "q"]
weights = {{ {index_weights} }}
aggregator = {aggregator}

[nodes.p]
children = [{p_children}]
weights = {{ {p_weights} }}
aggregator = "arithmetic"  # set here: a node inherits its parent's aggregator otherwise

[nodes.q]
children = ["d", "e"]
weights = {{ {q_weights} }}
aggregator = "arithmetic"

[normalisation]
default = {normaliser}
"""
MINMAX = '{ method = "minmax", params = { low = 1, high = 100 } }'
NOMINAL = dict(index_weights="p = 0.6, q = 0.4", aggregator='"arithmetic"', p_children='"a", "b", "c"',
               p_weights="a = 1, b = 1, c = 1", q_weights="d = 1, e = 1", normaliser=MINMAX)


@pytest.fixture
def plan(write_config):
    return zhishu.load_config(write_config(TEMPLATE.format(**NOMINAL), data__csv=DATA))


def samples(plan, spec) -> pd.DataFrame:
    return samples_table(run_sensitivity(plan, resolve_spec(spec, plan)))


# --------------------------------------------------------------------------------------------- distributions


def _ratio_cdf_exact(t: float, lo: float, hi: float) -> float:
    """P(X / Y <= t) for X, Y independent U(lo, hi): E_Y[P(X <= tY)], integrated numerically."""
    inner = (lambda y: min(max((t * y - lo) / (hi - lo), 0.0), 1.0) / (hi - lo))
    return integrate.quad(inner, lo, hi, limit=200)[0]


_GRID = np.linspace(0.75 / 1.25, 1.25 / 0.75, 2001)
_CDF = np.array([_ratio_cdf_exact(t, 0.75, 1.25) for t in _GRID])


def ratio_cdf(t):
    """The CDF of f_a / f_b for f ~ U(0.75, 1.25), on a fine grid (it is smooth: interpolation error < 1e-6)."""
    return np.interp(t, _GRID, _CDF)


def test_uniform_noise_multiplies_each_weight_by_an_independent_u_within_25_percent(plan):
    """w_a / w_b = f_a / f_b after re-normalisation (nominal a = b), f ~ U(0.75, 1.25) independent per weight."""
    table = samples(plan, {"replications": 3000, "seed": 3, "weights": {"noise": 0.25}})
    ratio = (table["w:p/a"] / table["w:p/b"]).to_numpy()
    assert ratio.min() >= 0.75 / 1.25 and ratio.max() <= 1.25 / 0.75  # the bounds of f_a / f_b
    assert stats.kstest(ratio, ratio_cdf).pvalue > 0.001
    # the nominal 0.6 : 0.4 of the index node is kept in distribution: (w_p / w_q) / 1.5 is the same ratio
    scaled = (table["w:index/p"] / table["w:index/q"] / 1.5).to_numpy()
    assert stats.kstest(scaled, ratio_cdf).pvalue > 0.001
    # weights re-normalised within each node; by symmetry E[w_a] = 1/3 (sd of w_a ≈ 0.05, so the standard error
    # of the mean of 3000 draws ≈ 0.001 and 0.005 is five standard errors)
    np.testing.assert_allclose(table[["w:p/a", "w:p/b", "w:p/c"]].sum(axis=1), 1.0, rtol=1e-12)
    assert table["w:p/a"].mean() == pytest.approx(1 / 3, abs=0.005)
    # independent draws per weight: the factor ratios of disjoint pairs are uncorrelated
    assert abs(np.corrcoef(ratio, scaled)[0, 1]) < 4 / np.sqrt(len(ratio))


def test_a_narrower_noise_is_rejected_by_the_same_test(plan):
    """The test above can fail: ± 12.5 % noise is far from the ± 25 % distribution."""
    table = samples(plan, {"replications": 3000, "seed": 3, "weights": {"noise": 0.125}})
    ratio = (table["w:p/a"] / table["w:p/b"]).to_numpy()
    assert stats.kstest(ratio, ratio_cdf).pvalue < 1e-10


def test_dirichlet_weights_have_beta_marginals(plan):
    """Dirichlet(c·w): each weight is Beta(c·w_i, c·(1 − w_i)) (a property of the Dirichlet distribution)."""
    c = 30.0
    table = samples(plan, {"replications": 3000, "seed": 4, "weights": {"method": "dirichlet", "concentration": c}})
    assert stats.kstest(table["w:index/p"], stats.beta(c * 0.6, c * 0.4).cdf).pvalue > 0.001
    assert stats.kstest(table["w:p/b"], stats.beta(c / 3, c * 2 / 3).cdf).pvalue > 0.001
    assert stats.kstest(table["w:q/e"], stats.beta(c / 2, c / 2).cdf).pvalue > 0.001
    assert stats.kstest(table["w:q/e"], stats.beta(c / 3, c * 2 / 3).cdf).pvalue < 1e-10  # the wrong mean fails


def test_discrete_choices_are_uniform_and_independent(plan):
    spec = {"replications": 3000, "seed": 5,
            "normaliser": {"alternatives": [MINMAX_SPEC, "rank", {"method": "minmax", "params": {"low": 10}}]},
            "aggregator": {"alternatives": ["arithmetic", "geometric"], "nodes": ["index"]},
            "leave_one_out": {"indicators": ["a", "d"]}}
    table = samples(plan, spec)
    for column, m in (("normaliser", 3), ("aggregator", 2), ("left_out", 3)):  # left_out: none, a or d
        counts = table[column].value_counts()
        assert len(counts) == m, column
        assert stats.chisquare(counts.to_numpy()).pvalue > 0.001, column
    crossed = pd.crosstab(table["normaliser"], table["left_out"])
    assert stats.chi2_contingency(crossed.to_numpy()).pvalue > 0.001


MINMAX_SPEC = {"method": "minmax", "params": {"low": 1, "high": 100}}


# --------------------------------------------------------------------------------------------- COINr-style check


def replication_config(row: pd.Series, labels: dict[str, str]) -> str:
    """The config of one replication, written from its row of sensitivity-samples.csv only."""
    def weights(node: str, children: list[str]) -> str:
        return ", ".join(f"{c} = {float(row[f'w:{node}/{c}'])!r}" for c in children)

    p_children = [c for c in ("a", "b", "c") if c != row["left_out"]]
    template = TEMPLATE.replace("[indicators.a]\ndirection = 1\n", "") if row["left_out"] == "a" else TEMPLATE
    return template.format(
        index_weights=weights("index", ["p", "q"]), aggregator=labels[row["aggregator"]],
        p_children=", ".join(f'"{c}"' for c in p_children), p_weights=weights("p", p_children),
        q_weights=weights("q", ["d", "e"]), normaliser=labels[row["normaliser"]])


def test_every_replication_equals_an_independent_run_of_its_published_parameters(plan, write_config, tmp_path):
    spec = {"replications": 24, "seed": 9, "weights": {"noise": 0.3},
            "normaliser": {"alternatives": [MINMAX_SPEC, "rank"]},
            "aggregator": {"alternatives": ["arithmetic", "geometric"], "nodes": ["index"]},
            "leave_one_out": {"indicators": ["a"]}}
    out = tmp_path / "sensitivity"
    write_sensitivity(run_sensitivity(plan, resolve_spec(spec, plan)), out)
    published = pd.read_csv(out / "sensitivity-samples.csv", keep_default_na=False)
    replications = pd.read_csv(out / "sensitivity-replications.csv", keep_default_na=False)
    # each label as the spec wrote it, and the TOML that chooses it in a config
    labels = {"minmax(low=1.0, high=100.0)": MINMAX, "rank": '"rank"',
              "arithmetic": '"arithmetic"', "geometric(offset=0.0)": '"geometric"'}
    assert set(published["normaliser"]) == {"minmax(low=1.0, high=100.0)", "rank"}  # both alternatives drawn …
    assert set(published["aggregator"]) == {"arithmetic", "geometric(offset=0.0)"}
    assert set(published["left_out"]) == {"", "a"}  # … and both leave-one-out states
    for _, row in published.iterrows():
        path = write_config(replication_config(row, labels), name=f"r{row['replication']}.toml", data__csv=DATA)
        expected = zhishu.run(path)
        got = replications[replications["replication"] == row["replication"]].set_index(["unit", "year"])
        exp_scores = expected.scores["index"]
        got_scores = got["score"].replace("", np.nan).astype(float).reindex(exp_scores.index)
        np.testing.assert_allclose(got_scores.to_numpy(), exp_scores.to_numpy(), rtol=1e-9, atol=1e-9,
                                   err_msg=f"replication {row['replication']}")
        got_ranks = got["rank"].replace("", np.nan).astype(float).reindex(exp_scores.index)
        np.testing.assert_array_equal(got_ranks.to_numpy(), expected.ranks["index"].to_numpy().astype(float))
