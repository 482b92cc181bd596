"""The 算力产业 (computing-power industry) part of CAICT's China Computing Power Development Index 2.0.

Plain data: the sub-index, its three second-level nodes and three indicators, and the raw variables the
indicators are derived from (name → (unit, meaning)). See README.md.
"""

from __future__ import annotations

import zhishu

#: raw source variables: name → (expected unit, what it is)
VARIABLES: dict[str, tuple[str, str]] = {
    "server_output": ("万台 (10k units)", "general-purpose servers produced in the region that year"),
    "ai_server_output": ("万台 (10k units)", "AI servers produced in the region that year"),
    "supercomputer_output": ("台 (units)", "supercomputers produced in the region that year"),
    "microprocessor_output": ("万块 (10k pieces)", "microprocessors (CPU, GPU, MCU …) produced"),
    "memory_chip_output": ("万块 (10k pieces)", "memory chips produced"),
    "other_ic_output": ("万块 (10k pieces)", "other integrated circuits produced"),
    "software_product_revenue": ("亿元 (100M CNY)", "software products revenue (软件产品收入)"),
    "system_integration_revenue": ("亿元 (100M CNY)", "information-system integration services revenue (信息系统集成服务)"),
    "it_consulting_revenue": ("亿元 (100M CNY)", "IT consulting services revenue (信息技术咨询服务)"),
    "data_processing_revenue": ("亿元 (100M CNY)", "data processing and operation services revenue (数据处理和运营服务)"),
    "embedded_software_revenue": ("亿元 (100M CNY)", "embedded-system software revenue (嵌入式系统软件)"),
    "ic_design_revenue": ("亿元 (100M CNY)", "IC design revenue (集成电路设计)"),
}

INDICATORS: tuple[zhishu.IndicatorSpec, ...] = (
    zhishu.IndicatorSpec(
        id="device_output",
        name_zh="计算设备产量",
        name_en="Computing-device output",
        unit="万台",
        direction=1,
        parent="industry_devices",
        formula="server_output + ai_server_output + supercomputer_output * units_to_10k",
        params={"units_to_10k": 1e-4},
        description=(
            "Servers + AI servers + supercomputers produced (personal computers excluded). Servers and AI "
            "servers in 万台; supercomputers in 台, × units_to_10k = 1e-4 to 万台. Missing if any term is missing: "
            "write 0 for none produced."
        ),
    ),
    zhishu.IndicatorSpec(
        id="ic_output",
        name_zh="集成电路产量",
        name_en="Integrated-circuit output",
        unit="万块",
        direction=1,
        parent="industry_chips",
        formula="microprocessor_output + memory_chip_output + other_ic_output",
        description="Microprocessors + memory chips + other integrated circuits produced, all in 万块.",
    ),
    zhishu.IndicatorSpec(
        id="software_revenue",
        name_zh="软件业务收入",
        name_en="Software business revenue",
        unit="亿元",
        direction=1,
        parent="industry_software",
        formula=(
            "software_product_revenue + system_integration_revenue + it_consulting_revenue"
            " + data_processing_revenue + embedded_software_revenue + ic_design_revenue"
        ),
        description=(
            "Software products + information-system integration + IT consulting + data processing and operation "
            "+ embedded-system software + IC design revenue, all in 亿元."
        ),
    ),
)

SUBINDICES: tuple[zhishu.SubIndexSpec, ...] = (
    zhishu.SubIndexSpec(
        id="industry",
        name_zh="算力产业",
        name_en="Computing-power industry",
        children=("industry_devices", "industry_chips", "industry_software"),
        description="Competitiveness (竞争力): output of computing devices, chips and software.",
    ),
    zhishu.SubIndexSpec(
        id="industry_devices",
        name_zh="计算设备",
        name_en="Computing devices",
        children=("device_output",),
    ),
    zhishu.SubIndexSpec(
        id="industry_chips",
        name_zh="计算芯片",
        name_en="Computing chips",
        children=("ic_output",),
    ),
    zhishu.SubIndexSpec(
        id="industry_software",
        name_zh="计算软件",
        name_en="Computing software",
        children=("software_revenue",),
    ),
)
