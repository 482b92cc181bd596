"""Commands from plugins: the ``register_commands`` hook, through a real entry point (a dist-info on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import attrs
import pytest

import zhishu
from zhishu.cli import BUILTINS, EXIT_BUG, EXIT_OK, EXIT_USER, add_config_arguments, commands, load_plan, main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"

HELLO = """
import zhishu
from zhishu.cli import add_config_arguments, load_plan


def add_hello(parser):
    parser.add_argument("--name", default="world")


def hello(args):
    print(f"hello, {args.name}")
    return 0


def add_count(parser):
    add_config_arguments(parser)


def count(args):
    plan = load_plan(args)
    print(f"{len(plan.indicators)} indicators")
    return 0


def refuse(args):
    raise zhishu.OutputError("nothing to refuse into: choose another folder")


def crash(args):
    raise RuntimeError("the crash command crashed")


@zhishu.hookimpl
def register_commands(register):
    register("hello", zhishu.Command(help="say hello (a test plugin)", add_arguments=add_hello, run=hello))
    register("count", zhishu.Command(help="count a config's indicators", add_arguments=add_count, run=count))
    register("refuse", zhishu.Command(help="a user error", run=refuse))
    register("crash", zhishu.Command(help="a bug", run=crash))
"""


def install(folder: Path, entry_point: str, source: str) -> str:
    """A plugin module plus a ``*.dist-info`` with an entry point in group ``zhishu`` inside ``folder``: what
    ``pip install`` leaves, found by importlib.metadata once ``folder`` is on sys.path."""
    module = f"zhishu_cmd_test_{uuid.uuid4().hex[:8]}"
    (folder / f"{module}.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    info = folder / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[zhishu]\n{entry_point} = {module}\n")
    return module


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delenv("ZHISHU_BLOCK_PLUGINS", raising=False)
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        if name.startswith("zhishu_cmd_test_"):
            del sys.modules[name]


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_plugin_command_runs_and_takes_its_own_arguments(plugin_dir, capsys):
    install(plugin_dir, "hello", HELLO)
    assert cli(capsys, "hello") == (EXIT_OK, "hello, world\n", "")
    assert cli(capsys, "hello", "--name", "zhishu") == (EXIT_OK, "hello, zhishu\n", "")
    table = commands()
    assert table["hello"][1] == "hello" and table["run"][1] == "zhishu"


def test_a_plugin_command_shares_the_config_arguments(plugin_dir, capsys):
    install(plugin_dir, "hello", HELLO)
    code, out, err = cli(capsys, "count", DEMO)
    assert code == EXIT_OK, err
    assert out == f"{len(zhishu.load_config(DEMO).indicators)} indicators\n"
    code, _, err = cli(capsys, "count", DEMO, "--block", "normalisers")  # --block reaches load_plan
    assert code == EXIT_USER and "unknown normaliser 'minmax'" in err


def test_plugin_command_errors_map_to_exit_codes_and_name_the_plugin(plugin_dir, capsys):
    install(plugin_dir, "hello", HELLO)
    assert cli(capsys, "refuse") == (EXIT_USER, "", "error: nothing to refuse into: choose another folder\n")
    code, _, err = cli(capsys, "crash")
    assert code == EXIT_BUG
    assert err.splitlines()[0] == "error: unexpected RuntimeError: the crash command crashed"
    assert "bug in plugin 'hello' (while running `zhishu crash`)" in err and "--debug" in err
    assert "Traceback" not in err
    code, _, err = cli(capsys, "crash", "--debug")
    assert code == EXIT_BUG and "Traceback (most recent call last)" in err


def test_a_blocked_plugin_has_no_command(plugin_dir, capsys):
    install(plugin_dir, "hello", HELLO)
    with pytest.raises(SystemExit) as info:
        main(["--block", "hello", "hello"])
    assert info.value.code == 2
    assert "invalid choice: 'hello'" in capsys.readouterr().err


def test_the_command_shows_in_zhishu_help_in_a_fresh_process(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install(site, "hello", HELLO)
    env = {k: v for k, v in os.environ.items() if k != "ZHISHU_BLOCK_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    run = lambda *a: subprocess.run([sys.executable, "-m", "zhishu", *a], capture_output=True, text=True, env=env,
                                    timeout=120)  # noqa: E731
    proc = run("--help")
    assert proc.returncode == 0, proc.stderr
    assert "say hello (a test plugin)" in proc.stdout
    for name in ("run", "validate", "explain", "plugins", "ahp", "sensitivity", "hello", "count"):
        assert name in proc.stdout.split("positional arguments:")[1].split("options:")[0]
    proc = run("hello", "--name", "entry point")
    assert (proc.returncode, proc.stdout) == (0, "hello, entry point\n"), proc.stderr
    proc = run("plugins")
    assert "  hello  [hello]" in proc.stdout.split("commands:")[1]


def test_two_plugins_with_one_command_name_is_an_error_naming_both(plugin_dir, capsys):
    install(plugin_dir, "hello", HELLO)
    install(plugin_dir, "twin", HELLO)
    code, out, err = cli(capsys, "--help")
    assert code == EXIT_USER and out == ""
    assert "command 'hello' is registered twice: by plugin 'hello' and by plugin 'twin'" in err or \
        "command 'hello' is registered twice: by plugin 'twin' and by plugin 'hello'" in err
    code, out, _ = cli(capsys, "--block", "twin", "hello")  # the suggested fix works
    assert (code, out) == (EXIT_OK, "hello, world\n")


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_a_command_named_like_a_built_in_is_an_error(plugin_dir, capsys, name):
    install(plugin_dir, "clash", f"""
        import zhishu

        @zhishu.hookimpl
        def register_commands(register):
            register({name!r}, zhishu.Command(help="clash", run=lambda args: 0))
    """)
    code, _, err = cli(capsys, "plugins")
    assert code == EXIT_USER
    assert f"command {name!r} of plugin 'clash' clashes with the built-in command `zhishu {name}`" in err
    code, _, err = cli(capsys, "--block", "clash", "plugins")  # the suggested fix works
    assert code == EXIT_OK, err


def test_registering_something_else_than_a_command_is_an_error(plugin_dir, capsys):
    install(plugin_dir, "odd", """
        import zhishu

        @zhishu.hookimpl
        def register_commands(register):
            register("odd", lambda args: 0)
    """)
    code, _, err = cli(capsys, "plugins")
    assert code == EXIT_USER
    assert "plugin 'odd' registered command 'odd' as function; register a zhishu.Command(" in err


def test_first_party_commands_are_default_plugins(capsys):
    table = commands()
    assert table["ahp"][1] == "commands" and table["sensitivity"][1] == "commands"
    assert "ahp" not in commands(("commands",))
    with pytest.raises(SystemExit):
        main(["--block", "commands", "ahp", "x.csv"])
    capsys.readouterr()


def test_command_is_frozen_and_checks_its_fields():
    command = zhishu.Command(help="h", run=lambda args: 0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        command.help = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        zhishu.Command(help="h", run="not callable")
    import argparse

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)  # the default adds nothing
    assert parser.parse_args([]) == argparse.Namespace()


def test_shared_config_arguments_outside_the_zhishu_parser():
    import argparse

    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    args = parser.parse_args([str(DEMO), "--block", "objective_weights", "--allow-import"])
    assert (args.config, args.block, args.allow_import, args.data_root) == (DEMO, ["objective_weights"], True, None)
    assert "entropy" not in load_plan(args).hooks.registries.weightings


def test_a_bug_in_add_arguments_names_the_command_and_plugin(plugin_dir, capsys):
    install(plugin_dir, "faulty", """
        import zhishu

        def add_arguments(parser):
            parser.add_argument("--x", type=int, default="not", choices=1)

        @zhishu.hookimpl
        def register_commands(register):
            register("faulty", zhishu.Command(help="faulty", add_arguments=add_arguments, run=lambda args: 0))
    """)
    code, _, err = cli(capsys, "faulty")
    assert code == EXIT_BUG
    assert "raised in add_arguments of command 'faulty' of plugin 'faulty'" in err
    # only the command being run gets its arguments: the bug does not break the other commands
    code, out, _ = cli(capsys, "plugins")
    assert code == 0 and "faulty" in out
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0 and "faulty" in capsys.readouterr().out
