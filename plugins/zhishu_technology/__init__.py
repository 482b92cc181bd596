"""zhishu_technology: the 算力技术 (computing-power technology) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``technology``, nodes ``technology_innovation`` and ``technology_rd``,
indicators ``patent_applications``, ``patent_grants`` and ``rd_spending``.

The hooks only register; the specifications live in :mod:`zhishu_technology.tree`. See README.md.
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
