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
    parser.add_argument("--top", type=int, default=10, help="how many units to print (default 10; 0 for none)")


def run(args: argparse.Namespace) -> int:
    from ..outputs import write_result
    from ..pipeline import run_config
    from ..presentation import top_lines

    plan = load_plan(args)
    result = run_config(plan)
    exporters = list(plan.exporters)
    if args.excel and not any(m.name == "excel" for m in exporters):
        from ..config.resolve import resolve_method

        exporters.append(resolve_method(plan.hooks.registries, "exporters", "excel", "--excel"))
    written = write_result(result, args.output, exporters)
    if args.top:
        print("\n".join(top_lines(result, args.top)))
    print(f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}")
    return 0


COMMAND = Command(help="compute an index and write its tables", add_arguments=add_arguments, run=run)
