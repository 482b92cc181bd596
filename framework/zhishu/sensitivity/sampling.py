"""The sample matrix: one row per replication, one column per uncertain variable, values in [0, 1).

Computed once, up front, from the seed — so the results do not depend on the executor, the number of workers
or the chunk size. Without Sobol the rows are independent uniforms from ``numpy.random.default_rng(seed)``;
with Sobol they are SALib's Saltelli scheme (``SALib.sample.sobol.sample``, no second-order terms) with one
SALib *group* per uncertain input, so all the weights of the ``weights`` input form a single input.
"""

from __future__ import annotations

import numpy as np

from .spec import ResolvedSpec

#: keeps u strictly inside (0, 1) so that inverse CDFs stay finite
EPS = 1e-12
#: the name of the dummy input added when only one input is uncertain (its Sobol indices are not reported)
DUMMY = "_dummy"


def salib_problem(rs: ResolvedSpec) -> dict:
    """The SALib problem: one variable per sample column in [0, 1], grouped by uncertain input."""
    names, groups = [], []
    for inp in rs.inputs:
        if inp.kind == "weights":
            names.extend(f"weights:{n}/{c}" for n, c in rs.weight_slots)
        elif inp.kind == "ahp":
            for a in rs.ahp_nodes:
                children = rs._children[a.node]
                names.extend(f"ahp:{a.node}:{children[i]}/{children[j]}" for i, j in a.pairs)
        else:
            names.append(inp.name)
        groups.extend([inp.name] * inp.columns)
    if len(rs.inputs) == 1:  # a dummy input (never read) so that SALib keeps the one input as a group
        names.append(DUMMY)
        groups.append(DUMMY)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": groups}


def sample_matrix(rs: ResolvedSpec) -> np.ndarray:
    """The (replications × columns) matrix of the run, in [0, 1)."""
    cols = rs.columns
    if rs.spec.sobol:
        if not rs.inputs:
            return np.zeros((rs.total_replications, 0))
        from SALib.sample import sobol as sobol_sample

        problem = salib_problem(rs)
        X = sobol_sample.sample(problem, rs.spec.replications, calc_second_order=False, seed=rs.spec.seed)
        X = np.asarray(X, dtype="float64")[:, :cols]
    else:
        X = np.random.default_rng(rs.spec.seed).random((rs.spec.replications, cols))
    return np.clip(X, EPS, 1.0 - EPS)


def choice_index(u: np.ndarray, m: int) -> np.ndarray:
    """Discrete choice among ``m`` alternatives: floor(u · m), as integers 0 … m − 1."""
    return np.minimum((u * m).astype("int64"), m - 1)
