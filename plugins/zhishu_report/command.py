"""``zhishu report CONFIG -o OUTDIR [--sensitivity DIR] [--year Y] [--compare-year Y0] [--lang zh|en]
[--figures png|svg]``: run the config and write its report (a thin layer over :func:`zhishu_report.report`)."""

from __future__ import annotations

import argparse
from pathlib import Path

import zhishu

HELP = "write an offline HTML report of an index (ranking, charts, maps, methodology)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from zhishu.cli import add_config_arguments

    add_config_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR",
                        help="folder for report.html (and figures/); replaced as a whole")
    parser.add_argument("--sensitivity", type=Path, metavar="DIR",
                        help="a folder written by zhishu sensitivity: adds rank intervals and Sobol indices")
    parser.add_argument("--year", type=int, help="the year reported (default: the last year of the run)")
    parser.add_argument("--compare-year", type=int, metavar="Y0",
                        help="the year changes are measured against (default: the year before --year)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of labels and names")
    parser.add_argument("--figures", choices=("png", "svg"),
                        help="also write every chart to OUTDIR/figures/ (needs Debian's chromium)")


def run(args: argparse.Namespace) -> int:
    from zhishu.cli import load_plan

    from . import report

    plan = load_plan(args)
    result = zhishu.run_config(plan)
    path = report(result, args.output, sensitivity=args.sensitivity, year=args.year,
                  compare_year=args.compare_year, lang=args.lang, figures=args.figures)
    print(path)
    return 0


def command():
    return zhishu.Command(help=HELP, add_arguments=add_arguments, run=run)
