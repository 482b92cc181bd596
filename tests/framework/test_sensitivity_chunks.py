"""Chunk sizing and the background-booted local Dask cluster (issue 12): results do not depend on either."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import zhishu
from zhishu.sensitivity import resolve_spec, run_sensitivity
from zhishu.sensitivity.executors import CHUNK_CELLS, CHUNKS_PER_WORKER, auto_chunk_size, blocks

ROOT = Path(__file__).resolve().parents[2]
SPEC = {"replications": 300, "seed": 4, "weights": {"noise": 0.2},
        "normaliser": {"alternatives": [{"method": "fraction_of_max", "params": {"scale": 100}},
                                        {"method": "minmax", "params": {"low": 1, "high": 100}}]},
        "aggregator": {"alternatives": ["arithmetic", {"method": "geometric", "params": {"offset": 1}}]}}


@pytest.fixture(scope="module")
def plan():
    return zhishu.load_config(ROOT / "configs" / "caict-2023.toml")


def _same(a, b):
    np.testing.assert_array_equal(a.sample, b.sample)
    np.testing.assert_array_equal(a.choices, b.choices)
    np.testing.assert_array_equal(a.weights, b.weights)
    for nid in a.scores:
        np.testing.assert_array_equal(a.scores[nid], b.scores[nid])
        np.testing.assert_array_equal(a.ranks[nid], b.ranks[nid])


def test_auto_chunk_size_bounds_memory_and_shares_work(plan):
    rs = resolve_spec(SPEC, plan)
    model = run_sensitivity(plan, rs, chunk_size=300).model
    widest = max(len(c) for c in model.children.values())
    by_memory = CHUNK_CELLS // (model.units * widest)
    assert auto_chunk_size(model, 10**7, "inprocess", None) == by_memory
    assert auto_chunk_size(model, 300, "inprocess", None) == 300  # never more than there are
    # the chunk is sized to the memory only; parallel executors' tasks are blocks of whole chunks
    assert auto_chunk_size(model, 10**7, "dask", 2) == by_memory
    assert auto_chunk_size(model, 3, "dask", 4) == 3
    with_sobol = auto_chunk_size(model, 10**7, "inprocess", None, step=7)  # whole base samples (D + 2 rows)
    assert with_sobol % 7 == 0 and by_memory - 7 < with_sobol <= by_memory
    assert auto_chunk_size(model, 10**7, "inprocess", None, step=10**6) == 10**6  # at least one base sample
    parts = blocks(8_000, 300, 2 * CHUNKS_PER_WORKER)
    assert len(parts) <= 2 * CHUNKS_PER_WORKER and parts[0][0] == 0 and parts[-1][1] == 8_000
    assert all(s % 300 == 0 and (e - s) % 300 == 0 for s, e in parts[:-1])
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))


def test_default_chunks_give_the_results_of_any_other_chunking(plan):
    rs = resolve_spec(SPEC, plan)
    auto = run_sensitivity(plan, rs)
    assert auto.manifest["sensitivity"]["chunk_size"] == 300
    _same(auto, run_sensitivity(plan, rs, chunk_size=7))


def test_local_cluster_booted_during_preparation_gives_the_same_results(plan):
    pytest.importorskip("distributed")
    rs = resolve_spec(SPEC, plan)
    on_dask = run_sensitivity(plan, rs, executor="dask", workers=2)
    assert on_dask.manifest["sensitivity"]["chunk_size"] == 300  # tasks are blocks of chunks
    _same(run_sensitivity(plan, rs), on_dask)
