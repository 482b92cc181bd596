"""``typology``: supply-driven (供给驱动型), demand-pulled (需求拉动型) or coordinated (协同发展型) units.

The CAICT white paper names the three types (supply: large scale and industry, good environment; demand:
strong consumer and industry application) but publishes no rule. This is zhishu's operationalisation:

1. each supply and demand node's score is divided by that node's mean over the units that year
   (``relative = true``), so 1 means "as strong as the average unit" whatever the node's scale;
2. s = mean of the supply nodes' relative scores, d = mean of the demand nodes' relative scores;
3. r = s / d: r > 1 + threshold → supply-driven, r < 1 − threshold → demand-pulled, otherwise coordinated;
4. with ``min_score``, units whose score on ``node`` (default: the root) is below it, or missing, are
   "not classified" (未分类).
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd
import zhishu

from . import common

COLUMNS = ["unit", "year", "name", "node", "score", "supply", "demand", "ratio", "type", "type_en"]

TYPES = {
    "supply": ("供给驱动型", "supply-driven"),
    "demand": ("需求拉动型", "demand-pulled"),
    "coordinated": ("协同发展型", "coordinated"),
    "unclassified": ("未分类", "not classified"),
}


def relative(X: pd.DataFrame) -> pd.DataFrame:
    """Each column divided by its mean over the units with a value, within each year."""
    means = X.groupby(level="year", sort=False).transform("mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        return X / means


def classify(ratio: np.ndarray, threshold: float) -> np.ndarray:
    """"supply" where ratio > 1 + threshold, "demand" where ratio < 1 − threshold, "coordinated" between,
    ``None`` where the ratio is missing."""
    ratio = np.asarray(ratio, dtype="float64")
    kind = np.where(ratio > 1 + threshold, "supply", np.where(ratio < 1 - threshold, "demand", "coordinated"))
    kind = kind.astype(object)
    kind[np.isnan(ratio)] = None
    return kind


def _threshold(instance, attribute, value) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"threshold must be in [0, 1) (the ratio band around 1 counted as coordinated), "
                         f"not {value!r}")


def _nodes(instance, attribute, value) -> None:
    if not value:
        raise ValueError(f"{attribute.name} must name at least one node")
    if len(set(value)) != len(value):
        raise ValueError(f"{attribute.name} names a node twice: {list(value)}")


@attrs.define(kw_only=True)
class Typology:
    """Supply-driven, demand-pulled or coordinated, from the ratio of supply to demand sub-index scores."""

    supply: tuple[str, ...] = attrs.field(default=("scale", "industry", "environment"), validator=_nodes)
    demand: tuple[str, ...] = attrs.field(default=("application",), validator=_nodes)
    threshold: float = attrs.field(default=0.1, validator=_threshold)
    relative: bool = True
    min_score: float | None = attrs.field(default=None, validator=common.finite)
    node: str | None = None
    year: int | None = None

    def __attrs_post_init__(self) -> None:
        both = sorted(set(self.supply) & set(self.demand))
        if both:
            raise ValueError(f"{', '.join(map(repr, both))} cannot be both a supply and a demand node")

    def _named(self, root: str):
        yield "node", None, self.node or root
        for param in ("supply", "demand"):
            for i, nid in enumerate(getattr(self, param)):
                yield param, i, nid

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        issues = []
        for param, i, nid in self._named(plan.root):
            problem = common.node_problem(nid, plan.tree_order())
            if problem:
                issues.append((_path(where, param, i), problem))
        if self.year is not None and plan.years is not None:
            problem = common.year_problem(self.year, list(plan.years))
            if problem:
                issues.append((common.param_path(where, "year"), problem))
        return issues

    @common.located
    def run(self, result) -> pd.DataFrame:
        where = common.key_path(self, result)
        columns = list(result.scores.columns)
        problems = [(_path(where, p, i), common.node_problem(nid, columns))
                    for p, i, nid in self._named(result.plan.root)]
        issues = [zhishu.Issue(message, path) for path, message in problems if message]
        if issues:
            raise zhishu.ConfigError(issues)
        node = self.node or result.plan.root
        scores = result.scores
        if self.year is not None:
            year = common.resolve_year(self.year, result, common.param_path(where, "year"))
            scores = scores[scores.index.get_level_values("year") == year]
        sides = scores[list(self.supply) + list(self.demand)]
        _check_non_negative(sides, where)
        if self.relative:
            sides = relative(sides)
        s = sides[list(self.supply)].mean(axis=1, skipna=False).to_numpy()
        d = sides[list(self.demand)].mean(axis=1, skipna=False).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d > 0, s / d, np.where(s > 0, np.inf, np.nan))
        kind = classify(ratio, self.threshold)
        score = scores[node].to_numpy(dtype="float64")
        if self.min_score is not None:
            weak = ~(score >= self.min_score)  # missing scores are not classified either
            kind[weak] = "unclassified"
        units = scores.index.get_level_values("unit")
        table = pd.DataFrame({
            "unit": units,
            "year": scores.index.get_level_values("year").astype("int64"),
            "name": common.names_of(units, result),
            "node": node,
            "score": score,
            "supply": s,
            "demand": d,
            "ratio": ratio,
            "type": [TYPES[k][0] if k else None for k in kind],
            "type_en": [TYPES[k][1] if k else None for k in kind],
        })
        return table.sort_values("year", kind="stable").reset_index(drop=True)[COLUMNS]


def _path(where: str, param: str, i: int | None) -> str:
    path = common.param_path(where, param)
    return path if i is None else f"{path}[{i}]"


def _check_non_negative(X: pd.DataFrame, where: str) -> None:
    """Ratios of scores need scores ≥ 0 (z-scores, for instance, are not)."""
    negative = X.lt(0)
    if not negative.to_numpy().any():
        return
    stacked = X.where(negative).stack().dropna()
    cells = ", ".join(f"{node} of {unit} in {year} = {value:g}" for (unit, year, node), value in stacked.head(5).items())
    more = f" … ({len(stacked) - 5} more)" if len(stacked) > 5 else ""
    raise common.data_error(
        f"typology divides scores, so they must not be negative: {cells}{more}; normalise the supply and demand "
        "nodes' indicators to a non-negative scale (e.g. minmax with low = 0) instead of z-scores",
        where or "typology")
