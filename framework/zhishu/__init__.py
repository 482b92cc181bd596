"""zhishu (指数): composite indices from plugins, composed by TOML.

The public API lives here and only here; plugins import from ``zhishu`` and nothing deeper.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zhishu")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from .components import INDEX_NAMES, IndicatorSpec, MethodSpec, SourceContext, SubIndexSpec, UnitSet, UnitSpec
from .errors import ConfigError, DataError, Issue, OutputError, PluginError, UnknownNameError, ZhishuError
from .hooks import Hooks
from .hookspecs import hookimpl
from .plugins import ENTRYPOINT_GROUP, get_plugin_manager
from .registry import did_you_mean
from .config import load_config
from .pipeline import run, run_config
from .results import Result
from .commands import Command
from .ahp import AHPResult, ahp  # binds zhishu.ahp to the function; the module stays importable as zhishu.ahp
from .sensitivity.api import SensitivityResult, sensitivity  # likewise for the zhishu.sensitivity package

__all__ = [
    "AHPResult",
    "Command",
    "ENTRYPOINT_GROUP",
    "INDEX_NAMES",
    "ConfigError",
    "DataError",
    "Hooks",
    "IndicatorSpec",
    "Issue",
    "MethodSpec",
    "OutputError",
    "PluginError",
    "Result",
    "SensitivityResult",
    "SourceContext",
    "SubIndexSpec",
    "UnitSet",
    "UnitSpec",
    "UnknownNameError",
    "ZhishuError",
    "__version__",
    "ahp",
    "did_you_mean",
    "get_plugin_manager",
    "hookimpl",
    "load_config",
    "run",
    "run_config",
    "sensitivity",
]
