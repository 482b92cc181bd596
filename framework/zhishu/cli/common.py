"""Arguments every command that reads a config shares, defined once, and loading its Plan.

A plugin's command uses them as the built-ins do::

    def add_arguments(parser):
        zhishu.cli.add_config_arguments(parser)
        parser.add_argument("-o", "--output", type=Path, required=True)

    def run(args):
        plan = zhishu.cli.load_plan(args)
"""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from ..errors import ConfigError, Issue


def add_global_arguments(parser: argparse.ArgumentParser) -> None:
    """``--debug`` plus the config options on a subcommand's parser, so that the global options work after the
    subcommand as well as before it (the top-level parser has its own; the entry point merges both)."""
    parser.add_argument("--debug", action="store_true", default=False, help="show the full traceback of any error")
    _add_config_options(parser)


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-import", action="store_true", default=False,
                        help="let the config's [plugins] modules import modules that are not installed plugins")
    parser.add_argument("--block", action="append", default=[], metavar="PLUGIN",
                        help="do not load this plugin (repeatable; also ZHISHU_BLOCK_PLUGINS)")
    parser.add_argument("--data-root", type=Path, default=None, metavar="DIR",
                        help="confine every data file the config reads to DIR")


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The positional ``config`` (the index's TOML file) plus ``--allow-import``, ``--block`` and
    ``--data-root``; :func:`load_plan` reads them. (The ``zhishu`` entry point builds subparsers with
    ``conflict_handler="resolve"``, so these replace the copies it added for the global options.)"""
    parser.add_argument("config", type=Path, help="the index config (TOML)")
    _add_config_options(parser)


def load_plan(args: argparse.Namespace):
    """The :class:`~zhishu.config.plan.Plan` of ``args.config``, honouring ``--allow-import``, ``--block`` and
    ``--data-root``; a :class:`~zhishu.ConfigError` listing every problem otherwise."""
    from ..config import load_config

    kwargs = {"allow_imports": getattr(args, "allow_import", False) or None,
              "block": tuple(getattr(args, "block", None) or ())}
    data_root = getattr(args, "data_root", None)
    if data_root is not None:
        if "data_root" not in inspect.signature(load_config).parameters:
            raise ConfigError([Issue("--data-root is not supported by this version of zhishu's config loader",
                                     "--data-root")])
        kwargs["data_root"] = data_root
    return load_config(args.config, **kwargs)
