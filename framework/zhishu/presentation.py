"""Text views of a Plan, a Result and an AHP result: the lines ``zhishu run``, ``explain`` and ``ahp`` print.

They live here, not in the CLI, so that a notebook shows exactly what the command shows:
``print("\\n".join(zhishu.presentation.explain_lines(plan)))``. Every function returns data (a frame or a list
of lines) and never prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import ZhishuError

if TYPE_CHECKING:  # pragma: no cover
    from .ahp import AHPResult
    from .config.plan import Plan
    from .results import Result


# --------------------------------------------------------------------------------------------- a result


def top_table(result: Result, top: int, year: int | None = None) -> pd.DataFrame:
    """The best ``top`` units of a year (default: the latest): rank, name, the root's score, its children's
    scores and, when a tiers analysis of the root ran, the tier."""
    year = year if year is not None else int(result.scores.index.get_level_values("year").max())
    best = result.index_scores(year).head(top)
    plan = result.plan
    children = list(plan.nodes[plan.root].children)
    labels = {c: (plan.nodes[c].name_zh or c) if c in plan.nodes else (plan.indicators[c].spec.name_zh or c)
              for c in children}
    rows = result.scores.xs(year, level="year").loc[best.index]
    table = pd.DataFrame({
        "rank": best["rank"].astype("Int64"),
        "unit": [result.units["name"].get(u, u) for u in best.index],
        plan.root: best["score"].round(2),
        **{labels[c]: rows[c].round(2) for c in children},
    }, index=best.index)
    for analysis in result.analyses.values():
        if {"unit", "year", "tier"} <= set(analysis.columns):
            tiers = analysis[analysis["year"] == year].set_index("unit")["tier"]
            if "node" not in analysis.columns or (analysis["node"] == plan.root).all():
                table["tier"] = tiers.reindex(table.index)
                break
    return table.reset_index(drop=True)


def top_lines(result: Result, top: int, year: int | None = None) -> list[str]:
    """A title line (index name, year, how many) and the :func:`top_table` as aligned text."""
    meta = result.plan.config.index
    year = year if year is not None else int(result.scores.index.get_level_values("year").max())
    table = top_table(result, top, year)
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200,
                           "display.max_columns", 50):
        text = table.to_string(index=False)
    return [f"{meta.name_zh or meta.name_en or meta.id} — {year}, top {len(table)}", *text.splitlines()]


# --------------------------------------------------------------------------------------------- a plan


def plan_summary_lines(plan: Plan) -> list[str]:
    """The index's id and names, how it normalises, imputes and treats outliers, and its unit screen."""
    meta = plan.config.index
    norm = "per year" if plan.reference_year is None else f"fitted on {plan.reference_year}, applied to every year"
    lines = [f"{meta.id}: {meta.name_zh or ''} {meta.name_en or ''}".rstrip(),
             f"normalisation {norm}; imputation {plan.imputer.name}; outliers {plan.treatment.name}"]
    if meta.screen is not None:
        lines.append(f"screen: a unit is dropped in a year when fewer than {meta.screen.min_coverage:.0%} of its "
                     "indicators have data (before imputation)".replace("%", " %"))
    return lines


def screening_lines(screening: dict | None) -> list[str]:
    """The unit-years a ``[index] screen`` dropped (``result.manifest["screening"]``), on one line."""
    if not screening:
        return []
    dropped = screening["dropped"]
    share = f"{screening['min_coverage']:.0%}".replace("%", " %")
    if not dropped:
        return [f"screened out no unit: every unit has at least {share} of indicators with data in every year"]
    listed = ", ".join(f"{d['name']} {d['year']} ({d['coverage']:.0%})".replace("%)", " %)") for d in dropped)
    return [f"screened out {len(dropped)} unit-years below {share} of indicators: {listed}"]


#: what a data-driven weighting may raise when asked for weights without data (an empty frame)
_NEEDS_DATA = (ZhishuError, ValueError, ArithmeticError, LookupError)


def static_weights(plan: Plan) -> dict[tuple[str, str], float]:
    """``(node, child) → weight`` for every node whose weighting gives weights without data (equal, fixed,
    AHP …); data-driven weightings (entropy, CRITIC …) are left out."""
    static: dict[tuple[str, str], float] = {}
    for node in plan.nodes.values():
        empty = pd.DataFrame(columns=list(node.children), dtype="float64")
        try:
            weights = node.weighting.obj.weights(empty, {})
        except _NEEDS_DATA:  # a data-driven weighting needs the data
            continue
        static.update({(node.id, c): float(w) for c, w in weights.items()})
    return static


def explain_lines(plan: Plan) -> list[str]:
    """The tree, one line per node or indicator, indented by depth, with methods and static weights."""
    lines = []
    static = static_weights(plan)
    for item in plan.tree_order():
        depth = plan.level_of(item)
        parent = plan.parent_of(item)
        w = static.get((parent, item))
        weight = "" if parent is None else (f"w={w:.4f} " if w is not None else "w=(from data) ")
        pad = "  " * depth
        if item in plan.nodes:
            n = plan.nodes[item]
            name = " ".join(x for x in (n.name_zh, n.name_en) if x)
            share = f", min_share={n.min_share:g}" if n.min_share else ""
            label = f"{item} {name}".strip()
            lines.append(f"{pad}{weight}{label} [{n.aggregator.name} of {n.weighting.name}-weighted children{share}]")
        else:
            ind = plan.indicators[item]
            s = ind.spec
            name = " ".join(x for x in (s.name_zh, s.name_en) if x)
            how = f"= {s.formula}" if s.formula else f"variable {s.variable or s.id}"
            if ind.denominator:
                scale = f" × {ind.denominator_scale:g}" if ind.denominator_scale != 1 else ""
                how += f" / {ind.denominator}{scale}"
            direction = "+" if s.direction > 0 else "-"
            unit = f" ({s.unit})" if s.unit else ""
            label = f"{item} {name}".strip()
            lines.append(f"{pad}{weight}{label}{unit} [{direction}] {how}; {ind.normaliser.name} "
                         f"{_params(ind.normaliser)}".rstrip())
    return lines


def _params(method) -> str:
    params = method.resolved_params()
    return "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else ""


def _fact(key: str, value: Any) -> str:
    return f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"


def report_lines(plan: Plan) -> list[str]:
    """One line per node whose weighting reports diagnostics (AHP: λmax, CI, CR and the RI table)."""
    from .pipeline import weight_reports

    lines = []
    for nid, report in weight_reports(plan).items():
        facts = [_fact(k, v) for k, v in report.items()
                 if k not in ("weighting", "weights") and not isinstance(v, (dict, list))]
        lines.append(f"{nid}: {report['weighting']} " + ", ".join(facts))
        for expert in report.get("experts", []) or []:
            lines.append("  expert " + ", ".join(_fact(k, v) for k, v in expert.items()))
    return lines


# --------------------------------------------------------------------------------------------- AHP


def ahp_lines(result: AHPResult, source: str | None = None) -> list[str]:
    """The ``zhishu ahp`` report: weights largest first, λmax/CI/CR with the RI table, and a verdict that names
    the judgments to revisit when CR > 0.1."""
    from .ahp import CR_LIMIT, METHOD_LABELS, SAATY_RI, consistency_text, fmt

    weights = sorted(result.weights.items(), key=lambda kv: -kv[1])  # ties keep the items' order
    n = result.n
    where = f" from {source}" if source else ""
    lines = [f"AHP weights ({METHOD_LABELS[result.method]} method){where}, {n} item{'s' if n != 1 else ''}:"]
    width = max(len(str(k)) for k, _ in weights)
    lines.extend(f"  {rank:>3}  {str(key):<{width}}  {w:.4f}" for rank, (key, w) in enumerate(weights, 1))
    lines.append(consistency_text(result.to_dict()))
    if result.method == "geometric":
        lines.append("(λmax computed from the geometric-mean weights: the mean of (A w)_i / w_i)")
    if result.cr is None:
        lines.append(f"consistency NOT checked: group the items into sub-criteria of at most {max(SAATY_RI)} "
                     "(Saaty recommends 7 ± 2 per comparison)")
    elif result.consistent:
        lines.append(f"consistent: CR = {result.cr:.3f} ≤ {CR_LIMIT}")
    else:
        lines.append(f"INCONSISTENT: CR = {result.cr:.3f} > {CR_LIMIT}; revisit the judgments that deviate "
                     "most from the weights they produce:")
        lines.extend(f"  {e['judgment']} = {fmt(e['value'])}   (the weights imply {fmt(e['implied'])})"
                     for e in result.revisit)
    return lines
