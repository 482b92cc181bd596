"""Chunk sizing and the background-booted local Dask cluster (issue 12): results do not depend on either."""

from __future__ import annotations

import sys
import types
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


def _accumulated_on_workers(client) -> list[int]:
    from zhishu.sensitivity import executors

    return list(client.run(lambda: len(executors._ACCUMULATED)).values())


def test_dask_workers_keep_the_reductions_and_forget_them_after_the_run(plan):
    """Each task folds its rows into its worker's reduction and returns only the row range; the workers'
    reductions come back once at the end, cover every block once, and are then forgotten."""
    distributed = pytest.importorskip("distributed")
    from zhishu.sensitivity.engine import prepare
    from zhishu.sensitivity.executors import _boot_local_cluster, run_chunks
    from zhishu.sensitivity.reduce import Reduction
    from zhishu.sensitivity.sampling import sample_matrix

    rs = resolve_spec(SPEC, plan)
    U = sample_matrix(rs)
    model = prepare(plan, rs, U).model
    red = Reduction(counts=(model.root,), max_rank=int(np.bincount(model.year_codes).max()))
    inproc = run_chunks(model, U, reduction=red, chunk_size=7)
    cluster, client = _boot_local_cluster(2)
    try:
        on_dask = run_chunks(model, U, executor="dask", client=client, reduction=red, chunk_size=7)
        np.testing.assert_array_equal(inproc.counts[model.root], on_dask.counts[model.root])
        assert on_dask.counts[model.root].sum() == len(U) * model.units  # every replication ranks every unit
        assert _accumulated_on_workers(client) == [0, 0]
        assert isinstance(client, distributed.Client)
        with pytest.raises(IndexError):  # a task's error reaches the caller; nothing of the run stays behind
            run_chunks(model, U[:, :1], executor="dask", client=client, reduction=red, chunk_size=7)
        assert _accumulated_on_workers(client) == [0, 0]
    finally:
        client.close()
        cluster.close()


def test_a_block_of_a_run_already_collected_keeps_nothing(plan):
    """A failed run's futures are cancelled and its reductions collected, but a task already started runs on
    (and one may still start): it must not leave a reduction, or an empty entry, behind on the worker."""
    from zhishu.sensitivity import executors
    from zhishu.sensitivity.engine import prepare
    from zhishu.sensitivity.reduce import Reduction
    from zhishu.sensitivity.sampling import sample_matrix

    rs = resolve_spec(SPEC, plan)
    U = sample_matrix(rs)
    model = prepare(plan, rs, U).model
    red = Reduction(counts=(model.root,), max_rank=int(np.bincount(model.year_codes).max()))
    payload = executors._Payload("ended-run", model, red, U)
    assert executors._fold_block(payload, 0, 14, 7) == (0, 14)  # a live run keeps its reduction …
    assert [done for _, done in executors._ACCUMULATED["ended-run"].values()] == [[(0, 14)]]
    assert len(executors._collect("ended-run")) == 1  # … until it is collected
    assert executors._fold_block(payload, 14, 28, 7) == (14, 28)  # a block of the ended run
    assert "ended-run" not in executors._ACCUMULATED
    assert executors._collect("ended-run") == []


def test_the_run_folder_is_in_memory_only_where_there_is_room(tmp_path, monkeypatch):
    """A container's /dev/shm is often 64 MB: the matrix and the reductions of a large run would not fit."""
    import os
    import shutil

    from zhishu.sensitivity.executors import run_folder

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "shm").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    roomy = run_folder(str(tmp_path / "shm"), min_free=1)
    full = run_folder(str(tmp_path / "shm"), min_free=2**62)
    missing = run_folder(str(tmp_path / "absent"), min_free=1)
    try:
        assert os.path.dirname(roomy) == str(tmp_path / "shm")
        assert os.path.dirname(full) == os.path.dirname(missing) == str(tmp_path / "tmp")
        assert all(os.path.basename(p).startswith("zhishu-dask-") for p in (roomy, full, missing))
    finally:
        for p in (roomy, full, missing):
            shutil.rmtree(p, ignore_errors=True)


def test_a_lost_block_is_an_error_not_a_smaller_result():
    from zhishu.sensitivity.executors import _combine
    from zhishu.sensitivity.reduce import Reduction, new_partial

    parts = [(0, 10), (10, 20), (20, 25)]
    with pytest.raises(RuntimeError, match=r"cover 2 blocks, expected 3 \(missing \[\(10, 20\)\]\)"):
        _combine(new_partial(0, 25), [(0, 10), (20, 25)], parts, Reduction(), 3)
    with pytest.raises(RuntimeError, match="cover 4 blocks, expected 3"):
        _combine(new_partial(0, 25), [(0, 10), (10, 20), (0, 10), (20, 25)], parts, Reduction(), 3)
    whole = new_partial(0, 25)
    assert _combine(whole, [(20, 25), (0, 10), (10, 20)], parts, Reduction(), 3) is whole


def test_merge_into_adds_in_place_what_merge_adds():
    from zhishu.sensitivity.reduce import Partial, merge, merge_into

    rng = np.random.default_rng(0)

    def part(start, stop, sobol=True):
        p = Partial(start=start, stop=stop, pieces=[(start, None, None, {}, {}, None)],
                    counts={"root": rng.integers(0, 50, size=(4, 6)).astype("int32")})
        if sobol:
            p.sobol = rng.integers(0, 1000, size=(3, 4, 5)).astype("float64")
            p.sobol_total = rng.integers(0, 1000, size=4).astype("float64")
            p.drawn_min, p.drawn_max = rng.integers(1, 3, size=4) * 1.0, rng.integers(3, 6, size=4) * 1.0
        return p

    for a_sobol, b_sobol in ((True, True), (False, True), (True, False)):
        a, b = part(10, 20, a_sobol), part(0, 10, b_sobol)
        expected = merge(a, b)
        b_counts = b.counts["root"].copy()
        got = merge_into(a, b)
        assert got is a and (got.start, got.stop) == (0, 20) and [p[0] for p in got.pieces] == [0, 10]
        np.testing.assert_array_equal(got.counts["root"], expected.counts["root"])
        np.testing.assert_array_equal(b.counts["root"], b_counts)  # b is left as it was
        for key in ("sobol", "sobol_total", "drawn_min", "drawn_max"):
            np.testing.assert_array_equal(getattr(got, key), getattr(expected, key))


def _has_marker() -> bool:
    return "zhishu_fork_marker" in sys.modules


def _inherited() -> list:
    from zhishu.sensitivity import executors

    return [m.tolist() for m in executors._INHERITED.values()]


def test_local_cluster_started_here_when_distributed_is_imported_already(plan):
    """With ``distributed`` imported in this process (its threads may hold locks), the local cluster boots here
    rather than in a forked driver process; the results are those of the in-process run."""
    distributed = pytest.importorskip("distributed")
    from zhishu.sensitivity import executors as X

    booting = X.LocalClusterStart(2)
    try:
        assert isinstance(booting.client(), distributed.Client)
        assert len(booting.call(_has_marker)) == 2
    finally:
        booting.close()
    rs = resolve_spec(SPEC, plan)
    _same(run_sensitivity(plan, rs), run_sensitivity(plan, rs, executor="dask", workers=2))


DRIVER_CHECKS = """
import sys, types
import numpy as np
import zhishu
from zhishu.sensitivity import executors as X, resolve_spec, run_sensitivity
from zhishu.sensitivity.engine import prepare
from zhishu.sensitivity.reduce import Reduction, concat_pieces
from zhishu.sensitivity.sampling import sample_matrix
from tests.framework.test_sensitivity_chunks import SPEC, _has_marker, _inherited

plan = zhishu.load_config(sys.argv[1])
rs = resolve_spec(SPEC, plan)

# the workers are forked from the driver (itself forked from here): a module only this process imported is in
# their sys.modules, and the sample matrix given at the start is inherited, not sent
sys.modules["zhishu_fork_marker"] = types.ModuleType("zhishu_fork_marker")
U = np.arange(12.0).reshape(4, 3)
booting = X.LocalClusterStart(2, U)
try:
    assert list(booting.call(_has_marker).values()) == [True, True]
    assert list(booting.call(_inherited).values()) == [[U.tolist()]] * 2
    assert X._INHERITED == {}  # this process keeps no copy
finally:
    booting.close()
del sys.modules["zhishu_fork_marker"]

# a whole run: distributed is imported by the driver only, and the results are those of the in-process run
a = run_sensitivity(plan, rs, executor="dask", workers=2, replications=False)
assert "distributed" not in sys.modules, "distributed imported"
b = run_sensitivity(plan, rs, replications=False)
np.testing.assert_array_equal(a.reduced.counts[plan.root], b.reduced.counts[plan.root])

# chunks computed here from the last row back while the cluster starts (3 of them; or every row, the cluster
# then gets no block), the matrix sent after the start (as zhishu sensitivity does): the same reductions
U = sample_matrix(rs)
model = prepare(plan, rs, U).model
red = Reduction(keep=(model.root,), keep_scores=False, counts=(model.root,),
                max_rank=int(np.bincount(model.year_codes).max()))
inproc = X.run_chunks(model, U, reduction=red, chunk_size=40)
for here in (3, 10_000):
    booting = X.LocalClusterStart(2)
    booting.give(U)
    calls = []
    booting._is_ready = lambda: calls.append(1) or (len(calls) > here and X.LocalClusterStart._is_ready(booting))
    try:
        on_dask = X.run_chunks(model, U, executor="dask", client=booting, reduction=red, chunk_size=40)
    finally:
        booting.close()
    assert len(calls) >= min(here, 30), calls  # 30 chunks of 10 rows (a quarter of 40)
    np.testing.assert_array_equal(inproc.counts[model.root], on_dask.counts[model.root])
    x = concat_pieces(inproc, red.keep, model.units, len(rs.reported_slots), 4, False)
    y = concat_pieces(on_dask, red.keep, model.units, len(rs.reported_slots), 4, False)
    for p, q in zip(x, y):
        if isinstance(p, dict):
            assert p.keys() == q.keys() and all(np.array_equal(p[k], q[k]) for k in p)
        elif p is not None:
            np.testing.assert_array_equal(p, q)
assert "distributed" not in sys.modules
print("ok")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="driver process on Linux only")
def test_the_local_cluster_is_driven_by_a_forked_process():
    """In a new interpreter (distributed not imported: the driver process is used), see DRIVER_CHECKS."""
    pytest.importorskip("distributed")
    import subprocess

    proc = subprocess.run([sys.executable, "-c", DRIVER_CHECKS, str(ROOT / "configs" / "caict-2023.toml")],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
