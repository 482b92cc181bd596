"""The pipeline: pure, vectorised stages over frames indexed by (unit, year).

load sources → match units → derive indicators → select years → impute → treat outliers → normalise →
aggregate level by level to the root → rank → :class:`~zhishu.results.Result`.

Each stage takes frames and the :class:`~zhishu.config.plan.Plan` and returns new frames; none mutates its
input. Loops run over sources, normaliser groups, years and tree nodes — never over units or indicators
within a stage, whose work is whole-frame pandas/numpy arithmetic.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from .components import INDEX_NAMES, SourceContext
from .config.plan import Plan
from .errors import ConfigError, DataError, Issue, PluginError, ZhishuError, add_note
from .ranks import rank_by_year
from .registry import did_you_mean
from .results import Result, build_manifest

TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------- stages


def load_sources(plan: Plan) -> tuple[dict[str, pd.DataFrame], list[Path], dict]:
    """Every source's frame (unit labels as written), the files read, and what readers detected."""
    frames: dict[str, pd.DataFrame] = {}
    inputs: list[Path] = []
    details: dict = {}
    issues: list[Issue] = []
    for sid, source in plan.sources.items():
        context = SourceContext(
            base_dir=plan.base_dir,
            source_id=sid,
            key_path=source.key_path,
            read_table_hook=plan.hooks.read_table,
        )
        try:
            frame = source.obj.load(context)
        except DataError as exc:  # collect every source's problems, each located at least at its source
            issues.extend(i if i.path else attrs.evolve(i, path=f"{source.key_path}.params.path") for i in exc.issues)
            continue
        except ZhishuError as exc:
            issues.append(Issue(str(exc), source.key_path))
            continue
        except Exception as exc:
            add_note(exc, f"raised by source {sid!r} (plugin {source.method.plugin!r})")
            raise
        finally:
            inputs.extend(context.inputs)
            details.update(context.details)
        frames[sid] = _check_source_frame(frame, sid, source.method.plugin)
    if issues:
        raise DataError(issues)
    return frames, inputs, details


def _check_source_frame(frame, sid: str, plugin: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or list(frame.index.names) != list(INDEX_NAMES):
        raise PluginError(
            f"source {sid!r} (plugin {plugin!r}) must return a DataFrame indexed by (unit, year), "
            f"got {type(frame).__name__} with index {getattr(frame, 'index', None)!r:.80}"
        )
    return frame


def match_units(plan: Plan, frames: Mapping[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Replace unit labels by unit ids (``[[units]]`` ids, names and aliases); every unknown label is an error.

    Without ``[[units]]`` the labels are the ids, in order of first appearance.
    """
    if not plan.units:
        order = list(dict.fromkeys(lab for f in frames.values() for lab in f.index.get_level_values("unit")))
        return dict(frames), order
    lookup = {}
    for unit in plan.units:
        for label in (unit.id, unit.name, *unit.aliases):
            if label:
                lookup[canonical_label(label)] = unit.id
    issues, out = [], {}
    for sid, frame in frames.items():
        labels = frame.index.get_level_values("unit")
        distinct = pd.Index(labels.unique())
        ids = labels.map(dict(zip(distinct, _canonical_index(distinct).map(lookup))))
        unknown = pd.unique(labels[ids.isna()])
        if len(unknown):
            hints = []
            for lab in unknown[:20]:
                close = did_you_mean(str(lab), list(lookup))
                hints.append(f"{lab!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            more = f" … and {len(unknown) - 20} more" if len(unknown) > 20 else ""
            issues.append(Issue(
                f"{len(unknown)} unit label(s) match no unit: {', '.join(hints)}{more}; add them to [[units]] "
                "as an id, name or alias",
                f"sources.{sid}",
            ))
            continue
        mapped = frame.set_axis(pd.MultiIndex.from_arrays(
            [ids.astype(str), frame.index.get_level_values("year")], names=INDEX_NAMES))
        dup = mapped.index.duplicated(keep=False)
        if dup.any():
            pairs = sorted({f"{u} {y}" for u, y in mapped.index[dup]})
            issues.append(Issue(
                f"several rows map to the same unit and year ({', '.join(pairs[:10])}): two labels in the file "
                "name one unit (e.g. 北京 and 北京市)",
                f"sources.{sid}",
            ))
            continue
        out[sid] = mapped
    if issues:
        raise DataError(issues)
    return out, [u.id for u in plan.units]


def canonical_label(label) -> str:
    """A unit label as compared: Unicode NFKC (full-width → half-width), surrounding spaces removed."""
    return unicodedata.normalize("NFKC", str(label)).strip()


def _canonical_index(labels: pd.Index) -> pd.Index:
    """:func:`canonical_label` of every label, with pandas' string methods (no Python loop over labels)."""
    return labels.astype(str).str.normalize("NFKC").str.strip()


def derive(plan: Plan, frames: Mapping[str, pd.DataFrame], units: list[str]) -> pd.DataFrame:
    """The raw indicator values: each indicator's variable, or its formula over source variables.

    A variable found in several sources must be disambiguated with ``indicators.<id>.source``.
    """
    owners: dict[str, list[str]] = {}
    for sid, frame in frames.items():
        for col in frame.columns:
            owners.setdefault(str(col), []).append(sid)
    unique = {v: s[0] for v, s in owners.items() if len(s) == 1}
    index = _grid(units, sorted({int(y) for f in frames.values() for y in f.index.get_level_values("year")}))
    combined = pd.concat(
        [frames[sid][[v for v in frames[sid].columns if unique.get(str(v)) == sid]] for sid in frames], axis=1
    ).reindex(index) if frames else pd.DataFrame(index=index)

    issues, columns = [], {}
    for iid, ind in plan.indicators.items():
        data = frames[ind.source].reindex(index) if ind.source else combined
        missing = sorted(v for v in ind.variables if v not in data.columns)
        if missing:
            issues.extend(_missing_variable(ind, v, owners, list(owners)) for v in missing)
            continue
        if ind.formula is not None:
            value = ind.formula.evaluate(data[sorted(ind.variables)], ind.spec.params)
        else:
            value = data[ind.spec.variable or ind.spec.id].astype("float64")
        if ind.denominator is not None:  # per capita, per GDP, per area …; division by 0 is missing
            denominator = data[ind.denominator].astype("float64")
            value = (value / denominator.where(denominator != 0)) * ind.denominator_scale
        columns[iid] = value
    if issues:
        raise DataError(issues)
    return pd.DataFrame(columns, index=index, dtype="float64")


def _missing_variable(ind, var: str, owners: Mapping[str, list[str]], available) -> Issue:
    where = ind.key_path + (" (plugin " + repr(ind.origin) + ")" if ind.origin != "config" else "")
    if var in owners and len(owners[var]) > 1 and not ind.source:
        return Issue(f"variable {var!r} is in several sources ({', '.join(owners[var])}); choose one with "
                     f"source = \"…\"", where)
    scope = f"source {ind.source!r}" if ind.source else "any source"
    hints = did_you_mean(var, [str(c) for c in available])
    hint = f"; did you mean {' or '.join(map(repr, hints))}?" if hints else ""
    return Issue(f"indicator {ind.id!r} needs variable {var!r}, which is not in {scope}{hint}", where)


def _grid(units: list[str], years: list[int]) -> pd.MultiIndex:
    return pd.MultiIndex.from_product([pd.Index(units, dtype=object), pd.Index(years, dtype="int64")],
                                      names=INDEX_NAMES)


def select_years(plan: Plan, raw: pd.DataFrame) -> pd.DataFrame:
    """Keep ``index.years`` (default: every year in the data); a requested year without any data is an error."""
    present = raw.index.get_level_values("year")
    if plan.years is None:
        return raw
    absent = [y for y in plan.years if y not in set(present)]
    if absent:
        have = sorted(set(int(y) for y in present))
        raise DataError([Issue(f"no source has data for year(s) {absent}; the data cover {have}", "index.years")])
    return raw[present.isin(plan.years)]


def impute(plan: Plan, X: pd.DataFrame, context: Mapping) -> pd.DataFrame:
    """Fill missing raw values; each imputer sees all its indicators over every unit and year at once."""
    return _apply_by_method(X, {i: ind.imputer or plan.imputer for i, ind in plan.indicators.items()},
                            lambda method, block: method.fresh().impute(block, context))


def treat(plan: Plan, X: pd.DataFrame, context: Mapping, details: list | None = None) -> pd.DataFrame:
    """Treat outliers; each treatment sees all its indicators over every unit and year at once. A treatment
    that records what it did in a ``details_`` table (the JRC rule does) has it appended to ``details``."""

    def call(method, block):
        treatment = method.fresh()
        out = treatment.treat(block, context)
        table = getattr(treatment, "details_", None)
        if details is not None and isinstance(table, pd.DataFrame) and len(table):
            details.append(table.assign(treatment=method.name))
        return out

    return _apply_by_method(X, {i: ind.treatment or plan.treatment for i, ind in plan.indicators.items()}, call)


def _apply_by_method(X: pd.DataFrame, chosen: Mapping, call) -> pd.DataFrame:
    """Apply ``call(method, columns)`` once per method declaration, to the columns that chose it."""
    groups: dict[str, list[str]] = {}
    methods = {}
    for col in X.columns:
        method = chosen[col]
        groups.setdefault(method.key_path, []).append(col)
        methods[method.key_path] = method
    parts = []
    for key, cols in groups.items():
        block = X[cols]
        parts.append(_check_same_shape(call(methods[key], block), block, methods[key]))
    out = parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)[list(X.columns)]
    return out


def normalise(plan: Plan, X: pd.DataFrame) -> pd.DataFrame:
    """Pre-transform (if any), orient (× direction, so higher is better) and normalise every indicator, with
    parameters fitted per year or, with ``reference_year``, on that year and applied to every year.

    Indicators that share a normaliser and pre-transform declaration (e.g. the defaults) are fitted together.
    """
    groups: dict[tuple, list[str]] = {}
    for iid in X.columns:
        ind = plan.indicators[iid]
        key = (ind.normaliser.key_path, ind.transform.key_path if ind.transform else None)
        groups.setdefault(key, []).append(iid)
    parts = [_normalise_group(plan, X[cols]) for cols in groups.values()]
    if not parts:
        return pd.DataFrame(index=X.index, columns=X.columns, dtype="float64")
    out = parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)
    if not (out.index.equals(X.index) and out.columns.equals(X.columns)):
        out = out.reindex(index=X.index, columns=X.columns)
    return out.astype("float64")


def _normalise_group(plan: Plan, block: pd.DataFrame) -> pd.DataFrame:
    first = plan.indicators[block.columns[0]]
    specs = {c: plan.indicators[c].spec for c in block.columns}
    directions = np.array([float(s.direction) for s in specs.values()])
    normaliser, transform = first.normaliser, first.transform

    def fit_apply(fit_rows: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        if transform is not None:
            t = transform.fresh().fit(fit_rows, specs)
            fit_rows = _check_same_shape(t.transform(fit_rows), fit_rows, transform)
            rows = fit_rows if rows is None else _check_same_shape(t.transform(rows), rows, transform)
        fit_rows = _orient(fit_rows, directions)
        rows = fit_rows if rows is None else _orient(rows, directions)
        out = normaliser.fresh().fit(fit_rows, specs).transform(rows)
        return _check_same_shape(out, rows, normaliser)

    years = block.index.get_level_values("year")
    if plan.reference_year is not None:
        return fit_apply(block[years == plan.reference_year], block)
    if years.nunique() == 1:
        return fit_apply(block, None)
    return pd.concat([fit_apply(rows, None) for _, rows in block.groupby(level="year", sort=False)])


def _orient(X: pd.DataFrame, directions: np.ndarray) -> pd.DataFrame:
    if (directions == 1).all():
        return X
    return pd.DataFrame(X.to_numpy() * directions, index=X.index, columns=X.columns, copy=False)


def aggregate(plan: Plan, normalised: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node scores from the leaves up, and the weights table (parent, node, weight, effective_weight)."""
    # one contiguous row per item (pandas keeps a float frame as an items × rows block, so this is a view)
    by_item = np.ascontiguousarray(normalised.to_numpy(dtype="float64").T)
    values: dict[str, np.ndarray] = dict(zip(normalised.columns, by_item))
    specs = {i: ind.spec for i, ind in plan.indicators.items()}
    weight_rows = []
    for nid in plan.aggregation_order:
        node = plan.nodes[nid]
        block = np.vstack([values[c] for c in node.children]).T  # rows × children, a view of children × rows
        X = pd.DataFrame(block, index=normalised.index, columns=list(node.children), copy=False)
        w = _check_weights(node.weighting.obj.weights(X, specs), node)
        present = ~np.isnan(block)
        keep = None
        if not present.all():  # the missing-children rule, uniform for every aggregator
            share = present @ w.to_numpy()
            keep = (share > 0) & (share >= node.min_share - TOLERANCE)
        # units below min_share take no part, even in aggregators that compare units (Copeland, TOPSIS)
        rows = X if keep is None or keep.all() or not getattr(node.aggregator.obj, "by_year", False) else X[keep]
        score = _aggregate(node.aggregator, rows, w)
        if not isinstance(score, pd.Series) or not score.index.equals(rows.index):
            raise PluginError(f"aggregator {node.aggregator.name!r} (plugin {node.aggregator.plugin!r}) must "
                              "return a Series with the same index as its input")
        score = score.reindex(X.index).to_numpy(dtype="float64") if rows is not X else score.to_numpy("float64")
        if keep is not None:
            score = np.where(keep, score, np.nan)
        values[nid] = score
        weight_rows.extend((nid, c, float(w[c])) for c in node.children)
    weights = pd.DataFrame(weight_rows, columns=["parent", "node", "weight"])
    weights = _effective_weights(plan, weights)
    order = plan.tree_order()
    scores = pd.DataFrame(np.vstack([values[k] for k in order]).T, index=normalised.index, columns=order, copy=False)
    return scores, weights


def _aggregate(method, X: pd.DataFrame, w: pd.Series) -> pd.Series:
    """Aggregators that compare units with each other (``by_year = True``: Copeland, TOPSIS …) see one
    year at a time; the others see every row at once."""
    if not getattr(method.obj, "by_year", False):
        return method.obj.aggregate(X, w)
    years = X.index.get_level_values("year")
    if years.nunique() == 1:
        return method.obj.aggregate(X, w)
    return pd.concat([method.obj.aggregate(rows, w) for _, rows in X.groupby(level="year", sort=False)]
                     ).reindex(X.index)


def weight_reports(plan: Plan) -> dict[str, dict]:
    """Diagnostics of weightings that have them (e.g. AHP's λmax, CI and CR), per node."""
    reports = {}
    for nid, node in plan.nodes.items():
        report = getattr(node.weighting.obj, "report", None)
        if report is not None:
            reports[nid] = {**report(node.children), "weighting": node.weighting.name}
    return reports


def _check_weights(w, node) -> pd.Series:
    m = node.weighting
    who = f"weighting {m.name!r} (plugin {m.plugin!r}) at node {node.id!r}"
    if not isinstance(w, pd.Series) or set(w.index) != set(node.children) or len(w) != len(node.children):
        raise PluginError(f"{who} must return a Series indexed by the node's children {list(node.children)}")
    w = w.reindex(list(node.children)).astype("float64")
    if not np.isfinite(w).all() or (w < 0).any() or abs(w.sum() - 1.0) > 1e-6:
        raise PluginError(f"{who} returned weights that are not finite, non-negative and summing to 1: "
                          f"{w.round(6).to_dict()}")
    return w


def _effective_weights(plan: Plan, weights: pd.DataFrame) -> pd.DataFrame:
    local = dict(zip(weights["node"], weights["weight"]))
    effective = {plan.root: 1.0}
    for item in plan.tree_order()[1:]:
        effective[item] = effective[plan.parent_of(item)] * local[item]
    order = {k: i for i, k in enumerate(plan.tree_order())}
    weights = weights.assign(effective_weight=weights["node"].map(effective))
    return weights.sort_values("node", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Rank every column within each year: 1 = highest score, ties share the best rank, missing stays missing
    (pandas' ``rank(method="min", ascending=False)`` per year, computed by :func:`zhishu.ranks.rank_by_year`)."""
    codes, _ = pd.factorize(scores.index.get_level_values("year"))
    out = rank_by_year(scores.to_numpy(dtype="float64"), codes)
    return pd.DataFrame(out, index=scores.index, columns=scores.columns, copy=False)


def _check_same_shape(out, X: pd.DataFrame, method) -> pd.DataFrame:
    if (not isinstance(out, pd.DataFrame) or not out.index.equals(X.index)
            or list(out.columns) != list(X.columns)):
        raise PluginError(f"{method.kind[:-1]} {method.name!r} (plugin {method.plugin!r}) must return a DataFrame "
                          "with the same index and columns as its input")
    return out.astype("float64")


# --------------------------------------------------------------------------------------------- orchestration


def run_config(plan: Plan) -> Result:
    """Run a loaded :class:`Plan` through every stage and return the :class:`Result`."""
    hooks = plan.hooks
    started = datetime.now(timezone.utc)
    step = "before_run"
    try:
        hooks.before_run(plan)
        step = "load"
        frames, inputs, details = load_sources(plan)
        frames, units = match_units(plan, frames)
        hooks.after_step("load", pd.concat(frames, axis=1) if frames else pd.DataFrame(), plan)
        step = "derive"
        derived = derive(plan, frames, units)  # every year: lag, rollsum and imputers may look back
        raw = select_years(plan, derived)
        hooks.after_step("derive", raw, plan)
        context = {"plan": plan, "units": units_table(plan, units)}
        step = "impute"
        imputed = select_years(plan, impute(plan, derived, context))
        hooks.after_step("impute", imputed, plan)
        step = "treat"
        treatment_details: list[pd.DataFrame] = []
        treated = treat(plan, imputed, context, treatment_details)
        hooks.after_step("treat", treated, plan)
        step = "normalise"
        if plan.reference_year is not None and plan.reference_year not in set(treated.index.get_level_values("year")):
            raise DataError([Issue(f"reference_year {plan.reference_year} has no data",
                                   "normalisation.reference_year")])
        normalised = normalise(plan, treated)
        hooks.after_step("normalise", normalised, plan)
        step = "aggregate"
        scores, weights = aggregate(plan, normalised)
        hooks.after_step("aggregate", scores, plan)
        step = "rank"
        ranks = rank(scores)
        hooks.after_step("rank", ranks, plan)
        flags = cell_flags(raw, imputed, treated)
        reports = weight_reports(plan)
        result = Result(
            plan=plan,
            raw=raw,
            data=treated,
            normalised=normalised,
            scores=scores,
            ranks=ranks,
            weights=weights,
            flags=flags,
            units=context["units"],
            weight_reports=reports,
            treatment_details=pd.concat(treatment_details, ignore_index=True) if treatment_details else None,
            sources=frames,
            manifest={**build_manifest(plan, inputs, details, started), "weight_reports": reports},
        )
        step = "analyse"
        result = attrs.evolve(result, analyses=run_analyses(plan, result))
        step = "after_run"
        hooks.after_run(result)
        return result
    except BaseException as exc:
        hooks.on_error(exc, step, plan)
        raise


def run_analyses(plan: Plan, result: Result) -> dict[str, pd.DataFrame]:
    """Every analysis switched on in ``[analyses]``, in config order; each returns one table."""
    tables = {}
    for name, method in plan.analyses.items():
        try:
            table = method.fresh().run(result)
        except ConfigError as exc:  # DataError too: locate problems that do not say where they are
            issues = [i if i.path else attrs.evolve(i, path=method.key_path) for i in exc.issues]
            raise type(exc)(issues) from None
        if not isinstance(table, pd.DataFrame):
            raise PluginError(f"analysis {name!r} ({method.name!r}, plugin {method.plugin!r}) must return a "
                              f"DataFrame, got {type(table).__name__}")
        tables[name] = table
    return tables


def cell_flags(raw: pd.DataFrame, imputed: pd.DataFrame, treated: pd.DataFrame) -> pd.DataFrame:
    """Per cell: "imputed" (missing, then filled), "treated" (changed by outlier treatment), or ""."""
    flags = pd.DataFrame("", index=raw.index, columns=raw.columns)
    flags = flags.mask(raw.isna() & imputed.notna(), "imputed")
    changed = imputed.notna() & (treated != imputed)
    return flags.mask(changed, "treated")


def units_table(plan: Plan, units: list[str]) -> pd.DataFrame:
    """id, name and one column per group (e.g. region) for every unit in the run."""
    if plan.units:
        rows = [{"unit": u.id, "name": u.name or u.id, **dict(u.groups)} for u in plan.units]
    else:
        rows = [{"unit": u, "name": u} for u in units]
    return pd.DataFrame(rows).set_index("unit")


def run(path: str | os.PathLike, **load_options) -> Result:
    """Load the config at ``path`` and run it: ``zhishu.run("configs/demo.toml").scores``."""
    from .config import load_config

    return run_config(load_config(path, **load_options))
