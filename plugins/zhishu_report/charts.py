"""The report's charts as plotly figures, each with a file-safe name (also the ``--figures`` file stem).

Maps are drawn from a registered :class:`zhishu.Geometry`; its GeoJSON is put into the page once and attached
to the map traces in the browser (see :mod:`zhishu_report.html`), so a figure only names it (``geo``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .model import ReportData
from .text import label

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
TIER_COLOURS = ("#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac")
BAR_COLOUR = "#2166ac"
NO_DATA = "#e0e0e0"
COLOURSCALE = "YlGnBu"


@attrs.frozen(kw_only=True)
class Chart:
    """A figure and the name of its file under ``figures/`` (and of its ``data-chart`` attribute)."""

    name: str
    figure: go.Figure
    geo: str | None = None  # the geometry whose GeoJSON the browser attaches to choropleth traces
    width: int = 900
    height: int = 500


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, height=height, font={"family": FONT, "size": 12},
                      margin={"l": 40, "r": 20, "t": 50, "b": 40}, paper_bgcolor="white", plot_bgcolor="white")
    return fig


def _fmt(values, digits: int = 2) -> list[str]:
    return ["" if pd.isna(v) else f"{v:.{digits}f}" for v in values]


def index_bar(data: ReportData) -> Chart:
    """The index score of every unit, best first, coloured by tier when a tiers analysis is configured."""
    table = data.ranking
    lang = data.lang
    fig = go.Figure()
    hover = "%{x}<br>" + label("score", lang) + " %{y:.2f}<br>" + label("rank", lang) + " %{customdata}<extra></extra>"
    if "tier" in table and table["tier"].notna().any():
        for i, tier in enumerate(pd.unique(table["tier"].dropna())):
            rows = table[table["tier"] == tier]
            fig.add_bar(x=rows["name"], y=rows["score"], name=str(tier), customdata=rows["rank"],
                        marker_color=TIER_COLOURS[i % len(TIER_COLOURS)], hovertemplate=hover)
    else:
        fig.add_bar(x=table["name"], y=table["score"], name=data.name(data.root), customdata=table["rank"],
                    marker_color=BAR_COLOUR, hovertemplate=hover, showlegend=False)
    fig.update_xaxes(categoryorder="array", categoryarray=list(table["name"]), tickangle=-60)
    fig.update_yaxes(title=label("score", lang), gridcolor="#eee")
    fig.update_layout(barmode="overlay", legend={"orientation": "h", "y": 1.08, "x": 0.6})
    title = f"{data.name(data.root)} ({data.year})"
    return Chart(name="bar-index", figure=_layout(fig, title, 480), width=1100, height=480)


def subindex_heatmap(data: ReportData) -> Chart | None:
    """Units (best first) × sub-indices: the score as colour, the rank as text."""
    nodes = [n for n in data.subindices if f"{n}:score" in data.ranking]
    if not nodes:
        return None
    table = data.ranking
    z = table[[f"{n}:score" for n in nodes]].to_numpy(dtype="float64")
    ranks = table[[f"{n}:rank" for n in nodes]].to_numpy(dtype="float64")
    text = [["" if np.isnan(r) else str(int(r)) for r in row] for row in ranks]
    height = max(360, 22 * len(table) + 120)
    fig = go.Figure(go.Heatmap(
        z=z, x=[data.name(n) for n in nodes], y=list(table["name"]), text=text, texttemplate="%{text}",
        colorscale=COLOURSCALE, colorbar={"title": {"text": label("score", data.lang)}},
        hovertemplate="%{y} · %{x}<br>" + label("score", data.lang) + " %{z:.2f}<br>" + label("rank", data.lang)
        + " %{text}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    title = label("heatmap_title", data.lang).format(year=data.year)
    return Chart(name="heatmap-subindices", figure=_layout(fig, title, height), width=900, height=height)


def weights_sunburst(data: ReportData) -> Chart:
    """The tree as a sunburst: each leaf sized by its effective weight (product of weights down from the root);
    the hover shows the nominal weight within the parent and the effective weight."""
    ids, labels, parents, values, custom = [], [], [], [], []
    for item in data.items.values():
        ids.append(item.id)
        labels.append(item.name)
        parents.append(item.parent or "")
        values.append(0.0 if item.is_node else item.effective_weight)
        custom.append([item.weight, item.effective_weight])
    lang = data.lang
    fig = go.Figure(go.Sunburst(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="remainder", customdata=custom,
        hovertemplate="%{label}<br>" + label("weight", lang) + " %{customdata[0]:.3f}<br>"
        + label("effective_weight", lang) + " %{customdata[1]:.3f}<extra></extra>",
        insidetextorientation="radial", maxdepth=-1,
    ))
    return Chart(name="sunburst-weights", figure=_layout(fig, label("sunburst_title", lang), 640), width=700,
                 height=640)


def _geo_lines(collection: Mapping[str, Any]) -> tuple[list, list]:
    lon: list = []
    lat: list = []
    for feature in collection.get("lines", []):
        geometry = feature["geometry"]
        parts = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]
        for part in parts:
            lon.extend([p[0] for p in part] + [None])
            lat.extend([p[1] for p in part] + [None])
    return lon, lat


def choropleth(data: ReportData, geometry, node: str, small: bool = False) -> Chart:
    """A map of one node's scores; units without a score and context features (e.g. Taiwan in the map of the
    31 mainland provinces) in grey; the geometry's lines (the South China Sea maritime boundary) on top."""
    collection = geometry.feature_collection()
    table = data.ranking
    column = "score" if node == data.root else f"{node}:score"
    rank_column = "rank" if node == data.root else f"{node}:rank"
    scored = table[table[column].notna()]
    have = set(scored["unit"])
    others = [str(f["id"]) for f in collection["features"] if str(f["id"]) not in have]
    lang = data.lang
    fig = go.Figure()
    fig.add_trace(go.Choropleth(
        locations=others, z=[0] * len(others), featureidkey="id", colorscale=[[0, NO_DATA], [1, NO_DATA]],
        showscale=False, marker_line_color="white", marker_line_width=0.4, hoverinfo="skip", name="",
    ))
    ranks = [("" if pd.isna(r) else str(int(r))) for r in scored[rank_column]]
    fig.add_trace(go.Choropleth(
        locations=list(scored["unit"]), z=list(scored[column]), featureidkey="id", colorscale=COLOURSCALE,
        text=list(scored["name"]), customdata=ranks, marker_line_color="white", marker_line_width=0.6,
        colorbar={"title": {"text": label("score", lang)}, "thickness": 12, "len": 0.7},
        hovertemplate="%{text}<br>" + label("score", lang) + " %{z:.2f}<br>" + label("rank", lang)
        + " %{customdata}<extra></extra>",
    ))
    lon, lat = _geo_lines(collection)
    if lon:
        fig.add_trace(go.Scattergeo(lon=lon, lat=lat, mode="lines", line={"width": 0.8, "color": "#666"},
                                    hoverinfo="skip", showlegend=False))
    if len(others) < 3 * len(have):  # the units are most of the map: fit it to them (and the context)
        fig.update_geos(visible=False, projection_type=geometry.projection, fitbounds="locations")
    else:  # a world map for some countries: show the whole world (without Antarctica), not only theirs
        fig.update_geos(visible=False, projection_type=geometry.projection, lataxis_range=[-58, 85])
    height = 320 if small else 560
    title = data.name(node) if small else f"{data.name(node)} ({data.year})"
    fig = _layout(fig, title, height)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return Chart(name=f"map-{node}", figure=fig, geo=geometry.id, width=460 if small else 900, height=height)


def growth_bar(data: ReportData, name: str, table: pd.DataFrame) -> Chart | None:
    """Growth of the node's score per unit (and per group) in the report's year."""
    rows = table[table["year"] == data.year]
    if rows.empty or rows["growth"].isna().all():
        return None
    units = rows[rows["kind"] == "unit"].sort_values("growth", ascending=False, na_position="last")
    groups = rows[rows["kind"] == "group"]
    lang = data.lang
    names = units["unit"].map(data.unit_names).fillna(units["name"])
    fig = go.Figure(go.Bar(x=names, y=units["growth"], name=label("units", lang), marker_color=BAR_COLOUR,
                           hovertemplate="%{x}: %{y:.2f}<extra></extra>"))
    if not groups.empty:
        fig.add_bar(x=groups["name"], y=groups["growth"], name=label("groups", lang), marker_color="#b2182b",
                    hovertemplate="%{x}: %{y:.2f}<extra></extra>")
    fig.update_xaxes(tickangle=-60)
    fig.update_yaxes(title=label("growth_axis", lang), gridcolor="#eee")
    from_year = int(rows["from_year"].iloc[0])
    title = label("growth_title", lang).format(node=data.name(str(rows["node"].iloc[0])), year=data.year,
                                               from_year=from_year)
    return Chart(name=f"growth-{name}", figure=_layout(fig, title, 420), width=1100, height=420)


def sensitivity_ranks(data: ReportData, ranks: pd.DataFrame) -> Chart:
    """Median rank with the 5–95 % interval per unit, and the nominal rank, best nominal rank first."""
    rows = ranks.sort_values("nominal_rank")
    names = rows["unit"].astype(str).map(data.unit_names).fillna(rows["unit"].astype(str))
    lang = data.lang
    fig = go.Figure()
    fig.add_scatter(x=rows["median_rank"], y=names, mode="markers", name=label("median_rank", lang),
                    marker={"color": BAR_COLOUR, "size": 8},
                    error_x={"type": "data", "symmetric": False, "array": rows["p95_rank"] - rows["median_rank"],
                             "arrayminus": rows["median_rank"] - rows["p05_rank"], "color": "#67a9cf"})
    fig.add_scatter(x=rows["nominal_rank"], y=names, mode="markers", name=label("nominal_rank", lang),
                    marker={"color": "#b2182b", "symbol": "diamond-open", "size": 9})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=label("rank", lang), gridcolor="#eee")
    height = max(360, 20 * len(rows) + 120)
    title = label("sens_rank_title", lang).format(year=data.year)
    return Chart(name="sensitivity-ranks", figure=_layout(fig, title, height), width=800, height=height)


def sensitivity_sobol(data: ReportData, sobol: pd.DataFrame) -> Chart | None:
    """First-order (S1) and total-order (ST) Sobol indices of each uncertain input, for the mean absolute rank
    shift of the report's year, with their 95 % confidence half-widths."""
    rows = sobol[(sobol["output"] == "mean_abs_rank_shift") & (sobol["year"] == data.year)]
    if rows.empty:
        return None
    lang = data.lang
    fig = go.Figure()
    fig.add_bar(x=rows["input"], y=rows["S1"], name="S1", marker_color="#67a9cf",
                error_y={"type": "data", "array": rows["S1_conf"]})
    fig.add_bar(x=rows["input"], y=rows["ST"], name="ST", marker_color="#2166ac",
                error_y={"type": "data", "array": rows["ST_conf"]})
    fig.update_layout(barmode="group")
    fig.update_yaxes(gridcolor="#eee", title=label("sobol_axis", lang))
    title = label("sobol_title", lang).format(year=data.year)
    return Chart(name="sensitivity-sobol", figure=_layout(fig, title, 400), width=800, height=400)
