"""benchmarks/scale_prototype.py (docs/scale.md): the index computed partition by partition with Dask gives
scores byte-identical to ``run_config`` and ranks equal to pandas' ranks over the whole year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import zhishu

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("dask.dataframe")

from benchmarks.scale_prototype import check_supported, run_partitioned  # noqa: E402

# dask's Parquet reader (dask/dataframe/io/parquet/arrow.py, read_partition) calls
# ``df.reset_index(drop=True, inplace=True)`` on every partition read without an index, which pandas 3.1
# deprecates; the call is inside dask, on the only path that reads a file as dask partitions, so only that
# one third-party warning is silenced here (a new dask will drop the keyword)
pytestmark = pytest.mark.filterwarnings(
    "ignore:The inplace keyword in DataFrame.reset_index is deprecated:pandas.errors.Pandas4Warning")

CONFIG = """
[index]
id = "t"

[sources.s]
plugin = "table"
params = {{ path = "data.parquet" }}

[normalisation]
default = {{ method = "minmax", params = {{ low = 1, high = 100 }} }}

[nodes.index]
children = ["a", "b"]
weights = {{ a = 2, b = 1 }}

[nodes.a]
children = ["x0", "x1", "x2"]
aggregator = "geometric"

[nodes.b]
children = ["x3", "x4"]
{extra}
[indicators.x0]
direction = -1
[indicators.x1]
direction = 1
[indicators.x2]
direction = 1
[indicators.x3]
direction = -1
[indicators.x4]
direction = 1
"""


def _write(tmp_path, units=400, years=(2020, 2021), extra=""):
    rng = np.random.default_rng(5)
    n = units * len(years)
    x = rng.uniform(1, 50, size=(n, 5))
    x[rng.random((n, 5)) < 0.05] = np.nan  # missing cells: the min_share rule and NaN ranks
    x[::7, 3] = 10.0  # ties in an indicator: tied node scores and shared ranks
    x[::5, 0:3] = 3.0
    x[::13] = np.nan  # units without any value: no score, no rank
    table = {"unit": [f"u{i // len(years)}" for i in range(n)], "year": [years[i % len(years)] for i in range(n)]}
    table.update({f"x{j}": x[:, j] for j in range(5)})
    pq.write_table(pa.table(table), tmp_path / "data.parquet", row_group_size=97)
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.format(extra=extra), encoding="utf-8")
    return path


@pytest.mark.parametrize("partitions", [1, 5])
def test_scores_and_ranks_identical_to_run_config(tmp_path, partitions):
    plan = zhishu.load_config(_write(tmp_path))
    result = zhishu.run_config(plan)
    scores, ranks = run_partitioned(plan, partitions=partitions, buckets=4, scheduler="sync")
    expected = result.scores.reindex(scores.index)
    assert list(scores.columns) == list(result.scores.columns)
    assert np.array_equal(expected.to_numpy(), scores.to_numpy(), equal_nan=True)  # bit for bit
    assert np.isnan(scores["index"]).any()  # the case exercises missing scores
    for node in plan.nodes:
        want = result.ranks[node].reindex(ranks.index).to_numpy()
        assert np.array_equal(want, ranks[node].to_numpy(), equal_nan=True), node
    # ties exist and share the lowest rank
    b = ranks["b"].dropna()
    assert b.duplicated().any()


def test_ranks_match_a_direct_count(tmp_path):
    """Independently of pandas: rank = 1 + the number of strictly higher scores in the same year."""
    plan = zhishu.load_config(_write(tmp_path, units=120))
    scores, ranks = run_partitioned(plan, partitions=3, buckets=3, scheduler="sync")
    years = scores.index.get_level_values("year").to_numpy()
    v = scores["index"].to_numpy()
    for i in range(len(v)):
        if np.isnan(v[i]):
            assert np.isnan(ranks["index"].iloc[i])
        else:
            same = (years == years[i]) & ~np.isnan(v)
            assert ranks["index"].iloc[i] == 1 + np.sum(v[same] > v[i])


def test_refuses_what_it_cannot_do(tmp_path):
    plan = zhishu.load_config(_write(tmp_path, extra='weighting = "entropy"\n'))
    with pytest.raises(ValueError, match="looks at the data"):
        check_supported(plan)
