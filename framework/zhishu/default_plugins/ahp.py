"""AHP weighting (Saaty's analytic hierarchy process), for one analyst or a group of experts.

Weights come from a positive reciprocal pairwise comparison matrix ``A`` (``a_ij`` = how many times more
important child i is than child j, on Saaty's 1/9 … 9 scale): the principal right eigenvector of ``A``
(``method = "eigenvector"``, Saaty 1977/1980) or the normalised row geometric means (``method = "geometric"``,
Crawford & Williams 1985), each normalised to sum to 1. Consistency is measured by Saaty's consistency
ratio ``CR = CI / RI`` with ``CI = (λmax − n) / (n − 1)``; ``CR > 0.1`` is an error found when the config is
loaded, naming the judgments to revisit, unless ``allow_inconsistent = true``.

A group's judgments are combined by the element-wise geometric mean of the experts' matrices (aggregation of
individual judgments, AIJ; Aczél & Saaty 1983, Forman & Peniwati 1998).

The maths lives in the pure functions below (numpy over whole matrices, stacks of matrices for a group); the
:class:`AHP` class only parses the parameters and reports problems. ``docs/methods/ahp.md`` is the reference.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..errors import ConfigError, Issue
from ..hookspecs import hookimpl
from ..registry import did_you_mean

#: Saaty's random consistency index by matrix size (Saaty 1980; also tabulated in Saaty 1990, EJOR 48).
SAATY_RI: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                              10: 1.49}
RI_TABLE = "Saaty (1980), n = 3…10"
#: the largest acceptable consistency ratio (Saaty 1980: CR ≤ 0.1 is acceptable)
CR_LIMIT = 0.1
#: CR exactly 0.1 (λmax = n + 0.1·RI·(n − 1)) computes as 0.1 plus an ulp or two: accept that rounding
CR_ROUNDING = 1e-12
#: relative tolerance for rounded fractions (TOML has no fractions: 1/3 is written 0.3333)
TOLERANCE = 1e-2
SCALE_MAX = 9.0
#: the smallest accepted value: 1/9 written with some rounding (0.111 is accepted, 0.11 is not)
SCALE_MIN = 1.0 / (SCALE_MAX * (1.0 + TOLERANCE))
METHODS = ("eigenvector", "geometric")
METHOD_LABELS = {"eigenvector": "principal eigenvector", "geometric": "row geometric mean"}
#: how many judgments an inconsistency message names
REVISIT = 3
INHERITED = ("if the weighting was set on a parent node, note that the nodes below it inherit it unless they set "
             "their own")


# --------------------------------------------------------------------------------------------- pure functions


def fmt(x: float) -> str:
    """A judgment or ratio for messages: ``5``, ``0.2``, ``1.732``."""
    return f"{x:.4g}"


def snap(values: Any) -> np.ndarray:
    """Values below 1 whose reciprocal is within 1 % of a whole number 2…9 become that exact fraction
    (0.3333 → 1/3, 0.111 → 1/9): TOML has no fractions, so this removes the rounding an analyst had to write."""
    v = np.asarray(values, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1.0 / v
        k = np.rint(r)
        near = (v < 1) & (k >= 2) & (k <= SCALE_MAX) & (np.abs(r - k) <= TOLERANCE * k)
        return np.where(near, 1.0 / np.where(near, k, 1.0), v)


def scale_problem(value: float) -> str | None:
    """Why ``value`` is not a judgment on Saaty's 1/9 … 9 scale (``None`` when it is)."""
    if isinstance(value, str):
        return f"{value!r} is a string: write a number (TOML has no fractions: 0.3333 for 1/3)"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if value <= 0:
        return (f"{fmt(value)} is not positive; judgments are ratios on Saaty's scale 1/9 … 9 "
                "(e.g. 3, or 0.3333 for 1/3)")
    if value > SCALE_MAX:
        return f"{fmt(value)} is above 9, the top of Saaty's scale 1/9 … 9"
    if value < SCALE_MIN:
        return f"{fmt(value)} is below 1/9, the bottom of Saaty's scale 1/9 … 9 (write 1/9 as 0.1111)"
    return None


def matrix_problems(matrix: Sequence[Sequence[float]], name: str = "matrix",
                    cell: Callable[[int, int], str] | None = None) -> list[str]:
    """Problems with a full judgment matrix that do not depend on the children: shape, scale, diagonal,
    reciprocity (``a_ij · a_ji`` within 1 % of 1). ``cell(i, j)`` names a cell (default ``matrix[i][j]``)."""
    if cell is None:
        def cell(i: int, j: int) -> str:
            return f"{name}[{i}][{j}]"
    rows = [list(r) for r in matrix]
    n = len(rows)
    if n == 0:
        return [f"{name} is empty: give one row per child, e.g. [[1, 3], [0.3333, 1]]"]
    bad_rows = [i for i, r in enumerate(rows) if len(r) != n]
    if bad_rows:
        lengths = ", ".join(f"{name}[{i}] has {len(rows[i])}" for i in bad_rows[:5])
        return [f"{name} must be square ({n} rows of {n} numbers, one per child): {lengths}"]
    problems = []
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            why = scale_problem(value)
            if why is not None:
                problems.append(f"{cell(i, j)} = {why}")
    if problems:
        return problems
    A = np.asarray(rows, dtype="float64")
    diagonal = np.flatnonzero(np.abs(np.diag(A) - 1.0) > 1e-9)
    problems.extend(f"{cell(i, i)} = {fmt(A[i, i])}: the diagonal compares a child with itself and must be 1"
                    for i in diagonal)
    product = A * A.T
    i_s, j_s = np.nonzero(np.triu(np.abs(product - 1.0) > TOLERANCE, 1))
    for i, j in zip(i_s.tolist(), j_s.tolist()):
        problems.append(
            f"{cell(i, j)} = {fmt(A[i, j])} and {cell(j, i)} = {fmt(A[j, i])} are not reciprocal "
            f"(their product is {fmt(product[i, j])}, not 1): if {cell(i, j)} is right, write "
            f"{cell(j, i)} = {fmt(1 / A[i, j])}"
        )
    return problems


def reciprocal_matrix(matrix: Any) -> np.ndarray:
    """A validated matrix made exactly reciprocal: each pair keeps its entry above 1 (as an analyst writes it,
    after :func:`snap`) and its mirror becomes the exact reciprocal; the diagonal is 1."""
    A = snap(np.asarray(matrix, dtype="float64"))
    T = np.swapaxes(A, -1, -2)
    with np.errstate(divide="ignore"):
        out = np.where(A > T, A, np.where(A < T, 1.0 / T, 1.0))
    return out


def _split_key(key: str, items: Sequence[str]) -> tuple[str, str] | str:
    """``"a/b"`` → ``("a", "b")`` with both ids among ``items`` (ids may themselves contain "/"), or a problem."""
    cuts = [k for k, ch in enumerate(key) if ch == "/"]
    if not cuts:
        return f'judgment key {key!r} must be written "a/b" (child a compared with child b)'
    known = set(items)
    candidates = [(key[:k].strip(), key[k + 1:].strip()) for k in cuts]
    valid = [c for c in candidates if c[0] in known and c[1] in known]
    if len(valid) == 1:
        return valid[0]
    if len(valid) > 1:
        return f"judgment key {key!r} can be split into two children in several ways: {valid}; rename the children"
    a, b = max(candidates, key=lambda c: (c[0] in known) + (c[1] in known))
    unknown = [x for x in (a, b) if x not in known]
    parts = []
    for x in unknown:
        hints = did_you_mean(x, list(items))
        parts.append(repr(x) + (f" (did you mean {' or '.join(map(repr, hints))}?)" if hints else ""))
    return (f"judgment {key!r}: {' and '.join(parts)} {'is not a child' if len(unknown) == 1 else 'are not children'}"
            f" of this node; children: {', '.join(items)}")


def matrix_from_judgments(judgments: Mapping[str, float], items: Sequence[str]) -> tuple[np.ndarray | None, list[str]]:
    """The reciprocal matrix over ``items`` from judgments keyed ``"a/b"`` (a is ``value`` times as important
    as b; ``"b/a" = 1/value`` is the same judgment). Every pair must be judged; a pair judged in both
    directions must agree within 1 %. Returns ``(matrix, [])`` or ``(None, problems)``."""
    n = len(items)
    pos = {c: i for i, c in enumerate(items)}
    given: dict[tuple[int, int], tuple[str, float]] = {}
    problems: list[str] = []
    for key, value in judgments.items():
        why = scale_problem(value)
        if why is not None:
            problems.append(f"judgment {key!r} = {why}")
            continue
        pair = _split_key(key, items)
        if isinstance(pair, str):
            problems.append(pair)
            continue
        a, b = pair
        v = float(snap(value))
        if a == b:
            if abs(v - 1.0) > 1e-9:
                problems.append(f"judgment {key!r} = {fmt(v)} compares {a!r} with itself, which is always 1; remove it")
            continue
        i, j = pos[a], pos[b]
        if i > j:
            i, j, v = j, i, 1.0 / v
        if (i, j) in given:
            first_key, first = given[(i, j)]
            if abs(math.log(first / v)) > math.log1p(TOLERANCE):
                problems.append(
                    f"judgments {first_key!r} and {key!r} compare the same pair inconsistently ({items[i]}/{items[j]} "
                    f"= {fmt(first)} vs {fmt(v)}); give each pair once"
                )
            continue
        given[(i, j)] = (key, v)
    missing = [f"{items[i]}/{items[j]}" for i in range(n) for j in range(i + 1, n) if (i, j) not in given]
    if missing and (given or not judgments):
        pairs = n * (n - 1) // 2
        more = f" … and {len(missing) - 10} more" if len(missing) > 10 else ""
        shown = ", ".join(repr(m) for m in missing[:10]) + more
        problems.append(f"no judgment for {shown}: every pair of children needs one "
                        f"({pairs} judgments for {n} children)")
    elif missing:
        problems.append(f"no judgment compares two children of this node ({', '.join(items)}); {INHERITED}")
    if problems:
        return None, problems
    A = np.ones((n, n))
    if given:
        ij = np.array(list(given), dtype=int)
        values = np.array([v for _, v in given.values()])
        A[ij[:, 0], ij[:, 1]] = values
        A[ij[:, 1], ij[:, 0]] = 1.0 / values
    return A, []


def priorities(A: np.ndarray, method: str = "eigenvector") -> tuple[np.ndarray, np.ndarray]:
    """Weights (summing to 1) and λmax of a reciprocal matrix, or of a stack of them (shape ``(..., n, n)``).

    ``eigenvector``: the principal right eigenvector (the real eigenvector of the largest real eigenvalue,
    which is λmax). ``geometric``: the row geometric means; λmax is then the mean of ``(A w)_i / w_i`` computed
    from these weights (for the exact eigenvector that mean is the principal eigenvalue itself).
    """
    A = np.asarray(A, dtype="float64")
    if method == "eigenvector":
        values, vectors = np.linalg.eig(A)
        k = np.argmax(values.real, axis=-1)
        lam = np.take_along_axis(values.real, k[..., None], axis=-1)[..., 0]
        v = np.take_along_axis(vectors.real, k[..., None, None], axis=-1)[..., 0]
        w = np.abs(v)  # the Perron vector of a positive matrix has one sign
    elif method == "geometric":
        w = np.exp(np.log(A).mean(axis=-1))
        lam = None
    else:
        raise ValueError(f"unknown AHP method {method!r}; use one of {', '.join(METHODS)}")
    w = w / w.sum(axis=-1, keepdims=True)
    if lam is None:
        lam = ((A @ w[..., None])[..., 0] / w).mean(axis=-1)
    return w, lam


def acceptable(cr: float | None) -> bool:
    """Saaty's rule, CR ≤ 0.1 (CR is None when it cannot be computed, n > 10: not acceptable)."""
    return cr is not None and cr <= CR_LIMIT + CR_ROUNDING


def consistency(lambda_max: Any, n: int) -> dict[str, Any]:
    """CI, RI and CR for λmax of an n×n matrix: ``CI = (λmax − n)/(n − 1)`` (0 for n ≤ 2, and never below 0:
    λmax ≥ n, so a smaller value is rounding), ``CR = CI/RI`` with Saaty's RI; CR is ``None`` for n > 10."""
    lam = float(lambda_max)
    ci = max(0.0, (lam - n) / (n - 1)) if n > 2 else 0.0
    ri = SAATY_RI.get(n)
    if n <= 2:
        cr: float | None = 0.0
    elif ri is None:
        cr = None
    else:
        cr = ci / ri
    return {"lambda_max": lam, "ci": ci, "cr": cr, "ri": ri}


def combine(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """Aggregation of individual judgments (AIJ): the element-wise geometric mean, which stays reciprocal."""
    return np.exp(np.log(np.stack([np.asarray(m, dtype="float64") for m in matrices])).mean(axis=0))


def to_revisit(A: np.ndarray, w: np.ndarray, items: Sequence[str], k: int = REVISIT) -> list[dict[str, Any]]:
    """The ``k`` judgments that deviate most from the weights they produced: largest ``|ln ε_ij|`` with
    ``ε_ij = a_ij · w_j / w_i`` (i < j), each as ``{"judgment": "a/b", "value": a_ij, "implied": w_i/w_j,
    "position": [i, j]}``, written in the direction where the judgment is at least 1."""
    A = np.asarray(A, dtype="float64")
    n = A.shape[0]
    i_s, j_s = np.triu_indices(n, 1)
    implied = w[i_s] / w[j_s]
    deviation = np.abs(np.log(A[i_s, j_s] / implied))
    order = np.argsort(-deviation, kind="stable")[:k]
    out = []
    for m in order[deviation[order] > 1e-9].tolist():
        i, j = int(i_s[m]), int(j_s[m])
        value, imp = float(A[i, j]), float(implied[m])
        if value < 1:
            i, j, value, imp = j, i, 1.0 / value, 1.0 / imp
        out.append({"judgment": f"{items[i]}/{items[j]}", "value": value, "implied": imp, "position": [i, j]})
    return out


def describe_revisit(entries: Sequence[Mapping[str, Any]], *, matrix: bool = False) -> str:
    """``"a/b" = 5 (the weights imply 1.8), …`` for messages."""
    parts = []
    for e in entries:
        where = f" at matrix[{e['position'][0]}][{e['position'][1]}]" if matrix else ""
        parts.append(f"{e['judgment']!r} = {fmt(e['value'])}{where} (the weights imply {fmt(e['implied'])})")
    return ", ".join(parts)


def analyse(A: np.ndarray, items: Sequence[str], method: str = "eigenvector") -> dict[str, Any]:
    """Weights, λmax, CI, CR, RI and the judgments to revisit for one reciprocal matrix over ``items``."""
    w, lam = priorities(A, method)
    n = len(items)
    out = {"weights": dict(zip(items, (float(x) for x in w))), **consistency(lam, n), "ri_table": RI_TABLE,
           "method": method, "n": n}
    out["consistent"] = acceptable(out["cr"])
    out["revisit"] = [] if out["consistent"] else to_revisit(A, w, items)
    return out


def consistency_text(result: Mapping[str, Any]) -> str:
    """``λmax = …, CI = …, CR = … (RI = … from Saaty (1980), n = 3…10)`` — the line every report shows."""
    n = result["n"]
    head = f"λmax = {result['lambda_max']:.4f}, CI = {result['ci']:.4f}, "
    if result["cr"] is None:
        return head + f"CR not computed: {RI_TABLE} has no random index for n = {n}"
    if n <= 2:
        return head + f"CR = 0 (n = {n}: {'a single judgment is' if n == 2 else 'one item is'} always consistent)"
    return head + f"CR = {result['cr']:.4f} (RI = {result['ri']:.2f} from {RI_TABLE})"


# --------------------------------------------------------------------------------------------- parameters


def _check_method(method: str) -> None:
    if method not in METHODS:
        hints = did_you_mean(method, METHODS)
        hint = f"did you mean {hints[0]!r}? " if hints else ""
        raise ValueError(f"unknown AHP method {method!r}: {hint}use one of {', '.join(map(repr, METHODS))}")


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


@attrs.define(kw_only=True, slots=False)
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


@attrs.define(kw_only=True, slots=False)
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
        _check_method(self.method)
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
