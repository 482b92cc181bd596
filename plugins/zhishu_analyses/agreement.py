"""``agreement``: how well a node's ranking agrees with a reference ordering (e.g. a published ranking).

Kendall's τ-b and Spearman's ρ over the units of the reference that have a score, computed here with numpy.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd
import zhishu

from . import common

COLUMNS = ["row", "node", "year", "n", "kendall_tau", "spearman_rho", "missing", "unit", "name",
           "reference_position", "rank", "overall_rank", "shift"]


def kendall_tau_b(x, y) -> float:
    """Kendall's τ-b of two equally long sequences (ties allowed; higher or lower, both read the same way).

    Over the n₀ = n(n − 1)/2 pairs: τ-b = (n_c − n_d) / √((n₀ − t_x)(n₀ − t_y)), where n_c and n_d count the
    concordant and discordant pairs and t_x, t_y the pairs tied in x and in y. Missing when one sequence is
    constant.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    n = len(x)
    upper = np.triu_indices(n, 1)
    sx = np.sign(x[:, None] - x[None, :])[upper]
    sy = np.sign(y[:, None] - y[None, :])[upper]
    n0 = n * (n - 1) / 2
    tx, ty = float((sx == 0).sum()), float((sy == 0).sum())
    denominator = math.sqrt((n0 - tx) * (n0 - ty))
    return float((sx * sy).sum()) / denominator if denominator > 0 else math.nan


def average_ranks(x) -> np.ndarray:
    """Ranks 1…n of ``x`` ascending; tied values share the mean of their ranks."""
    return pd.Series(np.asarray(x, dtype="float64")).rank(method="average").to_numpy()


def spearman_rho(x, y) -> float:
    """Spearman's ρ: the Pearson correlation of the average ranks of x and of y (= 1 − 6Σd² / (n(n² − 1))
    without ties). Missing when one sequence is constant."""
    rx, ry = average_ranks(x), average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry) / denominator if denominator > 0 else math.nan


def _show(instance, attribute, value) -> None:
    if value < 0:
        raise ValueError(f"show must be 0 or more (how many units that move most to list), not {value}")


def _reference(instance, attribute, value) -> None:
    if len(value) < 2:
        raise ValueError(f"reference must list at least 2 units, best first, got {list(value)}")


@attrs.define(kw_only=True)
class Agreement:
    """Kendall's τ-b and Spearman's ρ between a node's ranking and ``reference`` (unit ids, names or aliases,
    best first), and the units whose position differs most."""

    reference: tuple[str, ...] = attrs.field(validator=_reference)
    node: str | None = None
    year: int | None = None
    show: int = attrs.field(default=5, validator=_show)

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        issues = []
        problem = common.node_problem(self.node or plan.root, plan.tree_order())
        if problem:
            issues.append((common.param_path(where, "node"), problem))
        if self.year is not None and plan.years is not None:
            problem = common.year_problem(self.year, list(plan.years))
            if problem:
                issues.append((common.param_path(where, "year"), problem))
        if plan.units:  # without [[units]] or a unit set, the units are only known once the data are read
            _, problems = common.match_labels(self.reference, common.label_lookup(plan.units))
            issues.extend((f"{common.param_path(where, 'reference')}[{i}]", m) for i, m in problems)
        return issues

    @common.located
    def run(self, result) -> pd.DataFrame:
        where = common.key_path(self, result)
        node = common.resolve_node(self.node, result, common.param_path(where, "node"))
        year = common.resolve_year(self.year, result, common.param_path(where, "year"))
        lookup = common.label_lookup(result.plan.units, common.unit_names(result))
        ids, problems = common.match_labels(self.reference, lookup)
        if problems:
            path = common.param_path(where, "reference")
            raise zhishu.ConfigError([zhishu.Issue(m, f"{path}[{i}]") for i, m in problems])
        scores = result.scores[node].xs(year, level="year").reindex(ids)
        present = scores.notna().to_numpy()
        missing = [u for u, ok in zip(ids, present) if not ok]
        if present.sum() < 2:
            raise common.data_error(
                f"agreement needs at least 2 reference units with a {node!r} score in {year}; "
                f"{int(present.sum())} of {len(ids)} have one", where or "agreement")
        used = [u for u, ok in zip(ids, present) if ok]
        # positions count only the reference units that have a score, so that both orderings rank the same units
        reference_rank = np.arange(1, len(used) + 1, dtype="float64")
        values = scores[used].to_numpy(dtype="float64")
        rank = pd.Series(-values).rank(method="min").to_numpy()  # 1 = best among the reference units
        tau = kendall_tau_b(reference_rank, -values)
        rho = spearman_rho(reference_rank, -values)
        overall = result.ranks[node].xs(year, level="year").reindex(used).to_numpy(dtype="float64", na_value=np.nan)
        summary = pd.DataFrame([{
            "row": "summary", "node": node, "year": year, "n": len(used), "kendall_tau": tau,
            "spearman_rho": rho, "missing": ", ".join(missing),
        }])
        shift = reference_rank - rank
        units = pd.DataFrame({
            "row": "unit",
            "node": node,
            "year": year,
            "unit": np.asarray(used, dtype=object),
            "name": common.names_of(used, result),
            "reference_position": reference_rank,
            "rank": rank,
            "overall_rank": overall,
            "shift": shift,
            "_order": np.abs(shift),
        })
        units = units[units["shift"] != 0].sort_values(["_order", "reference_position"], ascending=[False, True],
                                                       kind="stable").head(self.show)
        table = pd.concat([summary, units.drop(columns="_order")], ignore_index=True)
        for col in ("n", "reference_position", "rank", "overall_rank", "shift", "year"):
            table[col] = pd.array(table[col].to_numpy(dtype="float64"), dtype="Float64").astype("Int64")
        return table[COLUMNS]
