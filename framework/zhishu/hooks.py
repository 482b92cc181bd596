"""The typed facade over the plugin manager: the only module that calls ``pm.hook.*``.

Registration hooks are called one implementation at a time so that every registered name is attributed to
the plugin that registered it (for duplicate errors and the run manifest), and so that an exception raised
inside a plugin is re-raised with that plugin's name attached.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pluggy

from .errors import Issue, PluginError, ZhishuError, add_note
from .plugins import PluginInfo, get_plugin_manager, plugin_infos
from .registry import KINDS, Registries, Registry


class Hooks:
    """Everything the rest of zhishu asks of plugins."""

    def __init__(self, pm: pluggy.PluginManager | None = None):
        self.pm = pm if pm is not None else get_plugin_manager()
        self._registries: Registries | None = None

    # ------------------------------------------------------------------ registration
    @property
    def registries(self) -> Registries:
        """Every registry of this run, filled on first use."""
        if self._registries is None:
            self._registries = self._build_registries()
        return self._registries

    def _build_registries(self) -> Registries:
        registries = Registries()
        for kind in KINDS:
            caller = getattr(self.pm.hook, f"register_{kind}")
            for impl in caller.get_hookimpls():  # registration order: built-ins first
                callback = registries[kind].callback(impl.plugin_name)
                self._call_impl(impl, register=callback)
        return registries

    @staticmethod
    def _call_impl(impl, **kwargs: Any) -> Any:
        try:
            return impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
        except ZhishuError:
            raise
        except Exception as exc:
            add_note(exc, f"raised in hook {impl.function.__name__!r} of plugin {impl.plugin_name!r}")
            raise

    def plugins(self) -> list[PluginInfo]:
        return plugin_infos(self.pm)

    # ------------------------------------------------------------------ reading
    def read_table(self, path: str | Path, options: dict | None = None):
        """The first reader plugin's frame for ``path``; a clear error if no reader understands the file."""
        path = Path(path)
        options = dict(options or {})
        result = self.pm.hook.read_table(path=path, options=options)
        if result is None:
            raise PluginError(
                f"{path}: no installed reader understands files ending in {path.suffix or '(no suffix)'!r}; "
                "built-in readers take .csv, .txt, .tsv, .xlsx, .xlsm and .parquet (with pyarrow installed)"
            )
        return result

    # ------------------------------------------------------------------ checking
    def validate_config(self, config, registries: Registries) -> list[Issue]:
        issues: list[Issue] = []
        for impl in self.pm.hook.validate_config.get_hookimpls():
            found = self._call_impl(impl, config=config, registries=registries)
            issues.extend(_as_issues(found, impl.plugin_name))
        return issues

    # ------------------------------------------------------------------ lifecycle
    def before_run(self, config) -> None:
        self.pm.hook.before_run(config=config)

    def after_step(self, step: str, frame, config) -> None:
        self.pm.hook.after_step(step=step, frame=frame, config=config)

    def after_run(self, result) -> None:
        self.pm.hook.after_run(result=result)

    def on_error(self, error: BaseException, step: str, config) -> None:
        self.pm.hook.on_error(error=error, step=step, config=config)

    # ------------------------------------------------------------------ commands
    def commands(self) -> Registry:
        """The ``register_commands`` registry (the CLI needs it before any config is read, so without
        building every other registry)."""
        if self._registries is not None:
            return self._registries.commands
        registry: Registry = Registry("commands")
        for impl in self.pm.hook.register_commands.get_hookimpls():
            self._call_impl(impl, register=registry.callback(impl.plugin_name))
        return registry


def _as_issues(found: Iterable[Issue] | None, plugin: str) -> list[Issue]:
    if found is None:
        return []
    issues = []
    for item in found:
        if not isinstance(item, Issue):
            raise PluginError(f"plugin {plugin!r}: validate_config must return zhishu.Issue objects, got {item!r}")
        issues.append(item)
    return issues
