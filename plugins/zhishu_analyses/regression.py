"""``regression``: ordinary least squares of an external variable on a node's score, in one year."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd

from . import common

COLUMNS = ["node", "year", "source", "variable", "n", "slope", "intercept", "r_squared", "slope_se", "dropped",
           "summary"]


def ols(x, y) -> dict[str, float]:
    """Least squares fit of ``y = intercept + slope · x`` (x and y without missing values).

    With x̄, ȳ the means, Sxx = Σ(x − x̄)², Sxy = Σ(x − x̄)(y − ȳ): slope b = Sxy / Sxx, intercept a = ȳ − b·x̄,
    residuals e = y − a − b·x, R² = 1 − Σe² / Σ(y − ȳ)² (missing when every y is equal), and the standard error
    of the slope √(Σe² / (n − 2) / Sxx) (missing when n = 2). Needs n ≥ 2 and x not all equal.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    n = len(x)
    if n < 2:
        raise ValueError(f"a line needs at least 2 points, got {n}")
    xm, ym = x.mean(), y.mean()
    dx, dy = x - xm, y - ym
    sxx = float(dx @ dx)
    if sxx == 0:
        raise ValueError("every x is equal, so the slope is undefined")
    slope = float(dx @ dy) / sxx
    intercept = ym - slope * xm
    resid = y - intercept - slope * x
    sse = float(resid @ resid)
    sst = float(dy @ dy)
    r_squared = 1.0 - sse / sst if sst > 0 else math.nan
    slope_se = math.sqrt(sse / (n - 2) / sxx) if n > 2 else math.nan
    return {"n": n, "slope": slope, "intercept": float(intercept), "r_squared": r_squared, "slope_se": slope_se}


def sentence(node: str, variable: str, fit: dict, year: int, unit_label: str) -> str:
    """``+1 index point ≈ +128.5 亿元 of gdp (OLS over 31 units, 2022; R² = 0.87)``."""
    slope = fit["slope"]
    amount = ("+" if slope >= 0 else "−") + common.fmt_number(abs(slope))
    unit = f" {unit_label}" if unit_label else ""
    r2 = "n/a" if math.isnan(fit["r_squared"]) else f"{fit['r_squared']:.2f}"
    return f"+1 {node} point ≈ {amount}{unit} of {variable} (OLS over {fit['n']} units, {year}; R² = {r2})"


@attrs.define(kw_only=True)
class Regression:
    """OLS of a source variable (y, e.g. GDP) on a node's score (x) across units in one year; reports how
    much y goes with one more point of the score."""

    source: str
    variable: str
    node: str | None = None
    year: int | None = None
    unit_label: str = ""

    def config_issues(self, plan, where: str) -> list[tuple[str, str]]:
        issues = []
        problem = common.node_problem(self.node or plan.root, plan.tree_order())
        if problem:
            issues.append((common.param_path(where, "node"), problem))
        if self.source not in plan.sources:
            issues.append((common.param_path(where, "source"),
                           common.unknown_message("source", self.source, list(plan.sources))))
        if self.year is not None and plan.years is not None:
            problem = common.year_problem(self.year, list(plan.years))
            if problem:
                issues.append((common.param_path(where, "year"), problem))
        return issues

    @common.located
    def run(self, result) -> pd.DataFrame:
        where = common.key_path(self, result)
        path = lambda p: common.param_path(where, p)  # noqa: E731
        node = common.resolve_node(self.node, result, path("node"))
        year = common.resolve_year(self.year, result, path("year"))
        if self.source not in result.sources:
            raise common.config_error(common.unknown_message("source", self.source, list(result.sources)),
                                      path("source"))
        frame = result.sources[self.source]
        if self.variable not in frame.columns:
            raise common.config_error(
                common.unknown_message("variable", self.variable, [str(c) for c in frame.columns],
                                       scope=f"in source {self.source!r}"), path("variable"))
        values = frame[self.variable]
        in_year = values[values.index.get_level_values("year") == year].dropna()
        if in_year.empty:
            have = sorted({int(y) for y in values.dropna().index.get_level_values("year")})
            raise common.data_error(f"source {self.source!r} has no value of {self.variable!r} in {year}; it has "
                                    f"values in {have}; choose one of those years with year = …", path("year"))
        try:
            y = pd.Series(in_year.to_numpy(dtype="float64"), index=in_year.index.get_level_values("unit"))
        except (TypeError, ValueError):
            raise common.data_error(f"variable {self.variable!r} of source {self.source!r} is not numeric",
                                    path("variable")) from None
        units = common.units_in_order(result)
        x = result.scores[node].xs(year, level="year").reindex(units)
        y = y.groupby(level=0).first().reindex(units)
        both = x.notna() & y.notna()
        dropped = [u for u, ok in both.items() if not ok]
        try:
            fit = ols(x[both].to_numpy(), y[both].to_numpy())
        except ValueError as exc:
            raise common.data_error(
                f"cannot fit {self.variable!r} on {node!r} in {year}: {exc} ({int(both.sum())} unit(s) have both "
                "values); choose another year or node", where or "regression") from None
        return pd.DataFrame([{
            "node": node,
            "year": year,
            "source": self.source,
            "variable": self.variable,
            **fit,
            "dropped": ", ".join(map(str, dropped)),
            "summary": sentence(node, self.variable, fit, year, self.unit_label),
        }])[COLUMNS]
