"""The plugin-manager factory: built-ins from an explicit tuple, everything else from entry points.

There is no import-time global manager: :func:`get_plugin_manager` builds a new one on every call.
:func:`zhishu.load_config` reuses the manager of an earlier load only while nothing it depends on has changed
(the plugins blocked, the modules a config imports, ``sys.path`` and its folders' modification times: see
``config/load.py`` ``_hooks_key``), so blocking a plugin or installing one never leaks between runs.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import types
from collections.abc import Iterable, Iterator
from typing import Any

import pluggy

from . import hookspecs
from .classes import frozen
from .errors import PluginError, leave_out
from .versions import EntryPoint, PackageNotFoundError, entry_points, headers, version

ENTRYPOINT_GROUP = "zhishu"
BLOCK_ENV = "ZHISHU_BLOCK_PLUGINS"

#: Framework built-ins, registered through the same ``register()`` call third-party plugins use.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "zhishu.default_plugins.readers",
    "zhishu.default_plugins.sources",
    "zhishu.default_plugins.normalisers",
    "zhishu.default_plugins.transforms",
    "zhishu.default_plugins.weightings",
    "zhishu.default_plugins.ahp",
    "zhishu.default_plugins.objective_weights",
    "zhishu.default_plugins.aggregators",
    "zhishu.default_plugins.imputers",
    "zhishu.default_plugins.outliers",
    "zhishu.default_plugins.exporters",
    "zhishu.default_plugins.commands",
)


@frozen
class PluginInfo:
    """What ``zhishu plugins`` and a run's manifest say about one plugin."""

    name: str
    module: str
    distribution: str
    version: str


def blocked_from_env(environ: os._Environ | dict | None = None) -> tuple[str, ...]:
    """Plugin names listed (comma- or space-separated) in ``ZHISHU_BLOCK_PLUGINS``."""
    raw = (environ if environ is not None else os.environ).get(BLOCK_ENV, "")
    return tuple(part for part in raw.replace(",", " ").split() if part)


def _builtin_name(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def get_plugin_manager(
    block: Iterable[str] = (),
    *,
    entry_points: bool = True,
    extra_modules: Iterable[str] = (),
    extra_paths: Iterable[str] = (),
    environ: dict | None = None,
) -> pluggy.PluginManager:
    """A new plugin manager with zhishu's hook specs, built-ins and installed plugins.

    :param block: plugin names not to load (built-ins are named by their module's last part, e.g.
        ``normalisers``; entry-point plugins by their entry-point name). ``ZHISHU_BLOCK_PLUGINS`` adds more.
    :param entry_points: load plugins from the ``zhishu`` entry-point group (installed distributions).
    :param extra_modules: modules to import and register as plugins; only the config loader passes these,
        and only after the user explicitly allowed imports.
    :param extra_paths: folders searched first while ``extra_modules`` are imported (the config's
        ``[plugins] paths``); ``sys.path`` is restored afterwards.
    """
    blocked = set(block) | set(blocked_from_env(environ))
    pm = PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for module_name in DEFAULT_PLUGINS:
        name = _builtin_name(module_name)
        if name in blocked:
            pm.set_blocked(name)
            continue
        _register(pm, importlib.import_module(module_name), name)
    if entry_points:
        for name in blocked:
            pm.set_blocked(name)
        _load_entry_points(pm)
    for module_name in extra_modules:
        if module_name in blocked:
            continue
        try:
            with _searching(tuple(extra_paths)):
                module = importlib.import_module(module_name)
        except ImportError as exc:
            raise PluginError(f"could not import plugin module {module_name!r}: {exc}") from exc
        if not pm.is_registered(module):
            _register(pm, module, module_name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{exc}; zhishu's hooks are listed in zhishu.hookspecs") from exc
    return pm


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, recording the installed distribution each entry-point plugin came from."""

    def __init__(self, project_name: str) -> None:
        super().__init__(project_name)
        #: plugin name → the distribution whose entry point registered it (:class:`zhishu.versions.Folder`, or
        #: an ``importlib.metadata.Distribution`` where the installation is not plain folders)
        self.distributions: dict[str, Any] = {}

    def parse_hookimpl_opts(self, plugin, name: str):
        """pluggy's answer, given at once for a module's global: pluggy asks for every name in
        ``dir(module)`` (imported classes, modules, constants, functions …) through ``inspect.getattr_static``
        (~15 µs each), which finds that same value. A value that is no routine cannot be a hook
        implementation; a plain function is one when it carries the marker's options (a dict), as pluggy's
        ``_get_marker_opts`` reads them. Anything else (methods, class- and static methods) is pluggy's."""
        if isinstance(plugin, types.ModuleType):
            value = plugin.__dict__.get(name, _ABSENT)
            if value is not _ABSENT and not isinstance(value, _ROUTINES):
                return None
            if type(value) is types.FunctionType:
                opts = getattr(value, self._marker, None)
                return opts if isinstance(opts, dict) else None
        return super().parse_hookimpl_opts(plugin, name)

    @property
    def _marker(self) -> str:
        return self.project_name + "_impl"  # the attribute pluggy's HookimplMarker sets


_ABSENT = object()
_ROUTINES = (types.FunctionType, types.MethodType, staticmethod, classmethod)


def _load_entry_points(pm: PluginManager) -> None:
    """Every plugin of the entry-point group ``zhishu`` (as pluggy's ``load_setuptools_entrypoints``, which
    does not say which plugin failed): one that cannot be imported or does not match the hooks is a
    :class:`PluginError` naming its entry point and distribution, and saying how to go on without it."""
    for dist, ep in entry_points(ENTRYPOINT_GROUP):  # read without importlib.metadata (zhishu.versions)
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # anything its import raises (ImportError, SyntaxError, a bug at import)
            raise PluginError(
                f"plugin {ep.name!r} ({_entry_point(ep, dist)}) failed to import: {type(exc).__name__}: "
                f"{exc}; reinstall (or repair) {_distribution_name(dist)!r}, uninstall it, or leave the "
                f"plugin out: {leave_out(ep.name)}"
            ) from exc
        try:
            pm.register(plugin, name=ep.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(
                f"plugin {ep.name!r} ({_entry_point(ep, dist)}) does not match zhishu's hooks: {exc}; update "
                f"or uninstall {_distribution_name(dist)!r}, or leave the plugin out: "
                f"{leave_out(ep.name)}; zhishu's hooks are listed "
                "in zhishu.hookspecs"
            ) from exc
        pm.distributions[ep.name] = dist


def _entry_point(ep: EntryPoint, dist: Any) -> str:
    name, version = _name_version(dist)
    return f"entry point `{ep.name} = {ep.value}` in group {ENTRYPOINT_GROUP!r} of the installed distribution " \
           f"{name!r} {version}"


def _distribution_name(dist: Any) -> str:
    return _name_version(dist)[0]


#: (name, version) of each distribution read so far, by its metadata folder (``*.dist-info``, whose name
#: carries the version): the package metadata is parsed once per process, not on every run's manifest
_METADATA: dict[str, tuple[str, str]] = {}


def _name_version(dist: Any) -> tuple[str, str]:
    """The distribution's project name and version, read from its metadata once per process."""
    key = str(getattr(dist, "_path", "")) or None  # PathDistribution's folder; other kinds are not cached
    if key is not None and key in _METADATA:
        return _METADATA[key]
    meta = headers(dist, "Name", "Version")  # not the whole metadata file
    found = (meta.get("Name") or "(unnamed distribution)", meta.get("Version") or "-")
    if key is not None:
        _METADATA[key] = found
    return found


@contextlib.contextmanager
def _searching(folders: tuple[str, ...]) -> Iterator[None]:
    """``folders`` first on ``sys.path`` for the duration of the block; ``sys.path`` is then restored exactly
    (no global state survives a config load)."""
    if not folders:
        yield
        return
    saved = list(sys.path)
    sys.path[:0] = [f for f in folders if f not in sys.path]
    try:
        yield
    finally:
        sys.path[:] = saved


def _register(pm: pluggy.PluginManager, plugin, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r}: {exc}; zhishu's hooks and their arguments are listed in "
                          "zhishu.hookspecs") from exc


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Name, module, distribution and version of every registered plugin (built-ins first)."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}  # a manager loaded by pluggy
    recorded = getattr(pm, "distributions", {})  # ours (PluginManager)
    from . import __version__

    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        module = getattr(plugin, "__name__", type(plugin).__name__)
        dist = recorded.get(name) or dists.get(id(plugin))
        if dist is not None:
            infos.append(PluginInfo(name, module, *_name_version(dist)))
        elif module.startswith("zhishu."):
            infos.append(PluginInfo(name, module, "zhishu", __version__))
        else:
            infos.append(PluginInfo(name, module, _distribution_of(module), _version_of(module)))
    return infos


def _distribution_of(module: str) -> str:
    import importlib.metadata as md  # only for a module a config imported: rare, and slow to import

    top = module.split(".", 1)[0]
    names = md.packages_distributions().get(top, [])
    return names[0] if names else "(not installed: imported by the config)"


def _version_of(module: str) -> str:
    dist = _distribution_of(module)
    try:
        return version(dist)
    except PackageNotFoundError:
        return "-"
