"""zhishu_regions: the unit set ``cn_provinces`` (31 mainland provinces, GB/T 2260 codes, NBS regions) and
boundaries for maps (the provinces of China; the world's countries by ISO 3166-1 alpha-3).

Hook implementations only; the table lives in :mod:`zhishu_regions.provinces`, the boundaries in
:mod:`zhishu_regions.geometries`.
"""

import zhishu


@zhishu.hookimpl
def register_unit_sets(register):
    from .provinces import unit_set  # hook bodies import: a run asks only for the kinds it uses

    register("cn_provinces", unit_set())


@zhishu.hookimpl
def register_geometries(register):
    from .geometries import geometries

    for geometry in geometries():
        register(geometry.id, geometry)
