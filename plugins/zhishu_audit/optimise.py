"""Weight optimisation: the weights of one node's children whose importances match a target.

Importance is the share of each child in the sum of the children's squared Pearson correlations with the node's
score (``measure = "r2"``, the default) or of their correlation ratios (``"s"``, see first_order.py), as in
Paruolo, Saisana & Saltelli (2013) and COINr's ``get_opt_weights``. The target is equal importance or given
shares. The node's score is recomputed with the node's own aggregator (and its minimum-share rule) for every
trial weight vector; the other nodes are not touched.

Search: Gauss–Newton on the log-weights (weights positive, summing to 1) with a forward-difference Jacobian
and step halving. It stops when the largest gap max |Iᵢ − tᵢ| is ≤ ``tolerance`` (converged), after
``max_iterations`` steps, or when no step of length ≥ 1e-4 lowers the gaps (stalled); the best weights
found are returned either way, with ``converged`` saying which. It never loops without bound.
Finally the whole pipeline is run with the new weights (a copy of the plan with a ``fixed`` weighting at the
node) so that the reported importances and ranks are those of the real index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs
import numpy as np
import pandas as pd
import zhishu

from . import frames
from .first_order import correlation_ratio, pearson

WEIGHT_COLUMNS = ["node", "child", "weight_before", "weight_after", "importance_before", "importance_after",
                  "target", "gap_after"]
SUMMARY_COLUMNS = ["node", "year", "measure", "converged", "iterations", "tolerance", "max_gap_before",
                   "max_gap_after", "message"]
RANK_COLUMNS = ["unit", "name", "year", "node", "score_before", "rank_before", "score_after", "rank_after",
                "root_score_before", "root_rank_before", "root_score_after", "root_rank_after"]


def _importances(X: np.ndarray, y: np.ndarray, measure: str) -> np.ndarray:
    values = []
    for j in range(X.shape[1]):
        ok = ~np.isnan(X[:, j]) & ~np.isnan(y)
        if measure == "r2":
            r = pearson(X[ok, j], y[ok]) if ok.sum() >= 3 else np.nan
            values.append(r * r)
        else:
            values.append(correlation_ratio(X[ok, j], y[ok])[0])
    v = np.nan_to_num(np.asarray(values, dtype="float64"), nan=0.0)
    total = v.sum()
    return v / total if total > 0 else np.full(len(v), np.nan)


def _targets(target, children: tuple[str, ...]) -> np.ndarray:
    if isinstance(target, str):
        if target != "equal":
            raise zhishu.ConfigError([zhishu.Issue(f"target must be 'equal' or a table of shares by child, "
                                                   f"not {target!r}", "target")])
        return np.full(len(children), 1.0 / len(children))
    if not isinstance(target, Mapping):
        raise zhishu.ConfigError([zhishu.Issue("target must be 'equal' or a table of shares by child", "target")])
    missing = [c for c in children if c not in target]
    extra = [k for k in target if k not in children]
    bad = {k: v for k, v in target.items() if not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0}
    problems = []
    if missing:
        problems.append(f"no target for {', '.join(map(repr, missing))}; give every child of the node a share")
    if extra:
        problems.append(f"target for {', '.join(map(repr, extra))}, which is not a child; children: "
                        f"{', '.join(children)}")
    if bad:
        problems.append(f"targets must be non-negative numbers, got {bad}")
    if problems:
        raise zhishu.ConfigError([zhishu.Issue(p, "target") for p in problems])
    t = np.array([float(target[c]) for c in children])
    if t.sum() <= 0:
        raise zhishu.ConfigError([zhishu.Issue("targets must not all be zero", "target")])
    return t / t.sum()


def _node_score_function(result, node: str, year: int):
    """w ↦ the node's score over the units of ``year``, computed as the pipeline does at that node."""
    spec = result.plan.nodes[node]
    children = list(spec.children)
    rows = result.scores[children]
    X = rows[rows.index.get_level_values("year") == year]
    present = X.notna().to_numpy()
    aggregator = spec.aggregator.obj

    def score(w: np.ndarray) -> np.ndarray:
        ws = pd.Series(w, index=children, dtype="float64")
        s = aggregator.aggregate(X, ws).reindex(X.index).to_numpy(dtype="float64")
        if not present.all():
            share = present @ w
            s = np.where((share > 0) & (share >= spec.min_share - 1e-9), s, np.nan)
        return s

    return score, X.to_numpy(dtype="float64")


def _search(score, X, t, w0, measure, tolerance, max_iterations):
    """Gauss–Newton on z = log w (w = softmax z, so weights stay positive and sum to 1): solve J Δz = −F by
    least squares, F(z) = I(w(z)) − t and J its forward-difference Jacobian, then halve the step until
    ‖F‖₂ decreases. Children with a zero target get weight 0 and take no part."""
    active = t > 0
    k = int(active.sum())

    def weights(z):
        w = np.zeros(len(t))
        e = np.exp(z - z.max())
        w[active] = e / e.sum()
        return w

    def residual(z):
        imp = _importances(X, score(weights(z)), measure)
        return np.where(np.isfinite(imp), imp, 1.0) - t, imp

    z = np.log(np.clip(w0[active], 1e-12, None))
    F, imp = residual(z)
    best = (float(np.abs(F).max()), weights(z), imp)
    iterations, stalled = 0, False
    while best[0] > tolerance and iterations < max_iterations:
        iterations += 1
        h = 1e-6
        J = np.empty((len(t), k))
        for j in range(k):  # k + 1 evaluations of the node's score per iteration (k = number of children)
            dz = z.copy()
            dz[j] += h
            J[:, j] = (residual(dz)[0] - F) / h
        step, *_ = np.linalg.lstsq(J, -F, rcond=None)
        alpha, moved = 1.0, False
        while alpha >= 1e-4:
            trial = z + alpha * step
            F_trial, imp_trial = residual(trial)
            if float(F_trial @ F_trial) < float(F @ F):
                z, F, imp, moved = trial, F_trial, imp_trial, True
                break
            alpha /= 2
        if not moved:
            stalled = True
            break
        gap = float(np.abs(F).max())
        if gap < best[0]:
            best = (gap, weights(z), imp)
    return best, iterations, stalled


def _with_weights(plan, node: str, weights: dict[str, float]):
    """A copy of ``plan`` whose node ``node`` has the ``fixed`` weighting with ``weights``."""
    fixed = plan.hooks.registries["weightings"].get("fixed")
    spec = plan.nodes[node]
    method = attrs.evolve(spec.weighting, name="fixed", params={"values": dict(weights)},
                          obj=fixed(values=dict(weights)))
    nodes = dict(plan.nodes)
    nodes[node] = attrs.evolve(spec, weighting=method)
    return attrs.evolve(plan, nodes=nodes)


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fragment(node: str, weights: Mapping[str, float], summary: Mapping) -> str:
    """A TOML fragment that sets the node's weights (to paste over its ``weighting``/``weights``)."""
    body = ", ".join(f"{toml_key(c)} = {w:.10g}" for c, w in weights.items())
    state = ("converged" if summary["converged"] else "NOT converged") + (
        f" after {summary['iterations']} iterations; largest gap {summary['max_gap_after']:.3g} "
        f"(tolerance {summary['tolerance']:g})")
    return (f"# zhishu optimise-weights: weights of {node!r} whose {summary['measure']} importances match the "
            f"target in {summary['year']}; {state}.\n# Replace the node's `weighting` (or `weights`) with:\n"
            f"[nodes.{toml_key(node)}]\nweights = {{ {body} }}\n")


def optimise_weights(result, node: str, target="equal", *, measure: str = "r2", year: int | None = None,
                     tolerance: float = 0.01, max_iterations: int = 50) -> dict:
    """Weights of ``node``'s children whose importances match ``target`` ("equal" or {child: share}).

    Returns ``{"summary", "weights", "ranks"}`` frames, ``"fragment"`` (the TOML text), ``"weights_after"``
    ({child: weight}) and ``"result"`` (the run with the new weights). ``summary.converged`` is False when
    the tolerance was not reached; the best weights found are still returned, and ``message`` says why."""
    plan = result.plan
    if node not in plan.nodes:
        hints = zhishu.did_you_mean(node, list(plan.nodes))
        hint = f"; did you mean {' or '.join(map(repr, hints))}?" if hints else ""
        raise zhishu.ConfigError([zhishu.Issue(f"{node!r} is not an aggregate node of this index{hint}; nodes: "
                                               f"{', '.join(list(plan.nodes)[:20])}", "node")])
    if measure not in ("r2", "s"):
        raise zhishu.ConfigError([zhishu.Issue(f"measure must be 'r2' or 's', not {measure!r}", "measure")])
    if not (0 < tolerance < 1) or max_iterations < 1:
        raise zhishu.ConfigError([zhishu.Issue("tolerance must be in (0, 1) and max_iterations at least 1",
                                               "tolerance")])
    children = tuple(plan.nodes[node].children)
    if len(children) < 2:
        raise zhishu.ConfigError([zhishu.Issue(f"node {node!r} has one child: there is no weight to optimise",
                                               "node")])
    years = frames.years(result)
    year = years[-1] if year is None else year
    if year not in years:
        raise zhishu.DataError([zhishu.Issue(f"year {year} is not in this run, which covers {years}", "year")])
    t = _targets(target, children)
    w0 = frames.nominal_weights(result).xs(node, level="parent").reindex(list(children)).to_numpy("float64")
    score, X = _node_score_function(result, node, year)
    before = _importances(X, score(w0), measure)
    (gap, w, _), iterations, stalled = _search(score, X, t, w0, measure, tolerance, max_iterations)
    weights = dict(zip(children, (float(v) for v in w)))
    after_result = zhishu.run_config(_with_weights(plan, node, weights))
    new_rows = after_result.scores[list(children) + [node]]
    new_rows = new_rows[new_rows.index.get_level_values("year") == year]
    after = _importances(new_rows[list(children)].to_numpy("float64"), new_rows[node].to_numpy("float64"), measure)
    gap_after = float(np.nanmax(np.abs(after - t)))
    converged = gap_after <= tolerance
    if converged:
        message = f"converged: every importance within {tolerance:g} of its target"
    elif stalled:
        floor = [c for c, wi, a, ti in zip(children, w, after, t) if wi < 1e-3 and a > ti + tolerance]
        why = (f"{', '.join(floor)} keep{'s' if len(floor) == 1 else ''} more importance than the target even with "
               "a weight near 0 (they correlate strongly with the other children)" if floor else
               "the target may be unreachable with non-negative weights")
        message = f"not converged: the search stalled with a largest gap of {gap_after:.3g} > {tolerance:g}; {why}"
    else:
        message = (f"not converged after {iterations} iterations (largest gap {gap_after:.3g} > {tolerance:g}); "
                   "raise --max-iterations or the tolerance")
    summary = {"node": node, "year": year, "measure": measure, "converged": converged, "iterations": iterations,
               "tolerance": tolerance, "max_gap_before": float(np.nanmax(np.abs(before - t))),
               "max_gap_after": gap_after, "message": message}
    weight_table = pd.DataFrame({"node": node, "child": list(children), "weight_before": w0, "weight_after": w,
                                 "importance_before": before, "importance_after": after, "target": t,
                                 "gap_after": after - t})[WEIGHT_COLUMNS]
    root = plan.root
    def pick(res, col):
        return res.scores[col].xs(year, level="year"), res.ranks[col].xs(year, level="year")
    sb, rb = pick(result, node)
    sa, ra = pick(after_result, node)
    tb, qb = pick(result, root)
    ta, qa = pick(after_result, root)
    ranks = pd.DataFrame({"unit": sb.index, "name": frames.unit_names(result).reindex(sb.index).to_numpy(object),
                          "year": year, "node": node, "score_before": sb.to_numpy(), "rank_before": rb.to_numpy(),
                          "score_after": sa.reindex(sb.index).to_numpy(), "rank_after": ra.reindex(sb.index).to_numpy(),
                          "root_score_before": tb.reindex(sb.index).to_numpy(),
                          "root_rank_before": qb.reindex(sb.index).to_numpy(),
                          "root_score_after": ta.reindex(sb.index).to_numpy(),
                          "root_rank_after": qa.reindex(sb.index).to_numpy()})
    for col in ("rank_before", "rank_after", "root_rank_before", "root_rank_after"):
        ranks[col] = ranks[col].astype("Float64").astype("Int64")
    ranks = ranks.sort_values("rank_after", kind="stable", na_position="last").reset_index(drop=True)
    return {"summary": pd.DataFrame([summary], columns=SUMMARY_COLUMNS), "weights": weight_table,
            "ranks": ranks[RANK_COLUMNS], "fragment": fragment(node, weights, summary),
            "weights_after": weights, "result": after_result}
