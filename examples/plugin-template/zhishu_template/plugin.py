"""Hook implementations of the template plugin, found through the entry point ``template`` in the group
``zhishu`` (see pyproject.toml). Each hook only registers; the logic lives in :mod:`zhishu_template.methods`.
Plugins import from ``zhishu`` (the public API) and nothing deeper.
"""

import zhishu

from .methods import RatioToMax


@zhishu.hookimpl
def register_normalisers(register):
    register("ratio_to_max", RatioToMax)


@zhishu.hookimpl
def register_indicators(register):
    register(
        "template_density",
        zhishu.IndicatorSpec(
            id="template_density",
            name_en="Template density",
            name_zh="示例密度",
            unit="persons per km²",
            direction=1,
            formula="population / area",
            description="Population per square kilometre, derived from the source variables population and area.",
        ),
    )
