"""Goal 4 — config load linear in the number of indicators: ``load_config`` of the goal-3 tree with 10 × as
many indicators takes at most 10 × as long (no data is read). Judged on CPU seconds, the median of
:data:`TURNS` in-process runs of each size (5 before 2026-12-01 21:40): loading is single-threaded Python, so
its CPU time is its work, while the wall time of two runs minutes apart on a shared machine also measures how
busy the other users were; the wall ratio is printed too. The two sizes are loaded in turns (small, large,
small, …), so that both medians see the same states of the machine: its speed has been seen to change by 2 ×
within one process (``benchmarks/small.py``, ``_python_loop``), and timing all small loads before all large
ones once gave a ratio of 16 for a load whose cost per indicator was flat from 2,000 to 10,000 indicators."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from .harness import Row, median_wall_cpu
from .large_data import config_text


#: runs of each size, in turns. The cost per indicator is flat (call counts grow 9.8x from 1,000 to 10,000
#: indicators) and the fixed part of a load is ~1-2 ms, so the true ratio is just under 10 while one run's time
#: moves by +-20% on this machine: the median of 11 is a steadier estimate of the same ratio than that of 5
TURNS = 11


def goal_config(quick: bool) -> list[Row]:
    import zhishu

    small, large = (100, 1_000) if quick else (1_000, 10_000)
    walls: dict[int, list[float]] = {small: [], large: []}
    cpus: dict[int, list[float]] = {small: [], large: []}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for k in (small, large):
            paths[k] = Path(tmp) / f"k{k}.toml"
            paths[k].write_text(config_text(k, "unused.csv"), encoding="utf-8")
            zhishu.load_config(paths[k])  # warm
        for _ in range(TURNS):  # in turns: both sizes see the same states of the machine
            for k in (small, large):
                (wall, cpu), _ = median_wall_cpu(1, lambda: zhishu.load_config(paths[k]))
                walls[k].append(wall)
                cpus[k].append(cpu)
    (wall_l, cpu_l), (wall_s, cpu_s) = ((statistics.median(walls[k]), statistics.median(cpus[k])) for k in (large, small))
    return [Row(goal="4", case=f"load_config CPU seconds, {large:,} indicators vs {small:,}, median of {TURNS} each, "
                "in turns", ours=cpu_l,
                base=cpu_s, target=large / small, base_label=f"{small:,} indicators",
                note=f"linear: ratio <= {large // small}; wall {wall_l:.3f} s vs {wall_s:.3f} s "
                     f"(ratio {wall_l / wall_s:.2f})")]
