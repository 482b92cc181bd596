"""zhishu_analyses: tables computed from a finished run — tiers, growth, regression, typology, agreement.

Hooks only register and check; the analyses live in the sibling modules (see README.md).
"""

import zhishu

from .validation import ANALYSES, config_issues


@zhishu.hookimpl
def register_analyses(register):
    for name, cls in ANALYSES.items():
        register(name, cls)


@zhishu.hookimpl
def validate_config(config):
    return config_issues(config)
