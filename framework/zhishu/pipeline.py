"""The pipeline: the stage table (:mod:`zhishu.stages`: load → match → derive → select → screen → impute →
treat → normalise), then aggregation level by level to the root → rank → :class:`~zhishu.results.Result`.

Each stage takes frames and the :class:`~zhishu.config.plan.Plan` and returns new frames; none mutates its
input. Loops run over sources, normaliser groups, years and tree nodes — never over units or indicators
within a stage, whose work is whole-frame pandas/numpy arithmetic. Every call into a plugin goes through
:mod:`zhishu.calls`, so an unexpected exception names the plugin and where its method was chosen.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from datetime import datetime, timezone

import attrs
import numpy as np
import pandas as pd

from .calls import blame, call, describe
from .components import Reports, compares_units, provides
from .config.plan import Plan
from .default_plugins.aggregators import Arithmetic as _Arithmetic
from .default_plugins.aggregators import arithmetic_mean as _arithmetic_mean
from .default_plugins.aggregators import blank_where_all_missing as _blank_where_all_missing
from .default_plugins.weightings import Equal as _Equal
from .errors import InputError, PluginError
from .labels import canonical_label
from .progress import Progress
from .ranks import rank_by_year, rank_items
from .results import Result, build_manifest, frame_of_arrays, integer_columns, nullable_ranks
from .stages import (
    STAGES,
    Stages,
    cell_flags,
    check_reference_year,
    derive,
    impute,
    load_sources,
    match_units,
    normalise,
    run_stages,
    select_years,
    treat,
    units_table,
)

#: seconds a run lasts before ``progress=None`` (``zhishu run`` on a terminal) shows its bar: small data, no bar
RUN_PROGRESS_DELAY = 1.0

__all__ = [
    "STAGES", "Stages", "aggregate", "aggregate_rows", "canonical_label", "cell_flags", "check_reference_year",
    "derive", "impute", "load_sources", "match_units", "normalise", "nullable_rank", "rank", "run", "run_analyses",
    "run_config", "run_stages", "select_years", "treat", "units_table", "weight_reports",
]

TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------- aggregation


#: from this many cells (rows × tree items) on, :func:`aggregate`'s scores share the normalised values' block
#: instead of holding a copy of it (on small frames the copy is cheaper than the shared frame's assembly)
SHARE_CELLS = 2**20


def aggregate(plan: Plan, normalised: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node scores from the leaves up, and the weights table (parent, node, weight, effective_weight).

    The scores frame has every tree item in pre-order; an indicator's column holds its normalised values. On
    large frames (:data:`SHARE_CELLS`) those columns are the normalised frame's own block, shared copy-on-write
    (a change to either frame copies first), next to one block of node scores."""
    by_item = normalised.to_numpy(dtype="float64").T  # items × rows: a view of a one-block float frame
    if not by_item.flags.c_contiguous:
        by_item = np.ascontiguousarray(by_item)
    node_ids = list(plan.nodes)
    node_rows = np.empty((len(node_ids), len(normalised)))  # one row per node, in pre-order
    where = {c: (by_item, j) for j, c in enumerate(normalised.columns.tolist())}
    where.update({nid: (node_rows, j) for j, nid in enumerate(node_ids)})
    specs = {i: ind.spec for i, ind in plan.indicators.items()}
    index = normalised.index
    local: dict[str, float] = {}
    parents: dict[str, str] = {}
    for nid in plan.aggregation_order:
        node = plan.nodes[nid]
        children = list(node.children)
        block = _children_block([where[c] for c in children])  # rows × children
        if _equal_arithmetic(node):
            wv = _equal_weights(len(children))
            score = _equal_arithmetic_scores(block, wv)
            keep = _share_kept(block, wv, node.min_share)
        else:
            wv, score, keep = _node_scores(node, block, index, specs)
        node_rows[where[nid][1]] = score if keep is None else np.where(keep, score, np.nan)
        for c, weight in zip(children, wv.tolist()):
            local[c] = weight
            parents[c] = nid
    weights = _weights_table(plan, local, parents)
    order = plan.tree_order()
    if len(index) * len(order) < SHARE_CELLS:
        # the tree's labels built once per tree (an Index of text is slow to build), each frame its own copy
        scores = pd.DataFrame(np.vstack([where[k][0][where[k][1]] for k in order]).T, index=index,
                              columns=_labels(tuple(order)).copy(), copy=False)
    else:
        nodes = pd.DataFrame(node_rows.T, index=index, columns=node_ids, copy=False)
        scores = pd.concat([nodes, normalised], axis=1)[order]
    return scores, weights


def _equal_arithmetic(node) -> bool:
    """Whether the node uses the built-in equal weighting and arithmetic mean themselves (not a subclass, not a
    third-party method): those :func:`aggregate` computes on the arrays directly, without a frame and Series per
    node, with exactly the operations their methods apply (the same values bit for bit)."""
    return (type(node.weighting.obj) is _Equal and type(node.aggregator.obj) is _Arithmetic
            and len(node.children) > 0)


def _equal_weights(n: int) -> np.ndarray:
    """:meth:`Equal.weights <zhishu.default_plugins.weightings.Equal.weights>` as an array (what
    :func:`_check_weights` returns of it: n > 0 weights 1/n, finite, non-negative, summing to 1)."""
    return np.full(n, 1.0 / n, dtype=np.float64)


def _equal_arithmetic_scores(block: np.ndarray, w: np.ndarray) -> np.ndarray:
    """:meth:`Arithmetic.aggregate <zhishu.default_plugins.aggregators.Arithmetic.aggregate>` over ``block``
    (rows × children) with weights ``w``, on the arrays (before the missing-children rule)."""
    return _blank_where_all_missing(block, _arithmetic_mean(block, w))


def _share_kept(block: np.ndarray, w: np.ndarray, min_share: float) -> np.ndarray | None:
    """The missing-children rule, uniform for every aggregator: the rows whose present children carry a
    positive weight of at least ``min_share`` (None when no child is missing anywhere)."""
    present = ~np.isnan(block)
    if present.all():
        return None
    share = present @ w
    return (share > 0) & (share >= min_share - TOLERANCE)


def _node_scores(node, block: np.ndarray, index: pd.Index, specs) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A node's weights, its scores before the missing-children rule and the rows that rule keeps, through the
    node's weighting and aggregator hooks (what any method, built-in or a plugin's, receives)."""
    X = pd.DataFrame(block, index=index, columns=_labels(node.children), copy=False)
    w = _check_weights(call(node.weighting, "weights", X, specs), node, X.columns)
    wv = w.to_numpy()
    keep = _share_kept(block, wv, node.min_share)
    # units below min_share take no part, even in aggregators that compare units (Copeland, TOPSIS)
    by_year = compares_units(node.aggregator.obj)
    rows = X if keep is None or keep.all() or not by_year else X[keep]
    with blame(node.aggregator):
        score = _aggregate_rows(node.aggregator.obj, rows, w, by_year)
    if not isinstance(score, pd.Series) or not (score.index is rows.index or score.index.equals(rows.index)):
        raise PluginError(f"{describe(node.aggregator)} must return a Series with the same index as its input")
    score = score.reindex(X.index).to_numpy(dtype="float64") if rows is not X else score.to_numpy("float64")
    return wv, score, keep


def _children_block(places: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """The children's values as rows × children: a read-only view when they are consecutive rows of one array
    (a group's indicators, in config order), else a copy."""
    first, j = places[0]
    if all(a is first and k == j + i for i, (a, k) in enumerate(places)):
        view = first[j:j + len(places)].T
        view.flags.writeable = False  # the aggregator's input: never the normalised values themselves
        return view
    return np.vstack([a[k] for a, k in places]).T


@functools.lru_cache(maxsize=4096)
def _labels(names: tuple[str, ...]) -> pd.Index:
    """The column labels of a node's children (an Index of text is slow to build; it is immutable, so shared)."""
    return pd.Index(list(names))


def aggregate_rows(aggregator, X: pd.DataFrame, w: pd.Series) -> pd.Series:
    """``aggregator.aggregate(X, w)``; aggregators that compare units with each other
    (:class:`~zhishu.components.ByYear`: Copeland, TOPSIS …) see one year at a time, the others every row."""
    return _aggregate_rows(aggregator, X, w, compares_units(aggregator))


def _aggregate_rows(aggregator, X: pd.DataFrame, w: pd.Series, by_year: bool) -> pd.Series:
    if not by_year:
        return aggregator.aggregate(X, w)
    years = X.index.get_level_values("year")
    if years.nunique() == 1:
        return aggregator.aggregate(X, w)
    return pd.concat([aggregator.aggregate(rows, w) for _, rows in X.groupby(level="year", sort=False)]
                     ).reindex(X.index)


def weight_reports(plan: Plan) -> dict[str, dict]:
    """Diagnostics of weightings that have them (:class:`~zhishu.components.Reports`: e.g. AHP's λmax, CI and
    CR), per node."""
    reports = {}
    for nid, node in plan.nodes.items():
        if provides(node.weighting.obj, Reports):
            report = call(node.weighting, "report", node.children)
            reports[nid] = {**report, "weighting": node.weighting.name}
    return reports


def _check_weights(w, node, labels: pd.Index | None = None) -> pd.Series:
    m = node.weighting
    who = f"weighting {m.name!r} (plugin {m.plugin!r}) at node {node.id!r}"
    children = list(node.children)
    if not isinstance(w, pd.Series):
        raise PluginError(f"{who} must return a Series indexed by the node's children {children}")
    # in another order, or not floats: check and align
    if not (w.index is labels or w.index.tolist() == children) or w.dtype != np.float64:
        if set(w.index) != set(children) or len(w) != len(children):
            raise PluginError(f"{who} must return a Series indexed by the node's children {children}")
        w = w.reindex(children).astype("float64")
    values = w.to_numpy()
    if not np.isfinite(values).all() or (values < 0).any() or abs(values.sum() - 1.0) > 1e-6:
        raise PluginError(f"{who} returned weights that are not finite, non-negative and summing to 1: "
                          f"{w.round(6).to_dict()}")
    return w


def _weights_table(plan: Plan, local: Mapping[str, float], parents: Mapping[str, str]) -> pd.DataFrame:
    """parent, node, weight (within the parent) and effective weight (the product down from the root), one row
    per tree item below the root, in tree order."""
    effective = {plan.root: 1.0}
    rows = plan.tree_order()[1:]
    up = plan.parents
    for item in rows:
        effective[item] = effective[up[item]] * local[item]
    # the frame a dict of these four columns gives (the two float columns one block), without its checks
    return frame_of_arrays([_texts(tuple([parents[i] for i in rows])).copy(), _texts(tuple(rows)).copy(),
                            np.array([local[i] for i in rows], dtype="float64"),
                            np.array([effective[i] for i in rows], dtype="float64")],
                           pd.RangeIndex(len(rows)), _weights_columns())


@functools.cache
def _weights_columns() -> pd.Index:
    """The weights table's column labels, as a dict of its columns labels them (immutable: shared)."""
    return pd.DataFrame({name: [] for name in ("parent", "node", "weight", "effective_weight")}).columns


@functools.lru_cache(maxsize=256)
def _texts(labels: tuple[str, ...]):
    """``labels`` as the pandas text array a frame column of them would be (the same for every run of a tree);
    callers take ``.copy()``: a new pandas array around the same immutable Arrow data."""
    return pd.Series(list(labels)).array  # inferred as a frame's column of them is (Arrow text by default)


def rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Rank every column within each year: 1 = highest score, ties share the best rank, missing stays missing
    (pandas' ``rank(method="min", ascending=False)`` per year, computed by :func:`zhishu.ranks.rank_by_year`)."""
    out = rank_by_year(scores.to_numpy(dtype="float64"), _year_codes(scores.index))
    return pd.DataFrame(out, index=scores.index, columns=scores.columns, copy=False)


def _year_codes(index: pd.Index) -> np.ndarray:
    """One integer per row, equal for rows of the same year (the groups ranks are taken within): a (unit, year)
    MultiIndex's own codes of its year level, else the years factorized."""
    if isinstance(index, pd.MultiIndex) and "year" in index.names:
        return np.asarray(index.codes[index.names.index("year")])
    codes, _ = pd.factorize(index.get_level_values("year"))
    return codes


def nullable_rank(scores: pd.DataFrame) -> pd.DataFrame:
    """:func:`rank` as nullable integers (``Int64``, ``<NA>`` where the score is missing), what
    :attr:`Result.ranks` holds: ranked a few columns at a time straight into the integer data and mask of the
    result (:func:`zhishu.ranks.rank_items`), with no float copy of every rank next to it."""
    if not scores.columns.is_unique:
        return nullable_ranks(rank(scores))
    codes = _year_codes(scores.index)

    def block(a: int, b: int) -> np.ndarray:  # columns a..b, item-major (a view for a one-block float frame)
        return scores.iloc[:, a:b].to_numpy(dtype="float64").T

    ints, masks = rank_items(block, scores.shape[1], len(scores), codes)
    return integer_columns(ints, masks, scores.index, scores.columns)


def run_config(plan: Plan, *, progress: bool | None = False) -> Result:
    """Run a loaded :class:`Plan` through the stage table, aggregate and rank, and return the :class:`Result`.

    :param progress: a bar of the stages on stderr (True; None: only on a terminal, and only once the run has
        lasted :data:`RUN_PROGRESS_DELAY` seconds, i.e. on large data); nothing is printed by default.
    """
    hooks = plan.hooks
    started = datetime.now(timezone.utc)
    step = "before_run"
    bar = Progress(len(STAGES) + 3, enabled=progress, unit="stages", delay=RUN_PROGRESS_DELAY if progress is None
                   else 0.0)  # + aggregate, rank, analyse

    def starting(name: str) -> None:
        nonlocal step
        if step != "before_run":
            bar.update()
        bar.stage(name)
        step = name

    try:
        hooks.before_run(plan)
        stages = run_stages(plan, "normalise", on_start=starting,
                            after_step=(lambda name, frame: hooks.after_step(name, frame, plan))
                            if _observes_steps(hooks) else None)  # no frame built for nobody
        starting("aggregate")
        scores, weights = aggregate(plan, stages.normalised)
        hooks.after_step("aggregate", scores, plan)
        starting("rank")
        ranks = nullable_rank(scores)
        if _observes_steps(hooks):  # the float ranks, as they always were, built only for a plugin that looks
            hooks.after_step("rank", ranks.astype("float64"), plan)
        reports = weight_reports(plan)
        result = Result(
            plan=plan,
            raw=stages.raw,
            data=stages.treated,
            normalised=stages.normalised,
            scores=scores,
            ranks=ranks,
            weights=weights,
            flags=stages.flags,
            units=stages.units,
            weight_reports=reports,
            treatment_details=stages.treatment_details,
            sources=dict(stages.sources),
            manifest={**build_manifest(plan, list(stages.inputs), dict(stages.details), started),
                      "weight_reports": reports, **screening_manifest(plan, stages.screened)},
        )
        starting("analyse")
        result = attrs.evolve(result, analyses=run_analyses(plan, result))
        bar.update()
        step = "after_run"
        hooks.after_run(result)
        return result
    except BaseException as exc:
        hooks.on_error(exc, step, plan)
        raise
    finally:
        bar.close()


def _observes_steps(hooks) -> bool:
    """Whether some plugin implements ``after_step`` (the stages' reported frames are built only then)."""
    pm = getattr(hooks, "pm", None)
    return pm is None or bool(pm.hook.after_step.get_hookimpls())


def screening_manifest(plan: Plan, screened: pd.DataFrame | None) -> dict:
    """``{"screening": {min_coverage, by, dropped: [{unit, year, name, present, indicators, coverage}]}}`` with
    ``[index] screen``, else ``{}``: the manifest lists every unit-year screened out."""
    rule = plan.config.index.screen
    if rule is None or screened is None:
        return {}
    dropped = [{"unit": str(r.unit), "year": int(r.year), "name": str(r.name), "present": int(r.present),
                "indicators": int(r.indicators), "coverage": float(r.coverage)} for r in screened.itertuples()]
    return {"screening": {"min_coverage": rule.min_coverage, "by": rule.by, "dropped": dropped}}


def run_analyses(plan: Plan, result: Result) -> dict[str, pd.DataFrame]:
    """Every analysis switched on in ``[analyses]``, in config order; each returns one table."""
    tables = {}
    for name, method in plan.analyses.items():
        try:
            table = call(method, "run", result, obj=method.fresh())
        except InputError as exc:  # config or data problems: locate those that do not say where they are
            issues = [i if i.path else attrs.evolve(i, path=method.key_path) for i in exc.issues]
            raise type(exc)(issues) from None
        if not isinstance(table, pd.DataFrame):
            raise PluginError(f"analysis {name!r} ({method.name!r}, plugin {method.plugin!r}) must return a "
                              f"DataFrame, got {type(table).__name__}")
        tables[name] = table
    return tables


def run(source: str | os.PathLike | Mapping, **load_options) -> Result:
    """Load a config (a path, TOML text or a dict; ``data=`` DataFrames…, as :func:`zhishu.load_config`) and
    run it: ``zhishu.run("configs/demo.toml").scores``."""
    from .config import load_config

    return run_config(load_config(source, **load_options))
