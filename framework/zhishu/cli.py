"""The ``zhishu`` command: run, validate, explain and plugins.

User errors print a clear message and exit non-zero without a traceback (``--debug`` shows it). Exit codes:
0 success, 2 a problem in the config or data (every problem listed), 1 an unexpected error (a bug in
zhishu or a plugin), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import ConfigError, ZhishuError

EXIT_OK, EXIT_BUG, EXIT_USER, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhishu",
        description="zhishu (指数): composite indices from plugins, composed by TOML.",
    )
    parser.add_argument("--version", action="version", version=f"zhishu {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of any error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add_config_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("config", type=Path, help="the index config (TOML)")
        p.add_argument("--allow-import", action="store_true",
                       help="let the config's [plugins] modules import modules that are not installed plugins")
        p.add_argument("--block", action="append", default=[], metavar="PLUGIN",
                       help="do not load this plugin (repeatable; also ZHISHU_BLOCK_PLUGINS)")

    p = sub.add_parser("run", help="compute an index and write its tables")
    add_config_args(p)
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR", help="folder for the outputs")
    p.add_argument("--excel", action="store_true", help="also write results.xlsx with the same tables")
    p.add_argument("--top", type=int, default=10, help="how many units to print (default 10; 0 for none)")
    p.add_argument("--round", type=_decimals, default=None, metavar="N",
                   help="round every number in the written tables to N decimals, after ranking "
                        "(default: [output] round, else full precision)")

    p = sub.add_parser("validate", help="check a config (and its data) and list every problem")
    add_config_args(p)
    p.add_argument("--no-data", action="store_true", help="check the config only, without reading data files")

    p = sub.add_parser("explain", help="show the resolved tree with its methods and weights")
    add_config_args(p)

    from . import ahp_command

    ahp_command.add_parser(sub)

    from . import sensitivity_command

    sensitivity_command.add_parser(sub)

    p = sub.add_parser("plugins", help="list installed plugins and every component they register")
    p.add_argument("--block", action="append", default=[], metavar="PLUGIN", help="do not load this plugin")
    return parser


def _decimals(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 15:
        raise argparse.ArgumentTypeError(f"expected a whole number of decimals from 0 to 15, got {text!r}")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return EXIT_USER
    except ZhishuError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug: say where, offer the traceback
        notes = "".join(f"\n  {n}" for n in getattr(exc, "__notes__", []))
        print(f"error: unexpected {type(exc).__name__}: {exc}{notes}", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        else:
            print("this is a bug in zhishu or a plugin; rerun with --debug for the traceback and report it",
                  file=sys.stderr)
        return EXIT_BUG


def _load(args):
    from .config import load_config

    return load_config(args.config, allow_imports=args.allow_import or None, block=tuple(args.block))


def cmd_run(args) -> int:
    from .outputs import output_folder, write_result
    from .pipeline import run_config

    plan = _load(args)
    exporters = list(plan.exporters)
    if args.excel and not any(m.name == "excel" for m in exporters):
        from .config.resolve import resolve_method

        exporters.append(resolve_method(plan.hooks.registries, "exporters", "excel", "--excel"))
    # the folder is locked before the run, so that a second run into it fails at once
    with output_folder(args.output, protected=[args.config], command="run") as out:
        result = run_config(plan)
        write_result(result, out, exporters, round=args.round)
    written = out.written
    if args.top:
        _print_top(result, args.top)
    print(f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}")
    return EXIT_OK


def top_table(result, top: int, year: int | None = None) -> pd.DataFrame:
    """The best ``top`` units of a year: rank, name, the root's score, its children's scores and, when a
    tiers analysis ran, the tier."""
    year = year if year is not None else int(result.scores.index.get_level_values("year").max())
    best = result.index_scores(year).head(top)
    plan = result.plan
    children = list(plan.nodes[plan.root].children)
    labels = {c: (plan.nodes[c].name_zh or c) if c in plan.nodes else (plan.indicators[c].spec.name_zh or c)
              for c in children}
    rows = result.scores.xs(year, level="year").loc[best.index]
    table = pd.DataFrame({
        "rank": best["rank"].astype("Int64"),
        "unit": [result.units["name"].get(u, u) for u in best.index],
        plan.root: best["score"].round(2),
        **{labels[c]: rows[c].round(2) for c in children},
    }, index=best.index)
    for analysis in result.analyses.values():
        if {"unit", "year", "tier"} <= set(analysis.columns):
            tiers = analysis[analysis["year"] == year].set_index("unit")["tier"]
            if "node" not in analysis.columns or (analysis["node"] == plan.root).all():
                table["tier"] = tiers.reindex(table.index)
                break
    return table.reset_index(drop=True)


def _print_top(result, top: int) -> None:
    meta = result.plan.config.index
    year = int(result.scores.index.get_level_values("year").max())
    table = top_table(result, top, year)
    print(f"{meta.name_zh or meta.name_en or meta.id} — {year}, top {len(table)}")
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200,
                           "display.max_columns", 50):
        print(table.to_string(index=False))


def cmd_validate(args) -> int:
    from .pipeline import derive, load_sources, match_units, select_years

    plan = _load(args)
    if plan.config.sensitivity:  # the [sensitivity] table is checked here too, not only by `zhishu sensitivity`
        from .sensitivity.spec import resolve_spec

        resolve_spec(plan.config.sensitivity, plan, str(args.config))
    if not args.no_data:
        frames, _, _ = load_sources(plan)
        frames, units = match_units(plan, frames)
        raw = select_years(plan, derive(plan, frames, units))
        years = sorted(set(raw.index.get_level_values("year")))
        print(f"ok: {args.config}: {len(plan.indicators)} indicators, {len(plan.nodes)} nodes, "
              f"{len(units)} units, years {years[0]}–{years[-1]}" if years else f"ok: {args.config}")
    else:
        print(f"ok: {args.config}: {len(plan.indicators)} indicators, {len(plan.nodes)} nodes (data not read)")
    return EXIT_OK


def cmd_explain(args) -> int:
    plan = _load(args)
    meta = plan.config.index
    print(f"{meta.id}: {meta.name_zh or ''} {meta.name_en or ''}".rstrip())
    norm = "per year" if plan.reference_year is None else f"fitted on {plan.reference_year}, applied to every year"
    print(f"normalisation {norm}; imputation {plan.imputer.name}; outliers {plan.treatment.name}")
    for line in explain_lines(plan):
        print(line)
    for line in report_lines(plan):
        print(line)
    return EXIT_OK


def report_lines(plan) -> list[str]:
    """One line per node whose weighting reports diagnostics (AHP: λmax, CI, CR and the RI table)."""
    from .pipeline import weight_reports

    lines = []
    for nid, report in weight_reports(plan).items():
        facts = []
        for key, value in report.items():
            if key in ("weighting", "weights") or isinstance(value, (dict, list)):
                continue
            facts.append(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}")
        lines.append(f"{nid}: {report['weighting']} " + ", ".join(facts))
        for expert in report.get("experts", []) or []:
            parts = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in expert.items())
            lines.append(f"  expert {parts}")
    return lines


def explain_lines(plan) -> list[str]:
    """The tree, one line per node or indicator, indented by depth, with methods and static weights."""
    lines = []
    static = {}
    for node in plan.nodes.values():
        try:
            empty = pd.DataFrame(columns=list(node.children), dtype="float64")
            static.update({(node.id, c): float(w) for c, w in node.weighting.obj.weights(empty, {}).items()})
        except Exception:  # data-driven weightings need the data
            pass
    for item in plan.tree_order():
        depth = plan.level_of(item)
        parent = plan.parent_of(item)
        w = static.get((parent, item))
        weight = "" if parent is None else (f"w={w:.4f} " if w is not None else "w=(from data) ")
        pad = "  " * depth
        if item in plan.nodes:
            n = plan.nodes[item]
            name = " ".join(x for x in (n.name_zh, n.name_en) if x)
            share = f", min_share={n.min_share:g}" if n.min_share else ""
            label = f"{item} {name}".strip()
            lines.append(f"{pad}{weight}{label} [{n.aggregator.name} of {n.weighting.name}-weighted children{share}]")
        else:
            ind = plan.indicators[item]
            s = ind.spec
            name = " ".join(x for x in (s.name_zh, s.name_en) if x)
            how = f"= {s.formula}" if s.formula else f"variable {s.variable or s.id}"
            if ind.denominator:
                scale = f" × {ind.denominator_scale:g}" if ind.denominator_scale != 1 else ""
                how += f" / {ind.denominator}{scale}"
            direction = "+" if s.direction > 0 else "-"
            unit = f" ({s.unit})" if s.unit else ""
            label = f"{item} {name}".strip()
            lines.append(f"{pad}{weight}{label}{unit} [{direction}] {how}; {ind.normaliser.name} "
                         f"{_params(ind.normaliser)}".rstrip())
    return lines


def _params(method) -> str:
    params = method.resolved_params()
    return "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else ""


def cmd_plugins(args) -> int:
    from .hooks import Hooks
    from .plugins import get_plugin_manager

    hooks = Hooks(get_plugin_manager(tuple(args.block)))
    infos = hooks.plugins()
    print("plugins:")
    width = max(len(i.name) for i in infos)
    for info in infos:
        print(f"  {info.name:<{width}}  {info.distribution} {info.version}  ({info.module})")
    for kind, registry in hooks.registries.items():
        print(f"{kind}:")
        if not len(registry):
            print("  (none)")
        for entry in registry.entries():
            print(f"  {entry.name}  [{entry.plugin}]")
    return EXIT_OK


def cmd_ahp(args) -> int:
    from . import ahp_command

    return ahp_command.run(args)


def cmd_sensitivity(args) -> int:
    from . import sensitivity_command

    return sensitivity_command.run(args)


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "explain": cmd_explain, "plugins": cmd_plugins,
            "ahp": cmd_ahp, "sensitivity": cmd_sensitivity}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
