"""zhishu (指数): composite indices from plugins, composed by TOML.

The public API lives here and only here; plugins import from ``zhishu`` and nothing deeper.
"""

import importlib as _importlib
import sys as _sys
import types as _types


def _version() -> str:
    from .versions import PackageNotFoundError, version

    try:
        return version("zhishu")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


__version__ = _version()
del _version

# Names are imported when first used (PEP 562), so that ``import zhishu`` — and ``zhishu --version`` — does not
# import pandas, numpy and the plugins until something needs them.
_EXPORTS = {
    "CAPABILITIES": ".components",
    "INDEX_NAMES": ".components",
    "AggregatesArrays": ".components",
    "ByYear": ".components",
    "ChecksChildren": ".components",
    "ChecksConfig": ".components",
    "HasDetails": ".components",
    "IndicatorSpec": ".components",
    "MethodSpec": ".components",
    "Reports": ".components",
    "ResolvesMethods": ".components",
    "SourceContext": ".components",
    "SubIndexSpec": ".components",
    "UnitSet": ".components",
    "UnitSpec": ".components",
    "ConfigError": ".errors",
    "DataError": ".errors",
    "InputError": ".errors",
    "Issue": ".errors",
    "OutputError": ".errors",
    "PluginError": ".errors",
    "UnknownNameError": ".errors",
    "ZhishuError": ".errors",
    "KINDS": ".kinds",
    "Kind": ".kinds",
    "canonical_label": ".labels",
    "MAX_LISTED": ".listing",
    "cell_location": ".listing",
    "skew_kurtosis": ".moments",
    "finite": ".validators",
    "Hooks": ".hooks",
    "hookimpl": ".hookspecs",
    "ENTRYPOINT_GROUP": ".plugins",
    "get_plugin_manager": ".plugins",
    "did_you_mean": ".registry",
    "Lazy": ".registry",
    "lazy": ".registry",
    "load_config": ".config",
    "run": ".pipeline",
    "run_config": ".pipeline",
    "STAGE_NAMES": ".stages",
    "STAGES": ".stages",
    "Stage": ".stages",
    "Stages": ".stages",
    "run_stages": ".stages",
    "with_stage": ".stages",
    "Result": ".results",
    "Command": ".commands",
    "AHPResult": ".ahp",
    "ahp": ".ahp",
    "SensitivityResult": ".sensitivity.api",
    "sensitivity": ".sensitivity.api",
    "DataHooks": ".specfile",
    "Specs": ".specfile",
    "VariableSpec": ".specfile",
    "data_plugin": ".specfile",
    "load_specs": ".specfile",
    "Geometry": ".geometry",
    "choose_geometry": ".geometry",
    "Progress": ".progress",
}
#: attributes that are functions although a submodule of the same name exists (``zhishu.ahp`` the function,
#: ``import zhishu.ahp`` still the module in ``sys.modules``), as the eager imports bound them before
_FUNCTIONS_OVER_MODULES = {"ahp", "sensitivity"}


#: public submodules, imported on first use like the names: ``zhishu.methods.get("weighting", "entropy")``
_SUBMODULES = {"methods"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zhishu' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    _ModuleType.__setattr__(_sys.modules[__name__], name, value)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(_types.ModuleType):
    """Keeps ``zhishu.ahp`` and ``zhishu.sensitivity`` the functions when their modules are imported."""

    def __setattr__(self, name, value):
        if name in _FUNCTIONS_OVER_MODULES and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_ModuleType = _types.ModuleType
_sys.modules[__name__].__class__ = _Package

__all__ = [
    "CAPABILITIES",
    "AHPResult",
    "Command",
    "ENTRYPOINT_GROUP",
    "INDEX_NAMES",
    "KINDS",
    "MAX_LISTED",
    "STAGES",
    "STAGE_NAMES",
    "AggregatesArrays",
    "ByYear",
    "ChecksChildren",
    "ChecksConfig",
    "ConfigError",
    "DataError",
    "DataHooks",
    "HasDetails",
    "Geometry",
    "Hooks",
    "IndicatorSpec",
    "InputError",
    "Issue",
    "Kind",
    "Lazy",
    "MethodSpec",
    "OutputError",
    "PluginError",
    "Progress",
    "Reports",
    "ResolvesMethods",
    "Result",
    "SensitivityResult",
    "SourceContext",
    "Specs",
    "Stage",
    "Stages",
    "SubIndexSpec",
    "UnitSet",
    "UnitSpec",
    "UnknownNameError",
    "VariableSpec",
    "ZhishuError",
    "__version__",
    "canonical_label",
    "cell_location",
    "ahp",
    "data_plugin",
    "choose_geometry",
    "did_you_mean",
    "finite",
    "get_plugin_manager",
    "hookimpl",
    "lazy",
    "load_config",
    "load_specs",
    "run",
    "run_config",
    "run_stages",
    "with_stage",
    "sensitivity",
    "skew_kurtosis",
]
