"""Cases 3 and 4: the sensitivity analysis — the ASEM example with N = 500 in one process, and the throughput of
a 2-worker Dask local cluster against a 1-worker one on caict-2023."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import zhishu
from zhishu.sensitivity import resolve_spec, run_sensitivity

from .timing import REPEAT, best_of

ROOT = Path(__file__).resolve().parents[1]
ASEM = ROOT / "configs/examples/asem.toml"
CAICT = ROOT / "configs/caict-2023.toml"


def case_asem(replications: int = 500) -> tuple[str, float, float, float] | None:
    """The ASEM spec of configs/examples/asem.toml (weights ±25%, two normalisers, two aggregators); the
    target is absolute (0.5 s), so the 'numpy' column holds the target and the ratio is time / target."""
    if not (ROOT.parent / "shared/data/asem").is_dir():
        return None
    plan = zhishu.load_config(ASEM)
    rs = resolve_spec({**plan.config.sensitivity, "replications": replications}, plan)
    seconds, _ = best_of(REPEAT, lambda: run_sensitivity(plan, rs))
    return f"ASEM sensitivity, N = {replications}, in-process (vs 0.5 s target)", seconds, 0.5, 1.0


def case_dask(replications: int = 100_000, chunk: int = 10_000) -> tuple[str, float, float, float]:
    """caict-2023 with weights ±20% and two normalisers and aggregators: the replication phase's seconds on 2
    workers vs 1 worker (clusters started beforehand; the preparation of the variants, the same serial step in
    both, is left out — throughput is replications per second of computing them); ratio = 2-worker time /
    1-worker time, target ≤ 1 / 1.6. Best of three runs on each cluster."""
    from distributed import Client, LocalCluster

    plan = zhishu.load_config(CAICT)
    spec = {key: value for key, value in plan.config.sensitivity.items() if key not in ("sobol", "ahp", "leave_one_out")}
    rs = resolve_spec({**spec, "replications": replications}, plan)
    times = {}
    logging.getLogger("distributed").setLevel(logging.ERROR)
    for workers in (1, 2):
        with contextlib.ExitStack() as stack:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
            times[workers] = min(
                run_sensitivity(plan, rs, executor="dask", client=client, chunk_size=chunk)
                .manifest["sensitivity"]["seconds"]["replications"] for _ in range(REPEAT))
    return (f"caict-2023 sensitivity, {replications:,} replications: Dask 2 workers vs 1 worker (s)",
            times[2], times[1], 1 / 1.6)
