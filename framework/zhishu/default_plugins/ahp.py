"""AHP weighting (Saaty's analytic hierarchy process), for one analyst or a group of experts.

Weights come from a positive reciprocal pairwise comparison matrix ``A`` (``a_ij`` = how many times more
important child i is than child j, on Saaty's 1/9 … 9 scale): the principal right eigenvector of ``A``
(``method = "eigenvector"``, Saaty 1977/1980) or the normalised row geometric means (``method = "geometric"``,
Crawford & Williams 1985), each normalised to sum to 1. Consistency is measured by Saaty's consistency
ratio ``CR = CI / RI`` with ``CI = (λmax − n) / (n − 1)``; ``CR > 0.1`` is an error found when the config is
loaded, naming the judgments to revisit, unless ``allow_inconsistent = true``.

A group's judgments are combined by the element-wise geometric mean of the experts' matrices (aggregation of
individual judgments, AIJ; Aczél & Saaty 1983, Forman & Peniwati 1998).

The maths lives in the public module :mod:`zhishu.ahp` (numpy over whole matrices, stacks of matrices for a
group); the :class:`AHP` class only parses the parameters and reports problems. ``docs/methods/ahp.md`` is
the reference.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..ahp import (
    CR_LIMIT,
    acceptable,
    INHERITED,
    RI_TABLE,
    analyse,
    combine,
    consistency,
    describe_revisit,
    matrix_from_judgments,
    matrix_problems,
    method_problem,
    priorities,
    reciprocal_matrix,
    scale_problem,
)
from ..classes import define
from ..errors import ConfigError, Issue
from ..hookspecs import hookimpl


def _source_problems(judgments, matrix, *, what: str) -> list[str]:
    given = [name for name, value in (("judgments", judgments), ("matrix", matrix)) if value is not None]
    if len(given) != 1:
        return [f"{what}: give exactly one of judgments or matrix" + (", not both" if given else "")]
    if judgments is not None:
        problems = []
        for key, value in judgments.items():
            if "/" not in key:
                problems.append(f'judgment key {key!r} must be written "a/b" (child a compared with child b)')
            why = scale_problem(value)
            if why is not None:
                problems.append(f"judgment {key!r} = {why}")
        return problems
    return matrix_problems(matrix)


@define(kw_only=True, slots=False)
class Expert:
    """One expert's judgments in a group AHP: ``{ name = "A", judgments = { … } }`` or ``{ name = "B",
    matrix = [[…]] }``."""

    name: str = ""
    judgments: dict[str, float] | None = None
    matrix: tuple[tuple[float, ...], ...] | None = None

    def __attrs_post_init__(self) -> None:
        what = f"expert {self.name!r}" if self.name else "expert"
        problems = _source_problems(self.judgments, self.matrix, what=what)
        if problems:
            raise ValueError("; ".join(problems))


def _experts(value):
    """Experts given as :class:`Expert` or, from Python, as plain dicts."""
    if value is None:
        return None
    return tuple(e if isinstance(e, Expert) else Expert(**e) for e in value)


@define(kw_only=True, slots=False)
class AHP:
    """Analytic hierarchy process: weights from pairwise judgments of the node's children (see the module)."""

    judgments: dict[str, float] | None = None
    matrix: tuple[tuple[float, ...], ...] | None = None
    experts: tuple[Expert, ...] | None = attrs.field(default=None, converter=_experts)
    method: str = "eigenvector"
    allow_inconsistent: bool = False

    def __attrs_post_init__(self) -> None:
        given = [k for k in ("judgments", "matrix", "experts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of judgments, matrix or experts"
                             + (f", not {' and '.join(given)}" if given else ""))
        why = method_problem(self.method)
        if why is not None:
            raise ValueError(why)
        if self.experts is not None:
            if not self.experts:
                raise ValueError("experts is empty: give at least one { name = …, judgments = { … } }")
            names = [e.name for e in self.experts if e.name]
            repeated = sorted({x for x in names if names.count(x) > 1})
            if repeated:
                raise ValueError(f"expert names must be unique; repeated: {', '.join(map(repr, repeated))}")
        else:
            problems = _source_problems(self.judgments, self.matrix, what="ahp")
            if problems:
                raise ValueError("; ".join(problems))
        self._orders: dict[frozenset, tuple[str, ...]] = {}
        self._results: dict[tuple[str, ...], tuple[dict | None, list[str]]] = {}

    # ------------------------------------------------------------------ the maths for a set of children
    def _expert_names(self) -> list[str]:
        return [e.name or f"expert {i + 1}" for i, e in enumerate(self.experts or ())]

    def _matrix(self, judgments, matrix, items: tuple[str, ...],
                label: str | None) -> tuple[np.ndarray | None, list[str]]:
        if judgments is not None:
            A, problems = matrix_from_judgments(judgments, items)
        else:
            n = len(matrix)
            if n != len(items):
                A, problems = None, [f"matrix is {n}×{n} but the node has {len(items)} children ({', '.join(items)}): "
                                     f"give one row and one column per child, in this order; {INHERITED}"]
            else:
                A, problems = reciprocal_matrix(matrix), []
        if label and problems:
            problems = [f"{label}: {p}" for p in problems]
        return A, problems

    def _solve(self, items: tuple[str, ...]) -> tuple[dict | None, list[str]]:
        if items in self._results:
            return self._results[items]
        if self.experts is None:
            A, problems = self._matrix(self.judgments, self.matrix, items, None)
            experts: list[dict] = []
        else:
            names = self._expert_names()
            built = [self._matrix(e.judgments, e.matrix, items, f"experts[{i}] ({names[i]})")
                     for i, e in enumerate(self.experts)]
            problems = [p for _, ps in built for p in ps]
            A, experts = None, []
            if not problems:
                stack = np.stack([m for m, _ in built])
                _, lams = priorities(stack, self.method)
                for name, lam in zip(names, np.atleast_1d(lams)):
                    c = consistency(lam, len(items))
                    experts.append({"name": name, "cr": c["cr"], "lambda_max": c["lambda_max"], "ci": c["ci"],
                                    "consistent": acceptable(c["cr"])})
                A = combine(list(stack))
        result = None
        if not problems:
            result = {**analyse(A, items, self.method), "experts": experts}
            if self.experts is not None:
                result["combination"] = "element-wise geometric mean of the experts' matrices (AIJ)"
            if self.method == "geometric":
                result["lambda_max_from"] = "the geometric-mean weights: mean of (A w)_i / w_i"
            problems = [] if self.allow_inconsistent else self._consistency_problems(result)
        self._results[items] = (result, problems)
        return result, problems

    def _consistency_problems(self, result: Mapping[str, Any]) -> list[str]:
        if result["consistent"]:
            return []
        escape = "or set allow_inconsistent = true to use these weights anyway"
        if result["cr"] is None:
            return [f"AHP over {result['n']} children: {RI_TABLE} has no random index for n > 10, so the consistency "
                    f"of the judgments cannot be checked; group the children into sub-criteria (Saaty recommends "
                    f"at most 7 ± 2 per comparison), {escape}"]
        whose = "the experts' combined judgments are" if self.experts is not None else "the judgments are"
        text = (f"{whose} inconsistent: CR = {result['cr']:.3f} > {CR_LIMIT} (λmax = {result['lambda_max']:.3f}, "
                f"CI = {result['ci']:.3f}, RI = {result['ri']:.2f} from {RI_TABLE}); the "
                "judgments that deviate most from the weights they produce: "
                f"{describe_revisit(result['revisit'], matrix=self.matrix is not None)}")
        if self.experts is not None:
            crs = ", ".join(f"{e['name']} {e['cr']:.3f}" + ("" if e["consistent"] else " (inconsistent)")
                            for e in result["experts"])
            text += f"; each expert's CR: {crs}"
        return [f"{text}; revise them, {escape}"]

    def _items(self, columns) -> tuple[str, ...]:
        """The children in the order the config gave them (a matrix is written in that order)."""
        cols = tuple(str(c) for c in columns)
        return self._orders.get(frozenset(cols), cols)

    # ------------------------------------------------------------------ the weighting API
    def check(self, children: tuple[str, ...]) -> list[str]:
        """Every problem with these judgments for a node with ``children``, including CR > 0.1."""
        children = tuple(children)
        self._orders[frozenset(children)] = children
        return self._solve(children)[1]

    def report(self, children: tuple[str, ...]) -> dict[str, Any]:
        """Weights, λmax, CI, CR, RI (and its table), the method, each expert's CR and, when CR > 0.1, the
        judgments to revisit."""
        result, problems = self._solve(tuple(children))
        if result is None:
            raise ConfigError([Issue(p) for p in problems])
        return copy.deepcopy(result)

    def weights(self, X: pd.DataFrame, specs=None) -> pd.Series:
        items = self._items(X.columns)
        result, problems = self._solve(items)
        if problems:
            raise ConfigError([Issue(p) for p in problems])
        w = pd.Series(result["weights"], dtype="float64")
        return w.reindex([str(c) for c in X.columns]).set_axis(X.columns)


@hookimpl
def register_weightings(register):
    register("ahp", AHP)
