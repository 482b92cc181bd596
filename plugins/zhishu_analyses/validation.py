"""Checks of the analyses' parameters against the resolved config, so that ``zhishu validate`` reports an
unknown node, source, year, group or reference unit before anything runs (each at its TOML key path)."""

from __future__ import annotations

import zhishu

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


def config_issues(plan) -> list[zhishu.Issue]:
    """Every problem of this plugin's analyses in ``plan`` (other plugins' analyses are left alone)."""
    ours = tuple(ANALYSES.values())
    issues = []
    for method in plan.analyses.values():
        if isinstance(method.obj, ours):
            issues.extend(zhishu.Issue(message, path) for path, message in method.obj.config_issues(plan,
                                                                                                 method.key_path))
    return issues
