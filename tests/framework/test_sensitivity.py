"""``zhishu sensitivity``: the spec, the vectorised engine against independent pipeline runs, identical results
whatever the executor (in-process, processes, a real Dask LocalCluster) and chunk size, Sobol indices on toy
cases with a known answer, and the CLI."""

from __future__ import annotations

import json

import attrs
import numpy as np
import pandas as pd
import pytest

import zhishu
from zhishu.cli import main
from zhishu.config.resolve import resolve_method
from zhishu.default_plugins.weightings import Fixed
from zhishu.pipeline import aggregate, rank, run_config
from zhishu.sensitivity import (
    rank_columns,
    ranks_table,
    replications_table,
    resolve_spec,
    run_sensitivity,
    sobol_table,
)
from zhishu.sensitivity.engine import variant_plan
from zhishu.stages import run_stages
from toy_index import TOY_DATA, table_config

# 8 units × 2 years, one missing value (unit H, 2022, e) so the missing-children rule is exercised
DATA = TOY_DATA

CONFIG = table_config({"a": 1, "b": -1, "c": 1, "d": 1, "e": 1}, """
[nodes.index]
children = ["p", "q"]
weights = { p = 0.6, q = 0.4 }

[nodes.p]
children = ["a", "b", "c"]

[nodes.q]
children = ["d", "e"]
min_share = 0.4

[normalisation]
default = { method = "minmax", params = { low = 1, high = 100 } }
""", index_id="toy")


@pytest.fixture
def plan(write_config):
    return zhishu.load_config(write_config(CONFIG, data__csv=DATA))


def sens(plan, spec, **kwargs):
    return run_sensitivity(plan, resolve_spec(spec, plan), **kwargs)


# --------------------------------------------------------------------------------------------- engine


def test_zero_noise_and_no_alternatives_reproduce_the_nominal_ranks_exactly(plan):
    nominal = run_config(plan)
    result = sens(plan, {"replications": 16, "seed": 1, "weights": {"noise": 0.0}}, all_nodes=True)
    for nid in plan.nodes:
        expected_scores = nominal.scores[nid].to_numpy()
        expected_ranks = nominal.ranks[nid].to_numpy(dtype="float64", na_value=np.nan)
        for r in range(16):  # scores to rounding (the pipeline may use a BLAS product), ranks exactly
            np.testing.assert_allclose(result.scores[nid][:, r], expected_scores, rtol=1e-12, atol=1e-12)
            np.testing.assert_array_equal(result.ranks[nid][:, r], expected_ranks)
    np.testing.assert_array_equal(result.nominal_ranks.to_numpy(), nominal.ranks.to_numpy(dtype="float64", na_value=np.nan))
    table = ranks_table(result)
    assert (table["mean_abs_shift"] == 0).all()
    assert (table["median_rank"] == table["nominal_rank"].astype(float)).all()


def _independent_plan(plan, result, r, normalisers=(), aggregators=(), agg_nodes=(), nominal_first=True):
    """The plan of replication ``r`` built by hand: methods swapped, every node's weights fixed."""
    choice = result.choices[r]
    registries = plan.hooks.registries
    if normalisers and (choice[0] or not nominal_first):
        method = resolve_method(registries, "normalisers", normalisers[choice[0]], "test")
        plan = attrs.evolve(plan, indicators={i: attrs.evolve(x, normaliser=method) for i, x in plan.indicators.items()})
    nodes = dict(plan.nodes)
    if aggregators and choice[1]:
        method = resolve_method(registries, "aggregators", aggregators[choice[1]], "test")
        nodes = {n: attrs.evolve(x, aggregator=method) if n in agg_nodes else x for n, x in nodes.items()}
    slots = result.spec.reported_slots
    for nid, node in nodes.items():
        values = {c: float(result.weights[r, slots.index((nid, c))]) for c in node.children}
        weighting = attrs.evolve(node.weighting, name="fixed", obj=Fixed(values=values))
        nodes[nid] = attrs.evolve(node, weighting=weighting)
    return attrs.evolve(plan, nodes=nodes)


@pytest.mark.parametrize("weights", [{"noise": 0.4}, {"method": "dirichlet", "concentration": 20.0}])
def test_vectorised_replications_equal_independent_pipeline_runs(plan, weights):
    normalisers = [{"method": "minmax", "params": {"low": 1, "high": 100}}, "rank"]
    aggregators = ["arithmetic", "geometric", "minimum"]  # minimum: the per-replication fallback
    spec = {"replications": 40, "seed": 11, "weights": weights,
            "normaliser": {"alternatives": normalisers},
            "aggregator": {"alternatives": aggregators, "nodes": ["index", "p"]},
            "leave_one_out": {"indicators": ["a", "d"]}}
    result = sens(plan, spec, all_nodes=True, chunk_size=7)
    assert len(set(map(tuple, result.choices.tolist()))) > 6  # many combinations exercised
    left_out = set(result.choices[:, 3].tolist())
    assert left_out == {0, 1, 2}
    for r in range(0, 40, 3):
        expected = run_config(_independent_plan(plan, result, r, normalisers, aggregators, ("index", "p")))
        for nid in plan.nodes:
            np.testing.assert_allclose(result.scores[nid][:, r], expected.scores[nid].to_numpy(), rtol=1e-9,
                                       atol=1e-9, err_msg=f"replication {r}, node {nid}")
            np.testing.assert_array_equal(result.ranks[nid][:, r], expected.ranks[nid].to_numpy())
    # a left-out indicator's weight is 0 and its siblings' sum to 1
    col = result.spec.reported_slots.index(("p", "a"))
    rows = result.choices[:, 3] == 1
    assert (result.weights[rows, col] == 0).all()
    p_cols = [result.spec.reported_slots.index(("p", c)) for c in ("a", "b", "c")]
    np.testing.assert_allclose(result.weights[:, p_cols].sum(axis=1), 1.0)


def test_alternatives_without_the_nominal_method_are_all_applied(plan):
    normalisers = ["rank", "zscore"]  # the configured minmax [1, 100] is not among them
    result = sens(plan, {"replications": 12, "seed": 8, "weights": {"noise": 0.2},
                         "normaliser": {"alternatives": normalisers}})
    assert "(the nominal minmax(low=1.0, high=100.0) is not among them" in result.spec.describe_lines()[2]
    nominal = run_config(plan)
    np.testing.assert_array_equal(result.nominal_ranks.to_numpy(), nominal.ranks.to_numpy(dtype="float64", na_value=np.nan))
    assert set(result.choices[:, 0].tolist()) == {0, 1}
    for r in range(12):
        expected = run_config(_independent_plan(plan, result, r, normalisers, nominal_first=False))
        np.testing.assert_allclose(result.scores["index"][:, r], expected.scores["index"].to_numpy(), rtol=1e-9)
        np.testing.assert_array_equal(result.ranks["index"][:, r], expected.ranks["index"].to_numpy())


def test_uniform_noise_stays_in_its_range_and_dirichlet_centres_on_the_nominal_weights(plan):
    result = sens(plan, {"replications": 400, "seed": 2, "weights": {"noise": 0.25, "nodes": ["index"]}})
    ratio = result.weights[:, 0] / result.weights[:, 1] / (0.6 / 0.4)
    assert (ratio >= 0.75 / 1.25 - 1e-12).all() and (ratio <= 1.25 / 0.75 + 1e-12).all()
    assert result.spec.reported_slots == (("index", "p"), ("index", "q"))
    result = sens(plan, {"replications": 2000, "seed": 2,
                         "weights": {"method": "dirichlet", "concentration": 50.0, "nodes": ["index"]}})
    assert result.weights[:, 0].mean() == pytest.approx(0.6, abs=0.01)
    assert result.weights[:, 0].std() == pytest.approx(np.sqrt(0.6 * 0.4 / 51), rel=0.1)


def test_rank_columns_equals_pandas_rank_with_ties_and_missing_values():
    rng = np.random.default_rng(0)
    S = rng.integers(0, 4, size=(12, 50)).astype(float)
    S[rng.random(S.shape) < 0.1] = np.nan
    years = np.repeat([0, 1], 6)
    index = pd.MultiIndex.from_arrays([list("ABCDEF") * 2, np.repeat([2021, 2022], 6)], names=["unit", "year"])
    expected = rank(pd.DataFrame(S, index=index)).to_numpy()
    np.testing.assert_array_equal(rank_columns(S, years), expected)


# --------------------------------------------------------------------------------------------- executors

SPEC = {"replications": 64, "seed": 5, "sobol": True, "weights": {"noise": 0.3},
        "normaliser": {"alternatives": [{"method": "minmax", "params": {"low": 1, "high": 100}}, "rank"]},
        "leave_one_out": {"indicators": "all"}}


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _same(a, b):
    np.testing.assert_array_equal(a.sample, b.sample)
    np.testing.assert_array_equal(a.choices, b.choices)
    np.testing.assert_array_equal(a.weights, b.weights)
    for nid in a.scores:
        np.testing.assert_array_equal(a.scores[nid], b.scores[nid])
        np.testing.assert_array_equal(a.ranks[nid], b.ranks[nid])


def test_same_seed_same_results_whatever_the_executor_and_chunk_size(plan, dask_client):
    base = sens(plan, SPEC, all_nodes=True)
    assert base.replications == 64 * (3 + 2)
    _same(base, sens(plan, SPEC, all_nodes=True, chunk_size=7))
    _same(base, sens(plan, SPEC, all_nodes=True, executor="processes", workers=2, chunk_size=50))
    on_dask = sens(plan, SPEC, all_nodes=True, executor="dask", client=dask_client, chunk_size=33)
    _same(base, on_dask)
    assert len(dask_client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(sobol_table(base), sobol_table(on_dask))
    other_seed = sens(plan, {**SPEC, "seed": 6}, all_nodes=True)
    assert not np.array_equal(base.sample, other_seed.sample)


def test_reductions_are_identical_whatever_the_executor_and_equal_the_full_arrays(plan, dask_client, monkeypatch):
    """replications=False folds exact reductions where the chunks run: the rank table is the one computed
    from every replication, bit for bit; Sobol indices from the Sobol sums (forced here by KEEP_CELLS = 0)
    are SALib's to 1e-12 and the same on every executor."""
    import sys

    full = sens(plan, SPEC, all_nodes=True)
    kept = sens(plan, SPEC, all_nodes=True, replications=False, chunk_size=10)
    pd.testing.assert_frame_equal(ranks_table(full), ranks_table(kept), check_exact=True)
    pd.testing.assert_frame_equal(sobol_table(full), sobol_table(kept), check_exact=True)  # SALib on kept ranks
    assert kept.scores == {} and list(kept.ranks) == [plan.root]
    with pytest.raises(ValueError, match="replications=True"):
        replications_table(kept)
    monkeypatch.setattr(sys.modules["zhishu.sensitivity.run"], "KEEP_CELLS", 0)
    runs = [sens(plan, SPEC, all_nodes=True, replications=False, chunk_size=c) for c in (5, 35)]
    runs.append(sens(plan, SPEC, all_nodes=True, replications=False, executor="processes", workers=2))
    runs.append(sens(plan, SPEC, all_nodes=True, replications=False, executor="dask", client=dask_client,
                     chunk_size=15))
    expected_sobol = sobol_table(full)
    for run in runs:
        assert run.ranks == {} and run.scores == {}
        pd.testing.assert_frame_equal(ranks_table(run), ranks_table(full), check_exact=True)
        table = sobol_table(run)
        pd.testing.assert_frame_equal(table, sobol_table(runs[0]), check_exact=True)
        assert table[["output", "unit", "year", "input"]].astype(str).equals(
            expected_sobol[["output", "unit", "year", "input"]].astype(str))
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            np.testing.assert_allclose(table[key], expected_sobol[key], rtol=0, atol=1e-12, err_msg=key)


# --------------------------------------------------------------------------------------------- Sobol


def test_sobol_one_input_that_matters_and_one_that_cannot(plan):
    spec = {"replications": 256, "seed": 3, "sobol": True, "weights": {"noise": 0.0},
            "normaliser": {"alternatives": [{"method": "minmax", "params": {"low": 1, "high": 100}}, "rank"]}}
    result = sens(plan, spec)
    table = sobol_table(result)
    assert set(table["input"]) == {"weights", "normaliser"}
    ranks = result.ranks[plan.root]
    varies = np.ptp(ranks, axis=1) > 0
    assert varies.any()
    rank_rows = table[table["output"] == "rank"]
    for i, unit_varies in enumerate(varies):
        rows = rank_rows.iloc[2 * i: 2 * i + 2].set_index("input")
        assert rows.loc["weights", ["S1", "ST"]].abs().max() < 1e-12  # zero noise changes nothing
        if unit_varies:
            assert rows.loc["normaliser", "S1"] == pytest.approx(1.0, abs=0.2)
            assert rows.loc["normaliser", "ST"] == pytest.approx(1.0, abs=0.2)
        else:
            assert rows.loc["normaliser", "ST"] == 0.0
    shift = table[table["output"] == "mean_abs_rank_shift"].set_index(["year", "input"])
    assert shift.loc[(2021, "normaliser"), "ST"] == pytest.approx(1.0, abs=0.2)


def test_sobol_confidence_with_seed_0_is_reproducible(plan, monkeypatch):
    """Seed 0 is a seed like any other: SALib takes 0 for "no seed" and bootstraps from numpy's global generator,
    so zhishu hands it default_rng(0). Two runs give the same confidence intervals, whether the ranks are kept
    (SALib per unit) or only the Sobol sums (the reductions' bootstrap), and the two agree."""
    import sys

    spec = {**SPEC, "seed": 0}
    tables = []
    for _ in range(2):
        np.random.seed(None)  # whatever numpy's global generator holds must not matter
        tables.append(sobol_table(sens(plan, spec)))
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)
    assert (tables[0]["S1_conf"] > 0).any()
    monkeypatch.setattr(sys.modules["zhishu.sensitivity.run"], "KEEP_CELLS", 0)  # the Sobol sums' path
    sums = [sobol_table(sens(plan, spec, replications=False, chunk_size=c)) for c in (5, 35)]
    pd.testing.assert_frame_equal(sums[0], sums[1], check_exact=True)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_allclose(sums[0][key], tables[0][key], rtol=0, atol=1e-12, err_msg=key)


def test_sobol_single_input_keeps_the_weights_as_one_input(plan):
    result = sens(plan, {"replications": 32, "seed": 3, "sobol": True, "weights": {"noise": 0.3}})
    assert result.replications == 32 * (2 + 2)  # one input plus SALib's dummy
    table = sobol_table(result)
    assert set(table["input"]) == {"weights"}


# --------------------------------------------------------------------------------------------- spec errors


def test_spec_errors_are_listed_together_with_toml_paths_and_did_you_mean(plan):
    spec = {"replications": 100, "sobol": True, "seed": 1,
            "weights": {"nois": 0.2, "nodes": ["indx"]},
            "normaliser": {"alternatives": ["zscore", "minmx"]},
            "aggregator": {"alternatives": ["arithmetic", "geometric"], "nodes": ["a"]},
            "leave_one_out": {"indicators": ["a", "zz"]},
            "ahp": {"steps": 1}}
    with pytest.raises(zhishu.ConfigError) as info:
        resolve_spec(spec, plan, "spec.toml")
    assert "sensitivity.weights.nois: unknown key: did you mean 'noise' or 'nodes'?" in str(info.value)
    spec["weights"] = {"noise": 1.5, "nodes": ["indx"]}
    with pytest.raises(zhishu.ConfigError) as info:
        resolve_spec(spec, plan, "spec.toml")
    lines = [i.format() for i in info.value.issues]
    text = "\n".join(lines)
    assert "spec.toml: sensitivity.replications: with sobol = true" in text and "power of 2" in text
    assert "sensitivity.weights.noise: noise must be at least 0 and below 1" in text
    assert "sensitivity.weights.nodes[0]: unknown node 'indx': did you mean 'index'?" in text
    assert "sensitivity.normaliser.alternatives[1]: unknown normaliser 'minmx': did you mean 'minmax'" in text
    assert "sensitivity.aggregator.nodes[0]: 'a' is an indicator, not a node" in text
    assert "sensitivity.leave_one_out.indicators[1]: unknown indicator 'zz'" in text
    assert "sensitivity.ahp: no node is weighted by AHP" in text


def test_spec_type_errors_and_missing_keys(plan):
    with pytest.raises(zhishu.ConfigError) as info:
        resolve_spec({"seed": "1", "weights": {"method": "gaussian", "noise": 0.1}}, plan)
    text = str(info.value)
    assert "sensitivity.replications: required key is missing" in text
    assert "sensitivity.seed: expected an integer, got a string" in text
    with pytest.raises(zhishu.ConfigError) as info:
        resolve_spec({"replications": 4, "weights": {"method": "dirichlt"}}, plan)
    assert "sensitivity.weights.method: unknown weights method 'dirichlt': did you mean 'dirichlet'?" in str(info.value)


def test_describe_lines_show_every_uncertain_input(plan):
    rs = resolve_spec(SPEC, plan)
    lines = rs.describe_lines()
    assert lines[0].startswith("sensitivity: 320 replications = 64 × (3 inputs + 2)")
    assert any(line.startswith("  weights: uniform, each weight × U(0.7, 1.3)") and "7 weights of 3 node(s)" in line
               for line in lines)
    assert any("normaliser: 2 alternatives: minmax(low=1.0, high=100.0) [nominal], rank" in line for line in lines)
    assert any("leave_one_out: each replication leaves out none or one of 5 indicator(s)" in line for line in lines)


# --------------------------------------------------------------------------------------------- CLI


def test_cli_writes_the_tables_and_the_config_with_a_sensitivity_section_still_runs(write_config, tmp_path, capsys):
    config = write_config(CONFIG + """
[sensitivity]
replications = 16
seed = 9
sobol = true
[sensitivity.weights]
noise = 0.25
[sensitivity.aggregator]
alternatives = ["arithmetic", "geometric"]
""", data__csv=DATA)
    assert zhishu.run(config).scores.shape[0] == 16  # the index loader accepts [sensitivity]
    out = tmp_path / "out"
    assert main(["sensitivity", str(config), "-o", str(out), "--chunk-size", "10"]) == 0
    printed = capsys.readouterr().out
    assert "sensitivity: 64 replications = 16 × (2 inputs + 2)" in printed
    assert "aggregator: 2 alternatives: arithmetic [nominal], geometric(offset=0.0)" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == ["sensitivity-manifest.json", "sensitivity-ranks.csv", "sensitivity-replications.csv",
                     "sensitivity-samples.csv", "sensitivity-sobol.csv"]
    ranks = pd.read_csv(out / "sensitivity-ranks.csv")
    assert list(ranks.columns) == ["unit", "year", "node", "nominal_score", "nominal_rank", "median_rank",
                                   "p05_rank", "p95_rank", "min_rank", "max_rank", "mean_abs_shift"]
    assert len(ranks) == 16 and set(ranks["node"]) == {"index"}
    reps = pd.read_csv(out / "sensitivity-replications.csv")
    assert list(reps.columns) == ["replication", "unit", "year", "score", "rank", "aggregator",
                                  "weights_max_abs_change"]
    assert len(reps) == 64 * 16
    sobol = pd.read_csv(out / "sensitivity-sobol.csv", keep_default_na=False)
    assert set(sobol["input"]) == {"weights", "aggregator"}
    manifest = json.loads((out / "sensitivity-manifest.json").read_text())
    assert manifest["sensitivity"]["seed"] == 9 and manifest["sensitivity"]["executor"] == "inprocess"
    assert manifest["sensitivity"]["libraries"]["SALib"] != "-"
    assert manifest["index"]["config"]["sha256"]


def test_cli_spec_file_check_and_user_errors(write_config, tmp_path, capsys):
    config = write_config(CONFIG, data__csv=DATA)
    assert main(["sensitivity", str(config), "-o", str(tmp_path / "o")]) == 2
    assert "no [sensitivity] table; add one or pass a separate file with --spec FILE" in capsys.readouterr().err
    spec = tmp_path / "spec.toml"
    spec.write_text('[sensitivity]\nreplications = 8\n[sensitivity.weights]\nnoise = 0.1\nnodes = ["q"]\n')
    assert main(["sensitivity", str(config), "--spec", str(spec), "-o", str(tmp_path / "o"), "--check"]) == 0
    assert "2 weights of 1 node(s): q" in capsys.readouterr().out
    assert not (tmp_path / "o").exists()
    assert main(["sensitivity", str(config), "--spec", str(spec), "-o", str(tmp_path / "o"), "--no-replications",
                 "--executor", "processes", "--workers", "2", "--all-nodes"]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["sensitivity-manifest.json",
                                                                  "sensitivity-ranks.csv"]
    assert set(pd.read_csv(tmp_path / "o" / "sensitivity-ranks.csv")["node"]) == {"index", "p", "q"}
    spec.write_text('[sensitivity]\nreplications = 8\n[sensitivity.weights]\nnoise = 0.1\nnodes = ["qq"]\n')
    assert main(["sensitivity", str(config), "--spec", str(spec), "-o", str(tmp_path / "o")]) == 2
    assert f"{spec}: sensitivity.weights.nodes[0]: unknown node 'qq'" in capsys.readouterr().err


def test_demo_config_runs_with_every_discrete_input(repo_root, tmp_path):
    plan = zhishu.load_config(repo_root / "configs" / "demo.toml")
    spec = {"replications": 50, "seed": 4, "weights": {"noise": 0.2},
            "normaliser": {"alternatives": [{"method": "minmax", "params": {"low": 0, "high": 100}}, "rank"]},
            "aggregator": {"alternatives": ["arithmetic", "minimum"]},
            "imputation": {"alternatives": ["none", "mean"]},
            "leave_one_out": {"indicators": "all"}}
    result = sens(plan, spec)
    table = replications_table(result)
    assert {"normaliser", "aggregator", "imputation", "left_out"} <= set(table.columns)
    assert set(table["left_out"]) == {"", "gdp_per_capita", "broadband_rate", "servers", "energy_per_rack"}
    assert len(result.model.variants) == 8


# --------------------------------------------------------------------------------------------- AHP judgments

SAATY = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
AHP_CONFIG = CONFIG.replace('[nodes.p]\nchildren = ["a", "b", "c"]',
                            '[nodes.p]\nchildren = ["a", "b", "c"]\n'
                            'weighting = { method = "ahp", params = { judgments = { "a/b" = 3, "a/c" = 2, '
                            '"b/c" = 0.5 } } }')


def test_ahp_judgments_moved_on_the_saaty_scale_equal_independent_runs(write_config):
    plan = zhishu.load_config(write_config(AHP_CONFIG, data__csv=DATA))
    result = sens(plan, {"replications": 30, "seed": 4, "ahp": {"steps": 2}})
    assert result.spec.reported_slots == (("p", "a"), ("p", "b"), ("p", "c"))
    assert "each of 3 AHP judgment(s) of node(s) p moved by −2 … +2 steps" in result.spec.describe_lines()[1]
    nominal = {"a/b": 3.0, "a/c": 2.0, "b/c": 0.5}
    changed = 0
    for r in range(30):
        moved = {}
        for k, (pair, value) in enumerate(nominal.items()):
            shift = int(result.sample[r, k] * 5) - 2
            moved[pair] = value if shift == 0 else SAATY[min(max(SAATY.index(value) + shift, 0), 16)]
        changed += moved != nominal
        node = plan.nodes["p"]
        obj = attrs.evolve(node.weighting.obj, judgments=moved, allow_inconsistent=True)
        independent = attrs.evolve(plan, nodes={**plan.nodes, "p": attrs.evolve(
            node, weighting=attrs.evolve(node.weighting, obj=obj))})
        expected = run_config(independent)
        w = expected.weights.set_index("node")["weight"]
        np.testing.assert_allclose(result.weights[r], [w["a"], w["b"], w["c"]], rtol=1e-9)
        np.testing.assert_allclose(result.scores["index"][:, r], expected.scores["index"].to_numpy(), rtol=1e-9)
        np.testing.assert_array_equal(result.ranks["index"][:, r], expected.ranks["index"].to_numpy())
    assert changed > 20


def test_ahp_spec_errors(write_config, plan):
    with pytest.raises(zhishu.ConfigError) as info:
        resolve_spec({"replications": 4, "ahp": {"steps": 0}}, plan)
    text = str(info.value)
    assert "sensitivity.ahp.steps: steps must be between 1 and 16" in text
    assert "sensitivity.ahp: no node is weighted by AHP" in text
    ahp_plan = zhishu.load_config(write_config(AHP_CONFIG, data__csv=DATA))
    with pytest.raises(zhishu.ConfigError) as info:
        resolve_spec({"replications": 4, "ahp": {"nodes": ["q"]}}, ahp_plan)
    assert "sensitivity.ahp.nodes[0]: node 'q' is weighted by 'equal', not AHP; AHP nodes: p" in str(info.value)


def test_caict_runs_with_every_uncertain_input_and_only_children_left_out(repo_root):
    plan = zhishu.load_config(repo_root / "configs" / "caict-2023.toml")
    spec = {"replications": 40, "seed": 2, "weights": {"noise": 0.2}, "ahp": {"steps": 1},
            "normaliser": {"alternatives": [{"method": "fraction_of_max", "params": {"scale": 100}},
                                            {"method": "minmax", "params": {"low": 1, "high": 100}}]},
            "aggregator": {"alternatives": ["arithmetic", {"method": "geometric", "params": {"offset": 1}}]},
            "leave_one_out": {"indicators": "all"}}
    rs = resolve_spec(spec, plan)
    text = "\n".join(rs.describe_lines())
    assert "rd_spending → technology_rd" in text and "ahp: each of 24 AHP judgment(s)" in text
    result = run_sensitivity(plan, rs, chunk_size=16)
    assert not np.isnan(result.scores["index"]).any()
    left = np.array(rs.inputs[3].choices, dtype=object)[result.choices[:, 3]]
    col = rs.reported_slots.index(("technology", "technology_rd"))
    assert (result.weights[left == "rd_spending", col] == 0).all()
    assert (result.weights[left != "rd_spending", col] > 0).all()


def test_progress_bar_updates_one_line_only_when_enabled():
    import io

    from zhishu.sensitivity.executors import Progress

    stream = io.StringIO()
    bar = Progress(10, enabled=True, stream=stream)
    bar.update(4)
    bar.update(6)
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r[") and "10/10 replications" in text and text.endswith("\n")
    quiet = io.StringIO()
    bar = Progress(10, stream=quiet)  # a StringIO is not a terminal
    bar.update(10)
    bar.close()
    assert quiet.getvalue() == ""


# --------------------------------------------------------------------------------------------- combinations

# entropy weights below the root (leaf level) and CRITIC weights at the root (over the sub-indices' scores,
# which depend on the aggregator)
OBJECTIVE = CONFIG.replace('weights = { p = 0.6, q = 0.4 }', 'weighting = "critic"').replace(
    '[nodes.p]\nchildren = ["a", "b", "c"]', '[nodes.p]\nchildren = ["a", "b", "c"]\nweighting = "entropy"')


@pytest.fixture
def objective(write_config):
    assert OBJECTIVE != CONFIG
    return zhishu.load_config(write_config(OBJECTIVE, data__csv=DATA))


def test_data_driven_weights_of_every_combination_are_the_pipelines(objective):
    plan = objective
    spec = {"replications": 24, "seed": 5, "weights": {"noise": 0.0},
            "normaliser": {"alternatives": [{"method": "minmax", "params": {"low": 1, "high": 100}}, "rank"]},
            "aggregator": {"alternatives": ["arithmetic", "geometric"]}}
    rs = resolve_spec(spec, plan)
    result = run_sensitivity(plan, rs, all_nodes=True)
    assert len(result.model.variants) == 4
    for key, variant in result.model.variants.items():
        vplan = variant_plan(plan, rs, key)
        _scores, table = aggregate(vplan, run_stages(vplan).normalised)  # the pipeline, independently
        for nid, node in vplan.nodes.items():
            expected = [float(table[(table["parent"] == nid) & (table["node"] == c)]["weight"].iloc[0])
                        for c in node.children]
            assert variant.weights[nid].tolist() == expected, (key, nid)
        # noise 0: each replication of this combination is the pipeline's index of the combination
        rows = np.flatnonzero((result.choices[:, :3] == np.array(key)).all(axis=1))
        nominal = run_config(vplan)
        for r in rows:
            np.testing.assert_allclose(result.scores[plan.root][:, r], nominal.scores[plan.root].to_numpy(),
                                       rtol=1e-12, atol=1e-12)
    # the data-driven root weights differ between the aggregators (so they were recomputed, not copied)
    w = {k: tuple(v.weights["index"]) for k, v in result.model.variants.items()}
    assert w[(0, 0, 0)] != w[(0, 1, 0)]


def test_a_combination_the_data_cannot_take_is_an_error_naming_it_and_the_cell(write_config):
    plan = zhishu.load_config(write_config(CONFIG, data__csv=DATA))
    spec = {"replications": 16, "seed": 1, "weights": {"noise": 0.1},
            "normaliser": {"alternatives": [{"method": "minmax", "params": {"low": 1, "high": 100}},
                                            {"method": "minmax", "params": {"low": 0, "high": 100}}]},
            "aggregator": {"alternatives": ["arithmetic", "geometric"]}}
    with pytest.raises(zhishu.DataError) as info:
        run_sensitivity(plan, resolve_spec(spec, plan))
    lines = [i.format() for i in info.value.issues]
    assert lines[-1].endswith("(with normaliser minmax, aggregator geometric, a combination the sensitivity "
                              "sample uses)")
    rs = resolve_spec(spec, plan)
    with pytest.raises(zhishu.DataError) as pipeline:  # the same combination run by the pipeline
        run_config(variant_plan(plan, rs, (1, 1, 0)))
    assert lines[:-1] == [i.format() for i in pipeline.value.issues]
    assert "d = 0 at unit 'B', year 2022; the geometric mean needs values > 0" in lines[0]
