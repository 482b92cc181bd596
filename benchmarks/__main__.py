"""``make bench``: every goal of issue 12 with its measured ratio to a baseline and PASS/FAIL.

    python -m benchmarks                 # the sizes of the goals (goals 1-4: ~10 min on a quiet 2-core machine;
                                         # goal 5 adds its county case, estimated at ~15 min of CPU per executor)
    python -m benchmarks --quick         # small sizes (a smoke run: the cases run, the figures mean little)
    python -m benchmarks --goals 1 2     # only some goals

Ratios: ours / baseline; a row passes when the ratio is at most its target ratio. Baselines measured in the
same run unless labelled "published, not measured here". benchmarks/RESULTS.md records a full run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

from .harness import Info, Row, Skipped, environment_lines, load_average

GOALS = {
    "1": ("small indices at least as fast as COINr", "small", "goal_small"),
    "2": ("sensitivity >= 100x COINr in-process, >= 20x whole process", "sensitivity", "goal_sensitivity"),
    "3": ("1e6 units x 100 indicators within 1.3x numpy (time and peak RSS)", "large", "goal_large"),
    "4": ("config load linear in the number of indicators", "config_load", "goal_config"),
    "5": ("Dask 2 workers >= 1.5x the in-process default, end to end", "dask_goal", "goal_dask"),
    "extra": ("entropy + TOPSIS within 1.3x numpy (not a goal of issue 12)", "entropy_topsis", "case_entropy_topsis"),
}


def _goal(name: str) -> Callable[[bool], list]:
    import importlib

    _, module, function = GOALS[name]
    return getattr(importlib.import_module(f"benchmarks.{module}"), function)


def format_row(row: Row | Skipped | Info) -> str:
    if isinstance(row, Skipped):
        return f"  {row.case}: SKIPPED ({row.reason})"
    if isinstance(row, Info):
        return f"  {row.case}: {row.text}"
    unit = row.unit
    target = f"<= {row.target:.4g}" if row.target is not None else "-"
    line = (f"  {row.case}\n      ours {row.ours:,.4g} {unit}  vs  {row.base:,.4g} {unit} ({row.base_label})"
            f"  ratio {row.ratio:.4g}  target {target}  {row.verdict()}")
    notes = [n for n in (f"CPU {row.cpu:,.4g} s" if row.cpu is not None else "", row.note) if n]
    return line + (f"\n      {'; '.join(notes)}" if notes else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run that the cases work")
    parser.add_argument("--goals", nargs="+", choices=list(GOALS), default=list(GOALS), metavar="GOAL",
                        help=f"goals to run (default all: {' '.join(GOALS)})")
    args = parser.parse_args(argv)
    for line in environment_lines():
        print(line)
    if args.quick:
        print("QUICK MODE: small sizes; the PASS/FAIL marks do not judge the goals")
    results: list[Row | Skipped | Info] = []
    for name in args.goals:
        title = GOALS[name][0]
        print(f"\ngoal {name}: {title}", flush=True)
        started = time.perf_counter()
        rows = _goal(name)(args.quick)
        for row in rows:
            print(format_row(row), flush=True)
        print(f"  ({time.perf_counter() - started:.0f} s; load average now {load_average()})", flush=True)
        results.extend(rows)
    judged = [r for r in results if isinstance(r, Row) and r.passed is not None]
    passed = sum(r.passed for r in judged)
    skipped = sum(isinstance(r, Skipped) for r in results)
    print(f"\n{passed} of {len(judged)} figures PASS, {len(judged) - passed} FAIL, {skipped} skipped"
          + (" (quick mode)" if args.quick else ""))
    for r in judged:
        if not r.passed:
            print(f"  FAIL goal {r.goal}: {r.case} (ratio {r.ratio:.3g}, target <= {r.target:.3g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
