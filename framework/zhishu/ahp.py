"""The analytic hierarchy process (Saaty): weights and consistency of pairwise judgment matrices.

The public maths behind the ``ahp`` weighting, the ``[sensitivity.ahp]`` perturbation and ``zhishu ahp``:
pure numpy functions over whole matrices (or stacks of them, for a group of experts), and :func:`ahp`, which
analyses one matrix given as a labelled DataFrame, an array, a mapping of judgments ``{"a/b": 3}`` or a
judgment file, and returns an :class:`AHPResult`.

Weights are the principal right eigenvector of ``A`` (``method = "eigenvector"``, Saaty 1977/1980) or the
normalised row geometric means (``method = "geometric"``, Crawford & Williams 1985). Consistency is Saaty's
``CR = CI / RI`` with ``CI = (λmax − n) / (n − 1)``; ``CR ≤ 0.1`` is acceptable. ``docs/methods/ahp.md`` is the
reference.

>>> r = zhishu.ahp({"a/b": 3})
>>> r.weights.round(2).to_dict(), r.cr
({'a': 0.75, 'b': 0.25}, 0.0)
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .classes import frozen
from .errors import ConfigError, Issue
from .registry import did_you_mean

#: Saaty's random consistency index by matrix size (Saaty 1980; also tabulated in Saaty 1990, EJOR 48).
SAATY_RI: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                              10: 1.49}
RI_TABLE = "Saaty (1980), n = 3…10"
#: the largest acceptable consistency ratio (Saaty 1980)
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



def method_problem(method: Any) -> str | None:
    """Why ``method`` is not an AHP method (``None`` when it is one of :data:`METHODS`)."""
    if method in METHODS:
        return None
    hints = did_you_mean(method, METHODS) if isinstance(method, str) else ()
    hint = f"did you mean {hints[0]!r}? " if hints else ""
    return f"unknown AHP method {method!r}: {hint}use one of {', '.join(map(repr, METHODS))}"


# --------------------------------------------------------------------------------------------- one matrix


class JudgmentError(ConfigError):
    """Judgments that cannot be read as a pairwise comparison matrix; every problem is listed."""

    def _text(self) -> str:
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the judgments:"
        return "\n".join([head, *(f"  {issue.format()}" for issue in self.issues)])


class JudgmentFileError(JudgmentError):
    """A judgment file (CSV matrix or TOML judgments) that cannot be read; each problem names the file."""


@frozen(kw_only=True)
class AHPResult:
    """The analysis of one judgment matrix.

    :ivar weights: the priority of each item (summing to 1), in the order of the items.
    :ivar matrix: the exactly reciprocal matrix that was analysed, labelled by item.
    :ivar lambda_max: the principal eigenvalue (for ``geometric``: the mean of ``(A w)_i / w_i``).
    :ivar ci: the consistency index ``(λmax − n) / (n − 1)``.
    :ivar cr: the consistency ratio ``CI / RI``; ``None`` when Saaty's table has no RI for n (n > 10).
    :ivar ri: the random index used (``None`` for n > 10); :ivar ri_table: where it comes from.
    :ivar consistent: ``CR ≤ 0.1``.
    :ivar revisit: when inconsistent, the judgments that deviate most from the weights they produce.
    """

    weights: pd.Series = attrs.field(repr=False)
    matrix: pd.DataFrame = attrs.field(repr=False)
    lambda_max: float
    ci: float
    cr: float | None
    ri: float | None
    ri_table: str = attrs.field(repr=False)
    method: str
    n: int
    consistent: bool
    revisit: tuple[Mapping[str, Any], ...] = attrs.field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (as ``zhishu ahp --json`` prints a subset of them)."""
        return {"weights": {str(k): float(v) for k, v in self.weights.items()}, "lambda_max": self.lambda_max,
                "ci": self.ci, "cr": self.cr, "ri": self.ri, "ri_table": self.ri_table, "method": self.method,
                "n": self.n, "consistent": self.consistent, "revisit": [dict(e) for e in self.revisit]}

    def lines(self, source: str | None = None) -> list[str]:
        """The human-readable report (weights largest first, the consistency line and a verdict)."""
        from .presentation import ahp_lines

        return ahp_lines(self, source)

    def __str__(self) -> str:
        return "\n".join(self.lines())


def ahp(matrix_or_judgments: Any, method: str | None = None, *, items: Sequence[str] | None = None) -> AHPResult:
    """Weights and consistency of one pairwise judgment matrix.

    :param matrix_or_judgments: a square DataFrame (its columns name the items; a labelled index must list the
        same items in the same order), a square array or nested list (items ``0 … n-1`` unless ``items`` names
        them), a mapping of judgments ``{"a/b": 3}`` (a is 3 times as important as b; every pair once), or the
        path of a judgment file (CSV matrix or TOML judgments, as ``zhishu ahp`` reads).
    :param method: ``"eigenvector"`` (default) or ``"geometric"``; for a TOML file the default is its own
        ``method`` key.
    :raises JudgmentError: every problem with the judgments (a user error).
    """
    file_method = None
    if isinstance(matrix_or_judgments, (str, os.PathLike)):
        items_read, A, file_method = read_judgments(Path(matrix_or_judgments))
        labels: list = list(items_read)
    elif isinstance(matrix_or_judgments, Mapping):
        judgments = dict(matrix_or_judgments)
        labels = list(items) if items is not None else _items_of(judgments)
        A, problems = matrix_from_judgments(judgments, labels) if judgments else (None, [
            'no judgments: give one per pair, e.g. {"a/b": 3}'])
        if problems:
            raise JudgmentError([Issue(p) for p in problems])
    else:
        labels, A = _from_matrix(matrix_or_judgments, items)
    method = method if method is not None else (file_method or "eigenvector")
    why = method_problem(method)
    if why is not None:
        raise JudgmentError([Issue(why, "method")])
    out = analyse(A, labels, method)
    return AHPResult(
        weights=pd.Series(list(out["weights"].values()), index=pd.Index(labels, name="item"), name="weight",
                          dtype="float64"),
        matrix=pd.DataFrame(A, index=labels, columns=labels),
        lambda_max=out["lambda_max"], ci=out["ci"], cr=out["cr"], ri=out["ri"], ri_table=out["ri_table"],
        method=method, n=out["n"], consistent=out["consistent"], revisit=tuple(out["revisit"]),
    )


def _items_of(judgments: Mapping[str, Any]) -> list[str]:
    """The items in the order the judgments first name them (``"a/b"`` names a, then b)."""
    found: list[str] = []
    for key in judgments:
        for part in (p.strip() for p in str(key).split("/")):
            if part and part not in found:
                found.append(part)
    return found


def _from_matrix(matrix: Any, items: Sequence[str] | None) -> tuple[list, np.ndarray]:
    if isinstance(matrix, pd.DataFrame):
        labels = list(matrix.columns)
        if not isinstance(matrix.index, pd.RangeIndex) and list(matrix.index) != labels:
            raise JudgmentError([Issue(f"the index ({', '.join(map(str, matrix.index))}) must list the columns' "
                                       f"items ({', '.join(map(str, labels))}) in the same order")])
        rows = matrix.to_numpy(dtype="float64").tolist()
    else:
        try:
            rows = [list(r) for r in matrix]
        except TypeError:
            raise JudgmentError([Issue(f"expected a square matrix, a mapping of judgments or a file, got "
                                       f"{type(matrix).__name__}")]) from None
        labels = list(items) if items is not None else list(range(len(rows)))
    if len(labels) != len(rows):
        raise JudgmentError([Issue(f"{len(labels)} items for a matrix of {len(rows)} rows")])
    problems = matrix_problems(rows)
    if problems:
        raise JudgmentError([Issue(p) for p in problems])
    return labels, reciprocal_matrix(rows)


# --------------------------------------------------------------------------------------------- judgment files

#: keys of a TOML judgment file besides the judgments themselves
TOML_KEYS = ("items", "judgments", "method")


def read_judgments(path: Path) -> tuple[list[str], np.ndarray, str | None]:
    """``(items, reciprocal matrix, method or None)`` from a TOML or table file; :class:`JudgmentFileError`
    listing every problem otherwise.

    - a table (CSV in UTF-8 or GBK, or any format a reader plugin takes): a square matrix whose header row
      and first column list the item ids in the same order (the top-left cell is ignored); a cell is a number
      or a fraction such as ``1/3``; a blank cell is the reciprocal of its mirror, a blank diagonal cell is 1;
    - a TOML file of judgments ``"a/b" = 3``, at the top level or in a ``[judgments]`` table, with optional
      ``method = "geometric"`` and ``items = [...]`` (default: the order in which the judgments name them).
    """
    path = Path(path)
    if not path.exists():
        raise JudgmentFileError([Issue("file not found", file=str(path))])
    if path.suffix.lower() == ".toml":
        return _from_toml(path)
    return _from_table(path)


def _fail(problems: list[str], path: Path) -> JudgmentFileError:
    return JudgmentFileError([Issue(p, file=str(path)) for p in problems])


def _from_toml(path: Path) -> tuple[list[str], np.ndarray, str | None]:
    from .config.load import read_toml

    data = read_toml(path)
    problems: list[str] = []
    method = data.get("method")
    if method is not None:
        if not isinstance(method, str):
            problems.append(f"method: expected a string, got {method!r}")
            method = None
        else:
            why = method_problem(method)
            if why is not None:
                problems.append(f"method: {why}")
    top = {k: v for k, v in data.items() if k not in TOML_KEYS}
    table = data.get("judgments")
    if table is not None and not isinstance(table, dict):
        problems.append('judgments: expected a table of "a/b" = number')
        table = None
    if table is not None and top:
        problems.append('give the judgments either at the top level or in [judgments], not both '
                        f"(top-level keys: {', '.join(map(repr, top))})")
    judgments = table if table is not None else top
    if table is None:
        for key in top:
            if "/" not in key:
                hints = did_you_mean(key, TOML_KEYS)
                hint = f"did you mean {hints[0]!r}? " if hints else ""
                problems.append(f"{key}: unknown key: {hint}a judgment is written \"a/b\" = 3; other keys: "
                                f"{', '.join(TOML_KEYS)}")
        judgments = {k: v for k, v in top.items() if "/" in k}
    if not judgments and not problems:
        problems.append('no judgments: write one line per pair, e.g. "scale/industry" = 3')
    items = data.get("items")
    if items is not None:
        if not (isinstance(items, list) and all(isinstance(x, str) for x in items)) or len(set(items)) != len(items):
            problems.append("items: expected an array of distinct ids, e.g. items = [\"scale\", \"industry\"]")
            items = None
    if items is None:
        items = []
        for key in judgments:
            parts = key.split("/")
            if len(parts) != 2:
                problems.append(f"judgment key {key!r} must contain exactly one \"/\" "
                                "(or list the ids in items = [...])")
                continue
            for part in (p.strip() for p in parts):
                if part and part not in items:
                    items.append(part)
    if problems:
        raise _fail(problems, path)
    A, problems = matrix_from_judgments(judgments, items)
    if problems:
        raise _fail(problems, path)
    return list(items), A, method


def _number(cell: str) -> float | None:
    """``"3"``, ``"0.3333"``, ``"1/3"`` → a float; ``""`` → NaN; anything else → ``None``."""
    text = cell.strip()
    if not text:
        return math.nan
    try:
        if "/" in text:
            num, den = text.split("/")
            return float(num) / float(den)
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


def _from_table(path: Path) -> tuple[list[str], np.ndarray, None]:
    from .hooks import Hooks

    frame = Hooks().read_table(path, {})
    header = [str(c).strip() for c in frame.columns[1:]]
    rows = [str(x).strip() for x in frame.iloc[:, 0]]
    lines = [int(x) for x in frame.index]
    problems: list[str] = []
    if not header:
        raise _fail(["expected a square matrix: a header row of ids, then one row per id starting with its id"], path)
    repeated = sorted({x for x in header if header.count(x) > 1})
    if repeated:
        problems.append(f"header row: ids repeated: {', '.join(map(repr, repeated))}")
    if rows != header:
        problems.append(
            f"the first column ({', '.join(rows) or 'empty'}) must list the header's ids ({', '.join(header)}) in the "
            "same order, one row each"
        )
    if problems:
        raise _fail(problems, path)
    n = len(header)
    values = np.full((n, n), np.nan)
    for i in range(n):  # parsing a small text table cell by cell; the maths is whole-matrix
        for j in range(n):
            cell = str(frame.iat[i, j + 1])
            value = _number(cell)
            if value is None:
                problems.append(f"line {lines[i]}, column {header[j]!r}: {cell!r} is not a number or a fraction "
                                "like 1/3")
            else:
                values[i, j] = value
    if problems:
        raise _fail(problems, path)
    blank = np.isnan(values)
    both = np.triu(blank & blank.T, 1)
    for i, j in zip(*np.nonzero(both)):
        problems.append(f"no judgment for {header[i]}/{header[j]}: both cells (line {lines[i]}, column "
                        f"{header[j]!r} and line {lines[j]}, column {header[i]!r}) are blank")
    if problems:
        raise _fail(problems, path)
    with np.errstate(divide="ignore"):
        filled = np.where(blank, 1.0 / values.T, values)
    np.fill_diagonal(filled, np.where(np.isnan(np.diag(values)), 1.0, np.diag(filled)))
    problems = matrix_problems(
        filled.tolist(), cell=lambda i, j: f"line {lines[i]}, column {header[j]!r} ({header[i]}/{header[j]})"
    )
    if problems:
        raise _fail(problems, path)
    return header, reciprocal_matrix(filled), None
