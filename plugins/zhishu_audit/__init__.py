"""zhishu_audit: the JRC-style statistical audit of an index — coverage, indicator statistics, correlations,
Cronbach's alpha, PCA, importance versus weight, comparisons and weight optimisation (docs/audit.md).

Python API (each returns frames and never prints)::

    from zhishu_audit import audit, compare, optimise_weights
    tables = audit(zhishu.run("configs/examples/asem.toml"))   # {"indicator_stats": DataFrame, …}

Hooks: ``register_analyses`` (every table as ``[analyses.<name>]``) and ``register_commands``
(``zhishu audit``, ``zhishu compare``, ``zhishu optimise-weights``).
"""

import importlib as _importlib

import zhishu

#: the Python API, name → the module it lives in, imported when first used (PEP 562): every ``zhishu`` command
#: imports this plugin, and most never audit
_API = {
    "audit": "tables", "findings": "tables", "markdown": "tables",
    "compare": "rankings", "compare_ranking": "rankings", "rank_change_decomposition": "rankings",
    "consistency_summary": "consistency", "cronbach": "consistency", "cronbach_alpha": "consistency",
    "pca_tables": "consistency",
    "corr_matrix": "correlation", "correlation_flags": "correlation", "correlations": "correlation",
    "correlation_ratio": "first_order", "importance": "first_order",
    "optimise_weights": "optimise",
    "coverage": "stats", "indicator_stats": "stats",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


@zhishu.hookimpl
def register_analyses(register):
    from .analyses import ANALYSES

    for name, cls in ANALYSES.items():
        register(name, cls)


@zhishu.hookimpl(optionalhook=True)
def register_commands(register):
    from . import commands

    for name, command in commands.commands().items():
        register(name, command)
