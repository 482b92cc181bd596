"""One self-contained HTML page: inline CSS, inline plotly.js, inline GeoJSON, inline data; no URL to any host.

Numbers are rounded here, for display only (every rank was computed from unrounded scores); each table cell
also carries its full-precision value in ``data-v`` for sorting.
"""

from __future__ import annotations

import html as _html
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import plotly
import plotly.io as pio

from .charts import FONT, Chart

#: Plotly's geo subplots fetch a base-map topology from a CDN unless one is already in PlotlyGeoAssets; the
#: report draws its own boundaries, so an empty topology under every name plotly may ask for stops that fetch.
_LAYERS = ("land", "ocean", "lakes", "rivers", "countries", "subunits", "coastlines")
EMPTY_TOPOLOGY = {"type": "Topology", "arcs": [],
                  "objects": {k: {"type": "GeometryCollection", "geometries": []} for k in _LAYERS}}
TOPOLOGY_NAMES = [f"{scope}_{res}m" for scope in ("world", "usa", "europe", "asia", "africa", "north-america",
                                                   "south-america") for res in (110, 50)]

CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #2166ac; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
       font-family: %(font)s; font-size: 14px; }
header { background: #102a43; color: #fff; padding: 24px 32px; }
header h1 { margin: 0 0 6px; font-size: 26px; }
header p { margin: 0; color: #bcccdc; }
nav { position: sticky; top: 0; z-index: 10; background: #f0f4f8; border-bottom: 1px solid var(--line);
      padding: 6px 32px; font-size: 13px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
main { padding: 8px 32px 48px; max-width: 1280px; }
section { margin-top: 28px; }
h2 { border-bottom: 2px solid var(--accent); padding-bottom: 4px; font-size: 20px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.note { color: var(--muted); font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 150px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td { white-space: nowrap; } table.wrap td { white-space: normal; } table.wrap td.nw { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th.asc::after { content: " ▲"; } table.sortable th.desc::after { content: " ▼"; }
.up { color: #1a7f37; } .down { color: #b42318; }
.flag { background: #fff3c4; padding: 0 4px; border-radius: 3px; font-size: 11px; }
.scroll { overflow-x: auto; }
.chart { width: 100%%; min-height: 300px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 8px; }
.profile { display: none; } .profile.active { display: block; }
code { font-size: 12px; background: #f0f4f8; padding: 0 3px; border-radius: 3px; overflow-wrap: break-word; }
.indent1 { padding-left: 18px; } .indent2 { padding-left: 36px; } .indent3 { padding-left: 54px; }
.indent4 { padding-left: 72px; } .indent5 { padding-left: 90px; }
""" % {"font": FONT}

SCRIPT = """
(function () {
  function sortTable(th) {
    var table = th.closest('table'), body = table.tBodies[0], idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = !th.classList.contains('asc');
    table.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
    th.classList.add(asc ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[idx].getAttribute('data-v'), y = b.cells[idx].getAttribute('data-v');
      var nx = parseFloat(x), ny = parseFloat(y), c;
      if (x === '' || x === null) return 1; if (y === '' || y === null) return -1;
      c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y), 'zh');
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll('table.sortable th').forEach(function (th) {
    th.addEventListener('click', function () { sortTable(th); });
  });
  var select = document.getElementById('profile-select');
  if (select) select.addEventListener('change', function () {
    document.querySelectorAll('.profile').forEach(function (p) { p.classList.toggle('active', p.id === 'profile-' + select.value); });
  });
  var GEO = JSON.parse(document.getElementById('zhishu-geometries').textContent);
  var CHARTS = JSON.parse(document.getElementById('zhishu-charts').textContent);
  var config = {responsive: true, displaylogo: false};
  Promise.all(CHARTS.map(function (c) {
    var div = document.querySelector('[data-chart="' + c.name + '"]');
    c.figure.data.forEach(function (t) { if (c.geo && t.type === 'choropleth') t.geojson = GEO[c.geo]; });
    return Plotly.newPlot(div, c.figure.data, c.figure.layout, config);
  })).then(function () { window.zhishuReady = true; }, function (e) { window.zhishuError = String(e); console.error(e); });
})();
"""


# --------------------------------------------------------------------------------------------- cells


def esc(value: Any) -> str:
    return _html.escape("" if value is None else str(value), quote=True)


def is_missing(value: Any) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or bool(value != value)
    except (TypeError, ValueError):
        return False


def number(value: Any, digits: int = 2) -> str:
    """A number for display: ``digits`` decimals, "–" when missing."""
    if is_missing(value):
        return "–"
    return f"{float(value):,.{digits}f}"


def rank(value: Any) -> str:
    return "–" if is_missing(value) else str(int(value))


def signed(value: Any, digits: int = 2, as_rank: bool = False) -> str:
    if is_missing(value):
        return "–"
    v = float(value)
    text = f"{int(v):+d}" if as_rank else f"{v:+,.{digits}f}"
    css = "up" if v > 0 else "down" if v < 0 else ""
    return f'<span class="{css}">{text}</span>' if css else text


def td(display: str, sort_value: Any = None, numeric: bool = False, raw_html: bool = False, css: str = "") -> str:
    """A table cell; ``sort_value`` (full precision) goes into ``data-v`` for sorting."""
    v = "" if is_missing(sort_value) else sort_value
    classes = " ".join(c for c in ("n" if numeric else "", css) if c)
    cls = f' class="{classes}"' if classes else ""
    return f'<td{cls} data-v="{esc(v)}">{display if raw_html else esc(display)}</td>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] | None = None,
          sortable: bool = False, css_id: str = "", wrap: bool = False) -> str:
    numeric = numeric or [False] * len(headers)
    head = "".join(f'<th class="n">{esc(h)}</th>' if n else f"<th>{esc(h)}</th>" for h, n in zip(headers, numeric))
    body = "\n".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    classes = " ".join(c for c in ("sortable" if sortable else "", "wrap" if wrap else "") if c)
    ident = f' id="{esc(css_id)}"' if css_id else ""
    return (f'<div class="scroll"><table class="{classes}"{ident}><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}\n</tbody></table></div>")


def plain_table(frame, digits: int = 3) -> str:
    """Any analysis table as HTML, floats at ``digits`` decimals."""
    headers = [str(c) for c in frame.columns]
    numeric = [frame[c].dtype.kind in "fiu" for c in frame.columns]
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for v, n in zip(values, numeric):
            if n:
                cells.append(td(number(v, digits) if isinstance(v, float) else ("–" if is_missing(v) else str(v)),
                                v, numeric=True))
            else:
                cells.append(td("" if is_missing(v) else str(v), "" if is_missing(v) else str(v)))
        rows.append(cells)
    return table(headers, rows, numeric, sortable=True)


def chart_div(chart: Chart) -> str:
    return f'<div class="chart" data-chart="{esc(chart.name)}" style="height:{chart.height}px"></div>'


# --------------------------------------------------------------------------------------------- page


def _script_safe(json_text: str) -> str:
    """JSON text safe inside a <script> element: "</" (which would close it) written as "<\\/" (same JSON)."""
    return json_text.replace("</", "<\\/")


def _json_for_script(obj: Any) -> str:
    """``obj`` as JSON text safe inside a <script> element."""
    return _script_safe(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


def charts_json(charts: Sequence[Chart]) -> str:
    items = []
    for chart in charts:
        figure = pio.to_json(chart.figure, validate=False, remove_uids=True)
        items.append('{"name":%s,"geo":%s,"figure":%s}' % (json.dumps(chart.name), json.dumps(chart.geo), figure))
    return _script_safe("[" + ",".join(items) + "]")


def page(title: str, lang: str, nav: Sequence[tuple[str, str]], body: str, charts: Sequence[Chart],
         geometries: dict[str, dict]) -> str:
    """The whole document."""
    plotly_js = plotly.offline.get_plotlyjs().replace("</script", "<\\/script")
    preload = {"topojson": {name: EMPTY_TOPOLOGY for name in TOPOLOGY_NAMES}}
    links = "".join(f'<a href="#{esc(anchor)}">{esc(text)}</a>' for anchor, text in nav)
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        f"<script>window.PlotlyGeoAssets = {_json_for_script(preload)};</script>",
        f"<script>{plotly_js}</script>",
        "</head>",
        "<body>",
        f"<nav>{links}</nav>",
        body,
        f'<script type="application/json" id="zhishu-geometries">{_json_for_script(geometries)}</script>',
        f'<script type="application/json" id="zhishu-charts">{charts_json(charts)}</script>',
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])
