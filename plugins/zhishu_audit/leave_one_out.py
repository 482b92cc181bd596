"""Leave one indicator out: how far each unit's rank moves when an indicator's weight is set to 0.

The JRC's audits report this "impact of excluding one indicator at a time". For each indicator its weight in
its parent becomes 0 (the siblings' weights re-normalised, as ``[sensitivity.leave_one_out]`` does) and the
scores are re-aggregated from the run's normalised values up to the root with each node's own aggregator and
minimum-share rule; normalisation, imputation and treatment are those of the run (an indicator left out does not
change how the others were normalised). Re-aggregating with the nominal weights reproduces ``result.scores``
(tested), so the shifts are due to the left-out indicator alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import frames

COLUMNS = ["year", "indicator", "parent", "units", "mean_abs_shift", "median_abs_shift", "max_abs_shift",
           "unit_max_shift", "rank_before", "rank_after"]
TOLERANCE = 1e-9


def _aggregate(node, X: pd.DataFrame, w: np.ndarray) -> np.ndarray:
    aggregator = node.aggregator.obj
    ws = pd.Series(w, index=X.columns, dtype="float64")
    present = X.notna().to_numpy()
    share = present @ w
    keep = (share > 0) & (share >= node.min_share - TOLERANCE)
    if not getattr(aggregator, "by_year", False):
        score = aggregator.aggregate(X, ws).reindex(X.index).to_numpy("float64")
    else:
        rows = X[keep]
        parts = [aggregator.aggregate(g, ws) for _, g in rows.groupby(level="year", sort=False)]
        score = (pd.concat(parts).reindex(X.index) if parts else pd.Series(np.nan, index=X.index)).to_numpy("float64")
    return np.where(keep, score, np.nan)


def reaggregate(result, weights: dict[tuple[str, str], float] | None = None, *, every_node: bool = False
                ) -> pd.DataFrame:
    """Every node's score from the run's normalised values with the run's weights, or ``weights`` where
    given ((parent, child) → weight; each node's weights are divided by their sum). Only the nodes above a
    changed weight are recomputed (the others keep ``result.scores``) unless ``every_node``."""
    plan = result.plan
    nominal = frames.nominal_weights(result)
    weights = weights or {}
    if every_node:
        todo = set(plan.nodes)
    else:
        todo = set()
        for parent, _ in weights:
            node = parent
            while node is not None:
                todo.add(node)
                node = plan.parent_of(node)
    index, columns = result.scores.index, list(result.scores.columns)
    source = result.normalised if every_node else result.scores
    base = np.ascontiguousarray(source.to_numpy(dtype="float64").T)  # one row per item
    values = dict(zip(source.columns, base))
    if not every_node:
        values.update(dict(zip(columns, np.ascontiguousarray(result.scores.to_numpy(dtype="float64").T))))
    for nid in reversed(list(plan.nodes)):
        if nid not in todo:
            continue
        node = plan.nodes[nid]
        children = list(node.children)
        w = np.array([weights.get((nid, c), nominal[(nid, c)]) for c in children], dtype="float64")
        w = w / w.sum() if w.sum() > 0 else w
        X = pd.DataFrame(np.vstack([values[c] for c in children]).T, index=index, columns=children, copy=False)
        values[nid] = _aggregate(node, X, w)
    return pd.DataFrame(np.vstack([values[k] for k in columns]).T, index=index, columns=columns)


def _ranks(series: pd.Series) -> pd.Series:
    return series.groupby(level="year", sort=False).rank(ascending=False, method="min", na_option="keep")


def leave_one_out(result) -> pd.DataFrame:
    """Per indicator left out and year: over the units ranked both ways, the mean, median and largest
    |rank of the root − nominal rank|, and the unit that moves most with its two ranks."""
    plan = result.plan
    root = plan.root
    nominal = result.ranks[root]
    rows = []
    for indicator in result.raw.columns:
        parent = plan.parent_of(indicator)
        if len(plan.nodes[parent].children) < 2:
            continue  # its parent would have no weight left
        scores = reaggregate(result, {(parent, indicator): 0.0})[root]
        ranks = _ranks(scores)
        shift = (ranks - nominal).abs()
        for year, s in shift.groupby(level="year", sort=True):
            s = s.droplevel("year").dropna()
            if s.empty:
                continue
            worst = s.idxmax()
            rows.append({"year": int(year), "indicator": indicator, "parent": parent, "units": len(s),
                         "mean_abs_shift": float(s.mean()), "median_abs_shift": float(s.median()),
                         "max_abs_shift": float(s.max()), "unit_max_shift": worst,
                         "rank_before": nominal.xs(year, level="year")[worst],
                         "rank_after": ranks.xs(year, level="year")[worst]})
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("rank_before", "rank_after"):
        out[col] = out[col].astype("Float64").astype("Int64")
    return out.sort_values(["year"], kind="stable").reset_index(drop=True)
