"""Subcommands of ``zhishu`` that plugins contribute through the ``register_commands`` hook.

A plugin registers ``register("audit", zhishu.Command(help=..., add_arguments=fn, run=fn))``; the ``zhishu``
command adds a subparser named ``audit``, lets ``add_arguments(parser)`` fill it, and calls ``run(args)`` with
the parsed arguments. ``run`` returns the exit status (0 ok) and raises zhishu's errors (:class:`ConfigError`,
:class:`DataError`, :class:`OutputError` …) for user problems, which the command prints without a traceback
and answers with exit status 2. Shared config arguments: :func:`zhishu.cli.add_config_arguments` and
:func:`zhishu.cli.load_plan`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import attrs
from .classes import frozen


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command without arguments of its own."""


@frozen(kw_only=True)
class Command:
    """One ``zhishu`` subcommand.

    :ivar help: one line for ``zhishu --help``.
    :ivar run: ``run(args) -> int``: do the work, return the exit status.
    :ivar add_arguments: ``add_arguments(parser)`` adds the command's arguments to its argparse subparser.
    :ivar description: the longer text of ``zhishu NAME --help`` (default: ``help``).
    """

    help: str = attrs.field(validator=attrs.validators.instance_of(str))
    run: Callable[[argparse.Namespace], int] = attrs.field(validator=attrs.validators.is_callable())
    add_arguments: Callable[[argparse.ArgumentParser], None] = attrs.field(
        default=_no_arguments, validator=attrs.validators.is_callable())
    description: str | None = None
