"""zhishu_audit: the JRC-style statistical audit of an index — coverage, indicator statistics, correlations,
Cronbach's alpha, PCA, importance versus weight, comparisons and weight optimisation (docs/audit.md).

Python API (each returns frames and never prints)::

    from zhishu_audit import audit, compare, optimise_weights
    tables = audit(zhishu.run("configs/examples/asem.toml"))   # {"indicator_stats": DataFrame, …}

Hooks: ``register_analyses`` (every table as ``[analyses.<name>]``) and ``register_commands``
(``zhishu audit``, ``zhishu compare``, ``zhishu optimise-weights``).
"""

import zhishu

from .analyses import ANALYSES
from .tables import audit, findings, markdown
from .rankings import compare, compare_ranking, rank_change_decomposition
from .consistency import consistency_summary, cronbach, cronbach_alpha, pca_tables
from .correlation import corr_matrix, correlation_flags, correlations
from .first_order import correlation_ratio, importance
from .optimise import optimise_weights
from .stats import coverage, indicator_stats

__all__ = [
    "audit", "compare", "compare_ranking", "consistency_summary", "corr_matrix", "correlation_flags",
    "correlation_ratio", "correlations", "coverage", "cronbach", "cronbach_alpha", "findings", "importance",
    "indicator_stats", "markdown", "optimise_weights", "pca_tables", "rank_change_decomposition",
]


@zhishu.hookimpl
def register_analyses(register):
    for name, cls in ANALYSES.items():
        register(name, cls)


@zhishu.hookimpl(optionalhook=True)
def register_commands(register):
    from . import commands

    for name, command in commands.commands().items():
        register(name, command)
