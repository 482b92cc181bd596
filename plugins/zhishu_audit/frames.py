"""What every audit table reads from a :class:`zhishu.Result`: the tree, the values of one data set, years.

Data sets (the ``dataset`` column of the tables):

- ``raw``: the derived indicator values before imputation and outlier treatment, multiplied by each
  indicator's direction (so that higher is better, as after normalisation);
- ``normalised``: the normalised indicator values and every node's score (``result.scores``).

Nodes have scores only in ``normalised``; in ``raw`` a node is represented by its score too when an
indicator is compared with its parent or the root (the parent has no raw value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import zhishu

DATASETS = ("raw", "normalised")


def oriented_raw(result) -> pd.DataFrame:
    """``result.raw`` × each indicator's direction (+1 or −1)."""
    plan = result.plan
    directions = np.array([float(plan.indicators[c].spec.direction) for c in result.raw.columns])
    return pd.DataFrame(result.raw.to_numpy(dtype="float64") * directions, index=result.raw.index,
                        columns=result.raw.columns)


def values(result, dataset: str) -> pd.DataFrame:
    """The (unit, year) × items frame of ``dataset``: indicators (raw, oriented) or every item (normalised).

    In ``raw`` the nodes' scores are appended, so that an indicator can be compared with its parent."""
    check_dataset(dataset)
    if dataset == "normalised":
        return result.scores
    nodes = [c for c in result.scores.columns if c in result.plan.nodes]
    return pd.concat([oriented_raw(result), result.scores[nodes]], axis=1)


def check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise zhishu.ConfigError([zhishu.Issue(
            f"dataset must be one of {', '.join(map(repr, DATASETS))}, not {dataset!r}", "dataset")])


def years(result) -> list[int]:
    return sorted({int(y) for y in result.scores.index.get_level_values("year")})


def by_year(frame: pd.DataFrame):
    """(year, frame of that year indexed by unit) in ascending year order."""
    level = frame.index.get_level_values("year")
    for year in sorted(set(int(y) for y in level)):
        yield year, frame[level == year].droplevel("year")


def nodes_with_children(result) -> list[tuple[str, tuple[str, ...]]]:
    """(node, children) for every aggregate node, in pre-order (root first)."""
    return [(nid, tuple(node.children)) for nid, node in result.plan.nodes.items()]


def parent_of(result, item: str) -> str | None:
    return result.plan.parent_of(item)


def level_of(result, item: str) -> int:
    return int(result.plan.level_of(item))


def is_indicator(result, item: str) -> bool:
    return item in result.plan.indicators


def unit_names(result) -> pd.Series:
    units = result.units
    if "name" in units.columns:
        names = units["name"].astype(object)
        return names.where(names.notna() & (names.astype(str) != ""), pd.Series(units.index, index=units.index))
    return pd.Series(units.index, index=units.index)


def nominal_weights(result) -> pd.Series:
    """Each child's weight within its parent, indexed by (parent, node)."""
    w = result.weights
    return pd.Series(w["weight"].to_numpy(dtype="float64"), index=pd.MultiIndex.from_arrays(
        [w["parent"], w["node"]], names=["parent", "node"]))
