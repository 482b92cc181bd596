"""Uncertainty and sensitivity analysis of an index (``zhishu sensitivity``; ``docs/sensitivity.md``).

>>> plan = zhishu.load_config("configs/demo.toml")
>>> rs = resolve_spec({"replications": 64, "weights": {"noise": 0.2}}, plan)
>>> result = run_sensitivity(plan, rs)
>>> ranks_table(result)
"""

from __future__ import annotations

from .engine import Model, evaluate_chunk, prepare, rank_columns
from .executors import EXECUTORS, run_chunks
from .outputs import ranks_table, replications_table, samples_table, sobol_table, tables, write_sensitivity
from .run import SensitivityResult, run_sensitivity
from .sampling import sample_matrix, salib_problem
from .spec import ResolvedSpec, SensitivitySpec, read_spec_table, resolve_spec

__all__ = [
    "EXECUTORS", "Model", "ResolvedSpec", "SensitivityResult", "SensitivitySpec", "evaluate_chunk", "prepare",
    "rank_columns", "ranks_table", "read_spec_table", "replications_table", "resolve_spec", "run_chunks",
    "run_sensitivity", "salib_problem", "sample_matrix", "samples_table", "sobol_table", "tables",
    "write_sensitivity",
]
