"""Internal consistency of each node's children: Cronbach's alpha and a principal component analysis.

Both on the normalised values (``result.scores``: indicators' normalised values, sub-nodes' scores), one
node and one year at a time.

- Cronbach's alpha as COINr's ``get_cronbach`` computes it: with C the covariance matrix of the k children
  over **pairwise complete** observations (R's ``cov(use = "pairwise.complete.obs")``, n − 1 denominators),
  α = k² · mean(off-diagonal of C) / sum(C) = k/(k − 1) · (1 − tr C / ΣC). With complete data ΣC is the
  variance of the children's sum, which gives the textbook k/(k − 1) · (1 − Σ var(xᵢ) / var(Σ xᵢ)).
- PCA as COINr's ``get_PCA`` (``prcomp(na.omit(X), center = TRUE, scale = TRUE)``): units with every child
  observed (listwise), eigen-decomposition of the children's correlation matrix. Each component's sign is
  chosen so that its loadings sum to a non-negative number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import frames

CRONBACH_COLUMNS = ["year", "node", "level", "k", "n", "alpha"]
PCA_COLUMNS = ["year", "node", "level", "k", "n", "component", "eigenvalue", "share", "cumulative_share"]
LOADING_COLUMNS = ["year", "node", "child", "component", "eigenvector", "loading"]
SUMMARY_COLUMNS = ["year", "node", "level", "k", "n_alpha", "alpha", "n_pca", "first_share", "eigen_above_1"]
ALPHA_THRESHOLD = 0.7  # the usual "acceptable" level (Nunnally 1978)


def pairwise_cov(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairwise-complete covariance matrix of the columns of X (NaN = missing) and the pair counts."""
    m = ~np.isnan(X)
    X0, f = np.where(m, X, 0.0), m.astype("float64")
    n = f.T @ f
    sx = X0.T @ f  # sx[i, j]: sum of column i over the rows where j is observed too
    sxy = X0.T @ X0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * sx.T / n) / (n - 1)
    return np.where(n >= 2, cov, np.nan), n


def cronbach_alpha(X: np.ndarray) -> float:
    """α = k/(k − 1) · (1 − tr C / ΣC), C the pairwise-complete covariance matrix of the k columns."""
    X = np.asarray(X, dtype="float64")
    k = X.shape[1]
    if k < 2:
        return float("nan")
    C, _ = pairwise_cov(X)
    total = np.nansum(C)
    if not np.isfinite(total) or total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.nansum(np.diag(C)) / total))


def pca(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Eigenvalues (descending) and eigenvectors (columns) of the correlation matrix of the rows of X with
    every column observed, and that number of rows. Empty when fewer than 3 rows or a constant column."""
    X = np.asarray(X, dtype="float64")
    complete = X[~np.isnan(X).any(axis=1)]
    n, k = complete.shape
    if n < 3 or k < 2:
        return np.array([]), np.empty((k, 0)), n
    sd = complete.std(axis=0, ddof=1)
    if not (sd > 0).all():
        return np.array([]), np.empty((k, 0)), n
    R = np.corrcoef(complete, rowvar=False)
    values, vectors = np.linalg.eigh(R)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    signs = np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)
    return values, vectors * signs, n


def _children_by_year(result):
    for nid, children in frames.nodes_with_children(result):
        data = result.scores[list(children)]
        for year, rows in frames.by_year(data):
            yield nid, list(children), year, rows.to_numpy(dtype="float64")


def cronbach(result) -> pd.DataFrame:
    """Cronbach's alpha of every node's children per year (columns :data:`CRONBACH_COLUMNS`; ``n`` counts
    the units with at least two children observed)."""
    rows = []
    for nid, children, year, X in _children_by_year(result):
        rows.append({"year": year, "node": nid, "level": frames.level_of(result, nid), "k": len(children),
                     "n": int(((~np.isnan(X)).sum(axis=1) >= 2).sum()), "alpha": cronbach_alpha(X)})
    return pd.DataFrame(rows, columns=CRONBACH_COLUMNS).sort_values(["year"], kind="stable").reset_index(drop=True)


def pca_tables(result) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(eigenvalues, loadings) of every node's children per year: one row per component
    (:data:`PCA_COLUMNS`), one row per child and component (:data:`LOADING_COLUMNS`; ``loading`` = eigenvector
    entry × √eigenvalue, the correlation of the child with the component)."""
    eig_rows, load_rows = [], []
    for nid, children, year, X in _children_by_year(result):
        values, vectors, n = pca(X)
        k = len(children)
        total = values.sum() if len(values) else np.nan
        cumulative = np.cumsum(values) / total if len(values) else []
        for c, value in enumerate(values):
            eig_rows.append({"year": year, "node": nid, "level": frames.level_of(result, nid), "k": k, "n": n,
                             "component": c + 1, "eigenvalue": float(value), "share": float(value / total),
                             "cumulative_share": float(cumulative[c])})
            for i, child in enumerate(children):
                load_rows.append({"year": year, "node": nid, "child": child, "component": c + 1,
                                  "eigenvector": float(vectors[i, c]),
                                  "loading": float(vectors[i, c] * np.sqrt(max(value, 0.0)))})
    eig = pd.DataFrame(eig_rows, columns=PCA_COLUMNS).sort_values(["year"], kind="stable").reset_index(drop=True)
    loads = pd.DataFrame(load_rows, columns=LOADING_COLUMNS).sort_values(["year"], kind="stable").reset_index(
        drop=True)
    return eig, loads


def consistency_summary(result, alpha: pd.DataFrame | None = None, eig: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """One row per node and year: alpha, the first component's share of variance, how many eigenvalues
    exceed 1 (Kaiser's rule), with the counts of units each used."""
    alpha = cronbach(result) if alpha is None else alpha
    eig = pca_tables(result)[0] if eig is None else eig
    first = eig[eig["component"] == 1].set_index(["year", "node"])
    above = eig[eig["eigenvalue"] > 1].groupby(["year", "node"]).size()
    out = alpha.rename(columns={"n": "n_alpha"}).set_index(["year", "node"])
    out["n_pca"] = first["n"].reindex(out.index)
    out["first_share"] = first["share"].reindex(out.index)
    out["eigen_above_1"] = above.reindex(out.index).fillna(0)
    out.loc[out["first_share"].isna(), "eigen_above_1"] = np.nan
    out = out.reset_index()
    out["n_pca"] = out["n_pca"].astype("Int64")
    out["eigen_above_1"] = out["eigen_above_1"].astype("Int64")
    return out[SUMMARY_COLUMNS]
