"""zhishu_environment: the 算力环境 (computing-power environment) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``environment``, nodes ``environment_network``, ``environment_investment``
and ``environment_open_data``, indicators ``egress_bandwidth``, ``coverage_5g``, ``it_spending`` and
``open_data_index``.

The hooks only register; the specifications live in :mod:`zhishu_environment.tree`. See README.md.
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
