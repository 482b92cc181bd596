"""The 算力技术 (computing-power technology) part of CAICT's China Computing Power Development Index 2.0.

Plain data: the sub-index, its two second-level nodes and three indicators, and the raw variables the
indicators are derived from (name → (unit, meaning)). See README.md.
"""

from __future__ import annotations

import zhishu

#: raw source variables: name → (expected unit, what it is)
VARIABLES: dict[str, tuple[str, str]] = {
    "computing_patent_applications": ("件 (count) per year",
                                      "invention patent applications in computing filed that year"),
    "computing_patent_grants": ("件 (count) per year", "invention patents in computing granted that year"),
    "computer_manufacturing_rd": ("亿元 (100M CNY) per year", "R&D spending (R&D 经费内部支出) of above-scale "
                                  "computer-manufacturing enterprises in the region"),
}

INDICATORS: tuple[zhishu.IndicatorSpec, ...] = (
    zhishu.IndicatorSpec(
        id="patent_applications",
        name_zh="计算发明专利申请数",
        name_en="Computing invention patent applications (five years)",
        unit="件",
        direction=1,
        parent="technology_innovation",
        formula="rollsum(computing_patent_applications, 5)",
        description=(
            "Invention patent applications in computing filed over the last five years (this one included), from "
            "annual counts; missing if any of the five years is missing. CAICT reports this measure over five years "
            "(广东: about 60,000 applications)."
        ),
    ),
    zhishu.IndicatorSpec(
        id="patent_grants",
        name_zh="计算发明专利授权数",
        name_en="Computing invention patents granted (five years)",
        unit="件",
        direction=1,
        parent="technology_innovation",
        formula="rollsum(computing_patent_grants, 5)",
        description=(
            "Invention patents in computing granted over the last five years (this one included), from annual "
            "counts; missing if any of the five years is missing (广东: about 17,000 over five years)."
        ),
    ),
    zhishu.IndicatorSpec(
        id="rd_spending",
        name_zh="计算机制造业R&D经费",
        name_en="R&D spending of computer manufacturing",
        unit="亿元",
        direction=1,
        parent="technology_rd",
        variable="computer_manufacturing_rd",
        description="Σ R&D spending of the region's above-scale (规模以上) computer-manufacturing enterprises, 亿元.",
    ),
)

SUBINDICES: tuple[zhishu.SubIndexSpec, ...] = (
    zhishu.SubIndexSpec(
        id="technology",
        name_zh="算力技术",
        name_en="Computing-power technology",
        children=("technology_innovation", "technology_rd"),
        description="Driving force (驱动力): innovation output and R&D input.",
    ),
    zhishu.SubIndexSpec(
        id="technology_innovation",
        name_zh="创新水平",
        name_en="Innovation",
        children=("patent_applications", "patent_grants"),
    ),
    zhishu.SubIndexSpec(
        id="technology_rd",
        name_zh="研发投入",
        name_en="R&D input",
        children=("rd_spending",),
    ),
)
