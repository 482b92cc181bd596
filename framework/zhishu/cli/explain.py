"""``zhishu explain CONFIG``: the resolved tree with its methods and weights, and the weightings' diagnostics."""

from __future__ import annotations

import argparse

from ..commands import Command
from .common import add_config_arguments, load_plan


def run(args: argparse.Namespace) -> int:
    from ..presentation import explain_lines, plan_summary_lines, report_lines

    plan = load_plan(args)
    for line in [*plan_summary_lines(plan), *explain_lines(plan), *report_lines(plan)]:
        print(line)
    if plan.config.index.screen is not None:  # the units the screen drops need the data
        from ..pipeline import screening_manifest
        from ..presentation import screening_lines
        from ..stages import run_stages

        stages = run_stages(plan, "screen")
        for line in screening_lines(screening_manifest(plan, stages.screened).get("screening")):
            print(line)
    return 0


COMMAND = Command(help="show the resolved tree with its methods and weights", add_arguments=add_config_arguments,
                  run=run)
