"""Goal 3 — 1e6 units × 100 indicators within 1.3× of numpy in time and in peak RSS.

Each side runs in its own child process (so its peak RSS, the kernel's high-water mark, is its own) on the
same input, ``values.npy`` (log-normal, complete, one year; 1 in 7 indicators lower-is-better):

* stages: zhishu's ``run_config`` on a (unit, year) frame handed over by an in-memory source (every stage:
  match, derive, impute, treat, normalise, aggregate, rank, cell flags — no file reading) against
  :func:`benchmarks.large_data.numpy_index`, the same arithmetic as a numpy user writes it: orient into one new
  array and min-max it in place, the weighted means level by level as matrix-vector products, and the ranks of
  every node and indicator (125 columns: 25 nodes, 100 indicators) column by column with
  ``scipy.stats.rankdata(-column, method="min")`` into one n × 125 array. The best of 2 runs in each child
  (both at full size and in ``--quick``);
* whole process: the same children, interpreter start, imports, loading the array and building the frame
  included; and the peak RSS of each child;
* end to end: ``zhishu run`` on a Parquet input with Parquet outputs, against a numpy + pyarrow script that
  reads the same file, computes the same (``numpy_index``) and writes the same tables (scripts/e2e_numpy.py).

The two sides must agree: the sum of the root scores to 1e-9 and the root ranks of the first units exactly.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .harness import PYTHON, Row, Skipped, child_result, run_child
from .large_data import config_text, write_inputs

TARGET = 1.3


def goal_large(quick: bool) -> list[Row | Skipped]:
    n, k = (20_000, 100) if quick else (1_000_000, 100)
    rows: list[Row | Skipped] = []
    repeat = 2
    with tempfile.TemporaryDirectory(prefix="zhishu-bench-") as tmp:
        folder = Path(tmp)
        npy, parquet = write_inputs(n, k, folder, parquet=True)
        config = folder / "bench.toml"
        config.write_text(config_text(k, "values.parquet"), encoding="utf-8")
        base = run_child([PYTHON, "-m", "benchmarks.scripts.large_numpy", str(npy), str(repeat)])
        ours = run_child([PYTHON, "-m", "benchmarks.scripts.large_zhishu", str(npy), str(config), str(repeat)])
        b, o = child_result(base), child_result(ours)
        np.testing.assert_allclose(o["root_sum"], b["root_sum"], rtol=1e-9)
        assert o["rank_head"] == b["rank_head"], (o["rank_head"], b["rank_head"])
        size = f"{n:,} x {k}"
        rows.append(Row(goal="3", case=f"{size}: stages (run_config on the frame), best of {repeat}", ours=o["best"],
                        base=b["best"], target=TARGET, base_label="numpy, same arithmetic",
                        note=f"first run {o['first']:.2f} s vs {b['first']:.2f} s"))
        rows.append(Row(goal="3", case=f"{size}: whole process (start, load .npy, {repeat} runs)",
                        ours=ours.seconds, base=base.seconds, target=TARGET, base_label="numpy script"))
        rows.append(Row(goal="3", case=f"{size}: peak RSS of the process", ours=ours.peak_mib, base=base.peak_mib,
                        unit="MiB", target=TARGET, base_label="numpy script",
                        note=f"input {n * k * 8 / 2**20:,.0f} MiB"))
        rows.extend(_end_to_end(folder, config, parquet, n, k, quick))
    return rows


def _end_to_end(folder: Path, config: Path, parquet: Path, n: int, k: int, quick: bool) -> list[Row | Skipped]:
    size = f"{n:,} x {k}"
    need = 80 * n * k / 2**30  # GiB: zhishu's long tables (1.3e8 rows at 1e6 x 100) as pandas frames, roughly
    try:
        import psutil

        free = psutil.virtual_memory().available / 2**30
    except ImportError:  # pragma: no cover
        free = float("inf")
    if need > 0.6 * free:
        return [Skipped(goal="3", case=f"{size}: end to end, Parquet in and out",
                        reason=f"needs about {need:.0f} GiB, {free:.1f} GiB free on this shared machine")]
    text = config_text(k, "values.parquet", output='[output]\nformat = "parquet"\n')
    e2e = folder / "e2e.toml"
    e2e.write_text(text, encoding="utf-8")
    ours = run_child([PYTHON, "-m", "zhishu", "run", str(e2e), "-o", str(folder / "out-zhishu"), "--top", "0"],
                     check=False)
    if ours.returncode != 0:
        raise RuntimeError(f"zhishu run failed ({ours.returncode}): {ours.stdout[-2000:]}")
    base = run_child([PYTHON, "-m", "benchmarks.scripts.e2e_numpy", str(parquet), str(folder / "out-numpy")])
    return [
        Row(goal="3", case=f"{size}: end to end, zhishu run, Parquet in and out", ours=ours.seconds,
            base=base.seconds, target=TARGET, base_label="numpy + pyarrow script", cpu=ours.cpu,
            note=f"baseline CPU {base.cpu:.1f} s"),
        Row(goal="3", case=f"{size}: end to end, peak RSS", ours=ours.tree_mib, base=base.tree_mib, unit="MiB",
            target=TARGET, base_label="numpy + pyarrow script"),
    ]
