"""``zhishu audit``, ``zhishu compare`` and ``zhishu optimise-weights``: thin layers over the Python API.

Each writes its files all-or-nothing through ``zhishu.outputs.output_folder`` (or ``AtomicWriter`` on a zhishu
that predates it) and never over an input; user problems are zhishu errors (exit 2, no traceback).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import zhishu

# the audit's modules are imported by the command that runs (every `zhishu` command builds this table)


def commands() -> dict:
    Command = zhishu.Command
    return {
        "audit": Command(help="statistical audit of an index: coverage, statistics, correlations, Cronbach, PCA, "
                              "importance vs weight", add_arguments=audit_arguments, run=run_audit),
        "compare": Command(help="compare two rankings (two configs, a config and a ranking CSV, or two years)",
                           add_arguments=compare_arguments, run=run_compare),
        "optimise-weights": Command(help="weights of one node whose importances match a target",
                                    add_arguments=optimise_arguments, run=run_optimise),
    }


# ------------------------------------------------------------------------------------------ writing


def protected_paths(result) -> list[Path]:
    paths = [Path(e["path"]) for e in result.manifest.get("inputs", [])]
    if result.plan.path is not None:
        paths.append(Path(result.plan.path))
    return paths


@contextlib.contextmanager
def output(outdir, protected, command: str):
    """The output folder of contract 2 (all-or-nothing), or the older per-file atomic writer."""
    from zhishu import outputs

    folder = getattr(outputs, "output_folder", None)
    if folder is not None:
        with folder(outdir, protected=protected, command=command) as out:
            yield out
    else:
        yield outputs.AtomicWriter(outdir, protected)


def _config_arguments(parser) -> None:
    from zhishu import cli

    if hasattr(cli, "add_config_arguments"):
        cli.add_config_arguments(parser)
    else:  # a zhishu before the commands hook: the same arguments by hand
        parser.add_argument("config", type=Path, help="the index config (TOML)")
        parser.add_argument("--allow-import", action="store_true", default=False)
        parser.add_argument("--block", action="append", default=[], metavar="PLUGIN")


def _plan(args, config=None):
    import argparse

    from zhishu import cli

    if config is not None:
        args = argparse.Namespace(**{**vars(args), "config": config})
    if hasattr(cli, "load_plan"):
        return cli.load_plan(args)
    return zhishu.load_config(args.config, allow_imports=getattr(args, "allow_import", False) or None,
                              block=tuple(getattr(args, "block", None) or ()))


# ------------------------------------------------------------------------------------------ audit


def audit_arguments(parser) -> None:
    _config_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR",
                        help="folder for audit.md and one CSV per table")
    parser.add_argument("--no-sensitivity", action="store_true",
                        help="skip the uncertainty summary even when the config has a [sensitivity] table")
    parser.add_argument("--replications", type=int, default=None, metavar="N",
                        help="replications of the uncertainty analysis (default: the config's)")


def run_audit(args) -> int:
    from . import frames
    from . import sensitivity as _sensitivity
    from . import tables as _audit

    if args.replications is not None and args.replications < 1:
        raise zhishu.ConfigError([zhishu.Issue("must be at least 1", "--replications")])
    plan = _plan(args)
    result = zhishu.run_config(plan)
    tables = _audit.audit(result)
    note = "skipped with --no-sensitivity" if args.no_sensitivity else _sensitivity.available(plan)
    if note is None:
        tables.update(_sensitivity.sensitivity_tables(plan, args.replications))
    text = _audit.markdown(result, tables, _sensitivity.markdown_lines(tables, plan.root, note,
                                                                         frames.unit_names(result)))
    with output(args.output, protected_paths(result), "audit") as out:
        for name, table in tables.items():
            out.write_csv(f"{name}.csv", table)
        out.write_text("audit.md", text)
    found = tables["findings"]
    print(f"audit of {args.config}: {len(found)} findings; wrote {len(tables)} tables and audit.md to {args.output}")
    for message in found["message"].head(10):
        print(f"  - {message}")
    if len(found) > 10:
        print(f"  … {len(found) - 10} more in {Path(args.output) / 'audit.md'}")
    return 0


# ------------------------------------------------------------------------------------------ compare


def compare_arguments(parser) -> None:
    _config_arguments(parser)
    parser.add_argument("other", nargs="?", type=Path, default=None, metavar="OTHER",
                        help="a second config (.toml) or a published ranking (.csv with unit and rank or score)")
    parser.add_argument("--node", default=None, help="the node whose rankings are compared (default: the root)")
    parser.add_argument("--year", type=int, default=None, help="the year of CONFIG (default: its last)")
    parser.add_argument("--other-year", type=int, default=None, help="the year of OTHER (default: its last)")
    parser.add_argument("--years", type=int, nargs=2, default=None, metavar=("FROM", "TO"),
                        help="without OTHER: split each unit's rank change between two years of CONFIG into the "
                             "part due to its own data and the part due to the others'")
    parser.add_argument("--show", type=int, default=10, help="how many units that move most to print")
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="OUTDIR", help="also write CSV tables")


def run_compare(args) -> int:
    from . import rankings as _compare

    plan = _plan(args)
    result = zhishu.run_config(plan)
    protected = protected_paths(result)
    if args.other is None:
        if args.years is None:
            raise zhishu.ConfigError([zhishu.Issue("give a second config or ranking file to compare with, or "
                                                   "--years FROM TO to decompose the rank changes of one config",
                                                   "OTHER")])
        table = _compare.rank_change_decomposition(result, args.years[0], args.years[1], args.node)
        tables = {"rank_changes": table}
        print(f"rank changes of {table['node'].iloc[0]} from {args.years[0]} to {args.years[1]} "
              f"({len(table)} units; change = own data + others' data; positive = better):")
        for r in table.head(max(args.show, 0)).itertuples():
            print(f"  {r.name}: {r.rank_from} → {r.rank_to} ({r.change:+d} = own {r.own:+d}, others {r.others:+d})")
    else:
        if args.years is not None:
            raise zhishu.ConfigError([zhishu.Issue("--years decomposes one config; leave out OTHER", "--years")])
        if args.other.suffix.lower() == ".toml":
            other = zhishu.run_config(_plan(args, args.other))
            protected += protected_paths(other)
            tables = _compare.compare(result, other, args.node, args.year, args.other_year)
        else:
            ranking = _compare.read_ranking(args.other)
            protected.append(args.other)
            tables = _compare.compare_ranking(result, ranking, args.node, args.year, where=str(args.other))
        s = tables["summary"].iloc[0]
        print(f"{args.config} vs {args.other} ({s['node']}, {s['n']} common units): Kendall τ-b = "
              f"{s['kendall_tau']:.3f}, Spearman ρ = {s['spearman_rho']:.3f}, mean |shift| = {s['mean_abs_shift']:.2f}")
        for r in tables["units"].head(max(args.show, 0)).itertuples():
            if r.shift:
                print(f"  {r.name}: rank {r.rank_a} → {r.rank_b} ({-r.shift:+d})")
        tables = {f"compare_{k}": v for k, v in tables.items()}
    if args.output is not None:
        with output(args.output, protected, "compare") as out:
            for name, table in tables.items():
                out.write_csv(f"{name}.csv", table)
        print(f"wrote {', '.join(f'{n}.csv' for n in tables)} to {args.output}")
    return 0


# ------------------------------------------------------------------------------------------ optimise


def optimise_arguments(parser) -> None:
    _config_arguments(parser)
    parser.add_argument("--node", required=True, help="the aggregate node whose children's weights are optimised")
    parser.add_argument("--target", default="equal",
                        help='"equal" (default) or a TOML inline table of shares, e.g. "{ a = 2, b = 1 }"')
    parser.add_argument("--measure", choices=("r2", "s"), default="r2",
                        help="importance: squared correlation (r2, default) or correlation ratio (s)")
    parser.add_argument("--year", type=int, default=None, help="the year whose data are used (default: the last)")
    parser.add_argument("--tolerance", type=float, default=0.01,
                        help="largest accepted |importance − target| (default 0.01)")
    parser.add_argument("--max-iterations", type=int, default=50, help="bound on the search (default 50)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR",
                        help="folder for weights.toml, weights.csv, ranks.csv and summary.csv")


def parse_target(text: str):
    if text.strip() == "equal":
        return "equal"
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(f"target = {text}")["target"]
    except tomllib.TOMLDecodeError as exc:
        raise zhishu.ConfigError([zhishu.Issue(f'not "equal" nor a TOML inline table such as "{{ a = 2, b = 1 }}": '
                                               f"{exc}", "--target")]) from None


def run_optimise(args) -> int:
    from . import optimise as _optimise

    target = parse_target(args.target)
    plan = _plan(args)
    result = zhishu.run_config(plan)
    out_tables = _optimise.optimise_weights(result, args.node, target, measure=args.measure, year=args.year,
                                            tolerance=args.tolerance, max_iterations=args.max_iterations)
    summary = out_tables["summary"].iloc[0]
    with output(args.output, protected_paths(result), "optimise-weights") as out:
        out.write_text("weights.toml", out_tables["fragment"])
        for name in ("summary", "weights", "ranks"):
            out.write_csv(f"{name}.csv", out_tables[name])
    w = out_tables["weights"]
    print(f"{args.node} ({summary['measure']} importance, {summary['year']}): {summary['message']}")
    for r in w.itertuples():
        print(f"  {r.child}: weight {r.weight_before:.4f} → {r.weight_after:.4f}, importance "
              f"{r.importance_before:.4f} → {r.importance_after:.4f} (target {r.target:.4f})")
    print(f"wrote weights.toml, summary.csv, weights.csv, ranks.csv to {args.output}")
    if not summary["converged"]:
        print(f"error: {summary['message']}; the best weights found are in {Path(args.output) / 'weights.toml'}",
              file=sys.stderr)
        return 2
    return 0
