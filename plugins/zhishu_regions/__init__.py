"""zhishu_regions: the unit set ``cn_provinces`` (31 mainland provinces, GB/T 2260 codes, NBS regions).

Hook implementations only; the table lives in :mod:`zhishu_regions.provinces`.
"""

import zhishu

from .provinces import unit_set


@zhishu.hookimpl
def register_unit_sets(register):
    register("cn_provinces", unit_set())
