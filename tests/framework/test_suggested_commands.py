"""Every command a message suggests works: each message is produced for real, the command it suggests is taken
from the message text and run, and a scan of the sources makes sure no suggestion is left untested."""

from __future__ import annotations

import importlib.metadata as md
import io
import re
import subprocess
import sys
import textwrap
import tokenize
import uuid
from pathlib import Path

import pytest

from zhishu.cli import EXIT_BUG, EXIT_OK, EXIT_USER, main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"
DEMO_DATA = ROOT / "examples" / "data" / "demo" / "regions.csv"

#: every `zhishu …` suggestion in a message of framework/ or plugins/, with the test below that runs it
TESTED = {
    "zhishu --allow-import …": "test_allow_import_suggestion_runs_before_and_after_the_subcommand",
    "zhishu plugins": "test_zhishu_plugins_suggestion_lists_the_names",
    "zhishu --block PLUGIN …": "test_block_suggestion_for_a_duplicate_command_works",
    # zhishu.errors.leave_out, the end of every plugin problem's message (also tested by
    # test_block_suggestion_for_a_lazy_component_that_fails_to_import_works)
    "zhishu --block {plugin} …": "test_block_suggestion_for_a_broken_entry_point_works",
    "zhishu sensitivity {config_arg} -o {folder_arg}": "test_report_sensitivity_suggestion_writes_what_it_reads",
}
#: backticked `zhishu …` texts in messages that name a command rather than suggest running one
NOT_SUGGESTIONS = {"zhishu {entry.name}", "zhishu {args.command}", "zhishu {c}", "zhishu {command}"}


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def suggested(message: str) -> list[str]:
    return re.findall(r"`(zhishu [^`]+)`", message)


def message_strings() -> dict[str, Path]:
    """Every backticked ``zhishu …`` in a string literal (not a docstring) of the framework and the plugins."""
    found: dict[str, Path] = {}
    for path in [*(ROOT / "framework").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]:
        tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
        for i, tok in enumerate(tokens):
            if tok.type != tokenize.STRING and getattr(tokenize, "FSTRING_MIDDLE", None) != tok.type:
                continue
            if tok.string.lstrip("rbfuRBFU").startswith(('"""', "'''")):
                continue  # a docstring or other prose
            for text in suggested(tok.string):
                found[text] = path
    return found


def test_every_suggestion_in_a_message_is_tested():
    untested = {t: str(p.relative_to(ROOT)) for t, p in message_strings().items()
                if t not in TESTED and t not in NOT_SUGGESTIONS}
    assert not untested, f"suggested commands without a test here: {untested}"
    for name in TESTED.values():
        assert name in globals(), name


def boom_module(folder: Path) -> str:
    name = f"zhishu_suggest_test_{uuid.uuid4().hex[:8]}"
    (folder / f"{name}.py").write_text("import zhishu\n\n@zhishu.hookimpl\ndef register_normalisers(register):\n"
                                       "    pass\n")
    return name


@pytest.fixture
def isolated(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("ZHISHU_ALLOW_IMPORTS", raising=False)
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("zhishu_suggest_test_"):
            del sys.modules[name]


def test_allow_import_suggestion_runs_before_and_after_the_subcommand(tmp_path, capsys, isolated):
    module = boom_module(tmp_path)
    text = DEMO.read_text(encoding="utf-8").replace("../examples/", str(ROOT / "examples") + "/")
    config = tmp_path / "demo.toml"
    config.write_text(text + f'\n[plugins]\nmodules = ["{module}"]\npaths = ["."]\n', encoding="utf-8")
    code, _, err = cli(capsys, "validate", config, "--no-data")
    assert code == EXIT_USER
    [command] = suggested(err)
    assert command == "zhishu --allow-import …"
    words = command.split()[1:-1]  # the options before "…", which stands for the rest of the command line
    for argv in ([*words, "validate", config, "--no-data"], ["validate", config, "--no-data", *words],
                 [*words, "run", config, "-o", tmp_path / "out", "--top", "0"]):
        code, out, err = cli(capsys, *argv)
        assert code == EXIT_OK, (argv, err)


def test_zhishu_plugins_suggestion_lists_the_names(tmp_path, capsys):
    config = tmp_path / "unknown.toml"
    config.write_text(textwrap.dedent(f"""
        [index]
        id = "x"
        [sources.demo]
        plugin = "table"
        params = {{ path = {str(DEMO_DATA)!r} }}
        [nodes.index]
        children = ["no_such_indicator"]
    """).lstrip())
    code, _, err = cli(capsys, "validate", config)
    assert code == EXIT_USER
    commands = set(suggested(err))
    if not commands:
        pytest.fail(f"no message suggested `zhishu plugins`; adjust the config so one does:\n{err}")
    assert commands == {"zhishu plugins"}
    code, out, _ = cli(capsys, "plugins")
    normalisers = out.split("\nnormalisers:\n", 1)[1].split("\nweightings:\n", 1)[0].splitlines()
    assert code == EXIT_OK and "  minmax  [normalisers]" in normalisers


def test_spec_file_suggestion_works(tmp_path, capsys):
    data = "unit,year,a,b\nA,2021,1,2\nB,2021,3,1\nC,2021,2,5\n"
    (tmp_path / "d.csv").write_text(data)
    config = tmp_path / "c.toml"
    config.write_text('[index]\nid = "c"\n[sources.s]\nplugin = "table"\nparams = { path = "d.csv" }\n'
                      '[indicators.a]\ndirection = 1\n[indicators.b]\ndirection = 1\n[nodes.index]\n'
                      'children = ["a", "b"]\n')
    code, _, err = cli(capsys, "sensitivity", config, "-o", tmp_path / "o")
    assert code == EXIT_USER and "pass a separate file with --spec FILE" in err
    spec = tmp_path / "spec.toml"
    spec.write_text("[sensitivity]\nreplications = 4\n[sensitivity.weights]\nnoise = 0.1\n")
    code, _, err = cli(capsys, "sensitivity", config, "-o", tmp_path / "o", "--spec", spec)
    assert code == EXIT_OK, err


BROKEN = """
import zhishu

@zhishu.hookimpl
def register_commands(register):
    def run(args):
        raise ValueError("broken")
    register("broken", zhishu.Command(help="a bug", run=run))
"""


def install(folder: Path, entry_point: str, source: str) -> None:
    """A module and a dist-info with an entry point in group ``zhishu``, as ``pip install`` leaves them."""
    name = f"zhishu_suggest_test_{uuid.uuid4().hex[:8]}"
    (folder / f"{name}.py").write_text(source)
    info = folder / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[zhishu]\n{entry_point} = {name}\n")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def test_block_suggestion_for_a_duplicate_command_works(tmp_path, capsys, isolated):
    install(tmp_path, "broken", BROKEN)
    install(tmp_path, "twin", BROKEN)
    code, _, err = cli(capsys, "plugins")
    assert code == EXIT_USER and "command 'broken' is registered twice" in err
    [command] = suggested(err)
    argv = command.replace("PLUGIN", "twin").split()[1:-1]
    code, out, err = cli(capsys, *argv, "plugins")
    assert code == EXIT_OK and "  broken  [broken]" in out, err


def test_block_suggestion_for_a_broken_entry_point_works(tmp_path, capsys, isolated):
    install(tmp_path, "missing", "import zhishu_suggest_no_such_dependency\n")  # fails to import
    install(tmp_path, "mismatch", "import zhishu\n\n@zhishu.hookimpl\ndef register_normalisers(register, extra):\n"
                                  "    pass\n")  # does not match the hooks
    words: list[str] = []
    for _ in range(2):  # each run names the first broken plugin it meets; follow each suggestion in turn
        code, _, err = cli(capsys, *words, "plugins")
        assert code == EXIT_USER, err
        [command] = suggested(err)
        name = command.split()[2]
        assert command == f"zhishu --block {name} …" and f"error: plugin {name!r} (entry point `{name} = " in err
        words += command.split()[1:-1]
    assert sorted(words[1::2]) == ["mismatch", "missing"]
    code, out, err = cli(capsys, *words, "plugins")
    assert code == EXIT_OK and "normalisers" in out, err


def test_block_suggestion_for_a_lazy_component_that_fails_to_import_works(tmp_path, capsys, isolated):
    install(tmp_path, "lazybroken", "import zhishu\n\n@zhishu.hookimpl\ndef register_sources(register):\n"
                                    "    register('gone', zhishu.lazy('zhishu_suggest_no_such_module:Source'))\n")
    code, _, err = cli(capsys, "plugins")  # lists every component: imports the lazy one
    assert code == EXIT_USER, err
    [command] = suggested(err)
    assert command == "zhishu --block lazybroken …" and "registered source 'gone' as " in err
    code, out, err = cli(capsys, *command.split()[1:-1], "plugins")
    assert code == EXIT_OK and "normalisers" in out and "gone" not in out, err


def test_debug_suggestion_shows_the_traceback(tmp_path, capsys, isolated):
    install(tmp_path, "broken", BROKEN)
    code, _, err = cli(capsys, "broken")
    assert code == EXIT_BUG and "rerun with --debug" in err and "Traceback" not in err
    for argv in (["--debug", "broken"], ["broken", "--debug"]):
        code, _, err = cli(capsys, *argv)
        assert code == EXIT_BUG and "Traceback (most recent call last)" in err and "ValueError: broken" in err


def test_every_extra_a_message_names_exists():
    provided = set(md.metadata("zhishu").get_all("Provides-Extra") or [])
    named = set()
    for path in [*(ROOT / "framework").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]:
        named |= set(re.findall(r"zhishu\[(\w+)\]", path.read_text(encoding="utf-8")))
    from zhishu.optional import EXTRAS

    named |= set(EXTRAS.values())
    assert named and named <= provided, named - provided


def test_console_script_and_python_m_are_the_same_command(tmp_path):
    script = Path(sys.executable).with_name("zhishu")
    if not script.exists():
        pytest.skip("no console script next to this interpreter (zhishu is not pip-installed here)")
    for argv in ([str(script)], [sys.executable, "-m", "zhishu"]):
        proc = subprocess.run([*argv, "validate", str(DEMO), "--no-data"], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and proc.stdout.startswith("ok: "), proc.stderr


def test_report_sensitivity_suggestion_writes_what_it_reads(tmp_path, capsys):
    import shlex

    pytest.importorskip("plotly", reason="the report extra is not installed")
    asem = ROOT / "configs" / "examples" / "asem.toml"
    if not (ROOT.parent / "shared" / "data" / "asem").is_dir():
        pytest.skip("the ASEM data is not under ../shared/data/asem")
    folder = tmp_path / "sens dir"  # a space: the suggestion must be quoted
    folder.mkdir()
    report = ["report", asem, "-o", tmp_path / "r", "--sensitivity", folder]
    code, _, err = cli(capsys, *report)
    assert code == EXIT_USER
    [command] = suggested(err)
    code, _, err = cli(capsys, *shlex.split(command)[1:])
    assert code == EXIT_OK, err
    code, out, err = cli(capsys, *report)
    assert code == EXIT_OK, err

