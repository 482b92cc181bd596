"""The synthetic 'large' index of goal 3 and the arithmetic a numpy user would write for it.

``n`` units × ``k`` indicators (log-normal, complete, one year), 1 in 7 indicators negative; the tree: groups of
5 indicators → pillars of 5 groups → the root, equal weights, arithmetic means, min-max [0, 100] per year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

GROUP = 5
YEAR = 2024


def values(n: int, k: int) -> np.ndarray:
    return np.random.default_rng(0).lognormal(size=(n, k))


def directions(k: int) -> np.ndarray:
    return np.array([1.0 if i % 7 else -1.0 for i in range(k)])


def config_text(k: int, path: str, output: str | None = None) -> str:
    """The zhishu config of the index, reading the wide table at ``path`` (columns unit, year, i0 …)."""
    lines = ['[index]\nid = "bench"\n',
             f'[sources.s]\nplugin = "table"\nparams = {{ path = "{path}" }}\n']
    if output:
        lines.append(output)
    for i in range(k):
        lines.append(f"[indicators.i{i}]\ndirection = {1 if i % 7 else -1}\n")
    groups = [f"g{j}" for j in range(k // GROUP)]
    pillars = [f"p{j}" for j in range(len(groups) // 5)]
    quote = (lambda names: "[" + ", ".join(f'"{x}"' for x in names) + "]")
    lines.append(f"[nodes.index]\nchildren = {quote(pillars)}\n")
    for j, p in enumerate(pillars):
        lines.append(f"[nodes.{p}]\nchildren = {quote(groups[j * 5:(j + 1) * 5])}\n")
    for j, g in enumerate(groups):
        lines.append(f"[nodes.{g}]\nchildren = {quote([f'i{i}' for i in range(j * GROUP, (j + 1) * GROUP)])}\n")
    return "\n".join(lines)


def numpy_index(x: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a numpy user writes: orient, min-max [0, 100] per indicator, the means level by level, and the
    ranks (1 = best, ties share the lowest) of every indicator and node. Returns (normalised, scores of the
    nodes (root, pillars, groups), ranks of the nodes and indicators)."""
    from scipy.stats import rankdata

    x = x * direction
    lo, hi = x.min(axis=0), x.max(axis=0)
    x -= lo
    x *= 100.0 / (hi - lo)
    n, k = x.shape
    groups = x.reshape(n, k // GROUP, GROUP).mean(axis=2)
    pillars = groups.reshape(n, groups.shape[1] // 5, 5).mean(axis=2)
    root = pillars.mean(axis=1)
    nodes = np.column_stack([root, pillars, groups])
    ranks = np.column_stack([rankdata(-nodes, method="min", axis=0), rankdata(-x, method="min", axis=0)])
    return x, nodes, ranks


def write_inputs(n: int, k: int, folder: Path, parquet: bool) -> tuple[Path, Path | None]:
    """The values as ``values.npy``, and (``parquet``) as a wide Parquet table (unit, year, i0 …)."""
    x = values(n, k)
    npy = folder / "values.npy"
    np.save(npy, x)
    table = None
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {"unit": pa.array(np.char.add("u", np.arange(n).astype(str))), "year": pa.array(np.full(n, YEAR))}
        columns.update({f"i{i}": pa.array(x[:, i]) for i in range(k)})
        table = folder / "values.parquet"
        pq.write_table(pa.table(columns), table)
    return npy, table
