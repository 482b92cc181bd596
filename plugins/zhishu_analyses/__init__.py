"""zhishu_analyses: tables computed from a finished run — tiers, growth, regression, typology, agreement.

Hooks only register; each analysis checks its parameters against the plan with ``config_issues(plan, where)``
(:class:`zhishu.ChecksConfig`, called by zhishu at load time); the analyses live in the sibling modules.
"""

import zhishu


@zhishu.hookimpl
def register_analyses(register):
    from .validation import ANALYSES  # imported when a run first needs analyses

    for name, cls in ANALYSES.items():
        register(name, cls)

