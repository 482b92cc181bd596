"""The report's fixed words in Chinese and English (labels only: every number and name comes from the Result)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "report": ("指数报告", "Index report"),
    "headline": ("概览", "Headline"),
    "ranking": ("排名", "Ranking"),
    "charts": ("图表", "Charts"),
    "maps": ("地图", "Maps"),
    "framework": ("指标体系与权重", "Framework and weights"),
    "growth": ("增长", "Growth"),
    "analyses": ("分析", "Analyses"),
    "sensitivity": ("敏感性分析", "Sensitivity"),
    "profiles": ("单元画像", "Unit profiles"),
    "methodology": ("方法附录", "Methodology appendix"),
    "unit": ("单元", "Unit"),
    "units": ("单元", "units"),
    "groups": ("分组", "groups"),
    "name": ("名称", "Name"),
    "name_en": ("英文名", "English name"),
    "score": ("得分", "Score"),
    "rank": ("排名", "Rank"),
    "tier": ("梯队", "Tier"),
    "change": ("得分变化", "Change"),
    "rank_change": ("名次变化", "Rank change"),
    "weight": ("权重", "weight"),
    "effective_weight": ("有效权重", "effective weight"),
    "indicators": ("指标", "indicators"),
    "year": ("年份", "year"),
    "top": ("前列", "Top"),
    "heatmap_title": ("分指数得分与排名（{year}年）", "Sub-index scores and ranks ({year})"),
    "sunburst_title": ("指标体系（扇区大小 = 有效权重）", "Framework (area = effective weight)"),
    "growth_axis": ("增长率 %", "growth %"),
    "growth_title": ("{node}：{from_year}—{year}年增长", "{node}: growth {from_year}–{year}"),
    "median_rank": ("中位排名（5%–95%）", "median rank (5–95 %)"),
    "nominal_rank": ("名义排名", "nominal rank"),
    "sens_rank_title": ("排名的不确定性（{year}年）", "Rank uncertainty ({year})"),
    "sobol_axis": ("Sobol 指数", "Sobol index"),
    "sobol_title": ("各不确定输入对平均名次变动的 Sobol 指数（{year}年）",
                    "Sobol indices of the mean absolute rank shift ({year})"),
    "no_map": ("无地图", "No map"),
    "sort_hint": ("点击表头排序", "click a column header to sort"),
    "strongest": ("最强指标", "Strongest indicators"),
    "weakest": ("最弱指标", "Weakest indicators"),
    "raw": ("原始值", "Raw value"),
    "used": ("使用值", "Value used"),
    "measure_unit": ("单位", "Unit"),
    "flag": ("标记", "Flag"),
    "imputed": ("插补", "imputed"),
    "treated": ("离群处理", "treated"),
    "item": ("项目", "Item"),
    "normalised": ("标准化值", "Normalised"),
    "choose_unit": ("选择单元", "Choose a unit"),
    "typology": ("类型", "Typology"),
    "regression": ("回归", "Regression"),
    "boundaries": ("边界数据", "Boundaries"),
}


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en
