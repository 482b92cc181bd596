"""zhishu_industry: the 算力产业 (computing-power industry) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``industry``, nodes ``industry_devices``, ``industry_chips`` and
``industry_software``, indicators ``device_output``, ``ic_output`` and ``software_revenue``.

A data-only plugin: every specification is in ``industry.toml`` (package data). See README.md.
"""

import zhishu

SPECS = zhishu.load_specs("industry.toml", package=__name__)
register_indicators, register_subindices = zhishu.data_plugin(SPECS)
