"""zhishu (指数): composite indices from plugins, composed by TOML.

The public API lives here and only here; plugins import from ``zhishu`` and nothing deeper.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zhishu")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from .components import (
    CAPABILITIES,
    INDEX_NAMES,
    AggregatesArrays,
    ByYear,
    ChecksChildren,
    ChecksConfig,
    HasDetails,
    IndicatorSpec,
    MethodSpec,
    Reports,
    ResolvesMethods,
    SourceContext,
    SubIndexSpec,
    UnitSet,
    UnitSpec,
)
from .errors import (
    ConfigError,
    DataError,
    InputError,
    Issue,
    OutputError,
    PluginError,
    UnknownNameError,
    ZhishuError,
)
from .kinds import KINDS, Kind
from .labels import canonical_label
from .listing import MAX_LISTED, cell_location
from .validators import finite
from .hooks import Hooks
from .hookspecs import hookimpl
from .plugins import ENTRYPOINT_GROUP, get_plugin_manager
from .registry import did_you_mean
from .config import load_config
from .pipeline import run, run_config
from .stages import STAGE_NAMES, STAGES, Stage, Stages, run_stages, with_stage
from .results import Result
from .commands import Command
from .ahp import AHPResult, ahp  # binds zhishu.ahp to the function; the module stays importable as zhishu.ahp
from .sensitivity.api import SensitivityResult, sensitivity  # likewise for the zhishu.sensitivity package
from .specfile import DataHooks, Specs, VariableSpec, data_plugin, load_specs

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
    "Hooks",
    "IndicatorSpec",
    "InputError",
    "Issue",
    "Kind",
    "MethodSpec",
    "OutputError",
    "PluginError",
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
    "did_you_mean",
    "finite",
    "get_plugin_manager",
    "hookimpl",
    "load_config",
    "load_specs",
    "run",
    "run_config",
    "run_stages",
    "with_stage",
    "sensitivity",
]
