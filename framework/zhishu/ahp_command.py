"""``zhishu ahp FILE``: the AHP weights and consistency of one judgment matrix, without a config.

FILE is either

- a table (CSV in UTF-8 or GBK, or any format a reader plugin takes) holding a square judgment matrix: the
  header row and the first column list the item ids in the same order (the top-left cell is ignored); a cell
  is a number or a fraction such as ``1/3``; a blank cell below or above the diagonal is the reciprocal of its
  mirror, and a blank diagonal cell is 1; or
- a TOML file of judgments ``"a/b" = 3`` (a is 3 times as important as b), at the top level or in a
  ``[judgments]`` table, with optional ``method = "geometric"`` and ``items = [...]`` (the order of the items;
  default: the order in which the judgments first name them).

It prints the weights (largest first), λmax, CI and CR with the random-index table used and, when CR > 0.1,
the judgments to revisit. ``--json`` prints ``{"weights": {id: w}, "lambda_max", "ci", "cr", "method"}``.
The exit status is 0 even when the judgments are inconsistent (this is a diagnostic); a file that cannot be
read as judgments raises :class:`JudgmentFileError` (exit 2 from the ``zhishu`` command).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .default_plugins import ahp
from .errors import ConfigError, Issue
from .registry import did_you_mean

TOML_KEYS = ("items", "judgments", "method")


class JudgmentFileError(ConfigError):
    """A judgment file that cannot be read as a pairwise comparison matrix; every problem is listed."""

    def _text(self) -> str:
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the judgments:"
        return "\n".join([head, *(f"  {issue.format()}" for issue in self.issues)])


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``ahp`` subcommand to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser(
        "ahp",
        help="AHP weights and consistency (λmax, CI, CR) of one pairwise judgment matrix",
        description="Weights of an analytic hierarchy process judgment matrix (Saaty), with λmax, CI and CR, "
                    "and the judgments to revisit when CR > 0.1. FILE is a CSV square matrix (ids in the header "
                    "row and first column; cells like 3 or 1/3) or a TOML file of judgments \"a/b\" = 3.",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the judgment matrix (CSV) or judgments (TOML)")
    p.add_argument("--method", choices=ahp.METHODS, default=None,
                   help="eigenvector (default; principal eigenvector) or geometric (row geometric means); "
                        "overrides the TOML file's method")
    p.add_argument("--json", action="store_true",
                   help='print {"weights", "lambda_max", "ci", "cr", "method"} as JSON instead of a report')
    return p


def run(args: argparse.Namespace) -> int:
    """Print the analysis of ``args.file``; 0 also when the judgments are inconsistent."""
    items, A, file_method = load_judgments(Path(args.file))
    method = args.method or file_method or "eigenvector"
    result = ahp.analyse(A, items, method)
    if args.json:
        print(json.dumps({k: result[k] for k in ("weights", "lambda_max", "ci", "cr", "method")}, ensure_ascii=False))
    else:
        for line in report_lines(result, Path(args.file)):
            print(line)
    return 0


def report_lines(result: Mapping[str, Any], path: Path | None = None) -> list[str]:
    """The human-readable report: weights largest first, the consistency line and a clear verdict."""
    weights = sorted(result["weights"].items(), key=lambda kv: -kv[1])
    n = result["n"]
    source = f" from {path.name}" if path is not None else ""
    lines = [f"AHP weights ({ahp.METHOD_LABELS[result['method']]} method){source}, {n} item{'s' if n != 1 else ''}:"]
    width = max(len(k) for k, _ in weights)
    lines.extend(f"  {rank:>3}  {key:<{width}}  {w:.4f}" for rank, (key, w) in enumerate(weights, 1))
    lines.append(ahp.consistency_text(result))
    if result["method"] == "geometric":
        lines.append("(λmax computed from the geometric-mean weights: the mean of (A w)_i / w_i)")
    if result["cr"] is None:
        lines.append(f"consistency NOT checked: group the items into sub-criteria of at most {max(ahp.SAATY_RI)} "
                     "(Saaty recommends 7 ± 2 per comparison)")
    elif result["consistent"]:
        lines.append(f"consistent: CR = {result['cr']:.3f} ≤ {ahp.CR_LIMIT}")
    else:
        lines.append(f"INCONSISTENT: CR = {result['cr']:.3f} > {ahp.CR_LIMIT}; revisit the judgments that deviate "
                     "most from the weights they produce:")
        lines.extend(f"  {e['judgment']} = {ahp.fmt(e['value'])}   (the weights imply {ahp.fmt(e['implied'])})"
                     for e in result["revisit"])
    return lines


# --------------------------------------------------------------------------------------------- reading


def load_judgments(path: Path) -> tuple[list[str], np.ndarray, str | None]:
    """``(items, reciprocal matrix, method or None)`` from a TOML or table file; :class:`JudgmentFileError`
    listing every problem otherwise."""
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
            try:
                ahp._check_method(method)
            except ValueError as exc:
                problems.append(f"method: {exc}")
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
        for key, value in top.items():
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
    A, problems = ahp.matrix_from_judgments(judgments, items)
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
    for i in range(n):  # parsing a small text table cell by cell; the maths below is whole-matrix
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
    problems = ahp.matrix_problems(
        filled.tolist(), cell=lambda i, j: f"line {lines[i]}, column {header[j]!r} ({header[i]}/{header[j]})"
    )
    if problems:
        raise _fail(problems, path)
    return header, ahp.reciprocal_matrix(filled), None
