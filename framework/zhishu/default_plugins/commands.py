"""The first-party commands that are plugins like any other: ``zhishu ahp`` and ``zhishu sensitivity``.

They register through the same ``register_commands`` hook a third-party plugin uses (block them with
``--block commands``); the built-ins run, validate, explain and plugins are part of the ``zhishu`` command.
"""

from __future__ import annotations

from ..hookspecs import hookimpl


@hookimpl
def register_commands(register):
    from ..cli import ahp, sensitivity

    register("ahp", ahp.COMMAND)
    register("sensitivity", sensitivity.COMMAND)
