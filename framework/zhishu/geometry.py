"""Boundaries for maps: what the ``register_geometries`` hook registers, and which one fits a set of units.

A :class:`Geometry` is a GeoJSON FeatureCollection whose features carry a unit id as their ``id``, read lazily
from a file the plugin ships (maps are drawn only by reports, so a run never reads it). Features whose
``properties.context`` is true are drawn as context only (e.g. Taiwan, Hong Kong and Macao around the 31
mainland provinces); the collection's optional member ``lines`` holds line features drawn on top (e.g. the
South China Sea maritime boundary).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path

import attrs
from .classes import frozen


@frozen(kw_only=True)
class Geometry:
    """Boundaries for the units of one or more unit sets.

    :ivar id: the registered name, e.g. ``"cn_provinces"`` or ``"world_countries"``.
    :ivar path: the GeoJSON file (UTF-8) with one feature per unit, ``feature["id"]`` = the unit id.
    :ivar unit_sets: the unit sets (``[index] unit_set``) whose ids are these features' ids.
    :ivar id_scheme: what the ids are, e.g. ``"GB/T 2260"`` or ``"ISO 3166-1 alpha-3"``; a config without a
        unit set whose unit ids are all feature ids gets this geometry too.
    :ivar projection: the map projection a report uses (a plotly ``geo.projection.type``).
    :ivar source, licence: where the boundaries come from and under which licence, shown under every map.
    """

    id: str
    path: Path = attrs.field(converter=Path)
    name: str = ""
    unit_sets: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    id_scheme: str = ""
    projection: str = "mercator"
    source: str = ""
    licence: str = ""

    def feature_collection(self) -> dict:
        """The GeoJSON FeatureCollection (read once per process and path)."""
        return _read(str(self.path))

    def feature_ids(self) -> frozenset[str]:
        return frozenset(str(f.get("id")) for f in self.feature_collection()["features"])


@functools.lru_cache(maxsize=8)
def _read(path: str) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    return data


def choose_geometry(geometries: Iterable[Geometry], unit_set: str | None, unit_ids: Iterable[str],
                    ) -> tuple[Geometry | None, str]:
    """The geometry for a set of units, and why (or why none).

    A geometry that declares the config's unit set wins; otherwise the first whose features cover every unit
    id. Returns ``(None, reason)`` when none fits, naming the units no geometry has.
    """
    geometries = list(geometries)
    ids = [str(u) for u in unit_ids]
    if unit_set:
        for geometry in geometries:
            if unit_set in geometry.unit_sets:
                return geometry, f"geometry {geometry.id!r} is registered for unit set {unit_set!r}"
    best, best_missing = None, None
    for geometry in geometries:
        missing = [u for u in ids if u not in geometry.feature_ids()]
        if not missing:
            scheme = f" ({geometry.id_scheme})" if geometry.id_scheme else ""
            return geometry, f"every unit id is a feature of geometry {geometry.id!r}{scheme}"
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = geometry, missing
    if not geometries:
        return None, "no plugin registers any geometry (hook register_geometries)"
    shown = ", ".join(best_missing[:8]) + (" …" if len(best_missing) > 8 else "")
    where = f"unit set {unit_set!r}" if unit_set else "these units"
    return None, (f"no registered geometry fits {where}: the closest, {best.id!r}, has no boundary for "
                  f"{len(best_missing)} of {len(ids)} units ({shown})")
