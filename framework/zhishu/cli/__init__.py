"""The ``zhishu`` command: the entry point, the one mapping of errors to exit codes, and the command table.

Built-in commands (run, validate, explain, plugins) live in this package, one module each; every other command
(``ahp``, ``sensitivity`` and any third party's) is registered through the ``register_commands`` hook. Each
command is a thin layer over a public Python function.

Exit codes: 0 success; 2 a user problem (any :class:`~zhishu.ZhishuError` — config, data, outputs, unknown
names, a missing optional dependency — or a file that cannot be read or written), printed without a traceback;
1 an unexpected error (a bug in zhishu or a plugin), one line naming what failed, ``--debug`` for the
traceback; 130 interrupted. The global options ``--debug``, ``--allow-import``, ``--block`` and ``--data-root``
work before or after the subcommand.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import traceback
from collections.abc import Mapping, Sequence

from .. import __version__
from ..commands import Command
from ..errors import PluginError, ZhishuError, add_note
from . import explain, plugins, run, validate
from .common import add_config_arguments, add_global_arguments, load_plan

__all__ = ["BUILTINS", "EXIT_BUG", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USER", "add_config_arguments",
           "build_parser", "commands", "console", "exit_process", "load_plan", "main"]

EXIT_OK, EXIT_BUG, EXIT_USER, EXIT_INTERRUPTED = 0, 1, 2, 130

#: the commands that are part of ``zhishu`` itself; a plugin command may not take these names
BUILTINS: dict[str, Command] = {"run": run.COMMAND, "validate": validate.COMMAND, "explain": explain.COMMAND,
                                "plugins": plugins.COMMAND}


def commands(block: Sequence[str] = ()) -> dict[str, tuple[Command, str]]:
    """Every command (built-ins first, then plugins' in registration order) with the plugin that registered it
    (``"zhishu"`` for a built-in). A plugin command named like a built-in, or not a :class:`zhishu.Command`, is a
    :class:`~zhishu.PluginError`; two plugins registering one name already are (naming both)."""
    from ..config.load import shared_hooks

    table = {name: (command, "zhishu") for name, command in BUILTINS.items()}
    try:
        entries = shared_hooks(tuple(block)).commands().entries()  # the manager the command's load reuses
    except PluginError as exc:  # e.g. two plugins registering one command: say how to leave one out
        if "--block" in str(exc):  # the message already names the plugin to leave out
            raise
        raise PluginError(f"{exc}; to leave out a plugin for one command: `zhishu --block PLUGIN …`") from None
    for entry in entries:
        if entry.name in BUILTINS:
            raise PluginError(f"command {entry.name!r} of plugin {entry.plugin!r} clashes with the built-in command "
                              f"`zhishu {entry.name}`; rename the plugin's command, or block the plugin "
                              f"(--block {entry.plugin} or ZHISHU_BLOCK_PLUGINS={entry.plugin})")
        if not isinstance(entry.obj, Command):
            raise PluginError(f"plugin {entry.plugin!r} registered command {entry.name!r} as "
                              f"{type(entry.obj).__name__}; register a zhishu.Command(help=..., run=..., "
                              "add_arguments=...)")
        table[entry.name] = (entry.obj, entry.plugin)
    return table


def build_parser(table: Mapping[str, tuple[Command, str]] | None = None,
                 only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``zhishu`` with a subparser per command of ``table`` (default: every command).

    With ``only``, the name of one of them, only that command's own arguments are added (the others' subparsers
    still exist, with their help, so ``zhishu --help`` lists every command); ``only=""`` adds none, for a command
    line that names no command. ~130 ``add_argument`` calls are ~5 ms of every command, and a plugin's bug in
    ``add_arguments`` then breaks only its own command."""
    table = commands() if table is None else table
    parser = argparse.ArgumentParser(
        prog="zhishu",
        description="zhishu (指数): composite indices from plugins, composed by TOML.",
    )
    parser.add_argument("--version", action="version", version=f"zhishu {__version__}")
    parser.add_argument("--debug", dest="global_debug", action="store_true",
                        help="show the full traceback of any error")
    parser.add_argument("--allow-import", dest="global_allow_import", action="store_true",
                        help="let the config's [plugins] modules import modules that are not installed plugins")
    parser.add_argument("--block", dest="global_block", action="append", default=[], metavar="PLUGIN",
                        help="do not load this plugin (repeatable; also ZHISHU_BLOCK_PLUGINS)")
    parser.add_argument("--data-root", dest="global_data_root", default=None, metavar="DIR",
                        help="confine every data file the config reads to DIR")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (command, plugin) in table.items():
        p = sub.add_parser(name, help=command.help, description=command.description or command.help,
                           conflict_handler="resolve")
        if only is not None and name != only:
            continue
        add_global_arguments(p)
        try:
            command.add_arguments(p)
        except Exception as exc:
            add_note(exc, f"raised in add_arguments of command {name!r} of plugin {plugin!r}")
            raise
    return parser


def _merge_globals(args: argparse.Namespace) -> None:
    """One value per global option, whether given before or after the subcommand."""
    from pathlib import Path

    args.debug = args.global_debug or getattr(args, "debug", False)
    args.allow_import = args.global_allow_import or getattr(args, "allow_import", False)
    args.block = [*args.global_block, *(getattr(args, "block", None) or [])]
    root = getattr(args, "data_root", None) or args.global_data_root
    args.data_root = Path(root) if root is not None else None


#: the global options before the command that take a value as the next argument
_VALUED = ("--block", "--data-root")


def _command_name(argv: Sequence[str], table: Mapping[str, tuple[Command, str]]) -> str | None:
    """The command ``argv`` runs: its first argument that is not a global option (or an option's value);
    ``None`` when there is none, or it is no command (argparse then reports that; every command is listed)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in table else None
    return None


def _blocked(argv: Sequence[str]) -> tuple[str, ...]:
    """The ``--block NAME`` / ``--block=NAME`` options anywhere in ``argv`` (needed before parsing, to know
    which plugins' commands exist)."""
    out = []
    for i, arg in enumerate(argv):
        if arg == "--block" and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif arg.startswith("--block="):
            out.append(arg.split("=", 1)[1])
    return tuple(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zhishu argv…`` and return its exit status (the console script exits with it)."""
    one_shot = argv is None  # the process's own command line: the process ends with the command
    argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    if argv == ["--version"]:  # answered before the plugins are discovered (their commands are not needed)
        print(f"zhishu {__version__}")
        return EXIT_OK
    debug = "--debug" in argv
    what = "building the command line"
    plugin = "zhishu"
    try:
        with _collector_paused(freeze=one_shot):
            table = commands(_blocked(argv))
            parser = build_parser(table, only=_command_name(argv, table) or "")
            args = parser.parse_args(argv)
        _merge_globals(args)
        debug = args.debug
        command, plugin = table[args.command]
        what = f"running `zhishu {args.command}`"
        return int(command.run(args))
    except BaseException as exc:  # noqa: BLE001 - the one place that turns every error into an exit status
        if isinstance(exc, SystemExit):  # argparse: usage errors (2), --help and --version (0)
            raise
        return report(exc, debug=debug, what=what, plugin=plugin)


def console() -> int:
    """The ``zhishu`` console script and ``python -m zhishu``: run the command line of this process, then end
    the process at once (:func:`exit_process`)."""
    exit_process(main())
    return EXIT_OK  # pragma: no cover - exit_process does not return


def exit_process(status: int) -> None:
    """End a process that ran its one command, with exit ``status``, skipping the interpreter's teardown.

    At exit the interpreter clears every module and frees every object one by one — pandas, numpy, pyarrow,
    the plugins and the run's data: ~50 ms of CPU after a ``zhishu sensitivity`` that has written its outputs
    and printed its summary. What exit does that matters is kept: stdout and stderr are flushed and every
    ``atexit`` function runs, in the order the interpreter would run them. Where the teardown could still
    matter — another thread alive (the interpreter would wait for it or run its exit hooks) or a flush that
    fails (the interpreter reports it, exit status 120) — the interpreter's own exit is used (``sys.exit``)."""
    import atexit
    import threading

    if threading.active_count() > 1:
        sys.exit(status)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except Exception:  # noqa: BLE001 - e.g. a closed pipe: the interpreter's exit reports it as it always does
        sys.exit(status)
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):  # anything an exit function printed
            if stream is not None:
                stream.flush()
    except Exception:  # noqa: BLE001
        sys.exit(status)
    os._exit(status)


@contextlib.contextmanager
def _collector_paused(freeze: bool):
    """The cyclic garbage collector off while the command table is built: importing pandas, numpy and the
    plugins allocates hundreds of thousands of long-lived objects and no garbage, and each full collection
    would walk them all (~0.1 s of a short command). With ``freeze`` (a process running one command) they are
    then moved out of the collector's sight (``gc.freeze``), so later collections skip them too."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def report(exc: BaseException, *, debug: bool = False, what: str = "zhishu", plugin: str = "zhishu") -> int:
    """Print ``exc`` for a user and return the exit status it maps to."""
    from ..optional import EXTRAS, missing_message
    from .oserrors import describe

    if isinstance(exc, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, BrokenPipeError):  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    user = None
    if isinstance(exc, ZhishuError):
        user = str(exc)
    elif isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".", 1)[0] in EXTRAS:
        user = missing_message(exc.name.split(".", 1)[0])
    elif isinstance(exc, OSError) and exc.filename is not None:
        user = describe(exc)
    if user is not None:
        print(f"error: {user}", file=sys.stderr)
        if debug:
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        return EXIT_USER
    notes = "".join(f"\n  {n}" for n in getattr(exc, "__notes__", []))
    print(f"error: unexpected {type(exc).__name__}: {exc}{notes}", file=sys.stderr)
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    else:
        culprit = "zhishu or a plugin" if plugin == "zhishu" else f"plugin {plugin!r}"
        print(f"this is a bug in {culprit} (while {what}); "
              "rerun with --debug for the traceback and report it", file=sys.stderr)
    return EXIT_BUG
