"""zhishu_technology: the 算力技术 (computing-power technology) sub-index of CAICT's China Computing Power
Development Index 2.0 — sub-index ``technology``, nodes ``technology_innovation`` and ``technology_rd``,
indicators ``patent_applications``, ``patent_grants`` and ``rd_spending``.

A data-only plugin: every specification is in ``technology.toml`` (package data). See README.md.
"""

import zhishu

SPECS = zhishu.load_specs("technology.toml", package=__name__)
register_indicators, register_subindices = zhishu.data_plugin(SPECS)
