"""The whole audit of one run: every table, the findings in words, and ``audit.md``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import consistency, correlation, first_order, frames, leave_one_out, stats

FINDING_COLUMNS = ["topic", "year", "node", "item", "value", "message"]
MIN_COVERAGE = 0.65  # COINr's t_avail / the JRC's usual minimum share of available data
GAP = 0.1  # an importance share this far from the weight is reported
LOO_SHOWN = 3  # the indicators whose removal moves ranks most, per year

TABLES = ("indicator_stats", "coverage_indicators", "coverage_units", "correlations", "correlation_flags",
          "cronbach", "pca", "pca_loadings", "consistency", "importance", "leave_one_out", "findings")


def audit(result) -> dict[str, pd.DataFrame]:
    """Every audit table of ``result`` by name (see docs/audit.md for each table's columns), the last being
    ``findings``: one row per problem found, with the sentence that ``audit.md`` prints."""
    tables: dict[str, pd.DataFrame] = {}
    tables["indicator_stats"] = stats.indicator_stats(result)
    tables["coverage_indicators"] = stats.coverage(result, "indicator")
    tables["coverage_units"] = stats.coverage(result, "unit")
    tables["correlations"] = correlation.correlations(result)
    tables["correlation_flags"] = correlation.correlation_flags(result, tables["correlations"])
    tables["cronbach"] = consistency.cronbach(result)
    tables["pca"], tables["pca_loadings"] = consistency.pca_tables(result)
    tables["consistency"] = consistency.consistency_summary(result, tables["cronbach"], tables["pca"])
    tables["importance"] = first_order.importance(result)
    tables["leave_one_out"] = leave_one_out.leave_one_out(result)
    tables["findings"] = findings(result, tables)
    return tables


def _num(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    text = f"{x:.{digits}f}" if abs(x) >= 0.01 or x == 0 else f"{x:.1g}"
    return text.replace("-", "−")


def _pct(x) -> str:
    return f"{100 * x:.0f} %"


def findings(result, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The problems the tables show, each as a sentence (columns :data:`FINDING_COLUMNS`)."""
    rows = []

    def add(topic, year, node, item, value, message):
        rows.append({"topic": topic, "year": year, "node": node, "item": item, "value": value,
                     "message": message})

    parent_of = result.plan.parent_of
    cov = tables["coverage_indicators"]
    for r in cov[cov["share_present"] < MIN_COVERAGE].itertuples():
        add("coverage", r.year, r.parent, r.indicator, r.share_present,
            f"indicator {r.indicator}: data for {_pct(r.share_present)} of units in {r.year} (< {_pct(MIN_COVERAGE)})")
    screening = result.manifest.get("screening") or {}
    for d in screening.get("dropped", []):
        add("coverage", d["year"], "", d["unit"], d["coverage"],
            f"unit {d['name']} ({d['unit']}) was screened out in {d['year']}: data for {_pct(d['coverage'])} of "
            f"indicators (< {_pct(screening['min_coverage'])}, [index] screen)")
    cu = tables["coverage_units"]
    for r in cu[cu["share_present"] < MIN_COVERAGE].itertuples():
        add("coverage", r.year, "", r.unit, r.share_present,
            f"unit {r.name} ({r.unit}): data for {_pct(r.share_present)} of indicators in {r.year} "
            f"(< {_pct(MIN_COVERAGE)}); {r.imputed} imputed")
    st = tables["indicator_stats"]
    raw, norm = st[st["dataset"] == "raw"], st[st["dataset"] == "normalised"]
    still = set(zip(norm.loc[norm["outlier_skew_kurtosis"], "year"], norm.loc[norm["outlier_skew_kurtosis"],
                                                                            "indicator"]))
    for r in raw[raw["outlier_skew_kurtosis"]].itertuples():
        after = ("; the normalised values are still outlying" if (r.year, r.indicator) in still
                 else "; the normalised values are within the limits")
        add("outliers", r.year, r.parent, r.indicator, r.skewness,
            f"indicator {r.indicator}: skewness {_num(r.skewness)}, kurtosis {_num(r.kurtosis)} in {r.year} "
            f"(|skew| > 2 and kurt > 3.5){after}")
    for r in raw[raw["zero_variance"]].itertuples():
        add("variation", r.year, r.parent, r.indicator, r.sd,
            f"indicator {r.indicator}: every unit has the same value in {r.year}; it cannot discriminate")
    for r in raw[raw["near_constant"] & ~raw["zero_variance"]].itertuples():
        add("variation", r.year, r.parent, r.indicator, r.share_same,
            f"indicator {r.indicator}: {_pct(r.share_same)} of units share one value in {r.year}")
    con = tables["consistency"]
    for r in con[con["alpha"] < consistency.ALPHA_THRESHOLD].itertuples():
        add("consistency", r.year, r.node, r.node, r.alpha,
            f"node {r.node}: Cronbach α = {_num(r.alpha)} < 0.7 in {r.year} ({r.k} children)")
    multi = con[con["eigen_above_1"].fillna(0) > 1]
    for r in multi.itertuples():
        add("consistency", r.year, r.node, r.node, r.first_share,
            f"node {r.node}: {r.eigen_above_1} principal components with eigenvalue > 1 in {r.year}; the first "
            f"explains {_pct(r.first_share)} of the variance")
    fl = tables["correlation_flags"]
    fl = fl[(fl["dataset"] == "normalised") & (fl["method"] == "pearson")]
    for r in fl.itertuples():
        if r.flag == "negative_parent":
            msg = f"{r.x} correlates negatively with its parent {r.node} (r = {_num(r.r)}) in {r.year}"
        elif r.flag == "negative_within":
            msg = f"{r.x} and {r.y} (both in {r.node}) correlate negatively (r = {_num(r.r)}) in {r.year}"
        elif r.flag == "redundant":
            msg = f"{r.x} and {r.y} (both in {r.node}) are nearly redundant (r = {_num(r.r)}) in {r.year}"
        else:
            msg = (f"{r.x} correlates more with {r.other_node} (r = {_num(r.r_other)}) than with its own parent "
                   f"{r.node} (r = {_num(r.r)}) in {r.year}")
        add(f"correlation:{r.flag}", r.year, r.node, r.x, r.r, msg)
    imp = tables["importance"]
    big = imp[imp["gap_s"].abs() >= GAP]
    for r in big.itertuples():
        word = "more" if r.gap_s > 0 else "less"
        add("importance", r.year, r.node, r.child, r.gap_s,
            f"{r.child} in {r.node}: weight {_num(r.weight)} but importance share {_num(r.s_share)} "
            f"(correlation ratio S = {_num(r.correlation_ratio)}, r² = {_num(r.r2)}) in {r.year}: it drives the "
            f"node {word} than its weight says")
    loo = tables["leave_one_out"]
    for year, group in loo.groupby("year", sort=True):
        for r in group.sort_values("mean_abs_shift", ascending=False, kind="stable").head(LOO_SHOWN).itertuples():
            add("leave_one_out", r.year, r.parent, r.indicator, r.mean_abs_shift,
                f"leaving out {r.indicator} ({r.parent}) moves the units of {result.plan.root} by "
                f"{r.mean_abs_shift:.2f} ranks on average in {r.year}, at most {r.max_abs_shift:g} "
                f"({r.unit_max_shift}: {r.rank_before} → {r.rank_after})")
    out = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    out["node"] = out["node"].fillna("").astype(str)
    return out


def markdown(result, tables: dict[str, pd.DataFrame], extra: list[str] | None = None) -> str:
    """``audit.md``: the headline numbers and every finding in words."""
    plan = result.plan
    index_id = getattr(getattr(plan.config, "index", None), "id", plan.root)
    years = frames.years(result)
    lines = [f"# Statistical audit: {index_id}", "",
             f"{len(result.units)} units, {result.raw.shape[1]} indicators, {len(plan.nodes)} aggregate nodes, "
             f"years {', '.join(map(str, years))}. Tables: one CSV each beside this file (docs/audit.md "
             "describes every column).", ""]
    con = tables["consistency"]
    lines += ["## Consistency per node", "", "| year | node | k | Cronbach α | first PC share | eigenvalues > 1 |",
              "|---|---|---|---|---|---|"]
    for r in con.itertuples():
        lines.append(f"| {r.year} | {r.node} | {r.k} | {_num(r.alpha)} | "
                     f"{_pct(r.first_share) if pd.notna(r.first_share) else 'n/a'} | "
                     f"{r.eigen_above_1 if pd.notna(r.eigen_above_1) else 'n/a'} |")
    lines.append("")
    found = tables["findings"]
    lines += ["## Findings", ""]
    if found.empty:
        lines.append("No problem found by the rules of docs/audit.md.")
    topics = {"coverage": "Data coverage", "outliers": "Outliers", "variation": "Variation",
              "consistency": "Internal consistency", "importance": "Importance versus weight",
              "leave_one_out": "Leaving one indicator out"}
    for topic, group in found.groupby(found["topic"].str.split(":").str[0], sort=False):
        lines += [f"### {topics.get(topic, 'Correlations')} ({len(group)})", ""]
        lines += [f"- {m}" for m in group["message"]]
        lines.append("")
    if extra:
        lines += extra
    return "\n".join(lines).rstrip() + "\n"
