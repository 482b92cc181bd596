"""The tables of a sensitivity run and writing them (atomically). ``docs/sensitivity.md`` documents every column.

- ``sensitivity-ranks.csv``: per unit, year and node, the nominal rank and the distribution of ranks.
- ``sensitivity-replications.csv``: per replication, unit and year, the root's score and rank and the choices.
- ``sensitivity-samples.csv``: per replication its choices and the local weights it used.
- ``sensitivity-sobol.csv`` (with ``sobol = true``): first- and total-order Sobol indices (SALib).
- ``sensitivity-manifest.json``: seed, spec, executor, versions and the index's provenance.
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs import OutputFolder, output_folder
from .engine import CHOICES
from .run import SensitivityResult
from .reduce import sobol_from_sums, summary_from_counts
from .sampling import DUMMY, salib_problem

RANKS_COLUMNS = ["unit", "year", "node", "nominal_score", "nominal_rank", "median_rank", "p05_rank", "p95_rank",
                 "min_rank", "max_rank", "mean_abs_shift"]
SOBOL_COLUMNS = ["output", "unit", "year", "input", "S1", "S1_conf", "ST", "ST_conf"]
INDICES = ("S1", "S1_conf", "ST", "ST_conf")  # SALib's keys, in the table's order


def _units_years(result: SensitivityResult) -> tuple[np.ndarray, np.ndarray]:
    index = result.model.index
    return (index.get_level_values("unit").to_numpy(dtype=object),
            index.get_level_values("year").to_numpy(dtype="int64"))


def ranks_table(result: SensitivityResult) -> pd.DataFrame:
    """Per unit, year and output node: nominal score and rank, median, 5th/95th percentile, min and max rank,
    and the mean absolute shift of the rank from the nominal rank — from every replication's ranks, or (when
    only the reductions were kept) from the rank counts, which give the same floats."""
    units, years = _units_years(result)
    frames = []
    for nid in result.model.outputs:
        nominal = result.nominal_ranks[nid].to_numpy(dtype="float64")
        if nid in result.ranks:
            stats = _rank_stats(result.ranks[nid], nominal, len(units))
        else:
            stats = summary_from_counts(result.reduced.counts[nid], nominal)
        frames.append(pd.DataFrame({
            "unit": units, "year": years, "node": nid,
            "nominal_score": result.nominal_scores[nid].to_numpy(dtype="float64"),
            "nominal_rank": pd.array(nominal, dtype="Float64").astype("Int64"),
            "median_rank": stats["median"], "p05_rank": stats["p05"], "p95_rank": stats["p95"],
            "min_rank": pd.array(stats["min"], dtype="Float64").astype("Int64"),
            "max_rank": pd.array(stats["max"], dtype="Float64").astype("Int64"),
            "mean_abs_shift": stats["mean_abs_shift"],
        }))
    table = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    # (built in that order: no reordering, whose look-up of text labels costs a pandas engine of them)
    return table if table.columns.tolist() == RANKS_COLUMNS else table[RANKS_COLUMNS]


def _rank_stats(R: np.ndarray, nominal: np.ndarray, n: int) -> dict[str, np.ndarray]:
    if R.shape[1] and not np.isnan(R).any():  # nothing missing: no warning to silence (filters cost)
        return _rank_stats_of(R, nominal, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _rank_stats_of(R, nominal, n)


def _rank_stats_of(R: np.ndarray, nominal: np.ndarray, n: int) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore"):
        empty = np.full(n, np.nan)
        if not R.shape[1]:
            pct = np.full((3, n), np.nan)
        elif np.isnan(R).any():  # (row by row: numpy's nanpercentile of a 2-d array loops over the rows)
            pct = np.nanpercentile(R, [50, 5, 95], axis=1)
        else:  # the same numbers, all rows at once
            pct = np.percentile(R, [50, 5, 95], axis=1)
        return {"median": pct[0], "p05": pct[1], "p95": pct[2],
                "min": np.nanmin(R, axis=1) if R.shape[1] else empty,
                "max": np.nanmax(R, axis=1) if R.shape[1] else empty,
                "mean_abs_shift": np.nanmean(np.abs(R - nominal[:, None]), axis=1)}


def choice_labels(result: SensitivityResult) -> dict[str, np.ndarray]:
    """Per uncertain discrete input (in spec order), the label of each replication's choice."""
    out = {}
    rs = result.spec
    for inp in rs.inputs:
        if inp.kind != "choice":
            continue
        j = CHOICES.index(inp.name)
        labels = np.array(["" if inp.name == "leave_one_out" and i == 0 else c for i, c in enumerate(inp.choices)],
                          dtype=object)
        out["left_out" if inp.name == "leave_one_out" else inp.name] = labels[result.choices[:, j]]
    return out


def _weight_change(result: SensitivityResult) -> np.ndarray | None:
    if not result.spec.reported_slots:
        return None
    base = _nominal_slot_weights(result)
    return np.abs(result.weights - base[None, :]).max(axis=1)


def _nominal_slot_weights(result: SensitivityResult) -> np.ndarray:
    w = result.model.nominal_weights
    children = result.model.children
    return np.array([w[n][children[n].index(c)] for n, c in result.spec.reported_slots])


def replications_table(result: SensitivityResult, node: str | None = None) -> pd.DataFrame:
    """Long: replication, unit, year, score, rank of ``node`` (the root) and each replication's choices."""
    node = node or result.model.root
    if node not in result.scores:
        raise ValueError(f"the replications of {node!r} were not kept: run with replications=True "
                         "(zhishu sensitivity without --no-replications)")
    units, years = _units_years(result)
    n, R = result.scores[node].shape
    table = pd.DataFrame({
        "replication": np.repeat(np.arange(R), n),
        "unit": _take_labels(units, np.tile(np.arange(n), R)),
        "year": np.tile(years, R),
        "score": result.scores[node].T.reshape(-1),
        "rank": pd.array(result.ranks[node].T.reshape(-1), dtype="Float64").astype("Int64"),
    })
    for name, labels in choice_labels(result).items():
        table[name] = _take_labels(labels, np.repeat(np.arange(R), n))
    change = _weight_change(result)
    if change is not None:
        table["weights_max_abs_change"] = np.repeat(change, n)
    return table


#: rows of sensitivity-replications.csv formatted at a time (as csvtext's chunks: bounds the text in memory)
_CSV_ROWS = 100_000


def write_replications_csv(result: SensitivityResult, fh, node: str | None = None) -> None:
    """Write :func:`replications_table` as CSV to ``fh`` (opened with ``newline=""``), the bytes
    :func:`zhishu.csvtext.write_csv` writes of that frame, without building it: each replication's choices and
    weight change, each unit's label and year are formatted once, the scores by
    :func:`~zhishu.csvtext.float_texts`, the ranks by a table of integer texts, and every replication's rows
    are one ``%`` format of a template made once (its unit and year texts in place). Anything else than the
    usual labels (units that are not all strings, ranks that are not whole numbers) goes through the frame."""
    from ..csvtext import float_texts, quoted, write_csv

    node = node or result.model.root
    if node not in result.scores:
        replications_table(result, node)  # its error
    units, years = _units_years(result)
    S, K = result.scores[node], result.ranks[node]
    n, R = S.shape
    labels = choice_labels(result)
    change = _weight_change(result)
    whole = np.nan_to_num(K, nan=0.0)  # 0: no rank (ranks start at 1)
    if not all(type(u) is str for u in units) or not all(type(v) is str for a in labels.values() for v in a) \
            or not _rank_numbers(K, whole):
        write_csv(replications_table(result, node), fh)
        return
    names = ["replication", "unit", "year", "score", "rank", *labels, *([] if change is None else
                                                                       ["weights_max_abs_change"])]
    fh.write(",".join(quoted(names)) + "\n")
    if not n or not R:
        return
    # a row is five pieces: "r," | "unit,year," | score | ",rank" | ",choice,…,change\n" (one per replication)
    after = [_quoted_each(a) for a in labels.values()]
    if change is not None:
        after.append(float_texts(change))
    prefix = np.array([f"{r}," for r in range(R)], dtype=object)
    suffix = np.array(["".join("," + t for t in fields) + "\n" for fields in zip(*after)] if after
                      else ["\n"] * R, dtype=object)
    places = np.array([f"{u},{y}," for u, y in zip(quoted(list(units)), years.tolist())], dtype=object)
    ranks = np.array([","] + [f",{k}" for k in range(1, int(whole.max()) + 1)], dtype=object)
    step = max(1, _CSV_ROWS // n)
    for start in range(0, R, step):
        stop = min(R, start + step)
        pieces = np.empty((stop - start, n, 5), dtype=object)
        pieces[:, :, 0] = prefix[start:stop, None]
        pieces[:, :, 1] = places[None, :]
        pieces[:, :, 2] = np.array(float_texts(S[:, start:stop].T.reshape(-1)), dtype=object).reshape(-1, n)
        pieces[:, :, 3] = ranks[whole[:, start:stop].T.astype(np.int64)]
        pieces[:, :, 4] = suffix[start:stop, None]
        fh.write("".join(pieces.reshape(-1).tolist()))


def _quoted_each(values: np.ndarray) -> list[str]:
    """:func:`~zhishu.csvtext.quoted` of each value, quoting each distinct one once."""
    from ..csvtext import quoted

    distinct = list(dict.fromkeys(values.tolist()))
    text = dict(zip(distinct, quoted(distinct)))
    return [text[v] for v in values.tolist()]


def _rank_numbers(K: np.ndarray, whole: np.ndarray) -> bool:
    """Whether every rank is a whole number from 1 (to 2**31) or missing: what the table of rank texts holds."""
    if not K.size:
        return True
    with np.errstate(invalid="ignore"):
        return bool(((whole == np.floor(whole)) & ((whole >= 1) | np.isnan(K))).all() and whole.max() <= 2**31)


@functools.cache
def _infers_str() -> bool:
    """Whether pandas makes its ``str`` dtype of Python strings (asked of pandas itself: the
    ``future.infer_string`` option that says so is deprecated)."""
    return pd.Series(["a"]).dtype == pd.StringDtype(na_value=np.nan)


def _take_labels(labels: np.ndarray, codes: np.ndarray):
    """``labels[codes]`` as the column pandas makes of it, converting only the distinct labels: strings become
    pandas' ``str`` column (one Arrow take instead of inferring the type of every repeated label)."""
    if len(codes) and len(labels) and _infers_str() and all(type(v) is str for v in labels):
        return pd.array(labels, dtype="str").take(codes)
    return labels[codes]


def samples_table(result: SensitivityResult) -> pd.DataFrame:
    """One row per replication: its discrete choices and every perturbed local weight (``w:node/child``)."""
    columns = {"replication": np.arange(result.replications), **choice_labels(result)}
    for j, (nid, child) in enumerate(result.spec.reported_slots):
        columns[f"w:{nid}/{child}"] = result.weights[:, j]
    return pd.DataFrame(columns)  # one frame of every column (not a column inserted at a time)


def sobol_table(result: SensitivityResult, num_resamples: int = 100, conf_level: float = 0.95) -> pd.DataFrame:
    """First- and total-order Sobol indices (SALib, Saltelli/Jansen estimators with bootstrap confidence) of
    each uncertain input, for the root's rank of each unit in each year (``output = "rank"``) and for the
    mean absolute rank shift over all units of each year (``output = "mean_abs_rank_shift"``, unit empty).

    An output that does not vary gets 0 for every index; one with missing values (a unit without a score in
    some replication) gets NaN."""
    rs = result.spec
    problem = salib_problem(rs)
    names = list(dict.fromkeys(problem["groups"]))
    root = result.model.root
    nominal = result.nominal_ranks[root].to_numpy(dtype="float64")
    units, years = _units_years(result)
    rows = []
    if root not in result.ranks:
        return _sobol_from_sums(result, names, units, years, problem, num_resamples, conf_level)
    R = result.ranks[root]

    def analyse(Y: np.ndarray, output: str, unit: str, year: int) -> None:
        stats = salib_indices(problem, Y, len(names), num_resamples, conf_level, rs.spec.seed)
        for k, name in enumerate(names):
            if name == DUMMY:
                continue
            rows.append((output, unit, year, name, *(float(stats[s][k]) for s in INDICES)))

    for i in range(len(units)):
        analyse(R[i], "rank", units[i], int(years[i]))
    for year in dict.fromkeys(years.tolist()):
        sel = years == year
        with np.errstate(invalid="ignore"):
            shift = np.nanmean(np.abs(R[sel] - nominal[sel][:, None]), axis=0)
        analyse(shift, "mean_abs_rank_shift", "", int(year))
    return pd.DataFrame(rows, columns=SOBOL_COLUMNS)


def salib_indices(problem: dict, Y: np.ndarray, inputs: int, num_resamples: int, conf_level: float,
                  seed: int) -> dict[str, np.ndarray | list[float]]:
    """SALib's first- and total-order indices of one output ``Y`` (in Saltelli's row order) with their bootstrap
    confidence, for each of ``inputs`` inputs: NaN throughout when ``Y`` has a missing value, 0 when it does not
    vary. The bootstrap draws from ``numpy.random.default_rng(seed)`` for every seed, as SALib does for a
    nonzero one: SALib takes seed 0 for "no seed" and would draw from numpy's global generator, so that the
    confidence intervals of a run with seed 0 would differ from run to run."""
    from SALib.analyze import sobol as sobol_analyze

    if np.isnan(Y).any():
        return {k: [np.nan] * inputs for k in INDICES}
    if np.ptp(Y) == 0:
        return {k: [0.0] * inputs for k in INDICES}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        # a new generator per output, as SALib makes one from an integer seed on each call
        return sobol_analyze.analyze(problem, Y, calc_second_order=False, num_resamples=num_resamples,
                                     conf_level=conf_level, seed=np.random.default_rng(seed),
                                     print_to_console=False)


def tables(result: SensitivityResult, replications: bool = True) -> dict[str, pd.DataFrame]:
    """The output tables by file stem; ``replications = False`` leaves out the two per-replication tables."""
    out = {"sensitivity-ranks": ranks_table(result)}
    if replications:
        out["sensitivity-replications"] = replications_table(result)
        out["sensitivity-samples"] = samples_table(result)
    if result.spec.spec.sobol:
        out["sensitivity-sobol"] = sobol_table(result)
    return out


_tables = tables


def write_sensitivity(result: SensitivityResult, outdir: str | os.PathLike | OutputFolder, protected=(),
                      replications: bool = True, tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write every table (``tables``: already computed ones, by file stem; ``None`` for the replications: their
    CSV text straight from the arrays, :func:`write_replications_csv`) and ``sensitivity-manifest.json`` into
    ``outdir``, all or nothing (:func:`zhishu.outputs.output_folder`); ``outdir`` may be a folder already
    opened for ``sensitivity``."""
    inputs = [Path(e["path"]) for e in result.manifest.get("index", {}).get("inputs", [])]
    computed = tables if tables is not None else _tables(result, replications)
    if isinstance(outdir, OutputFolder):
        outdir.protect([*inputs, *protected])
        _write_into(outdir, result, computed)
        return outdir.written
    with output_folder(outdir, [*inputs, *protected], command="sensitivity") as out:
        _write_into(out, result, computed)
    return out.written


def _write_into(out: OutputFolder, result: SensitivityResult, computed: dict[str, pd.DataFrame | None]) -> None:
    for name, table in computed.items():
        if table is None and name == "sensitivity-replications":  # not built: written from the arrays
            with out.open_path(f"{name}.csv") as path, open(path, "w", encoding="utf-8", newline="") as fh:
                write_replications_csv(result, fh)
        else:
            out.write_csv(f"{name}.csv", table)
    out.manifest.update(result.manifest)


def _sobol_from_sums(result: SensitivityResult, names: list[str], units, years, problem, num_resamples: int,
                     conf_level: float) -> pd.DataFrame:
    """The Sobol table of a run that kept only the reductions: the unit ranks' indices from the exact Sobol
    sums (:func:`~zhishu.sensitivity.reduce.sobol_from_sums`, all units at once), the yearly mean rank shifts'
    from SALib on the per-replication shifts (one small series per year), as :func:`sobol_table` does."""
    setup = result.sobol_setup
    if num_resamples + 1 != len(setup.weights):
        raise ValueError(f"the Sobol sums were computed for {len(setup.weights) - 1} resamples")
    root = result.model.root
    stats = sobol_from_sums(result.reduced, setup, result.reduced.counts[root], conf_level)
    keep = [k for k, name in enumerate(names) if name != DUMMY]
    n = len(units)
    cols = {"output": "rank", "unit": np.repeat(units, len(keep)), "year": np.repeat(years, len(keep)),
            "input": np.tile(np.array([names[k] for k in keep], dtype=object), n)}
    for key in INDICES:
        cols[key] = stats[key][:, keep].reshape(-1)
    frames = [pd.DataFrame(cols, columns=SOBOL_COLUMNS)]
    rows = []
    for k, year in enumerate(dict.fromkeys(years.tolist())):
        values = salib_indices(problem, result.shifts[k], len(names), num_resamples, conf_level,
                               result.spec.spec.seed)
        for j in keep:
            rows.append(("mean_abs_rank_shift", "", int(year), names[j],
                         *(float(values[s][j]) for s in INDICES)))
    frames.append(pd.DataFrame(rows, columns=SOBOL_COLUMNS))
    return pd.concat(frames, ignore_index=True)
