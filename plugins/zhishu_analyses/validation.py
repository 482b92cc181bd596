"""The analyses this plugin registers. Each checks its parameters against the resolved config in
``config_issues(plan, where)`` (:class:`zhishu.ChecksConfig`), so that ``zhishu validate`` reports an unknown
node, source, year, group or reference unit before anything runs (each at its TOML key path)."""

from __future__ import annotations

from .agreement import Agreement
from .growth import Growth
from .regression import Regression
from .tiers import Tiers
from .typology import Typology

ANALYSES = {
    "tiers": Tiers,
    "growth": Growth,
    "regression": Regression,
    "typology": Typology,
    "agreement": Agreement,
}
