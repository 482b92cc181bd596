"""``zhishu sensitivity CONFIG -o OUTDIR``: uncertainty and sensitivity analysis of an index.

A thin layer over :func:`zhishu.sensitivity`. The ``[sensitivity]`` table is read from ``--spec FILE`` if
given, else from CONFIG; the whole spec is validated and every uncertain input printed as resolved before
anything runs. ``docs/sensitivity.md`` is the reference.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..commands import Command
from .common import add_config_arguments, load_plan

HELP = "uncertainty and sensitivity analysis: rank distributions and Sobol indices"
DESCRIPTION = ("Replicate the index under uncertain weights, normalisers, aggregators, imputation and left-out "
               "indicators (the [sensitivity] table of CONFIG or of --spec FILE) and write rank distributions, "
               "every replication and, with sobol = true, Sobol indices.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    p = parser
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR", help="folder for the outputs")
    p.add_argument("--spec", type=Path, default=None, metavar="FILE",
                   help="a TOML file with the [sensitivity] table (default: CONFIG's own)")
    p.add_argument("--executor", choices=("inprocess", "processes", "dask"), default="inprocess",
                   help="where chunks run: this process (default), local processes, or Dask distributed. A "
                        "local Dask cluster is started by a process forked from this one (Linux) that imports "
                        "distributed and forks the workers while this one loads the config, prepares the "
                        "variants and computes chunks itself until the cluster is ready; it pays only when the "
                        "replications take many seconds on cores nothing else uses. Measured on a quiet 2-core "
                        "machine (whole process, --no-replications, two runs of 2026-12-02): caict-2023 is "
                        "slower with Dask at 2,000 replications (1.06-1.32x the in-process time), about even to "
                        "faster from 10,000 to 50,000 (0.79-1.05x), 1.22-1.57x faster at 100,000 (9 pairs, "
                        "medians 1.38x and 1.33x), 1.54x at 200,000 and 1.41x at 400,000; a county-scale index "
                        "(2,800 units x 60 indicators x 10 years, 20,480 Sobol replications) 1.66-1.85x faster "
                        "(docs/sensitivity.md, Dask: measured). Use --no-replications with "
                        "large runs: only exact reductions then come back from the workers")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes, or Dask workers of the local cluster started (default: 2 for dask, the "
                        "number of CPUs for processes)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="use an existing Dask scheduler (e.g. tcp://10.0.0.1:8786) instead of a local cluster; "
                        "implies --executor dask")
    p.add_argument("--chunk-size", type=int, default=None, metavar="R",
                   help="replications per chunk (default: sized to the memory; with sobol = true whole base "
                        "samples); results do not depend on it")
    p.add_argument("--all-nodes", action="store_true", help="rank statistics for every node, not only the root")
    p.add_argument("--no-replications", action="store_true",
                   help="do not write the per-replication tables (sensitivity-replications.csv and "
                        "sensitivity-samples.csv), which are large for many replications; only exact reductions "
                        "of the replications are kept (the rank table is identical; docs/sensitivity.md)")
    p.add_argument("--check", action="store_true", help="validate and print the spec, then stop")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    booting = _start_cluster(args)
    try:
        return _run(args, started, booting)
    finally:
        if booting is not None:
            booting.close()


def _start_cluster(args: argparse.Namespace):
    """A local Dask cluster starting (in a forked driver process) while the config is loaded and the
    variants are prepared, if the run will need one (else ``None``: ``sensitivity`` reports what is wrong)."""
    if args.executor != "dask" or args.scheduler or args.check or (args.workers is not None and args.workers < 1):
        return None
    from ..optional import installed

    if not installed("distributed"):
        return None
    from ..sensitivity.executors import FORK, LocalClusterStart

    return LocalClusterStart(args.workers) if FORK else None


def _run(args: argparse.Namespace, started: float, booting) -> int:
    from ..sensitivity.api import resolve, sensitivity

    plan = load_plan(args)
    rs = resolve(plan, args.spec)
    for line in rs.describe_lines():
        print(line, flush=True)
    if args.check:
        return 0
    executor = "dask" if args.scheduler else args.executor
    from ..outputs import output_folder

    protected = [args.config] + ([args.spec] if args.spec else [])
    with output_folder(args.output, protected, command="sensitivity") as out:  # locked before the run
        result = sensitivity(plan, rs, executor=executor, workers=args.workers, chunk_size=args.chunk_size,
                             scheduler=args.scheduler, client=booting, all_nodes=args.all_nodes, progress=None,
                             replications=not args.no_replications)
        result.write(out, protected, replications=not args.no_replications)
    written = out.written
    seconds = time.perf_counter() - started  # the whole command: loading, replications, tables and writing
    replicating = result.manifest["sensitivity"]["seconds"]["replications"]
    print(f"{result.n_replications} replications in {seconds:.2f} s ({executor}; {replicating:.2f} s computing "
          f"the replications); wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}")
    return 0


COMMAND = Command(help=HELP, description=DESCRIPTION, add_arguments=add_arguments, run=run)
