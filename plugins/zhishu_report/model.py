"""The numbers a report shows, taken from a :class:`zhishu.Result` as frames (no formatting, no rounding).

Everything here is read from the Result and its Plan: nothing is typed by hand. Rounding happens only when a
number is written into the HTML (see :mod:`zhishu_report.html`), after every rank was computed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

import zhishu

from .errors import ReportError

LANGS = ("zh", "en")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z .,'()\-&]*$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(str(text)))


@attrs.frozen(kw_only=True)
class Item:
    """One node or indicator of the tree, as the report names it."""

    id: str
    name: str
    level: int
    parent: str | None
    is_node: bool
    weight: float
    effective_weight: float


@attrs.frozen(kw_only=True)
class ReportData:
    """What every section of a report is drawn from."""

    result: Any = attrs.field(repr=False)
    lang: str
    year: int
    compare_year: int | None
    title: str
    items: Mapping[str, Item]  # tree order, root first
    subindices: tuple[str, ...]  # the root's children
    ranking: pd.DataFrame  # one row per unit with a score, best first
    unit_names: Mapping[str, str]
    tier_analysis: str | None

    @property
    def root(self) -> str:
        return self.result.root

    @property
    def plan(self):
        return self.result.plan

    def name(self, item: str) -> str:
        return self.items[item].name if item in self.items else item

    @property
    def indicators(self) -> list[str]:
        return [i for i, it in self.items.items() if not it.is_node]


def years_of(result) -> list[int]:
    return sorted(int(y) for y in pd.unique(result.scores.index.get_level_values("year")))


def choose_years(result, year: int | None, compare_year: int | None) -> tuple[int, int | None]:
    """The report's year (default: the last) and the year it is compared with (default: the one before it)."""
    years = years_of(result)
    if year is None:
        year = years[-1]
    elif year not in years:
        raise ReportError(f"--year {year}: the run has no scores for {year}; its years are "
                                 f"{', '.join(map(str, years))}")
    if compare_year is None:
        earlier = [y for y in years if y < year]
        compare_year = earlier[-1] if earlier else None
    elif compare_year not in years:
        raise ReportError(f"--compare-year {compare_year}: the run has no scores for {compare_year}; its "
                                 f"years are {', '.join(map(str, years))}")
    elif compare_year == year:
        raise ReportError(f"--compare-year {compare_year} is the report's year itself; choose an earlier "
                                 "or later year of the run")
    return year, compare_year


def item_name(plan, item: str, lang: str) -> str:
    if item in plan.nodes:
        node = plan.nodes[item]
        zh, en = node.name_zh, node.name_en
    else:
        spec = plan.indicators[item].spec
        zh, en = spec.name_zh, spec.name_en
    first, second = (zh, en) if lang == "zh" else (en, zh)
    return first or second or item


def english_name(unit: zhishu.UnitSpec) -> str:
    """A unit's English name: its name if it is Latin, else its first alias in Latin letters, else ''."""
    if _LATIN.match(unit.name or ""):
        return unit.name
    return next((a for a in unit.aliases if _LATIN.match(a) and not a.isupper()), "")


def unit_names(result, lang: str) -> dict[str, str]:
    """Display name of every unit: zh → the unit's name; en → its English name where one is known. Units
    that no unit set or ``[[units]]`` table describes (labels taken from the data) are named by their id."""
    names = {str(u): str(u) for u in result.units.index}
    if "name" in result.units:
        names.update({str(u): str(n) for u, n in result.units["name"].items() if isinstance(n, str) and n})
    for unit in result.plan.units:
        en = english_name(unit)
        names[unit.id] = (en or unit.name or unit.id) if lang == "en" else (unit.name or en or unit.id)
    return names


def tree_items(result, lang: str) -> dict[str, Item]:
    plan = result.plan
    weights = result.weights.set_index("node")
    items = {}
    for item in plan.tree_order():
        parent = plan.parent_of(item)
        w = weights.loc[item] if item in weights.index else None
        items[item] = Item(
            id=item, name=item_name(plan, item, lang), level=plan.level_of(item), parent=parent,
            is_node=item in plan.nodes,
            weight=float(w["weight"]) if w is not None else 1.0,
            effective_weight=float(w["effective_weight"]) if w is not None else 1.0,
        )
    return items


def tier_analysis(result, year: int) -> str | None:
    """The first configured ``tiers`` analysis of the root, if any."""
    for name, method in result.plan.analyses.items():
        table = result.analyses.get(name)
        if method.name == "tiers" and table is not None and (table["node"] == result.root).any():
            return name
    return None


def ranking(result, year: int, compare_year: int | None, names: Mapping[str, str],
            subindices: tuple[str, ...], tiers: str | None) -> pd.DataFrame:
    """One row per unit scored in ``year``: unit, name, name_en, score, rank, tier, every sub-index's score and
    rank (``<node>:score``, ``<node>:rank``) and the change against ``compare_year`` (``change``: score now
    minus then; ``rank_change``: rank then minus rank now, so that a positive number is a rise)."""
    plan = result.plan
    root = result.root
    scores = result.scores.xs(year, level="year")
    ranks = result.ranks.xs(year, level="year")
    en = {u.id: english_name(u) for u in plan.units}
    table = pd.DataFrame({"unit": scores.index.astype(str)})
    table["name"] = [names.get(u, u) for u in table["unit"]]
    table["name_en"] = [en.get(u, "") for u in table["unit"]]
    table["score"] = scores[root].to_numpy()
    table["rank"] = ranks[root].to_numpy()
    if tiers is not None:
        t = result.analyses[tiers]
        t = t[(t["node"] == root) & (t["year"] == year)].set_index("unit")["tier"]
        table["tier"] = table["unit"].map(t)
    for node in subindices:
        table[f"{node}:score"] = scores[node].to_numpy()
        table[f"{node}:rank"] = ranks[node].to_numpy()
    if compare_year is not None:
        before = result.scores.xs(compare_year, level="year")[root]
        before_rank = result.ranks.xs(compare_year, level="year")[root]
        table["score_before"] = table["unit"].map(before)
        table["rank_before"] = table["unit"].map(before_rank)
        table["change"] = table["score"] - table["score_before"]
        table["rank_change"] = table["rank_before"] - table["rank"]
    table = table[table["score"].notna()]
    return table.sort_values(["rank", "unit"], kind="stable").reset_index(drop=True)


def build(result, year: int | None = None, compare_year: int | None = None, lang: str = "zh") -> ReportData:
    if lang not in LANGS:
        raise ReportError(f"--lang {lang!r}: choose zh or en")
    year, compare_year = choose_years(result, year, compare_year)
    plan = result.plan
    items = tree_items(result, lang)
    subindices = tuple(plan.nodes[plan.root].children)
    names = unit_names(result, lang)
    tiers = tier_analysis(result, year)
    meta = plan.config.index
    zh, en = meta.name_zh, meta.name_en
    title = ((zh or en) if lang == "zh" else (en or zh)) or meta.id
    return ReportData(
        result=result, lang=lang, year=year, compare_year=compare_year, title=title, items=items,
        subindices=subindices, ranking=ranking(result, year, compare_year, names, subindices, tiers),
        unit_names=names, tier_analysis=tiers,
    )


# --------------------------------------------------------------------------------------------- profiles

PROFILE_COLUMNS = ("item", "name", "level", "is_node", "score", "rank", "of", "raw", "used", "unit", "flag")


def profiles(data: ReportData, n_best: int = 3) -> list[dict[str, Any]]:
    """Every ranked unit in the report's year, best first: each item's score and rank (and for indicators the
    raw value, the value used after imputation/treatment, its unit and flag) as rows of
    :data:`PROFILE_COLUMNS`, and its strongest and weakest indicators by rank among the units."""
    result = data.result
    items = list(data.items)
    indicators = data.indicators
    units = list(data.ranking["unit"])
    year_scores = result.scores.xs(data.year, level="year")
    scores = year_scores.reindex(index=units, columns=items).to_numpy(dtype="float64")
    ranks = result.ranks.xs(data.year, level="year").reindex(index=units, columns=items).to_numpy(dtype="float64")
    counts = year_scores[items].notna().sum().to_numpy()
    raw = result.raw.xs(data.year, level="year").reindex(index=units, columns=indicators).to_numpy(dtype="float64")
    used = result.data.xs(data.year, level="year").reindex(index=units, columns=indicators).to_numpy(dtype="float64")
    flags = result.flags.xs(data.year, level="year").reindex(index=units, columns=indicators).fillna("")
    flags = flags.astype(str).to_numpy()
    position = {ind: j for j, ind in enumerate(indicators)}
    meta = [(i, it.name, it.level, it.is_node, data.plan.indicators[i].spec.unit if not it.is_node else "")
            for i, it in data.items.items()]
    ind_columns = np.array([items.index(i) for i in indicators], dtype=int)
    out = []
    for u, unit in enumerate(units):
        rows = []
        for k, (item, name, level, is_node, measure) in enumerate(meta):
            j = position.get(item)
            rows.append((item, name, level, is_node, scores[u, k], ranks[u, k], int(counts[k]),
                         raw[u, j] if j is not None else np.nan, used[u, j] if j is not None else np.nan,
                         measure, flags[u, j] if j is not None else ""))
        ind_ranks = ranks[u, ind_columns]
        ranked = [indicators[j] for j in np.argsort(ind_ranks, kind="stable") if not np.isnan(ind_ranks[j])]
        out.append({
            "unit": unit,
            "name": data.unit_names.get(unit, unit),
            "rows": rows,
            "strongest": ranked[:n_best],
            "weakest": ranked[::-1][:n_best] if len(ranked) > n_best else [],
        })
    return out
