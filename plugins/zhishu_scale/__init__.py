"""zhishu_scale: the 算力规模 (computing-power scale) sub-index of CAICT's China Computing Power Development
Index 2.0 — sub-index ``scale``, nodes ``scale_device`` and ``scale_infrastructure``, indicators
``general_compute``, ``ai_compute``, ``supercomputing_compute`` and ``infrastructure_compute``.

A data-only plugin: every specification is in ``scale.toml`` (package data). See README.md.
"""

import zhishu

SPECS = zhishu.load_specs("scale.toml", package=__name__)
register_indicators, register_subindices = zhishu.data_plugin(SPECS)
