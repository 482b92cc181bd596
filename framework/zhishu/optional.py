"""Optional dependencies: one place that knows which extra provides which library.

``require("SALib", extra="sensitivity", purpose="Sobol indices")`` imports the library or raises
:class:`MissingDependencyError` (a user error, exit 2) saying ``pip install 'zhishu[sensitivity]'``;
:func:`needed_by` lists what a loaded config will need, so that ``zhishu validate`` can warn before a run.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType
from typing import Any

import attrs

from .classes import frozen
from .errors import ZhishuError

#: import name → the extra of zhishu that installs it (declared in pyproject.toml)
EXTRAS: dict[str, str] = {
    "SALib": "sensitivity",
    "distributed": "sensitivity",
    "dask": "sensitivity",
    "pyarrow": "parquet",
}


class MissingDependencyError(ZhishuError, ImportError):
    """An optional library a feature needs is not installed; the message says which extra to install."""


def install_hint(module: str, extra: str | None = None) -> str:
    extra = extra or EXTRAS.get(module)
    top = module.split(".", 1)[0]
    return f"pip install 'zhishu[{extra}]'" if extra else f"pip install {top}"


def missing_message(module: str, extra: str | None = None, purpose: str = "") -> str:
    top = module.split(".", 1)[0]
    what = f"{purpose} needs" if purpose else "this needs"
    return f"{what} {top}, which is not installed: install `zhishu[{extra or EXTRAS.get(top, top)}]` " \
           f"({install_hint(top, extra)})"


def available(module: str) -> bool:
    """Whether ``module`` can be imported (imports it)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def installed(module: str) -> bool:
    """Whether ``module`` is there to import, without importing it (a local Dask cluster's driver process
    imports ``distributed``, not this one); ``False`` for a module blocked in ``sys.modules`` as ``None``."""
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:
        return False


def require(module: str, *, extra: str | None = None, purpose: str = "") -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".", 1)[0]
        if exc.name is not None and exc.name.split(".", 1)[0] != top:
            raise  # the library is there but one of its own imports failed: not a missing extra
        raise MissingDependencyError(missing_message(module, extra, purpose)) from None


@frozen
class Need:
    """An optional library a config needs: the import name, the extra and why."""

    module: str
    extra: str
    purpose: str

    @property
    def message(self) -> str:
        return missing_message(self.module, self.extra, self.purpose)


def needed_by(plan: Any) -> list[Need]:
    """The optional libraries that running ``plan`` (and ``zhishu sensitivity`` on it) will import."""
    needs = []
    sensitivity = plan.config.sensitivity or {}
    if isinstance(sensitivity, dict) and sensitivity.get("sobol") is True:
        needs.append(Need("SALib", "sensitivity", "[sensitivity] sobol = true (Sobol sampling and indices)"))
    for name, source in plan.sources.items():
        paths = [v for v in _strings(source.obj) if v.lower().endswith(".parquet")]
        if paths:
            needs.append(Need("pyarrow", "parquet", f"sources.{name} (reading {paths[0]})"))
    return needs


def missing(plan: Any) -> list[Need]:
    """The libraries of :func:`needed_by` that are not installed."""
    return [need for need in needed_by(plan) if not available(need.module)]


def _strings(value: Any):
    if isinstance(value, (str, os.PathLike)):
        yield str(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif hasattr(value, "__attrs_attrs__"):
        yield from _strings(attrs.asdict(value, recurse=False))
