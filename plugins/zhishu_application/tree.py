"""The 算力应用 (computing-power application) part of CAICT's China Computing Power Development Index 2.0.

Plain data: the sub-index, its two second-level nodes, its two indicators plus one alternative
(``mobile_traffic_from_annual``, not in the default tree), and the raw variables the indicators are derived
from (name → (unit, meaning)). See README.md.
"""

from __future__ import annotations

import zhishu

#: raw source variables: name → (expected unit, what it is)
VARIABLES: dict[str, tuple[str, str]] = {
    "mobile_users": ("万户 (10k subscribers)", "mobile users at year end: the user base the DOU is measured over "
                     "(MIIT's DOU is per mobile-internet user, e.g. NBS 移动互联网用户 (万户); the paper says mobile "
                     "phone users)"),
    "mobile_dou_gb": ("GB per user per month", "DOU: average monthly mobile-internet traffic per user"),
    "mobile_traffic_annual": ("万GB (10k GB) per year", "mobile-internet access traffic in the year "
                              "(NBS 移动互联网接入流量 (万GB))"),
    "digitalisation_value_added": ("亿元 (100M CNY)", "value added of industrial digitalisation (产业数字化规模)"),
}

INDICATORS: tuple[zhishu.IndicatorSpec, ...] = (
    zhishu.IndicatorSpec(
        id="mobile_traffic",
        name_zh="移动互联网月均流量",
        name_en="Monthly mobile-internet traffic",
        unit="EB per month",
        direction=1,
        parent="application_consumer",
        formula="mobile_users * mobile_dou_gb * to_eb",
        params={"to_eb": 1e-5},
        description=(
            "Mobile users (万户) × DOU (GB per user per month) × to_eb: 1e4 users × GB / 1e9 GB per EB = 1e-5, "
            "giving EB per month."
        ),
    ),
    zhishu.IndicatorSpec(
        id="mobile_traffic_from_annual",
        name_zh="移动互联网月均流量（由年流量计算）",
        name_en="Monthly mobile-internet traffic (from annual traffic)",
        unit="EB per month",
        direction=1,
        parent="application_consumer",
        formula="mobile_traffic_annual / 12 * to_eb",
        params={"to_eb": 1e-5},
        description=(
            "Alternative to mobile_traffic: the year's mobile-internet access traffic (万GB, e.g. NBS 移动互联网接入"
            "流量) / 12 months × to_eb (1 EB = 1e9 GB = 1e5 万GB, so 1e-5), giving EB per month. Not in the "
            "default tree: a config chooses it with [nodes.application_consumer] children = "
            "[\"mobile_traffic_from_annual\"]."
        ),
    ),
    zhishu.IndicatorSpec(
        id="industrial_digitalisation",
        name_zh="产业数字化规模",
        name_en="Industrial digitalisation",
        unit="亿元",
        direction=1,
        parent="application_industry",
        variable="digitalisation_value_added",
        description=(
            "Value added from the output increase and efficiency gains that ICT products and services bring to "
            "other sectors (产业数字化), 亿元."
        ),
    ),
)

SUBINDICES: tuple[zhishu.SubIndexSpec, ...] = (
    zhishu.SubIndexSpec(
        id="application",
        name_zh="算力应用",
        name_en="Computing-power application",
        children=("application_consumer", "application_industry"),
        description="Pulling force (牵引力): consumer and industry use of computing power.",
    ),
    zhishu.SubIndexSpec(
        id="application_consumer",
        name_zh="消费应用水平",
        name_en="Consumer use",
        children=("mobile_traffic",),
    ),
    zhishu.SubIndexSpec(
        id="application_industry",
        name_zh="行业应用水平",
        name_en="Industry use",
        children=("industrial_digitalisation",),
    ),
)
