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


def weights(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The equal weights of one group (``GROUP`` indicators), one pillar (5 groups) and the root (its pillars),
    each summing to 1 — what zhishu's arithmetic mean multiplies by (``values @ (w / w.sum())``)."""
    pillars = k // GROUP // 5
    return np.full(GROUP, 1.0 / GROUP), np.full(5, 1.0 / 5), np.full(pillars, 1.0 / pillars)


def rank_columns(values: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Ranks (1 = highest, ties share the lowest rank) of every column of ``values`` (n × m) into ``out``
    (n × m float64), one column at a time with ``scipy.stats.rankdata(-column, method="min")``."""
    from scipy.stats import rankdata

    for j in range(values.shape[1]):
        out[:, j] = rankdata(-values[:, j], method="min")
    return out


def numpy_index(x: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a competent numpy user writes for this index (complete data, one year), and exactly what it does:

    1. orient: ``x * direction`` — one new n × k float64 array (the input stays as it was); min-max
       [0, 100] per column in place on that array: ``x -= min; x *= 100 / (max - min)`` (the same operations
       zhishu's min-max does, without its ``+ low`` of 0);
    2. the weighted means level by level as matrix-vector products with the equal weights (:func:`weights`),
       as zhishu's arithmetic mean does for complete rows: groups (n × k/5) from a reshaped view of the
       normalised array, pillars from the groups, the root from the pillars;
    3. the ranks of every node and indicator (125 columns at k = 100: 25 nodes and 100 indicators),
       column by column with scipy's ``rankdata(-column, method="min")`` (:func:`rank_columns`) into one
       float64 n × 125 array (Fortran order, so each column is contiguous) — not ``rankdata(..., axis=0)``
       over the whole matrix, which materialises sort keys, orders and ranks of every column at once (the
       previous baseline: 8.7 GiB peak at 1e6 × 100).

    Returns (normalised n × k, node scores n × (1 + pillars + groups) in the order root, pillars, groups, ranks
    n × (nodes + k) in the order nodes, indicators)."""
    x = x * direction
    lo, hi = x.min(axis=0), x.max(axis=0)
    x -= lo
    x *= 100.0 / (hi - lo)
    n, k = x.shape
    wg, wp, wr = weights(k)
    groups = (x.reshape(n * (k // GROUP), GROUP) @ wg).reshape(n, k // GROUP)
    pillars = (groups.reshape(n * (k // GROUP // 5), 5) @ wp).reshape(n, k // GROUP // 5)
    root = pillars @ wr
    nodes = np.column_stack([root, pillars, groups])
    m = nodes.shape[1]
    ranks = np.empty((n, m + k), order="F")  # column by column: each rank column contiguous
    rank_columns(nodes, ranks[:, :m])
    rank_columns(x, ranks[:, m:])
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
