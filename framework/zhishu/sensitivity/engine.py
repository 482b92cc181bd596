"""The vectorised engine: the pipeline's stages up to normalisation once per distinct discrete choice, then every
replication's weights evaluated as array operations.

:func:`prepare` runs the stage table (:func:`zhishu.run_stages`: load, match units, derive, select years once;
impute, treat and normalise from there) and aggregates, once for each combination of normaliser, aggregator
and imputation that the sample uses, and keeps for each a :class:`Variant`: the normalised leaves, the nominal
weights of every node and the aggregators. The resulting :class:`Model` is plain, picklable data.

:func:`evaluate_chunk` takes rows of the sample matrix and computes, for all of them at once, every node's
score bottom-up — children values (units × R × k) and weights (R × k): an aggregator with the
:class:`~zhishu.AggregatesArrays` capability (the built-in arithmetic and geometric means, or any plugin's) is
called once for all replications; any other aggregator is called once per replication (correct but slower) —
and the ranks within each year. Two shortcuts keep every bit: nodes that are the same in every replication are
computed once per variant when the model is prepared (:func:`shared_values`), and the built-in means add complete
children as separate arrays (``aggregate_columns``) instead of stacking them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .. import pipeline as P
from ..calls import blame, call, describe
from ..classes import frozen
from ..components import AggregatesArrays, compares_units, provides
from ..config.plan import Plan
from ..default_plugins.aggregators import (
    Arithmetic,
    Geometric,
    arithmetic_mean,
    blank_where_all_missing,
    geometric_mean,
    unit_weights,
)
from ..errors import DataError, Issue, PluginError
from ..ranks import rank_by_year
from ..stages import STAGES, Stage, Stages, run_stages, treat
from .sampling import choice_index
from .spec import ResolvedSpec, removed_item


@frozen(kw_only=True)
class NodeAggregator:
    """How a node aggregates: ``path`` "array" (the aggregator is :class:`~zhishu.AggregatesArrays`: one call
    for all replications) or "other" (``aggregate`` called once per replication); ``method`` as configured."""

    path: str
    method: Any

    @property
    def obj(self) -> Any:
        return self.method.obj

    @property
    def name(self) -> str:
        return self.method.name


@frozen(kw_only=True)
class Variant:
    """One combination (normaliser, aggregator, imputation): the normalised leaves (one array of units per
    indicator), each node's nominal weights (children order) and aggregator; for nodes whose children are all
    indicators, their values as one (units × children) block, which every replication shares."""

    key: tuple[int, int, int]
    leaves: Mapping[str, np.ndarray]
    weights: Mapping[str, np.ndarray]
    aggregators: Mapping[str, NodeAggregator]
    blocks: Mapping[str, np.ndarray] = attrs.field(factory=dict)  # nodes whose children are all indicators
    present: Mapping[str, np.ndarray] = attrs.field(factory=dict)  # … which of those values are present
    complete: Mapping[str, bool] = attrs.field(factory=dict)  # … and whether all are
    #: the scores (units × 1) of the nodes that are the same in every replication (:func:`shared_values`)
    shared: Mapping[str, np.ndarray] = attrs.field(factory=dict)


@frozen(kw_only=True)
class Model:
    """Everything a worker needs to evaluate rows of the sample matrix (picklable, no plugin manager)."""

    index: pd.MultiIndex
    year_codes: np.ndarray
    root: str
    order: tuple[str, ...]  # aggregate nodes, children before parents
    children: Mapping[str, tuple[str, ...]]
    min_share: Mapping[str, float]
    outputs: tuple[str, ...]  # nodes whose scores and ranks are returned
    variants: Mapping[tuple[int, int, int], Variant]
    nominal_weights: Mapping[str, np.ndarray]  # each node's weights in the nominal run
    ahp: tuple[AHPModel, ...]
    ahp_steps: int
    weight_method: str | None
    noise: float
    concentration: float
    slots: tuple[tuple[str, str], ...]  # perturbed weights, in sample-column order
    reported: tuple[tuple[str, str], ...]  # weights that vary, reported per replication
    columns: Mapping[str, int]  # sample column of each discrete input (normaliser, aggregator, imputation, …)
    counts: Mapping[str, int]  # number of alternatives of each discrete input
    left_out: tuple[tuple[str, int], ...]  # (parent node, child position) of each indicator that may be left out

    @property
    def units(self) -> int:
        return len(self.index)


@frozen(kw_only=True)
class ChunkResult:
    """The results for rows ``start … start + R``: per output node scores and ranks (units × R), the local
    weights used (R × slots, re-normalised within each parent) and the discrete choices (R × 4)."""

    start: int
    scores: Mapping[str, np.ndarray]
    ranks: Mapping[str, np.ndarray]
    weights: np.ndarray
    choices: np.ndarray


CHOICES = ("normaliser", "aggregator", "imputation", "leave_one_out")


# --------------------------------------------------------------------------------------------- choices


def decode_choices(model_columns: Mapping[str, int], counts: Mapping[str, int], U: np.ndarray) -> np.ndarray:
    """(R × 4) integer choices — normaliser, aggregator, imputation, left-out indicator (0 = nominal/none)."""
    out = np.zeros((len(U), len(CHOICES)), dtype="int64")
    for j, name in enumerate(CHOICES):
        if name in counts:
            out[:, j] = choice_index(U[:, model_columns[name]], counts[name])
    return out


def layout(rs: ResolvedSpec) -> tuple[dict[str, int], dict[str, int]]:
    """The first sample column of each input, and the number of alternatives of each discrete input."""
    columns, counts, col = {}, {}, 0
    for inp in rs.inputs:
        columns[inp.name] = col
        if inp.kind == "choice":
            counts[inp.name] = len(inp.choices)
        col += inp.columns
    return columns, counts


#: Saaty's scale, 1/9 … 1/2, 1, 2 … 9 (17 points)
SAATY_SCALE = np.array([1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)])


@frozen(kw_only=True)
class AHPModel:
    """A node whose AHP judgments move: nominal matrix, judged pairs (i < j), their positions on the scale."""

    node: str
    matrix: np.ndarray
    pairs: tuple[tuple[int, int], ...]
    positions: np.ndarray
    method: str


def ahp_weights(model: "Model", U: np.ndarray) -> dict[str, np.ndarray]:
    """Per perturbed AHP node, the weights (R × children) from each replication's moved judgments: each judgment
    moves s = floor(u · (2k + 1)) − k steps along Saaty's scale (clipped to 1/9 … 9; s = 0 keeps the judgment as
    written), its mirror becomes the reciprocal, and the weights are recomputed by the node's AHP method."""
    from ..ahp import priorities

    out = {}
    if not model.ahp:
        return out
    k = model.ahp_steps
    col = model.columns["ahp"]
    for a in model.ahp:
        R, m = len(U), len(a.matrix)
        A = np.broadcast_to(a.matrix, (R, m, m)).copy()
        shift = np.minimum((U[:, col:col + len(a.pairs)] * (2 * k + 1)).astype("int64"), 2 * k) - k
        col += len(a.pairs)
        for p, (i, j) in enumerate(a.pairs):
            moved = SAATY_SCALE[np.clip(a.positions[p] + shift[:, p], 0, len(SAATY_SCALE) - 1)]
            value = np.where(shift[:, p] == 0, a.matrix[i, j], moved)
            A[:, i, j] = value
            A[:, j, i] = 1.0 / value
        if m == 2:  # both methods give (a, 1) / (1 + a) for a 2 × 2 reciprocal matrix: no eigen-solver needed
            a12 = A[:, 0, 1]
            out[a.node] = np.column_stack([a12, np.ones(R)]) / (1.0 + a12)[:, None]
        else:
            out[a.node], _ = priorities(A, a.method)
    return out


# --------------------------------------------------------------------------------------------- preparation


@frozen(kw_only=True)
class Prepared:
    """The model, plus what only the parent process needs: the nominal run's scores and ranks, input files."""

    model: Model
    nominal_scores: pd.DataFrame
    nominal_ranks: pd.DataFrame
    inputs: list
    details: dict


def variant_plan(plan: Plan, rs: ResolvedSpec, key: tuple[int, int, int]) -> Plan:
    """The plan with the normaliser, aggregator and imputation alternatives of ``key`` (0 = as configured)."""
    norm, agg, imp = key
    first = rs.nominal_first
    if norm or (rs.normalisers and not first.get("normaliser", True)):
        method = rs.normalisers[norm]
        plan = attrs.evolve(plan, indicators={i: attrs.evolve(ind, normaliser=method)
                                              for i, ind in plan.indicators.items()})
    if imp or (rs.imputers and not first.get("imputation", True)):
        method = rs.imputers[imp]
        plan = attrs.evolve(plan, imputer=method, indicators={i: attrs.evolve(ind, imputer=None)
                                                              for i, ind in plan.indicators.items()})
    if agg or (rs.aggregators and not first.get("aggregator", True)):
        method = rs.aggregators[agg]
        plan = attrs.evolve(plan, nodes={n: attrs.evolve(node, aggregator=method) if n in rs.aggregator_nodes
                                         else node for n, node in plan.nodes.items()})
    return plan


def describe_key(rs: ResolvedSpec, key: tuple[int, int, int]) -> str:
    parts = []
    for name, methods, k in (("normaliser", rs.normalisers, key[0]), ("aggregator", rs.aggregators, key[1]),
                             ("imputation", rs.imputers, key[2])):
        if methods:
            parts.append(f"{name} {methods[k].name}")
    return ", ".join(parts) or "the nominal methods"


def prepare(plan: Plan, rs: ResolvedSpec, U: np.ndarray, outputs: tuple[str, ...] | None = None) -> Prepared:
    """Run the pipeline's stages once per distinct imputation and normaliser used by the sample ``U`` (and for
    the nominal plan), aggregate the nominal plan once, and give each combination its nominal weights and the
    aggregators' checks on its data (:func:`_variant_weights`) without aggregating it again."""
    base = run_stages(plan, "screen")  # the data, once: load, match units, derive, select years, screen
    columns, counts = layout(rs)
    choices = decode_choices(columns, counts, U)
    keys = sorted(set(map(tuple, choices[:, :3].tolist())))
    first = rs.nominal_first
    treated_by: dict[Any, Stages] = {}
    normalised_by: dict = {}

    def applies(kind: str, methods, k: int) -> bool:
        return bool(methods) and (k > 0 or not first.get(kind, True))

    def normalised_for(vplan: Plan, key) -> tuple[tuple, pd.DataFrame]:
        norm, _agg, imp = key if key is not None else (0, 0, 0)
        imp_key = imp if key is not None and applies("imputation", rs.imputers, imp) else "nominal"
        norm_key = norm if key is not None and applies("normaliser", rs.normalisers, norm) else "nominal"
        if imp_key not in treated_by:
            treated_by[imp_key] = run_stages(vplan, "treat", resume=base, stages=_STAGES)
        if (imp_key, norm_key) not in normalised_by:
            normalised_by[(imp_key, norm_key)] = run_stages(vplan, "normalise", resume=treated_by[imp_key],
                                                            stages=_STAGES).normalised
        return (imp_key, norm_key), normalised_by[(imp_key, norm_key)]

    _, nominal_normalised = normalised_for(plan, None)
    nominal_scores, nominal_table = P.aggregate(plan, nominal_normalised)
    nominal_weights = _node_weights(plan, nominal_table)
    nominal_key = (0, 0, 0) if all(first.get(k, True) for k in ("normaliser", "aggregator", "imputation")) else None
    variants: dict[tuple[int, int, int], Variant] = {}
    paths: dict = {}  # each aggregator method's NodeAggregator (variants share their methods)
    leaves_by: dict = {}
    weights_cache: dict = {}
    for key in keys:
        vplan = variant_plan(plan, rs, key)
        if key == nominal_key:
            frame_key, normalised, weights = ("nominal", "nominal"), nominal_normalised, nominal_weights
        else:
            try:
                frame_key, normalised = normalised_for(vplan, key)
                weights = _variant_weights(vplan, normalised, frame_key, nominal_weights, weights_cache)
            except DataError as exc:
                raise DataError([*exc.issues, Issue(f"(with {describe_key(rs, key)}, a combination the "
                                                    "sensitivity sample uses)", "sensitivity")]) from None
        if frame_key not in leaves_by:
            leaves = dict(zip(normalised.columns, normalised.to_numpy(dtype="float64").T.copy()))
            blocks = {nid: np.ascontiguousarray(np.column_stack([leaves[c] for c in node.children]))
                      for nid, node in plan.nodes.items() if all(c in leaves for c in node.children)}
            present = {nid: ~np.isnan(b) for nid, b in blocks.items()}
            leaves_by[frame_key] = (leaves, blocks, present, {nid: bool(p.all()) for nid, p in present.items()})
        leaves, blocks, present, complete = leaves_by[frame_key]
        variants[key] = Variant(
            key=key, leaves=leaves, weights=weights,
            aggregators={nid: _node_aggregator(node.aggregator, paths) for nid, node in vplan.nodes.items()},
            blocks=blocks, present=present, complete=complete,
        )
    index = nominal_scores.index
    year_codes, _ = pd.factorize(index.get_level_values("year"))
    removed = [removed_item(plan, i) for i in rs.left_out]
    leave = tuple((plan.parent_of(x), plan.nodes[plan.parent_of(x)].children.index(x)) for x in removed)
    model = Model(
        index=index, year_codes=np.asarray(year_codes), root=plan.root, order=tuple(plan.aggregation_order),
        children={n: node.children for n, node in plan.nodes.items()},
        min_share={n: node.min_share for n, node in plan.nodes.items()},
        outputs=tuple(outputs) if outputs else (plan.root,), variants=variants,
        nominal_weights=nominal_weights,
        ahp=tuple(AHPModel(node=a.node, matrix=np.asarray(a.matrix, dtype="float64"), pairs=a.pairs,
                           positions=np.array([int(np.argmin(np.abs(np.log(SAATY_SCALE) - np.log(a.matrix[i, j]))))
                                               for i, j in a.pairs]), method=a.method) for a in rs.ahp_nodes),
        ahp_steps=rs.ahp_steps,
        weight_method=rs.weight_method, noise=rs.noise, concentration=rs.concentration, slots=rs.weight_slots,
        reported=rs.reported_slots, columns=columns, counts=counts, left_out=leave,
    )
    model = attrs.evolve(model, variants={k: attrs.evolve(v, shared=shared_values(model, v))
                                          for k, v in variants.items()})
    return Prepared(model=model, nominal_scores=nominal_scores, nominal_ranks=P.rank(nominal_scores),
                    inputs=list(base.inputs), details=dict(base.details))


def _treat_values(plan: Plan, s: Stages) -> dict:
    """The ``treat`` stage without the cell flags (a variant's flags are never reported)."""
    return {"treated": treat(plan, s.imputed, s.context()), "treatment_details": None}


#: the stage table with a ``treat`` that skips the flags table, for the variants
_STAGES = tuple(Stage(st.name, st.step, _treat_values, st.reported) if st.name == "treat" else st for st in STAGES)


@functools.cache
def _fixed_types() -> tuple[type, ...]:
    from ..default_plugins.ahp import AHP
    from ..default_plugins.weightings import Equal, Fixed

    return Equal, Fixed, AHP


def _fixed_weighting(obj: Any) -> bool:
    """Weightings known not to look at the data (equal, fixed, AHP): a variant keeps the nominal weights.
    Any other (objective weights, combinations, plugins) is called again on each variant's data."""
    return type(obj) in _fixed_types()


@functools.lru_cache(maxsize=4096)
def _labels(children: tuple[str, ...]) -> pd.Index:
    """A node's children as column labels (an Index of text is slow to build; immutable, so shared)."""
    return pd.Index(list(children))


def _variant_weights(vplan: Plan, normalised: pd.DataFrame, frame_key, nominal: Mapping[str, np.ndarray],
                     cache: dict) -> dict[str, np.ndarray]:
    """Each node's weights for one combination, and every check :func:`zhishu.pipeline.aggregate` makes of its
    data, without building its score tables: the same node loop on the same arrays.

    - weights: fixed weightings (:func:`_fixed_weighting`) keep the nominal weights; any other is called as the
      pipeline calls it (children values as a frame indexed by unit and year), once per normalised frame for
      nodes whose children are all indicators (``cache``), and its answer checked as the pipeline checks it;
    - aggregators: each node's ``aggregate`` runs on the combination's nominal values, so it rejects data it
      cannot take (e.g. the geometric mean of values ≤ 0) before any replication runs. Row-wise aggregators get
      a plain integer index (cheap); if one raises a :class:`~zhishu.DataError` it is run again on the
      (unit, year) frame so that the message names the unit and year. Aggregators that compare units run
      exactly as in the pipeline; the built-in arithmetic and geometric means are computed on the arrays as
      their ``aggregate`` computes them (:func:`_mean_of_arrays`). Their results, with the missing-children
      rule, are the values the parents see, exactly as in the pipeline (so data-driven weights of upper nodes
      are the pipeline's).
    """
    specs = {i: ind.spec for i, ind in vplan.indicators.items()}
    by_item = np.ascontiguousarray(normalised.to_numpy(dtype="float64").T)
    values: dict[str, np.ndarray] = dict(zip(normalised.columns, by_item))
    plain = pd.RangeIndex(len(normalised))
    out: dict[str, np.ndarray] = {}
    for nid in vplan.aggregation_order:
        node = vplan.nodes[nid]
        children = _labels(node.children)
        block = np.vstack([values[c] for c in node.children]).T  # as in pipeline.aggregate
        if _fixed_weighting(node.weighting.obj):
            w = nominal[nid]
        else:
            leaf_level = all(c in vplan.indicators for c in node.children)
            ck = (frame_key, nid) if leaf_level else None
            if ck is not None and ck in cache:
                w = cache[ck]
            else:
                X = pd.DataFrame(block, index=normalised.index, columns=children, copy=False)
                w = P._check_weights(call(node.weighting, "weights", X, specs), node).to_numpy()
                if ck is not None:
                    cache[ck] = w
        out[nid] = w
        present = ~np.isnan(block)
        keep = None
        if not present.all():
            share = present @ w
            keep = (share > 0) & (share >= node.min_share - P.TOLERANCE)
        agg = node.aggregator
        score = _mean_of_arrays(agg.obj, block, w)
        if score is None:
            score = _checked_scores(agg, block, w, children, normalised.index, plain, keep)
        if keep is not None:
            score = np.where(keep, score, np.nan)
        values[nid] = score
    return out


def _mean_of_arrays(obj: Any, block: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """The built-in arithmetic and geometric means (these classes themselves) on the arrays, with exactly the
    operations of their ``aggregate`` — which takes a frame and returns a Series — when it would not raise (the
    geometric mean's values must be > −offset); ``None`` for any other aggregator, or data it rejects (its
    ``aggregate`` then runs and names the cells)."""
    kind = type(obj)
    if kind is Arithmetic:
        return blank_where_all_missing(block, arithmetic_mean(block, np.asarray(w, dtype=np.float64)))
    if kind is Geometric:
        if (block <= 0 if obj.offset == 0 else block + obj.offset <= 0).any():
            return None
        return blank_where_all_missing(block, geometric_mean(block, np.asarray(w, dtype=np.float64), obj.offset))
    return None


def _checked_scores(agg, block: np.ndarray, w: np.ndarray, children: pd.Index, index: pd.Index,
                    plain: pd.RangeIndex, keep: np.ndarray | None) -> np.ndarray:
    """A node's scores through its aggregator's ``aggregate`` (before the missing-children rule), as
    :func:`_variant_weights` describes."""
    weights = pd.Series(w, index=children)
    if compares_units(agg.obj):
        X = pd.DataFrame(block, index=index, columns=children, copy=False)
        rows = X if keep is None or keep.all() else X[keep]
    else:
        X = rows = pd.DataFrame(block, index=plain, columns=children, copy=False)
    try:
        with blame(agg):
            score = P.aggregate_rows(agg.obj, rows, weights)
    except DataError:
        if rows.index is not plain:
            raise
        with blame(agg):  # the same call on the (unit, year) frame, for a message that names them
            P.aggregate_rows(agg.obj, pd.DataFrame(block, index=index, columns=children), weights)
        raise
    if not isinstance(score, pd.Series) or not score.index.equals(rows.index):
        raise PluginError(f"{describe(agg)} must return a Series with the same index as its input")
    return score.reindex(X.index).to_numpy(dtype="float64") if rows is not X else score.to_numpy("float64")


def _node_weights(plan: Plan, weights: pd.DataFrame) -> dict[str, np.ndarray]:
    local = {(p, n): w for p, n, w in zip(weights["parent"], weights["node"], weights["weight"])}
    return {nid: np.array([local[(nid, c)] for c in node.children]) for nid, node in plan.nodes.items()}


def _node_aggregator(method, known: dict | None = None) -> NodeAggregator:
    """The vectorised path for aggregators that declare :class:`~zhishu.AggregatesArrays` (and do not compare
    units), the per-replication path for the others. ``known``: the answers so far by method object (the
    protocol checks walk the protocols' members on every call)."""
    if known is not None and id(method) in known:
        return known[id(method)][1]
    obj = method.obj
    vectorised = provides(obj, AggregatesArrays) and not compares_units(obj)
    out = NodeAggregator(path="array" if vectorised else "other", method=method)
    if known is not None:
        known[id(method)] = (method, out)  # the method kept alive, so that its id stays its own
    return out


# --------------------------------------------------------------------------------------------- evaluation


def varying_nodes(model: Model) -> frozenset[str]:
    """The nodes whose weights may differ between replications: perturbed weights, moved AHP judgments, a
    child that may be left out. Every other node has its nominal weights in every replication."""
    out = {a.node for a in model.ahp} | {parent for parent, _ in model.left_out}
    if model.weight_method is not None:
        out |= {nid for nid, _ in model.slots}
    return frozenset(out)


def replication_weights(model: Model, variant: Variant, U: np.ndarray, left: np.ndarray,
                        ahp: Mapping[str, np.ndarray] | None = None
                        ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per node, the weights of each replication (R × k): as applied (``raw``; zero noise leaves the nominal
    weights bit for bit) and re-normalised to sum 1 (``unit``). ``ahp``: the AHP nodes' weights of these
    replications (computed from ``U`` when not given). The nodes outside :func:`varying_nodes` get read-only
    views of one row repeated (the same values as R copies, computed once)."""
    R = len(U)
    varying = varying_nodes(model)
    raw, unit = {}, {}
    for nid, w in variant.weights.items():
        if nid in varying:
            raw[nid] = np.broadcast_to(w, (R, len(w))).copy()
        else:  # one row, normalised once
            raw[nid] = np.broadcast_to(w, (R, len(w)))
            unit[nid] = np.broadcast_to(unit_weights(w[None, :]), (R, len(w)))
    raw.update({nid: w.copy() for nid, w in (ahp if ahp is not None else ahp_weights(model, U)).items()})
    if model.weight_method is not None and model.slots:
        col = model.columns["weights"]
        for nid, children in _slot_groups(model.slots):
            k = len(children)
            u = U[:, col:col + k]
            col += k
            w = raw[nid]
            if model.weight_method == "uniform":
                raw[nid] = w * (1.0 - model.noise + 2.0 * model.noise * u)
            else:
                from scipy.special import gammaincinv

                alpha = model.concentration * w
                g = np.where(alpha > 0, gammaincinv(np.where(alpha > 0, alpha, 1.0), u), 0.0)
                total = g.sum(axis=1, keepdims=True)
                raw[nid] = np.where(total > 0, g / np.where(total > 0, total, 1.0), w)
    for j, (parent, pos) in enumerate(model.left_out, start=1):
        rows = left == j
        if rows.any():
            raw[parent][rows, pos] = 0.0
    for nid in varying:
        if nid in raw:
            unit[nid] = unit_weights(raw[nid])
    return raw, {nid: unit[nid] for nid in raw}


def _slot_groups(slots) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for nid, child in slots:
        if out and out[-1][0] == nid:
            out[-1][1].append(child)
        else:
            out.append((nid, [child]))
    return out


#: the built-in means, whose ``aggregate_columns`` gives ``aggregate_array``'s bits without stacking the children
_COLUMN_MEANS = (Arithmetic, Geometric)


def shared_values(model: Model, variant: Variant) -> dict[str, np.ndarray]:
    """The scores (units × 1) of the nodes that are the same in every replication of ``variant``: weights that
    do not vary (:func:`varying_nodes`) and children that are indicators or such nodes. Computed once, when the
    model is prepared, exactly as :func:`evaluate_variant` computes them for one replication."""
    varying = varying_nodes(model)
    raw, unit = {}, {}
    for nid, w in variant.weights.items():
        raw[nid] = w[None, :]
        unit[nid] = unit_weights(raw[nid])  # as replication_weights normalises one row
    values: dict[str, np.ndarray] = {}
    for nid in model.order:
        children = model.children[nid]
        if nid in varying or not all(c in values or c in variant.leaves for c in children):
            continue
        values[nid] = _node_scores(model, variant, nid, raw[nid], unit[nid], values)
    return values


def evaluate_variant(model: Model, variant: Variant, raw: Mapping[str, np.ndarray],
                     unit: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every node's scores (units × R) for the replications whose weights are ``raw`` / ``unit``.

    A node whose weights do not vary (:func:`varying_nodes`) and whose children's values are the same in every
    replication (indicators, or such nodes) has the same scores in every replication: they were computed once,
    when the model was prepared (``variant.shared``, units × 1; returned as read-only units × R views). The built-in
    arithmetic and geometric means take their children as columns (``aggregate_columns``) when no value is
    missing or infinite; otherwise, and for every other aggregator, the children are stacked (units × R × k)
    for ``aggregate_array`` or the per-replication path, as before."""
    n = model.units
    R = next(iter(raw.values())).shape[0]
    values: dict[str, np.ndarray] = dict(variant.shared)  # units × R, or units × 1 when shared
    for nid in model.order:
        if nid not in values:
            values[nid] = _node_scores(model, variant, nid, raw[nid], unit[nid], values)
    return {nid: v if v.shape[1] == R else np.broadcast_to(v, (n, R)) for nid, v in values.items()}


def _node_scores(model: Model, variant: Variant, nid: str, W: np.ndarray, uw: np.ndarray,
                 values: Mapping[str, np.ndarray]) -> np.ndarray:
    """One node's scores (units × R) from its children's (``values``, or the leaves) and its weights ``W`` /
    ``uw`` (R × k)."""
    columns = [values[c] if c in values else variant.leaves[c][:, None] for c in model.children[nid]]
    shared = all(c.shape[1] == 1 for c in columns)
    agg = variant.aggregators[nid]
    if agg.path == "array" and type(agg.obj) in _COLUMN_MEANS:
        score = agg.obj.aggregate_columns(columns, W)  # None when a value is missing or infinite
        if score is not None:
            return score
    return _evaluate_stacked(model, variant, nid, agg, columns, shared, W, uw)


def _evaluate_stacked(model: Model, variant: Variant, nid: str, agg: NodeAggregator, columns: list[np.ndarray],
                      shared: bool, W: np.ndarray, uw: np.ndarray) -> np.ndarray:
    """A node's scores (units × reps) from its children stacked: values (units × k) when the children are the
    same in every replication, else (units × reps × k), through ``aggregate_array`` or the per-replication
    path, then the pipeline's missing-children rule."""
    n, reps, k = model.units, len(W), len(columns)
    block = variant.blocks.get(nid)
    if shared:  # the same values in every replication: the AggregatesArrays form for many weight vectors
        if block is not None:
            V, present, complete = block, variant.present[nid][:, None, :], variant.complete[nid]
        else:
            V = np.column_stack(columns)
            present = ~np.isnan(V)[:, None, :]
            complete = bool(present.all())
    else:
        V = np.empty((n, reps, k))
        for j, c in enumerate(columns):
            V[:, :, j] = c
        present = ~np.isnan(V)
        complete = bool(present.all())
    if agg.path == "other":
        full = V if V.ndim == 3 else np.broadcast_to(V[:, None, :], (n, reps, k))
        score = _evaluate_other(model, agg, nid, full, uw)
    else:
        with blame(agg.method):
            score = agg.obj.aggregate_array(V, W)
        if not isinstance(score, np.ndarray) or score.shape != (n, reps):
            raise PluginError(f"{describe(agg.method)}: aggregate_array must return "
                              f"an array of shape {(n, reps)} for values of shape {V.shape} and weights of "
                              f"shape {W.shape}, got "
                              f"{score.shape if isinstance(score, np.ndarray) else type(score).__name__}")
    if not complete:
        share = (present * uw[None, :, :]).sum(axis=2)  # the pipeline's missing-children rule
        keep = (share > 0) & (share >= model.min_share[nid] - P.TOLERANCE)
        score = np.where(keep, score, np.nan)
    return score


def _evaluate_other(model: Model, agg: NodeAggregator, nid: str, V: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Aggregators without a vectorised form: called once per replication, as the pipeline calls them."""
    children = list(model.children[nid])
    out = np.empty(V.shape[:2])
    by_year = compares_units(agg.obj)
    for r in range(V.shape[1]):
        X = pd.DataFrame(V[:, r, :], index=model.index, columns=children)
        w = pd.Series(unit[r], index=children)
        rows = X
        if by_year:
            present = ~np.isnan(V[:, r, :])
            share = present @ unit[r]
            keep = (share > 0) & (share >= model.min_share[nid] - P.TOLERANCE)
            rows = X if keep.all() else X[keep]
        with blame(agg.method):
            score = P.aggregate_rows(agg.obj, rows, w)
        out[:, r] = score.reindex(X.index).to_numpy(dtype="float64") if rows is not X else score.to_numpy("float64")
    return out


def rank_columns(S: np.ndarray, year_codes: np.ndarray) -> np.ndarray:
    """Ranks of every column of ``S`` (units × R) within each year: 1 = highest, ties share the best rank
    (pandas' ``method="min"``), NaN stays NaN — :func:`zhishu.ranks.rank_by_year`."""
    return rank_by_year(S, year_codes)


def variant_rows(keys: np.ndarray) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """The distinct rows of ``keys`` (R × c non-negative integers: the combination of each replication), in
    sorted order, each with the positions (ascending) of the replications that use it. One integer per row
    (mixed radix, which sorts as the rows do) and one stable argsort, instead of a Python tuple per row."""
    if len(keys) == 0:
        return []
    keys = np.asarray(keys, dtype=np.int64)
    code = np.zeros(len(keys), dtype=np.int64)
    for col, radix in zip(keys.T, keys.max(axis=0) + 1):
        code = code * radix + col
    order = np.argsort(code, kind="stable")
    _, first = np.unique(code[order], return_index=True)
    bounds = [*first.tolist(), len(order)]
    return [(tuple(keys[order[a]].tolist()), order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def evaluate_chunk(model: Model, U: np.ndarray, start: int = 0) -> ChunkResult:
    """Scores, ranks, weights and choices of the replications whose sample rows are ``U``."""
    R = len(U)
    choices = decode_choices(model.columns, model.counts, U)
    scores = {nid: np.full((model.units, R), np.nan) for nid in model.outputs}
    weights = np.full((R, len(model.reported)), np.nan)
    keys = choices[:, :3]
    ahp = ahp_weights(model, U)  # the same for every combination
    for key, rows in variant_rows(keys):
        variant = model.variants[key]
        raw, unit = replication_weights(model, variant, U[rows], choices[rows, 3],
                                        {nid: w[rows] for nid, w in ahp.items()})
        values = evaluate_variant(model, variant, raw, unit)
        for nid in model.outputs:
            scores[nid][:, rows] = values[nid]
        for j, (nid, child) in enumerate(model.reported):
            weights[rows, j] = unit[nid][:, model.children[nid].index(child)]
    ranks = {nid: rank_columns(s, model.year_codes) for nid, s in scores.items()}
    return ChunkResult(start=start, scores=scores, ranks=ranks, weights=weights, choices=choices)
