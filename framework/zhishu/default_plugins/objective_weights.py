"""Objective weightings — entropy (熵权法), CRITIC, standard deviation, PCA / factor analysis — and the
combination (组合赋权) of a subjective and an objective weighting.

An objective weighting derives the weights of one node's children from their values: ``X`` holds the
normalised values (or sub-index scores) of the children, every unit and every year pooled, already oriented so
that higher is better. Every method here uses the same rows: those in which **every** child has a value
(listwise deletion), so that all statistics of one node come from one set of units and years. At least two
such rows are needed; fewer is a :class:`zhishu.DataError` that names the children and says how to fix it.

The maths lives in pure functions over numpy arrays (``values``: rows × children, complete); the classes
are thin. Each class keeps the diagnostics of its last computation per set of children, which its
``report(children)`` returns (``zhishu explain``, ``manifest.json``). ``docs/methods/objective-weights.md`` is
the reference for every formula and convention.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..components import ChecksChildren, MethodSpec, Reports
from ..errors import DataError, Issue
from ..hookspecs import hookimpl
from ..validators import finite

#: fewest complete rows (unit × year) an objective weighting accepts
MIN_ROWS = 2

#: eigenvalue, share and assignment comparisons in ``pca`` tolerate this much rounding
PCA_TOLERANCE = 1e-9

#: varimax stops when a sweep over all pairs of factors rotates none by more than this angle (radians), or
#: after VARIMAX_MAX_SWEEPS sweeps
VARIMAX_TOL = 1e-12
VARIMAX_MAX_SWEEPS = 500

_NOT_YET = "not yet computed: the weights depend on the data and are computed when the index runs"


# --------------------------------------------------------------------------------------------- helpers


def _normalise(scores: np.ndarray) -> tuple[np.ndarray, bool]:
    """``scores / Σ scores``, or equal weights (and ``True``) when every score is 0."""
    total = float(scores.sum())
    if total > 0 and np.isfinite(total):
        return scores / total, False
    return np.full(scores.shape, 1.0 / scores.size), True


def _flat(values: np.ndarray) -> np.ndarray:
    """Columns whose values are all equal (constant, or all zero): they cannot discriminate."""
    return values.max(axis=0) == values.min(axis=0)


def _std(values: np.ndarray, ddof: int) -> np.ndarray:
    """Column standard deviations, exactly 0 for constant columns (no rounding residue)."""
    sd = values.std(axis=0, ddof=ddof)
    return np.where(_flat(values), 0.0, sd)


def _correlation(values: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix; pairs involving a constant column get r = 0 (and r_jj = 1); |r| within
    1e-12 of 1 is exactly ±1 (perfectly correlated columns, up to rounding)."""
    flat = _flat(values)
    centred = values - values.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0))
    z = centred / np.where(flat, 1.0, scale)
    r = np.clip(z.T @ z, -1.0, 1.0)
    r = np.where(np.abs(r) > 1.0 - 1e-12, np.sign(r), r)
    r[flat, :] = 0.0
    r[:, flat] = 0.0
    np.fill_diagonal(r, 1.0)
    return r


def _label(index: pd.Index, position: int) -> str:
    label = index[position]
    if isinstance(label, tuple) and list(index.names) == ["unit", "year"]:
        return f"unit {label[0]!r}, year {label[1]}"
    return f"row {label!r}"


def complete_rows(X: pd.DataFrame, method: str, minimum: int = MIN_ROWS) -> tuple[np.ndarray, int]:
    """The rows of ``X`` in which every column has a value, as an array, and how many rows were dropped.

    :raises DataError: fewer than ``minimum`` complete rows, or an infinite value.
    """
    values = X.to_numpy(dtype="float64", na_value=np.nan)
    if np.isfinite(values).all():  # the common case: one pass, no copy
        return values, 0
    keep = ~np.isnan(values).any(axis=1)
    complete = values[keep]
    children = ", ".join(map(repr, map(str, X.columns)))
    infinite = ~np.isfinite(complete)
    if infinite.any():
        rows, cols = np.nonzero(infinite)
        where = np.flatnonzero(keep)
        cells = [f"{X.columns[c]!r} ({_label(X.index, where[r])})" for r, c in zip(rows[:3], cols[:3])]
        raise DataError([Issue(
            f"{method} weights of children {children}: infinite value(s) in {', '.join(cells)}; check the data "
            "and the normaliser"
        )])
    if len(complete) < minimum:
        dropped = len(values) - len(complete)
        raise DataError([Issue(
            f"{method} weights of children {children} need at least {minimum} rows (unit × year) in which every "
            f"child has a value; found {len(complete)} ({dropped} row(s) have a missing child). Impute the "
            "missing values ([imputation]) or choose a weighting that needs no data (equal, fixed)"
        )])
    return complete, len(values) - len(complete)


def _as_dict(columns: pd.Index, values: np.ndarray) -> dict[str, float]:
    return {str(c): float(v) for c, v in zip(columns, values)}


class _Diagnostics:
    """Mixin: keep the diagnostics of the last computation per tuple of children, for ``report``.

    One configured weighting object may serve several nodes (a weighting inherited from the root), so the
    diagnostics are keyed by the children's ids.
    """

    def _remember(self, columns: pd.Index, facts: dict[str, Any]) -> None:
        store = self.__dict__.setdefault("diagnostics_", {})
        store[tuple(str(c) for c in columns)] = facts

    def _trivial(self, X: pd.DataFrame) -> pd.Series | None:
        """Weights that need no data: none for no child, 1 for a single child."""
        if X.shape[1] > 1:
            return None
        self._remember(X.columns, {"status": "a single child weighs 1 (no data needed)"})
        return pd.Series(np.ones(X.shape[1]), index=X.columns, dtype="float64")

    def report(self, children) -> dict[str, Any]:
        """Diagnostics of the weights last computed for ``children`` (rows used, per-child statistics …)."""
        facts = self.__dict__.get("diagnostics_", {}).get(tuple(str(c) for c in children))
        return dict(facts) if facts is not None else {"status": _NOT_YET}



def _ddof(instance, attribute, value) -> None:
    if value not in (0, 1):
        raise ValueError(f"ddof must be 0 (population standard deviation) or 1 (sample), not {value!r}")


# --------------------------------------------------------------------------------------------- entropy


def entropy_weights(values: np.ndarray) -> dict[str, Any]:
    """Entropy weights of the columns of ``values`` (n ≥ 2 complete rows, every value ≥ 0).

    ``p_ij = x_ij / Σ_i x_ij``; ``e_j = −(1 / ln n) Σ_i p_ij ln p_ij`` with ``0 · ln 0 = 0``; ``d_j = 1 − e_j``;
    ``w_j = d_j / Σ_k d_k``. A constant column (all zeros included) has ``e_j = 1``, ``d_j = 0``. When every
    ``d_j`` is 0 the weights are equal and ``fallback`` is True.
    """
    n = values.shape[0]
    total = values.sum(axis=0)
    flat = _flat(values)
    # Σ p ln p with p = x / T is (Σ x ln x) / T − ln T: one log pass, no p matrix (0 · ln 0 = 0)
    logs = np.zeros_like(values)
    np.log(values, out=logs, where=values > 0)
    safe_total = np.where(flat | (total <= 0), 1.0, total)
    sum_plogp = np.einsum("ij,ij->j", values, logs) / safe_total - np.log(safe_total)
    e = np.clip(-sum_plogp / np.log(n), 0.0, 1.0)
    e = np.where(flat, 1.0, e)
    d = 1.0 - e
    w, fallback = _normalise(d)
    return {"weights": w, "entropy": e, "divergence": d, "fallback": fallback}


@define(kw_only=True, slots=False)  # not slotted: weights() keeps diagnostics_ for report()
class Entropy(_Diagnostics):
    """Entropy weight method (熵权法): children whose values are spread more unevenly over the units and
    years weigh more. Values must be ≥ 0 (after ``shift``)."""

    shift: float = attrs.field(default=0.0, validator=finite)

    def __attrs_post_init__(self) -> None:
        if self.shift < 0:
            raise ValueError(f"shift must be ≥ 0 (it is added to every value to avoid zeros), not {self.shift}")

    def weights(self, X: pd.DataFrame, specs=None) -> pd.Series:
        trivial = self._trivial(X)
        if trivial is not None:
            return trivial
        values, dropped = complete_rows(X, "entropy")
        if self.shift:
            values = values + self.shift
        if values.min() < 0:
            negative = values < 0
            keep = np.flatnonzero(~X.isna().to_numpy().any(axis=1))
            rows, cols = np.nonzero(negative)
            cells = [
                f"{X.columns[c]!r} is {values[r, c] - self.shift:g} ({_label(X.index, keep[r])})"
                for r, c in zip(rows[:3], cols[:3])
            ]
            more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
            raise DataError([Issue(
                f"entropy weights need values ≥ 0 (p = x / Σx), but {', '.join(cells)}{more}; normalise these "
                "children with minmax (low ≥ 0) rather than zscore, or set a shift"
            )])
        out = entropy_weights(values)
        facts: dict[str, Any] = {"rows": len(values), "rows_dropped": dropped, "shift": self.shift}
        if out["fallback"]:
            facts["fallback"] = "equal weights: no child varies (every divergence 1 − e is 0)"
        facts.update(entropy=_as_dict(X.columns, out["entropy"]), divergence=_as_dict(X.columns, out["divergence"]),
                     weights=_as_dict(X.columns, out["weights"]))
        self._remember(X.columns, facts)
        return pd.Series(out["weights"], index=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- std, CRITIC


def std_weights(values: np.ndarray, ddof: int = 1) -> dict[str, Any]:
    """``w_j = σ_j / Σ_k σ_k``; equal weights (``fallback``) when every column is constant."""
    sd = _std(values, ddof)
    w, fallback = _normalise(sd)
    return {"weights": w, "std": sd, "fallback": fallback}


def critic_weights(values: np.ndarray, ddof: int = 1) -> dict[str, Any]:
    """CRITIC (Diakoulaki et al. 1995): ``C_j = σ_j Σ_k (1 − r_jk)``, ``w_j = C_j / Σ_k C_k``.

    Pearson r over the same rows; a constant column has σ = 0 (so C = 0) and r = 0 with every other column.
    Equal weights (``fallback``) when every ``C_j`` is 0.
    """
    sd = _std(values, ddof)
    r = _correlation(values)
    c = sd * (1.0 - r).sum(axis=1)
    w, fallback = _normalise(c)
    return {"weights": w, "std": sd, "correlation": r, "information": c, "fallback": fallback}


@define(kw_only=True, slots=False)
class Std(_Diagnostics):
    """Standard-deviation method: weights proportional to each child's standard deviation."""

    ddof: int = attrs.field(default=1, validator=_ddof)

    def weights(self, X: pd.DataFrame, specs=None) -> pd.Series:
        trivial = self._trivial(X)
        if trivial is not None:
            return trivial
        values, dropped = complete_rows(X, "std")
        out = std_weights(values, self.ddof)
        facts: dict[str, Any] = {"rows": len(values), "rows_dropped": dropped}
        if out["fallback"]:
            facts["fallback"] = "equal weights: every child is constant (σ = 0)"
        facts.update(std=_as_dict(X.columns, out["std"]), weights=_as_dict(X.columns, out["weights"]))
        self._remember(X.columns, facts)
        return pd.Series(out["weights"], index=X.columns, dtype="float64")


@define(kw_only=True, slots=False)
class Critic(_Diagnostics):
    """CRITIC (CRiteria Importance Through Intercriteria Correlation): contrast (σ) times conflict
    (Σ 1 − r) with the other children."""

    ddof: int = attrs.field(default=1, validator=_ddof)

    def weights(self, X: pd.DataFrame, specs=None) -> pd.Series:
        trivial = self._trivial(X)
        if trivial is not None:
            return trivial
        values, dropped = complete_rows(X, "critic")
        out = critic_weights(values, self.ddof)
        facts: dict[str, Any] = {"rows": len(values), "rows_dropped": dropped}
        if out["fallback"]:
            facts["fallback"] = "equal weights: every information measure C = σ Σ(1 − r) is 0"
        cols = [str(c) for c in X.columns]
        facts.update(
            std=_as_dict(X.columns, out["std"]),
            correlation={a: _as_dict(X.columns, row) for a, row in zip(cols, out["correlation"])},
            information=_as_dict(X.columns, out["information"]),
            weights=_as_dict(X.columns, out["weights"]),
        )
        self._remember(X.columns, facts)
        return pd.Series(out["weights"], index=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- PCA


def varimax(loadings: np.ndarray, *, normalize: bool = True, tol: float = VARIMAX_TOL,
            max_sweeps: int = VARIMAX_MAX_SWEEPS) -> np.ndarray:
    """Varimax rotation (Kaiser 1958) of a p × m loading matrix, with Kaiser row normalisation.

    Kaiser's own algorithm: rows are scaled to unit length (by the square roots of the communalities), then every
    pair of factors is rotated in its plane by the angle φ that maximises the varimax criterion
    Σ_f [mean_j(x_jf⁴) − mean_j(x_jf²)²] in closed form, ``tan 4φ = (D − 2AB/p) / (C − (A² − B²)/p)`` with
    ``u = x² − y²``, ``v = 2xy``, ``A = Σu``, ``B = Σv``, ``C = Σ(u² − v²)``, ``D = 2Σuv``; sweeps over all pairs
    repeat until no angle exceeds ``tol``; rows are scaled back. Unlike the SVD iteration (R's ``varimax``),
    this cannot stall at a symmetric starting point that minimises the criterion.
    """
    p, m = loadings.shape
    if m < 2:
        return loadings.copy()
    scale = np.sqrt((loadings**2).sum(axis=1)) if normalize else np.ones(p)
    scale = np.where(scale > 0, scale, 1.0)
    x = loadings / scale[:, None]
    pairs = [(f, g) for f in range(m) for g in range(f + 1, m)]
    for _ in range(max_sweeps):  # sweeps over pairs of factors; each step is vectorised over indicators
        largest = 0.0
        for f, g in pairs:
            a, b = x[:, f], x[:, g]
            u, v = a * a - b * b, 2 * a * b
            big_a, big_b = u.sum(), v.sum()
            numerator = 2 * (u * v).sum() - 2 * big_a * big_b / p
            denominator = (u * u - v * v).sum() - (big_a * big_a - big_b * big_b) / p
            if np.hypot(numerator, denominator) <= 1e-15 * p:  # the criterion is flat in this plane
                continue
            phi = np.arctan2(numerator, denominator) / 4
            if abs(phi) > tol:
                c, s = np.cos(phi), np.sin(phi)
                x[:, f], x[:, g] = a * c + b * s, b * c - a * s
            largest = max(largest, abs(phi))
        if largest <= tol:
            break
    return x * scale[:, None]


def retained_components(eigenvalues: np.ndarray, *, min_eigenvalue: float, min_share: float, variance: float,
                        components: int | None) -> int:
    """How many principal components to keep (eigenvalues sorted in decreasing order).

    ``components`` if given (capped at the number of eigenvalues); otherwise the leading components with an
    eigenvalue above ``min_eigenvalue`` or a share of the total variance above ``min_share``, extended until
    their cumulative share reaches ``variance``; at least one.
    """
    q = eigenvalues.size
    if components is not None:
        return min(components, q)
    share = eigenvalues / eigenvalues.sum()
    keep = (eigenvalues > min_eigenvalue + PCA_TOLERANCE) | (share > min_share + PCA_TOLERANCE)
    by_rule = int(np.argmin(keep)) if not keep.all() else q  # leading run (eigenvalues are sorted)
    cumulative = np.cumsum(share)
    by_variance = int(np.searchsorted(cumulative, variance - PCA_TOLERANCE) + 1) if variance > 0 else 0
    return max(1, min(q, max(by_rule, by_variance)))


def pca_weights(values: np.ndarray, *, min_eigenvalue: float = 1.0, min_share: float = 0.1, variance: float = 0.6,
                components: int | None = None, rotation: str = "varimax") -> dict[str, Any]:
    """PCA / factor-analysis weights after the OECD/JRC Handbook (2008, step 6.1) and Nicoletti et al. (2000).

    1. standardise the non-constant columns and take their correlation matrix R;
    2. eigen-decompose R; keep m components (:func:`retained_components`);
    3. loadings ``L = V_m √λ_m``, rotated by varimax (unless ``rotation = "none"``);
    4. each factor's explained variance ``EV_f = Σ_j L_jf²``; squared loadings scaled to unity sum per factor
       ``S_jf = L_jf² / EV_f``;
    5. each indicator goes to the factor with its largest ``S_jf`` (ties: the first factor);
    6. ``w_j ∝ S_jf(j) · EV_f(j) / Σ_f EV_f``, normalised to sum 1. Constant columns weigh 0.
    """
    n, k = values.shape
    flat = _flat(values)
    varying = np.flatnonzero(~flat)
    q = varying.size
    base: dict[str, Any] = {"excluded": np.flatnonzero(flat)}
    if q == 0:
        w, _ = _normalise(np.zeros(k))
        return {**base, "weights": w, "fallback": True, "eigenvalues": np.zeros(0), "factors": 0}
    if q == 1:
        w = np.zeros(k)
        w[varying] = 1.0
        return {**base, "weights": w, "fallback": False, "eigenvalues": np.ones(1), "factors": 1}
    r = _correlation(values[:, varying])
    eigenvalues, vectors = np.linalg.eigh(r)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    vectors = vectors[:, order]
    m = retained_components(eigenvalues, min_eigenvalue=min_eigenvalue, min_share=min_share, variance=variance,
                            components=components)
    loadings = vectors[:, :m] * np.sqrt(eigenvalues[:m])
    if rotation == "varimax":
        loadings = varimax(loadings)
    out = factor_weights(loadings)
    w = np.zeros(k)
    w[varying] = out["weights"]
    factor = np.full(k, -1)
    factor[varying] = out["factor"]
    full_loadings = np.zeros((k, m))
    full_loadings[varying] = loadings
    assigned = np.zeros(k)
    assigned[varying] = out["scaled"]
    return {**base, "weights": w, "fallback": False, "eigenvalues": eigenvalues, "factors": m,
            "loadings": full_loadings, "scaled": assigned, "explained": out["explained"],
            "factor_share": out["factor_share"], "factor": factor}


def factor_weights(loadings: np.ndarray) -> dict[str, Any]:
    """Weights from a p × m matrix of (rotated) factor loadings, after the OECD/JRC Handbook (2008, 6.1).

    ``EV_f = Σ_j L_jf²`` (variance explained by factor f); ``S_jf = L_jf² / EV_f`` (squared loadings scaled to
    unity sum); indicator j goes to the factor ``f(j)`` with the largest ``S_jf`` (ties within 1e-9: the first);
    ``w_j ∝ S_j,f(j) · EV_f(j) / Σ_f EV_f``, normalised to sum 1 — which equals ``L_j,f(j)² / Σ_i L_i,f(i)²``.
    """
    squared = loadings**2
    explained = squared.sum(axis=0)
    scaled = squared / np.where(explained > 0, explained, 1.0)
    best = np.argmax(scaled >= scaled.max(axis=1, keepdims=True) - PCA_TOLERANCE, axis=1)
    factor_share = explained / explained.sum()
    rows = np.arange(loadings.shape[0])
    w, fallback = _normalise(scaled[rows, best] * factor_share[best])
    return {"weights": w, "fallback": fallback, "scaled": scaled[rows, best], "factor": best,
            "explained": explained, "factor_share": factor_share}


@define(kw_only=True, slots=False)
class PCA(_Diagnostics):
    """PCA / factor-analysis weights (OECD/JRC Handbook 2008): children that load on the same factor share
    that factor's weight in proportion to their squared (rotated) loadings."""

    min_eigenvalue: float = attrs.field(default=1.0, validator=finite)
    min_share: float = attrs.field(default=0.1, validator=finite)
    variance: float = attrs.field(default=0.6, validator=finite)
    components: int | None = None
    rotation: str = "varimax"

    def __attrs_post_init__(self) -> None:
        if self.min_eigenvalue < 0:
            raise ValueError(f"min_eigenvalue must be ≥ 0, not {self.min_eigenvalue}")
        for name in ("min_share", "variance"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a share between 0 and 1, not {value}")
        if self.components is not None and self.components < 1:
            raise ValueError(f"components must be at least 1 (or left out to use the retention rules), "
                             f"not {self.components}")
        if self.rotation not in ("varimax", "none"):
            raise ValueError(f"rotation must be \"varimax\" or \"none\", not {self.rotation!r}")

    def weights(self, X: pd.DataFrame, specs=None) -> pd.Series:
        trivial = self._trivial(X)
        if trivial is not None:
            return trivial
        values, dropped = complete_rows(X, "pca")
        out = pca_weights(values, min_eigenvalue=self.min_eigenvalue, min_share=self.min_share,
                          variance=self.variance, components=self.components, rotation=self.rotation)
        cols = [str(c) for c in X.columns]
        eig = out["eigenvalues"]
        facts: dict[str, Any] = {"rows": len(values), "rows_dropped": dropped, "factors": int(out["factors"])}
        if out["fallback"]:
            facts["fallback"] = "equal weights: every child is constant"
        if len(out["excluded"]):
            facts["constant"] = [cols[i] for i in out["excluded"]]
        facts["eigenvalues"] = [float(v) for v in eig]
        if eig.size:
            facts["variance_share"] = [float(v) for v in eig / eig.sum()]
        if "loadings" in out:
            facts["loadings"] = {c: [float(v) for v in row] for c, row in zip(cols, out["loadings"])}
            facts["factor"] = {c: (int(f) + 1 if f >= 0 else None) for c, f in zip(cols, out["factor"])}
            facts["explained_variance"] = [float(v) for v in out["explained"]]
            facts["factor_share"] = [float(v) for v in out["factor_share"]]
        facts["weights"] = _as_dict(X.columns, out["weights"])
        self._remember(X.columns, facts)
        return pd.Series(out["weights"], index=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- combination

RULES = ("linear", "multiplicative")


def combine_weights(subjective: np.ndarray, objective: np.ndarray, rule: str, alpha: float = 0.5) -> np.ndarray:
    """``linear``: ``α·w_s + (1 − α)·w_o``; ``multiplicative``: ``w_s·w_o / Σ w_s·w_o``.

    Both inputs are weight vectors over the same children, each summing to 1.

    :raises ValueError: multiplicative with no child weighted positively by both (the product is all 0).
    """
    if rule == "linear":
        return alpha * subjective + (1.0 - alpha) * objective
    product = subjective * objective
    total = product.sum()
    if not total > 0:
        raise ValueError("no child has a positive weight in both the subjective and the objective weighting, so "
                         "every product w_s·w_o is 0")
    return product / total


def _rule(instance, attribute, value) -> None:
    if value not in RULES:
        raise ValueError(f"rule must be one of {', '.join(map(repr, RULES))}, not {value!r}")


@define(kw_only=True, slots=False)  # not slotted: resolve_methods() stores subjective_ and objective_
class Combination:
    """Combination weighting (组合赋权): a subjective weighting (AHP, fixed …) and an objective one (entropy,
    CRITIC …), combined linearly or multiplicatively."""

    subjective: MethodSpec
    objective: MethodSpec
    rule: str = attrs.field(default="linear", validator=_rule)
    alpha: float | None = None

    def __attrs_post_init__(self) -> None:
        if self.rule == "multiplicative":
            if self.alpha is not None:
                raise ValueError('alpha is used only by rule = "linear"; remove it, or use rule = "linear"')
        else:
            if self.alpha is None:
                self.alpha = 0.5
            if not (np.isfinite(self.alpha) and 0.0 <= self.alpha <= 1.0):
                raise ValueError(f"alpha (the weight of the subjective part) must be between 0 and 1, not "
                                 f"{self.alpha}")

    def resolve_methods(self, make: Callable[[str, MethodSpec, str], Any]) -> None:
        """Build the two weightings by name (called once by the config loader)."""
        self.subjective_ = make("weightings", self.subjective, "subjective")
        self.objective_ = make("weightings", self.objective, "objective")

    def _parts(self) -> list[tuple[str, Any]]:
        parts = [("subjective", self.__dict__.get("subjective_")), ("objective", self.__dict__.get("objective_"))]
        return [(name, obj) for name, obj in parts if obj is not None]

    def _resolved(self) -> list[tuple[str, Any]]:
        parts = self._parts()
        if len(parts) < 2:
            raise RuntimeError(
                "combination weighting: the subjective and objective weightings are not resolved; build it "
                "through a config, or call resolve_methods(make) first"
            )
        return parts

    def check(self, children: tuple[str, ...]) -> list[str]:
        """The nested weightings' problems for these children, each prefixed with its part."""
        problems = []
        for name, obj in self._parts():
            if isinstance(obj, ChecksChildren):
                problems.extend(f"{name} weighting: {p}" for p in obj.check(children))
        return problems

    def report(self, children) -> dict[str, Any]:
        """Rule and alpha, the nested weightings' reports (keys prefixed ``subjective.`` / ``objective.``) and
        the weights of both parts and of the combination last computed for ``children``."""
        out: dict[str, Any] = {"rule": self.rule}
        if self.alpha is not None:
            out["alpha"] = self.alpha
        out["subjective"] = self.subjective.method
        out["objective"] = self.objective.method
        for name, obj in self._parts():
            if isinstance(obj, Reports):
                for key, value in obj.report(children).items():
                    out[f"{name}.{key}"] = value
        last = self.__dict__.get("diagnostics_", {}).get(tuple(str(c) for c in children))
        if last is not None:
            out.update(last)
        return out

    def weights(self, X: pd.DataFrame, specs: Mapping[str, Any] | None = None) -> pd.Series:
        (_, sub), (_, obj) = self._resolved()
        parts = {}
        for name, method in (("subjective", sub), ("objective", obj)):
            w = method.weights(X, specs)
            parts[name] = pd.Series(w, dtype="float64").reindex(X.columns).to_numpy(dtype="float64")
        try:
            combined = combine_weights(parts["subjective"], parts["objective"], self.rule,
                                       0.5 if self.alpha is None else self.alpha)
        except ValueError as exc:
            detail = (f"subjective {_as_dict(X.columns, parts['subjective'])}, objective "
                      f"{_as_dict(X.columns, parts['objective'])}")
            raise DataError([Issue(f"multiplicative combination weighting: {exc} ({detail}); use "
                                   'rule = "linear"')]) from None
        self.__dict__.setdefault("diagnostics_", {})[tuple(str(c) for c in X.columns)] = {
            "subjective.weights": _as_dict(X.columns, parts["subjective"]),
            "objective.weights": _as_dict(X.columns, parts["objective"]),
            "weights": _as_dict(X.columns, combined),
        }
        return pd.Series(combined, index=X.columns, dtype="float64")


# --------------------------------------------------------------------------------------------- registration


@hookimpl
def register_weightings(register):
    register("entropy", Entropy)
    register("critic", Critic)
    register("std", Std)
    register("pca", PCA)
    register("combination", Combination)
