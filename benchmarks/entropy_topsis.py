"""Extra case (not a goal of issue 12): min-max → entropy weights → TOPSIS closeness over 100 indicators, against the same arithmetic written
directly in numpy. Synthetic data: ``n`` units × ``k`` indicators, one year."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import zhishu
from zhishu.pipeline import aggregate, normalise

from .harness import Row, best_of

REPEAT = 3


def _config(k: int) -> str:
    children = ", ".join(f'"i{i}"' for i in range(k))
    lines = ['[index]\nid = "bench"\n', '[sources.s]\nplugin = "table"\nparams = { path = "unused.csv" }\n',
             f'[nodes.index]\nchildren = [{children}]\nweighting = "entropy"\n'
             'aggregator = { method = "topsis", params = { vector_normalise = true } }\n']
    lines += [f"[indicators.i{i}]\ndirection = 1\n" for i in range(k)]
    return "\n".join(lines)


def _numpy(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(axis=0), x.max(axis=0)
    norm = (x - lo) / (hi - lo) * 100
    p = norm / norm.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    d = 1 + plogp.sum(axis=0) / np.log(len(x))
    w = d / d.sum()
    v = norm / np.sqrt((norm**2).sum(axis=0)) * w
    best, worst = v.max(axis=0), v.min(axis=0)
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=1))
    return d_minus / (d_plus + d_minus)


def case_entropy_topsis(quick: bool) -> list[Row]:
    n, k = (10_000, 100) if quick else (100_000, 100)
    values = np.random.default_rng(1).lognormal(size=(n, k))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(_config(k), encoding="utf-8")
        plan = zhishu.load_config(path)
    index = pd.MultiIndex.from_arrays([np.arange(n).astype(str), np.full(n, 2024)], names=["unit", "year"])
    raw = pd.DataFrame(values, index=index, columns=[f"i{i}" for i in range(k)])

    ours, (scores, _) = best_of(REPEAT, lambda: aggregate(plan, normalise(plan, raw)))
    base, closeness = best_of(REPEAT, lambda: _numpy(values))
    np.testing.assert_allclose(scores["index"].to_numpy(), closeness, rtol=1e-9)
    return [Row(goal="extra", case=f"entropy weights + min-max + TOPSIS, {n:,} x {k}, in-process, best of {REPEAT}",
                ours=ours, base=base, target=1.3, base_label="numpy, same arithmetic")]
