"""Case 1: normalise (min-max) → aggregate three levels (arithmetic, equal weights) → rank, against the same
arithmetic written directly in numpy. Synthetic data: ``n`` units × ``k`` indicators, one year."""

from __future__ import annotations

import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import zhishu
from zhishu.pipeline import aggregate, normalise, rank

from .timing import REPEAT, best_of

GROUP = 5  # indicators per group; groups per pillar = 5; pillars under the root = k / 25


def _config(k: int) -> str:
    lines = ['[index]\nid = "bench"\n', '[sources.s]\nplugin = "table"\nparams = { path = "unused.csv" }\n']
    for i in range(k):
        lines.append(f"[indicators.i{i}]\ndirection = {1 if i % 7 else -1}\n")
    groups = [f"g{j}" for j in range(k // GROUP)]
    pillars = [f"p{j}" for j in range(len(groups) // 5)]
    lines.append(f"[nodes.index]\nchildren = {pillars!r}\n".replace("'", '"'))
    for j, p in enumerate(pillars):
        lines.append(f"[nodes.{p}]\nchildren = {groups[j * 5:(j + 1) * 5]!r}\n".replace("'", '"'))
    for j, g in enumerate(groups):
        lines.append(f"[nodes.{g}]\nchildren = {[f'i{i}' for i in range(j * GROUP, (j + 1) * GROUP)]!r}\n"
                     .replace("'", '"'))
    return "\n".join(lines)


def _numpy(values: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = values * directions
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    norm = (x - lo) / (hi - lo) * 100
    n, k = norm.shape
    groups = norm.reshape(n, k // GROUP, GROUP).mean(axis=2)
    pillars = groups.reshape(n, groups.shape[1] // 5, 5).mean(axis=2)
    root = pillars.mean(axis=1)
    order = (-root).argsort(kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(1, n + 1)
    return root, ranks


def case_pipeline(n: int, k: int) -> tuple[str, float, float, float]:
    rng = np.random.default_rng(0)
    values = rng.lognormal(size=(n, k))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(_config(k), encoding="utf-8")
        plan = zhishu.load_config(path)
    index = pd.MultiIndex.from_arrays([np.arange(n).astype(str), np.full(n, 2024)], names=["unit", "year"])
    raw = pd.DataFrame(values, index=index, columns=[f"i{i}" for i in range(k)])
    directions = np.array([1.0 if i % 7 else -1.0 for i in range(k)])

    def ours_once():
        scores, _ = aggregate(plan, normalise(plan, raw))
        return scores, rank(scores[["index"]])

    tracemalloc.start()
    ours_once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ours, (scores, ranks) = best_of(REPEAT, ours_once)
    base, (root, base_ranks) = best_of(REPEAT, lambda: _numpy(values, directions))

    np.testing.assert_allclose(scores["index"].to_numpy(), root, rtol=1e-9)
    np.testing.assert_array_equal(ranks["index"].to_numpy(), base_ranks)
    memory = peak / values.nbytes
    return f"pipeline {n:,} units x {k} indicators, 3 levels (peak memory {memory:.1f}x input)", ours, base, 2.0
