"""A synthetic county-scale index for goal 5: ``units`` counties × 60 indicators × ``years`` years (uniform on [1, 100],
complete), 60 indicators → 12 groups of 5 → 3 pillars of 4 groups → the root; equal weights, arithmetic means,
min-max [0, 100] per year; a ``[sensitivity]`` with Sobol over the weights (every node, ±25 %), the normaliser
(min-max [1, 100] vs z-score (10, 2)) and the aggregator (arithmetic vs geometric)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

K = 60


def write_county(folder: Path, units: int, years: int, sobol_n: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(2)
    n = units * years
    x = rng.uniform(1.0, 100.0, size=(n, K))  # bounded: z-scores (10, 2) stay > 0 for the geometric mean
    columns = {"unit": pa.array(np.repeat(np.char.add("c", np.arange(units).astype(str)), years)),
               "year": pa.array(np.tile(np.arange(2015, 2015 + years), units))}
    columns.update({f"i{i}": pa.array(x[:, i]) for i in range(K)})
    pq.write_table(pa.table(columns), folder / "county.parquet")
    quote = (lambda names: "[" + ", ".join(f'"{x}"' for x in names) + "]")
    lines = ['[index]\nid = "county"\n',
             '[sources.s]\nplugin = "table"\nparams = { path = "county.parquet" }\n',
             '[normalisation]\ndefault = { method = "minmax", params = { low = 0, high = 100 } }\n',
             f"[nodes.index]\nchildren = {quote([f'p{j}' for j in range(3)])}\n"]
    lines += [f"[nodes.p{j}]\nchildren = {quote([f'g{g}' for g in range(4 * j, 4 * j + 4)])}\n" for j in range(3)]
    lines += [f"[nodes.g{g}]\nchildren = {quote([f'i{i}' for i in range(5 * g, 5 * g + 5)])}\n" for g in range(12)]
    lines += [f"[indicators.i{i}]\ndirection = {1 if i % 7 else -1}\n" for i in range(K)]
    lines.append(f"[sensitivity]\nreplications = {sobol_n}\nseed = 1\nsobol = true\n\n"
                 "[sensitivity.weights]\nnoise = 0.25\n\n"
                 '[sensitivity.normaliser]\nalternatives = [{ method = "minmax", params = { low = 1, high = 100 } }, '
                 '{ method = "zscore", params = { mean = 10, sd = 2 } }]\n\n'
                 '[sensitivity.aggregator]\nalternatives = ["arithmetic", "geometric"]\n')
    config = folder / "county.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config
