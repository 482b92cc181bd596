"""zhishu_environment: the 算力环境 (computing-power environment) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``environment``, nodes ``environment_network``, ``environment_investment``
and ``environment_open_data``, indicators ``egress_bandwidth``, ``coverage_5g``, ``it_spending`` and
``open_data_index``.

A data-only plugin: every specification is in ``environment.toml`` (package data). See README.md.
"""

import zhishu

SPECS = zhishu.load_specs("environment.toml", package=__name__)
register_indicators, register_subindices = zhishu.data_plugin(SPECS)
