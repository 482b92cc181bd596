"""The result of a run: every frame the pipeline produced, the tidy output tables, and the provenance.

Wide frames are indexed by (unit, year). ``scores`` and ``ranks`` have one column per tree item in pre-order
(root first): aggregate nodes hold their scores, indicators their normalised values.
"""

from __future__ import annotations

import functools

import hashlib
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .classes import frozen
from .versions import PackageNotFoundError, version

SCORES_COLUMNS = ["unit", "year", "node", "level", "score", "rank"]
INDICATORS_COLUMNS = ["unit", "year", "indicator", "raw", "normalised", "flag"]
WEIGHTS_COLUMNS = ["parent", "node", "weight", "effective_weight"]


#: rows of the ranking a notebook shows for a Result
MAX_HTML_ROWS = 50


def nullable_ranks(ranks: pd.DataFrame) -> pd.DataFrame:
    """Ranks (whole numbers, NaN where a score is missing) as nullable integers: ``1``, ``<NA>``."""
    by_item = ranks.to_numpy(dtype="float64").T  # items × rows: a view of the float block
    if not ranks.columns.is_unique or np.isinf(by_item).any():
        return ranks.astype("Float64").astype("Int64")  # pandas' own casts
    # one integer array and mask per column, from one cast of the whole block (numpy truncates a fraction
    # toward zero, as pandas' Float64 → Int64 cast does; ranks are whole numbers)
    masks = np.isnan(by_item)
    with np.errstate(invalid="ignore"):
        ints = by_item.astype("int64")
    ints[masks] = 0
    return integer_columns(ints, masks, ranks.index, ranks.columns)


def integer_columns(ints: np.ndarray, masks: np.ndarray, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    """A frame of nullable integer (``Int64``) columns whose data and mask are the rows of ``ints`` and
    ``masks`` (items × rows; used as they are, not copied). ``columns`` must be unique."""
    return frame_of_arrays([pd.arrays.IntegerArray(ints[j], masks[j]) for j in range(len(columns))], index,
                           columns)


def column_dtypes(frame: pd.DataFrame) -> list:
    """``frame.dtypes.tolist()``: what ``frame.dtypes`` reads from pandas' block manager, without the Series
    labelled by the columns that it builds around them (which costs more than the checks that read it)."""
    get = getattr(getattr(frame, "_mgr", None), "get_dtypes", None)
    if get is not None:
        dtypes = get()
        if len(dtypes) == frame.shape[1]:
            return list(dtypes)
    return frame.dtypes.tolist()


@functools.cache
def text_dtype():
    """The dtype ``"str"`` names (pandas' text dtype), looked up once: an Index or array built with the dtype
    object itself skips resolving the name each time."""
    return pd.Index([], dtype="str").dtype


def distinct_level(values: np.ndarray, dtype) -> tuple[pd.Index, np.ndarray]:
    """``pd.factorize(pd.Index(values, dtype=dtype), sort=True)`` as (level, codes) — a MultiIndex level and each
    value's code in it — by one argsort when the values are distinct (a run's unit ids and years are): the
    sorted values and each value's place among them (text sorts by code point in both); pandas' own way for
    repeated values or labels that do not compare (text and numbers)."""
    try:
        order = np.argsort(values, kind="stable")
    except TypeError:
        order = None
    ordered = values if order is None else values[order]
    if order is None or (len(ordered) > 1 and not (ordered[1:] != ordered[:-1]).all()):
        codes, level = pd.factorize(pd.Index(values, dtype=dtype), sort=True)
        return level, codes
    codes = np.empty(len(order), dtype=np.intp)
    codes[order] = np.arange(len(order), dtype=np.intp)
    return pd.Index(ordered, dtype=dtype), codes


def frame_of_arrays(arrays: list, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    """The frame whose columns are ``arrays`` (pandas arrays, used as they are, not copied), labelled
    ``columns`` (unique, one per array). Keyed by position first and labelled after: pandas then neither
    iterates nor re-aligns the labels (an Index of Arrow text is slow to walk element by element). With pandas'
    own constructor from arrays (``DataFrame._from_arrays``, unchecked: the arrays are pandas arrays of the
    index's length) when it has it, which skips the per-column checks of a dict of columns."""
    from_arrays = getattr(pd.DataFrame, "_from_arrays", None)
    n = len(index)
    if from_arrays is not None and len(arrays) == len(columns) and all(len(a) == n for a in arrays):
        try:
            return from_arrays(arrays, columns, index, verify_integrity=False)
        except TypeError:  # another pandas' signature: the public way
            pass
    frame = pd.DataFrame(dict(enumerate(arrays)), index=index, copy=False)
    frame.columns = columns
    return frame


@frozen(kw_only=True)
class Result:
    """What :func:`zhishu.run` returns.

    :ivar raw: derived indicator values before imputation and outlier treatment.
    :ivar data: the values that were normalised (after imputation and outlier treatment).
    :ivar normalised: normalised indicator values (higher is better for every indicator).
    :ivar scores: every node's score and every indicator's normalised value, root first.
    :ivar ranks: the rank of each column of ``scores`` within each year (1 = best, ties share the best rank), as
        nullable integers (``Int64``; ``<NA>`` where the score is missing).
    :ivar weights: parent, node, weight within the parent, effective weight (product down from the root).
    :ivar flags: per indicator cell, "" or "imputed" or "treated".
    :ivar units: unit id → name and groups.
    :ivar weight_reports: per node, diagnostics of its weighting where it has them (AHP: λmax, CI, CR …).
    :ivar treatment_details: what outlier treatments that report it did, per indicator (and year): e.g. the
        JRC rule's skewness, kurtosis, action and values winsorised; ``None`` when none reports.
    :ivar sources: each source's frame (unit ids, all years), e.g. for analyses that need an external variable.
    :ivar analyses: the table of each analysis switched on in ``[analyses]``.
    :ivar manifest: what produced these numbers (versions, plugins, resolved config, input hashes, seeds).
    :ivar round: decimals of every number in :meth:`tables` (``None``: full precision). Only the written tables
        are rounded; ranks always come from the unrounded scores (see :meth:`rounded`).
    """

    plan: Any = attrs.field(repr=False)
    raw: pd.DataFrame
    data: pd.DataFrame
    normalised: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: pd.DataFrame
    flags: pd.DataFrame
    units: pd.DataFrame
    weight_reports: dict = attrs.field(factory=dict, repr=False)
    treatment_details: pd.DataFrame | None = attrs.field(default=None, repr=False)
    sources: dict = attrs.field(factory=dict, repr=False)
    analyses: dict = attrs.field(factory=dict, repr=False)
    manifest: dict = attrs.field(factory=dict, repr=False)
    round: int | None = attrs.field(default=None, repr=False)

    @property
    def root(self) -> str:
        return self.plan.root

    def index_scores(self, year: int | None = None) -> pd.DataFrame:
        """The root's score and rank per unit for one year (default: the last), best first."""
        year = year if year is not None else int(self.scores.index.get_level_values("year").max())
        rows = self.scores.xs(year, level="year")
        table = pd.DataFrame({"score": rows[self.root], "rank": self.ranks.xs(year, level="year")[self.root]})
        return table.sort_values(["rank", "score"], ascending=[True, False], na_position="last")

    def scores_table(self) -> pd.DataFrame:
        """``scores.csv``: unit, year, node, level, score, rank — every node and indicator, root first."""
        order = list(self.scores.columns)
        long = _long(self.scores, "node", "score")
        long["rank"] = _long(self.ranks[order], "node", "rank")["rank"].astype("Int64")
        # melt stacks the columns one after the other: each item's level repeated over its rows (not a lookup
        # per row of text labels)
        levels = np.repeat(np.array([self.plan.level_of(item) for item in order], dtype="int64"), len(self.scores))
        long.insert(3, "level", levels)
        return long[SCORES_COLUMNS]

    def indicators_table(self) -> pd.DataFrame:
        """``indicators.csv``: unit, year, indicator, raw, normalised, flag ("imputed", "treated" or empty).
        ``raw`` of an imputed cell is the value imputation filled in (its flag says so)."""
        cols = list(self.raw.columns)
        raw = self.raw.mask(self.flags[cols] == "imputed", self.data[cols])
        long = _long(raw, "indicator", "raw")
        long["normalised"] = _long(self.normalised[cols], "indicator", "normalised")["normalised"]
        long["flag"] = _long(self.flags[cols], "indicator", "flag")["flag"]
        return long[INDICATORS_COLUMNS]

    def weights_table(self) -> pd.DataFrame:
        """``weights.csv``: parent, node, weight, effective_weight."""
        return self.weights[WEIGHTS_COLUMNS].copy()

    def tier_table(self) -> pd.DataFrame | None:
        """The root's tier per (unit, year) from the first analysis that assigns tiers (``tiers``), or None."""
        for analysis in self.analyses.values():
            if {"unit", "year", "tier"} <= set(analysis.columns):
                if "node" in analysis.columns and not (analysis["node"] == self.root).all():
                    continue
                return analysis[["unit", "year", "tier"]].drop_duplicates(["unit", "year"])
        return None

    def ranking_table(self) -> pd.DataFrame:
        """``ranking.csv``, one row per unit and year, best first within each year: year, rank, unit, name,
        score, tier (when a tiers analysis ran), then ``<node>_score`` and ``<node>_rank`` of every sub-index
        (aggregate node below the root, in tree order)."""
        nodes = [n for n in self.plan.nodes if n != self.root]
        ranks = self.ranks.reindex(self.scores.index)
        flat = self.scores[[self.root]].reset_index()
        table = pd.DataFrame({"year": flat["year"].to_numpy(), "unit": flat["unit"].to_numpy()})
        table.insert(1, "rank", ranks[self.root].astype("Int64").array)
        names = table["unit"].map(self.units["name"]) if "name" in self.units else table["unit"]
        table["name"] = names.where(names.notna() & (names.astype(str) != ""), table["unit"])
        table["score"] = self.scores[self.root].to_numpy()
        tiers = self.tier_table()
        if tiers is not None:
            table = table.merge(tiers, on=["unit", "year"], how="left", validate="one_to_one")
        for node in nodes:
            table[f"{node}_score"] = self.scores[node].to_numpy()
            table[f"{node}_rank"] = ranks[node].astype("Int64").array
        order = table.sort_values(["year", "rank", "unit"], na_position="last", kind="stable").index
        return table.loc[order].reset_index(drop=True)

    def tables(self, round: int | None = None) -> dict[str, pd.DataFrame]:
        """The output tables by file stem: ranking (wide), then the tidy scores, indicators, weights, outliers
        (when a treatment reports what it did) and ``analysis-<name>`` for each analysis.

        Rank columns are integers. ``round`` (default :attr:`round`) rounds every other number to that many
        decimals — after ranking: the ranks are those of the unrounded scores."""
        tables = {"ranking": self.ranking_table(), "scores": self.scores_table(),
                  "indicators": self.indicators_table(), "weights": self.weights_table()}
        if self.treatment_details is not None:
            tables["outliers"] = self.treatment_details
        tables.update({f"analysis-{name}": table for name, table in self.analyses.items()})
        tables = {name: integer_ranks(table) for name, table in tables.items()}
        decimals = self.round if round is None else round
        if decimals is not None:
            tables = {name: round_numbers(table, decimals) for name, table in tables.items()}
        return tables

    def methodology_table(self) -> pd.DataFrame:
        """The tree as rows (pre-order, root first): each node's weighting, aggregator and weights, each
        indicator's source, definition, unit, direction and methods — the methodology appendix as a table."""
        return methodology_table(self.plan, self.weights)

    # ----------------------------------------------------------------------------------------- notebook views

    def last_year(self) -> int:
        return int(self.scores.index.get_level_values("year").max())

    def table(self, year: int | None = None, names: str = "zh", wide: bool = True,
              round: int | None = None) -> pd.DataFrame:
        """The publication view: :meth:`ranking_table` (``wide``) or :meth:`scores_table` (long), for one year
        (``None``: every year), with node labels in Chinese (``"zh"``), English (``"en"``) or as ids (``"id"``),
        rounded to ``round`` decimals after ranking (ranks are those of the unrounded scores)."""
        if names not in ("zh", "en", "id"):
            raise ValueError(f'names must be "zh", "en" or "id", not {names!r}')
        table = self.ranking_table() if wide else self.scores_table()
        if year is not None:
            years = sorted(set(table["year"]))
            if year not in years:
                raise ValueError(f"no year {year} in this result; years: {years}")
            table = table[table["year"] == year].reset_index(drop=True)
        if names != "id":
            labels = {item: self.label(item, names) for item in self.plan.tree_order()}
            if wide:
                suffix = {"zh": ("得分", "排名"), "en": (" score", " rank")}[names]
                renames = {}
                for node in self.plan.nodes:
                    renames[f"{node}_score"] = labels[node] + suffix[0]
                    renames[f"{node}_rank"] = labels[node] + suffix[1]
                table = table.rename(columns=renames)
            else:
                table.insert(table.columns.get_loc("node") + 1, "node_name", table["node"].map(labels))
        table = integer_ranks(table)
        return round_numbers(table, round) if round is not None else table

    def label(self, item: str, names: str = "zh") -> str:
        """A node's or indicator's name in ``names`` ("zh", "en" or "id"), its id when it has none."""
        if names == "id":
            return item
        if item in self.plan.nodes:
            node = self.plan.nodes[item]
            name = node.name_zh if names == "zh" else node.name_en
        else:
            spec = self.plan.indicators[item].spec
            name = spec.name_zh if names == "zh" else spec.name_en
        return name or item

    def explain(self) -> pd.DataFrame:
        """The tree as a frame, one row per node or indicator in pre-order: ``tree`` (the line ``zhishu explain``
        prints, indented by depth) and the :meth:`methodology_table` columns (fitted weights included)."""
        from .presentation import explain_lines

        table = self.methodology_table()
        table.insert(0, "tree", explain_lines(self.plan))
        return table

    def report(self, path, **options):
        """Write the offline ``report.html`` of this result into the folder ``path`` (all or nothing), with the
        options of ``zhishu report`` (``lang``, ``year``, ``compare_year``, ``sensitivity``, ``figures``).

        The report is a plugin (``zhishu_report``, the ``report`` extra): it is found through this run's
        registries as the exporter ``report``, so the framework never imports it."""
        exporter = self.plan.hooks.registries["exporters"].get("report")
        return exporter().write(self, path, **options)

    def _top(self, n: int) -> pd.DataFrame:
        year = self.last_year()
        return self.table(year=year).head(n)

    def __repr__(self) -> str:
        meta = self.plan.config.index
        years = sorted(set(self.scores.index.get_level_values("year")))
        span = f"{years[0]}–{years[-1]} ({len(years)} years)" if len(years) > 1 else f"{years[0]}" if years else "no years"
        name = meta.name_zh or meta.name_en or ""
        head = (f"<zhishu.Result {meta.id!r}{' ' + name if name else ''}: {span}, {len(self.units)} units, "
                f"{len(self.plan.nodes)} nodes, {len(self.plan.indicators)} indicators")
        if not years:
            return head + ">"
        top = self._top(3)
        best = "; ".join(f"{r} {n} {s:.2f}" if pd.notna(s) else f"{r} {n}" for r, n, s in
                         zip(top["rank"].astype(str), top["name"], top["score"]))
        return f"{head}\n top 3 in {years[-1]}: {best}\n (result.table() for the full ranking)>"

    def _repr_html_(self) -> str:
        """Jupyter: a title and the latest year's ranking with names (every cell HTML-escaped)."""
        import html

        meta = self.plan.config.index
        title = html.escape(f"{meta.name_zh or meta.name_en or meta.id} ({meta.id})")
        years = sorted(set(self.scores.index.get_level_values("year")))
        if not years:
            return f"<p><b>{title}</b>: no scores</p>"
        table = self.table(year=years[-1], round=2)
        shown = table.head(MAX_HTML_ROWS)
        more = f"<p>… and {len(table) - len(shown)} more units (result.table())</p>" if len(table) > len(shown) else ""
        body = shown.to_html(index=False, escape=True, na_rep="", border=0)
        return (f"<p><b>{title}</b> — {years[-1]}; years {years[0]}–{years[-1]}, {len(self.units)} units, "
                f"{len(self.plan.nodes)} nodes, {len(self.plan.indicators)} indicators</p>{body}{more}")

    def rounded(self, decimals: int) -> Result:
        """The same result whose :meth:`tables` are rounded to ``decimals`` (ranks unchanged)."""
        return attrs.evolve(self, round=decimals)


METHODOLOGY_COLUMNS = ["level", "kind", "id", "name_zh", "name_en", "parent", "weight", "effective_weight",
                       "weighting", "aggregator", "min_share", "source", "definition", "unit", "direction",
                       "transform", "normaliser", "imputation", "outliers"]


def describe_method(method) -> str:
    """``name (param=value, …)``: a method as a reader of a methodology appendix wants it."""
    if method is None:
        return ""
    parts = [f"{k}: {_plain_text(v)}" if isinstance(v, dict) else f"{k}={_plain_text(v)}"
             for k, v in method.resolved_params().items() if v is not None]
    return method.name + (f" ({'; '.join(parts)})" if parts else "")


def _plain_text(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_plain_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_plain_text(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _source_text(plan, source_id: str | None) -> str:
    if source_id is None:
        if len(plan.sources) != 1:
            return ""
        source_id = next(iter(plan.sources))
    source = plan.sources.get(source_id)
    if source is None:
        return source_id
    path = source.method.params.get("path")
    return f"{source_id}: {source.method.name}" + (f" {path}" if path else "")


def methodology_table(plan, weights: pd.DataFrame) -> pd.DataFrame:
    """See :meth:`Result.methodology_table`."""
    by_node = weights.set_index("node") if len(weights) else None
    rows = []
    for item in plan.tree_order():
        parent = plan.parent_of(item)
        weight = effective = None
        if by_node is not None and item in by_node.index:
            weight, effective = by_node.at[item, "weight"], by_node.at[item, "effective_weight"]
        elif parent is None:
            effective = 1.0
        row = {"level": plan.level_of(item), "id": item, "parent": parent or "", "weight": weight,
               "effective_weight": effective}
        if item in plan.nodes:
            n = plan.nodes[item]
            row.update(kind="node", name_zh=n.name_zh, name_en=n.name_en, weighting=describe_method(n.weighting),
                       aggregator=describe_method(n.aggregator), min_share=n.min_share)
        else:
            ind = plan.indicators[item]
            spec = ind.spec
            definition = spec.formula or f"variable {spec.variable or spec.id}"
            if ind.denominator:
                scale = f" × {ind.denominator_scale:g}" if ind.denominator_scale != 1 else ""
                definition += f" / {ind.denominator}{scale}"
            row.update(kind="indicator", name_zh=spec.name_zh or "", name_en=spec.name_en or "",
                       source=_source_text(plan, ind.source), definition=definition, unit=spec.unit or "",
                       direction="+" if spec.direction > 0 else "-", transform=describe_method(ind.transform),
                       normaliser=describe_method(ind.normaliser),
                       imputation=describe_method(ind.imputer or plan.imputer),
                       outliers=describe_method(ind.treatment or plan.treatment))
        rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=METHODOLOGY_COLUMNS)
    return table.astype({c: "float64" for c in ("weight", "effective_weight", "min_share")})


def _is_rank_column(name) -> bool:
    return isinstance(name, str) and (name == "rank" or name.endswith("_rank"))


def integer_ranks(table: pd.DataFrame) -> pd.DataFrame:
    """Rank columns (``rank``, ``*_rank``) holding whole numbers as nullable integers, so CSV shows ``1``, not
    ``1.0``; a column with a fractional value (e.g. a median rank) is left as it is."""
    out = table
    for col in [c for c in table.columns if _is_rank_column(c)]:
        values = table[col]
        if pd.api.types.is_float_dtype(values.dtype):
            finite = values.dropna()
            if (finite == finite.round()).all():
                if out is table:
                    out = table.copy()
                out[col] = values.astype("Float64").astype("Int64")
    return out


def round_numbers(table: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Every float column rounded to ``decimals`` (integers, ranks and text unchanged)."""
    floats = [c for c in table.columns if pd.api.types.is_float_dtype(table[c].dtype)]
    if not floats:
        return table
    out = table.copy()
    out[floats] = out[floats].round(decimals)
    return out


def _long(frame: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    """Wide (unit, year) × items → long rows item-major, then unit and year in the frame's order."""
    flat = frame.reset_index()
    return flat.melt(id_vars=["unit", "year"], var_name=key, value_name=value)


# --------------------------------------------------------------------------------------------- provenance


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)  # reading package metadata parses files: once per process
def _dist_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


#: plugin set → (its plugin objects, their manifest rows); see :func:`plugin_rows`
_PLUGIN_ROWS: dict[tuple, tuple[list, list[dict]]] = {}


def plugin_rows(hooks) -> list[dict]:
    """``hooks.plugins()`` as manifest rows, worked out once per process for each set of registered plugins:
    finding distributions and versions reads package metadata (tens of milliseconds), and every
    ``load_config`` builds a new plugin manager holding the same plugin modules."""
    pm = getattr(hooks, "pm", None)
    if pm is None:
        return [attrs.asdict(p) for p in hooks.plugins()]
    pairs = pm.list_name_plugin()
    key = tuple((name, id(plugin)) for name, plugin in pairs)
    if key not in _PLUGIN_ROWS:
        if len(_PLUGIN_ROWS) >= 32:
            _PLUGIN_ROWS.clear()
        # the entry keeps the plugin objects alive, so that their ids cannot be taken by other objects
        _PLUGIN_ROWS[key] = ([plugin for _, plugin in pairs], [attrs.asdict(p) for p in hooks.plugins()])
    return [dict(row) for row in _PLUGIN_ROWS[key][1]]


@functools.cache
def platform_text() -> str:
    """``platform.platform()`` without running a program: on Linux, Python finds the processor it may add by
    running ``uname -p`` in a subprocess (3–15 ms of a run's wall time), which almost always prints ``unknown``
    or the machine's name, and ``platform()`` leaves both out. Here it is always left out (elsewhere this is
    ``platform.platform()``)."""
    if sys.platform != "linux":
        return platform.platform()
    u = platform.uname()  # its processor is read only when asked for
    libc, libc_version = platform.libc_ver()
    text = "-".join(part.strip() for part in (u.system, u.release, u.machine, "with", libc + libc_version) if part)
    for old, new in ((" ", "_"), ("/", "-"), ("\\", "-"), (":", "-"), (";", "-"), ('"', "-"), ("(", "-"),
                     (")", "-"), ("unknown", "")):  # the clean-up platform.platform() does
        text = text.replace(old, new)
    while "--" in text:
        text = text.replace("--", "-")
    return text.rstrip("-")


def build_manifest(plan, inputs: list[Path], details: dict, started: datetime) -> dict:
    """Everything needed to know what produced a run's numbers."""
    from . import __version__

    resolved: dict[str, Path] = {}

    def resolve(path) -> Path:  # each distinct path resolved once (resolving reads every folder on the way)
        key = str(path)
        if key not in resolved:
            resolved[key] = Path(path).resolve()
        return resolved[key]

    files = []
    for p in dict.fromkeys(resolve(p) for p in inputs):
        entry = {"path": str(p), "sha256": sha256_of(p), "bytes": p.stat().st_size}
        if str(p) in details or str(Path(p)) in details:
            entry["detected"] = details.get(str(p), {})
        files.append(entry)
    for key, value in details.items():
        for entry in files:
            if resolve(key) == Path(entry["path"]):
                entry["detected"] = value
    config = None
    if plan.path is not None:
        cp = Path(plan.path).resolve()
        config = {"path": str(cp), "sha256": sha256_of(cp)}
    return {
        "zhishu_version": __version__,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform_text(),
        "libraries": {name: _dist_version(name) for name in ("pandas", "numpy", "pluggy", "attrs", "cattrs")},
        "config": config,
        "inputs": files,
        "plugins": plugin_rows(plan.hooks),
        "seeds": {"index.seed": plan.seed},
        "resolved_config": plan.describe(),
    }
