"""``tiers``: sort units into tiers (梯队) by score cut-offs or by rank cut-offs, every year."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import pandas as pd

from . import common

COLUMNS = ["unit", "year", "name", "node", "score", "rank", "tier"]


def assign_tiers(values: np.ndarray, thresholds: Sequence[float], labels: Sequence[str], by: str) -> np.ndarray:
    """The tier label of each value (``None`` where the value is missing).

    ``by = "score"``: ``thresholds`` descend; a score ≥ ``thresholds[0]`` gets ``labels[0]``, else a score ≥
    ``thresholds[1]`` gets ``labels[1]`` … and a score below every threshold gets the last label.
    ``by = "rank"``: ``thresholds`` ascend; a rank ≤ ``thresholds[0]`` gets ``labels[0]``, else a rank ≤
    ``thresholds[1]`` gets ``labels[1]`` … and a rank beyond every threshold gets the last label.
    """
    values = np.asarray(values, dtype="float64")
    cuts = np.asarray(thresholds, dtype="float64")
    if by == "score":  # how many cut-offs lie above the score
        position = len(cuts) - np.searchsorted(cuts[::-1], values, side="right")
    else:  # how many rank cut-offs the rank has passed
        position = np.searchsorted(cuts, values, side="left")
    names = np.asarray(list(labels), dtype=object)
    out = names[np.clip(position, 0, len(names) - 1)]
    out[np.isnan(values)] = None
    return out


def _thresholds(instance, attribute, value) -> None:
    common.finite_items(instance, attribute, value)


@attrs.define(kw_only=True)
class Tiers:
    """Tiers of one node's scores (default: the root), e.g. the CAICT overall tiers: ≥ 40 and ≥ 20 points.

    With ``by = "rank"`` the thresholds are rank cut-offs instead, e.g. ``[6, 15]``: ranks 1–6, 7–15, 16 on.
    """

    node: str | None = None
    thresholds: tuple[float, ...] = attrs.field(default=(40.0, 20.0), validator=_thresholds)
    labels: tuple[str, ...] = ("第一梯队", "第二梯队", "第三梯队")
    by: str = attrs.field(default="score", validator=common.one_of("score", "rank"))

    def __attrs_post_init__(self) -> None:
        t = list(self.thresholds)
        if len(self.labels) != len(t) + 1:
            raise ValueError(f"labels must have one entry more than thresholds ({len(t) + 1} for {len(t)} "
                             f"threshold{'s' if len(t) != 1 else ''}), got {len(self.labels)}: the last label is "
                             "the tier below every threshold")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"labels must differ from each other, got {list(self.labels)}")
        if self.by == "score" and any(a <= b for a, b in zip(t, t[1:])):
            raise ValueError(f"thresholds must descend (best tier first) when by = \"score\", got {t}")
        if self.by == "rank":
            if any(a >= b for a, b in zip(t, t[1:])):
                raise ValueError(f"thresholds must ascend (best tier first) when by = \"rank\", got {t}")
            if any(v < 1 or v != int(v) for v in t):
                raise ValueError(f"rank thresholds must be whole numbers ≥ 1 (e.g. [6, 15]), got {t}")

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        problem = common.node_problem(self.node or plan.root, plan.tree_order())
        return [(common.param_path(where, "node"), problem)] if problem else []

    @common.located
    def run(self, result) -> pd.DataFrame:
        where = common.key_path(self, result)
        node = common.resolve_node(self.node, result, common.param_path(where, "node"))
        return tier_table(result, node, self.thresholds, self.labels, self.by)


def tier_table(result, node: str, thresholds, labels, by: str) -> pd.DataFrame:
    """unit, year, name, node, score, rank, tier; by year, then rank (missing last), then unit order."""
    scores = result.scores[node]
    ranks = result.ranks[node].reindex(scores.index)
    units = scores.index.get_level_values("unit")
    values = scores.to_numpy(dtype="float64")
    rank_values = ranks.to_numpy(dtype="float64", na_value=np.nan)
    table = pd.DataFrame({
        "unit": units,
        "year": scores.index.get_level_values("year").astype("int64"),
        "name": common.names_of(units, result),
        "node": node,
        "score": values,
        "rank": pd.array(rank_values, dtype="Float64").astype("Int64"),
        "tier": assign_tiers(rank_values if by == "rank" else values, thresholds, labels, by),
    })
    table = table.sort_values(["year", "rank"], kind="stable", na_position="last")
    return table.reset_index(drop=True)[COLUMNS]
