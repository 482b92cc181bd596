"""Correlations among the items of the index tree and the JRC / COIN Tool flags.

Conventions: Pearson's r and Spearman's ρ over **pairwise complete** observations (for each pair, the units
with both values), exactly R's ``cor(x, y, use = "pairwise.complete.obs", method = …)`` and therefore COINr's
``get_corr(…, pval = 0)``. Spearman's ρ is the Pearson correlation of the average ranks, the ranks being
taken over each pair's complete observations (as R does). A pair with fewer than 3 common units, or with a
constant variable, has no correlation (NaN). One year at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import frames

METHODS = ("pearson", "spearman")
COLUMNS = ["dataset", "method", "year", "kind", "group", "x", "y", "n", "r"]
FLAG_COLUMNS = ["dataset", "method", "year", "flag", "node", "x", "y", "r", "other_node", "r_other", "detail"]
REDUNDANT = 0.9  # |r| ≥ 0.9: the two variables carry nearly the same information
MIN_PAIRS = 3


def _pearson_masked(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete Pearson r (and pair counts) of every column of X with every column of Y, by
    masked sums (no loop over columns): for the pair (i, j) only the rows where both are observed count."""
    mx, my = ~np.isnan(X), ~np.isnan(Y)
    X0, Y0 = np.where(mx, X, 0.0), np.where(my, Y, 0.0)
    fx, fy = mx.astype("float64"), my.astype("float64")
    n = fx.T @ fy
    sx, sy = X0.T @ fy, fx.T @ Y0
    sxx, syy = (X0 * X0).T @ fy, fx.T @ (Y0 * Y0)
    sxy = X0.T @ Y0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        vx = sxx - sx * sx / n
        vy = syy - sy * sy / n
        r = cov / np.sqrt(vx * vy)
        # a variance that is zero up to rounding: the pair has no correlation
        tiny = (vx <= 1e-13 * np.maximum(sxx, 1e-300)) | (vy <= 1e-13 * np.maximum(syy, 1e-300))
    r = np.where((n >= MIN_PAIRS) & ~tiny, np.clip(r, -1.0, 1.0), np.nan)
    return r, n.astype("int64")


def average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1…n of a 1-d array without NaN; tied values share the mean of their ranks."""
    sorter = np.argsort(a, kind="mergesort")
    inverse = np.empty(len(a), dtype="int64")
    inverse[sorter] = np.arange(len(a))
    s = a[sorter]
    starts = np.r_[True, s[1:] != s[:-1]]
    dense = np.cumsum(starts)[inverse]
    bounds = np.r_[np.flatnonzero(starts), len(a)]
    return 0.5 * (bounds[dense] + bounds[dense - 1] + 1)


def _ranks(A: np.ndarray) -> np.ndarray:
    """Average ranks of each column over its observed values (NaN stays NaN)."""
    out = np.full(A.shape, np.nan)
    for j in range(A.shape[1]):  # one argsort per column
        ok = ~np.isnan(A[:, j])
        out[ok, j] = average_ranks(A[ok, j])
    return out


def corr_matrix(X: pd.DataFrame, Y: pd.DataFrame | None = None, method: str = "pearson"
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairwise-complete correlations of every column of X with every column of Y (default X) and the pair
    counts, as two frames X.columns × Y.columns."""
    if method not in METHODS:
        import zhishu

        raise zhishu.ConfigError([zhishu.Issue(f"method must be 'pearson' or 'spearman', not {method!r}", "method")])
    Y = X if Y is None else Y
    A, B = X.to_numpy(dtype="float64"), Y.to_numpy(dtype="float64")
    if method == "pearson":
        r, n = _pearson_masked(A, B)
    else:
        r, n = _pearson_masked(_ranks(A), _ranks(B))
        # ranks over all units are the pair's ranks only when neither column misses a unit the other has;
        # re-rank the pairs with missing values over their common units (R's pairwise Spearman)
        ma, mb = np.isnan(A), np.isnan(B)
        differ = (ma.astype("int64").T @ (~mb).astype("int64") + (~ma).astype("int64").T @ mb.astype("int64")) > 0
        for i, j in zip(*np.nonzero(differ)):
            both = ~ma[:, i] & ~mb[:, j]
            rr, nn = _pearson_masked(average_ranks(A[both, i])[:, None], average_ranks(B[both, j])[:, None])
            r[i, j], n[i, j] = rr[0, 0], nn[0, 0]
    return (pd.DataFrame(r, index=X.columns, columns=Y.columns),
            pd.DataFrame(n, index=X.columns, columns=Y.columns))


def pair_structure(result, dataset: str) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """The pairs the correlation table reports, as positions in ``result.scores.columns``: (x, y, kind,
    group) in table order. The same for every year and method."""
    plan = result.plan
    order = list(result.scores.columns)
    pos = {item: i for i, item in enumerate(order)}
    keep = (lambda item: True) if dataset == "normalised" else (lambda item: item in plan.indicators)
    xs: list[int] = []
    ys: list[int] = []
    kinds: list[str] = []
    groups: list[str] = []

    def add(pairs, kind, group):
        for x, y in pairs:
            xs.append(pos[x])
            ys.append(pos[y])
            kinds.append(kind)
            groups.append(group)

    for nid, children in frames.nodes_with_children(result):
        kids = [c for c in children if keep(c)]
        add([(kids[i], kids[j]) for i in range(len(kids)) for j in range(i + 1, len(kids))], "within", nid)
        add([(c, nid) for c in kids], "parent", nid)
    add([(c, plan.root) for c in order[1:] if keep(c)], "root", plan.root)
    levels: dict[int, list[str]] = {}
    for item in order[1:]:
        if keep(item):
            levels.setdefault(plan.level_of(item), []).append(item)
    for level, items in levels.items():
        add([(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items))], "level",
            str(level))
    return np.array(xs, dtype="int64"), np.array(ys, dtype="int64"), kinds, groups


def correlations(result, datasets=frames.DATASETS, methods=METHODS) -> pd.DataFrame:
    """Every correlation the audit reads, one row per pair (columns: :data:`COLUMNS`).

    ``kind``:

    - ``within``: each pair of children of a node (``group`` = the node);
    - ``parent``: each child with its parent (``group`` = the parent, ``x`` the child, ``y`` the parent);
    - ``root``: each item below the root with the root (``group`` = the root);
    - ``level``: each pair of items at one depth of the tree (``group`` = the depth, e.g. ``"2"``).

    In ``raw`` only pairs with an indicator on the x side are computed (nodes have no raw value; an
    indicator's raw value is compared with its parent's and the root's scores).
    """
    order = np.array(list(result.scores.columns), dtype=object)
    parts = []
    for dataset in datasets:
        frames.check_dataset(dataset)
        data = frames.values(result, dataset)[list(order)]
        xs, ys, kinds, groups = pair_structure(result, dataset)
        used = np.unique(np.concatenate([xs, ys]))  # correlate only the items that appear in a pair
        where = np.full(len(order), -1)
        where[used] = np.arange(len(used))
        for method in methods:
            for year, rows in frames.by_year(data):
                r, n = corr_matrix(rows.iloc[:, used], method=method)
                R, N = r.to_numpy(), n.to_numpy()
                parts.append(pd.DataFrame({
                    "dataset": dataset, "method": method, "year": year, "kind": kinds, "group": groups,
                    "x": order[xs], "y": order[ys], "n": N[where[xs], where[ys]].astype("int64"),
                    "r": R[where[xs], where[ys]]}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def correlation_flags(result, table: pd.DataFrame | None = None, redundant: float = REDUNDANT) -> pd.DataFrame:
    """The flags the JRC and the COIN Tool raise, from the :func:`correlations` table:

    - ``negative_within``: two children of one node correlate negatively (r < 0);
    - ``negative_parent``: a child correlates negatively with its parent;
    - ``redundant``: two children of one node have |r| ≥ ``redundant`` (0.9);
    - ``other_node``: an item correlates more with another node of its parent's level than with its own
      parent (``other_node``, ``r_other`` name that node and its correlation).
    """
    table = correlations(result) if table is None else table
    plan = result.plan
    flags = []
    within = table[table["kind"] == "within"]
    neg = within[within["r"] < 0]
    flags.append(neg.assign(flag="negative_within", node=neg["group"],
                            detail="children of one node correlate negatively"))
    red = within[within["r"].abs() >= redundant]
    flags.append(red.assign(flag="redundant", node=red["group"], detail=f"|r| >= {redundant:g}: nearly the same "
                            "information"))
    parent = table[table["kind"] == "parent"]
    negp = parent[parent["r"] < 0]
    flags.append(negp.assign(flag="negative_parent", node=negp["group"],
                             detail="correlates negatively with its own parent"))
    # other_node: the item's correlation with every node at its parent's depth (other than the root)
    order = list(result.scores.columns)
    depth_nodes: dict[int, list[str]] = {}
    for n in plan.nodes:
        depth_nodes.setdefault(plan.level_of(n), []).append(n)
    rows = []
    for (dataset, method), own_all in parent.groupby(["dataset", "method"], sort=False):
        data = frames.values(result, dataset)[order]
        items = list(dict.fromkeys(own_all["x"]))
        peers = [n for n in plan.nodes if len(depth_nodes[plan.level_of(n)]) >= 2]
        if not peers:
            continue
        for year, rows_year in frames.by_year(data):
            own = own_all[own_all["year"] == year]
            R = corr_matrix(rows_year[items], rows_year[peers], method=method)[0].to_numpy()
            xi, pi = {x: i for i, x in enumerate(items)}, {q: j for j, q in enumerate(peers)}
            for x, p, r_own in zip(own["x"], own["group"], own["r"]):
                level_peers = [q for q in depth_nodes[plan.level_of(p)] if q != p]
                if not level_peers or np.isnan(r_own):
                    continue
                others = R[xi[x], [pi[q] for q in level_peers]]
                if np.isfinite(others).any() and np.nanmax(others) > r_own:
                    best = int(np.nanargmax(others))
                    rows.append({"dataset": dataset, "method": method, "year": year, "flag": "other_node",
                                 "node": p, "x": x, "y": p, "r": r_own, "other_node": level_peers[best],
                                 "r_other": float(others[best]),
                                 "detail": "correlates more with another node of its parent's level"})
    flags.append(pd.DataFrame(rows, columns=FLAG_COLUMNS))
    out = pd.concat([f.reindex(columns=FLAG_COLUMNS) for f in flags], ignore_index=True)
    return out[FLAG_COLUMNS]
