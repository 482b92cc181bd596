"""A prototype of ``zhishu run`` beyond one machine (docs/scale.md): the index computed partition by partition
with Dask, the normaliser fitted by a reduction, the ranks by a distributed sort — scores identical to
:func:`zhishu.run_config`.

Supported (the prototype checks and refuses anything else): one ``table`` source on a Parquet file in the
wide layout, indicators that are source variables (no formula, no denominator), no imputation and no outlier
treatment, the min-max normaliser without pre-transform (fitted per year), weightings that do not look at the
data (equal, fixed, AHP) and aggregators that work row by row (arithmetic, geometric …, not Copeland/TOPSIS).

The three passes (each a Dask graph; ``scheduler`` as for ``dask.compute``, or a distributed ``Client``'s):

1. fit — per partition and year the minimum and maximum of every oriented indicator; combined by min/max
   (exact: the global minimum is the minimum of the partitions' minima).
2. score — per partition: orient, min-max with the global parameters, then :func:`zhishu.pipeline.aggregate`
   on the partition's rows (row-local arithmetic, so each row's scores are the single-machine ones bit for bit).
3. rank — per year and node, a sample sort: splitters from a sample of every partition's scores, each
   partition's scores split into value buckets, each bucket ranked (``method = "min"``, 1 = highest), and the
   bucket's offset (how many scores are above it) added. Equal scores always fall in the same bucket, so the
   ranks equal pandas' ``rank(method="min", ascending=False)`` over the whole year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from zhishu.components import INDEX_NAMES

DATA_INDEPENDENT_WEIGHTINGS = ("equal", "fixed", "ahp")


def check_supported(plan) -> str:
    """The Parquet file of a plan the prototype can run (else a ValueError saying what it cannot)."""
    if len(plan.sources) != 1:
        raise ValueError("the prototype reads exactly one source")
    (source,) = plan.sources.values()
    obj = source.obj
    if source.method.name != "table" or obj.layout != "wide" or not str(obj.path).endswith(".parquet"):
        raise ValueError("the prototype reads one wide Parquet table")
    if plan.imputer.name != "none" or plan.treatment.name != "none" or plan.reference_year is not None:
        raise ValueError("the prototype runs without imputation, outlier treatment or reference_year")
    for iid, ind in plan.indicators.items():
        if ind.formula is not None or ind.denominator is not None or ind.transform is not None:
            raise ValueError(f"indicator {iid}: no formula, denominator or transform in the prototype")
        if ind.normaliser.name != "minmax" or ind.imputer is not None or ind.treatment is not None:
            raise ValueError(f"indicator {iid}: the prototype normalises by min-max only")
    for nid, node in plan.nodes.items():
        if node.weighting.name not in DATA_INDEPENDENT_WEIGHTINGS:
            raise ValueError(f"node {nid}: weighting {node.weighting.name!r} looks at the data (a reduction pass "
                             "the prototype does not implement)")
        if getattr(node.aggregator.obj, "by_year", False):
            raise ValueError(f"node {nid}: aggregator {node.aggregator.name!r} compares units (global pass)")
    return str((plan.base_dir / obj.path).resolve())


def _frame(part: pd.DataFrame, plan) -> tuple[pd.DataFrame, np.ndarray]:
    """A partition as floats indexed by (unit, year), the indicators oriented (× direction)."""
    (source,) = plan.sources.values()
    obj = source.obj
    index = pd.MultiIndex.from_arrays([part[obj.unit_column].astype(str).to_numpy(dtype=object),
                                       part[obj.year_column].to_numpy(dtype="int64")], names=INDEX_NAMES)
    columns = list(plan.indicators)
    variables = [plan.indicators[c].spec.variable or c for c in columns]
    values = part[variables].to_numpy(dtype="float64")
    directions = np.array([float(plan.indicators[c].spec.direction) for c in columns])
    if not (directions == 1).all():
        values = values * directions
    return pd.DataFrame(values, index=index, columns=columns, copy=False), index.get_level_values("year").to_numpy()


def _fit_part(part: pd.DataFrame, plan) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    X, years = _frame(part, plan)
    out = {}
    for year in np.unique(years):
        rows = X[years == year]
        out[int(year)] = (rows.min(axis=0).to_numpy(), rows.max(axis=0).to_numpy())
    return out


def _combine_fits(fits: list[dict]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for fit in fits:
        for year, (lo, hi) in fit.items():
            if year in out:
                out[year] = (np.fmin(out[year][0], lo), np.fmax(out[year][1], hi))
            else:
                out[year] = (lo, hi)
    return out


def _score_part(part: pd.DataFrame, plan, fitted: dict) -> pd.DataFrame:
    from zhishu.pipeline import aggregate

    X, years = _frame(part, plan)
    normaliser = next(iter(plan.indicators.values())).normaliser
    out = np.empty(X.shape)
    for year in np.unique(years):
        rows = years == year
        model = normaliser.fresh()
        lo, hi = fitted[int(year)]
        model.min_, model.max_ = pd.Series(lo, index=X.columns), pd.Series(hi, index=X.columns)
        out[rows] = model.transform(X[rows]).to_numpy()
    scores, _ = aggregate(plan, pd.DataFrame(out, index=X.index, columns=X.columns, copy=False))
    return scores


def _rank_min_desc(values: np.ndarray) -> np.ndarray:
    """1 + the number of values strictly greater (pandas ``rank(method="min", ascending=False)``)."""
    order = np.sort(values)[::-1]
    return (np.searchsorted(-order, -values, side="left") + 1).astype("float64")


def _bucket_part(scores: np.ndarray, splitters: np.ndarray) -> np.ndarray:
    """The bucket of each score: 0 for the highest values (splitters descending)."""
    return np.searchsorted(-splitters, -scores, side="right")


def distributed_ranks(parts: list, column: str, year_of: list, buckets: int, compute) -> list:
    """Ranks of ``column`` within each year across the delayed score ``parts`` (a list of per-partition
    arrays, NaN stays NaN), by a sample sort. Returns delayed arrays aligned with ``parts``."""
    import dask

    out_parts = [dask.delayed(np.full)(dask.delayed(len)(p), np.nan) for p in parts]
    years = sorted({int(y) for ys in compute(*year_of) for y in np.unique(ys)})
    for year in years:
        vals = [dask.delayed(_year_values)(p, ys, column, year) for p, ys in zip(parts, year_of)]
        samples = compute(*[dask.delayed(_sample)(v, 64) for v in vals])
        pooled = np.sort(np.concatenate(samples))[::-1]
        cut = np.unique(pooled[np.linspace(0, len(pooled) - 1, buckets + 1)[1:-1].astype(int)])[::-1] \
            if len(pooled) else np.array([])
        bucketed = [dask.delayed(_bucket_part)(v, cut) for v in vals]
        counts = compute(*[dask.delayed(np.bincount)(b, minlength=len(cut) + 1) for b in bucketed])
        above = np.concatenate(([0], np.cumsum(np.sum(counts, axis=0))[:-1]))
        ranked = []
        for b in range(len(cut) + 1):  # each bucket ranked on its own: the values of every partition in it
            members = [dask.delayed(_members)(v, bk, b) for v, bk in zip(vals, bucketed)]
            ranked.append(dask.delayed(_rank_bucket)(members, above[b]))
        out_parts = [dask.delayed(_place)(o, p, ys, column, year, bk, ranked, i)
                     for i, (o, p, ys, bk) in enumerate(zip(out_parts, parts, year_of, bucketed))]
    return out_parts


def _year_values(scores: pd.DataFrame, years: np.ndarray, column: str, year: int) -> np.ndarray:
    v = scores[column].to_numpy()[years == year]
    return v[~np.isnan(v)]


def _sample(values: np.ndarray, k: int) -> np.ndarray:
    if len(values) <= k:
        return values
    return np.sort(values)[np.linspace(0, len(values) - 1, k).astype(int)]


def _members(values: np.ndarray, bucket_of: np.ndarray, b: int) -> np.ndarray:
    return values[bucket_of == b]


def _rank_bucket(members: list[np.ndarray], offset: int) -> list[np.ndarray]:
    """Ranks of each partition's members of one bucket among all its members, plus the bucket's offset."""
    pooled = np.concatenate(members) if members else np.array([])
    order = np.sort(pooled)[::-1]
    return [(np.searchsorted(-order, -m, side="left") + 1 + offset).astype("float64") for m in members]


def _place(out: np.ndarray, scores: pd.DataFrame, years: np.ndarray, column: str, year: int,
           bucket_of: np.ndarray, ranked: list, i: int) -> np.ndarray:
    out = out.copy()
    v = scores[column].to_numpy()
    rows = np.flatnonzero((years == year) & ~np.isnan(v))
    for b, bucket in enumerate(ranked):
        out[rows[bucket_of == b]] = bucket[i]
    return out


def run_partitioned(plan, *, partitions: int | None = None, buckets: int = 8, rank_nodes: bool = True,
                    scheduler=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of every node and indicator, and ranks of every node (within each year), computed with Dask
    over the Parquet file's partitions (``partitions``: repartition to that many). In the order of the file."""
    import dask
    import dask.dataframe as dd

    path = check_supported(plan)

    def compute(*objs):
        return dask.compute(*objs, scheduler=scheduler)

    ddf = dd.read_parquet(path)
    if partitions:
        ddf = ddf.repartition(npartitions=partitions)
    parts = ddf.to_delayed()
    fitted = _combine_fits(list(compute(*[dask.delayed(_fit_part)(p, plan) for p in parts])))  # pass 1
    scored = [dask.delayed(_score_part)(p, plan, fitted) for p in parts]  # pass 2
    scored = list(compute(*scored))
    year_of = [s.index.get_level_values("year").to_numpy() for s in scored]
    scores = pd.concat(scored)
    ranks = pd.DataFrame(np.nan, index=scores.index, columns=scores.columns)
    if rank_nodes:  # pass 3, for every aggregate node
        parts_d = [dask.delayed(s) for s in scored]
        years_d = [dask.delayed(y) for y in year_of]
        for nid in plan.aggregation_order:
            ranked = compute(*distributed_ranks(parts_d, nid, years_d, buckets, compute))
            ranks[nid] = np.concatenate(ranked)
    return scores, ranks[[c for c in scores.columns if c in plan.nodes]]


def main() -> None:  # pragma: no cover - a measurement, run by hand (docs/scale.md)
    """python -m benchmarks.scale_prototype [UNITS]: 1e6 units × 100 indicators, the prototype vs run_config."""
    import sys
    import tempfile
    import time

    import zhishu

    from .large_data import config_text, write_inputs

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="zhishu-scale-") as tmp:
        folder = Path(tmp)
        write_inputs(n, 100, folder, parquet=True)
        config = folder / "bench.toml"
        config.write_text(config_text(100, "values.parquet"), encoding="utf-8")
        plan = zhishu.load_config(config)
        t = time.perf_counter()
        result = zhishu.run_config(plan)
        single = time.perf_counter() - t
        t = time.perf_counter()
        scores, ranks = run_partitioned(plan, partitions=8, scheduler="threads")
        parted = time.perf_counter() - t
        same = result.scores.reindex(scores.index)
        identical = np.array_equal(same.to_numpy(), scores[same.columns].to_numpy(), equal_nan=True)
        rank_same = all(np.array_equal(result.ranks[c].reindex(ranks.index).to_numpy(), ranks[c].to_numpy(),
                                       equal_nan=True) for c in plan.aggregation_order)
        print(f"{n:,} x 100: run_config {single:.1f} s; prototype (8 partitions, threads) {parted:.1f} s; "
              f"scores identical: {identical}; node ranks identical: {rank_same}")


if __name__ == "__main__":  # pragma: no cover
    main()
