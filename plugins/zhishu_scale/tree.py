"""The 算力规模 (computing-power scale) part of CAICT's China Computing Power Development Index 2.0.

Plain data: the sub-index, its two second-level nodes and four indicators, and the raw variables the
indicators are derived from (name → (unit, meaning)). Every conversion constant is an indicator ``param`` so a
config can override it with ``[indicators.<id>] params = { … }``. See README.md for the reasoning behind each
default.
"""

from __future__ import annotations

import zhishu

#: raw source variables: name → (expected unit, what it is)
VARIABLES: dict[str, tuple[str, str]] = {
    "server_shipments": ("万台 (10k units) per year",
                         "general-purpose servers shipped (installed) in the region that year"),
    "server_avg_fp32_tflops": ("TFlops (FP32) per server",
                               "average FP32 peak compute of one server shipped that year"),
    "ai_server_shipments": ("万台 (10k units) per year",
                            "AI (accelerated) servers shipped (installed) in the region that year"),
    "ai_server_avg_fp16_tflops": ("TFlops (FP16) per server",
                                  "average FP16 peak compute of one AI server shipped that year"),
    "supercomputer_rmax": ("EFlops (FP64)", "Σ Rmax of the region's listed supercomputers (TOP500 / China HPC "
                           "TOP100); the `supercomputers` source produces it"),
    "datacenter_fp32_eflops": ("EFlops (FP32)", "compute installed in the region's data centres"),
    "ai_centre_fp16_eflops": ("EFlops (FP16)",
                              "compute installed in the region's intelligent computing centres (智算中心)"),
}

# 万台 × TFlops → EFlops: 1e4 servers × 1e12 Flops / 1e18 = 1e-2
TO_EFLOPS = 1e-2
# FP16 → FP32-equivalent: packed half precision runs at twice the FP32 rate on the same silicon (assumption)
FP16_TO_FP32 = 0.5
# FP64 → FP32-equivalent: FP32 runs at twice the FP64 rate on CPUs and HPC GPUs (assumption)
FP64_TO_FP32 = 2.0

INDICATORS: tuple[zhishu.IndicatorSpec, ...] = (
    zhishu.IndicatorSpec(
        id="general_compute",
        name_zh="基础算力",
        name_en="General-purpose compute",
        unit="EFlops (FP32)",
        direction=1,
        parent="scale_device",
        formula="rollsum(server_shipments * server_avg_fp32_tflops, 6) * to_eflops",
        params={"to_eflops": TO_EFLOPS},
        description=(
            "Server compute installed: Σ over the last six years (this one included) of servers shipped that "
            "year × that year's average FP32 compute per server. server_shipments in 万台, "
            "server_avg_fp32_tflops in TFlops; to_eflops = 1e-2 converts 万台 × TFlops to EFlops. Missing if any "
            "of the six years is missing."
        ),
    ),
    zhishu.IndicatorSpec(
        id="ai_compute",
        name_zh="智能算力",
        name_en="AI compute",
        unit="EFlops (FP32-equivalent)",
        direction=1,
        parent="scale_device",
        formula="rollsum(ai_server_shipments * ai_server_avg_fp16_tflops, 6) * to_eflops * fp16_to_fp32",
        params={"to_eflops": TO_EFLOPS, "fp16_to_fp32": FP16_TO_FP32},
        description=(
            "AI-server compute installed: Σ over the last six years of AI servers shipped (万台) × average FP16 "
            "compute per AI server (TFlops), × to_eflops (1e-2) to EFlops, × fp16_to_fp32 to FP32-equivalent. "
            "fp16_to_fp32 = 0.5 is an assumption (FP16 at twice the FP32 rate); CAICT does not publish its factor."
        ),
    ),
    zhishu.IndicatorSpec(
        id="supercomputing_compute",
        name_zh="超算算力",
        name_en="Supercomputing compute",
        unit="EFlops (FP32-equivalent)",
        direction=1,
        parent="scale_device",
        formula="max(supercomputer_rmax * to_eflops, if_absent) * fp64_to_fp32",
        params={"to_eflops": 1.0, "if_absent": 0.0, "fp64_to_fp32": FP64_TO_FP32},
        description=(
            "Σ Rmax (FP64) of the region's listed supercomputers, × to_eflops (1 for Rmax already in EFlops, as the "
            "supercomputers source gives it), × fp64_to_fp32 to FP32-equivalent (2.0: an assumption, FP32 at "
            "twice the FP64 rate; CAICT does not publish its factor). A region with no listed system (no value) "
            "counts as if_absent = 0 EFlops; set if_absent = nan to keep it missing instead."
        ),
    ),
    zhishu.IndicatorSpec(
        id="infrastructure_compute",
        name_zh="基础设施算力",
        name_en="Infrastructure compute (data centres + intelligent computing centres)",
        unit="EFlops (FP32-equivalent)",
        direction=1,
        parent="scale_infrastructure",
        formula="datacenter_fp32_eflops + ai_centre_fp16_eflops * fp16_to_fp32",
        params={"fp16_to_fp32": FP16_TO_FP32},
        description=(
            "Data-centre compute (EFlops, FP32) + intelligent-computing-centre compute (EFlops, FP16) × "
            "fp16_to_fp32 (0.5, the same assumption as ai_compute)."
        ),
    ),
)

SUBINDICES: tuple[zhishu.SubIndexSpec, ...] = (
    zhishu.SubIndexSpec(
        id="scale",
        name_zh="算力规模",
        name_en="Computing-power scale",
        children=("scale_device", "scale_infrastructure"),
        description="Productive force (生产力): compute installed in devices and in infrastructure.",
    ),
    zhishu.SubIndexSpec(
        id="scale_device",
        name_zh="计算设备算力",
        name_en="Device compute",
        children=("general_compute", "ai_compute", "supercomputing_compute"),
    ),
    zhishu.SubIndexSpec(
        id="scale_infrastructure",
        name_zh="基础设施算力",
        name_en="Infrastructure compute",
        children=("infrastructure_compute",),
    ),
)
