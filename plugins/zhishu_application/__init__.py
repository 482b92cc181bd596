"""zhishu_application: the 算力应用 (computing-power application) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``application``, nodes ``application_consumer`` and ``application_industry``,
indicators ``mobile_traffic`` (or its alternative ``mobile_traffic_from_annual``) and
``industrial_digitalisation``.

A data-only plugin: every specification is in ``application.toml`` (package data). See README.md.
"""

import zhishu

SPECS = zhishu.load_specs("application.toml", package=__name__)
register_indicators, register_subindices = zhishu.data_plugin(SPECS)
