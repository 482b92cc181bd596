"""The report's sections as HTML fragments, each drawn from :class:`~zhishu_report.model.ReportData`."""

from __future__ import annotations

import attrs
import pandas as pd

import zhishu

from . import charts as ch
from .html import chart_div, esc, number, plain_table, rank, signed, table, td
from .model import ReportData, profiles
from .text import label


@attrs.define
class Section:
    anchor: str
    title: str
    body: str
    charts: list = attrs.field(factory=list)

    def html(self) -> str:
        return f'<section id="{esc(self.anchor)}"><h2>{esc(self.title)}</h2>\n{self.body}\n</section>'


def headline(data: ReportData, top: int = 5) -> Section:
    lang = data.lang
    r = data.ranking
    n_units, n_ind = len(r), len(data.indicators)
    n_nodes = sum(1 for i in data.items.values() if i.is_node)
    cards = [
        (str(data.year), label("year", lang)),
        (str(n_units), label("units", lang)),
        (str(n_ind), label("indicators", lang)),
        (str(len(data.subindices)), "分指数" if lang == "zh" else "sub-indices"),
        (str(n_nodes), "节点" if lang == "zh" else "aggregate nodes"),
    ]
    card_html = "".join(f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
                        for v, k in cards)
    leaders = ", ".join(f"{rank(row['rank'])}. {esc(row['name'])} ({number(row['score'])})"
                        for _, row in r.head(top).iterrows())
    compare = ""
    if data.compare_year is not None:
        compare = (f'<p class="note">{"变化对比" if lang == "zh" else "Changes are against"} '
                   f"{data.compare_year}.</p>")
    description = data.plan.config.index.description
    body = (f'<div class="cards">{card_html}</div>'
            f"<p><b>{esc(label('top', lang))} {min(top, n_units)}:</b> {leaders}</p>"
            + (f'<p class="note">{esc(description)}</p>' if description else "") + compare)
    return Section("headline", label("headline", lang), body)


def ranking_table(data: ReportData) -> Section:
    lang = data.lang
    r = data.ranking
    has_tier = "tier" in r
    has_en = lang == "zh" and (r["name_en"] != "").any()
    has_change = "change" in r
    headers = [label("rank", lang), label("name", lang)] + ([label("name_en", lang)] if has_en else [])
    numeric = [True, False] + ([False] if has_en else [])
    headers += [label("score", lang)] + ([label("tier", lang)] if has_tier else [])
    numeric += [True] + ([False] if has_tier else [])
    if has_change:
        headers += [f"{label('change', lang)} ({data.compare_year}→{data.year})", label("rank_change", lang)]
        numeric += [True, True]
    for node in data.subindices:
        headers += [data.name(node), f"{data.name(node)} {label('rank', lang)}"]
        numeric += [True, True]
    rows = []
    for _, row in r.iterrows():
        cells = [td(rank(row["rank"]), row["rank"], numeric=True), td(row["name"], row["name"])]
        if has_en:
            cells.append(td(row["name_en"], row["name_en"]))
        cells.append(td(number(row["score"]), row["score"], numeric=True))
        if has_tier:
            tier = "" if pd.isna(row["tier"]) else str(row["tier"])
            cells.append(td(tier, tier))
        if has_change:
            cells.append(td(signed(row["change"]), row["change"], numeric=True, raw_html=True))
            cells.append(td(signed(row["rank_change"], as_rank=True), row["rank_change"], numeric=True,
                            raw_html=True))
        for node in data.subindices:
            cells.append(td(number(row[f"{node}:score"]), row[f"{node}:score"], numeric=True))
            cells.append(td(rank(row[f"{node}:rank"]), row[f"{node}:rank"], numeric=True))
        rows.append(cells)
    note = (f'<p class="note">{esc(label("sort_hint", lang))}. '
            + ("得分保留两位小数仅用于显示；排名由未舍入的得分计算。" if lang == "zh" else
               "Scores are rounded to 2 decimals for display only; ranks come from unrounded scores.")
            + (" 名次变化为正表示上升。" if lang == "zh" else " A positive rank change is a rise.") + "</p>")
    return Section("ranking", label("ranking", lang), note + table(headers, rows, numeric, sortable=True,
                                                                    css_id="ranking-table"))


def charts_section(data: ReportData) -> Section:
    bar = ch.index_bar(data)
    heat = ch.subindex_heatmap(data)
    parts = [bar] + ([heat] if heat else [])
    return Section("charts", label("charts", data.lang), "\n".join(chart_div(c) for c in parts), parts)


def maps_section(data: ReportData, registries) -> tuple[Section, dict]:
    """The maps of the index and of each sub-index, or a sentence saying why there is none."""
    lang = data.lang
    unit_set = data.plan.config.index.unit_set
    geometry, why = zhishu.choose_geometry(
        [e.obj for e in registries.geometries.entries()], unit_set, list(data.ranking["unit"]))
    if geometry is None:
        body = f'<p class="note">{esc(label("no_map", lang))}: {esc(why)}.</p>'
        return Section("maps", label("maps", lang), body), {}
    main = ch.choropleth(data, geometry, data.root)
    small = [ch.choropleth(data, geometry, node, small=True) for node in data.subindices
             if f"{node}:score" in data.ranking]
    body = (chart_div(main) + '<div class="grid">' + "".join(chart_div(c) for c in small) + "</div>"
            f'<p class="note">{esc(label("boundaries", lang))}: {esc(geometry.name or geometry.id)} — '
            f"{esc(geometry.source)}; {esc(geometry.licence)}. {esc(why)}. "
            + ("灰色：无数据或不在本指数范围内。" if lang == "zh" else "Grey: no data or not in this index.")
            + "</p>")
    return Section("maps", label("maps", lang), body, [main, *small]), {geometry.id: geometry.feature_collection()}


def framework_section(data: ReportData) -> Section:
    chart = ch.weights_sunburst(data)
    lang = data.lang
    headers = [label("item", lang), "id", label("weight", lang), label("effective_weight", lang)]
    rows = []
    for item in data.items.values():
        indent = f"indent{min(item.level, 5)}"
        name = f"<b>{esc(item.name)}</b>" if item.is_node else esc(item.name)
        rows.append([td(name, item.name, raw_html=True, css=indent), td(item.id, item.id),
                     td(number(item.weight, 3), item.weight, numeric=True),
                     td(number(item.effective_weight, 4), item.effective_weight, numeric=True)])
    body = chart_div(chart) + table(headers, rows, [False, False, True, True])
    return Section("framework", label("framework", lang), body, [chart])


def analyses_section(data: ReportData) -> Section | None:
    """Growth (chart and group rows), typology and regression tables, for the analyses configured."""
    lang = data.lang
    parts, charts = [], []
    for name, method in data.plan.analyses.items():
        frame = data.result.analyses.get(name)
        if frame is None:
            continue
        if method.name == "growth":
            chart = ch.growth_bar(data, name, frame)
            rows = frame[frame["year"] == data.year]
            groups = rows[rows["kind"] == "group"]
            parts.append(f"<h3>{esc(label('growth', lang))}: {esc(name)}</h3>")
            if chart is not None:
                charts.append(chart)
                parts.append(chart_div(chart))
            if not groups.empty:
                parts.append(plain_table(groups.drop(columns=["kind", "unit"]), 2))
        elif method.name in ("typology", "regression"):
            rows = frame[frame["year"] == data.year] if "year" in frame else frame
            parts.append(f"<h3>{esc(label(method.name, lang))}: {esc(name)}</h3>" + plain_table(rows, 3))
    if not parts:
        return None
    return Section("analyses", label("analyses", lang), "\n".join(parts), charts)


def sensitivity_section(data: ReportData, ranks: pd.DataFrame, sobol: pd.DataFrame | None, info: str) -> Section:
    lang = data.lang
    rows = ranks[(ranks["node"] == data.root) & (ranks["year"] == data.year)]
    charts = [ch.sensitivity_ranks(data, rows)]
    if sobol is not None:
        bar = ch.sensitivity_sobol(data, sobol)
        if bar is not None:
            charts.append(bar)
    body = (f'<p class="note">{esc(info)}</p>' + "\n".join(chart_div(c) for c in charts)
            + plain_table(rows.drop(columns=["node"]).assign(
                name=rows["unit"].astype(str).map(data.unit_names)), 2))
    return Section("sensitivity", label("sensitivity", lang), body, charts)


def profiles_section(data: ReportData) -> Section:
    lang = data.lang
    units = list(data.ranking["unit"])
    options = "".join(f'<option value="{esc(u)}">{esc(data.unit_names.get(u, u))}</option>' for u in units)
    parts = [f'<label>{esc(label("choose_unit", lang))}: <select id="profile-select">{options}</select></label>']
    headers = [label("item", lang), label("score", lang), label("rank", lang), label("raw", lang),
               label("used", lang), label("measure_unit", lang), label("flag", lang)]
    numeric = [False, True, True, True, True, False, False]
    ranking = data.ranking.set_index("unit")
    for i, p in enumerate(profiles(data)):
        unit = p["unit"]
        names = {row[0]: row[1] for row in p["rows"]}
        rows = []
        for item, name, level, is_node, score, item_rank, of, raw, used, measure, flag in p["rows"]:
            indent = f"indent{min(int(level), 5)}"
            shown = f"<b>{esc(name)}</b>" if is_node else esc(name)
            of_text = f"/{of}" if not pd.isna(item_rank) else ""
            cells = [td(shown, name, raw_html=True, css=indent), td(number(score), score, numeric=True),
                     td(rank(item_rank) + of_text, item_rank, numeric=True)]
            if is_node:
                cells += [td("", ""), td("", ""), td("", ""), td("", "")]
            else:
                flag_html = (f'<span class="flag">{esc(label(flag, lang))}</span>' if flag in ("imputed", "treated")
                             else esc(flag))
                cells += [td(number(raw, 4), raw, numeric=True), td(number(used, 4), used, numeric=True),
                          td(measure, measure), td(flag_html, flag, raw_html=True)]
            rows.append(cells)
        strongest = ", ".join(esc(names[x]) for x in p["strongest"])
        weakest = ", ".join(esc(names[x]) for x in p["weakest"])
        score = ranking.loc[unit]
        parts.append(
            f'<div class="profile{" active" if i == 0 else ""}" id="profile-{esc(unit)}">'
            f"<h3>{esc(p['name'])} ({esc(unit)}): {esc(label('score', lang))} {number(score['score'])}, "
            f"{esc(label('rank', lang))} {rank(score['rank'])}/{len(units)}</h3>"
            f"<p><b>{esc(label('strongest', lang))}:</b> {strongest}<br>"
            f"<b>{esc(label('weakest', lang))}:</b> {weakest or '–'}</p>"
            + table(headers, rows, numeric) + "</div>")
    note = ("原始值为插补与离群处理前的数值；使用值为标准化所用的数值；插补或离群处理过的单元格已标记。" if lang == "zh" else
            "Raw: the value before imputation and outlier treatment; used: the value normalised. Imputed and "
            "treated cells are marked.")
    return Section("profiles", label("profiles", lang), f'<p class="note">{esc(note)}</p>' + "\n".join(parts))
