"""The methodology appendix, generated from the Plan and the run's manifest: enough to redo the index.

The tree with each node's weighting and aggregator; each indicator's source, unit, direction, formula,
transform, normaliser, imputation and outlier treatment; the AHP matrices with their consistency; the input
files with their SHA-256; the plugins with their versions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .html import esc, number, table, td
from .model import ReportData
from .sections import Section


def _params(described: Mapping[str, Any] | None) -> str:
    """``method(k=v, …)`` from a Method.describe() dict."""
    if not described:
        return "–"
    params = described.get("params") or {}
    shown = {k: v for k, v in params.items() if v not in (None, [], {}, "")}
    if not shown:
        return described["method"]
    text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in shown.items())
    return f"{described['method']}({text})"


def _code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


def tree_table(data: ReportData, described: Mapping[str, Any]) -> str:
    zh = data.lang == "zh"
    headers = ["节点" if zh else "node", "id", "子项" if zh else "children", "赋权" if zh else "weighting",
               "聚合" if zh else "aggregator", "最低权重份额" if zh else "min share", "来源" if zh else "origin"]
    rows = []
    for node_id, node in described["nodes"].items():
        item = data.items[node_id]
        weighting = node["weighting"]
        if weighting["method"] == "ahp":  # the judgments are shown as matrices below
            shown = f"ahp ({weighting['params'].get('method', 'eigenvector')}; " + (
                "判断矩阵见下" if zh else "matrix below") + ")"
        else:
            shown = _params(weighting)
        rows.append([
            td(f"<b>{esc(item.name)}</b>", item.name, raw_html=True, css=f"nw indent{min(item.level, 5)}"),
            td(node_id, node_id, css="nw"), td(", ".join(node["children"])),
            td(_code(shown), raw_html=True), td(_code(_params(node["aggregator"])), raw_html=True, css="nw"),
            td(number(node["min_share"], 2), node["min_share"], numeric=True), td(node["origin"], css="nw"),
        ])
    return table(headers, rows, wrap=True)


def indicator_table(data: ReportData, described: Mapping[str, Any]) -> str:
    zh = data.lang == "zh"
    plan = data.plan
    headers = ["指标" if zh else "indicator", "id", "来源" if zh else "source", "单位" if zh else "unit",
               "方向" if zh else "direction", "公式 / 变量" if zh else "formula / variable",
               "分母" if zh else "denominator", "变换" if zh else "transform",
               "标准化" if zh else "normaliser", "插补" if zh else "imputation", "离群处理" if zh else "outliers"]
    rows = []
    only_source = next(iter(plan.sources)) if len(plan.sources) == 1 else None
    for ind_id, ind in described["indicators"].items():
        resolved = plan.indicators[ind_id]
        if ind["formula"]:
            formula = ind["formula"]
            if ind["params"]:
                formula += "; " + ", ".join(f"{k} = {v}" for k, v in ind["params"].items())
        else:
            formula = ind["variable"] or ind_id
        source = ind["source"] or only_source or ("any of: " + ", ".join(plan.sources))
        variables = ", ".join(sorted(resolved.variables))
        denominator = "–"
        if ind["denominator"]:
            denominator = ind["denominator"] + (f" × {ind['denominator_scale']:g}"
                                                if ind["denominator_scale"] != 1 else "")
        rows.append([
            td(data.name(ind_id), css="nw"), td(ind_id, css="nw"), td(f"{source} ({variables})"), td(ind["unit"] or "–"),
            td("+1" if ind["direction"] == 1 else "−1", ind["direction"], numeric=True),
            td(_code(formula), raw_html=True), td(denominator),
            td(_code(_params(ind["transform"])), raw_html=True), td(_code(_params(ind["normaliser"])), raw_html=True),
            td(_code(_params(ind["imputation"])), raw_html=True), td(_code(_params(ind["outliers"])), raw_html=True),
        ])
    return table(headers, rows, wrap=True)


def ahp_matrix(params: Mapping[str, Any], children: list[str]) -> list[list[float]] | None:
    """The pairwise comparison matrix as configured: ``matrix`` as written, or built from ``judgments``
    (``"a/b" = v``: a_ab = v, a_ba = 1/v, diagonal 1). None for group (experts) judgments."""
    if params.get("matrix"):
        return [list(map(float, row)) for row in params["matrix"]]
    judgments = params.get("judgments")
    if not judgments:
        return None
    index = {c: i for i, c in enumerate(children)}
    n = len(children)
    matrix = [[1.0 if i == j else float("nan") for j in range(n)] for i in range(n)]
    for key, value in judgments.items():
        a, _, b = key.partition("/")
        if a in index and b in index:
            matrix[index[a]][index[b]] = float(value)
            matrix[index[b]][index[a]] = 1.0 / float(value)
    return matrix


def ahp_tables(data: ReportData, described: Mapping[str, Any]) -> str:
    zh = data.lang == "zh"
    parts = []
    for node_id, report in data.result.weight_reports.items():
        if report.get("weighting") != "ahp":
            continue
        node = described["nodes"][node_id]
        children = node["children"]
        matrix = ahp_matrix(node["weighting"]["params"], children)
        weights = report.get("weights", {})
        facts = (f"λmax = {number(report.get('lambda_max'), 4)}, CI = {number(report.get('ci'), 4)}, "
                 f"RI = {number(report.get('ri'), 2)}, CR = {number(report.get('cr'), 4)} "
                 + ("（一致）" if zh and report.get("consistent") else "（不一致）" if zh else
                    "(consistent)" if report.get("consistent") else "(inconsistent)"))
        parts.append(f"<h3>{esc(data.name(node_id))} ({esc(node_id)})</h3><p>{esc(facts)}</p>")
        if matrix is None:
            parts.append('<p class="note">' + ("群组判断：见配置文件。" if zh else "group judgments: see the config.")
                         + "</p>")
            continue
        headers = [""] + [data.name(c) for c in children] + ["权重" if zh else "weight"]
        rows = []
        for child, row in zip(children, matrix):
            rows.append([td(data.name(child))] + [td(number(v, 3), v, numeric=True) for v in row]
                        + [td(number(weights.get(child), 4), weights.get(child), numeric=True)])
        parts.append(table(headers, rows, [False] + [True] * (len(children) + 1)))
    return "\n".join(parts) if parts else ('<p class="note">' + ("未使用层次分析法。" if zh else "No node is weighted by AHP.")
                                           + "</p>")


def provenance_tables(data: ReportData) -> str:
    zh = data.lang == "zh"
    manifest = data.result.manifest
    rows = []
    config = manifest.get("config")
    if config:
        rows.append([td("config"), td(config["path"]), td(_code(config["sha256"]), raw_html=True), td("")])
    for entry in manifest.get("inputs", []):
        rows.append([td("input"), td(entry["path"]), td(_code(entry["sha256"]), raw_html=True),
                     td(f"{entry.get('bytes', '')}", entry.get("bytes"), numeric=True)])
    files = table(["", "文件" if zh else "file", "SHA-256", "字节" if zh else "bytes"], rows,
                  [False, False, False, True], wrap=True)
    plugins = table(["插件" if zh else "plugin", "模块" if zh else "module", "发行包" if zh else "distribution",
                     "版本" if zh else "version"],
                    [[td(p["name"]), td(p["module"]), td(p["distribution"]), td(p["version"])]
                     for p in manifest.get("plugins", [])])
    run = (f"zhishu {manifest.get('zhishu_version', '?')}, Python {manifest.get('python', '?')}, "
           f"{manifest.get('started_at', '')}; seed {data.plan.seed}; "
           + ", ".join(f"{k} {v}" for k, v in manifest.get("libraries", {}).items()))
    return (f"<h3>{'数据来源' if zh else 'Data sources'}</h3>{files}"
            f"<h3>{'插件' if zh else 'Plugins'}</h3>{plugins}<p class=\"note\">{esc(run)}</p>")


def methodology_section(data: ReportData) -> Section:
    zh = data.lang == "zh"
    described = data.plan.describe()
    norm_year = data.plan.reference_year
    intro = ("标准化参照年份：" + str(norm_year) if norm_year else "每年分别标准化") if zh else (
        f"normalisation reference year: {norm_year}" if norm_year else "normalised within each year")
    body = "\n".join([
        f'<p class="note">{esc(intro)}; {"默认插补" if zh else "default imputation"} '
        f"{_code(_params(described['imputation']))}, {'默认离群处理' if zh else 'default outlier treatment'} "
        f"{_code(_params(described['outliers']))}.</p>",
        f"<h3>{'指标体系' if zh else 'The tree'}</h3>", tree_table(data, described),
        f"<h3>{'指标' if zh else 'Indicators'}</h3>", indicator_table(data, described),
        f"<h3>{'层次分析法判断矩阵' if zh else 'AHP judgment matrices'}</h3>", ahp_tables(data, described),
        provenance_tables(data),
    ])
    return Section("methodology", "方法附录" if zh else "Methodology appendix", body)
