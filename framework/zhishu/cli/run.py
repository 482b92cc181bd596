"""``zhishu run CONFIG -o OUTDIR``: compute an index, write its tables and print the top of the ranking."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..commands import Command
from .common import add_config_arguments, load_plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR", help="folder for the outputs")
    parser.add_argument("--excel", action="store_true", help="also write results.xlsx with the same tables")
    parser.add_argument("--report", action="store_true",
                        help="also write report.html (the report plugin's exporter, as zhishu report writes it)")
    parser.add_argument("--top", type=int, default=10, help="how many units to print (default 10; 0 for none)")
    parser.add_argument("--round", type=_decimals, default=None, metavar="N",
                        help="round every number in the written tables to N decimals, after ranking "
                             "(default: [output] round, else full precision)")


def _decimals(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 15:
        raise argparse.ArgumentTypeError(f"expected a whole number of decimals from 0 to 15, got {text!r}")
    return n


def run(args: argparse.Namespace) -> int:
    from ..outputs import output_folder, write_result
    from ..pipeline import run_config
    from ..presentation import screening_lines, top_lines

    plan = load_plan(args)
    exporters = list(plan.exporters)
    if args.excel and not any(m.name == "excel" for m in exporters):
        from ..config.resolve import resolve_method

        exporters.append(resolve_method(plan.hooks.registries, "exporters", "excel", "--excel"))
    if getattr(args, "report", False) and not any(m.name == "report" for m in exporters):
        from ..config.resolve import resolve_method

        exporters.append(resolve_method(plan.hooks.registries, "exporters", "report", "--report"))
    # the folder is locked before the run, so that a second run into it fails at once
    with output_folder(args.output, protected=[args.config], command="run") as out:
        result = run_config(plan, progress=None)  # a bar of the stages on a terminal, for long runs
        write_result(result, out, exporters, round=args.round)
    written = out.written
    if args.top:
        print("\n".join(top_lines(result, args.top)))
    for line in screening_lines(result.manifest.get("screening")):  # never silently
        print(line)
    print(f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}")
    return 0


COMMAND = Command(help="compute an index and write its tables", add_arguments=add_arguments, run=run)
