"""Goal 4 — config load linear in the number of indicators: ``load_config`` of the goal-3 tree with 10 × as
many indicators takes at most 10 × as long (median of 3 in-process runs each; no data is read)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .harness import Row, median_of
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
            times[k], _ = median_of(3, lambda: zhishu.load_config(path))
    return [Row(goal="4", case=f"load_config, {large:,} indicators vs {small:,}, median of 3", ours=times[large],
                base=times[small], target=large / small, base_label=f"{small:,} indicators",
                note=f"linear: ratio <= {large // small}")]
