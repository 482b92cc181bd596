"""The ``zhishu`` command: run, validate, explain, plugins; exit codes and error messages without tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pandas as pd
import pytest

import zhishu
from zhishu import Hooks, get_plugin_manager
from zhishu.cli import EXIT_BUG, EXIT_OK, EXIT_USER, main
from zhishu.plugins import DEFAULT_PLUGINS

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"
DEMO_DATA = ROOT / "examples" / "data" / "demo" / "regions.csv"
OUTPUTS = ["indicators.csv", "manifest.json", "ranking.csv", "scores.csv", "weights.csv"]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``zhishu argv…`` in-process; the exit code, stdout and stderr."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def small_config(extra: str = "", *, normaliser: str = "minmax") -> str:
    """A two-indicator index over the demo data (absolute data path, so it runs from any folder)."""
    return textwrap.dedent(f"""
        [index]
        id = "small"

        [sources.demo]
        plugin = "table"
        params = {{ path = {str(DEMO_DATA)!r} }}

        [indicators.servers]
        direction = 1
        variable = "servers"

        [indicators.energy_per_rack]
        direction = -1

        [nodes.index]
        children = ["servers", "energy_per_rack"]

        [normalisation]
        default = "{normaliser}"
    """).lstrip() + textwrap.dedent(extra)


@pytest.fixture
def isolated_imports(monkeypatch):
    """Keep sys.path and sys.modules as they were: load_config adds [plugins] paths to sys.path."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("ZHISHU_ALLOW_IMPORTS", raising=False)
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("zhishu_cli_test_"):
            del sys.modules[name]


# --------------------------------------------------------------------------------------------- python -m zhishu


def test_python_m_zhishu_version():
    proc = subprocess.run([sys.executable, "-m", "zhishu", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"zhishu {zhishu.__version__}"


def test_python_m_zhishu_run(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "zhishu", "run", str(DEMO), "-o", str(out)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    assert "Region" in proc.stdout


def test_python_m_zhishu_user_error_exit_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "zhishu", "validate", str(tmp_path / "missing.toml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "config file not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: zhishu" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------- run


def test_run_writes_five_files_and_prints_top_list(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, stderr = cli(capsys, "run", DEMO, "-o", out)
    assert code == EXIT_OK, stderr
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    lines = stdout.splitlines()
    assert lines[0] == "数字能力示例指数 — 2022, top 6"
    assert lines[1].split() == ["rank", "unit", "index", "经济与接入", "算力设施"]  # root, then its children
    top = lines[2:8]
    assert [line.split()[0] for line in top] == ["1", "2", "3", "4", "5", "6"]
    scores = pd.read_csv(out / "scores.csv")
    best = scores[(scores["node"] == "index") & (scores["year"] == 2022) & (scores["rank"] == 1)].iloc[0]
    assert f"Region {best['unit']}" in top[0]
    assert f"{best['score']:.2f}" in top[0]
    assert lines[-1] == f"wrote 5 files to {out}: ranking.csv, scores.csv, indicators.csv, weights.csv, manifest.json"


def test_run_top_option(tmp_path, capsys):
    code, stdout, _ = cli(capsys, "run", DEMO, "-o", tmp_path, "--top", "2")
    assert code == EXIT_OK
    assert stdout.splitlines()[0].endswith("top 2")
    assert len(stdout.splitlines()) == 5  # title, header, 2 units, "wrote …"
    code, stdout, _ = cli(capsys, "run", DEMO, "-o", tmp_path, "--top", "0")
    assert code == EXIT_OK
    assert stdout.splitlines() == [f"wrote 5 files to {tmp_path}: ranking.csv, scores.csv, indicators.csv, weights.csv, "
                                   "manifest.json"]


def test_run_excel(tmp_path, capsys):
    code, stdout, stderr = cli(capsys, "run", DEMO, "-o", tmp_path, "--excel")
    assert code == EXIT_OK, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*OUTPUTS, "results.xlsx"])
    assert "wrote 6 files" in stdout
    sheets = pd.read_excel(tmp_path / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["ranking", "chart", "scores", "indicators", "weights", "methodology", "manifest"]
    pd.testing.assert_frame_equal(sheets["scores"], pd.read_csv(tmp_path / "scores.csv"), check_dtype=False)


def test_run_requires_output(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(DEMO)])
    assert info.value.code == 2
    assert "-o/--output" in capsys.readouterr().err


def test_run_refuses_to_overwrite_an_input(tmp_path, capsys):
    data = tmp_path / "scores.csv"
    data.write_bytes(DEMO_DATA.read_bytes())
    config = write(tmp_path / "c.toml", small_config().replace(repr(str(DEMO_DATA)), '"scores.csv"'))
    code, _, stderr = cli(capsys, "run", config, "-o", tmp_path)
    assert code == EXIT_USER
    assert "refusing to write" in stderr
    assert data.read_bytes() == DEMO_DATA.read_bytes()


# --------------------------------------------------------------------------------------------- validate


def test_validate_ok(capsys):
    code, stdout, stderr = cli(capsys, "validate", DEMO)
    assert code == EXIT_OK
    assert stderr == ""
    assert stdout.strip() == f"ok: {DEMO}: 4 indicators, 3 nodes, 6 units, years 2021–2022"


def test_validate_no_data(capsys):
    code, stdout, _ = cli(capsys, "validate", DEMO, "--no-data")
    assert code == EXIT_OK
    assert stdout.strip() == f"ok: {DEMO}: 4 indicators, 3 nodes (data not read)"


def test_validate_lists_every_error(tmp_path, capsys):
    config = write(tmp_path / "bad.toml", f"""
        [index]
        id = "bad"
        colour = "red"

        [sources.demo]
        plugin = "tabel"
        params = {{ path = {str(DEMO_DATA)!r} }}

        [indicators.servers]
        variable = "servers"

        [indicators.gdp]
        direction = 1
        variable = "gdp"

        [nodes.index]
        children = ["servers", "gdp", "nosuch"]
        aggregator = "arithmetc"
    """)
    code, stdout, stderr = cli(capsys, "validate", config)
    assert code == EXIT_USER
    assert stdout == ""
    assert "Traceback" not in stderr
    assert stderr.startswith("error: 5 problems in the configuration:\n")
    expected = [
        f"{config}: index.colour: unknown key",
        f"{config}: sources.demo: unknown source 'tabel': did you mean 'table'?",
        f"{config}: nodes.index.aggregator: unknown aggregator 'arithmetc': did you mean 'arithmetic'?",
        f"{config}: nodes.index.children[2]: unknown child (node or indicator) 'nosuch'",
        f"{config}: indicators.servers.direction: direction is required",
    ]
    lines = stderr.splitlines()[1:]
    assert len(lines) == len(expected)
    for want in expected:
        assert any(line.strip().startswith(want) for line in lines), f"{want!r} not in\n{stderr}"


def test_misspelt_method_name_did_you_mean(tmp_path, capsys):
    config = write(tmp_path / "c.toml", small_config(normaliser="minmaks"))
    code, _, stderr = cli(capsys, "validate", config)
    assert code == EXIT_USER
    assert (f"{config}: normalisation.default: unknown normaliser 'minmaks': did you mean 'minmax'?"
            in stderr)
    assert "Traceback" not in stderr


def test_toml_syntax_error_prints_file_line_col(tmp_path, capsys):
    config = tmp_path / "syntax.toml"
    config.write_text('[index]\nid = "x"\nroot = \n', encoding="utf-8")
    code, stdout, stderr = cli(capsys, "validate", config)
    assert code == EXIT_USER
    assert stdout == ""
    assert f"{config}:3:8: TOML syntax error" in stderr
    assert "Traceback" not in stderr


def test_missing_config_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    for command in (["validate"], ["explain"], ["run", "-o", str(tmp_path / "out")]):
        code, _, stderr = cli(capsys, *command, missing)
        assert code == EXIT_USER
        assert f"{missing}: config file not found" in stderr
        assert "Traceback" not in stderr
    assert not (tmp_path / "out").exists()


def test_data_error_is_a_user_error(tmp_path, capsys):
    config = write(tmp_path / "c.toml", small_config().replace(str(DEMO_DATA), str(tmp_path / "absent.csv")))
    code, _, stderr = cli(capsys, "validate", config)
    assert code == EXIT_USER
    assert "absent.csv" in stderr
    assert "Traceback" not in stderr


# --------------------------------------------------------------------------------------------- explain


def test_explain_prints_tree_with_methods_and_weights(capsys):
    code, stdout, stderr = cli(capsys, "explain", DEMO)
    assert code == EXIT_OK, stderr
    lines = stdout.splitlines()
    assert lines[0] == "demo: 数字能力示例指数 Digital capacity demo index (illustrative data)"
    assert lines[1] == "normalisation fitted on 2021, applied to every year; imputation none; outliers none"
    tree = lines[2:]
    assert tree[0].startswith("index 数字能力指数")
    assert "[arithmetic of fixed-weighted children]" in tree[0]
    by_id = {re.match(r"\s*(?:w=\S+ )?(\S+)", line)[1]: line for line in tree}
    assert set(by_id) == {"index", "economy", "gdp_per_capita", "broadband_rate", "infrastructure", "servers",
                          "energy_per_rack"}
    assert by_id["economy"].startswith("  w=0.4000 economy")
    assert "[arithmetic of equal-weighted children]" in by_id["economy"]
    assert by_id["infrastructure"].startswith("  w=0.6000 infrastructure")
    assert by_id["gdp_per_capita"].startswith("    w=0.5000 gdp_per_capita")
    assert "= gdp / population" in by_id["gdp_per_capita"]
    assert "minmax (low=0.0, high=100.0)" in by_id["gdp_per_capita"]
    assert "[-] variable energy_per_rack" in by_id["energy_per_rack"]
    assert "[+]" in by_id["servers"]


# --------------------------------------------------------------------------------------------- plugins


def test_plugins_lists_plugins_and_components(capsys):
    code, stdout, stderr = cli(capsys, "plugins")
    assert code == EXIT_OK, stderr
    hooks = Hooks(get_plugin_manager())
    from zhishu.registry import KINDS

    plugin_lines = stdout.split(f"\n{KINDS[0]}:\n")[0].splitlines()
    assert plugin_lines[0] == "plugins:"
    listed = [line.split()[0] for line in plugin_lines[1:]]
    for module in DEFAULT_PLUGINS:
        assert module.rsplit(".", 1)[-1] in listed
    assert listed == [info.name for info in hooks.plugins()]
    assert f"zhishu {zhishu.__version__}  (zhishu.default_plugins.normalisers)" in stdout
    for kind, registry in hooks.registries.items():
        section = stdout.split(f"\n{kind}:\n")[1].split(":\n")[0]
        for entry in registry.entries():
            assert f"  {entry.name}  [{entry.plugin}]" in section, (kind, entry.name)
    assert "  minmax  [normalisers]" in stdout
    assert "  excel  [exporters]" in stdout


def test_plugins_block(capsys):
    code, stdout, _ = cli(capsys, "plugins", "--block", "normalisers")
    assert code == EXIT_OK
    assert "minmax" not in stdout
    assert "(zhishu.default_plugins.normalisers)" not in stdout
    assert "  equal  [weightings]" in stdout


# --------------------------------------------------------------------------------------------- plugin modules


def boom_module(tmp_path: Path, marker: Path | None = None) -> str:
    """A plugin module in tmp_path whose normaliser "boom" raises RuntimeError in transform."""
    name = f"zhishu_cli_test_{uuid.uuid4().hex[:8]}"
    mark = f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n" if marker else ""
    write(tmp_path / f"{name}.py", mark + textwrap.dedent("""
        import zhishu


        class Boom:
            def fit(self, X, specs=None):
                return self

            def transform(self, X):
                raise RuntimeError("the boom normaliser exploded")


        @zhishu.hookimpl
        def register_normalisers(register):
            register("boom", Boom)
    """))
    return name


def boom_config(tmp_path: Path, module: str) -> Path:
    extra = f"""
        [plugins]
        modules = ["{module}"]
        paths = ["."]
    """
    return write(tmp_path / "boom.toml", small_config(extra, normaliser="boom"))


def test_plugin_exception_is_exit_1_without_traceback(tmp_path, capsys, isolated_imports):
    config = boom_config(tmp_path, boom_module(tmp_path))
    code, stdout, stderr = cli(capsys, "run", config, "-o", tmp_path / "out", "--allow-import")
    assert code == EXIT_BUG
    assert "Traceback" not in stderr
    first = stderr.splitlines()[0]
    assert first == "error: unexpected RuntimeError: the boom normaliser exploded"
    assert "--debug" in stderr
    assert not (tmp_path / "out").exists()


def test_plugin_exception_with_debug_shows_traceback(tmp_path, capsys, isolated_imports):
    config = boom_config(tmp_path, boom_module(tmp_path))
    code, _, stderr = cli(capsys, "--debug", "run", config, "-o", tmp_path / "out", "--allow-import")
    assert code == EXIT_BUG
    assert "Traceback (most recent call last)" in stderr
    assert "RuntimeError: the boom normaliser exploded" in stderr
    assert "in transform" in stderr


def test_plugin_modules_need_allow_import(tmp_path, capsys, isolated_imports):
    marker = tmp_path / "imported.marker"
    module = boom_module(tmp_path, marker)
    config = boom_config(tmp_path, module)
    code, stdout, stderr = cli(capsys, "run", config, "-o", tmp_path / "out")
    assert code == EXIT_USER
    assert "--allow-import" in stderr
    assert module in stderr
    assert "Traceback" not in stderr
    assert not marker.exists(), "the module was imported without --allow-import"
    assert module not in sys.modules
    assert str(tmp_path) not in sys.path
    assert not (tmp_path / "out").exists()

    code, _, stderr = cli(capsys, "validate", config)
    assert code == EXIT_USER and "--allow-import" in stderr
    assert not marker.exists()


def test_allow_import_imports_the_module(tmp_path, capsys, isolated_imports):
    marker = tmp_path / "imported.marker"
    module = boom_module(tmp_path, marker)
    config = boom_config(tmp_path, module)
    code, stdout, stderr = cli(capsys, "validate", config, "--allow-import", "--no-data")
    assert code == EXIT_OK, stderr
    assert marker.exists()
    assert module in sys.modules


@pytest.mark.parametrize(
    "hookimpl",
    [
        "def register_normaliser(register):",  # misspelt hook name (caught by check_pending)
        "def register_normalisers(register, registry):",  # an argument the hook spec does not have
    ],
)
def test_invalid_hookimpl_in_config_module_is_a_user_error(tmp_path, capsys, isolated_imports, hookimpl):
    name = f"zhishu_cli_test_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(f"import zhishu\n\n@zhishu.hookimpl\n{hookimpl}\n    pass\n")
    config = boom_config(tmp_path, name)
    code, _, stderr = cli(capsys, "validate", config, "--allow-import", "--no-data")
    assert code == EXIT_USER, stderr
    assert f"{config}: plugins: " in stderr
    assert name in stderr
    assert "Traceback" not in stderr


def test_validate_checks_the_sensitivity_section(tmp_path, capsys):
    text = Path(DEMO).read_text(encoding="utf-8").replace("../examples/", str(Path(DEMO).parent.parent / "examples") + "/")
    config = tmp_path / "demo.toml"
    config.write_text(text + "\n[sensitivity]\nreplications = 10\n\n[sensitivity.weights]\nnoize = 0.2\n",
                      encoding="utf-8")
    code, _, stderr = cli(capsys, "validate", config)
    assert code == EXIT_USER
    assert "sensitivity.weights.noize: unknown key: did you mean 'noise' or 'nodes'?" in stderr


# --------------------------------------------------------------------------------------------- files that cannot be used


def without_file_permission_override() -> list[str]:
    """A command prefix under which file permissions apply to this user. As root (the test machine), root keeps its
    uid but loses CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (util-linux ``setpriv``), so a mode-000 file or a
    mode-555 folder really refuses it; other users need no prefix."""
    import os
    import shutil

    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without util-linux setpriv: root ignores file permissions, so a permission "
                    "error cannot be produced here")
    drop = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}"]


def zhishu_process(prefix: list[str], *argv) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "zhishu", *map(str, argv)], capture_output=True, text=True,
                          timeout=120)


def test_unreadable_data_file_is_a_user_error_naming_it(tmp_path):
    data = tmp_path / "regions.csv"
    data.write_bytes(DEMO_DATA.read_bytes())
    data.chmod(0)
    config = write(tmp_path / "small.toml", small_config().replace(repr(str(DEMO_DATA)), repr(str(data))))
    prefix = without_file_permission_override()
    for command in (["validate", config], ["run", config, "-o", tmp_path / "out"]):
        proc = zhishu_process(prefix, *command)
        assert proc.returncode == EXIT_USER, proc.stderr
        assert proc.stderr.startswith(f"error: {data}: permission denied; make the file readable"), proc.stderr
        assert "Traceback" not in proc.stderr
    data.chmod(0o644)
    assert zhishu_process(prefix, "validate", config).returncode == EXIT_OK  # the fix the message gives works


def test_output_folder_inside_a_file_is_a_user_error(tmp_path, capsys):
    file = tmp_path / "results.txt"
    file.write_text("not a folder")
    code, _, stderr = cli(capsys, "run", DEMO, "-o", file / "out", "--top", "0")
    assert code == EXIT_USER
    assert stderr.startswith(f"error: cannot create output folder {file / 'out'}"), stderr
    assert "a part of that path is a file, not a folder; choose another folder with -o" in stderr
    assert file.read_text() == "not a folder"


def test_read_only_output_folder_is_a_user_error_naming_it(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o555)
    prefix = without_file_permission_override()
    try:
        for out in (folder, folder / "run-1"):
            proc = zhishu_process(prefix, "run", DEMO, "-o", out, "--top", "0")
            assert proc.returncode == EXIT_USER, proc.stderr
            assert proc.stderr.startswith(f"error: cannot "), proc.stderr
            assert "permission denied" in proc.stderr.lower() and f"chmod u+w {folder})" in proc.stderr, proc.stderr
            assert "chmod u+w" in proc.stderr and "Traceback" not in proc.stderr
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


# --------------------------------------------------------------------------------------------- global options


@pytest.mark.parametrize("before", [True, False])
def test_global_options_work_before_or_after_the_subcommand(before, tmp_path, capsys, isolated_imports):
    def argv(options, command, *rest):
        return [*options, command, *rest] if before else [command, *rest, *options]

    code, stdout, _ = cli(capsys, *argv(["--block", "normalisers"], "plugins"))
    assert code == EXIT_OK and "minmax" not in stdout
    code, _, stderr = cli(capsys, *argv(["--block", "normalisers"], "validate", DEMO, "--no-data"))
    assert code == EXIT_USER and "unknown normaliser 'minmax'" in stderr
    config = boom_config(tmp_path, boom_module(tmp_path))
    code, _, stderr = cli(capsys, *argv(["--allow-import", "--debug"], "run", config, "-o", tmp_path / "out"))
    assert code == EXIT_BUG and "Traceback (most recent call last)" in stderr
    code, _, stderr = cli(capsys, *argv(["--data-root", tmp_path], "validate", DEMO, "--no-data"))
    assert code == EXIT_USER and "is outside the data root" in stderr  # the demo's data is not under tmp_path
    code, _, stderr = cli(capsys, *argv(["--data-root", ROOT], "validate", DEMO, "--no-data"))
    assert code == EXIT_OK, stderr


def test_global_options_before_and_after_combine(capsys):
    code, stdout, _ = cli(capsys, "--block", "normalisers", "plugins", "--block", "weightings")
    assert code == EXIT_OK
    assert "  minmax  [normalisers]" not in stdout and "  equal  [weightings]" not in stdout
    assert "  arithmetic  [aggregators]" in stdout


def test_every_kind_of_os_error_names_the_path_and_a_fix(tmp_path):
    import errno

    from zhishu.cli.oserrors import describe

    missing = tmp_path / "nowhere" / "scores.csv"
    cases = {
        OSError(errno.EROFS, "Read-only file system", str(missing)): "the file system is read-only; write the outputs",
        IsADirectoryError(errno.EISDIR, "Is a directory", str(tmp_path)): "is a folder, where a file was expected",
        FileNotFoundError(errno.ENOENT, "No such file", str(missing)): "no such file or folder; check the path",
        OSError(errno.ENOSPC, "No space left on device", str(missing)): "no space left on the device; free some",
        OSError(errno.EIO, "Input/output error", str(missing)): "Input/output error",
        PermissionError(errno.EACCES, "Permission denied", str(tmp_path / f".{missing.name}.x1y2.tmp")):
            f"{tmp_path}: permission denied creating scores.csv in this folder",
        PermissionError(errno.EACCES, "Permission denied", str(tmp_path)): "permission denied for this folder",
    }
    for exc, expected in cases.items():
        text = describe(exc)
        assert expected in text, (exc, text)
        assert str(tmp_path) in text


def test_a_command_builds_one_plugin_manager(tmp_path, monkeypatch, capsys):
    """The CLI's command table and the command's load_config share one plugin manager (each build reads every
    installed distribution's entry points: ~0.2 s of a command's start), unless something it depends on
    changes: then it is built again (here: a plugin blocked)."""
    import zhishu.config.load as load
    import zhishu.plugins as plugins

    built = []
    real = plugins.get_plugin_manager

    def counting(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "get_plugin_manager", counting)
    monkeypatch.setattr(load, "_HOOKS", {})
    assert main(["run", str(DEMO), "-o", str(tmp_path / "a"), "--top", "0"]) == EXIT_OK
    assert len(built) == 1
    assert main(["run", str(DEMO), "-o", str(tmp_path / "b"), "--top", "0"]) == EXIT_OK
    assert len(built) == 1  # nothing changed: reused
    assert main(["--block", "zhishu_audit", "run", str(DEMO), "-o", str(tmp_path / "c"), "--top", "0"]) == EXIT_OK
    assert len(built) == 2 and "zhishu_audit" in built[1][0]
    assert (tmp_path / "a" / "scores.csv").read_bytes() == (tmp_path / "c" / "scores.csv").read_bytes()
