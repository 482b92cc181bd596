"""``growth``: growth of a node's score per unit, year on year or against a base year, and per group."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import pandas as pd

from . import common

COLUMNS = ["kind", "unit", "name", "group", "node", "year", "from_year", "score", "from_score", "change", "growth",
           "n"]


def unit_growth(frame: pd.DataFrame, to_years: Sequence[int], from_years: Sequence[int], factor: float):
    """Scores, base scores, change and growth for every unit (rows of ``frame``, units × years) and every
    pair (``to_years[i]``, ``from_years[i]``), as arrays of shape (units, pairs).

    ``change = s − s₀``; ``growth = (s / s₀ − 1) · factor``, missing where s₀ ≤ 0 (a ratio to a base that is not
    positive means nothing) or either score is missing.
    """
    s = frame[list(to_years)].to_numpy(dtype="float64")
    s0 = frame[list(from_years)].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(s0 > 0, (s / s0 - 1.0) * factor, np.nan)
    return s, s0, s - s0, growth


def group_growth(rows: pd.DataFrame, method: str, factor: float) -> pd.DataFrame:
    """Group rows from unit rows (columns group, year, score, from_score, growth), per (group, year).

    ``mean_score``: the growth of the group's mean score, ``mean(s) / mean(s₀) − 1``, both means over the
    group's units that have a score in both years (so that a unit with one missing year does not move the
    mean). ``mean_growth``: the unweighted mean of the units' growths, over the units whose growth is defined.
    ``score``, ``from_score`` and ``change`` are means over the same units; ``n`` counts them.
    """
    if method == "mean_score":
        used = rows["score"].notna() & rows["from_score"].notna()
    else:
        used = rows["growth"].notna()
    kept = rows[["score", "from_score", "growth"]].where(used, np.nan)
    kept = kept.assign(group=rows["group"].to_numpy(), year=rows["year"].to_numpy(), n=used.astype("int64"))
    grouped = kept.groupby(["group", "year"], sort=False)
    out = grouped[["score", "from_score"]].mean()
    out["n"] = grouped["n"].sum()
    out["change"] = out["score"] - out["from_score"]
    if method == "mean_score":
        base = out["from_score"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["growth"] = np.where(base > 0, (out["score"].to_numpy() / base - 1.0) * factor, np.nan)
    else:
        out["growth"] = grouped["growth"].mean()
    return out.reset_index()


@attrs.define(kw_only=True)
class Growth:
    """Growth of a node's score (default: the root) per unit and, with ``group``, per group of units."""

    node: str | None = None
    base_year: int | None = None
    percent: bool = True
    group: str | None = None
    group_method: str = attrs.field(default="mean_score", validator=common.one_of("mean_score", "mean_growth"))

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        issues = []
        problem = common.node_problem(self.node or plan.root, plan.tree_order())
        if problem:
            issues.append((common.param_path(where, "node"), problem))
        if self.base_year is not None and plan.years is not None:
            problem = common.year_problem(self.base_year, list(plan.years))
            if problem:
                issues.append((common.param_path(where, "base_year"), problem))
        if self.group is not None and plan.units:
            groups = list(dict.fromkeys(g for u in plan.units for g in u.groups))
            if self.group not in groups:
                issues.append((common.param_path(where, "group"), _group_message(self.group, groups)))
        return issues

    @common.located
    def run(self, result) -> pd.DataFrame:
        where = common.key_path(self, result)
        node = common.resolve_node(self.node, result, common.param_path(where, "node"))
        groups = None
        if self.group is not None:
            columns = [c for c in result.units.columns if c != "name"]
            if self.group not in columns:
                raise common.config_error(_group_message(self.group, columns), common.param_path(where, "group"))
            groups = result.units[self.group]
        to_years, from_years = self._pairs(common.run_years(result), where)
        units = common.units_in_order(result)
        frame = common.wide(result.scores[node], units)
        factor = 100.0 if self.percent else 1.0
        s, s0, change, growth = unit_growth(frame, to_years, from_years, factor)
        k = len(to_years)
        group_of = (np.repeat(groups.reindex(units).to_numpy(dtype=object), k) if groups is not None
                    else np.full(len(units) * k, None, dtype=object))
        rows = pd.DataFrame({
            "kind": "unit",
            "unit": np.repeat(np.asarray(units, dtype=object), k),
            "name": np.repeat(common.names_of(units, result), k),
            "group": group_of,
            "node": node,
            "year": np.tile(np.asarray(to_years, dtype="int64"), len(units)),
            "from_year": np.tile(np.asarray(from_years, dtype="int64"), len(units)),
            "score": s.ravel(),
            "from_score": s0.ravel(),
            "change": change.ravel(),
            "growth": growth.ravel(),
            "n": pd.array([pd.NA] * s.size, dtype="Int64"),  # counts units: only for group rows
        })
        if groups is None:
            return rows[COLUMNS]
        members = rows[pd.notna(rows["group"])]
        agg = group_growth(members, self.group_method, factor)
        pairs = dict(zip(to_years, from_years))
        order = {g: i for i, g in enumerate(pd.unique(groups.reindex(units).dropna()))}
        agg = agg.sort_values(["group", "year"], key=lambda c: c.map(order) if c.name == "group" else c,
                              kind="stable")
        group_rows = pd.DataFrame({
            "kind": "group",
            "unit": agg["group"].to_numpy(dtype=object),
            "name": agg["group"].to_numpy(dtype=object),
            "group": agg["group"].to_numpy(dtype=object),
            "node": node,
            "year": agg["year"].to_numpy(dtype="int64"),
            "from_year": agg["year"].map(pairs).to_numpy(dtype="int64"),
            "score": agg["score"].to_numpy(dtype="float64"),
            "from_score": agg["from_score"].to_numpy(dtype="float64"),
            "change": agg["change"].to_numpy(dtype="float64"),
            "growth": agg["growth"].to_numpy(dtype="float64"),
            "n": pd.array(agg["n"].to_numpy(dtype="int64"), dtype="Int64"),
        })
        return pd.concat([rows, group_rows], ignore_index=True)[COLUMNS]

    def _pairs(self, years: list[int], where: str) -> tuple[list[int], list[int]]:
        """(to_years, from_years): each year and the year before it in the run, or each year and base_year."""
        if self.base_year is None:
            if len(years) < 2:
                raise common.data_error(
                    f"growth needs at least two years, but this run covers only {years}; add earlier years to "
                    "index.years (or remove index.years to use every year in the data)",
                    where or "index.years")
            return years[1:], years[:-1]
        problem = common.year_problem(self.base_year, years)
        if problem:
            raise common.data_error(problem, common.param_path(where, "base_year"))
        others = [y for y in years if y != self.base_year]
        if not others:
            raise common.data_error(f"growth against base_year {self.base_year} needs another year, but this run "
                                    f"covers only {years}; add years to index.years",
                                    common.param_path(where, "base_year"))
        return others, [self.base_year] * len(others)


def _group_message(group: str, columns: Sequence[str]) -> str:
    if not columns:
        return (f"unknown group {group!r}: the units have no groups; give them groups in [[units]] "
                "(groups = { region = \"east\" }) or choose a unit set that has them (index.unit_set)")
    return common.unknown_message("group", group, list(columns))
