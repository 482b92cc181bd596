"""Goal 3 end to end, numpy + pyarrow side: read the wide Parquet input, compute the index as a numpy user
would (benchmarks.large_data.numpy_index), and write the tables ``zhishu run`` writes with
``[output] format = "parquet"`` — ranking (root, best first), scores (unit, year, node, level, score, rank;
every node and indicator), indicators (unit, year, indicator, raw, normalised, flag), weights — with pyarrow,
repeated labels as dictionary arrays (what a pyarrow user writes).

python -m benchmarks.scripts.e2e_numpy VALUES.parquet OUTDIR
"""

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.large_data import GROUP, directions, numpy_index


def _dict(labels: np.ndarray, codes: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype("int32")), pa.array(labels))


def main() -> None:
    start = time.perf_counter()
    path, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    table = pq.read_table(path)
    names = [c for c in table.column_names if c not in ("unit", "year")]
    raw = np.column_stack([table.column(c).to_numpy() for c in names])
    units = table.column("unit").to_numpy(zero_copy_only=False)
    year = table.column("year").to_numpy()
    n, k = raw.shape
    normalised, nodes, ranks = numpy_index(raw, directions(k))
    groups = k // GROUP
    node_names = np.array(["index"] + [f"p{j}" for j in range(groups // 5)] + [f"g{j}" for j in range(groups)])
    levels = np.array([0] + [1] * (groups // 5) + [2] * groups)
    order = np.argsort(ranks[:, 0], kind="stable")
    pq.write_table(pa.table({"year": year[order], "rank": ranks[order, 0].astype("int64"), "unit": units[order],
                             "name": units[order], "score": nodes[order, 0]}), out / "ranking.parquet")
    m = nodes.shape[1] + k
    item_names = np.concatenate([node_names, np.array(names)])
    item_levels = np.concatenate([levels, np.full(k, 3)])
    unit_codes = np.tile(np.arange(n), m)
    pq.write_table(pa.table({
        "unit": _dict(units, unit_codes), "year": np.tile(year, m),
        "node": _dict(item_names, np.repeat(np.arange(m), n)), "level": np.repeat(item_levels, n),
        "score": np.concatenate([nodes.T.reshape(-1), normalised.T.reshape(-1)]),
        "rank": ranks.T.reshape(-1).astype("int64")}), out / "scores.parquet")
    pq.write_table(pa.table({
        "unit": _dict(units, np.tile(np.arange(n), k)), "year": np.tile(year, k),
        "indicator": _dict(np.array(names), np.repeat(np.arange(k), n)), "raw": raw.T.reshape(-1),
        "normalised": normalised.T.reshape(-1), "flag": _dict(np.array([""]), np.zeros(n * k, dtype="int32"))}),
        out / "indicators.parquet")
    print(f'{{"total": {time.perf_counter() - start}}}')


if __name__ == "__main__":
    main()
