"""Run every benchmark case and print its timings and ratio to a hand-written numpy baseline.

    python -m benchmarks            # default sizes
    python -m benchmarks --quick    # small sizes, to check the cases run
"""

from __future__ import annotations

import argparse
import platform

from .entropy_topsis import case_entropy_topsis
from .pipeline import case_pipeline
from .sensitivity import case_asem, case_dask


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds), to check the cases run")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    print(f"{'case':<72} {'zhishu s':>9} {'base s':>9} {'ratio':>7} {'target':>7}")
    print("(base: the hand-written numpy version; for the ASEM case the 0.5 s target; for the Dask case 1 worker)")
    units = 20_000 if args.quick else 1_000_000
    small = 10_000 if args.quick else 100_000
    rows = [case_pipeline(units, 100), case_entropy_topsis(small, 100), case_asem(),
            case_dask(10_000 if args.quick else 100_000)]
    for row in rows:
        if row is None:
            print("ASEM sensitivity: skipped (needs ../shared/data/asem)")
            continue
        name, ours, base, target = row
        flag = "" if ours / base <= target else "  (above target)"
        print(f"{name:<72} {ours:>9.3f} {base:>9.3f} {ours / base:>7.2f} {target:>7.2f}{flag}")


if __name__ == "__main__":
    main()
