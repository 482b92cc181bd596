"""zhishu_application: the 算力应用 (computing-power application) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``application``, nodes ``application_consumer`` and ``application_industry``,
indicators ``mobile_traffic`` (or its alternative ``mobile_traffic_from_annual``) and
``industrial_digitalisation``.

The hooks only register; the specifications live in :mod:`zhishu_application.tree`. See README.md.
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
