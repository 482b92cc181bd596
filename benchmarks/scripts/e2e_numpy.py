"""Goal 3 end to end, numpy + pyarrow side: read the wide Parquet input, compute the index as a numpy user
would (benchmarks.large_data.numpy_index), and write the tables ``zhishu run`` writes with
``[output] format = "parquet"`` — ranking (root, best first), scores (unit, year, node, level, score, rank;
every node and indicator), indicators (unit, year, indicator, raw, normalised, flag), weights — with pyarrow,
repeated labels as dictionary arrays (what a pyarrow user writes); the two long tables a few items at a time
as row groups of one file (about 2**22 rows each, as zhishu's Parquet exporter does), not built whole.

python -m benchmarks.scripts.e2e_numpy VALUES.parquet OUTDIR
"""

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.large_data import GROUP, directions, numpy_index

PART_ROWS = 2**22  # rows of a long table built and written at once (as zhishu's Parquet exporter does)


def _dict(labels: np.ndarray, codes: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype("int32")), pa.array(labels))


def _write_parts(path: Path, part, items: int, n: int) -> None:
    """Write a long table (item-major) as row groups of about PART_ROWS rows, a few items at a time."""
    step = max(1, PART_ROWS // max(n, 1))
    writer = None
    for a in range(0, items, step):
        table = pa.table(part(a, min(a + step, items)))
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


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
    m0 = nodes.shape[1]
    item_names = np.concatenate([node_names, np.array(names)])
    item_levels = np.concatenate([levels, np.full(k, 3)])

    def item(j: int) -> np.ndarray:  # the scores of item j: the nodes first, then the indicators
        return nodes[:, j] if j < m0 else normalised[:, j - m0]

    def scores_part(a: int, b: int) -> dict:
        return {"unit": _dict(units, np.tile(np.arange(n), b - a)), "year": np.tile(year, b - a),
                "node": _dict(item_names, np.repeat(np.arange(a, b), n)), "level": np.repeat(item_levels[a:b], n),
                "score": np.concatenate([item(j) for j in range(a, b)]),
                "rank": ranks[:, a:b].T.reshape(-1).astype("int64")}

    def indicators_part(a: int, b: int) -> dict:
        return {"unit": _dict(units, np.tile(np.arange(n), b - a)), "year": np.tile(year, b - a),
                "indicator": _dict(np.array(names), np.repeat(np.arange(a, b), n)),
                "raw": raw[:, a:b].T.reshape(-1), "normalised": normalised[:, a:b].T.reshape(-1),
                "flag": _dict(np.array([""]), np.zeros(n * (b - a), dtype="int32"))}

    _write_parts(out / "scores.parquet", scores_part, m0 + k, n)
    _write_parts(out / "indicators.parquet", indicators_part, k, n)
    print(f'{{"total": {time.perf_counter() - start}}}')


if __name__ == "__main__":
    main()
