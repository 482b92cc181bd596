"""zhishu_nbs: the source ``nbs`` — exports of the NBS data portal's 分省年度数据 (provincial annual data).

Hook implementations only; parsing lives in :mod:`zhishu_nbs.export`, the source class in
:mod:`zhishu_nbs.source`.
"""

import zhishu


@zhishu.hookimpl
def register_sources(register):
    register("nbs", zhishu.lazy("zhishu_nbs.source:NbsSource"))  # imported when a config uses it
