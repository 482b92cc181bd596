"""The TOML schema of an index, as frozen, keyword-only attrs classes (documented in README's config reference).

Every table rejects keys it does not know. Method choices (normaliser, weighting, aggregator, imputer,
outlier treatment) are either a name (``"minmax"``) or ``{ method = "minmax", params = { … } }``; their
``params`` are structured later, strictly, into the chosen plugin's own parameter class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..classes import frozen
from ..components import MethodSpec

NONE_METHOD = MethodSpec(method="none")


def _share(instance, attribute, value) -> None:
    if isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be a share between 0 and 1 (0.65 = 65 %), not {value!r}")


def _screen_by(instance, attribute, value) -> None:
    if value != "unit":
        raise ValueError(f'by must be "unit" (units are screened by their share of indicators with data), '
                         f"not {value!r}")


@frozen(kw_only=True)
class ScreenConfig:
    """``[index] screen = { min_coverage = 0.65, by = "unit" }``: drop a unit in a year when the share of the
    indicators with data for it that year (before imputation) is below ``min_coverage`` (COINr's ``Screen``)."""

    min_coverage: float = attrs.field(validator=_share)
    by: str = attrs.field(default="unit", validator=_screen_by)


@frozen(kw_only=True)
class IndexMeta:
    """``[index]``: what the index is, which node is its root, and which years to compute."""

    id: str
    name_zh: str = ""
    name_en: str = ""
    description: str = ""
    version: str = ""
    root: str = "index"
    unit_set: str | None = None
    years: tuple[int, ...] | None = None
    seed: int = 0
    data_root: str | None = None  # sources may read only files inside this folder (relative to the config)
    screen: ScreenConfig | None = None


@frozen(kw_only=True)
class PluginsConfig:
    """``[plugins]``: plugins to block, and (only with the user's explicit permission) modules to import."""

    block: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


@frozen(kw_only=True)
class UnitConfig:
    """``[[units]]``: one unit (province, city, country …) with optional aliases and groups."""

    id: str
    name: str = ""
    aliases: tuple[str, ...] = ()
    groups: Mapping[str, str] = attrs.field(factory=dict)


@frozen(kw_only=True)
class SourceConfig:
    """``[sources.<id>]``: a data-source plugin and its parameters."""

    plugin: str
    params: Mapping[str, Any] = attrs.field(factory=dict)


@frozen(kw_only=True)
class IndicatorConfig:
    """``[indicators.<id>]``: an inline indicator, or adjustments to one a plugin registered.

    For a plugin's indicator only the keys that do not define it may be set: ``params`` (its formula
    constants), ``source``, ``denominator``/``denominator_scale`` and the per-indicator methods.
    """

    name_zh: str | None = None
    name_en: str | None = None
    unit: str | None = None
    direction: int | None = None
    variable: str | None = None
    formula: str | None = None
    params: Mapping[str, float] = attrs.field(factory=dict)
    source: str | None = None
    denominator: str | None = None
    denominator_scale: float | None = None
    normaliser: MethodSpec | None = None
    transform: MethodSpec | None = None
    imputer: MethodSpec | None = None
    outliers: MethodSpec | None = None
    description: str | None = None

    DEFINING = ("name_zh", "name_en", "unit", "direction", "variable", "formula", "description")


@frozen(kw_only=True)
class NodeConfig:
    """``[nodes.<id>]``: a node of the tree. Its ``weighting``, ``aggregator`` and ``min_share`` also apply
    to every node below it that does not set its own; ``weights`` is shorthand for the ``fixed`` weighting
    of this node's children only."""

    name_zh: str = ""
    name_en: str = ""
    description: str = ""
    children: tuple[str, ...] | None = None
    weighting: MethodSpec | None = None
    aggregator: MethodSpec | None = None
    weights: Mapping[str, float] | None = None
    min_share: float | None = None


@frozen(kw_only=True)
class NormalisationConfig:
    """``[normalisation]``: the default normaliser and pre-transform and, optionally, the year their
    parameters are fitted on."""

    default: MethodSpec = MethodSpec(method="minmax")
    transform: MethodSpec | None = None
    reference_year: int | None = None


@frozen(kw_only=True)
class StageConfig:
    """``[imputation]`` and ``[outliers]``: the method applied to every indicator (default: none)."""

    default: MethodSpec = NONE_METHOD


@frozen(kw_only=True)
class AnalysisConfig:
    """``[analyses.<name>]``: an analysis plugin (default: the table's name) and its parameters."""

    plugin: str | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict)


@frozen(kw_only=True)
class OutputConfig:
    """``[output]``: exporters used by ``zhishu run`` besides the standard CSV files, and ``round``: the
    decimals of every number in the written tables (applied after ranking; default full precision)."""

    exporters: tuple[str, ...] = ("csv",)
    #: "parquet": the standard tables as Parquet files instead of CSV (the "csv" exporter becomes "parquet")
    format: str = attrs.field(default="csv", validator=attrs.validators.in_(("csv", "parquet")))
    round: int | None = attrs.field(default=None, validator=attrs.validators.optional(
        [attrs.validators.ge(0), attrs.validators.le(15)]))


@frozen(kw_only=True)
class IndexConfig:
    """A whole index configuration file."""

    index: IndexMeta
    plugins: PluginsConfig = PluginsConfig()
    units: tuple[UnitConfig, ...] = ()
    sources: Mapping[str, SourceConfig] = attrs.field(factory=dict)
    indicators: Mapping[str, IndicatorConfig] = attrs.field(factory=dict)
    nodes: Mapping[str, NodeConfig] = attrs.field(factory=dict)
    normalisation: NormalisationConfig = NormalisationConfig()
    imputation: StageConfig = StageConfig()
    outliers: StageConfig = StageConfig()
    analyses: Mapping[str, AnalysisConfig] = attrs.field(factory=dict)
    output: OutputConfig = OutputConfig()
    sensitivity: Mapping[str, Any] = attrs.field(factory=dict)  # read by `zhishu sensitivity` (docs/sensitivity.md)
