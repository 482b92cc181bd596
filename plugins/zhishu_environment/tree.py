"""The 算力环境 (computing-power environment) part of CAICT's China Computing Power Development Index 2.0.

Plain data: the sub-index, its three second-level nodes and four indicators, and the raw variables the
indicators are derived from (name → (unit, meaning)). See README.md.
"""

from __future__ import annotations

import zhishu

#: raw source variables: name → (expected unit, what it is)
VARIABLES: dict[str, tuple[str, str]] = {
    "chinatelecom_egress_tbps": ("Tbps",
                                 "China Telecom's metro-network inter-provincial egress bandwidth in the region"),
    "chinamobile_egress_tbps": ("Tbps", "China Mobile's metro-network inter-provincial egress bandwidth in the region"),
    "chinaunicom_egress_tbps": ("Tbps", "China Unicom's metro-network inter-provincial egress bandwidth in the region"),
    "base_stations_5g": ("count (or 万个, the same unit as base_stations_4g)", "5G base stations in service at year end"),
    "base_stations_4g": ("count (or 万个, the same unit as base_stations_5g)", "4G base stations in service at year end"),
    "it_hardware_spending": ("亿元 (100M CNY)", "IT hardware spending"),
    "it_software_spending": ("亿元 (100M CNY)", "IT software spending"),
    "it_services_spending": ("亿元 (100M CNY)", "IT services spending"),
    "open_data_index": ("score", "Fudan University / DMG 中国开放数林指数 (open-data forest index) of the region"),
}

INDICATORS: tuple[zhishu.IndicatorSpec, ...] = (
    zhishu.IndicatorSpec(
        id="egress_bandwidth",
        name_zh="互联网省际出口带宽",
        name_en="Inter-provincial internet egress bandwidth",
        unit="Tbps",
        direction=1,
        parent="environment_network",
        formula="chinatelecom_egress_tbps + chinamobile_egress_tbps + chinaunicom_egress_tbps",
        description=(
            "Σ of the three basic operators' metro-network egress bandwidth (China Telecom + China Mobile + "
            "China Unicom), Tbps. Missing if any operator's value is missing."
        ),
    ),
    zhishu.IndicatorSpec(
        id="coverage_5g",
        name_zh="5G覆盖率",
        name_en="5G coverage",
        unit="%",
        direction=1,
        parent="environment_network",
        formula="base_stations_5g / base_stations_4g * percent",
        params={"percent": 100.0},
        description=(
            "5G base stations / 4G base stations × percent (100, so in %). Zero 4G base stations gives a missing "
            "value. Both counts in the same unit."
        ),
    ),
    zhishu.IndicatorSpec(
        id="it_spending",
        name_zh="IT支出规模",
        name_en="IT spending",
        unit="亿元",
        direction=1,
        parent="environment_investment",
        formula="it_hardware_spending + it_software_spending + it_services_spending",
        description="IT hardware + software + services spending, 亿元.",
    ),
    zhishu.IndicatorSpec(
        id="open_data_index",
        name_zh="数据开放数林指数",
        name_en="Open-data index",
        unit="score",
        direction=1,
        parent="environment_open_data",
        variable="open_data_index",
        description=(
            "The 中国开放数林指数 (Fudan University DMG lab) of the region: readiness, platform, data and use "
            "layers combined into one score, used as published."
        ),
    ),
)

SUBINDICES: tuple[zhishu.SubIndexSpec, ...] = (
    zhishu.SubIndexSpec(
        id="environment",
        name_zh="算力环境",
        name_en="Computing-power environment",
        children=("environment_network", "environment_investment", "environment_open_data"),
        description="Supporting force (辅助力): network, investment and open data.",
    ),
    zhishu.SubIndexSpec(
        id="environment_network",
        name_zh="网络环境",
        name_en="Network",
        children=("egress_bandwidth", "coverage_5g"),
    ),
    zhishu.SubIndexSpec(
        id="environment_investment",
        name_zh="算力投入",
        name_en="Investment",
        children=("it_spending",),
    ),
    zhishu.SubIndexSpec(
        id="environment_open_data",
        name_zh="数据开放",
        name_en="Open data",
        children=("open_data_index",),
    ),
)
