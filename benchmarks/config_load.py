"""Goal 4 — config load linear in the number of indicators: ``load_config`` of the goal-3 tree with 10 × as
many indicators takes at most 10 × as long (median of 5 in-process runs each; no data is read). Judged on CPU
seconds: loading is single-threaded Python, so its CPU time is its work, while the wall time of two runs
minutes apart on a shared machine also measures how busy the other users were; the wall ratio is printed too."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .harness import Row, median_wall_cpu
from .large_data import config_text


def goal_config(quick: bool) -> list[Row]:
    import zhishu

    small, large = (100, 1_000) if quick else (1_000, 10_000)
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in (small, large):
            path = Path(tmp) / f"k{k}.toml"
            path.write_text(config_text(k, "unused.csv"), encoding="utf-8")
            zhishu.load_config(path)  # warm
            times[k], _ = median_wall_cpu(5, lambda: zhishu.load_config(path))
    (wall_l, cpu_l), (wall_s, cpu_s) = times[large], times[small]
    return [Row(goal="4", case=f"load_config CPU seconds, {large:,} indicators vs {small:,}, median of 5", ours=cpu_l,
                base=cpu_s, target=large / small, base_label=f"{small:,} indicators",
                note=f"linear: ratio <= {large // small}; wall {wall_l:.3f} s vs {wall_s:.3f} s "
                     f"(ratio {wall_l / wall_s:.2f})")]
