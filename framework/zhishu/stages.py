"""The stage table: load → match → derive → select → screen → impute → treat → normalise, declared once.

Every command that needs the pipeline's frames runs this one sequence, as far as it needs:
:func:`zhishu.run_config` to ``normalise`` (then aggregates and ranks), ``zhishu validate`` to ``derive``, the
sensitivity engine to ``derive`` once and from there to ``normalise`` once per variant plan.

A stage is a pure function ``(plan, stages) -> {field: value}`` over frames indexed by (unit, year): it reads
fields of the frozen :class:`Stages` so far and returns the fields it adds; none mutates its input. A new stage
(e.g. a unit-coverage screen after ``select``) is one more :class:`Stage` entry: in :data:`STAGES`, or in a
table built with :func:`with_stage` and passed to :func:`run_stages`. Loops run
over sources, method groups and years — never over units or indicators.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .calls import blame, call, describe
from .classes import frozen
from .components import INDEX_NAMES, HasDetails, SourceContext
from .config.plan import Plan
from .errors import DataError, Issue, PluginError, ZhishuError, quote
from .labels import canonical_index, canonical_label
from .registry import did_you_mean
from .results import column_dtypes, distinct_level, frame_of_arrays, text_dtype

# --------------------------------------------------------------------------------------------- the result


@frozen(kw_only=True)
class Stages:
    """The frames of the stages run so far (``None``: not reached). Frozen: a stage adds fields with
    ``attrs.evolve``, so an earlier :class:`Stages` can be resumed with another plan (:func:`run_stages`).

    :ivar plan: the plan the last stages ran with.
    :ivar done: the names of the stages run, in order.
    :ivar sources: each source's frame with unit ids (all years), after ``match``.
    :ivar inputs: every file read (for the manifest); :ivar details: what readers detected.
    :ivar unit_ids: the units of the run, in order; :ivar units: their table (name and groups).
    :ivar derived: the indicators' values for every year in the data (lags and imputers look back).
    :ivar raw: ``derived`` for the selected years (``index.years``), less the unit-years screened out.
    :ivar screened: with ``[index] screen``, the unit-years dropped (unit, year, name, present, indicators,
        coverage); ``None`` without a screen.
    :ivar imputed: after imputation; :ivar treated: after outlier treatment (the values normalised).
    :ivar treatment_details: what treatments that report it did (:class:`~zhishu.components.HasDetails`).
    :ivar flags: per cell "imputed", "treated" or "".
    :ivar normalised: normalised, oriented values (higher is better).
    """

    plan: Plan = attrs.field(repr=False)
    done: tuple[str, ...] = ()
    sources: Mapping[str, pd.DataFrame] | None = attrs.field(default=None, repr=False)
    inputs: tuple[Path, ...] = attrs.field(default=(), repr=False)
    details: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    unit_ids: tuple[str, ...] | None = None
    units: pd.DataFrame | None = attrs.field(default=None, repr=False)
    derived: pd.DataFrame | None = attrs.field(default=None, repr=False)
    raw: pd.DataFrame | None = attrs.field(default=None, repr=False)
    screened: pd.DataFrame | None = attrs.field(default=None, repr=False)
    imputed: pd.DataFrame | None = attrs.field(default=None, repr=False)
    treated: pd.DataFrame | None = attrs.field(default=None, repr=False)
    treatment_details: pd.DataFrame | None = attrs.field(default=None, repr=False)
    flags: pd.DataFrame | None = attrs.field(default=None, repr=False)
    normalised: pd.DataFrame | None = attrs.field(default=None, repr=False)

    @property
    def until(self) -> str | None:
        """The last stage run."""
        return self.done[-1] if self.done else None

    def context(self) -> dict[str, Any]:
        """What imputers and treatments receive: the plan and the units table."""
        return {"plan": self.plan, "units": self.units}


# --------------------------------------------------------------------------------------------- stage bodies


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
            data_roots=plan.data_roots,
        )
        try:
            with blame(source.method):
                frame = source.obj.load(context)
        except DataError as exc:  # collect every source's problems, each located at least at its source
            issues.extend(i if i.path else attrs.evolve(i, path=f"{source.key_path}.params.path") for i in exc.issues)
            continue
        except ZhishuError as exc:
            issues.append(Issue(str(exc), source.key_path))
            continue
        finally:
            inputs.extend(context.inputs)
            details.update(context.details)
        frames[sid] = _check_source_frame(frame, sid, source.method.plugin)
    if issues:
        raise DataError(issues)
    return frames, inputs, details


def _check_source_frame(frame, sid: str, plugin: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or list(frame.index.names) != list(INDEX_NAMES):
        index = frame.index if isinstance(frame, (pd.DataFrame, pd.Series)) else None
        raise PluginError(
            f"source {sid!r} (plugin {plugin!r}) must return a DataFrame indexed by (unit, year), "
            f"got {type(frame).__name__} with index {index!r:.80}"
        )
    return frame


def match_units(plan: Plan, frames: Mapping[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Replace unit labels by unit ids (``[[units]]`` ids, names and aliases); every unknown label is an error.

    Without ``[[units]]`` the labels are the ids, in order of first appearance.
    """
    if not plan.units:
        firsts = [f.index.unique(level="unit") for f in frames.values()]  # each in order of first appearance
        order = firsts[0].tolist() if len(firsts) == 1 else list(dict.fromkeys(u for f in firsts for u in f.tolist()))
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
        ids = labels.map(dict(zip(distinct, canonical_index(distinct).map(lookup))))
        unknown = pd.unique(labels[ids.isna()])
        if len(unknown):
            hints = []
            for lab in unknown[:5]:  # a few, each cut short: the labels are the data file's contents
                close = did_you_mean(str(lab), list(lookup))
                hints.append(quote(lab, 40) + (f" (did you mean {quote(close[0], 40)}?)" if close else ""))
            more = f" … and {len(unknown) - 5} more" if len(unknown) > 5 else ""
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


def derive(plan: Plan, frames: Mapping[str, pd.DataFrame], units: list[str]) -> pd.DataFrame:
    """The raw indicator values: each indicator's variable, or its formula over source variables.

    A variable found in several sources must be disambiguated with ``indicators.<id>.source``.

    Built as one (indicators × rows) float array: a plain variable is a column of its source's values on the
    (unit, year) grid (each source aligned to the grid once), and so is a denominator's; formulas are evaluated on
    frames.
    """
    owners: dict[str, list[str]] = {}
    for sid, frame in frames.items():
        for col in frame.columns.tolist():
            owners.setdefault(str(col), []).append(sid)
    unique = {v: s[0] for v, s in owners.items() if len(s) == 1}
    index = _grid(units, sorted({int(y) for f in frames.values() for y in _years_present(f.index)}))
    aligned: dict[str | None, _Aligned] = {}

    def source_data(sid: str | None) -> _Aligned:
        if sid not in aligned:
            if sid is not None:
                aligned[sid] = _Aligned(frames[sid], index)
            elif frames:
                parts = []
                for s, frame in frames.items():
                    own = [unique.get(str(v)) == s for v in frame.columns.tolist()]
                    parts.append(frame if all(own) else frame.loc[:, own])
                aligned[sid] = _Aligned(parts[0] if len(parts) == 1 else pd.concat(parts, axis=1), index)
            else:
                aligned[sid] = _Aligned(pd.DataFrame(index=index), index)
        return aligned[sid]

    if not plan.indicators:
        return pd.DataFrame({}, index=index, dtype="float64")
    shared = _shared_columns(plan, source_data, index)
    if shared is not None:
        return shared
    issues = []
    out = np.empty((len(plan.indicators), len(index)), dtype="float64")  # one contiguous row per indicator
    for j, (iid, ind) in enumerate(plan.indicators.items()):
        data = source_data(ind.source)
        missing = sorted(v for v in ind.variables if v not in data.columns)
        if missing:
            issues.extend(_missing_variable(ind, v, owners, list(owners)) for v in missing)
            continue
        if ind.formula is None:
            value = data.column(ind.spec.variable or ind.spec.id)
            if ind.denominator is not None:  # per capita, per GDP, per area …; division by 0 is missing
                denominator = data.column(ind.denominator)
                with np.errstate(all="ignore"):  # as pandas' arithmetic: an overflow is inf, not a warning
                    value = (value / np.where(denominator != 0, denominator, np.nan)) * ind.denominator_scale
            out[j] = value
            continue
        frame = data.frame()
        value = ind.formula.evaluate(frame[sorted(ind.variables)], ind.spec.params)
        if ind.denominator is not None:
            denominator = frame[ind.denominator].astype("float64")
            value = (value / denominator.where(denominator != 0)) * ind.denominator_scale
        if not _same_index(value.index, index):
            value = value.reindex(index)
        out[j] = value.to_numpy(dtype="float64", na_value=np.nan)
    if issues:
        raise DataError(issues)
    return pd.DataFrame(out.T, index=index, columns=pd.Index(list(plan.indicators)), copy=False)


def _shared_columns(plan: Plan, source_data: Callable, index: pd.MultiIndex) -> pd.DataFrame | None:
    """:func:`derive`'s frame as the source's own float columns (shared copy-on-write, not copied) when every
    indicator is a plain variable (no formula, no denominator) of one source whose columns are float and whose
    rows already are the (unit, year) grid; ``None`` otherwise."""
    inds = list(plan.indicators.values())
    if len({ind.source for ind in inds}) != 1 or any(i.formula is not None or i.denominator is not None
                                                     for i in inds):
        return None
    frame = source_data(inds[0].source).source
    names = [ind.spec.variable or ind.spec.id for ind in inds]
    if not (frame.columns.is_unique and set(names) <= set(frame.columns.tolist()) and _same_index(frame.index, index)):
        return None
    labels = frame.columns.tolist()
    columns = frame if names == labels else frame[names]  # every column, in order: the frame itself
    if not all(dt == np.float64 for dt in column_dtypes(columns)):
        return None
    ids = list(plan.indicators)
    # the source's labels when they are the ids (an Index of text is slow to build): equal values, equal dtype
    same = ids == labels and frame.columns.dtype == pd.Index(ids[:1]).dtype and frame.columns.name is None
    out = columns.copy(deep=False)  # what each set_axis makes: a new frame sharing the data, labelled anew
    out.index = index
    out.columns = frame.columns if same else pd.Index(ids)
    return out


def _years_present(index: pd.Index) -> list:
    """The distinct years of a source's rows (``get_level_values("year").unique()``, in another order): read off
    a (unit, year) MultiIndex's year level and the codes its rows use, without building every row's year."""
    if isinstance(index, pd.MultiIndex) and "year" in index.names:
        at = index.names.index("year")
        codes = np.asarray(index.codes[at])
        used = np.unique(codes[codes >= 0])
        values = index.levels[at].to_numpy()[used].tolist()
        return values + [np.nan] if (codes < 0).any() else values
    return index.get_level_values("year").unique().tolist()


class _Aligned:
    """A source's frame on the (unit, year) grid of :func:`derive`: its float values as one array (columns ×
    rows) when every column is float, the frame reindexed to the grid (once) otherwise or for formulas."""

    def __init__(self, frame: pd.DataFrame, index: pd.MultiIndex):
        self._frame, self._index = frame, index
        self.source = frame  # as given, not aligned
        self.columns = frame.columns
        self._aligned: pd.DataFrame | None = None
        self._values: np.ndarray | None = None
        self._positions: dict | None = None

    def frame(self) -> pd.DataFrame:
        if self._aligned is None:
            same = _same_index(self._frame.index, self._index)
            self._aligned = self._frame if same else self._frame.reindex(self._index)
        return self._aligned

    def column(self, name) -> np.ndarray:
        if self._positions is None:
            frame = self._frame
            if (frame.columns.is_unique and all(dt == np.float64 for dt in column_dtypes(frame))
                    and _same_index(frame.index, self._index)):
                self._values = np.ascontiguousarray(frame.to_numpy(dtype="float64").T)
                self._positions = {c: i for i, c in enumerate(frame.columns.tolist())}
            else:
                self._positions = {}
        if name in self._positions:
            return self._values[self._positions[name]]
        return self.frame()[name].astype("float64").to_numpy()


def _same_index(a: pd.Index, b: pd.Index) -> bool:
    """``a.equals(b)``, cheaply for two (unit, year) MultiIndexes with equal levels (compared by their codes)."""
    if a is b:
        return True
    if (isinstance(a, pd.MultiIndex) and isinstance(b, pd.MultiIndex) and a.nlevels == b.nlevels
            and len(a) == len(b) and all(la.equals(lb) for la, lb in zip(a.levels, b.levels))):
        return all(np.array_equal(ca, cb) for ca, cb in zip(a.codes, b.codes))
    return a.equals(b)


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
    """Every (unit, year) pair, units outer: ``MultiIndex.from_product`` of the two, built from the levels'
    sorted values and codes directly (what from_product derives, without its categorical detour)."""
    unit_level, unit_codes = distinct_level(np.array(units, dtype=object), object)
    year_level, year_codes = distinct_level(np.array(years, dtype="int64"), "int64")
    return pd.MultiIndex(levels=[unit_level, year_level],
                         codes=[np.repeat(unit_codes, len(year_codes)), np.tile(year_codes, len(unit_codes))],
                         names=INDEX_NAMES, verify_integrity=False)


def select_years(plan: Plan, raw: pd.DataFrame) -> pd.DataFrame:
    """Keep ``index.years`` (default: every year in the data); a requested year without any data is an error."""
    present = raw.index.get_level_values("year")
    if plan.years is None:
        return raw
    absent = [y for y in plan.years if y not in set(present)]
    if absent:
        have = sorted(set(int(y) for y in present))
        raise DataError([Issue(f"no source has data for year(s) {absent}; the data cover {have}", "index.years")])
    keep = present.isin(plan.years)
    return raw if keep.all() else raw[keep]


def impute(plan: Plan, X: pd.DataFrame, context: Mapping) -> pd.DataFrame:
    """Fill missing raw values; each imputer sees all its indicators over every unit and year at once."""
    return _apply_by_method(X, {i: ind.imputer or plan.imputer for i, ind in plan.indicators.items()},
                            lambda method, block: call(method, "impute", block, context, obj=method.fresh()))


def treat(plan: Plan, X: pd.DataFrame, context: Mapping, details: list | None = None) -> pd.DataFrame:
    """Treat outliers; each treatment sees all its indicators over every unit and year at once. A treatment
    that records what it did (:class:`~zhishu.components.HasDetails`: the JRC rule) has its ``details_`` table
    appended to ``details``."""

    def apply(method, block):
        treatment = method.fresh()
        out = call(method, "treat", block, context, obj=treatment)
        if details is not None and isinstance(treatment, HasDetails):
            table = treatment.details_
            if isinstance(table, pd.DataFrame) and len(table):
                details.append(table.assign(treatment=method.name))
        return out

    return _apply_by_method(X, {i: ind.treatment or plan.treatment for i, ind in plan.indicators.items()}, apply)


def _apply_by_method(X: pd.DataFrame, chosen: Mapping, call) -> pd.DataFrame:
    """Apply ``call(method, columns)`` once per method declaration, to the columns that chose it."""
    groups: dict[str, list[str]] = {}
    methods = {}
    for col in X.columns.tolist():
        method = chosen[col]
        groups.setdefault(method.key_path, []).append(col)
        methods[method.key_path] = method
    parts = []
    whole = len(groups) == 1  # one method for every column: its block is X itself
    for key, cols in groups.items():
        block = X if whole else X[cols]
        parts.append(_check_same_shape(call(methods[key], block), block, methods[key]))
    out = parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)[X.columns.tolist()]
    return out


def normalise(plan: Plan, X: pd.DataFrame) -> pd.DataFrame:
    """Pre-transform (if any), orient (× direction, so higher is better) and normalise every indicator, with
    parameters fitted per year or, with ``reference_year``, on that year and applied to every year.

    Indicators that share a normaliser and pre-transform declaration (e.g. the defaults) are fitted together.
    """
    groups: dict[tuple, list[str]] = {}
    for iid in X.columns.tolist():
        ind = plan.indicators[iid]
        key = (ind.normaliser.key_path, ind.transform.key_path if ind.transform else None)
        groups.setdefault(key, []).append(iid)
    parts = [_normalise_group(plan, X if len(groups) == 1 else X[cols]) for cols in groups.values()]
    if not parts:
        return pd.DataFrame(index=X.index, columns=X.columns, dtype="float64")
    out = parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)
    if not (out.index.equals(X.index) and out.columns.equals(X.columns)):
        out = out.reindex(index=X.index, columns=X.columns)
    elif len(parts) == 1:  # one group's frame, its columns already made float (_check_same_shape)
        return out
    return _floats(out)


def _normalise_group(plan: Plan, block: pd.DataFrame) -> pd.DataFrame:
    first = plan.indicators[block.columns[0]]
    specs = {c: plan.indicators[c].spec for c in block.columns.tolist()}
    directions = np.array([float(s.direction) for s in specs.values()])
    normaliser, transform = first.normaliser, first.transform

    def fit_apply(fit_rows: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        if transform is not None:
            with blame(transform):
                t = transform.fresh().fit(fit_rows, specs)
                fit_rows = _check_same_shape(t.transform(fit_rows), fit_rows, transform)
                rows = fit_rows if rows is None else _check_same_shape(t.transform(rows), rows, transform)
        fit_rows = _orient(fit_rows, directions)
        rows = fit_rows if rows is None else _orient(rows, directions)
        with blame(normaliser):
            out = normaliser.fresh().fit(fit_rows, specs).transform(rows)
        return _check_same_shape(out, rows, normaliser)

    if plan.reference_year is not None:
        years = block.index.get_level_values("year")
        return fit_apply(block[years == plan.reference_year], block)
    if _one_year(block.index):
        return fit_apply(block, None)
    return pd.concat([fit_apply(rows, None) for _, rows in block.groupby(level="year", sort=False)])


def _one_year(index: pd.Index) -> bool:
    """Whether the rows hold exactly one year (``get_level_values("year").nunique() == 1``), read off a
    (unit, year) MultiIndex's year level when it has one value, without building the rows' years."""
    if isinstance(index, pd.MultiIndex) and "year" in index.names and len(index):
        level = index.names.index("year")
        if len(index.levels[level]) == 1:
            return bool((index.codes[level] >= 0).any())
    return index.get_level_values("year").nunique() == 1


def _orient(X: pd.DataFrame, directions: np.ndarray) -> pd.DataFrame:
    if (directions == 1).all():
        return X
    values = X.to_numpy()
    out = np.empty(values.shape[::-1]).T  # item-major, as pandas holds a float block: a view for what follows
    np.multiply(values, directions, out=out)
    return pd.DataFrame(out, index=X.index, columns=X.columns, copy=False)


def _check_same_shape(out, X: pd.DataFrame, method) -> pd.DataFrame:
    if (not isinstance(out, pd.DataFrame) or not out.index.equals(X.index)
            or (out.columns is not X.columns and out.columns.tolist() != X.columns.tolist())):
        raise PluginError(f"{describe(method)} must return a DataFrame with the same index and columns as its "
                          "input")
    return _floats(out)


def _floats(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.astype("float64")``, without the pass when every column already is."""
    return frame if all(dt == np.float64 for dt in column_dtypes(frame)) else frame.astype("float64")


#: the texts of the flag codes 0, 1, 2 of :func:`cell_flags`
FLAG_TEXTS = ("", "imputed", "treated")


def cell_flags(raw: pd.DataFrame, imputed: pd.DataFrame, treated: pd.DataFrame) -> pd.DataFrame:
    """Per cell: "imputed" (missing, then filled), "treated" (changed by outlier treatment), or "".

    Decided on the float arrays (not at all when imputation or treatment returned its input: no cell was
    filled or changed) as one code per cell; the frame is built from Arrow text columns, and every column
    without a flag shares one immutable array of "" (each column its own pandas array around it), so a run
    that imputes and treats nothing holds n cells of flags, not n × indicators."""
    if not _aligned_floats(raw, imputed, treated) or not raw.columns.is_unique:
        flags = pd.DataFrame("", index=raw.index, columns=raw.columns)  # not aligned: let pandas align
        flags = flags.mask(raw.isna() & imputed.notna(), "imputed")
        changed = imputed.notna() & (treated != imputed)
        return flags.mask(changed, "treated")
    codes = None
    if imputed is not raw or treated is not imputed:
        r, i, t = (frame.to_numpy(dtype="float64") for frame in (raw, imputed, treated))
        filled = ~np.isnan(i)
        codes = np.zeros(r.shape, dtype=np.int8)  # "", then "imputed", then "treated" wins
        if imputed is not raw:
            codes[np.isnan(r) & filled] = 1
        if treated is not imputed:
            codes[filled & (t != i)] = 2
    texts = _flag_texts()
    n = len(raw)
    empty = texts.take(np.zeros(n, dtype=np.intp))
    flagged = np.zeros(raw.shape[1], dtype=bool) if codes is None else codes.any(axis=0)
    columns = [empty.copy() for _ in range(raw.shape[1])]  # .copy(): a new pandas array, the same Arrow data
    if flagged.any():
        cells = texts.take(np.ascontiguousarray(codes[:, flagged].T).reshape(-1).astype(np.intp))
        for j, at in enumerate(np.flatnonzero(flagged).tolist()):
            columns[at] = cells[j * n:(j + 1) * n]
    return frame_of_arrays(columns, raw.index, raw.columns)


@functools.cache
def _flag_texts():
    """:data:`FLAG_TEXTS` as a pandas text array, built once (only ever taken from, never exposed)."""
    return pd.array(np.array(FLAG_TEXTS, dtype=object), dtype="str")


def _aligned_floats(raw: pd.DataFrame, *others: pd.DataFrame) -> bool:
    """Every frame has ``raw``'s shape and labels and only float columns; each distinct frame looked at once (a
    stage that changed nothing returned its input: the same frame, whose dtypes need no second look)."""
    frames = list({id(f): f for f in (raw, *others)}.values())
    return (all(f.shape == raw.shape and f.columns.equals(raw.columns) and _same_index(f.index, raw.index)
                for f in frames[1:])
            and all(isinstance(dt, np.dtype) and dt.kind == "f" for f in frames for dt in column_dtypes(f)))


def units_table(plan: Plan, units: list[str]) -> pd.DataFrame:
    """id, name and one column per group (e.g. region) for every unit in the run."""
    if plan.units:
        rows = [{"unit": u.id, "name": u.name or u.id, **dict(u.groups)} for u in plan.units]
    elif units:  # the labels are the ids and names: the same frame as from rows, built by column
        labels = np.array(units, dtype=object)
        if pd.api.types.infer_dtype(labels, skipna=False) == "string":  # text (a frame source's may be numbers)
            # one text array for the index and the column (each its own pandas array around the same Arrow data)
            ids = pd.array(labels, dtype=text_dtype())
            return frame_of_arrays([ids.copy()], pd.Index(ids, name="unit", copy=False), _name_column().copy())
        ids = list(units)
        return pd.DataFrame({"name": ids}, index=pd.Index(ids, name="unit"))
    else:
        rows = [{"unit": u, "name": u} for u in units]
    return pd.DataFrame(rows).set_index("unit")


@functools.cache
def _name_column() -> pd.Index:
    """The units table's column labels without groups, as a dict ``{"name": …}`` labels them (immutable)."""
    return pd.DataFrame({"name": []}).columns


# --------------------------------------------------------------------------------------------- the table


def _load(plan: Plan, s: Stages) -> dict:
    frames, inputs, details = load_sources(plan)
    return {"sources": frames, "inputs": tuple(inputs), "details": details}


def _match(plan: Plan, s: Stages) -> dict:
    frames, ids = match_units(plan, s.sources)
    return {"sources": frames, "unit_ids": tuple(ids), "units": units_table(plan, ids)}


def _derive(plan: Plan, s: Stages) -> dict:
    return {"derived": derive(plan, s.sources, list(s.unit_ids))}  # every year: lag, rollsum, imputers look back


def _select(plan: Plan, s: Stages) -> dict:
    return {"raw": select_years(plan, s.derived)}


SCREENED_COLUMNS = ["unit", "year", "name", "present", "indicators", "coverage"]


def screen_units(plan: Plan, raw: pd.DataFrame) -> pd.Series | None:
    """``[index] screen``: per (unit, year) row of ``raw``, True where the unit is dropped that year because the
    share of its indicators with data (before imputation) is below ``min_coverage`` (``None``: no screen)."""
    rule = plan.config.index.screen
    if rule is None:
        return None
    coverage = raw.notna().mean(axis=1) if raw.shape[1] else pd.Series(0.0, index=raw.index)
    return coverage < rule.min_coverage - 1e-12  # a share equal to min_coverage is kept


def _screen(plan: Plan, s: Stages) -> dict:
    dropped = screen_units(plan, s.raw)
    if dropped is None:
        return {"screened": None}
    rows = s.raw.index[dropped.to_numpy()]
    present = s.raw.loc[rows].notna().sum(axis=1).to_numpy()
    n = s.raw.shape[1]
    names = s.units["name"] if "name" in s.units.columns else pd.Series(s.units.index, index=s.units.index)
    table = pd.DataFrame({"unit": rows.get_level_values("unit"), "year": rows.get_level_values("year"),
                          "name": rows.get_level_values("unit").map(names), "present": present, "indicators": n,
                          "coverage": present / n if n else 0.0}, columns=SCREENED_COLUMNS)
    table = table.sort_values(["unit", "year"], key=lambda c: c.map({u: i for i, u in enumerate(s.unit_ids)})
                              if c.name == "unit" else c, kind="stable").reset_index(drop=True)
    kept = s.raw[~dropped.to_numpy()]
    if len(s.raw) and not len(kept):
        best = float(s.raw.notna().mean(axis=1).max())
        raise DataError([Issue(f"the screen drops every unit: the best-covered unit has {best:.0%} of the indicators "
                               f"with data, below min_coverage = {plan.config.index.screen.min_coverage:g}; lower "
                               "min_coverage or remove the screen", "index.screen")])
    derived = s.derived[~s.derived.index.isin(rows)]  # imputers look back over the years kept
    # a unit dropped in every selected year leaves the run
    left = set(kept.index.get_level_values("unit"))
    unit_ids = tuple(u for u in s.unit_ids if u in left)
    return {"raw": kept, "derived": derived, "screened": table, "unit_ids": unit_ids,
            "units": s.units.loc[list(unit_ids)]}


def _impute(plan: Plan, s: Stages) -> dict:
    return {"imputed": select_years(plan, impute(plan, s.derived, s.context()))}


def _treat(plan: Plan, s: Stages) -> dict:
    details: list[pd.DataFrame] = []
    treated = treat(plan, s.imputed, s.context(), details)
    return {"treated": treated, "treatment_details": pd.concat(details, ignore_index=True) if details else None,
            "flags": cell_flags(s.raw, s.imputed, treated)}


def _normalise(plan: Plan, s: Stages) -> dict:
    check_reference_year(plan, s.treated)
    return {"normalised": normalise(plan, s.treated)}


def check_reference_year(plan: Plan, X: pd.DataFrame) -> None:
    """``normalisation.reference_year`` must have data among the rows normalised."""
    if plan.reference_year is not None and plan.reference_year not in set(X.index.get_level_values("year")):
        raise DataError([Issue(f"reference_year {plan.reference_year} has no data", "normalisation.reference_year")])


@frozen
class Stage:
    """One entry of the table: its name, the step it reports as (``after_step`` and ``on_error``), its
    function, and the frame ``after_step`` receives once it is done (``None``: not reported on its own)."""

    name: str
    step: str
    run: Callable[[Plan, Stages], Mapping[str, Any]]
    reported: Callable[[Stages], pd.DataFrame] | None = None


def _source_frames(s: Stages) -> pd.DataFrame:
    return pd.concat(s.sources, axis=1) if s.sources else pd.DataFrame()


#: The stage table, in order.
STAGES: tuple[Stage, ...] = (
    Stage("load", "load", _load),
    Stage("match", "load", _match, _source_frames),
    Stage("derive", "derive", _derive),
    Stage("select", "derive", _select),
    Stage("screen", "derive", _screen, lambda s: s.raw),  # a no-op without [index] screen
    Stage("impute", "impute", _impute, lambda s: s.imputed),
    Stage("treat", "treat", _treat, lambda s: s.treated),
    Stage("normalise", "normalise", _normalise, lambda s: s.normalised),
)
STAGE_NAMES: tuple[str, ...] = tuple(st.name for st in STAGES)


def with_stage(table: Sequence[Stage], stage: Stage, *, after: str) -> tuple[Stage, ...]:
    """``table`` with ``stage`` inserted after the stage named ``after`` (e.g. a unit-coverage screen after
    ``select``); pass the result to :func:`run_stages` as ``stages``."""
    names = [st.name for st in table]
    if after not in names:
        raise ValueError(f"no stage {after!r} to insert {stage.name!r} after; stages: {', '.join(names)}")
    if stage.name in names:
        raise ValueError(f"the table already has a stage {stage.name!r}")
    i = names.index(after) + 1
    return (*table[:i], stage, *table[i:])


def run_stages(plan: Plan, until: str = "normalise", *, resume: Stages | None = None,
               on_start: Callable[[str], None] | None = None,
               after_step: Callable[[str, pd.DataFrame], None] | None = None,
               stages: Sequence[Stage] = STAGES) -> Stages:
    """Run the stage table from the start (or after ``resume``'s last stage, with ``plan``) through ``until``.

    :param until: the last stage to run (one of :data:`STAGE_NAMES`, or of ``stages``).
    :param resume: stages already run (e.g. to ``derive``) whose frames the remaining stages start from; the
        plan may differ in its methods (a sensitivity variant), not in its data.
    :param on_start: called with each stage's step name before it runs (for ``on_error``).
    :param after_step: called with a step name and its frame after each reported stage.
    :param stages: the table to run (default :data:`STAGES`; see :func:`with_stage`).
    """
    names = [st.name for st in stages]
    if until not in names:
        raise ValueError(f"unknown stage {until!r}; stages: {', '.join(names)}")
    state = Stages(plan=plan) if resume is None else attrs.evolve(resume, plan=plan)
    first = 0 if resume is None or resume.until is None else names.index(resume.until) + 1
    for stage in stages[first:names.index(until) + 1]:
        if on_start is not None:
            on_start(stage.step)
        state = attrs.evolve(state, done=(*state.done, stage.name), **stage.run(plan, state))
        if after_step is not None and stage.reported is not None:
            after_step(stage.step, stage.reported(state))
    return state
