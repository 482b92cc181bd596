"""zhishu_industry: the 算力产业 (computing-power industry) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``industry``, nodes ``industry_devices``, ``industry_chips`` and
``industry_software``, indicators ``device_output``, ``ic_output`` and ``software_revenue``.

The hooks only register; the specifications live in :mod:`zhishu_industry.tree`. See README.md.
"""

import zhishu

from .tree import INDICATORS, SUBINDICES


@zhishu.hookimpl
def register_indicators(register):
    for spec in INDICATORS:
        register(spec.id, spec)


@zhishu.hookimpl
def register_subindices(register):
    for spec in SUBINDICES:
        register(spec.id, spec)
