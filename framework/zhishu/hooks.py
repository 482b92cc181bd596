"""The typed facade over the plugin manager: the only module that calls plugins' hooks.

Every hook is called through pluggy, in pluggy's order — ``tryfirst`` implementations first, then the most
recently registered (installed plugins before built-ins), ``trylast`` last — with every hookwrapper (old- or
new-style) around each call, so that monitoring and tracing plugins work. Each plain implementation is called
on its own (a subset hook caller without the other plain implementations, wrappers kept), so that every
registered name is attributed to the plugin that registered it (for duplicate errors and the run manifest),
issues returned by ``validate_config`` name their plugin, and an exception raised inside a plugin is re-raised
with that plugin's name attached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pluggy

from .errors import Issue, PluginError, ZhishuError, add_note
from .kinds import KINDS
from .plugins import PluginInfo, get_plugin_manager, plugin_infos
from .registry import Registries, Registry


class Hooks:
    """Everything the rest of zhishu asks of plugins."""

    def __init__(self, pm: pluggy.PluginManager | None = None):
        self.pm = pm if pm is not None else get_plugin_manager()
        self._registries: Registries | None = None

    # ------------------------------------------------------------------ registration
    @property
    def registries(self) -> Registries:
        """Every registry of this run, each kind filled when first used (:class:`~zhishu.registry.Registries`)."""
        if self._registries is None:
            self._registries = self._build_registries()
        return self._registries

    def _build_registries(self) -> Registries:
        return Registries(fill=self._fill)

    def _fill(self, kind: str, registry: Registry) -> None:
        """Ask every plugin's ``register_<kind>`` hook, in pluggy's order, to fill ``registry``."""
        for impl, call in self._each(KINDS[kind].hook):
            call(register=registry.callback(impl.plugin_name))

    def _each(self, name: str) -> Iterator[tuple[Any, Callable[..., Any]]]:
        """``(implementation, call)`` for every plain implementation of hook ``name``, in pluggy's call order;
        ``call(**kwargs)`` runs that implementation alone (with every wrapper around it) and returns its answer,
        an exception from the plugin's code noted with the plugin's name."""
        impls = [i for i in reversed(getattr(self.pm.hook, name).get_hookimpls())
                 if not (i.hookwrapper or i.wrapper)]
        for impl in impls:
            caller = self.pm.subset_hook_caller(name, remove_plugins=[i.plugin for i in impls if i is not impl])
            yield impl, _attributed(caller, impl, name)

    def commands(self) -> Registry:
        """The ``register_commands`` registry (the CLI needs it before any config is read; like every kind, it
        is filled alone, when first used)."""
        return self.registries.commands

    def plugins(self) -> list[PluginInfo]:
        return plugin_infos(self.pm)

    # ------------------------------------------------------------------ reading
    def read_table(self, path: str | Path, options: dict | None = None):
        """The first reader plugin's frame for ``path``; a clear error if no reader understands the file."""
        path = Path(path)
        options = dict(options or {})
        for _impl, call in self._each("read_table"):
            result = call(path=path, options=options)
            if result is not None:
                return result
        raise PluginError(
            f"{path}: no installed reader understands files ending in {path.suffix or '(no suffix)'!r}; "
            "built-in readers take .csv, .txt, .tsv, .xlsx, .xlsm and .parquet (with pyarrow installed)"
        )

    # ------------------------------------------------------------------ checking
    def validate_config(self, config, registries: Registries) -> list[Issue]:
        issues: list[Issue] = []
        for impl, call in self._each("validate_config"):
            issues.extend(_as_issues(call(config=config, registries=registries), impl.plugin_name))
        return issues

    # ------------------------------------------------------------------ lifecycle
    def _notify(self, name: str, **kwargs: Any) -> None:
        for _impl, call in self._each(name):
            call(**kwargs)

    def before_run(self, config) -> None:
        self._notify("before_run", config=config)

    def after_step(self, step: str, frame, config) -> None:
        self._notify("after_step", step=step, frame=frame, config=config)

    def after_run(self, result) -> None:
        self._notify("after_run", result=result)

    def on_error(self, error: BaseException, step: str, config) -> None:
        self._notify("on_error", error=error, step=step, config=config)


def _attributed(caller, impl, name: str) -> Callable[..., Any]:
    """Call ``caller`` (one plain implementation and the wrappers) and return the implementation's answer."""
    firstresult = bool(caller.spec and caller.spec.opts.get("firstresult"))

    def call(**kwargs: Any) -> Any:
        try:
            answer = caller(**kwargs)
        except ZhishuError:
            raise
        except Exception as exc:
            add_note(exc, f"raised in hook {name!r} of plugin {impl.plugin_name!r}")
            raise
        if firstresult:
            return answer
        return answer[0] if answer else None

    return call


def _as_issues(found: Iterable[Issue] | None, plugin: str) -> list[Issue]:
    if found is None:
        return []
    issues = []
    for item in found:
        if not isinstance(item, Issue):
            raise PluginError(f"plugin {plugin!r}: validate_config must return zhishu.Issue objects, got {item!r}")
        issues.append(item)
    return issues
