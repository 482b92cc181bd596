"""zhishu_supercomputers: the source ``supercomputers`` — a list of supercomputer systems (TOP500, China HPC
TOP100 …) summed per region and year into Rmax / Rpeak in EFlops and a count of systems.

Hook implementations only; the logic lives in :mod:`zhishu_supercomputers.source`.
"""

import zhishu

from .source import SupercomputerSource


@zhishu.hookimpl
def register_sources(register):
    register("supercomputers", SupercomputerSource)
