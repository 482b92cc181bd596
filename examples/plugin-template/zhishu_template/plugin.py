"""Hook implementations of the template plugin, found through the entry point ``template`` in the group
``zhishu`` (see pyproject.toml). Plugins import from ``zhishu`` (the public API) and nothing deeper.

It shows both plugin styles: a *method* (the normaliser ``ratio_to_max``, Python logic in
:mod:`zhishu_template.methods`, registered by a hook of a few lines) and *specifications as data* (the indicator
``template_density`` and the node ``template_people`` in ``specs.toml``, registered by two lines). A plugin
with only specifications is a data-only plugin: the last two lines below and a TOML file.

Every ``zhishu`` command imports every installed plugin, so this module stays cheap to import: the normaliser is
registered as ``zhishu.lazy("module:Name")`` and its module is imported only when a config uses it (registering
the class itself works too, and imports :mod:`zhishu_template.methods` with the plugin).
"""

import zhishu


@zhishu.hookimpl
def register_normalisers(register):
    register("ratio_to_max", zhishu.lazy("zhishu_template.methods:RatioToMax"))


SPECS = zhishu.load_specs("specs.toml", package="zhishu_template")
register_indicators, register_subindices = zhishu.data_plugin(SPECS)
