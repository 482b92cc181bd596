"""zhishu_scale: the 算力规模 (computing-power scale) sub-index of CAICT's China Computing Power Development
Index 2.0 — sub-index ``scale``, nodes ``scale_device`` and ``scale_infrastructure``, indicators
``general_compute``, ``ai_compute``, ``supercomputing_compute`` and ``infrastructure_compute``.

The hooks only register; the specifications live in :mod:`zhishu_scale.tree`. See README.md.
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
