"""zhishu_supercomputers: the source ``supercomputers`` — a list of supercomputer systems (TOP500, China HPC
TOP100 …) summed per region and year into Rmax / Rpeak in EFlops and a count of systems.

Hook implementations only; the logic lives in :mod:`zhishu_supercomputers.source`.
"""

import zhishu


@zhishu.hookimpl
def register_sources(register):
    register("supercomputers", zhishu.lazy("zhishu_supercomputers.source:SupercomputerSource"))  # imported when used
