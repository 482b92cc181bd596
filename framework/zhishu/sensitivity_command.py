"""``zhishu sensitivity CONFIG -o OUTDIR``: uncertainty and sensitivity analysis of an index.

The ``[sensitivity]`` table is read from ``--spec FILE`` if given, else from CONFIG. The whole spec is
validated and every uncertain input printed as resolved before anything runs. ``docs/sensitivity.md`` is the
reference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sensitivity`` subcommand to ``subparsers``."""
    p = subparsers.add_parser(
        "sensitivity",
        help="uncertainty and sensitivity analysis: rank distributions and Sobol indices",
        description="Replicate the index under uncertain weights, normalisers, aggregators, imputation and "
                    "left-out indicators (the [sensitivity] table of CONFIG or of --spec FILE) and write rank "
                    "distributions, every replication and, with sobol = true, Sobol indices.",
    )
    p.add_argument("config", type=Path, help="the index config (TOML)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR", help="folder for the outputs")
    p.add_argument("--spec", type=Path, default=None, metavar="FILE",
                   help="a TOML file with the [sensitivity] table (default: CONFIG's own)")
    p.add_argument("--executor", choices=("inprocess", "processes", "dask"), default="inprocess",
                   help="where chunks run: this process (default), local processes, or Dask distributed")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes, or Dask workers of the local cluster started (default: 2 for dask, the "
                        "number of CPUs for processes)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="use an existing Dask scheduler (e.g. tcp://10.0.0.1:8786) instead of a local cluster; "
                        "implies --executor dask")
    p.add_argument("--chunk-size", type=int, default=1000, metavar="R",
                   help="replications per chunk (default 1000); results do not depend on it")
    p.add_argument("--all-nodes", action="store_true",
                   help="rank statistics for every node, not only the root")
    p.add_argument("--no-replications", action="store_true",
                   help="do not write the per-replication tables (sensitivity-replications.csv and "
                        "sensitivity-samples.csv), which are large for many replications")
    p.add_argument("--check", action="store_true", help="validate and print the spec, then stop")
    p.add_argument("--allow-import", action="store_true",
                   help="let the config's [plugins] modules import modules that are not installed plugins")
    p.add_argument("--block", action="append", default=[], metavar="PLUGIN", help="do not load this plugin")
    return p


def run(args) -> int:
    from .config import load_config
    from .sensitivity import read_spec_table, resolve_spec, run_sensitivity, write_sensitivity

    plan = load_config(args.config, allow_imports=args.allow_import or None, block=tuple(args.block))
    raw, file = read_spec_table(args.config, args.spec)
    rs = resolve_spec(raw, plan, file)
    for line in rs.describe_lines():
        print(line, flush=True)
    if args.check:
        return 0
    executor = "dask" if args.scheduler else args.executor
    if args.workers is not None and args.workers < 1:
        from .errors import ConfigError, Issue

        raise ConfigError([Issue(f"--workers must be at least 1, got {args.workers}", "--workers")])
    from .outputs import output_folder

    protected = [args.config] + ([args.spec] if args.spec else [])
    with output_folder(args.output, protected, command="sensitivity") as out:  # locked before the run
        result = run_sensitivity(plan, rs, executor=executor, workers=args.workers, chunk_size=args.chunk_size,
                                 scheduler=args.scheduler, all_nodes=args.all_nodes, progress=None)
        write_sensitivity(result, out, protected, replications=not args.no_replications)
    written = out.written
    secs = result.manifest["sensitivity"]["seconds"]
    print(f"{result.replications} replications in {secs['replications']:.2f} s ({executor}); "
          f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(add_parser(argparse.ArgumentParser().add_subparsers()).parse_args()))
