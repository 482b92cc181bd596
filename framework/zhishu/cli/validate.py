"""``zhishu validate CONFIG``: check a config (and its data) and list every problem, before any run."""

from __future__ import annotations

import argparse
import sys

from ..commands import Command
from .common import add_config_arguments, load_plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--no-data", action="store_true", help="check the config only, without reading data files")


def run(args: argparse.Namespace) -> int:
    from ..optional import missing
    from ..stages import run_stages

    plan = load_plan(args)
    if plan.config.sensitivity:  # the [sensitivity] table is checked here too, not only by `zhishu sensitivity`
        from ..sensitivity.spec import resolve_spec

        resolve_spec(plan.config.sensitivity, plan, str(args.config))
    for need in missing(plan):
        print(f"warning: {args.config}: {need.message}", file=sys.stderr)
    if not args.no_data:
        stages = run_stages(plan, until="select")  # the stage table through derive and the years' selection
        years = sorted(set(stages.raw.index.get_level_values("year")))
        print(f"ok: {args.config}: {len(plan.indicators)} indicators, {len(plan.nodes)} nodes, "
              f"{len(stages.unit_ids)} units, years {years[0]}–{years[-1]}" if years else f"ok: {args.config}")
    else:
        print(f"ok: {args.config}: {len(plan.indicators)} indicators, {len(plan.nodes)} nodes (data not read)")
    return 0


COMMAND = Command(help="check a config (and its data) and list every problem", add_arguments=add_arguments,
                  run=run)
