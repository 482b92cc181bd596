"""The engine's shortcuts keep every bit: nodes whose weights do not vary and whose children are the same in
every replication are computed once (:func:`~zhishu.sensitivity.engine.varying_nodes`), and the built-in means
take their children as columns (``aggregate_columns``). Each run is compared with the same run through the
general path — every node treated as varying, every mean through ``aggregate_array`` on stacked children, the
engine as it was before these shortcuts — on data with and without a missing value, with perturbed weights on
some nodes only, Dirichlet weights, left-out indicators, moved AHP judgments, alternative normalisers and
aggregators (the minimum: the per-replication path)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zhishu
from zhishu.sensitivity import engine, resolve_spec, run_sensitivity
from toy_index import TOY_DATA, table_config

def _with_f_g(data: str) -> str:
    """TOY_DATA with two more indicators, f and g (a 3-level tree needs more leaves)."""
    rows = data.strip().splitlines()
    extra = [f"{(7 * i) % 11 + 1},{(5 * i) % 13 + 2}" for i in range(len(rows) - 1)]
    return "\n".join([rows[0] + ",f,g"] + [r + "," + e for r, e in zip(rows[1:], extra)]) + "\n"


CONFIG = table_config({"a": 1, "b": -1, "c": 1, "d": 1, "e": 1, "f": -1, "g": 1}, """
[nodes.index]
children = ["p", "q", "r"]
weights = { p = 0.5, q = 0.3, r = 0.2 }

[nodes.p]
children = ["a", "b", "c"]
{p_weighting}

[nodes.q]
children = ["d", "e"]
min_share = 0.4

[nodes.r]
children = ["s", "f"]

[nodes.s]
children = ["g"]

[normalisation]
default = { method = "minmax", params = { low = 1, high = 100 } }
""", index_id="toy")

AHP = 'weighting = { method = "ahp", params = { judgments = { "a/b" = 3, "a/c" = 2, "b/c" = 0.5 } } }'
MISSING = _with_f_g(TOY_DATA)
COMPLETE = _with_f_g(TOY_DATA.replace("H,2022,33,6,4,7,", "H,2022,33,6,4,7,2"))

SPECS = [
    {"replications": 37, "seed": 3, "weights": {"noise": 0.3, "nodes": ["index"]},
     "normaliser": {"alternatives": [{"method": "minmax", "params": {"low": 1, "high": 100}},
                                     {"method": "zscore", "params": {"mean": 10, "sd": 2}}]},
     "aggregator": {"alternatives": ["arithmetic", "geometric"]}},
    {"replications": 29, "seed": 5, "weights": {"noise": 0.4, "nodes": ["q", "index"]},
     "aggregator": {"alternatives": ["arithmetic", "geometric", "minimum"], "nodes": ["index", "p", "r"]},
     "leave_one_out": {"indicators": ["a"]}},
    {"replications": 23, "seed": 7, "weights": {"method": "dirichlet", "concentration": 20.0, "nodes": ["r"]}},
    {"replications": 19, "seed": 9, "ahp": {"steps": 2}},
    {"replications": 11, "seed": 2, "weights": {"noise": 0.0}},
]


def _general(monkeypatch) -> None:
    """The engine without its shortcuts: every node varies, every mean stacks its children."""
    monkeypatch.setattr(engine, "varying_nodes", lambda model: frozenset(model.order))
    monkeypatch.setattr(engine, "_COLUMN_MEANS", ())


@pytest.mark.parametrize("data", [MISSING, COMPLETE], ids=["missing", "complete"])
@pytest.mark.parametrize("spec", SPECS)
def test_shortcuts_give_the_general_paths_bits(write_config, monkeypatch, data, spec):
    config = CONFIG.replace("{p_weighting}", AHP if "ahp" in spec else "")
    plan = zhishu.load_config(write_config(config, data__csv=data))
    rs = resolve_spec(spec, plan)
    fast = run_sensitivity(plan, rs, all_nodes=True, chunk_size=8)
    with monkeypatch.context() as m:
        _general(m)
        general = run_sensitivity(plan, rs, all_nodes=True, chunk_size=8)
    assert set(fast.scores) == set(plan.nodes)
    for nid in plan.nodes:
        assert fast.scores[nid].tobytes() == general.scores[nid].tobytes(), nid
        assert fast.ranks[nid].tobytes() == general.ranks[nid].tobytes(), nid
    assert fast.weights.tobytes() == general.weights.tobytes()


def test_varying_nodes_are_those_whose_weights_can_move(write_config):
    plan = zhishu.load_config(write_config(CONFIG.replace("{p_weighting}", AHP), data__csv=MISSING))

    def varying(spec):
        return engine.varying_nodes(engine.prepare(plan, rs := resolve_spec(spec, plan),
                                                   np.full((1, rs.columns), 0.5)).model)

    assert varying({"replications": 4, "weights": {"noise": 0.2, "nodes": ["q", "index"]}}) == {"q", "index"}
    assert varying({"replications": 4, "ahp": {"steps": 1}}) == {"p"}
    assert varying({"replications": 4, "leave_one_out": {"indicators": ["d", "f"]}}) == {"q", "r"}
    assert varying({"replications": 4, "normaliser": {"alternatives": ["rank", "minmax"]}}) == set()


def test_a_node_shared_by_every_replication_is_computed_once(write_config, monkeypatch):
    """Weights perturbed on the root only: p, q, r and s are the same in every replication, so their means are
    computed once, for one replication, when the model is prepared; the root's for all replications."""
    plan = zhishu.load_config(write_config(CONFIG.replace("{p_weighting}", ""), data__csv=COMPLETE))
    rs = resolve_spec({"replications": 12, "seed": 1, "weights": {"noise": 0.3, "nodes": ["index"]}}, plan)
    seen: dict[int, list] = {}
    original = engine.Arithmetic.aggregate_columns

    def spy(self, columns, weights):
        seen.setdefault(len(columns), []).append(np.shape(weights)[0])
        return original(self, columns, weights)

    monkeypatch.setattr(engine.Arithmetic, "aggregate_columns", spy)
    result = run_sensitivity(plan, rs, all_nodes=True, chunk_size=12)
    assert seen == {3: [1, 12], 2: [1, 1], 1: [1]}  # p (1 replication), index (12); q, s, r (1 each)
    for nid in "pqrs":  # … and every replication has those scores
        assert (result.scores[nid] == result.scores[nid][:, :1]).all()
    assert not (result.scores["index"] == result.scores["index"][:, :1]).all()


@settings(max_examples=200, deadline=None)
@given(keys=hnp.arrays(np.int64, st.tuples(st.integers(0, 40), st.integers(1, 4)), elements=st.integers(0, 5)))
def test_variant_rows_are_the_distinct_rows_in_order_with_their_positions(keys):
    """Against the obvious way: each distinct row as a tuple, sorted, with the positions where it occurs."""
    expected = [(k, np.flatnonzero((keys == np.array(k)).all(axis=1)))
                for k in sorted(set(map(tuple, keys.tolist())))]
    got = engine.variant_rows(keys)
    assert [k for k, _ in got] == [k for k, _ in expected]
    assert all(type(x) is int for k, _ in got for x in k)  # the keys of Model.variants are tuples of ints
    for (_, rows), (_, want) in zip(got, expected):
        assert rows.tolist() == want.tolist()


def test_variant_rows_by_hand():
    keys = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 2], [0, 1, 0]])
    got = [(k, rows.tolist()) for k, rows in engine.variant_rows(keys)]
    assert got == [((0, 0, 2), [3]), ((0, 1, 0), [1, 4]), ((1, 0, 0), [0, 2])]
