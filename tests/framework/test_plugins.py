"""zhishu.plugins: the plugin-manager factory, blocking, check_pending, duplicate names and provenance."""

from __future__ import annotations

import importlib.metadata as md
import sys
import textwrap
import uuid

import pluggy
import pytest

import zhishu
from zhishu import Hooks, PluginError, get_plugin_manager
from zhishu.plugins import BLOCK_ENV, DEFAULT_PLUGINS, ENTRYPOINT_GROUP, blocked_from_env, plugin_infos

BUILTIN_NAMES = [m.rsplit(".", 1)[-1] for m in DEFAULT_PLUGINS]


def template_installed() -> bool:
    return any(ep.name == "template" for ep in md.entry_points(group=ENTRYPOINT_GROUP))


needs_template = pytest.mark.skipif(not template_installed(), reason="zhishu-plugin-template is not installed")


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """``plugin_module(source)`` writes a uniquely named module into tmp_path, puts tmp_path on sys.path and
    returns the module's name; the module is forgotten (sys.modules) after the test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def make(source: str, stem: str = "zhishu_test_plugin") -> str:
        name = f"{stem}_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
        names.append(name)
        return name

    yield make
    for name in names:
        sys.modules.pop(name, None)


# --------------------------------------------------------------------------------------------- the factory


def test_a_new_manager_per_call():
    first, second = get_plugin_manager(), get_plugin_manager()
    assert isinstance(first, pluggy.PluginManager)
    assert first is not second
    assert first.project_name == "zhishu"


def test_registering_into_one_manager_does_not_affect_another():
    class Extra:
        @zhishu.hookimpl
        def register_weightings(self, register):
            register("extra_weighting", object)

    first, second = get_plugin_manager(entry_points=False), get_plugin_manager(entry_points=False)
    first.register(Extra(), name="extra")
    assert first.has_plugin("extra")
    assert not second.has_plugin("extra")
    assert "extra_weighting" in Hooks(first).registries.weightings
    assert "extra_weighting" not in Hooks(second).registries.weightings
    assert "extra_weighting" not in Hooks(get_plugin_manager(entry_points=False)).registries.weightings


def test_no_import_time_global_manager():
    import zhishu.hooks
    import zhishu.plugins

    for module in (zhishu, zhishu.plugins, zhishu.hooks):
        globals_ = [name for name, value in vars(module).items() if isinstance(value, pluggy.PluginManager)]
        assert globals_ == [], f"{module.__name__} holds a plugin manager at import time: {globals_}"


def test_builtins_registered_under_short_names():
    pm = get_plugin_manager(entry_points=False)
    assert BUILTIN_NAMES == ["readers", "sources", "normalisers", "transforms", "weightings", "ahp",
                             "objective_weights", "aggregators", "imputers", "outliers", "exporters", "commands"]
    assert [name for name, _ in pm.list_name_plugin()] == BUILTIN_NAMES
    for module_name, name in zip(DEFAULT_PLUGINS, BUILTIN_NAMES):
        assert pm.get_plugin(name) is sys.modules[module_name]
    registries = Hooks(pm).registries
    assert {"minmax", "zscore"} <= set(registries.normalisers)
    assert {"equal", "fixed"} <= set(registries.weightings)
    assert {"arithmetic", "geometric"} <= set(registries.aggregators)
    assert {"csv", "excel"} <= set(registries.exporters)
    assert "table" in registries.sources
    assert registries.normalisers.entry("minmax").plugin == "normalisers"


@needs_template
def test_entry_point_plugins_are_loaded():
    pm = get_plugin_manager()
    assert pm.has_plugin("template")
    assert not get_plugin_manager(entry_points=False).has_plugin("template")


# --------------------------------------------------------------------------------------------- blocking


def test_block_argument_removes_plugin_and_its_components():
    pm = get_plugin_manager(block=("normalisers",))
    assert pm.is_blocked("normalisers")
    assert "normalisers" not in [name for name, plugin in pm.list_name_plugin() if plugin is not None]
    registries = Hooks(pm).registries
    assert "minmax" not in registries.normalisers
    assert "zscore" not in registries.normalisers
    assert "equal" in registries.weightings  # other built-ins stay
    assert "normalisers" not in [info.name for info in plugin_infos(pm)]


def test_block_env_var_removes_plugin_and_its_components():
    pm = get_plugin_manager(environ={BLOCK_ENV: "normalisers"})
    assert pm.is_blocked("normalisers")
    registries = Hooks(pm).registries
    assert "minmax" not in registries.normalisers and "zscore" not in registries.normalisers
    assert "arithmetic" in registries.aggregators


def test_block_env_var_lists_several_names():
    assert blocked_from_env({BLOCK_ENV: " normalisers, weightings  exporters,"}) == (
        "normalisers", "weightings", "exporters")
    assert blocked_from_env({}) == ()
    pm = get_plugin_manager(entry_points=False, environ={BLOCK_ENV: "normalisers,weightings"})
    registries = Hooks(pm).registries
    assert len(registries.normalisers) == 0
    assert "equal" not in registries.weightings and "fixed" not in registries.weightings
    assert "ahp" in registries.weightings  # registered by another built-in plugin, "ahp"
    assert "arithmetic" in registries.aggregators


def test_block_argument_and_env_var_combine():
    pm = get_plugin_manager(("normalisers",), entry_points=False, environ={BLOCK_ENV: "exporters"})
    registries = Hooks(pm).registries
    assert len(registries.normalisers) == 0 and len(registries.exporters) == 0


def test_env_var_is_read_from_os_environ_by_default(monkeypatch):
    monkeypatch.setenv(BLOCK_ENV, "aggregators")
    assert "arithmetic" not in Hooks(get_plugin_manager(entry_points=False)).registries.aggregators
    monkeypatch.delenv(BLOCK_ENV)
    assert "arithmetic" in Hooks(get_plugin_manager(entry_points=False)).registries.aggregators


@needs_template
def test_block_entry_point_plugin_by_name():
    pm = get_plugin_manager(environ={BLOCK_ENV: "template"})
    assert not pm.has_plugin("template") or pm.get_plugin("template") is None
    assert "ratio_to_max" not in Hooks(pm).registries.normalisers
    assert "ratio_to_max" in Hooks(get_plugin_manager()).registries.normalisers


def test_blocked_extra_module_is_not_imported(plugin_module, tmp_path):
    name = plugin_module(f"""
        from pathlib import Path
        Path({str(tmp_path / "imported.marker")!r}).write_text("imported")
    """)
    get_plugin_manager(block=(name,), entry_points=False, extra_modules=[name])
    assert name not in sys.modules
    assert not (tmp_path / "imported.marker").exists()


# --------------------------------------------------------------------------------------------- errors


def test_misspelled_hookimpl_is_an_error(plugin_module):
    name = plugin_module("""
        import zhishu

        @zhishu.hookimpl
        def register_normaliser(register):
            register("typo", object)
    """)
    with pytest.raises(PluginError) as info:
        get_plugin_manager(entry_points=False, extra_modules=[name])
    message = str(info.value)
    assert "register_normaliser" in message
    assert name in message
    assert "zhishu.hookspecs" in message
    assert isinstance(info.value.__cause__, pluggy.PluginValidationError)


def test_hookimpl_with_unknown_argument_is_an_error(plugin_module):
    name = plugin_module("""
        import zhishu

        @zhishu.hookimpl
        def register_normalisers(register, registry):
            pass
    """)
    with pytest.raises(PluginError, match="registry"):
        get_plugin_manager(entry_points=False, extra_modules=[name])


def test_missing_extra_module_is_a_plugin_error():
    with pytest.raises(PluginError, match=r"could not import plugin module 'zhishu_no_such_module_xyz'"):
        get_plugin_manager(entry_points=False, extra_modules=["zhishu_no_such_module_xyz"])


def test_extra_module_is_registered_under_its_module_name(plugin_module):
    name = plugin_module("""
        import zhishu

        class Half:
            def fit(self, X, specs=None):
                return self

            def transform(self, X):
                return X / 2

        @zhishu.hookimpl
        def register_normalisers(register):
            register("half", Half)
    """)
    pm = get_plugin_manager(entry_points=False, extra_modules=[name])
    assert pm.has_plugin(name)
    entry = Hooks(pm).registries.normalisers.entry("half")
    assert entry.plugin == name
    assert entry.obj.__name__ == "Half"


DUPLICATE_MINMAX = """
    import zhishu

    @zhishu.hookimpl
    def register_normalisers(register):
        register("minmax", object)
"""


def test_duplicate_normaliser_names_both_plugins(plugin_module):
    name = plugin_module(DUPLICATE_MINMAX)
    pm = get_plugin_manager(entry_points=False, extra_modules=[name])
    with pytest.raises(PluginError) as info:
        Hooks(pm).registries.normalisers
    message = str(info.value)
    assert "normaliser 'minmax' is registered twice" in message
    assert "'normalisers'" in message and repr(name) in message
    assert "ZHISHU_BLOCK_PLUGINS" in message


def test_duplicate_normaliser_golden_message(plugin_module):
    """Plugins are asked in pluggy's call order (the most recently registered first), so the imported module is
    named first and the built-in second."""
    name = plugin_module(DUPLICATE_MINMAX)
    pm = get_plugin_manager(entry_points=False, extra_modules=[name])
    with pytest.raises(PluginError) as info:
        Hooks(pm).registries.normalisers
    assert str(info.value) == (
        f"normaliser 'minmax' is registered twice: by plugin {name!r} and by plugin 'normalisers'; "
        "block one of them (config [plugins] block = [...] or ZHISHU_BLOCK_PLUGINS)"
    )


def test_duplicate_resolved_by_blocking(plugin_module):
    name = plugin_module(DUPLICATE_MINMAX)
    pm = get_plugin_manager(block=("normalisers",), entry_points=False, extra_modules=[name])
    registries = Hooks(pm).registries
    assert registries.normalisers.entry("minmax").plugin == name


def test_exception_in_register_hook_names_the_plugin(plugin_module):
    name = plugin_module("""
        import zhishu

        @zhishu.hookimpl
        def register_aggregators(register):
            raise ValueError("something broke while registering")
    """)
    pm = get_plugin_manager(entry_points=False, extra_modules=[name])
    with pytest.raises(ValueError, match="something broke while registering") as info:
        Hooks(pm).registries.aggregators
    assert info.value.__notes__ == [f"raised in hook 'register_aggregators' of plugin {name!r}"]


def test_zhishu_error_in_register_hook_is_not_annotated(plugin_module):
    name = plugin_module("""
        import zhishu

        @zhishu.hookimpl
        def register_aggregators(register):
            raise zhishu.PluginError("a clear message already")
    """)
    pm = get_plugin_manager(entry_points=False, extra_modules=[name])
    with pytest.raises(PluginError, match="^a clear message already$") as info:
        Hooks(pm).registries.aggregators
    assert getattr(info.value, "__notes__", []) == []


# --------------------------------------------------------------------------------------------- provenance


def test_plugin_infos_for_builtins():
    infos = plugin_infos(get_plugin_manager(entry_points=False))
    assert [i.name for i in infos] == BUILTIN_NAMES
    for info, module_name in zip(infos, DEFAULT_PLUGINS):
        assert info.module == module_name
        assert info.distribution == "zhishu"
        assert info.version == zhishu.__version__
    assert Hooks(get_plugin_manager(entry_points=False)).plugins() == infos


@needs_template
def test_plugin_infos_for_installed_template_plugin():
    infos = {i.name: i for i in plugin_infos(get_plugin_manager())}
    info = infos["template"]
    assert info.distribution == "zhishu-plugin-template"
    assert info.version == md.version("zhishu-plugin-template")
    assert info.module == md.entry_points(group=ENTRYPOINT_GROUP)["template"].value


def test_plugin_infos_for_imported_module(plugin_module):
    name = plugin_module("""
        import zhishu

        @zhishu.hookimpl
        def register_exporters(register):
            pass
    """)
    infos = {i.name: i for i in plugin_infos(get_plugin_manager(entry_points=False, extra_modules=[name]))}
    info = infos[name]
    assert info.module == name
    assert info.distribution == "(not installed: imported by the config)"
    assert info.version == "-"


# --------------------------------------------------------------------------------------------- broken entry points


@pytest.fixture
def site(tmp_path, monkeypatch):
    """``site.install(entry_point, source)``: a module and a ``*.dist-info`` with an entry point in group
    ``zhishu``, as ``pip install`` leaves them, in a folder on sys.path (found by importlib.metadata); returns
    (module, distribution name). The modules are forgotten after the test."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    modules = []

    class Site:
        path = folder

        @staticmethod
        def install(entry_point: str, source: str, version: str = "0.3") -> tuple[str, str]:
            module = f"zhishu_broken_test_{uuid.uuid4().hex[:8]}"
            (folder / f"{module}.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
            dist = module.replace("_", "-")
            info = folder / f"{module}-{version}.dist-info"
            info.mkdir()
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
            (info / "entry_points.txt").write_text(f"[zhishu]\n{entry_point} = {module}\n")
            modules.append(module)
            return module, dist

    yield Site
    for module in modules:
        sys.modules.pop(module, None)


def test_a_plugin_that_fails_to_import_is_named_with_its_distribution(site):
    module, dist = site.install("broken", "import zhishu_no_such_dependency_xyz\n")
    with pytest.raises(PluginError) as info:
        get_plugin_manager()
    assert str(info.value) == (
        f"plugin 'broken' (entry point `broken = {module}` in group 'zhishu' of the installed distribution "
        f"'{dist}' 0.3) failed to import: ModuleNotFoundError: No module named 'zhishu_no_such_dependency_xyz'; "
        f"reinstall (or repair) '{dist}', uninstall it, or leave the plugin out: `zhishu --block broken …` "
        "(or ZHISHU_BLOCK_PLUGINS=broken)"
    )
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_any_error_at_import_is_named(site):
    site.install("buggy", "raise RuntimeError('bug at import time')\n")
    with pytest.raises(PluginError, match=r"^plugin 'buggy' \(entry point .*\) failed to import: RuntimeError: bug "
                                          r"at import time; reinstall"):
        get_plugin_manager()


def test_a_broken_plugin_can_be_blocked(site):
    module, _ = site.install("broken", "import zhishu_no_such_dependency_xyz\n")
    for pm in (get_plugin_manager(block=["broken"]), get_plugin_manager(environ={BLOCK_ENV: "broken"})):
        assert pm.is_blocked("broken") and module not in sys.modules
        assert "minmax" in Hooks(pm).registries.normalisers
    assert get_plugin_manager(entry_points=False) is not None  # entry points not read at all


def test_a_plugin_that_does_not_match_the_hooks_names_its_distribution(site):
    module, dist = site.install("typo", """
        import zhishu

        @zhishu.hookimpl
        def register_normalisers(register, registry):
            pass
    """)
    with pytest.raises(PluginError, match=rf"(?s)^plugin 'typo' \(entry point `typo = {module}` in group 'zhishu' "
                                          rf"of the installed distribution '{dist}' 0.3\) does not match zhishu's "
                                          rf"hooks: .*registry.*; update or uninstall '{dist}', or leave the plugin "
                                          r"out: `zhishu --block typo …`"):
        get_plugin_manager()
    assert get_plugin_manager(block=["typo"]).is_blocked("typo")  # the suggested way out works


def test_the_cli_exits_2_naming_the_broken_plugin_and_the_suggestion_works(site):
    """A real ``zhishu`` process with the broken distribution on its path: exit 2, the message, no traceback;
    the ``--block`` the message suggests (before or after the subcommand) or the environment variable lets
    the same command run."""
    import os
    import subprocess

    site.install("broken", "import zhishu_no_such_dependency_xyz\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site.path), os.environ.get("PYTHONPATH", "")])}
    env.pop(BLOCK_ENV, None)

    def zhishu_cli(*argv, **extra):
        return subprocess.run([sys.executable, "-m", "zhishu", *argv], capture_output=True, text=True,
                              env={**env, **extra}, timeout=120)

    done = zhishu_cli("plugins")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith("error: plugin 'broken' (entry point `broken = zhishu_broken_test_")
    assert done.stderr.count("--block") == 1 and "failed to import: ModuleNotFoundError" in done.stderr
    for argv, extra in ((["--block", "broken", "plugins"], {}), (["plugins", "--block", "broken"], {}),
                        (["plugins"], {BLOCK_ENV: "broken"})):
        ok = zhishu_cli(*argv, **extra)
        assert ok.returncode == 0 and "normalisers" in ok.stdout, (argv, ok.stderr)


def test_plugin_infos_read_each_distribution_once_per_process(site):
    module, dist = site.install("fine", """
        import zhishu

        @zhishu.hookimpl
        def register_exporters(register):
            pass
    """, version="1.2")
    first = {i.name: i for i in plugin_infos(get_plugin_manager())}["fine"]
    assert (first.module, first.distribution, first.version) == (module, dist, "1.2")
    # the metadata is read once: with the file gone, a new manager's plugin_infos still know the distribution
    (site.path / f"{module}-1.2.dist-info" / "METADATA").unlink()
    again = {i.name: i for i in plugin_infos(get_plugin_manager())}["fine"]
    assert again == first


def test_hook_options_of_module_plugins_are_what_pluggy_finds():
    """zhishu's shortcut for module globals gives pluggy's own answer for every name of every plugin module
    (functions with and without the marker, a non-dict marker, classes, modules, constants)."""
    import types

    import pluggy

    import zhishu

    odd = types.ModuleType("zhishu_odd_plugin")

    def marked(register):
        pass

    def fake(register):
        pass

    fake.zhishu_impl = "not options"
    odd.register_normalisers = zhishu.hookimpl(tryfirst=True)(marked)
    odd.register_sources = fake
    odd.plain, odd.constant, odd.cls, odd.mod = (lambda: None), 3, int, types
    pm = get_plugin_manager()
    modules = [p for _, p in pm.list_name_plugin() if isinstance(p, types.ModuleType)] + [odd]
    checked = 0
    for module in modules:
        for name in dir(module):
            ours = pm.parse_hookimpl_opts(module, name)
            assert ours == pluggy.PluginManager.parse_hookimpl_opts(pm, module, name), (module.__name__, name)
            checked += ours is not None
    assert checked > 20  # the built-ins' and the plugins' hooks were among them
    assert pm.parse_hookimpl_opts(odd, "register_normalisers")["tryfirst"] is True
    assert pm.parse_hookimpl_opts(odd, "register_sources") is None
