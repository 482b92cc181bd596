"""``zhishu ahp FILE``: the AHP weights and consistency of one judgment matrix, without a config.

A thin layer over :func:`zhishu.ahp`. FILE is a table (CSV in UTF-8 or GBK, or any format a reader plugin
takes) holding a square judgment matrix, or a TOML file of judgments ``"a/b" = 3`` (see
:func:`zhishu.ahp.read_judgments`). It prints the weights (largest first), λmax, CI and CR with the
random-index table used and, when CR > 0.1, the judgments to revisit. ``--json`` prints ``{"weights": {id: w},
"lambda_max", "ci", "cr", "method"}``. The exit status is 0 even when the judgments are inconsistent (this is a
diagnostic); a file that cannot be read as judgments raises :class:`JudgmentFileError` (exit 2).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..ahp import METHODS, JudgmentFileError, ahp
from ..commands import Command

__all__ = ["COMMAND", "JudgmentFileError", "add_arguments", "add_parser", "run"]

HELP = "AHP weights and consistency (λmax, CI, CR) of one pairwise judgment matrix"
DESCRIPTION = ("Weights of an analytic hierarchy process judgment matrix (Saaty), with λmax, CI and CR, and the "
               "judgments to revisit when CR > 0.1. FILE is a CSV square matrix (ids in the header row and first "
               "column; cells like 3 or 1/3) or a TOML file of judgments \"a/b\" = 3.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the judgment matrix (CSV) or judgments (TOML)")
    parser.add_argument("--method", choices=METHODS, default=None,
                        help="eigenvector (default; principal eigenvector) or geometric (row geometric means); "
                             "overrides the TOML file's method")
    parser.add_argument("--json", action="store_true",
                        help='print {"weights", "lambda_max", "ci", "cr", "method"} as JSON instead of a report')


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``ahp`` subcommand to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    parser = subparsers.add_parser("ahp", help=HELP, description=DESCRIPTION)
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the analysis of ``args.file``; 0 also when the judgments are inconsistent."""
    path = Path(args.file)
    result = ahp(path, args.method)
    if args.json:
        out = result.to_dict()
        print(json.dumps({k: out[k] for k in ("weights", "lambda_max", "ci", "cr", "method")}, ensure_ascii=False))
    else:
        print("\n".join(result.lines(path.name)))
    return 0


COMMAND = Command(help=HELP, description=DESCRIPTION, add_arguments=add_arguments, run=run)
