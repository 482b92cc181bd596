"""``zhishu plugins``: installed plugins and every component (and command) they register."""

from __future__ import annotations

import argparse

from ..commands import Command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--block", action="append", default=[], metavar="PLUGIN", help="do not load this plugin")


def run(args: argparse.Namespace) -> int:
    from ..hooks import Hooks
    from ..plugins import get_plugin_manager

    hooks = Hooks(get_plugin_manager(tuple(args.block)))
    infos = hooks.plugins()
    print("plugins:")
    width = max((len(i.name) for i in infos), default=0)
    for info in infos:
        print(f"  {info.name:<{width}}  {info.distribution} {info.version}  ({info.module})")
    for kind, registry in hooks.registries.items():
        print(f"{kind}:")
        if not len(registry):
            print("  (none)")
        for entry in registry.entries():
            print(f"  {entry.name}  [{entry.plugin}]")
    return 0


COMMAND = Command(help="list installed plugins and every component they register", add_arguments=add_arguments,
                  run=run)
